package audit_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/audit"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/htpasswd"
	"github.com/why401/why401/internal/probeargs"
	"github.com/why401/why401/internal/servertest"
)

// These tests start real nginx and Apache on 127.0.0.1, audit the very
// configuration they run with, and show with the probe that the line the
// audit names is what makes the request fail: the same setup without that
// line (the control) lets the request through.

// lineOf returns the 1-based line of the first line of path containing s.
func lineOf(t *testing.T, path, s string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%s: no line contains %q", path, s)
	return 0
}

// auditServer audits a running server's configuration.
func auditServer(t *testing.T, s *servertest.Server) []audit.Finding {
	t.Helper()
	kind := audit.KindNginx
	if s.Kind == "apache" {
		kind = audit.KindApache
	}
	ev, err := audit.Load([]audit.Input{{Path: s.ConfigPath, Kind: kind, ServerRoot: s.Dir}})
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	fs, err := audit.Run(audit.All, ev)
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	return fs
}

// has reports whether fs holds cause at file:line.
func has(fs []audit.Finding, cause catalog.ID, file string, line int) bool {
	for _, f := range fs {
		if f.Cause == cause && f.Location.File == file && f.Location.Line == line {
			return true
		}
	}
	return false
}

func hasCause(fs []audit.Finding, cause catalog.ID) bool {
	for _, f := range fs {
		if f.Cause == cause {
			return true
		}
	}
	return false
}

// probe runs why401's probe with curl-style args and returns the final
// status and the top cause.
func probe(t *testing.T, args ...string) (int, catalog.ID) {
	t.Helper()
	f := &cli.Factory{IO: &cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, Now: time.Now, Version: "test"}
	po, err := probeargs.Parse(append(args, "--no-discovery", "-m", "10"), f.Version, nil)
	if err != nil {
		t.Fatalf("probe args: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := diagnose.Probe(ctx, po, diagnose.Options{})
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	return r.Status, r.TopCause()
}

func get(t *testing.T, url, user, pass, bearer string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

const token = "why401-test-token"

// bearerAPI is an application on 127.0.0.1 that wants a bearer token.
func bearerAPI(t *testing.T) string {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Authorization") {
		case "Bearer " + token:
			fmt.Fprintln(w, `{"user":"alice"}`)
		case "":
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			w.WriteHeader(401)
		default:
			w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
			w.WriteHeader(401)
		}
	}))
	t.Cleanup(api.Close)
	return strings.TrimPrefix(api.URL, "http://")
}

func TestRealStrippedAuthorization(t *testing.T) {
	servertest.Require(t, "nginx")
	upstream := bearerAPI(t)
	conf := `
server {
	listen {{.Addr}};
	location / {
		proxy_pass http://%s;
		proxy_set_header Host $host;
		proxy_set_header X-Forwarded-Proto $scheme;
		%s
	}
}`
	stripping := servertest.Nginx(t, fmt.Sprintf(conf, upstream, `proxy_set_header Authorization "";`))
	control := servertest.Nginx(t, fmt.Sprintf(conf, upstream, ""))

	line := lineOf(t, stripping.ConfigPath, `proxy_set_header Authorization ""`)
	if fs := auditServer(t, stripping); !has(fs, catalog.ProxyHeaderStripped, stripping.ConfigPath, line) {
		t.Errorf("audit did not report proxy.header-stripped at line %d: %v", line, fs)
	}
	if fs := auditServer(t, control); hasCause(fs, catalog.ProxyHeaderStripped) {
		t.Errorf("control: audit reported proxy.header-stripped: %v", fs)
	}
	if st, cause := probe(t, stripping.URL()+"/me", "-H", "Authorization: Bearer "+token); st != 401 || cause != catalog.ProxyHeaderStripped {
		t.Errorf("probe through the stripping proxy: %d %s, want 401 proxy.header-stripped", st, cause)
	}
	if st := get(t, control.URL()+"/me", "", "", token); st != 200 {
		t.Errorf("control: %d, want 200", st)
	}
}

