// Command genlog writes a deterministic, realistic combined access log with
// planted episodes of every pattern why401 logs looks for, and a JSON file
// with their ground truth. The same flags always give the same bytes.
//
//	go run ./bench/genlog -size 1G -out access.log -truth truth.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

// Episode is one planted pattern.
type Episode struct {
	Cause   string    `json:"cause"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Sources []string  `json:"sources,omitempty"`
	Note    string    `json:"note"`
}

// Truth is what the log holds.
type Truth struct {
	Lines    int64     `json:"lines"`
	Bytes    int64     `json:"bytes"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Episodes []Episode `json:"episodes"`
}

var browsers = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
}

var pages = []string{"/", "/about", "/blog/", "/blog/2024/05/release-notes", "/pricing", "/docs/getting-started", "/docs/api", "/contact", "/search?q=401", "/products/widget-3000"}
var assets = []string{"/static/css/site.css", "/static/js/app.js", "/static/img/logo.svg", "/favicon.ico", "/static/fonts/inter.woff2"}

type client struct {
	ip, ua string
}

type gen struct {
	w     *bufio.Writer
	r     *rand.Rand
	lines int64
	bytes int64
	buf   []byte
}

func (g *gen) line(t time.Time, c client, user, method, path string, status, size int, ref string) {
	b := g.buf[:0]
	b = append(b, c.ip...)
	b = append(b, " - "...)
	if user == "" {
		user = "-"
	}
	b = append(b, user...)
	b = append(b, " ["...)
	b = t.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] \""...)
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\" "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, " \""...)
	if ref == "" {
		ref = "-"
	}
	b = append(b, ref...)
	b = append(b, "\" \""...)
	b = append(b, c.ua...)
	b = append(b, "\"\n"...)
	g.buf = b
	g.w.Write(b)
	g.lines++
	g.bytes += int64(len(b))
}

func ip(r *rand.Rand) string {
	for {
		a := 1 + r.IntN(222)
		if a == 10 || a == 127 || a == 192 || a == 198 || a == 203 || a == 172 || a == 100 {
			continue
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
}

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
	truth := write(f, target, *seed)
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
