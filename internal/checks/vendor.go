package checks

import (
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/producer"
)

// Vendor reports what the producers of the answer mean by it: their error
// codes and messages (Envoy's "Jwks remote fetch is failed", WordPress's
// code values, API Gateway's "Missing Authentication Token", a Cloudflare
// block or challenge page), as mapped by the signature file of package
// producer. It declares exactly the causes that file maps to; a file that
// does not decode yields none, which diagnosis.Validate reports.
var Vendor = &diagnosis.Check{
	Name:   "vendor",
	Doc:    "report the cause a recognised producer (CDN, WAF, gateway, framework, application) states in its own codes and messages",
	Causes: producer.Causes(),
	Run:    runVendor,
}

func runVendor(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil {
		return nil
	}
	if ok(e.Response.Status) && !isRedirect(e.Response.Status) && !strings.HasPrefix(e.Response.Header.Get("Content-Type"), "text/html") {
		return nil // a working API answer: nothing to explain
	}
	res := p.Evidence.Facts.Producers(e)
	declared := map[catalog.ID]bool{}
	for _, id := range p.Check.Causes {
		declared[id] = true
	}
	reported := map[catalog.ID]bool{}
	for _, m := range res.Producers {
		for _, mm := range m.Meanings {
			if !declared[mm.Cause] || reported[mm.Cause] {
				continue
			}
			reported[mm.Cause] = true
			ev := []string{line(e), "answered by " + res.Summary()}
			ev = append(ev, mm.Evidence...)
			ev = append(ev, "meaning: "+mm.Meaning)
			p.Reportf(mm.Cause, mm.Confidence, ev, "%s", vendorTitle(m.Name, mm.Cause))
		}
	}
	return nil
}

// vendorTitle words a finding: the catalog's title with the producer
// that said so.
func vendorTitle(name string, id catalog.ID) string {
	c, ok := catalog.Lookup(id)
	if !ok {
		return name + " names " + string(id)
	}
	return strings.TrimSuffix(c.Title, ".") + " (says " + name + ")"
}

// isRedirect reports a 3xx that sends the client elsewhere.
func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}