func TestRealCachedUnauthorized(t *testing.T) {
	servertest.Require(t, "nginx")
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "users")
	writePasswords(t, pw, "alice:"+mustHash(t, "secret")+"\n")
	s := servertest.Nginx(t, `
proxy_cache_path {{.Dir}}/cache keys_zone=front:1m;
server {
	listen 127.0.0.1:{{index .Ports 0}};
	root {{.Dir}}/html;
	auth_basic "Staff";
	auth_basic_user_file `+pw+`;
}
server {
	listen {{.Addr}};
	proxy_set_header Host $host;
	proxy_set_header X-Forwarded-Proto $scheme;
	location / {
		proxy_pass http://127.0.0.1:{{index .Ports 0}};
		proxy_cache front;
		proxy_cache_valid 200 401 10m;
		# What operators add to see the cache at work; the probe reads it.
		add_header X-Cache-Status $upstream_cache_status always;
	}
}`, servertest.ExtraPorts(1), servertest.File("html/index.html", "<p>staff</p>\n"))

	line := lineOf(t, s.ConfigPath, "proxy_cache_valid 200 401")
	if fs := auditServer(t, s); !has(fs, catalog.CacheCached401, s.ConfigPath, line) {
		t.Errorf("audit did not report cache.cached-401 at line %d: %v", line, fs)
	}
	front := s.URL() + "/index.html"
	if st := get(t, s.ExtraURL(0)+"/index.html", "alice", "secret", ""); st != 200 {
		t.Fatalf("setup: origin with the right password: %d", st)
	}
	if st := get(t, front, "", "", ""); st != 401 {
		t.Fatalf("setup: warming request: %d, want 401", st)
	}
	if st, cause := probe(t, front, "-u", "alice:secret"); st != 401 || cause != catalog.CacheCached401 {
		t.Errorf("probe through the cache: %d %s, want 401 cache.cached-401", st, cause)
	}
	// Control: another path, never cached anonymously, passes.
	if st := get(t, s.URL()+"/index.html?fresh", "alice", "secret", ""); st != 200 {
		t.Errorf("control (uncached key): %d, want 200", st)
	}
}

