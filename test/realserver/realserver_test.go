// Package realserver_test runs `why401 probe` against real nginx and Apache
// servers from the system's packages, started on 127.0.0.1 with temporary
// configurations by internal/servertest, and asserts the cause it names
// first. Each scenario first checks with a plain net/http client that the
// server answers as configured, so a failure points either at the setup or
// at the probe.
//
// The tests skip in -short mode and when a server is not installed (they
// fail instead with CI=true; scripts/install-deps.sh installs what they
// need).
package realserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/why401/why401/internal/servertest"
)

// why401 is the CLI built once by TestMain; buildErr says why it is not
// there (then probe assertions skip, or fail with CI=true).
var (
	why401   string
	buildErr error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if testing.Short() {
			buildErr = errors.New("not built in -short mode")
			return m.Run()
		}
		dir, err := os.MkdirTemp("", "why401-realserver-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "realserver: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		why401, buildErr = build(dir)
		if buildErr != nil {
			if ci() {
				fmt.Fprintf(os.Stderr, "realserver: cannot build the why401 CLI: %v\n", buildErr)
				return 1
			}
			fmt.Fprintf(os.Stderr, "realserver: cannot build the why401 CLI, probe assertions will skip (server checks still run): %v\n", buildErr)
		}
		return m.Run()
	}()
	os.Exit(code)
}

func ci() bool { return os.Getenv("CI") == "true" }

// build compiles the CLI into dir and returns the binary's path.
func build(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
		if _, err := os.Stat(goBin); err != nil {
			return "", errors.New("go command not found")
		}
	}
	bin := filepath.Join(dir, "why401")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, "github.com/why401/why401/cmd/why401")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// report is the part of `why401 probe --json` output the tests read.
type report struct {
	Target               string    `json:"target"`
	Verdict              string    `json:"verdict"`
	Summary              string    `json:"summary"`
	Findings             []finding `json:"findings"`
	CredentialedAttempts int       `json:"credentialed_attempts"`
}

type finding struct {
	Cause      string   `json:"cause"`
	Confidence float64  `json:"confidence"`
	Title      string   `json:"title"`
	Detail     string   `json:"detail"`
	Evidence   []string `json:"evidence"`
}

// Text is the finding's statement: its detail, else its title.
func (f finding) Text() string {
	if f.Detail != "" {
		return f.Detail
	}
	return f.Title
}

// result is one probe run.
type result struct {
	args   []string
	exit   int
	report report
	stdout string
	stderr string
}

// causes lists the findings' causes in order, for messages.
func (r result) causes() []string {
	var c []string
	for _, f := range r.report.Findings {
		c = append(c, fmt.Sprintf("%s (%.2f)", f.Cause, f.Confidence))
	}
	return c
}

// probe runs `why401 probe target args... --json` and decodes its report.
// It skips the test when the CLI could not be built (outside CI).
func probe(t *testing.T, target string, args ...string) result {
	t.Helper()
	if why401 == "" {
		if ci() {
			t.Fatalf("why401 CLI not built: %v", buildErr)
		}
		t.Skipf("why401 CLI not built: %v", buildErr)
	}
	full := append(append([]string{"probe", target}, args...), "--json")
	stdout, stderr, exit := run(t, full)
	r := result{args: full, exit: exit, stdout: stdout, stderr: stderr}
	if exit == 0 || exit == 1 || exit == 3 {
		if err := json.Unmarshal([]byte(stdout), &r.report); err != nil {
			t.Fatalf("why401 %s: exit %d, output is not a JSON report: %v\nstdout:\n%s\nstderr:\n%s",
				strings.Join(full, " "), exit, err, stdout, stderr)
		}
	}
	return r
}

