package checks

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/harflow"
	"github.com/why401/why401/internal/redact"
)

// BrowserJar replays the probe's redirect chain through a browser's
// cookie rules. The probe, like curl, keeps every cookie a hop sets; a
// browser refuses some (SameSite=None without Secure, Secure over http, a
// bad Domain) and does not send others (another host, another path). When
// a cookie the chain depends on would not survive in a browser, the flow
// breaks there even if it works from a script; and a chain that keeps
// returning to a login page is a login loop.
var BrowserJar = &diagnosis.Check{
	Name:   "browserjar",
	Doc:    "report cookies of the probe's redirect chain that a browser would refuse or not send, and login loops",
	Causes: []catalog.ID{catalog.CookieRejected, catalog.CookieNotSent, catalog.CookieSameSite, catalog.RedirectLoginLoop},
	Run:    runBrowserJar,
}

// chainSession turns a trial's hops into a browser session: a top-level
// navigation the user started, or, with an Origin header, a fetch from
// that origin.
func chainSession(p *diagnosis.Pass, t *evidence.Trial) *evidence.Session {
	s := &evidence.Session{Source: p.Evidence.Probe.Target, Browser: "chromium"}
	typ := "document"
	if t.Hops[0].Request.Header.Get("Origin") != "" {
		typ = "fetch"
	}
	for i, h := range t.Hops {
		at := p.Evidence.Probe.Started
		if h.Response != nil && !h.Response.Received.IsZero() {
			at = h.Response.Received
		}
		s.Entries = append(s.Entries, evidence.SessionEntry{Index: i, Started: at, ResourceType: typ, Exchange: h})
	}
	return s
}

func runBrowserJar(p *diagnosis.Pass) error {
	t := probeChain(p)
	if t == nil {
		return nil
	}
	f := harflow.Replay(chainSession(p, t))
	last := &f.Steps[len(f.Steps)-1]
	finalOK := success(last.Status())
	// Cookies the probe carried that a browser would not have.
	for i := 1; i < len(f.Steps); i++ {
		st := &f.Steps[i]
		for name := range st.Actual {
			if fromUser(p, name) {
				continue
			}
			id, ev := divergence(f, i, name)
			if id == "" {
				continue
			}
			conf := finding.Certain - 0.02
			if finalOK {
				ev = append(ev, fmt.Sprintf("why401 (like curl) kept the cookie and the chain ended %d; in %s it goes on without the cookie", last.Status(), titleCase(f.Browser.Name)))
				conf = finding.Likely
			} else {
				ev = append(ev, "final: "+stepLine(last))
			}
			p.Reportf(id, conf, ev, "A browser would lose the %s cookie the redirect chain depends on", name)
			return nil
		}
	}
	// A chain that comes back to the same login page.
	seen := map[string]int{}
	for i := range f.Steps {
		st := &f.Steps[i]
		if st.URL == nil || !harflow.LoginPath(st.URL.Path) {
			continue
		}
		key := st.URL.Host + st.URL.Path
		if j, ok := seen[key]; ok {
			var path []string
			for k := j; k <= i; k++ {
				if u := f.Steps[k].URL; u != nil {
					path = append(path, fmt.Sprintf("%s %d", u.Path, f.Steps[k].Status()))
				}
			}
			p.Reportf(catalog.RedirectLoginLoop, finding.Certain-0.01, []string{
				fmt.Sprintf("the redirect chain returns to %s (hops %d and %d)", redact.URL(st.URL.String()), j, i),
				"chain: " + strings.Join(path, " → "),
			}, "The redirects loop back to the login page %s", st.URL.Path)
			return nil
		}
		seen[key] = i
	}
	return nil
}

// probeChain returns the probe's own AsGiven trial when it followed at
// least one redirect, nil for a recorded session (the session checks read
// that) or a single hop.
func probeChain(p *diagnosis.Pass) *evidence.Trial {
	if p.Evidence.Probe.Session != nil {
		return nil
	}
	t := p.Evidence.Facts.Trial(evidence.AsGiven)
	if t == nil || len(t.Hops) < 2 {
		return nil
	}
	return t
}

// fromUser reports whether a cookie came from the user (-b), not from a
// hop's Set-Cookie: the browser model only knows the latter.
func fromUser(p *diagnosis.Pass, name string) bool {
	for _, c := range requestCookies(p.Evidence.Probe.Request.Header) {
		if c.Name == name {
			return true
		}
	}
	return false
}

// divergence says why a browser would not have sent the cookie name with
// step i although the probe did: its Set-Cookie was refused, or it is
// stored but not sent.
func divergence(f *harflow.Flow, i int, name string) (catalog.ID, []string) {
	st := &f.Steps[i]
	for _, v := range st.NotSent {
		if v.Cookie.Name == name && !sentUnderOtherScope(st, name) {
			return sendCause(v.Reason), []string{
				stepLine(st),
				fmt.Sprintf("%s would not send %s (%s): %s", titleCase(f.Browser.Name), name, v.Reason, f.Browser.Explain(v.Reason)),
			}
		}
	}
	for j := i - 1; j >= 0; j-- {
		for _, sc := range f.Steps[j].Stored {
			if sc.Parsed == nil || sc.Parsed.Name != name {
				continue
			}
			if sc.Reason == cookie.OK {
				return "", nil
			}
			return storeCause(sc.Reason), []string{
				fmt.Sprintf("%s: Set-Cookie: %s", stepLine(&f.Steps[j]), redact.SetCookie(sc.Line)),
				fmt.Sprintf("%s refuses to store it (%s): %s", titleCase(f.Browser.Name), sc.Reason, sc.Reason.Explain()),
				stepLine(st) + ": why401 sent the cookie back",
			}
		}
	}
	return "", nil
}
