// Package credential analyses the credentials a request carries, as sent:
// the Authorization header (its scheme, Basic user and password, bearer
// token), API-key-like headers, cookies, the access_token query parameter
// and URL userinfo. It names what is malformed in them (a missing space
// after the scheme, bad base64, quotes, stray whitespace, a truncated or
// placeholder value) so checks can tell a malformed credential from a
// refused one.
//
// The package is pure: it reads only the header and URL it is given.
package credential

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// Analysis is what a request sends by way of credentials.
type Analysis struct {
	// Present reports whether the request carries any credential at all:
	// a non-blank Authorization header, a cookie, an API-key-like header,
	// a credential query parameter or URL userinfo.
	Present bool
	// Header is the first Authorization header value as sent ("" if none).
	Header string
	// Count is the number of Authorization header lines; more than one is
	// a problem ("duplicate").
	Count int
	// Scheme is the scheme as sent, e.g. "Basic", "bearer"; "" when the
	// value has none.
	Scheme string
	// Problems lists what is wrong or worth knowing, in the order found.
	Problems []Problem

	// User and Password are the decoded Basic credentials (or the URL
	// userinfo when there is no Authorization header).
	User, Password string
	// NonASCII reports Basic (or userinfo) bytes outside ASCII: client and
	// server may encode them differently (RFC 7617 §2.1).
	NonASCII bool
	// Latin1Ambiguous reports non-ASCII Basic bytes that are valid UTF-8,
	// so a server reading ISO-8859-1 (the historical default) sees other
	// characters than a server reading UTF-8.
	Latin1Ambiguous bool
	// Latin1 reports non-ASCII Basic bytes that are not valid UTF-8; User
	// and Password were read as ISO-8859-1 and a UTF-8 server sees garbage.
	Latin1 bool
	// PercentEncoded reports a Basic user or password holding %XX escapes,
	// often URL-encoded userinfo copied into the header.
	PercentEncoded bool

	// Token is the bearer or DPoP token, the value of another token scheme,
	// or the API key (from a header or the query) when there is no
	// Authorization header.
	Token string
	// Where says where the main credential sits: "authorization",
	// "header:X-Api-Key", "query:access_token", "url-userinfo", "cookie";
	// "" when nothing is sent.
	Where string
	// Places lists every place a credential was found, Where first.
	Places []string
	// Cookies lists the names of the cookies sent, in order.
	Cookies []string
	// Underscore reports a credential header whose name holds an
	// underscore (api_key): nginx drops such headers unless
	// underscores_in_headers is on.
	Underscore bool
}

// Problem is one thing wrong with (or worth knowing about) the credentials.
// Kind is one of the Kind constants; Detail is one human line that never
// quotes the secret itself.
type Problem struct {
	Kind   string
	Detail string
}

// Problem kinds. The informational ones (KindSchemeCase, KindNoScheme,
// KindUnderscore, KindSecretWhitespace, KindPercentEncoded) describe legal
// but risky values; Malformed ignores them.
const (
	KindNoSpace          = "no-space"          // "BasicYWxh", "Bearer:abc"
	KindStrayChar        = "stray-char"        // "Bearer: abc", the header name inside the value
	KindBadBase64        = "bad-base64"        // Basic credentials that are not base64
	KindNoColon          = "no-colon"          // decoded Basic credentials without ':'
	KindQuoted           = "quoted"            // the value is in quotes
	KindWhitespace       = "whitespace"        // leading, trailing or double spaces, tabs
	KindNewline          = "newline"           // CR or LF inside the value or the decoded Basic credentials
	KindTruncated        = "truncated"         // cut off: base64 length, JWT segments, trailing "." or "..."
	KindEmpty            = "empty"             // a scheme with no value, an empty header
	KindDuplicate        = "duplicate"         // several Authorization lines
	KindInvalidChar      = "invalid-char"      // a bearer token with characters outside token68
	KindPlaceholder      = "placeholder"       // "undefined", "null", "<token>", "$TOKEN", "Bearer Bearer x"
	KindSchemeCase       = "scheme-case"       // "bearer": legal, some servers reject it
	KindNoScheme         = "no-scheme"         // a bare token: some APIs want exactly that, most want a scheme
	KindUnderscore       = "underscore"        // a credential header name with '_'
	KindSecretWhitespace = "secret-whitespace" // the Basic user or password starts or ends with a space
	KindPercentEncoded   = "percent-encoded"   // %XX escapes in the Basic user or password
)

