// Package render writes a log analysis (analysis.Result) as terminal
// text, JSON, a self-contained HTML report, ban lists and Prometheus
// metrics. Renderers only render: they do no analysis and no I/O but
// writing to the writer they are given.
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/why401/why401/internal/ansi"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/logs/analysis"
	"github.com/why401/why401/internal/report"
)

// Document is the JSON document of `why401 logs`: the common head of
// every diagnosing command (docs/report.schema.json) and the analysis's
// own sections.
type Document struct {
	report.Head
	*analysis.Result
}

// NewDocument makes the document of r: verdict "fail" when a failure
// pattern was found, "ok" otherwise.
func NewDocument(r *analysis.Result) Document {
	fs := r.Diagnosis()
	verdict, summary := report.OK, fmt.Sprintf("no failure pattern in %s", plural(r.LinesParsed, "line", "lines"))
	if r.Failing() {
		n := failureFindings(r)
		verdict = report.Fail
		summary = fmt.Sprintf("%s in %s; first: %s (%s)", plural(int64(n), "failure pattern", "failure patterns"),
			plural(r.LinesParsed, "line", "lines"), Clean(fs[0].Text()), fs[0].Cause)
	}
	return Document{Head: report.NewHead("logs", verdict, summary, fs), Result: r}
}

// JSON writes the document of r as indented JSON.
func JSON(w io.Writer, r *analysis.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewDocument(r))
}

// plural writes "1 line" or "2,345 lines".
func plural(v int64, one, many string) string {
	if v == 1 {
		return "1 " + one
	}
	return thousands(v) + " " + many
}

// sparkline renders values as a line of eighth blocks scaled to the
// largest value; zero is a space-like lowest block only when every value
// is zero.
func sparkline(values []int64, width int) string {
	if len(values) == 0 {
		return ""
	}
	// Fold into width columns by summing.
	if width > 0 && len(values) > width {
		folded := make([]int64, width)
		for i, v := range values {
			folded[i*width/len(values)] += v
		}
		values = folded
	}
	var peak int64
	for _, v := range values {
		peak = max(peak, v)
	}
	blocks := []rune("▁▂▃▄▅▆▇█")
	var b strings.Builder
	for _, v := range values {
		if peak == 0 || v == 0 {
			b.WriteRune(' ')
			continue
		}
		i := int((v*int64(len(blocks)) - 1) / peak)
		b.WriteRune(blocks[max(0, min(i, len(blocks)-1))])
	}
	return b.String()
}

// TextOptions tune Text.
type TextOptions struct {
	Color bool
}

// sparkWidth is how many columns the terminal sparkline folds into.
const sparkWidth = 60

