package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// Redirects reports redirect hops that cost the request its credentials.
var Redirects = &diagnosis.Check{
	Name:   "redirects",
	Doc:    "report redirects that drop the Authorization header (host change) or change http/https",
	Causes: []catalog.ID{catalog.RedirectAuthDropped, catalog.RedirectScheme},
	Run:    runRedirects,
}

func runRedirects(p *diagnosis.Pass) error {
	t := p.Evidence.Facts.Trial(evidence.AsGiven)
	if t == nil || len(t.Hops) < 2 {
		return nil
	}
	fin := t.Final()
	endFailed := fin.Response != nil && failed(fin.Response.Status)
	for i := range t.Hops[:len(t.Hops)-1] {
		h := &t.Hops[i]
		rd := h.Redirect
		if rd == nil {
			continue
		}
		hadAuth := diagnosis.SentAuthorization(h.Request)
		hadCookie := h.Request.Header.Get("Cookie") != ""
		ev := []string{line(h), fmt.Sprintf("redirect %d to %s", rd.Status, redact.URL(rd.To))}
		drops := droppers(rd)
		if len(drops) > 0 && hadAuth {
			ev = append(ev, "clients that drop Authorization on this hop: "+strings.Join(drops, ", "))
		}
		switch {
		case hadAuth && !rd.Forwarded && endFailed:
			ev = append(ev, "the next hop went without credentials: "+line(fin))
			if rd.CrossHost || rd.SchemeFrom == rd.SchemeTo {
				p.Reportf(catalog.RedirectAuthDropped, finding.Certain-0.02, ev, "A redirect to %s dropped the credentials", hostOf(rd.To))
			} else {
				p.Reportf(catalog.RedirectScheme, finding.Certain-0.02, ev, "The redirect from %s to %s dropped the credentials", rd.SchemeFrom, rd.SchemeTo)
			}
			return nil
		case hadAuth && rd.Forwarded && len(drops) > 0:
			// Works for why401 (--location-trusted) but not for every client.
			cause := catalog.RedirectAuthDropped
			if !rd.CrossHost && rd.SchemeFrom != rd.SchemeTo {
				cause = catalog.RedirectScheme
			}
			p.Reportf(cause, finding.Suspicion, ev, "Some clients drop the credentials at the redirect to %s", hostOf(rd.To))
		case hadCookie && rd.SchemeFrom == "https" && rd.SchemeTo == "http":
			ev = append(ev, "Secure cookies are not sent over http")
			p.Reportf(catalog.RedirectScheme, finding.Likely+0.1, ev, "A redirect downgrades https to http, where Secure cookies are not sent")
		}
	}
	return nil
}

func droppers(rd *evidence.Redirect) []string {
	var out []string
	for c, keeps := range rd.KeepsAuth {
		if !keeps {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	return u
}
