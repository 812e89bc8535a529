package diagnosis

import "github.com/why401/why401/internal/evidence"

// Facts are values derived once from the evidence and shared by checks
// (parsed challenges, the decoded token), like analysis results that
// several analyzers require.
type Facts struct {
	probe *evidence.Probe
}

// NewFacts prepares the facts of p; they are computed lazily.
func NewFacts(p *evidence.Probe) *Facts { return &Facts{probe: p} }
