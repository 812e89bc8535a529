package checks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/jwt"
)

// step is one entry of a synthetic browser session.
type step struct {
	at      time.Duration // after t0
	typ     string        // resource type
	method  string
	url     string
	req     []string // request headers, name value …
	status  int
	resp    []string
	body    string
	reqBody string
}

func session(steps ...step) *evidence.Session {
	s := &evidence.Session{Source: "t.har", Browser: "chromium"}
	for i, st := range steps {
		method := st.method
		if method == "" {
			method = "GET"
		}
		e := evidence.SessionEntry{Index: i, Started: t0.Add(st.at), ResourceType: st.typ,
			Exchange: evidence.Exchange{Request: evidence.Request{Method: method, URL: st.url, Header: hdr(st.req), Body: []byte(st.reqBody)}}}
		if st.status != 0 {
			e.Exchange.Response = &evidence.Response{Status: st.status, Header: hdr(st.resp), Body: []byte(st.body)}
		} else {
			e.Exchange.Err = "net::ERR_FAILED"
		}
		s.Entries = append(s.Entries, e)
	}
	return s
}

// runSession replays s once and runs the checks over it.
func runSession(cs []*checks.SessionCheck, s *evidence.Session) ([]finding.Finding, error) {
	return checks.RunSession(cs, checks.NewSessionEvidence(s), t0)
}

