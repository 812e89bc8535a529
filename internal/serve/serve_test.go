package serve_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/lab/labtest"
	"github.com/why401/why401/internal/netguard"
	"github.com/why401/why401/internal/netguard/dnstest"
	"github.com/why401/why401/internal/serve"
	"github.com/why401/why401/internal/serve/servetest"
)

// start runs a server with cfg on a loopback port.
func start(t *testing.T, cfg serve.Config) (*serve.Server, string) {
	t.Helper()
	return servetest.Start(t, cfg)
}

type apiErr struct {
	Error  string `json:"error"`
	Reason string `json:"reason"`
	Status int    `json:"status"`
}

func post(t *testing.T, u, body string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// wantError checks an error answer: the status, JSON with the same
// status, one line, and the words that say why.
func wantError(t *testing.T, res *http.Response, b []byte, status int, words ...string) apiErr {
	t.Helper()
	var e apiErr
	if res.StatusCode != status || json.Unmarshal(b, &e) != nil || e.Status != status || e.Error == "" {
		t.Fatalf("want a %d JSON error, got %d: %s", status, res.StatusCode, b)
	}
	if strings.Contains(e.Error, "\n") {
		t.Errorf("error is not one line: %q", e.Error)
	}
	for _, w := range words {
		if !strings.Contains(e.Error, w) {
			t.Errorf("error %q lacks %q", e.Error, w)
		}
	}
	return e
}

type head struct {
	Command  string `json:"command"`
	Verdict  string `json:"verdict"`
	Summary  string `json:"summary"`
	Findings []struct {
		Cause string `json:"cause"`
	} `json:"findings"`
}

func decodeHead(t *testing.T, b []byte) head {
	t.Helper()
	var h head
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("not a JSON document: %v: %s", err, b)
	}
	return h
}

func TestPage(t *testing.T) {
	_, base := start(t, serve.Config{Addr: "127.0.0.1:8401"})
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(b)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{`action="/form/probe"`, `action="/form/curl"`, `action="/form/har"`, `action="/form/audit"`, `action="/form/logs"`, `action="/form/check"`, `name="csrf"`, `src="/app.js"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "DENY",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
	} {
		if !strings.Contains(res.Header.Get(h), want) {
			t.Errorf("%s: %q, want %q", h, res.Header.Get(h), want)
		}
	}
	for _, p := range []string{"/app.css", "/app.js", "/healthz", "/docs/causes.md"} {
		res, err := http.Get(base + p)
		if err != nil || res.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", p, err, res)
		}
		res.Body.Close()
	}
}

func TestHARMatchesCommand(t *testing.T) {
	_, base := start(t, serve.Config{})
	file := "../../test/browser/testdata/jwt-expired.har"
	har, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res, got := post(t, base+"/api/har", string(har))
	if res.StatusCode != 200 {
		t.Fatalf("POST /api/har: %d %s", res.StatusCode, got)
	}
	want, code, msg := root.Exec(t.Context(), []string{"har", "--json", file}, nil, nil)
	if code != 1 {
		t.Fatalf("why401 har: exit %d %s", code, msg)
	}
	// The same document but for the source's name.
	src := regexp.MustCompile(`"source": "[^"]*"`)
	if a, b := src.ReplaceAll(got, nil), src.ReplaceAll(want, nil); !bytes.Equal(a, b) {
		t.Errorf("POST /api/har differs from why401 har --json:\n%s\n---\n%s", a, b)
	}
	if h := decodeHead(t, got); h.Command != "har" || len(h.Findings) == 0 || h.Findings[0].Cause != "token.expired" {
		t.Errorf("head: %+v", h)
	}
}

