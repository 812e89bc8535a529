package logsreal_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cli"
	logscmd "github.com/why401/why401/internal/cmd/logs"
	"github.com/why401/why401/internal/servertest"
)

// syslogSink is a UDP syslog receiver on 127.0.0.1: it keeps every
// datagram HAProxy sends, one message each.
type syslogSink struct {
	conn net.PacketConn
	mu   sync.Mutex
	msgs []string
	done chan struct{}
}

func newSyslogSink(t *testing.T) *syslogSink {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &syslogSink{conn: c, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 64<<10)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, strings.TrimRight(string(buf[:n]), "\n"))
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close(); <-s.done })
	return s
}

func (s *syslogSink) addr() string { return s.conn.LocalAddr().String() }

// wait waits up to ten seconds for the lines of n requests and returns
// every message that came.
func (s *syslogSink) wait(n int) []string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		got := slices.Clone(s.msgs)
		s.mu.Unlock()
		if requestLines(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// requestLines counts the lines of requests the test sent.
func requestLines(lines []string) int {
	n := 0
	for _, l := range lines {
		if strings.HasSuffix(l, ` HTTP/1.1"`) {
			n++
		}
	}
	return n
}

// backend answers like a small application behind the balancer: basic
// authentication on /private/, 403 on /forbidden, 429 on /limited, 200
// elsewhere.
func backend(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/private/"):
			if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "wonderland" {
				w.Header().Set("WWW-Authenticate", `Basic realm="restricted"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			fmt.Fprintln(w, "secret")
		case r.URL.Path == "/forbidden":
			http.Error(w, "forbidden", http.StatusForbidden)
		case r.URL.Path == "/limited":
			http.Error(w, "slow down", http.StatusTooManyRequests)
		default:
			fmt.Fprintln(w, "ok")
		}
	}))
	t.Cleanup(s.Close)
	if !strings.HasPrefix(s.Listener.Addr().String(), "127.0.0.1:") {
		t.Fatalf("backend listens on %s, want 127.0.0.1", s.Listener.Addr())
	}
	return s
}

// logsDocument is what the test reads of `why401 logs --json`.
type logsDocument struct {
	Verdict string `json:"verdict"`
	Files   []struct {
		Name        string `json:"name"`
		Format      string `json:"format"`
		LinesRead   int    `json:"lines_read"`
		LinesParsed int    `json:"lines_parsed"`
	} `json:"files"`
	LinesRead   int64            `json:"lines_read"`
	LinesParsed int64            `json:"lines_parsed"`
	Malformed   int64            `json:"malformed"`
	Failures    map[string]int64 `json:"failures"`
	Challenges  int64            `json:"challenge_round_trips"`
	Timeline    []struct {
		Requests int64 `json:"requests"`
		F401     int64 `json:"401"`
	} `json:"timeline"`
	Patterns []struct {
		Cause   catalog.ID `json:"cause"`
		Count   int64      `json:"count"`
		Sources []string   `json:"sources"`
		Columns []string   `json:"columns"`
		Rows    [][]string `json:"rows"`
	} `json:"patterns"`
	Tables []struct {
		Title string     `json:"title"`
		Rows  [][]string `json:"rows"`
	} `json:"tables"`
}

// runLogs runs `why401 logs --json path` (no --format: the format is
// detected) and decodes its report; exit status 1 (findings) is expected.
func runLogs(t *testing.T, path string) logsDocument {
	t.Helper()
	ios, out, errOut := cli.Test("")
	cmd := logscmd.NewCmdLogs(&cli.Factory{IO: ios, Now: time.Now}, nil)
	cmd.SetArgs([]string{"--json", "--no-progress", path})
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	var ee *cli.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.Code == cli.ExitFindings) {
		t.Fatalf("why401 logs %s: %v\n%s", path, err, errOut)
	}
	var doc logsDocument
	if err := json.Unmarshal([]byte(out.String()), &doc); err != nil {
		t.Fatalf("why401 logs --json %s: %v\n%s", path, err, out)
	}
	return doc
}

// TestHAProxyHTTPLog puts real HAProxy (Debian's haproxy) with option
// httplog in front of a Go backend on 127.0.0.1, drives the same traffic
// as the web-server tests through it, and reads what HAProxy logged in
// three ways: to a UDP syslog receiver the test opens (RFC 3164 framing,
// HAProxy's default, which carries no host name), to a second one in
// RFC 5424, and to standard output in the raw format, where HAProxy's
// own start-up notices come between the lines as they do in a container
// log. `why401 logs` must detect HAProxy's format in each without
// --format and count exactly what was sent: the 401s, the requests, the
// challenge round trips, the guessing client and the path it guessed on.
//
// Traefik and Envoy, whose formats `why401 logs` also reads, are not
// packaged in Debian 12; their formats are tested on fixtures written
// from their documentation (internal/logs/testdata/formats).
func TestHAProxyHTTPLog(t *testing.T) {
	servertest.Require(t, "haproxy")
	// The accept date has no zone: HAProxy writes local time, and the
	// reader takes it as UTC.
	t.Setenv("TZ", "UTC")
	app := backend(t)
	rfc3164, rfc5424 := newSyslogSink(t), newSyslogSink(t)
	s := servertest.HAProxy(t, fmt.Sprintf(`
frontend web
  bind {{.Addr}}
  option httplog
  log %s local0
  log %s format rfc5424 local0
  log stdout format raw local0
  default_backend app

backend app
  server app1 %s
`, rfc3164.addr(), rfc5424.addr(), app.Listener.Addr()))
	w := drive(t, s.URL(), paths{"/", "/private/", "/forbidden", "/limited"})
	sent := countAll(w)
	dir := t.TempDir()
	logs := map[string][]string{
		"rfc3164.log": rfc3164.wait(sent),
		"rfc5424.log": rfc5424.wait(sent),
	}
	// Standard output is the server's stderr.log: wait for the lines,
	// then stop HAProxy so the file is complete.
	deadline := time.Now().Add(10 * time.Second)
	for requestLines(strings.Split(s.AccessLog(), "\n")) < sent && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	s.Stop()
	logs["stdout.log"] = strings.Split(strings.TrimRight(s.AccessLog(), "\n"), "\n")

	for _, name := range []string{"rfc3164.log", "rfc5424.log", "stdout.log"} {
		t.Run(strings.TrimSuffix(name, ".log"), func(t *testing.T) {
			lines := logs[name]
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// Besides the requests sent, HAProxy logs the connections
			// servertest opened to see that it listens, closed before a
			// request, as 400 "<BADREQ>"; anything else (a notice on
			// standard output) is no log line.
			badreq, foreign := 0, 0
			for _, l := range lines {
				switch {
				case strings.HasSuffix(l, ` HTTP/1.1"`):
				case strings.Contains(l, " 400 ") && strings.HasSuffix(l, `"<BADREQ>"`):
					badreq++
				default:
					foreign++
				}
			}
			doc := runLogs(t, path)
			checkHAProxyReport(t, name, doc, w, badreq, foreign)
			if foreign == 0 { // every line parses: each record's time, client and path
				check(t, path, nil, w, true)
			}
			if t.Failed() {
				t.Logf("%s:\n%s", name, strings.Join(lines[:min(len(lines), 30)], "\n"))
			}
		})
	}
}

