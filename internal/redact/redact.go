// Package redact hides secrets (passwords, tokens, cookies, signed URL
// parameters) in strings that reach output. Every renderer and every
// check that quotes a request goes through it; --show-secrets bypasses it
// at the renderer.
package redact

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/credential"
)

// Mask replaces the middle of a secret with its length, keeping a short
// prefix so two secrets can still be told apart: "eyJhbG…(812 chars)".
func Mask(s string) string {
	if s == "" {
		return ""
	}
	keep := 6
	if len(s) <= 12 {
		keep = 0
	}
	if keep == 0 {
		return fmt.Sprintf("…(%d chars)", len(s))
	}
	return fmt.Sprintf("%s…(%d chars)", s[:keep], len(s))
}

// secretHeaders are header names whose values are secret as a whole.
var secretHeaders = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"set-cookie":          true,
	"x-api-key":           true,
	"api-key":             true,
	"x-auth-token":        true,
	"x-access-token":      true,
	"private-token":       true,
	"x-csrf-token":        true,
	"x-xsrf-token":        true,
	"dpop":                true,
}

// IsSecretHeader reports whether a header's value should be hidden: the
// headers above, and any name holding "token", "api-key", "api_key",
// "apikey", "secret" or "auth" (X-Auth-Key; the probe sends these as
// credentials), except the challenge headers (WWW-Authenticate,
// Proxy-Authenticate, Authentication-Info), which hold no secret.
func IsSecretHeader(name string) bool {
	n := strings.ToLower(name)
	if secretHeaders[n] {
		return true
	}
	return strings.Contains(n, "token") || strings.Contains(n, "api-key") ||
		strings.Contains(n, "api_key") || strings.Contains(n, "apikey") || strings.Contains(n, "secret") ||
		strings.Contains(n, "auth") && !strings.Contains(n, "authenticat")
}

// Header returns value with its secret parts hidden when name is a
// secret header; other values come back unchanged.
func Header(name, value string) string {
	switch n := strings.ToLower(name); {
	case n == "authorization" || n == "proxy-authorization":
		return Authorization(value)
	case n == "cookie":
		return Cookie(value)
	case n == "set-cookie":
		return SetCookie(value)
	case IsSecretHeader(n):
		return Mask(value)
	}
	return value
}

// Authorization keeps the scheme and, for Basic, the user name, and masks
// the rest: "Basic <alice:••••>", "Bearer eyJhbG…(812 chars)".
func Authorization(v string) string {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return Mask(v)
	}
	if user, _, ok := credential.ParseBasic(v); ok {
		return scheme + " <" + user + ":••••>"
	}
	return scheme + " " + Mask(strings.TrimSpace(rest))
}

// Cookie keeps cookie names and hides values: "sid=…; theme=…".
func Cookie(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[i] = name + "=…"
	}
	return strings.Join(parts, "; ")
}

// SetCookie hides the value of a Set-Cookie line but keeps its attributes,
// which are what cookie diagnoses are about.
func SetCookie(v string) string {
	first, attrs, _ := strings.Cut(v, ";")
	name, val, _ := strings.Cut(strings.TrimSpace(first), "=")
	out := name + "="
	if val != "" {
		out += "…"
	}
	if attrs != "" {
		out += ";" + attrs
	}
	return out
}

// secretParams are query parameters that carry credentials.
var secretParams = map[string]bool{
	"access_token": true, "token": true, "id_token": true, "refresh_token": true, "code": true,
	"api_key": true, "apikey": true, "key": true, "sig": true, "signature": true,
	"x-amz-signature": true, "x-amz-security-token": true, "x-amz-credential": true,
	"x-goog-signature": true, "x-goog-credential": true, "password": true, "pass": true, "secret": true,
	"client_secret": true, "auth": true, "session": true, "sid": true,
	// Signatures of signed links (anyone holding the link gets in).
	"hmac": true, "hash": true, "md5": true, "verify": true,
}

// URL hides the password of userinfo and the values of credential-bearing
// parameters of the query and of a name=value fragment. A string that
// url.Parse refuses is redacted by its text, in the same places.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return unparsedURL(raw)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if secretParams[strings.ToLower(k)] {
				for i := range q[k] {
					q[k][i] = "xxxxx"
				}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if u.Fragment == "" {
		return u.String()
	}
	// A fragment can carry a token too (the OAuth implicit flow).
	frag := u.EscapedFragment()
	u.Fragment, u.RawFragment = "", ""
	return u.String() + "#" + pairs(frag)
}

// unparsedURL is URL for a string url.Parse refuses (a bad %-escape, a
// control character): it cuts the text at "://", "@", "?", "#" and "&"
// and hides the userinfo password and the values of secretParams,
// keeping the rest as it was.
func unparsedURL(raw string) string {
	rest, frag, hasFrag := strings.Cut(raw, "#")
	head, query, hasQuery := strings.Cut(rest, "?")
	if scheme, after, ok := strings.Cut(head, "://"); ok {
		authority, path := after, ""
		if i := strings.IndexByte(after, '/'); i >= 0 {
			authority, path = after[:i], after[i:]
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			if user, _, hasPass := strings.Cut(authority[:at], ":"); hasPass {
				authority = user + ":xxxxx" + authority[at:]
			}
		}
		head = scheme + "://" + authority + path
	}
	out := head
	if hasQuery {
		out += "?" + pairs(query)
	}
	if hasFrag {
		out += "#" + pairs(frag)
	}
	return out
}

// pairs hides the values of secretParams in s, a query or fragment of
// name=value pairs joined by "&", keeping everything else as it was.
func pairs(s string) string {
	parts := strings.Split(s, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		key, err := url.QueryUnescape(name)
		if err != nil {
			key = name
		}
		if hasValue && secretParams[strings.ToLower(key)] {
			parts[i] = name + "=xxxxx"
		}
	}
	return strings.Join(parts, "&")
}
