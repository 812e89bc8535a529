package checks

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Scheme reports credentials of a scheme the server did not ask for.
var Scheme = &diagnosis.Check{
	Name:   "scheme",
	Doc:    "report credentials sent with a scheme (or in a place) the server does not accept",
	Causes: []catalog.ID{catalog.CredentialsWrongScheme},
	Run:    runScheme,
}

func runScheme(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	r := e.Response
	cs := p.Evidence.Facts.Challenges(r)
	sent := p.Evidence.Facts.Sent()
	if len(cs) == 0 {
		return nil
	}
	ev := []string{line(e), challengeLine(r, cs)}
	// Curl-like --anyauth: the same credentials succeeded with the
	// server's own scheme.
	if af := final(p, evidence.AnyAuth); af != nil && af.Response != nil && ok(af.Response.Status) {
		used := strings.Fields(af.Request.Header.Get("Authorization"))
		scheme := "its own scheme"
		if len(used) > 0 {
			scheme = used[0]
		}
		ev = append(ev, "answering the "+scheme+" challenge with the same credentials succeeded: "+line(af))
		p.Reportf(catalog.CredentialsWrongScheme, finding.Certain, ev, "The credentials are right but were sent as %s; the server wants %s", cmp.Or(sent.Scheme, "nothing"), scheme)
		return nil
	}
	if sent.Scheme == "" {
		if strings.HasPrefix(sent.Where, "query:") && offers(cs, "Bearer") {
			ev = append(ev, "the token travels in the URL ("+sent.Where+"), the server asks for an Authorization: Bearer header")
			p.Reportf(catalog.CredentialsWrongScheme, finding.Likely, ev, "The token is in the query string; the server wants it in the Authorization header")
		} else if strings.HasPrefix(sent.Where, "header:") && answerable(cs) {
			ev = append(ev, "the credential travels in "+strings.TrimPrefix(sent.Where, "header:")+", the server challenges for "+strings.Join(schemes(cs), ", "))
			p.Reportf(catalog.CredentialsWrongScheme, finding.Likely-0.1, ev, "The credential is in a custom header; the server asks for %s", strings.Join(schemes(cs), " or "))
		}
		return nil
	}
	if accepts(cs, sent.Scheme) {
		return nil
	}
	conf := finding.Strong
	if !answerable(cs) {
		conf = finding.Suspicion // Challenge reports the unsupported scheme
	}
	ev = append(ev, "sent: Authorization: "+sent.Scheme+" …")
	p.Reportf(catalog.CredentialsWrongScheme, conf, ev, "%s credentials were sent; the server asks for %s", sent.Scheme, strings.Join(schemes(cs), " or "))
	return nil
}
