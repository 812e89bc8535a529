package calibration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/why401/why401/internal/finding"
)

func TestObserveAndTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cal.jsonl")
	t.Setenv(Env, path)
	for _, o := range []struct {
		want, got string
		conf      float64
	}{
		{"token.expired", "token.expired", finding.Certain},
		{"credentials.rejected", "credentials.stripped", finding.Strong},
		{"credentials.rejected", "credentials.rejected", finding.Strong},
		{"", "", 0},
		{"", "cache.auth-cacheable", finding.Suspicion},
	} {
		if err := Observe("test", o.want, o.want, o.got, o.conf); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := Read(f)
	if err != nil || len(recs) != 5 {
		t.Fatalf("read %d records, %v", len(recs), err)
	}
	rows := Table(recs)
	want := map[finding.Band][2]int{finding.BandCertain: {1, 1}, finding.BandStrong: {2, 1}, finding.BandSuspicion: {1, 0}, "": {1, 1}}
	for _, r := range rows {
		if w := want[r.Band]; r.Total != w[0] || r.Right != w[1] {
			t.Errorf("band %q: %d right of %d, want %d of %d", r.Band, r.Right, r.Total, w[1], w[0])
		}
	}
}

func TestObserveOff(t *testing.T) {
	t.Setenv(Env, "")
	if err := Observe("test", "x", "x", "x", 1); err != nil {
		t.Fatal(err)
	}
}
