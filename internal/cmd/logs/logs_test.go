package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/cli"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ios, out, errOut := cli.Test(stdin)
	f := &cli.Factory{IO: ios, Now: func() time.Time { return time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC) }}
	cmd := NewCmdLogs(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true // as the root command does
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := cmd.Execute()
	code, msg := cli.Code(err)
	return out.String(), errOut.String() + msg, code
}

func line(t time.Time, ip, user, path string, status int) string {
	if user == "" {
		user = "-"
	}
	return fmt.Sprintf("%s - %s [%s] \"GET %s HTTP/1.1\" %d 10 \"-\" \"agent/1\"\n", ip, user, t.Format("02/Jan/2006:15:04:05 -0700"), path, status)
}

// attackLog is a log with a brute force and a round trip.
func attackLog() string {
	t := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := 0; i < 200; i++ {
		b.WriteString(line(t.Add(time.Duration(i)*time.Second), fmt.Sprintf("10.0.0.%d", i%50), "", "/", 200))
	}
	for i := 0; i < 60; i++ {
		b.WriteString(line(t.Add(time.Duration(20+i)*time.Second), "203.0.113.10", "admin", "/admin/", 401))
	}
	b.WriteString(line(t.Add(300*time.Second), "10.0.0.1", "", "/admin/", 401))
	b.WriteString(line(t.Add(301*time.Second), "10.0.0.1", "al", "/admin/", 200))
	return b.String()
}

func TestFlags(t *testing.T) {
	var got *Options
	f := &cli.Factory{IO: &cli.IOStreams{Out: io.Discard, ErrOut: io.Discard}, Now: time.Now}
	cmd := NewCmdLogs(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--json", "--html", "r.html", "--ban-list", "plain", "--threshold", "8", "--window", "1h", "--rows", "5", "--challenge-window", "3s", "a.log", "b.log.gz"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.JSON || got.HTML != "r.html" || got.BanList != "plain" || got.Threshold != 8 || got.FindTime != time.Hour || got.Rows != 5 || got.Window != 3*time.Second || len(got.Args) != 2 {
		t.Errorf("options %+v", got)
	}
	for _, bad := range [][]string{
		{},
		{"--follow", "-"},
		{"--metrics", "127.0.0.1:0", "a.log"},
		{"--ban-list=iptables", "a.log"},
		{"--ban-list"},
		{"--threshold", "0", "a.log"},
		{"--window", "0s", "a.log"},
		{"--follow", "--json", "a.log"},
	} {
		cmd := NewCmdLogs(f, func(*Options) error { return nil })
		cmd.SetArgs(bad)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if code, _ := cli.Code(cmd.Execute()); code != cli.ExitUsage {
			t.Errorf("%q: exit %d, want %d", bad, code, cli.ExitUsage)
		}
	}
}

func TestTextJSONAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	os.WriteFile(path, []byte(attackLog()), 0o644)
	out, _, code := runCmd(t, "", path)
	if code != cli.ExitFindings {
		t.Errorf("exit %d, want %d", code, cli.ExitFindings)
	}
	for _, want := range []string{"attack.brute-force", "203.0.113.10", "noise.challenge", "verdict: fail: 1 finding", "failures per minute"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = runCmd(t, "", "--json", path)
	var res struct {
		Verdict  string `json:"verdict"`
		Lines    int    `json:"lines"`
		Findings []struct {
			Cause string `json:"cause"`
		} `json:"findings"`
		BanList []string `json:"ban_list"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if res.Verdict != "fail" || res.Lines != 262 || len(res.BanList) != 1 || res.Findings[0].Cause != "attack.brute-force" {
		t.Errorf("--json: %+v", res)
	}
	// Clean traffic: exit 0; standard input.
	clean := line(time.Now(), "10.0.0.1", "", "/", 200)
	out, _, code = runCmd(t, clean, "-")
	if code != cli.ExitOK || !strings.Contains(out, "verdict: ok") {
		t.Errorf("clean log: exit %d\n%s", code, out)
	}
	// Not a log.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello\nworld\n"), 0o644)
	_, errOut, code := runCmd(t, "", filepath.Join(dir, "notes.txt"))
	if code != cli.ExitUsage || !strings.Contains(errOut, "notes.txt: cannot tell the log format") {
		t.Errorf("unknown format: exit %d, %q", code, errOut)
	}
	_, errOut, code = runCmd(t, "", filepath.Join(dir, "missing.log"))
	if code != cli.ExitUsage || !strings.Contains(errOut, "missing.log: no such file") {
		t.Errorf("missing file: exit %d, %q", code, errOut)
	}
}

func TestBanListAndHTML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	os.WriteFile(path, []byte(attackLog()), 0o644)
	html := filepath.Join(dir, "r.html")
	// The format is the flag's value: the documented "--ban-list nginx
	// FILE" takes nginx as the format, not as a file.
	out, _, _ := runCmd(t, "", "--ban-list", "plain", "--html", html, path)
	if out != "203.0.113.10\n" {
		t.Errorf("plain ban list %q", out)
	}
	out, _, _ = runCmd(t, "", "--ban-list", "nginx", path)
	if !strings.Contains(out, "deny 203.0.113.10; # attack.brute-force\n") {
		t.Errorf("nginx ban list %q", out)
	}
	out, _, _ = runCmd(t, "", "--ban-list=fail2ban", path)
	if !regexp.MustCompile(`(?m)^2026-05-04 12:00:00 203\.0\.113\.10 why401 attack\.brute-force$`).MatchString(out) {
		t.Errorf("fail2ban ban list %q", out)
	}
	out, _, _ = runCmd(t, "", "--ban-list=apache", path)
	if !strings.Contains(out, "Require not ip 203.0.113.10") {
		t.Errorf("apache ban list %q", out)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<svg id="timeline"`, `class="r401"`, `data-cause="attack.brute-force"`, `id="total-401">60<`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("http://")) || bytes.Contains(page, []byte("https://")) || bytes.Contains(page, []byte("<script")) {
		t.Error("HTML refers to something outside itself or has a script")
	}
}

// TestHTMLOutput: --html - writes the page to standard output instead of
// the text; with --json or --ban-list, which write there too, it is
// refused; a file that cannot be written is named with the flag, and a
// page that is written replaces the old one whole.
func TestHTMLOutput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	os.WriteFile(path, []byte(attackLog()), 0o644)
	out, errOut, code := runCmd(t, "", "--html", "-", path)
	if code != cli.ExitFindings || !strings.HasPrefix(out, "<!doctype html>") || !strings.Contains(out, `data-cause="attack.brute-force"`) || strings.Contains(out, "\nverdict: ") {
		t.Errorf("--html -: exit %d, stderr %q, stdout begins %q", code, errOut, out[:min(len(out), 80)])
	}
	if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
		t.Error(`--html - wrote a file named "-"`)
	}
	for _, flag := range []string{"--json", "--ban-list=plain"} {
		_, errOut, code = runCmd(t, "", "--html", "-", flag, path)
		if code != cli.ExitUsage || !strings.Contains(errOut, "both write to standard output") {
			t.Errorf("--html - %s: exit %d, %q", flag, code, errOut)
		}
	}
	missing := filepath.Join(dir, "no", "r.html")
	_, errOut, code = runCmd(t, "", "--html", missing, path)
	if code != cli.ExitUsage || !strings.Contains(errOut, "--html "+missing+": no such file or directory") {
		t.Errorf("unwritable --html: exit %d, %q", code, errOut)
	}
	page := filepath.Join(dir, "r.html")
	os.WriteFile(page, bytes.Repeat([]byte("old "), 1<<20), 0o600)
	out, _, _ = runCmd(t, "", "--html", page, path)
	got, _ := os.ReadFile(page)
	fi, _ := os.Stat(page)
	if !bytes.HasPrefix(got, []byte("<!doctype html>")) || bytes.Contains(got, []byte("old old")) || fi.Mode().Perm() != 0o644 || !strings.Contains(out, "why401 logs:") {
		t.Errorf("--html FILE: mode %v, page begins %q, text %q", fi.Mode().Perm(), got[:min(len(got), 40)], out)
	}
}

