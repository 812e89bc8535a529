// Package htmlreport renders a diagnosing command's --json document as
// one self-contained HTML page (no external assets, no script), readable
// on a phone and printable: the verdict and first cause with its fixes at
// the top, then the evidence (the probe's exchanges hop by hop, a HAR's
// timeline), who answered, the token by its shape, the replay command,
// the other causes, and any further section of the document.
//
// It reads the JSON, not the command's Go values, so the page holds the
// same data as --json and nothing more (secrets stay exactly as redacted
// there). Every field is optional: a document missing a section, or
// carrying one the renderer does not know, still renders.
package htmlreport

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Doc is the common top level of every command's --json document; the
// sections it does not name stay in Sections.
type Doc struct {
	Command  string
	Verdict  string
	Summary  string
	Target   string
	Findings []Finding
	Notes    []string

	// Probe.
	Status               int
	Requests             int
	CredentialedAttempts int
	Replay               string // the replay command
	ReplayReport         *Doc   // har --replay: the probe's report of the breaking request
	Exchanges            []Exchange
	AnsweredBy           string
	Producers            []Producer
	Token                json.RawMessage
	DurationNS           int64

	// HAR.
	Browser        string
	Entries        int
	BreakingPoint  int
	Timeline       []Step
	Hidden         int
	Sanitized      bool
	SanitizedWhy   string
	CannotConclude []string
	HowToExport    string

	// Sections holds every other top-level field, by name.
	Sections map[string]json.RawMessage
}

