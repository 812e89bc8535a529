package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/why401/why401/internal/catalog"
)

// startLab starts a lab on a free loopback port and closes it at cleanup.
func startLab(t *testing.T, opts Options) *Lab {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// result is one answer to a scenario's request.
type result struct {
	status int
	header http.Header
	body   string
	err    error
	via    string // the address dialled, for --resolve
}

// run performs a scenario's probe arguments with net/http: the URL, then
// -u, -H, -b, -L, --cacert and --resolve as curl reads them. With
// --resolve naming several addresses it sends one request per address.
func run(t *testing.T, method string, args []string) []result {
	t.Helper()
	if len(args) == 0 {
		t.Fatal("no arguments")
	}
	target := args[0]
	var (
		user, pass string
		hasUser    bool
		headers    [][2]string
		cookie     string
		follow     bool
		roots      *x509.CertPool
		resolve    []string // addresses
		resolveFor string   // host:port
	)
	for i := 1; i < len(args); i++ {
		next := func() string {
			i++
			if i >= len(args) {
				t.Fatalf("%s needs a value", args[i-1])
			}
			return args[i]
		}
		switch a := args[i]; a {
		case "-u":
			user, pass, _ = strings.Cut(next(), ":")
			hasUser = true
		case "-H":
			name, value, ok := strings.Cut(next(), ":")
			if !ok {
				t.Fatalf("bad header %q", args[i])
			}
			headers = append(headers, [2]string{name, strings.TrimSpace(value)})
		case "-b":
			cookie = next()
		case "-L":
			follow = true
		case "--cacert":
			pem, err := os.ReadFile(next())
			if err != nil {
				t.Fatal(err)
			}
			roots = x509.NewCertPool()
			if !roots.AppendCertsFromPEM(pem) {
				t.Fatal("CA file holds no certificate")
			}
		case "--resolve":
			parts := strings.SplitN(next(), ":", 3)
			if len(parts) != 3 {
				t.Fatalf("bad --resolve %q", args[i])
			}
			resolveFor = net.JoinHostPort(parts[0], parts[1])
			for _, a := range strings.Split(parts[2], ",") {
				resolve = append(resolve, net.JoinHostPort(strings.Trim(a, "[]"), parts[1]))
			}
		default:
			t.Fatalf("unknown argument %q", a)
		}
	}
	if len(resolve) == 0 {
		resolve = []string{""}
	}
	var out []result
	for _, addr := range resolve {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
		if addr != "" {
			tr.DialContext = func(ctx context.Context, network, hostport string) (net.Conn, error) {
				if hostport == resolveFor {
					hostport = addr
				}
				return (&net.Dialer{}).DialContext(ctx, network, hostport)
			}
		}
		client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		if !follow {
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		}
		req, err := http.NewRequest(method, target, nil)
		if err != nil {
			t.Fatal(err)
		}
		if hasUser {
			req.SetBasicAuth(user, pass)
		}
		for _, h := range headers {
			req.Header.Add(h[0], h[1])
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		r := result{via: addr}
		resp, err := client.Do(req)
		if err != nil {
			r.err = err
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r.status, r.header, r.body = resp.StatusCode, resp.Header, string(b)
		}
		tr.CloseIdleConnections()
		out = append(out, r)
	}
	return out
}

// one runs args and expects exactly one successful exchange.
func one(t *testing.T, method string, args []string) result {
	t.Helper()
	rs := run(t, method, args)
	if len(rs) != 1 {
		t.Fatalf("%d results, want 1", len(rs))
	}
	if rs[0].err != nil {
		t.Fatal(rs[0].err)
	}
	return rs[0]
}

func wantStatus(t *testing.T, r result, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %q", r.status, status, r.body)
	}
}

func wantChallenge(t *testing.T, r result, want string) {
	t.Helper()
	got := r.header.Values("WWW-Authenticate")
	if len(got) != 1 || got[0] != want {
		t.Fatalf("WWW-Authenticate %q, want [%q]", got, want)
	}
}

func wantJSON(t *testing.T, r result, key, value string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON", ct)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	if got, _ := m[key].(string); got != value {
		t.Fatalf("body %s=%q, want %q (body %s)", key, got, value, r.body)
	}
}

// bearerErr is the challenge of a failed token for lab l.
func bearerErr(l *Lab, code, desc string) string {
	return `Bearer realm="lab", error="` + code + `", error_description="` + desc + `", resource_metadata="` + l.URL() + `/.well-known/oauth-protected-resource"`
}

