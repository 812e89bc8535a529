package audit

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// Forwarded reports reverse proxies that do not tell the application the
// original scheme and host.
var Forwarded = &Check{
	Name:   "forwarded",
	Doc:    "report reverse proxies without X-Forwarded-Proto / X-Forwarded-Host (or Forwarded), including nginx blocks whose own proxy_set_header drops the inherited ones",
	Causes: []catalog.ID{catalog.ProxyForwardedHeaders},
	Run:    runForwarded,
}

func runForwarded(p *Pass) error {
	for _, n := range p.Evidence.Nginx {
		for _, s := range nginxScopes(n) {
			for _, pp := range s.own("proxy_pass") {
				set := map[string]string{}
				for _, h := range s.level("proxy_set_header") {
					set[strings.ToLower(h.Arg(0))] = h.Arg(1)
				}
				if _, ok := set["forwarded"]; ok {
					continue
				}
				var missing []string
				if _, ok := set["x-forwarded-proto"]; !ok {
					missing = append(missing, "X-Forwarded-Proto")
				}
				host := set["host"]
				_, xfh := set["x-forwarded-host"]
				if !xfh && host != "$host" && host != "$http_host" && !strings.HasPrefix(host, "$host:") {
					missing = append(missing, "X-Forwarded-Host (or Host $host)")
				}
				if len(missing) == 0 {
					continue
				}
				msg := fmt.Sprintf("proxy_pass %s without %s: the application sees http and the upstream's name, so it builds wrong redirects and callback URLs and may refuse Secure cookies", pp.Arg(0), strings.Join(missing, " or "))
				if inherited := s.inheritedButDropped("proxy_set_header"); inherited != nil {
					msg += fmt.Sprintf("; the proxy_set_header lines at %s:%d are not inherited because this block sets its own", inherited.File, inherited.Line)
				}
				p.Report(Finding{Cause: catalog.ProxyForwardedHeaders, Severity: catalog.Warning, Detail: msg, Location: loc(pp.File, pp.Line), Server: KindNginx})
			}
		}
	}
	for _, a := range p.Evidence.Apache {
		for _, s := range apacheScopes(a) {
			for _, d := range s.named("ProxyAddHeaders") {
				if strings.EqualFold(d.Arg(0), "Off") {
					p.Report(Finding{Cause: catalog.ProxyForwardedHeaders, Severity: catalog.Warning, Detail: "ProxyAddHeaders Off: the backend gets no X-Forwarded-For/Host/Server", Location: loc(d.File, d.Line), Server: KindApache})
				}
			}
			for _, d := range append(s.named("ProxyPass"), s.named("ProxyPassMatch")...) {
				target := d.Arg(1)
				if s.sec != nil && s.kind() != "virtualhost" {
					target = d.Arg(0)
				}
				if target == "!" || strings.Contains(strings.ToLower(target), "fcgi://") || target == "" {
					continue
				}
				proto := false
				for _, h := range s.inherited("RequestHeader") {
					if strings.EqualFold(h.Arg(1), "X-Forwarded-Proto") || strings.EqualFold(h.Arg(1), "Forwarded") {
						proto = true
					}
				}
				if !proto {
					p.Report(Finding{Cause: catalog.ProxyForwardedHeaders, Severity: catalog.Warning, Detail: fmt.Sprintf("%s to %s without RequestHeader set X-Forwarded-Proto: Apache adds X-Forwarded-Host but not the scheme, so the application behind it assumes http", d.Name, target), Location: loc(d.File, d.Line), Server: KindApache})
				}
			}
		}
	}
	return nil
}

// inheritedButDropped returns the first directive named name in an
// enclosing block when the scope's own block has its own, so the outer
// ones do not apply.
func (s nscope) inheritedButDropped(name string) *ndir {
	if len(s.own(name)) == 0 {
		return nil
	}
	for i := len(s.chain) - 2; i >= 0; i-- {
		for _, d := range s.chain[i].Block {
			if d.Name == name {
				return d
			}
		}
	}
	return nil
}
