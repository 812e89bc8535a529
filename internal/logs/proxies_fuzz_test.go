package logs

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// proxyParsers are the line parsers of the proxy and load-balancer
// formats, each fresh, so that a fuzz input runs through every one.
func proxyParsers() []interface {
	Parse([]byte, *Record) error
} {
	return []interface {
		Parse([]byte, *Record) error
	}{&haproxyParser{}, &awsLBParser{}, &envoyParser{}, &squidParser{}, &uvicornParser{}, &iisCSVParser{}, &npmParser{}}
}

// FuzzProxies runs every proxy format's parser over the same line: an
// accepted line holds the record invariants, and parsing it again with
// the same parser (whose field buffers are reused) gives the same record.
func FuzzProxies(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "formats", "*"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			f.Add(sc.Text())
		}
	}
	f.Add(`1776543210.123    401 127.0.0.1 TCP_DENIED/407 3960 GET http://example.com/ - HIER_NONE/- text/html`)
	f.Add(`INFO:     127.0.0.1:52344 - "GET /api/items HTTP/1.1" 401 Unauthorized`)
	f.Fuzz(func(t *testing.T, line string) {
		for _, p := range proxyParsers() {
			var r Record
			if p.Parse([]byte(line), &r) != nil {
				continue
			}
			checkRecord(t, []byte(line), &r)
			var r2 Record
			if err := p.Parse([]byte(line), &r2); err != nil || toRec(&r2) != toRec(&r) {
				t.Fatalf("%T %q: second parse differs (%v)", p, line, err)
			}
		}
	})
}
