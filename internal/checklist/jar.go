package checklist

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/why401/why401/internal/cookie"
)

// session is what a login left behind for one client.
type session struct {
	jar   jar
	token string
	// failed names the login when it failed (its session is then empty).
	failed string
}

// jar is a client's cookie store. store records one Set-Cookie line
// received in answer to a request (method, u) and says why it was refused
// ("" when stored or deleted); header is the Cookie header for a request.
type jar interface {
	store(u *url.URL, method, line string) string
	header(u *url.URL, method string) string
	names() []string
	clone() jar
}

// newJar returns an empty jar with the client's cookie rules: Chromium's
// as internal/cookie models them for the browser, curl's cookie engine for
// curl.
func newJar(c profile) jar {
	if c.browser {
		return &browserJar{b: cookie.Chromium, j: cookie.NewJar(cookie.Chromium)}
	}
	return &curlJar{}
}

// browserJar applies a browser's store and send rules to first-party
// requests (the site's own pages and API calls).
type browserJar struct {
	b      cookie.Browser
	j      *cookie.Jar
	events []jarEvent // every line stored, to clone the jar by replaying
}

type jarEvent struct {
	u            *url.URL
	method, line string
}

func (b *browserJar) context(u *url.URL, method string) cookie.Context {
	return cookie.Context{URL: u, Method: method, Time: time.Now()}
}

func (b *browserJar) store(u *url.URL, method, line string) string {
	b.events = append(b.events, jarEvent{u, method, line})
	st := b.j.SetCookies(b.context(u, method), []string{line})
	if len(st) == 1 && st[0].Reason != cookie.OK {
		name := "?"
		if st[0].Parsed != nil {
			name = st[0].Parsed.Name
		}
		return fmt.Sprintf("cookie %s: %s", name, st[0].Reason.Explain())
	}
	return ""
}

func (b *browserJar) header(u *url.URL, method string) string {
	sent, _ := b.j.Cookies(b.context(u, method))
	return cookie.Header(sent)
}

func (b *browserJar) names() []string {
	var out []string
	now := time.Now()
	for _, c := range b.j.All() {
		if !c.ExpiredAt(now) {
			out = append(out, c.Name)
		}
	}
	return out
}

func (b *browserJar) clone() jar {
	n := &browserJar{b: b.b, j: cookie.NewJar(b.b)}
	for _, e := range b.events {
		n.store(e.u, e.method, e.line)
	}
	return n
}

// curlJar is curl's cookie engine as far as a checklist needs it: RFC 6265
// domain and path matching, host-only cookies, and (since curl 7.79)
// Secure cookies neither set nor sent over http except to localhost.
type curlJar struct{ cookies []jarCookie }

type jarCookie struct {
	name, value string
	domain      string // lowercase host (host-only) or domain without the dot
	hostOnly    bool
	path        string
	secure      bool
}

func (j *curlJar) clone() jar {
	return &curlJar{cookies: append([]jarCookie(nil), j.cookies...)}
}

func (j *curlJar) store(u *url.URL, _ string, line string) string {
	c, err := http.ParseSetCookie(line)
	if err != nil {
		return fmt.Sprintf("unparsable Set-Cookie: %v", err)
	}
	host := strings.ToLower(u.Hostname())
	jc := jarCookie{name: c.Name, value: c.Value, domain: host, hostOnly: true, path: c.Path, secure: c.Secure}
	if c.Domain != "" {
		d := strings.ToLower(strings.TrimPrefix(c.Domain, "."))
		if d != host && !strings.HasSuffix(host, "."+d) {
			return fmt.Sprintf("cookie %s: Domain=%s does not cover %s", c.Name, c.Domain, host)
		}
		jc.domain, jc.hostOnly = d, false
	}
	if jc.path == "" || !strings.HasPrefix(jc.path, "/") {
		jc.path = defaultPath(u.Path)
	}
	if c.Secure && u.Scheme != "https" && !isLocal(host) {
		return fmt.Sprintf("cookie %s: Secure cookie set over http", c.Name)
	}
	kept := j.cookies[:0]
	for _, old := range j.cookies {
		if !(old.name == jc.name && old.domain == jc.domain && old.path == jc.path) {
			kept = append(kept, old)
		}
	}
	j.cookies = kept
	if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
		return ""
	}
	j.cookies = append(j.cookies, jc)
	return ""
}

func (j *curlJar) header(u *url.URL, _ string) string {
	host := strings.ToLower(u.Hostname())
	var parts []string
	for _, c := range j.cookies {
		if c.hostOnly && c.domain != host {
			continue
		}
		if !c.hostOnly && c.domain != host && !strings.HasSuffix(host, "."+c.domain) {
			continue
		}
		if !pathMatch(u.Path, c.path) {
			continue
		}
		if c.secure && u.Scheme != "https" && !isLocal(host) {
			continue
		}
		parts = append(parts, c.name+"="+c.value)
	}
	return strings.Join(parts, "; ")
}

func (j *curlJar) names() []string {
	var out []string
	for _, c := range j.cookies {
		out = append(out, c.name)
	}
	return out
}

func isLocal(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func defaultPath(p string) string {
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndex(p, "/")
	if i == 0 {
		return "/"
	}
	return p[:i]
}

func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == "" {
		reqPath = "/"
	}
	if reqPath == cookiePath {
		return true
	}
	if strings.HasPrefix(reqPath, cookiePath) {
		return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
	}
	return false
}
