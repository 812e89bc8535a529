// Package servebrowser_test drives `why401 serve` and the --html reports
// in a real headless Chromium: each form submitted against the lab, the
// keyboard-only path, a phone-sized viewport, printing, and no console
// error or Content-Security-Policy violation anywhere.
//
// Screenshots go to $WHY401_ARTIFACTS when it is set (CI uploads that
// directory), else to the test's temporary directory:
//
//	WHY401_ARTIFACTS=/tmp/shots go test ./test/servebrowser
package servebrowser_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/why401/why401/internal/browsertest"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/lab/labtest"
	"github.com/why401/why401/internal/serve"
	"github.com/why401/why401/internal/serve/servetest"
)

// The recorded Chromium flow whose HAR is dropped on the page.
const harFile = "../browser/testdata/jwt-expired.har"

// Phone viewport: an iPhone 12-14 in CSS pixels.
const phoneW, phoneH = 390, 844

// artifacts is where screenshots go.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("WHY401_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "servebrowser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startServe runs `why401 serve`'s handler on a loopback port.
func startServe(t *testing.T) string {
	t.Helper()
	_, base := servetest.Start(t, serve.Config{Version: "test"})
	return base
}

// inputs are the files the forms and the commands get.
type inputs struct {
	dir       string
	nginx     string // a configuration with a location that answers 401 without a challenge
	log       string // a brute-force run against wp-login.php
	checklist string // an endpoint of the lab that wants credentials
	curl      string // a pasted command without credentials
}

