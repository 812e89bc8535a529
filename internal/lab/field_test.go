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
	return map[string]func(t *testing.T, s Scenario){
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
