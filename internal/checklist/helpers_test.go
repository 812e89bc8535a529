package checklist

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestCacheVerdict(t *testing.T) {
	tests := []struct {
		name             string
		status           int
		header           http.Header
		sentAuth, cookie bool
		want             string // "" or a substring of the reason
	}{
		{"no-store", 200, http.Header{"Cache-Control": {"no-store"}}, true, false, ""},
		{"no-store among others", 200, http.Header{"Cache-Control": {"max-age=0, NO-STORE"}}, true, false, ""},
		{"public", 200, http.Header{"Cache-Control": {"public, max-age=600"}}, true, false, "lets shared caches store it"},
		{"s-maxage", 200, http.Header{"Cache-Control": {"s-maxage=60"}}, false, true, "lets shared caches store it"},
		{"private with Vary", 200, http.Header{"Cache-Control": {"private"}, "Vary": {"Accept, Authorization"}}, true, false, ""},
		{"private without Vary", 200, http.Header{"Cache-Control": {"private"}}, true, false, "without Vary: Authorization"},
		{"private cookie without Vary", 200, http.Header{"Cache-Control": {"private"}, "Vary": {"Authorization"}}, true, true, "without Vary: Cookie"},
		{"private Vary star", 200, http.Header{"Cache-Control": {"private"}, "Vary": {"*"}}, true, true, ""},
		{"nothing", 200, http.Header{}, true, false, "heuristically"},
		{"expires", 200, http.Header{"Expires": {"Thu, 01 Jan 2099 00:00:00 GMT"}}, false, true, "Expires"},
		{"401 without headers", 401, http.Header{}, true, false, ""},
		{"401 made fresh", 401, http.Header{"Cache-Control": {"max-age=60"}}, true, false, "neither no-store nor private"},
		{"no-cache only", 200, http.Header{"Cache-Control": {"no-cache"}}, true, false, "neither no-store nor private"},
	}
	for _, tc := range tests {
		got := cacheVerdict(tc.status, tc.header, tc.sentAuth, tc.cookie)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestScriptJar(t *testing.T) {
	u := func(s string) *url.URL { v, _ := url.Parse(s); return v }
	j := newJar(profile{})
	site := u("https://www.example.com/app/login")
	for _, line := range []string{"sid=1; Path=/; Secure; HttpOnly", "pref=dark", "wide=1; Domain=example.com; Path=/"} {
		if why := j.store(site, "POST", line); why != "" {
			t.Fatalf("%s: %s", line, why)
		}
	}
	if why := j.store(site, "GET", "x=1; Domain=other.com"); !strings.Contains(why, "does not cover") {
		t.Errorf("foreign Domain: %q", why)
	}
	if why := j.store(u("http://www.example.com/"), "GET", "s=1; Secure"); !strings.Contains(why, "Secure cookie needs an https page") {
		t.Errorf("Secure over http: %q", why)
	}
	if why := j.store(u("http://127.0.0.1/"), "GET", "loc=1; Secure"); why != "" {
		t.Errorf("Secure over http on loopback: %q", why)
	}
	cases := map[string]string{
		"https://www.example.com/app/x": "pref=dark; sid=1; wide=1", // longer paths first (RFC 6265 5.4), as curl sorts them
		"https://www.example.com/other": "sid=1; wide=1",
		"http://www.example.com/app/x":  "pref=dark; wide=1",
		"https://api.example.com/":      "wide=1",
		"https://example.org/":          "",
	}
	for target, want := range cases {
		if got := j.header(u(target), "GET"); got != want {
			t.Errorf("Cookie for %s = %q, want %q", target, got, want)
		}
	}
	c := j.clone()
	j.store(site, "GET", "sid=; Path=/; Max-Age=-1")
	if got := j.header(u("https://www.example.com/app/x"), "GET"); got != "pref=dark; wide=1" {
		t.Errorf("after delete: %q", got)
	}
	if got := c.header(u("https://www.example.com/app/x"), "GET"); got != "pref=dark; sid=1; wide=1" {
		t.Errorf("the clone changed with the original: %q", got)
	}
}

// TestBrowserJar checks that the browser client uses the browser cookie
// rules (internal/cookie, Chromium) and reports their reasons.
func TestBrowserJar(t *testing.T) {
	u := func(s string) *url.URL { v, _ := url.Parse(s); return v }
	j := newJar(profile{name: ClientBrowser, browser: true})
	site := u("https://www.example.com/login")
	if why := j.store(site, "POST", "sid=1; Path=/; Secure; HttpOnly"); why != "" {
		t.Fatal(why)
	}
	for line, want := range map[string]string{
		"x=1; SameSite=None":            "cookie x: ",
		"__Host-y=1; Secure; Path=/app": "cookie __Host-y: ",
	} {
		if why := j.store(site, "POST", line); !strings.HasPrefix(why, want) || len(why) <= len(want) {
			t.Errorf("%s: %q, want a refusal starting %q", line, why, want)
		}
	}
	if got := j.header(u("https://www.example.com/app"), "GET"); got != "sid=1" {
		t.Errorf("https: %q", got)
	}
	if got := j.header(u("http://www.example.com/app"), "GET"); got != "" {
		t.Errorf("Secure cookie over http: %q", got)
	}
	c := j.clone()
	if got := c.header(u("https://www.example.com/"), "GET"); got != "sid=1" || strings.Join(c.names(), ",") != "sid" {
		t.Errorf("clone: %q %v", got, c.names())
	}
}

func TestJSONPath(t *testing.T) {
	body := []byte(`{"access_token":"abc","data":{"token":"def","n":3}}`)
	for path, want := range map[string]string{"access_token": "abc", "data.token": "def"} {
		if got, err := jsonPath(body, path); err != nil || got != want {
			t.Errorf("%s: %q %v", path, got, err)
		}
	}
	for _, path := range []string{"missing", "data.n", "data.token.x"} {
		if _, err := jsonPath(body, path); err == nil {
			t.Errorf("%s: no error", path)
		}
	}
	if _, err := jsonPath([]byte("<html>"), "a"); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("html: %v", err)
	}
}

// evalAgainst runs one endpoint with the given expectations against h.
func evalAgainst(t *testing.T, h http.HandlerFunc, yaml string) []Result {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	f, err := Parse("t.yaml", []byte("site: "+srv.URL+"\nendpoints:\n"+yaml))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := Run(ctx, f, Options{Getenv: func(k string) string { return "tok-" + k }})
	if err != nil {
		t.Fatal(err)
	}
	return out.Results
}

func TestCORSAndProxyAgainstStubs(t *testing.T) {
	star := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "*")
		w.WriteHeader(204)
	}
	rs := evalAgainst(t, star, "  - {name: c, request: /x, expect: [{cors: {origin: 'https://app.test'}}]}\n")
	if rs[0].Status != Fail || !strings.Contains(rs[0].Message, "lacks Authorization") {
		t.Errorf("Allow-Headers * must not cover Authorization: %+v", rs[0])
	}
	rs = evalAgainst(t, star, "  - {name: c, request: /x, expect: [{cors: {origin: 'https://app.test', headers: [X-Trace]}}]}\n")
	if rs[0].Status != Pass {
		t.Errorf("Allow-Headers * covers X-Trace: %+v", rs[0])
	}
	put := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Headers", "authorization")
		w.Header().Set("Access-Control-Allow-Methods", "GET")
		w.WriteHeader(200)
	}
	rs = evalAgainst(t, put, "  - {name: c, request: /x, expect: [{cors: {origin: 'https://app.test', method: PUT}}]}\n")
	if rs[0].Status != Fail || !strings.Contains(rs[0].Message, "lacks PUT") {
		t.Errorf("PUT not allowed: %+v", rs[0])
	}

	// An echo that got a different Authorization than was sent.
	rewritten := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"echo":"why401","authorization":{"present":true,"scheme":"Basic","sha256":"00","length":10},"x_forwarded_proto":"https","x_forwarded_host":"example.com"}`))
	}
	rs = evalAgainst(t, rewritten, "  - {name: p, request: {url: /echo, bearer: {env: T}}, expect: [{proxy: {proto: https, host: example.com}}]}\n")
	if rs[0].Status != Fail || rs[0].Cause != "proxy.header-stripped" || !strings.Contains(rs[0].Message, "changed") {
		t.Errorf("rewritten Authorization: %+v", rs[0])
	}
	notEcho := func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello")) }
	rs = evalAgainst(t, notEcho, "  - {name: p, request: {url: /echo, bearer: {env: T}}, expect: [proxy]}\n")
	if rs[0].Status != Fail || !strings.Contains(rs[0].Message, "not why401's echo") {
		t.Errorf("not an echo: %+v", rs[0])
	}

	// Challenge outcomes: redirect, 403, 200, challenge-less 401, other scheme.
	for _, tc := range []struct {
		name  string
		h     http.HandlerFunc
		cause string
		msg   string
	}{
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/login?token=secret123", http.StatusFound)
		}, "redirect.to-login", "instead of a 401"},
		{"forbidden", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) }, "status.forbidden", "403 Forbidden instead"},
		{"open", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }, "", "not protected"},
		{"no challenge", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }, "challenge.missing", "without a WWW-Authenticate"},
		{"other scheme", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="x"`)
			w.WriteHeader(401)
		}, "credentials.wrong-scheme", "challenges for Bearer, not Basic"},
	} {
		rs := evalAgainst(t, tc.h, "  - {name: c, request: /x, expect: [{challenge: {scheme: Basic}}]}\n")
		if rs[0].Status != Fail || string(rs[0].Cause) != tc.cause || !strings.Contains(rs[0].Message, tc.msg) {
			t.Errorf("%s: %+v", tc.name, rs[0])
		}
		if strings.Contains(rs[0].Message, "secret123") {
			t.Errorf("%s: message shows the token in the Location: %s", tc.name, rs[0].Message)
		}
	}
}