// TestMalformedAndLongSpans: malformed lines are counted beside the
// parsed ones and those beyond the examples shown are counted; a log that
// spans decades is drawn in whole weeks, its ends dated.
func TestMalformedAndLongSpans(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	t0 := time.Date(2007, 3, 5, 13, 39, 21, 0, time.UTC)
	var b strings.Builder
	b.WriteString(line(t0, "192.0.2.1", "", "/", 403))
	for i := 0; i < 30; i++ {
		b.WriteString("not an access log line\n")
	}
	b.WriteString(line(t0.AddDate(17, 5, 0), "192.0.2.2", "", "/", 200))
	os.WriteFile(path, []byte(b.String()), 0o644)
	out, errOut, code := runCmd(t, "", "--format", "combined", path)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	shown := strings.Count(out, "  malformed "+path+":")
	for _, want := range []string{"why401 logs: 2 lines from " + path + " (plus 30 malformed)\n",
		fmt.Sprintf("  … and %d more malformed lines\n", 30-shown), "failures per 14 days: 2007-02-22│"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if shown == 0 || shown >= 30 {
		t.Errorf("%d malformed examples shown", shown)
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(512<<20, 1<<30, 2*time.Second)
	if !strings.HasPrefix(got, "[############............]  50%  512 MB of 1.0 GB  256 MB/s  ETA 2s") {
		t.Errorf("progressLine = %q", got)
	}
	if got := progressLine(3<<20, -1, time.Second); got != "3 MB read  3 MB/s" {
		t.Errorf("unknown total: %q", got)
	}
}

// TestFollow tails a file through growth, rotation and truncation and
// reads the findings it prints and the metrics it serves.
func TestFollow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	os.WriteFile(path, []byte(attackLog()), 0o644) // old content: skipped
	ios, out, _ := cli.Test("")
	ready := make(chan string, 1)
	o := &Options{IO: ios, Now: time.Now, Args: []string{path}, Follow: true, Metrics: "127.0.0.1:0",
		Interval: 50 * time.Millisecond, Poll: 20 * time.Millisecond, Window: 200 * time.Millisecond, Rows: 10, Format: "auto",
		Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, o) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("follow: %v", err)
		}
	}()
	addr := <-ready
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; output:\n%s", what, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	appendLines := func(p string, lines string) {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(lines)
		f.Close()
	}
	metric := func() string {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	now := time.Now()
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteString(line(now, "203.0.113.10", "admin", "/admin/", 401))
	}
	appendLines(path, b.String())
	waitFor("the brute force", func() bool { return strings.Contains(out.String(), "attack.brute-force") })
	written := 40

	// Rotate: the old file gets three more lines after the rename, then a
	// new file starts with a credential stuffing.
	os.Rename(path, path+".1")
	appendLines(path+".1", line(now, "10.0.0.1", "", "/", 200)+line(now, "10.0.0.2", "", "/", 200)+line(now, "10.0.0.3", "", "/", 200))
	b.Reset()
	for i := 0; i < 30; i++ {
		b.WriteString(line(now, "198.51.100.23", fmt.Sprintf("user%d", i), "/admin/", 401))
	}
	appendLines(path, b.String())
	written += 33
	waitFor("the stuffing after rotation", func() bool { return strings.Contains(out.String(), "attack.credential-stuffing") })
	// Failures from a source found attacking are counted under its cause.
	b.Reset()
	for i := 30; i < 35; i++ {
		b.WriteString(line(now, "198.51.100.23", fmt.Sprintf("user%d", i), "/admin/", 401))
	}
	appendLines(path, b.String())
	written += 5

	waitFor("the lines before truncation", func() bool {
		return strings.Contains(metric(), fmt.Sprintf("why401_log_lines_total %d\n", written))
	})
	// Truncate in place (copytruncate) and write again.
	os.Truncate(path, 0)
	time.Sleep(100 * time.Millisecond)
	appendLines(path, line(now, "10.0.0.9", "", "/x", 200)+line(now, "10.0.0.9", "", "/y", 403))
	written += 2

	waitFor("every line counted", func() bool {
		return strings.Contains(metric(), fmt.Sprintf("why401_log_lines_total %d\n", written))
	})
	m := metric()
	for _, want := range []string{
		`why401_log_failures_total{status="401",cause="attack.credential-stuffing",path_class="page"} 5` + "\n",
		`why401_log_failures_total{status="403",cause="status.forbidden",path_class="page"} 1`,
		`why401_log_attack_sources{cause="attack.brute-force"} 1`,
		`why401_log_findings{cause="attack.brute-force"} 1`,
		"# TYPE why401_log_failures_total counter",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
	if strings.Count(out.String(), "attack.brute-force") != 1 {
		t.Errorf("the brute force was printed more than once:\n%s", out.String())
	}
}

