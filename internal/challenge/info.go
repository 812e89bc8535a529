package challenge

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Info is the scheme-specific meaning of a challenge, as returned by
// Challenge.Info. Fields that do not apply to the scheme stay empty.
type Info struct {
	// Scheme is the canonical spelling for known schemes (Basic, Bearer,
	// Digest, Negotiate, NTLM, DPoP) and the scheme as sent otherwise.
	Scheme string
	Known  bool // Scheme is one of the known schemes above
	Realm  string
	// Charset is the charset parameter of Basic (RFC 7617) or Digest
	// (RFC 7616); the only value either allows is "UTF-8".
	Charset string
	// Error, ErrorDescription and ErrorURI are the error parameters of
	// Bearer (RFC 6750 §3) and DPoP (RFC 9449 §7.1).
	Error, ErrorDescription, ErrorURI string
	Scope                             []string // Bearer/DPoP scope, split on spaces
	ResourceMetadata                  string   // RFC 9728 resource_metadata parameter, any scheme
	Algs                              []string // DPoP algs, split on spaces
	// Nonce, Opaque and Algorithm are Digest parameters (RFC 7616);
	// Algorithm is "MD5" when the challenge names none.
	Nonce, Opaque, Algorithm string
	QOP                      []string // Digest qop options, split on commas
	Stale                    bool     // Digest stale=true (case-insensitive)
	UserHash                 bool     // Digest userhash=true (case-insensitive)
	Domain                   []string // Digest domain URIs, split on spaces
	// Token68 is the challenge's token68 data: for Negotiate and NTLM the
	// server's continuation token, if any.
	Token68 string
	// Warnings lists deviations from the specifications, one lowercase
	// line each, in a stable order.
	Warnings []string
}

// canonical maps lowercased scheme names to their canonical spelling.
var canonical = map[string]string{
	"basic":     "Basic",
	"bearer":    "Bearer",
	"digest":    "Digest",
	"negotiate": "Negotiate",
	"ntlm":      "NTLM",
	"dpop":      "DPoP",
}

// bearerErrors are the error codes of RFC 6750 §3.1 with the status each
// belongs with; dpopErrors adds those of RFC 9449 §7.1 and §8.
var (
	bearerErrors = []string{"invalid_request", "invalid_token", "insufficient_scope"}
	dpopErrors   = []string{"invalid_request", "invalid_token", "insufficient_scope", "invalid_dpop_proof", "use_dpop_nonce"}
)

// digestAlgorithms are the algorithms of RFC 7616 §3.3 and §6.1.
var digestAlgorithms = []string{"MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"}

// Info interprets c according to its scheme's specification and lists
// where c deviates from it. It never fails: an unknown scheme yields its
// realm, resource_metadata, token68 data and duplicate-parameter warnings.
func (c Challenge) Info() Info {
	in := Info{Scheme: c.Scheme, Token68: c.Token68}
	if s, ok := canonical[strings.ToLower(c.Scheme)]; ok {
		in.Scheme, in.Known = s, true
	}
	in.Realm, _ = c.Param("realm")
	in.ResourceMetadata, _ = c.Param("resource_metadata")
	in.Warnings = duplicateWarnings(c.Params)

	if v, ok := c.Param("resource_metadata"); ok {
		if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" {
			in.warn("resource_metadata %q is not an https url (RFC 9728)", v)
		}
	}

	switch in.Scheme {
	case "Basic":
		c.basicInfo(&in)
	case "Bearer", "DPoP":
		c.bearerInfo(&in)
	case "Digest":
		c.digestInfo(&in)
	case "Negotiate", "NTLM":
		if len(c.Params) > 0 {
			in.warn("%s challenge carries auth-params; the scheme exchanges only token68 data", strings.ToLower(in.Scheme))
		}
	}
	return in
}

func (in *Info) warn(format string, args ...any) {
	in.Warnings = append(in.Warnings, fmt.Sprintf(format, args...))
}

// duplicateWarnings reports parameter names sent more than once, which
// RFC 9110 §11.2 forbids, in order of first appearance.
func duplicateWarnings(ps []Param) []string {
	var ws []string
	count := map[string]int{}
	for _, p := range ps {
		count[strings.ToLower(p.Name)]++
	}
	for _, p := range ps {
		n := strings.ToLower(p.Name)
		if count[n] > 1 {
			ws = append(ws, fmt.Sprintf("parameter %q appears %d times; each may appear only once per challenge (RFC 9110 §11.2)", n, count[n]))
			count[n] = 0
		}
	}
	return ws
}

func (c Challenge) basicInfo(in *Info) {
	if c.Token68 != "" {
		in.warn("basic challenge carries token68 data; RFC 7617 defines only the realm and charset parameters")
	}
	if _, ok := c.Param("realm"); !ok {
		in.warn("basic challenge has no realm; RFC 7617 requires one")
	}
	c.charset(in, "RFC 7617")
}