func checkHAProxyReport(t *testing.T, name string, doc logsDocument, w want, badreq, foreign int) {
	t.Helper()
	records := int64(countAll(w) + badreq)
	if len(doc.Files) != 1 || doc.Files[0].Format != "haproxy" {
		t.Errorf("%s: files %+v, want one read as haproxy", name, doc.Files)
	}
	if doc.LinesParsed != records || doc.Malformed != int64(foreign) || doc.LinesRead != records+int64(foreign) {
		t.Errorf("%s: %d lines read, %d parsed, %d malformed; want %d requests (%d sent, %d <BADREQ>) and %d other lines", name,
			doc.LinesRead, doc.LinesParsed, doc.Malformed, records, countAll(w), badreq, foreign)
	}
	var requests, f401 int64
	for _, b := range doc.Timeline {
		requests += b.Requests
		f401 += b.F401
	}
	if requests != records || f401 != 35 {
		t.Errorf("%s: timeline has %d requests and %d 401 failures, want %d and 35", name, requests, f401, records)
	}
	if doc.Failures["401"] != 35 || doc.Challenges != 10 || doc.Failures["403"] != int64(w[403]) || doc.Failures["429"] != int64(w[429]) {
		t.Errorf("%s: failures %v, %d round trips; want 401: 35, 403: %d, 429: %d and 10 round trips", name,
			doc.Failures, doc.Challenges, w[403], w[429])
	}
	if doc.Verdict != "fail" {
		t.Errorf("%s: verdict %q, want fail", name, doc.Verdict)
	}
	found := false
	for _, p := range doc.Patterns {
		if p.Cause != catalog.AttackBruteForce {
			continue
		}
		found = true
		if !slices.Equal(p.Sources, []string{"127.0.0.2"}) || p.Count != 35 {
			t.Errorf("%s: brute force from %v, %d failures; want 127.0.0.2, 35", name, p.Sources, p.Count)
		}
		if !rowsHold(p.Rows, "127.0.0.2", "/private/") {
			t.Errorf("%s: brute-force evidence names no 127.0.0.2 on /private/: %v %v", name, p.Columns, p.Rows)
		}
	}
	if !found {
		t.Errorf("%s: no %s among %+v", name, catalog.AttackBruteForce, doc.Patterns)
	}
	paths := false
	for _, tb := range doc.Tables {
		paths = paths || rowsHold(tb.Rows, "/private/")
	}
	if !paths {
		t.Errorf("%s: no table names /private/: %+v", name, doc.Tables)
	}
}

// rowsHold reports whether one row holds every want as a cell or part of
// one.
func rowsHold(rows [][]string, want ...string) bool {
	for _, r := range rows {
		all := true
		for _, w := range want {
			has := false
			for _, c := range r {
				has = has || strings.Contains(c, w)
			}
			all = all && has
		}
		if all {
			return true
		}
	}
	return false
}
