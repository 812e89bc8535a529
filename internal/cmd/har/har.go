// Package har is the `why401 har` command: read a HAR file exported from
// a browser's network panel and say where the login or API flow broke.
package har

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	harfile "github.com/why401/why401/internal/har"
	"github.com/why401/why401/internal/harflow"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
)

// Options are the command's flags and dependencies.
type Options struct {
	IO      *cli.IOStreams
	Now     func() time.Time
	Version string

	File        string // path, or "-" for standard input
	JSON        bool
	ShowSecrets bool
	Verbose     bool
	// Replay re-sends the breaking request through the probe (network).
	Replay bool
	// All lists every entry in the timeline, static assets included.
	All bool
}

// NewCmdHar builds the command; runF, when set, replaces the run for
// tests of flag parsing.
func NewCmdHar(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Now: f.Now, Version: f.Version}
	cmd := &cobra.Command{
		Use:   "har FILE",
		Short: "Find where a browser's login or API flow broke, from a HAR file",
		Long: `Har reads a HAR file (HTTP Archive) exported from Chrome, Firefox or Safari
(DevTools, Network, Export HAR) and replays it offline through a simulated
browser: every Set-Cookie goes through the cookie rules of the browser that
recorded it, and every request is checked for the cookies and credentials it
should have carried. For each 401, 403 or 407 it traces back where the
credentials came from and why they were missing or refused: a cookie the
browser refused or did not send (SameSite, Secure, Domain, Path), a redirect
that dropped Authorization, a failed token refresh, a refused CORS preflight,
a login loop, a session or token expired at that moment.

It prints the flow as a short timeline with the breaking point marked, then
the causes ranked, as the probe does. Nothing is sent over the network
unless --replay is given. Secrets in the file stay redacted in the output
unless --show-secrets.`,
		Example: `  why401 har login.har
  why401 har session.har --json
  cat flow.har | why401 har -
  why401 har login.har --replay`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cli.FlagErrorf("har takes exactly one file (or - for standard input), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if runF != nil {
				return runF(o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&o.ShowSecrets, "show-secrets", false, "do not redact tokens, cookies and passwords in the output")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "show every fix and every note")
	cmd.Flags().BoolVar(&o.Replay, "replay", false, "re-send the breaking request through the probe (goes over the network)")
	cmd.Flags().BoolVar(&o.All, "all", false, "list every entry in the timeline, static assets included")
	return cmd
}

// Load reads and converts the HAR named by file ("-" is r).
func Load(file string, r io.Reader) (*evidence.Session, error) {
	var in io.Reader = r
	name := file
	if file == "-" {
		name = "standard input"
		if r == nil {
			return nil, fmt.Errorf("standard input: not available")
		}
	} else {
		fh, err := os.Open(file)
		if err != nil {
			if pe, ok := err.(*os.PathError); ok {
				return nil, fmt.Errorf("%s: %v", file, pe.Err)
			}
			return nil, err
		}
		defer fh.Close()
		in = fh
	}
	l, err := harfile.Read(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return l.Session(name), nil
}

// Diagnose runs the session checks over a session and builds the report.
// It does no I/O.
// With all, the timeline lists every entry.
func Diagnose(s *evidence.Session, now time.Time, showSecrets, all bool) (*Report, error) {
	p := &evidence.Probe{Target: s.Source, Started: now, Session: s}
	findings, err := diagnosis.Run(checks.Session, p, now)
	if err != nil {
		return nil, fmt.Errorf("diagnosis: %w", err)
	}
	return Build(s, harflow.Replay(s), findings, showSecrets, all), nil
}

// Run reads the file, diagnoses it, optionally replays the breaking
// request, and prints.
func Run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	s, err := Load(o.File, o.IO.In)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	r, err := Diagnose(s, now(), o.ShowSecrets, o.All)
	if err != nil {
		return err
	}
	if o.Replay {
		if r.BreakingPoint == 0 {
			r.Notes = append(r.Notes, "--replay: no refused request to replay")
		} else {
			po, err := ReplayOptions(&s.Entries[r.breakingIndex], o.Version)
			if err != nil {
				r.Notes = append(r.Notes, "--replay: "+err.Error())
			} else {
				po.Now = o.Now
				rr, err := diagnose.Probe(ctx, po, diagnose.Options{ShowSecrets: o.ShowSecrets})
				if err != nil {
					return fmt.Errorf("replaying #%d: %w", r.BreakingPoint, err)
				}
				r.Replay = rr
			}
		}
	}
	if o.JSON {
		err = writeJSON(o.IO.Out, r)
	} else {
		err = writeText(o.IO.Out, r, report.Style{Color: o.IO.Color, Verbose: o.Verbose})
	}
	if err != nil {
		return err
	}
	if r.Verdict == report.OK {
		return cli.Exit(cli.ExitOK)
	}
	return cli.Exit(cli.ExitFindings)
}

// hopHeaders are not carried over to a replay.
var hopHeaders = map[string]bool{"Connection": true, "Keep-Alive": true, "Content-Length": true, "Accept-Encoding": true, "Host": true, "Transfer-Encoding": true, "Te": true, "Upgrade": true}

// ReplayOptions turns a recorded request into probe options that send it
// again as the browser did (method, headers, cookies, body).
func ReplayOptions(e *evidence.SessionEntry, version string) (probe.Options, error) {
	req := e.Exchange.Request
	po := probe.Options{URL: req.URL, Method: req.Method, Header: http.Header{}, UserAgent: "why401/" + version}
	for k, vs := range req.Header {
		switch {
		case hopHeaders[k]:
		case k == "Cookie":
			for _, v := range vs {
				if strings.TrimSpace(v) != "" {
					po.Cookie = append(po.Cookie, v)
				}
			}
		case k == "User-Agent":
			if len(vs) > 0 {
				po.UserAgent = vs[0]
			}
		default:
			po.Header[k] = append([]string(nil), vs...)
		}
	}
	if len(req.Body) > 0 {
		po.Data, po.HasData = req.Body, true
	}
	if err := po.Validate(); err != nil {
		return probe.Options{}, err
	}
	return po, nil
}
