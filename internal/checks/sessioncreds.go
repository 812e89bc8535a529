package checks

import (
	"fmt"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// SessionCredentials reports a refused browser request that carried no
// credentials at all and for which the session holds none: no
// Authorization, no cookie (sent or held back), no API-key header, and
// no login before it.
var SessionCredentials = &diagnosis.Check{
	Name:   "sessioncredentials",
	Doc:    "report refused browser-session requests that carried no credentials and had none to carry",
	Causes: []catalog.ID{catalog.CredentialsMissing},
	Run:    runSessionCredentials,
}

func runSessionCredentials(p *diagnosis.Pass) error {
	f := flowOf(p)
	if f == nil || p.Evidence.Probe.Session.Sanitized {
		return nil // a sanitized export hides exactly what this needs
	}
	for i := range f.Steps {
		fs := &f.Steps[i]
		if !f.Refused(i) || fs.Entry.Exchange.Response == nil {
			continue
		}
		if fs.Auth != "" || len(fs.Actual) > 0 || len(fs.NotSent) > 0 {
			return nil
		}
		for name := range fs.Entry.Exchange.Request.Header {
			if redact.IsSecretHeader(name) {
				return nil
			}
		}
		for j := 0; j < i; j++ {
			if f.Steps[j].IsLogin() || len(f.Steps[j].Stored) > 0 {
				return nil
			}
		}
		ev := []string{fmt.Sprintf("%s: no Authorization, no cookie, no API key", stepLine(fs)),
			"nothing earlier in the recording logged in or set a cookie"}
		if h := headerLine(fs.Entry.Exchange.Response.Header, "WWW-Authenticate"); h != "" {
			ev = append(ev, h)
		}
		p.Reportf(catalog.CredentialsMissing, finding.Likely-0.1, ev, "The request carried no credentials, and the session had none to send")
		return nil
	}
	return nil
}
