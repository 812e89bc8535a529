package analysis

import (
	"context"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/why401/why401/internal/logs"
)

func TestTopKKeepsHeavyKeys(t *testing.T) {
	tk := newTopK[struct{}](100)
	// Three heavy keys among 10,000 light ones.
	for i := 0; i < 10000; i++ {
		k := uint64(1000 + i)
		tk.Add(k, 1, func() string { return strconv.Itoa(int(k)) })
		if i%10 == 0 {
			tk.Add(1, 1, func() string { return "a" })
		}
		if i%20 == 0 {
			tk.Add(2, 1, func() string { return "b" })
		}
		if i%50 == 0 {
			tk.Add(3, 1, func() string { return "c" })
		}
	}
	if tk.Len() != 100 {
		t.Fatalf("Len = %d, want 100", tk.Len())
	}
	top := tk.Top(3)
	if top[0].Label != "a" || top[1].Label != "b" || top[2].Label != "c" {
		t.Fatalf("top = %s %s %s", top[0].Label, top[1].Label, top[2].Label)
	}
	// Space-saving's guarantee: count - err <= true count <= count.
	for _, it := range top {
		truth := map[string]int64{"a": 1000, "b": 500, "c": 200}[it.Label]
		if it.Count-it.Err > truth || it.Count < truth {
			t.Errorf("%s: count %d err %d, true %d", it.Label, it.Count, it.Err, truth)
		}
	}
	if tk.Get(1) == nil || tk.Get(999999) != nil {
		t.Error("Get")
	}
}

func TestDistinctEstimate(t *testing.T) {
	for _, n := range []int{0, 1, 10, 100, 500} {
		d := newDistinct(16)
		for i := 0; i < n; i++ {
			h := hashString(strconv.Itoa(i))
			d.Add(h)
			d.Add(h) // duplicates do not count
		}
		got := d.Estimate()
		if diff := got - n; diff < -n/10-1 || diff > n/10+1 {
			t.Errorf("%d distinct: estimate %d", n, got)
		}
	}
}

func TestHashSpreads(t *testing.T) {
	seen := map[uint64]bool{}
	for i := 0; i < 100000; i++ {
		seen[hashString("10.0."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256))] = true
	}
	if len(seen) != 100000 {
		t.Errorf("%d distinct hashes of 100000 addresses", len(seen))
	}
	if hashBytes([]byte("abc")) != hashString("abc") || hashString("abc") == hashString("abd") {
		t.Error("hash mismatch")
	}
}

// distinctClients streams n lines, each from another address; every
// third is a 401 on a login path with another user name.
type distinctClients struct {
	n, i    int
	buf     []byte
	pos     int
	lastSec int
	stamp   string
}

func (d *distinctClients) Read(p []byte) (int, error) {
	for d.pos >= len(d.buf) {
		if d.i >= d.n {
			return 0, io.EOF
		}
		d.buf = d.buf[:0]
		for k := 0; k < 1000 && d.i < d.n; k++ {
			i := d.i
			d.i++
			b := d.buf
			b = strconv.AppendInt(b, int64(i>>24&255+1), 10)
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(i>>16&255), 10)
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(i>>8&255), 10)
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(i&255), 10)
			sec := 1777888800 + i/200
			if sec != d.lastSec || d.stamp == "" {
				d.lastSec, d.stamp = sec, time.Unix(int64(sec), 0).UTC().Format("02/Jan/2006:15:04:05 -0700")
			}
			stamp := d.stamp
			if i%3 == 0 {
				b = append(b, " - user"...)
				b = strconv.AppendInt(b, int64(i), 10)
				b = append(b, " ["...)
				b = append(b, stamp...)
				b = append(b, `] "POST /login HTTP/1.1" 401 10 "-" "agent-`...)
			} else {
				b = append(b, " - - ["...)
				b = append(b, stamp...)
				b = append(b, `] "GET /page/`...)
				b = strconv.AppendInt(b, int64(i%1000), 10)
				b = append(b, ` HTTP/1.1" 200 10 "-" "agent-`...)
			}
			b = strconv.AppendInt(b, int64(i%5000), 10)
			b = append(b, "\"\n"...)
			d.buf = b
		}
		d.pos = 0
	}
	n := copy(p, d.buf[d.pos:])
	d.pos += n
	return n, nil
}

// peakHeap runs f and returns the highest heap in use seen meanwhile.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	return peak.Load()
}

func TestMemoryFlatWithManyDistinctClients(t *testing.T) {
	small, large := 50_000, 500_000
	if !testing.Short() {
		small, large = 1_000_000, 10_000_000
	}
	// Keep the heap close to what is live, so peaks measure retained
	// memory rather than when the collector happened to run.
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	run := func(n int) (uint64, *Result) {
		var res *Result
		peak := peakHeap(func() {
			src := Source{Input: &logs.Input{Name: "many", R: &distinctClients{n: n}, Read: new(atomic.Int64)}, Format: logs.Format{Kind: logs.KindCombined}}
			r, err := Run(context.Background(), []Source{src}, Config{}, 256<<10)
			if err != nil {
				t.Fatal(err)
			}
			res = r
		})
		return peak, res
	}
	p1, r1 := run(small)
	p2, r2 := run(large)
	t.Logf("%d distinct clients: peak heap %d MB; %d: %d MB", small, p1>>20, large, p2>>20)
	if r1.Lines != int64(small) || r2.Lines != int64(large) {
		t.Fatalf("lines %d, %d", r1.Lines, r2.Lines)
	}
	if p2 > p1*5/4+8<<20 {
		t.Errorf("memory grew with distinct clients: %d MB for %d, %d MB for %d", p1>>20, small, p2>>20, large)
	}
	if p2 > 200<<20 {
		t.Errorf("peak heap %d MB, want under 200 MB", p2>>20)
	}
}