// bareBearer is the challenge without an error.
func bareBearer(l *Lab) string {
	return `Bearer realm="lab", resource_metadata="` + l.URL() + `/.well-known/oauth-protected-resource"`
}

// scenarioChecks says, per cause, how the route must answer its own
// arguments. The working scenarios are keyed by path.
func scenarioChecks(l *Lab) map[string]func(t *testing.T, s Scenario) {
	basicRealmCh := `Basic realm="lab API"`
	return map[string]func(t *testing.T, s Scenario){
		"/basic/ok": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 200)
			wantJSON(t, r, "user", "alice")
		},
		"/api/ok": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 200)
			wantJSON(t, r, "sub", "alice")
		},
		"/digest/ok": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			if got := r.header.Values("WWW-Authenticate"); len(got) != 2 || !strings.Contains(got[0], "algorithm=SHA-256") || !strings.Contains(got[1], "algorithm=MD5") {
				t.Fatalf("challenges %q", got)
			}
			// Answering the challenge with the scenario's user works.
			user, pass, _ := strings.Cut(s.Args[2], ":")
			resp := digestLogin(t, http.DefaultClient, s.Args[0], user, pass, "SHA-256")
			wantStatus(t, resp, 200)
		},
		string(catalog.CredentialsMissing): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bareBearer(l))
			wantJSON(t, r, "error", "unauthorized")
		},
		string(catalog.CredentialsRejected): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, basicRealmCh)
			wantJSON(t, r, "error", "invalid credentials")
		},
		string(catalog.CredentialsMalformed): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, basicRealmCh)
			wantJSON(t, r, "error", "malformed credentials")
		},
		string(catalog.CredentialsWrongScheme): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bearerErr(l, "invalid_request", "Basic credentials are not accepted; send a Bearer token"))
		},
		string(catalog.TokenExpired): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bearerErr(l, "invalid_token", "token expired"))
		},
		string(catalog.TokenNotYetValid): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bearerErr(l, "invalid_token", "token not yet valid"))
		},
		string(catalog.TokenAudience): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bearerErr(l, "invalid_token", "audience not accepted"))
		},
		string(catalog.TokenIssuer): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bearerErr(l, "invalid_token", "untrusted issuer"))
		},
		string(catalog.TokenScope): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 403)
			ch := r.header.Get("WWW-Authenticate")
			for _, part := range []string{`Bearer realm="lab"`, `error="insufficient_scope"`, `scope="admin"`, `resource_metadata="`} {
				if !strings.Contains(ch, part) {
					t.Fatalf("challenge %q lacks %s", ch, part)
				}
			}
		},
		string(catalog.TokenSignature): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bearerErr(l, "invalid_token", "signature key not found"))
		},
		string(catalog.TokenMalformed): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bearerErr(l, "invalid_token", "malformed token"))
		},
		string(catalog.ClockSkew): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bearerErr(l, "invalid_token", "token expired"))
			date, err := http.ParseTime(r.header.Get("Date"))
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Until(date); d < skew-time.Minute || d > skew+time.Minute {
				t.Fatalf("Date %v ahead, want about %v", d, skew)
			}
			// The same token works on a route with an honest clock.
			args := append([]string{strings.Replace(s.Args[0], "/clock/api", "/api/items", 1)}, s.Args[1:]...)
			wantStatus(t, one(t, "GET", args), 200)
		},
		string(catalog.ChallengeMissing): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			if got := r.header.Values("WWW-Authenticate"); len(got) != 0 {
				t.Fatalf("WWW-Authenticate %q, want none", got)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(r.body, "Unauthorized") {
				t.Fatalf("Content-Type %q body %q", ct, r.body)
			}
		},
		string(catalog.ChallengeUnsupported): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			got := r.header.Values("WWW-Authenticate")
			if len(got) != 2 || got[0] != "Negotiate" || got[1] != "NTLM" {
				t.Fatalf("WWW-Authenticate %q", got)
			}
			if r.header.Get("Server") != "Microsoft-IIS/10.0" || r.header.Get("X-Powered-By") != "ASP.NET" {
				t.Fatalf("headers %v", r.header)
			}
			if !strings.Contains(r.body, "401 - Unauthorized: Access is denied due to invalid credentials.") {
				t.Fatalf("body %q", r.body)
			}
		},
		string(catalog.ServerBasicAuth): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, `Basic realm="Staging - authorized users only"`)
			if r.header.Get("Server") != "nginx/1.22.1" {
				t.Fatalf("Server %q", r.header.Get("Server"))
			}
			want := "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
			if r.body != want {
				t.Fatalf("body %q", r.body)
			}
			r = one(t, "GET", append(s.Args, "-u", StagingUser+":"+StagingPassword))
			wantStatus(t, r, 200)
		},
		string(catalog.RedirectAuthDropped): func(t *testing.T, s Scenario) {
			noFollow := without(s.Args, "-L")
			r := one(t, "GET", noFollow)
			wantStatus(t, r, 302)
			loc, err := url.Parse(r.header.Get("Location"))
			if err != nil || loc.Hostname() != "localhost" || loc.Path != "/basic/ok" || loc.Port() != portOf(t, l.URL()) {
				t.Fatalf("Location %q", r.header.Get("Location"))
			}
			// net/http drops Authorization on the host change, as
			// curl does, so the followed request is challenged.
			r = one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, basicRealmCh)
		},
		string(catalog.RedirectScheme): func(t *testing.T, s Scenario) {
			r := one(t, "GET", without(s.Args, "-L"))
			wantStatus(t, r, 301)
			if got, want := r.header.Get("Location"), l.TLSURL()+"/basic/ok"; got != want {
				t.Fatalf("Location %q, want %q", got, want)
			}
			// The https side is the same app: it challenges without
			// credentials and answers with them.
			r = one(t, "GET", []string{l.TLSURL() + "/basic/ok", "--cacert", l.CAFile()})
			wantStatus(t, r, 401)
			wantChallenge(t, r, basicRealmCh)
			r = one(t, "GET", []string{l.TLSURL() + "/basic/ok", "--cacert", l.CAFile(), "-u", "alice:wonderland"})
			wantStatus(t, r, 200)
		},
		string(catalog.CookieStale): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bareBearer(l))
			r = one(t, "GET", []string{s.Args[0]})
			wantStatus(t, r, 200)
			if !strings.Contains(r.body, "guest") {
				t.Fatalf("body %q", r.body)
			}
		},
		string(catalog.CORSPreflightAuth): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 200)
			if got := r.header.Get("Access-Control-Allow-Origin"); got != "http://app.lab.test" {
				t.Fatalf("Access-Control-Allow-Origin %q", got)
			}
			r = one(t, "OPTIONS", []string{s.Args[0], "-H", "Origin: http://app.lab.test", "-H", "Access-Control-Request-Method: GET", "-H", "Access-Control-Request-Headers: authorization"})
			wantStatus(t, r, 401)
			wantChallenge(t, r, bareBearer(l))
		},
		string(catalog.ProxyHeaderStripped): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, bareBearer(l))
			bare := one(t, "GET", []string{s.Args[0]})
			if bare.status != r.status || bare.body != r.body {
				t.Fatalf("with token %d %q, without %d %q", r.status, r.body, bare.status, bare.body)
			}
		},
		string(catalog.ProxyAuthRequired): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 407)
			if got := r.header.Get("Proxy-Authenticate"); got != `Basic realm="corp proxy"` {
				t.Fatalf("Proxy-Authenticate %q", got)
			}
			if r.header.Get("Via") != "1.1 lab-proxy" {
				t.Fatalf("Via %q", r.header.Get("Via"))
			}
		},
		string(catalog.CacheCached401): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, basicRealmCh)
			for k, v := range map[string]string{"Age": "347", "X-Cache": "HIT", "X-Cache-Status": "HIT", "Cache-Control": "public, max-age=600"} {
				if r.header.Get(k) != v {
					t.Fatalf("%s %q, want %q", k, r.header.Get(k), v)
				}
			}
		},
		string(catalog.RateLimitLockout): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 429)
			for k, v := range map[string]string{"Retry-After": "900", "RateLimit-Limit": "5", "RateLimit-Remaining": "0", "RateLimit-Reset": "900"} {
				if r.header.Get(k) != v {
					t.Fatalf("%s %q, want %q", k, r.header.Get(k), v)
				}
			}
			wantJSON(t, r, "error", "too many failed attempts, try again in 15 minutes")
		},
		string(catalog.TLSCertificate): func(t *testing.T, s Scenario) {
			rs := run(t, "GET", s.Args)
			var cerr x509.CertificateInvalidError
			if len(rs) != 1 || !errors.As(rs[0].err, &cerr) || cerr.Reason != x509.Expired {
				t.Fatalf("got %+v, want an expired-certificate error", rs)
			}
			// Without verification the same app answers.
			tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest("GET", s.Args[0], nil)
			req.SetBasicAuth("alice", "wonderland")
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.TLS.PeerCertificates[0].NotAfter.After(time.Now()) {
				t.Fatalf("status %d, certificate until %v", resp.StatusCode, resp.TLS.PeerCertificates[0].NotAfter)
			}
		},
		string(catalog.BackendInconsistent): func(t *testing.T, s Scenario) {
			rs := run(t, "GET", s.Args)
			if len(rs) != 2 {
				t.Fatalf("%d results", len(rs))
			}
			for _, r := range rs {
				if r.err != nil {
					t.Fatal(r.err)
				}
			}
			wantStatus(t, rs[0], 200)
			if rs[0].header.Get("X-Served-By") != "node-a" {
				t.Fatalf("v4 X-Served-By %q", rs[0].header.Get("X-Served-By"))
			}
			wantStatus(t, rs[1], 401)
			wantChallenge(t, rs[1], basicRealmCh)
			if rs[1].header.Get("X-Served-By") != "node-b" {
				t.Fatalf("v6 X-Served-By %q", rs[1].header.Get("X-Served-By"))
			}
			// Every other route is the same app on both listeners.
			r := one(t, "GET", []string{"http://[::1]:" + portOf(t, l.URL()) + "/basic/ok", "-u", "alice:wonderland"})
			wantStatus(t, r, 200)
		},
		string(catalog.StatusForbidden): func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 403)
			if got := r.header.Values("WWW-Authenticate"); len(got) != 0 {
				t.Fatalf("WWW-Authenticate %q, want none", got)
			}
			wantJSON(t, r, "message", "alice may not read reports")
		},
	}
}

