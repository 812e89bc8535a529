// Package cookie decides, as current Chromium and Firefox do, whether a
// Set-Cookie is stored and whether a stored cookie is sent, and names the
// reason when not.
//
// The rules are RFC 6265bis as browsers ship it: the parsing algorithm,
// Domain matched against the public suffix list
// (golang.org/x/net/publicsuffix), host-only cookies, Path matching,
// Secure only from secure origins (localhost counts), SameSite=None only
// with Secure, the __Secure- and __Host- prefixes, Max-Age over Expires
// and the 400-day cap, the name plus value size limit, schemeful
// same-site, Chromium's SameSite=Lax default with its two-minute exception
// for top-level POSTs, Partitioned cookies, and third-party cookie
// blocking as an option. Reasons carry the names Chromium's DevTools
// protocol uses (CookieBlockedReason) so verdicts can be compared with
// what the browser itself reports.
//
// Firefox differs from Chromium where it ships differently: SameSite
// absent means None (Firefox did not ship Lax by default), sites are
// compared without their scheme, and third-party cookies are partitioned
// by the top-level site (Total Cookie Protection); like Chromium it
// refuses SameSite=None without Secure. These are the prefs of the real
// Firefox 153 ESR, which test/browser reads from the running browser.
//
// Everything here is pure: no I/O, the clock comes from the caller.
package cookie
