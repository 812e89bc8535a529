package audit

import (
	"slices"
	"strings"

	"github.com/why401/why401/internal/apacheconf"
	"github.com/why401/why401/internal/nginxconf"
)

type ndir = nginxconf.Directive
type adir = apacheconf.Directive

// nscope is one nginx block (http, server, location, if) with the chain
// of blocks around it, outermost first, ending with the block itself.
type nscope struct {
	n     *Nginx
	block *ndir
	chain []*ndir
}

// nginxScopes lists every http, server, location and if block.
func nginxScopes(n *Nginx) []nscope {
	var out []nscope
	nginxconf.Walk(n.Config.Directives, func(d *ndir, parents []*ndir) bool {
		switch d.Name {
		case "http", "server", "location", "if", "limit_except":
			if d.Block != nil {
				chain := append(append([]*ndir{}, parents...), d)
				out = append(out, nscope{n: n, block: d, chain: chain})
			}
		case "events", "stream", "mail", "map", "upstream", "types", "geo", "split_clients", "match":
			return false
		}
		return true
	})
	return out
}

// named returns block's directives called name. The http block of a
// hosting server holds every server block, and checks ask about it once
// per scope, so each large block's directives are indexed by name once
// (on the Nginx value) to keep the audit linear in the configuration;
// small blocks are scanned, which costs less than a map per block.
func (s nscope) named(block *ndir, name string) []*ndir {
	if s.n == nil || len(block.Block) < indexFrom {
		var out []*ndir
		for _, d := range block.Block {
			if d.Name == name {
				out = append(out, d)
			}
		}
		return out
	}
	idx, ok := s.n.names[block]
	if !ok {
		idx = map[string][]*ndir{}
		for _, d := range block.Block {
			idx[d.Name] = append(idx[d.Name], d)
		}
		if s.n.names == nil {
			s.n.names = map[*ndir]map[string][]*ndir{}
		}
		s.n.names[block] = idx
	}
	// Clipped, so that a caller's append never writes into the index.
	return slices.Clip(idx[name])
}

// find returns the innermost directive named name that applies in s.
func (s nscope) find(name string) *ndir {
	for i := len(s.chain) - 1; i >= 0; i-- {
		if ds := s.named(s.chain[i], name); len(ds) > 0 {
			return ds[0]
		}
	}
	return nil
}

// level returns the directives named name of the innermost block that has
// any: how nginx inherits array directives such as proxy_set_header and
// add_header (a block with one of its own drops all of its parents').
func (s nscope) level(name string) []*ndir {
	for i := len(s.chain) - 1; i >= 0; i-- {
		if ds := s.named(s.chain[i], name); len(ds) > 0 {
			return ds
		}
	}
	return nil
}

// own returns the directives named name directly in the scope's block.
func (s nscope) own(name string) []*ndir { return s.named(s.block, name) }

// path returns the location's path or pattern ("" outside a location).
func (s nscope) path() string {
	for i := len(s.chain) - 1; i >= 0; i-- {
		if s.chain[i].Name == "location" && len(s.chain[i].Args) > 0 {
			return s.chain[i].Args[len(s.chain[i].Args)-1]
		}
	}
	return ""
}

func (s nscope) isLocation() bool { return s.block.Name == "location" }

// auth returns the directive that turns authentication on in s:
// auth_basic (unless off), auth_request (unless off) or auth_jwt, or nil.
func (s nscope) auth() *ndir {
	if d := s.find("auth_basic"); d != nil && !strings.EqualFold(d.Arg(0), "off") {
		return d
	}
	if d := s.find("auth_request"); d != nil && d.Arg(0) != "off" {
		return d
	}
	if d := s.find("auth_jwt"); d != nil && d.Arg(0) != "off" {
		return d
	}
	return nil
}

// server returns the enclosing server block, or nil.
func (s nscope) server() *ndir {
	for _, d := range s.chain {
		if d.Name == "server" {
			return d
		}
	}
	return nil
}

// transparent sections do not start a scope of their own: their contents
// apply where they stand (when the module or define is present).
func transparent(d *adir) bool {
	for _, n := range []string{"IfModule", "IfDefine", "IfVersion", "IfFile", "IfDirective", "IfSection"} {
		if d.Is(n) {
			return true
		}
	}
	return false
}

// ascope is one Apache scope: the server configuration (sec nil), a
// section, or an .htaccess file.
type ascope struct {
	a        *Apache
	sec      *adir
	chain    []*adir // enclosing non-transparent sections, outermost first, ending with sec
	body     []*adir
	htaccess *Htaccess
	cond     *cond
}

