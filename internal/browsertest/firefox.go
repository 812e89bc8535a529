package browsertest

// Firefox is driven with a small WebDriver BiDi client written here over
// golang.org/x/net/websocket (already a dependency), not with
// puppeteer-core from npm: the tests then need no Node.js, no
// package-lock.json to keep current and no npm ci in CI; the handful of
// BiDi commands the recorder uses (a user context per flow, navigate,
// evaluate, the network events, network.getData, storage.getCookies) are
// plain JSON, and the recorder reads the events in Go exactly as the
// Chromium one reads chromedp's. Firefox's preferences are read over
// Marionette (Firefox's own protocol, which also opens the BiDi session),
// because only its chrome-privileged scripts see about:config.

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Firefox is a running headless Firefox; it is closed when the test ends.
type Firefox struct {
	Version string
	bidi    *bidi
	mar     *marionette
	proxy   *loopbackProxy
	rec     *ffRecorder // the recording in progress, nil between recordings
	recMu   sync.Mutex
}

// firefoxBinaries are searched for, in order.
var firefoxBinaries = []string{"firefox-esr", "firefox"}

// userJS keeps Firefox off the network: no telemetry, updates, studies
// (Normandy, Nimbus), remote settings, captive-portal or connectivity
// checks, Safe Browsing, DoH, prefetching or speculative connections;
// every request goes through the loopback proxy (%d is its port), which
// forwards only the test's own names to 127.0.0.1. Cookie preferences
// are left at Firefox's defaults: they are what the tests read.
const userJS = `
user_pref("marionette.port", 0);
user_pref("network.proxy.type", 1);
user_pref("network.proxy.http", "127.0.0.1");
user_pref("network.proxy.http_port", %[1]d);
user_pref("network.proxy.ssl", "127.0.0.1");
user_pref("network.proxy.ssl_port", %[1]d);
user_pref("network.proxy.share_proxy_settings", true);
user_pref("network.proxy.no_proxies_on", "");
user_pref("network.proxy.allow_hijacking_localhost", true);
user_pref("network.proxy.socks_remote_dns", true);
user_pref("network.trr.mode", 5);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.prefetch-next", false);
user_pref("network.http.speculative-parallel-limit", 0);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("toolkit.telemetry.archive.enabled", false);
user_pref("toolkit.telemetry.server", "");
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("app.update.disabledForTesting", true);
user_pref("app.update.auto", false);
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("extensions.systemAddon.update.enabled", false);
user_pref("browser.search.update", false);
user_pref("app.normandy.enabled", false);
user_pref("app.normandy.api_url", "");
user_pref("app.shield.optoutstudies.enabled", false);
user_pref("messaging-system.rsexperimentloader.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:1/v1");
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("browser.safebrowsing.blockedURIs.enabled", false);
user_pref("browser.safebrowsing.update.enabled", false);
user_pref("geo.provider.network.url", "");
user_pref("browser.region.network.url", "");
user_pref("browser.region.update.enabled", false);
user_pref("media.gmp-manager.url", "");
user_pref("dom.push.connection.enabled", false);
user_pref("identity.fxaccounts.enabled", false);
user_pref("browser.startup.page", 0);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.newtabpage.enabled", false);
user_pref("browser.urlbar.speculativeConnect.enabled", false);
user_pref("browser.cache.disk.enable", false);
user_pref("browser.cache.memory.enable", false);
`

