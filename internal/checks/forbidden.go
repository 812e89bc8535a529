package checks

import (
	"net/http"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Forbidden reports a 403 that is about permission, not authentication.
var Forbidden = &diagnosis.Check{
	Name:   "forbidden",
	Doc:    "report a 403 given to authenticated credentials: a permission problem, not a login problem",
	Causes: []catalog.ID{catalog.StatusForbidden},
	Run:    runForbidden,
}

func runForbidden(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusForbidden {
		return nil
	}
	r := e.Response
	cs := p.Evidence.Facts.Challenges(r)
	if info, ok := bearerChallenge(cs); ok && info.Error == "insufficient_scope" {
		return nil // Token reports the scope
	}
	ev := []string{line(e)}
	if b := snippet(r.Body, 160); b != "" {
		ev = append(ev, "body: "+b)
	}
	conf := finding.Strong - 0.05
	if !diagnosis.SentCredentials(e.Request) {
		conf = finding.Likely - 0.1
		ev = append(ev, "no credentials were sent; some servers answer that with 403 instead of 401")
	} else {
		ev = append(ev, "credentials were sent and the server answered 403, not 401: it knows who you are and refuses")
	}
	if len(cs) > 0 {
		ev = append(ev, challengeLine(r, cs))
	}
	p.Reportf(catalog.StatusForbidden, conf, ev, "Access is forbidden: logging in again will not help")
	return nil
}