func unsignedJWT(t *testing.T, exp time.Time) string {
	t.Helper()
	tok, err := jwt.Unsigned(map[string]any{"sub": "alice", "exp": exp.Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestSessionChecks pairs each session cause with a session that must
// rank it first and a near miss that must not report it at all.
func TestSessionChecks(t *testing.T) {
	expired := unsignedJWT(t, t0.Add(-time.Hour))
	fresh := unsignedJWT(t, t0.Add(time.Hour))
	login := func(cookie string) step {
		return step{at: 0, typ: "document", method: "POST", url: "http://app.test/login", status: 303, resp: []string{"Set-Cookie", cookie, "Location", "/app"}}
	}
	app := func(url string, status int, req ...string) step {
		return step{at: time.Second, typ: "document", url: url, req: append([]string{"Referer", "http://app.test/login"}, req...), status: status}
	}
	tests := []struct {
		name  string
		check *checks.SessionCheck
		s     *evidence.Session
		want  catalog.ID // "" means: the check reports nothing
	}{
		{"samesite none without secure", checks.SessionCookies, session(login("sid=1; Path=/; SameSite=None"), app("http://app.test/app", 401)), catalog.CookieRejected},
		{"secure over http", checks.SessionCookies, session(login("sid=1; Path=/; Secure"), app("http://app.test/app", 401)), catalog.CookieRejected},
		{"good cookie sent (fp)", checks.SessionCookies, session(login("sid=1; Path=/"), app("http://app.test/app", 200, "Cookie", "sid=1")), ""},
		{"bare host then www", checks.SessionCookies, session(login("sid=1; Path=/"), app("http://www.app.test/app", 401)), catalog.CookieNotSent},
		{"domain cookie on www (fp)", checks.SessionCookies, session(login("sid=1; Path=/; Domain=app.test"), app("http://www.app.test/app", 401, "Cookie", "sid=1")), ""},
		{"path too narrow", checks.SessionCookies, session(login("sid=1; Path=/login"), app("http://app.test/app", 401)), catalog.CookieNotSent},
		{"cross-site fetch, default Lax", checks.SessionCookies, session(
			step{typ: "document", method: "POST", url: "https://api.test/login", status: 200, resp: []string{"Set-Cookie", "sid=1; Path=/; Secure"}},
			step{at: time.Minute, typ: "document", url: "https://app.test/", status: 200},
			step{at: time.Minute + time.Second, typ: "fetch", url: "https://api.test/me", req: []string{"Origin", "https://app.test", "Referer", "https://app.test/"}, status: 401},
		), catalog.CookieSameSite},
		{"session cookie expired", checks.SessionCookies, session(login("sid=1; Path=/; Max-Age=60"), step{at: 2 * time.Minute, typ: "document", url: "http://app.test/app", status: 401}), catalog.SessionExpired},
		{"session cookie fresh (fp)", checks.SessionCookies, session(login("sid=1; Path=/; Max-Age=600"), step{at: 2 * time.Minute, typ: "document", url: "http://app.test/app", req: []string{"Cookie", "sid=1"}, status: 200}), ""},
		{"redirect drops authorization", checks.SessionRedirects, session(
			step{typ: "fetch", url: "http://app.test/api", req: []string{"Authorization", "Bearer " + fresh}, status: 307, resp: []string{"Location", "http://api.test/data"}},
			step{typ: "fetch", url: "http://api.test/data", status: 401},
		), catalog.RedirectAuthDropped},
		{"same-origin redirect (fp)", checks.SessionRedirects, session(
			step{typ: "fetch", url: "http://app.test/api", req: []string{"Authorization", "Bearer " + fresh}, status: 307, resp: []string{"Location", "/v2/api"}},
			step{typ: "fetch", url: "http://app.test/v2/api", req: []string{"Authorization", "Bearer " + fresh}, status: 200},
		), ""},
		{"login loop", checks.SessionRedirects, session(loop(3)...), catalog.RedirectLoginLoop},
		{"one login round trip (fp)", checks.SessionRedirects, session(loop(1)...), ""},
		{"api redirected to login", checks.SessionRedirects, session(
			step{typ: "xhr", url: "http://app.test/api/me", status: 302, resp: []string{"Location", "/login?next=/api/me"}},
		), catalog.RedirectToLogin},
		{"expired jwt", checks.SessionTokens, session(step{typ: "fetch", url: "http://app.test/api", req: []string{"Authorization", "Bearer " + expired}, status: 401}), catalog.TokenExpired},
		{"fresh jwt refused (fp)", checks.SessionTokens, session(step{typ: "fetch", url: "http://app.test/api", req: []string{"Authorization", "Bearer " + fresh}, status: 401}), ""},
		{"failed refresh", checks.SessionTokens, session(
			step{typ: "fetch", method: "POST", url: "http://app.test/oauth/token", reqBody: "grant_type=refresh_token&refresh_token=x", status: 400, body: `{"error":"invalid_grant"}`},
			step{at: time.Second, typ: "fetch", url: "http://app.test/api", req: []string{"Authorization", "Bearer " + fresh}, status: 401},
		), catalog.SessionExpired},
		{"refresh worked (fp)", checks.SessionTokens, session(
			step{typ: "fetch", method: "POST", url: "http://app.test/oauth/token", reqBody: "grant_type=refresh_token&refresh_token=x", status: 200, body: `{"access_token":"a"}`},
			step{at: time.Second, typ: "fetch", url: "http://app.test/api", req: []string{"Authorization", "Bearer " + fresh}, status: 401},
		), ""},
		{"jwt cookie expired", checks.SessionTokens, session(step{typ: "fetch", url: "http://app.test/api", req: []string{"Cookie", "theme=dark; jwt=" + expired}, status: 401}), catalog.TokenExpired},
		{"no credentials at all", checks.SessionCredentials, session(step{typ: "fetch", url: "http://app.test/api", status: 401, resp: []string{"WWW-Authenticate", "Bearer"}}), catalog.CredentialsMissing},
		{"credentials sent (fp)", checks.SessionCredentials, session(step{typ: "fetch", url: "http://app.test/api", req: []string{"X-Api-Key", "k"}, status: 401}), ""},
		{"after a login (fp)", checks.SessionCredentials, session(login("sid=1; Path=/"), app("http://app.test/app", 401)), ""},
		{"preflight refused", checks.SessionCORS, session(
			step{typ: "preflight", method: "OPTIONS", url: "http://api.test/data", req: []string{"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"}, status: 401, resp: []string{"WWW-Authenticate", `Basic realm="api"`}},
			step{typ: "fetch", url: "http://api.test/data"},
		), catalog.CORSPreflightAuth},
		{"preflight refused with 404", checks.SessionCORS, session(
			step{typ: "preflight", method: "OPTIONS", url: "http://api.test/data", req: []string{"Access-Control-Request-Method", "PUT"}, status: 404},
			step{typ: "fetch", method: "PUT", url: "http://api.test/data"},
		), catalog.CORSPreflightAuth},
		{"preflight redirected", checks.SessionCORS, session(
			step{typ: "preflight", method: "OPTIONS", url: "http://api.test/data", req: []string{"Access-Control-Request-Method", "GET"}, status: 302, resp: []string{"Location", "https://api.test/data"}},
		), catalog.CORSPreflightAuth},
		{"empty token header after ones with a value", checks.SessionHeaders, session(
			step{typ: "fetch", url: "http://app.test/api/a", req: []string{"Token", "t-1"}, status: 200},
			step{at: time.Second, typ: "fetch", url: "http://app.test/api/b", req: []string{"Token", "t-1"}, status: 200},
			step{at: 2 * time.Second, typ: "fetch", url: "http://app.test/api/c", req: []string{"Token", ""}, status: 401},
		), catalog.CredentialsMissing},
		{"empty authorization", checks.SessionHeaders, session(
			step{typ: "fetch", url: "http://app.test/api/a", req: []string{"Authorization", "Bearer " + fresh}, status: 200},
			step{at: time.Second, typ: "fetch", url: "http://app.test/api/c", req: []string{"Authorization", ""}, status: 401},
		), catalog.CredentialsMissing},
		{"bearer undefined", checks.SessionHeaders, session(
			step{typ: "fetch", url: "http://app.test/api/c", req: []string{"Authorization", "Bearer undefined"}, status: 401},
		), catalog.CredentialsMalformed},
		{"token header with a value refused (fp)", checks.SessionHeaders, session(
			step{typ: "fetch", url: "http://app.test/api/c", req: []string{"Token", "t-1"}, status: 401},
		), ""},
		{"empty header on a request that got through (fp)", checks.SessionHeaders, session(
			step{typ: "fetch", url: "http://app.test/api/c", req: []string{"Token", ""}, status: 200},
		), ""},
		{"401 with a session accepted before and after", checks.SessionAccepted, session(
			step{typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "auth=1"}, status: 200},
			step{at: time.Second, typ: "fetch", url: "https://app.test/api/status/401", req: []string{"Cookie", "auth=1"}, status: 401, body: `{"status":401}`},
			step{at: 2 * time.Second, typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "auth=1"}, status: 200},
		), catalog.StatusNotAuth},
		{"403 with a session accepted before and after", checks.SessionAccepted, session(
			step{typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 200},
			step{at: time.Second, typ: "fetch", url: "https://app.test/api/admin", req: []string{"Cookie", "sid=1"}, status: 403},
			step{at: 2 * time.Second, typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 200},
		), catalog.StatusForbidden},
		{"session accepted before only (fp)", checks.SessionAccepted, session(
			step{typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 200},
			step{at: time.Second, typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 401},
		), ""},
		{"accepted after only by an image (fp)", checks.SessionAccepted, session(
			step{typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 200},
			step{at: time.Second, typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 401},
			step{at: 2 * time.Second, typ: "image", url: "https://app.test/logo.png", req: []string{"Cookie", "sid=1"}, status: 200},
		), ""},
		{"a challenge asks for credentials (fp)", checks.SessionAccepted, session(
			step{typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 200},
			step{at: time.Second, typ: "fetch", url: "https://app.test/admin", req: []string{"Cookie", "sid=1"}, status: 401, resp: []string{"WWW-Authenticate", `Basic realm="admin"`}},
			step{at: 2 * time.Second, typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 200},
		), ""},
		{"session cookie accepted again later is not expired (fp)", checks.SessionCookies, session(
			step{typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 200},
			step{at: time.Second, typ: "fetch", url: "https://app.test/api/odd", req: []string{"Cookie", "sid=1"}, status: 401},
			step{at: 2 * time.Second, typ: "fetch", url: "https://app.test/api/me", req: []string{"Cookie", "sid=1"}, status: 200},
		), ""},
		{"preflight ok (fp)", checks.SessionCORS, session(
			step{typ: "preflight", method: "OPTIONS", url: "http://api.test/data", req: []string{"Access-Control-Request-Method", "GET"}, status: 204},
			step{typ: "fetch", url: "http://api.test/data", status: 200},
		), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := runSession([]*checks.SessionCheck{tt.check}, tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(fs) > 0 {
					t.Errorf("want no findings, got %s: %s", fs[0].Cause, strings.Join(fs[0].Evidence, " | "))
				}
				return
			}
			if len(fs) == 0 || fs[0].Cause != tt.want {
				t.Fatalf("want %s first, got %v", tt.want, causes(fs))
			}
			for _, e := range fs[0].Evidence {
				if strings.Contains(e, expired) || strings.Contains(e, fresh) {
					t.Errorf("evidence leaks the token: %s", e)
				}
			}
		})
	}
}

