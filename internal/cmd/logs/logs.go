// Package logs is the `why401 logs` command: 401 analytics over access
// logs.
package logs

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/logs"
	"github.com/why401/why401/internal/logs/analysis"
	"github.com/why401/why401/internal/logs/render"
)

// Options are the command's flags and dependencies.
type Options struct {
	IO  *cli.IOStreams
	Now func() time.Time

	Args         []string
	Format       string
	LogFormat    string
	ServerConfig string
	JSON         bool
	HTML         string
	BanList      string
	Follow       bool
	Metrics      string
	Interval     time.Duration
	Window       time.Duration
	Threshold    int
	FindTime     time.Duration
	Rows         int
	NoProgress   bool
	FromStart    bool
	// Poll is how often --follow looks for new lines (default 250ms).
	Poll time.Duration
	// Ready, when set, is called in follow mode once the metrics server
	// listens (tests use it to learn the address).
	Ready func(addr string)
}

// NewCmdLogs builds the command.
func NewCmdLogs(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "logs [FILE|GLOB|-]...",
		Short: "Find out from access logs when 401s started, who gets them and why",
		Long: `Read web server access logs in one streaming pass and say when 401s (and
403, 407, 429) started, who gets them, whether it is an attack or a broken
client, and which cause: spikes against a rolling baseline, brute force,
credential stuffing, password spray, clients whose token ran out, 401s on
static assets, crawlers refused, lockout waves. A 401 followed within seconds
by a success from the same client is the normal challenge round trip
(noise.challenge) and is not counted as a failure.

Files, globs, gzip (by content) and - for standard input; several files are
merged in time order. Formats are detected (common, combined, JSON lines
from nginx/Caddy/Traefik, IIS W3C with #Fields and sc-substatus) or given:
--format, --log-format with an Apache LogFormat or nginx log_format string,
or --server-config FILE with --format NAME to take a named format from an
nginx or Apache configuration. Malformed lines are counted, never fatal.

A source with --threshold authentication failures (401, 407, a WordPress login
form answered again) within --window is an attack, as fail2ban judges it;
--ban-list FORMAT prints those sources. Lines out of time order are sorted
before pairing and counted.

Exit codes: 0 no failure pattern; 1 findings; 2 bad usage or input.`,
		Example: `  why401 logs /var/log/nginx/access.log*
  zcat access.log.*.gz | why401 logs -
  why401 logs --html report.html --json access.log > report.json
  why401 logs --ban-list nginx access.log > /etc/nginx/why401-deny.conf
  why401 logs --log-format '%h %l %u %t "%r" %>s %b "%{User-Agent}i" %D' access.log
  why401 logs --server-config /etc/nginx/nginx.conf --format main access.log
  why401 logs --follow --metrics 127.0.0.1:9401 /var/log/nginx/access.log`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			if len(args) == 0 {
				return cli.FlagErrorf("give at least one log file, glob or - for standard input")
			}
			if o.Follow && (o.JSON || o.HTML != "" || o.BanList != "") {
				return cli.FlagErrorf("--follow prints findings as they appear; --json, --html and --ban-list are for one pass")
			}
			if o.HTML == "-" && (o.JSON || o.BanList != "") {
				other := "--json"
				if o.BanList != "" {
					other = "--ban-list"
				}
				return cli.FlagErrorf("--html - and %s both write to standard output; give --html a file name", other)
			}
			if o.Follow {
				for _, a := range args {
					if a == "-" {
						return cli.FlagErrorf("--follow needs files, not standard input")
					}
				}
			}
			if o.Threshold < 1 || o.Threshold > analysis.MaxThreshold {
				return cli.FlagErrorf("--threshold: want 1 to %d failures, got %d", analysis.MaxThreshold, o.Threshold)
			}
			if o.FindTime <= 0 {
				return cli.FlagErrorf("--window: want a positive duration such as 10m, got %s", o.FindTime)
			}
			if o.Metrics != "" && !o.Follow {
				return cli.FlagErrorf("--metrics needs --follow")
			}
			if o.BanList != "" {
				ok := false
				for _, f := range render.BanFormats {
					ok = ok || f == o.BanList
				}
				if !ok {
					return cli.FlagErrorf("--ban-list: unknown format %q (want %s)", o.BanList, strings.Join(render.BanFormats, ", "))
				}
			}
			if runF != nil {
				return runF(o)
			}
			return run(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Format, "format", "auto", "log `FORMAT`: "+logs.FormatNames+", or a format NAME from --server-config")
	fl.StringVar(&o.LogFormat, "log-format", "", "an Apache LogFormat or nginx log_format `FORMAT` the log was written with")
	fl.StringVar(&o.ServerConfig, "server-config", "", "read LogFormat/log_format definitions from this nginx or Apache configuration `FILE`")
	fl.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fl.StringVar(&o.HTML, "html", "", "also write a self-contained HTML report to `FILE` (- for standard output, instead of the text)")
	fl.StringVar(&o.BanList, "ban-list", "", "print the sources fail2ban's rule (--threshold within --window) would ban, as `FORMAT`: plain, nginx, apache or fail2ban")
	fl.IntVar(&o.Threshold, "threshold", 5, fmt.Sprintf("`N` authentication failures from one source within --window that make an attack (fail2ban's maxretry; at most %d)", analysis.MaxThreshold))
	cli.DurationVar(fl, &o.FindTime, "window", 10*time.Minute, "the `DURATION` --threshold counts failures in (fail2ban's findtime)")
	fl.BoolVar(&o.Follow, "follow", false, "keep reading the files as they grow (surviving rotation and truncation) and print new findings")
	fl.StringVar(&o.Metrics, "metrics", "", "with --follow, serve Prometheus metrics on `HOST:PORT` (e.g. 127.0.0.1:9401)")
	cli.DurationVar(fl, &o.Interval, "interval", 5*time.Second, "with --follow, how often to look for findings when no line arrives")
	fl.BoolVar(&o.FromStart, "from-start", false, "with --follow, read what the files hold first instead of starting at their end")
	cli.DurationVar(fl, &o.Window, "challenge-window", 5*time.Second, "a success this soon after a 401 from the same client makes the 401 a challenge round trip")
	fl.IntVar(&o.Rows, "rows", 10, "`N` evidence rows per finding and table")
	fl.BoolVar(&o.NoProgress, "no-progress", false, "never draw a progress bar")
	return cmd
}