func mustHash(t *testing.T, pass string) string {
	t.Helper()
	h, err := htpasswd.Hash(htpasswd.Bcrypt, pass, htpasswd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func writePasswords(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := servertest.MakeReadable(path); err != nil {
		t.Fatal(err)
	}
}

// A malformed password line (white space after the hash) refuses the
// right password on nginx; the same file without it lets it in.
func TestRealMalformedPasswordFileNginx(t *testing.T) {
	servertest.Require(t, "nginx")
	dir := servertest.TempDir(t)
	bad, good := filepath.Join(dir, "bad"), filepath.Join(dir, "good")
	hash := mustHash(t, "secret")
	writePasswords(t, bad, "alice:"+hash+" \n")
	writePasswords(t, good, "alice:"+hash+"\n")
	conf := `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	location ^~ /.well-known/acme-challenge/ { auth_basic off; }
	location / {
		auth_basic "Staff";
		auth_basic_user_file %s;
	}
}`
	page := servertest.File("html/index.html", "<p>staff</p>\n")
	broken := servertest.Nginx(t, fmt.Sprintf(conf, bad), page)
	fixed := servertest.Nginx(t, fmt.Sprintf(conf, good), page)

	line := lineOf(t, broken.ConfigPath, "auth_basic_user_file")
	if fs := auditServer(t, broken); !has(fs, catalog.ServerHtpasswdFile, broken.ConfigPath, line) {
		t.Errorf("audit did not report server.htpasswd-file at line %d: %v", line, fs)
	}
	if fs := auditServer(t, fixed); len(fs) != 0 {
		t.Errorf("control: audit findings %v", fs)
	}
	if st, cause := probe(t, broken.URL()+"/index.html", "-u", "alice:secret"); st != 401 || cause != catalog.CredentialsRejected {
		t.Errorf("probe with the right password: %d %s, want 401 credentials.rejected", st, cause)
	}
	if st := get(t, fixed.URL()+"/index.html", "alice", "secret", ""); st != 200 {
		t.Errorf("control: %d, want 200", st)
	}
}

// A plain-text password refuses the right password on Apache; the same
// user with a bcrypt hash gets in.
func TestRealPlainTextPasswordApache(t *testing.T) {
	servertest.Require(t, "apache2")
	dir := servertest.TempDir(t)
	plain, hashed := filepath.Join(dir, "plain"), filepath.Join(dir, "hashed")
	writePasswords(t, plain, "alice:secret\n")
	writePasswords(t, hashed, "alice:"+mustHash(t, "secret")+"\n")
	conf := `
<Location "/.well-known/acme-challenge/">
	Require all granted
</Location>
<Directory "{{.Dir}}/htdocs">
	AuthType Basic
	AuthName "Staff"
	AuthBasicProvider file
	AuthUserFile "%s"
	Require valid-user
</Directory>`
	page := servertest.File("htdocs/index.html", "<p>staff</p>\n")
	broken := servertest.Apache(t, fmt.Sprintf(conf, plain), page)
	fixed := servertest.Apache(t, fmt.Sprintf(conf, hashed), page)

	line := lineOf(t, broken.ConfigPath, "AuthUserFile")
	if fs := auditServer(t, broken); !has(fs, catalog.ServerHtpasswdHash, broken.ConfigPath, line) {
		t.Errorf("audit did not report server.htpasswd-hash at line %d: %v", line, fs)
	}
	if fs := auditServer(t, fixed); hasCause(fs, catalog.ServerHtpasswdHash) || hasCause(fs, catalog.ServerHtpasswdFile) {
		t.Errorf("control: audit findings %v", fs)
	}
	if st, cause := probe(t, broken.URL()+"/index.html", "-u", "alice:secret"); st != 401 || cause != catalog.CredentialsRejected {
		t.Errorf("probe with the right password: %d %s, want 401 credentials.rejected", st, cause)
	}
	if st := get(t, fixed.URL()+"/index.html", "alice", "secret", ""); st != 200 {
		t.Errorf("control: %d, want 200", st)
	}
}

// A password file the workers cannot read: the audit names the line, and
// nginx refuses even the right password (with 500, not 401: the file
// cannot be opened at all).
func TestRealUnreadablePasswordFileNginx(t *testing.T) {
	servertest.Require(t, "nginx")
	if os.Geteuid() != 0 {
		t.Skip("needs root: the workers must run as another user than the file's owner")
	}
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "users")
	writePasswords(t, pw, "alice:"+mustHash(t, "secret")+"\n")
	if err := os.Chmod(pw, 0o600); err != nil {
		t.Fatal(err)
	}
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	location ^~ /.well-known/acme-challenge/ { auth_basic off; }
	location / {
		auth_basic "Staff";
		auth_basic_user_file `+pw+`;
	}
}`, servertest.File("html/index.html", "<p>staff</p>\n"))
	line := lineOf(t, s.ConfigPath, "auth_basic_user_file")
	fs := auditServer(t, s)
	if !has(fs, catalog.ServerHtpasswdFile, s.ConfigPath, line) {
		t.Fatalf("audit did not report server.htpasswd-file at line %d: %v", line, fs)
	}
	st := get(t, s.URL()+"/index.html", "alice", "secret", "")
	if st != 500 {
		t.Errorf("right password, unreadable file: %d, want 500", st)
	}
	if err := os.Chmod(pw, 0o644); err != nil {
		t.Fatal(err)
	}
	if st := get(t, s.URL()+"/index.html", "alice", "secret", ""); st != 200 {
		t.Errorf("control (file made readable): %d, want 200", st)
	}
}

// Apache hands a CGI script the request without Authorization unless
// CGIPassAuth is on: the audit names the ScriptAlias line, and the same
// server with CGIPassAuth On lets the token through.
func TestRealCGIWithoutPassAuthApache(t *testing.T) {
	servertest.Require(t, "apache2")
	script := `#!/bin/sh
if [ "$HTTP_AUTHORIZATION" = "Bearer ` + token + `" ]; then
	printf 'Content-Type: application/json\r\n\r\n{"user":"alice"}\n'
elif [ -z "$HTTP_AUTHORIZATION" ]; then
	printf 'Status: 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="api"\r\nContent-Type: text/plain\r\n\r\nno token\n'
else
	printf 'Status: 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="api", error="invalid_token"\r\nContent-Type: text/plain\r\n\r\nbad token\n'
fi
`
	conf := `
ScriptAlias "/cgi-bin/" "{{.Dir}}/cgi/"
<Directory "{{.Dir}}/cgi">
	Require all granted
	%s
</Directory>`
	start := func(extra string) *servertest.Server {
		s := servertest.Apache(t, fmt.Sprintf(conf, extra), servertest.Modules("cgid"), servertest.File("cgi/me", script))
		if err := os.Chmod(filepath.Join(s.Dir, "cgi", "me"), 0o755); err != nil {
			t.Fatal(err)
		}
		return s
	}
	stripping := start("")
	control := start("CGIPassAuth On")

	line := lineOf(t, stripping.ConfigPath, "ScriptAlias")
	if fs := auditServer(t, stripping); !has(fs, catalog.ProxyHeaderStripped, stripping.ConfigPath, line) {
		t.Errorf("audit did not report proxy.header-stripped at line %d: %v", line, fs)
	}
	if fs := auditServer(t, control); hasCause(fs, catalog.ProxyHeaderStripped) {
		t.Errorf("control: audit reported proxy.header-stripped: %v", fs)
	}
	if st := get(t, control.URL()+"/cgi-bin/me", "", "", token); st != 200 {
		t.Fatalf("control: %d, want 200\n%s", st, control.ErrorLog())
	}
	if st, cause := probe(t, stripping.URL()+"/cgi-bin/me", "-H", "Authorization: Bearer "+token); st != 401 || cause != catalog.ProxyHeaderStripped {
		t.Errorf("probe without CGIPassAuth: %d %s, want 401 proxy.header-stripped", st, cause)
	}
}

// What the scope check says is switched off really is: nginx answers a
// protected location's return before auth_basic runs, and satisfy any
// with allow all admits everyone, while a plain protected location still
// challenges.
func TestRealAuthSwitchedOffNginx(t *testing.T) {
	servertest.Require(t, "nginx")
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "users")
	writePasswords(t, pw, "alice:"+mustHash(t, "secret")+"\n")
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	auth_basic "Staff";
	auth_basic_user_file `+pw+`;
	location ^~ /.well-known/acme-challenge/ { auth_basic off; }
	location /early {
		return 200 "no password asked\n";
	}
	location /office {
		satisfy any;
		allow all;
	}
	location /guarded {
		try_files /index.html =404;
	}
}`, servertest.File("html/index.html", "<p>staff</p>\n"), servertest.File("html/office/index.html", "<p>office</p>\n"))
	fs := auditServer(t, s)
	for _, want := range []string{"return 200", "satisfy any;"} {
		line := lineOf(t, s.ConfigPath, want)
		if !has(fs, catalog.ServerAuthScope, s.ConfigPath, line) {
			t.Errorf("audit did not report server.auth-scope at line %d (%s): %v", line, want, fs)
		}
	}
	for path, want := range map[string]int{"/early": 200, "/office/": 200, "/guarded": 401} {
		if st := get(t, s.URL()+path, "", "", ""); st != want {
			t.Errorf("GET %s without credentials: %d, want %d", path, st, want)
		}
	}
}