var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// StartFirefox starts Firefox headless with a fresh profile. It skips the
// test in -short mode and when no Firefox is installed, unless CI is
// "true", where a missing binary fails the test (install it with
// scripts/install-deps.sh).
func StartFirefox(t testing.TB) *Firefox {
	t.Helper()
	bin := lookBrowser(t, "firefox-esr", firefoxBinaries)
	px := startProxy(t)
	_, portText, _ := strings.Cut(px.addr, ":")
	pport, _ := strconv.Atoi(portText)
	prof := t.TempDir()
	if err := os.WriteFile(filepath.Join(prof, "user.js"), fmt.Appendf(nil, userJS, pport), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-remote", "--profile", prof, "--marionette", "--remote-debugging-port=0", "--remote-allow-origins="+bidiOrigin, "--remote-allow-system-access")
	cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1", "MOZ_HEADLESS=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = nil
	if err := cmd.Start(); err != nil {
		t.Fatalf("browsertest: starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck // already gone is fine
		cmd.Wait()         //nolint:errcheck // killed
	})
	// The remote agent says where BiDi listens on stderr; Marionette
	// writes its port to the profile.
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if m := bidiListening.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
	}()
	select {
	case <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("browsertest: %s: %v within 30s", bin, errNoAddress)
	}
	var mport int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(prof, "MarionetteActivePort")); err == nil {
			if mport, err = strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				break
			}
		}
	}
	if mport == 0 {
		t.Fatal("browsertest: firefox wrote no MarionetteActivePort")
	}
	mar, err := dialMarionette(mport, 10*time.Second)
	if err != nil {
		t.Fatalf("browsertest: firefox: %v", err)
	}
	t.Cleanup(mar.close)
	var sess struct {
		Raw          json.RawMessage `json:"-"`
		Capabilities struct {
			BrowserName    string `json:"browserName"`
			BrowserVersion string `json:"browserVersion"`
			WebSocketURL   string `json:"webSocketUrl"`
		} `json:"capabilities"`
	}
	if err := mar.call("WebDriver:NewSession", map[string]any{"webSocketUrl": true}, &sess); err != nil {
		t.Fatalf("browsertest: firefox: %v", err)
	}
	ff := &Firefox{Version: "Firefox/" + sess.Capabilities.BrowserVersion, mar: mar, proxy: px}
	b, err := dialBiDi(sess.Capabilities.WebSocketURL, ff.event)
	if err != nil {
		var raw json.RawMessage
		mar.call("WebDriver:GetCapabilities", map[string]any{}, &raw) //nolint:errcheck // for the message
		t.Fatalf("browsertest: firefox: BiDi at %q: %v (capabilities %.500s)", sess.Capabilities.WebSocketURL, err, raw)
	}
	t.Cleanup(b.close)
	ff.bidi = b
	if err := b.call("session.subscribe", map[string]any{"events": []string{"network.beforeRequestSent", "network.responseStarted", "network.responseCompleted", "network.fetchError"}}, nil); err != nil {
		t.Fatalf("browsertest: firefox: %v", err)
	}
	t.Cleanup(func() {
		if r := px.Refused(); len(r) > 0 {
			t.Logf("browsertest: the loopback proxy refused %d requests Firefox tried to send elsewhere: %s", len(r), strings.Join(r, ", "))
		}
	})
	return ff
}

// Pref is one of Firefox's preferences as the running browser holds it.
type Pref struct {
	Name  string `json:"name"`
	Value any    `json:"value"` // bool, float64 (an integer) or string; nil when the pref does not exist
	// User is set when the value is not Firefox's default (a profile or
	// policy set it).
	User bool `json:"user"`
}

// Prefs reads preferences from the running browser (what about:config
// shows), through a chrome-privileged Marionette script.
func (f *Firefox) Prefs(names ...string) (map[string]Pref, error) {
	if err := f.mar.call("Marionette:SetContext", map[string]any{"value": "chrome"}, nil); err != nil {
		return nil, err
	}
	const script = `
const out = [];
for (const name of arguments[0]) {
  const t = Services.prefs.getPrefType(name);
  let value = null;
  if (t == Services.prefs.PREF_STRING) value = Services.prefs.getStringPref(name);
  else if (t == Services.prefs.PREF_INT) value = Services.prefs.getIntPref(name);
  else if (t == Services.prefs.PREF_BOOL) value = Services.prefs.getBoolPref(name);
  out.push({name, value, user: t != 0 && Services.prefs.prefHasUserValue(name)});
}
return out;`
	var res struct {
		Value []Pref `json:"value"`
	}
	if err := f.mar.call("WebDriver:ExecuteScript", map[string]any{"script": script, "args": []any{names}}, &res); err != nil {
		return nil, err
	}
	out := map[string]Pref{}
	for _, p := range res.Value {
		out[p.Name] = p
	}
	return out, nil
}

// ffHop is one request of a redirect chain as BiDi's network events
// told it.
type ffHop struct {
	id       string
	redirect int
	context  string
	at       float64 // ms since the epoch
	req      bidiRequest
	resp     *bidiResponse
	failed   string
	navig    bool
	body     string
	bodyB64  bool
	post     string // the request body, when Firefox kept it
	initType string
}

