package analysis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
)

// checks names the check behind each kind of pattern, by the first word
// of its Key.
var checks = map[string]string{
	"brute":    "logs.attacks",
	"stuffing": "logs.attacks",
	"spray":    "logs.spray",
	"spike":    "logs.spikes",
	"expired":  "logs.expired-clients",
	"static":   "logs.static-assets",
	"crawlers": "logs.crawlers",
	"lockout":  "logs.lockouts",
	"iis":      "logs.substatus",
	"407":      "logs.proxy-auth",
	"noise":    "logs.round-trips",
}

// Diagnosis returns the patterns as findings of the one model (package
// finding), in the same order, with the catalog's title, doc anchor and
// fixes attached: the pattern's own sentence is the detail, its time span
// and evidence rows are the evidence lines.
func (r *Result) Diagnosis() []finding.Finding {
	out := make([]finding.Finding, 0, len(r.Findings))
	software := r.Software
	if r.SubStatuses != nil && !slices.Contains(software, "iis") {
		software = append(slices.Clip(software), "iis") // only IIS writes sub-statuses
	}
	for _, p := range r.Findings {
		kind, _, _ := strings.Cut(p.Key, " ")
		check := checks[kind]
		if check == "" {
			check = "logs"
		}
		ev := []string{fmt.Sprintf("%s – %s UTC, %s", p.From.Format("2006-01-02 15:04:05"), p.To.Format("2006-01-02 15:04:05"), plural(int(p.Count), "event", "events"))}
		for _, row := range p.Rows {
			cells := make([]string, 0, len(row))
			for i, c := range row {
				if c == "" {
					continue
				}
				if i < len(p.Columns) && p.Columns[i] != "" {
					c = p.Columns[i] + " " + c
				}
				cells = append(cells, c)
			}
			ev = append(ev, strings.Join(cells, ", "))
		}
		f := finding.Finding{Cause: p.Cause, Confidence: p.Confidence, Detail: p.Title, Evidence: ev, Check: check}
		finding.Attach(&f, finding.Context{Software: software})
		out = append(out, f)
	}
	return out
}

// Failing reports whether the result holds a failure pattern (challenge
// round trips are none).
func (r *Result) Failing() bool {
	for _, f := range r.Findings {
		if f.Cause != catalog.NoiseChallenge {
			return true
		}
	}
	return false
}
