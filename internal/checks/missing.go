package checks

import (
	"net/http"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Missing reports a request that carried no credentials to a resource that
// wants them, and server-level password protection in front of a site.
var Missing = &diagnosis.Check{
	Name:   "missing",
	Doc:    "report a 401 to a request without credentials, and server-level Basic protection",
	Causes: []catalog.ID{catalog.CredentialsMissing, catalog.ServerBasicAuth},
	Run:    runMissing,
}

func runMissing(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil {
		return nil
	}
	r := e.Response
	if r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
		return nil
	}
	cs := p.Evidence.Facts.Challenges(r)
	sent := len(p.Evidence.Probe.Credentials) > 0
	stock := stockPage(r.Body)
	basic := offers(cs, "Basic") || offers(cs, "Digest")
	ev := []string{line(e), challengeLine(r, cs)}
	if stock != "" {
		ev = append(ev, "the body is "+stock+"'s built-in 401 page")
	}
	if sent {
		// Credentials were sent and refused by the web server itself:
		// mention the server-level protection as context.
		if basic && stock != "" && r.Status == http.StatusUnauthorized && diagnosis.SentAuthorization(e.Request) {
			p.Reportf(catalog.ServerBasicAuth, finding.Suspicion+0.1, ev, "Server-level password protection (realm %q) guards this URL", passwordRealm(cs))
		}
		return nil
	}
	if r.Status == http.StatusForbidden {
		// Some producers answer a missing credential with 403.
		p.Reportf(catalog.CredentialsMissing, finding.Suspicion+0.1, ev, "No credentials were sent; this server may answer that with 403")
		return nil
	}
	if basic && (stock != "" || isSiteLevel(e)) {
		ev = append(ev, "the web server asks for a user name and password before the site itself runs")
		p.Reportf(catalog.ServerBasicAuth, finding.Strong, ev, "The site is behind server-level password protection (realm %q)", passwordRealm(cs))
		p.Reportf(catalog.CredentialsMissing, finding.Likely+0.05, ev[:2], "The request carried no credentials")
		return nil
	}
	what := "credentials"
	if names := schemes(cs); len(names) > 0 {
		what = strings.Join(names, " or ") + " credentials"
	}
	p.Reportf(catalog.CredentialsMissing, finding.Strong, ev, "The request carried no credentials; the server wants %s", what)
	return nil
}

// passwordRealm returns the realm of the first Basic or Digest challenge
// of cs, or "".
func passwordRealm(cs []challenge.Challenge) string {
	for _, c := range cs {
		if c.Is("Basic") || c.Is("Digest") {
			return c.Info().Realm
		}
	}
	return ""
}

// isSiteLevel reports whether the 401 is an HTML page (Content-Type
// text/html), as a site behind a password shows, rather than an API's
// answer.
func isSiteLevel(e *evidence.Exchange) bool {
	ct := e.Response.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "text/html")
}