func (c Challenge) charset(in *Info, rfc string) {
	if v, ok := c.Param("charset"); ok {
		in.Charset = v
		if !strings.EqualFold(v, "UTF-8") {
			in.warn("charset %q is not allowed; %s permits only UTF-8", v, rfc)
		}
	}
}

func (c Challenge) bearerInfo(in *Info) {
	lower := strings.ToLower(in.Scheme)
	rfc, codes := "RFC 6750", bearerErrors
	if in.Scheme == "DPoP" {
		rfc, codes = "RFC 9449", dpopErrors
	}
	if c.Token68 != "" {
		if len(c.Params) > 0 {
			in.warn("%s challenge has both token68 data and auth-params", lower)
		} else {
			in.warn("%s challenge carries token68 data; %s defines only auth-params", lower, rfc)
		}
	}
	in.Error, _ = c.Param("error")
	in.ErrorDescription, _ = c.Param("error_description")
	in.ErrorURI, _ = c.Param("error_uri")
	if v, ok := c.Param("scope"); ok {
		in.Scope = fields(v)
		if bad := outside(v, 0x21, true); bad >= 0 {
			in.warn("scope holds the character %s, which %s does not allow in scope tokens", charAt(v, bad), rfc)
		}
	}
	if v, ok := c.Param("algs"); ok && in.Scheme == "DPoP" {
		in.Algs = fields(v)
		if len(in.Algs) == 0 {
			in.warn("dpop algs parameter is empty")
		}
	}
	if _, ok := c.Param("error"); ok {
		known := false
		for _, e := range codes {
			if in.Error == e {
				known = true
			}
		}
		if !known {
			in.warn("%s error code %q is not one %s defines (%s)", lower, in.Error, rfc, strings.Join(codes, ", "))
		}
	}
	if _, ok := c.Param("error_description"); ok {
		if bad := outside(in.ErrorDescription, 0x20, false); bad >= 0 {
			in.warn("error_description holds the character %s, which RFC 6750 §3 does not allow", charAt(in.ErrorDescription, bad))
		}
	}
	if _, ok := c.Param("error_uri"); ok {
		if u, err := url.Parse(in.ErrorURI); err != nil || !u.IsAbs() {
			in.warn("error_uri %q is not an absolute uri (RFC 6750 §3)", in.ErrorURI)
		}
	}
}

// fields splits s at spaces and tabs; it returns nil when s holds none.
func fields(s string) []string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return nil
	}
	return f
}

// outside returns the index of the first byte of s outside the set RFC
// 6750 allows in its quoted values (from lo to 0x7E without '"' and '\'),
// or -1. With space true, spaces are allowed too (they separate scope
// tokens).
func outside(s string, lo byte, space bool) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' && space {
			continue
		}
		if c < lo || c > 0x7e || c == '"' || c == '\\' {
			return i
		}
	}
	return -1
}

func (c Challenge) digestInfo(in *Info) {
	if c.Token68 != "" {
		in.warn("digest challenge carries token68 data; RFC 7616 defines only auth-params")
	}
	if _, ok := c.Param("realm"); !ok {
		in.warn("digest challenge has no realm; RFC 7616 requires one")
	}
	var ok bool
	if in.Nonce, ok = c.Param("nonce"); !ok {
		in.warn("digest challenge has no nonce; RFC 7616 requires one")
	}
	in.Opaque, _ = c.Param("opaque")
	in.Algorithm = "MD5"
	if v, ok := c.Param("algorithm"); ok {
		in.Algorithm = v
		known := false
		for _, a := range digestAlgorithms {
			if strings.EqualFold(v, a) {
				known = true
			}
		}
		if !known {
			in.warn("digest algorithm %q is not one RFC 7616 defines (%s)", v, strings.Join(digestAlgorithms, ", "))
		}
	}
	if v, ok := c.Param("qop"); ok {
		for _, q := range strings.Split(v, ",") {
			q = strings.Trim(q, " \t")
			if q == "" {
				continue
			}
			in.QOP = append(in.QOP, q)
			if !strings.EqualFold(q, "auth") && !strings.EqualFold(q, "auth-int") {
				in.warn("digest qop option %q is not one RFC 7616 defines (auth, auth-int)", q)
			}
		}
		if len(in.QOP) == 0 {
			in.warn("digest qop parameter is empty")
		}
	} else {
		in.warn("digest challenge has no qop; RFC 7616 requires it (without it clients fall back to the RFC 2069 form)")
	}
	if v, ok := c.Param("stale"); ok {
		in.Stale = strings.EqualFold(v, "true")
	}
	if v, ok := c.Param("userhash"); ok {
		in.UserHash = strings.EqualFold(v, "true")
	}
	if v, ok := c.Param("domain"); ok {
		in.Domain = fields(v)
	}
	c.charset(in, "RFC 7616")
}

// charAt quotes the character at byte offset i of s: the rune when s holds
// valid UTF-8 there, else the byte.
func charAt(s string, i int) string {
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && n <= 1 {
		return fmt.Sprintf(`'\x%02x'`, s[i])
	}
	return fmt.Sprintf("%q", r)
}
