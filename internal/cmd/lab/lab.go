// Package lab is the `why401 lab` command: serve the built-in lab.
package lab

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/lab"
)

// Options are the command's flags.
type Options struct {
	IO               *cli.IOStreams
	Addr             string
	AllowNonLoopback bool
}

// NewCmdLab builds the command.
func NewCmdLab(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Serve a lab that reproduces every cause why401 diagnoses",
		Long: `Lab serves one route per cause it can reproduce, on loopback by default.
Its index page lists each route with the cause it reproduces and the exact
why401 probe command to try. It runs until interrupted.`,
		Example: `  why401 lab
  why401 lab --addr 127.0.0.1:9000
  why401 probe http://127.0.0.1:8401/token/expired`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return run(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Addr, "addr", lab.DefaultAddr, "listen on `HOST:PORT` (loopback unless --allow-non-loopback)")
	cmd.Flags().BoolVar(&o.AllowNonLoopback, "allow-non-loopback", false, "allow listening on a non-loopback address")
	return cmd
}

func run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	l, err := lab.New(lab.Options{Addr: o.Addr, AllowNonLoopback: o.AllowNonLoopback})
	if err != nil {
		return &cli.UsageError{Err: fmt.Errorf("--addr %s: %w", o.Addr, err)}
	}
	if err := l.Start(); err != nil {
		return &cli.UsageError{Err: fmt.Errorf("--addr %s: %w", o.Addr, err)}
	}
	defer l.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "why401 lab serving on %s (index: %s/)\n", l.URL(), l.URL())
	fmt.Fprintf(&b, "  TLS: %s   expired certificate: %s   CA: %s\n\n", l.TLSURL(), l.ExpiredTLSURL(), l.CAFile())
	for _, s := range l.Scenarios() {
		cause := string(s.Cause)
		if cause == "" {
			cause = "(works)"
		}
		fmt.Fprintf(&b, "  %-26s %-26s %s\n", s.Path, cause, s.Doc)
	}
	b.WriteString("\nPress Ctrl-C to stop.\n")
	fmt.Fprint(o.IO.Out, b.String())
	<-ctx.Done()
	return nil
}
