// Package checkreal_test runs `why401 check` checklists, the shipped
// examples among them, against real nginx and Apache servers from the
// system's packages (started on 127.0.0.1 by internal/servertest, with the
// lab as their upstream), and feeds a real Prometheus from the scheduled
// mode's metrics.
//
// Each server comes in a well-configured and a broken flavour; the same
// checklist must pass on the first and fail on the second with exactly the
// expectations and causes the breakage explains. The tests skip in -short
// mode and when a server is not installed (they fail instead with CI=true;
// scripts/install-deps.sh installs what they need).
package checkreal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/checklist"
	"github.com/why401/why401/internal/cli"
	checkcmd "github.com/why401/why401/internal/cmd/check"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
	"github.com/why401/why401/internal/servertest"
)

func startLab(t *testing.T) *lab.Lab {
	t.Helper()
	l, err := lab.New(lab.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

var siteLine = regexp.MustCompile(`(?m)^site: .*$`)

// runExample runs examples/NAME with its site pointed at site.
func runExample(t *testing.T, name, site string, env map[string]string, clients ...string) *checklist.Outcome {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	text := siteLine.ReplaceAllString(string(raw), "site: "+site)
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := checklist.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := checklist.Run(ctx, f, checklist.Options{
		Clients: clients,
		Getenv:  func(k string) string { return env[k] },
		Explain: func(ctx context.Context, po probe.Options) (*report.Report, error) {
			return diagnose.Probe(ctx, po, diagnose.Options{})
		},
		Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// expectOutcome asserts that exactly the listed results fail, each with
// its cause ("step expectation [client]" -> cause; "" for a failure that
// names none), and everything else passes.
func expectOutcome(t *testing.T, out *checklist.Outcome, failures map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range out.Results {
		key := r.Step + " " + r.Expectation + " [" + r.Client + "]"
		cause, wantFail := failures[key]
		seen[key] = true
		switch {
		case wantFail && r.Status != checklist.Fail:
			t.Errorf("%s: passed (%s), want a failure with %q", key, r.Message, cause)
		case wantFail && string(r.Cause) != cause:
			t.Errorf("%s: cause %q (%s), want %q", key, r.Cause, r.Message, cause)
		case !wantFail && r.Status != checklist.Pass:
			t.Errorf("%s: failed: %s (cause %q)", key, r.Message, r.Cause)
		}
	}
	for key := range failures {
		if !seen[key] {
			t.Errorf("no result %q", key)
		}
	}
	if t.Failed() || testing.Verbose() {
		var b strings.Builder
		checklist.WriteText(&b, out, true) //nolint:errcheck // a builder
		t.Logf("outcome:\n%s", b.String())
	}
}

// nginxAPI is an nginx server block in front of the lab; broken selects
// the misconfigured flavour: a cached login route, an echo route whose
// proxy drops Authorization and the forwarded headers, no CORS answer.
func nginxAPI(upstream string, broken bool) string {
	login := `proxy_pass ` + upstream + `/oauth/token;`
	echo := `proxy_pass ` + upstream + `/echo;
		proxy_set_header X-Forwarded-Proto $scheme;
		proxy_set_header X-Forwarded-Host $host;`
	cors := `if ($request_method = OPTIONS) {
			add_header Access-Control-Allow-Origin $http_origin always;
			add_header Access-Control-Allow-Methods "GET, OPTIONS" always;
			add_header Access-Control-Allow-Headers "Authorization" always;
			add_header Vary Origin always;
			return 204;
		}`
	if broken {
		login += `
		proxy_hide_header Cache-Control;
		proxy_hide_header Pragma;
		add_header Cache-Control "public, max-age=300" always;`
		echo = `proxy_pass ` + upstream + `/echo;
		proxy_set_header Authorization "";`
		cors = ""
	}
	return `
server {
	listen {{.Addr}};
	location / {
		proxy_pass ` + upstream + `;
	}
	location = /login {
		` + login + `
	}
	location = /echo {
		` + echo + `
	}
	location /api/ {
		` + cors + `
		proxy_pass ` + upstream + `;
		proxy_hide_header Cache-Control;
		add_header Cache-Control "no-store" always;
	}
}`
}

func TestNginxAPIExample(t *testing.T) {
	t.Parallel()
	l := startLab(t)
	env := map[string]string{"API_CLIENT_SECRET": lab.ClientSecret}
	good := servertest.Nginx(t, nginxAPI(l.URL(), false))
	broken := servertest.Nginx(t, nginxAPI(l.URL(), true))

	t.Run("good", func(t *testing.T) {
		out := runExample(t, "nginx-api.yaml", good.URL(), env, "curl", "browser")
		expectOutcome(t, out, nil)
		if len(out.Results) != 22 {
			t.Errorf("%d results, want 22 (11 expectations, 2 clients)", len(out.Results))
		}
	})
	t.Run("broken", func(t *testing.T) {
		out := runExample(t, "nginx-api.yaml", broken.URL(), env)
		expectOutcome(t, out, map[string]string{
			"mobile-login no-store [curl]":                    "cache.auth-cacheable",
			"browser-app cors https://app.example.com [curl]": "cors.preflight-auth",
			"upstream-sees-auth proxy [curl]":                 "proxy.header-stripped",
		})
		for _, r := range out.Results {
			if r.Step == "upstream-sees-auth" && !strings.Contains(r.Message, "X-Forwarded-Proto") {
				t.Errorf("proxy message does not mention the missing X-Forwarded-Proto: %s", r.Message)
			}
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		out := runExample(t, "nginx-api.yaml", good.URL(), map[string]string{"API_CLIENT_SECRET": "not-it"})
		var login checklist.Result
		for _, r := range out.Results {
			if r.Step == "client" && r.Expectation == "login" {
				login = r
			}
		}
		if login.Status != checklist.Fail || !strings.Contains(login.Message, "400 Bad Request") {
			t.Errorf("login with a wrong secret: %+v", login)
		}
		for _, r := range out.Results {
			if r.Step == "items" && r.Expectation == "authenticated" && (r.Status != checklist.Fail || !strings.Contains(r.Message, "the login client, which failed")) {
				t.Errorf("items after a failed login: %+v", r)
			}
		}
		if strings.Contains(fmt.Sprint(out), "not-it") {
			t.Error("the outcome quotes the secret")
		}
	})
}

// wordpressLike is Apache configured as a WordPress site is, without PHP:
// a form login at /wp-login.php (mod_auth_form) that sets an encrypted
// session cookie and redirects to /wp-admin/, the dashboard behind that
// cookie, the REST API behind Basic auth (application passwords) and the
// lab's /echo behind the same server as a reverse proxy.
func wordpressLike(upstream string, broken bool) string {
	cookie := `wordpress_logged_in_5f2a path=/;HttpOnly;SameSite=Lax`
	loginCache := `Header always set Cache-Control "no-store, private"`
	echo := `RequestHeader set X-Forwarded-Proto "http"`
	if broken {
		cookie = `wordpress_logged_in_5f2a path=/`
		loginCache = `Header always set Cache-Control "public, max-age=600"`
		echo = `RequestHeader unset Authorization`
	}
	session := `
	Session On
	SessionCookieName ` + cookie + `
	SessionCryptoPassphrase not-a-secret-only-a-test`
	return `
<Location "/wp-login.php">
	SetHandler form-login-handler
	AuthType form
	AuthName "wordpress"
	AuthFormProvider file
	AuthUserFile "{{.Dir}}/users"
	AuthFormUsername log
	AuthFormPassword pwd
	AuthFormLocation redirect_to
	AuthFormLoginSuccessLocation "/wp-admin/"
	AuthFormLoginRequiredLocation "/wp-login.php?failed=1"` + session + `
	` + loginCache + `
</Location>
<Location "/wp-admin/">
	AuthType form
	AuthName "wordpress"
	AuthFormProvider file
	AuthUserFile "{{.Dir}}/users"
	AuthFormLoginRequiredLocation "/wp-login.php"` + session + `
	Require valid-user
	Header always set Cache-Control "no-store"
</Location>
<Location "/wp-json/">
	AuthType Basic
	AuthName "WordPress REST"
	AuthBasicProvider file
	AuthUserFile "{{.Dir}}/app-passwords"
	Require valid-user
	Header always set Cache-Control "no-store"
</Location>
<Location "/echo">
	ProxyPass "` + upstream + `/echo"
	` + echo + `
</Location>`
}

func TestApacheWordPressExample(t *testing.T) {
	t.Parallel()
	l := startLab(t)
	dirFiles := func(broken bool) *servertest.Server {
		s := servertest.Apache(t, wordpressLike(l.URL(), broken),
			servertest.Modules("session", "session_cookie", "session_crypto", "auth_form", "request"),
			servertest.File("htdocs/wp-admin/index.html", "<!DOCTYPE html><title>Dashboard</title><h1>Dashboard</h1>\n"),
			servertest.File("htdocs/wp-json/wp/v2/users/me", `{"id":1,"name":"editor"}`+"\n"),
		)
		servertest.Htpasswd(t, filepath.Join(s.Dir, "users"), "editor", "login-pass", "-B")
		servertest.Htpasswd(t, filepath.Join(s.Dir, "app-passwords"), "editor", "abcd efgh ijkl mnop", "-B")
		return s
	}
	env := map[string]string{"WP_USER": "editor", "WP_PASSWORD": "login-pass", "WP_APP_PASSWORD": "abcd efgh ijkl mnop"}
	good := dirFiles(false)
	broken := dirFiles(true)

	t.Run("good", func(t *testing.T) {
		out := runExample(t, "wordpress.yaml", good.URL(), env, "curl", "browser")
		expectOutcome(t, out, nil)
		if len(out.Results) != 18 {
			t.Errorf("%d results, want 18 (9 expectations, 2 clients)", len(out.Results))
		}
	})
	t.Run("broken", func(t *testing.T) {
		out := runExample(t, "wordpress.yaml", broken.URL(), env)
		expectOutcome(t, out, map[string]string{
			"wp-login no-store [curl]":                     "cache.auth-cacheable",
			"wp-login cookie wordpress_logged_in_* [curl]": "", // hardening: no 401 cause
			"rest-behind-proxy proxy [curl]":               "proxy.header-stripped",
		})
	})
	t.Run("wrong password", func(t *testing.T) {
		bad := map[string]string{"WP_USER": "editor", "WP_PASSWORD": "nope", "WP_APP_PASSWORD": "nope"}
		out := runExample(t, "wordpress.yaml", good.URL(), bad)
		failed := map[string]checklist.Result{}
		for _, r := range out.Results {
			if r.Status == checklist.Fail {
				failed[r.Step+" "+r.Expectation] = r
			}
		}
		if r, ok := failed["wp-login login"]; !ok || !strings.Contains(r.Message, "set no cookie wordpress_logged_in_*") {
			t.Errorf("login with a wrong password: %+v", r)
		}
		if r := failed["rest-me authenticated"]; r.Cause != "credentials.rejected" {
			t.Errorf("REST with a wrong application password: cause %q (%s), want credentials.rejected", r.Cause, r.Message)
		}
	})
}

// TestPrometheusScrapesMetrics runs `why401 check --every --metrics` in
// process against the lab (one expectation failing on purpose, one TLS
// endpoint, one token), lets a real Prometheus scrape it, and reads the
// series back through Prometheus' query API.
func TestPrometheusScrapesMetrics(t *testing.T) {
	t.Parallel()
	servertest.Require(t, "prometheus")
	l := startLab(t)
	text := `site: ` + l.URL() + `
cacert: ` + l.CAFile() + `
logins:
  - name: client
    request:
      method: POST
      url: /oauth/token
      form: {grant_type: client_credentials, client_id: lab-client, client_secret: {env: SECRET}}
    token: access_token
    expect: [{token: {max_lifetime: 2h}}]
endpoints:
  - name: api
    request: {url: /api/items, session: client}
    expect: [authenticated]
  - name: stripped
    request: {url: /proxied/items, session: client}
    expect: [authenticated]
  - name: tls
    request: "` + l.TLSURL() + `/basic/ok"
    expect: [{tls: {min_days: 30}}]
`
	path := filepath.Join(t.TempDir(), "metrics.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &cli.Factory{IO: &cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, Now: time.Now, Version: "test"}
	o := &checkcmd.Options{IO: f.IO, Now: time.Now, Version: "test", File: path, Clients: []string{"curl"},
		Every: 10 * time.Second, Metrics: "127.0.0.1:0", Ready: func(a string) { ready <- a },
		Getenv: func(k string) string { return map[string]string{"SECRET": lab.ClientSecret}[k] }}
	done := make(chan error, 1)
	go func() { done <- checkcmd.Run(ctx, o) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("check stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("metrics did not come up")
	}
	prom := servertest.Prometheus(t, addr)

	query := func(q string) map[string]float64 {
		resp, err := http.Get(prom.URL() + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		var body struct {
			Status string `json:"status"`
			Data   struct {
				Result []struct {
					Metric map[string]string `json:"metric"`
					Value  [2]any            `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
			return nil
		}
		out := map[string]float64{}
		for _, r := range body.Data.Result {
			var v float64
			fmt.Sscan(fmt.Sprint(r.Value[1]), &v)
			out[r.Metric["step"]+"|"+r.Metric["cause"]+"|"+r.Metric["host"]] = v
		}
		return out
	}
	var ok, certs, tokens map[string]float64
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		ok = query(`why401_check_expectation_ok{job="why401"}`)
		certs = query(`why401_check_certificate_expiry_days`)
		tokens = query(`why401_check_token_expiry_days`)
		if len(ok) >= 4 && len(certs) == 1 && len(tokens) == 1 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if ok["api||"] != 1 || ok["client||"] != 1 {
		t.Errorf("passing expectations: %v, want api and client at 1", ok)
	}
	if v, found := ok["stripped|proxy.header-stripped|"]; !found || v != 0 {
		t.Errorf("failing expectation: %v, want stripped at 0 with cause proxy.header-stripped", ok)
	}
	if v := certs["tls||127.0.0.1"]; v < 30 {
		t.Errorf("certificate days: %v, want one series for 127.0.0.1 above 30", certs)
	}
	if v := tokens["client||"]; v <= 0 || v > 1 {
		t.Errorf("token days: %v, want one series for client within a day", tokens)
	}
	runs := query(`why401_check_runs_total`)
	if runs["||"] < 1 {
		t.Errorf("runs_total: %v", runs)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("check did not stop")
	}
}

// TestAlertRules checks the shipped alert rules with Prometheus' own
// promtool: syntax, and the unit tests in docs/why401-alerts.test.yml
// (a failing expectation pages with its cause, a certificate warns, an
// ageing static token warns while a login's fresh token does not).
func TestAlertRules(t *testing.T) {
	t.Parallel()
	promtool := servertest.Require(t, "promtool")
	for _, args := range [][]string{
		{"check", "rules", "why401-alerts.yml"},
		{"test", "rules", "why401-alerts.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = filepath.Join("..", "..", "docs")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestNginxClientsDisagree: a redirect chain that leaves the origin and
// comes back. curl sends Authorization again once the URL is back on the
// origin it started at; a browser dropped it for good when the chain left
// the origin. The same expectation holds for one client and fails for the
// other, and the run says so.
func TestNginxClientsDisagree(t *testing.T) {
	t.Parallel()
	pw := filepath.Join(servertest.TempDir(t), "htpasswd")
	servertest.Htpasswd(t, pw, "alice", "secret", "-B")
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	location = /old/me { return 302 http://127.0.0.1:{{index .Ports 0}}/bounce; }
	location = /api/me {
		auth_basic "api";
		auth_basic_user_file `+pw+`;
		default_type application/json;
		add_header Cache-Control "no-store" always;
		alias {{.Dir}}/html/me.json;
	}
}
server {
	listen 127.0.0.1:{{index .Ports 0}};
	location = /bounce { return 302 http://{{.Addr}}/api/me; }
}`, servertest.ExtraPorts(1), servertest.File("html/me.json", `{"user":"alice"}`+"\n"))
	if code, _, _ := get(t, s.URL()+"/api/me", nil); code != http.StatusUnauthorized {
		t.Fatalf("setup: /api/me without credentials: %d, want 401", code)
	}
	text := "site: " + s.URL() + `
endpoints:
  - name: moved
    request:
      url: /old/me
      basic: {user: alice, password: {env: PW}}
    expect: [authenticated]
`
	path := filepath.Join(t.TempDir(), "moved.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := checklist.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := checklist.Run(ctx, f, checklist.Options{
		Clients: []string{"curl", "browser"},
		Getenv:  func(string) string { return "secret" },
		Explain: func(ctx context.Context, po probe.Options) (*report.Report, error) {
			return diagnose.Probe(ctx, po, diagnose.Options{})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	expectOutcome(t, out, map[string]string{"moved authenticated [browser]": "redirect.auth-dropped"})
	for _, r := range out.Results {
		if r.Client == "browser" && !strings.HasPrefix(r.Message, "clients disagree: holds for curl, not for browser") {
			t.Errorf("browser message: %s", r.Message)
		}
	}
}

// get is a plain net/http GET (no redirects followed) for setup checks.
func get(t *testing.T, u string, h http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}
