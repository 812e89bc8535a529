package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/why401/why401/internal/evidence"
)

// hopRequest is one request to send.
type hopRequest struct {
	Method string
	URL    *url.URL
	Header http.Header // as sent; a Host entry sets the Host line
	Body   []byte
	// Chunked sends Body with Transfer-Encoding: chunked.
	Chunked bool
	// Pin, when set, is the IP every connection to the target's
	// host:port is dialed to (the Address variant).
	Pin string
	// Keep, when set, sends the request on the kept-alive connection of
	// earlier requests with the same Keep, if it is still open (the legs
	// of an NTLM handshake); otherwise each exchange has its own.
	Keep *keptConn
}

// keptConn is one HTTP/1.1 connection kept alive across exchanges, for
// schemes that authenticate the connection rather than the request
// (NTLM). HTTP/2 is not offered: curl falls back to HTTP/1.1 for NTLM
// too, since a multiplexed connection cannot carry a handshake.
type keptConn struct {
	mu sync.Mutex
	tr *http.Transport
	st *connState // the exchange under way
	// tls is the TLS evidence of each host's connection, from its
	// handshake, for the exchanges that reuse it.
	tls map[string]*evidence.TLS
}

// recordTLS keeps the handshake's evidence of a new connection, and gives
// a reused one the evidence of its handshake.
func (k *keptConn) recordTLS(host string, ex *evidence.Exchange) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case ex.TLS != nil && !ex.Reused:
		if k.tls == nil {
			k.tls = map[string]*evidence.TLS{}
		}
		t := *ex.TLS
		k.tls[host] = &t
	case ex.TLS == nil && ex.Reused && k.tls[host] != nil:
		t := *k.tls[host]
		ex.TLS = &t
	}
}

// transport returns the kept Transport, made on first use, with st as
// the state its callbacks fill.
func (k *keptConn) transport(r *runner, hr hopRequest, st *connState) *http.Transport {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.st = st
	if k.tr == nil {
		k.tr = r.transportFor(hr.URL.Hostname(), hr.Pin, func() *connState {
			k.mu.Lock()
			defer k.mu.Unlock()
			return k.st
		})
		k.tr.DisableKeepAlives = false
		k.tr.ForceAttemptHTTP2 = false
		k.tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		k.tr.MaxConnsPerHost = 1
		k.tr.MaxIdleConnsPerHost = 1
	}
	return k.tr
}

// close closes the kept connection.
func (k *keptConn) close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tr != nil {
		k.tr.CloseIdleConnections()
	}
}

// connState collects what the transport's callbacks observed for one
// exchange. Callbacks may run on other goroutines.
type connState struct {
	mu                  sync.Mutex
	remote              string
	tls                 *evidence.TLS
	verifyFailed        bool
	clientCertRequested bool
	clientCertSent      bool
	proxyResp           *http.Response
	dnsStart, dnsDone   time.Time
	connStart, connDone time.Time
	tlsStart, tlsDone   time.Time
	firstByte           time.Time
	firstByteClock      time.Time
	dnsFromCache        time.Duration
	reused              bool // the request went on a kept connection's earlier one
}

// errVerify marks a handshake the probe failed because the chain did not
// verify and -k was not given.
type errVerify struct{ err error }

func (e *errVerify) Error() string {
	return "certificate verification failed: " + oneLine(e.err.Error())
}
func (e *errVerify) Unwrap() error { return e.err }

// runner holds what every exchange of one run shares.
type runner struct {
	cfg *config
	// dnsAddrs are the target host's resolved addresses, used for every
	// connection to it (the host is resolved once per run); dnsErr is the
	// lookup's failure.
	dnsHost  string
	dnsAddrs []string
	dnsErr   error
	dnsTook  time.Duration
}