func TestProbeAgainstLab(t *testing.T) {
	l := labtest.Start(t)
	_, base := start(t, serve.Config{})
	res, b := post(t, base+"/api/probe", fmt.Sprintf(`{"url": %q, "args": ["-u", "alice:wrongpass", "--no-discovery"]}`, l.URL()+"/basic/ok"))
	if res.StatusCode != 200 {
		t.Fatalf("POST /api/probe: %d %s", res.StatusCode, b)
	}
	h := decodeHead(t, b)
	if h.Command != "probe" || h.Verdict != "fail" || len(h.Findings) == 0 || h.Findings[0].Cause != "credentials.rejected" {
		t.Errorf("head: %+v", h)
	}
	if bytes.Contains(b, []byte("wrongpass")) {
		t.Error("the password is in the answer")
	}
	// curl, and bad input as one-line errors.
	res, b = post(t, base+"/api/curl", "curl '"+l.URL()+"/api/items' -H 'Accept: application/json'")
	if h := decodeHead(t, b); res.StatusCode != 200 || h.Command != "curl" || len(h.Findings) == 0 || h.Findings[0].Cause != "credentials.missing" {
		t.Errorf("POST /api/curl: %d %+v", res.StatusCode, h)
	}
	res, b = post(t, base+"/api/probe", `{"url": "ftp://x"}`)
	wantError(t, res, b, 400, "http://")
	res, b = post(t, base+"/api/probe", `{"url": "`+l.URL()+`", "args": ["--bogus"]}`)
	wantError(t, res, b, 400, "bogus")
	res, b = post(t, base+"/api/har", `not a har`)
	wantError(t, res, b, 400)
	// Files of the server's machine are never read for a client.
	for _, args := range []string{`["-b", "/etc/passwd"]`, `["-d", "@/etc/passwd"]`, `["--cacert", "/etc/passwd"]`, `["--jwks", "/etc/passwd"]`} {
		res, b = post(t, base+"/api/probe", `{"url": "`+l.URL()+`/basic/ok", "args": `+args+`}`)
		wantError(t, res, b, 400, "not allowed here")
	}
	res, b = post(t, base+"/api/probe", `{"url": "`+l.URL()+`/basic/ok", "args": ["--show-secrets"]}`)
	wantError(t, res, b, 400, "secrets redacted")
}

func TestAuditUpload(t *testing.T) {
	_, base := start(t, serve.Config{})
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for name, body := range map[string]string{
		"nginx/nginx.conf":       "events {}\nhttp {\n  include conf.d/*.conf;\n}\n",
		"nginx/conf.d/site.conf": "server {\n  listen 127.0.0.1:8080;\n  location / { return 401; }\n}\n",
		"../../escape.conf":      "x",
	} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.WriteHeader(&tar.Header{Name: "nginx/link", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink})
	tw.Close()
	res, b := post(t, base+"/api/audit?name=conf.tar", tb.String())
	if res.StatusCode != 200 {
		t.Fatalf("POST /api/audit: %d %s", res.StatusCode, b)
	}
	h := decodeHead(t, b)
	if h.Command != "audit" || len(h.Findings) == 0 || h.Findings[0].Cause != "challenge.missing" {
		t.Errorf("head: %+v", h)
	}
	if !bytes.Contains(b, []byte(`"file": "nginx/conf.d/site.conf"`)) || bytes.Contains(b, []byte(os.TempDir())) {
		t.Errorf("paths are not relative to the upload: %s", b)
	}
	// A single file.
	res, b = post(t, base+"/api/audit?name=nginx.conf", "events {}\nhttp { server { location / { return 401; } } }\n")
	if h := decodeHead(t, b); res.StatusCode != 200 || len(h.Findings) == 0 {
		t.Errorf("single file: %d %s", res.StatusCode, b)
	}
}

func TestLogsUpload(t *testing.T) {
	_, base := start(t, serve.Config{})
	var log strings.Builder
	for i := range 60 {
		fmt.Fprintf(&log, "203.0.113.7 - - [07/Dec/2026:10:%02d:%02d +0000] \"POST /wp-login.php HTTP/1.1\" 401 0 \"-\" \"curl/8\"\n", i/60, i%60)
	}
	res, b := post(t, base+"/api/logs", log.String())
	if h := decodeHead(t, b); res.StatusCode != 200 || h.Verdict != "findings" && h.Verdict != "fail" {
		t.Errorf("POST /api/logs: %d %s", res.StatusCode, b)
	}
}

