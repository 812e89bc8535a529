package report

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/harflow"
	"github.com/why401/why401/internal/redact"
)

// Session is what `why401 har` prints: the diagnosis of a recorded browser
// session.
type Session struct {
	Head
	Source  string `json:"source"`
	Browser string `json:"browser,omitempty"`
	Entries int    `json:"entries"`
	// BreakingPoint is the 1-based number of the entry where the flow
	// broke, 0 when none did.
	BreakingPoint int           `json:"breaking_point"`
	Timeline      []SessionStep `json:"timeline"`
	// Hidden counts entries left out of the timeline (static assets that
	// loaded fine); --all lists them.
	Hidden int `json:"hidden,omitempty"`
	// Sanitized is set for an export without cookies and Authorization;
	// CannotConclude then lists what the diagnosis cannot see, and
	// HowToExport how to get a full export.
	Sanitized      bool     `json:"sanitized,omitempty"`
	SanitizedWhy   string   `json:"sanitized_why,omitempty"`
	CannotConclude []string `json:"cannot_conclude,omitempty"`
	HowToExport    string   `json:"how_to_export,omitempty"`
	Notes          []string `json:"notes,omitempty"`
	// Repairs says what the reader repaired in the file (off-spec values
	// of the exporting tool) or skipped (unusable entries).
	Repairs []string `json:"repairs,omitempty"`
	// Replay is the probe's report on the breaking request sent again
	// (--replay only).
	Replay *Report `json:"replay,omitempty"`

	// BreakingIndex is the 0-based index in the session of the breaking
	// entry, -1 when none broke.
	BreakingIndex int `json:"-"`
}

// SessionStep is one line of the timeline.
type SessionStep struct {
	N        int      `json:"n"`      // 1-based entry number in the file
	Offset   string   `json:"offset"` // time since the first entry, "+1.250s"
	Type     string   `json:"type,omitempty"`
	Method   string   `json:"method"`
	URL      string   `json:"url"`
	Status   int      `json:"status,omitempty"`
	Error    string   `json:"error,omitempty"`
	Marks    []string `json:"marks,omitempty"` // what happened to credentials here
	Breaking bool     `json:"breaking,omitempty"`
	// Hidden counts uninteresting entries left out before this one.
	Hidden int `json:"hidden,omitempty"`
}

// maxTimeline bounds the timeline's length.
const maxTimeline = 40

// BuildSession assembles the report of a replayed session and its findings.
// With all, the timeline lists every entry.
func BuildSession(s *evidence.Session, f *harflow.Flow, findings []diagnosis.Finding, show, all bool) *Session {
	r := &Session{Head: NewHead("har", "", "", findings), Source: s.Source, Browser: s.Browser, Entries: len(s.Entries), BreakingIndex: -1}
	if s.Sanitized {
		r.Sanitized, r.SanitizedWhy = true, s.SanitizedWhy
		r.CannotConclude = []string{
			"which cookies each request carried and which the server set, so refused, unsent or expired cookies are predicted from the browser's rules, not seen",
			"whether requests carried Authorization, so a dropped header or an expired token cannot be shown",
		}
		r.HowToExport = "Chrome/Edge: DevTools, Network, settings (gear): tick \"Allow to generate HAR with sensitive data\", then Export HAR (with sensitive data). Firefox: Network, right-click, Save All As HAR (cookies included). Safari: Network, Export. The file then holds live secrets: share it only with people you trust, and log out afterwards."
	}
	b := f.Breaking()
	if b >= 0 {
		r.BreakingIndex = s.Entries[b].Index
		r.BreakingPoint = s.Entries[b].Index + 1
	}
	r.Timeline = sessionTimeline(f, b, show, all)
	r.Hidden = len(s.Entries) - len(r.Timeline)
	switch {
	case len(findings) > 0:
		r.Verdict = Fail
		top := findings[0]
		where := "the session"
		if b >= 0 {
			st := &f.Steps[b]
			where = fmt.Sprintf("#%d %s %s", r.BreakingPoint, st.Entry.Exchange.Request.Method, shortURL(st.Entry.Exchange.Request.URL, show))
			if code := st.Status(); code != 0 {
				where += fmt.Sprintf(" → %d", code)
			}
		}
		r.Summary = where + ": " + MostLikely(top)
	case b >= 0:
		r.Verdict = Fail
		r.Summary = fmt.Sprintf("the flow broke at #%d, and no check could name the cause; see the timeline", r.BreakingPoint)
	default:
		r.Verdict = OK
		r.Summary = fmt.Sprintf("%d entries, no refused request (401, 403, 407, refused preflight) and nothing wrong found", len(s.Entries))
	}
	return r
}

