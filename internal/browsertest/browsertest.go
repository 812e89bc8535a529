// Package browsertest drives real headless browsers from tests and
// records what they did as HAR files: Firefox (Debian's firefox-esr) over
// WebDriver BiDi and Marionette, see StartFirefox and firefox.go, and
// Chromium (the Debian package chromium) through the DevTools protocol
// (github.com/chromedp/chromedp) and records what it did as a HAR 1.2
// file, the way DevTools' own export builds one from the same Network
// events, plus Chromium's own verdict on every cookie it refused to store
// or send (field _why401_cookie_blocks).
//
// Chromium is started headless with a fresh profile and the switches
// that keep it from phoning home (no first run, no background
// networking, no component updates, no sync, no QUIC), and with every
// host name mapped to 127.0.0.1, so pages can use real-looking names
// (app.test, api.test) while no packet leaves the machine.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Browser is a running Chromium; it is closed when the test ends.
type Browser struct {
	ctx     context.Context
	Version string
}

// Binaries searched for, in order.
var binaries = []string{"chromium", "chromium-browser", "google-chrome"}

// Start starts Chromium. It skips the test in -short mode and when no
// Chromium is installed, unless CI is "true", where a missing binary
// fails the test (install it with scripts/install-deps.sh).
func Start(t testing.TB) *Browser {
	t.Helper()
	bin := lookBrowser(t, "chromium", binaries)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("host-resolver-rules", "MAP * 127.0.0.1"),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	b := &Browser{ctx: ctx}
	v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("browsertest: starting %s: %v", bin, err)
	}
	b.Version = v.Product
	return b
}

// lookBrowser returns the first of bins on PATH. It skips the test in
// -short mode and when none is installed, unless CI is "true", where a
// missing browser fails the test.
func lookBrowser(t testing.TB, pkg string, bins []string) string {
	t.Helper()
	if testing.Short() {
		t.Skip(pkg + ": real browsers are skipped in -short mode")
	}
	for _, b := range bins {
		if p, err := exec.LookPath(b); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(pkg + " not installed: run scripts/install-deps.sh")
	}
	t.Skip(pkg + " not installed: run scripts/install-deps.sh to run this test")
	return ""
}

// hop is one request of a redirect chain as the Network events told it.
type hop struct {
	sent      *network.EventRequestWillBeSent
	resp      *network.Response
	reqExtra  *network.EventRequestWillBeSentExtraInfo
	respExtra *network.EventResponseReceivedExtraInfo
	failed    string
	finished  bool
	body      string
}

type recorder struct {
	mu        sync.Mutex
	order     []network.RequestID
	hops      map[network.RequestID][]*hop
	reqExtra  map[network.RequestID][]*network.EventRequestWillBeSentExtraInfo
	respExtra map[network.RequestID][]*network.EventResponseReceivedExtraInfo
}

func (r *recorder) on(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		hs := r.hops[e.RequestID]
		if len(hs) == 0 {
			r.order = append(r.order, e.RequestID)
		}
		if e.RedirectResponse != nil && len(hs) > 0 {
			hs[len(hs)-1].resp = e.RedirectResponse
		}
		r.hops[e.RequestID] = append(hs, &hop{sent: e})
	case *network.EventRequestWillBeSentExtraInfo:
		r.reqExtra[e.RequestID] = append(r.reqExtra[e.RequestID], e)
	case *network.EventResponseReceivedExtraInfo:
		r.respExtra[e.RequestID] = append(r.respExtra[e.RequestID], e)
	case *network.EventResponseReceived:
		if hs := r.hops[e.RequestID]; len(hs) > 0 {
			hs[len(hs)-1].resp = e.Response
		}
	case *network.EventLoadingFinished:
		if hs := r.hops[e.RequestID]; len(hs) > 0 {
			hs[len(hs)-1].finished = true
		}
	case *network.EventLoadingFailed:
		if hs := r.hops[e.RequestID]; len(hs) > 0 {
			msg := e.ErrorText
			if e.CorsErrorStatus != nil {
				msg += " (CORS: " + string(e.CorsErrorStatus.CorsError) + ")"
			}
			if e.BlockedReason != "" {
				msg += " (blocked: " + string(e.BlockedReason) + ")"
			}
			hs[len(hs)-1].failed = msg
		}
	}
}