// TestExposedRefusesPrivate is the defence against SSRF: an exposed
// server probes public addresses only, checked on the address connected
// to, for the target, every redirect hop and every answer of the DNS.
func TestExposedRefusesPrivate(t *testing.T) {
	l := labtest.Start(t)
	labAP := netip.MustParseAddrPort(strings.TrimPrefix(l.URL(), "http://"))
	// A "public" site (allowed by address and port) that redirects to the
	// loopback lab.
	pub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, l.URL()+"/basic/ok", http.StatusFound)
	}))
	defer pub.Close()
	pubAP := netip.MustParseAddrPort(strings.TrimPrefix(pub.URL, "http://"))
	dns := dnstest.Start(t, map[string][]string{
		"internal.test": {"10.1.2.3"},
		"metadata.test": {"169.254.169.254"},
		"rebind.test":   {"127.0.0.1", "127.0.0.2"}, // allowed when checked, loopback when dialled
	})
	_, base := start(t, serve.Config{Addr: "0.0.0.0:8401", AllowAddrPorts: []netip.AddrPort{pubAP}, Resolver: netguard.Resolver(dns.Addr)})

	res, b := post(t, base+"/api/probe", fmt.Sprintf(`{"url": %q}`, l.URL()+"/basic/ok"))
	e := wantError(t, res, b, 403, "127.0.0.1 is a loopback address", "--allow-private")
	if e.Reason != "address-loopback" {
		t.Errorf("reason %q", e.Reason)
	}
	res, b = post(t, base+"/api/probe", fmt.Sprintf(`{"url": "http://internal.test:%d/"}`, labAP.Port()))
	wantError(t, res, b, 403, "internal.test resolves to 10.1.2.3", "private network")
	res, b = post(t, base+"/api/probe", `{"url": "http://metadata.test/latest/meta-data/"}`)
	wantError(t, res, b, 403, "cloud metadata")
	res, b = post(t, base+"/api/probe", `{"url": "http://[::1]:1/"}`)
	wantError(t, res, b, 403, "loopback")
	res, b = post(t, base+"/api/probe", fmt.Sprintf(`{"url": %q, "args": ["-L"]}`, pub.URL+"/start"))
	wantError(t, res, b, 403, "redirect hop", "127.0.0.1 is a loopback address")
	res, b = post(t, base+"/api/probe", fmt.Sprintf(`{"url": "http://rebind.test:%d/"}`, pubAP.Port()))
	wantError(t, res, b, 403, "127.0.0.2 is a loopback address")
	if dns.Queries("rebind.test") < 2 {
		t.Errorf("rebind.test asked %d times", dns.Queries("rebind.test"))
	}
	// --resolve cannot smuggle a private address past the guard either.
	res, b = post(t, base+"/api/probe", fmt.Sprintf(`{"url": %q, "args": ["--resolve", "%s:%d:127.0.0.1"]}`, pub.URL+"/", "127.0.0.1", labAP.Port()))
	if res.StatusCode == 200 && bytes.Contains(b, []byte(`"status": 200`)) {
		t.Errorf("--resolve reached the lab: %s", b)
	}
	// A checklist reads this machine's files: not offered.
	res, b = post(t, base+"/api/check", "version: 1\nendpoints: []\n")
	wantError(t, res, b, 403, "loopback server")

	// --allow-private lets the probe through.
	_, open := start(t, serve.Config{Addr: "0.0.0.0:8401", AllowPrivate: true})
	res, b = post(t, open+"/api/probe", fmt.Sprintf(`{"url": %q, "args": ["--no-discovery"]}`, l.URL()+"/basic/ok"))
	if res.StatusCode != 200 {
		t.Errorf("--allow-private: %d %s", res.StatusCode, b)
	}
}

