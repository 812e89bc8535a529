package audit

import (
	"strings"
)

// Apache's effective authorization. A section's Require lines (and the
// RequireAll / RequireAny / RequireNone containers around them) replace
// those of the sections it is nested in, unless the section says
// AuthMerging And or Or; several Require lines directly in a section form
// an implicit RequireAny. effectiveAuthz follows that rule through the
// sections enclosing a scope, so the checks can tell whether a password
// is asked for at all (a password file under Require all granted is
// never read) and whether a section switches off what its parent
// required.

// authzResult says what a set of Require lines does.
type authzResult struct {
	// open: every client is granted without a password.
	open bool
	// user: some clients are granted only after authentication, so the
	// password file is read.
	user bool
	// cond: the decision depends on the client (address, host, env).
	cond bool
}

// userRequire lists the Require providers that need an authenticated
// user.
var userRequire = map[string]bool{
	"valid-user": true, "user": true, "group": true, "file-owner": true, "file-group": true,
	"ldap-user": true, "ldap-group": true, "ldap-attribute": true, "ldap-filter": true, "ldap-dn": true,
	"dbd-group": true, "dbm-group": true,
}

// requireLeaf evaluates one Require line.
func requireLeaf(d *adir) authzResult {
	a0, a1 := strings.ToLower(d.Arg(0)), strings.ToLower(d.Arg(1))
	switch {
	case a0 == "all" && a1 == "granted":
		return authzResult{open: true}
	case a0 == "all" && a1 == "denied":
		return authzResult{}
	case userRequire[a0]:
		return authzResult{user: true}
	case a0 == "not":
		return authzResult{cond: true}
	}
	return authzResult{cond: true} // ip, host, local, env, method, expr, forward-dns, ...
}

// combine evaluates a container: any (RequireAny and the implicit list)
// or all (RequireAll).
func combine(all bool, rs []authzResult) authzResult {
	if len(rs) == 0 {
		return authzResult{}
	}
	out := authzResult{open: all}
	for _, r := range rs {
		if all {
			out.open = out.open && r.open
		} else {
			out.open = out.open || r.open
		}
		out.user = out.user || r.user
		out.cond = out.cond || r.cond
	}
	if out.open && !all {
		out.user, out.cond = false, false
	}
	return out
}

// isAuthzContainer reports sections that group Require lines.
func isAuthzContainer(d *adir) bool {
	return d.Is("RequireAll") || d.Is("RequireAny") || d.Is("RequireNone")
}

// ownAuthz evaluates the Require lines a scope states itself (looking
// into its Require containers and Limit sections, through conditional
// sections that hold) and returns them; ok is false when it has none.
func (s ascope) ownAuthz() (authzResult, []*adir, bool) {
	var lines []*adir
	var eval func(ds []*adir) []authzResult
	eval = func(ds []*adir) []authzResult {
		var rs []authzResult
		for _, d := range ds {
			switch {
			case d.Block != nil && transparent(d):
				if s.cond.holds(d) {
					rs = append(rs, eval(d.Block)...)
				}
			case d.Block != nil && isAuthzContainer(d):
				sub := eval(d.Block)
				switch {
				case d.Is("RequireAll"):
					rs = append(rs, combine(true, sub))
				case d.Is("RequireNone"):
					rs = append(rs, authzResult{cond: true})
				default:
					rs = append(rs, combine(false, sub))
				}
			case d.Block != nil && (d.Is("Limit") || d.Is("LimitExcept")):
				// Method-limited: it decides only some requests.
				for _, r := range eval(d.Block) {
					r.cond = true
					rs = append(rs, r)
				}
			case d.Block == nil && d.Is("Require"):
				lines = append(lines, d)
				rs = append(rs, requireLeaf(d))
			}
		}
		return rs
	}
	rs := eval(s.body)
	if len(lines) == 0 {
		return authzResult{}, nil, false
	}
	return combine(false, rs), lines, true
}

// effectiveAuthz is the authorization in force in s: its own Require
// lines, or those of the nearest enclosing section that has some,
// combined with the parents' where AuthMerging says And or Or. from is
// the scope whose lines decide; known is false when no enclosing section
// states any (other sections matching the same requests may decide).
type effective struct {
	result authzResult
	lines  []*adir
	from   *adir
	known  bool
}

func (s ascope) effectiveAuthz() effective {
	var scopes []ascope
	if s.sec == nil {
		scopes = []ascope{s}
	}
	for i := len(s.chain) - 1; i >= 0; i-- {
		p := s.chain[i]
		if isAuthzContainer(p) || p.Is("Limit") || p.Is("LimitExcept") {
			continue // part of the enclosing section's own lines
		}
		scopes = append(scopes, ascope{a: s.a, sec: p, body: p.Block, chain: s.chain[:i+1], cond: s.cond})
	}
	var out effective
	merge := ""
	for _, sc := range scopes {
		r, lines, ok := sc.ownAuthz()
		if !ok {
			continue
		}
		if !out.known {
			out = effective{result: r, lines: lines, from: sc.sec, known: true}
		} else {
			out.result = combine(merge == "and", []authzResult{out.result, r})
		}
		merge = authMerging(sc)
		if merge != "and" && merge != "or" {
			break
		}
	}
	return out
}

// authMerging returns the scope's AuthMerging value in lower case ("off"
// when unset).
func authMerging(s ascope) string {
	m := "off"
	for _, d := range s.named("AuthMerging") {
		m = strings.ToLower(d.Arg(0))
	}
	return m
}

// parentAuthz is the authorization s replaces: that of the nearest
// enclosing section (not a Require container) with Require lines of its
// own, when s has its own lines and does not merge with it.
func (s ascope) parentAuthz() (effective, bool) {
	if s.sec == nil || len(s.chain) < 2 {
		return effective{}, false
	}
	if m := authMerging(s); m == "and" || m == "or" {
		return effective{}, false
	}
	for i := len(s.chain) - 2; i >= 0; i-- {
		p := s.chain[i]
		if isAuthzContainer(p) || p.Is("Limit") || p.Is("LimitExcept") || p.Is("VirtualHost") {
			continue
		}
		ps := ascope{a: s.a, sec: p, body: p.Block, chain: s.chain[:i+1], cond: s.cond}
		if _, _, ok := ps.ownAuthz(); ok {
			return ps.effectiveAuthz(), true
		}
	}
	return effective{}, false
}
