package browsertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// loopbackProxy is the only way out Firefox is given: an HTTP proxy on
// 127.0.0.1 that forwards requests for the test's own names to
// 127.0.0.1 on the requested port and refuses everything else, so a
// request the prefs failed to switch off still never leaves the
// machine. It plays the part of Chromium's --host-resolver-rules.
type loopbackProxy struct {
	addr    string
	mu      sync.Mutex
	refused []string
}

func startProxy(t testing.TB) *loopbackProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("browsertest: proxy: %v", err)
	}
	p := &loopbackProxy{addr: ln.Addr().String()}
	tr := &http.Transport{
		Proxy:              nil,
		DisableCompression: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			var d net.Dialer
			return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
		},
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect || r.URL.Scheme != "http" || !testHost(r.URL.Hostname()) {
			p.mu.Lock()
			p.refused = append(p.refused, r.Method+" "+r.URL.Redacted())
			p.mu.Unlock()
			http.Error(w, "browsertest proxy: only the test's own hosts on loopback", http.StatusForbidden)
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		for _, h := range []string{"Proxy-Connection", "Proxy-Authorization", "Connection", "Keep-Alive"} {
			out.Header.Del(h)
		}
		resp, err := tr.RoundTrip(out)
		if err != nil {
			http.Error(w, "browsertest proxy: "+err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body) //nolint:errcheck // the browser went away
	})}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close(); tr.CloseIdleConnections() })
	return p
}

// Refused lists, once each with a count, the requests the proxy turned
// away (the browser trying to reach something other than the test's
// servers).
func (p *loopbackProxy) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := map[string]int{}
	var order []string
	for _, r := range p.refused {
		if n[r] == 0 {
			order = append(order, r)
		}
		n[r]++
	}
	out := make([]string, 0, len(order))
	for _, r := range order {
		out = append(out, fmt.Sprintf("%s (%d×)", r, n[r]))
	}
	return out
}

// testHost reports whether h is one of the names tests use: loopback,
// localhost, or a name under the reserved .test top-level domain.
func testHost(h string) bool {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback()
	}
	return h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".test")
}