// without returns args minus every occurrence of flag.
func without(args []string, flag string) []string {
	var out []string
	for _, a := range args {
		if a != flag {
			out = append(out, a)
		}
	}
	return out
}

// portOf returns the port of a URL.
func portOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func TestScenarios(t *testing.T) {
	l := startLab(t, Options{})
	list := l.Scenarios()
	checks := scenarioChecks(l)
	long := longtailChecks(l)
	for k, f := range long {
		checks[k] = f
	}
	prod := producerChecks(l)
	for k, f := range prod {
		checks[k] = f
	}
	br := browserChecks(l)
	for k, f := range br {
		checks[k] = f
	}
	fld := fieldChecks(l)
	for k, f := range fld {
		checks[k] = f
	}

	seen := map[string]bool{}
	for _, s := range list {
		key := string(s.Cause)
		// Scenarios are keyed by cause; the Digest route shares its cause
		// with /api/items and is keyed by path.
		_, pr := prod[s.Path]
		_, fd := fld[s.Path]
		if _, lt := long[s.Path]; s.Cause == "" || s.Path == "/digest/ok" || lt || pr || fd {
			key = s.Path
		} else if !slices.Contains(catalog.IDs, s.Cause) {
			t.Errorf("%s: unknown cause %q", s.Path, s.Cause)
		}
		if seen[key] {
			t.Errorf("%s: duplicate scenario", key)
		}
		seen[key] = true
		if s.Doc == "" || strings.HasSuffix(s.Doc, ".") || len(s.Args) == 0 {
			t.Errorf("%s: bad Doc %q or Args %q", key, s.Doc, s.Args)
		}
		u, err := url.Parse(s.Args[0])
		if err != nil || u.Path != s.Path {
			t.Errorf("%s: first argument %q does not target %s", key, s.Args[0], s.Path)
		}
		// The probe's own test (internal/checks) holds every scenario to its
		// cause; a behaviour test here is for routes worth pinning down.
		check, ok := checks[key]
		if !ok {
			continue
		}
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) { check(t, s) })
	}
	for key := range checks {
		if !seen[key] && !((key == string(catalog.BackendInconsistent) || key == "/dns/site") && len(l.Notes()) > 0) {
			t.Errorf("%s: scenario missing", key)
		}
	}
}

