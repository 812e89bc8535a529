package checks

import (
	"net/http"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/httpcache"
)

// AuthCache reports authenticated answers that a shared cache may store
// and hand to someone else (RFC 9111 §3.5: a response to a request with
// Authorization is reused only with public, s-maxage or must-revalidate;
// cookies do not stop a cache at all unless Vary or private says so), and
// 401s that are cacheable, so a cache may keep refusing after the login
// works.
var AuthCache = &diagnosis.Check{
	Name:   "authcache",
	Doc:    "report authenticated answers and 401s that shared caches may store and serve to others",
	Causes: []catalog.ID{catalog.CacheAuthCacheable},
	Run:    runAuthCache,
}

func runAuthCache(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil {
		return nil
	}
	r := e.Response
	if cachedHit(r) != "" && failed(r.Status) {
		return nil // Cache reports the stored 401 itself
	}
	cc := httpcache.Parse(r.Header)
	if cc.Has("no-store") || cc.Has("private") {
		return nil
	}
	fresh := cc.FreshSeconds()
	shared := cc.Has("public") || cc.Has("s-maxage")
	ev := []string{line(e)}
	if l := headerLine(r.Header, "Cache-Control"); l != "" {
		ev = append(ev, l)
	}
	if l := headerLine(r.Header, "Vary"); l != "" {
		ev = append(ev, l)
	} else {
		ev = append(ev, "no Vary header")
	}
	auth := diagnosis.SentAuthorization(e.Request)
	cookie := e.Request.Header.Get("Cookie") != ""
	setsCookie := false // a session-like cookie; tracking cookies on public pages are common
	for _, c := range responseCookies(r.Header) {
		setsCookie = setsCookie || sessionNameRE.MatchString(c.Name) && c.MaxAge >= 0 && c.Value != ""
	}
	switch {
	case success(r.Status) && setsCookie && (shared || fresh > 0):
		ev = append(ev, "the answer sets a session cookie and may be stored by shared caches")
		p.Reportf(catalog.CacheAuthCacheable, finding.Strong, ev, "A response that sets a session cookie is cacheable: a cache may hand one user's session to another")
	case success(r.Status) && auth && (shared || cc.Has("must-revalidate") && fresh > 0) && !httpcache.Varies(r.Header, "Authorization"):
		ev = append(ev, "the request carried Authorization and the answer allows shared caching (RFC 9111 §3.5)")
		p.Reportf(catalog.CacheAuthCacheable, finding.Strong-0.02, ev, "An authenticated answer is marked cacheable for shared caches: one user's data can reach another")
	case success(r.Status) && cookie && !auth && fresh > 0 && !httpcache.Varies(r.Header, "Cookie"):
		ev = append(ev, "the request was authenticated by cookie; a shared cache keys on the URL alone unless Vary: Cookie or private says otherwise")
		p.Reportf(catalog.CacheAuthCacheable, finding.Likely+0.1, ev, "A cookie-authenticated answer is cacheable without Vary: Cookie: one user's page can reach another")
	case r.Status == http.StatusUnauthorized && (shared || fresh > 0):
		ev = append(ev, "a cache may keep serving this 401 after the credentials are fixed (401 is not cacheable by default, only with explicit freshness)")
		p.Reportf(catalog.CacheAuthCacheable, finding.Likely, ev, "The 401 is marked cacheable: caches may keep refusing after the login works")
	}
	return nil
}