// TestServerConfigUnknownFormat: the formats a configuration defines are
// listed in a stable (sorted) order when the one asked for is missing.
func TestServerConfigUnknownFormat(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	var b strings.Builder
	for _, n := range []string{"echo", "delta", "alpha", "charlie", "bravo", "foxtrot"} {
		fmt.Fprintf(&b, "log_format %s '$remote_addr [$time_local] \"$request\" $status';\n", n)
	}
	os.WriteFile(conf, []byte(b.String()), 0o644)
	logPath := filepath.Join(dir, "access.log")
	os.WriteFile(logPath, []byte(attackLog()), 0o644)
	for i := 0; i < 5; i++ {
		_, errOut, code := runCmd(t, "", "--server-config", conf, "--format", "main", logPath)
		if code != cli.ExitUsage || !strings.Contains(errOut, `no log format named "main" (found: alpha, bravo, charlie, delta, echo, foxtrot)`) {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	}
}

// TestServerConfigErrors: a configuration that cannot be read or parsed
// is named once, with the line.
func TestServerConfigErrors(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "access.log")
	os.WriteFile(logPath, []byte(attackLog()), 0o644)
	missing := filepath.Join(dir, "missing.conf")
	_, errOut, code := runCmd(t, "", "--server-config", missing, "--format", "main", logPath)
	if code != cli.ExitUsage || strings.Count(errOut, missing) != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
	bad := filepath.Join(dir, "httpd.conf")
	os.WriteFile(bad, []byte("ServerName x\nLogFormat \"%h unterminated\n"), 0o644)
	_, errOut, code = runCmd(t, "", "--server-config", bad, "--format", "main", logPath)
	if code != cli.ExitUsage || !strings.Contains(errOut, bad+":2: unterminated quote") {
		t.Errorf("bad file: exit %d, stderr %q", code, errOut)
	}
}

// TestFollowReadError: a followed path that cannot be read is reported
// once, naming the file once, and reading resumes when a log is back.
func TestFollowReadError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	os.WriteFile(path, nil, 0o644)
	ios, out, errOut := cli.Test("")
	o := &Options{IO: ios, Now: time.Now, Args: []string{path}, Follow: true,
		Interval: 50 * time.Millisecond, Poll: 20 * time.Millisecond, Window: 200 * time.Millisecond, Rows: 10, Format: "auto"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, o) }()
	defer func() {
		cancel()
		<-done
	}()
	waitFor := func(what string, buf *cli.Buffer) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(buf.String(), what); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %q; stderr:\n%s", what, errOut.String())
			}
		}
	}
	waitFor("following", errOut)
	os.Remove(path)
	os.Mkdir(path, 0o755) // replaced by something that cannot be read
	waitFor("is a directory", errOut)
	time.Sleep(200 * time.Millisecond) // ten more polls
	if n := strings.Count(errOut.String(), "is a directory"); n != 1 {
		t.Errorf("reported %d times:\n%s", n, errOut.String())
	}
	for _, l := range strings.Split(errOut.String(), "\n") {
		if strings.Contains(l, "is a directory") && strings.Count(l, path) != 1 {
			t.Errorf("error line names the file %d times: %q", strings.Count(l, path), l)
		}
	}
	os.Remove(path)
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteString(line(time.Now(), "203.0.113.10", "admin", "/admin/", 401))
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	waitFor("attack.brute-force", out)
}

