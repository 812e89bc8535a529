package checks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/harflow"
	"github.com/why401/why401/internal/redact"
)

// SessionCookies replays a browser session's cookies through the rules
// of the browser that recorded it and reports the cookie a refused
// request lacked: refused when it was set (SameSite=None without Secure,
// Secure over http, a bad Domain, a broken prefix, too large), not sent
// (www versus the bare host, Path, Secure on http), lost to SameSite or
// third-party blocking, or expired.
var SessionCookies = &SessionCheck{
	Name:   "sessioncookies",
	Doc:    "report browser-session cookies that were refused, not sent, lost to SameSite, or expired before a refused request",
	Causes: []catalog.ID{catalog.CookieRejected, catalog.CookieNotSent, catalog.CookieSameSite, catalog.SessionExpired},
	Run:    runSessionCookies,
}

// storeCause maps a refusal to store a cookie to its cause.
func storeCause(r cookie.Reason) catalog.ID {
	switch r {
	case cookie.StrictCrossSite, cookie.LaxCrossSite, cookie.UnspecifiedAsLax, cookie.ThirdPartyBlocked:
		return catalog.CookieSameSite
	}
	return catalog.CookieRejected
}

// sendCause maps a reason not to send a cookie to its cause.
func sendCause(r cookie.Reason) catalog.ID {
	switch r {
	case cookie.StrictCrossSite, cookie.LaxCrossSite, cookie.UnspecifiedAsLax, cookie.ThirdPartyBlocked, cookie.PartitionMismatch:
		return catalog.CookieSameSite
	case cookie.Expired:
		return catalog.SessionExpired
	}
	return catalog.CookieNotSent
}

// refusedStore is a Set-Cookie line the browser refused, still pending:
// no later line of the same name was stored.
type refusedStore struct {
	step int
	st   *cookie.Stored
}

func runSessionCookies(p *SessionPass) error {
	f := p.Evidence.Flow
	sanitized := p.Evidence.Session != nil && p.Evidence.Session.Sanitized
	browser := f.Browser.Name
	r := &cookieReporter{p: p, f: f, reported: map[string]bool{}, sanitized: sanitized, browser: browser}
	// One walk through the steps. Before a step's own answer is taken in,
	// pending holds, per site, the refused Set-Cookie lines not stored
	// again since (one per cause and name: the earliest), and worked the
	// last step of each host and cookie name that got through with it.
	pending := map[string][]refusedStore{}
	worked := map[string]int{}
	for i := range f.Steps {
		fs := &f.Steps[i]
		if f.Refused(i) {
			r.at(i, pending[fs.Site], worked)
		}
		for k := range fs.Stored {
			st := &fs.Stored[k]
			if st.Parsed == nil || st.Reason == cookie.OK || fs.URL == nil {
				continue
			}
			name, id := st.Parsed.Name, storeCause(st.Reason)
			if !slices.ContainsFunc(pending[fs.Site], func(r refusedStore) bool {
				return r.st.Parsed.Name == name && storeCause(r.st.Reason) == id
			}) {
				pending[fs.Site] = append(pending[fs.Site], refusedStore{i, st})
			}
		}
		// A line stored fine (here too) makes up for the refused ones.
		for _, st := range fs.Stored {
			if st.Parsed == nil || st.Reason != cookie.OK {
				continue
			}
			for site, rs := range pending {
				pending[site] = slices.DeleteFunc(rs, func(r refusedStore) bool { return r.st.Parsed.Name == st.Parsed.Name })
			}
		}
		if fs.URL != nil && !harflow.LoginPath(fs.URL.Path) && success(fs.Status()) {
			for name := range fs.Actual {
				worked[fs.URL.Host+"\x00"+name] = i
			}
		}
	}
	return nil
}

// cookieReporter reports each cause and cookie name once.
type cookieReporter struct {
	p         *SessionPass
	f         *harflow.Flow
	reported  map[string]bool
	sanitized bool
	browser   string
}

func (r *cookieReporter) done(id catalog.ID, name string) bool {
	return r.reported[string(id)+"\x00"+name]
}

func (r *cookieReporter) report(id catalog.ID, name string, conf float64, ev []string, format string, args ...any) {
	r.reported[string(id)+"\x00"+name] = true
	if r.sanitized {
		conf -= 0.2
		ev = append(ev, "the HAR is sanitized: the cookies a request really carried are not in it, so this is what "+r.browser+"'s rules predict")
	}
	r.p.Reportf(id, conf, ev, format, args...)
}

