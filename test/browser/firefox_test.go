package browser_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/browsertest"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cookie"
	harfile "github.com/why401/why401/internal/har"
	"github.com/why401/why401/internal/harflow"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/servertest"
)

// The Firefox half of test/browser: real headless Firefox (Debian's
// firefox-esr) walks the same lab flows behind the same nginx; the HAR is
// built from its WebDriver BiDi network events and `why401 har` must rank
// the flow's cause first, as for Chromium. why401's Firefox cookie
// profile (cookie.Firefox) is held to the running browser twice: to its
// preferences, read from about:config, and to what it did with every
// cookie of the recordings (stored or not, sent or not). Rewrite the
// fixtures in testdata/firefox/ and testdata/agreement-firefox.md with
//
//	go test ./test/browser -run TestFirefoxFlows -update

// firefoxDiffers names the flows whose cause differs from Chromium's
// because the browsers differ, and why; none do today.
var firefoxDiffers = map[string]struct{ cause, why string }{}

// cookiePrefs are the preferences behind cookie.Firefox.
var cookiePrefs = []string{
	"network.cookie.sameSite.laxByDefault",
	"network.cookie.sameSite.noneRequiresSecure",
	"network.cookie.sameSite.schemeful",
	"network.cookie.cookieBehavior",
	"privacy.restrict3rdpartystorage.heuristic.navigation",
	"privacy.restrict3rdpartystorage.heuristic.redirect",
	"privacy.restrict3rdpartystorage.heuristic.opened_window_after_interaction",
	"privacy.restrict3rdpartystorage.heuristic.recently_visited",
}

// prefRow is one preference compared with why401's Firefox profile.
type prefRow struct {
	pref, firefox, model, note string
	agree                      bool
}

// prefRows compares the prefs with cookie.Firefox. Firefox's
// cookieBehavior: 0 accept all, 1 block third-party, 4 block trackers, 5
// partition third-party cookies (Total Cookie Protection).
func prefRows(prefs map[string]browsertest.Pref) []prefRow {
	b := cookie.Firefox
	val := func(n string) string {
		p, ok := prefs[n]
		if !ok || p.Value == nil {
			return "(absent)"
		}
		s := fmt.Sprint(p.Value)
		if p.User {
			s += " (set by the profile)"
		}
		return s
	}
	boolRow := func(n string, model bool, field string) prefRow {
		v := val(n)
		return prefRow{pref: n, firefox: v, model: fmt.Sprintf("%s %v", field, model), agree: v == strconv.FormatBool(model)}
	}
	behavior := val("network.cookie.cookieBehavior")
	rows := []prefRow{
		boolRow("network.cookie.sameSite.laxByDefault", b.LaxByDefault, "LaxByDefault"),
		boolRow("network.cookie.sameSite.noneRequiresSecure", b.NoneRequiresSecure, "NoneRequiresSecure"),
		boolRow("network.cookie.sameSite.schemeful", b.Schemeful(), "Schemeful()"),
		{pref: "network.cookie.cookieBehavior", firefox: behavior,
			model: fmt.Sprintf("PartitionThirdParty %v, BlockThirdParty %v", b.PartitionThirdParty, b.BlockThirdParty),
			agree: b.PartitionThirdParty == (behavior == "5") && b.BlockThirdParty == (behavior == "1" || behavior == "4")},
	}
	for _, n := range cookiePrefs[4:] {
		rows = append(rows, prefRow{pref: n, firefox: val(n), model: "not modelled", agree: true,
			note: "a storage-access heuristic; in the signin-auto and signin-click flows (below) it granted nothing"})
	}
	return rows
}

// ffAgreement is one cookie verdict compared with Firefox's.
type ffAgreement struct {
	entry          int
	phase, cookie  string
	ours           string // "" stored/sent, else the reason
	firefoxOK      bool
	agree          bool
	firefoxVerdict string
}

// ffJar is the HAR extension the recording adds: Firefox's cookie jar at
// the end of the flow.
const ffJar = "_why401_firefox_jar"

