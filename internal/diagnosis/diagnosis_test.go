package diagnosis

import (
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/evidence"
)

func TestValidate(t *testing.T) {
	run := func(*Pass) error { return nil }
	tests := []struct {
		name   string
		checks []*Check
		want   string // substring of the error; "" = valid
	}{
		{"valid", []*Check{{Name: "a", Doc: "d", Causes: []catalog.ID{catalog.TokenExpired}, Run: run}}, ""},
		{"bad name", []*Check{{Name: "A-b", Doc: "d", Causes: []catalog.ID{catalog.TokenExpired}, Run: run}}, "bad name"},
		{"duplicate", []*Check{{Name: "a", Doc: "d", Causes: []catalog.ID{catalog.TokenExpired}, Run: run}, {Name: "a", Doc: "d", Causes: []catalog.ID{catalog.TokenExpired}, Run: run}}, "duplicate"},
		{"no doc", []*Check{{Name: "a", Causes: []catalog.ID{catalog.TokenExpired}, Run: run}}, "no doc"},
		{"no run", []*Check{{Name: "a", Doc: "d", Causes: []catalog.ID{catalog.TokenExpired}}}, "no Run"},
		{"no causes", []*Check{{Name: "a", Doc: "d", Run: run}}, "declares no causes"},
		{"unknown cause", []*Check{{Name: "a", Doc: "d", Causes: []catalog.ID{"token.made-up"}, Run: run}}, "unknown cause"},
		{"nil", []*Check{nil}, "nil"},
	}
	for _, tt := range tests {
		err := Validate(tt.checks)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestRankMergesAndOrders(t *testing.T) {
	fs := Rank([]Finding{
		{Cause: catalog.CredentialsRejected, Confidence: 0.4, Evidence: []string{"a"}, Check: "x"},
		{Cause: catalog.TokenExpired, Confidence: 0.95, Evidence: []string{"b"}},
		{Cause: catalog.CredentialsRejected, Confidence: 0.8, Evidence: []string{"c", "a"}, Check: "y"},
		{Cause: catalog.ClockSkew, Confidence: 0.8, Evidence: []string{"d"}},
	})
	if len(fs) != 3 {
		t.Fatalf("got %d findings, want 3 (merged by cause)", len(fs))
	}
	if fs[0].Cause != catalog.TokenExpired {
		t.Errorf("first %s, want token.expired", fs[0].Cause)
	}
	// Equal confidence: catalog order (credentials before clock).
	if fs[1].Cause != catalog.CredentialsRejected || fs[2].Cause != catalog.ClockSkew {
		t.Errorf("order %s, %s; want credentials.rejected then clock.skew", fs[1].Cause, fs[2].Cause)
	}
	if fs[1].Check != "y" || fs[1].Confidence != 0.8 || strings.Join(fs[1].Evidence, ",") != "c,a" {
		t.Errorf("merge kept %+v; want the stronger report with evidence c,a", fs[1])
	}
	if fs[0].Title == "" || len(fs[0].Fixes) == 0 {
		t.Errorf("catalog title and fixes not attached: %+v", fs[0])
	}
}

func TestReportRejectsUndeclaredCause(t *testing.T) {
	c := &Check{Name: "a", Doc: "d", Causes: []catalog.ID{catalog.TokenExpired}, Run: func(p *Pass) error {
		p.Reportf(catalog.ClockSkew, 1, nil, "nope")
		return nil
	}}
	defer func() {
		if recover() == nil {
			t.Error("reporting an undeclared cause did not panic")
		}
	}()
	_, _ = Run([]*Check{c}, &evidence.Probe{}, time.Now())
}

func TestConfidenceClamped(t *testing.T) {
	c := &Check{Name: "a", Doc: "d", Causes: []catalog.ID{catalog.TokenExpired}, Run: func(p *Pass) error {
		p.Reportf(catalog.TokenExpired, 7, nil, "x")
		return nil
	}}
	fs, err := Run([]*Check{c}, &evidence.Probe{}, time.Now())
	if err != nil || len(fs) != 1 || fs[0].Confidence != 1 || fs[0].Check != "a" {
		t.Fatalf("got %+v, %v", fs, err)
	}
}
