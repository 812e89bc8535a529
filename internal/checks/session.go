package checks

import (
	"fmt"
	"net/url"
	"time"

	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/harflow"
	"github.com/why401/why401/internal/redact"
)

// Session is the suite of `why401 har`: the checks that read a recorded
// browser session (evidence.Probe.Session). They report nothing on a
// probe's own trials, which the checks of All read.
var Session = []*diagnosis.Check{
	SessionCookies,
	SessionCORS,
	SessionCredentials,
	SessionRedirects,
	SessionTokens,
}

// flowOf replays the probe's browser session, or returns nil when there
// is none. The session checks share nothing else: each replays the
// session itself, which is cheap next to reading the file.
func flowOf(p *diagnosis.Pass) *harflow.Flow {
	if p.Evidence.Probe.Session == nil || len(p.Evidence.Probe.Session.Entries) == 0 {
		return nil
	}
	return harflow.Replay(p.Evidence.Probe.Session)
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