// resolveFormat returns the format the flags ask for; ok false means
// detect per file.
func resolveFormat(o *Options) (logs.Format, bool, error) {
	if o.LogFormat != "" {
		f, err := logs.FromTemplate(o.LogFormat)
		if err != nil {
			return f, false, &cli.FlagError{Err: fmt.Errorf("--log-format: %w", err)}
		}
		return f, true, nil
	}
	if o.ServerConfig != "" {
		defs, err := logs.ConfigFormats(o.ServerConfig)
		if err != nil {
			return logs.Format{}, false, &cli.UsageError{Err: err}
		}
		s, ok := defs[o.Format]
		if !ok {
			if builtin, known, _ := logs.ParseFormat(o.Format); known {
				return builtin, true, nil
			}
			names := slices.Sorted(maps.Keys(defs))
			return logs.Format{}, false, &cli.UsageError{Err: fmt.Errorf("%s: no log format named %q (found: %s)", o.ServerConfig, o.Format, strings.Join(names, ", "))}
		}
		f, err := logs.FromTemplate(s)
		if err != nil {
			return f, false, &cli.UsageError{Err: fmt.Errorf("%s: format %s: %w", o.ServerConfig, o.Format, err)}
		}
		return f, true, nil
	}
	f, ok, err := logs.ParseFormat(o.Format)
	if err != nil {
		return f, false, &cli.FlagError{Err: fmt.Errorf("--format: %w", err)}
	}
	return f, ok, nil
}

// openSources opens every input and settles its format.
func openSources(o *Options) ([]analysis.Source, func(), error) {
	names, err := logs.ExpandArgs(o.Args)
	if err != nil {
		return nil, nil, &cli.UsageError{Err: err}
	}
	format, fixed, err := resolveFormat(o)
	if err != nil {
		return nil, nil, err
	}
	var srcs []analysis.Source
	closeAll := func() {
		for _, s := range srcs {
			s.Input.Close()
		}
	}
	for _, name := range names {
		in, err := logs.Open(name, o.IO.In)
		if err != nil {
			closeAll()
			return nil, nil, &cli.UsageError{Err: err}
		}
		src := analysis.Source{Input: in, Format: format}
		if !fixed {
			br := bufio.NewReaderSize(in.R, 64<<10)
			sample, _ := br.Peek(64 << 10)
			in.R = br
			d := logs.DetectLines(in.SampleLines(sample))
			if !d.OK && d.Lines > 0 {
				srcs = append(srcs, src)
				closeAll()
				return nil, nil, &cli.UsageError{Err: fmt.Errorf("%s: %s", name, d.Refusal())}
			}
			if !d.OK {
				d.Format = logs.Format{Kind: logs.KindCombined}
			}
			src.Format = d.Format
		}
		srcs = append(srcs, src)
	}
	return srcs, closeAll, nil
}

