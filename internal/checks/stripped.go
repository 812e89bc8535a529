package checks

import (
	"net/http"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Stripped reports credentials that were sent but, judging by the answer,
// never reached the application.
var Stripped = &diagnosis.Check{
	Name:   "stripped",
	Doc:    "report credentials that a proxy or gateway removed: the answer is what the server gives to no credentials",
	Causes: []catalog.ID{catalog.ProxyHeaderStripped},
	Run:    runStripped,
}

func runStripped(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	sent := p.Evidence.Facts.Sent()
	if sent.Underscore {
		ev := []string{line(e), "the credential header " + strings.TrimPrefix(sent.Where, "header:") + " has an underscore in its name; nginx drops such headers unless underscores_in_headers is on"}
		p.Reportf(catalog.ProxyHeaderStripped, finding.Likely, ev, "A header with an underscore in its name is dropped on the way")
	}
	if !diagnosis.SentAuthorization(e.Request) || sent.Malformed() {
		return nil
	}
	none := final(p, evidence.NoCredentials)
	if none == nil || none.Response == nil || none.Response.Status != http.StatusUnauthorized {
		return nil
	}
	r := e.Response
	cs := p.Evidence.Facts.Challenges(r)
	ev := []string{"with credentials: " + line(e), "without credentials: " + line(none), challengeLine(r, cs)}
	info, bearer := bearerChallenge(cs)
	sentToken := tokenScheme(sent.Scheme)
	switch {
	case bearer && sentToken && info.Error == "" && sameAnswer(r, none.Response):
		ev = append(ev, "a server that receives a token names what is wrong with it (RFC 6750 error=\"invalid_token\"); this answer is the one for no token at all")
		p.Reportf(catalog.ProxyHeaderStripped, finding.Strong-0.05, ev, "The Authorization header does not reach the application")
	case sameAnswer(r, none.Response) && offers(cs, sent.Scheme):
		ev = append(ev, "the answer is identical with and without credentials; a wrong password looks the same, so this is only a suspicion")
		p.Reportf(catalog.ProxyHeaderStripped, finding.Suspicion-0.2, ev, "The Authorization header may not reach the application")
	}
	return nil
}
