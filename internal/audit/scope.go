package audit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// Scope reports protection that covers more than intended or is silently
// switched off.
var Scope = &Check{
	Name:   "scope",
	Doc:    "report authentication that covers ACME challenges, health checks or assets, that satisfy any / Require all granted / an early return switch off, or that is duplicated",
	Causes: []catalog.ID{catalog.ServerAuthScope},
	Run:    runScope,
}

const acmePath = "/.well-known/acme-challenge/"

func runScope(p *Pass) error {
	for _, n := range p.Evidence.Nginx {
		scopeNginx(p, n)
	}
	for _, a := range p.Evidence.Apache {
		scopeApache(p, a)
	}
	return nil
}

// reportScope reports a server.auth-scope finding at file:line.
func reportScope(p *Pass, server Kind, sev catalog.Severity, file string, line int, format string, args ...any) {
	p.Report(Finding{Cause: catalog.ServerAuthScope, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: loc(file, line), Server: server})
}

func scopeNginx(p *Pass, n *Nginx) {
	scopes, servers := n.index()
	for _, srv := range servers {
		acmeNginx(p, srv)
		regexBypassNginx(p, srv)
	}
	for _, s := range scopes {
		switch s.block.Name {
		case "location":
			a := s.auth()
			if a == nil {
				continue
			}
			path := s.path()
			// An inherited auth over a health check or asset location.
			if !within(s.block, a) {
				if healthPath.MatchString(path) {
					reportScope(p, KindNginx, catalog.Warning, s.block.File, s.block.Line, "location %s is a health or status endpoint but inherits %s from line %d: monitors and load balancers get 401; add auth_basic off; here (with allow/deny if it must stay private)", path, a.Name, a.Line)
				} else if assetPath.MatchString(path) {
					reportScope(p, KindNginx, catalog.Info, s.block.File, s.block.Line, "location %s serves static assets but inherits %s from line %d: pages that embed them elsewhere get 401 or a prompt per asset", path, a.Name, a.Line)
				}
			}
			// Two authentication layers over one location.
			if b, r := s.find("auth_basic"), s.find("auth_request"); b != nil && r != nil && !strings.EqualFold(b.Arg(0), "off") && r.Arg(0) != "off" && (within(s.block, b) || within(s.block, r)) {
				sat := s.find("satisfy")
				if sat == nil || !strings.EqualFold(sat.Arg(0), "any") {
					later := b
					if r.File == b.File && r.Line > b.Line {
						later = r
					}
					reportScope(p, KindNginx, catalog.Warning, later.File, later.Line, "location %s has both auth_basic (line %d) and auth_request (line %d): a request must pass both, but it has one Authorization header, so a client with a token for auth_request is refused by auth_basic (or the other way round)", path, b.Line, r.Line)
				}
			}
			// return runs in the rewrite phase, before auth.
			for _, r := range s.own("return") {
				code, err := strconv.Atoi(r.Arg(0))
				if err != nil || (code >= 200 && code < 300) {
					reportScope(p, KindNginx, catalog.Error, r.File, r.Line, "return answers in nginx's rewrite phase, before %s (line %d) runs: location %s is not protected at all", a.Name, a.Line, path)
				}
			}
		}
		// satisfy any with allow all switches auth off.
		if sat := s.find("satisfy"); sat != nil && strings.EqualFold(sat.Arg(0), "any") && s.auth() != nil && len(s.own("satisfy")) > 0 {
			for _, al := range s.level("allow") {
				if al.Arg(0) == "all" || al.Arg(0) == "0.0.0.0/0" || al.Arg(0) == "::/0" {
					reportScope(p, KindNginx, catalog.Error, sat.File, sat.Line, "satisfy any with allow %s (line %d) lets every client in without a password: %s is switched off", al.Arg(0), al.Line, s.auth().Name)
				}
			}
		}
	}
}

// acmeRE recognises certificates and paths of ACME clients that answer
// HTTP-01 challenges (certbot, acme.sh, dehydrated, lego, Nginx Proxy
// Manager's and Caddy's stores).
var acmeRE = regexp.MustCompile(`(?i)(letsencrypt|acme|certbot|dehydrated|lego)`)

