package check

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/checklist"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/lab/labtest"
)

func testFactory() (*cli.Factory, *cli.Buffer, *cli.Buffer) {
	ios, out, errOut := cli.Test("")
	return &cli.Factory{IO: ios, Now: time.Now, Version: "test"}, out, errOut
}

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	f, _, _ := testFactory()
	var got *Options
	cmd := NewCmdCheck(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return got, err
}

func TestFlags(t *testing.T) {
	o, err := parse(t, "site.yaml", "--clients", "curl,browser", "--junit", "r.xml", "--every", "5m", "--metrics", "127.0.0.1:9402")
	if err != nil {
		t.Fatal(err)
	}
	if o.File != "site.yaml" || strings.Join(o.Clients, ",") != "curl,browser" || o.JUnit != "r.xml" || o.Every != 5*time.Minute || o.Metrics != "127.0.0.1:9402" {
		t.Errorf("options = %+v", o)
	}
	if o, err := parse(t, "--init", "https://example.com"); err != nil || o.Init != "https://example.com" || o.File != "" {
		t.Errorf("--init: %v %+v", err, o)
	}
	bad := map[string][]string{
		"no file":         {},
		"two files":       {"a.yaml", "b.yaml"},
		"bad client":      {"a.yaml", "--clients", "wget"},
		"short every":     {"a.yaml", "--every", "1s"},
		"metrics alone":   {"a.yaml", "--metrics", "127.0.0.1:9402"},
		"metrics no port": {"a.yaml", "--every", "1m", "--metrics", "localhost"},
		"init and json":   {"--init", "https://example.com", "--json"},
		"force alone":     {"a.yaml", "--force"},
	}
	for name, args := range bad {
		_, err := parse(t, args...)
		var fe *cli.FlagError
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want a flag error", name, err)
		}
	}
}

func writeChecklist(t *testing.T, l *lab.Lab) string {
	t.Helper()
	text := `site: ` + l.URL() + `
endpoints:
  - name: basic
    request:
      url: /basic/ok
      basic: {user: alice, password: {env: LAB_PW}}
    expect: [authenticated, {challenge: {scheme: Basic}}]
  - name: stripped
    request:
      url: /proxied/items
      bearer: {env: LAB_TOKEN}
    expect: [authenticated]
`
	path := filepath.Join(t.TempDir(), "lab.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunAgainstLab(t *testing.T) {
	l := labtest.Start(t)
	path := writeChecklist(t, l)
	f, out, _ := testFactory()
	junit := filepath.Join(t.TempDir(), "report.xml")
	o := &Options{IO: f.IO, Now: time.Now, Version: "test", File: path, JUnit: junit, Clients: []string{"curl"},
		Getenv: func(k string) string {
			return map[string]string{"LAB_PW": lab.Password, "LAB_TOKEN": l.Token(map[string]any{"sub": "alice", "scope": "read"})}[k]
		}}
	err := Run(context.Background(), o)
	if code, _ := cli.Code(err); code != cli.ExitFindings {
		t.Fatalf("exit %d (%v), want 1\n%s", code, err, out)
	}
	text := out.String()
	if !strings.Contains(text, "FAIL stripped authenticated") || !strings.Contains(text, "cause: proxy.header-stripped") || strings.Contains(text, "FAIL basic") {
		t.Errorf("output:\n%s", text)
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc checklist.JUnitSuites
	if err := xml.Unmarshal(raw, &doc); err != nil || doc.Tests != 3 || doc.Failures != 1 {
		t.Errorf("junit: %v %+v", err, doc)
	}

	// --json prints one document with every result.
	f2, out2, _ := testFactory()
	o2 := *o
	o2.IO, o2.JSON, o2.JUnit = f2.IO, true, ""
	if code, _ := cli.Code(Run(context.Background(), &o2)); code != cli.ExitFindings {
		t.Errorf("--json exit %d", code)
	}
	var res checklist.Outcome
	if err := json.Unmarshal([]byte(out2.String()), &res); err != nil || len(res.Results) != 3 || res.Failed != 1 || res.Results[2].Cause != "proxy.header-stripped" {
		t.Errorf("--json: %v %+v", err, res)
	}

	// A bad file is a usage error with its position.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("endpoints:\n  - name: a\n    request: {url: http://h/, bearer: secret}\n    expect: authenticated\n"), 0o644)
	o.File = bad
	err = Run(context.Background(), o)
	if code, msg := cli.Code(err); code != cli.ExitUsage || !strings.HasPrefix(msg, bad+":3:39: bearer: credentials must not be written") {
		t.Errorf("bad file: %d %q", code, msg)
	}
}

func TestInit(t *testing.T) {
	l := labtest.Start(t)
	f, _, errOut := testFactory()
	path := filepath.Join(t.TempDir(), "why401.yaml")
	o := &Options{IO: f.IO, Now: time.Now, Version: "test", File: path, Init: l.URL() + "/basic/ok"}
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	got, err := checklist.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := got.Endpoints[0]
	if e.Request.Basic == nil || e.Request.Basic.Password.Env != "WHY401_PASSWORD" || e.Expect[0].Kind != checklist.Challenge || e.Expect[0].Scheme != "Basic" || e.Expect[0].Realm != "lab API" {
		t.Errorf("starter endpoint = %+v %+v", e.Request, e.Expect[0])
	}
	// It does not overwrite without --force.
	if err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second --init: %v", err)
	}
	o.Force = true
	if err := Run(context.Background(), o); err != nil {
		t.Errorf("--force: %v", err)
	}
}

func TestScheduleServesMetrics(t *testing.T) {
	l := labtest.Start(t)
	path := writeChecklist(t, l)
	f, _, _ := testFactory()
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := &Options{IO: f.IO, Now: time.Now, Version: "test", File: path, Clients: []string{"curl"}, NoDiagnose: true,
		Every: time.Hour, Metrics: "127.0.0.1:0", Ready: func(a string) { ready <- a },
		Getenv: func(k string) string { return map[string]string{"LAB_PW": lab.Password, "LAB_TOKEN": "x"}[k] }}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	addr := <-ready
	deadline := time.Now().Add(10 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if strings.Contains(body, "why401_check_runs_total 1") {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, s := range []string{"why401_check_runs_total 1", `step="basic",expectation="authenticated",client="curl",cause=""} 1`, `step="stripped",expectation="authenticated",client="curl",cause="credentials.rejected"} 0`} {
		if !strings.Contains(body, s) {
			t.Errorf("metrics lack %q:\n%s", s, body)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}
