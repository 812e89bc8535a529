package checks

import (
	"net/http"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Rejected reports well-formed credentials of a scheme the server asked
// for that were refused.
var Rejected = &diagnosis.Check{
	Name:   "rejected",
	Doc:    "report well-formed credentials of the challenged scheme that the server refused",
	Causes: []catalog.ID{catalog.CredentialsRejected},
	Run:    runRejected,
}

func runRejected(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	if !diagnosis.SentAuthorization(e.Request) {
		return nil // the final hop carried none: another check explains why
	}
	sent := p.Evidence.Facts.Sent()
	if sent.Malformed() {
		return nil
	}
	r := e.Response
	cs := p.Evidence.Facts.Challenges(r)
	scheme := sent.Scheme
	ev := []string{line(e), "sent: Authorization: " + scheme + " …", challengeLine(r, cs)}
	matches := accepts(cs, scheme)
	anyTrial := p.Evidence.Facts.Trial(evidence.AnyAuth)
	anyFinal := final(p, evidence.AnyAuth)
	switch {
	case anyTrial != nil && status(anyFinal) == http.StatusUnauthorized:
		ev = append(ev, "answering the server's own challenge with the same user name and password failed too: "+line(anyFinal))
		p.Reportf(catalog.CredentialsRejected, finding.Strong+0.02, ev, "The user name or password is wrong")
		return nil
	case !matches:
		return nil // a scheme mismatch: Scheme explains it
	}
	conf := finding.Strong - 0.05
	title := "The server refused the credentials"
	if strings.EqualFold(scheme, "Basic") {
		title = "The server refused the user name and password"
		if sent.User != "" {
			title = "The server refused the password for user \"" + sent.User + "\""
		}
	}
	if info, ok := bearerChallenge(cs); ok && tokenScheme(scheme) {
		title = "The server refused the token"
		if info.Error != "" {
			ev = append(ev, "the server says error="+info.Error+descr(info.ErrorDescription))
		}
		tok, _ := p.Evidence.Facts.Token()
		if tok != nil && len(tok.Check(tokenExpect(p), p.Now)) > 0 {
			conf = finding.Suspicion - 0.1 // the token's own problems explain it better
		}
		if info.Error == "" {
			conf = finding.Suspicion // no error code for a presented token: maybe it never arrived
		}
	}
	if noCred := final(p, evidence.NoCredentials); noCred != nil && sameAnswer(r, noCred.Response) {
		ev = append(ev, "the answer is the same as without any credentials")
		if conf > finding.Suspicion && !strings.EqualFold(scheme, "Basic") && !strings.EqualFold(scheme, "Digest") {
			conf = finding.Suspicion
		}
	}
	if cachedHit(r) != "" {
		conf = finding.Suspicion + 0.1
	}
	p.Reportf(catalog.CredentialsRejected, conf, ev, "%s", title)
	return nil
}

func descr(s string) string {
	if s == "" {
		return ""
	}
	return ` ("` + s + `")`
}