// acmeNginx reports authentication over /.well-known/acme-challenge/ in
// a server that renews its certificate by HTTP-01: one whose
// ssl_certificate comes from an ACME client's store, or that serves the
// challenge path itself. A server with a certificate from elsewhere (or
// renewed by DNS) is not concerned.
func acmeNginx(p *Pass, srv *nserver) {
	relevant := false
	for _, s := range srv.scopes {
		for _, d := range s.block.Block {
			if (d.Name == "ssl_certificate" && acmeRE.MatchString(d.Arg(0))) || (d.Name == "location" && strings.Contains(strings.Join(d.Args, " "), "acme-challenge")) {
				relevant = true
			}
		}
	}
	if !relevant {
		return
	}
	l := srv.selectLocation(acmePath + "token")
	var a *ndir
	if l == nil {
		a = srv.scopes[0].auth()
	} else {
		for _, s := range srv.scopes {
			if s.block == l {
				a = s.auth()
			}
		}
	}
	if a == nil {
		return
	}
	fix := fmt.Sprintf("location ^~ %s { %s off; }", acmePath, a.Name)
	reportScope(p, KindNginx, catalog.Warning, a.File, a.Line, "%s %q protects %s too, and this server's certificate is renewed by an ACME client: HTTP-01 validation requests get 401 and the certificate expires; add %s", a.Name, a.Arg(0), acmePath, fix)
}

// protectedBy returns the directive that protects the scope: its auth
// (auth_basic, auth_request, auth_jwt) or a deny rule in force.
func (s nscope) protectedBy() *ndir {
	if a := s.auth(); a != nil {
		return a
	}
	for _, r := range s.level("deny") {
		return r
	}
	return nil
}

// regexBypassNginx reports unprotected regex locations that take
// requests away from a protected prefix location: nginx checks regex
// locations after finding the longest prefix (unless it is ^~ or =), and
// a matching regex wins, so location ~ \.php$ beside a protected
// location /admin/ serves /admin/x.php without the protection.
func regexBypassNginx(p *Pass, srv *nserver) {
	byBlock := map[*ndir]nscope{}
	for _, s := range srv.scopes {
		byBlock[s.block] = s
	}
	for _, r := range srv.locations {
		mod, pat := locModifier(r)
		if mod != "~" && mod != "~*" {
			continue
		}
		rs, ok := byBlock[r]
		if !ok || rs.protectedBy() != nil || len(rs.own("return")) > 0 {
			continue
		}
		for _, l := range srv.locations {
			lm, prefix := locModifier(l)
			if lm != "" || strings.HasPrefix(prefix, "@") {
				continue
			}
			ls, ok := byBlock[l]
			if !ok {
				continue
			}
			by := ls.protectedBy()
			if by == nil || !within(l, by) || !regexMayMatchUnder(mod, pat, prefix) {
				continue
			}
			sev, what := catalog.Error, "those requests"
			if assetPath.MatchString(pat) {
				sev, what = catalog.Warning, "the protected application's stylesheets, scripts and images"
			}
			reportScope(p, KindNginx, sev, r.File, r.Line, "location %s %s is a regex location: nginx prefers it to location %s for every URI it matches, so %s under %s are served without %s (line %d); nest it inside location %s or repeat the protection in it", mod, pat, prefix, what, prefix, by.Name, by.Line, prefix)
			break
		}
	}
}

// within reports whether d lies inside block (same file, by line).
func within(block, d *ndir) bool {
	for _, c := range block.Block {
		if c == d {
			return true
		}
	}
	return false
}