// run executes the CLI with a time limit and returns its output and exit
// code.
func run(t *testing.T, args []string) (stdout, stderr string, exit int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, why401, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		exit = ee.ExitCode()
	default:
		t.Fatalf("why401 %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String(), exit
}

// expect checks the probe's exit code and first cause (wantCause "" means
// no findings at all). On a mismatch it reports what the JSON said and the
// probe's text output for the same request.
func expect(t *testing.T, r result, wantExit int, wantCause string) {
	t.Helper()
	ok := r.exit == wantExit
	if wantCause == "" {
		ok = ok && len(r.report.Findings) == 0
	} else {
		ok = ok && len(r.report.Findings) > 0 && r.report.Findings[0].Cause == wantCause
	}
	if ok {
		return
	}
	first := "(none)"
	if len(r.report.Findings) > 0 {
		first = r.report.Findings[0].Cause
	}
	want := wantCause
	if want == "" {
		want = "no findings"
	}
	t.Errorf("why401 %s:\nexit %d, want %d; first cause %s, want %s\nverdict %q, summary %q\ncauses: %v\nJSON:\n%s\nstderr:\n%s",
		strings.Join(r.args, " "), r.exit, wantExit, first, want, r.report.Verdict, r.report.Summary,
		r.causes(), r.stdout, r.stderr)
	text := strings.TrimSuffix(strings.Join(r.args, "\x00"), "\x00--json")
	stdout, stderr, exit := run(t, strings.Split(text, "\x00"))
	t.Logf("text output of the same probe (exit %d):\n%s%s", exit, stdout, stderr)
}

// get sends one GET with optional headers and returns status, headers and
// body. It never follows redirects.
func get(t *testing.T, rawURL string, header http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", rawURL, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

func basic(user, pass string) http.Header {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pass)
	return http.Header{"Authorization": req.Header["Authorization"]}
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// sanity asserts a plain GET's status and, when wantChallenge is not nil,
// its WWW-Authenticate header ("" meaning none).
func sanity(t *testing.T, what, rawURL string, header http.Header, wantStatus int, wantChallenge *string) http.Header {
	t.Helper()
	status, h, body := get(t, rawURL, header)
	if status != wantStatus {
		t.Fatalf("setup: %s: GET %s = %d, want %d\n%s", what, rawURL, status, wantStatus, body)
	}
	if wantChallenge != nil {
		if got := strings.Join(h.Values("WWW-Authenticate"), ", "); got != *wantChallenge {
			t.Fatalf("setup: %s: WWW-Authenticate %q, want %q", what, got, *wantChallenge)
		}
	}
	return h
}

func ptr(s string) *string { return &s }

// users returns a readable htpasswd file with alice:secret hashed by bcrypt,
// made with the real htpasswd.
func users(t *testing.T) string {
	t.Helper()
	path := filepath.Join(servertest.TempDir(t), "htpasswd")
	servertest.Htpasswd(t, path, "alice", "secret", "-B")
	return path
}

const page = "<!doctype html><title>members</title><p>members only</p>\n"

// a. nginx auth_basic with a bcrypt password file.
func TestNginxBasicAuth(t *testing.T) {
	t.Parallel()
	pw := users(t)
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	location / {
		auth_basic "Restricted";
		auth_basic_user_file `+pw+`;
	}
}`, servertest.File("html/index.html", page))
	challenge := ptr(`Basic realm="Restricted"`)
	sanity(t, "no credentials", s.URL()+"/", nil, 401, challenge)
	sanity(t, "wrong password", s.URL()+"/", basic("alice", "wrong"), 401, challenge)
	sanity(t, "right password", s.URL()+"/", basic("alice", "secret"), 200, nil)

	t.Run("no credentials", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/"), 1, "server.basic-auth")
	})
	t.Run("wrong password", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/", "-u", "alice:wrong"), 1, "credentials.rejected")
	})
	t.Run("right password", func(t *testing.T) {
		r := probe(t, s.URL()+"/", "-u", "alice:secret")
		expect(t, r, 0, "")
		if r.report.Verdict != "ok" {
			t.Errorf("verdict %q, want ok\n%s", r.report.Verdict, r.stdout)
		}
	})
}

// b. Apache AuthType Basic with a bcrypt AuthUserFile, serving a file.
func TestApacheBasicAuth(t *testing.T) {
	t.Parallel()
	pw := users(t)
	s := servertest.Apache(t, `
<Directory "{{.Dir}}/htdocs">
	AuthType Basic
	AuthName "Members"
	AuthBasicProvider file
	AuthUserFile "`+pw+`"
	Require valid-user
</Directory>`, servertest.File("htdocs/index.html", page))
	challenge := ptr(`Basic realm="Members"`)
	sanity(t, "no credentials", s.URL()+"/index.html", nil, 401, challenge)
	sanity(t, "wrong password", s.URL()+"/index.html", basic("alice", "wrong"), 401, challenge)
	if _, _, body := get(t, s.URL()+"/index.html", basic("alice", "secret")); body != page {
		t.Fatalf("setup: right password: body %q, want the page", body)
	}

	t.Run("wrong password", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/index.html", "-u", "alice:wrong"), 1, "credentials.rejected")
	})
	t.Run("right password", func(t *testing.T) {
		r := probe(t, s.URL()+"/index.html", "-u", "alice:secret")
		expect(t, r, 0, "")
		if r.report.Verdict != "ok" {
			t.Errorf("verdict %q, want ok\n%s", r.report.Verdict, r.stdout)
		}
	})
}

const goodToken = "s3cr3t-token-123"

// bearerAPI is an RFC 6750 resource server: no bearer token gets a bare
// challenge, a wrong one invalid_token, the right one 200. It records the
// Authorization headers it saw.
type bearerAPI struct {
	mu   sync.Mutex
	seen []string
}

func (a *bearerAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	a.mu.Lock()
	a.seen = append(a.seen, auth)
	a.mu.Unlock()
	scheme, token, _ := strings.Cut(auth, " ")
	switch {
	case !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "":
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"unauthorized"}`+"\n")
	case strings.TrimSpace(token) != goodToken:
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token", error_description="the access token is not valid"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid_token"}`+"\n")
	default:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"user":"alice"}`+"\n")
	}
}

