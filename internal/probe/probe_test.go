package probe

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/why401/why401/internal/evidence"
)

// quietLog swallows the test servers' handshake complaints.
var quietLog = log.New(io.Discard, "", 0)

// seen is one request a test server received.
type seen struct {
	Method, Path, Host string
	Header             http.Header
	Body               string
}

// recorder wraps a handler and remembers every request.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
	h    http.Handler
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, seen{r.Method, r.URL.RequestURI(), r.Host, r.Header.Clone(), string(b)})
	rc.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(b)))
	rc.h.ServeHTTP(w, r)
}

func (rc *recorder) all() []seen {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]seen(nil), rc.reqs...)
}

// withAuth returns the received requests that carried Authorization,
// other than the made-up ones of the Separate variants.
func (rc *recorder) withAuth() []seen {
	var out []seen
	for _, s := range rc.all() {
		if a := s.Header.Get("Authorization"); a != "" && !madeUp(a) {
			out = append(out, s)
		}
	}
	return out
}

func serve(t *testing.T, h http.Handler) (*httptest.Server, *recorder) {
	t.Helper()
	rc := &recorder{h: h}
	s := httptest.NewUnstartedServer(rc)
	s.Config.ErrorLog = quietLog
	s.Start()
	t.Cleanup(s.Close)
	return s, rc
}

func probeRun(t *testing.T, o Options) *evidence.Probe {
	t.Helper()
	if o.MaxTime == 0 {
		o.MaxTime = 5 * time.Second
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 2 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "why401/test"
	}
	p, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return p
}

func trialsOf(p *evidence.Probe, v evidence.Variant) []evidence.Trial {
	var out []evidence.Trial
	for _, t := range p.Trials {
		if t.Variant == v {
			out = append(out, t)
		}
	}
	return out
}

func one(t *testing.T, p *evidence.Probe, v evidence.Variant) *evidence.Trial {
	t.Helper()
	ts := trialsOf(p, v)
	if len(ts) != 1 {
		t.Fatalf("%d %s trials, want 1; trials: %s", len(ts), v, variants(p))
	}
	return &ts[0]
}

func variants(p *evidence.Probe) string {
	var vs []string
	for _, t := range p.Trials {
		vs = append(vs, string(t.Variant))
	}
	return strings.Join(vs, ",")
}

func status(t *testing.T, tr *evidence.Trial) int {
	t.Helper()
	f := tr.Final()
	if f == nil || f.Response == nil {
		t.Fatalf("%s: no response: %+v", tr.Variant, f)
	}
	return f.Response.Status
}

