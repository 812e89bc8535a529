package checklist_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/checklist"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/lab/labtest"
)

// runLab runs a checklist text (placeholders filled) against a fresh lab.
func runLab(t *testing.T, text string, clients ...string) *checklist.Outcome {
	t.Helper()
	l := labtest.Start(t)
	text = strings.NewReplacer("{{LAB}}", l.URL(), "{{TLS}}", l.TLSURL(), "{{EXPIRED}}", l.ExpiredTLSURL(), "{{CA}}", l.CAFile()).Replace(text)
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := checklist.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := checklist.Run(ctx, f, checklist.Options{Clients: clients, Getenv: getenv, Explain: explain})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const smallFile = `site: "{{LAB}}"
cacert: "{{CA}}"
endpoints:
  - name: login-redirect
    request:
      url: /sso/api/items
      bearer: {env: LAB_PASSWORD}
      follow: false
    expect: [authenticated]
  - name: expired-tls
    request: "{{EXPIRED}}/basic/ok"
    expect: [{tls: {min_days: 1}}]
  - name: no-password
    request:
      url: /basic/ok
      basic: {user: alice, password: {env: NOT_SET_ANYWHERE}}
    expect: [authenticated]
`

// disagreeFile is smallFile with a login that answers 303 to the
// dashboard.
var disagreeFile = strings.Replace(smallFile, `      url: /sso/api/items
      bearer: {env: LAB_PASSWORD}`, `      url: /cookie/login
      basic: {user: alice, password: {env: LAB_PASSWORD}}`, 1)

// TestClientsDisagree: without -L curl stops at the login's 303 while a
// browser follows it to the dashboard. The 303 goes to the dashboard, not
// a login page, so the diagnosis names no cause for curl.
func TestClientsDisagree(t *testing.T) {
	out := runLab(t, disagreeFile, "curl", "browser")
	checkResults(t, out, map[string]want{
		"login-redirect authenticated [curl]":    {checklist.Fail, ""},
		"login-redirect authenticated [browser]": {checklist.Pass, ""},
		"expired-tls tls 1d [curl]":              {checklist.Fail, "tls.certificate"},
		"expired-tls tls 1d [browser]":           {checklist.Fail, "tls.certificate"},
		"no-password authenticated [curl]":       {checklist.Fail, ""},
		"no-password authenticated [browser]":    {checklist.Fail, ""},
	})
	for _, r := range out.Results {
		if r.Step == "login-redirect" && r.Client == "curl" && !strings.HasPrefix(r.Message, "clients disagree: holds for browser, not for curl") {
			t.Errorf("curl message = %q", r.Message)
		}
		if r.Step == "no-password" && !strings.Contains(r.Message, "environment variable NOT_SET_ANYWHERE is not set") {
			t.Errorf("no-password message = %q", r.Message)
		}
	}
}

func TestOutputs(t *testing.T) {
	out := runLab(t, smallFile)
	// JUnit parses back with one case per result and the cause as type.
	var buf bytes.Buffer
	if err := checklist.WriteJUnit(&buf, out); err != nil {
		t.Fatal(err)
	}
	var doc checklist.JUnitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit does not parse: %v\n%s", err, buf.String())
	}
	if doc.Tests != 3 || doc.Failures != 3 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("JUnit counts: %+v", doc)
	}
	c := doc.Suites[0].Cases[0]
	if c.ClassName != "why401.login-redirect" || c.Name != "authenticated [curl]" || c.Failure == nil || c.Failure.Type != "redirect.to-login" || !strings.Contains(c.Failure.Text, "fix: ") {
		t.Errorf("first case = %+v %+v", c, c.Failure)
	}
	// JSON round-trips.
	buf.Reset()
	if err := checklist.WriteJSON(&buf, out); err != nil {
		t.Fatal(err)
	}
	var back checklist.Outcome
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Failed != 3 || len(back.Results) != 3 || back.Results[1].Cause != "tls.certificate" {
		t.Errorf("JSON: %v %+v", err, back)
	}
	// Text names each failure, its cause and fix, and never the password.
	buf.Reset()
	if err := checklist.WriteText(&buf, out, false); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, s := range []string{"FAIL login-redirect authenticated (line 9)", "cause: redirect.to-login", "cause: tls.certificate", "fix: ", "3 expectations, 0 passed, 3 failed"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, lab.Password) || strings.Contains(buf.String(), lab.Password) {
		t.Error("text shows the password")
	}
	// Metrics: one series per result, the cause as a label, expiry days.
	m := &checklist.Metrics{}
	m.Record(out)
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, s := range []string{
		"# TYPE why401_check_expectation_ok gauge",
		`step="login-redirect",expectation="authenticated",client="curl",cause="redirect.to-login"} 0`,
		`why401_check_certificate_expiry_days{checklist="`,
		"why401_check_runs_total 1\n",
		"why401_check_failed_runs_total 1\n",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("metrics lack %q:\n%s", s, body)
		}
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q", ct)
	}
}

// TestSecretsStayOut: wrong credentials are diagnosed (so the probe's
// evidence is quoted) and no output format shows them.
func TestSecretsStayOut(t *testing.T) {
	labEnv["WRONG_PW"] = "hunter2-wrong-pw"
	labEnv["WRONG_TOKEN"] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlLXNlY3JldA"
	defer delete(labEnv, "WRONG_PW")
	defer delete(labEnv, "WRONG_TOKEN")
	out := runLab(t, `site: "{{LAB}}"
endpoints:
  - name: basic
    request: {url: /basic/ok, basic: {user: alice, password: {env: WRONG_PW}}}
    expect: [authenticated, no-store]
  - name: bearer
    request: {url: /api/ok, bearer: {env: WRONG_TOKEN}}
    expect: [authenticated, token, proxy]
`, "curl", "browser")
	if out.Failed == 0 {
		t.Fatal("nothing failed")
	}
	var all bytes.Buffer
	checklist.WriteText(&all, out, true)
	checklist.WriteJSON(&all, out)
	checklist.WriteJUnit(&all, out)
	m := &checklist.Metrics{}
	m.Record(out)
	m.Write(&all)
	for _, secret := range []string{"hunter2-wrong-pw", "c2lnbmF0dXJlLXNlY3JldA", "YWxpY2U6aHVudGVyMi13cm9uZy1wdw"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("output shows %q", secret)
		}
	}
	if !strings.Contains(all.String(), "credentials.rejected") || !strings.Contains(all.String(), "token.expired") {
		t.Errorf("diagnoses missing:\n%s", all.String())
	}
}
