package finding

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
)

// Check is one check over evidence of kind E: a name, a one-line doc, the
// causes it may report and a pure function from the evidence to findings.
// Run errs only when it cannot run; finding nothing is not an error. It
// does no I/O: whatever it needs is in the evidence, computed once by the
// evidence's own facts.
type Check[E any] struct {
	Name   string       // lowercase identifier, unique in a suite
	Doc    string       // one line: what it reports
	Causes []catalog.ID // every cause Run may report
	Run    func(*Pass[E]) error
}

// Pass is one check's view of one run: the evidence, the clock, and the
// Report callback.
type Pass[E any] struct {
	Check    *Check[E]
	Evidence E
	// Now is the time the diagnosis runs at; checks never read the clock.
	Now time.Time

	findings *[]Finding
}

// Report records f. A cause the check did not declare is a programming
// error and panics; the confidence is kept in 0..1.
func (p *Pass[E]) Report(f Finding) {
	if !slices.Contains(p.Check.Causes, f.Cause) {
		panic(fmt.Sprintf("check %s reported undeclared cause %s", p.Check.Name, f.Cause))
	}
	f.Confidence = clamp(f.Confidence)
	f.Check = p.Check.Name
	*p.findings = append(*p.findings, f)
}

// Reportf records a finding of cause id with the given confidence and
// evidence; the formatted text is its Detail.
func (p *Pass[E]) Reportf(id catalog.ID, confidence float64, evidence []string, format string, args ...any) {
	p.Report(Finding{Cause: id, Confidence: confidence, Evidence: evidence, Detail: fmt.Sprintf(format, args...)})
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Validate reports a suite that is not well formed: nil, unnamed,
// undocumented or duplicate checks, checks without Run or causes, and
// causes the catalog does not know.
func Validate[E any](checks []*Check[E]) error {
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

// Run runs every check over ev and returns what they reported, in the
// order reported, without the catalog's words (Rank or Sort adds them).
// Errors of single checks are joined and returned beside the others'
// findings.
func Run[E any](checks []*Check[E], ev E, now time.Time) ([]Finding, error) {
	var all []Finding
	var errs []error
	for _, c := range checks {
		p := &Pass[E]{Check: c, Evidence: ev, Now: now, findings: &all}
		if err := c.Run(p); err != nil {
			errs = append(errs, fmt.Errorf("check %s: %w", c.Name, err))
		}
	}
	return all, errors.Join(errs...)
}

// Suite is a named list of checks over one kind of evidence.
type Suite[E any] struct {
	Name   string
	Checks []*Check[E]
}

// Causes returns every cause the suite's checks may report, each once, in
// the order declared.
func (s Suite[E]) Causes() []catalog.ID {
	var out []catalog.ID
	for _, c := range s.Checks {
		for _, id := range c.Causes {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}
