package checks

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/jwt"
)

// Token reports what is wrong with a bearer token: its own claims against
// the local clock and the expectations (flags or discovery), its signature
// against the JWKS, and what the server's error says.
var Token = &diagnosis.Check{
	Name: "token",
	Doc:  "report expired, not yet valid, wrong-audience, wrong-issuer, under-scoped, badly signed or malformed bearer tokens",
	Causes: []catalog.ID{catalog.TokenExpired, catalog.TokenNotYetValid, catalog.TokenAudience,
		catalog.TokenIssuer, catalog.TokenScope, catalog.TokenSignature, catalog.TokenMalformed, catalog.TokenWrongType},
	Run: runToken,
}

// tokenLeeway is the clock leeway allowed for exp, nbf and iat, as most
// resource servers allow some.
const tokenLeeway = 30 * time.Second

func tokenExpect(p *diagnosis.Pass) jwt.Expect {
	return jwt.Expect{
		Audience: p.Evidence.Probe.Expect.Audience,
		Issuer:   p.Evidence.Probe.Expect.Issuer,
		Scope:    p.Evidence.Probe.Expect.Scope,
		Leeway:   tokenLeeway,
	}
}

// serverSays maps words of a server's error_description or body to causes.
var serverSays = []struct {
	re    *regexp.Regexp
	cause catalog.ID
}{
	{regexp.MustCompile(`(?i)expired|\bexp\b|lifetime`), catalog.TokenExpired},
	{regexp.MustCompile(`(?i)not (yet )?valid (yet|before)|used before|\bnbf\b|not yet valid|before '|issued in the future`), catalog.TokenNotYetValid},
	{regexp.MustCompile(`(?i)audience|\baud\b`), catalog.TokenAudience},
	{regexp.MustCompile(`(?i)issuer|\biss\b`), catalog.TokenIssuer},
	{regexp.MustCompile(`(?i)signature|\bkid\b|signing key|key not found|jwks`), catalog.TokenSignature},
	{regexp.MustCompile(`(?i)malformed|decode|not well.?formed|invalid (jwt )?format|segments`), catalog.TokenMalformed},
}

func runToken(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	code := status(e)
	if e == nil || e.Response == nil || !(code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusBadRequest) {
		return nil
	}
	r := e.Response
	cs := p.Evidence.Facts.Challenges(r)
	info, hasBearer := bearerChallenge(cs)
	sentBearer := p.Evidence.Facts.Sent().Token != ""

	// The server's own words: RFC 6750 error codes and descriptions.
	if hasBearer && sentBearer {
		if info.Error == "insufficient_scope" {
			ev := []string{line(e), challengeLine(r, cs)}
			if len(info.Scope) > 0 {
				ev = append(ev, "required scope: "+strings.Join(info.Scope, " "))
			}
			if tok, _ := p.Evidence.Facts.Token(); tok != nil {
				ev = append(ev, "the token's scopes: "+cmp.Or(strings.Join(tok.Scopes, " "), "(none)"))
			}
			p.Reportf(catalog.TokenScope, finding.Certain-0.02, ev, "The token lacks the scope this endpoint needs")
		}
		if info.ErrorDescription != "" {
			for _, s := range serverSays {
				if s.re.MatchString(info.ErrorDescription) {
					p.Reportf(s.cause, finding.Likely+0.1, []string{line(e), challengeLine(r, cs)}, "The server says: %s", info.ErrorDescription)
					break
				}
			}
		}
	}

	tok, err := p.Evidence.Facts.Token()
	if err != nil {
		ev := []string{line(e), "the bearer token looks like a JWT but does not decode: " + err.Error()}
		p.Reportf(catalog.TokenMalformed, finding.Strong, ev, "The token is not a well-formed JWT")
		return nil
	}
	if tok == nil {
		return nil
	}
	now := p.Now
	for _, pr := range tok.Check(tokenExpect(p), now) {
		ev := []string{line(e), pr.Detail}
		id, conf, text, ok := problemCause(pr.Kind)
		if !ok {
			continue
		}
		if id == catalog.TokenAudience || id == catalog.TokenIssuer {
			ev = withSource(ev, p)
		}
		p.Reportf(id, conf, ev, "%s", text)
	}
	if len(p.Evidence.Probe.Expect.JWKS) > 0 {
		if err := jwt.Verify(tok, p.Evidence.Probe.Expect.JWKS); err != nil {
			src := p.Evidence.Probe.Expect.JWKSSource
			ev := []string{line(e), fmt.Sprintf("verifying against the JWKS from %s: %v", src, err)}
			conf := finding.Strong
			title := "The token's signature does not verify"
			switch {
			case errors.Is(err, jwt.ErrKidNotFound):
				title = fmt.Sprintf("The token's signing key (kid %q) is not in the server's key set", tok.Kid)
			case errors.Is(err, jwt.ErrBadJWKS):
				conf = finding.Suspicion - 0.1
				title = "The key set to verify the token could not be read"
			case errors.Is(err, jwt.ErrUnsupportedAlg), errors.Is(err, jwt.ErrNoKey):
				conf = finding.Likely
			}
			p.Reportf(catalog.TokenSignature, conf, ev, "%s", title)
		}
	}
	// The token is fine by our clock but the server's clock disagrees:
	// judge it again at the server's time so the clock check can rank.
	if date, ok := diagnosis.ServerDate(r); ok {
		skew := date.Sub(r.Received)
		if skew > time.Minute || skew < -time.Minute {
			local, remote := byBothClocks(tok, now, skew)
			if remote[jwt.Expired] && !local[jwt.Expired] {
				p.Reportf(catalog.TokenExpired, finding.Likely-0.1, []string{line(e), "by the server's clock (Date: " + r.Header.Get("Date") + ") the token has expired"}, "The token has expired by the server's clock")
			}
			if (remote[jwt.NotYetValid] || remote[jwt.IssuedInFuture]) && !(local[jwt.NotYetValid] || local[jwt.IssuedInFuture]) {
				p.Reportf(catalog.TokenNotYetValid, finding.Likely-0.1, []string{line(e), "by the server's clock (Date: " + r.Header.Get("Date") + ") the token is not valid yet"}, "The token is not valid yet by the server's clock")
			}
		}
	}
	return nil
}

