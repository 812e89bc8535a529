package analysis

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/why401/why401/internal/logs"
)

// Source is one log to analyse and the format of its lines.
type Source struct {
	Input  *logs.Input
	Format logs.Format
}

// event is one request, compact; fail is set for failures only
// (401, 403, 407, 429), whose strings are copied out of the chunk.
type event struct {
	t      int64 // Unix ms
	client uint64
	ip     uint64
	path   uint64
	status uint16
	sub    uint16
	// late is set when a line before this one in its chunk is newer.
	late bool
	fail *failure
}

type failure struct {
	ip, path, ua, user, method string
	crawler                    string
	class                      string // path class
	static, login              bool
	form                       bool // a login form answered again: a failed login logged as 200
	userHash, pathHash         uint64
}

// badLine is a malformed line: where and why.
type badLine struct {
	line int // 1-based within the chunk until resolved
	text string
	err  string
}

// chunkResult is what a worker makes of one chunk.
type chunkResult struct {
	lines    int // records parsed
	all      int // lines in the chunk, blank and directives included
	bad      int
	examples []badLine
	events   []event
	minutes  map[int64]*minuteCounts
	bytes    int64
	// unordered counts records older than one before them in the chunk;
	// maxT is the newest record's time.
	unordered int
	maxT      int64
}

// minuteCounts are what workers count per minute, order-free.
type minuteCounts struct {
	total, ok, redirect, clientErr, serverErr int64
}

type job struct {
	chunk  logs.Chunk
	parser logs.Parser
	out    chan *chunkResult
	done   func([]byte)
}

// stream runs one source's reader and yields its chunk results in order.
type stream struct {
	src   Source
	order chan chan *chunkResult
	err   error
}

const maxExamplesPerChunk = 3

// Run analyses sources in one pass and returns the result. Lines are cut
// into chunks by one reader goroutine per source, parsed by workers (one
// per CPU) and fed in time order, merged across sources, to the single
// stateful analyser. chunkSize 0 means 8 MiB (large chunks mean few
// hand-offs between goroutines, which matters on a busy machine).
func Run(ctx context.Context, sources []Source, cfg Config, chunkSize int) (*Result, error) {
	if chunkSize <= 0 {
		chunkSize = 8 << 20
	}
	// Several inputs are read at once: keep their buffers within ~32 MiB.
	if len(sources) > 1 && chunkSize > (32<<20)/(4*len(sources)) {
		chunkSize = max((32<<20)/(4*len(sources)), 64<<10)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan job, workers)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{}
			for j := range jobs {
				res := w.parse(j.chunk, j.parser)
				j.done(j.chunk.Data[:0])
				j.out <- res
			}
		}()
	}
	streams := make([]*stream, len(sources))
	var readers sync.WaitGroup
	for i, src := range sources {
		st := &stream{src: src, order: make(chan chan *chunkResult, workers+2)}
		streams[i] = st
		readers.Add(1)
		go func() {
			defer readers.Done()
			st.read(ctx, jobs, chunkSize, workers)
		}()
	}
	go func() {
		readers.Wait()
		close(jobs)
	}()

	a := newAnalyzer(cfg)
	for _, src := range sources {
		a.formats[src.Input.Name] = src.Format.String()
	}
	err := merge(ctx, streams, a)
	cancel()
	// Drain so readers and workers finish.
	for _, st := range streams {
		for out := range st.order {
			<-out
		}
	}
	wg.Wait()
	if err != nil {
		return nil, err
	}
	for _, st := range streams {
		if st.err != nil {
			return nil, st.err
		}
	}
	r := a.finish()
	r.Software = software(sources)
	return r, nil
}