func TestStarterWordPress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/wp-login.php":
			w.Write([]byte(`<form><input name="log" id="user_login"><input type="submit" name="wp-submit"></form>`))
		default:
			http.SetCookie(w, &http.Cookie{Name: "pll_language", Value: "en"})
			w.Write([]byte("<html>blog</html>"))
		}
	}))
	defer srv.Close()
	out, err := Starter(context.Background(), srv.URL, StarterOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("starter.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(f.Logins) != 1 || f.Logins[0].Name != "wp-login" || f.Logins[0].Request.Form[1].Value.Env != "WP_PASSWORD" {
		t.Errorf("logins = %+v", f.Logins)
	}
	var names []string
	for _, e := range f.Endpoints {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "main,wp-admin,rest-me" {
		t.Errorf("endpoints = %v\n%s", names, out)
	}
	if !strings.Contains(string(out), "cookie: {name: pll_language") {
		t.Errorf("starter lacks the cookie expectation:\n%s", out)
	}
	if _, err := Starter(context.Background(), "ftp://x", StarterOptions{}); err == nil {
		t.Error("ftp URL accepted")
	}
	if _, err := Starter(context.Background(), "http://u:p@127.0.0.1:1/", StarterOptions{}); err == nil {
		t.Error("userinfo accepted")
	}
}

func FuzzResponseHeaders(f *testing.F) {
	f.Add("public, max-age=600", "Authorization", "sid=1; Path=/; Secure; SameSite=None", `{"a":{"b":"c"}}`, "a.b")
	f.Add("private", "*", "__Host-x=1; Secure; Path=/", `[]`, "x")
	f.Add("", "", "x=1; Domain=.example.com; Max-Age=-1", `{"a":1}`, "a")
	f.Fuzz(func(t *testing.T, cc, vary, setCookie, body, path string) {
		h := http.Header{"Cache-Control": {cc}, "Vary": {vary}}
		_ = cacheVerdict(200, h, true, true)
		_ = cookieAttrs(setCookie)
		u, _ := url.Parse("https://www.example.com/a/b")
		for _, j := range []jar{newJar(profile{}), newJar(profile{browser: true})} {
			j.store(u, "GET", setCookie)
			_ = j.header(u, "GET")
		}
		if s, err := jsonPath([]byte(body), path); err == nil && s == "" {
			t.Errorf("jsonPath returned an empty string without error")
		}
	})
}

// TestJSONLoginToken: a JSON login whose token (at a dotted path) later
// requests carry as a bearer token; a login without the token fails.
func TestJSONLoginToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			var body map[string]string
			if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil || body["password"] != "tok-PW" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"data":{"token":"session-token-1"}}`))
		case "/me":
			if r.Header.Get("Authorization") != "Bearer session-token-1" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="me"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	run := func(path string) *Outcome {
		f, err := Parse("t.yaml", []byte("site: "+srv.URL+`
