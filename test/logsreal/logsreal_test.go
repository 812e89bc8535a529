// Package logsreal_test drives 200, 401, 403 and 429 answers through real
// nginx, Apache (with a custom LogFormat), lighttpd, Caddy and HAProxy
// (its HTTP log sent to syslog receivers the test opens and to standard
// output) from the system's packages, started on 127.0.0.1 by
// internal/servertest, then parses the access logs those servers wrote
// and runs the analysis of `why401 logs` over them: every line must
// parse, the statuses must match what was sent, and the planted patterns
// (a brute force from 127.0.0.2, challenge round trips, a lockout wave)
// must be found. Traefik and Envoy are not packaged in Debian 12, so
// their formats are tested on fixtures only (internal/logs).
//
// The tests skip in -short mode and when a server is not installed; with
// CI=true a missing server fails them (scripts/install-deps.sh installs
// them).
package logsreal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/logs"
	"github.com/why401/why401/internal/logs/analysis"
	"github.com/why401/why401/internal/servertest"
)

// client returns an HTTP client whose connections come from local, a
// loopback address (127.0.0.2 stands for a second machine).
func client(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	return &http.Client{
		Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func get(t *testing.T, c *http.Client, url, user, pass, ua string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", ua)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// paths are where each server answers what.
type paths struct {
	ok, private, forbidden, limited string
}

// want counts what drive sent, by status.
type want map[int]int

// drive sends the planned traffic and checks each answer.
func drive(t *testing.T, base string, p paths) want {
	t.Helper()
	c1, c2 := client("127.0.0.1"), client("127.0.0.2")
	w := want{}
	expect := func(got, status int, what string) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: status %d, want %d (server setup)", what, got, status)
		}
		w[status]++
	}
	for i := 0; i < 20; i++ {
		expect(get(t, c1, base+p.ok, "", "", "Mozilla/5.0 (X11; Linux x86_64) why401-test"), 200, "page")
	}
	// Challenge round trips: a browser asks, is challenged, then sends
	// the password.
	for i := 0; i < 10; i++ {
		expect(get(t, c1, base+p.private, "", "", "browser-sim/1.0"), 401, "challenge")
		expect(get(t, c1, base+p.private, "alice", "wonderland", "browser-sim/1.0"), 200, "login")
	}
	for i := 0; i < 5; i++ {
		expect(get(t, c1, base+p.forbidden, "", "", "curl/8.5.0"), 403, "forbidden")
	}
	for i := 0; i < 8; i++ {
		expect(get(t, c1, base+p.limited, "", "", "app/2.0"), 429, "limited")
	}
	// A brute force from another address, on a user that exists (Caddy
	// checks unknown users against a costly dummy hash).
	for i := 0; i < 35; i++ {
		expect(get(t, c2, base+p.private, "alice", fmt.Sprintf("guess%d", i), "python-requests/2.31.0"), 401, "guess")
	}
	return w
}

// logged waits until each log holds a line for every request drive sent.
// Servers write a request's line after sending its answer (Apache's
// worker threads, nginx's log phase), so the last lines may still be on
// their way when the client has its answer; stopping the server then
// could lose them. It gives up after ten seconds and lets check report
// what is missing.
func logged(t *testing.T, w want, paths ...string) {
	t.Helper()
	n := countAll(w)
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range paths {
		for {
			data, _ := os.ReadFile(p)
			if bytes.Count(data, []byte("\n")) >= n || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// check parses logPath with format (detected when nil), compares the
// status counts, then analyses it.
func check(t *testing.T, logPath string, format *logs.Format, w want, lockout bool) *analysis.Result {
	t.Helper()
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		t.Fatalf("%s is empty", logPath)
	}
	var f logs.Format
	if format != nil {
		f = *format
	} else {
		var ok bool
		f, ok = logs.Detect(data)
		if !ok {
			t.Fatalf("%s: format not detected; first line: %s", logPath, strings.SplitN(string(data), "\n", 2)[0])
		}
	}
	p := f.NewParser()
	got := map[int]int{}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var r logs.Record
		if err := p.Parse([]byte(line), &r); err != nil {
			if errors.Is(err, logs.ErrDirective) {
				continue
			}
			t.Fatalf("%s:%d: %v\n%s", logPath, i+1, err, line)
		}
		if r.Time == 0 || len(r.Client) == 0 || len(r.Path) == 0 {
			t.Errorf("%s:%d: missing time, client or path: %s", logPath, i+1, line)
		}
		if d := time.Since(time.UnixMilli(r.Time)); d < -time.Minute || d > 10*time.Minute {
			t.Errorf("%s:%d: time %v is %v off", logPath, i+1, time.UnixMilli(r.Time), d)
		}
		got[r.Status]++
	}
	for st, n := range w {
		if got[st] != n {
			t.Errorf("%s: %d lines with status %d, sent %d (all: %v)", logPath, got[st], st, n, got)
		}
	}
	in, err := logs.Open(logPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	res, err := analysis.Run(context.Background(), []analysis.Source{{Input: in, Format: f}}, analysis.Config{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	byCause := map[catalog.ID]analysis.Finding{}
	for _, fd := range res.Findings {
		byCause[fd.Cause] = fd
	}
	bf, ok := byCause[catalog.AttackBruteForce]
	if !ok || len(bf.Sources) != 1 || bf.Sources[0] != "127.0.0.2" || bf.Count != 35 {
		t.Errorf("%s: brute force from 127.0.0.2 not found: %+v", logPath, res.Findings)
	}
	if nc := byCause[catalog.NoiseChallenge]; nc.Count != 10 || res.Challenges != 10 {
		t.Errorf("%s: %d challenge round trips, want 10", logPath, res.Challenges)
	}
	if _, ok := byCause[catalog.RateLimitLockout]; lockout && !ok {
		t.Errorf("%s: no lockout wave among %+v", logPath, res.Findings)
	}
	if res.Failures[401] != 35 {
		t.Errorf("%s: %d 401 failures, want the 35 guesses (round trips are not failures)", logPath, res.Failures[401])
	}
	if t.Failed() {
		lines := strings.SplitN(string(data), "\n", 60)
		t.Logf("%s begins:\n%s", logPath, strings.Join(lines[:len(lines)-1], "\n"))
	}
	return res
}

const nginxJSON = `log_format why401json escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr",'
    '"remote_user":"$remote_user","request":"$request","status":$status,'
    '"body_bytes_sent":$body_bytes_sent,"http_user_agent":"$http_user_agent"}';
`

func TestNginx(t *testing.T) {
	s := servertest.Nginx(t, nginxJSON+`
server {
	listen {{.Addr}};
	access_log {{.Dir}}/logs/access.log combined;
	access_log {{.Dir}}/logs/json.log why401json;
	location /private/ {
		auth_basic "restricted";
		auth_basic_user_file {{.Dir}}/htpasswd;
		alias {{.Dir}}/html/;
	}
	location = /forbidden { return 403; }
	location = /limited { return 429; }
	location / { return 200 "ok\n"; }
}`, servertest.File("html/index.html", "secret\n"))
	servertest.Htpasswd(t, filepath.Join(s.Dir, "htpasswd"), "alice", "wonderland", "-B -C 4")
	w := drive(t, s.URL(), paths{"/", "/private/", "/forbidden", "/limited"})
	logged(t, w, filepath.Join(s.Dir, "logs", "access.log"), filepath.Join(s.Dir, "logs", "json.log"))
	s.Stop()
	check(t, filepath.Join(s.Dir, "logs", "access.log"), nil, w, true)
	check(t, filepath.Join(s.Dir, "logs", "json.log"), nil, w, true)
	// The same JSON log read with its log_format from nginx.conf.
	defs, err := logs.ConfigFormats(s.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := logs.FromTemplate(defs["why401json"])
	if err != nil {
		t.Fatalf("log_format from %s: %v", s.ConfigPath, err)
	}
	check(t, filepath.Join(s.Dir, "logs", "json.log"), &f, w, true)
}

func TestApacheCustomLogFormat(t *testing.T) {
	s := servertest.Apache(t, `
LogFormat "%a %l %u [%{%Y-%m-%dT%H:%M:%S%z}t] \"%r\" %>s %O \"%{User-Agent}i\" %D %{ms}T" why401
CustomLog "{{.Dir}}/logs/custom.log" why401
<Location "/private/">
	AuthType Basic
	AuthName "restricted"
	AuthUserFile "{{.Dir}}/htpasswd"
	Require valid-user
</Location>
<Location "/forbidden">
	Require all denied
</Location>
RewriteEngine On
RewriteRule "^/limited" "-" [R=429]
`, servertest.File("htdocs/index.html", "ok\n"), servertest.File("htdocs/private/index.html", "secret\n"))
	servertest.Htpasswd(t, filepath.Join(s.Dir, "htpasswd"), "alice", "wonderland", "-B -C 4")
	w := drive(t, s.URL(), paths{"/", "/private/", "/forbidden", "/limited"})
	logged(t, w, filepath.Join(s.Dir, "logs", "access.log"), filepath.Join(s.Dir, "logs", "custom.log"))
	s.Stop()
	check(t, filepath.Join(s.Dir, "logs", "access.log"), nil, w, true)
	defs, err := logs.ConfigFormats(s.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := logs.FromTemplate(defs["why401"])
	if err != nil {
		t.Fatalf("LogFormat from %s: %v", s.ConfigPath, err)
	}
	check(t, filepath.Join(s.Dir, "logs", "custom.log"), &f, w, true)
}

func TestLighttpd(t *testing.T) {
	s := servertest.Lighttpd(t, `
server.modules += ("mod_cgi")
server.feature-flags += ("auth.delay-invalid-creds" => "disable")
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "{{.Dir}}/htpasswd"
auth.require = ("/private/" => ("method" => "basic", "realm" => "restricted", "require" => "valid-user"))
$HTTP["url"] =~ "^/forbidden" { url.access-deny = ("") }
cgi.assign = (".sh" => "/bin/sh")
`, servertest.File("htdocs/index.html", "ok\n"), servertest.File("htdocs/private/index.html", "secret\n"),
		servertest.File("htdocs/forbidden/index.html", "no\n"),
		servertest.File("htdocs/limited.sh", "printf 'Status: 429\\r\\nContent-Type: text/plain\\r\\n\\r\\nslow down\\n'\n"))
	servertest.Htpasswd(t, filepath.Join(s.Dir, "htpasswd"), "alice", "wonderland", "-m")
	w := drive(t, s.URL(), paths{"/", "/private/", "/forbidden/", "/limited.sh"})
	logged(t, w, filepath.Join(s.Dir, "logs", "access.log"))
	s.Stop()
	check(t, filepath.Join(s.Dir, "logs", "access.log"), nil, w, true)
}

func TestCaddy(t *testing.T) {
	servertest.Require(t, "caddy")
	// A cheap bcrypt hash (cost 4) keeps the 45 password checks fast;
	// caddy hash-password would use cost 14.
	pw := filepath.Join(t.TempDir(), "htpasswd")
	servertest.Htpasswd(t, pw, "alice", "wonderland", "-B -C 4")
	line, err := os.ReadFile(pw)
	if err != nil {
		t.Fatal(err)
	}
	_, hash, _ := strings.Cut(strings.TrimSpace(string(line)), ":")
	hash = strings.Replace(hash, "$2y$", "$2a$", 1)
	s := servertest.Caddy(t, fmt.Sprintf(`
	basicauth /private/* {
		alice %s
	}
	respond /forbidden 403
	respond /limited 429
	respond /private/* "secret" 200
	respond "ok" 200
`, hash))
	w := drive(t, s.URL(), paths{"/", "/private/", "/forbidden", "/limited"})
	logged(t, w, filepath.Join(s.Dir, "logs", "access.log"))
	s.Stop()
	res := check(t, filepath.Join(s.Dir, "logs", "access.log"), nil, w, true)
	if res.Lines != int64(countAll(w)) {
		t.Errorf("caddy: %d lines, sent %d requests", res.Lines, countAll(w))
	}
}

func countAll(w want) int {
	n := 0
	for _, v := range w {
		n += v
	}
	return n
}

var _ = atomic.Int64{}
