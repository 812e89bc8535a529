package checks

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// HopCookies reads the cookie verdicts the probe recorded on its own
// redirect chain: a login answered with Set-Cookie and a redirect, then a
// refusal on the next hop, is a cookie that was stored but not sent there
// (its Path, Domain, Secure flag or lifetime), or one that was never
// stored, not a request without credentials.
var HopCookies = &diagnosis.Check{
	Name:   "hopcookies",
	Doc:    "report a cookie the probe's redirect chain set that a later hop did not carry (Path, Domain, Secure, expiry) or that was refused",
	Causes: []catalog.ID{catalog.CookieNotSent, catalog.CookieRejected, catalog.SessionExpired},
	Run:    runHopCookies,
}

func runHopCookies(p *diagnosis.Pass) error {
	t := probeChain(p)
	if t == nil {
		return nil
	}
	last := t.Final()
	if last.Response == nil || !failed(last.Response.Status) {
		return nil
	}
	if v, ok := lostChainCookie(t); ok {
		set := &t.Hops[v.SetAt]
		ev := []string{
			fmt.Sprintf("hop %d: %s", v.SetAt, line(set)),
			"Set-Cookie: " + redact.SetCookie(setCookieLine(set, v.Name)),
			fmt.Sprintf("hop %d: %s went without %s: %s", len(t.Hops)-1, line(last), v.Name, withheldWhy(v, last)),
		}
		id := sendCause(cookie.Reason(v.Reason))
		p.Reportf(id, finding.Certain-0.02, ev, "The %s cookie set on hop %d was stored but not sent on hop %d (%s)", v.Name, v.SetAt, len(t.Hops)-1, cookieReasonWord(v.Reason))
		return nil
	}
	if v, ok := refusedChainCookie(t); ok {
		set := &t.Hops[v.SetAt]
		ev := []string{
			fmt.Sprintf("hop %d: %s", v.SetAt, line(set)),
			"Set-Cookie: " + redact.SetCookie(setCookieLine(set, v.Name)),
			fmt.Sprintf("refused (%s): %s", v.Reason, cookie.Reason(v.Reason).Explain()),
			fmt.Sprintf("hop %d: %s, without the cookie", len(t.Hops)-1, line(last)),
		}
		p.Reportf(catalog.CookieRejected, finding.Strong, ev, "The %s cookie set on hop %d was refused, so later hops went without it", v.Name, v.SetAt)
	}
	return nil
}

// lostChainCookie returns a cookie an earlier hop of t set that the final
// hop's request did not carry, when there is one.
func lostChainCookie(t *evidence.Trial) (evidence.CookieVerdict, bool) {
	last := t.Final()
	if last == nil || last.Cookies == nil {
		return evidence.CookieVerdict{}, false
	}
	for _, v := range last.Cookies.Withheld {
		if v.SetAt < len(t.Hops)-1 && v.Name != "" {
			return v, true
		}
	}
	return evidence.CookieVerdict{}, false
}

// refusedChainCookie returns a Set-Cookie line of an earlier hop of t
// that was not stored, unless a later line of the same name was.
func refusedChainCookie(t *evidence.Trial) (evidence.CookieVerdict, bool) {
	var refused *evidence.CookieVerdict
	for i := range t.Hops[:len(t.Hops)-1] {
		hc := t.Hops[i].Cookies
		if hc == nil {
			continue
		}
		for j := range hc.Stored {
			v := &hc.Stored[j]
			switch {
			case v.Reason != "" && v.Name != "":
				refused = v
			case refused != nil && v.Name == refused.Name:
				refused = nil
			}
		}
	}
	if refused == nil {
		return evidence.CookieVerdict{}, false
	}
	return *refused, true
}

// setCookieLine returns the Set-Cookie line of e's response that sets
// name.
func setCookieLine(e *evidence.Exchange, name string) string {
	if e.Response == nil {
		return ""
	}
	for _, l := range e.Response.Header.Values("Set-Cookie") {
		n, _, _ := strings.Cut(l, "=")
		if strings.TrimSpace(n) == name {
			return l
		}
	}
	return ""
}

// withheldWhy explains, in the cookie's own terms, why it did not go with
// the request of e.
func withheldWhy(v evidence.CookieVerdict, e *evidence.Exchange) string {
	u, _ := url.Parse(e.Request.URL)
	host, path, scheme := "", "/", ""
	if u != nil {
		host, scheme = u.Hostname(), u.Scheme
		if u.EscapedPath() != "" {
			path = u.EscapedPath()
		}
	}
	switch cookie.Reason(v.Reason) {
	case cookie.NotOnPath:
		return fmt.Sprintf("its Path=%s does not cover %s; the server should set Path=/ (or a prefix of both URLs)", v.Path, path)
	case cookie.DomainMismatch:
		if v.HostOnly {
			return fmt.Sprintf("it has no Domain attribute, so it belongs to %s alone and not to %s; the server should set Domain= a parent of both", v.Domain, host)
		}
		return fmt.Sprintf("its Domain=%s does not cover %s", v.Domain, host)
	case cookie.SecureOnly:
		return fmt.Sprintf("it is Secure and this hop is %s, not https", scheme)
	case cookie.Expired:
		if !v.Expires.IsZero() {
			return fmt.Sprintf("it expired at %s (its Max-Age or Expires is too short, or the clocks differ)", v.Expires.UTC().Format(time.RFC3339))
		}
		return "it had expired"
	}
	return cookie.Reason(v.Reason).Explain()
}

// cookieReasonWord names a reason in a title.
func cookieReasonWord(r string) string {
	switch cookie.Reason(r) {
	case cookie.NotOnPath:
		return "Path"
	case cookie.DomainMismatch:
		return "Domain"
	case cookie.SecureOnly:
		return "Secure over http"
	case cookie.Expired:
		return "expired"
	}
	return r
}
