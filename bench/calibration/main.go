// Command calibration measures, per confidence band, how often the first
// cause why401 names is the true one: "certain" and "strong" must be
// right at least 95% of the time.
//
//	go run ./bench/calibration [-field DIR] [-lab-only] [-records FILE]
//
// It runs the tests that know the true cause of each diagnosis (the lab's
// scenarios in internal/checks, the real-server tests in test/realserver
// and the real products in test/producers; those skip what the machine
// lacks) with recording on (internal/calibration), and, with -field, the
// HAR files of a field corpus whose expect.tsv names causes. It prints a
// table per band and the wrong first causes of the confident bands, and
// exits 1 when a confident band is under 95%.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/why401/why401/internal/calibration"
	"github.com/why401/why401/internal/finding"
)

func main() {
	field := flag.String("field", "", "a field corpus `dir`ectory with har/expect.tsv")
	labOnly := flag.Bool("lab-only", false, "run only the lab scenarios (no real servers needed)")
	records := flag.String("records", "", "keep the records in `file` (default: a temporary file)")
	flag.Parse()
	if err := run(*field, *labOnly, *records); err != nil {
		fmt.Fprintln(os.Stderr, "calibration:", err)
		os.Exit(2)
	}
}

func run(field string, labOnly bool, records string) error {
	dir, err := os.MkdirTemp("", "why401-calibration-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if records == "" {
		records = filepath.Join(dir, "records.jsonl")
	}
	if err := os.Remove(records); err != nil && !os.IsNotExist(err) {
		return err
	}
	runs := [][]string{{"-run", "^TestLabRanking$", "./internal/checks"}}
	if !labOnly {
		runs = append(runs, []string{"./test/realserver", "./test/producers"})
	}
	for _, r := range runs {
		args := append([]string{"test", "-count=1"}, r...)
		fmt.Fprintf(os.Stderr, "go %s\n", strings.Join(args, " "))
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), calibration.Env+"="+records)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		// A failing test is a wrong first cause, which the table shows;
		// the records stand either way.
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "(go test: %v)\n", err)
		}
	}
	if field != "" {
		if err := fieldHAR(field, dir, records); err != nil {
			return err
		}
	}
	f, err := os.Open(records)
	if err != nil {
		return fmt.Errorf("no records (%v): did the tests run?", err)
	}
	defer f.Close()
	recs, err := calibration.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %v", records, err)
	}
	ok := print(calibration.Table(recs))
	if !ok {
		os.Exit(1)
	}
	return nil
}

// fieldHAR diagnoses each HAR of dir/har/expect.tsv that names causes.
func fieldHAR(dir, tmp, records string) error {
	bin := filepath.Join(tmp, "why401")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/why401").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	expect := filepath.Join(dir, "har", "expect.tsv")
	f, err := os.Open(expect)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var cols map[string]int
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range fields {
				cols[c] = i
			}
			continue
		}
		file, causes := fields[cols["file"]], fields[cols["causes"]]
		if causes == "" || causes == "-" {
			continue
		}
		out, _ := exec.Command(bin, "har", "--json", filepath.Join(dir, "har", file)).Output()
		var rep struct {
			Findings []struct {
				Cause      string  `json:"cause"`
				Confidence float64 `json:"confidence"`
			} `json:"findings"`
		}
		got, conf := "", 0.0
		if json.Unmarshal(out, &rep) == nil && len(rep.Findings) > 0 {
			got, conf = rep.Findings[0].Cause, rep.Findings[0].Confidence
		}
		os.Setenv(calibration.Env, records)
		if err := calibration.Observe("field-har", file, causes, got, conf); err != nil {
			return err
		}
	}
	return sc.Err()
}

// print writes the table and reports whether the confident bands are
// right at least 95% of the time.
func print(rows []calibration.Row) bool {
	ok := true
	fmt.Printf("%-10s %6s %6s %7s\n", "band", "cases", "right", "share")
	for _, r := range rows {
		name := string(r.Band)
		if name == "" {
			name = "no finding"
		}
		mark := ""
		confident := r.Band == finding.BandCertain || r.Band == finding.BandStrong
		if confident && r.Total > 0 && r.Share() < 0.95 {
			mark, ok = "  below 95%", false
		}
		fmt.Printf("%-10s %6d %6d %6.1f%%%s\n", name, r.Total, r.Right, 100*r.Share(), mark)
	}
	for _, r := range rows {
		for _, w := range r.Wrong {
			fmt.Printf("  wrong (%s): %s %s: first %s (%.2f), true %s\n", orNone(string(r.Band)), w.Source, w.Case, w.Got, w.Confidence, w.Want)
		}
	}
	return ok
}

func orNone(s string) string {
	if s == "" {
		return "no finding"
	}
	return s
}
