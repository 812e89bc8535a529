package checklist

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Metrics holds the latest outcome of a scheduled run and serves it in the
// Prometheus text exposition format (version 0.0.4). It is safe for
// concurrent use.
type Metrics struct {
	mu       sync.Mutex
	last     *Outcome
	runs     int
	failures int // runs with at least one failure
	errors   int // runs that could not run at all
	lastErr  time.Time
}

// Record stores a finished run.
func (m *Metrics) Record(o *Outcome) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = o
	m.runs++
	if !o.OK() {
		m.failures++
	}
}

// RecordError counts a run that could not run at all.
func (m *Metrics) RecordError(at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs++
	m.errors++
	m.lastErr = at
}

// ServeHTTP writes the metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	m.Write(w) //nolint:errcheck // the scraper may have gone
}

// Write writes the metrics in the text exposition format.
func (m *Metrics) Write(w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	family("why401_check_runs_total", "counter", "Checklist runs since start.")
	fmt.Fprintf(&b, "why401_check_runs_total %d\n", m.runs)
	family("why401_check_failed_runs_total", "counter", "Checklist runs with at least one failed expectation.")
	fmt.Fprintf(&b, "why401_check_failed_runs_total %d\n", m.failures)
	family("why401_check_errors_total", "counter", "Checklist runs that could not run at all.")
	fmt.Fprintf(&b, "why401_check_errors_total %d\n", m.errors)
	if o := m.last; o != nil {
		family("why401_check_last_run_timestamp_seconds", "gauge", "When the last completed run started (Unix time).")
		fmt.Fprintf(&b, "why401_check_last_run_timestamp_seconds %d\n", o.Started.Unix())
		family("why401_check_last_run_duration_seconds", "gauge", "How long the last completed run took.")
		fmt.Fprintf(&b, "why401_check_last_run_duration_seconds %g\n", o.Duration.Seconds())
		family("why401_check_expectations_failed", "gauge", "Failed expectations in the last run.")
		fmt.Fprintf(&b, "why401_check_expectations_failed %d\n", o.Failed)
		family("why401_check_expectation_ok", "gauge", "1 when the expectation held in the last run, 0 when it failed; cause names the cause of the failure.")
		for _, r := range o.Results {
			v := 0
			if r.Status == Pass {
				v = 1
			}
			fmt.Fprintf(&b, "why401_check_expectation_ok{%s} %d\n", labels(
				"checklist", o.File, "step", r.Step, "expectation", r.Expectation, "client", r.Client, "cause", string(r.Cause)), v)
		}
		if len(o.Certs) > 0 {
			family("why401_check_certificate_expiry_days", "gauge", "Days until the server certificate expires.")
			for _, c := range dedupe(o.Certs) {
				fmt.Fprintf(&b, "why401_check_certificate_expiry_days{%s} %.3f\n", labels("checklist", o.File, "step", c.Step, "host", c.Host), c.Days)
			}
		}
		if len(o.Tokens) > 0 {
			family("why401_check_token_expiry_days", "gauge", "Days until the bearer token in use expires.")
			for _, t := range dedupe(o.Tokens) {
				fmt.Fprintf(&b, "why401_check_token_expiry_days{%s} %.3f\n", labels("checklist", o.File, "step", t.Step, "client", t.Client), t.Days)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// dedupe keeps one measurement per step, host and client (several
// expectations of a step measure the same thing).
func dedupe(in []Expiry) []Expiry {
	seen := map[string]bool{}
	var out []Expiry
	for _, e := range in {
		k := e.Step + "\x00" + e.Host + "\x00" + e.Client
		if e.Host != "" {
			k = e.Step + "\x00" + e.Host // certificates do not depend on the client
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out
}

// labelEscaper escapes a label value as the exposition format wants.
var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

// labels formats name/value pairs, escaping values as the format says.
func labels(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		v := labelEscaper.Replace(kv[i+1])
		parts = append(parts, kv[i]+`="`+v+`"`)
	}
	return strings.Join(parts, ",")
}