// at reports the cookie reasons for refused step i: pending are the
// refused Set-Cookie lines of its site, worked the last step of each
// host and cookie that got through.
func (r *cookieReporter) at(i int, pending []refusedStore, worked map[string]int) {
	f := r.f
	fs := &f.Steps[i]
	browser := r.browser
	// Cookies refused when they were set.
	if fs.URL != nil {
		for _, rs := range pending {
			st, name := rs.st, rs.st.Parsed.Name
			id := storeCause(st.Reason)
			if r.done(id, name) || fs.Actual[name] {
				continue
			}
			s := &f.Steps[rs.step]
			ev := []string{
				fmt.Sprintf("%s: Set-Cookie: %s", stepLine(s), redact.SetCookie(st.Line)),
				fmt.Sprintf("%s refuses to store it (%s): %s", titleCase(browser), st.Reason, st.Reason.Explain()),
			}
			ev = append(ev, browserSays(s, "store", name)...)
			ev = append(ev, fmt.Sprintf("%s: sent without the %s cookie", stepLine(fs), name))
			conf := confidenceFor(f, rs.step, name)
			switch id {
			case catalog.CookieSameSite:
				r.report(id, name, conf, ev, "The %s cookie was set in a cross-site context and refused (%s)", name, st.Reason)
			default:
				r.report(id, name, conf, ev, "The browser refused to store the %s cookie (%s)", name, st.Reason)
			}
		}
	}
	// Cookies stored but not sent with this request.
	for _, v := range fs.NotSent {
		c := v.Cookie
		id := sendCause(v.Reason)
		if r.done(id, c.Name) || fs.Actual[c.Name] || sentUnderOtherScope(fs, c.Name) {
			continue
		}
		from := f.SetterOf(c)
		ev := []string{}
		if from >= 0 {
			ev = append(ev, fmt.Sprintf("%s: stored %s (domain %s%s, path %s%s)", stepLine(&f.Steps[from]), c.Name, c.Domain, hostOnlyNote(c), c.Path, attrNote(c)))
		}
		ev = append(ev, fmt.Sprintf("%s: %s does not send %s (%s): %s", stepLine(fs), titleCase(browser), c.Name, v.Reason, f.Browser.Explain(v.Reason)))
		ev = append(ev, browserSays(fs, "send", c.Name)...)
		conf := confidenceFor(f, from, c.Name)
		switch id {
		case catalog.SessionExpired:
			ev = append(ev, fmt.Sprintf("the cookie expired at %s; the request started at %s", sessionStamp(c.Expires), sessionStamp(fs.Entry.Started)))
			r.report(id, c.Name, conf, ev, "The %s session cookie had expired when the request was made", c.Name)
		case catalog.CookieSameSite:
			r.report(id, c.Name, conf, ev, "The %s cookie stays out of this cross-site request (%s)", c.Name, v.Reason)
		default:
			r.report(id, c.Name, conf, ev, "The browser does not send the %s cookie to %s (%s)", c.Name, fs.URL.Host, v.Reason)
		}
	}
	// A session cookie sent and refused although it worked before. Not
	// when the request carried Authorization or the server challenged for
	// a header scheme: then the refusal is about that. Not when the same
	// cookie got through again later: then the session is alive and the
	// refusal is about this request (sessionaccepted).
	if fs.Auth != "" || fs.URL == nil || fs.Entry.Exchange.Response == nil || len(fs.Entry.Exchange.Response.Header.Values("WWW-Authenticate")) > 0 {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(fs.Actual)) {
		if !harflow.SessionName(name) || r.done(catalog.SessionExpired, name) {
			continue
		}
		w, ok := worked[fs.URL.Host+"\x00"+name]
		deletes := deletesCookie(fs, name)
		if !ok && !deletes || !deletes && f.AcceptedLater(i, name) >= 0 {
			continue
		}
		ev := []string{fmt.Sprintf("%s: refused although the request carried the %s cookie", stepLine(fs), name)}
		conf := finding.Likely + 0.05
		if ok {
			ev = append(ev, fmt.Sprintf("%s: the same cookie was accepted earlier", stepLine(&f.Steps[w])))
		}
		if deletes {
			ev = append(ev, "the server deletes the cookie in its answer: the session is over on its side")
			conf = finding.Strong - 0.05
		}
		r.report(catalog.SessionExpired, name, conf, ev, "The server no longer accepts the %s session", name)
	}
}

// sentUnderOtherScope reports whether another cookie of the same name
// (another domain or path) is sent with the step, so nothing is missing.
func sentUnderOtherScope(s *harflow.Step, name string) bool {
	for _, v := range s.Sent {
		if v.Cookie.Name == name {
			return true
		}
	}
	return false
}

// confidenceFor scores a cookie diagnosis: high for a cookie that looks
// like the session (its name, or set by a login), lower otherwise.
func confidenceFor(f *harflow.Flow, setter int, name string) float64 {
	if harflow.SessionName(name) || setter >= 0 && f.Steps[setter].IsLogin() {
		return finding.Certain - 0.02
	}
	return finding.Likely - 0.1
}

// browserSays quotes the browser's own verdict on the cookie, when the
// recording kept it.
func browserSays(s *harflow.Step, phase, name string) []string {
	var out []string
	for _, b := range s.Entry.BrowserBlocks {
		if b.Phase == phase && b.Name == name {
			out = append(out, fmt.Sprintf("the recording browser itself reported: %s", strings.Join(b.Reasons, ", ")))
		}
	}
	return out
}

// deletesCookie reports whether the step's response removes the cookie.
func deletesCookie(s *harflow.Step, name string) bool {
	for _, st := range s.Stored {
		if st.Parsed != nil && st.Parsed.Name == name && (st.Deleted || st.Parsed.HasMaxAge && st.Parsed.MaxAge <= 0 || !st.Parsed.Expires.IsZero() && st.Parsed.Expires.Before(s.Entry.Started)) {
			return true
		}
	}
	return false
}

func hostOnlyNote(c *cookie.Cookie) string {
	if c.HostOnly {
		return ", host-only"
	}
	return " and subdomains"
}

func attrNote(c *cookie.Cookie) string {
	var parts []string
	if c.Secure {
		parts = append(parts, "Secure")
	}
	parts = append(parts, "SameSite "+c.SameSite.String())
	return ", " + strings.Join(parts, ", ")
}

func titleCase(s string) string {
	if s == "" {
		return "The browser"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
