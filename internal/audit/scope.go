package audit

import (
	"fmt"
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

// nginxLocationMatches reports whether a location's arguments would take
// path (prefix and exact locations; regex locations when they mention the
// path's distinctive part).
func nginxLocationMatches(args []string, path, distinctive string) bool {
	if len(args) == 0 {
		return false
	}
	pat := args[len(args)-1]
	mod := ""
	if len(args) > 1 {
		mod = args[0]
	}
	switch mod {
	case "", "^~":
		return strings.HasPrefix(path, pat)
	case "=":
		return pat == path
	}
	return strings.Contains(pat, distinctive)
}

func scopeNginx(p *Pass, n *Nginx) {
	scopes := nginxScopes(n)
	for _, s := range scopes {
		switch s.block.Name {
		case "server":
			// Auth for the whole server, or for location /, covers the
			// ACME challenge unless a location switches it off there.
			a := s.auth()
			if a == nil {
				for _, t := range scopes {
					if t.isLocation() && t.server() == s.block && len(t.block.Args) == 1 && t.block.Args[0] == "/" && t.auth() != nil {
						a = t.auth()
					}
				}
			}
			if a == nil {
				continue
			}
			exempt := false
			for _, t := range scopes {
				if t.isLocation() && t.server() == s.block && nginxLocationMatches(t.block.Args, acmePath+"x", "acme-challenge") && t.auth() == nil {
					exempt = true
				}
			}
			if !exempt {
				reportScope(p, KindNginx, catalog.Warning, a.File, a.Line, "%s %q protects %s too: Let's Encrypt and other ACME HTTP-01 renewals get 401 and the certificate expires; add location ^~ %s { auth_basic off; }", a.Name, a.Arg(0), acmePath, acmePath)
			}
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
		kind, path string
		d          *adir
		name       string
	}
	var seen []protected
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
		for _, o := range seen {
			if o.kind == kind && o.path == path {
				reportScope(p, KindApache, catalog.Warning, s.sec.File, s.sec.Line, "<%s %s> is protected again (first at %s:%d, realm %q): the sections merge and the later one's AuthUserFile and Require win, which is easy to miss", s.sec.Name, s.path(), o.d.File, o.d.Line, o.name)
			}
		}
		seen = append(seen, protected{kind, path, s.sec, name})
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
