package checks

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
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

// cacheControl is a parsed Cache-Control header.
type cacheControl map[string]string

func parseCacheControl(h http.Header) cacheControl {
	cc := cacheControl{}
	for _, v := range h.Values("Cache-Control") {
		for _, part := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
				cc[k] = strings.Trim(strings.TrimSpace(val), `"`)
			}
		}
	}
	return cc
}

func (cc cacheControl) has(k string) bool { _, ok := cc[k]; return ok }

// freshSeconds is max-age or s-maxage when positive, else 0.
func (cc cacheControl) freshSeconds() int {
	best := 0
	for _, k := range []string{"s-maxage", "max-age"} {
		if n, err := strconv.Atoi(cc[k]); err == nil && n > best {
			best = n
		}
	}
	return best
}

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, name) {
				return true
			}
		}
	}
	return false
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
	cc := parseCacheControl(r.Header)
	if cc.has("no-store") || cc.has("private") {
		return nil
	}
	fresh := cc.freshSeconds()
	shared := cc.has("public") || cc.has("s-maxage")
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
	case success(r.Status) && auth && (shared || cc.has("must-revalidate") && fresh > 0) && !varies(r.Header, "Authorization"):
		ev = append(ev, "the request carried Authorization and the answer allows shared caching (RFC 9111 §3.5)")
		p.Reportf(catalog.CacheAuthCacheable, finding.Strong-0.02, ev, "An authenticated answer is marked cacheable for shared caches: one user's data can reach another")
	case success(r.Status) && cookie && !auth && fresh > 0 && !varies(r.Header, "Cookie"):
		ev = append(ev, "the request was authenticated by cookie; a shared cache keys on the URL alone unless Vary: Cookie or private says otherwise")
		p.Reportf(catalog.CacheAuthCacheable, finding.Likely+0.1, ev, "A cookie-authenticated answer is cacheable without Vary: Cookie: one user's page can reach another")
	case r.Status == http.StatusUnauthorized && (shared || fresh > 0):
		ev = append(ev, "a cache may keep serving this 401 after the credentials are fixed (401 is not cacheable by default, only with explicit freshness)")
		p.Reportf(catalog.CacheAuthCacheable, finding.Likely, ev, "The 401 is marked cacheable: caches may keep refusing after the login works")
	}
	return nil
}
