package analysis

import (
	"time"

	"github.com/why401/why401/internal/logs"
)

// Stream analyses lines as they arrive, for following growing logs: the
// same analysis as Run, fed batch by batch, with results on demand. It
// is not safe for concurrent use.
type Stream struct {
	a       *analyzer
	w       worker
	parsers map[string]logs.Parser
	seq     map[string]int
}

// NewStream returns an empty stream.
func NewStream(cfg Config) *Stream {
	return &Stream{a: newAnalyzer(cfg), parsers: map[string]logs.Parser{}, seq: map[string]int{}}
}

// Lines feeds data, whole lines of file written in format f. The parser
// of each file lives as long as the stream (a W3C #Fields line holds
// for the lines after it).
func (s *Stream) Lines(file string, f logs.Format, data []byte) {
	if len(data) == 0 {
		return
	}
	p := s.parsers[file]
	if p == nil {
		p = f.NewParser()
		s.parsers[file] = p
		s.a.formats[file] = f.String()
	}
	res := s.w.parse(logs.Chunk{Seq: s.seq[file], Data: data}, p)
	s.seq[file]++
	s.a.chunk(file, res)
	for i := range res.events {
		s.a.event(&res.events[i])
	}
	recycle(res)
}

// Result returns the analysis so far. 401s older than the challenge
// window at now are settled first; newer ones wait for a success.
func (s *Stream) Result(now time.Time) *Result {
	s.a.expire(max(s.a.last, now.UnixMilli()))
	return s.a.result()
}

// Prune forgets the timeline before keep from the latest line, so a
// stream that runs for months keeps a bounded timeline (and spikes are
// judged on recent minutes).
func (s *Stream) Prune(keep time.Duration) {
	cut := (s.a.last - keep.Milliseconds()) / 60000
	for m := range s.a.minutes {
		if m < cut {
			delete(s.a.minutes, m)
		}
	}
	if first := cut * 60000; s.a.first < first {
		s.a.first = first
	}
}
