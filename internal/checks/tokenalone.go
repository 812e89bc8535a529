package checks

import (
	"errors"
	"fmt"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/jwt"
)

// TokenEvidence is what `why401 jwt` knows of a token without a request:
// the decoded token, what it must satisfy, the server's clock when one was
// asked for, and a key set to verify it with.
type TokenEvidence struct {
	Token  *jwt.Token
	Expect jwt.Expect
	// ServerDate is the Date of the server's answer; zero when no server
	// was asked.
	ServerDate time.Time
	// JWKS is the key set to verify the signature with (nil: not checked)
	// and JWKSSource where it came from.
	JWKS       []byte
	JWKSSource string
}

// TokenSuite is the suite of `why401 jwt`.
var TokenSuite = []*finding.Check[*TokenEvidence]{TokenAlone}

// TokenAlone judges a token by itself, as a server would: by this clock
// and, when known, the server's, against the expectations given and the
// key set given.
var TokenAlone = &finding.Check[*TokenEvidence]{
	Name: "tokenalone",
	Doc:  "report what makes a token fail by itself: expiry, not-before, audience, issuer, scope, type, signature, and a server clock that disagrees",
	Causes: []catalog.ID{catalog.TokenExpired, catalog.TokenNotYetValid, catalog.TokenAudience, catalog.TokenIssuer, catalog.TokenScope,
		catalog.TokenSignature, catalog.TokenWrongType, catalog.TokenMalformed, catalog.ClockSkew},
	Run: runTokenAlone,
}

func runTokenAlone(p *finding.Pass[*TokenEvidence]) error {
	ev := p.Evidence
	if ev.Token == nil {
		return nil
	}
	local := map[jwt.ProblemKind]bool{}
	for _, pr := range ev.Token.Check(ev.Expect, p.Now) {
		local[pr.Kind] = true
		if id, conf, text, ok := problemCause(pr.Kind); ok {
			p.Reportf(id, conf, []string{pr.Detail}, "%s", text)
		}
	}
	if !ev.ServerDate.IsZero() {
		skew := ev.ServerDate.Sub(p.Now).Round(time.Second)
		for _, pr := range ev.Token.Check(jwt.Expect{Leeway: ev.Expect.Leeway}, ev.ServerDate) {
			if local[pr.Kind] {
				continue
			}
			switch pr.Kind {
			case jwt.Expired, jwt.NotYetValid, jwt.IssuedInFuture:
				line := fmt.Sprintf("by the server's clock (%s from this one): %s", skew, pr.Detail)
				p.Reportf(catalog.ClockSkew, finding.Strong, []string{line}, "The server's clock is %s off this one, and by it the token is %s", skew, map[bool]string{true: "expired", false: "not valid yet"}[pr.Kind == jwt.Expired])
			}
		}
	}
	if ev.JWKS != nil {
		if err := jwt.Verify(ev.Token, ev.JWKS); err != nil {
			line := fmt.Sprintf("verifying against the JWKS from %s: %v", ev.JWKSSource, err)
			conf, text := finding.Certain, "The token's signature does not verify"
			switch {
			case errors.Is(err, jwt.ErrKidNotFound):
				conf, text = finding.Strong, fmt.Sprintf("The token's signing key (kid %q) is not in the key set", ev.Token.Kid)
			case errors.Is(err, jwt.ErrBadJWKS):
				conf, text = finding.Suspicion-0.1, "The key set to verify the token could not be read"
			case errors.Is(err, jwt.ErrUnsupportedAlg), errors.Is(err, jwt.ErrNoKey):
				conf = finding.Likely
			}
			p.Reportf(catalog.TokenSignature, conf, []string{line}, "%s", text)
		}
	}
	return nil
}