// sessionTimeline lists the interesting steps: navigations, API calls,
// preflights, anything that set or lacked credentials, failed or
// redirected; static assets only when they failed.
func sessionTimeline(f *harflow.Flow, breaking int, show, all bool) []SessionStep {
	var out []SessionStep
	var t0 time.Time
	if len(f.Steps) > 0 {
		t0 = f.Steps[0].Entry.Started
	}
	hidden := 0
	for i := range f.Steps {
		st := &f.Steps[i]
		e := st.Entry
		marks := marksOf(f, i)
		interesting := all || i == breaking || st.Failed || st.Location() != nil || len(marks) > 0 || st.Auth != ""
		switch e.ResourceType {
		case "document", "xhr", "fetch", "preflight", "":
			interesting = true
		}
		if !interesting {
			hidden++
			continue
		}
		x := SessionStep{
			N:        e.Index + 1,
			Offset:   fmt.Sprintf("+%.3fs", e.Started.Sub(t0).Seconds()),
			Type:     e.ResourceType,
			Method:   e.Exchange.Request.Method,
			URL:      shortURL(e.Exchange.Request.URL, show),
			Error:    e.Exchange.Err,
			Marks:    marks,
			Breaking: i == breaking,
			Hidden:   hidden,
		}
		hidden = 0
		if e.Exchange.Response != nil {
			x.Status = e.Exchange.Response.Status
			x.Error = ""
		}
		out = append(out, x)
	}
	if len(out) <= maxTimeline || all {
		return out
	}
	// Keep the steps around the breaking point.
	at := 0
	for k, x := range out {
		if x.Breaking {
			at = k
		}
	}
	lo := max(0, at-maxTimeline*2/3)
	hi := min(len(out), lo+maxTimeline)
	cut := out[lo:hi]
	for _, x := range out[:lo] {
		cut[0].Hidden += x.Hidden + 1
	}
	return cut
}

// marksOf says what happened to credentials at step i.
func marksOf(f *harflow.Flow, i int) []string {
	st := &f.Steps[i]
	var m []string
	if st.Auth != "" {
		scheme, _, _ := strings.Cut(strings.TrimSpace(st.Auth), " ")
		m = append(m, "sends Authorization "+scheme)
	}
	if st.TokenFrom >= 0 {
		m = append(m, fmt.Sprintf("the bearer token came from #%d", f.Steps[st.TokenFrom].Entry.Index+1))
	}
	for _, name := range slices.Sorted(maps.Keys(st.Entry.Exchange.Request.Header)) {
		if redact.IsSecretHeader(name) && name != "Authorization" && name != "Cookie" && name != "Proxy-Authorization" {
			m = append(m, "sends "+name)
		}
	}
	if len(st.Actual) > 0 {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(st.Actual)) {
			if j, ok := st.CookieFrom[name]; ok {
				name += fmt.Sprintf(" (set by #%d)", f.Steps[j].Entry.Index+1)
			}
			parts = append(parts, name)
		}
		m = append(m, "sends cookies "+strings.Join(parts, ", "))
	}
	if st.IsRefresh() && st.Status() >= 400 {
		m = append(m, fmt.Sprintf("token refresh failed (%d)", st.Status()))
	}
	for _, v := range st.NotSent {
		if !st.Actual[v.Cookie.Name] {
			m = append(m, fmt.Sprintf("%s not sent: %s", v.Cookie.Name, v.Reason))
		}
	}
	for _, s := range st.Stored {
		name := "a cookie"
		if s.Parsed != nil {
			name = s.Parsed.Name
		}
		switch {
		case s.Reason != cookie.OK:
			m = append(m, fmt.Sprintf("Set-Cookie %s refused: %s", name, s.Reason))
		case s.Deleted:
			m = append(m, fmt.Sprintf("deletes cookie %s", name))
		default:
			m = append(m, fmt.Sprintf("sets cookie %s", name))
		}
	}
	if st.Entry.ResourceType == "preflight" && st.Failed {
		m = append(m, "preflight refused")
	}
	if st.AnsweredBy >= 0 {
		m = append(m, fmt.Sprintf("answered: the same request got through at #%d with other credentials", f.Steps[st.AnsweredBy].Entry.Index+1))
	}
	for _, b := range st.Entry.BrowserBlocks {
		m = append(m, fmt.Sprintf("browser: %s %s blocked (%s)", b.Phase, b.Name, strings.Join(b.Reasons, ", ")))
	}
	return m
}

