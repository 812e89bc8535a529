package checks

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// IPACL reports refusals by address or by access control list rather than
// by credentials: IIS 401.3 and 401.501-401.504 pages, the stock 403
// pages of nginx and Apache deny rules, and pages that name the client's
// IP address.
var IPACL = &diagnosis.Check{
	Name:   "ipacl",
	Doc:    "report IP allow/deny rules, IIS sub-statuses 401.3 and 401.501-504, and web-server deny pages",
	Causes: []catalog.ID{catalog.IPDenied, catalog.ServerACL, catalog.RateLimitLockout},
	Run:    runIPACL,
}

var (
	// iisSubStatus finds the sub-status in IIS's detailed error page
	// ("HTTP Error 401.3 - Unauthorized").
	iisSubStatus   = regexp.MustCompile(`(?i)HTTP Error (40[13])\.(\d{1,3})\b`)
	ipWordsRE      = regexp.MustCompile(`(?i)(your|client|remote|source) ip( address)?\b.{0,60}\b(is |has been )?(not allowed|denied|blocked|banned|not permitted|rejected|not (on|in) (the )?(allow|white)\s?list)|ip address (rejected|denied|blocked|not allowed)|access (is )?(denied|restricted) (for|from) (your|this) (ip|address|network|location)|not (allowed|permitted) from (your|this) (ip|address|network)|client denied by server configuration|outside the allowed (ip|network)`)
	forwardHeaders = []string{"X-Forwarded-For", "X-Real-IP", "Forwarded", "True-Client-IP", "CF-Connecting-IP"}
)

func runIPACL(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	code := status(e)
	if e == nil || e.Response == nil || !(code == http.StatusUnauthorized || code == http.StatusForbidden) {
		return nil
	}
	r := e.Response
	ev := []string{line(e)}
	if m := iisSubStatus.FindSubmatch(r.Body); m != nil {
		sub := string(m[1]) + "." + string(m[2])
		ev = append(ev, "the IIS error page says HTTP Error "+sub)
		switch sub {
		case "401.3", "403.3":
			p.Reportf(catalog.ServerACL, finding.Strong+0.03, ev, "IIS refuses the authenticated user by the file system ACL (%s)", sub)
		case "401.501", "401.502", "403.501", "403.502":
			p.Reportf(catalog.RateLimitLockout, finding.Strong+0.02, ev, "IIS Dynamic IP Restrictions: too many requests from this address (%s); waiting fixes it", sub)
		case "401.503", "403.503", "403.6":
			p.Reportf(catalog.IPDenied, finding.Certain-0.02, ev, "IIS refuses this client's IP address (%s, IP deny list)", sub)
		case "401.504", "403.504":
			p.Reportf(catalog.IPDenied, finding.Certain-0.02, ev, "IIS refuses this client's host name (%s, domain deny list)", sub)
		}
		return nil
	}
	if loc := ipWordsRE.Find(r.Body); loc != nil {
		ev = append(ev, "body: "+snippet(r.Body, 200))
		withForward(p, &ev)
		p.Reportf(catalog.IPDenied, finding.Strong-0.02, ev, "The server refuses the client's IP address or network")
		return nil
	}
	if code != http.StatusForbidden || len(p.Evidence.Facts.Challenges(r)) > 0 {
		return nil
	}
	server := stockForbidden(r.Body)
	if server == "" {
		return nil
	}
	ev = append(ev, "the body is "+server+"'s built-in 403 page: the web server itself refused, before any application or password check")
	conf := finding.Likely
	if noCred := final(p, evidence.NoCredentials); noCred != nil && noCred.Response != nil {
		if noCred.Response.Status == http.StatusUnauthorized {
			return nil // anonymous gets a challenge: no address rule, Htpasswd or Forbidden explain the 403
		}
		if noCred.Response.Status == http.StatusForbidden {
			ev = append(ev, "without credentials: "+line(noCred)+", so no password would help")
			conf = finding.Strong
		}
	} else if !diagnosis.SentCredentials(e.Request) {
		conf = finding.Strong - 0.02
		ev = append(ev, "a request without credentials was refused outright, not challenged")
	}
	if u, err := url.Parse(e.Request.URL); err == nil && strings.HasSuffix(u.Path, "/") {
		ev = append(ev, "the path ends in /: a directory without an index file is refused the same way")
		conf -= 0.25
	}
	withForward(p, &ev)
	p.Reportf(catalog.IPDenied, conf, ev, "A %s allow/deny rule refuses this client's address", server)
	return nil
}

// withForward adds a line when the request carried client-address headers
// that a server or proxy may (or must not) trust.
func withForward(p *diagnosis.Pass, ev *[]string) {
	for _, h := range forwardHeaders {
		if v := p.Evidence.Probe.Request.Header.Get(h); v != "" {
			*ev = append(*ev, "the request sent "+h+": "+v+": a server behind a proxy judges by the address its proxy passes on, and one that is not behind a trusted proxy ignores it")
		}
	}
}

// stockForbidden names the web server whose built-in 403 page body is.
func stockForbidden(body []byte) string {
	if !bytes.Contains(body, []byte("403 Forbidden")) {
		return ""
	}
	switch {
	case bytes.Contains(body, []byte("<center>nginx")):
		return "nginx"
	case bytes.Contains(body, []byte("have permission to access")) && bytes.Contains(body, []byte("<address>Apache")),
		bytes.Contains(body, []byte("You don't have permission to access this resource")):
		return "Apache httpd"
	}
	return ""
}
