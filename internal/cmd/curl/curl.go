// Package curl is the `why401 curl` command: paste a command copied with
// a browser's "Copy as cURL" and get the probe's diagnosis of it.
package curl

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/curlcmd"
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

	// Text is the pasted command; "" or "-" reads it from standard input.
	Text        string
	JSON        bool
	ShowSecrets bool
	Verbose     bool
	// HTML and HTMLSecrets are --html and --html-secrets (see probe).
	HTML        string
	HTMLSecrets bool
	// Command is the parsed command, filled before run.
	Command *curlcmd.Command
	// Adjust is the factory's Probe hook.
	Adjust func(*probe.Options)
}

// maxStdin bounds a command read from standard input.
const maxStdin = curlcmd.MaxLen

// NewCmdCurl builds the command; runF, when set, replaces the run for
// tests of argument handling.
func NewCmdCurl(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Now: f.Now, Version: f.Version, Adjust: f.Probe}
	cmd := &cobra.Command{
		Use:   "curl ['<curl command>' | -]",
		Short: "Diagnose a request pasted from a browser's Copy as cURL",
		Long: `Curl takes a command as Chrome or Firefox copy it from the network panel
(right-click a request, Copy, Copy as cURL), in the bash form or the Windows
cmd form, and runs the probe on exactly that request: same method, headers,
cookies and body. Pass the command as one quoted argument, or pipe it in
(no argument, or -). Shell expansions ($VAR, $(…)) are refused: the
command must be the literal text the browser copied.

Headers the probe sets itself (Connection, Accept-Encoding, Content-Length)
are dropped, and the output says so.`,
		Example: `  why401 curl "$(xclip -o)"
  pbpaste | why401 curl
  why401 curl 'curl https://api.example.com/me -H "authorization: Bearer eyJ…"' --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cli.FlagErrorf("curl takes the whole command as one argument (quote it), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Text = args[0]
			}
			if err := htmlreport.CheckFlags(o.HTML, o.ShowSecrets, o.HTMLSecrets, o.JSON); err != nil {
				return cli.FlagErrorf("%v", err)
			}
			if err := o.parse(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&o.ShowSecrets, "show-secrets", false, "do not redact passwords, tokens and cookies in the output")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "show every exchange and every fix")
	htmlreport.AddFlags(cmd.Flags(), &o.HTML, &o.HTMLSecrets)
	return cmd
}

// parse reads the command (from stdin when needed) and parses it.
func (o *Options) parse() error {
	text := o.Text
	if text == "" || text == "-" {
		if o.IO.In == nil {
			return cli.FlagErrorf("no command given and no standard input")
		}
		b, err := io.ReadAll(io.LimitReader(o.IO.In, maxStdin+1))
		if err != nil {
			return fmt.Errorf("reading the command from standard input: %w", err)
		}
		if len(b) > maxStdin {
			return &cli.UsageError{Err: fmt.Errorf("standard input: command longer than %d bytes", maxStdin)}
		}
		text = string(b)
	}
	if strings.TrimSpace(text) == "" {
		return cli.FlagErrorf("no command given: paste a command copied with Copy as cURL, or pipe it in")
	}
	c, err := curlcmd.Parse(text)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	po := &c.Options
	if po.UserAgent == "" {
		// A copied command without User-Agent (Firefox keeps it as a
		// header, Chrome too): the probe's own.
		po.UserAgent = "why401/" + o.Version
	}
	if o.Now != nil {
		po.Now = o.Now
	}
	if o.Adjust != nil {
		o.Adjust(po)
	}
	o.Command = c
	return nil
}

// Run probes the pasted request and prints the report.
func Run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	po := o.Command.Options
	if o.IO.ErrTTY && !o.JSON {
		po.Progress = func(s string) { fmt.Fprintf(o.IO.ErrOut, "\r\x1b[K%s", s) }
	}
	r, err := diagnose.Probe(ctx, po, diagnose.Options{Command: "curl", ShowSecrets: o.ShowSecrets})
	if po.Progress != nil {
		fmt.Fprint(o.IO.ErrOut, "\r\x1b[K")
	}
	if err != nil {
		return err
	}
	for _, n := range o.Command.Notes {
		r.Notes = append(r.Notes, "pasted command: "+n)
	}
	if err := report.Output(o.IO, r, o.JSON, o.HTML, o.Verbose); err != nil {
		return err
	}
	return cli.Exit(diagnose.ExitCode(r.Verdict))
}