// apacheScopes lists the server configuration, every section that is not
// transparent and every .htaccess file.
func apacheScopes(a *Apache) []ascope {
	c := conditions(a)
	out := []ascope{{a: a, body: a.Config.Directives, cond: c}}
	c.walk(a.Config.Directives, func(d *adir, parents []*adir) {
		if d.Block != nil && !transparent(d) {
			var chain []*adir
			for _, p := range parents {
				if !transparent(p) {
					chain = append(chain, p)
				}
			}
			out = append(out, ascope{a: a, sec: d, chain: append(chain, d), body: d.Block, cond: c})
		}
	})
	for _, h := range a.Htaccess {
		out = append(out, ascope{a: a, body: h.Directives, htaccess: h, cond: c})
	}
	return out
}

// direct returns the scope's own directives, looking through transparent
// sections but not into other sections. The list is computed once per
// scope and kept on the Apache configuration: the server configuration's
// own list holds every virtual host, and checks ask for it once per
// section, which would otherwise make an audit quadratic in the number of
// virtual hosts.
func (s ascope) direct() []*adir { return slices.Clip(s.directs().all) }

// directs returns the scope's cached directives.
func (s ascope) directs() *directs {
	key := scopeKey{s.sec, s.htaccess}
	cache := s.a != nil && len(s.body) >= indexFrom
	if cache {
		if d, ok := s.a.direct[key]; ok {
			return d
		}
	}
	out := &directs{}
	if cache {
		out.byName = map[string][]*adir{}
	}
	var add func([]*adir)
	add = func(ds []*adir) {
		for _, d := range ds {
			if d.Block != nil && transparent(d) {
				if s.cond.holds(d) {
					add(d.Block)
				}
				continue
			}
			out.all = append(out.all, d)
			if d.Block == nil && cache {
				k := strings.ToLower(d.Name)
				out.byName[k] = append(out.byName[k], d)
			}
		}
	}
	add(s.body)
	if cache {
		if s.a.direct == nil {
			s.a.direct = map[scopeKey]*directs{}
		}
		s.a.direct[key] = out
	}
	return out
}

// indexFrom is the number of directives from which a block's (or an
// Apache scope's) directives are indexed by name rather than scanned.
const indexFrom = 32

// scopeKey names a scope: its section, its .htaccess file, or neither
// for the server configuration.
type scopeKey struct {
	sec *adir
	h   *Htaccess
}

// directs are a scope's own directives, and those that are not sections
// by lower-case name.
type directs struct {
	all    []*adir
	byName map[string][]*adir
}

// named returns the scope's own directives named name.
func (s ascope) named(name string) []*adir {
	ds := s.directs()
	if ds.byName != nil {
		// Clipped, so that a caller's append never writes into the cache.
		return slices.Clip(ds.byName[strings.ToLower(name)])
	}
	var out []*adir
	for _, d := range ds.all {
		if d.Block == nil && d.Is(name) {
			out = append(out, d)
		}
	}
	return out
}

// inherited returns the directives named name in the scope or any
// enclosing scope (innermost first), then the server configuration's.
func (s ascope) inherited(name string) []*adir {
	out := s.named(name)
	for i := len(s.chain) - 2; i >= 0; i-- {
		out = append(out, ascope{a: s.a, sec: s.chain[i], body: s.chain[i].Block, cond: s.cond}.named(name)...)
	}
	if s.sec != nil || s.htaccess != nil {
		out = append(out, ascope{a: s.a, body: s.a.Config.Directives, cond: s.cond}.named(name)...)
	}
	return out
}

// path returns the section's path argument ("" for the server
// configuration; the directory for an .htaccess file).
func (s ascope) path() string {
	if s.htaccess != nil {
		return s.htaccess.Dir
	}
	if s.sec == nil {
		return ""
	}
	return s.sec.Arg(len(s.sec.Args) - 1)
}

// kind returns the section's name in lower case ("" for the server
// configuration, "htaccess" for an .htaccess file).
func (s ascope) kind() string {
	if s.htaccess != nil {
		return "htaccess"
	}
	if s.sec == nil {
		return ""
	}
	return strings.ToLower(s.sec.Name)
}

// requiresUser returns the first Require that demands an authenticated
// user (valid-user, user, group, file-owner, ...), or nil.
func (s ascope) requiresUser() *adir {
	for _, d := range s.named("Require") {
		switch strings.ToLower(d.Arg(0)) {
		case "valid-user", "user", "group", "file-owner", "file-group", "ldap-user", "ldap-group", "ldap-attribute", "ldap-filter", "ldap-dn":
			return d
		}
	}
	return nil
}

// every walks the Apache directives that apply (conditional sections
// decided by conditions), .htaccess ones included.
func (a *Apache) every(fn func(d *adir, parents []*adir)) {
	c := conditions(a)
	c.walk(a.Config.Directives, fn)
	for _, h := range a.Htaccess {
		c.walk(h.Directives, fn)
	}
}

// vhost returns the <VirtualHost> section around the scope, or nil in
// the main server.
func (s ascope) vhost() *adir {
	for _, c := range s.chain {
		if c.Is("VirtualHost") {
			return c
		}
	}
	return nil
}
