package jwt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Token is a decoded JSON Web Token. Parse fills it; nothing in it has been
// verified.
type Token struct {
	// Raw is the token exactly as given to Parse.
	Raw string
	// Header is the decoded JOSE header; Claims the decoded payload (nil
	// for a JWE). JSON numbers are float64, as encoding/json makes them.
	Header map[string]any
	Claims map[string]any

	// Alg, Kid and Typ are the header parameters of those names ("" when
	// absent or not a string).
	Alg, Kid, Typ string
	// Issuer and Subject are the iss and sub claims ("" when absent or not
	// a string).
	Issuer, Subject string
	// Audience is aud, given as a string or an array of strings.
	Audience []string
	// Scopes come from "scope" (a space-separated string) and "scp" (a
	// string or an array), without duplicates, in the order found.
	Scopes []string
	// ExpiresAt, NotBefore and IssuedAt are exp, nbf and iat; nil when
	// absent or when the value is not a usable NumericDate (see Check).
	// Fractional seconds are kept.
	ExpiresAt, NotBefore, IssuedAt *time.Time
	// Segments is the number of dot-separated parts: 3 for a JWS, 5 for a
	// JWE (encrypted: its claims cannot be read).
	Segments int
}

// MalformedError says why a string is not a readable token. Reason is one
// line, lowercase, without a final period.
type MalformedError struct{ Reason string }

// Error returns the reason prefixed with "malformed token".
func (e *MalformedError) Error() string { return "malformed token: " + e.Reason }

func malformed(format string, args ...any) *MalformedError {
	return &MalformedError{Reason: fmt.Sprintf(format, args...)}
}

// segmentNames names the parts of a compact JWS (and, by index, a JWE).
var segmentNames = [...]string{"header", "payload", "signature"}
var jweSegmentNames = [...]string{"header", "encrypted key", "iv", "ciphertext", "tag"}

// Parse decodes a compact JWS (header.payload.signature). It does not verify
// the signature or check any claim.
//
// When raw is not a token, the error is a *MalformedError naming the cause:
// the segment count, the segment with bad base64url, the segment with bad
// JSON. For a JWE (five segments) Parse returns the token with Header, Alg,
// Kid, Typ and Segments filled and Claims nil, together with a
// *MalformedError saying the claims cannot be read; callers that only need
// the header may use that token.
func Parse(raw string) (*Token, error) {
	if raw == "" {
		return nil, malformed("empty string")
	}
	if i := strings.IndexFunc(raw, isSpace); i >= 0 {
		if scheme := raw[:i]; strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "DPoP") {
			return nil, malformed("starts with the scheme %q: pass the token without it", scheme)
		}
		return nil, malformed("contains whitespace at byte %d", i)
	}
	parts := strings.Split(raw, ".")
	n := len(parts)
	switch {
	case n == 1:
		return nil, malformed("no dots: a JWT has 3 dot-separated segments (header.payload.signature)")
	case n == 2:
		return nil, malformed("2 segments: a JWT has 3 (header.payload.signature); the signature part is missing or the token was cut off")
	case n == 4:
		return nil, malformed("4 segments: a JWS has 3 and a JWE 5")
	case n > 5:
		return nil, malformed("%d segments: a JWS has 3 and a JWE 5", n)
	}

	t := &Token{Raw: raw, Segments: n}
	names := segmentNames[:]
	if n == 5 {
		names = jweSegmentNames[:]
	}
	hdrBytes, err := decodeSegment(parts[0], names[0])
	if err != nil {
		return nil, err
	}
	if t.Header, err = decodeObject(hdrBytes, names[0]); err != nil {
		return nil, err
	}
	t.Alg = stringOf(t.Header["alg"])
	t.Kid = stringOf(t.Header["kid"])
	t.Typ = stringOf(t.Header["typ"])

	if n == 5 {
		for i := 1; i < 5; i++ {
			if _, err := decodeSegment(parts[i], names[i]); err != nil {
				return nil, err
			}
		}
		enc := stringOf(t.Header["enc"])
		return t, malformed("encrypted token (JWE, alg %s, enc %s): the claims cannot be read without the recipient's key", orDash(t.Alg), orDash(enc))
	}

	payload, err := decodeSegment(parts[1], names[1])
	if err != nil {
		return nil, err
	}
	if _, err := decodeSegment(parts[2], names[2]); err != nil {
		return nil, err
	}
	if t.Claims, err = decodeObject(payload, names[1]); err != nil {
		return nil, err
	}
	t.fillClaims()
	return t, nil
}

