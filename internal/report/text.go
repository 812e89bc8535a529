package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/why401/why401/internal/ansi"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// Style says how text output looks.
type Style struct {
	Color   bool // ANSI colours (only on a terminal, never with NO_COLOR)
	Verbose bool // every finding's full fixes and every exchange
}

// lowConfidence is the confidence below which a finding is listed as a
// mere possibility, without evidence and fixes, unless Verbose.
const lowConfidence = 0.5

// WriteText renders r for a person: the verdict first, then the causes
// with evidence and fixes, then the replay command.
func WriteText(w io.Writer, r *Report, st Style) error {
	p := ansi.Painter(st.Color)
	var b strings.Builder
	switch r.Verdict {
	case OK:
		fmt.Fprintf(&b, "%s %s\n", p.Green("✓"), p.Bold(r.Summary))
	case Unreachable:
		fmt.Fprintf(&b, "%s %s\n", p.Red("✗"), p.Bold(r.Summary))
	default:
		fmt.Fprintf(&b, "%s %s\n", p.Red("✗"), p.Bold(r.Summary))
	}
	fmt.Fprintf(&b, "  %s\n", p.Dim(r.Target))
	if r.AnsweredBy != "" {
		fmt.Fprintf(&b, "  %s\n", p.Dim("answered by "+r.AnsweredBy))
	}

	writeFindings(&b, p, r.Findings, st)
	if st.Verbose && len(r.Exchanges) > 0 {
		b.WriteString("\nExchanges:\n")
		for _, x := range r.Exchanges {
			where := x.Variant
			if x.Address != "" {
				where += " " + x.Address
			}
			res := x.Error
			if x.Status != 0 {
				res = fmt.Sprint(x.Status)
			}
			fmt.Fprintf(&b, "   %-16s hop %d  %s %s → %s  %s\n", where, x.Hop, x.Method, x.URL, res, p.Dim(x.Timing.Total.Round(time.Millisecond).String()))
		}
	}
	if st.Verbose && len(r.Discovery) > 0 {
		b.WriteString("\nDiscovery (without credentials):\n")
		for _, d := range r.Discovery {
			res := d.Err
			if d.Status != 0 {
				res = strings.TrimSpace(fmt.Sprintf("%d %s", d.Status, d.Err))
			}
			fmt.Fprintf(&b, "   %-22s GET %s → %s\n", d.Kind, redact.URL(d.URL), res)
		}
	}
	if st.Verbose {
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "\n%s %s", p.Yellow("note:"), n)
		}
		if len(r.Notes) > 0 {
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "\nReplay: %s\n", r.Replay)
	fmt.Fprintf(&b, "%s\n", p.Dim(fmt.Sprintf("%d requests, %d with your credentials, %s", r.Requests, r.CredentialedAttempts, r.Duration.Round(time.Millisecond))))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFindings renders ranked findings as every command's text shows
// them: numbered, most likely first, each with its evidence and, for the
// first (all with Verbose), its fixes; findings below lowConfidence are
// listed at the end as "also possible" unless Verbose.
func WriteFindings(w io.Writer, findings []finding.Finding, st Style) error {
	var b strings.Builder
	writeFindings(&b, ansi.Painter(st.Color), findings, st)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFindings(b *strings.Builder, p ansi.Painter, findings []finding.Finding, st Style) {
	var strong, weak = findings, findings[:0:0]
	if !st.Verbose {
		strong = nil
		for _, f := range findings {
			if f.Confidence >= lowConfidence || len(strong) == 0 {
				strong = append(strong, f)
			} else {
				weak = append(weak, f)
			}
		}
	}
	for i, f := range strong {
		b.WriteString("\n")
		fmt.Fprintf(b, "%d. %s  %s\n", i+1, p.Bold(f.Text()), p.Dim(fmt.Sprintf("[%s, %.0f%%]", f.Cause, f.Confidence*100)))
		if f.Detail != "" && f.Detail != f.Title {
			fmt.Fprintf(b, "   %s\n", p.Dim(f.Title))
		}
		for _, e := range f.Evidence {
			fmt.Fprintf(b, "   %s %s\n", p.Dim("·"), e)
		}
		writeFixes(b, p, f.Fixes, i == 0 || st.Verbose)
	}
	if len(weak) > 0 {
		b.WriteString("\nAlso possible:\n")
		for _, f := range weak {
			fmt.Fprintf(b, "   %s %s  %s\n", p.Dim("·"), f.Text(), p.Dim(fmt.Sprintf("[%s, %.0f%%]", f.Cause, f.Confidence*100)))
		}
	}
}

func writeFixes(b *strings.Builder, p ansi.Painter, fixes map[catalog.Audience][]catalog.Fix, all bool) {
	for _, a := range catalog.Audiences {
		fs := fixes[a]
		if len(fs) == 0 {
			continue
		}
		if !all {
			fs = fs[:1]
		}
		fmt.Fprintf(b, "   %s\n", p.Bold("fix ("+audienceName(a)+"):"))
		for _, f := range fs {
			fmt.Fprintf(b, "     - %s\n", f.Text)
			if f.Command != "" {
				for _, l := range strings.Split(strings.TrimRight(f.Command, "\n"), "\n") {
					fmt.Fprintf(b, "         %s\n", p.Green(l))
				}
			}
		}
	}
}

func audienceName(a catalog.Audience) string {
	switch a {
	case catalog.Visitor:
		return "visitor"
	case catalog.Developer:
		return "developer"
	case catalog.SiteOwner:
		return "site owner"
	}
	return string(a)
}

// WriteJSON renders r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error { return writeJSON(w, r) }

// writeJSON is the one JSON layout of every report: indented, with <, >
// and & as they are.
func writeJSON(w io.Writer, r any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
