package challenge

import "strings"

// Param is one auth-param of a challenge. Name is lowercased (parameter
// names are case-insensitive); Value is unquoted and unescaped, whether it
// was sent as a token or as a quoted-string.
type Param struct{ Name, Value string }

// Challenge is one challenge of a WWW-Authenticate or Proxy-Authenticate
// field. Scheme is as sent (case kept). Token68 is set when the challenge
// used the token68 form; Params holds the auth-params in the order sent,
// duplicates included. A well-formed challenge has Token68 or Params, not
// both; the parser keeps both when a server sends both.
type Challenge struct {
	Scheme  string
	Token68 string
	Params  []Param
}

// Is reports whether c's scheme is scheme, compared case-insensitively.
func (c Challenge) Is(scheme string) bool {
	return strings.EqualFold(c.Scheme, scheme)
}

// Param returns the value of the first parameter called name, compared
// case-insensitively, and whether there was one.
func (c Challenge) Param(name string) (string, bool) {
	for _, p := range c.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}

// mustQuote names the parameters that the specifications defining them
// write only as quoted-strings (RFC 9110 §11.5 for realm, RFC 7616, RFC
// 6750, RFC 9449, RFC 9728). Other values are quoted only when they are
// not tokens.
var mustQuote = map[string]bool{
	"realm":             true,
	"domain":            true,
	"nonce":             true,
	"opaque":            true,
	"qop":               true,
	"scope":             true,
	"error":             true,
	"error_description": true,
	"error_uri":         true,
	"algs":              true,
	"resource_metadata": true,
}

// String returns c in canonical form: the scheme, then either the token68
// data or the parameters as name=value separated by ", ". A value is
// written as a quoted-string, with '"' and '\' escaped, when it is empty,
// not a token, or a parameter its specification always quotes (realm,
// nonce, scope, ...). When c holds both token68 data and parameters, the
// parameters follow the token68 data after a comma. Parsing the result of
// String gives c back for any challenge Parse returned.
func (c Challenge) String() string {
	var b strings.Builder
	b.WriteString(c.Scheme)
	sep := " "
	if c.Token68 != "" {
		b.WriteString(" ")
		b.WriteString(c.Token68)
		sep = ", "
	}
	for i, p := range c.Params {
		if i > 0 {
			sep = ", "
		}
		b.WriteString(sep)
		b.WriteString(p.Name)
		b.WriteByte('=')
		if p.Value != "" && IsToken(p.Value) && !mustQuote[strings.ToLower(p.Name)] {
			b.WriteString(p.Value)
		} else {
			b.WriteString(Quote(p.Value))
		}
	}
	return b.String()
}

// Quote returns v as an RFC 9110 quoted-string: in double quotes, with
// '"' and '\' escaped by a backslash. It does not check that v holds only
// characters a quoted-string allows.
func Quote(v string) string {
	return `"` + quoteEscaper.Replace(v) + `"`
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// Find returns the first challenge in cs whose scheme is scheme, compared
// case-insensitively, and whether there was one.
func Find(cs []Challenge, scheme string) (Challenge, bool) {
	for _, c := range cs {
		if c.Is(scheme) {
			return c, true
		}
	}
	return Challenge{}, false
}

// isTchar reports whether c may appear in a token (RFC 9110 §5.6.2).
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isToken68Char reports whether c may appear in token68 before its "="
// padding (RFC 9110 §11.2).
func isToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}

// IsToken reports whether s is a non-empty RFC 9110 token (§5.6.2), the
// syntax of auth schemes, parameter names, methods and header names.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return true
}

// lowerASCII lowercases the ASCII letters of s.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
