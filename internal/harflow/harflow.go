// Package harflow replays a recorded browser session (evidence.Session,
// usually from a HAR file) through a simulated browser: it rebuilds each
// request's context (navigation or subrequest, initiator, top-level page),
// runs every Set-Cookie through the cookie rules of the browser that
// recorded it, predicts which stored cookies each request carries and
// why others stay home, and traces tokens back to the response that
// issued them. Checks and the har command's timeline read the result.
//
// Everything here is pure and deterministic: no I/O, no clock.
package harflow

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/redact"
	"github.com/why401/why401/internal/redirect"
)

// Step is one entry of the session with what the simulation concluded.
type Step struct {
	Entry *evidence.SessionEntry
	URL   *url.URL // nil when the entry's URL does not parse
	Ctx   cookie.Context
	// Stored holds the verdicts on the response's Set-Cookie lines.
	Stored []cookie.Stored
	// Sent and NotSent are the simulated jar's cookies for this request:
	// those a browser would send and those it would not, with reasons.
	Sent, NotSent []cookie.Verdict
	// Actual are the cookie names the request really carried.
	Actual map[string]bool
	// Auth is the request's Authorization header ("" when none).
	Auth string
	// TokenFrom is the step whose response body issued the bearer token
	// this request sends, or -1.
	TokenFrom int
	// Failed is set for a 401, 403 or 407 answer, a preflight that did not
	// answer 2xx, and a request that got no answer.
	Failed bool
	// AnsweredBy is, for a failed step, the later step where the same
	// request (method and URL), sent again with other credentials, got
	// through: a challenge answered (Basic, Digest, Negotiate and NTLM
	// handshakes, whose middle steps are failed too) or a cookie or header
	// added. -1 otherwise. Such a step is a round trip, not a break.
	AnsweredBy int
	// Site is the URL's registrable domain (scheme-less), "" without a URL.
	Site string
	// CookieFrom maps each cookie name in Actual to the earlier step whose
	// response last stored a cookie of that name; names nobody stored are
	// absent.
	CookieFrom map[string]int
}

// Status returns the step's response status, 0 without one.
func (s *Step) Status() int {
	if s.Entry.Exchange.Response == nil {
		return 0
	}
	return s.Entry.Exchange.Response.Status
}

// Flow is a replayed session.
type Flow struct {
	Session *evidence.Session
	Browser cookie.Browser
	Steps   []Step

	firstLogin int                    // the first step that IsLogin, or len(Steps)
	setter     map[*cookie.Cookie]int // the step whose response stored a cookie
	// firstOK and lastOK map a host and credential item (credentialItems)
	// to the first and the last step, not a static asset, that got a 2xx
	// from the host carrying it.
	firstOK, lastOK map[string]int
}

