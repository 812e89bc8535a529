package checks

import (
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// DNS reports a name whose addresses do not all serve the same site: the
// IPv4 and IPv6 addresses answer differently (an AAAA record still
// pointing at the old host is the classic), or some address does not
// answer at all. Differences among addresses of one family are left to
// Backends.
var DNS = &diagnosis.Check{
	Name:   "dns",
	Doc:    "report names whose IPv4 and IPv6 addresses (or some address) serve different sites",
	Causes: []catalog.ID{catalog.DNSMismatch},
	Run:    runDNS,
}

var titleRE = regexp.MustCompile(`(?is)<title>(.{0,120}?)</title>`)

// identity is what tells one site from another in an answer: its Server
// header, its challenge realms and its page title; "" parts are unknown.
type identity struct{ server, realm, title string }

func identityOf(p *diagnosis.Pass, e *evidence.Exchange) identity {
	if e == nil || e.Response == nil {
		return identity{}
	}
	r := e.Response
	var realms []string
	for _, c := range p.Evidence.Facts.Challenges(r) {
		realms = append(realms, c.Info().Scheme+" "+c.Info().Realm)
	}
	id := identity{server: r.Header.Get("Server"), realm: strings.Join(realms, ", ")}
	if m := titleRE.FindSubmatch(r.Body); m != nil {
		id.title = strings.TrimSpace(string(m[1]))
	}
	return id
}

// differs reports whether two answers come from different sites: a part
// both show differs. A part only one shows (a realm on the 401 but not on
// the 200) says nothing: one site answers both.
func (a identity) differs(b identity) []string {
	var out []string
	if a.server != "" && b.server != "" && a.server != b.server {
		out = append(out, fmt.Sprintf("Server %q versus %q", a.server, b.server))
	}
	if a.realm != "" && b.realm != "" && a.realm != b.realm {
		out = append(out, fmt.Sprintf("challenge %q versus %q", a.realm, b.realm))
	}
	if a.title != "" && b.title != "" && a.title != b.title {
		out = append(out, fmt.Sprintf("page title %q versus %q", a.title, b.title))
	}
	return out
}

func runDNS(p *diagnosis.Pass) error {
	ts := p.Evidence.Facts.Trials(evidence.Address)
	if len(ts) < 2 {
		return nil
	}
	anyFailed := false
	first := map[string]*evidence.Exchange{} // family -> first answer
	var v6 []string
	var ev, silent []string
	for _, t := range ts {
		e := t.Final()
		fam := "IPv4"
		if ip := net.ParseIP(t.Address); ip != nil && ip.To4() == nil {
			fam = "IPv6"
			v6 = append(v6, t.Address)
		}
		if _, seen := first[fam]; !seen {
			first[fam] = e
		}
		anyFailed = anyFailed || failed(status(e))
		desc := "no answer"
		if e != nil {
			desc = line(e)
			if e.Response != nil {
				if s := e.Response.Header.Get("Server"); s != "" {
					desc += " (Server: " + s + ")"
				}
				if m := titleRE.FindSubmatch(e.Response.Body); m != nil {
					desc += fmt.Sprintf(" (title %q)", strings.TrimSpace(string(m[1])))
				}
			}
			// A refused connection means a host without the site; a
			// timeout counts for IPv4 only, as a machine without an IPv6
			// route times out or finds the network unreachable on every
			// AAAA address.
			if e.Response == nil && (e.ErrKind == "connect" && strings.Contains(e.Err, "refused") || e.ErrKind == "timeout" && fam == "IPv4") {
				silent = append(silent, t.Address)
			}
		}
		ev = append(ev, fam+" "+t.Address+": "+desc)
	}
	if d := p.Evidence.Probe.DNS; d != nil && d.Override != "" {
		ev = append(ev, "addresses pinned with --resolve "+d.Override)
	}
	if asGiven := final(p, evidence.AsGiven); asGiven != nil && asGiven.Remote != "" {
		ev = append(ev, "the request as given went to "+asGiven.Remote)
	}
	if len(v6) > 0 {
		ev = append(ev, "a browser most likely used "+v6[0]+": browsers prefer IPv6 when it connects (RFC 6724, Happy Eyeballs RFC 8305), curl too; tools that try IPv4 first see the other site")
	}
	var diffs []string
	if len(first) == 2 && anyFailed {
		diffs = identityOf(p, first["IPv4"]).differs(identityOf(p, first["IPv6"]))
	}
	// Addresses of one family that serve different sites (another
	// server program, page or realm): a stale A or AAAA record among
	// several, not one site's node out of step.
	var pairDiff []string
	if len(diffs) == 0 && anyFailed {
	outer:
		for i := range ts {
			for j := i + 1; j < len(ts); j++ {
				if failed(status(ts[i].Final())) == failed(status(ts[j].Final())) {
					continue
				}
				if d := identityOf(p, ts[i].Final()).differs(identityOf(p, ts[j].Final())); len(d) > 0 {
					pairDiff = append(pairDiff, ts[i].Address+" versus "+ts[j].Address+": "+strings.Join(d, "; "))
					break outer
				}
			}
		}
	}
	switch {
	case len(diffs) > 0:
		ev = append(ev, "IPv4 versus IPv6: "+strings.Join(diffs, "; "))
		p.Reportf(catalog.DNSMismatch, finding.Certain-0.01, ev, "The IPv4 and IPv6 addresses of %s serve different sites: one record (often the AAAA) still points at another host", dnsHost(p))
	case len(pairDiff) > 0:
		ev = append(ev, pairDiff...)
		p.Reportf(catalog.DNSMismatch, finding.Certain-0.01, ev, "The addresses of %s serve different sites: a DNS record still points at another host", dnsHost(p))
	case len(silent) > 0 && len(silent) < len(ts):
		p.Reportf(catalog.DNSMismatch, finding.Likely+0.1, ev, "Some addresses of %s do not answer (%s): a stale DNS record", dnsHost(p), strings.Join(silent, ", "))
	}
	return nil
}

func dnsHost(p *diagnosis.Pass) string {
	if p.Evidence.Probe.DNS != nil && p.Evidence.Probe.DNS.Host != "" {
		return p.Evidence.Probe.DNS.Host
	}
	return "the name"
}
