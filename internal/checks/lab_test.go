package checks_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/why401/why401/internal/calibration"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/lab/labtest"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/probeargs"
)

// labRun is one lab scenario probed for real.
type labRun struct {
	scen lab.Scenario
	ev   *evidence.Probe
	now  time.Time
}

var (
	labOnce sync.Once
	labRuns []labRun
	labErr  error
)

// probeLab starts the lab once and probes every scenario, so each check's
// test reads evidence from real HTTP exchanges.
func probeLab(t *testing.T) []labRun {
	t.Helper()
	labOnce.Do(func() {
		l, err := labtest.Open(lab.Options{})
		if err != nil {
			labErr = err
			return
		}
		// The lab lives for the rest of the test binary.
		f := &cli.Factory{IO: &cli.IOStreams{Out: os.Stdout, ErrOut: os.Stderr}, Now: time.Now, Version: "test"}
		scen := l.Scenarios()
		labRuns = make([]labRun, len(scen))
		var wg sync.WaitGroup
		errs := make([]error, len(scen))
		for i, s := range scen {
			wg.Add(1)
			go func() {
				defer wg.Done()
				po, err := probeargs.Parse(s.Args, f.Version, nil)
				if err != nil {
					errs[i] = fmt.Errorf("%s: %w", s.Path, err)
					return
				}
				ev, err := probe.Run(context.Background(), po)
				if err != nil {
					errs[i] = fmt.Errorf("%s: %w", s.Path, err)
					return
				}
				labRuns[i] = labRun{scen: s, ev: ev, now: time.Now()}
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if e != nil {
				labErr = e
				return
			}
		}
	})
	if labErr != nil {
		t.Fatal(labErr)
	}
	return labRuns
}

func TestSuiteValid(t *testing.T) {
	if err := diagnosis.Validate(checks.All); err != nil {
		t.Fatal(err)
	}
}

// TestChecksOnLab runs each check alone over every lab scenario: it must
// report nothing on the scenarios that work (the false-positive guard),
// and must report its cause on at least one scenario of a cause it
// declares, gixy style: a check no scenario exercises fails the test
// unless fixtureOnly lists it. Several checks may declare one cause
// (token.expired from a JWT and from a signed link), so a check is not
// required to fire on every scenario of its causes; TestLabRanking holds
// the suite to the right first cause for each.
func TestChecksOnLab(t *testing.T) {
	if testing.Short() {
		t.Skip("probes the lab over loopback")
	}
	runs := probeLab(t)
	for _, c := range checks.All {
		t.Run(c.Name, func(t *testing.T) {
			var fired, declared []string
			for _, r := range runs {
				fs, err := diagnosis.Run([]*diagnosis.Check{c}, r.ev, r.now)
				if err != nil {
					t.Fatalf("%s: %v", r.scen.Path, err)
				}
				if r.scen.Cause == "" {
					if len(fs) > 0 {
						t.Errorf("%s (works): reported %s %.2f %q", r.scen.Path, fs[0].Cause, fs[0].Confidence, fs[0].Text())
					}
					continue
				}
				if !declares(c, r.scen.Cause) {
					continue
				}
				declared = append(declared, r.scen.Path)
				if has(fs, r.scen.Cause) {
					fired = append(fired, r.scen.Path)
				}
			}
			if len(fired) == 0 && !fixtureOnly[c.Name] {
				t.Errorf("check %s (causes %v) fired on none of the lab scenarios of its causes %v", c.Name, c.Causes, declared)
			}
		})
	}
}

// TestLabRanking asserts the first cause of the whole suite for every
// scenario: what `why401 demo` shows.
func TestLabRanking(t *testing.T) {
	if testing.Short() {
		t.Skip("probes the lab over loopback")
	}
	for _, r := range probeLab(t) {
		fs, err := diagnosis.Run(checks.All, r.ev, r.now)
		if err != nil {
			t.Fatal(err)
		}
		got, conf := catalog.ID(""), 0.0
		if len(fs) > 0 {
			got, conf = fs[0].Cause, fs[0].Confidence
		}
		if err := calibration.Observe("lab", r.scen.Path, string(r.scen.Cause), string(got), conf); err != nil {
			t.Log(err)
		}
		if got != r.scen.Cause {
			t.Errorf("%s: first cause %q, want %q (all: %v)", r.scen.Path, got, r.scen.Cause, causes(fs))
		}
	}
}

// fixtureOnly lists checks whose causes no lab route reproduces; their
// tests use hand-built evidence instead.
var fixtureOnly = map[string]bool{}

func declares(c *diagnosis.Check, id catalog.ID) bool {
	for _, x := range c.Causes {
		if x == id {
			return true
		}
	}
	return false
}

func has(fs []diagnosis.Finding, id catalog.ID) bool {
	for _, f := range fs {
		if f.Cause == id {
			return true
		}
	}
	return false
}

func causes(fs []diagnosis.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s %.2f", f.Cause, f.Confidence)
	}
	return out
}
