package checks

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// WrongURL reports a URL that itself leads into a protected area or
// nowhere: the same path without its first segment is public, the other
// scheme serves it without credentials, or the gateway says there is no
// such route (API Gateway's "Missing Authentication Token").
var WrongURL = &diagnosis.Check{
	Name:   "wrongurl",
	Doc:    "report URLs under a protected prefix whose public twin exists, public over the other scheme, or unknown to the gateway",
	Causes: []catalog.ID{catalog.URLWrong},
	Run:    runWrongURL,
}

func runWrongURL(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	code := status(e)
	if e == nil || e.Response == nil || !(failed(code) || code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		return nil
	}
	r := e.Response
	ev := []string{line(e)}
	if bytes.Contains(r.Body, []byte("Missing Authentication Token")) || r.Header.Get("X-Amzn-Errortype") == "MissingAuthenticationTokenException" {
		ev = append(ev, "body: "+snippet(r.Body, 120), "API Gateway answers this for a path or method it has no route for, whatever the credentials")
		p.Reportf(catalog.URLWrong, finding.Strong, ev, "The gateway has no route for this URL: check the path, stage and method")
		return nil
	}
	if movedLogin(p, e) {
		return nil
	}
	var public []string
	strong := false
	twin := ""
	for _, t := range p.Evidence.Facts.Trials(evidence.Nearby) {
		f := t.Final()
		if f == nil || f.Response == nil {
			continue
		}
		if !success(f.Response.Status) || t.Label == "nonexistent" {
			continue
		}
		public = append(public, t.Label+": "+line(f)+" without credentials")
		if t.Label == "without-prefix" && (failed(code) || code == http.StatusNotFound) {
			strong = true
			if u, err := url.Parse(f.Request.URL); err == nil {
				twin = u.EscapedPath()
			}
		}
	}
	if strong && catchAll(p) {
		strong = false
		public = append(public, "but a path that cannot exist is answered the same way: the site answers 2xx to any path (a single-page app's catch-all)")
	}
	other := final(p, evidence.OtherScheme)
	otherPublic := other != nil && success(status(other)) && failed(code)
	switch {
	case strong:
		ev = append(ev, public...)
		p.Reportf(catalog.URLWrong, finding.Strong+0.02, ev, "The same page is public at %s: this URL leads into a protected area (or is an old path)", twin)
	case otherPublic:
		ev = append(ev, "over the other scheme: "+line(other)+" without credentials")
		p.Reportf(catalog.URLWrong, finding.Likely-0.1, ev, "The other scheme serves this URL without credentials: http and https lead to different sites or areas")
	case len(public) > 0 && failed(code):
		ev = append(ev, public...)
		ev = append(ev, "only this area asks for credentials; if you expected a public page, the URL may be wrong")
		p.Reportf(catalog.URLWrong, finding.Suspicion-0.15, ev, "Nearby URLs are public; only this area is protected")
	}
	return nil
}

// loginPath matches paths of login and token endpoints.
var loginPath = regexp.MustCompile(`(?i)(^|/)(log-?in|sign-?in|auth(enticate)?|session|token|wp-login\.php)(/|\.|$)`)

// movedLogin reports a login URL that redirects to another login path, after
// which the request fails: the client follows the move but loses its POST
// body or credentials on the way (301/302 turn POST into GET).
func movedLogin(p *diagnosis.Pass, e *evidence.Exchange) bool {
	t := p.Evidence.Facts.Trial(evidence.AsGiven)
	if t == nil || len(t.Hops) < 2 {
		return false
	}
	first := &t.Hops[0]
	rd := first.Redirect
	if rd == nil || first.Response == nil {
		return false
	}
	from, err1 := url.Parse(rd.From)
	to, err2 := url.Parse(rd.To)
	if err1 != nil || err2 != nil || !loginPath.MatchString(from.Path) || !loginPath.MatchString(to.Path) || from.Path == to.Path {
		return false
	}
	if !strings.EqualFold(from.Hostname(), to.Hostname()) {
		return false // another host: an SSO hand-off, not a moved URL
	}
	ev := []string{line(first), "Location: " + redact.URL(rd.To), line(e)}
	if first.Request.Method != e.Request.Method {
		ev = append(ev, "the "+strconv.Itoa(rd.Status)+" turned "+first.Request.Method+" into "+e.Request.Method+": the login data did not arrive")
	}
	// The request itself went to a login endpoint, so this is more specific
	// than an API call sent to a login page (redirect.to-login).
	p.Reportf(catalog.URLWrong, finding.Certain-0.02, ev, "The login URL has moved to %s: send the request there directly", to.Path)
	return true
}

// catchAll reports whether the made-up neighbour got the same 2xx answer as
// the public twin: the site answers every path alike.
func catchAll(p *diagnosis.Pass) bool {
	var twin, none *evidence.Response
	for _, t := range p.Evidence.Facts.Trials(evidence.Nearby) {
		f := t.Final()
		if f == nil || f.Response == nil {
			continue
		}
		switch t.Label {
		case "without-prefix":
			twin = f.Response
		case "nonexistent":
			none = f.Response
		}
	}
	return twin != nil && none != nil && success(none.Status) && bytes.Equal(twin.Body, none.Body)
}
