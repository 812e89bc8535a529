// Package audit is the `why401 audit` command: read nginx and Apache
// configuration and report, at file and line, what makes requests fail
// with 401 or leaves authentication off where it should apply.
package audit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/ansi"
	"github.com/why401/why401/internal/audit"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/htmlreport"
	"github.com/why401/why401/internal/report"
	"github.com/why401/why401/internal/sarif"
)

// Options are the command's flags and dependencies.
type Options struct {
	IO      *cli.IOStreams
	Version string

	Paths      []string
	Software   string
	ServerRoot string
	JSON       bool
	SARIF      string // where to write SARIF: a path, or "-" for stdout
	FailOn     string
	BaseDir    string
	Verbose    bool
	// HTML is --html: also write the findings as a page to this file
	// ("-": standard output, instead of the text).
	HTML string
}

// NewCmdAudit builds the command; runF, when set, replaces the run for
// tests of flag parsing.
func NewCmdAudit(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Version: f.Version}
	cmd := &cobra.Command{
		Use:   "audit [PATH...]",
		Short: "Check nginx and Apache configuration for what causes 401s",
		Long: `Audit reads nginx and Apache httpd configuration, following includes, and
reports at file and line what makes requests fail with 401 or leaves
authentication off: password files that are missing, relative, unreadable by
the server's user or malformed; hashes the server cannot check; protection
over ACME challenges, health checks and assets, or switched off by satisfy
any, Require all granted or an early return; Authorization removed before the
application; proxies without X-Forwarded-Proto/Host; caches that store
authenticated answers or 401s; CORS preflights that meet a challenge; IP
rules; rate limits on login paths; 401s without a challenge.

PATH is a main configuration file or a directory holding nginx.conf,
apache2.conf or httpd.conf. Without PATH the usual places are read:
/etc/nginx/nginx.conf, /etc/apache2/apache2.conf, /etc/httpd/conf/httpd.conf,
and for Apache the .htaccess files under each DocumentRoot where
AllowOverride permits AuthConfig. Nothing is changed.

Exit codes: 0 no findings at or above --fail-on; 1 findings; 2 bad usage or a
configuration that does not parse.`,
		Example: `  why401 audit
  why401 audit /etc/nginx/nginx.conf
  why401 audit deploy/apache2 --software apache --server-root deploy/apache2
  why401 audit --sarif why401.sarif
  why401 audit /etc/nginx --sarif - --fail-on never | jq .runs[0].results`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			if cmd.Flags().Changed("server") {
				fmt.Fprintln(o.IO.ErrOut, "why401: warning: --server is deprecated; use --software")
			}
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return Run(o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Software, "software", "", "the `SOFTWARE` the given paths configure: nginx or apache (default: from the file name and content)")
	// --server was the name of --software; it stays for old scripts.
	fl.StringVar(&o.Software, "server", "", "the same as --software")
	_ = fl.MarkHidden("server")
	fl.StringVar(&o.ServerRoot, "server-root", "", "Apache's ServerRoot `DIR` (-d) for relative paths (default: the main file's directory)")
	fl.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fl.StringVar(&o.SARIF, "sarif", "", "also write the findings as SARIF 2.1.0 (GitHub code scanning, editors) to `FILE` (- for standard output, instead of the text)")
	fl.StringVar(&o.FailOn, "fail-on", "warning", "exit 1 when a finding is at least this `SEVERITY`: info, warning, error or never")
	fl.StringVar(&o.BaseDir, "base", "", "make SARIF paths relative to this `DIR` (default: the current directory)")
	fl.BoolVarP(&o.Verbose, "verbose", "v", false, "show the fixes for each cause")
	fl.StringVar(&o.HTML, "html", "", "also write the findings as a self-contained HTML page to `FILE` (- for standard output, instead of the text)")
	return cmd
}

func (o *Options) validate() error {
	if o.JSON && o.SARIF == "-" {
		return cli.FlagErrorf("--json and --sarif - both want standard output")
	}
	if o.HTML == "-" && (o.JSON || o.SARIF == "-") {
		return cli.FlagErrorf("--html - and --json or --sarif - both write to standard output; give --html a file name")
	}
	switch o.FailOn {
	case "info", "warning", "error", "never":
	default:
		return cli.FlagErrorf("--fail-on %q: want info, warning, error or never", o.FailOn)
	}
	switch o.Software {
	case "", "nginx", "apache":
	default:
		return cli.FlagErrorf("--software %q: want nginx or apache", o.Software)
	}
	return nil
}