type bidiHeader struct {
	Name  string `json:"name"`
	Value struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"value"`
}

func (h bidiHeader) value() string {
	if h.Value.Type == "base64" {
		b, err := base64.StdEncoding.DecodeString(h.Value.Value)
		if err == nil {
			return string(b)
		}
	}
	return h.Value.Value
}

type bidiRequest struct {
	Request       string       `json:"request"`
	URL           string       `json:"url"`
	Method        string       `json:"method"`
	Headers       []bidiHeader `json:"headers"`
	BodySize      *int         `json:"bodySize"`
	Destination   string       `json:"destination"`
	InitiatorType string       `json:"initiatorType"`
}

type bidiResponse struct {
	URL        string       `json:"url"`
	Protocol   string       `json:"protocol"`
	Status     int          `json:"status"`
	StatusText string       `json:"statusText"`
	Headers    []bidiHeader `json:"headers"`
	MimeType   string       `json:"mimeType"`
}

type bidiNetEvent struct {
	Context       string        `json:"context"`
	Navigation    *string       `json:"navigation"`
	RedirectCount int           `json:"redirectCount"`
	Request       bidiRequest   `json:"request"`
	Response      *bidiResponse `json:"response"`
	Timestamp     float64       `json:"timestamp"`
	ErrorText     string        `json:"errorText"`
	Initiator     *struct {
		Type string `json:"type"`
	} `json:"initiator"`
}

type ffRecorder struct {
	mu      sync.Mutex
	context string
	hops    []*ffHop
	byKey   map[string]*ffHop
}

func (f *Firefox) event(method string, params json.RawMessage) {
	f.recMu.Lock()
	r := f.rec
	f.recMu.Unlock()
	if r == nil {
		return
	}
	var e bidiNetEvent
	if json.Unmarshal(params, &e) != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.context != "" && e.Context != r.context {
		return
	}
	key := e.Request.Request + "#" + strconv.Itoa(e.RedirectCount)
	switch method {
	case "network.beforeRequestSent":
		h := &ffHop{id: e.Request.Request, redirect: e.RedirectCount, context: e.Context, at: e.Timestamp, req: e.Request, navig: e.Navigation != nil}
		if e.Initiator != nil {
			h.initType = e.Initiator.Type
		}
		r.hops = append(r.hops, h)
		r.byKey[key] = h
	case "network.responseStarted", "network.responseCompleted":
		// A response refused by CORS (a challenged preflight) starts but
		// never completes: it ends in fetchError.
		if h := r.byKey[key]; h != nil {
			h.resp = e.Response
			if len(e.Request.Headers) > 0 {
				h.req.Headers = e.Request.Headers // the headers as finally sent
			}
		}
	case "network.fetchError":
		if h := r.byKey[key]; h != nil {
			h.failed = e.ErrorText
		}
	}
}

// FirefoxCookie is a cookie in Firefox's jar at the end of a recording,
// as storage.getCookies lists it.
type FirefoxCookie struct {
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Path     string `json:"path"`
	Secure   bool   `json:"secure"`
	HTTPOnly bool   `json:"httpOnly"`
	SameSite string `json:"sameSite"` // "strict", "lax", "none" or "default" (no attribute)
}

// Record opens a tab in a fresh user context (its own cookie jar),
// navigates to start and waits until the page's title begins with "end:"
// (or timeout). A page whose title begins with "click:" gets one real
// click on its element with id "go", as a user would give it. It returns the HAR of every request the tab made, the
// final title, and the cookies Firefox holds at the end, which a HAR
// export does not show.
func (f *Firefox) Record(start string, timeout time.Duration) ([]byte, string, []FirefoxCookie, error) {
	var uc struct {
		UserContext string `json:"userContext"`
	}
	if err := f.bidi.call("browser.createUserContext", nil, &uc); err != nil {
		return nil, "", nil, err
	}
	defer f.bidi.call("browser.removeUserContext", map[string]any{"userContext": uc.UserContext}, nil) //nolint:errcheck // the browser goes away at the end anyway
	var tab struct {
		Context string `json:"context"`
	}
	if err := f.bidi.call("browsingContext.create", map[string]any{"type": "tab", "userContext": uc.UserContext}, &tab); err != nil {
		return nil, "", nil, err
	}
	rec := &ffRecorder{context: tab.Context, byKey: map[string]*ffHop{}}
	f.recMu.Lock()
	f.rec = rec
	f.recMu.Unlock()
	defer func() {
		f.recMu.Lock()
		f.rec = nil
		f.recMu.Unlock()
	}()
	var coll struct {
		Collector string `json:"collector"`
	}
	// Bodies (form posts, tokens, error documents) are kept only when a
	// collector asks for them; request bodies where Firefox keeps them.
	requestBodies := true
	if err := f.bidi.call("network.addDataCollector", map[string]any{"dataTypes": []string{"request", "response"}, "maxEncodedDataSize": 1 << 20, "contexts": []string{tab.Context}}, &coll); err != nil {
		requestBodies = false
		if err := f.bidi.call("network.addDataCollector", map[string]any{"dataTypes": []string{"response"}, "maxEncodedDataSize": 1 << 20, "contexts": []string{tab.Context}}, &coll); err != nil {
			coll.Collector = ""
		}
	}
	if err := f.bidi.call("browsingContext.navigate", map[string]any{"context": tab.Context, "url": start, "wait": "none"}, nil); err != nil {
		return nil, "", nil, fmt.Errorf("navigating to %s: %w", start, err)
	}
	deadline := time.Now().Add(timeout)
	var title string
	clicked := map[string]bool{}
	for time.Now().Before(deadline) {
		var res struct {
			Type   string `json:"type"`
			Result struct {
				Value any `json:"value"`
			} `json:"result"`
		}
		err := f.bidi.call("script.evaluate", map[string]any{"expression": "document.title", "target": map[string]any{"context": tab.Context}, "awaitPromise": false}, &res)
		if s, ok := res.Result.Value.(string); err == nil && ok {
			title = s
			if strings.HasPrefix(s, "end:") {
				break
			}
			if strings.HasPrefix(s, "click:") && !clicked[s] {
				// The page asks for a user: a real (trusted) click on #go.
				clicked[s] = true
				if err := f.click(tab.Context); err != nil {
					return nil, title, nil, fmt.Errorf("clicking #go on %q: %w", s, err)
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // trailing responseCompleted events
	rec.mu.Lock()
	hops := append([]*ffHop(nil), rec.hops...)
	rec.mu.Unlock()
	for _, h := range hops {
		if requestBodies && coll.Collector != "" && h.req.BodySize != nil && *h.req.BodySize > 0 {
			var data struct {
				Bytes struct {
					Type  string `json:"type"`
					Value string `json:"value"`
				} `json:"bytes"`
			}
			if f.bidi.call("network.getData", map[string]any{"dataType": "request", "collector": coll.Collector, "request": h.id}, &data) == nil {
				h.post = data.Bytes.Value
				if data.Bytes.Type == "base64" {
					if b, err := base64.StdEncoding.DecodeString(data.Bytes.Value); err == nil {
						h.post = string(b)
					}
				}
			}
		}
		if coll.Collector != "" && h.resp != nil && h.failed == "" && textual(h.resp.MimeType) {
			var data struct {
				Bytes struct {
					Type  string `json:"type"`
					Value string `json:"value"`
				} `json:"bytes"`
			}
			if f.bidi.call("network.getData", map[string]any{"dataType": "response", "collector": coll.Collector, "request": h.id}, &data) == nil {
				h.body, h.bodyB64 = data.Bytes.Value, data.Bytes.Type == "base64"
			}
		}
	}
	jar := f.cookies(uc.UserContext)
	if coll.Collector != "" {
		f.bidi.call("network.removeDataCollector", map[string]any{"collector": coll.Collector}, nil) //nolint:errcheck // goes with the user context
	}
	har := ffHAR(f.Version, hops)
	if !strings.HasPrefix(title, "end:") {
		return har, title, jar, fmt.Errorf("%s: the flow did not end within %v (title %q)", start, timeout, title)
	}
	return har, title, jar, nil
}

// click moves the pointer onto the element with id "go" and clicks it
// with input.performActions: a trusted event, which Firefox counts as
// the user's interaction with the page.
func (f *Firefox) click(context string) error {
	var res struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
	}
	expr := `(() => { const r = document.getElementById("go").getBoundingClientRect(); return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)].join(","); })()`
	if err := f.bidi.call("script.evaluate", map[string]any{"expression": expr, "target": map[string]any{"context": context}, "awaitPromise": false}, &res); err != nil {
		return err
	}
	xy, _ := res.Result.Value.(string)
	xs, ys, ok := strings.Cut(xy, ",")
	x, errX := strconv.Atoi(xs)
	y, errY := strconv.Atoi(ys)
	if !ok || errX != nil || errY != nil {
		return fmt.Errorf("no #go element (%v)", res.Result.Value)
	}
	return f.bidi.call("input.performActions", map[string]any{"context": context, "actions": []any{map[string]any{
		"type": "pointer", "id": "mouse", "parameters": map[string]any{"pointerType": "mouse"},
		"actions": []any{
			map[string]any{"type": "pointerMove", "x": x, "y": y},
			map[string]any{"type": "pointerDown", "button": 0},
			map[string]any{"type": "pointerUp", "button": 0},
		},
	}}}, nil)
}

// cookies lists the user context's cookies.
func (f *Firefox) cookies(userContext string) []FirefoxCookie {
	part := map[string]any{"type": "storageKey", "userContext": userContext}
	var res struct {
		Cookies []struct {
			Name     string `json:"name"`
			Domain   string `json:"domain"`
			Path     string `json:"path"`
			Secure   bool   `json:"secure"`
			HTTPOnly bool   `json:"httpOnly"`
			SameSite string `json:"sameSite"`
		} `json:"cookies"`
		PartitionKey map[string]any `json:"partitionKey"`
	}
	if f.bidi.call("storage.getCookies", map[string]any{"partition": part}, &res) != nil {
		return nil
	}
	var out []FirefoxCookie
	for _, c := range res.Cookies {
		out = append(out, FirefoxCookie{Name: c.Name, Domain: c.Domain, Path: c.Path, Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: c.SameSite})
	}
	return out
}

// ffHAR assembles the hops as a HAR document, entries in the order
// their requests were sent, shaped as the Chromium recorder's (and
// Firefox's own export) so `why401 har` reads both alike.
func ffHAR(version string, hops []*ffHop) []byte {
	sort.SliceStable(hops, func(a, b int) bool { return hops[a].at < hops[b].at })
	entries := make([]harEntry, 0, len(hops))
	for _, h := range hops {
		entries = append(entries, ffEntry(h))
	}
	doc := map[string]any{"log": map[string]any{
		"version": "1.2",
		"creator": map[string]string{"name": "why401 browsertest (WebDriver BiDi)", "version": "1"},
		"browser": map[string]string{"name": "Firefox", "version": strings.TrimPrefix(version, "Firefox/")},
		"pages":   []any{},
		"entries": entries,
	}}
	out, _ := json.MarshalIndent(doc, "", "  ")
	return out
}

func ffEntry(h *ffHop) harEntry {
	ms := int64(h.at)
	e := harEntry{
		Started:   time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z"),
		Timings:   map[string]int{"send": 0, "wait": 0, "receive": 0},
		Initiator: map[string]any{"type": "other"},
	}
	if h.initType != "" {
		e.Initiator["type"] = h.initType
	}
	switch {
	case h.req.Destination == "document" || h.req.Destination == "iframe" || h.navig:
		e.ResourceType = "document"
	case h.req.InitiatorType == "fetch":
		e.ResourceType = "fetch"
	case h.req.InitiatorType == "xmlhttprequest":
		e.ResourceType = "xhr"
	case h.req.Destination == "script":
		e.ResourceType = "script"
	default:
		e.ResourceType = "other"
	}
	reqHeaders := ffNVs(h.req.Headers)
	hr := map[string]any{
		"method": h.req.Method, "url": h.req.URL, "httpVersion": "HTTP/1.1",
		"headers": reqHeaders, "cookies": []any{}, "queryString": query(h.req.URL),
		"headersSize": -1, "bodySize": 0,
	}
	if h.req.BodySize != nil && *h.req.BodySize > 0 {
		hr["bodySize"] = *h.req.BodySize
	}
	if h.post != "" {
		ct := ""
		for _, nv := range reqHeaders {
			if strings.EqualFold(nv.Name, "Content-Type") {
				ct = nv.Value
			}
		}
		hr["postData"] = map[string]any{"mimeType": ct, "text": h.post}
	}
	e.Request = hr
	resp := map[string]any{
		"status": 0, "statusText": "", "httpVersion": "", "headers": []harNV{}, "cookies": []any{},
		"content": map[string]any{"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
	}
	if r := h.resp; r != nil {
		resp["status"], resp["statusText"], resp["httpVersion"] = r.Status, r.StatusText, strings.ToUpper(r.Protocol)
		hs := ffNVs(r.Headers)
		resp["headers"] = hs
		for _, nv := range hs {
			if strings.EqualFold(nv.Name, "Location") {
				resp["redirectURL"] = nv.Value
				break
			}
		}
		content := map[string]any{"size": len(h.body), "mimeType": r.MimeType}
		if h.body != "" {
			content["text"] = h.body
			if h.bodyB64 {
				content["encoding"] = "base64"
			}
		}
		resp["content"] = content
		e.ServerIP = "127.0.0.1"
	}
	e.Response = resp
	e.Error = h.failed
	return e
}

// ffNVs turns BiDi headers into HAR name/value pairs; Firefox reports
// several Set-Cookie lines as one value joined by newlines, which HAR
// lists one per line.
func ffNVs(hs []bidiHeader) []harNV {
	out := []harNV{}
	for _, h := range hs {
		for _, line := range strings.Split(h.value(), "\n") {
			out = append(out, harNV{Name: h.Name, Value: line})
		}
	}
	return out
}