// dial opens a TCP connection for addr, honouring --resolve, a pinned
// address and the run's one DNS lookup of the target host.
func (r *runner) dial(ctx context.Context, network, addr, pin string, st *connState) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: r.cfg.connectTO, KeepAlive: 30 * time.Second, Control: r.cfg.o.Control, Resolver: r.cfg.o.Resolver}
	var ips []string
	key := net.JoinHostPort(strings.ToLower(host), port)
	switch {
	case pin != "" && key == r.cfg.targetKey:
		ips = []string{pin}
	case r.cfg.resolve[key] != nil:
		ips = r.cfg.resolve[key]
	case r.dnsHost != "" && strings.EqualFold(host, r.dnsHost):
		if r.dnsErr != nil {
			return nil, r.dnsErr
		}
		ips = r.dnsAddrs
		st.mu.Lock()
		st.dnsFromCache = r.dnsTook
		st.mu.Unlock()
	}
	if ips == nil {
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			st.setRemote(c)
		}
		return c, err
	}
	var firstErr error
	for _, ip := range ips {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip, port))
		if err == nil {
			st.setRemote(c)
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

func (st *connState) setRemote(c net.Conn) {
	st.mu.Lock()
	st.remote = c.RemoteAddr().String()
	st.mu.Unlock()
}

// transport builds a fresh Transport for one exchange with host (the
// URL's host name, which the certificate must match), with callbacks
// filling st. Connections are not reused.
func (r *runner) transport(host, pin string, st *connState) *http.Transport {
	return r.transportFor(host, pin, func() *connState { return st })
}

// transportFor builds the Transport of transport, its callbacks filling
// the connState cur returns when they run: for a kept connection (see
// keptConn) that is the state of the exchange under way.
func (r *runner) transportFor(host, pin string, cur func() *connState) *http.Transport {
	cfg := r.cfg
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return r.dial(ctx, network, addr, pin, cur())
		},
		TLSHandshakeTimeout:    cfg.connectTO,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 1 << 20,
		ExpectContinueTimeout:  time.Second,
	}
	if cfg.proxy != nil {
		tr.Proxy = http.ProxyURL(cfg.proxy)
		tr.OnProxyConnectResponse = func(_ context.Context, _ *url.URL, _ *http.Request, res *http.Response) error {
			if st := cur(); res.StatusCode != http.StatusOK {
				st.mu.Lock()
				st.proxyResp = res
				st.mu.Unlock()
			}
			return nil
		}
	}
	tr.TLSClientConfig = &tls.Config{
		InsecureSkipVerify: true, // verification happens in VerifyConnection, so the chain is recorded either way
		VerifyConnection: func(cs tls.ConnectionState) error {
			// For an IP address the handshake records no server name,
			// yet the certificate must still match it.
			cs.ServerName = host
			st := cur()
			t := tlsEvidence(cs)
			err := verifyChain(cs, cfg.roots, cfg.now())
			if err != nil {
				t.VerifyError = oneLine(err.Error())
			}
			st.mu.Lock()
			t.ClientCertRequested, t.ClientCertSent = st.clientCertRequested, st.clientCertSent
			st.tls = t
			st.verifyFailed = err != nil
			st.mu.Unlock()
			if err != nil && !cfg.o.Insecure {
				return &errVerify{err}
			}
			return nil
		},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			st := cur()
			st.mu.Lock()
			defer st.mu.Unlock()
			st.clientCertRequested = true
			if st.tls != nil {
				st.tls.ClientCertRequested = true
			}
			if cfg.clientCert == nil {
				return &tls.Certificate{}, nil
			}
			st.clientCertSent = true
			if st.tls != nil {
				st.tls.ClientCertSent = true
			}
			return cfg.clientCert, nil
		},
	}
	return tr
}

// verifyChain verifies the peer chain against roots for the server name,
// at now.
func verifyChain(cs tls.ConnectionState, roots *x509.CertPool, now time.Time) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		DNSName:       cs.ServerName,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
	})
	return err
}

func tlsEvidence(cs tls.ConnectionState) *evidence.TLS {
	t := &evidence.TLS{
		Version:    tls.VersionName(cs.Version),
		Cipher:     tls.CipherSuiteName(cs.CipherSuite),
		ServerName: cs.ServerName,
		ALPN:       cs.NegotiatedProtocol,
	}
	if cs.CipherSuite == 0 {
		t.Cipher = ""
	}
	for _, c := range cs.PeerCertificates {
		ec := evidence.Cert{
			Subject:   c.Subject.String(),
			Issuer:    c.Issuer.String(),
			DNSNames:  append([]string(nil), c.DNSNames...),
			NotBefore: c.NotBefore,
			NotAfter:  c.NotAfter,
		}
		for _, ip := range c.IPAddresses {
			ec.IPs = append(ec.IPs, ip.String())
		}
		t.Chain = append(t.Chain, ec)
	}
	return t
}

