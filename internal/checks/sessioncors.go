package checks

import (
	"fmt"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// SessionCORS reports a browser session's CORS preflight (OPTIONS, which
// browsers send without credentials) that the server refused: the real
// request never goes out.
var SessionCORS = &diagnosis.Check{
	Name:   "sessioncors",
	Doc:    "report browser-session CORS preflights answered with 401 or 403",
	Causes: []catalog.ID{catalog.CORSPreflightAuth},
	Run:    runSessionCORS,
}

func runSessionCORS(p *diagnosis.Pass) error {
	f := flowOf(p)
	if f == nil {
		return nil
	}
	for i := range f.Steps {
		s := &f.Steps[i]
		r := s.Entry.Exchange.Response
		if s.Entry.ResourceType != "preflight" || r == nil || !failed(r.Status) {
			continue
		}
		req := s.Entry.Exchange.Request
		ev := []string{
			stepLine(s),
			fmt.Sprintf("the preflight asks for %s with headers %q; browsers send it without credentials, so a server that checks auth first refuses it", req.Header.Get("Access-Control-Request-Method"), req.Header.Get("Access-Control-Request-Headers")),
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
		p.Reportf(catalog.CORSPreflightAuth, finding.Certain-0.02, ev, "The CORS preflight to %s is refused with %d", to, r.Status)
		return nil
	}
	return nil
}