// Text writes the terminal summary: totals, a sparkline of failures, the
// findings with their evidence and the first fix, and the verdict.
func Text(w io.Writer, r *analysis.Result, o TextOptions) error {
	p := ansi.Painter(o.Color)
	var b strings.Builder
	files := make([]string, len(r.Files))
	for i, f := range r.Files {
		files[i] = f.Name
	}
	fmt.Fprintf(&b, "%s %s from %s", p.Bold("why401 logs:"), plural(r.LinesParsed, "line", "lines"), strings.Join(files, ", "))
	if r.Malformed > 0 {
		fmt.Fprintf(&b, " (plus %s malformed)", thousands(r.Malformed))
	}
	b.WriteString("\n")
	if r.OutOfOrder > 0 {
		fmt.Fprintf(&b, "  %s out of time order (%.1f%%): sorted by time before pairing round trips and counting windows\n",
			plural(r.OutOfOrder, "line was", "lines were"), 100*float64(r.OutOfOrder)/float64(max(r.LinesParsed, 1)))
	}
	if r.FormFailures > 0 {
		fmt.Fprintf(&b, "  %s answered again with 200 (failed logins, counted with the 401s of their source)\n", plural(r.FormFailures, "login form", "login forms"))
	}
	if !r.From.IsZero() {
		fmt.Fprintf(&b, "  %s – %s UTC\n", r.From.Format("2006-01-02 15:04:05"), r.To.Format("2006-01-02 15:04:05"))
	} else if r.LinesParsed > 0 {
		b.WriteString("  no time stamps in the lines: they all count as one moment, so round trips pair in file order and every window holds all of them\n")
	}
	fmt.Fprintf(&b, "  failures: 401 %s · 403 %s · 407 %s · 429 %s · challenge round trips (not failures) %s\n",
		thousands(r.Failures[401]), thousands(r.Failures[403]), thousands(r.Failures[407]), thousands(r.Failures[429]), thousands(r.Challenges))
	for i, sub := range r.SubStatuses {
		if i == 0 {
			b.WriteString("  IIS sub-statuses:\n")
		}
		cause := ""
		if sub.Cause != "" {
			cause = "  " + p.Dim(string(sub.Cause))
		}
		fmt.Fprintf(&b, "    %-7s %7s  %s%s\n", sub.Code, thousands(sub.Count), Clean(sub.Name), cause)
	}
	if len(r.Timeline) > 0 {
		vals := make([]int64, len(r.Timeline))
		var all int64
		for i, bk := range r.Timeline {
			vals[i] = bk.F401 + bk.F403 + bk.F407 + bk.F429
			all += vals[i]
		}
		if all > 0 { // a flat line says nothing the zeros above do not
			first, last := r.Timeline[0].Start, r.Timeline[len(r.Timeline)-1].Start
			layout := stampLayout(first, last, r.Step)
			fmt.Fprintf(&b, "  failures per %s: %s│%s│%s\n", stepName(r.Step), first.Format(layout), sparkline(vals, sparkWidth), last.Format(layout))
		}
	}
	for _, e := range r.BadExamples {
		fmt.Fprintf(&b, "  %s %s:%d: %s\n", p.Dim("malformed"), Clean(e.File), e.Line, Clean(e.Err))
	}
	if more := r.Malformed - int64(len(r.BadExamples)); more > 0 && len(r.BadExamples) > 0 {
		fmt.Fprintf(&b, "  %s\n", p.Dim("… and "+plural(more, "more malformed line", "more malformed lines")))
	}
	b.WriteString("\n")
	fixes := siteFixes(r)
	for i, f := range r.Findings {
		fmt.Fprintf(&b, "%d. %s  %s\n", i+1, p.Yellow(string(f.Cause)), Clean(f.Title))
		fmt.Fprintf(&b, "   %s – %s UTC\n", f.From.Format("2006-01-02 15:04"), f.To.Format("2006-01-02 15:04"))
		if len(f.Rows) > 0 {
			writeRows(&b, "   ", f.Columns, f.Rows)
		}
		if fix, ok := fixes[i]; ok {
			fmt.Fprintf(&b, "   %s %s\n", p.Green("fix:"), fix.Text)
			for _, l := range strings.Split(strings.TrimRight(fix.Command, "\n"), "\n") {
				if l != "" {
					fmt.Fprintf(&b, "       %s\n", p.Dim(l))
				}
			}
		}
		b.WriteString("\n")
	}
	if len(r.BanList) > 0 {
		them := "them"
		if len(r.BanList) == 1 {
			them = "it"
		}
		fmt.Fprintf(&b, "%s broke fail2ban's rule; --ban-list FORMAT prints %s for a deny list.\n", plural(int64(len(r.BanList)), "attacking source", "attacking sources"), them)
	}
	if !r.Failing() {
		fmt.Fprintf(&b, "%s no failure pattern found\n", p.Green("verdict: ok:"))
	} else {
		fmt.Fprintf(&b, "%s %s\n", p.Red("verdict: fail:"), plural(int64(failureFindings(r)), "finding", "findings"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// siteFixes returns the site owner's first fix for each pattern of r, by
// index, among the catalog's fixes that fit the log's server.
func siteFixes(r *analysis.Result) map[int]catalog.Fix {
	out := map[int]catalog.Fix{}
	for i, f := range r.Diagnosis() {
		if fs := f.Fixes[catalog.SiteOwner]; len(fs) > 0 {
			out[i] = fs[0]
		}
	}
	return out
}

// failureFindings counts the findings of r that are failure patterns
// (challenge round trips are not).
func failureFindings(r *analysis.Result) int {
	n := 0
	for _, f := range r.Findings {
		if f.Cause != catalog.NoiseChallenge {
			n++
		}
	}
	return n
}

func stepName(step int) string {
	switch {
	case step == 1:
		return "minute"
	case step == 1440:
		return "day"
	case step%1440 == 0:
		return plural(int64(step/1440), "day", "days")
	case step%60 == 0:
		return fmt.Sprintf("%dh", step/60)
	}
	return fmt.Sprintf("%d min", step)
}

// stampLayout is how the ends of the sparkline are written: the time of
// day within one day, the date as well when the timeline spans days, the
// date alone when a step is a day or more.
func stampLayout(first, last time.Time, step int) string {
	switch {
	case step >= 1440:
		return "2006-01-02"
	case first.YearDay() != last.YearDay() || first.Year() != last.Year():
		return "2006-01-02 15:04"
	}
	return "15:04"
}

func writeRows(b *strings.Builder, indent string, cols []string, rows [][]string) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = runeLen(c)
	}
	clipped := make([][]string, len(rows))
	for i, r := range rows {
		clipped[i] = make([]string, len(r))
		for j, c := range r {
			c = clipRunes(Clean(c), 48)
			clipped[i][j] = c
			if j < len(widths) {
				widths[j] = max(widths[j], runeLen(c))
			}
		}
	}
	line := func(cells []string) {
		b.WriteString(indent)
		for j, c := range cells {
			if j > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if j < len(cells)-1 && j < len(widths) {
				b.WriteString(strings.Repeat(" ", widths[j]-runeLen(c)))
			}
		}
		b.WriteString("\n")
	}
	line(cols)
	for _, r := range clipped {
		line(r)
	}
}

func runeLen(s string) int { return len([]rune(s)) }

// Clean replaces control characters (C0, DEL and C1; a logged user
// agent may carry terminal escape sequences) with U+FFFD, so log content
// cannot drive the terminal.
func Clean(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// thousands formats n with thin separators: 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// BanFormats are the --ban-list formats.
var BanFormats = []string{"plain", "nginx", "fail2ban", "apache"}

// BanList writes the attack sources of r in format: plain (one address a
// line), nginx ("deny ADDR;"), apache ("Require not ip ADDR") or fail2ban
// (lines "DATE TIME ADDR why401 CAUSE", for a fail2ban filter with
// failregex = ^<HOST> why401 ). Sources that are not IP addresses (a
// client field holding a host name or garbage) are left out of every
// form, so nothing else lands in a configuration.
func BanList(w io.Writer, r *analysis.Result, format string, now time.Time) error {
	cause := map[string]string{}
	for _, f := range r.Findings {
		for _, s := range f.Sources {
			if _, ok := cause[s]; !ok {
				cause[s] = string(f.Cause)
			}
		}
	}
	var srcs []string
	for _, s := range r.BanList {
		if isAddr(s) {
			srcs = append(srcs, s)
		}
	}
	sort.Strings(srcs)
	var b strings.Builder
	switch format {
	case "", "plain":
		for _, s := range srcs {
			fmt.Fprintln(&b, s)
		}
	case "nginx":
		fmt.Fprintf(&b, "# why401 logs: attack sources, %s\n", now.UTC().Format(time.RFC3339))
		for _, s := range srcs {
			fmt.Fprintf(&b, "deny %s; # %s\n", s, cause[s])
		}
	case "apache":
		fmt.Fprintf(&b, "# why401 logs: attack sources, %s\n<RequireAll>\n    Require all granted\n", now.UTC().Format(time.RFC3339))
		for _, s := range srcs {
			fmt.Fprintf(&b, "    Require not ip %s\n", s)
		}
		b.WriteString("</RequireAll>\n")
	case "fail2ban":
		for _, s := range srcs {
			fmt.Fprintf(&b, "%s %s why401 %s\n", now.UTC().Format("2006-01-02 15:04:05"), s, cause[s])
		}
	default:
		return fmt.Errorf("unknown ban list format %q (want %s)", format, strings.Join(BanFormats, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// isAddr reports whether s is an IPv4 or IPv6 address, so nothing else
// lands in a server configuration.
func isAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}
