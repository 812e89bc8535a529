package render

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/logs/analysis"
)

// Metrics writes r in the Prometheus text exposition format (version
// 0.0.4): lines and malformed lines read, failures by status, cause and
// path class (counters), challenge round trips, and as gauges the
// findings and attack sources of the current result. A failure whose
// cause its own line does not show is labelled cause="unclassified".
func Metrics(w io.Writer, r *analysis.Result) error {
	var b strings.Builder
	metric := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	metric("why401_log_lines_total", "counter", "Log lines parsed.")
	fmt.Fprintf(&b, "why401_log_lines_total %d\n", r.Lines)
	metric("why401_log_malformed_lines_total", "counter", "Log lines that did not parse.")
	fmt.Fprintf(&b, "why401_log_malformed_lines_total %d\n", r.Malformed)
	metric("why401_log_failures_total", "counter", "401, 403, 407 and 429 answers by status, cause and path class; challenge round trips excluded.")
	for _, c := range r.Counters {
		cause := string(c.Cause)
		if cause == "" {
			cause = "unclassified"
		}
		fmt.Fprintf(&b, "why401_log_failures_total{status=\"%d\",cause=\"%s\",path_class=\"%s\"} %d\n", c.Status, label(cause), label(c.PathClass), c.Count)
	}
	metric("why401_log_challenge_round_trips_total", "counter", "401s answered by a success from the same client within the challenge window.")
	fmt.Fprintf(&b, "why401_log_challenge_round_trips_total %d\n", r.Challenges)

	findings := map[catalog.ID]int{}
	sources := map[catalog.ID]int{}
	for _, f := range r.Findings {
		findings[f.Cause]++
		sources[f.Cause] += len(f.Sources)
	}
	metric("why401_log_findings", "gauge", "Findings of the current analysis, by cause.")
	for _, id := range sortedIDs(findings) {
		fmt.Fprintf(&b, "why401_log_findings{cause=\"%s\"} %d\n", label(string(id)), findings[id])
	}
	metric("why401_log_attack_sources", "gauge", "Client addresses found attacking, by cause.")
	for _, id := range []catalog.ID{catalog.AttackBruteForce, catalog.AttackCredentialStuffing, catalog.AttackSpray} {
		fmt.Fprintf(&b, "why401_log_attack_sources{cause=\"%s\"} %d\n", id, sources[id])
	}
	if !r.To.IsZero() {
		metric("why401_log_last_request_timestamp_seconds", "gauge", "Time of the latest request read.")
		fmt.Fprintf(&b, "why401_log_last_request_timestamp_seconds %d\n", r.To.Unix())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedIDs(m map[catalog.ID]int) []catalog.ID {
	ids := make([]catalog.ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// labelEscaper escapes a label value as the exposition format wants.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// label escapes a label value as the exposition format wants.
func label(s string) string { return labelEscaper.Replace(s) }