// TestIISSubStatus: IIS names why it refused in sc-substatus; every 401.x
// and 403.x is named in text, JSON and HTML, and the ones that show a
// cause by themselves are findings of that cause (403.6 ip.denied, 403.14
// a directory listing refused, which is not about credentials).
func TestIISSubStatus(t *testing.T) {
	var b strings.Builder
	b.WriteString("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-05-04 10:00:00\n")
	b.WriteString("#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n")
	w := func(sec int, ip, path string, status, sub int) {
		at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC).Add(time.Duration(sec) * time.Second)
		fmt.Fprintf(&b, "%s 10.0.0.5 GET %s - 443 - %s Mozilla/5.0 - %d %d 0 15\n", at.Format("2006-01-02 15:04:05"), path, ip, status, sub)
	}
	for i := 0; i < 41; i++ {
		w(i*60, fmt.Sprintf("198.51.100.%d", i+1), "/", 403, 14)
	}
	for i := 0; i < 5; i++ {
		w(100+i*400, "203.0.113.66", "/admin/", 403, 6)
	}
	w(3000, "192.0.2.9", "/app/", 401, 2)
	w(3001, "192.0.2.9", "/app/", 403, 99)
	// A 401.2 answered by a success at once is the first leg of a
	// Negotiate or NTLM handshake: a round trip, not a failure.
	w(3010, "192.0.2.10", "/app/", 401, 2)
	w(3010, "192.0.2.10", "/app/", 200, 0)
	dir := t.TempDir()
	path := filepath.Join(dir, "u_ex260504.log")
	os.WriteFile(path, []byte(b.String()), 0o644)

	out, _, code := runCmd(t, "", path)
	if code != cli.ExitFindings {
		t.Errorf("exit %d, want %d", code, cli.ExitFindings)
	}
	for _, want := range []string{
		"403.14       41  directory listing denied", "403.6         5  the client's IP address is rejected  ip.denied",
		"401.2         1  logon failed due to server configuration: the client offered no scheme the server allows  challenge.unsupported", "403.99        1  not a documented sub-status",
		"ip.denied  IIS 403.6 the client's IP address is rejected (5 responses)",
		"status.not-auth  IIS 403.14 directory listing denied",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "status.forbidden") {
		t.Errorf("a named sub-status reported as status.forbidden:\n%s", out)
	}
	html := filepath.Join(dir, "r.html")
	out, _, _ = runCmd(t, "", "--json", "--html", html, path)
	var doc struct {
		Findings []struct{ Cause, Detail string } `json:"findings"`
		Subs     []struct {
			Code, Name, Cause string
			Count             int
		} `json:"iis_substatus"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Subs) != 4 || doc.Subs[0].Code != "403.14" || doc.Subs[0].Count != 41 || doc.Subs[0].Cause != "status.not-auth" || doc.Subs[1].Cause != "ip.denied" {
		t.Errorf("iis_substatus %+v", doc.Subs)
	}
	got := map[string]bool{}
	for _, f := range doc.Findings {
		got[f.Cause] = true
	}
	if !got["ip.denied"] || !got["status.not-auth"] || !got["challenge.unsupported"] {
		t.Errorf("findings %+v", doc.Findings)
	}
	page, _ := os.ReadFile(html)
	for _, want := range []string{`<table id="substatus">`, "<td>403.14</td><td>directory listing denied", "<td>ip.denied</td>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}
