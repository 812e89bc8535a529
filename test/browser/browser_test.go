// Package browser_test records real headless Chromium and Firefox walking
// through the lab's /browser/ login and API flows behind a real nginx,
// then checks that `why401 har --json` ranks the flow's cause first and
// that why401's cookie rules agree with each browser's own verdicts
// (Firefox: firefox_test.go, testdata/agreement-firefox.md).
//
// Run with -update to rewrite the recorded fixtures in testdata/ (the
// short-mode test diagnoses those without a browser) and the agreement
// table testdata/agreement.md:
//
//	go test ./test/browser -run TestChromiumFlows -update
package browser_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/browsertest"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/curlcmd"
	harfile "github.com/why401/why401/internal/har"
	"github.com/why401/why401/internal/harflow"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/lab/labtest"
	"github.com/why401/why401/internal/servertest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.har and testdata/agreement.md from the recordings")

// nginxConf proxies everything to the lab, keeping the Host the browser
// used, and protects /nginx/api/ with auth_basic, which nginx applies to
// CORS preflights as well.
const nginxConf = `
server {
	listen {{.Addr}};
	location / {
		proxy_pass http://127.0.0.1:%d;
		proxy_set_header Host $http_host;
	}
	location = /nginx/api/data {
		auth_basic "api";
		auth_basic_user_file {{.Dir}}/htpasswd;
		add_header Access-Control-Allow-Origin $http_origin always;
		add_header Access-Control-Allow-Headers authorization always;
		# A file, not "return": return runs before auth_basic would.
		alias {{.Dir}}/data.json;
		default_type application/json;
	}
}`

type result struct {
	flow    lab.BrowserFlow
	title   string
	har     []byte
	top     string
	agree   []agreement
	summary string
}

