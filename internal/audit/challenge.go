package audit

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// Challenge reports 401s sent without a WWW-Authenticate challenge.
var Challenge = &Check{
	Name:   "challenge",
	Doc:    "report 401s the configuration sends without a WWW-Authenticate challenge: nginx return 401 without add_header ... always or error_page 401 to a URL, Apache ErrorDocument 401 to a URL and RewriteRule [R=401]",
	Causes: []catalog.ID{catalog.ChallengeMissing},
	Run:    runChallenge,
}

func runChallenge(p *Pass) error {
	for _, n := range p.Evidence.Nginx {
		for _, s := range nginxScopes(n) {
			for _, e := range s.own("error_page") {
				target := e.Arg(len(e.Args) - 1)
				if containsFold(e.Args[:max(len(e.Args)-1, 0)], "401") && (strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://")) {
					p.Report(Finding{Cause: catalog.ChallengeMissing, Severity: catalog.Error, Detail: fmt.Sprintf("error_page 401 %s: nginx answers 302 instead of the 401, so the WWW-Authenticate challenge is lost and API clients get a redirect to a page", target), Location: loc(e.File, e.Line), Server: KindNginx})
				}
			}
			for _, r := range s.own("return") {
				if r.Arg(0) != "401" {
					continue
				}
				challenged, notAlways := false, (*ndir)(nil)
				for _, h := range s.level("add_header") {
					if strings.EqualFold(h.Arg(0), "WWW-Authenticate") {
						if len(h.Args) >= 3 && h.Args[len(h.Args)-1] == "always" {
							challenged = true
						} else {
							notAlways = h
						}
					}
				}
				if challenged {
					continue
				}
				msg := "return 401 without a WWW-Authenticate header: clients cannot tell how to authenticate (RFC 9110 requires a challenge); add add_header WWW-Authenticate 'Bearer realm=\"api\"' always;"
				if notAlways != nil {
					msg = fmt.Sprintf("return 401, but add_header WWW-Authenticate (line %d) lacks \"always\", so nginx does not add it to error answers", notAlways.Line)
				}
				p.Report(Finding{Cause: catalog.ChallengeMissing, Severity: catalog.Error, Detail: msg, Location: loc(r.File, r.Line), Server: KindNginx})
			}
		}
	}
	for _, a := range p.Evidence.Apache {
		a.every(func(d *adir, _ []*adir) {
			switch {
			case d.Is("ErrorDocument") && d.Arg(0) == "401" && (strings.HasPrefix(d.Arg(1), "http://") || strings.HasPrefix(d.Arg(1), "https://")):
				p.Report(Finding{Cause: catalog.ChallengeMissing, Severity: catalog.Error, Detail: fmt.Sprintf("ErrorDocument 401 %s is a full URL: Apache answers with a redirect instead of the 401, so browsers never see the challenge and never ask for a password; use a local path", d.Arg(1)), Location: loc(d.File, d.Line), Server: KindApache})
			case d.Is("RewriteRule") && len(d.Args) >= 3 && strings.Contains(strings.ToUpper(d.Args[len(d.Args)-1]), "R=401"):
				p.Report(Finding{Cause: catalog.ChallengeMissing, Severity: catalog.Error, Detail: "RewriteRule [R=401] answers 401 without a WWW-Authenticate challenge", Location: loc(d.File, d.Line), Server: KindApache})
			}
		})
	}
	return nil
}
