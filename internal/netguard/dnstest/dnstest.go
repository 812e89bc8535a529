// Package dnstest runs a tiny DNS server on 127.0.0.1 for tests: it
// answers A and AAAA queries from a table, so a test can make a name
// resolve to any address (a private one, or a different one on every
// query, as a DNS-rebinding attacker would) without touching the
// system's resolver.
package dnstest

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// Server is a running DNS server.
type Server struct {
	Addr string // "127.0.0.1:port"

	mu      sync.Mutex
	answers map[string][]netip.Addr // lower-case name without the final dot
	queries map[string]int
}

// Start starts a server answering from answers: each query for a name
// takes the next address of its list (the last one repeats), so
// {"rebind.test": {public, private}} answers public first, private after.
// Unknown names get NXDOMAIN. It stops when the test ends.
func Start(t testing.TB, answers map[string][]string) *Server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	s := &Server{Addr: pc.LocalAddr().String(), answers: map[string][]netip.Addr{}, queries: map[string]int{}}
	for name, list := range answers {
		for _, a := range list {
			s.answers[strings.ToLower(name)] = append(s.answers[strings.ToLower(name)], netip.MustParseAddr(a))
		}
	}
	t.Cleanup(func() { pc.Close() })
	go s.serve(pc)
	return s
}

// Queries returns how many A queries name received.
func (s *Server) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[strings.ToLower(name)]
}

func (s *Server) serve(pc net.PacketConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if out := s.answer(buf[:n]); out != nil {
			pc.WriteTo(out, from)
		}
	}
}

func (s *Server) answer(msg []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.ToLower(strings.TrimSuffix(q.Name.String(), "."))
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	s.mu.Lock()
	list, known := s.answers[name]
	var pick netip.Addr
	if known && len(list) > 0 && (q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeAAAA) {
		i := s.queries[name]
		if q.Type == dnsmessage.TypeA {
			s.queries[name]++
		}
		if i >= len(list) {
			i = len(list) - 1
		}
		pick = list[i]
	}
	s.mu.Unlock()
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	rr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
	switch {
	case pick.Is4() && q.Type == dnsmessage.TypeA:
		b.AResource(rr, dnsmessage.AResource{A: pick.As4()})
	case pick.Is6() && q.Type == dnsmessage.TypeAAAA:
		b.AAAAResource(rr, dnsmessage.AAAAResource{AAAA: pick.As16()})
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}
