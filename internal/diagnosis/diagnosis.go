// Package diagnosis defines checks and findings and runs the one over
// evidence to get the other.
//
// A Check is a value in the spirit of golang.org/x/tools/go/analysis: a
// name, a doc line, the cause IDs it may report and a pure Run function.
// Run reads evidence and shared facts from its Pass and reports findings;
// it does no I/O and errs only when it cannot run at all.
package diagnosis

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/evidence"
)

// Check is one self-contained diagnostic.
type Check struct {
	Name   string       // lowercase identifier, unique in a suite
	Doc    string       // one line: what it reports
	Causes []catalog.ID // every cause Run may report
	Run    func(*Pass) error
}

// Finding is one diagnosed cause.
type Finding struct {
	Cause      catalog.ID `json:"cause"`
	Confidence float64    `json:"confidence"`
	Title      string     `json:"title"`
	// Evidence lines: what was observed that supports the cause.
	Evidence []string `json:"evidence"`
	// Check is the name of the check that reported it (the strongest one
	// when several did).
	Check string `json:"check"`
	// Fixes are the catalog's fixes, filled in by Run.
	Fixes map[catalog.Audience][]catalog.Fix `json:"fixes,omitempty"`
}

// Pass carries one check's inputs and its report callback.
type Pass struct {
	Check *Check
	Probe *evidence.Probe
	// Now is the local clock the run is judged against.
	Now   time.Time
	Facts *Facts

	findings *[]Finding
}

// Report records a finding. A cause the check did not declare is a
// programming error and panics, so Validate's promise holds at run time.
func (p *Pass) Report(f Finding) {
	ok := false
	for _, id := range p.Check.Causes {
		if id == f.Cause {
			ok = true
			break
		}
	}
	if !ok {
		panic(fmt.Sprintf("check %s reported undeclared cause %s", p.Check.Name, f.Cause))
	}
	if f.Confidence < 0 {
		f.Confidence = 0
	}
	if f.Confidence > 1 {
		f.Confidence = 1
	}
	f.Check = p.Check.Name
	*p.findings = append(*p.findings, f)
}

// Reportf is Report with a formatted title.
func (p *Pass) Reportf(id catalog.ID, confidence float64, evidence []string, format string, args ...any) {
	p.Report(Finding{Cause: id, Confidence: confidence, Title: fmt.Sprintf(format, args...), Evidence: evidence})
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Validate reports a suite that is not well formed: unnamed, undocumented
// or duplicate checks, checks without Run, and causes unknown to the
// catalog.
func Validate(checks []*Check) error {
	var errs []error
	seen := map[string]bool{}
	for i, c := range checks {
		if c == nil {
			errs = append(errs, fmt.Errorf("check %d is nil", i))
			continue
		}
		if !nameRE.MatchString(c.Name) {
			errs = append(errs, fmt.Errorf("check %d: bad name %q", i, c.Name))
		}
		if seen[c.Name] {
			errs = append(errs, fmt.Errorf("check %s: duplicate name", c.Name))
		}
		seen[c.Name] = true
		if strings.TrimSpace(c.Doc) == "" {
			errs = append(errs, fmt.Errorf("check %s: no doc", c.Name))
		}
		if c.Run == nil {
			errs = append(errs, fmt.Errorf("check %s: no Run", c.Name))
		}
		if len(c.Causes) == 0 {
			errs = append(errs, fmt.Errorf("check %s: declares no causes", c.Name))
		}
		for _, id := range c.Causes {
			if _, ok := catalog.Lookup(id); !ok {
				errs = append(errs, fmt.Errorf("check %s: unknown cause %q", c.Name, id))
			}
		}
	}
	return errors.Join(errs...)
}

// Run runs every check over the probe and returns the findings ranked
// most likely first, one per cause (the strongest report wins; evidence of
// weaker reports of the same cause is merged in), with the catalog's
// fixes attached. Errors of single checks are joined and returned beside
// the findings of the others.
func Run(checks []*Check, p *evidence.Probe, now time.Time) ([]Finding, error) {
	facts := NewFacts(p)
	var all []Finding
	var errs []error
	for _, c := range checks {
		pass := &Pass{Check: c, Probe: p, Now: now, Facts: facts, findings: &all}
		if err := c.Run(pass); err != nil {
			errs = append(errs, fmt.Errorf("check %s: %w", c.Name, err))
		}
	}
	return Rank(all), errors.Join(errs...)
}

// Rank merges findings of the same cause and orders them most likely
// first; ties keep the catalog's order so output is stable.
func Rank(all []Finding) []Finding {
	byCause := map[catalog.ID]int{}
	var out []Finding
	for _, f := range all {
		i, ok := byCause[f.Cause]
		if !ok {
			byCause[f.Cause] = len(out)
			out = append(out, f)
			continue
		}
		g := &out[i]
		if f.Confidence > g.Confidence {
			f.Evidence = mergeLines(f.Evidence, g.Evidence)
			*g = f
		} else {
			g.Evidence = mergeLines(g.Evidence, f.Evidence)
		}
	}
	order := map[catalog.ID]int{}
	for i, id := range catalog.IDs {
		order[id] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Confidence != out[j].Confidence {
			return out[i].Confidence > out[j].Confidence
		}
		return order[out[i].Cause] < order[out[j].Cause]
	})
	for i := range out {
		if c, ok := catalog.Lookup(out[i].Cause); ok {
			if out[i].Title == "" {
				out[i].Title = c.Title
			}
			out[i].Fixes = c.Fixes
		}
	}
	return out
}

func mergeLines(a, b []string) []string {
	seen := map[string]bool{}
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			a = append(a, s)
			seen[s] = true
		}
	}
	return a
}