// problemCause maps a problem that jwt.Check found in a token to the
// cause it explains, the confidence a token alone earns for it and the
// finding's detail; ok is false for problems that explain no 401 (no exp,
// an encrypted token).
func problemCause(k jwt.ProblemKind) (id catalog.ID, confidence float64, text string, ok bool) {
	switch k {
	case jwt.Expired:
		return catalog.TokenExpired, finding.Certain - 0.02, "The token has expired", true
	case jwt.NotYetValid, jwt.IssuedInFuture:
		return catalog.TokenNotYetValid, finding.Strong, "The token is not valid yet", true
	case jwt.Audience:
		return catalog.TokenAudience, finding.Strong, "The token was issued for another audience", true
	case jwt.Issuer:
		return catalog.TokenIssuer, finding.Strong, "The token comes from an issuer this server does not trust", true
	case jwt.Scope:
		return catalog.TokenScope, finding.Likely + 0.1, "The token lacks an expected scope", true
	case jwt.AlgNone:
		return catalog.TokenSignature, finding.Certain - 0.02, "The token is unsigned (alg none)", true
	case jwt.WrongType:
		return catalog.TokenWrongType, finding.Strong - 0.05, "The token is not an access token", true
	case jwt.BadClaim, jwt.Unreadable:
		return catalog.TokenMalformed, finding.Likely - 0.1, "A claim of the token has the wrong form", true
	}
	return "", 0, "", false
}

// byBothClocks judges tok's times alone (no expectations) at now and at
// the server's time, now+skew, and returns the kinds of problem found at
// each.
func byBothClocks(tok *jwt.Token, now time.Time, skew time.Duration) (local, remote map[jwt.ProblemKind]bool) {
	e := jwt.Expect{Leeway: tokenLeeway}
	return kinds(tok.Check(e, now)), kinds(tok.Check(e, now.Add(skew)))
}

// kinds returns the set of the problems' kinds.
func kinds(ps []jwt.Problem) map[jwt.ProblemKind]bool {
	m := map[jwt.ProblemKind]bool{}
	for _, p := range ps {
		m[p.Kind] = true
	}
	return m
}

func withSource(ev []string, p *diagnosis.Pass) []string {
	if s := p.Evidence.Probe.Expect.Source; s != "" {
		ev = append(ev, "expected values from "+s)
	}
	return ev
}
