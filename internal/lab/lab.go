package lab

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// DefaultAddr is the plain HTTP address the lab listens on when
// Options.Addr is empty.
const DefaultAddr = "127.0.0.1:8401"

// Options configures a Lab.
type Options struct {
	// Addr is the plain HTTP listen address, DefaultAddr when empty;
	// "127.0.0.1:0" picks a free port. It must be a loopback address
	// unless AllowNonLoopback is set.
	Addr string

	// AllowNonLoopback permits an Addr that other machines can reach.
	AllowNonLoopback bool

	// Now is the lab's clock: tokens, nonces, certificates, Date headers
	// and every validity check use it. Nil means time.Now.
	Now func() time.Time
}

// Lab is a resource server that reproduces, one route per cause, the
// faults why401 diagnoses. Create it with New, serve it with Start (or
// mount Handler on another server and call UseURL), stop it with Close.
// Its methods are safe for concurrent use.
type Lab struct {
	addr string
	now  func() time.Time

	keys  *keys
	certs *certs

	handler http.Handler

	sessions *sessionStore
	digest   *digestState

	mu          sync.RWMutex
	started     bool
	closed      bool
	base        string // http://127.0.0.1:PORT
	tlsBase     string
	expiredBase string
	ipv6        bool // the [::1] twin of the plain listener is up
	notes       []string
	servers     []*http.Server
	caDir       string
	caFile      string
}

// New validates opts and generates everything the lab keeps in memory: the
// token signing key (ES256, kid "lab-2026"), a foreign key (kid
// "rotated-2025") that the lab does not trust, a lab CA and two server
// certificates for 127.0.0.1, ::1, localhost and lab.test, one valid and
// one expired. It binds nothing; Start does.
func New(opts Options) (*Lab, error) {
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid listen address: %v", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return nil, fmt.Errorf("%s: invalid port %q", addr, port)
	}
	if !opts.AllowNonLoopback && !isLoopbackHost(host) {
		return nil, fmt.Errorf("%s: not a loopback address (the lab serves deliberately broken auth; allow other addresses explicitly to listen there)", addr)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	k, err := newKeys()
	if err != nil {
		return nil, fmt.Errorf("generating lab keys: %w", err)
	}
	c, err := newCerts(now())
	if err != nil {
		return nil, fmt.Errorf("generating lab certificates: %w", err)
	}
	d, err := newDigestState()
	if err != nil {
		return nil, fmt.Errorf("generating digest secret: %w", err)
	}
	l := &Lab{
		addr:     addr,
		now:      now,
		keys:     k,
		certs:    c,
		sessions: newSessionStore(),
		digest:   d,
	}
	l.handler = l.routes()
	return l, nil
}

// isLoopbackHost reports whether host names only the local machine.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listenerKey marks, in a request context, which lab listener accepted
// the connection.
type listenerKey struct{}

// Listener names, as stored under listenerKey.
const (
	listenPlain   = "plain"
	listenPlain6  = "plain6"
	listenTLS     = "tls"
	listenExpired = "tls-expired"
)

// listenerOf returns the name of the lab listener that answered r, or ""
// when the handler runs under another server.
func listenerOf(r *http.Request) string {
	s, _ := r.Context().Value(listenerKey{}).(string)
	return s
}

// Start binds the lab's listeners and serves them in the background until
// Close: the plain listener on Addr, the same port on [::1] (a second
// "node" for the per-address scenario; when it cannot be bound the lab
// notes why and drops that scenario), a TLS listener with the valid
// certificate and one with the expired certificate, each on a free
// 127.0.0.1 port. It also writes the lab CA to a temporary PEM file.
// Start may be called once.
func (l *Lab) Start() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("lab: already closed")
	}
	if l.started {
		return errors.New("lab: already started")
	}

	plain, plain6, note, err := listenPair(l.addr)
	if err != nil {
		return err
	}
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	lns = append(lns, plain)
	if plain6 != nil {
		lns = append(lns, plain6)
	}
	if note != "" {
		l.notes = append(l.notes, note)
	}

	goodTCP, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		closeAll()
		return fmt.Errorf("listening for TLS: %w", err)
	}
	lns = append(lns, goodTCP)
	expiredTCP, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		closeAll()
		return fmt.Errorf("listening for TLS: %w", err)
	}
	lns = append(lns, expiredTCP)

	dir, err := os.MkdirTemp("", "why401-lab-")
	if err != nil {
		closeAll()
		return fmt.Errorf("creating CA directory: %w", err)
	}
	caFile := filepath.Join(dir, "lab-ca.pem")
	if err := os.WriteFile(caFile, l.certs.caPEM, 0o644); err != nil {
		closeAll()
		os.RemoveAll(dir)
		return fmt.Errorf("%s: %w", caFile, err)
	}
	l.caDir, l.caFile = dir, caFile

	l.base = "http://" + hostPort(plain.Addr())
	l.tlsBase = "https://" + hostPort(goodTCP.Addr())
	l.expiredBase = "https://" + hostPort(expiredTCP.Addr())
	l.ipv6 = plain6 != nil
	l.started = true

	l.serve(plain, listenPlain)
	if plain6 != nil {
		l.serve(plain6, listenPlain6)
	}
	l.serve(tls.NewListener(goodTCP, l.certs.tlsConfig(l.certs.good)), listenTLS)
	l.serve(tls.NewListener(expiredTCP, l.certs.tlsConfig(l.certs.expired)), listenExpired)
	return nil
}