// Apache: Require all granted beside Require valid-user lets anyone in,
// as the audit says; the section without it challenges.
func TestRealRequireAllGrantedApache(t *testing.T) {
	servertest.Require(t, "apache2")
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "users")
	writePasswords(t, pw, "alice:"+mustHash(t, "secret")+"\n")
	s := servertest.Apache(t, `
<Location "/.well-known/acme-challenge/">
	Require all granted
</Location>
<Directory "{{.Dir}}/htdocs/open">
	AuthType Basic
	AuthName "Staff"
	AuthUserFile "`+pw+`"
	Require valid-user
	Require all granted
</Directory>
<Directory "{{.Dir}}/htdocs/closed">
	AuthType Basic
	AuthName "Staff"
	AuthUserFile "`+pw+`"
	Require valid-user
</Directory>`, servertest.File("htdocs/open/index.html", "open\n"), servertest.File("htdocs/closed/index.html", "closed\n"))
	fs := auditServer(t, s)
	n := 0
	for _, f := range fs {
		if f.Cause == catalog.ServerAuthScope && strings.Contains(f.Detail, "Require all granted beside Require valid-user") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("audit: %d Require-all-granted findings, want 1: %v", n, fs)
	}
	if st := get(t, s.URL()+"/open/index.html", "", "", ""); st != 200 {
		t.Errorf("open section without credentials: %d, want 200", st)
	}
	if st := get(t, s.URL()+"/closed/index.html", "", "", ""); st != 401 {
		t.Errorf("closed section without credentials: %d, want 401", st)
	}
}

