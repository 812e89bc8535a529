package analysis

import (
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/logs"
)

func TestStreamMatchesRun(t *testing.T) {
	var b strings.Builder
	background(&b, 0, 600)
	for i := 0; i < 60; i++ {
		b.WriteString(clf(float64(100+i*2), "203.0.113.10", "admin", "GET", "/admin/", 401, "python"))
	}
	b.WriteString(clf(700, "10.9.0.1", "", "GET", "/admin/", 401, "x"))
	b.WriteString(clf(701, "10.9.0.1", "a", "GET", "/admin/", 200, "x"))
	text := sortLines(b.String())
	batch := analyse(t, text)

	s := NewStream(Config{})
	f := logs.Format{Kind: logs.KindCombined}
	lines := strings.SplitAfter(text, "\n")
	for i := 0; i < len(lines); i += 37 {
		s.Lines("access.log", f, []byte(strings.Join(lines[i:min(i+37, len(lines))], "")))
		if i == 185 {
			// A result in the middle must not disturb the rest.
			_ = s.Result(t0.Add(150 * time.Second))
		}
	}
	got := s.Result(t0.Add(time.Hour))
	if got.Lines != batch.Lines || got.Failures[401] != batch.Failures[401] || got.Challenges != batch.Challenges {
		t.Errorf("stream: %d lines, %v, %d round trips; batch: %d, %v, %d", got.Lines, got.Failures, got.Challenges, batch.Lines, batch.Failures, batch.Challenges)
	}
	if c := causes(got); c[catalog.AttackBruteForce] == nil {
		t.Errorf("stream found no brute force: %+v", got.Findings)
	}
	// The attack source is flagged: its later failures carry the cause.
	s.Lines("access.log", f, []byte(clf(3000, "203.0.113.10", "admin", "GET", "/admin/", 401, "python")))
	r := s.Result(t0.Add(2 * time.Hour))
	var attributed int64
	for _, c := range r.Counters {
		if c.Cause == catalog.AttackBruteForce {
			attributed += c.Count
		}
	}
	if attributed != 1 {
		t.Errorf("%d failures attributed to the brute force after it was found, want 1: %+v", attributed, r.Counters)
	}
	s.Prune(10 * time.Minute)
	if r := s.Result(t0.Add(2 * time.Hour)); len(r.Timeline) > 12 {
		t.Errorf("timeline of %d buckets after Prune(10m)", len(r.Timeline))
	}
}
