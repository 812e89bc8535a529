package audit

import (
	"regexp"
	"strings"
	"sync"
)

// nserver is one nginx server block with its scopes, so that checks
// relating locations of a server look only at that server's (linear in
// the configuration, however many servers it has).
type nserver struct {
	block *ndir
	// scopes are the server's own scope first, then every location and
	// if block inside it.
	scopes []nscope
	// locations are the server's top-level locations in order.
	locations []*ndir
}

// index groups n's scopes by server once; checks share it.
func (n *Nginx) index() ([]nscope, []*nserver) {
	if n.scopes != nil {
		return n.scopes, n.servers
	}
	n.scopes = nginxScopes(n)
	by := map[*ndir]*nserver{}
	for _, s := range n.scopes {
		srv := s.server()
		if srv == nil {
			continue
		}
		ns := by[srv]
		if ns == nil {
			ns = &nserver{block: srv}
			by[srv] = ns
			n.servers = append(n.servers, ns)
			for _, d := range srv.Block {
				if d.Name == "location" && d.Block != nil {
					ns.locations = append(ns.locations, d)
				}
			}
		}
		ns.scopes = append(ns.scopes, s)
	}
	if n.scopes == nil {
		n.scopes = []nscope{}
	}
	n.byServer = by
	n.targets = map[*ndir]bool{}
	for _, srv := range n.servers {
		for l := range srv.authTargets() {
			n.targets[l] = true
		}
	}
	return n.scopes, n.servers
}

// authTarget reports whether the scope lies in a location that
// auth_request subrequests go to: it answers only 2xx or 401/403 to
// nginx and builds no pages or URLs.
func (n *Nginx) authTarget(s nscope) bool {
	n.index()
	return n.targets[s.topLocation()]
}

// locModifier splits a location's arguments into modifier and pattern.
func locModifier(d *ndir) (string, string) {
	switch len(d.Args) {
	case 0:
		return "", ""
	case 1:
		a := d.Args[0]
		// "location =/x" and "location ~\.php$" are written without a
		// space too.
		for _, m := range []string{"^~", "~*", "=", "~"} {
			if strings.HasPrefix(a, m) && len(a) > len(m) {
				return m, a[len(m):]
			}
		}
		return "", a
	}
	return d.Args[0], d.Args[1]
}

// regexCache keeps compiled location regexes; a pattern Go cannot
// compile (PCRE-only syntax) maps to nil.
var (
	regexMu    sync.Mutex
	regexCache = map[string]*regexp.Regexp{}
)

func locationRegex(mod, pat string) *regexp.Regexp {
	key := mod + " " + pat
	regexMu.Lock()
	defer regexMu.Unlock()
	if re, ok := regexCache[key]; ok {
		return re
	}
	src := pat
	if mod == "~*" {
		src = "(?i)" + pat
	}
	re, err := regexp.Compile(src)
	if err != nil {
		re = nil
	}
	regexCache[key] = re
	return re
}

// selectLocation returns the top-level location of srv nginx picks for
// uri: an exact match; else the longest prefix when it is ^~; else the
// first regex location that matches; else the longest prefix. Regexes Go
// cannot compile are skipped. Named locations never match a URI.
func (srv *nserver) selectLocation(uri string) *ndir {
	var longest *ndir
	longestLen := -1
	for _, l := range srv.locations {
		mod, pat := locModifier(l)
		switch mod {
		case "=":
			if pat == uri {
				return l
			}
		case "", "^~":
			if strings.HasPrefix(pat, "@") {
				continue
			}
			if strings.HasPrefix(uri, pat) && len(pat) > longestLen {
				longest, longestLen = l, len(pat)
			}
		}
	}
	if longest != nil {
		if mod, _ := locModifier(longest); mod == "^~" {
			return longest
		}
	}
	for _, l := range srv.locations {
		mod, pat := locModifier(l)
		if mod != "~" && mod != "~*" {
			continue
		}
		if re := locationRegex(mod, pat); re != nil && re.MatchString(uri) {
			return l
		}
	}
	return longest
}

// regexMayMatchUnder reports whether a regex location could match some
// URI under prefix: false only when the regex is anchored at the start
// with a literal that leaves prefix.
func regexMayMatchUnder(mod, pat, prefix string) bool {
	if !strings.HasPrefix(pat, "^") {
		return true
	}
	lit := ""
	for _, c := range pat[1:] {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, c) {
			break
		}
		lit += string(c)
	}
	a, b := lit, prefix
	if mod == "~*" {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}

// authTargets returns the locations of srv that auth_request
// subrequests go to.
func (srv *nserver) authTargets() map[*ndir]bool {
	out := map[*ndir]bool{}
	for _, s := range srv.scopes {
		for _, d := range s.own("auth_request") {
			if d.Arg(0) == "off" || d.Arg(0) == "" {
				continue
			}
			uri, _, _ := strings.Cut(d.Arg(0), "?")
			if l := srv.selectLocation(uri); l != nil {
				out[l] = true
			}
		}
	}
	return out
}

// topLocation returns the outermost location block of the scope, or nil.
func (s nscope) topLocation() *ndir {
	for _, d := range s.chain {
		if d.Name == "location" {
			return d
		}
	}
	return nil
}

// allScopes returns every scope of n (see nginxScopes), computed once.
func (n *Nginx) allScopes() []nscope {
	s, _ := n.index()
	return s
}
