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

// CORS reports a CORS preflight that a browser would fail.
var CORS = &diagnosis.Check{
	Name:   "cors",
	Doc:    "report a CORS preflight (OPTIONS, without credentials) that is challenged or does not allow Authorization",
	Causes: []catalog.ID{catalog.CORSPreflightAuth},
	Run:    runCORS,
}

func runCORS(p *diagnosis.Pass) error {
	e := final(p, evidence.Preflight)
	if e == nil || e.Response == nil {
		return nil
	}
	// Only browsers send preflights, and a browser's cross-origin request
	// carries an Origin: without one from the user, the request comes from
	// a script or a server, and CORS does not apply to it.
	if o := p.Evidence.Probe.Request.Header.Get("Origin"); o == "" || o == "null" {
		return nil
	}
	r := e.Response
	ev := []string{line(e), "a browser sends the preflight without credentials, so it cannot pass an auth check"}
	switch {
	case r.Status == http.StatusUnauthorized || r.Status == http.StatusProxyAuthRequired:
		ev = append(ev, challengeLine(r, p.Evidence.Facts.Challenges(r)))
		p.Reportf(catalog.CORSPreflightAuth, finding.Strong, ev, "The CORS preflight is answered with %d, so the browser never sends the request", r.Status)
	case r.Status == http.StatusForbidden:
		p.Reportf(catalog.CORSPreflightAuth, finding.Likely, ev, "The CORS preflight is refused with 403")
	case ok(r.Status):
		want := strings.ToLower(e.Request.Header.Get("Access-Control-Request-Headers"))
		if !strings.Contains(want, "authorization") {
			return nil
		}
		allowed := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers"))
		if !containsToken(allowed, "authorization") {
			ev[1] = "Access-Control-Allow-Headers: " + cmp.Or(r.Header.Get("Access-Control-Allow-Headers"), "(none)") + " (a wildcard does not cover Authorization)"
			p.Reportf(catalog.CORSPreflightAuth, finding.Likely+0.05, ev, "The CORS preflight does not allow the Authorization header")
		}
	}
	return nil
}

func containsToken(list, tok string) bool {
	for _, f := range strings.Split(list, ",") {
		if strings.TrimSpace(f) == tok {
			return true
		}
	}
	return false
}
