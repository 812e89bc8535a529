package checks

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Registry checks a Docker registry's token challenge: the realm a client
// must fetch a token from.
var Registry = &diagnosis.Check{
	Name:   "registry",
	Doc:    "report a Docker registry whose token realm points to http behind https, to an internal host, or cannot be reached",
	Causes: []catalog.ID{catalog.ProxyForwardedHeaders},
	Run:    runRegistry,
}

func runRegistry(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	if !strings.HasPrefix(e.Response.Header.Get("Docker-Distribution-Api-Version"), "registry/2") {
		return nil
	}
	c, ok := challenge.Find(p.Evidence.Facts.Challenges(e.Response), "Bearer")
	if !ok {
		return nil
	}
	realm, _ := c.Param("realm")
	ru, err := url.Parse(realm)
	tu, err2 := url.Parse(e.Request.URL)
	if err != nil || err2 != nil {
		return nil
	}
	ev := []string{line(e), `the registry sends clients for a token to realm "` + realm + `"`}
	conf := finding.Suspicion - 0.4
	switch {
	case tu.Scheme == "https" && ru.Scheme == "http":
		ev = append(ev, "the registry is reached over https but its realm says http: the registry or its token service builds URLs from a request that reached it as http (X-Forwarded-Proto not passed); docker fails there whatever the credentials")
		conf = finding.Strong + 0.02
	case internalHost(ru.Hostname()) && !internalHost(tu.Hostname()):
		ev = append(ev, "the realm's host "+ru.Hostname()+" is internal: the token service builds its URL from the backend's own address (X-Forwarded-Host not passed)")
		conf = finding.Strong - 0.05
	}
	if tok := final(p, evidence.RegistryToken); tok != nil {
		switch {
		case tok.Response == nil && tok.Err != "":
			ev = append(ev, "fetching a token from the realm failed: "+tok.Err)
			if conf == 0 {
				conf = finding.Likely
			} else {
				conf += 0.05
			}
		case tok.Response != nil:
			ev = append(ev, "the realm answers: "+line(tok))
		}
	}
	if conf == 0 {
		return nil
	}
	p.Reportf(catalog.ProxyForwardedHeaders, conf, ev, "The registry's token realm is wrong behind its proxy")
	return nil
}

// internalHost reports a loopback, private or single-label host name.
func internalHost(h string) bool {
	if h == "" || h == "localhost" || !strings.Contains(h, ".") {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast()
	}
	return strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".internal") || strings.HasSuffix(h, ".svc") || strings.HasSuffix(h, ".cluster.local")
}