// loop builds a login flow that lands on /login n times by redirect.
func loop(n int) []step {
	var out []step
	at := time.Duration(0)
	next := func() time.Duration { at += 100 * time.Millisecond; return at }
	out = append(out, step{at: next(), typ: "document", url: "http://app.test/app", status: 302, resp: []string{"Location", "/login"}})
	for i := 0; i < n; i++ {
		out = append(out,
			step{at: next(), typ: "document", url: "http://app.test/login", status: 200},
			step{at: next(), typ: "document", method: "POST", url: "http://app.test/login", req: []string{"Origin", "http://app.test"}, status: 303, resp: []string{"Set-Cookie", "sid=x; Path=/; SameSite=Lax", "Location", "/app"}},
			step{at: next(), typ: "document", url: "http://app.test/app", req: []string{"Cookie", "sid=x", "Referer", "http://app.test/login"}, status: 302, resp: []string{"Location", "/login"}},
		)
	}
	return out
}

// TestSessionSanitized lowers confidence and says why.
func TestSessionSanitized(t *testing.T) {
	p := session(step{typ: "document", method: "POST", url: "http://app.test/login", status: 303, resp: []string{"Set-Cookie", "sid=1; Path=/; SameSite=None", "Location", "/app"}},
		step{at: time.Second, typ: "document", url: "http://app.test/app", status: 401})
	full, _ := runSession([]*checks.SessionCheck{checks.SessionCookies}, p)
	p.Sanitized = true
	san, _ := runSession([]*checks.SessionCheck{checks.SessionCookies}, p)
	if len(full) == 0 || len(san) == 0 || san[0].Confidence >= full[0].Confidence || !strings.Contains(strings.Join(san[0].Evidence, " "), "sanitized") {
		t.Errorf("full %v, sanitized %v", full, san)
	}
}

