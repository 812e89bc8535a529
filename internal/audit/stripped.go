package audit

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/apacheconf"
	"github.com/why401/why401/internal/catalog"
)

// Stripped reports configuration that removes Authorization before the
// application sees it.
var Stripped = &Check{
	Name:   "stripped",
	Doc:    "report Authorization removed on the way to the application: cleared proxy or FastCGI headers, CGI and proxy_fcgi without CGIPassAuth or a pass-through",
	Causes: []catalog.ID{catalog.ProxyHeaderStripped},
	Run:    runStripped,
}

func runStripped(p *Pass) error {
	rep := func(server Kind, sev catalog.Severity, file string, line int, format string, args ...any) {
		p.Report(Finding{Cause: catalog.ProxyHeaderStripped, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: loc(file, line), Server: server})
	}
	for _, n := range p.Evidence.Nginx {
		for _, s := range nginxScopes(n) {
			for _, d := range s.block.Block {
				switch d.Name {
				case "proxy_set_header", "grpc_set_header":
					if strings.EqualFold(d.Arg(0), "Authorization") && strings.TrimSpace(d.Arg(1)) == "" {
						rep(KindNginx, catalog.Error, d.File, d.Line, "%s Authorization \"\" removes the header: the upstream never sees the client's credentials and answers 401", d.Name)
					}
				case "fastcgi_param", "uwsgi_param", "scgi_param":
					if strings.EqualFold(d.Arg(0), "HTTP_AUTHORIZATION") && strings.TrimSpace(d.Arg(1)) == "" {
						rep(KindNginx, catalog.Error, d.File, d.Line, "%s HTTP_AUTHORIZATION \"\" hides the client's credentials from the application", d.Name)
					}
				case "proxy_pass_request_headers", "fastcgi_pass_request_headers", "uwsgi_pass_request_headers", "scgi_pass_request_headers":
					if strings.EqualFold(d.Arg(0), "off") {
						rep(KindNginx, catalog.Error, d.File, d.Line, "%s off drops every request header, Authorization included", d.Name)
					}
				case "more_clear_input_headers":
					for _, a := range d.Args {
						if strings.EqualFold(strings.TrimPrefix(a, "-t "), "Authorization") {
							rep(KindNginx, catalog.Error, d.File, d.Line, "more_clear_input_headers removes Authorization before the upstream")
						}
					}
				case "underscores_in_headers":
				}
			}
		}
	}
	for _, a := range p.Evidence.Apache {
		// A pass-through anywhere (SetEnvIf / RewriteRule with E=) is
		// usually global; CGIPassAuth must be in scope.
		passThrough := false
		a.every(func(d *adir, _ []*adir) {
			switch {
			case (d.Is("SetEnvIf") || d.Is("SetEnvIfNoCase")) && strings.EqualFold(d.Arg(0), "Authorization"):
				passThrough = true
			case d.Is("RewriteRule") && strings.Contains(strings.ToUpper(strings.Join(d.Args, " ")), "E=HTTP_AUTHORIZATION"):
				passThrough = true
			case d.Is("RequestHeader") && strings.EqualFold(d.Arg(0), "unset") && strings.EqualFold(d.Arg(1), "Authorization"):
				rep(KindApache, catalog.Error, d.File, d.Line, "RequestHeader unset Authorization removes the client's credentials before the application")
			}
		})
		// Directories and locations with CGIPassAuth On, for handlers
		// (ScriptAlias) that point into them from elsewhere.
		var passDirs, passLocs []string
		for _, s := range apacheScopes(a) {
			if s.sec == nil {
				continue
			}
			for _, c := range s.named("CGIPassAuth") {
				if strings.EqualFold(c.Arg(0), "On") {
					switch s.kind() {
					case "directory":
						passDirs = append(passDirs, strings.TrimSuffix(apacheconf.Resolve(a.Config.ServerRoot, s.path()), "/"))
					case "location":
						passLocs = append(passLocs, strings.TrimSuffix(s.path(), "/"))
					}
				}
			}
		}
		under := func(p string, roots []string) bool {
			for _, r := range roots {
				if p == r || strings.HasPrefix(p, r+"/") {
					return true
				}
			}
			return false
		}
		for _, s := range apacheScopes(a) {
			for _, d := range s.direct() {
				what := cgiHandler(d)
				if what == "" || passThrough {
					continue
				}
				on := false
				for _, c := range s.inherited("CGIPassAuth") {
					if strings.EqualFold(c.Arg(0), "On") {
						on = true
					}
					break
				}
				if d.Is("ScriptAlias") && len(d.Args) == 2 {
					on = on || under(strings.TrimSuffix(apacheconf.Resolve(a.Config.ServerRoot, d.Args[1]), "/"), passDirs) || under(strings.TrimSuffix(d.Args[0], "/"), passLocs)
				}
				if !on {
					rep(KindApache, catalog.Warning, d.File, d.Line, "%s: Apache does not pass Authorization to CGI or FastCGI applications (PHP-FPM included) unless CGIPassAuth On is set here (2.4.13+) or SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1 passes it; applications that check credentials themselves answer 401", what)
				}
			}
		}
	}
	return nil
}

// cgiHandler describes d when it hands requests to CGI or FastCGI.
func cgiHandler(d *adir) string {
	arg := strings.ToLower(strings.Join(d.Args, " "))
	switch {
	case d.Is("ScriptAlias") || d.Is("ScriptAliasMatch"):
		return d.Name + " runs CGI scripts"
	case (d.Is("SetHandler") || d.Is("AddHandler")) && (strings.Contains(arg, "cgi-script") || strings.Contains(arg, "fcgid-script")):
		return d.Name + " " + d.Arg(0) + " runs CGI scripts"
	case (d.Is("SetHandler") || d.Is("AddHandler")) && strings.HasPrefix(arg, "proxy:") && strings.Contains(arg, "fcgi://"):
		return d.Name + " hands requests to FastCGI"
	case (d.Is("ProxyPass") || d.Is("ProxyPassMatch")) && strings.Contains(arg, "fcgi://"):
		return d.Name + " hands requests to FastCGI"
	}
	return ""
}
