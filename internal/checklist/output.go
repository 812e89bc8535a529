package checklist

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
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
	return enc.Encode(o)
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
