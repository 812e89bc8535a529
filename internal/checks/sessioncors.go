package checks

import (
	"fmt"
	"net/http"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// SessionCORS reports a browser session's CORS preflight (OPTIONS, which
// browsers send without credentials) that the server refused, with any
// status other than 2xx: the real request never goes out.
var SessionCORS = &SessionCheck{
	Name:   "sessioncors",
	Doc:    "report browser-session CORS preflights answered with anything but 2xx (401, 403, a redirect, 404, 405, 5xx)",
	Causes: []catalog.ID{catalog.CORSPreflightAuth},
	Run:    runSessionCORS,
}

func runSessionCORS(p *SessionPass) error {
	f := p.Evidence.Flow
	for i := range f.Steps {
		s := &f.Steps[i]
		r := s.Entry.Exchange.Response
		if s.Entry.ResourceType != "preflight" || r == nil || success(r.Status) {
			continue
		}
		req := s.Entry.Exchange.Request
		ev := []string{stepLine(s)}
		conf := finding.Certain - 0.02
		asks := fmt.Sprintf("the preflight asks for %s with headers %q", req.Header.Get("Access-Control-Request-Method"), req.Header.Get("Access-Control-Request-Headers"))
		switch {
		case failed(r.Status):
			ev = append(ev, asks+"; browsers send it without credentials, so a server that checks auth first refuses it")
		case r.Status >= 300 && r.Status < 400:
			ev = append(ev, asks+"; a preflight must be answered 2xx: browsers do not follow a redirect of a preflight (a login redirect for a request without credentials, or http to https)")
			conf = finding.Strong
		default:
			ev = append(ev, fmt.Sprintf("%s; a preflight must be answered 2xx, and %d %s says the server (or a proxy in front) does not handle OPTIONS for this URL", asks, r.Status, http.StatusText(r.Status)))
			conf = finding.Strong - 0.05
		}
		if h := headerLine(r.Header, "WWW-Authenticate"); h != "" {
			ev = append(ev, h)
		}
		// The real request that never got an answer.
		for j := max(0, i-3); j < len(f.Steps) && j <= i+3; j++ {
			n := &f.Steps[j]
			if n.URL != nil && s.URL != nil && n.URL.String() == s.URL.String() && n.Entry.ResourceType != "preflight" {
				ev = append(ev, stepLine(n)+": the request itself failed")
				break
			}
		}
		to := redact.URL(req.URL) // a recording with a relative URL has no host
		if s.URL != nil {
			to = s.URL.Host
		}
		p.Reportf(catalog.CORSPreflightAuth, conf, ev, "The CORS preflight to %s is refused with %d", to, r.Status)
		return nil
	}
	return nil
}
