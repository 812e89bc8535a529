// Package calibration measures how often the first cause is right in
// each confidence band. Tests that know the true cause of a diagnosis
// (the lab's scenarios, the real-server and real-product tests) record
// the diagnosis they saw; bench/calibration runs them and prints, per
// band, how often the first cause was the true one.
//
// Recording does nothing unless the environment variable named by Env
// holds a file path, so tests behave the same with or without it.
package calibration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/why401/why401/internal/finding"
)

// Env names the variable holding the file records are appended to.
const Env = "WHY401_CALIBRATION"

// None stands for "no cause": the expectation of a control that must
// produce no finding, or the diagnosis of one that produced none.
const None = "none"

// A Record is one diagnosis whose true cause is known.
type Record struct {
	Source     string       `json:"source"` // "lab", "realserver", "producers", …
	Case       string       `json:"case"`   // the scenario or test
	Want       string       `json:"want"`   // the true cause, or None
	Got        string       `json:"got"`    // the first cause, or None
	Confidence float64      `json:"confidence,omitempty"`
	Band       finding.Band `json:"band,omitempty"`
}

// Right reports whether the first cause was the true one. Want may list
// several acceptable causes separated by "|".
func (r Record) Right() bool { return slices.Contains(strings.Split(r.Want, "|"), r.Got) }

var mu sync.Mutex

// Observe records a diagnosis whose true cause is want ("" for none)
// when recording is on. got is the ranked findings' first cause ("" for
// none) and confidence its confidence. Errors writing the record are
// returned for the caller to log; they never fail a diagnosis.
func Observe(source, name, want, got string, confidence float64) error {
	path := os.Getenv(Env)
	if path == "" {
		return nil
	}
	r := Record{Source: source, Case: name, Want: orNone(want), Got: orNone(got)}
	if got != "" {
		r.Confidence, r.Band = confidence, finding.BandOf(confidence)
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("calibration: %w", err)
	}
	// One write of one line: appends from parallel test binaries do not
	// interleave.
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("calibration: %w", err)
	}
	return f.Close()
}

func orNone(s string) string {
	if s == "" {
		return None
	}
	return s
}

// Read parses records, one JSON object a line.
func Read(r io.Reader) ([]Record, error) {
	var out []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		out = append(out, rec)
	}
	return out, sc.Err()
}

// Row is one band's tally.
type Row struct {
	Band  finding.Band // "" for diagnoses without any finding
	Total int
	Right int
	Wrong []Record
}

// Share is the fraction right, 0 without records.
func (r Row) Share() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Right) / float64(r.Total)
}

// Table tallies records by the band of their first cause, in the bands'
// order from certain down, then diagnoses without a finding.
func Table(recs []Record) []Row {
	order := []finding.Band{finding.BandCertain, finding.BandStrong, finding.BandLikely, finding.BandSuspicion, ""}
	rows := make([]Row, len(order))
	idx := map[finding.Band]int{}
	for i, b := range order {
		rows[i].Band = b
		idx[b] = i
	}
	for _, r := range recs {
		i, ok := idx[r.Band]
		if !ok {
			i = idx[""]
		}
		rows[i].Total++
		if r.Right() {
			rows[i].Right++
		} else {
			rows[i].Wrong = append(rows[i].Wrong, r)
		}
	}
	for i := range rows {
		sort.Slice(rows[i].Wrong, func(a, b int) bool {
			x, y := rows[i].Wrong[a], rows[i].Wrong[b]
			return x.Source+x.Case < y.Source+y.Case
		})
	}
	return rows
}