func TestOversizeUpload(t *testing.T) {
	_, base := start(t, serve.Config{MaxUpload: 1 << 10})
	res, b := post(t, base+"/api/har", strings.Repeat("x", 4<<10))
	wantError(t, res, b, 413, "at most 1 KiB")
	// Without a Content-Length too (chunked).
	req, _ := http.NewRequest("POST", base+"/api/logs", io.MultiReader(strings.NewReader(strings.Repeat("y", 8<<10))))
	req.ContentLength = -1
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(r2.Body)
	r2.Body.Close()
	wantError(t, r2, b, 413, "too large")
}

// TestSlowClient: a client that trickles its headers is cut off, and
// nobody else waits for it.
func TestSlowClient(t *testing.T) {
	_, base := start(t, serve.Config{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 600 * time.Millisecond})
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "POST /api/har HTTP/1.1\r\nHost: 127.0.0.1\r\n")
	startT := time.Now()
	res, err := http.Get(base + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz during a slow client: %v", err)
	}
	res.Body.Close()
	if d := time.Since(startT); d > 200*time.Millisecond {
		t.Errorf("healthz took %s while a client was slow", d)
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for i := 0; i < 5; i++ { // keep trickling
		if _, err := fmt.Fprint(c, "X-A: b\r\n"); err != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err == nil && !strings.Contains(string(buf[:n]), "408") {
		t.Errorf("slow client got %q", buf[:n])
	}
	if time.Since(startT) > 2500*time.Millisecond {
		t.Error("the slow client was not cut off")
	}

	// A body that trickles after the headers: cut off by the read timeout.
	c2, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	fmt.Fprint(c2, "POST /api/har HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{")
	c2.SetReadDeadline(time.Now().Add(3 * time.Second))
	br := bufio.NewReader(c2)
	r, err := http.ReadResponse(br, nil)
	if err == nil {
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 408 || !strings.Contains(string(b), "too slow") {
			t.Errorf("slow body: %d %s", r.StatusCode, b)
		}
	}
}

// TestFlood: over the per-client rate the answer is 429 with
// Retry-After; over the global cap 503; /healthz never waits.
func TestFlood(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(700 * time.Millisecond)
		w.WriteHeader(401)
	}))
	defer slow.Close()
	s, base := start(t, serve.Config{RatePerMinute: 6, Burst: 3, MaxConcurrent: 1})
	_ = s
	var wg sync.WaitGroup
	statuses := make(chan int, 10)
	body := fmt.Sprintf(`{"url": %q, "args": ["--no-discovery", "--max-redirs", "0"]}`, slow.URL+"/x")
	wg.Add(1)
	go func() {
		defer wg.Done()
		res, _ := post(t, base+"/api/probe", body)
		statuses <- res.StatusCode
	}()
	time.Sleep(150 * time.Millisecond) // the first one holds the only slot
	res, b := post(t, base+"/api/probe", body)
	wantError(t, res, b, 503, "busy")
	startT := time.Now()
	hr, err := http.Get(base + "/healthz")
	if err != nil || hr.StatusCode != 200 || time.Since(startT) > 200*time.Millisecond {
		t.Errorf("healthz during a flood: %v %v", err, time.Since(startT))
	}
	hr.Body.Close()
	wg.Wait()
	post(t, base+"/api/har", "{}")
	res, b = post(t, base+"/api/har", "{}")
	e := wantError(t, res, b, 429, "rate limit", "try again in")
	if e.Reason != "rate-limit" || res.Header.Get("Retry-After") == "" {
		t.Errorf("429 without reason or Retry-After: %+v %v", e, res.Header)
	}
	if st := <-statuses; st != 200 {
		t.Errorf("the first diagnosis: %d", st)
	}
	mres, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(mres.Body)
	mres.Body.Close()
	for _, want := range []string{`why401_serve_refusals_total{reason="busy"} 1`, `why401_serve_refusals_total{reason="rate-limit"} 1`, `why401_serve_requests_total{route="/api/probe",code="503"} 1`, "# TYPE why401_serve_inflight gauge"} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s:\n%s", want, m)
		}
	}
}

