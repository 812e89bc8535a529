package producer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/evidence"
)

// fixture is one response of testdata/fixtures.txtar with its directives.
type fixture struct {
	name    string
	sent    bool
	want    []wantLine
	summary string
	none    bool
	resp    *evidence.Response
}

type wantLine struct {
	id    string
	cause catalog.ID
}

// parseFixture reads directive lines, then a raw HTTP response.
func parseFixture(name string, data []byte) (*fixture, error) {
	f := &fixture{name: name}
	rest := data
	for {
		line, after, _ := bytes.Cut(rest, []byte("\n"))
		if !bytes.HasPrefix(line, []byte("#")) {
			break
		}
		rest = after
		d := strings.TrimSpace(strings.TrimPrefix(string(line), "#"))
		key, val, _ := strings.Cut(d, ":")
		val = strings.TrimSpace(val)
		switch strings.TrimSpace(key) {
		case "sent":
			f.sent = val == "yes"
		case "want":
			fs := strings.Fields(val)
			if len(fs) == 0 || len(fs) > 2 {
				return nil, fmt.Errorf("%s: bad want %q", name, val)
			}
			w := wantLine{id: fs[0]}
			if len(fs) == 2 {
				w.cause = catalog.ID(fs[1])
			}
			f.want = append(f.want, w)
		case "summary":
			f.summary = val
		case "none":
			f.none = true
		default:
			return nil, fmt.Errorf("%s: unknown directive %q", name, d)
		}
	}
	res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(rest)), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("%s: body: %v", name, err)
	}
	f.resp = &evidence.Response{Status: res.StatusCode, Header: res.Header, Body: bytes.TrimRight(body, "\n")}
	return f, nil
}

func loadFixtures(t testing.TB) []*fixture {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/fixtures.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var out []*fixture
	for _, file := range ar.Files {
		f, err := parseFixture(file.Name, file.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

func mustDefault(t testing.TB) *Set {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatalf("embedded signatures: %v", err)
	}
	return s
}

// TestFixtures checks every documented response: the producers it must
// name and the cause its most confident meaning must give.
func TestFixtures(t *testing.T) {
	set := mustDefault(t)
	for _, f := range loadFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			res := set.Identify(f.resp, Input{Sent: f.sent})
			if f.none {
				if len(res.Producers) != 0 {
					t.Fatalf("named %v, want none", res.Names())
				}
				return
			}
			for _, w := range f.want {
				m, ok := res.Get(w.id)
				if !ok {
					t.Fatalf("producer %s not named; named %v", w.id, res.Names())
				}
				if len(m.Markers) == 0 {
					t.Errorf("producer %s named without markers", w.id)
				}
				if w.cause == "" {
					continue
				}
				ms := res.Meanings()
				if len(ms) == 0 {
					t.Fatalf("no meaning, want %s", w.cause)
				}
				if ms[0].Cause != w.cause {
					t.Errorf("top meaning %s (%s), want %s; all: %+v", ms[0].Cause, ms[0].Meaning, w.cause, ms)
				}
				if ms[0].Producer != w.id {
					t.Errorf("top meaning from %s, want %s", ms[0].Producer, w.id)
				}
			}
			if f.summary != "" && res.Summary() != f.summary {
				t.Errorf("summary %q, want %q", res.Summary(), f.summary)
			}
		})
	}
}

