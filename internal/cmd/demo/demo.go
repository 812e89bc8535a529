// Package demo is the `why401 demo` command: start the lab, diagnose every
// scenario end to end, and show expected against diagnosed causes.
package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/why401/why401/internal/probeargs"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/ansi"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/redact"
)

// Options are the command's flags.
type Options struct {
	IO       *cli.IOStreams
	Factory  *cli.Factory
	JSON     bool
	Verbose  bool
	Parallel int
	Only     string
}

// NewCmdDemo builds the command.
func NewCmdDemo(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Diagnose every lab scenario end to end and show the results",
		Long: `Demo starts the lab in-process on a free loopback port, probes every route
with the same code as why401 probe, and prints a table: route, expected
cause, diagnosed cause. It exits 1 if any diagnosis is wrong.`,
		Example: `  why401 demo
  why401 demo --only token
  why401 demo --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "print each scenario's full report")
	cmd.Flags().IntVar(&o.Parallel, "parallel", 4, "`N` scenarios probed at once")
	cmd.Flags().StringVar(&o.Only, "only", "", "only scenarios whose path or cause contains this `TEXT`")
	return cmd
}

// Result is one scenario's outcome.
type Result struct {
	Path      string     `json:"path"`
	Command   string     `json:"command"`
	Expected  catalog.ID `json:"expected"`
	Diagnosed catalog.ID `json:"diagnosed"`
	Verdict   string     `json:"verdict"`
	Correct   bool       `json:"correct"`
	Error     string     `json:"error,omitempty"`
	Duration  string     `json:"duration"`
	Report    any        `json:"-"`
}

// Run runs the demo.
func Run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	l, err := lab.New(lab.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	if err := l.Start(); err != nil {
		return fmt.Errorf("starting the lab: %w", err)
	}
	defer l.Close()
	var scen []lab.Scenario
	for _, s := range l.Scenarios() {
		if o.Only == "" || strings.Contains(s.Path, o.Only) || strings.Contains(string(s.Cause), o.Only) {
			scen = append(scen, s)
		}
	}
	results := make([]Result, len(scen))
	reports := make([]string, len(scen))
	par := o.Parallel
	if par < 1 {
		par = 1
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, s := range scen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], reports[i] = one(ctx, o, s)
		}()
	}
	wg.Wait()
	wrong := 0
	for _, r := range results {
		if !r.Correct {
			wrong++
		}
	}
	if o.JSON {
		if err := cli.WriteJSON(o.IO.Out, map[string]any{"lab": l.URL(), "scenarios": results, "wrong": wrong}); err != nil {
			return err
		}
	} else {
		writeTable(o.IO.Out, l.URL(), results, reports, o.Verbose, o.IO.Color)
	}
	if wrong > 0 {
		return cli.Exit(cli.ExitFindings)
	}
	return nil
}

func one(ctx context.Context, o *Options, s lab.Scenario) (Result, string) {
	r := Result{Path: s.Path, Expected: s.Cause, Command: command(s)}
	start := time.Now()
	po, err := probeargs.Parse(s.Args, o.Factory.Version, o.Factory.Probe)
	if err != nil {
		r.Error = err.Error()
		return r, ""
	}
	rep, err := diagnose.Probe(ctx, po, diagnose.Options{})
	r.Duration = time.Since(start).Round(time.Millisecond).String()
	if err != nil {
		r.Error = err.Error()
		return r, ""
	}
	r.Diagnosed = rep.TopCause()
	r.Verdict = rep.Verdict
	r.Correct = r.Diagnosed == s.Cause && (s.Cause != "" || rep.Verdict == "ok")
	var b strings.Builder
	if o.Verbose {
		_ = writeReport(&b, rep)
	}
	return r, b.String()
}

// command renders a scenario as its why401 command line
// (lab.Scenario.Command), with secret headers redacted.
func command(s lab.Scenario) string {
	args := slices.Clone(s.Args)
	for i := 1; i < len(args); i++ {
		if args[i-1] == "-H" || args[i-1] == "--header" {
			if name, v, ok := strings.Cut(args[i], ":"); ok {
				args[i] = name + ": " + redact.Header(name, strings.TrimSpace(v))
			}
		}
	}
	s.Args = args
	return s.Command()
}

func writeTable(w io.Writer, base string, rs []Result, reports []string, verbose, color bool) {
	p := ansi.Painter(color)
	var b strings.Builder
	fmt.Fprintf(&b, "why401 demo: %d scenarios against the lab at %s\n\n", len(rs), base)
	fmt.Fprintf(&b, "  %-22s %-26s %-26s %s\n", "ROUTE", "EXPECTED", "DIAGNOSED", "")
	ok := 0
	for i, r := range rs {
		exp, got := string(r.Expected), string(r.Diagnosed)
		if exp == "" {
			exp = "(works)"
		}
		if got == "" {
			got = "(" + r.Verdict + ")"
			if r.Verdict == "ok" {
				got = "(works)"
			}
		}
		mark := p.Green("✓")
		if r.Correct {
			ok++
		} else {
			mark = p.Red("✗")
			if r.Error != "" {
				got = "error: " + r.Error
			}
		}
		fmt.Fprintf(&b, "%s %-22s %-26s %-26s %s\n", mark, r.Path, exp, got, p.Dim(r.Duration))
		if verbose && reports[i] != "" {
			fmt.Fprintf(&b, "    %s\n", r.Command)
			b.WriteString(indent(reports[i], "    "))
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "\n%d of %d diagnosed correctly\n", ok, len(rs))
	fmt.Fprint(w, b.String())
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre) + "\n"
}