var informational = map[string]bool{
	KindSchemeCase: true, KindNoScheme: true, KindUnderscore: true,
	KindSecretWhitespace: true, KindPercentEncoded: true,
}

// Malformed reports whether any problem other than the informational ones
// was found.
func (a Analysis) Malformed() bool {
	for _, p := range a.Problems {
		if !informational[p.Kind] {
			return true
		}
	}
	return false
}

// Has reports whether a problem of kind k was found.
func (a Analysis) Has(k string) bool {
	for _, p := range a.Problems {
		if p.Kind == k {
			return true
		}
	}
	return false
}

func (a *Analysis) add(kind, format string, args ...any) {
	d := fmt.Sprintf(format, args...)
	d = strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(d) // one line, whatever the input
	a.Problems = append(a.Problems, Problem{kind, d})
}

func (a *Analysis) place(p string) {
	for _, q := range a.Places {
		if q == p {
			return
		}
	}
	a.Places = append(a.Places, p)
	if a.Where == "" {
		a.Where = p
	}
	a.Present = true
}

// Analyze looks at the credentials in h and in rawURL (its query and
// userinfo) as a request would send them. h may be nil and rawURL empty or
// unparseable; header names are matched case-insensitively, so a header
// map built by hand works too.
func Analyze(h http.Header, rawURL string) Analysis {
	var a Analysis
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)

	var auth []string
	for _, name := range names {
		if strings.EqualFold(name, "Authorization") {
			auth = append(auth, h[name]...)
		}
	}
	a.Count = len(auth)
	if a.Count > 0 {
		a.Header = auth[0]
		if strings.TrimSpace(a.Header) != "" {
			a.place("authorization")
		}
		a.authorization(a.Header)
		if a.Count > 1 {
			schemes := make([]string, len(auth))
			for i, v := range auth {
				schemes[i] = orDash(schemeOf(v))
			}
			a.add(KindDuplicate, "%d Authorization header lines (%s): servers take the first, the last or refuse the request", a.Count, strings.Join(schemes, ", "))
		}
	}

	for _, name := range names {
		if !isKeyHeader(name) {
			continue
		}
		for _, v := range h[name] {
			a.keyHeader(name, v)
		}
	}

	if u, err := url.Parse(rawURL); err == nil && rawURL != "" {
		a.query(u)
		a.userinfo(u)
	}

	for _, name := range names {
		if strings.EqualFold(name, "Cookie") {
			for _, v := range h[name] {
				a.cookies(v)
			}
		}
	}
	if len(a.Cookies) > 0 {
		a.place("cookie")
	}
	return a
}

// knownSchemes are authentication schemes seen in Authorization headers,
// in their usual spelling. Longer names sharing a prefix come first.
var knownSchemes = []string{
	"AWS4-HMAC-SHA256", "Bearer", "Basic", "Digest", "DPoP", "Negotiate", "NTLM", "Token",
	"ApiKey", "Api-Key", "Key", "JWT", "OAuth", "Hawk", "HOBA", "Mutual", "SCRAM-SHA-256",
	"SCRAM-SHA-1", "Splunk", "SSWS", "GoogleLogin", "Bot", "Client-ID", "Kerberos", "PrivateToken",
}

// canonicalScheme returns the usual spelling of a known scheme, or "".
func canonicalScheme(s string) string {
	for _, k := range knownSchemes {
		if strings.EqualFold(k, s) {
			return k
		}
	}
	return ""
}

// schemeOf returns the scheme word of an Authorization value.
func schemeOf(v string) string {
	v = strings.TrimLeft(v, " \t")
	if i := strings.IndexAny(v, " \t\r\n"); i >= 0 {
		return v[:i]
	}
	return v
}

