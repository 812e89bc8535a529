// Package servetest runs `why401 serve`'s handler for tests: on a free
// loopback port, the commands run in process, closed when the test ends.
package servetest

import (
	"net"
	"testing"

	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/serve"
)

// Start runs a server with cfg on a loopback port and returns it with
// its base URL (cfg.Addr is what the server believes it listens on: a
// non-loopback one makes it exposed). The rate limit is lifted unless
// cfg sets one, and cfg.Runner defaults to root.Exec.
func Start(t testing.TB, cfg serve.Config) (*serve.Server, string) {
	t.Helper()
	if cfg.Runner == nil {
		cfg.Runner = root.Exec
	}
	if cfg.RatePerMinute == 0 {
		cfg.RatePerMinute, cfg.Burst = 6000, 1000
	}
	s, err := serve.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := s.HTTPServer()
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return s, "http://" + ln.Addr().String()
}
