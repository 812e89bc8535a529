// Package serve is the `why401 serve` command: the web page and JSON API
// of internal/serve, run like a service.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/netguard"
	"github.com/why401/why401/internal/serve"
)

// Options are the command's flags and dependencies.
type Options struct {
	IO      *cli.IOStreams
	Version string
	Runner  serve.Runner

	Addr          string
	Public        bool
	AllowPrivate  bool
	Allow         []string
	Hosts         []string
	TokenFile     string
	Resolver      string
	RatePerMinute int
	MaxConcurrent int
	MaxUploadMiB  int64
	Timeout       time.Duration
	Quiet         bool
	// Ready, when set, is called with the address once it listens (tests).
	Ready func(addr string)
}

// NewCmdServe builds the command; runner runs the other commands
// in-process (the root package's Exec).
func NewCmdServe(f *cli.Factory, runner serve.Runner, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Version: f.Version, Runner: runner}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a web page and a JSON API on the same engine, for people who do not use a terminal",
		Long: `Serve answers a web page with forms for a URL (method, headers,
credentials), a pasted Copy as cURL, a dropped HAR file, an access log, a
configuration file or tree (tar, zip), audited without reading this
machine's files (audit --root), and on a loopback server a checklist;
each result is the report of --html, with a download of the page and the
JSON. Behind the forms, a JSON API answers each command's --json document:
POST /api/probe {"url": …, "args": [curl flags]}, /api/curl (the command
text), /api/har (the HAR), /api/audit (a file or archive), /api/logs (the
log). See docs/openapi.yaml. It also answers /healthz and /metrics
(Prometheus) and logs every request in the Common Log Format on standard
error, without query strings or bodies.

It listens on loopback by default. With --public, or on any non-loopback
--addr, it defends itself: probes may not reach loopback, private,
link-local, CGNAT, multicast or cloud metadata addresses (checked on the
address actually connected to, on every redirect hop) unless
--allow-private or --allow; each client is rate limited and the diagnoses
running at once are capped; uploads and request times are bounded. Always:
forms carry a CSRF token, cross-site requests are refused, the Host header
must name the server, answers carry CSP, framing, referrer and nosniff
headers, and nothing is stored. --token-file makes every client present a
shared token (Authorization: Bearer, or a log-in on the page).

It shuts down gracefully on SIGINT or SIGTERM: running diagnoses finish.`,
		Example: `  why401 serve
  why401 serve --addr 127.0.0.1:9000
  why401 serve --addr 0.0.0.0:8401 --token-file /etc/why401/token
  why401 serve --public --allow 10.20.0.0/16   # behind a reverse proxy, staging network reachable`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return Run(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", serve.DefaultAddr, "listen on `HOST:PORT`")
	fl.BoolVar(&o.Public, "public", false, "defend as an exposed server even on a loopback address (behind a reverse proxy)")
	fl.BoolVar(&o.AllowPrivate, "allow-private", false, "let probes reach private and loopback addresses even when exposed")
	fl.StringSliceVar(&o.Allow, "allow", nil, "`CIDR|ADDR:PORT` networks or address:port pairs probes may reach despite being private (repeatable)")
	fl.StringSliceVar(&o.Hosts, "host", nil, "`NAME` of a host the server answers to besides its address, such as a reverse proxy's (repeatable)")
	fl.StringVar(&o.TokenFile, "token-file", "", "require the shared token in `FILE` from every client")
	fl.StringVar(&o.Resolver, "resolver", "", "resolve probe targets with the DNS server at `HOST:PORT` instead of the system's")
	fl.IntVar(&o.RatePerMinute, "rate", 20, "`N` diagnoses a minute per client address")
	fl.IntVar(&o.MaxConcurrent, "max-concurrent", 4, "`N` diagnoses running at once, all clients together")
	fl.Int64Var(&o.MaxUploadMiB, "max-upload", 32, "largest request body, in `MIB`")
	cli.DurationVar(fl, &o.Timeout, "timeout", 90*time.Second, "longest one diagnosis may take")
	fl.BoolVarP(&o.Quiet, "quiet", "q", false, "do not log requests")
	return cmd
}

// Config turns the flags into the server's configuration.
func (o *Options) Config() (serve.Config, error) {
	cfg := serve.Config{
		Addr: o.Addr, Exposed: o.Public || !serve.IsLoopback(o.Addr), AllowPrivate: o.AllowPrivate,
		Hosts: o.Hosts, Runner: o.Runner, Version: o.Version,
		RatePerMinute: o.RatePerMinute, MaxConcurrent: o.MaxConcurrent, MaxUpload: o.MaxUploadMiB << 20,
		RequestTimeout: o.Timeout, Resolver: netguard.Resolver(o.Resolver),
	}
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		return cfg, cli.FlagErrorf("--addr %q: want host:port, like 127.0.0.1:8401", o.Addr)
	}
	if o.RatePerMinute <= 0 || o.MaxConcurrent <= 0 || o.MaxUploadMiB <= 0 || o.Timeout <= 0 {
		return cfg, cli.FlagErrorf("--rate, --max-concurrent, --max-upload and --timeout must be positive")
	}
	for _, a := range o.Allow {
		if p, err := netip.ParsePrefix(a); err == nil {
			cfg.Allow = append(cfg.Allow, p)
			continue
		}
		if ap, err := netip.ParseAddrPort(a); err == nil {
			cfg.AllowAddrPorts = append(cfg.AllowAddrPorts, ap)
			continue
		}
		if ad, err := netip.ParseAddr(a); err == nil {
			cfg.Allow = append(cfg.Allow, netip.PrefixFrom(ad, ad.BitLen()))
			continue
		}
		return cfg, cli.FlagErrorf("--allow %q: want a network (10.0.0.0/8), an address or address:port", a)
	}
	if o.TokenFile != "" {
		b, err := os.ReadFile(o.TokenFile)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return cfg, &cli.UsageError{Err: fmt.Errorf("--token-file %s: %v", o.TokenFile, err)}
		}
		cfg.Token = strings.TrimSpace(string(b))
		if len(cfg.Token) < 16 {
			return cfg, &cli.UsageError{Err: fmt.Errorf("--token-file %s: the token is shorter than 16 characters; make a long random one (openssl rand -hex 24)", o.TokenFile)}
		}
	}
	if !o.Quiet {
		cfg.Log = o.IO.ErrOut
	}
	return cfg, nil
}

// Run serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := o.Config()
	if err != nil {
		return err
	}
	s, err := serve.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return &cli.UsageError{Err: fmt.Errorf("--addr %s: %v", o.Addr, err)}
	}
	hs := s.HTTPServer()
	mode := "loopback only"
	switch {
	case cfg.Exposed && cfg.AllowPrivate:
		mode = "exposed; probes may reach private addresses (--allow-private)"
	case cfg.Exposed:
		mode = "exposed; probes reach public addresses only"
	}
	if cfg.Token != "" {
		mode += "; shared token required"
	}
	fmt.Fprintf(o.IO.ErrOut, "why401 serve on http://%s/ (%s)\n", ln.Addr(), mode)
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(o.IO.ErrOut, "why401 serve: shutting down, letting running diagnoses finish")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.RequestTimeout+5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %v", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
