package audit

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// IPRules reports address rules, which refuse clients by where they come
// from whatever credentials they send.
var IPRules = &Check{
	Name:   "iprules",
	Doc:    "report allow/deny and Require ip/host rules: clients outside them are refused (or, with satisfy any, challenged) whatever credentials they send",
	Causes: []catalog.ID{catalog.IPDenied},
	Run:    runIPRules,
}

func runIPRules(p *Pass) error {
	for _, n := range p.Evidence.Nginx {
		for _, s := range nginxScopes(n) {
			rules := append(s.own("allow"), s.own("deny")...)
			if len(rules) == 0 {
				continue
			}
			first := rules[0]
			for _, r := range rules {
				if r.Line < first.Line {
					first = r
				}
			}
			var list []string
			for _, r := range s.block.Block {
				if r.Name == "allow" || r.Name == "deny" {
					list = append(list, r.Name+" "+r.Arg(0))
				}
			}
			msg := fmt.Sprintf("address rules (%s): clients outside them get 403 whatever credentials they send", strings.Join(list, "; "))
			if sat := s.find("satisfy"); sat != nil && strings.EqualFold(sat.Arg(0), "any") && s.auth() != nil {
				msg = fmt.Sprintf("address rules (%s) with satisfy any: listed clients pass without a password, all others get 401 and must log in", strings.Join(list, "; "))
			}
			p.Report(Finding{Cause: catalog.IPDenied, Severity: catalog.Info, Detail: msg, Location: loc(first.File, first.Line), Server: KindNginx})
		}
	}
	for _, a := range p.Evidence.Apache {
		a.every(func(d *adir, _ []*adir) {
			switch {
			case d.Is("Require") && len(d.Args) >= 2 && (strings.EqualFold(d.Arg(0), "ip") || strings.EqualFold(d.Arg(0), "host") || strings.EqualFold(d.Arg(0), "forward-dns") || (strings.EqualFold(d.Arg(0), "not") && (strings.EqualFold(d.Arg(1), "ip") || strings.EqualFold(d.Arg(1), "host")))):
				p.Report(Finding{Cause: catalog.IPDenied, Severity: catalog.Info, Detail: fmt.Sprintf("Require %s: access depends on the client's address or host name, whatever credentials it sends", strings.Join(d.Args, " ")), Location: loc(d.File, d.Line), Server: KindApache})
			case (d.Is("Deny") || d.Is("Allow")) && strings.EqualFold(d.Arg(0), "from") && !strings.EqualFold(d.Arg(1), "all") || d.Is("Deny") && strings.EqualFold(d.Arg(1), "all"):
				p.Report(Finding{Cause: catalog.IPDenied, Severity: catalog.Info, Detail: fmt.Sprintf("%s %s (mod_access_compat): access depends on the client's address", d.Name, strings.Join(d.Args, " ")), Location: loc(d.File, d.Line), Server: KindApache})
			}
		})
	}
	return nil
}
