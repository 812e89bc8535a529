package serve_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/serve/servetest"
)

// The test binary is why401 itself when this variable is set, so a test
// can run `why401 serve` as a real process and signal it.
const mainEnv = "WHY401_SERVE_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(root.Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// process is a running `why401 serve`.
type process struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	log  bytes.Buffer // standard error: the request log
	done chan error
}

func (p *process) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(errPipe)
		listening := regexp.MustCompile(`^why401 serve on http://([^/]+)/`)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	select {
	case p.addr = <-ready:
	case <-time.After(15 * time.Second):
		t.Fatalf("why401 serve did not start:\n%s", p.stderr())
	}
	return p
}

// slowTarget answers 401 to everything; the first request waits until
// release is closed (or 10 s), so a probe of it stays in flight.
func slowTarget(t *testing.T) (url string, arrived <-chan struct{}, release chan struct{}) {
	t.Helper()
	arr := make(chan struct{})
	rel := make(chan struct{})
	var first atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first.CompareAndSwap(false, true) {
			close(arr)
			select {
			case <-rel:
			case <-time.After(10 * time.Second):
			}
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="slow"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, arr, rel
}

// TestGracefulShutdown: SIGTERM while a probe is in flight closes the
// listener at once (new connections are refused), lets the probe finish
// and answer, and exits 0.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs why401 serve as a process")
	}
	target, arrived, release := slowTarget(t)
	p := startProcess(t, "--timeout", "30s")
	base := "http://" + p.addr
	type answer struct {
		status int
		body   []byte
		err    error
	}
	inflight := make(chan answer, 1)
	go func() {
		res, err := http.Post(base+"/api/probe", "application/json", strings.NewReader(fmt.Sprintf(`{"url": %q, "args": ["-u", "alice:wrongpass", "--no-discovery"]}`, target+"/slow")))
		if err != nil {
			inflight <- answer{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		inflight <- answer{res.StatusCode, b, err}
	}()
	select {
	case <-arrived:
	case <-time.After(15 * time.Second):
		t.Fatal("the probe never reached the slow target")
	}
	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused while the probe is still running.
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err != nil {
			refused = errors.Is(err, syscall.ECONNREFUSED)
			break
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if !refused {
		t.Errorf("new connections are still accepted after SIGTERM")
	}
	select {
	case a := <-inflight:
		t.Fatalf("the in-flight probe ended before its target answered: %d %v %s", a.status, a.err, a.body)
	case err := <-p.done:
		t.Fatalf("why401 serve exited (%v) with a probe in flight", err)
	default:
	}
	close(release)
	a := <-inflight
	if a.err != nil || a.status != 200 {
		t.Fatalf("the in-flight probe: %v %d %s", a.err, a.status, a.body)
	}
	var doc struct {
		Command  string
		Findings []struct{ Cause string }
	}
	if err := json.Unmarshal(a.body, &doc); err != nil || doc.Command != "probe" || len(doc.Findings) == 0 || doc.Findings[0].Cause != "credentials.rejected" {
		t.Errorf("the in-flight probe's answer: %v %s", err, a.body)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("why401 serve exited with %v, want 0\n%s", err, p.stderr())
		}
		t.Logf("exited %v after SIGTERM", time.Since(signalled).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatalf("why401 serve did not exit within 10 s of the probe's end\n%s", p.stderr())
	}
	log := p.stderr()
	if !strings.Contains(log, "shutting down, letting running diagnoses finish") || !regexp.MustCompile(`"POST /api/probe HTTP/1\.1" 200 `).MatchString(log) {
		t.Errorf("the log lacks the shutdown or the probe's line:\n%s", log)
	}
}

// TestLogCarriesNoSecret sends secrets every way a client can (headers,
// cookies, query strings, API bodies, form fields, a token in the path)
// and reads the process's request log.
func TestLogCarriesNoSecret(t *testing.T) {
	if testing.Short() {
		t.Skip("runs why401 serve as a process")
	}
	target, _, release := slowTarget(t)
	close(release)
	p := startProcess(t)
	base := "http://" + p.addr
	secrets := map[string]string{}
	secret := func(name string) string {
		v := fmt.Sprintf("S3cr3t%s%d", name, len(secrets))
		secrets[name] = v
		return v
	}
	do := func(method, path, ct string, body io.Reader, header map[string]string) {
		req, _ := http.NewRequest(method, base+path, body)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9." + secret("jwtsig")
	do("POST", "/api/probe?access_token="+secret("query"), "application/json",
		strings.NewReader(fmt.Sprintf(`{"url": %q, "args": ["-u", "alice:%s", "-H", "Authorization: Bearer %s", "-b", "sid=%s"]}`, target+"/x?token="+secret("targetquery"), secret("password"), secret("bearer"), secret("cookie"))),
		map[string]string{"Authorization": "Bearer " + secret("header"), "Cookie": "why401_session=" + secret("session"), "X-Api-Key": secret("apikey")})
	do("POST", "/api/curl", "text/plain", strings.NewReader("curl '"+target+"/y' -H 'Authorization: Bearer "+secret("curl")+"' -b 'sid="+secret("curlcookie")+"'"), nil)
	do("POST", "/api/har", "application/json", strings.NewReader(`{"log":{"entries":[{"request":{"headers":[{"name":"Authorization","value":"Bearer `+secret("har")+`"}]}}]}}`), nil)
	do("GET", "/api/"+jwt, "", nil, nil)
	do("GET", "/"+jwt, "", nil, nil)
	c, csrf := servetest.Client(t, base)
	ct, body := servetest.Multipart(map[string]string{"csrf": csrf, "url": target + "/z", "user": "alice", "password": secret("formpassword"), "bearer": secret("formbearer"), "cookie": "sid=" + secret("formcookie"), "headers": "X-Auth-Token: " + secret("formheader")}, "")
	res, err := c.Post(base+"/form/probe", ct, body)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	ct, body = servetest.Multipart(map[string]string{"csrf": csrf}, "")
	res, err = c.Post(base+"/login?token="+secret("logintoken"), ct, body)
	if err == nil {
		res.Body.Close()
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.done; err != nil {
		t.Errorf("exit: %v", err)
	}
	log := p.stderr()
	lines := regexp.MustCompile(`(?m)^127\.0\.0\.1 - - \[[^]]+\] "(GET|POST) \S+ HTTP/1\.1" \d{3} \d+ "-" "[^"]*" [0-9.]+$`).FindAllString(log, -1)
	if len(lines) < 8 {
		t.Errorf("want a Common Log Format line per request, got %d:\n%s", len(lines), log)
	}
	for name, v := range secrets {
		if strings.Contains(log, v) {
			t.Errorf("the log carries the %s secret:\n%s", name, log)
		}
	}
	if !strings.Contains(log, `"GET /api/eyJhbG…(`) {
		t.Errorf("a token in an unknown path is not masked:\n%s", log)
	}
}
