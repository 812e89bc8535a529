package checks

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/challenge"
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
	if strings.EqualFold(scheme, "Digest") {
		user := digestUser(e.Request.Header.Get("Authorization"))
		title = "The server refused the user name and password"
		if user != "" {
			title = "The server refused the password for user \"" + user + "\""
		}
		if realm := realmOf(cs, "Digest"); realm != "" {
			ev = append(ev, digestRealmLine(user, realm))
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
		sym := readSymmetry(p, e, noCred)
		ev = append(ev, sym.experimentLines()...)
		switch {
		case len(sym.told) > 0:
			ev = append(ev, "a made-up header got another answer ("+strings.Join(sym.told, "; ")+"), so the header reaches whoever answers and these credentials are what it refuses")
		case sym.proxied() && conf > finding.Likely-0.05:
			// Symmetric evidence: stripped ranks close behind (see
			// Stripped), the gap wider than a near tie, since a wrong
			// password is the more common of the two.
			conf = finding.Likely - 0.05
			title += " (or " + sym.front + " drops the header: the answers cannot tell)"
			ev = append(ev, sym.front+" stands in front of the application, and a header it drops would get this same answer", separatingSteps)
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

// digestUser returns the username parameter of a Digest Authorization
// header, or "".
func digestUser(h string) string {
	cs, _ := challenge.Parse(h) // a credential has a challenge's syntax
	if c, ok := challenge.Find(cs, "Digest"); ok {
		u, _ := c.Param("username")
		return u
	}
	return ""
}

// realmOf returns the realm of the first challenge of scheme in cs, or "".
func realmOf(cs []challenge.Challenge, scheme string) string {
	if c, ok := challenge.Find(cs, scheme); ok {
		return c.Info().Realm
	}
	return ""
}

// digestRealmLine says what a refused Digest answer may also mean: the
// user file's entry for user was made for another realm. A Digest entry
// is user:realm:hash and the server looks users up by both, so a file
// made for another realm refuses the right password exactly like a wrong
// one (Apache logs "user ... in realm ... not found").
func digestRealmLine(user, realm string) string {
	if user == "" {
		user = "USER"
	}
	return fmt.Sprintf("Digest binds the realm: the server looks %q up in realm %q, so a user file whose entry was made for another realm refuses the right password just like this; "+
		"the entry must begin %s:%s: (make it with htdigest FILE %q %s; Apache's error log says \"user %s in realm %s not found\" when it does not)",
		user, realm, user, realm, realm, user, user, realm)
}
