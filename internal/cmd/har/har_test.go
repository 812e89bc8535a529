package har_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/lab/labtest"
)

// harOf builds a Chrome-shaped HAR from entries given as JSON fragments.
func harOf(entries ...string) string {
	return `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[],"entries":[` + strings.Join(entries, ",") + `]}}`
}

func entry(at, typ, method, url string, reqH []string, status int, respH []string, body string) string {
	nv := func(kv []string) string {
		var parts []string
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := json.Marshal(kv[i])
			v, _ := json.Marshal(kv[i+1])
			parts = append(parts, fmt.Sprintf(`{"name":%s,"value":%s}`, k, v))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	b, _ := json.Marshal(body)
	return fmt.Sprintf(`{"startedDateTime":%q,"time":1,"_resourceType":%q,"request":{"method":%q,"url":%q,"headers":%s,"cookies":[]},"response":{"status":%d,"statusText":"","headers":%s,"cookies":[],"content":{"size":0,"mimeType":"application/json","text":%s},"redirectURL":""}}`,
		at, typ, method, url, nv(reqH), status, nv(respH), b)
}

const secretCookie = "s3cr3t-session-value"

var rejected = harOf(
	entry("2026-05-01T12:00:00.000Z", "document", "POST", "http://app.test/login", []string{"Content-Type", "application/x-www-form-urlencoded"}, 303, []string{"Set-Cookie", "sid=" + secretCookie + "; Path=/; SameSite=None", "Location", "/app"}, ""),
	entry("2026-05-01T12:00:00.100Z", "document", "GET", "http://app.test/app?access_token=tok-in-url", []string{"Referer", "http://app.test/login"}, 401, nil, "login first"),
	entry("2026-05-01T12:00:00.200Z", "image", "GET", "http://app.test/logo.png", nil, 200, nil, ""),
)

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ios, out, errb := cli.Test(stdin)
	code := root.MainIO(append([]string{"har"}, args...), ios)
	return code, out.String(), errb.String()
}

type jsonReport struct {
	Verdict       string `json:"verdict"`
	Summary       string `json:"summary"`
	BreakingPoint int    `json:"breaking_point"`
	Timeline      []struct {
		N        int      `json:"n"`
		URL      string   `json:"url"`
		Marks    []string `json:"marks"`
		Breaking bool     `json:"breaking"`
		Hidden   int      `json:"hidden"`
	} `json:"timeline"`
	Findings []struct {
		Cause string `json:"cause"`
	} `json:"findings"`
	Sanitized      bool     `json:"sanitized"`
	CannotConclude []string `json:"cannot_conclude"`
	HowToExport    string   `json:"how_to_export"`
	Replay         *struct {
		Findings []struct {
			Cause string `json:"cause"`
		} `json:"findings"`
	} `json:"replay"`
}

func decode(t *testing.T, out string) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return r
}

func TestJSON(t *testing.T) {
	code, out, errs := run(t, "", write(t, "a.har", rejected), "--json")
	if code != 1 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	r := decode(t, out)
	if r.Verdict != "fail" || r.BreakingPoint != 2 || len(r.Findings) == 0 || r.Findings[0].Cause != "cookie.rejected" || r.Sanitized {
		t.Errorf("report %+v", r)
	}
	if len(r.Timeline) != 2 || !r.Timeline[1].Breaking || r.Timeline[0].N != 1 {
		t.Errorf("timeline %+v", r.Timeline)
	}
	if !strings.Contains(strings.Join(r.Timeline[0].Marks, "|"), "Set-Cookie sid refused: SameSiteNoneInsecure") {
		t.Errorf("marks %q", r.Timeline[0].Marks)
	}
	for _, secret := range []string{secretCookie, "tok-in-url"} {
		if strings.Contains(out, secret) {
			t.Errorf("output holds the secret %q", secret)
		}
	}
	_, shown, _ := run(t, "", write(t, "a.har", rejected), "--json", "--show-secrets")
	if !strings.Contains(shown, "tok-in-url") {
		t.Error("--show-secrets still hides the URL's token")
	}
}