// ffAgreements compares why401's verdicts on the recording with what
// Firefox did: a Set-Cookie was stored when Firefox's jar holds the
// cookie at the end (no flow deletes one), a cookie was sent when the
// request carried it.
func ffAgreements(t *testing.T, name string, data []byte) []ffAgreement {
	t.Helper()
	var doc struct {
		Log struct {
			Jar []browsertest.FirefoxCookie `json:"_why401_firefox_jar"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	inJar := func(n, host string) bool {
		for _, c := range doc.Log.Jar {
			d := strings.TrimPrefix(c.Domain, ".")
			if c.Name == n && (host == d || strings.HasSuffix(host, "."+d)) {
				return true
			}
		}
		return false
	}
	l, err := harfile.Decode(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s := l.Session(name)
	if s.Browser != "firefox" {
		t.Fatalf("%s: the recording reads as %q, not firefox", name, s.Browser)
	}
	f := harflow.Replay(s)
	var out []ffAgreement
	add := func(a ffAgreement) {
		a.agree = (a.ours == "") == a.firefoxOK
		switch {
		case a.phase == "store" && a.firefoxOK:
			a.firefoxVerdict = "stored"
		case a.phase == "store":
			a.firefoxVerdict = "not stored"
		case a.firefoxOK:
			a.firefoxVerdict = "sent"
		default:
			a.firefoxVerdict = "not sent"
		}
		out = append(out, a)
	}
	for i := range f.Steps {
		st := &f.Steps[i]
		host := ""
		if st.URL != nil {
			host = st.URL.Hostname()
		}
		for _, sc := range st.Stored {
			if sc.Parsed == nil {
				continue
			}
			add(ffAgreement{entry: st.Entry.Index + 1, phase: "store", cookie: sc.Parsed.Name, ours: string(sc.Reason), firefoxOK: inJar(sc.Parsed.Name, host)})
		}
		if st.Entry.ResourceType == "preflight" || st.Entry.Exchange.Response == nil {
			// A preflight carries no cookies; a request Firefox aborted
			// (a favicon cut short by the next navigation) is reported
			// with the headers of before its cookies were added.
			continue
		}
		for _, v := range st.Sent {
			add(ffAgreement{entry: st.Entry.Index + 1, phase: "send", cookie: v.Cookie.Name, firefoxOK: st.Actual[v.Cookie.Name]})
		}
		for _, v := range st.NotSent {
			if v.Reason == cookie.Expired {
				continue
			}
			add(ffAgreement{entry: st.Entry.Index + 1, phase: "send", cookie: v.Cookie.Name, ours: string(v.Reason), firefoxOK: st.Actual[v.Cookie.Name]})
		}
	}
	return out
}

type ffResult struct {
	flow  lab.BrowserFlow
	own   bool // a flow of this test's own server, not recorded in Chromium
	want  string
	top   string
	agree []ffAgreement
}

func TestFirefoxFlows(t *testing.T) {
	servertest.Require(t, "nginx")
	ff := browsertest.StartFirefox(t)
	prefs, err := ff.Prefs(cookiePrefs...)
	if err != nil {
		t.Fatalf("reading Firefox's preferences: %v", err)
	}
	rows := prefRows(prefs)
	for _, r := range rows {
		if !r.agree {
			t.Errorf("Firefox's %s is %s; why401's Firefox profile has %s", r.pref, r.firefox, r.model)
		}
	}
	ng, starts := flowServers(t, ff.Version)

	var results []ffResult
	for _, f := range lab.BrowserFlows() {
		start := starts(f)
		began := time.Now()
		data, title, jar, err := ff.Record(start, 20*time.Second)
		t.Logf("%s: recorded in %v, title %q", f.Name, time.Since(began).Round(time.Millisecond), title)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		data = withJar(t, data, jar)
		res := ffResult{flow: f, want: f.Cause}
		if d, ok := firefoxDiffers[f.Name]; ok {
			res.want = d.cause
		}
		var summary string
		res.top, summary = diagnose(t, f.Name, data)
		res.agree = ffAgreements(t, f.Name, data)
		results = append(results, res)
		t.Run(f.Name, func(t *testing.T) {
			if res.top != res.want {
				t.Errorf("why401 har ranks %q first on Firefox's recording, want %q (page title %q)\n%s", res.top, res.want, title, summary)
			}
			for _, a := range res.agree {
				if !a.agree {
					t.Errorf("cookie %s at #%d (%s): why401 says %q, Firefox %s", a.cookie, a.entry, a.phase, verdict(a.phase, a.ours), a.firefoxVerdict)
				}
			}
		})
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", "firefox", f.Name+".har"), scrubPorts(data, ng.Port), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Firefox's storage-access heuristics, tried for real: a cross-site
	// sign-in, submitted by the page itself and by a real click on
	// api.test, then a credentialed fetch from app.test. Firefox 153 keeps
	// the cookie out both times, as why401's profile says
	// (ThirdPartyPhaseout: partitioned), so no grant is modelled.
	for _, interactive := range []bool{false, true} {
		srv := signInServer(interactive)
		t.Cleanup(srv.Close)
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
		f := lab.BrowserFlow{Name: "signin-auto", Start: "/sso/ (test server, form submits itself)", Cause: string(catalog.CookieSameSite)}
		if interactive {
			f.Name, f.Start = "signin-click", "/sso/ (test server, a real click submits)"
		}
		data, title, jar, err := ff.Record("http://"+net.JoinHostPort(lab.BrowserAppHost, port)+"/sso/", 20*time.Second)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		if title != "end:401" {
			t.Errorf("%s: the API answered %q: Firefox sent the cookie (a storage-access grant why401 does not model)", f.Name, title)
		}
		data = withJar(t, data, jar)
		res := ffResult{flow: f, want: f.Cause, own: true}
		var summary string
		res.top, summary = diagnose(t, f.Name, data)
		res.agree = ffAgreements(t, f.Name, data)
		results = append(results, res)
		if res.top != res.want {
			t.Errorf("%s: why401 har ranks %q first, want %q\n%s", f.Name, res.top, res.want, summary)
		}
		for _, a := range res.agree {
			if !a.agree {
				t.Errorf("%s: cookie %s at #%d (%s): why401 says %q, Firefox %s", f.Name, a.cookie, a.entry, a.phase, verdict(a.phase, a.ours), a.firefoxVerdict)
			}
		}
	}
	table := ffAgreementTable(ff.Version, rows, results)
	t.Log("\n" + table)
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", "agreement-firefox.md"), []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// signInServer is a cross-site sign-in as identity providers run it:
// app.test sends the user to api.test's login page; the login sets a
// session cookie without SameSite and redirects back to app.test, whose
// page then calls api.test with credentials. With interactive, the
// login form waits for a real click (the user's interaction with
// api.test, which Firefox's storage-access heuristics look for);
// otherwise it submits itself.
func signInServer(interactive bool) *httptest.Server {
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>%s</title></head><body>%s</body></html>", title, body)
	}
	mux.HandleFunc("GET /sso/{$}", func(w http.ResponseWriter, r *http.Request) {
		page(w, "redirecting", `<script>location.href = "http://`+strings.Replace(r.Host, "app.test", "api.test", 1)+`/sso/login";</script>`)
	})
	mux.HandleFunc("GET /sso/login", func(w http.ResponseWriter, r *http.Request) {
		title, auto := "click:login", ""
		if !interactive {
			title, auto = "log in", `<script>document.getElementById("f").submit();</script>`
		}
		page(w, title, `<form id="f" method="post" action="/sso/login"><button id="go" style="width:200px;height:50px">Log in</button></form>`+auto)
	})
	mux.HandleFunc("POST /sso/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "asid=1; Path=/; HttpOnly")
		http.Redirect(w, r, "http://"+strings.Replace(r.Host, "api.test", "app.test", 1)+"/sso/app", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /sso/app", func(w http.ResponseWriter, r *http.Request) {
		page(w, "app", `<script>fetch("http://`+strings.Replace(r.Host, "app.test", "api.test", 1)+`/sso/me", {credentials: "include"}).then(r => document.title = "end:" + r.status, e => document.title = "end:error");</script>`)
	})
	mux.HandleFunc("/sso/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		if _, err := r.Cookie("asid"); err == nil {
			w.Write([]byte("ok"))
			return
		}
		w.WriteHeader(401)
	})
	return httptest.NewServer(mux)
}

// withJar adds Firefox's cookie jar to the HAR's log as an extension
// field, so the committed fixtures keep what the browser stored.
func withJar(t *testing.T, data []byte, jar []browsertest.FirefoxCookie) []byte {
	t.Helper()
	var doc map[string]map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if jar == nil {
		jar = []browsertest.FirefoxCookie{}
	}
	doc["log"][ffJar] = jar
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFirefoxRecordedFixtures diagnoses the committed Firefox recordings
// (no browser) and holds the cookie verdicts to what Firefox did.
func TestFirefoxRecordedFixtures(t *testing.T) {
	for _, f := range lab.BrowserFlows() {
		t.Run(f.Name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "firefox", f.Name+".har"))
			if err != nil {
				t.Fatalf("fixture missing: %v (record with -update)", err)
			}
			want := f.Cause
			if d, ok := firefoxDiffers[f.Name]; ok {
				want = d.cause
			}
			if top, summary := diagnose(t, f.Name, data); top != want {
				t.Errorf("why401 har ranks %q first, want %q\n%s", top, want, summary)
			}
			for _, a := range ffAgreements(t, f.Name, data) {
				if !a.agree {
					t.Errorf("cookie %s at #%d (%s): why401 says %q, Firefox %s", a.cookie, a.entry, a.phase, verdict(a.phase, a.ours), a.firefoxVerdict)
				}
			}
		})
	}
}

// ffAgreementTable renders the comparison as Markdown.
func ffAgreementTable(version string, rows []prefRow, rs []ffResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Cookie verdicts: why401's Firefox profile against %s\n\n", version)
	b.WriteString("Recorded by test/browser (go test ./test/browser -run TestFirefoxFlows -update): Debian's\n" +
		"firefox-esr, headless, driven over WebDriver BiDi; the HAR is built from its network events.\n\n")
	b.WriteString("## Preferences, read from the running browser\n\n| pref | Firefox | why401 (cookie.Firefox) | agree | note |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.pref, r.firefox, r.model, yesNo(r.agree), r.note)
	}
	b.WriteString("\n## What Firefox did with each cookie\n\n")
	b.WriteString("Firefox reports no reasons: \"stored\" means its jar held the cookie at the end of the flow,\n" +
		"\"sent\" that the request carried it. why401's column gives its reason (DevTools' names) when it\n" +
		"says the cookie was not stored or not sent.\n\n")
	b.WriteString("| flow | entry | cookie | phase | why401 | Firefox | agree |\n|---|---|---|---|---|---|---|\n")
	total, ok := 0, 0
	for _, r := range rs {
		for _, a := range r.agree {
			total++
			if a.agree {
				ok++
			}
			fmt.Fprintf(&b, "| %s | #%d | %s | %s | %s | %s | %s |\n", r.flow.Name, a.entry, a.cookie, a.phase, verdict(a.phase, a.ours), a.firefoxVerdict, yesNo(a.agree))
		}
	}
	fmt.Fprintf(&b, "\n%d of %d verdicts agree.\n\n", ok, total)
	b.WriteString("## Cause ranked first on the Firefox recording\n\n| flow | start | cause ranked first | want | Chromium's |\n|---|---|---|---|---|\n")
	sort.Slice(rs, func(i, j int) bool { return rs[i].flow.Name < rs[j].flow.Name })
	for _, r := range rs {
		chromium := orNone(r.flow.Cause)
		if r.own {
			chromium = "(not recorded)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.flow.Name, r.flow.Start, orNone(r.top), orNone(r.want), chromium)
	}
	if len(firefoxDiffers) > 0 {
		b.WriteString("\nWhere the browsers differ:\n\n")
		for n, d := range firefoxDiffers {
			fmt.Fprintf(&b, "- %s: %s\n", n, d.why)
		}
	}
	return b.String()
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}