// TestCoverage holds the data file to its promise: every producer has a
// fixture naming it, and every rule is the top meaning of some fixture
// (live producers are exercised by test/producers as well).
func TestCoverage(t *testing.T) {
	set := mustDefault(t)
	named := map[string]bool{}
	rules := map[string]bool{}
	for _, f := range loadFixtures(t) {
		res := set.Identify(f.resp, Input{Sent: f.sent})
		for _, m := range res.Producers {
			named[m.ID] = true
			for _, mm := range m.Meanings {
				rules[fmt.Sprintf("%s rule %d", mm.Producer, mm.Rule)] = true
			}
		}
	}
	var missing []string
	for _, s := range set.Signatures() {
		if !named[s.ID] {
			missing = append(missing, s.ID+" (no fixture names it)")
		}
		for i := range s.Rules {
			k := fmt.Sprintf("%s rule %d", s.ID, i+1)
			if !rules[k] {
				missing = append(missing, k+" (no fixture matches it)")
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("signatures without fixtures:\n%s", strings.Join(missing, "\n"))
	}
}

// TestRequiredProducers lists the producers the issue asks for.
func TestRequiredProducers(t *testing.T) {
	set := mustDefault(t)
	ids := map[string]bool{}
	for _, s := range set.Signatures() {
		ids[s.ID] = true
	}
	for _, id := range []string{"nginx", "apache", "iis", "lighttpd", "caddy", "haproxy", "squid",
		"cloudflare", "akamai", "sucuri", "aws-apigateway", "aws-alb", "cloudfront", "modsecurity",
		"wordfence", "solid-security", "wordpress", "drf", "laravel", "spring-security", "aspnetcore",
		"express", "envoy", "kong", "traefik", "oauth2-proxy", "authelia", "keycloak",
		"docker-registry", "kubernetes", "github", "grafana"} {
		if !ids[id] {
			t.Errorf("no signature for %s", id)
		}
	}
}

func TestVerifiedNotes(t *testing.T) {
	for _, s := range mustDefault(t).Signatures() {
		if !strings.HasPrefix(s.Verified, "live: ") && !strings.HasPrefix(s.Verified, "fixture: ") {
			t.Errorf("%s: verified note %q must start with \"live: \" or \"fixture: \"", s.ID, s.Verified)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"syntax", `{`, "signatures: unexpected EOF"},
		{"unknown field", `{"producers":[],"x":1}`, `unknown field "x"`},
		{"bad id", `{"producers":[{"id":"Bad","name":"B","kind":"app","markers":[{"in":"body","contains":"x"}],"verified":"fixture: x"}]}`, `bad id "Bad"`},
		{"duplicate", `{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"body","contains":"x"}],"verified":"fixture: x"},{"id":"a","name":"A","kind":"app","markers":[{"in":"body","contains":"y"}],"verified":"fixture: x"}]}`, "signatures: a: duplicate id"},
		{"kind", `{"producers":[{"id":"a","name":"A","kind":"robot","markers":[{"in":"body","contains":"x"}],"verified":"fixture: x"}]}`, `unknown kind "robot"`},
		{"no markers", `{"producers":[{"id":"a","name":"A","kind":"app","verified":"fixture: x"}]}`, "signatures: a: no markers"},
		{"regex", `{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"body","regex":"("}],"verified":"fixture: x"}]}`, "signatures: a: marker 1: regex"},
		{"place", `{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"trailer","contains":"x"}],"verified":"fixture: x"}]}`, `unknown place "trailer"`},
		{"header name", `{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"header"}],"verified":"fixture: x"}]}`, "header marker without a name"},
		{"cause", `{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"body","contains":"x"}],"rules":[{"when":[{"in":"body","contains":"x"}],"cause":"waf.blok","confidence":0.9,"meaning":"m"}],"verified":"fixture: x"}]}`, `signatures: a: rule 1: unknown cause "waf.blok"`},
		{"confidence", `{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"body","contains":"x"}],"rules":[{"when":[{"in":"body","contains":"x"}],"cause":"waf.block","confidence":1.5,"meaning":"m"}],"verified":"fixture: x"}]}`, "confidence 1.5 not in (0, 1]"},
		{"sent", `{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"body","contains":"x"}],"rules":[{"when":[{"in":"body","contains":"x"}],"sent":"maybe","cause":"waf.block","confidence":0.5,"meaning":"m"}],"verified":"fixture: x"}]}`, `sent must be`},
		{"verified", `{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"body","contains":"x"}]}]}`, "no verified note"},
		{"null", `{"producers":[null]}`, "entry 0 is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestIdentifyNil(t *testing.T) {
	res := Identify(nil, Input{})
	if len(res.Producers) != 0 || res.Summary() != "" {
		t.Fatalf("nil response named %v", res.Names())
	}
	var s *Set
	if r := s.Identify(&evidence.Response{Status: 401}, Input{}); len(r.Producers) != 0 {
		t.Fatal("nil set named producers")
	}
}

// TestWeakMarkersAlone: a weak hint alone does not name a producer.
func TestWeakMarkersAlone(t *testing.T) {
	r := &evidence.Response{Status: 401, Header: http.Header{"X-Powered-By": {"ASP.NET"}}}
	if res := Identify(r, Input{}); res.Has("iis") || res.Has("aspnetcore") {
		t.Fatalf("X-Powered-By alone named %v", res.Names())
	}
	r.Header.Set("Server", "Microsoft-IIS/10.0")
	if res := Identify(r, Input{}); !res.Has("iis") {
		t.Fatalf("Server: Microsoft-IIS not named: %v", res.Names())
	}
}

// TestOrderAndSummary: outermost first whatever the file order.
func TestOrderAndSummary(t *testing.T) {
	r := &evidence.Response{Status: 401, Header: http.Header{
		"Server": {"cloudflare"},
		"Cf-Ray": {"8a1b2c3d4e5f6789-FRA"},
		"Link":   {`<https://b.example/wp-json/>; rel="https://api.w.org/"`},
	}, Body: []byte(`{"code":"incorrect_password","message":"x","data":{"status":401}}`)}
	res := Identify(r, Input{Sent: true})
	if got := res.Summary(); got != "Cloudflare in front of WordPress" {
		t.Fatalf("summary %q", got)
	}
	m, _ := res.Get("wordpress")
	if len(m.Markers) != 2 || m.Markers[0] != `Link rel="https://api.w.org/"` || m.Markers[1] != `JSON code "incorrect_password"` {
		t.Fatalf("markers %q", m.Markers)
	}
}

func TestLookup(t *testing.T) {
	var doc any = map[string]any{"errors": []any{map[string]any{"code": "DENIED", "n": 3.0, "b": true}}}
	for path, want := range map[string]string{"errors.0.code": "DENIED", "errors.0.n": "3", "errors.0.b": "true"} {
		if got, ok := lookup(doc, path); !ok || got != want {
			t.Errorf("lookup %s = %q, %v", path, got, ok)
		}
	}
	for _, path := range []string{"errors.1.code", "errors.x", "errors.0", "nope", "errors.-1.code"} {
		if got, ok := lookup(doc, path); ok {
			t.Errorf("lookup %s = %q, want not found", path, got)
		}
	}
}

func TestFixtureFilesParse(t *testing.T) {
	if _, err := os.Stat("signatures.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(signaturesJSON); err != nil {
		t.Fatal(err)
	}
}

// TestMarkersRedacted: a session cookie that shows a producer is quoted
// without its value.
func TestMarkersRedacted(t *testing.T) {
	r := &evidence.Response{Status: 302, Header: http.Header{
		"Set-Cookie": {"_oauth2_proxy=c2VjcmV0LXNlc3Npb24tdmFsdWU; Path=/; HttpOnly"},
		"Location":   {"/oauth2/start?rd=%2F"},
	}}
	res := Identify(r, Input{})
	m, ok := res.Get("oauth2-proxy")
	if !ok {
		t.Fatalf("oauth2-proxy not named: %v", res.Names())
	}
	for _, q := range m.Markers {
		if strings.Contains(q, "c2VjcmV0") {
			t.Fatalf("cookie value leaked in marker %q", q)
		}
	}
}

func TestLoginURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://app.example/oauth2/start?rd=%2Fapi":                           true,
		"https://login.microsoftonline.com/common/oauth2/v2.0/authorize":       true,
		"https://acme.okta.com/app/x":                                          true,
		"https://app.example/users/sign_in":                                    true,
		"https://sso.example.com/realms/acme/protocol/openid-connect/auth?x=1": true,
		"https://auth.example.com/?rd=https%3A%2F%2Fapp":                       true,
		"https://blog.example/wp-login.php?redirect_to=x":                      true,
		"https://app.example/landing":                                          false,
		"https://app.example/api/items/":                                       false,
		"https://app.example/author/jane":                                      false,
		"https://app.example/catalog?page=2":                                   false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if why, got := LoginURL(u); got != want {
			t.Errorf("LoginURL(%s) = %v (%s), want %v", raw, got, why, want)
		}
	}
	if _, ok := LoginURL(nil); ok {
		t.Error("nil URL is a login URL")
	}
	if !LoginForm([]byte(`<form><input name=u><input type="password" name=p></form>`)) || LoginForm([]byte(`<p>password</p>`)) {
		t.Error("LoginForm")
	}
}

func TestCausesMatchDefault(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var want []catalog.ID
	seen := map[catalog.ID]bool{}
	for _, sig := range s.Signatures() {
		for _, r := range sig.Rules {
			if !seen[r.Cause] {
				seen[r.Cause] = true
				want = append(want, r.Cause)
			}
		}
	}
	if got := Causes(); !slices.Equal(got, want) {
		t.Errorf("Causes() = %v, want %v", got, want)
	}
}
