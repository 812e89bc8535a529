// Command genlog writes a deterministic, realistic combined access log with
// planted episodes of every pattern why401 logs looks for, and a JSON file
// with their ground truth. The same flags always give the same bytes.
//
//	go run ./bench/genlog -size 1G -out access.log -truth truth.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/why401/why401/internal/logs/loggen"
)

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	}
	n, err := strconv.ParseFloat(s, 64)
	return int64(n * float64(mult)), err
}

func main() {
	sizeFlag := flag.String("size", "100M", "approximate size of the log (K, M, G suffixes)")
	out := flag.String("out", "access.log", "log file to write")
	truthOut := flag.String("truth", "truth.json", "ground truth file to write")
	seed := flag.Uint64("seed", 401, "random seed")
	flag.Parse()
	target, err := parseSize(*sizeFlag)
	if err != nil || target <= 0 {
		fmt.Fprintf(os.Stderr, "genlog: -size %q: want a size such as 500M or 1G\n", *sizeFlag)
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "genlog: %v\n", err)
		os.Exit(1)
	}
	truth, err := loggen.Write(f, target, *seed)
	if err != nil {
		fmt.Fprintf(os.Stderr, "genlog: %v\n", err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "genlog: %v\n", err)
		os.Exit(1)
	}
	data, _ := json.MarshalIndent(truth, "", "  ")
	if err := os.WriteFile(*truthOut, append(data, '\n'), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "genlog: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "genlog: %d lines, %d bytes, %d episodes -> %s, %s\n", truth.Lines, truth.Bytes, len(truth.Episodes), *out, *truthOut)
}
