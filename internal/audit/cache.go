package audit

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// Cache reports proxy caches that can store authenticated answers or
// 401s and hand them to other clients.
var Cache = &Check{
	Name:   "cache",
	Doc:    "report proxy_cache/fastcgi_cache or mod_cache on login, admin, token or protected paths without a bypass on Authorization and session cookies, caches that ignore Cache-Control/Set-Cookie, and caches that keep 401s",
	Causes: []catalog.ID{catalog.CacheAuthCacheable, catalog.CacheCached401},
	Run:    runCache,
}

func runCache(p *Pass) error {
	for _, n := range p.Evidence.Nginx {
		for _, s := range n.allScopes() {
			for _, prefix := range []string{"proxy", "fastcgi", "uwsgi", "scgi"} {
				cacheNginx(p, s, prefix)
			}
		}
	}
	for _, a := range p.Evidence.Apache {
		cacheApache(p, a)
	}
	return nil
}

// mentionsCredentials reports whether any argument refers to the
// Authorization header or a cookie.
func mentionsCredentials(ds []*ndir) bool {
	for _, d := range ds {
		for _, a := range d.Args {
			a = strings.ToLower(a)
			if strings.Contains(a, "$http_authorization") || strings.Contains(a, "$cookie_") || strings.Contains(a, "$http_cookie") || strings.Contains(a, "$remote_user") {
				return true
			}
		}
	}
	return false
}

func cacheNginx(p *Pass, s nscope, prefix string) {
	// Only where the cache is switched on in this very block, so each
	// cache is reported once.
	var on *ndir
	for _, d := range s.own(prefix + "_cache") {
		if d.Arg(0) != "off" {
			on = d
		}
	}
	// Warning at most (the severity policy): whether an answer is
	// stored depends on the validity the upstream or *_cache_valid gives
	// it and on what the application marks private, which the
	// configuration does not show. Without authentication in this
	// server only the upstream's own 401s and private answers are at
	// stake, which is as likely.
	sev := catalog.Warning
	rep := func(id catalog.ID, d *ndir, format string, args ...any) {
		p.Report(Finding{Cause: id, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: loc(d.File, d.Line), Server: KindNginx})
	}
	bypass := mentionsCredentials(s.level(prefix+"_cache_bypass")) && mentionsCredentials(s.level(prefix+"_no_cache"))
	keyed := false
	if k := s.find(prefix + "_cache_key"); k != nil {
		keyed = mentionsCredentials([]*ndir{k})
	}
	path := s.path()
	if on == nil {
		// A login location that inherits the cache from its server or
		// http block.
		inh := s.find(prefix + "_cache")
		if s.isLocation() && inh != nil && inh.Arg(0) != "off" && sensitivePath.MatchString(path) && !bypass && !keyed {
			rep(catalog.CacheAuthCacheable, s.block, "location %s inherits %s_cache from line %d without %s_cache_bypass and %s_no_cache on $http_authorization and the session cookie: one user's login or token answer can be served to another", path, prefix, inh.Line, prefix, prefix)
		}
		return
	}
	if !s.isLocation() && s.block.Name != "server" {
		return
	}
	if !bypass && !keyed {
		for _, v := range s.level(prefix + "_cache_valid") {
			for _, a := range v.Args {
				if a == "401" || a == "any" {
					rep(catalog.CacheCached401, v, "%s_cache_valid keeps 401 answers and the cache key ignores Authorization: one client's 401 is served to clients who send the right credentials", prefix)
				}
			}
		}
	}
	sensitive := sensitivePath.MatchString(path) || s.auth() != nil
	for _, ig := range s.level(prefix + "_ignore_headers") {
		for _, a := range ig.Args {
			switch strings.ToLower(a) {
			case "cache-control", "set-cookie", "expires", "x-accel-expires":
				if !bypass && (sensitive || path == "" || path == "/") {
					rep(catalog.CacheAuthCacheable, ig, "%s_ignore_headers %s: the cache stores answers the application marked private or that set a session cookie, and serves them to other users", prefix, a)
				}
			}
		}
	}
	if sensitive && !bypass && !keyed {
		where := fmt.Sprintf("location %s", path)
		if path == "" {
			where = "this server"
		}
		rep(catalog.CacheAuthCacheable, on, "%s_cache on %s (login, token, admin or protected content) without %s_cache_bypass and %s_no_cache on $http_authorization and the session cookie: one user's answer can be served to another", prefix, where, prefix, prefix)
	}
}

func cacheApache(p *Pass, a *Apache) {
	overrides := map[string]*adir{}
	a.every(func(d *adir, _ []*adir) {
		for _, name := range []string{"CacheIgnoreCacheControl", "CacheStorePrivate", "CacheStoreNoStore"} {
			if d.Is(name) && strings.EqualFold(d.Arg(0), "On") {
				overrides[name] = d
			}
		}
	})
	for _, s := range apacheScopes(a) {
		for _, d := range s.named("CacheEnable") {
			url := d.Arg(1)
			if url == "" {
				url = s.path()
			}
			sensitive := sensitivePath.MatchString(url) || s.requiresUser() != nil
			for name, o := range overrides {
				if sensitive || url == "/" {
					p.Report(Finding{Cause: catalog.CacheAuthCacheable, Severity: catalog.Warning, Detail: fmt.Sprintf("CacheEnable %s %s with %s On (line %d): answers marked private, no-store or that depend on the user are stored and served to others", d.Arg(0), url, name, o.Line), Location: loc(d.File, d.Line), Related: []Location{loc(o.File, o.Line)}, Server: KindApache})
				}
			}
		}
	}
}
