package cookie

import (
	"net"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Reason says why a cookie was not stored or not sent. The values are the
// names of Chromium's DevTools protocol (Network.CookieBlockedReason and
// Network.SetCookieBlockedReason); "" means stored or sent.
type Reason string

// Reasons.
const (
	OK                   Reason = ""
	SyntaxError          Reason = "SyntaxError"                     // the line cannot be parsed into a cookie
	NameValueTooLarge    Reason = "NameValuePairExceedsMaxSize"     // name plus value over 4096 bytes
	SecureOnly           Reason = "SecureOnly"                      // Secure from, or to, an insecure origin
	SameSiteNoneInsecure Reason = "SameSiteNoneInsecure"            // SameSite=None without Secure
	InvalidDomain        Reason = "InvalidDomain"                   // Domain does not cover the host, or is a public suffix
	InvalidPrefix        Reason = "InvalidPrefix"                   // __Secure- or __Host- rules broken
	OverwriteSecure      Reason = "OverwriteSecure"                 // an insecure origin would shadow a Secure cookie
	StrictCrossSite      Reason = "SameSiteStrict"                  // Strict cookie in a cross-site context
	LaxCrossSite         Reason = "SameSiteLax"                     // Lax cookie in a cross-site context that is not a top-level GET
	UnspecifiedAsLax     Reason = "SameSiteUnspecifiedTreatedAsLax" // no SameSite, Chromium treats it as Lax
	ThirdPartyBlocked    Reason = "ThirdPartyPhaseout"              // third-party cookies are blocked
	DomainMismatch       Reason = "DomainMismatch"                  // the cookie's domain does not match the request host
	NotOnPath            Reason = "NotOnPath"                       // the request path is outside the cookie's Path
	Expired              Reason = "Expired"                         // the cookie's lifetime is over
	PartitionMismatch    Reason = "PartitionMismatch"               // partitioned under another top-level site
	SchemeNotSupported   Reason = "SchemeNotSupported"              // not http or https
)

// Explain returns a short plain-words explanation of r.
func (r Reason) Explain() string {
	switch r {
	case SyntaxError:
		return "the Set-Cookie line cannot be parsed (control characters, no name and no value)"
	case NameValueTooLarge:
		return "name and value together are longer than 4096 bytes"
	case SecureOnly:
		return "a Secure cookie needs an https page (or localhost)"
	case SameSiteNoneInsecure:
		return "SameSite=None is only accepted together with Secure"
	case InvalidDomain:
		return "the Domain attribute does not cover the host that set it, or is a public suffix"
	case InvalidPrefix:
		return "the __Secure- prefix needs Secure; __Host- needs Secure, no Domain and Path=/"
	case OverwriteSecure:
		return "an http page cannot replace a Secure cookie of the same name"
	case StrictCrossSite:
		return "SameSite=Strict cookies stay out of requests from other sites"
	case LaxCrossSite:
		return "SameSite=Lax cookies go cross-site only with top-level GET navigations"
	case UnspecifiedAsLax:
		return "without a SameSite attribute Chromium treats the cookie as Lax: no cross-site subrequests or POSTs"
	case ThirdPartyBlocked:
		return "third-party cookies are blocked in this browser"
	case DomainMismatch:
		return "the cookie belongs to another host (host-only cookies are not sent to subdomains such as www)"
	case NotOnPath:
		return "the request path is outside the cookie's Path"
	case Expired:
		return "the cookie had expired"
	case PartitionMismatch:
		return "the cookie is partitioned under another top-level site"
	case SchemeNotSupported:
		return "cookies work only on http and https URLs"
	}
	return "stored or sent"
}

// Explain is r.Explain() in the words that fit b: a browser that
// partitions third-party cookies (Firefox) does not block them, it keeps
// them in a jar of the top-level site.
func (b Browser) Explain(r Reason) string {
	if r == ThirdPartyBlocked && b.PartitionThirdParty && !b.BlockThirdParty {
		return "inside another site the browser uses a separate cookie jar for that site (Total Cookie Protection), so the cookie set when the site was visited directly stays out"
	}
	return r.Explain()
}

// Browser is one browser's cookie policy.
type Browser struct {
	Name string
	// LaxByDefault treats a cookie without SameSite as Lax (Chromium).
	LaxByDefault bool
	// LaxPOSTWindow lets a LaxByDefault cookie younger than this ride along
	// on a cross-site top-level POST (Chromium: two minutes).
	LaxPOSTWindow time.Duration
	// NoneRequiresSecure refuses SameSite=None without Secure (Chromium,
	// Firefox).
	NoneRequiresSecure bool
	// PartitionThirdParty keeps cookies of third-party contexts in a jar
	// of the top-level site (Firefox's Total Cookie Protection).
	PartitionThirdParty bool
	// BlockThirdParty refuses unpartitioned cookies in third-party
	// contexts (a user setting in both browsers; Chromium's incognito default).
	BlockThirdParty bool
}

// Chromium and Firefox as they ship by default. Firefox's profile is
// held to the running browser's own preferences by test/browser
// (TestFirefoxFlows): network.cookie.sameSite.laxByDefault false,
// network.cookie.sameSite.noneRequiresSecure true,
// network.cookie.sameSite.schemeful false and
// network.cookie.cookieBehavior 5 (partition third-party cookies) in
// Firefox 153 ESR. Its storage-access heuristics
// (privacy.restrict3rdpartystorage.heuristic.*) are not modelled: in a
// cross-site sign-in recorded for real (the login on the API's site
// submitted by the page and by a real click, then a redirect back and a
// credentialed fetch) Firefox granted no access and kept the cookie out.
var (
	Chromium = Browser{Name: "chromium", LaxByDefault: true, LaxPOSTWindow: 2 * time.Minute, NoneRequiresSecure: true}
	Firefox  = Browser{Name: "firefox", NoneRequiresSecure: true, PartitionThirdParty: true}
)

// Context describes a request as a browser sees it.
type Context struct {
	URL    *url.URL
	Method string // "" is GET
	Time   time.Time
	// Initiator is the URL (or origin) of the document that made the
	// request; nil for a navigation the user started (typed URL, bookmark).
	Initiator *url.URL
	// TopLevel is the URL of the top-level document the request belongs
	// to; nil when the request is itself a top-level navigation.
	TopLevel *url.URL
	// RedirectedCrossSite is set when a redirect chain leading to this
	// request passed through another site.
	RedirectedCrossSite bool
}

// Navigation reports whether the request is a top-level navigation.
func (c Context) Navigation() bool { return c.TopLevel == nil }

// CrossSite reports whether the request is cross-site for SameSite: its
// site differs from the initiator's or the top-level document's site, or a
// redirect took it through another site. Sites are schemeful when
// schemeful is set (Chromium), scheme-less otherwise.
func (c Context) CrossSite(schemeful bool) bool {
	if c.URL == nil {
		return false
	}
	s := Site(c.URL, schemeful)
	if c.RedirectedCrossSite {
		return true
	}
	if c.Initiator != nil && Site(c.Initiator, schemeful) != s {
		return true
	}
	if c.TopLevel != nil && Site(c.TopLevel, schemeful) != s {
		return true
	}
	return false
}

// ThirdParty reports whether the request runs inside a document of
// another site (an iframe or a subresource of another site's page).
func (c Context) ThirdParty() bool {
	return c.TopLevel != nil && c.URL != nil && Site(c.TopLevel, false) != Site(c.URL, false)
}

// Site returns the site of u: its registrable domain (eTLD+1) or, for an
// IP address or a name that is itself a public suffix, the host; prefixed
// with the scheme when schemeful.
func Site(u *url.URL, schemeful bool) string {
	if u == nil {
		return ""
	}
	h := canonHost(u.Hostname())
	site := h
	if net.ParseIP(h) == nil && h != "" {
		if d, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
			site = d
		}
	}
	if schemeful {
		scheme := strings.ToLower(u.Scheme)
		if scheme == "wss" {
			scheme = "https"
		} else if scheme == "ws" {
			scheme = "http"
		}
		return scheme + "://" + site
	}
	return site
}