// Replay runs the session through the simulated browser. The browser is
// the one that recorded the session (Firefox's rules for a Firefox HAR,
// Chromium's otherwise).
func Replay(s *evidence.Session) *Flow {
	f := &Flow{Session: s, Browser: cookie.Chromium, setter: map[*cookie.Cookie]int{}, firstOK: map[string]int{}, lastOK: map[string]int{}}
	if s == nil {
		return f
	}
	if s.Browser == "firefox" {
		f.Browser = cookie.Firefox
	}
	jar := cookie.NewJar(f.Browser)
	var top *url.URL      // the current top-level document
	var chainStart string // Referer of the navigation a redirect chain started with
	var chainSites []string
	tokens := map[string]int{}     // bearer token -> step that issued it
	lastStored := map[string]int{} // cookie name -> step that last stored one
	sites := map[string]string{}   // host -> site
	f.Steps = make([]Step, 0, len(s.Entries))
	for i := range s.Entries {
		e := &s.Entries[i]
		st := Step{Entry: e, TokenFrom: -1, AnsweredBy: -1, Actual: map[string]bool{}}
		u, err := url.Parse(e.Exchange.Request.URL)
		if err == nil && u.Host != "" {
			st.URL = u
			site, ok := sites[u.Host]
			if !ok {
				site = cookie.Site(u, false)
				sites[u.Host] = site
			}
			st.Site = site
		}
		req := e.Exchange.Request
		st.Auth = req.Header.Get("Authorization")
		for _, c := range strings.Split(req.Header.Get("Cookie"), ";") {
			if name, _, ok := strings.Cut(strings.TrimSpace(c), "="); ok {
				st.Actual[name] = true
				if j, ok := lastStored[name]; ok {
					if st.CookieFrom == nil {
						st.CookieFrom = map[string]int{}
					}
					st.CookieFrom[name] = j
				}
			}
		}
		if st.URL == nil {
			f.Steps = append(f.Steps, st)
			continue
		}
		ctx := cookie.Context{URL: st.URL, Method: req.Method, Time: e.Started}
		ref := parseURL(req.Header.Get("Referer"))
		origin := parseURL(req.Header.Get("Origin"))
		prevRedirect := i > 0 && redirectsTo(&s.Entries[i-1], st.URL)
		if IsNavigation(e) {
			site := cookie.Site(st.URL, f.Browser.Schemeful())
			if prevRedirect {
				if chainStart != "" {
					ctx.Initiator = parseURL(chainStart)
				}
				if slices.ContainsFunc(chainSites, func(s string) bool { return s != site }) {
					ctx.RedirectedCrossSite = ctx.Initiator != nil
				}
			} else {
				chainStart = req.Header.Get("Referer")
				if origin != nil && req.Method != http.MethodGet {
					chainStart = origin.String()
				}
				ctx.Initiator = parseURL(chainStart)
				chainSites = nil
			}
			chainSites = append(chainSites, site)
		} else {
			ctx.TopLevel = top
			if ctx.TopLevel == nil {
				ctx.TopLevel = ref
			}
			ctx.Initiator = origin
			if ctx.Initiator == nil {
				ctx.Initiator = ref
			}
		}
		st.Ctx = ctx
		if e.ResourceType != "preflight" {
			st.Sent, st.NotSent = jar.Cookies(ctx)
		}
		if tok := bearer(st.Auth); tok != "" {
			if j, ok := tokens[tok]; ok {
				st.TokenFrom = j
			}
		}
		if r := e.Exchange.Response; r != nil {
			st.Stored = jar.SetCookies(ctx, r.Header.Values("Set-Cookie"))
			for _, sc := range st.Stored {
				if sc.Cookie != nil {
					f.setter[sc.Cookie] = i
					lastStored[sc.Cookie.Name] = i
				}
			}
			for _, tok := range issuedTokens(r) {
				if _, seen := tokens[tok]; !seen {
					tokens[tok] = i
				}
			}
			if IsNavigation(e) && !redirect.Status(r.Status) {
				top = st.URL
			}
		}
		st.Failed = failed(&st)
		if st.URL != nil && st.Status()/100 == 2 && !static(e.ResourceType) {
			for _, item := range st.credentialItems(false) {
				k := st.URL.Host + "\x00" + item
				if _, ok := f.firstOK[k]; !ok {
					f.firstOK[k] = i
				}
				f.lastOK[k] = i
			}
		}
		f.Steps = append(f.Steps, st)
	}
	f.firstLogin = len(f.Steps)
	for i := range f.Steps {
		if f.Steps[i].IsLogin() {
			f.firstLogin = i
			break
		}
	}
	f.answer()
	return f
}

// static reports a resource type that servers often hand out without
// looking at credentials (images, scripts, styles, fonts, media): that
// one got through says nothing of the session.
func static(typ string) bool {
	switch typ {
	case "image", "script", "stylesheet", "font", "media", "manifest":
		return true
	}
	return false
}

// maxAttempts bounds how many tries of one request a round trip may take
// (an NTLM handshake takes three, a mistyped password one more).
const maxAttempts = 4

// answer sets AnsweredBy: for each failed step with a response, the same
// request sent again with other credentials, followed through at most
// maxAttempts tries, until one gets through.
func (f *Flow) answer() {
	again := map[string][]int{} // method and URL -> steps, in order
	for i := range f.Steps {
		if k := f.Steps[i].requestKey(); k != "" {
			again[k] = append(again[k], i)
		}
	}
	for i := range f.Steps {
		st := &f.Steps[i]
		if !st.Failed || st.AnsweredBy >= 0 || st.Entry.Exchange.Response == nil || st.Entry.ResourceType == "preflight" {
			continue
		}
		same := again[st.requestKey()]
		chain := []int{i}
		for k := sort.SearchInts(same, i+1); k < len(same) && len(chain) < maxAttempts; k++ {
			n := &f.Steps[same[k]]
			if n.credentials() == f.Steps[chain[len(chain)-1]].credentials() {
				break // sent again as it was: no answer to the refusal
			}
			if n.Entry.Exchange.Response == nil {
				break
			}
			if !n.Failed {
				for _, c := range chain {
					f.Steps[c].AnsweredBy = same[k]
				}
				break
			}
			chain = append(chain, same[k])
		}
	}
}

// requestKey names the request a step sends (method and URL without its
// fragment), "" without a URL.
func (s *Step) requestKey() string {
	if s.URL == nil {
		return ""
	}
	u := *s.URL
	u.Fragment, u.RawFragment = "", ""
	return s.Entry.Exchange.Request.Method + " " + u.String()
}