// TestBrowserJar replays the probe's redirect chain through the browser
// rules: a chain that depends on a cookie browsers refuse, its near miss,
// and a loop through the login page.
func TestBrowserJar(t *testing.T) {
	chain := func(setCookie string, finalStatus int) *evidence.Probe {
		return probeOf(nil, trial(evidence.AsGiven,
			hop("GET", "http://app.test/app", 302, nil, []string{"Set-Cookie", setCookie, "Location", "/app?check=1"}),
			hop("GET", "http://app.test/app?check=1", finalStatus, []string{"Cookie", "bsid=1"}, nil),
		))
	}
	loopChain := probeOf(nil, trial(evidence.AsGiven,
		hop("GET", "http://app.test/app", 302, nil, []string{"Location", "/login"}),
		hop("GET", "http://app.test/login", 302, nil, []string{"Location", "/app"}),
		hop("GET", "http://app.test/app", 302, nil, []string{"Location", "/login"}),
		hop("GET", "http://app.test/login", 302, nil, []string{"Location", "/app"}),
	))
	tests := []struct {
		name string
		p    *evidence.Probe
		want catalog.ID
		conf float64
	}{
		{"none without secure, script gets through", chain("bsid=1; Path=/; SameSite=None", 200), catalog.CookieRejected, 0.7},
		{"none without secure, fails anyway", chain("bsid=1; Path=/; SameSite=None", 401), catalog.CookieRejected, 0.95},
		{"path too narrow", chain("bsid=1; Path=/other", 200), catalog.CookieNotSent, 0.7},
		{"good cookie (fp)", chain("bsid=1; Path=/; SameSite=Lax", 200), "", 0},
		{"login loop", loopChain, catalog.RedirectLoginLoop, 0.96},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := diagnosis.Run([]*diagnosis.Check{checks.BrowserJar}, tt.p, t0)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(fs) > 0 {
					t.Errorf("want nothing, got %s", fs[0].Cause)
				}
				return
			}
			if len(fs) == 0 || fs[0].Cause != tt.want || fs[0].Confidence != tt.conf {
				t.Fatalf("want %s at %.2f, got %v", tt.want, tt.conf, fs)
			}
		})
	}
}