func writeInputs(t *testing.T, l *lab.Lab) inputs {
	t.Helper()
	dir := t.TempDir()
	in := inputs{dir: dir,
		nginx:     filepath.Join(dir, "nginx.conf"),
		log:       filepath.Join(dir, "access.log"),
		checklist: filepath.Join(dir, "site.yaml"),
		curl:      "curl '" + l.URL() + "/api/items' -H 'Accept: application/json'",
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(in.nginx, "events {}\nhttp {\n  server {\n    listen 127.0.0.1:8080;\n    location /admin/ { return 401; }\n  }\n}\n")
	var log strings.Builder
	for i := range 40 {
		fmt.Fprintf(&log, "203.0.113.7 - - [07/Dec/2026:10:00:%02d +0000] \"POST /wp-login.php HTTP/1.1\" 401 0 \"-\" \"curl/8\"\n", i)
	}
	write(in.log, log.String())
	write(in.checklist, "version: 1\nsite: "+l.URL()+"\nendpoints:\n  - name: items\n    request: /api/items\n    expect: [authenticated]\n")
	return in
}

// report is what the rendered report shows at its top.
type report struct {
	Command string   `json:"command"`
	Verdict string   `json:"verdict"`
	Badge   string   `json:"badge"`
	Cause   string   `json:"cause"`
	Title   string   `json:"title"`
	Fixes   []string `json:"fixes"`
	// Order of the report's first sections: the verdict header, then the
	// most likely cause.
	Order []string `json:"order"`
}

// readReport reads the first report in the page (scope: a CSS selector
// that contains it).
const readReport = `(function (scope) {
  var a = document.querySelector(scope + ' article.w4-report');
  if (!a) return null;
  var q = function (s) { var e = a.querySelector(s); return e ? e.textContent.trim() : ''; };
  var fixes = Array.prototype.map.call(a.querySelectorAll('section.top .fixes li'), function (li) {
    return li.firstChild ? li.firstChild.textContent.trim() : '';
  });
  var order = Array.prototype.map.call(a.children, function (c) { return c.tagName.toLowerCase() + (c.className ? '.' + c.className.split(' ')[0] : ''); }).slice(0, 2);
  return {command: a.dataset.command, verdict: a.dataset.verdict, badge: q('header.verdict .badge'),
    cause: q('section.top code.cause'), title: q('section.top .cause-title'), fixes: fixes, order: order};
})(%q)`

// readLogsReport reads the page of `why401 logs --html`, which has its
// own renderer (the timeline chart): the verdict in the heading, then
// the findings, each with its fix.
const readLogsReport = `(function () {
  var h = document.querySelector('main > h1'), f = document.querySelector('section.finding');
  if (!h || !f) return null;
  var fixes = [];
  Array.prototype.forEach.call(f.querySelectorAll('p'), function (p) {
    var b = p.querySelector('b');
    if (b && b.textContent === 'Fix:') fixes.push(p.textContent.slice(4).trim());
  });
  var v = document.getElementById('verdict');
  return {command: 'logs', verdict: v && /finding/.test(v.className) ? 'fail' : 'ok', badge: v ? v.textContent : '',
    cause: f.dataset.cause, title: '', fixes: fixes, order: null};
})()`

func read(t *testing.T, tab *browsertest.Tab, scope string) report {
	t.Helper()
	js := fmt.Sprintf(readReport, scope)
	if scope == "logs" {
		js = readLogsReport
	}
	raw, err := browsertest.Eval[json.RawMessage](tab, js)
	if err != nil {
		t.Fatalf("reading the report: %v", err)
	}
	var r report
	if err := json.Unmarshal(raw, &r); err != nil || r.Command == "" {
		t.Fatalf("no report in %s: %s", scope, raw)
	}
	return r
}

// checkReport checks the top of a report: the verdict, the cause ranked
// first with its catalog title, and a fix from the catalog's entry.
func checkReport(t *testing.T, r report, command, verdict, cause string) {
	t.Helper()
	if r.Command != command || r.Verdict != verdict || r.Badge == "" {
		t.Errorf("report %s, verdict %s (badge %q), want %s, %s", r.Command, r.Verdict, r.Badge, command, verdict)
	}
	if r.Cause != cause {
		t.Errorf("first cause shown: %q, want %q", r.Cause, cause)
		return
	}
	c, ok := catalog.Lookup(catalog.ID(cause))
	if !ok {
		t.Fatalf("%s is not in the catalog", cause)
	}
	if r.Title != c.Title && r.Title != "" {
		t.Errorf("first cause's title: %q, want the catalog's %q", r.Title, c.Title)
	}
	known := map[string]bool{}
	for _, fs := range c.Fixes {
		for _, f := range fs {
			known[strings.TrimSpace(f.Text)] = true
		}
	}
	if len(r.Fixes) == 0 {
		t.Errorf("no fix shown for %s", cause)
	} else if !known[r.Fixes[0]] {
		t.Errorf("first fix shown %q is not one of the catalog's fixes for %s", r.Fixes[0], cause)
	}
	if r.Order != nil && (len(r.Order) < 2 || r.Order[0] != "header.verdict" || r.Order[1] != "section.top") {
		t.Errorf("the report does not open with the verdict and the first cause: %v", r.Order)
	}
}

// fits checks that the page does not scroll sideways. In a phone's
// viewport innerWidth grows with content that overflows (the browser
// zooms out), so the width the page must fit is the device's.
func fits(t *testing.T, tab *browsertest.Tab, what string, width int) {
	t.Helper()
	type dims struct{ Scroll, Inner int }
	s, err := browsertest.Eval[string](tab, `JSON.stringify({Scroll: document.scrollingElement.scrollWidth, Inner: window.innerWidth})`)
	if err != nil {
		t.Fatal(err)
	}
	var d dims
	json.Unmarshal([]byte(s), &d)
	if width == 0 {
		width = d.Inner
	}
	if d.Inner == 0 || d.Scroll > width || d.Inner > width {
		// Name the widest elements, so the fix is obvious.
		wide, _ := browsertest.Eval[[]string](tab, fmt.Sprintf(`Array.prototype.filter.call(document.querySelectorAll('body *'), function (e) { var r = e.getBoundingClientRect(); if (r.right <= %d + 1) return false; for (var p = e.parentElement; p; p = p.parentElement) { if (/auto|scroll|hidden/.test(getComputedStyle(p).overflowX)) return false; } return true; }).concat(Array.prototype.filter.call(document.querySelectorAll('body *'), function (e) { return e.scrollWidth > e.clientWidth + 1 && !/auto|scroll|hidden/.test(getComputedStyle(e).overflowX); })).slice(0, 6).map(function (e) { return e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ': ' + e.textContent.slice(0, 40); })`, width))
		t.Errorf("%s: the page is %dpx wide (innerWidth %d) in a %dpx viewport, it scrolls sideways: %v", what, d.Scroll, d.Inner, width, wide)
	}
}

func noProblems(t *testing.T, tab *browsertest.Tab, what string) {
	t.Helper()
	for _, p := range tab.Problems() {
		t.Errorf("%s: %s", what, p)
	}
}

func shot(t *testing.T, tab *browsertest.Tab, dir, name string) {
	t.Helper()
	p := filepath.Join(dir, name+".png")
	if err := tab.Screenshot(p); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot %s", p)
}

// form is one form of the page, filled in and submitted the way a person
// would, and what its report must show first.
type form struct {
	kind    string
	fill    func(t *testing.T, tab *browsertest.Tab)
	command string
	verdict string
	cause   string
}

func typeInto(t *testing.T, tab *browsertest.Tab, sel, text string) {
	t.Helper()
	if err := tab.Click(sel); err != nil {
		t.Fatalf("clicking %s: %v", sel, err)
	}
	if err := tab.Key(text); err != nil {
		t.Fatalf("typing into %s: %v", sel, err)
	}
}

// dropFile drops a file on the form the way a file manager does: a drop
// event whose DataTransfer carries it.
const dropFile = `(function (kind, name, text) {
  var form = document.querySelector('form[data-kind="' + kind + '"]');
  var dt = new DataTransfer();
  dt.items.add(new File([text], name, {type: 'application/json'}));
  form.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
  var dropped = !form.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
  var input = form.querySelector('input[type=file]');
  return dropped && input.files.length === 1 && input.files[0].name === name;
})(%q, %q, %s)`

func TestServeForms(t *testing.T) {
	b := browsertest.Start(t)
	l := labtest.Start(t)
	base := startServe(t)
	in := writeInputs(t, l)
	shots := artifacts(t)
	har, err := os.ReadFile(harFile)
	if err != nil {
		t.Fatal(err)
	}
	forms := []form{
		{kind: "probe", command: "probe", verdict: "fail", cause: "credentials.rejected", fill: func(t *testing.T, tab *browsertest.Tab) {
			typeInto(t, tab, "#probe-url", l.URL()+"/basic/ok")
			typeInto(t, tab, "#probe-user", lab.User)
			typeInto(t, tab, "#probe-password", "wrong-"+lab.Password)
			if err := tab.Click("#probe details summary"); err != nil {
				t.Fatal(err)
			}
			if err := tab.Click(`#probe input[name=no_discovery]`); err != nil {
				t.Fatal(err)
			}
		}},
		{kind: "curl", command: "curl", verdict: "fail", cause: "credentials.missing", fill: func(t *testing.T, tab *browsertest.Tab) {
			// Pasted, as from the clipboard: one input event with the text.
			if err := tab.Click("#curl-text"); err != nil {
				t.Fatal(err)
			}
			if err := tab.InsertText(in.curl); err != nil {
				t.Fatal(err)
			}
		}},
		{kind: "har", command: "har", verdict: "fail", cause: "token.expired", fill: func(t *testing.T, tab *browsertest.Tab) {
			q, _ := json.Marshal(string(har))
			ok, err := browsertest.Eval[bool](tab, fmt.Sprintf(dropFile, "har", "jwt-expired.har", q))
			if err != nil || !ok {
				t.Fatalf("dropping the HAR on the form: %v (taken: %v)", err, ok)
			}
		}},
		{kind: "audit", command: "audit", verdict: "fail", cause: "challenge.missing", fill: func(t *testing.T, tab *browsertest.Tab) {
			if err := tab.Upload("#audit-file", in.nginx); err != nil {
				t.Fatal(err)
			}
		}},
		{kind: "logs", command: "logs", verdict: "fail", cause: "attack.brute-force", fill: func(t *testing.T, tab *browsertest.Tab) {
			if err := tab.Upload("#logs-file", in.log); err != nil {
				t.Fatal(err)
			}
		}},
		{kind: "check", command: "check", verdict: "fail", cause: "credentials.missing", fill: func(t *testing.T, tab *browsertest.Tab) {
			if err := tab.Upload("#check-file", in.checklist); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, f := range forms {
		t.Run(f.kind, func(t *testing.T) {
			tab := b.NewTab(t)
			if err := tab.Navigate(base + "/#" + f.kind); err != nil {
				t.Fatal(err)
			}
			f.fill(t, tab)
			if err := tab.Click(fmt.Sprintf(`form[data-kind=%q] button[type=submit]`, f.kind)); err != nil {
				t.Fatal(err)
			}
			waitReport(t, tab)
			checkReport(t, read(t, tab, "#result"), f.command, f.verdict, f.cause)
			fits(t, tab, "desktop", 0)
			shot(t, tab, shots, "serve-"+f.kind)
			if err := tab.ScreenshotOf("#result", filepath.Join(shots, "serve-"+f.kind+"-report.png")); err != nil {
				t.Errorf("screenshot of the report: %v", err)
			}
			noProblems(t, tab, f.kind)
		})
	}
}

// waitReport waits for the report (or an error) to appear in the page.
func waitReport(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	if err := tab.WaitFor(`document.querySelector('#result article.w4-report') || document.getElementById('error').textContent`, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if msg, _ := browsertest.Eval[string](tab, `document.getElementById('error').textContent`); msg != "" {
		t.Fatalf("the page shows an error: %s", msg)
	}
}

// TestKeyboardOnly goes through the probe form with the keyboard alone:
// Tab reaches each field in order with a visible focus ring, Enter on
// the button sends the form, and focus lands on the report's heading.
func TestKeyboardOnly(t *testing.T) {
	b := browsertest.Start(t)
	l := labtest.Start(t)
	base := startServe(t)
	tab := b.NewTab(t)
	if err := tab.Navigate(base + "/"); err != nil {
		t.Fatal(err)
	}
	type focused struct {
		ID, Tag, Name, Kind string
		Visible             bool
	}
	const active = `(function () {
  var e = document.activeElement, s = getComputedStyle(e);
  var ring = e.matches(':focus-visible') && (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 || s.boxShadow !== 'none');
  var f = e.closest('form');
  return JSON.stringify({ID: e.id, Tag: e.tagName.toLowerCase(), Name: e.name || '', Kind: f ? f.dataset.kind || '' : '', Visible: ring});
})()`
	tabTo := func(stop func(focused) bool) focused {
		t.Helper()
		for range 60 {
			if err := tab.Key(kb.Tab); err != nil {
				t.Fatal(err)
			}
			s, err := browsertest.Eval[string](tab, active)
			if err != nil {
				t.Fatal(err)
			}
			var f focused
			json.Unmarshal([]byte(s), &f)
			if !f.Visible {
				t.Errorf("focus on <%s id=%q name=%q> is not visible", f.Tag, f.ID, f.Name)
			}
			if stop(f) {
				return f
			}
		}
		t.Fatal("60 presses of Tab did not get there")
		return focused{}
	}
	// The first Tab reaches the skip link, which shows itself.
	if f := tabTo(func(focused) bool { return true }); f.Tag != "a" {
		t.Errorf("the first Tab focuses <%s id=%q>, want the skip link", f.Tag, f.ID)
	}
	tabTo(func(f focused) bool { return f.ID == "probe-url" })
	tab.Key(l.URL() + "/basic/ok")
	tabTo(func(f focused) bool { return f.ID == "probe-user" })
	tab.Key(lab.User)
	if f := tabTo(func(focused) bool { return true }); f.ID != "probe-password" {
		t.Errorf("Tab from the user goes to %q, want the password", f.ID)
	}
	tab.Key("wrong-" + lab.Password)
	f := tabTo(func(f focused) bool { return f.Tag == "button" })
	if f.Kind != "probe" {
		t.Fatalf("the first button reached is in form %q, want the probe form", f.Kind)
	}
	if err := tab.Key(kb.Enter); err != nil {
		t.Fatal(err)
	}
	waitReport(t, tab)
	r := read(t, tab, "#result")
	// Discovery is on in this path (the box was not ticked); the lab's
	// Basic route has no metadata, so the cause is the same.
	checkReport(t, r, "probe", "fail", "credentials.rejected")
	if got, _ := browsertest.Eval[string](tab, `document.activeElement.closest('#result') ? document.activeElement.tagName : document.activeElement.tagName + '#' + document.activeElement.id`); got != "H1" {
		t.Errorf("after the report arrives focus is on %s, want the report's heading", got)
	}
	noProblems(t, tab, "keyboard")
}

// TestPhone renders the page and a report in a phone's viewport: nothing
// scrolls sideways, the first cause is on the first screen of the report.
func TestPhone(t *testing.T) {
	b := browsertest.Start(t)
	l := labtest.Start(t)
	base := startServe(t)
	shots := artifacts(t)
	tab := b.NewTab(t)
	if err := tab.Viewport(phoneW, phoneH, true); err != nil {
		t.Fatal(err)
	}
	if err := tab.Navigate(base + "/"); err != nil {
		t.Fatal(err)
	}
	fits(t, tab, "the page", phoneW)
	shot(t, tab, shots, "serve-phone-page")
	// A probe with a long header, whose report has header tables and a
	// replay command.
	typeInto(t, tab, "#probe-url", l.URL()+"/api/items")
	typeInto(t, tab, "#probe-headers", "Authorization: Bearer "+l.Token(map[string]any{"exp": time.Now().Add(-2 * time.Hour).Unix()}))
	if err := tab.Click(`form[data-kind=probe] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	waitReport(t, tab)
	r := read(t, tab, "#result")
	checkReport(t, r, "probe", "fail", "token.expired")
	fits(t, tab, "the probe report", phoneW)
	shot(t, tab, shots, "serve-phone-probe")
	noProblems(t, tab, "phone")
}

// TestCollectorSeesViolations proves the checks above can fail: a CSP
// violation and a console error in the page are reported.
func TestCollectorSeesViolations(t *testing.T) {
	b := browsertest.Start(t)
	base := startServe(t)
	tab := b.NewTab(t)
	if err := tab.Navigate(base + "/"); err != nil {
		t.Fatal(err)
	}
	if _, err := browsertest.Eval[bool](tab, `(function () { var i = document.createElement('img'); i.src = 'http://images.example/x.png'; document.body.appendChild(i); console.error('deliberate'); return true; })()`); err != nil {
		t.Fatal(err)
	}
	var all string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if all = strings.Join(tab.Problems(), "\n"); strings.Contains(all, "Content-Security-Policy") && strings.Contains(all, "deliberate") {
			break
		}
	}
	if !strings.Contains(all, "Content-Security-Policy") || !strings.Contains(all, "deliberate") {
		t.Errorf("the collector missed a CSP violation or a console error; it saw:\n%s", all)
	}
}

// TestHTMLReports opens each command's --html report from a file: no
// request leaves the file, the verdict, first cause and fix open the
// page, it fits a phone, and printing shows everything that matters.
func TestHTMLReports(t *testing.T) {
	b := browsertest.Start(t)
	l := labtest.Start(t)
	in := writeInputs(t, l)
	shots := artifacts(t)
	har, _ := filepath.Abs(harFile)
	cases := []struct {
		name, verdict, cause string
		args                 []string
	}{
		{"probe", "fail", "token.expired", []string{"probe", l.URL() + "/api/items", "-H", "Authorization: Bearer " + l.Token(map[string]any{"exp": time.Now().Add(-2 * time.Hour).Unix()})}},
		{"curl", "fail", "credentials.missing", []string{"curl", in.curl}},
		{"har", "fail", "token.expired", []string{"har", har}},
		{"audit", "fail", "challenge.missing", []string{"audit", in.nginx}},
		{"check", "fail", "credentials.missing", []string{"check", in.checklist}},
		{"logs", "fail", "attack.brute-force", []string{"logs", "--no-progress", in.log}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := filepath.Join(in.dir, c.name+".html")
			var out, errb bytes.Buffer
			code := root.MainIO(append(c.args, "--html", page), &cli.IOStreams{Out: &out, ErrOut: &errb})
			if _, err := os.Stat(page); err != nil {
				t.Fatalf("why401 %s --html: exit %d, no page: %s", c.name, code, errb.String())
			}
			u := (&url.URL{Scheme: "file", Path: page}).String()
			tab := b.NewTab(t)
			if err := tab.Navigate(u); err != nil {
				t.Fatal(err)
			}
			scope, first := "body", "section.top .cause-title"
			if c.name == "logs" {
				scope, first = "logs", "section.finding"
			}
			checkReport(t, read(t, tab, scope), c.name, c.verdict, c.cause)
			fits(t, tab, "desktop", 0)
			shot(t, tab, shots, "report-"+c.name)
			// Phone: fits, and the first cause is on the first screen.
			if err := tab.Viewport(phoneW, phoneH, true); err != nil {
				t.Fatal(err)
			}
			fits(t, tab, "phone", phoneW)
			if top, err := browsertest.Eval[float64](tab, `document.querySelector('`+first+`').getBoundingClientRect().top`); err != nil || top > phoneH {
				t.Errorf("phone: the first cause starts %.0fpx down, below the first screen (%v)", top, err)
			}
			shot(t, tab, shots, "report-"+c.name+"-phone")
			if err := tab.ScreenshotViewport(filepath.Join(shots, "report-"+c.name+"-phone-first-screen.png")); err != nil {
				t.Errorf("screenshot: %v", err)
			}
			// Print: the verdict, the first cause and its fixes stay,
			// and the exchanges print open (paper has no disclosure
			// triangles); only the downloads go.
			if err := tab.Media("print"); err != nil {
				t.Fatal(err)
			}
			hidden, err := browsertest.Eval[[]string](tab, `Array.prototype.filter.call(document.querySelectorAll('article.w4-report > *, section.top .fixes li, header.verdict h1, main > *, section.finding, details.exchange > :not(summary)'), function (e) {
  return !e.matches('.downloads') && !e.checkVisibility();
}).map(function (e) { return e.tagName + '.' + e.className; })`)
			if err != nil {
				t.Fatal(err)
			}
			if len(hidden) > 0 {
				t.Errorf("print hides %v", hidden)
			}
			if err := tab.Media(""); err != nil {
				t.Fatal(err)
			}
			pdf, err := tab.PDF()
			if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
				t.Errorf("printing to PDF: %v", err)
			} else {
				os.WriteFile(filepath.Join(shots, "report-"+c.name+".pdf"), pdf, 0o644)
			}
			for _, r := range tab.Requests() {
				if !strings.HasPrefix(r, "file:") && !strings.HasPrefix(r, "data:") {
					t.Errorf("the report made a request: %s", r)
				}
			}
			noProblems(t, tab, c.name)
		})
	}
}