func hasNote(p *evidence.Probe, sub string) bool {
	for _, n := range p.Notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func basicWall(w http.ResponseWriter, r *http.Request) {
	if u, pw, ok := r.BasicAuth(); ok && u == "alice" && pw == "secret" {
		fmt.Fprint(w, "welcome")
		return
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
	w.WriteHeader(http.StatusUnauthorized)
}

func TestNoCredentialsRequest(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/private"})
	if got := variants(p); got != "as-given,other-scheme" {
		t.Fatalf("variants = %s, want as-given,other-scheme", got)
	}
	if len(p.Credentials) != 0 || p.CredentialedAttempts != 0 {
		t.Errorf("credentials %v, attempts %d", p.Credentials, p.CredentialedAttempts)
	}
	ag := one(t, p, evidence.AsGiven)
	if ag.Credentialed || status(t, ag) != 401 {
		t.Errorf("as-given credentialed %v status %d", ag.Credentialed, status(t, ag))
	}
	f := ag.Final()
	if f.Remote == "" || f.Timing.Total <= 0 || f.Response.Received.IsZero() || f.Response.Header.Get("Www-Authenticate") == "" {
		t.Errorf("exchange not recorded fully: %+v", f)
	}
	if !hasNote(p, "no-credentials variant skipped") || !hasNote(p, "preflight variant skipped") {
		t.Errorf("notes %q", p.Notes)
	}
	// The other scheme (https on an http port) fails, and that is evidence.
	os := one(t, p, evidence.OtherScheme)
	if f := os.Final(); f.ErrKind == "" || !strings.HasPrefix(f.Request.URL, "https://") {
		t.Errorf("other-scheme = %+v", f)
	}
	// Defaults as curl sends them.
	r := rc.all()[0]
	if r.Header.Get("User-Agent") != "why401/test" || r.Header.Get("Accept") != "*/*" || r.Header.Get("Accept-Encoding") != "" {
		t.Errorf("default headers %v", r.Header)
	}
	if p.DNS == nil || len(p.DNS.Addresses) != 1 || p.DNS.Addresses[0] != "127.0.0.1" {
		t.Errorf("DNS %+v", p.DNS)
	}
}

func TestVariantsWithBasicAndCookie(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/private", User: "alice:wrong", Cookie: []string{"sid=1; theme=dark"},
		Header: http.Header{"User-Agent": {""}, "X-Trace": {"abc"}}})
	if got := variants(p); got != "as-given,no-credentials,no-cookies,other-scheme,preflight,separate,separate,separate" {
		t.Fatalf("variants = %s", got)
	}
	if strings.Join(p.Credentials, ",") != "basic,cookie" {
		t.Errorf("credentials %v", p.Credentials)
	}
	if p.CredentialedAttempts != 2 {
		t.Errorf("credentialed attempts = %d, want 2 (as-given, no-cookies)", p.CredentialedAttempts)
	}
	if p.Request.Header.Get("Authorization") == "" || p.Request.Header.Get("Cookie") != "sid=1; theme=dark" {
		t.Errorf("Probe.Request header %v", p.Request.Header)
	}
	byVariant := map[string]seen{}
	for _, tr := range p.Trials {
		for _, r := range rc.all() {
			if r.Header.Get("X-Trace") == "abc" && tr.Final().Request.Header.Get("Authorization") == r.Header.Get("Authorization") &&
				tr.Final().Request.Header.Get("Cookie") == r.Header.Get("Cookie") && tr.Final().Request.Method == r.Method {
				byVariant[string(tr.Variant)] = r
			}
		}
	}
	check := func(v string, auth, cookie bool) {
		r, ok := byVariant[v]
		if !ok {
			t.Errorf("%s: server saw no matching request", v)
			return
		}
		if (r.Header.Get("Authorization") != "") != auth || (r.Header.Get("Cookie") != "") != cookie {
			t.Errorf("%s: server saw Authorization %q Cookie %q", v, r.Header.Get("Authorization"), r.Header.Get("Cookie"))
		}
		if r.Header.Get("User-Agent") != "" {
			t.Errorf("%s: User-Agent %q sent though removed", v, r.Header.Get("User-Agent"))
		}
	}
	check("as-given", true, true)
	check("no-credentials", false, false)
	check("no-cookies", true, false)
	for _, r := range rc.all() {
		if r.Method == http.MethodOptions {
			if r.Header.Get("Origin") != "null" || r.Header.Get("Access-Control-Request-Method") != "GET" ||
				r.Header.Get("Access-Control-Request-Headers") != "authorization,x-trace" ||
				r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" {
				t.Errorf("preflight sent %v", r.Header)
			}
		}
	}
	if len(rc.all()) != 4+3 { // and the three made-up Separate headers
		t.Errorf("server saw %d requests, want 7", len(rc.all()))
	}
	// The server offers Basic and Basic was sent: no anyauth answer.
	if len(trialsOf(p, evidence.AnyAuth)) != 0 {
		t.Error("anyauth trial although Basic was sent and rejected")
	}
}

func TestOnlyCookies(t *testing.T) {
	s, _ := serve(t, http.HandlerFunc(basicWall))
	jar := writeFile(t, "jar", "127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tfromfile\n")
	p := probeRun(t, Options{URL: s.URL + "/", Cookie: []string{jar}, Header: http.Header{"Origin": {"https://app.test"}}})
	if got := variants(p); got != "as-given,no-credentials,other-scheme,preflight" {
		t.Fatalf("variants = %s", got)
	}
	if !hasNote(p, "no-cookies variant skipped") {
		t.Errorf("notes %q", p.Notes)
	}
	if c := one(t, p, evidence.AsGiven).Hops[0].Request.Header.Get("Cookie"); c != "sid=fromfile" {
		t.Errorf("cookie file not sent: %q", c)
	}
	if p.CredentialedAttempts != 1 {
		t.Errorf("attempts %d", p.CredentialedAttempts)
	}
	pf := one(t, p, evidence.Preflight).Hops[0].Request
	if pf.Header.Get("Origin") != "https://app.test" || pf.Header.Get("Access-Control-Request-Headers") != "" || pf.Header.Get("Cookie") != "" {
		t.Errorf("preflight %v", pf.Header)
	}
}

