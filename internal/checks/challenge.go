package checks

import (
	"net/http"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Challenge reports 401 answers without a challenge, and challenges a
// script client cannot answer.
var Challenge = &diagnosis.Check{
	Name:   "challenge",
	Doc:    "report a 401 without WWW-Authenticate, or one that offers only schemes a client cannot do",
	Causes: []catalog.ID{catalog.ChallengeMissing, catalog.ChallengeUnsupported},
	Run:    runChallenge,
}

// digestAlgorithms are the RFC 7616 algorithms clients implement.
var digestAlgorithms = map[string]bool{
	"MD5": true, "MD5-SESS": true, "SHA-256": true, "SHA-256-SESS": true, "SHA-512-256": true, "SHA-512-256-SESS": true,
}

func runChallenge(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	r := e.Response
	cs := p.Evidence.Facts.Challenges(r)
	ev := []string{line(e)}
	if len(cs) == 0 {
		if len(r.Header.Values("WWW-Authenticate")) > 0 {
			ev = append(ev, "WWW-Authenticate present but unparseable: "+strings.Join(r.Header.Values("WWW-Authenticate"), ", "))
		} else {
			ev = append(ev, "the 401 carries no WWW-Authenticate header (RFC 9110 §15.5.2 requires at least one challenge)")
		}
		if b := snippet(r.Body, 120); b != "" {
			ev = append(ev, "body: "+b)
		}
		conf := finding.Strong
		if prod := p.Evidence.Facts.Producers(e); len(prod.Meanings()) > 0 {
			// A recognised producer (WordPress, Envoy, Laravel, ...) says
			// in its own codes why; the missing header is a side note.
			conf = finding.Suspicion + 0.05
			ev = append(ev, "answered by "+prod.Summary()+", which names the reason in its own codes")
		}
		p.Reportf(catalog.ChallengeMissing, conf, ev, "The 401 does not say how to authenticate")
		return nil
	}
	ev = append(ev, challengeLine(r, cs))
	if !answerable(cs) {
		for _, c := range cs {
			if spoke(p.Evidence.Probe, c.Info().Scheme) {
				return nil // why401 answered it itself (--negotiate, --ntlm): see ClientAuth
			}
		}
		names := strings.Join(schemes(cs), ", ")
		conf := finding.Strong - 0.05
		if p.Evidence.Facts.Sent().Scheme != "" {
			conf = finding.Strong
		}
		if offers(cs, "Negotiate") || offers(cs, "NTLM") {
			ev = append(ev, "Negotiate and NTLM need a Windows domain login or a Kerberos ticket (curl --negotiate -u : or --ntlm)")
		}
		p.Reportf(catalog.ChallengeUnsupported, conf, ev, "The server only offers %s, which this client cannot answer", names)
		return nil
	}
	// Digest with an algorithm nobody implements.
	for _, c := range cs {
		if !c.Is("Digest") {
			continue
		}
		alg := strings.ToUpper(c.Info().Algorithm)
		if alg != "" && !digestAlgorithms[alg] && !offers(cs, "Basic") && !offers(cs, "Bearer") {
			p.Reportf(catalog.ChallengeUnsupported, finding.Likely, append(ev, "Digest algorithm "+alg+" is not one of RFC 7616's"), "The server's Digest algorithm %s is not supported by clients", alg)
		}
	}
	return nil
}
