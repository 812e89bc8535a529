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
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// Check is one audit check.
type Check struct {
	Name   string       // lowercase identifier, unique in a suite
	Doc    string       // one line: what it reports
	Causes []catalog.ID // every cause Run may report
	Run    func(*Pass) error
}

// Location is a place in a file; Line and Column are 1-based, 0 when
// unknown.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String returns "file:line:column", leaving out what is unknown.
func (l Location) String() string {
	switch {
	case l.Line == 0:
		return l.File
	case l.Column == 0:
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	}
	return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column)
}

// Finding is one problem at one place.
type Finding struct {
	Cause    catalog.ID       `json:"cause"`
	Severity catalog.Severity `json:"severity"`
	// Title is the catalog's title of the cause.
	Title string `json:"title"`
	// Message says what is wrong at this place and why.
	Message  string   `json:"message"`
	Location Location `json:"location"`
	// Related are other places involved (a password file's line, the
	// block that sets a value).
	Related []Location `json:"related,omitempty"`
	Server  Kind       `json:"server"`
	Check   string     `json:"check"`
}

// Pass is one check's view of the evidence.
type Pass struct {
	Check    *Check
	Evidence *Evidence
	findings *[]Finding
}

// Report records f. A cause the check did not declare is a programming
// error and panics. An empty Severity takes the catalog's.
func (p *Pass) Report(f Finding) {
	ok := false
	for _, id := range p.Check.Causes {
		ok = ok || id == f.Cause
	}
	if !ok {
		panic(fmt.Sprintf("audit check %s reported undeclared cause %s", p.Check.Name, f.Cause))
	}
	c := catalog.MustLookup(f.Cause)
	if f.Severity == "" {
		f.Severity = c.Severity
	}
	f.Title = c.Title
	f.Check = p.Check.Name
	*p.findings = append(*p.findings, f)
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Validate reports a suite that is not well formed: unnamed, undocumented
// or duplicate checks, checks without Run, and unknown causes.
func Validate(checks []*Check) error {
	var errs []error
	seen := map[string]bool{}
	for i, c := range checks {
		if c == nil {
			errs = append(errs, fmt.Errorf("check %d is nil", i))
			continue
		}
		if !nameRE.MatchString(c.Name) || seen[c.Name] {
			errs = append(errs, fmt.Errorf("check %d: bad or duplicate name %q", i, c.Name))
		}
		seen[c.Name] = true
		if strings.TrimSpace(c.Doc) == "" || c.Run == nil || len(c.Causes) == 0 {
			errs = append(errs, fmt.Errorf("check %s: needs Doc, Run and Causes", c.Name))
		}
		for _, id := range c.Causes {
			if _, ok := catalog.Lookup(id); !ok {
				errs = append(errs, fmt.Errorf("check %s: unknown cause %q", c.Name, id))
			}
		}
	}
	return errors.Join(errs...)
}

// Run runs every check over ev and returns the findings sorted by file,
// line and cause, without exact duplicates. Errors of single checks are
// joined and returned beside the others' findings.
func Run(checks []*Check, ev *Evidence) ([]Finding, error) {
	var all []Finding
	var errs []error
	for _, c := range checks {
		p := &Pass{Check: c, Evidence: ev, findings: &all}
		if err := c.Run(p); err != nil {
			errs = append(errs, fmt.Errorf("check %s: %w", c.Name, err))
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		if a.Location.Line != b.Location.Line {
			return a.Location.Line < b.Location.Line
		}
		return a.Cause < b.Cause
	})
	out := all[:0]
	seen := map[string]bool{}
	for _, f := range all {
		k := f.Location.String() + "\x00" + string(f.Cause) + "\x00" + f.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out, errors.Join(errs...)
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
