package jwt

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ProblemKind names one reason a server may refuse a token.
type ProblemKind string

// The kinds of problem Check reports.
const (
	AlgNone        ProblemKind = "alg-none"          // alg is "none" or missing: the token is unsigned
	Expired        ProblemKind = "expired"           // exp is in the past
	NotYetValid    ProblemKind = "not-yet-valid"     // nbf is in the future
	IssuedInFuture ProblemKind = "issued-in-future"  // iat is in the future
	Issuer         ProblemKind = "issuer"            // iss matches no expected issuer
	Audience       ProblemKind = "audience"          // aud holds none of the expected audiences
	WrongType      ProblemKind = "wrong-type"        // typ or token_use says ID, refresh or DPoP proof, not an access token
	Scope          ProblemKind = "scope"             // an expected scope is missing
	BadClaim       ProblemKind = "bad-claim"         // a registered claim has the wrong JSON type or an unusable value
	NoExpiry       ProblemKind = "no-expiry"         // there is no exp claim
	Encrypted      ProblemKind = "encrypted"         // a JWE: claims cannot be checked
	Unreadable     ProblemKind = "unreadable-claims" // no claims at all (a nil or hand-made token)
)

// Problem is one reason a token may be refused. Detail is one human line,
// e.g. "exp 2026-11-20T10:00:00Z is 3h12m ago".
type Problem struct {
	Kind   ProblemKind
	Detail string
}

// Expect is what a server wants of a token. Empty lists are not checked.
type Expect struct {
	// Audience passes when the token's aud holds ANY of these values
	// (exact, case-sensitive comparison as RFC 7519 says).
	Audience []string
	// Issuer passes when iss equals ANY of these, after trimming one
	// trailing slash from both sides.
	Issuer []string
	// Scope passes when the token has ALL of these scopes.
	Scope []string
	// Leeway is the clock leeway allowed for exp, nbf and iat.
	Leeway time.Duration
}

// Check measures the token against e at time now and returns every problem,
// most serious first: alg none, expired, not yet valid, issued in the
// future, issuer, audience, wrong type, scope, bad claims, no expiry. It
// returns nil when it finds nothing. A nil token or a JWE yields a single
// problem saying the claims cannot be checked.
func (t *Token) Check(e Expect, now time.Time) []Problem {
	if t == nil {
		return []Problem{{Unreadable, "no token to check"}}
	}
	var ps []Problem
	add := func(k ProblemKind, format string, args ...any) {
		ps = append(ps, Problem{k, fmt.Sprintf(format, args...)})
	}

	switch alg := strings.TrimSpace(t.Alg); {
	case strings.EqualFold(alg, "none"):
		add(AlgNone, "alg is %q: the token is unsigned and any server that checks signatures rejects it", alg)
	case alg == "" && t.Header != nil:
		add(AlgNone, "header has no alg: the token cannot be verified")
	}
	if t.Segments == 5 {
		add(Encrypted, "encrypted token (JWE): only the recipient can read and check its claims")
		return ps
	}
	if t.Claims == nil {
		add(Unreadable, "token has no readable claims")
		return ps
	}

	leeway := e.Leeway
	if leeway < 0 {
		leeway = -leeway
	}
	if t.ExpiresAt != nil && !now.Before(t.ExpiresAt.Add(leeway)) {
		add(Expired, "exp %s is %s ago%s", stamp(*t.ExpiresAt), Human(now.Sub(*t.ExpiresAt)), leewayNote(leeway))
	}
	if t.NotBefore != nil && now.Before(t.NotBefore.Add(-leeway)) {
		add(NotYetValid, "nbf %s is %s from now%s: the issuer's clock or this one is off", stamp(*t.NotBefore), Human(t.NotBefore.Sub(now)), leewayNote(leeway))
	}
	if t.IssuedAt != nil && now.Before(t.IssuedAt.Add(-leeway)) {
		add(IssuedInFuture, "iat %s is %s from now%s: the issuer's clock or this one is off", stamp(*t.IssuedAt), Human(t.IssuedAt.Sub(now)), leewayNote(leeway))
	}

	if len(e.Issuer) > 0 {
		if t.Issuer == "" {
			add(Issuer, "token has no iss; expected %s", quoteList(e.Issuer))
		} else if !matchIssuer(t.Issuer, e.Issuer) {
			add(Issuer, "iss %q is not the expected %s%s", t.Issuer, quoteList(e.Issuer), issuerHint(t.Issuer, e.Issuer))
		}
	}
	if len(e.Audience) > 0 {
		if len(t.Audience) == 0 {
			add(Audience, "token has no aud; expected %s", quoteList(e.Audience))
		} else if !slices.ContainsFunc(t.Audience, func(a string) bool { return slices.Contains(e.Audience, a) }) {
			add(Audience, "aud %s holds none of the expected %s%s", quoteList(t.Audience), quoteList(e.Audience), audienceHint(t.Audience, e.Audience))
		}
	}
	if d := t.wrongType(); d != "" {
		add(WrongType, "%s", d)
	}
	if len(e.Scope) > 0 {
		var missing []string
		for _, s := range e.Scope {
			if !slices.Contains(t.Scopes, s) {
				missing = append(missing, s)
			}
		}
		switch {
		case len(missing) == 0:
		case len(t.Scopes) == 0:
			add(Scope, "token has no scope or scp claim; needs %s", strings.Join(missing, " "))
		default:
			add(Scope, "token lacks scope %s (has %s)", strings.Join(missing, " "), strings.Join(t.Scopes, " "))
		}
	}

	for _, name := range []string{"exp", "nbf", "iat"} {
		if _, why := numericDate(t.Claims[name]); why != "" {
			add(BadClaim, "%s %s", name, why)
		}
	}
	if _, ok := stringList(t.Claims["aud"]); !ok {
		add(BadClaim, "aud is %s, not a string or an array of strings", jsonKind(t.Claims["aud"]))
	}
	for _, name := range []string{"iss", "sub"} {
		if v, present := t.Claims[name]; present {
			if _, ok := v.(string); !ok {
				add(BadClaim, "%s is %s, not a string", name, jsonKind(v))
			}
		}
	}
	if _, present := t.Claims["exp"]; !present {
		add(NoExpiry, "token has no exp claim; servers that require one reject it")
	}
	return ps
}

