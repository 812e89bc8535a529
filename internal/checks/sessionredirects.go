package checks

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/harflow"
	"github.com/why401/why401/internal/redact"
)

// SessionRedirects reads the redirects of a browser session: a redirect
// to another origin after which the request lost its Authorization
// header and was refused, a login flow that keeps coming back to the
// login page, and API calls answered with a redirect to a login page.
var SessionRedirects = &diagnosis.Check{
	Name:   "sessionredirects",
	Doc:    "report browser-session redirects that drop Authorization, loop through the login page, or send API calls to a login page",
	Causes: []catalog.ID{catalog.RedirectAuthDropped, catalog.RedirectLoginLoop, catalog.RedirectToLogin},
	Run:    runSessionRedirects,
}

// loopArrivals is how often a flow must land on the same login page by
// redirect to count as a loop.
const loopArrivals = 3

func runSessionRedirects(p *diagnosis.Pass) error {
	f := flowOf(p)
	if f == nil {
		return nil
	}
	sanitized := p.Evidence.Probe.Session.Sanitized
	dropped, toLogin := false, false
	for i := range f.Steps {
		s := &f.Steps[i]
		loc := s.Location()
		if loc == nil {
			continue
		}
		// Authorization dropped on a cross-origin redirect.
		if !dropped && s.Auth != "" && !sameOrigin(s.URL, loc) {
			for j := i + 1; j < len(f.Steps); j++ {
				n := &f.Steps[j]
				if n.URL == nil || n.URL.String() != loc.String() && !(n.URL.Host == loc.Host && n.URL.Path == loc.Path) {
					continue
				}
				if n.Auth == "" && n.Failed && n.Entry.Exchange.Response != nil {
					why := "another host"
					switch {
					case s.URL.Hostname() == loc.Hostname() && s.URL.Scheme != loc.Scheme:
						why = "another scheme"
					case s.URL.Hostname() == loc.Hostname():
						why = "another port"
					}
					p.Reportf(catalog.RedirectAuthDropped, finding.Certain-0.02, []string{
						fmt.Sprintf("%s: the request carried Authorization: %s", stepLine(s), redact.Authorization(s.Auth)),
						fmt.Sprintf("the redirect leads to %s (%s), so the browser removes the Authorization header, as the Fetch standard requires", redact.URL(loc.String()), why),
						fmt.Sprintf("%s: sent without Authorization", stepLine(n)),
					}, "The redirect to %s dropped the Authorization header", loc.Host)
					dropped = true
				}
				break
			}
		}
		// API call (not a navigation) redirected to a login page.
		if !toLogin && !harflow.IsNavigation(s.Entry) && s.Entry.ResourceType != "" && s.URL != nil && !harflow.LoginPath(s.URL.Path) && harflow.LoginPath(loc.Path) {
			p.Reportf(catalog.RedirectToLogin, finding.Strong-0.05, []string{
				fmt.Sprintf("%s (a %s request, not a page load)", stepLine(s), s.Entry.ResourceType),
				"the script gets the login page's HTML (or a CORS error) instead of a 401 it could handle",
			}, "An API call was answered with a redirect to the login page")
			toLogin = true
		}
	}
	// Login loops: the flow lands on the same login page again and again
	// by redirect, with logins or protected pages in between.
	arrivals := map[string][]int{}
	var order []string
	for i := range f.Steps {
		s := &f.Steps[i]
		if i == 0 || s.URL == nil || !harflow.IsNavigation(s.Entry) {
			continue
		}
		prev := f.Steps[i-1].Location()
		if prev == nil || !harflow.LoginPath(s.URL.Path) || prev.Path != s.URL.Path {
			continue
		}
		key := s.URL.Host + s.URL.Path
		if _, ok := arrivals[key]; !ok {
			order = append(order, key)
		}
		arrivals[key] = append(arrivals[key], i)
	}
	for _, key := range order {
		idx := arrivals[key]
		if len(idx) < loopArrivals {
			continue
		}
		logins := 0
		var path []string
		for i := idx[0]; i <= idx[len(idx)-1] && i < len(f.Steps); i++ {
			s := &f.Steps[i]
			if s.IsLogin() {
				logins++
			}
			if harflow.IsNavigation(s.Entry) && s.URL != nil && len(path) < 12 {
				path = append(path, fmt.Sprintf("%s %s %d", s.Entry.Exchange.Request.Method, s.URL.Path, s.Status()))
			}
		}
		conf := finding.Strong
		if logins == 0 {
			conf = finding.Likely
		}
		ev := []string{
			fmt.Sprintf("the flow was sent back to %s %d times (entries %s)", key, len(idx), joinIdx(idx)),
			fmt.Sprintf("%d login attempts in between", logins),
			"navigation: " + strings.Join(path, " → "),
		}
		if sanitized {
			ev = append(ev, "the HAR is sanitized: whether the session cookie went along cannot be seen")
		}
		p.Reportf(catalog.RedirectLoginLoop, conf, ev, "The login flow loops back to %s", key)
		break
	}
	return nil
}

func joinIdx(idx []int) string {
	parts := make([]string, len(idx))
	for i, n := range idx {
		parts[i] = fmt.Sprintf("#%d", n+1)
	}
	return strings.Join(parts, ", ")
}
