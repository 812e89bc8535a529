// Package producers_test runs why401's probe against real producers from
// the system's packages — nginx, Apache httpd, lighttpd, Caddy, HAProxy,
// Squid, the Docker registry, WordPress, Django REST Framework (under its
// development server and under Gunicorn behind nginx), Prometheus, Nagios
// 4, Radicale, mod_dav, mod_authnz_ldap with OpenLDAP's slapd, Transmission,
// CUPS and InfluxDB — started on 127.0.0.1 by
// internal/servertest, and asserts who the report says answered and the
// cause it ranks first. Each test first checks with plain net/http that
// the server answers as configured, so a failure points at the setup or
// at the probe.
//
// The tests skip in -short mode and when a server is not installed (with
// CI=true a missing server fails instead; scripts/install-deps.sh installs
// them). The WordPress suite takes tens of seconds: it sets up MariaDB,
// PHP-FPM and Apache; it runs with the full test command only.
package producers_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/calibration"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
	"github.com/why401/why401/internal/servertest"
)

// run runs the probe as the CLI does, without discovery.
func run(t *testing.T, o probe.Options) *report.Report {
	t.Helper()
	o.NoDiscovery = true
	if o.MaxTime == 0 {
		o.MaxTime = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := diagnose.Probe(ctx, o, diagnose.Options{})
	if err != nil {
		t.Fatalf("probe %s: %v", o.URL, err)
	}
	return r
}

// expect asserts the producers named (outermost first) and the first cause.
func expect(t *testing.T, r *report.Report, answeredBy string, cause catalog.ID) {
	t.Helper()
	if r.AnsweredBy != answeredBy {
		t.Errorf("answered by %q, want %q", r.AnsweredBy, answeredBy)
	}
	if cause != "" {
		conf := 0.0
		if len(r.Findings) > 0 {
			conf = r.Findings[0].Confidence
		}
		if err := calibration.Observe("producers", t.Name(), string(cause), string(r.TopCause()), conf); err != nil {
			t.Log(err)
		}
	}
	if cause != "" && r.TopCause() != cause {
		var got []string
		for _, f := range r.Findings {
			got = append(got, string(f.Cause))
		}
		t.Errorf("first cause %q, want %q (all: %v; summary %q)", r.TopCause(), cause, got, r.Summary)
	}
	if t.Failed() {
		for _, x := range r.Exchanges {
			t.Logf("%s hop %d %s %s → %d %v %q", x.Variant, x.Hop, x.Method, x.URL, x.Status, x.Response, x.Body)
		}
	}
}

// sanity fetches url with net/http and checks the status.
func sanity(t *testing.T, what string, req *http.Request, status int) *http.Response {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("setup: %s: %v", what, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != status {
		t.Fatalf("setup: %s: status %d, want %d; body %q", what, res.StatusCode, status, body)
	}
	return res
}

func get(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestNginx(t *testing.T) {
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "htpasswd")
	servertest.Htpasswd(t, pw, "alice", "secret", "-B")
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	location / {
		auth_basic "Staging";
		auth_basic_user_file `+pw+`;
	}
}`)
	sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
	expect(t, run(t, probe.Options{URL: s.URL() + "/"}), "nginx", catalog.ServerBasicAuth)
}

func TestApache(t *testing.T) {
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "htpasswd")
	servertest.Htpasswd(t, pw, "alice", "secret", "-B")
	s := servertest.Apache(t, `
<Directory "{{.Dir}}/htdocs">
	AuthType Basic
	AuthName "Members"
	AuthBasicProvider file
	AuthUserFile "`+pw+`"
	Require valid-user
</Directory>`, servertest.File("htdocs/index.html", "members\n"))
	sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
	expect(t, run(t, probe.Options{URL: s.URL() + "/"}), "Apache httpd", catalog.ServerBasicAuth)
	expect(t, run(t, probe.Options{URL: s.URL() + "/", User: "alice:wrong"}), "Apache httpd", catalog.CredentialsRejected)
}

func TestHAProxy(t *testing.T) {
	s := servertest.HAProxy(t, `
userlist admins
  user alice insecure-password secret

frontend web
  bind {{.Addr}}
  http-request auth realm internal unless { http_auth(admins) }
  http-request return status 200 content-type text/plain string "ok"
`)
	sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
	req := get(t, s.URL()+"/")
	req.SetBasicAuth("alice", "secret")
	sanity(t, "alice", req, 200)
	expect(t, run(t, probe.Options{URL: s.URL() + "/"}), "HAProxy", catalog.ServerBasicAuth)
	expect(t, run(t, probe.Options{URL: s.URL() + "/", User: "alice:wrong"}), "HAProxy", catalog.CredentialsRejected)
}

func TestSquid(t *testing.T) {
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "passwd")
	servertest.Htpasswd(t, pw, "alice", "secret", "-B")
	s := servertest.Squid(t, `
auth_param basic program /usr/lib/squid/basic_ncsa_auth `+pw+`
auth_param basic realm Squid proxy-caching web server
acl localnet src 127.0.0.1/32
acl staff proxy_auth REQUIRED
http_access deny !localnet
http_access allow staff
http_access deny all
`, servertest.StartTimeout(30*time.Second))
	// A target that nothing serves: the proxy answers before it connects.
	target := "http://127.0.0.1:9/"
	tr := &http.Transport{Proxy: http.ProxyURL(mustURL(t, s.URL()))}
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	res, err := c.Get(target)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusProxyAuthRequired {
		t.Fatalf("setup: status %d, want 407", res.StatusCode)
	}
	r := run(t, probe.Options{URL: target, Proxy: s.URL()})
	expect(t, r, "Squid", catalog.ProxyAuthRequired)
	if m := r.Producers[0]; !containsAny(m.Markers, "X-Squid-Error: ERR_CACHE_ACCESS_DENIED") {
		t.Errorf("markers %q", m.Markers)
	}
}

func TestRegistry(t *testing.T) {
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "htpasswd")
	servertest.Htpasswd(t, pw, "alice", "secret", "-B")
	s := servertest.Registry(t, `htpasswd:
  realm: Registry Realm
  path: `+pw+`
`, servertest.StartTimeout(30*time.Second))
	res := sanity(t, "anonymous", get(t, s.URL()+"/v2/"), 401)
	if res.Header.Get("Docker-Distribution-Api-Version") != "registry/2.0" {
		t.Fatalf("setup: headers %v", res.Header)
	}
	req := get(t, s.URL()+"/v2/")
	req.SetBasicAuth("alice", "secret")
	sanity(t, "alice", req, 200)
	expect(t, run(t, probe.Options{URL: s.URL() + "/v2/"}), "Docker registry", catalog.CredentialsMissing)
	expect(t, run(t, probe.Options{URL: s.URL() + "/v2/", User: "alice:wrong"}), "Docker registry", catalog.CredentialsRejected)
	ok := run(t, probe.Options{URL: s.URL() + "/v2/", User: "alice:secret"})
	expect(t, ok, "Docker registry", "")
	if ok.Verdict != report.OK || len(ok.Findings) != 0 {
		t.Errorf("right password: verdict %s, findings %v", ok.Verdict, ok.Findings)
	}
}

func containsAny(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