func (a *Analysis) authorization(v string) {
	v = a.lineBreaks(v, "Authorization value")
	if strings.TrimSpace(v) == "" {
		a.add(KindEmpty, "Authorization header is empty")
		return
	}
	if t := strings.Trim(v, " \t"); t != v {
		a.add(KindWhitespace, "Authorization value has %s", edgeWhitespace(v))
		v = t
	}
	if unq, ok := unquote(v); ok {
		a.add(KindQuoted, "the whole Authorization value is in quotes")
		v = unq
	}
	if strings.HasPrefix(strings.ToLower(v), "authorization:") {
		a.add(KindStrayChar, "the value starts with \"Authorization:\": the header name was pasted into the value")
		v = strings.TrimLeft(v[len("authorization:"):], " \t")
		if v == "" {
			a.add(KindEmpty, "Authorization header holds nothing after the repeated header name")
			return
		}
	}

	scheme, rest, sep := v, "", ""
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		scheme = v[:i]
		j := i
		for j < len(v) && (v[j] == ' ' || v[j] == '\t') {
			j++
		}
		sep, rest = v[i:j], v[j:]
	}
	switch {
	case strings.HasSuffix(scheme, ":") && canonicalScheme(strings.TrimSuffix(scheme, ":")) != "":
		a.add(KindStrayChar, "scheme %q has a stray colon: write %q", scheme, canonicalScheme(strings.TrimSuffix(scheme, ":"))+" <credentials>")
		scheme = strings.TrimSuffix(scheme, ":")
	case canonicalScheme(scheme) == "" && sep == "":
		if s, r, ok := glued(v); ok {
			a.add(KindNoSpace, "no space after the scheme %s: %q", canonicalScheme(s), s+"…")
			scheme, rest = s, r
		}
	}
	if canonicalScheme(scheme) == "" && !looksLikeScheme(scheme, rest) {
		// No scheme at all: the whole value is the credential.
		a.Token = v
		a.add(KindNoScheme, "the Authorization value has no scheme; most servers want %q", "Bearer <token>")
		a.tokenChecks(v, "Authorization value", true)
		return
	}
	a.Scheme = scheme
	canon := canonicalScheme(scheme)
	if canon != "" && scheme != canon {
		a.add(KindSchemeCase, "scheme %q is legal (schemes are case-insensitive) but some servers accept only %q", scheme, canon)
	}
	if sep != "" && sep != " " {
		a.add(KindWhitespace, "%s between the scheme and the credentials, where one space is usual", describeSpaces(sep))
	}
	if rest == "" {
		a.add(KindEmpty, "scheme %s with no credentials after it", scheme)
		return
	}
	if unq, ok := unquote(rest); ok && canon != "Digest" {
		a.add(KindQuoted, "the %s credentials are in quotes", scheme)
		rest = unq
		if rest == "" {
			a.add(KindEmpty, "scheme %s with only empty quotes after it", scheme)
			return
		}
	}
	if second := schemeOf(rest); canonicalScheme(second) != "" && len(second) < len(rest) {
		a.add(KindPlaceholder, "scheme written twice: %q", scheme+" "+second+" …")
		rest = strings.TrimLeft(rest[len(second):], " \t")
	}

	switch canon {
	case "Basic":
		a.basic(rest)
	case "Digest", "AWS4-HMAC-SHA256", "OAuth", "Hawk", "Mutual", "HOBA", "SCRAM-SHA-256", "SCRAM-SHA-1":
		// Parameter lists, not a single token: nothing more to say here.
	default:
		a.Token = rest
		if reason := placeholder(rest); reason != "" {
			a.add(KindPlaceholder, "the %s credentials are %s", scheme, reason)
			return
		}
		a.tokenChecks(rest, scheme+" token", canon == "Bearer" || canon == "DPoP")
	}
}

// glued splits "BasicYWxh" or "Bearer:abc" into a known scheme and the
// rest when v begins with a scheme followed directly by a credential.
func glued(v string) (scheme, rest string, ok bool) {
	// Only schemes long or distinct enough that a bare credential rarely
	// starts with them; "Key" or "Token" would catch real API keys.
	for _, k := range []string{"Bearer", "Basic", "DPoP", "Digest", "Negotiate", "NTLM"} {
		if len(v) <= len(k) || !strings.EqualFold(v[:len(k)], k) {
			continue
		}
		r := strings.TrimLeft(v[len(k):], ":=,")
		if r == "" {
			continue
		}
		return v[:len(k)], r, true
	}
	return "", "", false
}

// looksLikeScheme reports whether an unknown first word is plausibly an
// auth scheme (a short token followed by credentials) rather than a bare
// credential.
func looksLikeScheme(word, rest string) bool {
	if rest == "" || len(word) > 20 {
		return false
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// lineBreaks reports CR or LF in v and returns v without them: a trailing
// line break is cut, an inner one ends the value.
func (a *Analysis) lineBreaks(v, what string) string {
	i := strings.IndexAny(v, "\r\n")
	if i < 0 {
		return v
	}
	if strings.TrimRight(v[i:], "\r\n \t") == "" {
		a.add(KindNewline, "%s ends with a line break (a token file or command output read with its newline)", what)
	} else {
		a.add(KindNewline, "%s contains a line break at byte %d: the rest is a separate header line or is refused", what, i)
	}
	return v[:i]
}

func edgeWhitespace(v string) string {
	lead := len(v) - len(strings.TrimLeft(v, " \t"))
	trail := len(v) - len(strings.TrimRight(v, " \t"))
	switch {
	case lead > 0 && trail > 0:
		return "leading and trailing whitespace"
	case lead > 0:
		return "leading whitespace"
	}
	return "trailing whitespace"
}

func describeSpaces(s string) string {
	if strings.Contains(s, "\t") {
		return "a tab"
	}
	return fmt.Sprintf("%d spaces", len(s))
}

// unquote strips one pair of matching double or single quotes.
func unquote(s string) (string, bool) {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1], true
	}
	return s, false
}

