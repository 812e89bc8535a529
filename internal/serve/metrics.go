package serve

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// metrics are the server's counters in the Prometheus text format
// (version 0.0.4): a few maps under one lock, written by hand.
type metrics struct {
	mu        sync.Mutex
	requests  map[[2]string]int64 // route, status code
	diagnoses map[[2]string]int64 // kind, verdict
	causes    map[[2]string]int64 // kind, first cause
	refusals  map[string]int64    // reason
	seconds   map[string]float64  // kind: total seconds
	inflightN int64
	started   time.Time
}

func newMetrics() *metrics {
	return &metrics{
		requests: map[[2]string]int64{}, diagnoses: map[[2]string]int64{}, causes: map[[2]string]int64{},
		refusals: map[string]int64{}, seconds: map[string]float64{}, started: time.Now(),
	}
}

func (m *metrics) request(route string, status int) {
	m.mu.Lock()
	m.requests[[2]string{route, fmt.Sprint(status)}]++
	m.mu.Unlock()
}

func (m *metrics) refusal(reason string) {
	m.mu.Lock()
	m.refusals[reason]++
	m.mu.Unlock()
}

func (m *metrics) inflight(d int64) {
	m.mu.Lock()
	m.inflightN += d
	m.mu.Unlock()
}

// diagnosis counts a finished diagnosis by its verdict and first cause.
func (m *metrics) diagnosis(kind string, res run, took time.Duration) {
	verdict, cause := "refused", ""
	if res.status == http.StatusOK {
		var head struct {
			Verdict  string `json:"verdict"`
			Findings []struct {
				Cause string `json:"cause"`
			} `json:"findings"`
		}
		_ = json.Unmarshal(res.doc, &head)
		verdict = head.Verdict
		if len(head.Findings) > 0 {
			cause = head.Findings[0].Cause
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.diagnoses[[2]string{kind, verdict}]++
	if cause != "" {
		m.causes[[2]string{kind, cause}]++
	}
	m.seconds[kind] += took.Seconds()
}

func (m *metrics) serve(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	pair := func(name, help, l1, l2 string, v map[[2]string]int64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
		keys := make([][2]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x00"+keys[i][1] < keys[j][0]+"\x00"+keys[j][1] })
		for _, k := range keys {
			fmt.Fprintf(&b, "%s{%s=%q,%s=%q} %d\n", name, l1, k[0], l2, k[1], v[k])
		}
	}
	pair("why401_serve_requests_total", "HTTP requests answered, by route and status code.", "route", "code", m.requests)
	pair("why401_serve_diagnoses_total", "Diagnoses run, by kind and verdict (refused: a defence or a bad input stopped it).", "kind", "verdict", m.diagnoses)
	pair("why401_serve_diagnoses_by_cause_total", "Diagnoses by the cause ranked first.", "kind", "cause", m.causes)
	fmt.Fprintf(&b, "# HELP why401_serve_refusals_total Requests refused by a defence, by reason.\n# TYPE why401_serve_refusals_total counter\n")
	for _, r := range sortedKeys(m.refusals) {
		fmt.Fprintf(&b, "why401_serve_refusals_total{reason=%q} %d\n", r, m.refusals[r])
	}
	fmt.Fprintf(&b, "# HELP why401_serve_diagnosis_seconds_total Time spent in diagnoses, by kind.\n# TYPE why401_serve_diagnosis_seconds_total counter\n")
	for _, k := range sortedKeys(m.seconds) {
		fmt.Fprintf(&b, "why401_serve_diagnosis_seconds_total{kind=%q} %g\n", k, m.seconds[k])
	}
	fmt.Fprintf(&b, "# HELP why401_serve_inflight Diagnoses running now.\n# TYPE why401_serve_inflight gauge\nwhy401_serve_inflight %d\n", m.inflightN)
	fmt.Fprintf(&b, "# HELP why401_serve_start_time_seconds When the server started, as a Unix time.\n# TYPE why401_serve_start_time_seconds gauge\nwhy401_serve_start_time_seconds %d\n", m.started.Unix())
	w.Write([]byte(b.String()))
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