// client returns an HTTP client with cookies, having loaded the page, and
// the page's CSRF token.
func client(t *testing.T, base string) (*http.Client, string) { return servetest.Client(t, base) }

func multipartForm(fields map[string]string, file string) (string, *bytes.Buffer) {
	return servetest.Multipart(fields, file)
}

func TestForms(t *testing.T) {
	l := labtest.Start(t)
	_, base := start(t, serve.Config{})
	c, csrf := client(t, base)
	// Without the token: refused.
	ct, body := multipartForm(map[string]string{"url": l.URL() + "/basic/ok"}, "")
	res, err := c.Post(base+"/form/probe", ct, body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	wantError(t, res, b, 403, "reload the page")
	// With it: the page again, with the report.
	ct, body = multipartForm(map[string]string{"csrf": csrf, "url": l.URL() + "/basic/ok", "user": "alice", "password": "wrongpass", "no_discovery": "1"}, "")
	res, err = c.Post(base+"/form/probe", ct, body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	page := string(b)
	if res.StatusCode != 200 || !strings.Contains(page, `data-command="probe"`) || !strings.Contains(page, "credentials.rejected") || strings.Contains(page, "wrongpass") {
		t.Errorf("form result: %d %s", res.StatusCode, page)
	}
	if !strings.Contains(page, "data:text/html;charset=utf-8;base64,") || !strings.Contains(page, "data:application/json;base64,") {
		t.Error("no downloads in the result")
	}
	// The script's way: server-sent events with progress, then the report.
	har, _ := os.ReadFile("../../test/browser/testdata/jwt-expired.har")
	ct, body = multipartForm(map[string]string{"csrf": csrf}, string(har))
	req, _ := http.NewRequest("POST", base+"/form/har", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "text/event-stream")
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	events := string(b)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") || !strings.Contains(events, "event: progress\n") || !strings.Contains(events, "event: report\n") || !strings.Contains(events, "token.expired") {
		t.Errorf("events: %s", events)
	}
	// A cross-site form post is refused whatever it carries.
	ct, body = multipartForm(map[string]string{"csrf": csrf, "text": "curl x"}, "")
	req, _ = http.NewRequest("POST", base+"/form/curl", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Origin", "https://attacker.example")
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	wantError(t, res, b, 403, "attacker.example")
}

// TestHostHeader: a loopback server answers only to loopback names, so a
// page whose name is rebound to 127.0.0.1 cannot use it.
func TestHostHeader(t *testing.T) {
	_, base := start(t, serve.Config{})
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Host = "attacker.example"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	wantError(t, res, b, 421, "does not name this server")
}

func TestToken(t *testing.T) {
	_, base := start(t, serve.Config{Token: "0123456789abcdef0123"})
	res, b := post(t, base+"/api/har", "{}")
	wantError(t, res, b, 401, "shared token")
	req, _ := http.NewRequest("POST", base+"/api/har", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer 0123456789abcdef0123")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == 401 {
		t.Error("the token was not accepted")
	}
	// /healthz and /metrics stay open; the page asks for the token.
	for _, p := range []string{"/healthz", "/metrics"} {
		if r, err := http.Get(base + p); err != nil || r.StatusCode != 200 {
			t.Errorf("%s: %v", p, r.Status)
		}
	}
	r, _ := http.Get(base + "/")
	b, _ = io.ReadAll(r.Body)
	if !strings.Contains(string(b), `action="/login"`) {
		t.Error("no login form")
	}
	// Logging in sets a cookie that is not the token.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	r, err = c.PostForm(base+"/login", url.Values{"token": {"0123456789abcdef0123"}})
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("login: %v %v", err, r)
	}
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if strings.Contains(ck.Value, "0123456789abcdef") {
			t.Error("the session cookie carries the token")
		}
	}
	r, _ = c.Get(base + "/")
	b, _ = io.ReadAll(r.Body)
	if !strings.Contains(string(b), `action="/form/har"`) {
		t.Error("the page after logging in lacks the forms")
	}
}