func TestAPIKeyAndQueryToken(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/x?access_token=qqq&page=2", Header: http.Header{"X-Api-Key": {"k"}, "X-Auth-Token": {"t"}}})
	if strings.Join(p.Credentials, ",") != "other-header,query" {
		t.Errorf("credentials %v", p.Credentials)
	}
	nc := one(t, p, evidence.NoCredentials).Hops[0].Request
	if strings.Contains(nc.URL, "access_token") || !strings.Contains(nc.URL, "page=2") || nc.Header.Get("X-Api-Key") != "" || nc.Header.Get("X-Auth-Token") != "" {
		t.Errorf("no-credentials request %s %v", nc.URL, nc.Header)
	}
	for _, r := range rc.all() {
		if r.Method == http.MethodGet && !strings.Contains(r.Path, "access_token") && r.Header.Get("X-Api-Key") != "" {
			t.Errorf("a request without the query token still carried the key: %+v", r)
		}
	}
}

func TestSecretHeaderIsACredential(t *testing.T) {
	// Whatever the report hides as a secret, the probe must treat as a
	// credential: the no-credentials variant goes without it.
	s, _ := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/x", Header: http.Header{"X-Client-Secret": {"s3cr3t"}, "Dpop": {"proof"}}})
	if strings.Join(p.Credentials, ",") != "other-header" {
		t.Errorf("credentials %v", p.Credentials)
	}
	nc := one(t, p, evidence.NoCredentials).Hops[0].Request
	if nc.Header.Get("X-Client-Secret") != "" || nc.Header.Get("Dpop") != "" {
		t.Errorf("no-credentials request carried a secret: %v", nc.Header)
	}
}

// twoHosts serves a.test and b.test on two loopback servers, named via
// --resolve.
func twoHosts(t *testing.T, a, b http.Handler) (aURL, bURL string, ra, rb *recorder, resolve []string) {
	t.Helper()
	sa, ra := serve(t, a)
	sb, rb := serve(t, b)
	pa, pb := port(t, sa.URL), port(t, sb.URL)
	return "http://a.test:" + pa, "http://b.test:" + pb, ra, rb,
		[]string{"a.test:" + pa + ":127.0.0.1", "b.test:" + pb + ":127.0.0.1"}
}

func port(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func TestRedirectSameHostKeepsCredentials(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "srv", Value: "set-by-server"})
		http.Redirect(w, r, "/end", http.StatusFound)
	})
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("srv"); err != nil || c.Value != "set-by-server" {
			http.Error(w, "no server cookie", http.StatusBadRequest)
			return
		}
		basicWall(w, r)
	})
	s, rc := serve(t, mux)
	p := probeRun(t, Options{URL: s.URL + "/start", User: "alice:secret", NoDiscovery: true})
	ag := one(t, p, evidence.AsGiven)
	if len(ag.Hops) != 2 || status(t, ag) != 200 {
		t.Fatalf("as-given hops %d status %d", len(ag.Hops), status(t, ag))
	}
	r := ag.Hops[0].Redirect
	if r == nil || !r.Forwarded || r.CrossHost || r.Status != 302 || !strings.HasSuffix(r.To, "/end") {
		t.Fatalf("redirect %+v", r)
	}
	for _, c := range []string{"browser", "curl", "go", "python"} {
		if !r.KeepsAuth[c] {
			t.Errorf("%s drops auth on a same-origin redirect", c)
		}
	}
	// as-given 2 hops; address variant absent (one address)
	if p.CredentialedAttempts != 2 {
		t.Errorf("attempts %d, want 2", p.CredentialedAttempts)
	}
	if n := len(rc.withAuth()); n != 2 {
		t.Errorf("server saw %d credentialed requests, want 2", n)
	}
	// The no-credentials trial has its own cookie jar and also gets the
	// server cookie on its second hop.
	if got := status(t, one(t, p, evidence.NoCredentials)); got != 401 {
		t.Errorf("no-credentials final status %d", got)
	}
}