func TestIndex(t *testing.T) {
	l := startLab(t, Options{})
	resp, err := http.Get(l.URL() + "/index.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		URL       string `json:"url"`
		Issuer    string `json:"issuer"`
		Scenarios []struct {
			Path    string     `json:"path"`
			Cause   catalog.ID `json:"cause"`
			Doc     string     `json:"doc"`
			Args    []string   `json:"args"`
			Command string     `json:"command"`
		} `json:"scenarios"`
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if doc.URL != l.URL() || doc.Issuer != l.Issuer() {
		t.Errorf("url %q issuer %q", doc.URL, doc.Issuer)
	}
	want := l.Scenarios()
	if len(doc.Scenarios) != len(want) {
		t.Fatalf("index lists %d scenarios, want %d", len(doc.Scenarios), len(want))
	}
	for i, s := range want {
		got := doc.Scenarios[i]
		if got.Path != s.Path || got.Cause != s.Cause || got.Doc != s.Doc || len(got.Args) != len(s.Args) || !strings.HasPrefix(got.Command, "why401 probe ") {
			t.Errorf("entry %d = %+v, want %+v", i, got, s)
		}
	}

	resp, err = http.Get(l.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, s := range want {
		if !strings.Contains(page, "<code>"+s.Path+"</code>") || (s.Cause != "" && !strings.Contains(page, string(s.Cause))) || !strings.Contains(page, s.Doc) {
			t.Errorf("index page lacks %s %s", s.Path, s.Cause)
		}
	}
	if !strings.Contains(page, "why401 probe "+l.URL()+"/api/items</code>") {
		t.Error("index page lacks the credentials.missing command")
	}
}

func TestTokensVerifyAgainstServedJWKS(t *testing.T) {
	l := startLab(t, Options{})
	resp, err := http.Get(l.URL() + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	err = json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 || set.Keys[0].KeyID != KeyID || !set.Keys[0].IsPublic() {
		t.Fatalf("JWKS %+v", set.Keys)
	}

	jws, err := jose.ParseSignedCompact(l.Token(nil), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in JWKS", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != l.Issuer() || claims["aud"] != l.Audience() || claims["sub"] != "alice" || claims["scope"] != "read" {
		t.Errorf("claims %v", claims)
	}
	exp, _ := claims["exp"].(float64)
	iat, _ := claims["iat"].(float64)
	if exp-iat != 3600 || time.Since(time.Unix(int64(iat), 0)).Abs() > time.Minute {
		t.Errorf("iat %v exp %v", iat, exp)
	}

	foreign, err := jose.ParseSignedCompact(l.ForeignToken(nil), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if kid := foreign.Signatures[0].Header.KeyID; kid != ForeignKeyID || len(set.Key(kid)) != 0 {
		t.Errorf("foreign kid %q", kid)
	}
	if _, err := foreign.Verify(set.Keys[0]); err == nil {
		t.Error("foreign token verifies with the lab key")
	}
}

func TestTokenClaimOverrides(t *testing.T) {
	fixed := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l, err := New(Options{Now: func() time.Time { return fixed }})
	if err != nil {
		t.Fatal(err)
	}
	tok := l.Token(map[string]any{"scope": nil, "exp": fixed.Add(time.Minute), "roles": []string{"admin"}})
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		t.Fatal(err)
	}
	if _, ok := claims["scope"]; ok {
		t.Error("scope not removed")
	}
	if claims["exp"] != float64(fixed.Unix()+60) || claims["iat"] != float64(fixed.Unix()) {
		t.Errorf("exp %v iat %v", claims["exp"], claims["iat"])
	}
	if l.Token(map[string]any{"bad": make(chan int)}) != "" {
		t.Error("unencodable claims gave a token")
	}
}

func TestDiscoveryDocuments(t *testing.T) {
	l := startLab(t, Options{})
	get := func(path string) map[string]any {
		t.Helper()
		resp, err := http.Get(l.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return m
	}
	for _, p := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		m := get(p)
		if m["issuer"] != l.Issuer() || m["jwks_uri"] != l.URL()+"/.well-known/jwks.json" || m["token_endpoint"] != l.URL()+"/oauth/token" {
			t.Errorf("%s: %v", p, m)
		}
	}
	for _, p := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/api", "/.well-known/oauth-protected-resource/api/items"} {
		m := get(p)
		as, _ := m["authorization_servers"].([]any)
		scopes, _ := m["scopes_supported"].([]any)
		methods, _ := m["bearer_methods_supported"].([]any)
		if m["resource"] != l.Audience() || len(as) != 1 || as[0] != l.Issuer() || len(scopes) != 3 || len(methods) != 1 || methods[0] != "header" || m["jwks_uri"] == nil {
			t.Errorf("%s: %v", p, m)
		}
	}
}

func TestTokenEndpoint(t *testing.T) {
	l := startLab(t, Options{})
	post := func(form url.Values, user, pass string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", l.URL()+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp, m
	}
	resp, m := post(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"wonderland"}, "scope": {"read admin"}}, ClientID, ClientSecret)
	if resp.StatusCode != 200 || m["token_type"] != "Bearer" {
		t.Fatalf("status %d %v", resp.StatusCode, m)
	}
	tok, _ := m["access_token"].(string)
	r := one(t, "GET", []string{l.URL() + "/api/admin", "-H", "Authorization: Bearer " + tok})
	wantStatus(t, r, 200)

	resp, m = post(url.Values{"grant_type": {"client_credentials"}}, ClientID, "nope")
	if resp.StatusCode != 401 || m["error"] != "invalid_client" || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad secret: status %d %v", resp.StatusCode, m)
	}
	resp, m = post(url.Values{"grant_type": {"implicit"}}, ClientID, ClientSecret)
	if resp.StatusCode != 400 || m["error"] != "unsupported_grant_type" {
		t.Errorf("bad grant: status %d %v", resp.StatusCode, m)
	}
	resp, m = post(url.Values{"grant_type": {"client_credentials"}, "scope": {"root"}}, ClientID, ClientSecret)
	if resp.StatusCode != 400 || m["error"] != "invalid_scope" {
		t.Errorf("bad scope: status %d %v", resp.StatusCode, m)
	}
}