// memoryLimit is the soft limit the analysis asks the Go runtime to keep
// its heap under (unless GOMEMLIMIT says otherwise). What stays live is
// bounded (the read buffers, the client table, the bounded top-N tables:
// about 70 MB whatever the size of the log), but the collector's default
// pacing lets the process grow to twice that between collections: 160 MB
// on a 5 GB log, 108 MB with the limit, for 2 to 5 % more CPU.
const memoryLimit = 100 << 20

func run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(memoryLimit))
	}
	if o.Follow {
		return follow(ctx, o)
	}
	srcs, closeAll, err := openSources(o)
	if err != nil {
		return err
	}
	defer closeAll()
	stop := startProgress(o, srcs)
	res, err := analysis.Run(ctx, srcs, o.config(), 0)
	stop()
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	return output(o, res)
}

// config is the analysis the flags ask for.
func (o *Options) config() analysis.Config {
	return analysis.Config{ChallengeWindow: o.Window, Rows: o.Rows, Threshold: o.Threshold, Window: o.FindTime}
}

func output(o *Options, res *analysis.Result) error {
	if o.HTML != "" {
		err := cli.WriteOutput("html", o.HTML, o.IO.Out, func(w io.Writer) error {
			bw := bufio.NewWriter(w)
			if err := render.HTML(bw, res); err != nil {
				return err
			}
			return bw.Flush()
		})
		if err != nil {
			return err
		}
	}
	var err error
	switch {
	case o.HTML == "-": // the page is the output
	case o.BanList != "":
		err = render.BanList(o.IO.Out, res, o.BanList, o.Now())
	case o.JSON:
		err = render.JSON(o.IO.Out, res)
	default:
		err = render.Text(o.IO.Out, res, render.TextOptions{Color: o.IO.Color})
	}
	if err != nil {
		return err
	}
	if res.Verdict != "ok" {
		return cli.Exit(cli.ExitFindings)
	}
	return nil
}

// startProgress draws a progress bar on stderr while the analysis runs,
// only when stderr is a terminal; the returned func stops and clears it.
func startProgress(o *Options, srcs []analysis.Source) func() {
	if !o.IO.ErrTTY || o.NoProgress {
		return func() {}
	}
	var total int64
	for _, s := range srcs {
		if s.Input.Size == 0 && s.Input.Name == "-" {
			total = -1
			break
		}
		total += s.Input.Size
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		drawn := false
		for {
			select {
			case <-done:
				if drawn {
					fmt.Fprint(o.IO.ErrOut, "\r\x1b[K")
				}
				return
			case <-tick.C:
			}
			var read int64
			for _, s := range srcs {
				read += s.Input.Read.Load()
			}
			fmt.Fprint(o.IO.ErrOut, "\r\x1b[K"+progressLine(read, total, time.Since(start)))
			drawn = true
		}
	}()
	return func() { close(done); wg.Wait() }
}

// progressLine renders "[#####.....]  45%  450 MB of 1.0 GB  500 MB/s  ETA 1s";
// total < 0 means unknown (standard input): bytes and rate only.
func progressLine(read, total int64, elapsed time.Duration) string {
	rate := 0.0
	if elapsed > 0 {
		rate = float64(read) / elapsed.Seconds()
	}
	if total <= 0 {
		return fmt.Sprintf("%s read  %s/s", size(float64(read)), size(rate))
	}
	frac := min(float64(read)/float64(total), 1)
	const width = 24
	filled := int(frac * width)
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(total-read) / rate * float64(time.Second))).Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %3.0f%%  %s of %s  %s/s  ETA %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		frac*100, size(float64(read)), size(float64(total)), size(rate), eta)
}

func size(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.0f kB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}