func TestRedirectOtherHostDropsCredentials(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		t.Run(fmt.Sprintf("trusted=%v", trusted), func(t *testing.T) {
			var bURL string
			aURL, bu, _, rb, resolve := twoHosts(t,
				http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, bURL+"/landing", http.StatusFound) }),
				http.HandlerFunc(basicWall))
			bURL = bu
			p := probeRun(t, Options{URL: aURL + "/go", User: "alice:secret", Cookie: []string{"sid=1"}, Header: http.Header{"X-Api-Key": {"k"}},
				Resolve: resolve, LocationTrusted: trusted, NoDiscovery: true})
			ag := one(t, p, evidence.AsGiven)
			if len(ag.Hops) != 2 {
				t.Fatalf("hops %d", len(ag.Hops))
			}
			r := ag.Hops[0].Redirect
			if !r.CrossHost || r.Forwarded != trusted || r.KeepsAuth["go"] || r.KeepsAuth["browser"] || r.KeepsAuth["curl"] != trusted {
				t.Errorf("redirect %+v", r)
			}
			got := rb.all()
			if len(got) == 0 {
				t.Fatal("b.test saw nothing")
			}
			for _, s := range got {
				leaked := s.Header.Get("Authorization") != "" || s.Header.Get("Cookie") != "" || s.Header.Get("X-Api-Key") != ""
				if !trusted && leaked {
					t.Errorf("credentials reached b.test: %v", s.Header)
				}
			}
			if trusted && len(rb.withAuth()) == 0 {
				t.Error("--location-trusted did not forward")
			}
			if trusted && status(t, ag) != 200 {
				t.Errorf("trusted final %d", status(t, ag))
			}
			if !trusted && (status(t, ag) != 401 || ag.Hops[1].Request.Header.Get("Authorization") != "") {
				t.Errorf("final hop %+v", ag.Hops[1].Request.Header)
			}
			// anyauth never answers another origin's challenge.
			if len(trialsOf(p, evidence.AnyAuth)) != 0 {
				t.Error("anyauth trial against another host")
			}
			want := 3 // as-given first hop, no-cookies first hop, and ...
			if trusted {
				want = 4 // ... both second hops
			} else {
				want = 2
			}
			if p.CredentialedAttempts != want {
				t.Errorf("attempts %d, want %d", p.CredentialedAttempts, want)
			}
		})
	}
}

func TestRedirectMethodRules(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/see-other", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/echo", http.StatusSeeOther) })
	mux.HandleFunc("/temporary", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/echo", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/found", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/echo", http.StatusFound) })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {})
	s, _ := serve(t, mux)
	for _, tt := range []struct {
		path, method string
		body         bool
	}{{"/see-other", "GET", false}, {"/temporary", "POST", true}, {"/found", "GET", false}} {
		p := probeRun(t, Options{URL: s.URL + tt.path, Data: []byte("a=1"), NoDiscovery: true})
		h := one(t, p, evidence.AsGiven).Hops
		if len(h) != 2 {
			t.Fatalf("%s: %d hops", tt.path, len(h))
		}
		last := h[1].Request
		if last.Method != tt.method || (last.BodySize > 0) != tt.body || (last.Header.Get("Content-Type") != "") != tt.body {
			t.Errorf("%s: second hop %s body %d content-type %q", tt.path, last.Method, last.BodySize, last.Header.Get("Content-Type"))
		}
		if h[0].Request.Method != "POST" || string(h[0].Request.Body) != "a=1" {
			t.Errorf("%s: first hop %s %q", tt.path, h[0].Request.Method, h[0].Request.Body)
		}
	}
}

func TestMaxRedirects(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) }))
	p := probeRun(t, Options{URL: s.URL + "/loop", MaxRedirs: 3})
	ag := one(t, p, evidence.AsGiven)
	if len(ag.Hops) != 4 || !strings.Contains(ag.Stopped, "max redirects (3)") {
		t.Errorf("hops %d stopped %q", len(ag.Hops), ag.Stopped)
	}
	if n := len(rc.all()); n != 4 {
		t.Errorf("server saw %d requests", n)
	}
	p = probeRun(t, Options{URL: s.URL + "/loop", MaxRedirs: -1})
	if ag := one(t, p, evidence.AsGiven); len(ag.Hops) != 1 || ag.Hops[0].Redirect == nil {
		t.Errorf("max-redirs 0: hops %d", len(ag.Hops))
	}
}

// digestServer accepts alice:secret with SHA-256 (or alg) Digest, qop
// auth; see digestWall for more.
func digestServer(t *testing.T, alg string, userhash bool) http.HandlerFunc {
	return digestWall(t, digestConf{alg: alg, qop: "auth", userhash: userhash})
}

// digestConf says what a digestWall offers.
type digestConf struct {
	alg      string // MD5, SHA-256, MD5-sess, SHA-256-sess
	qop      string // the qop offered: "auth", "auth-int", "auth,auth-int" or ""
	userhash bool
	// stale: the first correct answer is refused with stale=true and a
	// new nonce, as a server does when the nonce expired.
	stale bool
}

