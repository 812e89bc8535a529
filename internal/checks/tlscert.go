package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// TLSCert reports a server certificate that does not verify.
var TLSCert = &diagnosis.Check{
	Name:   "tlscert",
	Doc:    "report a server certificate that is expired, not yet valid, for another name or untrusted",
	Causes: []catalog.ID{catalog.TLSCertificate},
	Run:    runTLSCert,
}

func runTLSCert(p *diagnosis.Pass) error {
	for _, v := range []evidence.Variant{evidence.AsGiven, evidence.Address} {
		for _, t := range p.Evidence.Facts.Trials(v) {
			for i := range t.Hops {
				e := &t.Hops[i]
				if e.TLS == nil || e.TLS.VerifyError == "" {
					continue
				}
				ev := []string{line(e), "verification: " + e.TLS.VerifyError}
				conf := finding.Certain - 0.02
				title := "The server's TLS certificate does not verify"
				if len(e.TLS.Chain) > 0 {
					c := e.TLS.Chain[0]
					names := strings.Join(append(append([]string{}, c.DNSNames...), c.IPs...), ", ")
					ev = append(ev, fmt.Sprintf("certificate: subject %q, issuer %q, names [%s]", c.Subject, c.Issuer, names))
					ev = append(ev, fmt.Sprintf("valid from %s to %s", stampUTC(c.NotBefore), stampUTC(c.NotAfter)))
					switch {
					case p.Now.After(c.NotAfter):
						title = fmt.Sprintf("The server's TLS certificate expired %s ago", p.Now.Sub(c.NotAfter).Round(time.Hour))
					case p.Now.Before(c.NotBefore):
						title = "The server's TLS certificate is not valid yet"
					}
				}
				if e.Response != nil && p.Evidence.Probe.Insecure {
					conf = finding.Likely - 0.1
					ev = append(ev, "-k skipped verification, so the request went through; browsers and clients without -k refuse it")
				}
				p.Reportf(catalog.TLSCertificate, conf, ev, "%s", title)
				return nil
			}
		}
	}
	return nil
}