// software names the servers whose own log formats the sources are in,
// as catalog fix tags ("iis", "haproxy"), so fixes are chosen for them;
// formats many servers write (common, combined, JSON) name none.
func software(sources []Source) []string {
	var out []string
	for _, s := range sources {
		var name string
		switch s.Format.Kind {
		case logs.KindIISCSV:
			name = "iis"
		case logs.KindHAProxy:
			name = "haproxy"
		case logs.KindEnvoy:
			name = "envoy"
		case logs.KindSquid:
			name = "squid"
		case logs.KindNPM:
			name = "nginx"
		}
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func (st *stream) read(ctx context.Context, jobs chan<- job, size, workers int) {
	defer close(st.order)
	// At most workers+2 buffers exist: one being filled, one per worker
	// and one queued; the reader waits for a free one beyond that, so
	// memory does not grow with the input.
	limit := workers + 2
	free := make(chan []byte, limit)
	made := 0
	c := logs.NewChunker(st.src.Input.R, size)
	c.TrackFields = st.src.Format.Kind == logs.KindW3C
	parsers := make(chan logs.Parser, limit)
	for {
		var buf []byte
		if made < limit {
			select {
			case buf = <-free:
			default:
				made++
			}
		} else {
			select {
			case buf = <-free:
			case <-ctx.Done():
				return
			}
		}
		ch, err := c.Next(buf)
		if err == io.EOF {
			return
		}
		if err != nil {
			st.err = errors.New(st.src.Input.Name + ": " + err.Error())
			return
		}
		var p logs.Parser
		select {
		case p = <-parsers:
		default:
			p = st.src.Format.NewParser()
		}
		out := make(chan *chunkResult, 1)
		select {
		case st.order <- out:
		case <-ctx.Done():
			return
		}
		j := job{chunk: ch, parser: p, out: out, done: func(b []byte) {
			select {
			case free <- b:
			default:
			}
			select {
			case parsers <- p:
			default:
			}
		}}
		select {
		case jobs <- j:
		case <-ctx.Done():
			out <- &chunkResult{}
			return
		}
	}
}

// worker parses chunks; it keeps no state between them but its scratch.
type worker struct {
	rec logs.Record
}

func (w *worker) parse(ch logs.Chunk, p logs.Parser) *chunkResult {
	res := &chunkResult{minutes: map[int64]*minuteCounts{}, bytes: int64(len(ch.Data))}
	res.bad = ch.LongLines
	if fs, ok := p.(logs.FieldsSetter); ok && ch.Fields != nil {
		fs.SetFields(ch.Fields)
	}
	if evs, ok := eventPool.Get().(*[]event); ok {
		res.events = (*evs)[:0]
	} else {
		res.events = make([]event, 0, len(ch.Data)/160+1)
	}
	data := ch.Data
	lineNo := 0
	var lastTime int64
	var curMin int64 = -1
	var cur *minuteCounts
	r := &w.rec
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		lineNo++
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			continue
		}
		if err := p.Parse(line, r); err != nil {
			if errors.Is(err, logs.ErrDirective) {
				continue
			}
			res.bad++
			if len(res.examples) < maxExamplesPerChunk {
				res.examples = append(res.examples, badLine{line: lineNo, text: string(clipBytes(line, 160)), err: err.Error()})
			}
			continue
		}
		res.lines++
		if r.Time == 0 {
			r.Time = lastTime
		}
		if m := r.Time / 60000; m != curMin || cur == nil {
			curMin = m
			cur = res.minutes[m]
			if cur == nil {
				cur = &minuteCounts{}
				res.minutes[m] = cur
			}
		}
		cur.total++
		switch {
		case r.Status < 300:
			cur.ok++
		case r.Status < 400:
			cur.redirect++
		case r.Status < 500:
			cur.clientErr++
		default:
			cur.serverErr++
		}
		ip := hashBytes(r.Client)
		ev := event{
			t:      r.Time,
			ip:     ip,
			client: ip ^ (hashBytes(r.UserAgent) * 0x9E3779B97F4A7C15),
			path:   hashBytes(r.Path),
			status: uint16(r.Status),
			sub:    uint16(r.SubStatus),
		}
		form := r.Status == 200 && len(r.Method) == 4 && string(r.Method) == "POST" && isFormLogin(r.Path)
		if isFailure(r.Status) || form {
			f := &failure{
				ip:     string(r.Client),
				path:   string(clipBytes(r.Path, 300)),
				ua:     string(clipBytes(r.UserAgent, 300)),
				user:   string(clipBytes(r.User, 120)),
				method: string(clipBytes(r.Method, 16)),
				static: isStatic(r.Path),
				login:  isLogin(r.Path),
				form:   form,
			}
			f.crawler = crawlerName(r.UserAgent)
			f.class = pathClass(r.Path)
			f.pathHash = ev.path
			if len(r.User) > 0 {
				f.userHash = hashBytes(r.User)
			}
			ev.fail = f
		}
		if r.Time < lastTime {
			res.unordered++
			ev.late = true
		}
		lastTime = max(lastTime, r.Time)
		res.events = append(res.events, ev)
	}
	res.all = lineNo
	res.maxT = lastTime
	if res.unordered > 0 {
		// Put the chunk in time order so round trips and windows are
		// judged per client in time order; the analyzer counts what is
		// still out of order between chunks.
		slices.SortStableFunc(res.events, func(x, y event) int { return cmp.Compare(x.t, y.t) })
	}
	return res
}

// eventPool recycles event slices once the analyzer has consumed a
// chunk (pending 401s are copied out of them).
var eventPool sync.Pool

func recycle(res *chunkResult) {
	if res == nil || cap(res.events) == 0 {
		return
	}
	evs := res.events[:0]
	res.events = nil
	eventPool.Put(&evs)
}

func isFailure(status int) bool {
	return status == 401 || status == 403 || status == 407 || status == 429
}

func clipBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