// inputs turns the paths into audit inputs; directories are searched for
// a main configuration file.
func (o *Options) inputs() ([]audit.Input, error) {
	paths := o.Paths
	if len(paths) == 0 {
		for _, p := range audit.DefaultPaths {
			if _, err := os.Stat(p); err == nil {
				paths = append(paths, p)
			}
		}
		if len(paths) == 0 {
			return nil, &cli.UsageError{Err: errors.New("no nginx or Apache configuration in the usual places; give a PATH")}
		}
	}
	var ins []audit.Input
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, &cli.UsageError{Err: fmt.Errorf("%s: %w", p, err)}
		}
		if fi.IsDir() {
			found := ""
			for _, name := range []string{"nginx.conf", "apache2.conf", "httpd.conf", "conf/httpd.conf"} {
				if _, err := os.Stat(filepath.Join(p, name)); err == nil {
					found = filepath.Join(p, name)
					break
				}
			}
			if found == "" {
				return nil, &cli.UsageError{Err: fmt.Errorf("%s: no nginx.conf, apache2.conf or httpd.conf in this directory", p)}
			}
			p = found
		}
		in := audit.Input{Path: p, Kind: audit.Kind(o.Software), ServerRoot: o.ServerRoot}
		if in.ServerRoot == "" && strings.HasSuffix(p, filepath.Join("conf", "httpd.conf")) {
			in.ServerRoot = filepath.Dir(filepath.Dir(p)) // Red Hat: ServerRoot /etc/httpd
		}
		ins = append(ins, in)
	}
	return ins, nil
}

// memoryLimit is the soft limit the audit asks the Go runtime to keep
// its heap under (unless GOMEMLIMIT says otherwise): a hosting server's
// 50,000 virtual hosts parse into about 200 MB that stays live, and the
// collector's default pacing would let the process grow to three times
// that before collecting the parsers' garbage.
const memoryLimit = 384 << 20

// Run audits and prints.
func Run(o *Options) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(memoryLimit))
	}
	ins, err := o.inputs()
	if err != nil {
		return err
	}
	ev, err := audit.Load(ins)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	// Problems that did not stop parsing go to stderr, so the JSON and
	// SARIF on stdout stay clean.
	for _, a := range ev.Apache {
		for _, w := range a.Config.Warnings {
			fmt.Fprintf(o.IO.ErrOut, "why401: warning: %v\n", w)
		}
	}
	findings, err := audit.Run(audit.All, ev)
	if err != nil {
		return err
	}
	failing := false
	if o.FailOn != "never" {
		limit := audit.SeverityRank(catalog.Severity(o.FailOn))
		for _, f := range findings {
			failing = failing || audit.SeverityRank(f.Severity) >= limit
		}
	}
	if o.HTML != "" {
		if err := htmlreport.Write(o.HTML, o.IO.Out, func(w io.Writer) error { return WriteJSON(w, ev, findings, failing) }); err != nil {
			return &cli.UsageError{Err: err}
		}
	}
	if o.SARIF != "" {
		base := o.BaseDir
		if abs, err := filepath.Abs(base); err == nil { // "" is the working directory
			base = abs
		}
		err := cli.WriteOutput("sarif", o.SARIF, o.IO.Out, func(w io.Writer) error {
			return sarif.Write(w, findings, sarif.Options{ToolVersion: o.Version, BaseDir: base})
		})
		if err != nil {
			return err
		}
	}
	switch {
	case o.SARIF == "-", o.HTML == "-":
		// The SARIF or the HTML took standard output.
	case o.JSON:
		err = WriteJSON(o.IO.Out, ev, findings, failing)
	default:
		err = writeText(o.IO.Out, ev, findings, o.Verbose, o.IO.Color)
	}
	if err != nil {
		return err
	}
	if failing {
		return cli.Exit(cli.ExitFindings)
	}
	return nil
}

// files lists the configuration files read.
func files(ev *audit.Evidence) []string { return ev.ConfigFiles() }

// jsonReport is the audit's JSON document: the common head (verdict
// "fail" when a finding is at or above --fail-on), the files read and the
// count of findings by severity.
type jsonReport struct {
	report.Head
	Files  []string       `json:"files"`
	Counts map[string]int `json:"counts"`
}

// WriteJSON writes the audit's --json document.
func WriteJSON(w io.Writer, ev *audit.Evidence, findings []audit.Finding, failing bool) error {
	counts := map[string]int{"error": 0, "warning": 0, "info": 0}
	for _, f := range findings {
		counts[string(f.Severity)]++
	}
	verdict := report.OK
	if failing {
		verdict = report.Fail
	}
	r := jsonReport{Head: report.NewHead("audit", verdict, summary(ev, findings), findings), Files: files(ev), Counts: counts}
	return cli.WriteJSON(w, r)
}

// summary says in one line how many findings of each severity the files
// read hold.
func summary(ev *audit.Evidence, findings []audit.Finding) string {
	counts := map[catalog.Severity]int{}
	for _, f := range findings {
		counts[f.Severity]++
	}
	n := len(files(ev))
	if len(findings) == 0 {
		return fmt.Sprintf("no findings in %d configuration file%s", n, plural(n))
	}
	return fmt.Sprintf("%d finding%s (%d error%s, %d warning%s, %d info) in %d configuration file%s",
		len(findings), plural(len(findings)), counts[catalog.Error], plural(counts[catalog.Error]),
		counts[catalog.Warning], plural(counts[catalog.Warning]), counts[catalog.Info], n, plural(n))
}