logins:
  - name: api
    request: {url: /login, json: {username: alice, password: {env: PW}}}
    token: `+path+`
    expect: [no-store]
endpoints:
  - name: me
    request: {url: /me, session: api}
    expect: [authenticated, {challenge: {scheme: Bearer, realm: me}}]
`))
		if err != nil {
			t.Fatal(err)
		}
		out, err := Run(context.Background(), f, Options{Getenv: func(k string) string { return "tok-" + k }})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := run("data.token"); !out.OK() {
		t.Errorf("JSON login: %+v", out.Results)
	}
	out := run("data.access_token")
	if out.OK() || out.Results[0].Status != Fail || !strings.Contains(out.Results[0].Message, "the answer has no data.access_token") {
		t.Errorf("missing token: %+v", out.Results[0])
	}
}

// TestCORSWithCookieSession: with a cookie session, "*" and a missing
// Allow-Credentials fail; the exact origin with credentials passes.
func TestCORSWithCookieSession(t *testing.T) {
	for _, tc := range []struct {
		acao, acac string
		pass       bool
		msg        string
	}{
		{"*", "", false, "needs exactly"},
		{"https://app.test", "", false, "Access-Control-Allow-Credentials"},
		{"https://app.test", "true", true, ""},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/login" {
				http.SetCookie(w, &http.Cookie{Name: "sid", Value: "1", Path: "/", HttpOnly: true})
				return
			}
			w.Header().Set("Access-Control-Allow-Origin", tc.acao)
			if tc.acac != "" {
				w.Header().Set("Access-Control-Allow-Credentials", tc.acac)
			}
			w.Header().Set("Access-Control-Allow-Headers", "Authorization")
			w.WriteHeader(http.StatusNoContent)
		}))
		f, err := Parse("t.yaml", []byte("site: "+srv.URL+`
