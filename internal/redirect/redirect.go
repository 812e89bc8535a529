// Package redirect models what common HTTP clients do with the
// Authorization header when they follow a redirect. It is pure: no I/O,
// no clock, no global state.
//
// The rules, per client:
//
//   - browser: the Fetch standard's HTTP-redirect fetch deletes
//     Authorization when the redirect leaves the origin (scheme, host,
//     port) of the request that was just answered. The header is removed
//     from the request itself, so it stays gone on later hops.
//   - curl: 7.58 and later, with the CVE-2022-27776 fix, send it only while
//     scheme, host and port equal those of the URL the transfer started
//     with (unless --location-trusted). The decision is made afresh on each
//     hop, so a redirect back to the original origin gets it again.
//   - go: net/http's Client keeps it when the new host name equals the first
//     request's host name or is a subdomain of it; port and scheme do not
//     matter. Once stripped it stays stripped.
//   - python: requests' should_strip_auth strips on a host name change;
//     keeps http to https when the old port is 80 or absent and the new one
//     443 or absent; keeps a same-scheme hop between default or absent
//     ports; strips on any other port or scheme change. Stripped headers
//     are not restored on later hops.
package redirect

import (
	"net/url"
	"strings"
)

// The client names KeepsAuth reports on.
const (
	Browser = "browser"
	Curl    = "curl"
	Go      = "go"
	Python  = "python"
)

// Clients returns the client names KeepsAuth reports on, in a fixed order.
func Clients() []string {
	return []string{Browser, Curl, Go, Python}
}

// KeepsAuth reports, per client, whether the client would still send the
// Authorization header on the request to `to` after a redirect from
// `from`, for a transfer that started at `original`, assuming the header
// was still present on the request to `from`. For curl it assumes no
// --location-trusted. A nil URL makes every client drop the header.
//
// Use After to carry a client's earlier decision across a chain of hops.
func KeepsAuth(original, from, to *url.URL) map[string]bool {
	m := make(map[string]bool, 4)
	if original == nil || from == nil || to == nil {
		for _, c := range Clients() {
			m[c] = false
		}
		return m
	}
	m[Browser] = sameOrigin(from, to)
	m[Curl] = sameOrigin(original, to)
	m[Go] = goKeeps(original, to)
	m[Python] = !pythonStrips(from, to)
	return m
}

// After is KeepsAuth for a hop that follows earlier ones: prev is the
// answer for the previous hop (nil for the first redirect). A client that
// had already dropped the header keeps it dropped, except curl, which
// decides each hop against the original URL.
func After(prev map[string]bool, original, from, to *url.URL) map[string]bool {
	m := KeepsAuth(original, from, to)
	if prev == nil {
		return m
	}
	for _, c := range []string{Browser, Go, Python} {
		if v, ok := prev[c]; ok && !v {
			m[c] = false
		}
	}
	return m
}

// SameOrigin reports whether a and b share scheme, host name and port, with
// default ports (80 for http, 443 for https) made explicit and host names
// compared without regard to case. Nil URLs are never the same origin.
func SameOrigin(a, b *url.URL) bool {
	if a == nil || b == nil {
		return false
	}
	return sameOrigin(a, b)
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		EffectivePort(a) == EffectivePort(b)
}

// EffectivePort returns u's port, or the scheme's default port ("80" for
// http, "443" for https) when u names none. It returns "" for other schemes
// without a port.
func EffectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// goKeeps follows net/http: the header survives when the destination host
// equals the initial request's Host (including port) or its host name is
// the initial host name or a subdomain of it.
func goKeeps(original, to *url.URL) bool {
	if original.Host == to.Host {
		return true
	}
	ih, dh := original.Hostname(), to.Hostname()
	if dh == ih {
		return true
	}
	if strings.ContainsAny(dh, ":%") || ih == "" {
		return false
	}
	return strings.HasSuffix(dh, "."+ih)
}

// pythonStrips follows requests' SessionRedirectMixin.should_strip_auth.
func pythonStrips(from, to *url.URL) bool {
	if !strings.EqualFold(from.Hostname(), to.Hostname()) {
		return true
	}
	os, ns := strings.ToLower(from.Scheme), strings.ToLower(to.Scheme)
	op, okOld := portNumber(from)
	np, okNew := portNumber(to)
	if os == "http" && (!okOld || op == "80") && ns == "https" && (!okNew || np == "443") {
		return false
	}
	changedPort := okOld != okNew || op != np
	changedScheme := os != ns
	def := ""
	switch os {
	case "http":
		def = "80"
	case "https":
		def = "443"
	}
	isDefault := func(p string, ok bool) bool { return !ok || (def != "" && p == def) }
	if !changedScheme && isDefault(op, okOld) && isDefault(np, okNew) {
		return false
	}
	return changedPort || changedScheme
}

// portNumber returns the explicit port of u, normalised as a decimal
// number without leading zeros, and whether there was one.
func portNumber(u *url.URL) (string, bool) {
	p := u.Port()
	if p == "" {
		return "", false
	}
	trimmed := strings.TrimLeft(p, "0")
	if trimmed == "" {
		trimmed = "0"
	}
	return trimmed, true
}

// CrossHost reports whether a and b name different hosts (compared
// without regard to case, ports ignored).
func CrossHost(a, b *url.URL) bool {
	return !strings.EqualFold(a.Hostname(), b.Hostname())
}

// CrossPort reports whether a and b name the same host on different
// effective ports.
func CrossPort(a, b *url.URL) bool {
	return !CrossHost(a, b) && EffectivePort(a) != EffectivePort(b)
}

// Status reports whether an answer's status sends the client to its
// Location: 301, 302, 303, 307 and 308 (300 and 304 do not).
func Status(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}
