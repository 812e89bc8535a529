package audit

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// RateLimit reports request limits on login paths.
var RateLimit = &Check{
	Name:   "ratelimit",
	Doc:    "report limit_req on login, token and protected paths: retries and the browser's challenge round trip hit the limit",
	Causes: []catalog.ID{catalog.RateLimitLockout},
	Run:    runRateLimit,
}

func runRateLimit(p *Pass) error {
	for _, n := range p.Evidence.Nginx {
		for _, s := range n.allScopes() {
			if !s.isLocation() {
				continue
			}
			if !sensitivePath.MatchString(s.path()) && s.auth() == nil {
				continue
			}
			status := "503"
			if st := s.find("limit_req_status"); st != nil {
				status = st.Arg(0)
			}
			for _, d := range s.own("limit_req") {
				burst := false
				for _, a := range d.Args {
					if strings.HasPrefix(a, "burst=") && a != "burst=0" {
						burst = true
					}
				}
				sev, msg := catalog.Info, fmt.Sprintf("limit_req on %s: clients retrying a login are refused with %s until the rate drops", s.path(), status)
				if !burst {
					sev = catalog.Warning
					msg = fmt.Sprintf("limit_req on %s without burst: a second request within the rate's interval gets %s, so a Basic-auth challenge followed at once by the credentialed retry, or a page's parallel requests, fail", s.path(), status)
				}
				if status == "401" {
					// Only the requests above the rate fail: a warning
					// (the severity policy), in the strong band.
					sev = catalog.Warning
					msg += "; limit_req_status 401 disguises the limit as an authentication failure"
				}
				p.Report(Finding{Cause: catalog.RateLimitLockout, Severity: sev, Detail: msg, Location: loc(d.File, d.Line), Server: KindNginx})
			}
		}
	}
	return nil
}
