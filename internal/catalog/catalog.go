// Package catalog holds every cause why401 can name: its stable ID, its
// words, how it is recognised and how each audience fixes it. Checks and
// renderers refer to causes only by ID; the words live here, once.
package catalog

import "fmt"

//go:generate go run ./idgen
//go:generate go run ./causedoc -o ../../docs/causes.md

// ID is a stable cause identifier such as "token.expired".
type ID string

// Audience is who can act on a fix.
type Audience string

// The audiences a fix is written for.
const (
	Visitor   Audience = "visitor"   // a person in a browser
	Developer Audience = "developer" // someone writing or running an API client
	SiteOwner Audience = "owner"     // whoever runs the server, proxy, CDN or CMS
)

// Audiences lists the audiences in the order reports show them.
var Audiences = []Audience{Visitor, Developer, SiteOwner}

// Severity ranks how bad a cause is when found by a static audit or a
// checklist; the probe ranks by confidence instead.
type Severity string

// Severities, weakest first.
const (
	Info    Severity = "info"
	Warning Severity = "warning"
	Error   Severity = "error"
)

// Fix is one concrete step. Command, when set, is a ready command or
// configuration snippet; Text says what it does and when to use it.
type Fix struct {
	Text    string `json:"text"`
	Command string `json:"command,omitempty"`
	// For names what the fix is written for (software such as "nginx" or
	// "cloudflare", a credential scheme such as "bearer"); nil derives it
	// from the fix's words (Tags), an empty non-nil list means it applies
	// everywhere. FixesFor leaves out fixes for something else.
	For []string `json:"-"`
}

// Cause is the catalog entry of one ID.
type Cause struct {
	ID          ID
	Title       string // one line, no final period
	Explanation string // what is going on, in plain words
	Recognition string // which evidence shows it
	Severity    Severity
	Fixes       map[Audience][]Fix
}

// Lookup returns the entry for id, or false when the catalog has none.
func Lookup(id ID) (*Cause, bool) {
	c, ok := entries[id]
	return c, ok
}

// MustLookup is Lookup for IDs known at compile time; it panics on an
// unknown ID, which is a programming error caught by the tests.
func MustLookup(id ID) *Cause {
	c, ok := entries[id]
	if !ok {
		panic(fmt.Sprintf("catalog: unknown cause %q", id))
	}
	return c
}

// IDs lists every cause ID in the order of the causes table, which is the
// order reports, `why401 causes` and docs/causes.md list them in.
var IDs = func() []ID {
	out := make([]ID, len(causes))
	for i := range causes {
		out[i] = causes[i].ID
	}
	return out
}()

// All returns every entry in the order of IDs.
func All() []*Cause {
	out := make([]*Cause, len(causes))
	for i := range causes {
		out[i] = &causes[i]
	}
	return out
}

// entries is filled from the causes table in causes.go.
var entries = func() map[ID]*Cause {
	m := make(map[ID]*Cause, len(causes))
	for i := range causes {
		c := &causes[i]
		if _, dup := m[c.ID]; dup {
			panic(fmt.Sprintf("catalog: duplicate cause %q", c.ID))
		}
		m[c.ID] = c
	}
	return m
}()

// DocFile is where the cause documentation lives, relative to the
// repository's root; it is generated from this package (go generate
// ./internal/catalog) and a test fails when it is stale.
const DocFile = "docs/causes.md"

// DocBase is the public address of DocFile: the file on the default branch
// of the project's repository, which the module path names.
const DocBase = "https://github.com/why401/why401/blob/main/" + DocFile

// Anchor returns the stable fragment of id's section in DocFile: the ID
// itself, which DocFile sets as an explicit HTML anchor, so it does not
// depend on how a Markdown renderer derives anchors from headings and
// does not change when a title does. It is "" for an unknown ID.
func Anchor(id ID) string {
	if _, ok := entries[id]; !ok {
		return ""
	}
	return string(id)
}

// DocURL returns the link to id's section, DocBase and the anchor: the
// one address of a cause's documentation, used as a finding's doc in JSON,
// SARIF's helpUri (which must be an absolute URI) and the HTML report's
// link; "" for an unknown ID.
func DocURL(id ID) string {
	if a := Anchor(id); a != "" {
		return DocBase + "#" + a
	}
	return ""
}
