package netguard_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/netguard"
	"github.com/why401/why401/internal/netguard/dnstest"
)

func TestClassify(t *testing.T) {
	for addr, want := range map[string]string{
		"93.184.215.14":        "",
		"2606:4700::6810:84e5": "",
		"127.0.0.1":            netguard.Loopback,
		"127.8.9.10":           netguard.Loopback,
		"::1":                  netguard.Loopback,
		"::ffff:127.0.0.1":     netguard.Loopback,
		"10.1.2.3":             netguard.Private,
		"172.31.255.255":       netguard.Private,
		"172.32.0.1":           "",
		"192.168.1.1":          netguard.Private,
		"fd12:3456::1":         netguard.Private,
		"169.254.169.254":      netguard.Metadata,
		"fd00:ec2::254":        netguard.Metadata,
		"169.254.10.1":         netguard.LinkLocal,
		"fe80::1":              netguard.LinkLocal,
		"100.64.0.1":           netguard.CGNAT,
		"100.100.100.200":      netguard.Metadata,
		"224.0.0.251":          netguard.Multicast,
		"ff02::1":              netguard.Multicast,
		"255.255.255.255":      netguard.Multicast,
		"0.0.0.0":              netguard.Unspecified,
		"::":                   netguard.Unspecified,
		"64:ff9b::a00:1":       netguard.Private,  // NAT64 of 10.0.0.1
		"2002:7f00:1::1":       netguard.Loopback, // 6to4 of 127.0.0.1
		"198.18.0.1":           netguard.Reserved,
		"240.0.0.1":            netguard.Reserved,
		"2001:db8::1":          netguard.Reserved,
	} {
		if got := netguard.Classify(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Classify(%s) = %q, want %q", addr, got, want)
		}
	}
}

func TestPolicyExceptions(t *testing.T) {
	var refused []string
	p := &netguard.Policy{
		Allow:          []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")},
		AllowAddrPorts: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:8080")},
		OnRefuse:       func(r string) { refused = append(refused, r) },
	}
	for ap, ok := range map[string]bool{
		"10.20.3.4:443":      true,
		"10.21.0.1:443":      false,
		"127.0.0.1:8080":     true,
		"127.0.0.1:8081":     false,
		"8.8.8.8:53":         true,
		"[::1]:8080":         false,
		"169.254.169.254:80": false,
	} {
		err := p.Check(netip.MustParseAddrPort(ap))
		if (err == nil) != ok {
			t.Errorf("Check(%s) = %v, want allowed=%v", ap, err, ok)
		}
	}
	if len(refused) != 4 {
		t.Errorf("OnRefuse saw %v, want 4 refusals", refused)
	}
	if (&netguard.Policy{AllowPrivate: true}).Check(netip.MustParseAddrPort("127.0.0.1:1")) != nil {
		t.Error("AllowPrivate still refuses loopback")
	}
}

// TestControlRefusesTheConnectedAddress dials a real listener on
// 127.0.0.1 through a Dialer whose Control is the guard: the socket is
// never connected (the listener sees nothing) and the error says why.
func TestControlRefusesTheConnectedAddress(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer srv.Close()
	p := &netguard.Policy{}
	d := &net.Dialer{Control: p.Control, Timeout: 2 * time.Second}
	c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	_, err := c.Get(srv.URL)
	var re *netguard.RefusedError
	if !errors.As(err, &re) || re.Reason != netguard.Loopback {
		t.Fatalf("got %v, want a loopback refusal", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1 is a loopback address") {
		t.Errorf("message %q does not say what was refused", err)
	}
	if hits != 0 {
		t.Errorf("the server was reached %d times", hits)
	}
}

// TestRebinding resolves a name through a DNS server on loopback that
// answers an allowed address first and a private one after: the early
// check passes, the dial (which resolves again) is refused.
func TestRebinding(t *testing.T) {
	dns := dnstest.Start(t, map[string][]string{
		"rebind.test":   {"93.184.215.14", "10.0.0.7"},
		"internal.test": {"192.168.3.4"},
	})
	r := netguard.Resolver(dns.Addr)
	p := &netguard.Policy{}
	ctx := context.Background()
	if err := p.CheckHost(ctx, r, "rebind.test", 80); err != nil {
		t.Fatalf("first answer is public, got %v", err)
	}
	err := p.CheckHost(ctx, r, "internal.test", 80)
	if err == nil || !strings.Contains(err.Error(), "internal.test resolves to 192.168.3.4, which is a private network address") {
		t.Errorf("internal.test: got %v", err)
	}
	d := &net.Dialer{Control: p.Control, Resolver: r, Timeout: 2 * time.Second}
	_, err = d.DialContext(ctx, "tcp", "rebind.test:80")
	var re *netguard.RefusedError
	if !errors.As(err, &re) || re.Reason != netguard.Private {
		t.Fatalf("second resolution (10.0.0.7) dialled: %v", err)
	}
	if q := dns.Queries("rebind.test"); q < 2 {
		t.Errorf("rebind.test asked %d times, want 2", q)
	}
	if err := p.CheckHost(ctx, r, "nx.test", 80); err == nil || !strings.Contains(err.Error(), "cannot resolve nx.test") {
		t.Errorf("nx.test: %v", err)
	}
}
