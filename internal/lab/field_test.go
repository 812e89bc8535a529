package lab

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// fieldChecks asserts what each field scenario's server answers, keyed by
// path.
func fieldChecks(l *Lab) map[string]func(t *testing.T, s Scenario) {
	get := func(t *testing.T, s Scenario) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest("GET", s.Args[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i+1 < len(s.Args); i++ {
			if s.Args[i] == "-H" {
				k, v, _ := strings.Cut(s.Args[i+1], ":")
				req.Header.Set(k, strings.TrimSpace(v))
			}
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		r, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		return r, string(b)
	}
	login := func(t *testing.T, s Scenario, attrs string) {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		r, err := c.Post(s.Args[0], "application/x-www-form-urlencoded", strings.NewReader(s.Args[2]))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		sc := r.Header.Get("Set-Cookie")
		if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(sc, attrs) || !strings.HasSuffix(r.Header.Get("Location"), "/app") {
			t.Fatalf("%d, Set-Cookie %q, Location %q", r.StatusCode, sc, r.Header.Get("Location"))
		}
		// The cookie works where it is sent.
		req, _ := http.NewRequest("GET", strings.TrimSuffix(s.Args[0], "/login")+"/app", nil)
		req.Header.Set("Cookie", strings.SplitN(sc, ";", 2)[0])
		a, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		a.Body.Close()
		if a.StatusCode != 200 {
			t.Fatalf("app with the cookie: %d", a.StatusCode)
		}
	}
	return map[string]func(t *testing.T, s Scenario){
		"/form/login":        func(t *testing.T, s Scenario) { login(t, s, "; Path=/form/login; HttpOnly") },
		"/form-domain/login": func(t *testing.T, s Scenario) { login(t, s, "; Domain=accounts.example; Path=/; HttpOnly") },
		"/form-ok/login":     func(t *testing.T, s Scenario) { login(t, s, "; Path=/; HttpOnly") },
		"/balanced/stale":    func(t *testing.T, s Scenario) { balanced(t, s, map[string]int{"web1": 200, "web2": 401}) },
		"/balanced/current":  func(t *testing.T, s Scenario) { balanced(t, s, map[string]int{"web1": 200, "web2": 200}) },
		"/tenant-api/v1/orders": func(t *testing.T, s Scenario) {
			r, _ := get(t, s)
			ch := r.Header.Get("WWW-Authenticate")
			if r.StatusCode != 403 || !strings.Contains(ch, `error="insufficient_scope"`) || strings.Contains(ch, "scope=") || strings.Contains(ch, "resource_metadata") {
				t.Fatalf("%d, challenge %q", r.StatusCode, ch)
			}
			m, err := http.Get(l.URL() + "/.well-known/oauth-protected-resource/tenant-api")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(m.Body)
			m.Body.Close()
			if m.StatusCode != 200 || !strings.Contains(string(b), l.URL()+"/tenant-api") {
				t.Fatalf("metadata %d %s", m.StatusCode, b)
			}
		},
		"/tenant-api/v1/invoices": func(t *testing.T, s Scenario) {
			if r, body := get(t, s); r.StatusCode != 200 {
				t.Fatalf("%d %s", r.StatusCode, body)
			}
		},
	}
}

// balanced asks each node of a balanced route with alice's password and
// checks its answer.
func balanced(t *testing.T, s Scenario, want map[string]int) {
	t.Helper()
	for node, code := range want {
		req, _ := http.NewRequest("GET", s.Args[0], nil)
		req.SetBasicAuth(User, Password)
		req.Header.Set("Cookie", "SERVERID="+node)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != code || !strings.HasPrefix(r.Header.Get("Set-Cookie"), "SERVERID="+node) {
			t.Errorf("node %s: %d (Set-Cookie %q), want %d", node, r.StatusCode, r.Header.Get("Set-Cookie"), code)
		}
	}
}
