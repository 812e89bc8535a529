package lab

import (
	"encoding/json"
	"strings"
	"testing"
)

// producerChecks tests each producer scenario with net/http, keyed by
// path: the producer's marks, and the difference the probe's
// differential variant relies on.
func producerChecks(l *Lab) map[string]func(t *testing.T, s Scenario) {
	wpCode := func(t *testing.T, r result) string {
		t.Helper()
		var doc struct {
			Code string `json:"code"`
			Data struct {
				Status int `json:"status"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
			t.Fatalf("body %q: %v", r.body, err)
		}
		if doc.Data.Status != r.status {
			t.Fatalf("data.status %d, status %d", doc.Data.Status, r.status)
		}
		if !strings.Contains(r.header.Get("Link"), `rel="https://api.w.org/"`) {
			t.Fatalf("Link %q", r.header.Get("Link"))
		}
		return doc.Code
	}
	return map[string]func(t *testing.T, s Scenario){
		"/sso/api/items": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 302)
			if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/sso/oauth2/start?rd=") {
				t.Fatalf("Location %q", loc)
			}
			r = one(t, "GET", append(append([]string{}, s.Args...), "-L"))
			wantStatus(t, r, 200)
			if !strings.Contains(r.body, `type="password"`) {
				t.Fatalf("final page has no password field: %q", r.body)
			}
			r = one(t, "GET", append(append([]string{}, s.Args...), "-H", "Accept: application/json"))
			wantStatus(t, r, 401)
		},
		"/cdn/challenge": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 403)
			if r.header.Get("cf-mitigated") != "challenge" || r.header.Get("Server") != "cloudflare" || !strings.Contains(r.body, "Just a moment...") {
				t.Fatalf("not a Cloudflare challenge: %v %q", r.header, r.body)
			}
		},
		"/cdn/blocked": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 403)
			if r.header.Get("cf-mitigated") != "" || !strings.Contains(r.body, "Sorry, you have been blocked") {
				t.Fatalf("not a Cloudflare block: %v %q", r.header, r.body)
			}
		},
		"/mesh/api": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			if r.body != "Jwks remote fetch is failed" || r.header.Get("Server") != "envoy" {
				t.Fatalf("body %q server %q", r.body, r.header.Get("Server"))
			}
			r = one(t, "GET", s.Args[:1])
			wantStatus(t, r, 401)
			if r.body != "Jwt is missing" {
				t.Fatalf("without token: %q", r.body)
			}
		},
		"/wp-http/wp-json/wp/v2/users/me": func(t *testing.T, s Scenario) {
			for _, args := range [][]string{s.Args, {s.Args[0], "-u", "nobody-here:x"}, s.Args[:1]} {
				r := one(t, "GET", args)
				wantStatus(t, r, 401)
				if c := wpCode(t, r); c != "rest_not_logged_in" {
					t.Fatalf("%q: code %q", args, c)
				}
			}
			r := one(t, "GET", []string{strings.TrimSuffix(s.Args[0], "wp/v2/users/me")})
			wantStatus(t, r, 200)
			if strings.Contains(r.body, "application-passwords") || !strings.Contains(r.body, `"namespaces"`) {
				t.Fatalf("index %q", r.body)
			}
		},
		"/wp-fpm/wp-json/wp/v2/users/me": func(t *testing.T, s Scenario) {
			for _, args := range [][]string{s.Args, {s.Args[0], "-u", "nobody-here:x"}, s.Args[:1]} {
				r := one(t, "GET", args)
				wantStatus(t, r, 401)
				if c := wpCode(t, r); c != "rest_not_logged_in" {
					t.Fatalf("%q: code %q", args, c)
				}
			}
			r := one(t, "GET", []string{strings.TrimSuffix(s.Args[0], "wp/v2/users/me")})
			wantStatus(t, r, 200)
			if !strings.Contains(r.body, "application-passwords") {
				t.Fatalf("index %q", r.body)
			}
		},
		"/registry/v2/": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			if r.header.Get("Docker-Distribution-Api-Version") != "registry/2.0" || !strings.HasPrefix(s.Args[0], "https://") ||
				!strings.Contains(r.header.Get("WWW-Authenticate"), `realm="http://`) {
				t.Fatalf("target %s, headers %v", s.Args[0], r.header)
			}
		},
		"/gw/items": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantJSON(t, r, "message", "No API key found in request")
			r = one(t, "GET", []string{s.Args[0], "-H", "X-Api-Key: wrong"})
			wantStatus(t, r, 401)
			wantJSON(t, r, "message", "Invalid authentication credentials")
			r = one(t, "GET", []string{s.Args[0], "-H", "X-Api-Key: " + GatewayKey})
			wantStatus(t, r, 200)
		},
	}
}