// A protected location that sends CORS headers challenges the browser's
// preflight: the audit names the add_header line, the probe (with an
// Origin) names cors.preflight-auth, and answering OPTIONS first fixes it.
func TestRealPreflightChallengedNginx(t *testing.T) {
	servertest.Require(t, "nginx")
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "users")
	writePasswords(t, pw, "alice:"+mustHash(t, "secret")+"\n")
	conf := `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	location /api/ {
		%s
		auth_basic "API";
		auth_basic_user_file ` + pw + `;
		add_header Access-Control-Allow-Origin https://app.example.com always;
		add_header Access-Control-Allow-Headers Authorization always;
		add_header Access-Control-Allow-Credentials true always;
	}
}`
	page := servertest.File("html/api/me.json", `{"user":"alice"}`+"\n")
	broken := servertest.Nginx(t, fmt.Sprintf(conf, ""), page)
	fixed := servertest.Nginx(t, fmt.Sprintf(conf, `if ($request_method = OPTIONS) {
			add_header Access-Control-Allow-Origin https://app.example.com;
			add_header Access-Control-Allow-Headers Authorization;
			add_header Access-Control-Allow-Credentials true;
			return 204;
		}`), page)
	line := lineOf(t, broken.ConfigPath, "add_header Access-Control-Allow-Origin")
	if fs := auditServer(t, broken); !has(fs, catalog.CORSPreflightAuth, broken.ConfigPath, line) {
		t.Errorf("audit did not report cors.preflight-auth at line %d: %v", line, fs)
	}
	if fs := auditServer(t, fixed); hasCause(fs, catalog.CORSPreflightAuth) {
		t.Errorf("control: audit reported cors.preflight-auth: %v", fs)
	}
	args := []string{"-u", "alice:secret", "-H", "Origin: https://app.example.com"}
	if _, cause := probe(t, append([]string{broken.URL() + "/api/me.json"}, args...)...); cause != catalog.CORSPreflightAuth {
		t.Errorf("probe: top cause %s, want cors.preflight-auth", cause)
	}
	if _, cause := probe(t, append([]string{fixed.URL() + "/api/me.json"}, args...)...); cause == catalog.CORSPreflightAuth {
		t.Errorf("control: probe still names cors.preflight-auth")
	}
}

// return 401 without add_header WWW-Authenticate ... always: the audit
// names the line, the probe names challenge.missing, and "always" fixes it.
func TestRealUnchallenged401Nginx(t *testing.T) {
	servertest.Require(t, "nginx")
	conf := `
server {
	listen {{.Addr}};
	location /api/ {
		add_header WWW-Authenticate 'Bearer realm="api"' %s;
		return 401;
	}
}`
	broken := servertest.Nginx(t, fmt.Sprintf(conf, ""))
	fixed := servertest.Nginx(t, fmt.Sprintf(conf, "always"))
	line := lineOf(t, broken.ConfigPath, "return 401")
	if fs := auditServer(t, broken); !has(fs, catalog.ChallengeMissing, broken.ConfigPath, line) {
		t.Errorf("audit did not report challenge.missing at line %d: %v", line, fs)
	}
	if fs := auditServer(t, fixed); hasCause(fs, catalog.ChallengeMissing) {
		t.Errorf("control: audit reported challenge.missing: %v", fs)
	}
	if st, cause := probe(t, broken.URL()+"/api/me", "-H", "Authorization: Bearer "+token); st != 401 || cause != catalog.ChallengeMissing {
		t.Errorf("probe: %d %s, want 401 challenge.missing", st, cause)
	}
	if _, cause := probe(t, fixed.URL()+"/api/me", "-H", "Authorization: Bearer "+token); cause == catalog.ChallengeMissing {
		t.Errorf("control: probe still names challenge.missing")
	}
}

