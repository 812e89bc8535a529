// Command compare checks a `why401 logs --json` report against the ground
// truth genlog wrote: every planted episode must be found (same cause,
// overlapping window, the planted sources), and no other cause reported.
// It prints one line per episode and exits 1 when anything is missed or
// invented.
//
//	go run ./bench/compare truth.json report.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/why401/why401/internal/logs/loggen"
)

type finding struct {
	Cause   string    `json:"cause"`
	Title   string    `json:"title"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Sources []string  `json:"sources"`
}

type report struct {
	Lines    int64     `json:"lines"`
	Findings []finding `json:"patterns"`
}

func load(path string, v any) {
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "compare: %s: %v\n", path, err)
		os.Exit(2)
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: compare truth.json report.json")
		os.Exit(2)
	}
	var truth loggen.Truth
	var rep report
	load(os.Args[1], &truth)
	load(os.Args[2], &rep)
	bad := 0
	if rep.Lines != truth.Lines {
		fmt.Printf("lines: report %d, generated %d\n", rep.Lines, truth.Lines)
		bad++
	}
	planted := map[string]bool{}
	for _, e := range truth.Episodes {
		planted[e.Cause] = true
		var hit *finding
		for i, f := range rep.Findings {
			if f.Cause == e.Cause && !f.To.Before(e.From.Add(-2*time.Minute)) && !f.From.After(e.To.Add(2*time.Minute)) {
				hit = &rep.Findings[i]
				break
			}
		}
		if hit == nil {
			fmt.Printf("MISSED    %-28s %s – %s  %s\n", e.Cause, e.From.Format("15:04"), e.To.Format("15:04"), e.Note)
			bad++
			continue
		}
		missing := 0
		if e.Cause != "token.expired" {
			got := map[string]bool{}
			for _, s := range hit.Sources {
				got[s] = true
			}
			for _, s := range e.Sources {
				if !got[s] {
					missing++
				}
			}
		}
		status := "found"
		if missing > 0 {
			status = fmt.Sprintf("found, %d of %d sources missing", missing, len(e.Sources))
			bad++
		}
		fmt.Printf("%-9s %-28s planted %s – %s, reported %s – %s\n", status, e.Cause, e.From.Format("15:04"), e.To.Format("15:04"), hit.From.Format("15:04"), hit.To.Format("15:04"))
	}
	for _, f := range rep.Findings {
		if !planted[f.Cause] {
			fmt.Printf("INVENTED  %-28s %s\n", f.Cause, f.Title)
			bad++
		}
	}
	if bad > 0 {
		fmt.Printf("ground truth: %d problem(s)\n", bad)
		os.Exit(1)
	}
	fmt.Printf("ground truth: all %d episodes found, none invented\n", len(truth.Episodes))
}
