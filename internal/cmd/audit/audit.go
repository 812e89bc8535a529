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
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/audit"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/confroot"
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
	// Root is --root: the directory of a configuration tree copied from
	// a server, under which its absolute paths resolve.
	Root    string
	JSON    bool
	SARIF   string // where to write SARIF: a path, or "-" for stdout
	FailOn  string
	BaseDir string
	Verbose bool
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

PATH may also be any single file, told apart by its content: an nginx server
block or snippet without http{}, an Apache vhost or conf snippet, an
.htaccess, an htpasswd or an htdigest file. It is audited for what it says
by itself (for password files: hash formats and weak hashes, realms,
duplicates, broken lines, line endings, mode), and what only the main
configuration decides (AllowOverride, the modules loaded, the base of
relative paths, the realm a file must match) is listed instead of guessed.

--root DIR audits a configuration tree copied from a server (the common CI
case, and every upload to why401 serve): nothing outside DIR is read. A path
the configuration names outside DIR is looked up inside it (/etc/nginx/x as
DIR/etc/nginx/x, then DIR/nginx/x, then DIR/x); an include the copy lacks is
read as empty with a warning, a password file it lacks is reported as not
checked, and this machine's users and file owners are not consulted. Without
PATH the usual places are looked for under DIR.

Exit codes: 0 no findings at or above --fail-on; 1 findings; 2 bad usage or a
configuration that does not parse.`,
		Example: `  why401 audit
  why401 audit /etc/nginx/nginx.conf
  why401 audit deploy/apache2 --software apache --server-root deploy/apache2
  why401 audit --root deploy/server
  why401 audit /var/www/html/.htaccess
  why401 audit /etc/apache2/.htdigest --software apache
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
	fl.StringVar(&o.Root, "root", "", "audit a configuration tree copied from a server into `DIR`, reading nothing outside it: paths in it (Include, AuthUserFile, auth_basic_user_file, DocumentRoot, ...) are looked up inside DIR (/etc/nginx/x as DIR/etc/nginx/x, DIR/nginx/x, DIR/x); this machine's users and file owners are not consulted")
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
	root := ""
	if o.Root != "" {
		fi, err := os.Stat(o.Root)
		if err != nil || !fi.IsDir() {
			return nil, &cli.UsageError{Err: fmt.Errorf("--root %s: not a directory", o.Root)}
		}
		if root, err = confroot.Clean(o.Root); err != nil {
			return nil, &cli.UsageError{Err: fmt.Errorf("--root %s: %w", o.Root, err)}
		}
	}
	paths := o.Paths
	if len(paths) == 0 {
		for _, p := range audit.DefaultPaths {
			p = confroot.Path(root, p)
			if _, err := os.Stat(p); err == nil {
				paths = append(paths, p)
			}
		}
		if len(paths) == 0 {
			where := "in the usual places"
			if root != "" {
				where = "under " + o.Root + " (etc/nginx/nginx.conf, etc/apache2/apache2.conf, etc/httpd/conf/httpd.conf, or the same without etc/ or at its top)"
			}
			return nil, &cli.UsageError{Err: fmt.Errorf("no nginx or Apache configuration %s; give a PATH", where)}
		}
	} else if root != "" {
		// An absolute PATH outside the tree names the server's file:
		// take it in the tree.
		paths = append([]string(nil), paths...)
		for i, p := range paths {
			if filepath.IsAbs(p) {
				paths[i] = confroot.Path(root, p)
			}
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
		in := audit.Input{Path: p, Kind: audit.Kind(o.Software), ServerRoot: o.ServerRoot, Root: root}
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
	for _, p := range ev.Skipped {
		fmt.Fprintf(o.IO.ErrOut, "why401: warning: %s is included but not in %s; read as empty\n", p, o.Root)
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
		if err := htmlreport.Write(o.HTML, o.IO.Out, func(w io.Writer) error { return report.WriteAuditJSON(w, ev, findings, failing) }); err != nil {
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
		err = report.WriteAuditJSON(o.IO.Out, ev, findings, failing)
	default:
		err = report.WriteAuditText(o.IO.Out, ev, findings, report.Style{Color: o.IO.Color, Verbose: o.Verbose})
	}
	if err != nil {
		return err
	}
	if failing {
		return cli.Exit(cli.ExitFindings)
	}
	return nil
}
