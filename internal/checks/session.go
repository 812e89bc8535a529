package checks

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/harflow"
	"github.com/why401/why401/internal/redact"
)

// SessionEvidence is what a session check reads: a recorded browser
// session (a HAR file) and its replay through the cookie rules of the
// browser that recorded it (harflow), computed once for all the checks.
type SessionEvidence struct {
	Session *evidence.Session
	Flow    *harflow.Flow
}

// NewSessionEvidence replays s once for the session checks.
func NewSessionEvidence(s *evidence.Session) *SessionEvidence {
	return &SessionEvidence{Session: s, Flow: harflow.Replay(s)}
}

// SessionCheck and SessionPass are the finding package's, over session
// evidence.
type (
	SessionCheck = finding.Check[*SessionEvidence]
	SessionPass  = finding.Pass[*SessionEvidence]
)

// Session is the suite of `why401 har`: the checks that read a recorded
// browser session.
var Session = []*SessionCheck{
	SessionAccepted,
	SessionCookies,
	SessionCORS,
	SessionCredentials,
	SessionHeaders,
	SessionRedirects,
	SessionTokens,
}

// RunSession runs checks over ev at time now and returns the findings
// ranked, with the catalog's words and the fixes that fit the session
// (Context). Errors of single checks are joined and returned beside the
// others' findings.
func RunSession(checks []*SessionCheck, ev *SessionEvidence, now time.Time) ([]finding.Finding, error) {
	all, err := finding.Run(checks, ev, now)
	return finding.Rank(all, ev.Context()), err
}

// Context says what is known of the breaking request for choosing fixes:
// the credential it carried and the server that answered.
func (e *SessionEvidence) Context() finding.Context {
	var ctx finding.Context
	b := e.Flow.Breaking()
	if b < 0 {
		return ctx
	}
	st := &e.Flow.Steps[b]
	if scheme, _, _ := strings.Cut(strings.TrimSpace(st.Auth), " "); scheme != "" {
		switch s := strings.ToLower(scheme); s {
		case "basic", "bearer", "digest":
			ctx.Scheme = s
		}
	} else if len(st.Actual) > 0 {
		ctx.Scheme = "cookie"
	}
	if r := st.Entry.Exchange.Response; r != nil {
		if name, _, _ := strings.Cut(r.Header.Get("Server"), "/"); name != "" {
			ctx.Software = []string{strings.ToLower(strings.TrimSpace(name))}
		}
	}
	return ctx
}

// stepLine describes a session step in one evidence line:
// "#4 GET http://app.test/api → 401".
func stepLine(s *harflow.Step) string {
	e := s.Entry
	out := fmt.Sprintf("#%d %s %s", e.Index+1, e.Exchange.Request.Method, redact.URL(e.Exchange.Request.URL))
	if r := e.Exchange.Response; r != nil {
		out += fmt.Sprintf(" → %d", r.Status)
		if loc := s.Location(); loc != nil {
			out += " to " + redact.URL(loc.String())
		}
	} else if e.Exchange.Err != "" {
		out += " → " + e.Exchange.Err
	}
	return out
}

// sessionStamp writes a time of a recorded session for evidence, in UTC
// to the second: "2026-03-10 12:00:00Z".
func sessionStamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

// sameOrigin compares scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return a != nil && b != nil && a.Scheme == b.Scheme && a.Host == b.Host
}
