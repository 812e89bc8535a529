package jwt

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Describe returns human lines describing t: the header (alg, kid, typ),
// iss, sub, aud, azp, scopes, the token type claims, and iat, nbf and exp
// with times relative to now and the lifetime. It never includes the
// signature or the raw token. A nil token yields nil.
func Describe(t *Token, now time.Time) []string {
	if t == nil {
		return nil
	}
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }

	head := []string{"alg " + orDash(t.Alg)}
	if t.Kid != "" {
		head = append(head, fmt.Sprintf("kid %q", t.Kid))
	}
	if t.Typ != "" {
		head = append(head, fmt.Sprintf("typ %q", t.Typ))
	}
	if t.Segments == 5 {
		add("encrypted token (JWE): %s, enc %s; the claims cannot be read", strings.Join(head, ", "), orDash(stringOf(t.Header["enc"])))
		return lines
	}
	add("header: %s", strings.Join(head, ", "))
	if t.Claims == nil {
		add("claims: none readable")
		return lines
	}

	if t.Issuer != "" {
		add("iss %q", t.Issuer)
	}
	if t.Subject != "" {
		add("sub %q", t.Subject)
	}
	if len(t.Audience) > 0 {
		add("aud %s", quoteList(t.Audience))
	}
	if azp := stringOf(t.Claims["azp"]); azp != "" {
		add("azp %q (the client the token was issued to)", azp)
	} else if cid := stringOf(t.Claims["client_id"]); cid != "" {
		add("client_id %q", cid)
	}
	if len(t.Scopes) > 0 {
		add("scopes: %s", strings.Join(t.Scopes, " "))
	}
	if c := stringOf(t.Claims["typ"]); c != "" {
		add("claim typ %q", c)
	}
	if c := stringOf(t.Claims["token_use"]); c != "" {
		add("token_use %q", c)
	}
	if t.Claims["nonce"] != nil || t.Claims["at_hash"] != nil {
		if len(t.Scopes) == 0 {
			add("has nonce or at_hash and no scope: looks like an OpenID ID token")
		}
	}

	for _, d := range []struct {
		name string
		at   *time.Time
	}{{"iat", t.IssuedAt}, {"nbf", t.NotBefore}, {"exp", t.ExpiresAt}} {
		if d.at == nil {
			if _, why := numericDate(t.Claims[d.name]); why != "" {
				add("%s %s", d.name, why)
			}
			continue
		}
		add("%s %s (%s)", d.name, stamp(*d.at), relative(*d.at, now, d.name == "exp"))
	}
	if t.ExpiresAt == nil && t.Claims["exp"] == nil {
		add("exp absent: the token does not expire by itself")
	}
	if t.ExpiresAt != nil && t.IssuedAt != nil && t.ExpiresAt.After(*t.IssuedAt) {
		add("lifetime %s (exp - iat)", Human(t.ExpiresAt.Sub(*t.IssuedAt)))
	}

	var other []string
	for k := range t.Claims {
		if !describedClaims[k] {
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		sort.Strings(other)
		add("other claims: %s", strings.Join(other, ", "))
	}
	return lines
}

var describedClaims = map[string]bool{
	"iss": true, "sub": true, "aud": true, "azp": true, "client_id": true, "scope": true, "scp": true,
	"typ": true, "token_use": true, "iat": true, "nbf": true, "exp": true,
}

func relative(at, now time.Time, isExp bool) string {
	d := at.Sub(now)
	switch {
	case d == 0:
		if isExp {
			return "expires now"
		}
		return "now"
	case d > 0 && isExp:
		return "expires in " + Human(d)
	case d > 0:
		return "in " + Human(d) + ", in the future"
	case isExp:
		return "expired " + Human(d) + " ago"
	}
	return Human(d) + " ago"
}
