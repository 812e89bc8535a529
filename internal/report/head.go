package report

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/finding"
)

// Verdicts.
const (
	OK          = "ok"          // authenticated fine, nothing wrong
	Fail        = "fail"        // findings, or a failure no check could name
	Unreachable = "unreachable" // no answer at all (DNS, connect, TLS handshake)
	Error       = "error"       // the command could not do its work (bad input)
)

// Head is the top of every diagnosing command's JSON document, the one
// output contract (docs/report.schema.json): the command, its verdict, a
// one-line summary and the findings of the one model. Each command's
// document embeds it and adds its own sections.
type Head struct {
	Command  string            `json:"command"`
	Verdict  string            `json:"verdict"`
	Summary  string            `json:"summary"`
	Findings []finding.Finding `json:"findings"`
}

// NewHead returns the head of a command's document; a nil findings list
// is printed as [].
func NewHead(command, verdict, summary string, findings []finding.Finding) Head {
	if findings == nil {
		findings = []finding.Finding{}
	}
	return Head{Command: command, Verdict: verdict, Summary: summary, Findings: findings}
}

// ErrorDocument is the document a command prints with --json when it
// cannot do its work: verdict "error", the one-line message as summary and
// no findings. The message also goes to standard error, and the exit code
// says what kind of failure it was.
func ErrorDocument(command, message string) Head {
	return NewHead(command, Error, message, nil)
}

// MostLikely words the first finding for a summary line: "most likely
// the token has expired (token.expired, 95%)".
func MostLikely(f finding.Finding) string {
	return fmt.Sprintf("most likely %s (%s, %.0f%%)", lowerFirst(f.Text()), f.Cause, f.Confidence*100)
}

// lowerFirst lowers the first letter of a sentence used inside another,
// keeping acronyms and names such as "HTTP" or "WordPress" as they are.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	if len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