// TestRequestLog: one Common Log Format line per request, with no query
// string, header or body.
func TestRequestLog(t *testing.T) {
	var mu sync.Mutex
	var log bytes.Buffer
	_, base := start(t, serve.Config{Log: writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return log.Write(p) })})
	req, _ := http.NewRequest("POST", base+"/api/har?token=s3cr3t", strings.NewReader(`{"password":"hunter2"}`))
	req.Header.Set("Authorization", "Bearer eyJhbGciOi.secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	mu.Lock()
	line := log.String()
	mu.Unlock()
	if !regexp.MustCompile(`^127\.0\.0\.1 - - \[[^]]+\] "POST /api/har HTTP/1\.1" 400 \d+ "-" "Go-http-client/1\.1" [0-9.]+\n$`).MatchString(line) {
		t.Errorf("log line %q", line)
	}
	for _, secret := range []string{"s3cr3t", "hunter2", "eyJ"} {
		if strings.Contains(line, secret) {
			t.Errorf("the log carries %s", secret)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestAuditUploadConfined attacks the audit of an upload with paths of
// the machine running the server: includes, password files and an
// Apache DocumentRoot outside the upload are never read (the same
// configuration audited unconfined reads them, so the attack is real);
// absolute paths the upload holds a copy of are read from the copy.
func TestAuditUploadConfined(t *testing.T) {
	t.Run("loopback", func(t *testing.T) { auditConfined(t, serve.Config{}) })
	t.Run("exposed", func(t *testing.T) { auditConfined(t, serve.Config{Addr: "203.0.113.10:8401"}) })
}

func auditConfined(t *testing.T, cfg serve.Config) {
	_, base := start(t, cfg)
	host := t.TempDir() // "this machine's /etc"
	for name, body := range map[string]string{
		"site.conf":     "server {\n  listen 127.0.0.1:8081;\n  location /host-only/ { return 401; }\n}\n",
		"htpasswd":      "hostuser:hostplain\n",
		"www/.htaccess": "AuthType Basic\nAuthName \"host\"\nAuthUserFile " + host + "/nope\nRequire valid-user\n",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(host, name)), 0o755)
		if err := os.WriteFile(filepath.Join(host, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	nginxConf := "events {}\nhttp {\n  include /etc/nginx/mime.types;\n  include " + host + "/*.conf;\n  include /etc/nginx/conf.d/*.conf;\n}\n"
	site := "server {\n  listen 127.0.0.1:8080;\n  location /up/ { auth_basic \"up\"; auth_basic_user_file /etc/nginx/htpasswd; }\n  location /h/ { auth_basic \"h\"; auth_basic_user_file " + host + "/htpasswd; }\n}\n"
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, m := range [][2]string{{"nginx/nginx.conf", nginxConf}, {"nginx/conf.d/site.conf", site}, {"nginx/htpasswd", "alice:plain\n"}} {
		tw.WriteHeader(&tar.Header{Name: m[0], Mode: 0o644, Size: int64(len(m[1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(m[1]))
	}
	tw.Close()
	res, b := post(t, base+"/api/audit?name=nginx.tar", tb.String())
	if res.StatusCode != 200 {
		t.Fatalf("POST /api/audit: %d %s", res.StatusCode, b)
	}
	var doc struct {
		Findings []struct{ Cause, Detail string }
		Files    []string `json:"files"`
	}
	json.Unmarshal(b, &doc)
	causes := map[string]string{}
	for _, f := range doc.Findings {
		causes[f.Cause] += f.Detail + "\n"
	}
	if !strings.Contains(causes["server.htpasswd-hash"], `"alice"`) {
		t.Errorf("the upload's copy of /etc/nginx/htpasswd was not read (no plain-text finding for alice): %s", b)
	}
	if !strings.Contains(causes["server.htpasswd-file"], "not in the copy") {
		t.Errorf("the password file outside the upload is not said to be unchecked: %s", b)
	}
	for _, leak := range []string{"hostuser", "hostplain", "host-only", "challenge.missing", filepath.Join(host, "site.conf")} {
		if bytes.Contains(b, []byte(leak)) {
			t.Errorf("the audit read this machine's files (%s in the answer): %s", leak, b)
		}
	}
	// Apache: a DocumentRoot on this machine is not searched for .htaccess.
	apache := "DocumentRoot " + host + "/www\n<Directory " + host + "/www>\n  AllowOverride All\n</Directory>\n"
	res, b = post(t, base+"/api/audit?name=apache2.conf", apache)
	if res.StatusCode != 200 || bytes.Contains(b, []byte(".htaccess")) || bytes.Contains(b, []byte("nope")) {
		t.Errorf("apache upload: %d, the answer names this machine's .htaccess: %s", res.StatusCode, b)
	}
	// The attacks are real: unconfined, the same files are read.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "apache2.conf"), []byte(apache), 0o644)
	out, _, _ := root.Exec(t.Context(), []string{"audit", "--json", filepath.Join(dir, "apache2.conf")}, nil, nil)
	if !bytes.Contains(out, []byte(".htaccess")) {
		t.Errorf("unconfined, the audit does not read the DocumentRoot's .htaccess; the test proves nothing: %s", out)
	}
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(nginxConf), 0o644)
	out, _, _ = root.Exec(t.Context(), []string{"audit", "--json", filepath.Join(dir, "nginx.conf")}, nil, nil)
	if !bytes.Contains(out, []byte("host-only")) && !bytes.Contains(out, []byte("challenge.missing")) {
		t.Errorf("unconfined, the audit does not read the included host file; the test proves nothing: %s", out)
	}
}

// TestPublicRefusesLocalKinds: on an exposed server a checklist (which
// names URLs and reads credentials from this machine) is refused with a
// JSON error before anything runs; no request reaches a URL it names.
// An audit is offered, confined to the upload.
func TestPublicRefusesLocalKinds(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	_, base := start(t, serve.Config{Addr: "203.0.113.10:8401"})
	checklist := "version: 1\nendpoints:\n  - name: internal\n    request: " + target.URL + "/admin\n    expect: [authenticated]\n  - name: metadata\n    request: http://169.254.169.254/latest/meta-data/\n    expect: [authenticated]\n"
	res, b := post(t, base+"/api/check", checklist)
	e := wantError(t, res, b, 403, "only offered on a loopback server")
	if e.Reason != "local-only" {
		t.Errorf("reason %q", e.Reason)
	}
	res, b = post(t, base+"/api/audit?name=nginx.conf", "events {}\nhttp {\n  include /etc/nginx/*.conf;\n  server { location / { return 401; } }\n}\n")
	if h := decodeHead(t, b); res.StatusCode != 200 || h.Command != "audit" || len(h.Findings) != 1 || h.Findings[0].Cause != "challenge.missing" {
		t.Errorf("audit on an exposed server: %d %s", res.StatusCode, b)
	}
	// The form too, with a valid CSRF token.
	c, csrf := client(t, base)
	ct, body := multipartForm(map[string]string{"csrf": csrf, "text": checklist}, "")
	res, err := c.Post(base+"/form/check", ct, body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 403 || !strings.Contains(string(b), "only offered on a loopback server") {
		t.Errorf("form: %d %s", res.StatusCode, b)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the checklist's URL got %d requests", n)
	}
	// And the page does not offer them.
	r, _ := http.Get(base + "/")
	page, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if bytes.Contains(page, []byte(`action="/form/check"`)) || !bytes.Contains(page, []byte(`action="/form/audit"`)) {
		t.Error("an exposed server's page offers the checklist, or not the audit")
	}
}
