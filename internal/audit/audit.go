// Package audit reads nginx and Apache httpd configurations statically
// and reports the lines that make requests fail with 401, or make
// authentication not apply where the owner thinks it does: password files
// the server cannot use, hashes it cannot check, protection that covers
// too much or is switched off, Authorization removed before the
// application, proxies without forwarded headers, caches that store
// authenticated answers, CORS preflights that meet a challenge, IP rules,
// rate limits on login paths and 401s without a challenge.
//
// Load gathers the evidence (parsed configurations, facts about the files
// they name, the servers' accounts); each Check is a pure function of that
// evidence, in the spirit of golang.org/x/tools/go/analysis, reporting
// findings at a file and line with a cause ID from the catalog. Run runs a
// suite; All is the default suite.
package audit

import (
	"regexp"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
)

// Check, Pass, Finding and Location are the finding package's, over
// audit evidence: a finding names a place in a file, its Detail says what
// is wrong there and why, and Related are other places involved (a
// password file's line, the block that sets a value).
type (
	Check    = finding.Check[*Evidence]
	Pass     = finding.Pass[*Evidence]
	Finding  = finding.Finding
	Location = finding.Location
)

// Validate reports a suite that is not well formed (finding.Validate).
func Validate(checks []*Check) error { return finding.Validate(checks) }

// Run runs every check over ev and returns the findings sorted by file,
// line and cause, without exact duplicates, each with the catalog's words,
// the fixes for its server and the confidence its severity earns under the
// severity policy (severity.go). Errors of single checks are joined and
// returned beside the others' findings.
func Run(checks []*Check, ev *Evidence) ([]Finding, error) {
	all, err := finding.Run(checks, ev, time.Time{})
	calibrate(all)
	out := finding.Sort(all, finding.Context{})
	ev.attachPanels(out)
	return out, err
}

// All is the default suite.
var All = []*Check{
	PasswordFile,
	PasswordHash,
	Scope,
	Stripped,
	Forwarded,
	Cache,
	CORS,
	IPRules,
	RateLimit,
	Challenge,
}

// SeverityRank orders severities, weakest first; unknown ones rank 0.
func SeverityRank(s catalog.Severity) int {
	switch s {
	case catalog.Info:
		return 1
	case catalog.Warning:
		return 2
	case catalog.Error:
		return 3
	}
	return 0
}

// sensitivePath matches paths of login, token, admin and account pages.
var sensitivePath = regexp.MustCompile(`(?i)(log-?in|sign-?in|logon|auth|oauth|token|admin|account|session|wp-login|password|user|/me\b|/api/)`)

// healthPath matches health checks and monitoring endpoints.
var healthPath = regexp.MustCompile(`(?i)^/(health|healthz|healthcheck|livez|readyz|ready|live|ping|status|nginx_status|server-status|metrics)(/|$)`)

// assetPath matches static assets that browsers fetch without prompting.
var assetPath = regexp.MustCompile(`(?i)(^/(static|assets|css|js|img|images|fonts|favicon\.ico|robots\.txt)(/|$)|\\?\.\(?[a-z0-9|]*(css|js|png|jpe?g|gif|svg|ico|woff2?)\b)`)

func loc(file string, line int) Location { return Location{File: file, Line: line} }