func (a *bearerAPI) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) == 0 {
		return "(no request)"
	}
	return a.seen[len(a.seen)-1]
}

// newAPI starts the bearer API on 127.0.0.1 and returns its host:port.
func newAPI(t *testing.T) (*bearerAPI, string) {
	t.Helper()
	api := &bearerAPI{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.Host, "127.0.0.1:") {
		t.Fatalf("test API listens on %s, want 127.0.0.1", u.Host)
	}
	return api, u.Host
}

// c. nginx reverse proxy that clears Authorization before a bearer API,
// and the same proxy without that line as a control.
func TestNginxProxyStripsAuthorization(t *testing.T) {
	t.Parallel()
	api, upstream := newAPI(t)
	// The API itself behaves per RFC 6750.
	sanity(t, "API, no token", "http://"+upstream+"/me", nil, 401, ptr(`Bearer realm="api"`))
	status, h, _ := get(t, "http://"+upstream+"/me", bearer("nope"))
	if status != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("setup: API, bad token: %d %q, want 401 invalid_token", status, h.Get("WWW-Authenticate"))
	}
	sanity(t, "API, good token", "http://"+upstream+"/me", bearer(goodToken), 200, nil)

	const proxy = `
server {
	listen {{.Addr}};
	location / {
		proxy_pass http://%s;
		%s
	}
}`
	stripping := servertest.Nginx(t, fmt.Sprintf(proxy, upstream, `proxy_set_header Authorization "";`))
	control := servertest.Nginx(t, fmt.Sprintf(proxy, upstream, ""))

	sanity(t, "stripping proxy, good token", stripping.URL()+"/me", bearer(goodToken), 401, ptr(`Bearer realm="api"`))
	if got := api.last(); got != "" {
		t.Fatalf("setup: the API saw Authorization %q through the stripping proxy, want none", got)
	}
	sanity(t, "control proxy, good token", control.URL()+"/me", bearer(goodToken), 200, nil)
	if got := api.last(); got != "Bearer "+goodToken {
		t.Fatalf("setup: the API saw Authorization %q through the control proxy, want the token", got)
	}

	t.Run("stripped", func(t *testing.T) {
		r := probe(t, stripping.URL()+"/me", "-H", "Authorization: Bearer "+goodToken)
		expect(t, r, 1, "proxy.header-stripped")
	})
	t.Run("control", func(t *testing.T) {
		r := probe(t, control.URL()+"/me", "-H", "Authorization: Bearer "+goodToken)
		expect(t, r, 0, "")
	})
}

