package checklist

import (
	"fmt"
	"net/url"
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

// newJar returns an empty jar with the client's cookie rules, as
// internal/cookie models them: Chromium's for the browser, a script's
// (curl's cookie engine: Domain, Path, Secure, expiry) for curl.
func newJar(c profile) jar {
	if c.browser {
		return newRulesJar(cookie.Chromium)
	}
	return newRulesJar(cookie.Script)
}

// rulesJar applies one client's store and send rules to first-party
// requests (the site's own pages and API calls).
type rulesJar struct {
	b      cookie.Browser
	j      *cookie.Jar
	events []jarEvent // every line stored, to clone the jar by replaying
}

func newRulesJar(b cookie.Browser) *rulesJar { return &rulesJar{b: b, j: cookie.NewJar(b)} }

type jarEvent struct {
	u            *url.URL
	method, line string
}

func (b *rulesJar) context(u *url.URL, method string) cookie.Context {
	return cookie.Context{URL: u, Method: method, Time: time.Now()}
}

func (b *rulesJar) store(u *url.URL, method, line string) string {
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

func (b *rulesJar) header(u *url.URL, method string) string {
	sent, _ := b.j.Cookies(b.context(u, method))
	return cookie.Header(sent)
}

func (b *rulesJar) names() []string {
	var out []string
	now := time.Now()
	for _, c := range b.j.All() {
		if !c.ExpiredAt(now) {
			out = append(out, c.Name)
		}
	}
	return out
}

func (b *rulesJar) clone() jar {
	n := newRulesJar(b.b)
	for _, e := range b.events {
		n.store(e.u, e.method, e.line)
	}
	return n
}
