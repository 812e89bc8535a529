package checks

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/diagnosis"
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
var SessionCookies = &diagnosis.Check{
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

func runSessionCookies(p *diagnosis.Pass) error {
	f := flowOf(p)
	if f == nil {
		return nil
	}
	sanitized := p.Evidence.Probe.Session.Sanitized
	browser := f.Browser.Name
	reported := map[string]bool{}
	report := func(id catalog.ID, name string, conf float64, ev []string, format string, args ...any) {
		key := string(id) + "\x00" + name
		if reported[key] {
			return
		}
		reported[key] = true
		if sanitized {
			conf -= 0.2
			ev = append(ev, "the HAR is sanitized: the cookies a request really carried are not in it, so this is what "+browser+"'s rules predict")
		}
		p.Reportf(id, conf, ev, format, args...)
	}
	for i := range f.Steps {
		if !f.Refused(i) {
			continue
		}
		fs := &f.Steps[i]
		// Cookies refused when they were set.
		for j := 0; j < i; j++ {
			s := &f.Steps[j]
			if s.URL == nil || fs.URL == nil || cookie.Site(s.URL, false) != cookie.Site(fs.URL, false) {
				continue
			}
			for _, st := range s.Stored {
				if st.Reason == cookie.OK || st.Parsed == nil || fs.Actual[st.Parsed.Name] || storedLater(f, j, i, st.Parsed.Name) {
					continue
				}
				name := st.Parsed.Name
				ev := []string{
					fmt.Sprintf("%s: Set-Cookie: %s", stepLine(s), redact.SetCookie(st.Line)),
					fmt.Sprintf("%s refuses to store it (%s): %s", titleCase(browser), st.Reason, st.Reason.Explain()),
				}
				ev = append(ev, browserSays(s, "store", name)...)
				ev = append(ev, fmt.Sprintf("%s: sent without the %s cookie", stepLine(fs), name))
				id := storeCause(st.Reason)
				conf := confidenceFor(f, j, name)
				switch id {
				case catalog.CookieSameSite:
					report(id, name, conf, ev, "The %s cookie was set in a cross-site context and refused (%s)", name, st.Reason)
				default:
					report(id, name, conf, ev, "The browser refused to store the %s cookie (%s)", name, st.Reason)
				}
			}
		}
		// Cookies stored but not sent with this request.
		for _, v := range fs.NotSent {
			c := v.Cookie
			if fs.Actual[c.Name] || sentUnderOtherScope(fs, c.Name) {
				continue
			}
			from := setterOf(f, i, c)
			ev := []string{}
			if from >= 0 {
				ev = append(ev, fmt.Sprintf("%s: stored %s (domain %s%s, path %s%s)", stepLine(&f.Steps[from]), c.Name, c.Domain, hostOnlyNote(c), c.Path, attrNote(c)))
			}
			ev = append(ev, fmt.Sprintf("%s: %s does not send %s (%s): %s", stepLine(fs), titleCase(browser), c.Name, v.Reason, v.Reason.Explain()))
			ev = append(ev, browserSays(fs, "send", c.Name)...)
			id := sendCause(v.Reason)
			conf := confidenceFor(f, from, c.Name)
			switch id {
			case catalog.SessionExpired:
				ev = append(ev, fmt.Sprintf("the cookie expired at %s; the request started at %s", sessionStamp(c.Expires), sessionStamp(fs.Entry.Started)))
				report(id, c.Name, conf, ev, "The %s session cookie had expired when the request was made", c.Name)
			case catalog.CookieSameSite:
				report(id, c.Name, conf, ev, "The %s cookie stays out of this cross-site request (%s)", c.Name, v.Reason)
			default:
				report(id, c.Name, conf, ev, "The browser does not send the %s cookie to %s (%s)", c.Name, fs.URL.Host, v.Reason)
			}
		}
		// A session cookie sent and refused although it worked before.
		// Not when the request carried Authorization or the server
		// challenged for a header scheme: then the refusal is about that.
		if fs.Auth != "" || fs.Entry.Exchange.Response == nil || len(fs.Entry.Exchange.Response.Header.Values("WWW-Authenticate")) > 0 {
			continue
		}
		for name := range fs.Actual {
			if !harflow.SessionName(name) {
				continue
			}
			worked := -1
			for j := 0; j < i; j++ {
				s := &f.Steps[j]
				if s.Actual[name] && s.URL != nil && fs.URL != nil && s.URL.Host == fs.URL.Host && !harflow.LoginPath(s.URL.Path) && success(s.Status()) {
					worked = j
				}
			}
			deletes := deletesCookie(fs, name)
			if worked < 0 && !deletes {
				continue
			}
			ev := []string{fmt.Sprintf("%s: refused although the request carried the %s cookie", stepLine(fs), name)}
			conf := finding.Likely + 0.05
			if worked >= 0 {
				ev = append(ev, fmt.Sprintf("%s: the same cookie was accepted earlier", stepLine(&f.Steps[worked])))
			}
			if deletes {
				ev = append(ev, "the server deletes the cookie in its answer: the session is over on its side")
				conf = finding.Strong - 0.05
			}
			report(catalog.SessionExpired, name, conf, ev, "The server no longer accepts the %s session", name)
		}
	}
	return nil
}

// storedLater reports whether a cookie of that name was stored after
// step j and before step i (a later Set-Cookie fixed the refusal).
func storedLater(f *harflow.Flow, j, i int, name string) bool {
	for k := j; k < i; k++ {
		for _, st := range f.Steps[k].Stored {
			if st.Reason == cookie.OK && st.Parsed != nil && st.Parsed.Name == name {
				return true
			}
		}
	}
	return false
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

// setterOf finds the step before i whose response stored c.
func setterOf(f *harflow.Flow, i int, c *cookie.Cookie) int {
	for j := i - 1; j >= 0; j-- {
		for _, st := range f.Steps[j].Stored {
			if st.Cookie == c {
				return j
			}
		}
	}
	return -1
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