// Record opens a new tab in a fresh browser context (its own cookie
// jar), navigates to start, and waits until the page's
// title begins with "end:" (or timeout). It returns the HAR of every
// request the tab made and the final title.
func (b *Browser) Record(start string, timeout time.Duration) ([]byte, string, error) {
	// A fresh browser context per recording: no cookies from earlier flows.
	tctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	rec := &recorder{
		hops:      map[network.RequestID][]*hop{},
		reqExtra:  map[network.RequestID][]*network.EventRequestWillBeSentExtraInfo{},
		respExtra: map[network.RequestID][]*network.EventResponseReceivedExtraInfo{},
	}
	if err := chromedp.Listen(tctx, rec.on); err != nil {
		return nil, "", fmt.Errorf("listening to the tab: %w", err)
	}
	if _, err := chromedp.Call(tctx, network.Enable, network.EnableParams{}); err != nil {
		return nil, "", fmt.Errorf("enabling the network domain: %w", err)
	}
	if _, err := chromedp.Call(tctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		return nil, "", fmt.Errorf("disabling the cache: %w", err)
	}
	nav, err := chromedp.Call(tctx, page.Navigate, page.NavigateParams{URL: start})
	if err == nil && nav.ErrorText != "" {
		err = errors.New(nav.ErrorText)
	}
	if err != nil {
		return nil, "", fmt.Errorf("navigating to %s: %w", start, err)
	}
	deadline := time.Now().Add(timeout)
	var title string
	for time.Now().Before(deadline) {
		if t, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.title`)); err == nil {
			title = t
			if strings.HasPrefix(t, "end:") {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Let trailing events (ExtraInfo, loadingFinished) arrive.
	time.Sleep(300 * time.Millisecond)
	// Bodies of finished text responses (tokens, error documents).
	rec.mu.Lock()
	var want []*hop
	var ids []network.RequestID
	for _, id := range rec.order {
		hs := rec.hops[id]
		last := hs[len(hs)-1]
		if last.finished && last.resp != nil && textual(last.resp.MimeType) {
			want = append(want, last)
			ids = append(ids, id)
		}
	}
	rec.mu.Unlock()
	for i, h := range want {
		res, err := chromedp.Call(tctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: ids[i]})
		if err == nil {
			rec.mu.Lock()
			h.body = string(res.Body)
			rec.mu.Unlock()
		}
	}
	if !strings.HasPrefix(title, "end:") {
		return rec.har(b.Version), title, fmt.Errorf("%s: the flow did not end within %v (title %q)", start, timeout, title)
	}
	return rec.har(b.Version), title, nil
}

func textual(mime string) bool {
	return strings.HasPrefix(mime, "text/") || strings.Contains(mime, "json") || strings.Contains(mime, "javascript")
}

// HAR shapes, as DevTools writes them.
type (
	harNV struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	harBlock struct {
		Phase   string   `json:"phase"`
		Name    string   `json:"name"`
		Line    string   `json:"line,omitempty"`
		Reasons []string `json:"reasons"`
	}
	harEntry struct {
		Started      string         `json:"startedDateTime"`
		Time         float64        `json:"time"`
		Request      map[string]any `json:"request"`
		Response     map[string]any `json:"response"`
		Cache        struct{}       `json:"cache"`
		Timings      map[string]int `json:"timings"`
		ServerIP     string         `json:"serverIPAddress,omitempty"`
		ResourceType string         `json:"_resourceType"`
		Initiator    map[string]any `json:"_initiator"`
		Error        string         `json:"_error,omitempty"`
		Blocks       []harBlock     `json:"_why401_cookie_blocks,omitempty"`
	}
)

// har assembles the recorded hops as a HAR document, entries in the
// order their requests were sent.
func (r *recorder) har(version string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	type item struct {
		h *hop
		t time.Time
	}
	var items []item
	for _, id := range r.order {
		hs := r.hops[id]
		rx, sx := r.reqExtra[id], r.respExtra[id]
		for i, h := range hs {
			if i < len(rx) {
				h.reqExtra = rx[i]
			}
			if i < len(sx) {
				h.respExtra = sx[i]
			}
			items = append(items, item{h, wall(h.sent.WallTime)})
		}
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].t.Before(items[b].t) })
	entries := make([]harEntry, 0, len(items))
	for _, it := range items {
		entries = append(entries, entryOf(it.h))
	}
	doc := map[string]any{"log": map[string]any{
		"version": "1.2",
		"creator": map[string]string{"name": "why401 browsertest (DevTools protocol)", "version": "1"},
		"browser": map[string]string{"name": "Chromium", "version": strings.TrimPrefix(version, "Chrome/")},
		"pages":   []any{},
		"entries": entries,
	}}
	out, _ := json.MarshalIndent(doc, "", "  ")
	return out
}

func entryOf(h *hop) harEntry {
	req := h.sent.Request
	e := harEntry{
		Started:      wall(h.sent.WallTime).UTC().Format("2006-01-02T15:04:05.000Z"),
		Timings:      map[string]int{"send": 0, "wait": 0, "receive": 0},
		ResourceType: strings.ToLower(string(h.sent.Type)),
		Initiator:    map[string]any{"type": "other"},
	}
	if in := h.sent.Initiator; in != nil {
		e.Initiator = map[string]any{"type": string(in.Type)}
		if in.Type == "preflight" {
			e.ResourceType = "preflight" // as DevTools lists it
		}
		u := in.URL
		if u == "" && in.Stack != nil && len(in.Stack.CallFrames) > 0 {
			u = in.Stack.CallFrames[0].URL
		}
		if u != "" {
			e.Initiator["url"] = u
		}
	}
	reqHeaders := req.Headers
	if h.reqExtra != nil && len(h.reqExtra.Headers) > 0 {
		reqHeaders = h.reqExtra.Headers
	}
	u := req.URL + req.URLFragment
	hr := map[string]any{
		"method": req.Method, "url": u, "httpVersion": "HTTP/1.1",
		"headers": nvs(reqHeaders), "cookies": []any{}, "queryString": query(u),
		"headersSize": -1, "bodySize": 0,
	}
	if req.HasPostData {
		var body strings.Builder
		for _, pe := range req.PostDataEntries {
			body.Write(pe.Bytes)
		}
		hr["postData"] = map[string]any{"mimeType": header(reqHeaders, "Content-Type"), "text": body.String()}
		hr["bodySize"] = body.Len()
	}
	e.Request = hr
	resp := map[string]any{
		"status": 0, "statusText": "", "httpVersion": "", "headers": []harNV{}, "cookies": []any{},
		"content": map[string]any{"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
	}
	var respHeaders network.Headers
	switch {
	case h.resp != nil:
		resp["status"], resp["statusText"], resp["httpVersion"] = h.resp.Status, h.resp.StatusText, strings.ToUpper(h.resp.Protocol)
		respHeaders = h.resp.Headers
		e.ServerIP = h.resp.RemoteIPAddress
		content := map[string]any{"size": len(h.body), "mimeType": h.resp.MimeType}
		if h.body != "" {
			content["text"] = h.body
		}
		resp["content"] = content
	case h.respExtra != nil:
		// No responseReceived (a CORS failure): the status and headers
		// come from the extra info alone.
		resp["status"] = h.respExtra.StatusCode
	}
	if h.respExtra != nil && len(h.respExtra.Headers) > 0 {
		respHeaders = h.respExtra.Headers
	}
	resp["headers"] = nvs(respHeaders)
	resp["redirectURL"] = header(respHeaders, "Location")
	e.Response = resp
	e.Error = h.failed
	if h.reqExtra != nil {
		for _, ac := range h.reqExtra.AssociatedCookies {
			if len(ac.BlockedReasons) == 0 || ac.Cookie == nil {
				continue
			}
			b := harBlock{Phase: "send", Name: ac.Cookie.Name}
			for _, r := range ac.BlockedReasons {
				b.Reasons = append(b.Reasons, string(r))
			}
			e.Blocks = append(e.Blocks, b)
		}
	}
	if h.respExtra != nil {
		for _, bc := range h.respExtra.BlockedCookies {
			b := harBlock{Phase: "store", Line: redactValue(bc.CookieLine)}
			if bc.Cookie != nil {
				b.Name = bc.Cookie.Name
			} else {
				b.Name, _, _ = strings.Cut(bc.CookieLine, "=")
				b.Name = strings.TrimSpace(b.Name)
			}
			for _, r := range bc.BlockedReasons {
				b.Reasons = append(b.Reasons, string(r))
			}
			e.Blocks = append(e.Blocks, b)
		}
	}
	return e
}

// redactValue keeps a Set-Cookie line's name and attributes.
func redactValue(line string) string {
	first, attrs, _ := strings.Cut(line, ";")
	name, _, _ := strings.Cut(first, "=")
	if attrs != "" {
		return name + "=…;" + attrs
	}
	return name + "=…"
}

// nvs turns DevTools headers (duplicates joined by newlines) into HAR
// name/value pairs, sorted by name for stable output.
func nvs(h network.Headers) []harNV {
	out := []harNV{}
	for k, v := range h {
		s := fmt.Sprint(v)
		for _, line := range strings.Split(s, "\n") {
			out = append(out, harNV{Name: k, Value: line})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return strings.ToLower(out[a].Name) < strings.ToLower(out[b].Name) })
	return out
}

func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s := fmt.Sprint(v)
			first, _, _ := strings.Cut(s, "\n")
			return first
		}
	}
	return ""
}

func query(raw string) []harNV {
	out := []harNV{}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	for k, vs := range u.Query() {
		for _, v := range vs {
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// wall converts DevTools' seconds since the epoch to a time.
func wall(t cdp.TimeSinceEpoch) time.Time {
	f := float64(t)
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
}
