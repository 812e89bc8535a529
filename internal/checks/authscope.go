package checks

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// AuthScope reports server-level password protection that covers what it
// should not: static assets, health checks, robots.txt, favicons and the
// well-known URIs (ACME challenges, security.txt, OAuth metadata) that
// browsers, monitors and certificate authorities fetch without
// credentials.
var AuthScope = &diagnosis.Check{
	Name:   "authscope",
	Doc:    "report Basic or Digest protection on assets, health checks and well-known URIs that must stay public",
	Causes: []catalog.ID{catalog.ServerAuthScope},
	Run:    runAuthScope,
}

// publicPaths are exact paths and prefixes fetched without credentials by
// design, with who fetches them.
var publicPaths = []struct {
	prefix, who string
}{
	{"/.well-known/acme-challenge/", "the certificate authority (ACME HTTP-01 validation)"},
	{"/.well-known/", "clients discovering the site (RFC 8615 well-known URIs)"},
	{"/robots.txt", "crawlers"},
	{"/favicon.ico", "browsers"},
	{"/apple-touch-icon", "browsers"},
	{"/manifest.json", "browsers"},
	{"/site.webmanifest", "browsers"},
	{"/healthz", "health checks and load balancers"},
	{"/health", "health checks and load balancers"},
	{"/livez", "health checks"},
	{"/readyz", "health checks"},
	{"/ready", "health checks"},
	{"/ping", "health checks"},
}

// assetExts are file types a page loads as subresources.
var assetExts = map[string]bool{
	".css": true, ".js": true, ".mjs": true, ".map": true, ".png": true, ".jpg": true, ".jpeg": true,
	".gif": true, ".svg": true, ".webp": true, ".ico": true, ".woff": true, ".woff2": true, ".ttf": true,
}

func runAuthScope(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	if diagnosis.SentAuthorization(e.Request) {
		return nil // credentials were sent and refused: another problem
	}
	r := e.Response
	cs := p.Evidence.Facts.Challenges(r)
	if !offers(cs, "Basic") && !offers(cs, "Digest") {
		return nil
	}
	u, err := url.Parse(e.Request.URL)
	if err != nil {
		return nil
	}
	lp := strings.ToLower(u.Path)
	who := ""
	for _, pp := range publicPaths {
		if lp == pp.prefix || strings.HasPrefix(lp, pp.prefix) && (strings.HasSuffix(pp.prefix, "/") || strings.HasPrefix(lp[len(pp.prefix):], ".") || strings.HasPrefix(lp[len(pp.prefix):], "/")) {
			who = pp.who
			break
		}
	}
	if who == "" && assetExts[path.Ext(lp)] {
		who = "browsers loading the page's assets (they send the password only after the page's own prompt, and not at all from another origin)"
	}
	if who == "" {
		return nil
	}
	ev := []string{line(e), challengeLine(r, cs), u.Path + " is fetched without credentials by " + who}
	if s := stockPage(r.Body); s != "" {
		ev = append(ev, "the body is "+s+"'s built-in 401 page: the protection is the web server's, covering this path too")
	}
	p.Reportf(catalog.ServerAuthScope, finding.Strong+0.03, ev, "The password protection also covers %s, which must stay public", u.Path)
	return nil
}
