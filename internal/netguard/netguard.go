// Package netguard keeps a server that sends requests for others (why401
// serve) from being turned against the network it runs in (SSRF): it
// refuses connections to loopback, private, link-local, CGNAT, multicast,
// cloud metadata and other non-public addresses.
//
// The check runs in a net.Dialer's Control function, on the address the
// socket is about to connect to, after DNS resolution: a name that
// resolves to a public address when it is checked and to a private one
// when it is dialled (DNS rebinding) is refused all the same, and so is
// every redirect hop, since each opens its own connection.
package netguard

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// Reasons a connection is refused, short and stable (metrics labels).
const (
	Loopback    = "loopback"
	Private     = "private"
	LinkLocal   = "link-local"
	CGNAT       = "cgnat"
	Multicast   = "multicast"
	Metadata    = "metadata"
	Unspecified = "unspecified"
	Reserved    = "reserved"
)

var describe = map[string]string{
	Loopback:    "a loopback address",
	Private:     "a private network address",
	LinkLocal:   "a link-local address",
	CGNAT:       "a carrier-grade NAT address (100.64.0.0/10)",
	Multicast:   "a multicast or broadcast address",
	Metadata:    "a cloud metadata service address",
	Unspecified: "the unspecified address",
	Reserved:    "a reserved, non-public address",
}

type block struct {
	p      netip.Prefix
	reason string
}

// blocks are checked in order; the first match names the reason, so the
// metadata addresses come before the link-local network holding them.
var blocks = func() []block {
	var out []block
	add := func(reason string, cidrs ...string) {
		for _, c := range cidrs {
			out = append(out, block{netip.MustParsePrefix(c), reason})
		}
	}
	add(Metadata, "169.254.169.254/32", "169.254.170.2/32", "100.100.100.200/32", "fd00:ec2::254/128")
	add(Unspecified, "0.0.0.0/8", "::/128")
	add(Loopback, "127.0.0.0/8", "::1/128")
	add(Private, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
	add(LinkLocal, "169.254.0.0/16", "fe80::/10")
	add(CGNAT, "100.64.0.0/10")
	add(Multicast, "224.0.0.0/4", "255.255.255.255/32", "ff00::/8")
	add(Reserved,
		"192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
		"240.0.0.0/4", "100::/64", "2001:db8::/32", "fec0::/10")
	return out
}()

// Classify returns why a is not a public unicast address ("" when it is).
// IPv4-mapped, NAT64 and 6to4 IPv6 addresses are judged by the IPv4
// address they carry.
func Classify(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		b := a.As16()
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(a), netip.MustParsePrefix("64:ff9b:1::/48").Contains(a):
			return Classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case netip.MustParsePrefix("2002::/16").Contains(a):
			return Classify(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	for _, bl := range blocks {
		if bl.p.Contains(a) {
			return bl.reason
		}
	}
	return ""
}

// Policy says which addresses may be connected to.
type Policy struct {
	// AllowPrivate turns the guard off: every address may be connected to.
	AllowPrivate bool
	// Allow lists networks, and AllowAddrPorts single address:port pairs,
	// reachable despite being non-public (an internal staging network).
	Allow          []netip.Prefix
	AllowAddrPorts []netip.AddrPort
	// OnRefuse, when set, is called with the reason of every refusal.
	OnRefuse func(reason string)
}

// RefusedError is a connection the policy refused.
type RefusedError struct {
	Host   string // the name asked for, when known
	Addr   netip.AddrPort
	Reason string
}

func (e *RefusedError) Error() string {
	what := e.Addr.Addr().Unmap().String()
	if e.Host != "" && e.Host != what {
		what = e.Host + " resolves to " + what + ", which"
	}
	return fmt.Sprintf("refused: %s is %s; this server does not probe non-public addresses (start it with --allow-private or --allow to permit them)", what, describe[e.Reason])
}

// Check returns a *RefusedError when ap may not be connected to.
func (p *Policy) Check(ap netip.AddrPort) error {
	if p == nil || p.AllowPrivate {
		return nil
	}
	reason := Classify(ap.Addr())
	if reason == "" {
		return nil
	}
	a := ap.Addr().Unmap().WithZone("")
	for _, pre := range p.Allow {
		if pre.Contains(a) {
			return nil
		}
	}
	for _, x := range p.AllowAddrPorts {
		if x.Addr().Unmap() == a && x.Port() == ap.Port() {
			return nil
		}
	}
	if p.OnRefuse != nil {
		p.OnRefuse(reason)
	}
	return &RefusedError{Addr: ap, Reason: reason}
}

// Control is a net.Dialer Control function: it runs just before the
// socket connects, with the numeric address, and refuses what Check
// refuses.
func (p *Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused: cannot tell what %q is (%v)", address, err)
	}
	return p.Check(ap)
}

// CheckHost resolves host (a name or an address) with r (nil: the system
// resolver) and refuses it when any of its addresses is refused. It is
// the early, friendly check that answers before any request is sent; the
// Control function remains the one that counts.
func (p *Policy) CheckHost(ctx context.Context, r *net.Resolver, host string, port uint16) error {
	if p == nil || p.AllowPrivate {
		return nil
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(host); err == nil {
		if err := p.Check(netip.AddrPortFrom(a, port)); err != nil {
			return err
		}
		return nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("cannot resolve %s: %v", host, unwrapDNS(err))
	}
	for _, a := range ips {
		if err := p.Check(netip.AddrPortFrom(a, port)); err != nil {
			err.(*RefusedError).Host = host
			return err
		}
	}
	return nil
}

func unwrapDNS(err error) string {
	if de, ok := err.(*net.DNSError); ok {
		return de.Err
	}
	return err.Error()
}

// Resolver returns a resolver that asks the DNS server at addr
// ("127.0.0.1:5353") instead of the system's; "" returns nil, which
// means the system resolver.
func Resolver(addr string) *net.Resolver {
	if addr == "" {
		return nil
	}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}
