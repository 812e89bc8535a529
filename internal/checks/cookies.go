package checks

import (
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// Cookies reports cookies that make a request fail where the same request
// without them (a private window) gets further.
var Cookies = &diagnosis.Check{
	Name:   "cookies",
	Doc:    "report stale cookies: the request fails with them and gets further without them",
	Causes: []catalog.ID{catalog.CookieStale},
	Run:    runCookies,
}

func runCookies(p *diagnosis.Pass) error {
	if p.Evidence.Probe.Request.Header.Get("Cookie") == "" {
		return nil
	}
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || !failed(e.Response.Status) {
		return nil
	}
	// Without cookies: NoCookies when other credentials remain, else
	// NoCredentials (cookies were all there was).
	without := final(p, evidence.NoCookies)
	if without == nil {
		without = final(p, evidence.NoCredentials)
	}
	if without == nil || without.Response == nil || !ok(without.Response.Status) {
		return nil
	}
	ev := []string{
		"with cookies (" + redact.Cookie(p.Evidence.Probe.Request.Header.Get("Cookie")) + "): " + line(e),
		"without cookies, as a private window would: " + line(without),
	}
	for _, sc := range e.Response.Header.Values("Set-Cookie") {
		if l := strings.ToLower(sc); strings.Contains(l, "max-age=0") || strings.Contains(l, "expires=thu, 01 jan 1970") {
			ev = append(ev, "the server deletes the cookie in its answer: Set-Cookie: "+redact.SetCookie(sc))
		}
	}
	p.Reportf(catalog.CookieStale, finding.Strong, ev, "An old cookie makes the request fail; without cookies it gets further")
	return nil
}
