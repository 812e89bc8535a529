package analysis

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/why401/why401/internal/logs"
	"github.com/why401/why401/internal/logs/loggen"
)

var (
	benchOnce sync.Once
	benchLog  []byte
)

func benchData(b *testing.B) []byte {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if _, err := loggen.Write(&buf, 64<<20, 401); err != nil {
			b.Fatal(err)
		}
		benchLog = buf.Bytes()
	})
	return benchLog
}

// anchor times the in-run reference: counting " 401 " with bytes.Count,
// the moral equivalent of grep -c.
func anchor(data []byte) time.Duration {
	best := time.Duration(1 << 62)
	for i := 0; i < 3; i++ {
		start := time.Now()
		_ = bytes.Count(data, []byte(" 401 "))
		best = min(best, time.Since(start))
	}
	return best
}

// BenchmarkRun measures the full analysis on a generated 64 MB combined
// log and reports it as a multiple of a bytes.Count pass over the same
// bytes in the same run ("x-count").
func BenchmarkRun(b *testing.B) {
	data := benchData(b)
	ref := anchor(data)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		src := Source{Input: &logs.Input{Name: "bench", R: bytes.NewReader(data), Read: new(atomic.Int64)}, Format: logs.Format{Kind: logs.KindCombined}}
		if _, err := Run(context.Background(), []Source{src}, Config{}, 0); err != nil {
			b.Fatal(err)
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(ref), "x-count")
}

// BenchmarkParseCombined measures the combined-format parser alone.
func BenchmarkParseCombined(b *testing.B) {
	data := benchData(b)
	ref := anchor(data)
	b.SetBytes(int64(len(data)))
	p := logs.Format{Kind: logs.KindCombined}.NewParser()
	var r logs.Record
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		rest := data
		for len(rest) > 0 {
			j := bytes.IndexByte(rest, '\n')
			if j < 0 {
				j = len(rest)
			}
			_ = p.Parse(rest[:j], &r)
			if j == len(rest) {
				break
			}
			rest = rest[j+1:]
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(ref), "x-count")
}
