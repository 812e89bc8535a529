package checklist_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/checklist"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
)

// startLab starts the lab on a free loopback port.
func startLab(t testing.TB) *lab.Lab {
	t.Helper()
	l, err := lab.New(lab.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// labFile writes testdata/NAME with the lab's URLs filled in and parses it.
func labFile(t testing.TB, l *lab.Lab, name string) *checklist.File {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("{{LAB}}", l.URL(), "{{TLS}}", l.TLSURL(), "{{EXPIRED}}", l.ExpiredTLSURL(), "{{CA}}", l.CAFile()).Replace(string(raw))
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := checklist.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func explain(ctx context.Context, po probe.Options) (*report.Report, error) {
	po.NoDiscovery = true
	return diagnose.Probe(ctx, po, diagnose.Options{})
}

var labEnv = map[string]string{"LAB_PASSWORD": lab.Password, "LAB_CLIENT_SECRET": lab.ClientSecret}

func getenv(k string) string { return labEnv[k] }

// want is the expected status (and cause, for failures) per
// "step expectation [client]".
type want struct {
	status string
	cause  string
}

func checkResults(t *testing.T, out *checklist.Outcome, wants map[string]want) {
	t.Helper()
	got := map[string]checklist.Result{}
	for _, r := range out.Results {
		key := r.Step + " " + r.Expectation + " [" + r.Client + "]"
		if _, dup := got[key]; dup {
			t.Errorf("duplicate result %s", key)
		}
		got[key] = r
	}
	for key, w := range wants {
		r, ok := got[key]
		if !ok {
			t.Errorf("no result %q", key)
			continue
		}
		if r.Status != w.status || string(r.Cause) != w.cause {
			t.Errorf("%s: got %s %q (%s), want %s %q", key, r.Status, r.Cause, r.Message, w.status, w.cause)
		}
		if r.Status == checklist.Fail && r.Cause != "" && (r.Title == "" || r.Fix == "") {
			t.Errorf("%s: cause %s without title or fix", key, r.Cause)
		}
	}
	for key := range got {
		if _, ok := wants[key]; !ok {
			t.Errorf("unexpected result %q: %+v", key, got[key])
		}
	}
}

func TestLabChecklist(t *testing.T) {
	l := startLab(t)
	f := labFile(t, l, "lab.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := checklist.Run(ctx, f, checklist.Options{Getenv: getenv, Explain: explain, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	pass, fail := checklist.Pass, checklist.Fail
	checkResults(t, out, map[string]want{
		"cookie-login login [curl]":                                  {pass, ""},
		"cookie-login no-store [curl]":                               {pass, ""}, // a 303 without freshness is not stored
		"cookie-login cookie sid [curl]":                             {pass, ""},
		"oauth login [curl]":                                         {pass, ""},
		"oauth no-store [curl]":                                      {pass, ""},
		"oauth token [curl]":                                         {pass, ""},
		"basic-api challenge Basic realm=\"lab API\" [curl]":         {pass, ""},
		"basic-api authenticated [curl]":                             {pass, ""},
		"basic-wrong-realm challenge Basic realm=\"staging\" [curl]": {fail, "server.auth-scope"},
		"api-with-token authenticated [curl]":                        {pass, ""},
		"api-with-token challenge Bearer [curl]":                     {pass, ""},
		"api-with-token token [curl]":                                {fail, "token.audience"},
		"dashboard authenticated [curl]":                             {pass, ""},
		"stripped authenticated [curl]":                              {fail, "proxy.header-stripped"},
		"cached authenticated [curl]":                                {fail, "cache.cached-401"},
		"cached no-store [curl]":                                     {fail, "cache.auth-cacheable"},
		"cors cors https://app.example.com [curl]":                   {fail, "cors.preflight-auth"},
		"echo-direct proxy [curl]":                                   {fail, "proxy.forwarded-headers"},
		"tls-ok authenticated [curl]":                                {pass, ""},
		"tls-ok tls 30d [curl]":                                      {pass, ""},
		"forbidden-admin forbidden [curl]":                           {pass, ""},
	})
	if out.OK() || out.Failed != 7 {
		t.Errorf("failed = %d, want 7", out.Failed)
	}
	if len(out.Certs) != 1 || out.Certs[0].Days < 30 {
		t.Errorf("certs = %+v, want one with 30+ days", out.Certs)
	}
	if len(out.Tokens) == 0 || out.Tokens[0].Days <= 0 || out.Tokens[0].Days > 1 {
		t.Errorf("tokens = %+v, want one expiring within a day", out.Tokens)
	}
}
