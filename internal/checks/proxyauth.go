package checks

import (
	"net/http"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// ProxyAuth reports a forward proxy that wants credentials (407).
var ProxyAuth = &diagnosis.Check{
	Name:   "proxyauth",
	Doc:    "report a 407 from a proxy that wants its own credentials",
	Causes: []catalog.ID{catalog.ProxyAuthRequired},
	Run:    runProxyAuth,
}

func runProxyAuth(p *diagnosis.Pass) error {
	for i := range p.Evidence.Probe.Trials {
		t := &p.Evidence.Probe.Trials[i]
		for j := range t.Hops {
			e := &t.Hops[j]
			if e.Response == nil || e.Response.Status != http.StatusProxyAuthRequired {
				continue
			}
			r := e.Response
			ev := []string{line(e), challengeLine(r, p.Evidence.Facts.Challenges(r))}
			if v := headerLine(r.Header, "Via"); v != "" {
				ev = append(ev, v)
			}
			if e.Request.Proxy != "" {
				ev = append(ev, "through proxy "+redact.URL(e.Request.Proxy))
			}
			p.Reportf(catalog.ProxyAuthRequired, finding.Certain-0.02, ev, "A proxy wants its own credentials (407), not the site")
			return nil
		}
	}
	return nil
}
