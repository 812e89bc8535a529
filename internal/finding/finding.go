// Package finding is why401's one model of a diagnosis: a Finding names a
// cause from the catalog with a confidence, a severity, evidence, an
// optional place in a file and the fixes for whoever can act, and a Check
// is a small self-contained value that turns one kind of evidence into
// findings, in the spirit of golang.org/x/tools/go/analysis.
//
// Every front end uses this package: the probe's checks run over a probe's
// exchanges (package diagnosis), the audit's over parsed configuration
// (package audit), and the HAR reader's over a recorded browser session.
// Each kind of evidence is a type parameter of Check and Pass; the rest,
// reporting, validation, ranking and the catalog's words, is one code path.
package finding

import (
	"fmt"

	"github.com/why401/why401/internal/catalog"
)

// Location is a place in a file; Line and Column are 1-based, 0 when
// unknown.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String returns "file:line:column", leaving out what is unknown.
func (l Location) String() string {
	switch {
	case l.Line == 0:
		return l.File
	case l.Column == 0:
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	}
	return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column)
}

// IsZero reports whether l names no place.
func (l Location) IsZero() bool { return l == Location{} }

// Finding is one cause found in the evidence.
//
// A check fills Cause, Confidence, Evidence and, where it has them,
// Detail, Location, Related and Severity; Attach (called by Rank and Sort)
// adds the catalog's Title, default Severity, Doc and the Fixes that fit
// the context. Fixes is always an object keyed by audience in JSON.
type Finding struct {
	Cause catalog.ID `json:"cause"`
	// Confidence is how sure the check is, 0..1; Band names its range.
	Confidence float64          `json:"confidence"`
	Band       Band             `json:"band"`
	Severity   catalog.Severity `json:"severity"`
	// Title is the catalog's one-line title of the cause.
	Title string `json:"title"`
	// Detail says what was seen here, in one sentence, when the title
	// alone does not.
	Detail string `json:"detail,omitempty"`
	// Evidence are the observations behind the finding, one per line.
	Evidence []string `json:"evidence"`
	// Location is where in a file the cause is (configuration, a log
	// line); Related are other places involved.
	Location Location   `json:"location,omitzero"`
	Related  []Location `json:"related,omitempty"`
	// Server names the server software the finding is about, when known
	// ("nginx", "apache"): it selects the fixes.
	Server string `json:"server,omitempty"`
	// Check is the name of the check that reported the finding.
	Check string `json:"check"`
	// Doc is the cause's section in the cause reference.
	Doc   string                             `json:"doc"`
	Fixes map[catalog.Audience][]catalog.Fix `json:"fixes"`
}

// Text returns the finding's one-line statement: its detail when it has
// one, else its title.
func (f *Finding) Text() string {
	if f.Detail != "" {
		return f.Detail
	}
	return f.Title
}
