// Package diagnosis holds the probe's kind of evidence for checks: what
// the probe observed (evidence.Probe, including a recorded browser
// session) and the facts computed once from it (Facts). Checks over it
// are finding.Check values; Run runs a suite and ranks what it found.
package diagnosis

import (
	"strings"
	"time"

	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Evidence is what a probe check reads: the probe's observations and the
// facts derived from them, computed at most once per diagnosis.
type Evidence struct {
	Probe *evidence.Probe
	Facts *Facts
}

// NewEvidence wraps p with a fresh set of facts.
func NewEvidence(p *evidence.Probe) *Evidence {
	return &Evidence{Probe: p, Facts: NewFacts(p)}
}

// Check, Pass and Finding are the finding package's, over probe
// evidence.
type (
	Check   = finding.Check[*Evidence]
	Pass    = finding.Pass[*Evidence]
	Finding = finding.Finding
)

// Validate reports a suite that is not well formed (finding.Validate).
func Validate(checks []*Check) error { return finding.Validate(checks) }

// Run runs checks over p at time now and returns the findings ranked, with
// the catalog's words and the fixes that fit the request (Context).
// Errors of single checks are joined and returned beside the others'
// findings.
func Run(checks []*Check, p *evidence.Probe, now time.Time) ([]Finding, error) {
	ev := NewEvidence(p)
	all, err := finding.Run(checks, ev, now)
	return finding.Rank(all, ev.Context()), err
}

// Context says what is known of the request for choosing fixes: who
// answered the request as given and the kind of credential it carried.
func (e *Evidence) Context() finding.Context {
	var ctx finding.Context
	if t := e.Facts.Trial(evidence.AsGiven); t != nil {
		if x := t.Final(); x != nil && x.Response != nil {
			for _, m := range e.Facts.Producers(x).Producers {
				ctx.Software = append(ctx.Software, m.ID)
			}
		}
	}
	if e.Probe.Request.Header != nil {
		switch s := strings.ToLower(e.Facts.Sent().Scheme); s {
		case "basic", "bearer", "digest":
			ctx.Scheme = s
		case "":
			if len(e.Probe.Request.Header.Values("Cookie")) > 0 {
				ctx.Scheme = "cookie"
			}
		}
	}
	return ctx
}
