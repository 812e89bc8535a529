// Package checktest runs probe checks over evidence written as text, in
// the manner of golang.org/x/tools/go/analysis/analysistest: each case is
// a txtar archive holding the exchanges a probe saw and the findings the
// check must report, no more and no fewer.
//
// A case lives in DIR/CHECK/NAME.txtar, where CHECK is the check's name;
// by convention NAME.txtar fires and NAME_fp.txtar is its near miss,
// which must report nothing. The archive's comment says what the case is.
// Its files are the probe's trials, named by variant ("as-given",
// "no-credentials", "other-scheme", …, optionally "VARIANT LABEL"), each
// holding one or more hops as HTTP/1.1 text:
//
//	GET https://api.test/me
//	Authorization: Basic YWxpY2U6d29uZGVybGFuZA==
//
//	HTTP/1.1 200 OK
//	Cache-Control: public, max-age=600
//
//	{"user":"alice"}
//
// A request line is a method and an absolute URL; after the request's
// headers and a blank line come its body, if any, then the response,
// whose body runs to the next request line. "ERROR KIND: message" in place of a response is a
// transport error (KIND as evidence.Exchange.ErrKind: connect, tls, …).
// The file "want" lists the findings, one a line, as
//
//	CAUSE BAND: DETAIL
//
// in the ranked order; an empty or missing want means no finding.
// Running the tests with -update rewrites each want from what the check
// reported, for review in the diff.
package checktest

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/why401/why401/internal/credential"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

var update = flag.Bool("update", false, "rewrite the want of each checktest case from what the check reports")

// Now is the time every case is diagnosed at; dates in cases are read
// against it.
var Now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// Run runs every case under dir against the check of suite it names. A
// directory naming no check of the suite fails the test.
func Run(t *testing.T, dir string, suite []*diagnosis.Check) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		i := slices.IndexFunc(suite, func(c *diagnosis.Check) bool { return c.Name == e.Name() })
		if i < 0 {
			t.Errorf("%s: no check named %s in the suite", filepath.Join(dir, e.Name()), e.Name())
			continue
		}
		c := suite[i]
		files, _ := filepath.Glob(filepath.Join(dir, e.Name(), "*.txtar"))
		for _, path := range files {
			t.Run(c.Name+"/"+strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
				runCase(t, c, path)
			})
		}
	}
}

func runCase(t *testing.T, c *diagnosis.Check, path string) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, want, err := Parse(ar)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	fs, err := diagnosis.Run([]*diagnosis.Check{c}, p, Now)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	got := Format(fs)
	if got == want {
		return
	}
	if *update {
		setWant(ar, got)
		if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: findings differ (rerun with -update to accept)\n--- want\n%s--- got\n%s", path, want, got)
}

// Format writes findings as a want file does.
func Format(fs []diagnosis.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %s: %s\n", f.Cause, finding.BandOf(f.Confidence), f.Text())
	}
	return b.String()
}

func setWant(ar *txtar.Archive, want string) {
	for i := range ar.Files {
		if ar.Files[i].Name == "want" {
			ar.Files[i].Data = []byte(want)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: "want", Data: []byte(want)})
}

var requestLine = regexp.MustCompile(`^([A-Z]+) (https?://\S+)$`)

// Parse reads a case: the probe evidence its trials describe and its want.
func Parse(ar *txtar.Archive) (*evidence.Probe, string, error) {
	p := &evidence.Probe{Started: Now}
	var want string
	for _, f := range ar.Files {
		if f.Name == "want" {
			want = string(f.Data)
			continue
		}
		variant, label, _ := strings.Cut(f.Name, " ")
		hops, err := parseHops(f.Data)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %v", f.Name, err)
		}
		if len(hops) == 0 {
			return nil, "", fmt.Errorf("%s: no request", f.Name)
		}
		tr := evidence.Trial{Variant: evidence.Variant(variant), Label: label, Hops: hops}
		if tr.Variant == evidence.AsGiven {
			if p.Target != "" {
				return nil, "", fmt.Errorf("two %s trials", evidence.AsGiven)
			}
			p.Target, p.Request = hops[0].Request.URL, hops[0].Request
			p.Credentials = credential.Kinds(hops[0].Request.Header)
			tr.Credentialed = len(p.Credentials) > 0
		}
		p.Trials = append(p.Trials, tr)
	}
	if p.Target == "" {
		return nil, "", fmt.Errorf("no %s trial", evidence.AsGiven)
	}
	return p, want, nil
}

func parseHops(data []byte) ([]evidence.Exchange, error) {
	var hops []evidence.Exchange
	lines := strings.SplitAfter(string(data), "\n")
	for i := 0; i < len(lines); {
		line := strings.TrimRight(lines[i], "\r\n")
		if strings.TrimSpace(line) == "" {
			i++
			continue
		}
		m := requestLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("line %q: want a request line (METHOD URL)", line)
		}
		ex := evidence.Exchange{Request: evidence.Request{Method: m[1], URL: m[2]}}
		h, next, err := readHeader(lines, i+1)
		if err != nil {
			return nil, err
		}
		ex.Request.Header, i = h, next
		// A request body runs from the blank line to the status line.
		var reqBody strings.Builder
		for i < len(lines) && !isAnswer(lines[i]) {
			reqBody.WriteString(lines[i])
			i++
		}
		if b := strings.TrimRight(reqBody.String(), "\r\n"); b != "" {
			ex.Request.Body, ex.Request.BodySize = []byte(b), len(b)
		}
		if i >= len(lines) {
			return nil, fmt.Errorf("%s %s: no response: want a status line (HTTP/1.1 CODE REASON) or ERROR KIND: message after the request", m[1], m[2])
		}
		status := strings.TrimRight(lines[i], "\r\n")
		if kind, msg, ok := strings.Cut(strings.TrimPrefix(status, "ERROR "), ": "); strings.HasPrefix(status, "ERROR ") && ok {
			ex.ErrKind, ex.Err = kind, msg
			hops = append(hops, ex)
			i++
			continue
		}
		proto, code, ok := strings.Cut(status, " ")
		n, err := strconv.Atoi(strings.Fields(code + " ")[0])
		if !ok || !strings.HasPrefix(proto, "HTTP/") || err != nil {
			return nil, fmt.Errorf("line %q: want a status line (HTTP/1.1 CODE REASON) or ERROR KIND: message", status)
		}
		rh, next, err := readHeader(lines, i+1)
		if err != nil {
			return nil, err
		}
		i = next
		var body bytes.Buffer
		for i < len(lines) && !requestLine.MatchString(strings.TrimRight(lines[i], "\r\n")) {
			body.WriteString(lines[i])
			i++
		}
		ex.Response = &evidence.Response{Status: n, Proto: proto, Header: rh, Received: Now,
			Body: bytes.TrimRight(body.Bytes(), "\n")}
		hops = append(hops, ex)
	}
	return hops, nil
}

// isAnswer says whether line starts a response: a status line or a
// transport error.
func isAnswer(line string) bool {
	return strings.HasPrefix(line, "HTTP/") || strings.HasPrefix(line, "ERROR ")
}

// readHeader reads header lines from lines[i:] up to a blank line or the
// end, returning the index after the blank line.
func readHeader(lines []string, i int) (http.Header, int, error) {
	var b strings.Builder
	for ; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r\n")
		if l == "" {
			i++
			break
		}
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	mh, err := textproto.NewReader(bufio.NewReader(strings.NewReader(b.String()))).ReadMIMEHeader()
	if err != nil {
		return nil, 0, fmt.Errorf("header: %v", err)
	}
	return http.Header(mh), i, nil
}