// canonHost lowercases a host and drops a trailing dot.
func canonHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// SecureOrigin reports whether u is a potentially trustworthy origin for
// cookies: https or wss, or a loopback host (localhost and its
// subdomains, 127.0.0.0/8, ::1), which both browsers treat as secure.
func SecureOrigin(u *url.URL) bool {
	if u == nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "wss":
		return true
	}
	h := canonHost(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return true
	}
	return false
}

// Cookie is a stored cookie.
type Cookie struct {
	Name  string `json:"name"`
	Value string `json:"-"`
	// Domain is the host (HostOnly) or the domain the cookie covers.
	Domain   string   `json:"domain"`
	HostOnly bool     `json:"host_only"`
	Path     string   `json:"path"`
	Secure   bool     `json:"secure,omitempty"`
	HTTPOnly bool     `json:"http_only,omitempty"`
	SameSite SameSite `json:"-"`
	// Partition is the top-level site a partitioned cookie belongs to, ""
	// for an unpartitioned cookie.
	Partition string `json:"partition,omitempty"`
	// Expires is when the cookie ends; zero for a session cookie.
	Expires time.Time `json:"expires,omitzero"`
	Created time.Time `json:"created"`
	// SetBy is the URL whose response set the cookie.
	SetBy string `json:"set_by,omitempty"`
}