// wrongType returns a detail line when the header or claims say the token
// is not an access token, or "" when nothing says so.
func (t *Token) wrongType() string {
	typ := strings.ToLower(strings.TrimPrefix(strings.ToLower(t.Typ), "application/"))
	switch typ {
	case "dpop+jwt":
		return fmt.Sprintf("header typ %q: this is a DPoP proof, which belongs in the DPoP header; the access token goes in Authorization", t.Typ)
	case "refresh+jwt":
		return fmt.Sprintf("header typ %q: a refresh token, to be exchanged at the token endpoint, not sent to an API", t.Typ)
	case "logout+jwt":
		return fmt.Sprintf("header typ %q: an OpenID logout token, not an access token", t.Typ)
	case "secevent+jwt":
		return fmt.Sprintf("header typ %q: a security event token, not an access token", t.Typ)
	case "id+jwt", "id_token+jwt":
		return fmt.Sprintf("header typ %q: an ID token, not an access token", t.Typ)
	}
	// Keycloak puts a "typ" claim in the payload: Bearer, ID, Refresh, Offline, Logout.
	switch c := stringOf(t.Claims["typ"]); strings.ToLower(c) {
	case "id":
		return fmt.Sprintf("claim typ %q: an OpenID ID token, sent where an access token is wanted", c)
	case "refresh", "offline":
		return fmt.Sprintf("claim typ %q: a refresh token, to be exchanged at the token endpoint, not sent to an API", c)
	case "logout":
		return fmt.Sprintf("claim typ %q: a logout token, not an access token", c)
	}
	// Amazon Cognito: token_use is "id" or "access".
	switch c := stringOf(t.Claims["token_use"]); strings.ToLower(c) {
	case "id":
		return fmt.Sprintf("token_use %q: an ID token, sent where an access token is wanted", c)
	case "refresh":
		return fmt.Sprintf("token_use %q: a refresh token, not an access token", c)
	}
	return ""
}

func trimSlash(s string) string { return strings.TrimSuffix(s, "/") }

func matchIssuer(iss string, want []string) bool {
	for _, w := range want {
		if trimSlash(iss) == trimSlash(w) {
			return true
		}
	}
	return false
}

// issuerHint explains the common ways an issuer differs: http versus
// https, an internal host name, another path.
func issuerHint(iss string, want []string) string {
	got, err := url.Parse(iss)
	if err != nil || got.Host == "" {
		return ""
	}
	for _, w := range want {
		exp, err := url.Parse(w)
		if err != nil || exp.Host == "" {
			continue
		}
		samePath := trimSlash(got.Path) == trimSlash(exp.Path)
		switch {
		case samePath && strings.EqualFold(got.Host, exp.Host) && got.Scheme != exp.Scheme:
			return fmt.Sprintf(" (%s versus %s: the issuer builds its URL from the wrong scheme, often behind a TLS proxy)", got.Scheme, exp.Scheme)
		case samePath && !strings.EqualFold(got.Host, exp.Host):
			return fmt.Sprintf(" (same path, host %q versus %q: the token was issued through another host name, often an internal one)", got.Host, exp.Host)
		case strings.EqualFold(got.Host, exp.Host) && !samePath:
			return fmt.Sprintf(" (same host, path %q versus %q: another realm or tenant)", got.Path, exp.Path)
		}
	}
	return ""
}

func audienceHint(aud, want []string) string {
	for _, a := range aud {
		for _, w := range want {
			switch {
			case trimSlash(a) == trimSlash(w):
				return " (they differ only by a trailing slash; aud is compared exactly)"
			case strings.EqualFold(a, w):
				return " (they differ only in case; aud is compared exactly)"
			}
		}
	}
	if len(aud) == 1 && aud[0] == "account" {
		return " (\"account\" is Keycloak's default audience: add an audience mapper for this API's client)"
	}
	return ""
}

func leewayNote(l time.Duration) string {
	if l == 0 {
		return ""
	}
	return " (leeway " + Human(l) + ")"
}

func quoteList(list []string) string {
	if len(list) == 1 {
		return fmt.Sprintf("%q", list[0])
	}
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func stamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// Human formats a duration for people: "45s", "5m30s", "3h12m", "2d4h". It
// drops the sign and rounds to the second; under a second is "0s".
func Human(d time.Duration) string {
	if d < 0 {
		d = -d
		if d < 0 { // math.MinInt64 has no positive counterpart
			d = math.MaxInt64
		}
	}
	s := int64(d.Round(time.Second) / time.Second)
	days, s := s/86400, s%86400
	hours, s := s/3600, s%3600
	mins, secs := s/60, s%60
	switch {
	case days > 0:
		if hours == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd%dh", days, hours)
	case hours > 0:
		if mins == 0 {
			return fmt.Sprintf("%dh", hours)
		}
		return fmt.Sprintf("%dh%dm", hours, mins)
	case mins > 0:
		if secs == 0 {
			return fmt.Sprintf("%dm", mins)
		}
		return fmt.Sprintf("%dm%ds", mins, secs)
	}
	return fmt.Sprintf("%ds", secs)
}