// serve runs an http.Server for ln in the background; l.mu is held.
func (l *Lab) serve(ln net.Listener, name string) {
	srv := &http.Server{
		Handler:           l.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// Clients that reject the expired certificate are the point of
		// one listener; their handshake errors are not news.
		ErrorLog: log.New(io.Discard, "", 0),
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, listenerKey{}, name)
		},
	}
	l.servers = append(l.servers, srv)
	go srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Close
}

// listenPair binds addr and, when addr is an IPv4 address, the same port
// on [::1]. A missing [::1] twin is not an error: the returned note says
// why it is absent. When addr asks for any free port and [::1] happens to
// be taken on the port chosen, another port is tried.
func listenPair(addr string) (plain, plain6 net.Listener, note string, err error) {
	host, port, _ := net.SplitHostPort(addr)
	if host == "localhost" {
		host = "127.0.0.1"
	}
	bind := net.JoinHostPort(host, port)
	const attempts = 8
	for i := 0; ; i++ {
		plain, err = net.Listen("tcp", bind)
		if err != nil {
			return nil, nil, "", fmt.Errorf("listening on %s: %w", addr, err)
		}
		tcp, _ := plain.Addr().(*net.TCPAddr)
		if tcp == nil || tcp.IP.To4() == nil || !(tcp.IP.IsLoopback() || tcp.IP.IsUnspecified()) {
			return plain, nil, fmt.Sprintf("%s: the second node on [::1] needs a 127.0.0.1 listener; per-address scenario dropped", addr), nil
		}
		twin := net.JoinHostPort("::1", strconv.Itoa(tcp.Port))
		plain6, err6 := net.Listen("tcp6", twin)
		if err6 == nil {
			return plain, plain6, "", nil
		}
		if port == "0" && errors.Is(err6, syscall.EADDRINUSE) && i < attempts {
			plain.Close()
			continue
		}
		return plain, nil, fmt.Sprintf("[::1]:%d: cannot listen (%v); per-address scenario dropped", tcp.Port, err6), nil
	}
}

// hostPort renders a listener address for a URL, mapping an unspecified
// address to 127.0.0.1.
func hostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// UseURL sets the base URL that the issuer, the audience, redirects,
// discovery documents and scenario arguments refer to, for a Lab whose
// Handler is served by another server (an httptest.Server). base is the
// server's URL such as "http://127.0.0.1:41234". Scenarios needing the
// lab's own TLS or [::1] listeners are then left out. UseURL fails after
// Start.
func (l *Lab) UseURL(base string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started {
		return fmt.Errorf("%s: lab already started on %s", base, l.base)
	}
	u, err := parseBase(base)
	if err != nil {
		return err
	}
	l.base = u
	return nil
}

// Close stops every listener, closing open connections, and removes the
// CA file. It is safe to call more than once and before Start.
func (l *Lab) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	var errs []error
	for _, srv := range l.servers {
		if err := srv.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	l.servers = nil
	if l.caDir != "" {
		if err := os.RemoveAll(l.caDir); err != nil {
			errs = append(errs, err)
		}
		l.caDir = ""
	}
	return errors.Join(errs...)
}

// URL returns the plain base URL, "http://127.0.0.1:PORT"; "" before
// Start or UseURL.
func (l *Lab) URL() string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.base
}

// TLSURL returns the base URL of the TLS listener with the valid
// certificate, "https://127.0.0.1:PORT"; "" before Start.
func (l *Lab) TLSURL() string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.tlsBase
}

// ExpiredTLSURL returns the base URL of the TLS listener with the expired
// certificate; "" before Start.
func (l *Lab) ExpiredTLSURL() string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.expiredBase
}

// CAFile returns the path of the PEM file holding the lab CA certificate,
// written by Start and removed by Close; "" before Start.
func (l *Lab) CAFile() string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.caFile
}

// CAPEM returns the lab CA certificate in PEM form.
func (l *Lab) CAPEM() []byte {
	return append([]byte(nil), l.certs.caPEM...)
}

// Notes returns what Start could not set up and which scenarios it dropped
// as a result, one line each.
func (l *Lab) Notes() []string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return append([]string(nil), l.notes...)
}

// Issuer returns the token issuer the lab trusts; it equals URL().
func (l *Lab) Issuer() string { return l.URL() }

// Audience returns the token audience the lab's API accepts, URL()+"/api".
func (l *Lab) Audience() string { return l.URL() + "/api" }

// Handler returns the lab's routes. It can be served by any server; mount
// it elsewhere with UseURL so issuer and redirects point back to it.
func (l *Lab) Handler() http.Handler { return l.handler }

// state returns a consistent snapshot of the lab's addresses.
func (l *Lab) state() labState {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return labState{
		base:        l.base,
		tlsBase:     l.tlsBase,
		expiredBase: l.expiredBase,
		caFile:      l.caFile,
		ipv6:        l.ipv6,
	}
}

// labState is a snapshot of where the lab is served.
type labState struct {
	base, tlsBase, expiredBase, caFile string
	ipv6                               bool
}
