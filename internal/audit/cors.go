package audit

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// CORS reports protected locations that send CORS headers but would
// challenge the browser's preflight, which carries no credentials.
var CORS = &Check{
	Name:   "cors",
	Doc:    "report locations that answer cross-origin requests (Access-Control-Allow-* headers) behind authentication that also applies to the OPTIONS preflight",
	Causes: []catalog.ID{catalog.CORSPreflightAuth},
	Run:    runCORS,
}

func runCORS(p *Pass) error {
	for _, n := range p.Evidence.Nginx {
		for _, s := range nginxScopes(n) {
			if !s.isLocation() || s.auth() == nil {
				continue
			}
			var acao *ndir
			for _, h := range s.level("add_header") {
				if strings.HasPrefix(strings.ToLower(h.Arg(0)), "access-control-allow-") {
					acao = h
					break
				}
			}
			if acao == nil || optionsHandled(s) {
				continue
			}
			p.Report(Finding{Cause: catalog.CORSPreflightAuth, Severity: catalog.Warning, Detail: fmt.Sprintf("location %s sends %s but %s (line %d) also challenges the CORS preflight, which browsers send without credentials: answer OPTIONS first, e.g. if ($request_method = OPTIONS) { return 204; }", s.path(), acao.Arg(0), s.auth().Name, s.auth().Line), Location: loc(acao.File, acao.Line), Server: KindNginx})
		}
	}
	for _, a := range p.Evidence.Apache {
		for _, s := range apacheScopes(a) {
			req := s.requiresUser()
			if req == nil {
				continue
			}
			var hdr *adir
			for _, h := range s.inherited("Header") {
				for _, arg := range h.Args {
					if strings.HasPrefix(strings.ToLower(arg), "access-control-allow-") {
						hdr = h
					}
				}
				if hdr != nil {
					break
				}
			}
			if hdr == nil || apacheOptionsExempt(s) {
				continue
			}
			p.Report(Finding{Cause: catalog.CORSPreflightAuth, Severity: catalog.Warning, Detail: fmt.Sprintf("CORS headers are sent here but Require %s (line %d) also applies to OPTIONS preflights, which browsers send without credentials: wrap it in <LimitExcept OPTIONS>", req.Arg(0), req.Line), Location: loc(hdr.File, hdr.Line), Server: KindApache})
		}
	}
	return nil
}

// optionsHandled reports whether an if ($request_method = OPTIONS) block
// with a return applies in the scope (it runs before auth).
func optionsHandled(s nscope) bool {
	for _, b := range s.chain {
		for _, d := range b.Block {
			if d.Name == "if" && strings.Contains(strings.ToUpper(strings.Join(d.Args, " ")), "OPTIONS") {
				for _, c := range d.Block {
					if c.Name == "return" {
						return true
					}
				}
			}
		}
	}
	return false
}

// apacheOptionsExempt reports whether the scope keeps OPTIONS out of its
// Require: the Require sits in <LimitExcept ... OPTIONS ...> or <Limit>
// without OPTIONS, or "Require method OPTIONS" is present.
func apacheOptionsExempt(s ascope) bool {
	for _, c := range s.chain {
		if (c.Is("LimitExcept") && containsFold(c.Args, "OPTIONS")) || (c.Is("Limit") && !containsFold(c.Args, "OPTIONS")) {
			return true
		}
	}
	for _, r := range s.named("Require") {
		if strings.EqualFold(r.Arg(0), "method") && containsFold(r.Args[1:], "OPTIONS") {
			return true
		}
	}
	for _, d := range s.direct() {
		if d.Block != nil && ((d.Is("LimitExcept") && containsFold(d.Args, "OPTIONS")) || (d.Is("Limit") && !containsFold(d.Args, "OPTIONS"))) {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