logins:
  - {name: l, request: /login, cookies: [sid]}
endpoints:
  - {name: c, request: {url: /api, session: l}, expect: [{cors: {origin: "https://app.test"}}]}
`))
		if err != nil {
			t.Fatal(err)
		}
		out, err := Run(context.Background(), f, Options{})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		r := out.Results[len(out.Results)-1]
		if (r.Status == Pass) != tc.pass || !strings.Contains(r.Message, tc.msg) {
			t.Errorf("ACAO %q ACAC %q: %+v", tc.acao, tc.acac, r)
		}
	}
}

// TestBrowserLandsOnLoginPage: a browser follows the redirect to the login
// form and gets 200; that is not authenticated.
func TestBrowserLandsOnLoginPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/account/login":
			w.Write([]byte(`<form method=post><input name=u><input type="password" name=p></form>`))
		default:
			http.Redirect(w, r, "/account/login?next=/admin", http.StatusFound)
		}
	}))
	defer srv.Close()
	f, err := Parse("t.yaml", []byte("site: "+srv.URL+"\nendpoints:\n  - {name: admin, request: {url: /admin, follow: false}, expect: [authenticated]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(context.Background(), f, Options{Clients: []string{ClientCurl, ClientBrowser}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Results {
		if r.Status != Fail || r.Cause != "redirect.to-login" {
			t.Errorf("%s: %+v", r.Client, r)
		}
	}
	if len(out.Results) != 2 || !strings.Contains(out.Results[1].Message, "redirected to a login page") {
		t.Errorf("results: %+v", out.Results)
	}
}

// TestResultURLRedacted: a signed link in the checklist does not reach
// the results (and so the JSON) with its signature.
func TestResultURLRedacted(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) {}
	rs := evalAgainst(t, ok, "  - name: signed\n    request: {url: \"/file?X-Amz-Signature=sig-secret-123&page=2\"}\n    expect: [no-store]\n")
	if len(rs) == 0 {
		t.Fatal("no results")
	}
	for _, r := range rs {
		if strings.Contains(r.URL, "sig-secret-123") || strings.Contains(r.Message, "sig-secret-123") {
			t.Errorf("result shows the signature: %+v", r)
		}
		if !strings.Contains(r.URL, "page=2") {
			t.Errorf("URL = %q, want the other parameters kept", r.URL)
		}
	}
}
