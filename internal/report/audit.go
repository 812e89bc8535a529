package report

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/why401/why401/internal/ansi"
	"github.com/why401/why401/internal/audit"
	"github.com/why401/why401/internal/catalog"
)

// auditReport is the audit's JSON document: the common head (verdict
// "fail" when a finding is at or above --fail-on), the files read and the
// count of findings by severity.
type auditReport struct {
	Head
	Files  []string       `json:"files"`
	Counts map[string]int `json:"counts"`
	// Needs are what the files given could not decide (a snippet
	// without its main configuration, a password file alone).
	Needs []audit.Need `json:"needs,omitempty"`
}

// WriteAuditJSON writes `why401 audit --json`.
func WriteAuditJSON(w io.Writer, ev *audit.Evidence, findings []audit.Finding, failing bool) error {
	counts := map[string]int{"error": 0, "warning": 0, "info": 0}
	for _, f := range findings {
		counts[string(f.Severity)]++
	}
	verdict := OK
	if failing {
		verdict = Fail
	}
	r := auditReport{Head: NewHead("audit", verdict, auditSummary(ev, findings), findings), Files: ev.ConfigFiles(), Counts: counts, Needs: ev.Needs}
	return writeJSON(w, r)
}

// auditSummary says in one line how many findings of each severity the files
// read hold.
func auditSummary(ev *audit.Evidence, findings []audit.Finding) string {
	counts := map[catalog.Severity]int{}
	for _, f := range findings {
		counts[f.Severity]++
	}
	n := len(ev.ConfigFiles())
	if len(findings) == 0 {
		return fmt.Sprintf("no findings in %d configuration file%s", n, plural(n))
	}
	return fmt.Sprintf("%d finding%s (%d error%s, %d warning%s, %d info) in %d configuration file%s",
		len(findings), plural(len(findings)), counts[catalog.Error], plural(counts[catalog.Error]),
		counts[catalog.Warning], plural(counts[catalog.Warning]), counts[catalog.Info], n, plural(n))
}

// WriteAuditText renders an audit for a person: each finding at its
// location with its fix, repeats folded, what the files could not decide,
// and the summary.
func WriteAuditText(w io.Writer, ev *audit.Evidence, findings []audit.Finding, st Style) error {
	verbose := st.Verbose
	paint := ansi.Painter(st.Color)
	var b strings.Builder
	shown := map[string]bool{}
	groups := foldAudit(findings)
	for i, f := range findings {
		g := groups[i]
		if g != nil && g[0] != i {
			continue // shown with the first of its group
		}
		sev := string(f.Severity)
		switch f.Severity {
		case catalog.Error:
			sev = paint.Red(sev)
		case catalog.Warning:
			sev = paint.Yellow(sev)
		default:
			sev = paint.Dim(sev)
		}
		fmt.Fprintf(&b, "%s: %s %s: %s\n", f.Location, sev, paint.Bold(string(f.Cause)), f.Detail)
		for _, r := range f.Related {
			fmt.Fprintf(&b, "    see %s\n", r)
		}
		if g != nil {
			var at []string
			for _, j := range g[1:min(len(g), foldShow+1)] {
				at = append(at, findings[j].Location.String())
			}
			more := ""
			if len(g)-1 > foldShow {
				more = fmt.Sprintf(" and %d more", len(g)-1-foldShow)
			}
			fmt.Fprintf(&b, "    the same at %d more places: %s%s (--json and --sarif list every one)\n", len(g)-1, strings.Join(at, ", "), more)
		}
		// A cause's fixes are shown once per server, and again where a
		// hosting panel's fix (its screen, or a warning that it writes
		// the file again) differs.
		key := string(f.Cause) + "\x00" + f.Server
		if owner := f.Fixes[catalog.SiteOwner]; len(owner) > 0 && panelFix(owner[0]) {
			key += "\x00" + owner[0].Text
		}
		if verbose || !shown[key] {
			fixes := relevantFirst(f.Fixes[catalog.SiteOwner], f.Detail)
			if !verbose && len(fixes) > 1 {
				fixes = fixes[:1]
			}
			for _, fx := range fixes {
				fmt.Fprintf(&b, "    fix: %s\n", fx.Text)
				if fx.Command != "" {
					fmt.Fprintf(&b, "         %s\n", strings.ReplaceAll(fx.Command, "\n", "\n         "))
				}
			}
		}
		shown[key] = true
	}
	writeNeeds(&b, ev.Needs, paint)
	fmt.Fprintln(&b, auditSummary(ev, findings))
	_, err := io.WriteString(w, b.String())
	return err
}

// writeNeeds lists what the audit could not decide from the files given.
func writeNeeds(b *strings.Builder, needs []audit.Need, paint ansi.Painter) {
	if len(needs) == 0 {
		return
	}
	fmt.Fprintln(b, paint.Bold("Not decided from these files alone:"))
	for _, n := range needs {
		fmt.Fprintf(b, "  %s: %s\n", n.File, n.Text)
	}
}

// Text output folds a finding that repeats, as on a hosting server with
// the same block in every virtual host: from foldAt findings of one cause
// and severity whose details differ only in numbers and quoted names, the
// first is shown with the count and foldShow further locations.
const (
	foldAt   = 4
	foldShow = 3
)

// auditVarying matches what differs between repeats of one finding: numbers
// (ports, line numbers, site numbers) and quoted names (realms, files).
var auditVarying = regexp.MustCompile(`[0-9]+|"[^"]*"|/[^\s:;,()]+`)

// foldAudit returns, for each finding that belongs to a group of at least
// foldAt alike findings, the indexes of its group in order.
func foldAudit(findings []audit.Finding) map[int][]int {
	by := map[string][]int{}
	for i, f := range findings {
		k := string(f.Cause) + "\x00" + string(f.Severity) + "\x00" + f.Server + "\x00" + auditVarying.ReplaceAllString(f.Detail, "#")
		by[k] = append(by[k], i)
	}
	out := map[int][]int{}
	for _, g := range by {
		if len(g) >= foldAt {
			for _, i := range g {
				out[i] = g
			}
		}
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// relevantFirst orders fixes so that those for a hosting panel (the
// audit puts them first when it recognised the panel's files: its screen,
// or a warning that it writes the file again) stay first, then one whose
// command names the directive the message starts with (proxy_set_header,
// CGIPassAuth…); the order is otherwise kept.
func relevantFirst(fixes []catalog.Fix, message string) []catalog.Fix {
	directive, _, _ := strings.Cut(strings.TrimSpace(message), " ")
	directive = strings.ToLower(directive)
	rank := func(fx catalog.Fix) int {
		if panelFix(fx) {
			return 0
		}
		if len(directive) >= 4 && strings.Contains(strings.ToLower(fx.Command), directive) {
			return 1
		}
		return 2
	}
	out := slices.Clone(fixes)
	slices.SortStableFunc(out, func(a, b catalog.Fix) int { return rank(a) - rank(b) })
	return out
}

// panelFix reports whether fx is written for a hosting panel.
func panelFix(fx catalog.Fix) bool {
	for _, t := range fx.Tags() {
		if slices.Contains(catalog.PanelTags, t) {
			return true
		}
	}
	return false
}
