package logs

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/logs"
	"github.com/why401/why401/internal/logs/analysis"
	"github.com/why401/why401/internal/logs/render"
	"github.com/why401/why401/internal/logs/tail"
)

// followed is one file the loop follows: its tailer and what the loop
// knows of it.
type followed struct {
	*tail.Tailer
	format  logs.Format
	known   bool   // format fixed or detected
	failing string // the error last reported, so it is reported once
}

// follow tails the files, feeds new lines to a stream analysis, prints
// findings as they appear and serves metrics, until ctx ends.
func follow(ctx context.Context, o *Options) error {
	names, err := logs.ExpandArgs(o.Args)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	format, fixed, err := resolveFormat(o)
	if err != nil {
		return err
	}
	tails := make([]*followed, len(names))
	for i, n := range names {
		if fi, err := os.Stat(n); err == nil && fi.IsDir() {
			return &cli.UsageError{Err: fmt.Errorf("%s: is a directory", n)}
		}
		tails[i] = &followed{Tailer: tail.New(n, !o.FromStart), format: format, known: fixed}
	}
	defer func() {
		for _, t := range tails {
			t.Close()
		}
	}()
	// Open the files now, at their end unless --from-start, so that what
	// is written from here on (once Ready or the "following" line tells)
	// is read.
	for _, t := range tails {
		if err := t.Start(); err != nil {
			return &cli.UsageError{Err: fmt.Errorf("%s: %v", t.Path(), tail.Reason(err))}
		}
	}
	stream := analysis.NewStream(o.config())
	var current atomic.Pointer[analysis.Result]
	current.Store(stream.Result(o.Now()))
	if o.Metrics != "" {
		stop, err := serveMetrics(ctx, o, &current)
		if err != nil {
			return err
		}
		defer stop()
	}
	fmt.Fprintf(o.IO.ErrOut, "why401 logs: following %s\n", strings.Join(names, ", "))
	poll := o.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	printed := map[string]bool{}
	var lastEval time.Time
	dirty := false
	for {
		for _, t := range tails {
			data, err := t.Poll()
			if err != nil {
				if msg := err.Error(); msg != t.failing {
					fmt.Fprintf(o.IO.ErrOut, "why401: %s: %v\n", t.Path(), tail.Reason(err))
					t.failing = msg
				}
				continue
			}
			t.failing = ""
			if len(data) == 0 {
				continue
			}
			if !t.known {
				f, ok := logs.Detect(data)
				if !ok {
					f = logs.Format{Kind: logs.KindCombined}
					fmt.Fprintf(o.IO.ErrOut, "why401: %s: cannot tell the log format; reading it as combined (give --format)\n", t.Path())
				}
				t.format, t.known = f, true
			}
			stream.Lines(t.Path(), t.format, data)
			dirty = true
		}
		now := o.Now()
		if dirty || now.Sub(lastEval) >= o.Interval {
			res := stream.Result(now)
			current.Store(res)
			printNew(o, res, printed)
			stream.Prune(24 * time.Hour)
			lastEval, dirty = now, false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// printNew prints findings, and attack sources, not printed before.
func printNew(o *Options, res *analysis.Result, printed map[string]bool) {
	for _, f := range res.Findings {
		if f.Cause == catalog.NoiseChallenge {
			continue
		}
		var fresh []string
		if len(f.Sources) > 0 {
			for _, s := range f.Sources {
				k := string(f.Cause) + " " + s
				if !printed[k] {
					printed[k] = true
					fresh = append(fresh, s)
				}
			}
			if len(fresh) == 0 {
				continue
			}
		} else {
			if printed[f.Key] {
				continue
			}
			printed[f.Key] = true
		}
		fmt.Fprintf(o.IO.Out, "%s  %s  %s\n", o.Now().UTC().Format("2006-01-02 15:04:05"), f.Cause, render.Clean(f.Title))
		if len(fresh) > 0 {
			if len(fresh) > 10 {
				fresh = append(fresh[:10], fmt.Sprintf("and %d more", len(fresh)-10))
			}
			fmt.Fprintf(o.IO.Out, "    new sources: %s\n", strings.Join(fresh, ", "))
		} else if len(f.Rows) > 0 {
			fmt.Fprintf(o.IO.Out, "    %s\n", render.Clean(strings.Join(pairs(f.Columns, f.Rows[0]), ", ")))
		}
	}
}

func pairs(cols, row []string) []string {
	var out []string
	for i, v := range row {
		if i < len(cols) && v != "" {
			out = append(out, cols[i]+" "+v)
		}
	}
	return out
}

// metricsAddr puts a bare ":PORT" on 127.0.0.1.
func metricsAddr(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "127.0.0.1" + addr
	}
	return addr
}

// serveMetrics serves /metrics from the current result until ctx ends.
func serveMetrics(ctx context.Context, o *Options, current *atomic.Pointer[analysis.Result]) (func(), error) {
	ln, err := net.Listen("tcp", metricsAddr(o.Metrics))
	if err != nil {
		return nil, &cli.UsageError{Err: fmt.Errorf("--metrics %s: %v", o.Metrics, err)}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = render.Metrics(w, current.Load())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "why401 logs --follow: metrics at /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(o.IO.ErrOut, "why401 logs: metrics on http://%s/metrics\n", ln.Addr())
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}