// exchange sends one request and records it. It never returns an error:
// transport failures are recorded in the Exchange. The context bounds the
// whole exchange, body included.
func (r *runner) exchange(ctx context.Context, hr hopRequest) evidence.Exchange {
	cfg := r.cfg
	st := &connState{}
	ex := evidence.Exchange{Request: recordRequest(hr, cfg.proxy)}
	req, err := buildHTTPRequest(ctx, hr)
	if err != nil {
		ex.Err, ex.ErrKind = oneLine(err.Error()), "other"
		return ex
	}
	start := time.Now()
	trace := &httptrace.ClientTrace{
		DNSStart:             func(httptrace.DNSStartInfo) { st.mark(&st.dnsStart) },
		DNSDone:              func(httptrace.DNSDoneInfo) { st.mark(&st.dnsDone) },
		ConnectStart:         func(string, string) { st.markFirst(&st.connStart) },
		ConnectDone:          func(string, string, error) { st.mark(&st.connDone) },
		TLSHandshakeStart:    func() { st.mark(&st.tlsStart) },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { st.mark(&st.tlsDone) },
		GotFirstResponseByte: func() { st.mu.Lock(); st.firstByte = time.Now(); st.firstByteClock = cfg.now(); st.mu.Unlock() },
	}
	var tr *http.Transport
	if k := hr.Keep; k != nil {
		trace.GotConn = func(i httptrace.GotConnInfo) {
			st.mu.Lock()
			st.reused = i.Reused
			if i.Reused && i.Conn != nil {
				st.remote = i.Conn.RemoteAddr().String()
			}
			st.mu.Unlock()
		}
		tr = k.transport(r, hr, st)
	} else {
		tr = r.transport(hr.URL.Hostname(), hr.Pin, st)
		defer tr.CloseIdleConnections()
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := tr.RoundTrip(req)
	if err == nil {
		ex.Response = readResponse(resp, cfg.now)
	}
	end := time.Now()

	st.mu.Lock()
	defer st.mu.Unlock()
	ex.Remote = st.remote
	ex.Reused = st.reused
	ex.TLS = st.tls
	if ex.TLS != nil {
		ex.TLS.ClientCertRequested = ex.TLS.ClientCertRequested || st.clientCertRequested
		ex.TLS.ClientCertSent = ex.TLS.ClientCertSent || st.clientCertSent
	}
	if resp != nil && resp.TLS != nil && ex.TLS != nil {
		// The handshake finished: the final state names the ALPN and suite.
		ex.TLS.Version = tls.VersionName(resp.TLS.Version)
		ex.TLS.Cipher = tls.CipherSuiteName(resp.TLS.CipherSuite)
		ex.TLS.ALPN = resp.TLS.NegotiatedProtocol
	}
	if hr.Keep != nil {
		hr.Keep.recordTLS(hr.URL.Host, &ex)
	}
	ex.Timing = st.timing(start, end)
	if ex.Response != nil && !st.firstByteClock.IsZero() {
		ex.Response.Received = st.firstByteClock
	}
	if err != nil {
		ex.Err = oneLine(err.Error())
		ex.ErrKind = r.classify(err, st)
		if st.proxyResp != nil {
			ex.Response = &evidence.Response{
				Status:   st.proxyResp.StatusCode,
				Proto:    st.proxyResp.Proto,
				Header:   st.proxyResp.Header.Clone(),
				Received: cfg.now(),
			}
			ex.Err = fmt.Sprintf("proxy answered CONNECT with %s", st.proxyResp.Status)
			ex.ErrKind = "proxy"
		}
	}
	return ex
}

func (st *connState) mark(t *time.Time) {
	st.mu.Lock()
	*t = time.Now()
	st.mu.Unlock()
}

func (st *connState) markFirst(t *time.Time) {
	st.mu.Lock()
	if t.IsZero() {
		*t = time.Now()
	}
	st.mu.Unlock()
}

// timing turns the marks into durations; call with st.mu held.
func (st *connState) timing(start, end time.Time) evidence.Timing {
	var t evidence.Timing
	if !st.dnsStart.IsZero() && st.dnsDone.After(st.dnsStart) {
		t.DNS = st.dnsDone.Sub(st.dnsStart)
	} else if st.dnsFromCache > 0 {
		t.DNS = st.dnsFromCache
	}
	if !st.connStart.IsZero() && st.connDone.After(st.connStart) {
		t.Connect = st.connDone.Sub(st.connStart)
	}
	if !st.tlsStart.IsZero() && st.tlsDone.After(st.tlsStart) {
		t.TLS = st.tlsDone.Sub(st.tlsStart)
	}
	if !st.firstByte.IsZero() {
		t.TTFB = st.firstByte.Sub(start)
	}
	t.Total = end.Sub(start)
	return t
}

func buildHTTPRequest(ctx context.Context, hr hopRequest) (*http.Request, error) {
	var body io.Reader
	if hr.Body != nil {
		body = bytes.NewReader(hr.Body)
	}
	req, err := http.NewRequestWithContext(ctx, hr.Method, hr.URL.String(), body)
	if err != nil {
		return nil, err
	}
	if rp := hr.URL.RawPath; rp != "" && hr.URL.Opaque == "" && strings.HasPrefix(rp, "/") && !strings.HasPrefix(rp, "//") && printableASCII(rp) {
		// Send the path as written (curl sends " | ^ ` and the like
		// unescaped), not as Go would re-escape it.
		req.URL.Opaque = rp
	}
	if hr.Chunked && body != nil {
		req.ContentLength, req.TransferEncoding = -1, []string{"chunked"}
	}
	req.Header = http.Header{}
	for k, v := range hr.Header {
		if strings.EqualFold(k, "Host") {
			if len(v) > 0 && v[0] != "" {
				req.Host = v[0]
			}
			continue
		}
		req.Header[k] = append([]string(nil), v...)
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		// An empty value keeps the transport from adding its own.
		req.Header["User-Agent"] = []string{""}
	}
	return req, nil
}

// recordRequest is the evidence form of hr: the headers as sent, without
// the empty User-Agent placeholder.
func recordRequest(hr hopRequest, proxy *url.URL) evidence.Request {
	er := evidence.Request{
		Method:   hr.Method,
		URL:      hr.URL.String(),
		Header:   hr.Header.Clone(),
		Body:     hr.Body,
		BodySize: len(hr.Body),
	}
	if er.Header == nil {
		er.Header = http.Header{}
	}
	if proxy != nil {
		p := cloneURL(proxy)
		p.User = nil
		er.Proxy = p.String()
	}
	return er
}

// readResponse reads up to MaxBody of the body, discards up to discardCap
// more, and closes it.
func readResponse(resp *http.Response, now func() time.Time) *evidence.Response {
	defer resp.Body.Close()
	er := &evidence.Response{
		Status:   resp.StatusCode,
		Proto:    resp.Proto,
		Header:   resp.Header.Clone(),
		Received: now(),
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, evidence.MaxBody+1))
	if len(body) > evidence.MaxBody {
		body = body[:evidence.MaxBody]
		er.BodyTruncated = true
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, discardCap))
	}
	er.Body = body
	if err != nil {
		er.BodyTruncated = true
	}
	if len(resp.Trailer) > 0 {
		er.Trailer = resp.Trailer.Clone()
	}
	return er
}

// classify names the kind of a transport error.
func (r *runner) classify(err error, st *connState) string {
	var ve *errVerify
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var netErr net.Error
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ve):
		return "tls-verify"
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return "timeout"
		}
		return "dns"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.As(err, &recErr), errors.As(err, &alert), errors.As(err, &certErr):
		return "tls"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		if r.cfg.proxy != nil {
			return "proxy"
		}
		return "connect"
	case strings.Contains(err.Error(), "tls:"), strings.Contains(err.Error(), "x509:"):
		return "tls"
	case r.cfg.proxy != nil && st.remote == "":
		return "proxy"
	}
	return "other"
}

// oneLine folds s onto one line.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.TrimSpace(s)
}

// printableASCII reports whether s holds only visible ASCII characters.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
