package lab

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/signedurl"
)

// longtailChecks tests each long-tail scenario with net/http, keyed by
// path: the route answers as its Doc says, and a near miss (the fix) works
// where the lab can offer one.
func longtailChecks(l *Lab) map[string]func(t *testing.T, s Scenario) {
	return map[string]func(t *testing.T, s Scenario){
		"/signed/report.pdf": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 403)
			if !strings.Contains(r.body, "Request has expired") {
				t.Fatalf("body %q", r.body)
			}
			sig := signedurl.Parse(s.Args[0])
			if len(sig) != 1 || sig[0].Kind != signedurl.S3V4 || signedurl.Ago(sig[0].Expires, l.now()) != "3 days ago" {
				t.Fatalf("signed %+v", sig)
			}
			// A fresh link (signed now) works.
			fresh := strings.Replace(s.Args[0], sig[0].SignedAt.Format("20060102T150405Z"), l.now().UTC().Format("20060102T150405Z"), 1)
			wantStatus(t, one(t, "GET", []string{fresh}), 200)
		},
		"/members/docs/guide": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, `Basic realm="members"`)
			wantStatus(t, one(t, "GET", []string{strings.Replace(s.Args[0], "/members", "", 1)}), 200)
		},
		"/basic/latin1": func(t *testing.T, s Scenario) {
			user, pass, _ := strings.Cut(s.Args[2], ":")
			wantStatus(t, one(t, "GET", []string{s.Args[0], "-u", user + ":" + pass}), 401)
			req, _ := http.NewRequest("GET", s.Args[0], nil)
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(latin1(user)+":"+latin1(pass))))
			if code := do(t, req); code != 200 {
				t.Fatalf("latin-1 credentials: status %d", code)
			}
		},
		"/staging-api/items": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, `Basic realm="Staging"`)
			// Past nginx, the app wants a bearer token that cannot come along.
			r = one(t, "GET", []string{s.Args[0], "-u", StagingUser + ":" + StagingPassword})
			wantChallenge(t, r, `Bearer realm="items"`)
			u, _ := url.Parse(s.Args[0])
			md := one(t, "GET", []string{u.Scheme + "://" + u.Host + "/.well-known/oauth-protected-resource/staging-api/items"})
			wantStatus(t, md, 200)
		},
		"/iis/restricted": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			if !strings.Contains(r.body, "HTTP Error 401.503") || len(r.header.Values("WWW-Authenticate")) != 0 {
				t.Fatalf("body %q header %v", r.body, r.header)
			}
		},
		"/iis/acl": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			if !strings.Contains(r.body, "HTTP Error 401.3") {
				t.Fatalf("body %q", r.body)
			}
		},
		"/mtls/api": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 400)
			if !strings.Contains(r.body, "No required SSL certificate was sent") {
				t.Fatalf("body %q", r.body)
			}
		},
		"/blog/wp-json/wp/v2/users/me": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantJSON(t, r, "code", "incorrect_password")
			r = one(t, "GET", []string{s.Args[0]})
			wantJSON(t, r, "code", "rest_not_logged_in")
		},
		"/userinfo-api": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			if !strings.Contains(r.header.Get("WWW-Authenticate"), "not an access token") {
				t.Fatalf("challenge %q", r.header.Get("WWW-Authenticate"))
			}
			// An access token of the same user works.
			wantStatus(t, one(t, "GET", []string{s.Args[0], "-H", "Authorization: Bearer " + l.Token(nil)}), 200)
		},
		"/maintenance/api": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			if !strings.Contains(r.body, "maintenance") || r.header.Get("Retry-After") == "" {
				t.Fatalf("body %q", r.body)
			}
		},
		"/session/app": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			c := (&http.Response{Header: r.header}).Cookies()
			if len(c) != 1 || c[0].Name != "app_session" || c[0].MaxAge >= 0 {
				t.Fatalf("Set-Cookie %q", r.header.Values("Set-Cookie"))
			}
			// Without the cookie nothing is deleted.
			if r := one(t, "GET", []string{s.Args[0]}); len(r.header.Values("Set-Cookie")) != 0 {
				t.Fatalf("Set-Cookie without a cookie: %q", r.header.Values("Set-Cookie"))
			}
		},
		"/oauth2/json-token": func(t *testing.T, s Scenario) {
			form := s.Args[2]
			req, _ := http.NewRequest("POST", s.Args[0], strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if code := do(t, req); code != 401 {
				t.Fatalf("form: status %d", code)
			}
			req, _ = http.NewRequest("POST", s.Args[0], strings.NewReader(`{"client_id":"`+ClientID+`","client_secret":"`+ClientSecret+`"}`))
			req.Header.Set("Content-Type", "application/json")
			if code := do(t, req); code != 200 {
				t.Fatalf("JSON: status %d", code)
			}
		},
		"/pwfile/": func(t *testing.T, s Scenario) {
			wantStatus(t, one(t, "GET", []string{s.Args[0]}), 401)
			wantStatus(t, one(t, "GET", s.Args), 403)
			wantStatus(t, one(t, "GET", []string{s.Args[0], "-u", "nobody:x"}), 403)
		},
		"/pwhash/": func(t *testing.T, s Scenario) {
			wantStatus(t, one(t, "GET", []string{s.Args[0]}), 401)
			wantStatus(t, one(t, "GET", s.Args), 500)
			wantStatus(t, one(t, "GET", []string{s.Args[0], "-u", "nobody:x"}), 401)
		},
		"/.well-known/acme-challenge/lab-token": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 401)
			wantChallenge(t, r, `Basic realm="Staging"`)
		},
		"/cache/profile": func(t *testing.T, s Scenario) {
			r := one(t, "GET", s.Args)
			wantStatus(t, r, 200)
			if r.header.Get("Cache-Control") != "public, max-age=300" {
				t.Fatalf("Cache-Control %q", r.header.Get("Cache-Control"))
			}
			wantStatus(t, one(t, "GET", []string{s.Args[0]}), 401)
		},
		"/api/login": func(t *testing.T, s Scenario) {
			c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Post(s.Args[0], "application/x-www-form-urlencoded", strings.NewReader(s.Args[2]))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 301 || resp.Header.Get("Location") != "/api/v2/login" {
				t.Fatalf("status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			// Following it as curl -L does turns the POST into a GET: 405.
			wantStatus(t, one(t, "GET", []string{strings.Replace(s.Args[0], "/api/login", "/api/v2/login", 1)}), 405)
			// Posting to the new URL works.
			req, _ := http.NewRequest("POST", strings.Replace(s.Args[0], "/api/login", "/api/v2/login", 1), strings.NewReader(s.Args[2]))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if code := do(t, req); code != 200 {
				t.Fatalf("new login: %d", code)
			}
		},
		"/dns/site": func(t *testing.T, s Scenario) {
			rs := run(t, "GET", s.Args)
			if len(rs) != 2 {
				t.Fatalf("%d results, want one per address", len(rs))
			}
			got := map[string]int{}
			for _, r := range rs {
				if r.err != nil {
					t.Fatal(r.err)
				}
				got[r.header.Get("Server")] = r.status
			}
			if got["lab-web/2.0"] != 200 || got["nginx/1.14.2"] != 401 {
				t.Fatalf("answers %v", got)
			}
		},
	}
}

func do(t *testing.T, req *http.Request) int {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
