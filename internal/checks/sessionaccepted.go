package checks

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
)

// SessionAccepted reports a browser session's refused request whose
// credentials the same host accepted both before and after it: the
// credentials and the session were good all along, so the refusal is
// about this endpoint. A 401 without a challenge is then not about
// credentials at all (an endpoint that answers 401 whatever is sent, by
// design or for an error of its own); a 403, or a 401 whose body speaks
// of permissions, is a missing permission.
var SessionAccepted = &SessionCheck{
	Name:   "sessionaccepted",
	Doc:    "report refused browser-session requests whose credentials the same host accepted before and after: the 401 is the endpoint's own, or a permission",
	Causes: []catalog.ID{catalog.StatusNotAuth, catalog.StatusForbidden},
	Run:    runSessionAccepted,
}

func runSessionAccepted(p *SessionPass) error {
	f := p.Evidence.Flow
	for i := range f.Steps {
		fs := &f.Steps[i]
		r := fs.Entry.Exchange.Response
		if !f.Refused(i) || r == nil || (r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden) {
			continue
		}
		if len(r.Header.Values("WWW-Authenticate")) > 0 {
			continue // a challenge asks for credentials: another check's matter
		}
		item, before, after, ok := f.AcceptedAround(i)
		if !ok {
			continue
		}
		ev := []string{
			fmt.Sprintf("%s with %s, and no WWW-Authenticate", stepLine(fs), item),
			fmt.Sprintf("%s: the same credential was accepted before", stepLine(&f.Steps[before])),
			fmt.Sprintf("%s: and after, without a new login", stepLine(&f.Steps[after])),
		}
		body := strings.ToLower(string(r.Body))
		if r.Status == http.StatusForbidden || containsAny(body, "forbidden", "permission", "not allowed", "not authorized to", "access denied", "insufficient") {
			if r.Status == http.StatusUnauthorized {
				ev = append(ev, "the body speaks of permissions: "+snippet(r.Body, 80))
			}
			p.Reportf(catalog.StatusForbidden, finding.Likely, ev, "The session is valid, but this account may not have %s", fs.URL.Path)
			return nil
		}
		conf := finding.Likely
		if namesStatus(fs.URL.Path, r.Status) {
			ev = append(ev, fmt.Sprintf("the URL names the status it answers (%s)", fs.URL.Path))
			conf += 0.1
		}
		if len(r.Body) > 0 {
			ev = append(ev, "the body: "+snippet(r.Body, 80))
		}
		p.Reportf(catalog.StatusNotAuth, conf, ev, "%s answers %d with credentials the site accepts before and after: the refusal is the endpoint's own, not the session's", fs.URL.Path, r.Status)
		return nil
	}
	return nil
}

// namesStatus reports whether a path has the status code as a segment or
// a segment's start ("/status/401", "/401methods/get").
func namesStatus(path string, code int) bool {
	c := strconv.Itoa(code)
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, c) && (len(seg) == len(c) || seg[len(c)] < '0' || seg[len(c)] > '9') {
			return true
		}
	}
	return false
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
