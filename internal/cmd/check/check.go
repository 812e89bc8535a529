// Package check is the `why401 check` command: run a site's auth
// checklist once (CI) or on a schedule with Prometheus metrics.
package check

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/checklist"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
)

// Options are the command's flags and dependencies.
type Options struct {
	IO      *cli.IOStreams
	Now     func() time.Time
	Version string
	Getenv  func(string) string

	File       string
	JSON       bool
	JUnit      string
	Clients    []string
	Verbose    bool
	NoDiagnose bool
	Init       string // URL to write a starter for
	Every      time.Duration
	Metrics    string
	Schema     bool
	Force      bool

	// Explain replaces the probe's diagnosis (tests).
	Explain checklist.ExplainFunc
	// Ready, when set, is called with the metrics address once it listens
	// (tests).
	Ready func(addr string)
}

// minEvery is the shortest schedule --every accepts.
const minEvery = 10 * time.Second

// NewCmdCheck builds the command; runF, when set, replaces the run for
// tests of flag parsing.
func NewCmdCheck(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Now: f.Now, Version: f.Version, Getenv: os.Getenv}
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Check a site's auth contract (a checklist file) before or after a deploy",
		Long: `Check runs a checklist: a YAML file naming a site's endpoints, the request for
each (credentials only from environment variables or files) and what must
hold: authenticated, challenge, forbidden, no-store, cookie attributes,
token lifetime, aud and iss, TLS days left, a CORS preflight, proxy
pass-through to the lab's /echo route, and login steps whose cookies or
token later endpoints use.

Every endpoint runs concurrently (bounded by the file's concurrency); each
failure is explained by the probe's diagnosis with a cause ID and a fix.
--clients curl,browser replays every request with the header, redirect and
cookie rules of both clients and says where they disagree.

--init URL probes a site and writes a commented starter checklist (to FILE,
or stdout). --every 5m keeps running; with --metrics 127.0.0.1:9402 it
serves Prometheus metrics (see docs/why401-alerts.yml). --schema prints the
JSON Schema of the file.

Exit codes: 0 every expectation holds; 1 an expectation failed; 2 bad usage
or a bad checklist (file:line:column).`,
		Example: `  why401 check why401.yaml
  why401 check why401.yaml --clients curl,browser --junit report.xml
  why401 check --init https://staging.example.com why401.yaml
  why401 check why401.yaml --every 5m --metrics 127.0.0.1:9402`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return cli.FlagErrorf("check takes one checklist file, got %d arguments", len(args))
			case len(args) == 0 && o.Init == "" && !o.Schema:
				return cli.FlagErrorf("check needs a checklist file (or --init URL to write one)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.File = args[0]
			}
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return Run(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.JSON, "json", false, "print the results as JSON")
	fl.StringVar(&o.JUnit, "junit", "", "also write the results as JUnit XML to `file`")
	fl.StringSliceVar(&o.Clients, "clients", []string{checklist.ClientCurl}, "client `profiles` to replay each request with: curl, browser")
	fl.BoolVarP(&o.Verbose, "verbose", "v", false, "list the expectations that hold too")
	fl.BoolVar(&o.NoDiagnose, "no-diagnose", false, "do not run the probe's diagnosis on failures (faster, causes only from the expectation)")
	fl.StringVar(&o.Init, "init", "", "probe `URL` and write a commented starter checklist to FILE (or stdout)")
	fl.BoolVar(&o.Force, "force", false, "with --init: overwrite FILE")
	fl.DurationVar(&o.Every, "every", 0, "run again every `duration` until interrupted (at least 10s)")
	fl.StringVar(&o.Metrics, "metrics", "", "with --every: serve Prometheus metrics on `host:port` at /metrics")
	fl.BoolVar(&o.Schema, "schema", false, "print the checklist's JSON Schema")
	return cmd
}

func (o *Options) validate() error {
	if err := checklist.ValidateClients(o.Clients); err != nil {
		return cli.FlagErrorf("--clients: %v", err)
	}
	if o.Every != 0 && o.Every < minEvery {
		return cli.FlagErrorf("--every %s: want at least %s", o.Every, minEvery)
	}
	if o.Metrics != "" {
		if o.Every == 0 {
			return cli.FlagErrorf("--metrics needs --every (metrics describe the scheduled runs)")
		}
		if _, port, err := net.SplitHostPort(o.Metrics); err != nil || port == "" {
			return cli.FlagErrorf("--metrics %q: want host:port, like 127.0.0.1:9402", o.Metrics)
		}
	}
	if o.Init != "" && (o.Every != 0 || o.JUnit != "" || o.JSON) {
		return cli.FlagErrorf("--init writes a starter file; it does not combine with --every, --junit or --json")
	}
	if o.Force && o.Init == "" {
		return cli.FlagErrorf("--force only applies to --init")
	}
	return nil
}

