package audit

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/why401/why401/internal/audit/vhostgen"
)

// BenchmarkScale audits generated hosting-sized configurations (nginx
// server blocks and Apache virtual hosts, one include file each, with
// auth, proxies and assets) and reports the time per 1,000 virtual hosts
// ("ms/1000vhosts") and, as the in-run anchor, the ratio to reading and
// parsing alone ("x-parse"): an audit that stays linear keeps both flat
// from 1,000 to 10,000 hosts. bench/audit.sh runs the binary at 1,000,
// 10,000 and 50,000 hosts with peak memory.
func BenchmarkScale(b *testing.B) {
	for _, kind := range []Kind{KindNginx, KindApache} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				dir := b.TempDir()
				main, err := vhostgen.Write(dir, kind, n)
				if err != nil {
					b.Fatal(err)
				}
				in := []Input{{Path: main, Kind: kind, ServerRoot: filepath.Dir(main)}}
				var parse time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					start := time.Now()
					ev, err := Load(in)
					if err != nil {
						b.Fatal(err)
					}
					parse += time.Since(start)
					fs, err := Run(All, ev)
					if err != nil {
						b.Fatal(err)
					}
					if len(fs) == 0 {
						b.Fatal("no findings")
					}
				}
				per := b.Elapsed() / time.Duration(b.N)
				b.ReportMetric(float64(per.Milliseconds())*1000/float64(n), "ms/1000vhosts")
				b.ReportMetric(float64(per)/float64(parse/time.Duration(b.N)), "x-parse")
			})
		}
	}
}
