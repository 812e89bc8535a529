package checklist

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/report"
)

// WriteText prints the outcome for a terminal or a CI log: one line per
// result, failures followed by their cause and fix, and a summary.
func WriteText(w io.Writer, o *Outcome, verbose bool) error {
	var b strings.Builder
	multi := len(o.Clients) > 1
	for _, r := range o.Results {
		if r.Status == Pass && !verbose {
			continue
		}
		mark := "PASS"
		if r.Status == Fail {
			mark = "FAIL"
		}
		name := r.Step + " " + r.Expectation
		if multi {
			name += " [" + r.Client + "]"
		}
		fmt.Fprintf(&b, "%s %s (line %d)\n      %s\n", mark, name, r.Line, r.Message)
		if r.Status == Fail {
			if r.Cause != "" {
				fmt.Fprintf(&b, "      cause: %s: %s\n", r.Cause, r.Title)
			}
			for i, e := range r.Evidence {
				if i == 3 {
					break
				}
				fmt.Fprintf(&b, "        - %s\n", e)
			}
			if r.Fix != "" {
				fmt.Fprintf(&b, "      fix: %s\n", r.Fix)
			}
		}
	}
	verdict := "all expectations hold"
	if o.Failed > 0 {
		verdict = fmt.Sprintf("%d failed", o.Failed)
	}
	fmt.Fprintf(&b, "%s: %d expectations, %d passed, %s (%s, clients: %s)\n", o.File, len(o.Results), o.Passed, verdict,
		o.Duration.Round(time.Millisecond), strings.Join(o.Clients, ", "))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the outcome as one indented JSON document.
func WriteJSON(w io.Writer, o *Outcome) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Document(o))
}

// document is the checklist's JSON document: the common head, then the
// outcome.
type document struct {
	report.Head
	*Outcome
}

// Document returns the JSON document of an outcome: verdict "ok" when
// every expectation held and "fail" otherwise, and one finding per failed
// result that names a cause, placed at the expectation's line of the
// checklist.
func Document(o *Outcome) any {
	var fs []finding.Finding
	for _, r := range o.Results {
		if r.Status != Fail || r.Cause == "" {
			continue
		}
		conf := r.Confidence
		if conf == 0 {
			conf = finding.Strong // observed by the expectation itself
		}
		detail := r.Step + " " + r.Expectation
		if len(o.Clients) > 1 {
			detail += " [" + r.Client + "]"
		}
		fs = append(fs, finding.Finding{
			Cause: r.Cause, Confidence: conf, Detail: detail + ": " + r.Message,
			Evidence: r.Evidence, Location: finding.Location{File: o.File, Line: r.Line}, Check: "checklist",
		})
	}
	for i := range fs {
		finding.Attach(&fs[i], finding.Context{})
	}
	verdict, summary := report.OK, fmt.Sprintf("all %d expectation%s held", o.Passed, plural(o.Passed))
	if o.Failed > 0 {
		verdict, summary = report.Fail, fmt.Sprintf("%d of %d expectation%s failed", o.Failed, o.Passed+o.Failed, plural(o.Passed+o.Failed))
	}
	return document{Head: report.NewHead("check", verdict, summary, fs), Outcome: o}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// JUnit XML, in the shape CI systems (GitLab, Jenkins, GitHub reporters)
// read: one testsuite per checklist, one testcase per expectation and
// client.
type (
	// JUnitSuites is the document root.
	JUnitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Time     float64      `xml:"time,attr"`
		Suites   []JUnitSuite `xml:"testsuite"`
	}
	// JUnitSuite is one checklist run.
	JUnitSuite struct {
		Name      string      `xml:"name,attr"`
		Tests     int         `xml:"tests,attr"`
		Failures  int         `xml:"failures,attr"`
		Errors    int         `xml:"errors,attr"`
		Time      float64     `xml:"time,attr"`
		Timestamp string      `xml:"timestamp,attr"`
		Cases     []JUnitCase `xml:"testcase"`
	}
	// JUnitCase is one expectation for one client.
	JUnitCase struct {
		Name      string        `xml:"name,attr"`
		ClassName string        `xml:"classname,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Line      int           `xml:"line,attr,omitempty"`
		Time      float64       `xml:"time,attr"`
		Failure   *JUnitFailure `xml:"failure"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	// JUnitFailure explains a failed case; Type is the cause ID.
	JUnitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// JUnit converts the outcome to a JUnit document.
func JUnit(o *Outcome) *JUnitSuites {
	s := JUnitSuite{Name: o.File, Time: o.Duration.Seconds(), Timestamp: o.Started.UTC().Format("2006-01-02T15:04:05")}
	for _, r := range o.Results {
		c := JUnitCase{
			Name:      r.Expectation + " [" + r.Client + "]",
			ClassName: "why401." + r.Step,
			File:      o.File,
			Line:      r.Line,
			Time:      r.Duration.Seconds(),
		}
		if r.Status == Fail {
			typ := string(r.Cause)
			if typ == "" {
				typ = "expectation"
			}
			text := r.Message
			if r.Cause != "" {
				text += "\ncause: " + string(r.Cause) + ": " + r.Title
			}
			for _, e := range r.Evidence {
				text += "\n  - " + e
			}
			if r.Fix != "" {
				text += "\nfix: " + r.Fix
			}
			c.Failure = &JUnitFailure{Message: r.Message, Type: typ, Text: text}
			s.Failures++
		} else {
			c.SystemOut = r.Message
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	return &JUnitSuites{Name: "why401 check", Tests: s.Tests, Failures: s.Failures, Time: s.Time, Suites: []JUnitSuite{s}}
}

// WriteJUnit writes the outcome as JUnit XML.
func WriteJUnit(w io.Writer, o *Outcome) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(JUnit(o)); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