// credentials returns everything a step's request carries that says who
// is asking: Authorization, Proxy-Authorization, Cookie and the other
// credential headers, with their values.
func (s *Step) credentials() string {
	h := s.Entry.Exchange.Request.Header
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if redact.IsSecretHeader(name) {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.Join(h[name], ","))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// SetterOf returns the step whose response stored c, or -1.
func (f *Flow) SetterOf(c *cookie.Cookie) int {
	if j, ok := f.setter[c]; ok {
		return j
	}
	return -1
}

// AcceptedLater returns the last step after i that got a 2xx from the
// same host carrying the same value of the cookie name as step i, or -1.
func (f *Flow) AcceptedLater(i int, name string) int {
	st := &f.Steps[i]
	value, ok := CookieValue(st.Entry.Exchange.Request.Header.Get("Cookie"), name)
	if st.URL == nil || !ok {
		return -1
	}
	if j, ok := f.lastOK[st.URL.Host+"\x00"+cookieItem(name, value)]; ok && j > i {
		return j
	}
	return -1
}

// AcceptedAround finds a credential of step i (its Authorization or
// another credential header, or a session-looking cookie) that the same
// host accepted with a 2xx both before and after step i: the credential
// was good all along. It returns the item as evidence may show it
// (redacted), the first step before and the last step after, or ok false.
func (f *Flow) AcceptedAround(i int) (item string, before, after int, ok bool) {
	st := &f.Steps[i]
	if st.URL == nil {
		return "", -1, -1, false
	}
	for _, it := range st.credentialItems(true) {
		k := st.URL.Host + "\x00" + it
		b, okb := f.firstOK[k]
		a, oka := f.lastOK[k]
		if okb && oka && b < i && a > i {
			return redactItem(it), b, a, true
		}
	}
	return "", -1, -1, false
}

// credentialItems lists the credentials step s's request carries, one
// item each: credential headers as "Name: value", cookies as
// "cookie name=value" (with sessionOnly, only session-looking ones), in
// a stable order, headers first.
func (s *Step) credentialItems(sessionOnly bool) []string {
	h := s.Entry.Exchange.Request.Header
	var out []string
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if name == "Cookie" || !redact.IsSecretHeader(name) {
			continue
		}
		for _, v := range h[name] {
			if strings.TrimSpace(v) != "" {
				out = append(out, name+": "+v)
			}
		}
	}
	for _, c := range strings.Split(h.Get("Cookie"), ";") {
		if name, value, ok := strings.Cut(strings.TrimSpace(c), "="); ok && (!sessionOnly || SessionName(name)) {
			out = append(out, cookieItem(name, value))
		}
	}
	return out
}

func cookieItem(name, value string) string { return "cookie " + name + "=" + value }

// redactItem hides the secret of a credential item.
func redactItem(it string) string {
	if rest, ok := strings.CutPrefix(it, "cookie "); ok {
		name, value, _ := strings.Cut(rest, "=")
		return "the " + name + " cookie (" + redact.Cookie(name+"="+value) + ")"
	}
	name, value, _ := strings.Cut(it, ": ")
	return name + ": " + redact.Header(name, value)
}

// CookieValue returns the value of the cookie name in a Cookie header.
func CookieValue(header, name string) (string, bool) {
	for _, c := range strings.Split(header, ";") {
		if n, v, ok := strings.Cut(strings.TrimSpace(c), "="); ok && n == name {
			return v, true
		}
	}
	return "", false
}

// LoggedInBefore reports whether a step before i looks like a login.
func (f *Flow) LoggedInBefore(i int) bool { return f.firstLogin < i }

// IsNavigation reports whether the entry is a top-level navigation (as
// far as the export can tell: Chrome and Safari mark documents, and a
// navigation is also recognised by Sec-Fetch-Mode or an HTML Accept on a
// GET or form POST without a resource type).
func IsNavigation(e *evidence.SessionEntry) bool {
	switch e.ResourceType {
	case "document":
		return e.Exchange.Request.Header.Get("Sec-Fetch-Dest") != "iframe"
	case "":
		h := e.Exchange.Request.Header
		if m := h.Get("Sec-Fetch-Mode"); m != "" {
			return m == "navigate" && h.Get("Sec-Fetch-Dest") != "iframe"
		}
		return strings.Contains(h.Get("Accept"), "text/html")
	}
	return false
}

// failed reports a step that did not get through.
func failed(s *Step) bool {
	r := s.Entry.Exchange.Response
	if r == nil {
		return true
	}
	switch r.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusProxyAuthRequired:
		return true
	}
	return s.Entry.ResourceType == "preflight" && (r.Status < 200 || r.Status > 299)
}