func (a *Analysis) basic(cred string) {
	if reason := placeholder(cred); reason != "" {
		a.add(KindPlaceholder, "the Basic credentials are %s", reason)
		return
	}
	if strings.Contains(cred, ":") {
		a.add(KindBadBase64, "the Basic credentials hold ':' and are not base64: user:password was sent without base64 encoding")
		user, pass, _ := strings.Cut(cred, ":")
		a.setUserPassword([]byte(user), []byte(pass))
		return
	}
	body := strings.TrimRight(cred, "=")
	pad := len(cred) - len(body)
	std := body
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/':
		case c == '-' || c == '_':
			if std == body {
				a.add(KindBadBase64, "the Basic credentials use URL-safe base64 ('-' or '_'); Basic wants standard base64 ('+' and '/')")
			}
			std = strings.NewReplacer("-", "+", "_", "/").Replace(body)
		case c == '=':
			a.add(KindBadBase64, "the Basic credentials have '=' at byte %d, inside the value", i)
			return
		case c == ' ' || c == '\t':
			a.add(KindWhitespace, "the Basic credentials contain whitespace at byte %d", i)
			return
		default:
			a.add(KindBadBase64, "the Basic credentials contain %s at byte %d, not base64", describeByte(c), i)
			return
		}
	}
	switch {
	case len(body)%4 == 1:
		a.add(KindTruncated, "the Basic credentials have %d base64 characters, which no encoding produces: cut off or corrupted", len(body))
		return
	case pad > 2 || pad > 0 && (len(body)+pad)%4 != 0:
		a.add(KindBadBase64, "the Basic credentials have %d '=' padding characters where %d are right", pad, (4-len(body)%4)%4)
	case pad == 0 && len(body)%4 != 0:
		a.add(KindTruncated, "the Basic credentials are %d characters, not a multiple of 4: the '=' padding was dropped or the value was cut off", len(body))
	}
	d, err := base64.RawStdEncoding.DecodeString(std)
	if err != nil {
		a.add(KindBadBase64, "the Basic credentials are not valid base64")
		return
	}
	if len(d) == 0 {
		a.add(KindEmpty, "the Basic credentials decode to nothing")
		return
	}
	if i := indexLineBreak(d); i >= 0 {
		if len(strings.TrimRight(string(d[i:]), "\r\n")) == 0 {
			a.add(KindNewline, "the decoded Basic credentials end with a line break: encoded from echo without -n or a file with a final newline")
		} else {
			a.add(KindNewline, "the decoded Basic credentials contain a line break at byte %d", i)
		}
		d = []byte(strings.TrimRight(string(d), "\r\n"))
	}
	user, pass, found := strings.Cut(string(d), ":")
	if !found {
		a.add(KindNoColon, "the decoded Basic credentials have no ':' between user and password")
	}
	a.setUserPassword([]byte(user), []byte(pass))
	if found && user == "" && pass == "" {
		a.add(KindEmpty, "the Basic credentials decode to an empty user and password")
	}
}

func indexLineBreak(b []byte) int {
	for i, c := range b {
		if c == '\r' || c == '\n' {
			return i
		}
	}
	return -1
}

// setUserPassword records decoded Basic (or userinfo) bytes and what their
// encoding implies.
func (a *Analysis) setUserPassword(user, pass []byte) {
	all := append(append([]byte{}, user...), pass...)
	for _, c := range all {
		if c >= 0x80 {
			a.NonASCII = true
			break
		}
	}
	if a.NonASCII {
		if utf8.Valid(all) {
			a.Latin1Ambiguous = true
		} else {
			a.Latin1 = true
			user, pass = latin1ToUTF8(user), latin1ToUTF8(pass)
		}
	}
	a.User, a.Password = string(user), string(pass)
	for _, f := range []struct{ name, v string }{{"user", a.User}, {"password", a.Password}} {
		if f.v != "" && strings.TrimSpace(f.v) != f.v {
			a.add(KindSecretWhitespace, "the Basic %s starts or ends with whitespace: legal, but often a copy-paste slip", f.name)
		}
		if hasPercentEscape(f.v) {
			a.PercentEncoded = true
			a.add(KindPercentEncoded, "the Basic %s holds %%XX escapes: URL-encoded userinfo copied as is? The server compares the escaped text", f.name)
		}
	}
}