// ExpiredAt reports whether c is expired at t.
func (c *Cookie) ExpiredAt(t time.Time) bool {
	return !c.Expires.IsZero() && !t.Before(c.Expires)
}

// Store decides whether b stores sc, received in the response to the
// request ctx describes, and returns the cookie as stored. A cookie whose
// expiry is already past is returned with OK: storing it deletes any
// cookie of the same name, domain and path (the caller's jar does that).
// existing, when not nil, lists the cookies already in the jar, for the
// rule that insecure origins cannot overwrite Secure cookies.
func (b Browser) Store(sc *SetCookie, ctx Context, existing []*Cookie) (*Cookie, Reason) {
	u := ctx.URL
	if u == nil {
		return nil, SchemeNotSupported
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ws", "wss":
	default:
		return nil, SchemeNotSupported
	}
	if len(sc.Name)+len(sc.Value) > MaxNameValue {
		return nil, NameValueTooLarge
	}
	if sc.Name == "" && sc.Value == "" {
		return nil, SyntaxError
	}
	host := canonHost(u.Hostname())
	c := &Cookie{Name: sc.Name, Value: sc.Value, Secure: sc.Secure, HTTPOnly: sc.HTTPOnly, SameSite: sc.SameSite, Created: ctx.Time, SetBy: u.String()}
	// Expiry: Max-Age wins over Expires; both are capped at 400 days.
	switch {
	case sc.HasMaxAge:
		if sc.MaxAge <= 0 {
			c.Expires = time.Unix(0, 0).UTC()
		} else if time.Duration(sc.MaxAge) > MaxAge/time.Second {
			c.Expires = ctx.Time.Add(MaxAge)
		} else {
			c.Expires = ctx.Time.Add(time.Duration(sc.MaxAge) * time.Second)
		}
	case !sc.Expires.IsZero():
		c.Expires = sc.Expires
		if c.Expires.Sub(ctx.Time) > MaxAge {
			c.Expires = ctx.Time.Add(MaxAge)
		}
	}
	// Domain.
	if sc.HasDomain {
		d := canonHost(sc.Domain)
		if isPublicSuffix(d) {
			if d != host {
				return nil, InvalidDomain
			}
			c.Domain, c.HostOnly = d, true
		} else {
			if !domainMatch(host, d) {
				return nil, InvalidDomain
			}
			c.Domain = d
		}
	} else {
		c.Domain, c.HostOnly = host, true
	}
	// Path.
	c.Path = sc.Path
	if c.Path == "" {
		c.Path = defaultPath(u.Path)
	}
	secure := SecureOrigin(u)
	if sc.Secure && !secure {
		return nil, SecureOnly
	}
	if sc.SameSite == SameSiteNone && !sc.Secure && b.NoneRequiresSecure {
		return nil, SameSiteNoneInsecure
	}
	lower := strings.ToLower(sc.Name)
	if sc.Name == "" {
		// A nameless cookie must not pose as a prefixed one: its value
		// would be sent as "__Host-…" all the same.
		if v := strings.ToLower(sc.Value); strings.HasPrefix(v, "__secure-") || strings.HasPrefix(v, "__host-") {
			return nil, InvalidPrefix
		}
	}
	if strings.HasPrefix(lower, "__secure-") && !sc.Secure {
		return nil, InvalidPrefix
	}
	if strings.HasPrefix(lower, "__host-") && (!sc.Secure || sc.HasDomain || sc.Path != "/") {
		return nil, InvalidPrefix
	}
	// SameSite: a cross-site response may only set Lax or Strict cookies
	// on a top-level navigation.
	if ctx.CrossSite(b.Schemeful()) && !ctx.Navigation() {
		switch b.effective(sc.SameSite) {
		case SameSiteStrict:
			return nil, StrictCrossSite
		case SameSiteLax:
			if sc.SameSite == SameSiteUnset {
				return nil, UnspecifiedAsLax
			}
			return nil, LaxCrossSite
		}
	}
	// Third-party contexts.
	if ctx.ThirdParty() {
		top := Site(ctx.TopLevel, true)
		switch {
		case sc.Partitioned && sc.Secure, b.PartitionThirdParty:
			c.Partition = top
		case b.BlockThirdParty:
			return nil, ThirdPartyBlocked
		}
	}
	// Leave Secure cookies alone: an insecure origin may not set a cookie
	// whose name matches a Secure cookie that domain-matches and whose
	// path the new one's path-matches.
	if !secure && !sc.Secure {
		for _, e := range existing {
			if e.Secure && e.Name == c.Name && (domainMatch(c.Domain, e.Domain) || domainMatch(e.Domain, c.Domain)) && pathMatch(c.Path, e.Path) {
				return nil, OverwriteSecure
			}
		}
	}
	return c, OK
}