func writeText(w io.Writer, ev *audit.Evidence, findings []audit.Finding, verbose, color bool) error {
	paint := ansi.Painter(color)
	var b strings.Builder
	shown := map[string]bool{}
	groups := fold(findings)
	for i, f := range findings {
		g := groups[i]
		if g != nil && g[0] != i {
			continue // shown with the first of its group
		}
		sev := string(f.Severity)
		switch f.Severity {
		case catalog.Error:
			sev = paint.Red(sev)
		case catalog.Warning:
			sev = paint.Yellow(sev)
		default:
			sev = paint.Dim(sev)
		}
		fmt.Fprintf(&b, "%s: %s %s: %s\n", f.Location, sev, paint.Bold(string(f.Cause)), f.Detail)
		for _, r := range f.Related {
			fmt.Fprintf(&b, "    see %s\n", r)
		}
		if g != nil {
			var at []string
			for _, j := range g[1:min(len(g), foldShow+1)] {
				at = append(at, findings[j].Location.String())
			}
			more := ""
			if len(g)-1 > foldShow {
				more = fmt.Sprintf(" and %d more", len(g)-1-foldShow)
			}
			fmt.Fprintf(&b, "    the same at %d more places: %s%s (--json and --sarif list every one)\n", len(g)-1, strings.Join(at, ", "), more)
		}
		// A cause's fixes are shown once per server, and again where a
		// hosting panel's fix (its screen, or a warning that it writes
		// the file again) differs.
		key := string(f.Cause) + "\x00" + f.Server
		if owner := f.Fixes[catalog.SiteOwner]; len(owner) > 0 && panelFix(owner[0]) {
			key += "\x00" + owner[0].Text
		}
		if verbose || !shown[key] {
			fixes := relevantFirst(f.Fixes[catalog.SiteOwner], f.Detail)
			if !verbose && len(fixes) > 1 {
				fixes = fixes[:1]
			}
			for _, fx := range fixes {
				fmt.Fprintf(&b, "    fix: %s\n", fx.Text)
				if fx.Command != "" {
					fmt.Fprintf(&b, "         %s\n", strings.ReplaceAll(fx.Command, "\n", "\n         "))
				}
			}
		}
		shown[key] = true
	}
	fmt.Fprintln(&b, summary(ev, findings))
	_, err := io.WriteString(w, b.String())
	return err
}

// Text output folds a finding that repeats, as on a hosting server with
// the same block in every virtual host: from foldAt findings of one cause
// and severity whose details differ only in numbers and quoted names, the
// first is shown with the count and foldShow further locations.
const (
	foldAt   = 4
	foldShow = 3
)

// varying matches what differs between repeats of one finding: numbers
// (ports, line numbers, site numbers) and quoted names (realms, files).
var varying = regexp.MustCompile(`[0-9]+|"[^"]*"|/[^\s:;,()]+`)

// fold returns, for each finding that belongs to a group of at least
// foldAt alike findings, the indexes of its group in order.
func fold(findings []audit.Finding) map[int][]int {
	by := map[string][]int{}
	for i, f := range findings {
		k := string(f.Cause) + "\x00" + string(f.Severity) + "\x00" + f.Server + "\x00" + varying.ReplaceAllString(f.Detail, "#")
		by[k] = append(by[k], i)
	}
	out := map[int][]int{}
	for _, g := range by {
		if len(g) >= foldAt {
			for _, i := range g {
				out[i] = g
			}
		}
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// relevantFirst orders fixes so that those for a hosting panel (the
// audit puts them first when it recognised the panel's files: its screen,
// or a warning that it writes the file again) stay first, then one whose
// command names the directive the message starts with (proxy_set_header,
// CGIPassAuth…); the order is otherwise kept.
func relevantFirst(fixes []catalog.Fix, message string) []catalog.Fix {
	directive, _, _ := strings.Cut(strings.TrimSpace(message), " ")
	directive = strings.ToLower(directive)
	rank := func(fx catalog.Fix) int {
		if panelFix(fx) {
			return 0
		}
		if len(directive) >= 4 && strings.Contains(strings.ToLower(fx.Command), directive) {
			return 1
		}
		return 2
	}
	out := slices.Clone(fixes)
	slices.SortStableFunc(out, func(a, b catalog.Fix) int { return rank(a) - rank(b) })
	return out
}

// panelFix reports whether fx is written for a hosting panel.
func panelFix(fx catalog.Fix) bool {
	for _, t := range fx.Tags() {
		if slices.Contains(catalog.PanelTags, t) {
			return true
		}
	}
	return false
}