// d. nginx answering 401 without any challenge.
func TestNginxUnauthorizedWithoutChallenge(t *testing.T) {
	t.Parallel()
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	location / { return 401; }
}`)
	sanity(t, "with credentials", s.URL()+"/", basic("alice", "secret"), 401, ptr(""))

	r := probe(t, s.URL()+"/", "-u", "alice:secret")
	expect(t, r, 1, "challenge.missing")
}

// e. nginx proxy_cache in front of an auth_basic upstream, keyed without
// Authorization, so a 401 stored for an anonymous request is served to a
// request with the right password.
func TestNginxCachedUnauthorized(t *testing.T) {
	t.Parallel()
	pw := users(t)
	s := servertest.Nginx(t, `
proxy_cache_path {{.Dir}}/cache levels=1:2 keys_zone=authcache:1m max_size=10m inactive=10m use_temp_path=off;

# The protected origin.
server {
	listen 127.0.0.1:{{index .Ports 0}};
	root {{.Dir}}/html;
	access_log {{.Dir}}/logs/origin.log combined;
	auth_basic "Restricted";
	auth_basic_user_file `+pw+`;
}

# The cache in front of it: the key ignores Authorization, and 401s are kept.
server {
	listen {{.Addr}};
	location / {
		proxy_pass http://127.0.0.1:{{index .Ports 0}};
		proxy_cache authcache;
		proxy_cache_key $scheme$host$request_uri;
		proxy_cache_valid 401 10m;
		proxy_ignore_headers Cache-Control Expires Set-Cookie Vary X-Accel-Expires;
		add_header X-Cache-Status $upstream_cache_status always;
	}
}`, servertest.ExtraPorts(1), servertest.File("html/index.html", page))

	origin := s.ExtraURL(0) + "/index.html"
	front := s.URL() + "/index.html"
	sanity(t, "origin, right password", origin, basic("alice", "secret"), 200, nil)

	// Warm the cache with one anonymous request.
	h := sanity(t, "warming GET", front, nil, 401, ptr(`Basic realm="Restricted"`))
	if got := h.Get("X-Cache-Status"); got != "MISS" {
		t.Fatalf("setup: warming GET: X-Cache-Status %q, want MISS", got)
	}
	originRequests := func() int {
		b, _ := os.ReadFile(filepath.Join(s.Dir, "logs", "origin.log"))
		return strings.Count(string(b), "GET /index.html ")
	}
	before := originRequests()

	// The right password now gets the stored 401.
	h = sanity(t, "right password through the cache", front, basic("alice", "secret"), 401, nil)
	if got := h.Get("X-Cache-Status"); got != "HIT" {
		t.Fatalf("setup: right password through the cache: X-Cache-Status %q, want HIT", got)
	}

	r := probe(t, front, "-u", "alice:secret")
	if n := originRequests(); n != before {
		t.Errorf("the origin saw %d requests during the probe, want none: the cache did not answer them all\n%s", n-before, s.AccessLog())
	}
	expect(t, r, 1, "cache.cached-401")
}
