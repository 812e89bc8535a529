package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/audit/vhostgen"
	"github.com/why401/why401/internal/cli"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	ios, out, errOut := cli.Test("")
	f := &cli.Factory{IO: ios, Version: "test"}
	cmd := NewCmdAudit(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	code, msg := cli.Code(cmd.Execute())
	if msg != "" {
		errOut.WriteString(msg + "\n")
	}
	return result{code, out.String(), errOut.String()}
}

func fixture(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "audit", "testdata", name))
	return p
}

func TestText(t *testing.T) {
	r := run(t, fixture("nginx/stripped.conf"))
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %+v", r.code, r)
	}
	// A warning (the severity policy): the header certainly goes, the
	// 401 follows only if the upstream checks credentials.
	want := fixture("nginx/stripped.conf") + ":11: warning proxy.header-stripped: proxy_set_header Authorization"
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "fix: ") || !strings.Contains(r.stdout, "3 findings (0 errors, 3 warnings, 0 info) in 1 configuration file") {
		t.Errorf("text output:\n%s\nwant %q", r.stdout, want)
	}
	r = run(t, fixture("nginx/stripped_fp.conf"))
	if r.code != 0 || !strings.Contains(r.stdout, "no findings in 1 configuration file") {
		t.Errorf("clean config: %+v", r)
	}
}

func TestFailOn(t *testing.T) {
	// iprules.conf has only an info finding.
	if r := run(t, fixture("nginx/iprules.conf")); r.code != 0 {
		t.Errorf("info with --fail-on warning: exit %d", r.code)
	}
	if r := run(t, fixture("nginx/iprules.conf"), "--fail-on", "info"); r.code != 1 {
		t.Errorf("info with --fail-on info: exit %d", r.code)
	}
	if r := run(t, fixture("nginx/stripped.conf"), "--fail-on", "never"); r.code != 0 {
		t.Errorf("--fail-on never: exit %d", r.code)
	}
}

func TestJSONAndSARIF(t *testing.T) {
	r := run(t, fixture("apache/passwdfile.conf"), "--server", "apache", "--server-root", filepath.Dir(fixture("apache/passwdfile.conf")), "--json")
	var rep struct {
		Command  string
		Verdict  string
		Summary  string
		Files    []string
		Findings []struct {
			Cause    string
			Severity string
			Location struct {
				File string
				Line int
			}
			Fixes map[string][]struct{ Text string }
		}
		Counts map[string]int
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if r.code != 1 || len(rep.Findings) != 4 || rep.Counts["error"] != 4 || len(rep.Files) != 2 ||
		rep.Command != "audit" || rep.Verdict != "fail" || !strings.HasPrefix(rep.Summary, "4 findings (4 errors") {
		t.Fatalf("json report: exit %d %+v", r.code, rep)
	}
	f := rep.Findings[3]
	if f.Cause != "server.htpasswd-file" || !strings.HasSuffix(f.Location.File, ".htaccess") || f.Location.Line != 4 || len(f.Fixes["owner"]) == 0 {
		t.Errorf(".htaccess finding: %+v", f)
	}
	base := filepath.Dir(fixture("x"))
	r = run(t, fixture("nginx/cache.conf"), "--sarif", "-", "--base", base)
	if r.code != 1 || !strings.Contains(r.stdout, `"version": "2.1.0"`) || !strings.Contains(r.stdout, `"uri": "nginx/cache.conf"`) || !strings.Contains(r.stdout, `"ruleId": "cache.cached-401"`) {
		t.Errorf("sarif: %+v", r)
	}
	// A path takes the SARIF; the text report stays on standard output.
	out := filepath.Join(t.TempDir(), "why401.sarif")
	r = run(t, fixture("nginx/cache.conf"), "--sarif", out, "--base", base)
	b, err := os.ReadFile(out)
	if r.code != 1 || err != nil || !strings.Contains(string(b), `"ruleId": "cache.cached-401"`) || strings.Contains(r.stdout, "2.1.0") || !strings.Contains(r.stdout, "cache.cached-401") {
		t.Errorf("sarif to a file: %+v, file %q, %v", r, b, err)
	}
}

func TestDirectoryAndErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte("events {}\nhttp {\n  server {\n    listen 127.0.0.1:8080;\n    location / { return 401; }\n  }\n}\n"), 0o644)
	if r := run(t, dir); r.code != 1 || !strings.Contains(r.stdout, "nginx.conf:5: error challenge.missing") {
		t.Errorf("directory: %+v", r)
	}
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("events {}\nhttp {\n  server {\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{bad, "--software", "nginx"}, bad + ":"},
		{[]string{bad, "--server", "nginx"}, "why401: warning: --server is deprecated; use --software"},
		{[]string{filepath.Join(dir, "absent.conf")}, "absent.conf: no such file or directory"},
		{[]string{t.TempDir()}, "no nginx.conf, apache2.conf or httpd.conf"},
		{[]string{"--json", "--sarif", "-", bad}, "both want standard output"},
		{[]string{"--sarif", filepath.Join(dir, "absent", "x.sarif"), "--fail-on", "never", filepath.Join(dir, "nginx.conf")}, "--sarif " + filepath.Join(dir, "absent", "x.sarif") + ": no such file or directory"},
		{[]string{"--fail-on", "fatal", bad}, "--fail-on"},
		{[]string{"--software", "iis", bad}, "--software"},
	} {
		r := run(t, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %+v, want exit 2 and %q", c.args, r, c.want)
		}
	}
}

// TestParseWarnings: problems the Apache parser worked around (a file
// that includes itself) reach stderr, not stdout.
func TestParseWarnings(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "apache2.conf")
	if err := os.WriteFile(conf, []byte("ServerRoot "+dir+"\nInclude apache2.conf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "--software", "apache", conf)
	if !strings.Contains(r.stderr, "why401: warning: ") || !strings.Contains(r.stderr, "includes itself") {
		t.Errorf("stderr %q, want the self-include warning", r.stderr)
	}
	if strings.Contains(r.stdout, "includes itself") {
		t.Errorf("the warning reached stdout: %q", r.stdout)
	}
}

// TestFoldRepeats: a finding repeated in every virtual host is shown once
// in text with its count and a few places; JSON keeps every one.
func TestFoldRepeats(t *testing.T) {
	dir := t.TempDir()
	main, err := vhostgen.Write(dir, "nginx", 6)
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, main, "--fail-on", "never")
	if n := strings.Count(r.stdout, "proxy.forwarded-headers"); n != 1 {
		t.Errorf("text shows the repeated finding %d times, want once:\n%s", n, r.stdout)
	}
	if !strings.Contains(r.stdout, "the same at 5 more places: ") || !strings.Contains(r.stdout, "and 2 more") {
		t.Errorf("text output:\n%s", r.stdout)
	}
	r = run(t, main, "--fail-on", "never", "--json")
	if n := strings.Count(r.stdout, `"cause": "proxy.forwarded-headers"`); n != 6 {
		t.Errorf("JSON has %d findings, want all 6", n)
	}
}