func TestStartClose(t *testing.T) {
	l, err := New(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if l.URL() != "" || l.Scenarios() != nil {
		t.Fatal("URL or scenarios before Start")
	}
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	if err := l.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	if err := l.UseURL("http://127.0.0.1:1"); err == nil {
		t.Error("UseURL after Start succeeded")
	}
	ca := l.CAFile()
	pem, err := os.ReadFile(ca)
	if err != nil || !strings.Contains(string(pem), "BEGIN CERTIFICATE") {
		t.Fatalf("CA file %s: %v", ca, err)
	}
	for _, u := range []string{l.URL(), l.TLSURL(), l.ExpiredTLSURL()} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "https://127.0.0.1:") {
			t.Errorf("URL %q", u)
		}
	}
	if l.Issuer() != l.URL() || l.Audience() != l.URL()+"/api" {
		t.Errorf("issuer %q audience %q", l.Issuer(), l.Audience())
	}
	// The valid certificate verifies against the CA for every lab name.
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	for _, name := range []string{"127.0.0.1", "localhost", "lab.test"} {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(l.TLSURL(), "https://"), &tls.Config{RootCAs: roots, ServerName: name})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		conn.Close()
	}

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ca); !os.IsNotExist(err) {
		t.Errorf("CA file still there: %v", err)
	}
	for _, u := range []string{l.URL(), l.TLSURL(), l.ExpiredTLSURL()} {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"), time.Second)
		if err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections", u)
		}
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := l.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestNewAddress(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		allow bool
		ok    bool
	}{
		{"", false, true},
		{"127.0.0.1:0", false, true},
		{"[::1]:8401", false, true},
		{"localhost:8401", false, true},
		{"0.0.0.0:8401", false, false},
		{":8401", false, false},
		{"192.0.2.7:80", false, false},
		{"example.test:80", false, false},
		{"0.0.0.0:8401", true, true},
		{"127.0.0.1", false, false},
		{"127.0.0.1:99999", false, false},
	} {
		_, err := New(Options{Addr: tc.addr, AllowNonLoopback: tc.allow})
		if (err == nil) != tc.ok {
			t.Errorf("New(%q, allow=%v) error %v, want ok=%v", tc.addr, tc.allow, err, tc.ok)
		}
		if err != nil && (!strings.HasPrefix(err.Error(), tc.addr) || strings.Contains(err.Error(), "\n") || strings.HasSuffix(err.Error(), ".")) {
			t.Errorf("New(%q): error %q not in house style", tc.addr, err)
		}
	}
}

func TestResponsesCarryDateAndLength(t *testing.T) {
	fixed := time.Date(2026, 5, 11, 19, 45, 32, 0, time.UTC)
	l, err := New(Options{Now: func() time.Time { return fixed }})
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, l)
	for _, p := range []string{"/api/items", "/basic/ok", "/staging/", "/windows", "/nochallenge", "/login/locked", "/cached/report", "/"} {
		resp, err := http.Get(srv + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("Date"); got != "Mon, 11 May 2026 19:45:32 GMT" {
			t.Errorf("%s: Date %q", p, got)
		}
		if resp.ContentLength != int64(len(body)) || resp.Header.Get("Content-Type") == "" {
			t.Errorf("%s: Content-Length %d for %d bytes, Content-Type %q", p, resp.ContentLength, len(body), resp.Header.Get("Content-Type"))
		}
	}
}