// digestWall verifies RFC 7616 answers for alice:secret by the formulas
// of the RFC written out here, apart from the probe's code.
func digestWall(t *testing.T, c digestConf) http.HandlerFunc {
	const realm = "digest@test"
	var mu sync.Mutex
	nonce, staleSent := "n0nce", false
	h := func(s string) string {
		if strings.HasPrefix(c.alg, "MD5") {
			return md5hex(s)
		}
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		a := r.Header.Get("Authorization")
		stale := false
		if strings.HasPrefix(a, "Digest ") {
			cs, err := parseChallenges([]string{a})
			if err != nil || len(cs) != 1 {
				t.Errorf("bad Digest header %q: %v", a, err)
			} else {
				p := cs[0].Params
				user := "alice"
				if c.userhash {
					user = h("alice:" + realm)
					if p["userhash"] != "true" {
						t.Errorf("userhash not set: %q", a)
					}
				}
				ha1 := h("alice:" + realm + ":secret")
				if strings.HasSuffix(c.alg, "-sess") {
					ha1 = h(ha1 + ":" + p["nonce"] + ":" + p["cnonce"])
				}
				ha2 := h(r.Method + ":" + p["uri"])
				if p["qop"] == "auth-int" {
					ha2 = h(r.Method + ":" + p["uri"] + ":" + h(string(body)))
				}
				want := h(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":" + p["qop"] + ":" + ha2)
				if c.qop == "" {
					want = h(ha1 + ":" + p["nonce"] + ":" + ha2)
				}
				switch {
				case p["username"] == user && p["response"] == want && p["uri"] == r.URL.RequestURI() && p["algorithm"] == c.alg && p["opaque"] == "op" &&
					(c.qop == "" || p["nc"] == "00000001"):
					if c.stale && !staleSent {
						staleSent, stale, nonce = true, true, "n0nce-2"
						break
					}
					if p["nonce"] != nonce {
						t.Errorf("answered with the old nonce %q", p["nonce"])
						break
					}
					fmt.Fprint(w, "digest ok")
					return
				default:
					t.Logf("digest rejected: %q", a)
				}
			}
		}
		ch := fmt.Sprintf(`Digest realm=%q, nonce=%q, algorithm=%s, opaque="op", userhash=%v`, realm, nonce, c.alg, c.userhash)
		if c.qop != "" {
			ch += fmt.Sprintf(", qop=%q", c.qop)
		}
		if stale {
			ch += ", stale=true"
		}
		w.Header().Add("WWW-Authenticate", ch)
		w.WriteHeader(http.StatusUnauthorized)
	}
}

func TestAnyAuthDigest(t *testing.T) {
	for _, tt := range []struct {
		alg      string
		userhash bool
	}{{"SHA-256", false}, {"MD5", false}, {"SHA-256", true}} {
		t.Run(fmt.Sprintf("%s/userhash=%v", tt.alg, tt.userhash), func(t *testing.T) {
			s, rc := serve(t, digestServer(t, tt.alg, tt.userhash))
			p := probeRun(t, Options{URL: s.URL + "/dir/index.html?q=1", User: "alice:secret"})
			if status(t, one(t, p, evidence.AsGiven)) != 401 {
				t.Fatal("as-given should fail with Basic")
			}
			aa := one(t, p, evidence.AnyAuth)
			if !aa.Credentialed || status(t, aa) != 200 || len(aa.Hops) != 1 {
				t.Fatalf("anyauth %+v", aa.Final())
			}
			if p.CredentialedAttempts != 2 {
				t.Errorf("attempts %d, want 2 (as-given, anyauth)", p.CredentialedAttempts)
			}
			if n := len(rc.withAuth()); n != 2 {
				t.Errorf("server saw %d credentialed requests, want 2", n)
			}
		})
	}
}

func TestAnyAuthBasicWhenBearerSent(t *testing.T) {
	s, _ := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/", User: "alice:secret", Header: http.Header{"Authorization": {"Bearer abc"}}, NoDiscovery: true})
	if got := one(t, p, evidence.AsGiven).Hops[0].Request.Header.Get("Authorization"); got != "Bearer abc" {
		t.Errorf("-H Authorization should win over -u: %q", got)
	}
	aa := one(t, p, evidence.AnyAuth)
	if status(t, aa) != 200 || !strings.HasPrefix(aa.Hops[0].Request.Header.Get("Authorization"), "Basic ") {
		t.Errorf("anyauth %+v", aa.Hops[0])
	}
}

