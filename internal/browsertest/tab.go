package browsertest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Tab is a page in its own browser context (its own cookie jar) that
// records what a test must not see: console errors, uncaught
// exceptions, failed loads, Content-Security-Policy violations, and the
// URL of every request it made.
type Tab struct {
	ctx context.Context
	t   testing.TB

	mu       sync.Mutex
	problems []string
	requests []string
}

// NewTab opens a tab; it is closed when the test ends.
func (b *Browser) NewTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tab := &Tab{ctx: ctx, t: t}
	if err := chromedp.Listen(ctx, tab.on); err != nil {
		t.Fatalf("browsertest: listening to the tab: %v", err)
	}
	enable := []struct {
		what string
		run  func() error
	}{
		{"runtime", func() error { _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); return err }},
		{"log", func() error { _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); return err }},
		{"audits", func() error { _, err := chromedp.Call(ctx, audits.Enable, cdp.Empty{}); return err }},
		{"page", func() error { _, err := chromedp.Call(ctx, page.Enable, page.EnableParams{}); return err }},
		{"network", func() error { _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); return err }},
	}
	for _, e := range enable {
		if err := e.run(); err != nil {
			t.Fatalf("browsertest: enabling the %s domain: %v", e.what, err)
		}
	}
	return tab
}

func (tab *Tab) on(ev any) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, strings.Trim(string(a.Value), `"`))
				}
			}
			tab.problems = append(tab.problems, "console."+string(e.Type)+": "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		tab.problems = append(tab.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *log.EventEntryAdded:
		if en := e.Entry; en.Level == log.EntryLevelError || en.Level == log.EntryLevelWarning && en.Source == log.EntrySourceSecurity {
			tab.problems = append(tab.problems, fmt.Sprintf("%s %s: %s %s", en.Source, en.Level, en.Text, en.URL))
		}
	case *audits.EventIssueAdded:
		if is := e.Issue; is != nil && is.Code == audits.InspectorIssueCodeContentSecurityPolicyIssue {
			what := "a Content-Security-Policy violation"
			if d := is.Details.ContentSecurityPolicyIssueDetails; d != nil {
				what = fmt.Sprintf("Content-Security-Policy violation of %s (%s) %s", d.ViolatedDirective, d.ContentSecurityPolicyViolationType, d.BlockedURL)
			}
			tab.problems = append(tab.problems, what)
		}
	case *network.EventRequestWillBeSent:
		tab.requests = append(tab.requests, e.Request.URL)
	case *network.EventLoadingFailed:
		if e.BlockedReason != "" {
			tab.problems = append(tab.problems, fmt.Sprintf("load blocked (%s)", e.BlockedReason))
		}
	}
}

// Problems returns the console errors, exceptions and policy violations
// seen so far.
func (tab *Tab) Problems() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.problems...)
}

// Requests returns the URLs of every request the tab made, in order.
func (tab *Tab) Requests() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.requests...)
}

// Do runs actions in the tab, within timeout.
func (tab *Tab) Do(timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(tab.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Navigate loads u and waits for its load event.
func (tab *Tab) Navigate(u string) error {
	return tab.Do(20*time.Second, chromedp.Navigate(u))
}

// Eval evaluates a JavaScript expression in the tab (promises awaited)
// and decodes its value into T.
func Eval[T any](tab *Tab, js string) (T, error) {
	ctx, cancel := context.WithTimeout(tab.ctx, 20*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// WaitFor evaluates a boolean JavaScript expression every 50 ms until it
// is true, or fails after timeout with what last. (chromedp's Poll
// compiles its predicate with new Function, which a page's CSP refuses.)
func (tab *Tab) WaitFor(js string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ok, err := Eval[bool](tab, "!!("+js+")")
		if err == nil && ok {
			return nil
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	if last != nil {
		return fmt.Errorf("waiting for %s: %v", js, last)
	}
	return fmt.Errorf("waiting for %s: still false after %v", js, timeout)
}

// Viewport sets the window's size in CSS pixels; mobile emulates a
// phone (device scale 3, touch, mobile layout).
func (tab *Tab) Viewport(width, height int64, mobile bool) error {
	opts := []chromedp.EmulateViewportOption{}
	if mobile {
		opts = append(opts, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return tab.Do(10*time.Second, chromedp.EmulateViewport(width, height, opts...))
}

// Media emulates a CSS media type ("print", "screen"; "" resets).
func (tab *Tab) Media(media string) error {
	_, err := chromedp.Call(tab.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
	return err
}

// Screenshot writes a PNG of the whole page to path.
func (tab *Tab) Screenshot(path string) error {
	ctx, cancel := context.WithTimeout(tab.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// Key presses one key (chromedp/kb names such as kb.Tab, kb.Enter) or
// types text.
func (tab *Tab) Key(keys string) error {
	return tab.Do(10*time.Second, chromedp.KeyEvent(keys))
}

// Upload sets the files of the file input sel (a CSS selector).
func (tab *Tab) Upload(sel string, files ...string) error {
	return tab.Do(10*time.Second, chromedp.SetUploadFiles(chromedp.CSS(sel), files))
}

// PDF prints the page as Chromium's print dialog would, to A4 paper.
func (tab *Tab) PDF() ([]byte, error) {
	ctx, cancel := context.WithTimeout(tab.ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{})
	if err != nil {
		return nil, err
	}
	return res.Data, nil
}

// Click clicks the first element matching the CSS selector sel with the
// mouse, scrolling it into view first.
func (tab *Tab) Click(sel string) error {
	return tab.Do(10*time.Second, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// InsertText inserts text at the caret as one input event, the way a
// paste from the clipboard arrives.
func (tab *Tab) InsertText(text string) error {
	_, err := chromedp.Call(tab.ctx, input.InsertText, input.InsertTextParams{Text: text})
	return err
}

// ScreenshotOf writes a PNG of the first element matching the CSS
// selector sel to path.
func (tab *Tab) ScreenshotOf(sel, path string) error {
	ctx, cancel := context.WithTimeout(tab.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// ScreenshotViewport writes a PNG of what the viewport shows (the first
// screen, on a phone) to path.
func (tab *Tab) ScreenshotViewport(path string) error {
	ctx, cancel := context.WithTimeout(tab.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}
