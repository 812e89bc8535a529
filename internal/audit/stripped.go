package audit

import (
	"fmt"
	"regexp"
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
		for _, s := range n.allScopes() {
			for _, d := range s.block.Block {
				switch d.Name {
				case "proxy_set_header", "grpc_set_header":
					if strings.EqualFold(d.Arg(0), "Authorization") && strings.TrimSpace(d.Arg(1)) == "" {
						// The header certainly goes; a 401 follows only
						// if the upstream checks credentials (a warning,
						// the severity policy). Where nginx checks the
						// password itself, hiding it from the upstream
						// is the usual intent.
						if a := s.auth(); a != nil && a.Name == "auth_basic" {
							rep(KindNginx, catalog.Info, d.File, d.Line, "%s Authorization \"\" removes the header before the upstream: the usual way to keep the password auth_basic (line %d) checks from the application; an upstream that checks credentials of its own answers 401", d.Name, a.Line)
						} else {
							rep(KindNginx, catalog.Warning, d.File, d.Line, "%s Authorization \"\" removes the header: the upstream never sees the client's credentials and answers 401 if it checks them", d.Name)
						}
					}
				case "fastcgi_param", "uwsgi_param", "scgi_param":
					if strings.EqualFold(d.Arg(0), "HTTP_AUTHORIZATION") && strings.TrimSpace(d.Arg(1)) == "" {
						rep(KindNginx, catalog.Warning, d.File, d.Line, "%s HTTP_AUTHORIZATION \"\" hides the client's credentials from the application", d.Name)
					}
				case "proxy_pass_request_headers", "fastcgi_pass_request_headers", "uwsgi_pass_request_headers", "scgi_pass_request_headers":
					if strings.EqualFold(d.Arg(0), "off") {
						headersOff(n, s, d, rep)
					}
				case "more_clear_input_headers":
					for _, a := range d.Args {
						if strings.EqualFold(strings.TrimPrefix(a, "-t "), "Authorization") {
							rep(KindNginx, catalog.Warning, d.File, d.Line, "more_clear_input_headers removes Authorization before the upstream")
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
			case d.Is("RewriteRule") && rewriteSetsEnv(d, "HTTP_AUTHORIZATION"):
				passThrough = true
			case d.Is("RequestHeader") && strings.EqualFold(d.Arg(0), "unset") && strings.EqualFold(d.Arg(1), "Authorization"):
				rep(KindApache, catalog.Warning, d.File, d.Line, "RequestHeader unset Authorization removes the client's credentials before the application")
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
		dirs := map[string]ascope{}
		scopes := apacheScopes(a)
		for _, s := range scopes {
			if s.sec != nil && s.kind() == "directory" {
				dirs[strings.TrimSuffix(apacheconf.Resolve(a.Config.ServerRoot, s.path()), "/")] = s
			}
		}
		for _, s := range scopes {
			for _, d := range s.direct() {
				h := cgiHandler(d)
				if h.what == "" || passThrough || !h.loaded(s.cond) {
					continue
				}
				on := false
				for _, c := range s.inherited("CGIPassAuth") {
					if strings.EqualFold(c.Arg(0), "On") {
						on = true
					}
					break
				}
				// The scope that authorizes the scripts: the <Directory>
				// a ScriptAlias points into, or the handler's own.
				where, paths := s, append(scopePaths(s), d.Args...)
				if d.Is("ScriptAlias") && len(d.Args) == 2 {
					dir := strings.TrimSuffix(apacheconf.Resolve(a.Config.ServerRoot, d.Args[1]), "/")
					on = on || under(dir, passDirs) || under(strings.TrimSuffix(d.Args[0], "/"), passLocs)
					if ds, ok := dirs[dir]; ok {
						where = ds
					}
				}
				if on || knownRemoteUserCGI(paths) {
					continue
				}
				sev, why := catalog.Info, "a script that checks credentials itself answers 401"
				if h.fastcgi {
					sev, why = catalog.Warning, "PHP and other FastCGI applications that check Basic or Bearer credentials themselves answer 401"
				}
				if eff := where.effectiveAuthz(); eff.known && eff.result.user {
					sev, why = catalog.Info, "Apache authenticates here itself and passes the user as REMOTE_USER, so only an application that reads Authorization again is affected"
				}
				rep(KindApache, sev, d.File, d.Line, "%s: Apache does not pass Authorization to CGI or FastCGI applications unless CGIPassAuth On is set here (2.4.13+) or SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1 passes it; %s", h.what, why)
			}
		}
	}
	return nil
}

// handler is what a directive hands requests to.
type handler struct {
	what    string   // description; "" when d hands nothing to CGI or FastCGI
	modules []string // any one of them runs it
	fastcgi bool
}

// loaded reports whether a module that runs the handler is loaded.
func (h handler) loaded(c *cond) bool {
	for _, m := range h.modules {
		if c.loaded(m) {
			return true
		}
	}
	return false
}

// cgiHandler describes d when it hands requests to CGI or FastCGI.
func cgiHandler(d *adir) handler {
	arg := strings.ToLower(strings.Join(d.Args, " "))
	switch {
	case d.Is("ScriptAlias") || d.Is("ScriptAliasMatch"):
		return handler{d.Name + " runs CGI scripts", []string{"cgi", "cgid"}, false}
	case (d.Is("SetHandler") || d.Is("AddHandler")) && strings.Contains(arg, "cgi-script"):
		return handler{d.Name + " " + d.Arg(0) + " runs CGI scripts", []string{"cgi", "cgid"}, false}
	case (d.Is("SetHandler") || d.Is("AddHandler")) && strings.Contains(arg, "fcgid-script"):
		return handler{d.Name + " " + d.Arg(0) + " runs FastCGI scripts", []string{"fcgid"}, true}
	case (d.Is("SetHandler") || d.Is("AddHandler")) && strings.HasPrefix(arg, "proxy:") && strings.Contains(arg, "fcgi://"):
		return handler{d.Name + " hands requests to FastCGI", []string{"proxy_fcgi"}, true}
	case (d.Is("ProxyPass") || d.Is("ProxyPassMatch")) && strings.Contains(arg, "fcgi://"):
		return handler{d.Name + " hands requests to FastCGI", []string{"proxy_fcgi"}, true}
	}
	return handler{}
}

// remoteUserCGI matches path segments of CGI suites that take the user
// from REMOTE_USER, set by Apache's own authentication, or do no
// authentication at all, and never read Authorization: Nagios and
// Icinga's classic CGIs, Munin, gitweb, cgit, Smokeping, Mailman 2,
// AWStats, MRTG.
var remoteUserCGI = regexp.MustCompile(`(?i)(^|/)(nagios[0-9]*|icinga[0-9]*|munin(-cgi-[a-z]+)?|gitweb(\.cgi)?|cgit(\.cgi)?|smokeping(\.cgi|\.fcgi)?|mailman|awstats(\.pl)?|mrtg|cgi-bin/(nagios[0-9]*|munin|mailman))(/|$)`)

func knownRemoteUserCGI(paths []string) bool {
	for _, p := range paths {
		if remoteUserCGI.MatchString(p) {
			return true
		}
	}
	return false
}

// scopePaths returns the path arguments of the scope's sections.
func scopePaths(s ascope) []string {
	var out []string
	for _, c := range s.chain {
		if pathSection(c) {
			out = append(out, c.Arg(len(c.Args)-1))
		}
	}
	return out
}

// rewriteSetsEnv reports whether a RewriteRule's flags set the
// environment variable name: [E=NAME:value] or the long [env=NAME:value].
func rewriteSetsEnv(d *adir, name string) bool {
	if len(d.Args) < 3 {
		return false
	}
	flags := d.Args[len(d.Args)-1]
	if !strings.HasPrefix(flags, "[") || !strings.HasSuffix(flags, "]") {
		return false
	}
	for _, f := range strings.Split(flags[1:len(flags)-1], ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok || !(strings.EqualFold(k, "E") || strings.EqualFold(k, "env")) {
			continue
		}
		v = strings.TrimPrefix(v, "!")
		if n, _, _ := strings.Cut(v, ":"); strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// headersOff judges X_pass_request_headers off: the request's headers
// are not passed, but the block may set Authorization (or the cookie)
// again, as auth_request setups do for their auth service.
func headersOff(n *Nginx, s nscope, d *ndir, rep func(Kind, catalog.Severity, string, int, string, ...any)) {
	prefix, _, _ := strings.Cut(d.Name, "_pass_request_headers")
	set, name, cookie := prefix+"_set_header", "authorization", "cookie"
	if prefix != "proxy" && prefix != "grpc" {
		set, name, cookie = prefix+"_param", "http_authorization", "http_cookie"
	}
	passed := map[string]bool{}
	for _, h := range s.level(set) {
		if strings.TrimSpace(h.Arg(1)) != "" {
			passed[strings.ToLower(h.Arg(0))] = true
		}
	}
	if passed[name] {
		return // Authorization is set again
	}
	target := n.authTarget(s)
	switch {
	case passed[cookie]:
		rep(KindNginx, catalog.Info, d.File, d.Line, "%s off drops every request header; only the cookie is passed again, so Basic or Bearer credentials never reach the upstream", d.Name)
	case target:
		rep(KindNginx, catalog.Error, d.File, d.Line, "%s off in the auth_request location drops Authorization and cookies, and no %s passes them again: the auth service never sees credentials and refuses every request", d.Name, set)
	default:
		rep(KindNginx, catalog.Warning, d.File, d.Line, "%s off drops every request header, Authorization included, and no %s passes it again", d.Name, set)
	}
}