func selfSignedServer(t *testing.T, h http.Handler) (*httptest.Server, *recorder, string) {
	t.Helper()
	rc := &recorder{h: h}
	s := httptest.NewUnstartedServer(rc)
	s.Config.ErrorLog = quietLog
	s.StartTLS()
	t.Cleanup(s.Close)
	ca := writeFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})))
	return s, rc, ca
}

func TestTLSVerification(t *testing.T) {
	s, rc, ca := selfSignedServer(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/", User: "alice:secret", NoDiscovery: true})
	f := one(t, p, evidence.AsGiven).Final()
	if f.ErrKind != "tls-verify" || f.Response != nil || f.TLS == nil || len(f.TLS.Chain) == 0 || f.TLS.VerifyError == "" {
		t.Fatalf("self-signed: %+v tls %+v", f, f.TLS)
	}
	if len(rc.withAuth()) != 0 {
		t.Error("credentials sent over an unverified connection")
	}
	// -k gets through and still records why the chain does not verify.
	p = probeRun(t, Options{URL: s.URL + "/", User: "alice:secret", Insecure: true, NoDiscovery: true})
	f = one(t, p, evidence.AsGiven).Final()
	if f.Response == nil || f.Response.Status != 200 || f.TLS.VerifyError == "" || !p.Insecure || f.TLS.Version == "" {
		t.Errorf("-k: %+v tls %+v", f.Response, f.TLS)
	}
	// Trusting the server's certificate makes it verify; the clock decides
	// expiry.
	p = probeRun(t, Options{URL: s.URL + "/", CACert: ca})
	if f := one(t, p, evidence.AsGiven).Final(); f.ErrKind != "" || f.TLS.VerifyError != "" {
		t.Errorf("--cacert: %s %s", f.Err, f.TLS.VerifyError)
	}
	p = probeRun(t, Options{URL: s.URL + "/", CACert: ca, Now: func() time.Time { return time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if f := one(t, p, evidence.AsGiven).Final(); f.ErrKind != "tls-verify" || !strings.Contains(f.TLS.VerifyError, "expired") {
		t.Errorf("expired: %s %q", f.ErrKind, f.TLS.VerifyError)
	}
}

func TestClientCertificateRequested(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(basicWall))
	s.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	s.Config.ErrorLog = quietLog
	s.StartTLS()
	t.Cleanup(s.Close)
	p := probeRun(t, Options{URL: s.URL + "/", Insecure: true})
	f := one(t, p, evidence.AsGiven).Final()
	if f.TLS == nil || !f.TLS.ClientCertRequested || f.TLS.ClientCertSent || f.Response == nil {
		t.Errorf("tls %+v err %q", f.TLS, f.Err)
	}
}

func TestResolvePinsEachAddress(t *testing.T) {
	l4, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p4 := port(t, "http://"+l4.Addr().String())
	l6, err := net.Listen("tcp", "[::1]:"+p4)
	if err != nil {
		l4.Close()
		t.Skipf("no IPv6 loopback on port %s: %v", p4, err)
	}
	for _, l := range []net.Listener{l4, l6} {
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, _, _ := net.SplitHostPort(r.Context().Value(http.LocalAddrContextKey).(net.Addr).String())
			w.Header().Set("X-Node", host)
			basicWall(w, r)
		}))
		s.Listener.Close()
		s.Listener = l
		s.Start()
		t.Cleanup(s.Close)
	}
	p := probeRun(t, Options{URL: "http://multi.test:" + p4 + "/", User: "alice:secret", Resolve: []string{"multi.test:" + p4 + ":127.0.0.1,[::1]"}, NoDiscovery: true})
	if p.DNS == nil || p.DNS.Override == "" || len(p.DNS.Addresses) != 2 {
		t.Fatalf("DNS %+v", p.DNS)
	}
	ts := trialsOf(p, evidence.Address)
	if len(ts) != 2 {
		t.Fatalf("%d address trials", len(ts))
	}
	for _, tr := range ts {
		f := tr.Final()
		if f.Response == nil || f.Response.Header.Get("X-Node") != tr.Address || !strings.HasPrefix(f.Remote, strings.Split(net.JoinHostPort(tr.Address, "1"), ":1")[0]) || !tr.Credentialed {
			t.Errorf("address %s: remote %s node %v", tr.Address, f.Remote, f.Response)
		}
	}
	if p.CredentialedAttempts != 3 {
		t.Errorf("attempts %d, want 3 (as-given + 2 addresses)", p.CredentialedAttempts)
	}
}

