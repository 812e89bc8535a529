package lab

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestBrowserRoutes walks the /browser/ flows with a plain client, as a
// browser would but without its cookie rules, and checks each step's
// answer.
func TestBrowserRoutes(t *testing.T) {
	l, err := New(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path, body string, hdr ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body) //nolint:errcheck
		resp.Body.Close()
		return resp
	}
	form := "Content-Type"
	for kind, attr := range map[string]string{"none": "SameSite=None", "secure": "Secure", "www": "SameSite=Lax", "good": "SameSite=Lax"} {
		r := do("POST", "/browser/cookie/"+kind+"/login", url.Values{"user": {User}, "password": {Password}}.Encode(), form, "application/x-www-form-urlencoded")
		sc := r.Header.Get("Set-Cookie")
		if r.StatusCode != http.StatusSeeOther || !strings.Contains(sc, attr) {
			t.Errorf("%s login: %d, Set-Cookie %q", kind, r.StatusCode, sc)
		}
		if kind == "www" && !strings.HasPrefix(r.Header.Get("Location"), "http://"+BrowserWWWHost) {
			t.Errorf("www login goes to %q", r.Header.Get("Location"))
		}
		cookie, _, _ := strings.Cut(sc, ";")
		if r := do("GET", "/browser/cookie/"+kind+"/app", "", "Cookie", cookie); r.StatusCode != http.StatusOK {
			t.Errorf("%s app with the cookie: %d", kind, r.StatusCode)
		}
		if r := do("GET", "/browser/cookie/"+kind+"/app", ""); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s app without the cookie: %d", kind, r.StatusCode)
		}
	}
	if r := do("POST", "/browser/cookie/good/login", "user=alice&password=no", form, "application/x-www-form-urlencoded"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", r.StatusCode)
	}
	if r := do("GET", "/browser/redirect/api", ""); r.StatusCode != http.StatusTemporaryRedirect || !strings.Contains(r.Header.Get("Location"), BrowserAPIHost) {
		t.Errorf("redirect: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := do("OPTIONS", "/browser/redirect/data", "", "Origin", "http://app.test"); r.StatusCode != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Headers") != "authorization" {
		t.Errorf("data preflight: %d", r.StatusCode)
	}
	if r := do("GET", "/browser/redirect/data", "", "Authorization", "Bearer "+l.Token(nil)); r.StatusCode != http.StatusOK {
		t.Errorf("data with a token: %d", r.StatusCode)
	}
	if r := do("GET", "/browser/redirect/data", ""); r.StatusCode != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("data without a token: %d", r.StatusCode)
	}
	if r := do("POST", "/browser/refresh/token", "grant_type=refresh_token&refresh_token=x"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("refresh: %d", r.StatusCode)
	}
	if r := do("GET", "/browser/loop/login?n=3", ""); r.StatusCode != http.StatusOK {
		t.Errorf("loop gave up: %d", r.StatusCode)
	}
	if r := do("POST", "/browser/loop/login?n=1", ""); r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Set-Cookie"), "lsid=") {
		t.Errorf("loop login: %d", r.StatusCode)
	}
	if r := do("GET", "/browser/bounce/app", ""); r.StatusCode != http.StatusFound || !strings.Contains(r.Header.Get("Set-Cookie"), "SameSite=None") {
		t.Errorf("bounce: %d", r.StatusCode)
	}
	if r := do("GET", "/browser/bounce/app?check=1", ""); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("bounce check without the cookie: %d", r.StatusCode)
	}
	for _, f := range BrowserFlows() {
		if r := do("GET", f.Start, ""); r.StatusCode != http.StatusOK && r.StatusCode != http.StatusFound {
			t.Errorf("%s: start %s answers %d", f.Name, f.Start, r.StatusCode)
		}
	}
}

// browserChecks test the probe scenarios of the browser routes, keyed
// by cause as TestScenarios looks them up.
func browserChecks(l *Lab) map[string]func(t *testing.T, s Scenario) {
	first := func(t *testing.T, s Scenario) *http.Response {
		t.Helper()
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		r, err := c.Get(s.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}
	return map[string]func(t *testing.T, s Scenario){
		"cookie.rejected": func(t *testing.T, s Scenario) {
			r := first(t, s)
			if r.StatusCode != http.StatusFound || !strings.Contains(r.Header.Get("Set-Cookie"), "SameSite=None") || strings.Contains(r.Header.Get("Set-Cookie"), "Secure") {
				t.Fatalf("%d, Set-Cookie %q", r.StatusCode, r.Header.Get("Set-Cookie"))
			}
		},
		"redirect.login-loop": func(t *testing.T, s Scenario) {
			r := first(t, s)
			if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/browser/bounce/login" {
				t.Fatalf("%d, Location %q", r.StatusCode, r.Header.Get("Location"))
			}
		},
	}
}
