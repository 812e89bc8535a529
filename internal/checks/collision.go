package checks

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Collision reports two layers that both want the Authorization header: a
// bearer token answered by a server-level Basic realm, where something
// shows that the application behind it takes bearer tokens (its OAuth
// resource metadata, a Bearer challenge elsewhere on the site, a JWT
// issued for this very host, or the web server's stock page in front).
var Collision = &diagnosis.Check{
	Name:   "collision",
	Doc:    "report server-level Basic auth in front of an application that wants Bearer tokens in the same header",
	Causes: []catalog.ID{catalog.AuthHeaderCollision},
	Run:    runCollision,
}

func runCollision(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	sent := p.Evidence.Facts.Sent()
	if !tokenScheme(sent.Scheme) {
		return nil
	}
	r := e.Response
	cs := p.Evidence.Facts.Challenges(r)
	if !offers(cs, "Basic") && !offers(cs, "Digest") {
		return nil
	}
	if _, ok := bearerChallenge(cs); ok {
		return nil // the same answer offers Bearer: no collision
	}
	ev := []string{line(e), "sent: Authorization: " + sent.Scheme + " …", challengeLine(r, cs)}
	var clues []string
	for _, d := range p.Evidence.Probe.Discovery {
		if d.Kind == "resource-metadata" && success(d.Status) {
			clues = append(clues, "the site publishes OAuth protected-resource metadata ("+d.URL+"): the application takes bearer tokens")
		}
	}
	for i := range p.Evidence.Probe.Trials {
		t := &p.Evidence.Probe.Trials[i]
		for j := range t.Hops {
			h := &t.Hops[j]
			if h == e || h.Response == nil {
				continue
			}
			if _, ok := bearerChallenge(p.Evidence.Facts.Challenges(h.Response)); ok {
				clues = append(clues, "another answer of the site challenges for Bearer: "+line(h)+" ("+string(t.Variant)+")")
			}
		}
	}
	if tok, _ := p.Evidence.Facts.Token(); tok != nil {
		if u, err := url.Parse(e.Request.URL); err == nil {
			for _, a := range tok.Audience {
				if au, err := url.Parse(a); err == nil && au.Host != "" && strings.EqualFold(au.Hostname(), u.Hostname()) {
					clues = append(clues, "the token was issued for this host (aud "+a+")")
					break
				}
			}
		}
	}
	stock := stockPage(r.Body)
	if stock != "" {
		ev = append(ev, "the Basic challenge comes with "+stock+"'s built-in 401 page: the web server answers before the application runs")
	}
	switch {
	case len(clues) > 0:
		ev = append(ev, clues...)
		p.Reportf(catalog.AuthHeaderCollision, finding.Certain-0.02, ev, "Server-level Basic auth sits in front of an application that wants Bearer tokens: both need the Authorization header")
	case stock != "":
		if tok, _ := p.Evidence.Facts.Token(); tok != nil {
			ev = append(ev, "a JWT was sent: it was made for an application, not for the web server's password file")
			p.Reportf(catalog.AuthHeaderCollision, finding.Strong+0.01, ev, "The web server's Basic auth answers before the application that takes this token")
		}
	}
	return nil
}
