package checks

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/producer"
)

// ToLogin reports an API call answered with a redirect to a login page or
// an identity provider, or with an HTML login page.
var ToLogin = &diagnosis.Check{
	Name:   "tologin",
	Doc:    "report calls answered with a redirect to a login page or identity provider, or with an HTML login form, instead of a 401",
	Causes: []catalog.ID{catalog.RedirectToLogin},
	Run:    runToLogin,
}

func runToLogin(p *diagnosis.Pass) error {
	t := p.Evidence.Facts.Trial(evidence.AsGiven)
	if t == nil || len(t.Hops) == 0 {
		return nil
	}
	var ev []string
	hit := false
	for i := range t.Hops {
		h := &t.Hops[i]
		if h.Response == nil || !isRedirect(h.Response.Status) {
			continue
		}
		loc := h.Response.Header.Get("Location")
		from, err1 := url.Parse(h.Request.URL)
		if err1 != nil || loc == "" {
			continue
		}
		to, err := from.Parse(loc)
		if err != nil {
			continue
		}
		if why, ok := producer.LoginURL(to); ok {
			ev = append(ev, line(h)+" → Location: "+clipURL(to), why)
			hit = true
			break
		}
	}
	last := t.Final()
	if last != nil && last.Response != nil && isHTMLType(last.Response.Header.Get("Content-Type")) && producer.LoginForm(last.Response.Body) {
		ev = append(ev, "the answer is an HTML page with a password field: "+line(last))
		hit = true
	}
	if !hit {
		return nil
	}
	conf := finding.Strong - 0.02
	if aj := final(p, evidence.AcceptJSON); aj != nil && aj.Response != nil {
		r := aj.Response
		switch {
		case r.Status == http.StatusUnauthorized:
			ev = append(ev, "asked as an API client (Accept: application/json) it answers "+line(aj)+": the SSO layer tells API calls apart by Accept")
			conf = finding.Strong
		case isRedirect(r.Status) || isHTMLType(r.Header.Get("Content-Type")):
			ev = append(ev, "even with Accept: application/json: "+line(aj))
			conf = finding.Strong + 0.03
		}
	}
	if prod := p.Evidence.Facts.Producers(t.Final()); len(prod.Producers) > 0 {
		ev = append(ev, "answered by "+prod.Summary())
	}
	p.Reportf(catalog.RedirectToLogin, conf, ev, "The call is sent to a login page instead of being answered with 401")
	return nil
}

func isHTMLType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	return strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/xhtml+xml")
}

// clipURL shows u without its query values, which may hold state.
func clipURL(u *url.URL) string {
	c := *u
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{"…"}
		}
		c.RawQuery = strings.ReplaceAll(q.Encode(), "%E2%80%A6", "…")
	}
	return c.String()
}