// Run runs the command.
func Run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.Schema:
		_, err := o.IO.Out.Write(checklist.Schema)
		return err
	case o.Init != "":
		return runInit(ctx, o)
	}
	f, err := checklist.ParseFile(o.File)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	ro := checklist.Options{Clients: o.Clients, Getenv: o.Getenv, Now: o.Now, Version: o.Version, Explain: o.Explain}
	switch {
	case o.NoDiagnose:
		ro.Explain = nil
	case ro.Explain == nil:
		ro.Explain = func(ctx context.Context, po probe.Options) (*report.Report, error) {
			return diagnose.Probe(ctx, po, diagnose.Options{})
		}
	}
	if o.Every == 0 {
		out, err := checklist.Run(ctx, f, ro)
		if err != nil {
			return &cli.UsageError{Err: err}
		}
		if err := o.write(out); err != nil {
			return err
		}
		if !out.OK() {
			return cli.Exit(cli.ExitFindings)
		}
		return nil
	}
	return o.schedule(ctx, f, ro)
}

// write prints one outcome and writes the JUnit file.
func (o *Options) write(out *checklist.Outcome) error {
	var err error
	if o.JSON {
		err = checklist.WriteJSON(o.IO.Out, out)
	} else {
		err = checklist.WriteText(o.IO.Out, out, o.Verbose)
	}
	if err != nil {
		return err
	}
	if o.JUnit != "" {
		if err := writeFileAtomic(o.JUnit, func(f *os.File) error { return checklist.WriteJUnit(f, out) }); err != nil {
			return fmt.Errorf("--junit %s: %w", o.JUnit, err)
		}
	}
	return nil
}

// schedule runs the checklist every o.Every until ctx ends, serving
// metrics when asked.
func (o *Options) schedule(ctx context.Context, f *checklist.File, ro checklist.Options) error {
	m := &checklist.Metrics{}
	if o.Metrics != "" {
		ln, err := net.Listen("tcp", o.Metrics)
		if err != nil {
			return &cli.UsageError{Err: fmt.Errorf("--metrics %s: %v", o.Metrics, err)}
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", m)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprintln(w, "why401 check: metrics at /metrics")
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // ends with Close
		defer srv.Close()
		fmt.Fprintf(o.IO.ErrOut, "why401 check: metrics on http://%s/metrics\n", ln.Addr())
		if o.Ready != nil {
			o.Ready(ln.Addr().String())
		}
	}
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	for run := 1; ; run++ {
		if !o.JSON {
			fmt.Fprintf(o.IO.Out, "== run %d at %s\n", run, o.Now().UTC().Format(time.RFC3339))
		}
		out, err := checklist.Run(ctx, f, ro)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			m.RecordError(o.Now())
			fmt.Fprintf(o.IO.ErrOut, "why401 check: %v\n", err)
		default:
			m.Record(out)
			if err := o.write(out); err != nil {
				fmt.Fprintf(o.IO.ErrOut, "why401 check: %v\n", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// writeFileAtomic writes path through a temporary file in the same
// directory and renames it into place.
func writeFileAtomic(path string, write func(*os.File) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	if err := write(tmp); err != nil {
		tmp.Close()
		os.Remove(name)
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Chmod(name, 0o644); err != nil {
		os.Remove(name)
		return err
	}
	return os.Rename(name, path)
}

// runInit probes o.Init and writes a starter checklist.
func runInit(ctx context.Context, o *Options) error {
	text, err := checklist.Starter(ctx, o.Init, checklist.StarterOptions{Version: o.Version, Now: o.Now})
	if err != nil {
		return &cli.UsageError{Err: fmt.Errorf("--init %s: %w", o.Init, err)}
	}
	if o.File == "" {
		_, err := o.IO.Out.Write(text)
		return err
	}
	if !o.Force {
		if _, err := os.Stat(o.File); err == nil {
			return &cli.UsageError{Err: fmt.Errorf("%s: already exists (use --force to overwrite)", o.File)}
		} else if !errors.Is(err, os.ErrNotExist) {
			return &cli.UsageError{Err: fmt.Errorf("%s: %v", o.File, err)}
		}
	}
	if err := writeFileAtomic(o.File, func(f *os.File) error { _, err := f.Write(text); return err }); err != nil {
		return fmt.Errorf("%s: %w", o.File, err)
	}
	fmt.Fprintf(o.IO.ErrOut, "wrote %s: fill in the credentials' environment variables, review, then run: why401 check %s\n", o.File, shellQuote(o.File))
	return nil
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