// shortURL redacts a URL (unless show) and shortens long ones.
func shortURL(u string, show bool) string {
	if !show {
		u = redact.URL(u)
	}
	if len(u) > 100 {
		u = u[:100] + "…"
	}
	return u
}

// WriteSessionJSON renders r as `why401 har --json` prints it.
func WriteSessionJSON(w io.Writer, r *Session) error { return writeJSON(w, r) }

// WriteSessionText renders r for a person: summary, timeline, findings.
func WriteSessionText(w io.Writer, r *Session, st Style) error {
	var b strings.Builder
	mark := "✗"
	if r.Verdict == OK {
		mark = "✓"
	}
	fmt.Fprintf(&b, "%s %s\n", mark, r.Summary)
	fmt.Fprintf(&b, "  %s, %d entries", r.Source, r.Entries)
	if r.Browser != "" {
		fmt.Fprintf(&b, ", recorded by %s", r.Browser)
	}
	b.WriteString("\n")
	if len(r.Repairs) > 0 {
		fmt.Fprintf(&b, "  repaired while reading: %s\n", strings.Join(r.Repairs, "; "))
	}
	if r.Sanitized {
		fmt.Fprintf(&b, "\n! This HAR looks sanitized: %s.\n  It cannot show:\n", r.SanitizedWhy)
		for _, c := range r.CannotConclude {
			fmt.Fprintf(&b, "   - %s\n", c)
		}
		fmt.Fprintf(&b, "  To export with them: %s\n", r.HowToExport)
	}
	b.WriteString("\nTimeline:\n")
	for _, x := range r.Timeline {
		if x.Hidden > 0 {
			fmt.Fprintf(&b, "        … %d other entries\n", x.Hidden)
		}
		pointer := "  "
		if x.Breaking {
			pointer = "➜ "
		}
		res := x.Error
		if x.Status != 0 {
			res = fmt.Sprintf("%d %s", x.Status, http.StatusText(x.Status))
		}
		typ := ""
		if x.Type != "" && x.Type != "document" {
			typ = "[" + x.Type + "] "
		}
		fmt.Fprintf(&b, "%s#%-3d %9s  %s%s %s → %s\n", pointer, x.N, x.Offset, typ, x.Method, x.URL, res)
		for _, m := range x.Marks {
			fmt.Fprintf(&b, "                  · %s\n", m)
		}
		if x.Breaking {
			b.WriteString("                  ^ the flow breaks here\n")
		}
	}
	if r.Hidden > 0 {
		fmt.Fprintf(&b, "  (%d entries that loaded fine, such as images and scripts, are not shown; --all lists them)\n", r.Hidden)
	}
	if len(r.Findings) > 0 {
		b.WriteString("\nCauses, most likely first:\n")
		var fb strings.Builder
		if err := WriteFindings(&fb, r.Findings, st); err != nil {
			return err
		}
		b.WriteString(strings.TrimPrefix(fb.String(), "\n"))
		b.WriteString("(offline: nothing was sent; --replay sends the breaking request again)\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nnote: %s", n)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
	}
	if r.Replay != nil {
		fmt.Fprintf(&b, "\nReplay of #%d through the probe:\n", r.BreakingPoint)
		if err := WriteText(&b, r.Replay, st); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
