package audit

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// Challenge reports 401s sent without a WWW-Authenticate challenge.
var Challenge = &Check{
	Name:   "challenge",
	Doc:    "report 401s the configuration sends without a WWW-Authenticate challenge: nginx return 401 without add_header ... always, error_page 401 to a URL or with another status (=200 /login, = @signin), Apache ErrorDocument 401 to a URL and RewriteRule [R=401]",
	Causes: []catalog.ID{catalog.ChallengeMissing, catalog.RedirectToLogin},
	Run:    runChallenge,
}

func runChallenge(p *Pass) error {
	for _, n := range p.Evidence.Nginx {
		for _, s := range n.allScopes() {
			for _, e := range s.own("error_page") {
				target := e.Arg(len(e.Args) - 1)
				if !containsFold(e.Args[:max(len(e.Args)-1, 0)], "401") {
					continue
				}
				if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
					// Only auth_basic's prompt needs the challenge for
					// certain; behind auth_request the redirect to a
					// sign-in page is usually the design.
					sev, msg := catalog.Warning, fmt.Sprintf("error_page 401 %s: nginx answers 302 instead of the 401, so the WWW-Authenticate challenge is lost and API clients get a redirect to a page", target)
					if a := s.auth(); a != nil && a.Name == "auth_basic" {
						sev, msg = catalog.Error, fmt.Sprintf("error_page 401 %s: nginx answers 302 instead of the 401, so the challenge of auth_basic (line %d) is lost: browsers never ask for the password and API clients get a redirect to a page", target, a.Line)
					}
					p.Report(Finding{Cause: catalog.ChallengeMissing, Severity: sev, Detail: msg, Location: loc(e.File, e.Line), Server: KindNginx})
					continue
				}
				errorPageStatus(p, n, s, e, target)
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
				sev := catalog.Error
				if s.block.Name == "if" {
					// Only the requests the condition picks get the 401.
					sev = catalog.Warning
				}
				p.Report(Finding{Cause: catalog.ChallengeMissing, Severity: sev, Detail: msg, Location: loc(r.File, r.Line), Server: KindNginx})
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

// errorPageStatus reports error_page 401 =CODE URI and error_page 401 =
// @name: the refused request is answered with another status (=200) or
// whatever the named location answers (usually a redirect to sign in),
// so clients never see the 401 and its challenge.
func errorPageStatus(p *Pass, n *Nginx, s nscope, e *ndir, target string) {
	eq := ""
	for _, a := range e.Args[:len(e.Args)-1] {
		if strings.HasPrefix(a, "=") {
			eq = a
		}
	}
	if eq == "" {
		return // the page is served with status 401: the challenge stays
	}
	code := strings.TrimPrefix(eq, "=")
	rep := func(sev catalog.Severity, format string, args ...any) {
		p.Report(Finding{Cause: catalog.RedirectToLogin, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: loc(e.File, e.Line), Server: KindNginx})
	}
	switch {
	case code == "401":
		return
	case code != "":
		rep(catalog.Warning, "error_page 401 %s %s turns every refused request into a %s answer with the page at %s: API clients and monitors never see a 401 or a WWW-Authenticate challenge, and take the refusal for success", eq, target, code, target)
	case strings.HasPrefix(target, "@"):
		// What the named location answers decides.
		redirect := ""
		if srv := n.byServer[s.server()]; srv != nil {
			for _, l := range srv.locations {
				if len(l.Args) == 1 && l.Args[0] == target {
					for _, r := range l.Block {
						if r.Name == "return" && strings.HasPrefix(r.Arg(0), "30") {
							redirect = r.Arg(0)
						}
					}
				}
			}
		}
		if redirect != "" {
			rep(catalog.Info, "error_page 401 = %s answers a refused request with location %s's %s redirect to sign in: browsers follow it, but API clients get a %s instead of a 401 and its challenge", target, target, redirect, redirect)
		} else {
			rep(catalog.Info, "error_page 401 = %s answers a refused request with whatever location %s returns: unless it returns 401 with a WWW-Authenticate header, clients never see the challenge", target, target)
		}
	default:
		rep(catalog.Warning, "error_page 401 = %s answers a refused request with the status of %s: clients never see the 401 or its challenge", target, target)
	}
}