func (t *Token) fillClaims() {
	c := t.Claims
	t.Issuer = stringOf(c["iss"])
	t.Subject = stringOf(c["sub"])
	t.Audience, _ = stringList(c["aud"])
	var scopes []string
	if s, ok := c["scope"].(string); ok {
		scopes = append(scopes, strings.Fields(s)...)
	}
	switch v := c["scp"].(type) {
	case string:
		scopes = append(scopes, strings.Fields(v)...)
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				// A scope token holds no whitespace (RFC 6749 §3.3).
				scopes = append(scopes, strings.Fields(s)...)
			}
		}
	}
	t.Scopes = dedupe(scopes)
	t.ExpiresAt, _ = numericDate(c["exp"])
	t.NotBefore, _ = numericDate(c["nbf"])
	t.IssuedAt, _ = numericDate(c["iat"])
}

// LooksLikeJWT reports whether s has the shape of a compact JWT: it starts
// with "eyJ" (the base64url of `{"`), has two dots (a JWS) or four (a JWE),
// and holds only base64url characters between them. It decodes nothing.
func LooksLikeJWT(s string) bool {
	if !strings.HasPrefix(s, "eyJ") {
		return false
	}
	dots := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			dots++
		case isB64URL(c):
		default:
			return false
		}
	}
	return dots == 2 || dots == 4
}

func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}

// decodeSegment decodes one unpadded base64url segment and names what is
// wrong with it when it cannot.
func decodeSegment(seg, name string) ([]byte, error) {
	if seg == "" {
		if name == "signature" || name == "encrypted key" {
			// An unsecured JWS (alg none) has an empty signature; a JWE
			// with direct encryption (alg dir) an empty encrypted key.
			return nil, nil
		}
		return nil, malformed("%s segment is empty", name)
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if isB64URL(c) {
			continue
		}
		switch {
		case c == '=':
			return nil, malformed("%s segment has '=' padding: JWTs use unpadded base64url", name)
		case c == '+' || c == '/':
			return nil, malformed("%s segment has %q: standard base64, not base64url", name, c)
		case c == '"' || c == '\'':
			return nil, malformed("%s segment contains a quote at byte %d", name, i)
		case c < 0x20 || c == 0x7f:
			return nil, malformed("%s segment contains control byte 0x%02x at byte %d", name, c, i)
		case c >= 0x80:
			return nil, malformed("%s segment contains a non-ASCII byte at byte %d", name, i)
		default:
			return nil, malformed("%s segment contains %q, not base64url", name, c)
		}
	}
	if len(seg)%4 == 1 {
		return nil, malformed("%s segment has an impossible base64url length %d: cut off or corrupted", name, len(seg))
	}
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		// Only non-canonical trailing bits are left to fail here.
		return nil, malformed("%s segment is not valid base64url: trailing bits are not zero", name)
	}
	return b, nil
}

// decodeObject decodes a JSON object and says which segment is not one.
func decodeObject(b []byte, name string) (map[string]any, error) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if !utf8.Valid(b) {
			return nil, malformed("%s segment decodes to binary data, not JSON", name)
		}
		return nil, malformed("%s segment is not a JSON object", name)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, malformed("%s segment is not valid JSON: %s", name, oneLine(err.Error()))
	}
	return m, nil
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "\r", " ")
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// stringList reads a claim that is a string or an array of strings. ok is
// false when v is present but of another shape.
func stringList(v any) (list []string, ok bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{v}, true
	case []any:
		ok = true
		for _, e := range v {
			s, isStr := e.(string)
			if !isStr {
				ok = false
				continue
			}
			list = append(list, s)
		}
		return list, ok
	}
	return nil, false
}

func dedupe(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// maxNumericDate is 9999-12-31T23:59:59Z, the last second worth reading.
const maxNumericDate = 253402300799

// numericDate converts a NumericDate claim. It returns nil and a reason
// when v is absent (reason "") or not usable.
func numericDate(v any) (*time.Time, string) {
	if v == nil {
		return nil, ""
	}
	f, ok := v.(float64)
	if !ok {
		if s, isStr := v.(string); isStr {
			return nil, fmt.Sprintf("is the string %q, not a number of seconds", truncate(s, 40))
		}
		return nil, fmt.Sprintf("is %s, not a number of seconds", jsonKind(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, "is not a finite number"
	}
	if f > maxNumericDate {
		if f/1000 <= maxNumericDate {
			return nil, fmt.Sprintf("%s looks like milliseconds since the epoch; NumericDate counts seconds", formatNumber(f))
		}
		return nil, fmt.Sprintf("%s is beyond the year 9999", formatNumber(f))
	}
	if f < -maxNumericDate {
		return nil, fmt.Sprintf("%s is before the year 1", formatNumber(f))
	}
	sec, frac := math.Modf(f)
	t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return &t, ""
}

func formatNumber(f float64) string {
	return fmt.Sprintf("%.0f", f)
}

// jsonKind names the JSON type of a decoded value, with its article.
func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