// Send decides whether b sends the stored cookie c with the request ctx
// describes.
func (b Browser) Send(c *Cookie, ctx Context) Reason {
	u := ctx.URL
	if u == nil {
		return SchemeNotSupported
	}
	if c.ExpiredAt(ctx.Time) {
		return Expired
	}
	host := canonHost(u.Hostname())
	if c.HostOnly {
		if host != c.Domain {
			return DomainMismatch
		}
	} else if !domainMatch(host, c.Domain) {
		return DomainMismatch
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if !pathMatch(p, c.Path) {
		return NotOnPath
	}
	if c.Secure && !SecureOrigin(u) {
		return SecureOnly
	}
	if c.Partition != "" {
		top := ctx.TopLevel
		if top == nil {
			top = u
		}
		if Site(top, true) != c.Partition {
			return PartitionMismatch
		}
	}
	if ctx.CrossSite(b.Schemeful()) {
		method := strings.ToUpper(ctx.Method)
		safe := method == "" || method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE"
		switch b.effective(c.SameSite) {
		case SameSiteStrict:
			return StrictCrossSite
		case SameSiteLax:
			if ctx.Navigation() && safe {
				break
			}
			if c.SameSite == SameSiteUnset {
				if ctx.Navigation() && b.LaxPOSTWindow > 0 && ctx.Time.Sub(c.Created) < b.LaxPOSTWindow {
					break
				}
				return UnspecifiedAsLax
			}
			return LaxCrossSite
		}
	}
	if ctx.ThirdParty() && c.Partition == "" {
		if b.PartitionThirdParty || b.BlockThirdParty {
			return ThirdPartyBlocked
		}
	}
	return OK
}

// effective returns the SameSite mode b enforces for s.
func (b Browser) effective(s SameSite) SameSite {
	if s == SameSiteUnset {
		if b.LaxByDefault {
			return SameSiteLax
		}
		return SameSiteNone
	}
	return s
}

// Schemeful reports whether b compares sites with their scheme (Chromium
// does since version 89; Firefox ships it off), the schemeful argument of
// Site and Context.CrossSite.
func (b Browser) Schemeful() bool { return b.LaxByDefault }

// isPublicSuffix reports whether d is a public suffix (ICANN or private
// section of the list), such as "com", "co.uk" or "github.io".
func isPublicSuffix(d string) bool {
	if d == "" || net.ParseIP(d) != nil {
		return false
	}
	ps, _ := publicsuffix.PublicSuffix(d)
	return ps == d
}

// domainMatch reports whether host domain-matches domain (RFC 6265bis
// 5.1.3): equal, or host ends with "."+domain and is not an IP address.
func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return strings.HasSuffix(host, "."+domain) && net.ParseIP(host) == nil
}

// pathMatch reports whether the request path p path-matches the cookie
// path cp (RFC 6265bis 5.1.4).
func pathMatch(p, cp string) bool {
	if p == cp {
		return true
	}
	if strings.HasPrefix(p, cp) {
		return strings.HasSuffix(cp, "/") || p[len(cp)] == '/'
	}
	return false
}

// defaultPath is the default-path of a request path (RFC 6265bis 5.1.4).
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
