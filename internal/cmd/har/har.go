// Package har is the `why401 har` command: read a HAR file exported from
// a browser's network panel and say where the login or API flow broke.
package har

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/cli"
	probecmd "github.com/why401/why401/internal/cmd/probe"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/htmlreport"
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
	// HTML and HTMLSecrets are --html and --html-secrets (see probe).
	HTML        string
	HTMLSecrets bool
	// Adjust is the factory's Probe hook, for --replay.
	Adjust func(*probe.Options)
}

// NewCmdHar builds the command; runF, when set, replaces the run for
// tests of flag parsing.
func NewCmdHar(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Now: f.Now, Version: f.Version, Adjust: f.Probe}
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
			if err := htmlreport.CheckFlags(o.HTML, o.ShowSecrets, o.HTMLSecrets, o.JSON); err != nil {
				return cli.FlagErrorf("%v", err)
			}
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
	probecmd.AddHTMLFlags(cmd.Flags(), &o.HTML, &o.HTMLSecrets)
	return cmd
}

// Run reads the file, diagnoses it, optionally replays the breaking
// request, and prints.
func Run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	s, repairs, err := diagnose.LoadHAR(o.File, o.IO.In)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	r, err := diagnose.Session(ctx, s, diagnose.SessionOptions{Now: o.Now, ShowSecrets: o.ShowSecrets, All: o.All,
		Replay: o.Replay, Version: o.Version, Adjust: o.Adjust})
	if err != nil {
		return err
	}
	r.Repairs = repairs
	if o.HTML != "" {
		if err := htmlreport.Write(o.HTML, o.IO.Out, func(w io.Writer) error { return report.WriteSessionJSON(w, r) }); err != nil {
			return &cli.UsageError{Err: err}
		}
	}
	switch {
	case o.HTML == "-":
	case o.JSON:
		err = report.WriteSessionJSON(o.IO.Out, r)
	default:
		err = report.WriteSessionText(o.IO.Out, r, report.Style{Color: o.IO.Color, Verbose: o.Verbose})
	}
	if err != nil {
		return err
	}
	if r.Verdict == report.OK {
		return cli.Exit(cli.ExitOK)
	}
	return cli.Exit(cli.ExitFindings)
}