func TestSessionSuiteValid(t *testing.T) {
	if err := finding.Validate(checks.Session); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range checks.All {
		names[c.Name] = true
	}
	for _, c := range checks.Session {
		if names[c.Name] {
			t.Errorf("%s is in both suites", c.Name)
		}
	}
}

// TestSessionFirefoxRules: a Firefox recording is judged by Firefox's
// rules: like Chromium, Firefox 153 refuses SameSite=None without Secure;
// unlike it, a cookie without SameSite is not Lax, so it goes along with
// a cross-site POST.
func TestSessionFirefoxRules(t *testing.T) {
	none := func(browser string) *evidence.Session {
		p := session(
			step{typ: "document", method: "POST", url: "http://app.test/login", status: 303, resp: []string{"Set-Cookie", "sid=1; Path=/; SameSite=None", "Location", "/app"}},
			step{at: time.Second, typ: "document", url: "http://app.test/app", req: []string{"Referer", "http://app.test/login"}, status: 401},
		)
		p.Browser = browser
		return p
	}
	for _, b := range []string{"chromium", "firefox"} {
		fs, _ := runSession(checks.Session, none(b))
		if len(fs) == 0 || fs[0].Cause != catalog.CookieRejected {
			t.Errorf("%s refuses SameSite=None without Secure: got %v", b, fs)
		}
	}
	unset := func(browser string) *evidence.Session {
		p := session(
			step{typ: "document", method: "POST", url: "http://app.test/login", status: 303, resp: []string{"Set-Cookie", "sid=1; Path=/", "Location", "/app"}},
			step{at: time.Second, typ: "document", url: "http://app.test/app", req: []string{"Referer", "http://app.test/login", "Cookie", "sid=1"}, status: 200},
			step{at: 5 * time.Minute, typ: "document", method: "POST", url: "http://app.test/acs", req: []string{"Origin", "http://idp.test", "Referer", "http://idp.test/"}, status: 401},
		)
		p.Browser = browser
		return p
	}
	ch, _ := runSession(checks.Session, unset("chromium"))
	if len(ch) == 0 || ch[0].Cause != catalog.CookieSameSite {
		t.Errorf("chromium: want cookie.samesite first, got %v", ch)
	}
	ff, _ := runSession(checks.Session, unset("firefox"))
	for _, f := range ff {
		if f.Cause == catalog.CookieSameSite {
			t.Errorf("firefox has no Lax default, got %s", f.Cause)
		}
	}
}

// TestSessionHostlessURL feeds the session checks entries whose URL has no
// host (a HAR with relative URLs): they must not panic, and a refused
// preflight is still reported.
func TestSessionHostlessURL(t *testing.T) {
	p := session(
		step{typ: "preflight", method: "OPTIONS", url: "/api/me", status: 401},
		step{at: time.Second, typ: "fetch", url: "/api/me", status: 401, req: []string{"Cookie", "sid=x"}},
	)
	fs, err := runSession(checks.Session, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 || fs[0].Cause != catalog.CORSPreflightAuth {
		t.Fatalf("findings %v, want %s first", fs, catalog.CORSPreflightAuth)
	}
}
