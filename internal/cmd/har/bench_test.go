package har_test

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/har/hargen"
)

var (
	benchMu   sync.Mutex
	benchHARs = map[int][]byte{}
)

// benchHAR returns a generated session of n entries (hargen), made once.
func benchHAR(b *testing.B, n int) []byte {
	benchMu.Lock()
	defer benchMu.Unlock()
	if data, ok := benchHARs[n]; ok {
		return data
	}
	var buf bytes.Buffer
	if err := hargen.Write(&buf, n); err != nil {
		b.Fatal(err)
	}
	benchHARs[n] = buf.Bytes()
	return buf.Bytes()
}

// diagnoseHAR runs `why401 har - --json` over data, as a user would.
func diagnoseHAR(b *testing.B, data []byte) {
	code := root.MainIO([]string{"har", "-", "--json"}, &cli.IOStreams{In: bytes.NewReader(data), Out: io.Discard, ErrOut: io.Discard})
	if code != cli.ExitFindings {
		b.Fatalf("exit %d, want %d (the generated session ends refused)", code, cli.ExitFindings)
	}
}

// timeHAR returns the best of three wall times of diagnosing data.
func timeHAR(b *testing.B, data []byte) time.Duration {
	best := time.Duration(1 << 62)
	for range 3 {
		start := time.Now()
		diagnoseHAR(b, data)
		best = min(best, time.Since(start))
	}
	return best
}

// BenchmarkLarge reads and diagnoses a generated 24,000-entry session
// (about 55 MB, a long single-page-app session with a login, API calls,
// preflights, token refreshes and a lost session at the end) through the
// har command. It reports the time per op, the peak resident memory of
// one run where Linux can measure it ("MB-peak", input included; goal
// under 400) and "x-linear": the time per entry at 24,000 entries over
// the time per entry at 3,000 measured in the same run (1 is linear; the
// goal is under 3 s and under 1.5 x-linear).
func BenchmarkLarge(b *testing.B) {
	small, large := benchHAR(b, 3000), benchHAR(b, 24000)
	anchor := timeHAR(b, small)
	peak := peakMB(func() { diagnoseHAR(b, large) })
	b.SetBytes(int64(len(large)))
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		diagnoseHAR(b, large)
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(anchor)/8, "x-linear")
	if peak > 0 {
		b.ReportMetric(peak, "MB-peak")
	}
}

// peakMB runs f and returns the process's peak resident memory during
// it in MB, or 0 where Linux's clear_refs/VmHWM is not available.
func peakMB(f func()) float64 {
	runtime.GC()
	if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		f()
		return 0
	}
	f()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return 0
}
