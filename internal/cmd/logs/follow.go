package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/logs"
	"github.com/why401/why401/internal/logs/analysis"
	"github.com/why401/why401/internal/logs/render"
)

// tailer follows one file by path: it reads what is appended, reopens the
// path when the file was rotated (a new inode: the rest of the old file
// is read first) and starts over when it was truncated.
type tailer struct {
	path    string
	f       *os.File
	ino     uint64
	off     int64
	partial []byte
	buf     []byte // read buffer, kept across polls
	format  logs.Format
	known   bool   // format fixed or detected
	fromEnd bool   // the first open starts at the end
	failing string // the error last reported, so it is reported once
}

const maxRead = 8 << 20 // per poll and file

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}

// poll returns the complete new lines.
func (t *tailer) poll() ([]byte, error) {
	fi, err := os.Stat(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // between rotation and the new file
	}
	if err != nil {
		return nil, err
	}
	var data []byte
	switch {
	case t.f == nil:
		if err := t.open(fi, t.fromEnd); err != nil {
			return nil, err
		}
		t.fromEnd = false
	case inode(fi) != t.ino:
		// Rotated: finish the old file, then start the new one (an old
		// file that can no longer be read is left as it is).
		if rest, err := t.read(); err == nil {
			data = append(data, rest...)
		}
		t.f.Close()
		t.f = nil
		if err := t.open(fi, false); err != nil {
			return nil, err
		}
	case fi.Size() < t.off:
		// Truncated (copytruncate): start over.
		t.off = 0
		t.partial = nil
	}
	more, err := t.read()
	if err != nil {
		return nil, err
	}
	data = append(data, more...)
	if len(t.partial) > 0 {
		data = append(t.partial, data...)
		t.partial = nil
	}
	cut := bytes.LastIndexByte(data, '\n') + 1
	if cut < len(data) {
		t.partial = append([]byte(nil), data[cut:]...)
		if len(t.partial) > 1<<20 { // a runaway line: drop it
			t.partial = nil
		}
	}
	return data[:cut], nil
}

func (t *tailer) open(fi os.FileInfo, atEnd bool) error {
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	t.f, t.ino, t.off = f, inode(fi), 0
	if atEnd {
		t.off = fi.Size()
	}
	return nil
}

func (t *tailer) read() ([]byte, error) {
	if t.buf == nil {
		t.buf = make([]byte, 256<<10)
	}
	var out []byte
	for len(out) < maxRead {
		n, err := t.f.ReadAt(t.buf, t.off)
		out = append(out, t.buf[:n]...)
		t.off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		if n == 0 {
			break
		}
	}
	return out, nil
}

// reason is err without the operation and path of an *os.PathError,
// for messages that name the file already.
func reason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (t *tailer) close() {
	if t.f != nil {
		t.f.Close()
	}
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
	tails := make([]*tailer, len(names))
	for i, n := range names {
		if fi, err := os.Stat(n); err == nil && fi.IsDir() {
			return &cli.UsageError{Err: fmt.Errorf("%s: is a directory", n)}
		}
		tails[i] = &tailer{path: n, format: format, known: fixed, fromEnd: !o.FromStart}
	}
	defer func() {
		for _, t := range tails {
			t.close()
		}
	}()
	// Open the files now, at their end unless --from-start, so that what
	// is written from here on (once Ready or the "following" line tells)
	// is read.
	for _, t := range tails {
		if _, err := os.Stat(t.path); err != nil {
			t.fromEnd = false // a file that appears later is read whole
		}
		if t.fromEnd {
			if _, err := t.poll(); err != nil {
				return &cli.UsageError{Err: fmt.Errorf("%s: %v", t.path, reason(err))}
			}
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
			data, err := t.poll()
			if err != nil {
				if msg := err.Error(); msg != t.failing {
					fmt.Fprintf(o.IO.ErrOut, "why401: %s: %v\n", t.path, reason(err))
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
					fmt.Fprintf(o.IO.ErrOut, "why401: %s: cannot tell the log format; reading it as combined (give --format)\n", t.path)
				}
				t.format, t.known = f, true
			}
			stream.Lines(t.path, t.format, data)
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