func TestText(t *testing.T) {
	code, out, _ := run(t, rejected, "-")
	for _, want := range []string{"➜ #2", "the flow breaks here", "Causes, most likely first:", "[cookie.rejected, 95%]", "fix (site owner):", "(1 entries that loaded fine"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if code != 1 || strings.Contains(out, secretCookie) {
		t.Errorf("exit %d or secret in output", code)
	}
	_, all, _ := run(t, rejected, "-", "--all")
	if !strings.Contains(all, "logo.png") {
		t.Errorf("--all hides the asset:\n%s", all)
	}
}

func TestSanitized(t *testing.T) {
	san := harOf(
		entry("2026-05-01T12:00:00.000Z", "document", "POST", "http://app.test/login", nil, 303, []string{"Location", "/app"}, ""),
		entry("2026-05-01T12:00:00.100Z", "document", "GET", "http://app.test/app", nil, 401, nil, ""),
	)
	_, out, _ := run(t, "", write(t, "s.har", san), "--json")
	r := decode(t, out)
	if !r.Sanitized || len(r.CannotConclude) == 0 || !strings.Contains(r.HowToExport, "Allow to generate HAR with sensitive data") {
		t.Errorf("sanitized report %+v", r)
	}
	_, text, _ := run(t, "", write(t, "s.har", san))
	if !strings.Contains(text, "This HAR looks sanitized") {
		t.Errorf("text does not say the HAR is sanitized:\n%s", text)
	}
}

func TestOK(t *testing.T) {
	ok := harOf(entry("2026-05-01T12:00:00.000Z", "document", "GET", "http://app.test/", []string{"Cookie", "sid=1"}, 200, nil, ""))
	code, out, _ := run(t, "", write(t, "ok.har", ok), "--json")
	if r := decode(t, out); code != 0 || r.Verdict != "ok" || r.BreakingPoint != 0 {
		t.Errorf("exit %d, report %+v", code, r)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{filepath.Join(dir, "missing.har")}, "", "missing.har: no such file or directory"},
		{[]string{write(t, "bad.har", "{\n")}, "", "bad.har: line 2: not JSON"},
		{[]string{"-"}, `{"nolog":1}`, `standard input: no "log" object: not a HAR`},
		{[]string{}, "", "har takes exactly one file"},
	} {
		code, _, errs := run(t, tc.stdin, tc.args...)
		if code != cli.ExitUsage || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") > 2 {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestReplay re-sends the breaking request to the lab through the probe.
func TestReplay(t *testing.T) {
	l := labtest.Start(t)
	now := time.Now().UTC()
	tok := l.Token(map[string]any{"exp": now.Add(-time.Hour), "iat": now.Add(-2 * time.Hour)})
	h := harOf(entry(now.Format(time.RFC3339Nano), "fetch", "GET", l.URL()+"/api/items", []string{"Authorization", "Bearer " + tok, "Connection", "keep-alive"}, 401, []string{"WWW-Authenticate", `Bearer error="invalid_token"`}, ""))
	code, out, errs := run(t, "", write(t, "r.har", h), "--json", "--replay")
	r := decode(t, out)
	if code != 1 || r.Replay == nil || len(r.Replay.Findings) == 0 || r.Replay.Findings[0].Cause != "token.expired" {
		t.Fatalf("exit %d, stderr %q, report %s", code, errs, out)
	}
	if len(r.Findings) == 0 || r.Findings[0].Cause != "token.expired" {
		t.Errorf("offline findings %+v", r.Findings)
	}
	if strings.Contains(out, tok) {
		t.Error("the token reached the output")
	}
}

// TestMarksInHeaderOrder pins the timeline's marks for secret headers to
// sorted header order: they came from ranging over a map, so a request
// with several such headers printed them in a different order each run.
func TestMarksInHeaderOrder(t *testing.T) {
	headers := []string{"X-Refresh-Token", "r", "X-Api-Key", "k", "X-Client-Secret", "s", "X-Auth-Token", "a", "X-Csrf-Token", "c"}
	p := write(t, "h.har", harOf(entry("2026-05-01T12:00:00.000Z", "fetch", "GET", "http://api.test/me", headers, 401, nil, "")))
	want := "sends X-Api-Key, sends X-Auth-Token, sends X-Client-Secret, sends X-Csrf-Token, sends X-Refresh-Token"
	for range 20 {
		_, out, _ := run(t, "", p, "--json")
		var r struct {
			Timeline []struct {
				Marks []string `json:"marks"`
			} `json:"timeline"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Timeline) != 1 {
			t.Fatalf("output: %v\n%s", err, out)
		}
		if got := strings.Join(r.Timeline[0].Marks, ", "); got != want {
			t.Fatalf("marks %q, want %q", got, want)
		}
	}
}