// A relative AuthUserFile in .htaccess: Apache resolves it against
// ServerRoot, not the .htaccess directory, so the file beside it is not
// used. The audit finds the .htaccess through AllowOverride AuthConfig
// and says so; real Apache fails the right password (500: the file it
// looks for is missing); the absolute path is the control.
func TestRealRelativeHtaccessApache(t *testing.T) {
	servertest.Require(t, "apache2")
	hash := mustHash(t, "secret")
	conf := `
<Location "/.well-known/acme-challenge/">
	Require all granted
</Location>
<Directory "{{.Dir}}/htdocs">
	AllowOverride AuthConfig
	Require all granted
</Directory>`
	start := func(userFile string) (*servertest.Server, string) {
		s := servertest.Apache(t, conf, servertest.File("htdocs/private/index.html", "private\n"))
		priv := filepath.Join(s.Dir, "htdocs", "private")
		writePasswords(t, filepath.Join(priv, ".htpasswd"), "alice:"+hash+"\n")
		if userFile == "" {
			userFile = filepath.Join(priv, ".htpasswd")
		}
		ht := filepath.Join(priv, ".htaccess")
		writePasswords(t, ht, "AuthType Basic\nAuthName \"Private\"\nAuthUserFile "+userFile+"\nRequire valid-user\n")
		return s, ht
	}
	broken, ht := start(".htpasswd")
	fixed, _ := start("")
	fs := auditServer(t, broken)
	if !has(fs, catalog.ServerHtpasswdFile, ht, 3) {
		t.Errorf("audit did not report server.htpasswd-file at %s:3: %v", ht, fs)
	}
	if st := get(t, broken.URL()+"/private/index.html", "alice", "secret", ""); st != 500 {
		t.Errorf("relative AuthUserFile, right password: %d, want 500 (Apache looks in ServerRoot)", st)
	}
	if fs := auditServer(t, fixed); hasCause(fs, catalog.ServerHtpasswdFile) {
		t.Errorf("control: audit findings %v", fs)
	}
	if st := get(t, fixed.URL()+"/private/index.html", "alice", "secret", ""); st != 200 {
		t.Errorf("control: %d, want 200", st)
	}
	if st := get(t, fixed.URL()+"/private/index.html", "", "", ""); st != 401 {
		t.Errorf("control without credentials: %d, want 401 (the .htaccess applies)", st)
	}
}

// limit_req without burst on a login path: the challenge round trip (an
// anonymous request, then at once the same with credentials) is refused
// on its second step. The audit names the limit_req line; a burst is the
// control.
func TestRealRateLimitedLoginNginx(t *testing.T) {
	servertest.Require(t, "nginx")
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "users")
	writePasswords(t, pw, "alice:"+mustHash(t, "secret")+"\n")
	conf := `
limit_req_zone $binary_remote_addr zone=login:1m rate=1r/m;
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	location /login {
		limit_req zone=login%s;
		auth_basic "Staff";
		auth_basic_user_file ` + pw + `;
	}
}`
	page := servertest.File("html/login/index.html", "in\n")
	broken := servertest.Nginx(t, fmt.Sprintf(conf, ""), page)
	fixed := servertest.Nginx(t, fmt.Sprintf(conf, " burst=5 nodelay"), page)
	line := lineOf(t, broken.ConfigPath, "limit_req zone=login")
	fs := auditServer(t, broken)
	if !has(fs, catalog.RateLimitLockout, broken.ConfigPath, line) {
		t.Errorf("audit did not report ratelimit.lockout at line %d: %v", line, fs)
	}
	for _, f := range fs {
		if f.Cause == catalog.RateLimitLockout && f.Severity != catalog.Warning {
			t.Errorf("no burst: severity %s, want warning", f.Severity)
		}
	}
	for s, want := range map[*servertest.Server][2]int{broken: {401, 503}, fixed: {401, 200}} {
		first := get(t, s.URL()+"/login/", "", "", "")
		second := get(t, s.URL()+"/login/", "alice", "secret", "")
		if first != want[0] || second != want[1] {
			t.Errorf("%s: challenge round trip %d then %d, want %d then %d", s.ConfigPath, first, second, want[0], want[1])
		}
	}
}