func latin1ToUTF8(b []byte) []byte {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return []byte(string(r))
}

func hasPercentEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && isHex(s[i+1]) && isHex(s[i+2]) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func describeByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return fmt.Sprintf("%q", c)
}

// tokenChecks looks for a cut-off or mistyped token. strict applies the
// RFC 6750 b64token character set.
func (a *Analysis) tokenChecks(tok, what string, strict bool) {
	switch {
	case strings.HasSuffix(tok, "...") || strings.HasSuffix(tok, "…"):
		a.add(KindTruncated, "the %s ends with an ellipsis: copied from a shortened display", what)
		return
	case strings.HasPrefix(tok, "eyJ"):
		switch dots := strings.Count(tok, "."); dots {
		case 2, 4:
		case 0, 1:
			a.add(KindTruncated, "the %s looks like a JWT but has %d segments; a JWT has 3: cut off", what, dots+1)
			return
		}
	case strings.HasSuffix(tok, "."):
		a.add(KindTruncated, "the %s ends with '.': cut off mid-way", what)
		return
	}
	if i := strings.IndexAny(tok, " \t"); i >= 0 {
		a.add(KindWhitespace, "the %s contains whitespace at byte %d", what, i)
		return
	}
	if strict {
		if i := invalidToken68(tok); i >= 0 {
			a.add(KindInvalidChar, "the %s contains %s at byte %d, which a bearer token cannot hold", what, describeByte(tok[i]), i)
		}
	}
}

// invalidToken68 returns the index of the first byte that RFC 6750's
// b64token grammar does not allow, or -1.
func invalidToken68(s string) int {
	body := strings.TrimRight(s, "=")
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' {
			continue
		}
		return i
	}
	return -1
}

// placeholders are values that stand for a credential that never got
// filled in.
var placeholders = map[string]bool{
	"undefined": true, "null": true, "nil": true, "none": true, "nan": true, "[object object]": true,
	"true": true, "false": true, "token": true, "your_token": true, "your-token": true, "yourtoken": true,
	"api_key": true, "apikey": true, "api-key": true, "your_api_key": true, "your-api-key": true,
	"access_token": true, "changeme": true, "change_me": true, "replace_me": true, "placeholder": true,
	"secret": true, "xxx": true, "redacted": true, "[redacted]": true, "<redacted>": true,
}

// placeholder returns why v looks like a placeholder ("the literal
// \"undefined\"", "an unexpanded shell variable"), or "".
func placeholder(v string) string {
	low := strings.ToLower(v)
	switch {
	case placeholders[low]:
		return fmt.Sprintf("the literal %q, a placeholder or an unset variable", v)
	case strings.HasPrefix(v, "${") || len(v) > 1 && v[0] == '$' && (isLetter(v[1]) || v[1] == '_'):
		return "an unexpanded shell variable ($NAME)"
	case strings.Contains(v, "{{") && strings.Contains(v, "}}"):
		return "an unresolved template variable ({{name}})"
	case strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">"):
		return "a placeholder in angle brackets (<...>)"
	case len(v) > 2 && v[0] == '%' && v[len(v)-1] == '%' && !strings.ContainsAny(v[1:len(v)-1], "% "):
		return "an unexpanded Windows variable (%NAME%)"
	case strings.HasPrefix(low, "your") && (strings.Contains(low, "token") || strings.Contains(low, "key") || strings.Contains(low, "secret") || strings.Contains(low, "password")):
		return "example text (\"your…\") that was never replaced"
	case len(v) >= 3 && (strings.Trim(v, "*") == "" || strings.Trim(low, "x") == "" || strings.Trim(v, "•") == ""):
		return "a masked value (copied from a display that hides secrets)"
	}
	return ""
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// apiKeyHeaders are header names that carry an API key or token.
var apiKeyHeaders = map[string]bool{
	"x-api-key": true, "api-key": true, "x-auth-token": true, "x-access-token": true, "private-token": true,
}