// Location returns the absolute redirect target of a step, or nil.
func (s *Step) Location() *url.URL {
	r := s.Entry.Exchange.Response
	if r == nil || !redirect.Status(r.Status) || s.URL == nil {
		return nil
	}
	loc := r.Header.Get("Location")
	if loc == "" {
		return nil
	}
	t, err := s.URL.Parse(loc)
	if err != nil {
		return nil
	}
	return t
}

// redirectsTo reports whether e answered with a redirect to u.
func redirectsTo(e *evidence.SessionEntry, u *url.URL) bool {
	r := e.Exchange.Response
	if r == nil || !redirect.Status(r.Status) {
		return false
	}
	base, err := url.Parse(e.Exchange.Request.URL)
	if err != nil {
		return false
	}
	t, err := base.Parse(r.Header.Get("Location"))
	return err == nil && sameURL(t, u)
}

// sameURL compares URLs without fragments.
func sameURL(a, b *url.URL) bool {
	x, y := *a, *b
	x.Fragment, y.Fragment = "", ""
	x.RawFragment, y.RawFragment = "", ""
	return strings.EqualFold(x.Host, y.Host) && x.Scheme == y.Scheme && x.EscapedPath() == y.EscapedPath() && x.RawQuery == y.RawQuery
}

func parseURL(s string) *url.URL {
	if s == "" || s == "null" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil
	}
	return u
}

// bearer returns the token of a Bearer Authorization value.
func bearer(v string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// Bearer returns the bearer token a step sends, or "".
func (s *Step) Bearer() string { return bearer(s.Auth) }

// issuedTokens returns the access, refresh and ID tokens a JSON response
// body hands out (an OAuth token response or an app's own login answer).
func issuedTokens(r *evidence.Response) []string {
	if len(r.Body) == 0 || r.Body[0] != '{' && !strings.Contains(r.Header.Get("Content-Type"), "json") {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	var out []string
	for _, k := range []string{"access_token", "accessToken", "token", "id_token", "jwt", "refresh_token"} {
		if s, ok := m[k].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// IsRefresh reports whether the step is a token refresh call: a POST
// whose body carries grant_type=refresh_token or a refresh_token field,
// or to a path naming refresh.
func (s *Step) IsRefresh() bool {
	req := s.Entry.Exchange.Request
	if req.Method != http.MethodPost || s.URL == nil {
		return false
	}
	body := string(req.Body)
	if strings.Contains(body, "grant_type=refresh_token") || strings.Contains(body, `"refresh_token"`) || strings.Contains(body, `"grant_type":"refresh_token"`) {
		return true
	}
	return strings.Contains(strings.ToLower(s.URL.Path), "refresh")
}

// IsLogin reports whether the step looks like a login: a POST of a form
// or JSON to a path naming login, signin, session or auth, or any
// response that sets a session-looking cookie.
func (s *Step) IsLogin() bool {
	if s.URL == nil {
		return false
	}
	req := s.Entry.Exchange.Request
	if req.Method == http.MethodPost && LoginPath(s.URL.Path) {
		return true
	}
	for _, st := range s.Stored {
		if st.Parsed != nil && SessionName(st.Parsed.Name) {
			return true
		}
	}
	return false
}

// LoginPath reports whether a path names a login page.
func LoginPath(p string) bool {
	p = strings.ToLower(p)
	for _, w := range []string{"login", "signin", "sign-in", "sign_in", "logon", "auth", "sso", "session"} {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

// SessionName reports whether a cookie name looks like a session or
// authentication cookie.
func SessionName(n string) bool {
	n = strings.ToLower(n)
	for _, w := range []string{"sid", "sess", "auth", "token", "login", "jwt", "user", "remember", "connect.", "identity"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Refused reports whether step i is where the flow broke for an
// authentication reason: a 401, 403 or 407 answer (not a preflight) that
// no later try of the same request got past (AnsweredBy), or a protected
// page sent back to a login page after a login happened.
func (f *Flow) Refused(i int) bool {
	s := &f.Steps[i]
	if s.Entry.ResourceType == "preflight" {
		return false
	}
	if s.AnsweredBy >= 0 {
		return false
	}
	if s.Failed && s.Entry.Exchange.Response != nil {
		return true
	}
	loc := s.Location()
	if loc == nil || s.URL == nil || LoginPath(s.URL.Path) || !LoginPath(loc.Path) {
		return false
	}
	return f.LoggedInBefore(i)
}

// Breaking returns the index of the step where the flow first broke: a
// refused preflight or a refused request (see Refused), or -1.
func (f *Flow) Breaking() int {
	for i := range f.Steps {
		s := &f.Steps[i]
		if s.Entry.ResourceType == "preflight" && s.Failed && s.Entry.Exchange.Response != nil {
			return i
		}
		if f.Refused(i) {
			return i
		}
	}
	return -1
}