func TestConnectionRefusedAndDNS(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := probeRun(t, Options{URL: "http://" + addr + "/"})
	if f := one(t, p, evidence.AsGiven).Final(); f.ErrKind != "connect" || f.Err == "" || strings.Contains(f.Err, "\n") {
		t.Errorf("refused: %q %q", f.ErrKind, f.Err)
	}
	p = probeRun(t, Options{URL: "http://does-not-exist.invalid/"})
	if f := one(t, p, evidence.AsGiven).Final(); f.ErrKind != "dns" || p.DNS == nil || p.DNS.Err == "" {
		t.Errorf("dns: %q %q dns %+v", f.ErrKind, f.Err, p.DNS)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	s, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}))
	defer close(release)
	start := time.Now()
	p := probeRun(t, Options{URL: s.URL + "/", MaxTime: 300 * time.Millisecond})
	if f := one(t, p, evidence.AsGiven).Final(); f.ErrKind != "timeout" {
		t.Errorf("timeout: %q %q", f.ErrKind, f.Err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestProxy407(t *testing.T) {
	proxy, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") != "" {
			t.Errorf("proxy got credentials %q", r.Header.Get("Proxy-Authorization"))
		}
		w.Header().Set("Proxy-Authenticate", `Basic realm="proxy"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	p := probeRun(t, Options{URL: "https://secure.test/x", Proxy: proxy.URL})
	f := one(t, p, evidence.AsGiven).Final()
	if f.ErrKind != "proxy" || f.Response == nil || f.Response.Status != 407 || f.Response.Header.Get("Proxy-Authenticate") == "" || f.Request.Proxy == "" {
		t.Errorf("CONNECT: %+v %+v", f, f.Response)
	}
	if p.DNS != nil || !hasNote(p, "through proxy") {
		t.Errorf("DNS %+v notes %q", p.DNS, p.Notes)
	}
	p = probeRun(t, Options{URL: "http://plain.test/x", Proxy: strings.TrimPrefix(proxy.URL, "http://")})
	f = one(t, p, evidence.AsGiven).Final()
	if f.Response == nil || f.Response.Status != 407 || f.Response.Header.Get("Proxy-Authenticate") == "" {
		t.Errorf("plain: %+v", f)
	}
}

func TestDiscoveryFromResourceMetadata(t *testing.T) {
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("/api/items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", resource_metadata="%s/.well-known/oauth-protected-resource/api/items"`, base))
		w.WriteHeader(http.StatusUnauthorized)
	})
	mux.HandleFunc("/.well-known/oauth-protected-resource/api/items", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"resource":"%s/api","authorization_servers":["%s/tenant"]}`, base, base)
	})
	mux.HandleFunc("/.well-known/oauth-authorization-server/tenant", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":"%s/tenant","jwks_uri":"%s/keys"}`, base, base)
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"keys":[{"kty":"oct","k":"AA"}]}`) })
	s, rc := serve(t, mux)
	base = s.URL
	p := probeRun(t, Options{URL: s.URL + "/api/items", Bearer: "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwOi8vZXZpbC50ZXN0In0.", ExpectScope: []string{"read"}})
	kinds := []string{}
	for _, d := range p.Discovery {
		kinds = append(kinds, d.Kind)
		if d.Status != 200 || d.Err != "" {
			t.Errorf("document %+v", d)
		}
	}
	if strings.Join(kinds, ",") != "resource-metadata,authorization-server,jwks" {
		t.Errorf("documents %v", kinds)
	}
	e := p.Expect
	if strings.Join(e.Audience, "") != base+"/api" || strings.Join(e.Issuer, "") != base+"/tenant" || strings.Join(e.Scope, "") != "read" {
		t.Errorf("expect %+v", e)
	}
	if e.JWKSSource != base+"/keys" || !strings.Contains(string(e.JWKS), `"keys"`) || e.JWKSError != "" {
		t.Errorf("jwks %q from %q err %q", e.JWKS, e.JWKSSource, e.JWKSError)
	}
	if !strings.Contains(e.Source, "flag") || !strings.Contains(e.Source, "oauth-protected-resource") {
		t.Errorf("source %q", e.Source)
	}
	for _, r := range rc.all() {
		if strings.Contains(r.Path, ".well-known") || r.Path == "/keys" {
			if r.Header.Get("Authorization") != "" {
				t.Errorf("discovery fetch %s carried credentials", r.Path)
			}
		}
	}
	if p.CredentialedAttempts != 1 {
		t.Errorf("attempts %d", p.CredentialedAttempts)
	}
}

func TestDiscoveryFlagsAndWellKnown(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	jwks := writeFile(t, "jwks.json", `{"keys":[]}`)
	p := probeRun(t, Options{URL: s.URL + "/v1/", ExpectAudience: []string{"aud1"}, JWKS: jwks})
	if len(p.Discovery) == 0 || p.Discovery[0].URL != s.URL+"/.well-known/oauth-protected-resource/v1/" || p.Discovery[0].Status != 401 {
		t.Errorf("discovery %+v", p.Discovery)
	}
	if p.Expect.JWKSSource != jwks || p.Expect.Source != "flag" || p.Expect.Audience[0] != "aud1" {
		t.Errorf("expect %+v", p.Expect)
	}
	n := len(rc.all())
	p = probeRun(t, Options{URL: s.URL + "/v1/", NoDiscovery: true, JWKS: writeFile(t, "bad.json", `[]`)})
	if len(p.Discovery) != 0 || len(rc.all()) != n+1 || p.Expect.JWKSError == "" {
		t.Errorf("no-discovery fetched %d documents, jwks error %q", len(p.Discovery), p.Expect.JWKSError)
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{URL: "http://127.0.0.1:1/"}); err == nil {
		t.Error("Run with a cancelled context succeeded")
	}
	if _, err := Run(context.Background(), Options{URL: "gopher://x"}); err == nil {
		t.Error("Run with a bad URL succeeded")
	}
}

func TestOtherSchemeURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://a.test/x?y":    "https://a.test/x?y",
		"https://a.test:443/":  "http://a.test/",
		"http://a.test:80/":    "https://a.test/",
		"http://a.test:8080/":  "https://a.test:8080/",
		"https://[::1]:443/p":  "http://[::1]/p",
		"https://[::1]:8443/p": "http://[::1]:8443/p",
	} {
		u, _ := parseTarget(in)
		if got := otherScheme(u).String(); got != want {
			t.Errorf("otherScheme(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestOpenIDConfigURL(t *testing.T) {
	if got := openIDConfigURL("https://idp.test/realms/x/"); got != "https://idp.test/realms/x/.well-known/openid-configuration" {
		t.Errorf("openid %s", got)
	}
}

func md5hex(s string) string {
	return fmt.Sprintf("%x", md5.Sum([]byte(s)))
}

func TestTLSNameMismatchAndProgress(t *testing.T) {
	s, rc, ca := selfSignedServer(t, http.HandlerFunc(basicWall))
	pt := port(t, s.URL)
	var lines []string
	p := probeRun(t, Options{URL: "https://other.test:" + pt + "/", CACert: ca, User: "alice:secret",
		Resolve: []string{"other.test:" + pt + ":127.0.0.1"}, NoDiscovery: true,
		Progress: func(l string) { lines = append(lines, l) }})
	f := one(t, p, evidence.AsGiven).Final()
	if f.ErrKind != "tls-verify" || !strings.Contains(f.TLS.VerifyError, "other.test") || f.TLS.ServerName != "other.test" {
		t.Errorf("name mismatch: %s %q %q", f.ErrKind, f.TLS.VerifyError, f.TLS.ServerName)
	}
	if len(rc.all()) != 0 {
		t.Errorf("server got %d requests over unverified connections", len(rc.all()))
	}
	if len(lines) == 0 || !strings.Contains(strings.Join(lines, "\n"), "as-given: GET https://other.test:"+pt+"/") {
		t.Errorf("progress %q", lines)
	}
}

func TestHeadersAsCurlSendsThem(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(basicWall))
	probeRun(t, Options{URL: s.URL + "/", Header: http.Header{"Content-Type": {"application/json"}, "Accept": {""}, "Host": {"vhost.test"}},
		Referer: "https://from.test/"})
	r := rc.all()[0]
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "" || r.Header.Get("Referer") != "https://from.test/" {
		t.Errorf("headers %v", r.Header)
	}
	if r.Host != "vhost.test" {
		t.Errorf("Host %q", r.Host)
	}
}