func TestChromiumFlows(t *testing.T) {
	servertest.Require(t, "nginx")
	b := browsertest.Start(t)
	ng, starts := flowServers(t, b.Version)

	var results []result
	for _, f := range lab.BrowserFlows() {
		start := starts(f)
		began := time.Now()
		data, title, err := b.Record(start, 20*time.Second)
		t.Logf("%s: recorded in %v, title %q", f.Name, time.Since(began).Round(time.Millisecond), title)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		res := result{flow: f, title: title, har: data}
		res.top, res.summary = diagnose(t, f.Name, data)
		res.agree = agreements(t, f.Name, data)
		results = append(results, res)
		t.Run(f.Name, func(t *testing.T) {
			if res.top != f.Cause {
				t.Errorf("why401 har ranks %q first, want %q (page title %q)\n%s", res.top, f.Cause, title, res.summary)
			}
			for _, a := range res.agree {
				if !a.agree {
					t.Errorf("cookie %s at #%d (%s): why401 says %q, Chromium says %q", a.cookie, a.entry, a.phase, a.ours, a.chromium)
				}
			}
		})
	}
	// The same requests, as Chrome and Firefox would copy them, pasted
	// into why401 curl against the live servers.
	resolve := []string{
		"--resolve", net.JoinHostPort(lab.BrowserAppHost, strconv.Itoa(ng.Port)) + ":127.0.0.1",
		"--resolve", net.JoinHostPort(lab.BrowserAPIHost, strconv.Itoa(ng.Port)) + ":127.0.0.1",
	}
	var pasted []string
	for _, r := range results {
		want, ok := curlWant[r.flow.Name]
		if !ok {
			continue
		}
		req := pasteRequest(t, r.har, want.entry)
		for name, style := range map[string]curlcmd.Style{"chrome-bash": curlcmd.ChromeBash, "chrome-cmd": curlcmd.ChromeCmd, "firefox-bash": curlcmd.FirefoxBash} {
			t.Run("curl/"+r.flow.Name+"/"+name, func(t *testing.T) {
				text := curlcmd.Format(req, style)
				cont := " \\\n  "
				if style == curlcmd.ChromeCmd {
					cont = " ^\n  "
				}
				text += cont + strings.Join(resolve, " ")
				var out, errb bytes.Buffer
				code := root.MainIO([]string{"curl", text, "--json"}, &cli.IOStreams{Out: &out, ErrOut: &errb})
				var rep struct {
					Findings []struct{ Cause string } `json:"findings"`
				}
				if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
					t.Fatalf("exit %d, stderr %q: %v\n%s", code, errb.String(), err, text)
				}
				got := ""
				if len(rep.Findings) > 0 {
					got = rep.Findings[0].Cause
				}
				pasted = append(pasted, fmt.Sprintf("| %s | %s | %s | %s | %s |", r.flow.Name, want.entry, name, orNone(got), want.cause))
				if got != want.cause {
					t.Errorf("why401 curl ranks %v, want %s first\n%s\n%s", rep.Findings, want.cause, text, out.String())
				}
			})
		}
	}
	sort.Strings(pasted)
	table := agreementTable(b.Version, results) + "\nThe same requests pasted into why401 curl as each browser copies them (live probe):\n\n| flow | request | copied as | cause ranked first | want |\n|---|---|---|---|---|\n" + strings.Join(pasted, "\n") + "\n"
	t.Log("\n" + table)
	if *update {
		for _, r := range results {
			if err := os.WriteFile(filepath.Join("testdata", r.flow.Name+".har"), scrubPorts(r.har, ng.Port), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join("testdata", "agreement.md"), []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// flowServers starts the lab behind nginx for the browser flows and
// returns nginx and the start URL of each flow.
func flowServers(t *testing.T, browser string) (*servertest.Server, func(lab.BrowserFlow) string) {
	t.Helper()
	l := labtest.Start(t)
	_, labPort, _ := net.SplitHostPort(strings.TrimPrefix(l.URL(), "http://"))
	lp, _ := strconv.Atoi(labPort)
	dir := servertest.TempDir(t)
	servertest.Htpasswd(t, filepath.Join(dir, "htpasswd"), lab.User, lab.Password, "-B")
	ng := servertest.Nginx(t, fmt.Sprintf(nginxConf, lp), servertest.File("htpasswd", mustRead(t, filepath.Join(dir, "htpasswd"))), servertest.File("data.json", `{"ok":true}`+"\n"))
	base := "http://" + net.JoinHostPort(lab.BrowserAppHost, strconv.Itoa(ng.Port))
	t.Logf("%s; nginx on %s, lab on %s", browser, ng.URL(), l.URL())
	return ng, func(f lab.BrowserFlow) string {
		start := base + f.Start
		if f.Name == "cors-preflight" {
			start += "?api=" + "http://" + net.JoinHostPort(lab.BrowserAPIHost, strconv.Itoa(ng.Port)) + "/nginx/api/data"
		}
		return start
	}
}

// curlWant names, per flow, the recorded request to paste into why401
// curl (the first one whose method and path match) and the cause the
// probe must rank first for it.
var curlWant = map[string]struct {
	entry string // "METHOD path"
	cause string
}{
	"samesite-none":  {"POST /browser/cookie/none/login", "cookie.rejected"},
	"redirect-auth":  {"GET /browser/redirect/api", "redirect.auth-dropped"},
	"jwt-expired":    {"GET /browser/jwt/api", "token.expired"},
	"refresh-failed": {"GET /browser/refresh/api", "token.expired"},
	// The fetch itself never left Chromium (its preflight failed), so its
	// recorded headers lack Origin; the preflight is what to paste.
	"cors-preflight": {"OPTIONS /nginx/api/data", "cors.preflight-auth"},
}

// pasteRequest finds the recorded request "METHOD path" and returns it as
// the browser's Copy as cURL would see it: its URL, method, headers in
// order (without HTTP/2 pseudo-headers) and body.
func pasteRequest(t *testing.T, data []byte, which string) curlcmd.Request {
	t.Helper()
	var doc struct {
		Log struct {
			Entries []struct {
				ResourceType string `json:"_resourceType"`
				Request      struct {
					Method   string `json:"method"`
					URL      string `json:"url"`
					Headers  []struct{ Name, Value string }
					PostData *struct {
						Text string `json:"text"`
					} `json:"postData"`
				} `json:"request"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	method, path, _ := strings.Cut(which, " ")
	for _, e := range doc.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err != nil || e.Request.Method != method || u.Path != path || e.ResourceType == "preflight" && method != "OPTIONS" {
			continue
		}
		r := curlcmd.Request{URL: e.Request.URL, Method: e.Request.Method}
		for _, h := range e.Request.Headers {
			if !strings.HasPrefix(h.Name, ":") && !strings.EqualFold(h.Name, "Host") {
				r.Headers = append(r.Headers, [2]string{h.Name, h.Value})
			}
		}
		if e.Request.PostData != nil {
			r.Body = e.Request.PostData.Text
		}
		return r
	}
	t.Fatalf("no recorded request %s", which)
	return curlcmd.Request{}
}

// TestRecordedFixtures diagnoses the committed recordings (no browser).
func TestRecordedFixtures(t *testing.T) {
	for _, f := range lab.BrowserFlows() {
		t.Run(f.Name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", f.Name+".har"))
			if err != nil {
				t.Fatalf("fixture missing: %v (record with -update)", err)
			}
			top, summary := diagnose(t, f.Name, data)
			if top != f.Cause {
				t.Errorf("why401 har ranks %q first, want %q\n%s", top, f.Cause, summary)
			}
			for _, a := range agreements(t, f.Name, data) {
				if !a.agree {
					t.Errorf("cookie %s at #%d (%s): why401 says %q, Chromium said %q", a.cookie, a.entry, a.phase, a.ours, a.chromium)
				}
			}
		})
	}
}

// TestSanitizedFixtures strips the recordings as Chrome's default export
// does (no Cookie, Set-Cookie or Authorization) and checks that why401
// har says so and what it cannot conclude.
func TestSanitizedFixtures(t *testing.T) {
	for _, f := range lab.BrowserFlows() {
		data, err := os.ReadFile(filepath.Join("testdata", f.Name+".har"))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, e := range doc["log"].(map[string]any)["entries"].([]any) {
			for _, side := range []string{"request", "response"} {
				m := e.(map[string]any)[side].(map[string]any)
				kept := []any{}
				hs, _ := m["headers"].([]any)
				for _, h := range hs {
					switch strings.ToLower(h.(map[string]any)["name"].(string)) {
					case "cookie", "set-cookie", "authorization":
					default:
						kept = append(kept, h)
					}
				}
				m["headers"] = kept
			}
			delete(e.(map[string]any), "_why401_cookie_blocks")
		}
		stripped, _ := json.Marshal(doc)
		p := filepath.Join(t.TempDir(), f.Name+".har")
		if err := os.WriteFile(p, stripped, 0o600); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		root.MainIO([]string{"har", p, "--json"}, &cli.IOStreams{Out: &out, ErrOut: &bytes.Buffer{}})
		var r struct {
			Sanitized      bool     `json:"sanitized"`
			CannotConclude []string `json:"cannot_conclude"`
			HowToExport    string   `json:"how_to_export"`
		}
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if !r.Sanitized || len(r.CannotConclude) == 0 || r.HowToExport == "" {
			t.Errorf("%s: sanitized export not recognised: %s", f.Name, out.String())
		}
	}
}

// diagnose runs `why401 har --json` on data and returns the top cause
// and the output.
func diagnose(t *testing.T, name string, data []byte) (string, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name+".har")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := root.MainIO([]string{"har", p, "--json"}, &cli.IOStreams{Out: &out, ErrOut: &errb})
	if code != 0 && code != 1 {
		t.Fatalf("why401 har exited %d: %s", code, errb.String())
	}
	var r struct {
		Findings []struct {
			Cause string `json:"cause"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("why401 har --json: %v\n%s", err, out.String())
	}
	if len(r.Findings) == 0 {
		return "", out.String()
	}
	return r.Findings[0].Cause, out.String()
}

// agreement is one cookie verdict compared.
type agreement struct {
	entry    int
	phase    string // "store" or "send"
	cookie   string
	ours     string // "" stored/sent, else the reason
	chromium string
	agree    bool
}

// agreements compares, for every Set-Cookie and every stored cookie that
// could go with a request, why401's verdict with Chromium's recorded one.
func agreements(t *testing.T, name string, data []byte) []agreement {
	t.Helper()
	l, err := harfile.Decode(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s := l.Session(name)
	f := harflow.Replay(s)
	var out []agreement
	for i := range f.Steps {
		st := &f.Steps[i]
		blocks := map[string]string{}
		for _, b := range st.Entry.BrowserBlocks {
			blocks[b.Phase+"\x00"+b.Name] = strings.Join(b.Reasons, ",")
		}
		for _, sc := range st.Stored {
			if sc.Parsed == nil {
				continue
			}
			out = append(out, compare(st.Entry.Index+1, "store", sc.Parsed.Name, string(sc.Reason), blocks["store\x00"+sc.Parsed.Name]))
		}
		if st.Entry.ResourceType == "preflight" {
			continue
		}
		for _, v := range st.Sent {
			out = append(out, compare(st.Entry.Index+1, "send", v.Cookie.Name, "", blocks["send\x00"+v.Cookie.Name]))
		}
		for _, v := range st.NotSent {
			if v.Reason == cookie.Expired {
				continue // Chromium drops expired cookies from the store: it reports nothing
			}
			chromium := blocks["send\x00"+v.Cookie.Name]
			if chromium == "" && !st.Actual[v.Cookie.Name] {
				// Chromium lists only cookies of the request's own
				// registrable domain; one of another site it neither
				// sends nor mentions.
				chromium = unlisted
			}
			out = append(out, compare(st.Entry.Index+1, "send", v.Cookie.Name, string(v.Reason), chromium))
		}
	}
	return out
}

// unlisted is Chromium's verdict on a cookie it did not send and did not
// list (a cookie of another site).
const unlisted = "not sent (not listed: another site)"

// compare decides whether the verdicts agree. Chromium names a SameSite
// block "Schemeful…" when the scheme took part in the decision; the rule
// is the same, so the prefix is ignored. Chromium may list several
// reasons (e.g. also UserPreferences for its third-party cookie
// setting); agreeing on one of them is agreeing that the cookie stays
// home and why.
func compare(entry int, phase, name, ours, chromium string) agreement {
	a := agreement{entry: entry, phase: phase, cookie: name, ours: ours, chromium: chromium}
	norm := "," + strings.ReplaceAll(chromium, "Schemeful", "") + ","
	a.agree = ours == chromium || ours != "" && strings.Contains(norm, ","+ours+",") || ours != "" && chromium == unlisted
	return a
}

// agreementTable renders the comparison as Markdown.
func agreementTable(version string, rs []result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Cookie verdicts: why401's rules against %s\n\n", version)
	b.WriteString("Recorded by test/browser (go test ./test/browser -run TestChromiumFlows -update).\n")
	b.WriteString("A verdict is \"stored\"/\"sent\" or the reason (Chromium's DevTools names).\n\n")
	b.WriteString("| flow | entry | cookie | phase | why401 | Chromium | agree |\n|---|---|---|---|---|---|---|\n")
	total, ok := 0, 0
	for _, r := range rs {
		for _, a := range r.agree {
			total++
			mark := "no"
			if a.agree {
				ok++
				mark = "yes"
			}
			fmt.Fprintf(&b, "| %s | #%d | %s | %s | %s | %s | %s |\n", r.flow.Name, a.entry, a.cookie, a.phase, verdict(a.phase, a.ours), verdict(a.phase, a.chromium), mark)
		}
	}
	fmt.Fprintf(&b, "\n%d of %d verdicts agree.\n\n", ok, total)
	b.WriteString("Each flow runs in a fresh browser context, which Chromium treats like an incognito profile: it\n" +
		"blocks third-party cookies there by default, hence UserPreferences beside the SameSite reason.\n" +
		"why401's Chromium model keeps a normal profile's default (third-party cookies allowed);\n" +
		"cookie.Browser.BlockThirdParty models the blocking.\n\n")
	b.WriteString("| flow | start | cause ranked first | want |\n|---|---|---|---|\n")
	names := make([]string, 0, len(rs))
	byName := map[string]result{}
	for _, r := range rs {
		names = append(names, r.flow.Name)
		byName[r.flow.Name] = r
	}
	sort.Strings(names)
	for _, n := range names {
		r := byName[n]
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", n, r.flow.Start, orNone(r.top), orNone(r.flow.Cause))
	}
	return b.String()
}

func verdict(phase, reason string) string {
	if reason != "" {
		return reason
	}
	if phase == "store" {
		return "stored"
	}
	return "sent"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// scrubPorts replaces the test's random nginx port with a fixed one so
// fixtures are stable.
func scrubPorts(data []byte, port int) []byte {
	return bytes.ReplaceAll(data, []byte(":"+strconv.Itoa(port)), []byte(":8401"))
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