// Finding is one cause; both the probe's and the audit's shapes decode.
type Finding struct {
	Cause      string     `json:"cause"`
	Confidence float64    `json:"confidence"`
	Band       string     `json:"band"`
	Severity   string     `json:"severity"`
	Title      string     `json:"title"`
	Detail     string     `json:"detail"`
	Message    string     `json:"message"` // audit's name for Detail
	Evidence   []string   `json:"evidence"`
	Location   *Location  `json:"location"`
	Related    []Location `json:"related"`
	Check      string     `json:"check"`
	Doc        string     `json:"doc"`
	// Fixes by audience; a plain list (audit) is the owner's.
	Fixes map[string][]Fix `json:"-"`
	// Count and time span, for log findings.
	Count int64  `json:"count"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Location is a place in a file.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func (l *Location) String() string {
	if l == nil || l.File == "" {
		return ""
	}
	s := l.File
	if l.Line > 0 {
		s += fmt.Sprintf(":%d", l.Line)
		if l.Column > 0 {
			s += fmt.Sprintf(":%d", l.Column)
		}
	}
	return s
}

// Fix is one step of a fix.
type Fix struct {
	Text    string `json:"text"`
	Command string `json:"command"`
}

// Exchange is one request and answer of a probe.
type Exchange struct {
	Variant  string              `json:"variant"`
	Address  string              `json:"address"`
	Hop      int                 `json:"hop"`
	Method   string              `json:"method"`
	URL      string              `json:"url"`
	Request  map[string][]string `json:"request_headers"`
	Status   int                 `json:"status"`
	Response map[string][]string `json:"response_headers"`
	Body     string              `json:"body"`
	Remote   string              `json:"remote"`
	Error    string              `json:"error"`
	Kind     string              `json:"error_kind"`
	Redirect *struct {
		To        string          `json:"to"`
		Status    int             `json:"status"`
		CrossHost bool            `json:"cross_host"`
		CrossPort bool            `json:"cross_port"`
		SchemeTo  string          `json:"scheme_to"`
		KeepsAuth map[string]bool `json:"keeps_auth"`
		Forwarded bool            `json:"forwarded"`
	} `json:"redirect"`
	TLS json.RawMessage `json:"tls"`
}

// Producer is who produced an answer.
type Producer struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Markers []string `json:"markers"`
}

// Step is one line of a HAR timeline.
type Step struct {
	N        int      `json:"n"`
	Offset   string   `json:"offset"`
	Type     string   `json:"type"`
	Method   string   `json:"method"`
	URL      string   `json:"url"`
	Status   int      `json:"status"`
	Error    string   `json:"error"`
	Marks    []string `json:"marks"`
	Breaking bool     `json:"breaking"`
	Hidden   int      `json:"hidden"`
}

// known are the top-level names Doc decodes itself.
var known = map[string]bool{
	"command": true, "verdict": true, "summary": true, "target": true, "source": true, "findings": true, "notes": true,
	"status": true, "requests": true, "credentialed_attempts": true, "replay": true, "exchanges": true,
	"answered_by": true, "producers": true, "token": true, "duration_ns": true, "duration": true,
	"browser": true, "entries": true, "breaking_point": true, "timeline": true, "hidden": true,
	"sanitized": true, "sanitized_why": true, "cannot_conclude": true, "how_to_export": true,
}

// Parse decodes a command's --json document. Only a document that is not
// a JSON object is an error; fields of unexpected types are skipped.
func Parse(data []byte) (*Doc, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a why401 JSON document: %v", err)
	}
	if top == nil {
		return nil, fmt.Errorf("not a why401 JSON document: not an object")
	}
	return parseTop(top), nil
}

func parseTop(top map[string]json.RawMessage) *Doc {
	d := &Doc{Sections: map[string]json.RawMessage{}}
	get := func(name string, v any) { _ = json.Unmarshal(top[name], v) }
	get("command", &d.Command)
	get("verdict", &d.Verdict)
	get("summary", &d.Summary)
	get("target", &d.Target)
	if d.Target == "" {
		get("source", &d.Target)
	}
	get("notes", &d.Notes)
	get("status", &d.Status)
	get("requests", &d.Requests)
	get("credentialed_attempts", &d.CredentialedAttempts)
	get("exchanges", &d.Exchanges)
	get("answered_by", &d.AnsweredBy)
	get("producers", &d.Producers)
	d.Token = top["token"]
	get("duration_ns", &d.DurationNS)
	get("browser", &d.Browser)
	get("entries", &d.Entries)
	get("breaking_point", &d.BreakingPoint)
	get("timeline", &d.Timeline)
	get("hidden", &d.Hidden)
	get("sanitized", &d.Sanitized)
	get("sanitized_why", &d.SanitizedWhy)
	get("cannot_conclude", &d.CannotConclude)
	get("how_to_export", &d.HowToExport)
	if raw, ok := top["replay"]; ok {
		var s string
		var obj map[string]json.RawMessage
		switch {
		case json.Unmarshal(raw, &s) == nil:
			d.Replay = s
		case json.Unmarshal(raw, &obj) == nil && obj != nil:
			d.ReplayReport = parseTop(obj)
			if d.ReplayReport.Command == "" {
				d.ReplayReport.Command = "probe"
			}
		}
	}
	var fs []json.RawMessage
	get("findings", &fs)
	for _, raw := range fs {
		var f Finding
		if json.Unmarshal(raw, &f) != nil {
			continue
		}
		var fx struct {
			Fixes json.RawMessage `json:"fixes"`
		}
		_ = json.Unmarshal(raw, &fx)
		f.Fixes = fixes(fx.Fixes)
		d.Findings = append(d.Findings, f)
	}
	for k, v := range top {
		if !known[k] {
			d.Sections[k] = v
		}
	}
	if d.Command == "" {
		d.Command = guessCommand(top)
	}
	return d
}

// fixes decodes fixes by audience, or a plain list as the owner's.
func fixes(raw json.RawMessage) map[string][]Fix {
	if len(raw) == 0 {
		return nil
	}
	var m map[string][]Fix
	if json.Unmarshal(raw, &m) == nil {
		return m
	}
	var l []Fix
	if json.Unmarshal(raw, &l) == nil && len(l) > 0 {
		return map[string][]Fix{"owner": l}
	}
	return nil
}

// guessCommand names the command of a document without "command" (the
// JSON of today, before every document carries it).
func guessCommand(top map[string]json.RawMessage) string {
	has := func(k string) bool { _, ok := top[k]; return ok }
	switch {
	case has("exchanges"):
		return "probe"
	case has("timeline") && has("breaking_point"):
		return "har"
	case has("files") && has("counts"):
		return "audit"
	case has("results"):
		return "check"
	case has("lines") && has("failures"):
		return "logs"
	}
	return ""
}

// Anchor is a cause's section name in docs/causes.md: token.expired ->
// token-expired.
func Anchor(cause string) string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(strings.ToLower(cause))
}

// DocLink returns the finding's documentation reference, relative to the
// repository ("docs/causes.md#token-expired").
func (f *Finding) DocLink() string {
	if f.Doc != "" {
		return f.Doc
	}
	if f.Cause == "" {
		return ""
	}
	return "docs/causes.md#" + Anchor(f.Cause)
}

// Audiences lists the audiences with fixes, visitor first.
func (f *Finding) Audiences() []string {
	order := map[string]int{"visitor": 0, "developer": 1, "owner": 2}
	var out []string
	for a, l := range f.Fixes {
		if len(l) > 0 {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		oi, ok := order[out[i]]
		if !ok {
			oi = 9
		}
		oj, ok := order[out[j]]
		if !ok {
			oj = 9
		}
		return oi < oj || oi == oj && out[i] < out[j]
	})
	return out
}

// Where is the finding's location as "file:line:column", or "".
func (f *Finding) Where() string { return f.Location.String() }