// isKeyHeader reports whether a request header name carries an API key or
// token: the well-known names and any name holding "token", "api-key",
// "api_key", "apikey" or "auth", except Authorization itself,
// Proxy-Authorization (meant for a proxy) and anti-CSRF tokens (not
// credentials).
func isKeyHeader(name string) bool {
	n := strings.ToLower(name)
	switch {
	case n == "authorization" || n == "proxy-authorization":
		return false
	case strings.Contains(n, "csrf") || strings.Contains(n, "xsrf"):
		return false
	case apiKeyHeaders[n]:
		return true
	}
	return strings.Contains(n, "token") || strings.Contains(n, "api-key") || strings.Contains(n, "api_key") ||
		strings.Contains(n, "apikey") || strings.Contains(n, "auth")
}

func (a *Analysis) keyHeader(name, v string) {
	what := "header " + name
	if strings.Contains(name, "_") && !a.Underscore {
		a.Underscore = true
		a.add(KindUnderscore, "header %s has an underscore: nginx drops such headers unless underscores_in_headers is on; try %s", name, strings.ReplaceAll(name, "_", "-"))
	}
	v = a.lineBreaks(v, what)
	if t := strings.Trim(v, " \t"); t != v {
		if t != "" {
			a.add(KindWhitespace, "%s has %s", what, edgeWhitespace(v))
		}
		v = t
	}
	if v == "" {
		a.add(KindEmpty, "%s is empty", what)
		return
	}
	if unq, ok := unquote(v); ok {
		a.add(KindQuoted, "%s is in quotes", what)
		v = unq
	}
	if reason := placeholder(v); reason != "" {
		a.add(KindPlaceholder, "%s is %s", what, reason)
	}
	first := a.Where == ""
	a.place("header:" + name)
	if first {
		a.Token = v
		if canonicalScheme(schemeOf(v)) != "" && schemeOf(v) != v {
			a.add(KindNoScheme, "%s starts with the scheme %s; most API-key headers want the bare key", what, schemeOf(v))
		}
	}
}

// queryParams are query parameters that carry a credential. access_token
// is the one RFC 6750 §2.3 defines (and discourages).
var queryParams = []string{"access_token", "api_key", "apikey", "api-key", "token", "auth_token", "private_token", "jwt"}

func (a *Analysis) query(u *url.URL) {
	q, _ := url.ParseQuery(u.RawQuery) // keep what parsed; a stray '%' spoils only its pair
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, want := range queryParams {
		for _, name := range names {
			if !strings.EqualFold(name, want) || len(q[name]) == 0 {
				continue
			}
			v := q[name][0]
			if v == "" {
				a.add(KindEmpty, "query parameter %s is empty", name)
				continue
			}
			first := a.Where == ""
			a.place("query:" + name)
			if first {
				a.Token = v
			}
			if reason := placeholder(v); reason != "" {
				a.add(KindPlaceholder, "query parameter %s is %s", name, reason)
			}
		}
	}
}

func (a *Analysis) userinfo(u *url.URL) {
	if u.User == nil {
		return
	}
	pass, hasPass := u.User.Password()
	if u.User.Username() == "" && !hasPass {
		return
	}
	a.place("url-userinfo")
	if a.Count == 0 {
		a.setUserPassword([]byte(u.User.Username()), []byte(pass))
	}
}

// cookies records the names in one Cookie header value. It is lenient, as
// servers are: pairs without '=' and empty pieces are skipped.
func (a *Analysis) cookies(v string) {
	for _, part := range strings.Split(v, ";") {
		name, _, ok := strings.Cut(strings.TrimSpace(part), "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			continue
		}
		a.Cookies = append(a.Cookies, name)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ParseBasic decodes an Authorization value of the Basic scheme (any
// case) into user and password. ok is false when v is not Basic, its
// credentials are not standard base64, or the decoded text has no ':'.
// Analyze says what is wrong with such a value; ParseBasic only reads a
// well-formed one.
func ParseBasic(v string) (user, pass string, ok bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(dec), ":")
}

// Kinds names the credentials a request's headers carry as probe evidence
// records them: the Authorization scheme in lowercase, then "cookie".
func Kinds(h http.Header) []string {
	var out []string
	if a := strings.Fields(h.Get("Authorization")); len(a) > 0 {
		out = append(out, strings.ToLower(a[0]))
	}
	if h.Get("Cookie") != "" {
		out = append(out, "cookie")
	}
	return out
}