func scopeApache(p *Pass, a *Apache) {
	type protected struct {
		d    *adir
		name string
	}
	// Sections of one kind and path merge within one virtual host (or
	// the main server); those of different virtual hosts never do.
	type key struct {
		vhost      *adir
		kind, path string
	}
	seen := map[key]protected{}
	docRoots := map[string]bool{}
	hasAcme := false
	a.every(func(d *adir, _ []*adir) {
		if d.Is("DocumentRoot") {
			docRoots[strings.TrimSuffix(d.Arg(0), "/")] = true
		}
		for _, arg := range d.Args {
			if strings.Contains(arg, "acme-challenge") || (d.Block != nil && strings.Contains(arg, ".well-known")) {
				hasAcme = true
			}
		}
	})
	for _, s := range apacheScopes(a) {
		replacedAuthz(p, s)
		req := s.requiresUser()
		// Require all granted beside a user requirement: RequireAny
		// (the default container), unless inside RequireAll/RequireNone.
		if req != nil && !(s.sec != nil && (s.sec.Is("RequireAll") || s.sec.Is("RequireNone"))) {
			for _, r := range s.named("Require") {
				if strings.EqualFold(r.Arg(0), "all") && strings.EqualFold(r.Arg(1), "granted") {
					reportScope(p, KindApache, catalog.Error, r.File, r.Line, "Require all granted beside Require %s (line %d): several Require lines mean any one suffices, so no password is asked", req.Arg(0), req.Line)
				}
			}
			for _, sat := range s.named("Satisfy") {
				if strings.EqualFold(sat.Arg(0), "Any") {
					for _, al := range s.inherited("Allow") {
						if strings.EqualFold(al.Arg(0), "from") && strings.EqualFold(al.Arg(1), "all") {
							reportScope(p, KindApache, catalog.Error, sat.File, sat.Line, "Satisfy Any with Allow from all (line %d) lets every client in without a password", al.Line)
						}
					}
				}
			}
		}
		if req == nil || s.sec == nil || !pathSection(s.sec) {
			continue
		}
		kind, path := s.kind(), strings.TrimSuffix(s.path(), "/")
		name := ""
		if n := s.named("AuthName"); len(n) > 0 {
			name = n[0].Arg(0)
		}
		k := key{s.vhost(), kind, path}
		if o, ok := seen[k]; ok {
			reportScope(p, KindApache, catalog.Warning, s.sec.File, s.sec.Line, "<%s %s> is protected again (first at %s:%d, realm %q): the sections merge and the later one's AuthUserFile and Require win, which is easy to miss", s.sec.Name, s.path(), o.d.File, o.d.Line, o.name)
		} else {
			seen[k] = protected{s.sec, name}
		}
		whole := (kind == "location" && (path == "" || path == "/")) || (kind == "directory" && docRoots[path])
		if whole && !hasAcme {
			reportScope(p, KindApache, catalog.Warning, req.File, req.Line, "Require %s for <%s %s> covers %s too: ACME HTTP-01 certificate renewals get 401; add <Location %s> Require all granted </Location>", req.Arg(0), s.sec.Name, s.path(), acmePath, acmePath)
		}
		if kind == "location" && healthPath.MatchString(s.path()) {
			reportScope(p, KindApache, catalog.Warning, req.File, req.Line, "<Location %s> is a health or status endpoint protected by a password: monitors get 401", s.path())
		}
	}
}

// pathSection reports whether d is a section that selects requests by
// path (Location, Directory, Files and their Match forms).
func pathSection(d *adir) bool {
	for _, n := range []string{"Location", "LocationMatch", "Directory", "DirectoryMatch", "Files", "FilesMatch"} {
		if d.Is(n) {
			return true
		}
	}
	return false
}

// replacedAuthz reports a section whose own Require lines replace the
// stricter ones of the section around it: without AuthMerging And, a
// <Files> or <Location> inside a <Directory> that says Require all
// granted opens what the Directory restricted to some addresses or users.
func replacedAuthz(p *Pass, s ascope) {
	if s.sec == nil || !pathSection(s.sec) {
		return
	}
	own, lines, ok := s.ownAuthz()
	if !ok {
		return
	}
	par, ok := s.parentAuthz()
	if !ok || !par.known || par.result.open || len(par.lines) == 0 {
		return
	}
	pl := par.lines[0]
	what := fmt.Sprintf("<%s %s>", s.sec.Name, strings.Join(s.sec.Args, " "))
	parent := fmt.Sprintf("Require %s (line %d)", strings.Join(pl.Args, " "), pl.Line)
	switch {
	case own.open:
		reportScope(p, KindApache, catalog.Error, lines[0].File, lines[0].Line, "Require %s in %s replaces %s of the section around it: Require lines do not merge unless AuthMerging And is set, so every client reaches %s without an address check or a password", strings.Join(lines[0].Args, " "), what, parent, s.path())
	case par.result.cond && !own.cond:
		reportScope(p, KindApache, catalog.Info, lines[0].File, lines[0].Line, "Require %s in %s replaces %s of the section around it (AuthMerging Off): %s is reachable from any address with a valid password; add AuthMerging And to require both", strings.Join(lines[0].Args, " "), what, parent, s.path())
	}
}
