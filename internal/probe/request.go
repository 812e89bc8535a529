package probe

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/why401/why401/internal/redact"
)

// base is the user's request split into what is not secret (header) and
// what is (secret: Authorization, API-key headers; literal cookies).
type base struct {
	method string
	url    *url.URL
	header http.Header // non-secret headers, defaults applied
	secret http.Header // credential headers other than Cookie
	cookie string      // literal -b value, "" when none
	// cookieLines are Cookie header values the user gave (-H), sent each
	// on its own line after the cookie engine's.
	cookieLines []string
	body        []byte
	hasBody     bool
	userJar     *fileJar // -b cookie files, nil when none
	// challengeUser: the user's -u credentials wait for a challenge
	// (--digest, --anyauth).
	challengeUser bool
}

// isSecretHeader reports whether a request header carries a credential:
// every header the output hides (redact.IsSecretHeader: Authorization,
// API keys, tokens, secrets, DPoP) and any other name holding "auth"
// (X-Authenticated-User).
func isSecretHeader(name string) bool {
	return redact.IsSecretHeader(name) || strings.Contains(strings.ToLower(name), "auth")
}

// buildBase turns the configuration into the request as given.
func buildBase(c *config) *base {
	b := &base{
		method:        c.method,
		url:           cloneURL(c.target),
		header:        http.Header{},
		secret:        http.Header{},
		hasBody:       c.hasData,
		challengeUser: c.hasUser && c.challengeFirst() && c.o.Bearer == "",
	}
	if c.hasData {
		b.body = append([]byte{}, c.o.Data...)
	}
	b.header.Set("Accept", "*/*")
	if c.o.UserAgent != "" {
		b.header.Set("User-Agent", c.o.UserAgent)
	}
	if c.o.Referer != "" {
		b.header.Set("Referer", c.o.Referer)
	}
	if c.hasData {
		b.header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	var cookies []string
	names := make([]string, 0, len(c.o.Header))
	for k := range c.o.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		vals := c.o.Header[k]
		ck := http.CanonicalHeaderKey(k)
		if allEmpty(vals) {
			b.header.Del(ck) // "Name:" removes a default header
			continue
		}
		var kept []string
		for _, v := range vals {
			if v != "" {
				kept = append(kept, v)
			}
		}
		switch {
		case ck == "Cookie":
			cookies = append(cookies, kept...)
		case isSecretHeader(ck):
			b.secret[ck] = kept
		default:
			b.header[ck] = kept
		}
	}
	for _, k := range c.o.EmptyHeader {
		b.header[http.CanonicalHeaderKey(k)] = []string{""}
	}
	if b.secret.Get("Authorization") == "" {
		switch {
		case c.o.Bearer != "":
			b.secret.Set("Authorization", "Bearer "+c.o.Bearer)
		case c.hasUser && c.challengeFirst():
			// Sent once a challenge asks for it (see run.challengeAnswer).
		case c.hasUser:
			b.secret.Set("Authorization", basicAuthorization(c.user))
		}
	}
	if b.secret.Get("Authorization") != "" {
		b.challengeUser = false // curl sends the given header and none of its own
	}
	b.cookieLines = append(cookies, c.o.CookieHeader...)
	if len(b.cookieLines) == 0 {
		// As curl: a Cookie header of the user's replaces -b's strings.
		b.cookie = strings.Join(c.literal, "; ")
	}
	if len(c.fileCookie) > 0 {
		b.userJar = loadJar(c.fileCookie, c.now())
	}
	return b
}

func allEmpty(vals []string) bool {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// hasQueryToken reports whether u carries an access_token parameter.
func hasQueryToken(u *url.URL) bool {
	return u.Query().Has("access_token")
}

// withoutQueryToken returns u without its access_token parameter.
func withoutQueryToken(u *url.URL) *url.URL {
	v := cloneURL(u)
	if !hasQueryToken(u) {
		return v
	}
	q := v.Query()
	q.Del("access_token")
	v.RawQuery = q.Encode()
	return v
}

// credentialKinds names what the request as given carries.
func (b *base) credentialKinds() []string {
	var out []string
	add := func(k string) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if a := b.secret.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(strings.TrimSpace(a), " ")
		switch strings.ToLower(scheme) {
		case "basic":
			add("basic")
		case "bearer":
			add("bearer")
		default:
			add("other-header")
		}
	}
	for k := range b.secret {
		if k != "Authorization" {
			add("other-header")
		}
	}
	if b.challengeUser {
		add("digest")
	}
	if b.hasCookies() {
		add("cookie")
	}
	if hasQueryToken(b.url) {
		add("query")
	}
	return out
}

// hasCookies reports whether the request as given sends any user cookie.
func (b *base) hasCookies() bool {
	return b.cookie != "" || len(b.cookieLines) > 0 || (b.userJar != nil && len(b.userJar.Cookies(b.url)) > 0)
}

// hasNonCookieCredential reports whether the request carries a credential
// other than cookies.
func (b *base) hasNonCookieCredential() bool {
	return len(b.secret) > 0 || hasQueryToken(b.url)
}

// corsSafelisted reports whether a header (name lowercased) with value v
// is CORS-safelisted for a simple request.
func corsSafelisted(name, v string) bool {
	switch name {
	case "accept", "accept-language", "content-language":
		return true
	case "content-type":
		mt, _, _ := strings.Cut(v, ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
			return true
		}
		return false
	case "range":
		return strings.HasPrefix(strings.TrimSpace(v), "bytes=")
	}
	return false
}

// browserControlled are request headers a page's script cannot set; the
// browser sends its own and they play no part in a preflight.
var browserControlled = map[string]bool{
	"user-agent": true, "referer": true, "cookie": true, "host": true, "origin": true,
	"content-length": true, "connection": true, "accept-encoding": true, "keep-alive": true,
	"te": true, "trailer": true, "transfer-encoding": true, "upgrade": true, "via": true,
	"expect": true, "date": true, "dnt": true,
}

// preflightHeaders returns the sorted lowercase names of the request's
// headers that are not CORS-safelisted.
func (b *base) preflightHeaders() []string {
	seen := map[string]bool{}
	consider := func(h http.Header) {
		for k, vs := range h {
			n := strings.ToLower(k)
			if browserControlled[n] || strings.HasPrefix(n, "sec-") || strings.HasPrefix(n, "proxy-") {
				continue
			}
			v := ""
			if len(vs) > 0 {
				v = vs[0]
			}
			if !corsSafelisted(n, v) {
				seen[n] = true
			}
		}
	}
	consider(b.header)
	consider(b.secret)
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// corsSimpleMethod reports whether m needs no preflight.
func corsSimpleMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodPost
}

// otherScheme returns u over the other scheme, default ports swapped.
func otherScheme(u *url.URL) *url.URL {
	v := cloneURL(u)
	from := v.Scheme
	if from == "https" {
		v.Scheme = "http"
	} else {
		v.Scheme = "https"
	}
	if p := v.Port(); p != "" {
		if (from == "http" && p == "80") || (from == "https" && p == "443") {
			v.Host = hostOnly(v)
		}
	}
	return v
}

// hostOnly returns u's host without port, IPv6 literals bracketed.
func hostOnly(u *url.URL) string {
	h := u.Hostname()
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// requestTarget is the request-target of an origin-form request to u.
func requestTarget(u *url.URL) string {
	return u.RequestURI()
}

// challengeFirst reports whether -u waits for a challenge, as curl's
// --digest and --anyauth do.
func (c *config) challengeFirst() bool {
	return c.o.HTTPAuth == "digest" || c.o.HTTPAuth == "anyauth"
}
