// Package sarif writes audit findings as a SARIF 2.1.0 log (OASIS Static
// Analysis Results Interchange Format), the format GitHub code scanning
// and editors read. Each cause ID is a rule; each finding a result at its
// file and line.
package sarif

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/why401/why401/internal/audit"
	"github.com/why401/why401/internal/catalog"
)

// Version and SchemaURI identify the format written.
const (
	Version   = "2.1.0"
	SchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
)

// BaseID names the root that relative artifact URIs are relative to.
const BaseID = "SRCROOT"

// Options describe the tool and where paths are relative to.
type Options struct {
	// ToolVersion is why401's version.
	ToolVersion string
	// BaseDir, when set and absolute, makes paths under it relative URIs
	// against the SRCROOT base (what code scanning wants for files in a
	// repository); other paths become file:// URIs.
	BaseDir string
}

// Log is the top-level SARIF object (the subset why401 writes).
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one tool run.
type Run struct {
	Tool               Tool                        `json:"tool"`
	OriginalURIBaseIDs map[string]ArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Results            []Result                    `json:"results"`
	ColumnKind         string                      `json:"columnKind"`
}

// Tool names the analysis tool.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool component and its rules.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri,omitempty"`
	Rules          []Rule `json:"rules"`
}

// Rule is one cause.
type Rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     Message        `json:"shortDescription"`
	FullDescription      *Message       `json:"fullDescription,omitempty"`
	Help                 *Message       `json:"help,omitempty"`
	DefaultConfiguration *Configuration `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any `json:"properties,omitempty"`
}

// Configuration is a rule's default level.
type Configuration struct {
	Level string `json:"level"`
}

// Message is plain text (and optionally Markdown).
type Message struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

// Result is one finding.
type Result struct {
	RuleID           string            `json:"ruleId"`
	RuleIndex        int               `json:"ruleIndex"`
	Level            string            `json:"level"`
	Message          Message           `json:"message"`
	Locations        []Location        `json:"locations"`
	RelatedLocations []Location        `json:"relatedLocations,omitempty"`
	Properties       map[string]string `json:"properties,omitempty"`
}

// Location wraps a physical location.
type Location struct {
	ID               *int             `json:"id,omitempty"`
	PhysicalLocation PhysicalLocation `json:"physicalLocation"`
	Message          *Message         `json:"message,omitempty"`
}

// PhysicalLocation is a file and region.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// ArtifactLocation is a URI, optionally relative to a base.
type ArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// Region is a place in a file; lines and columns are 1-based.
type Region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// Level maps a catalog severity to a SARIF level.
func Level(s catalog.Severity) string {
	switch s {
	case catalog.Error:
		return "error"
	case catalog.Warning:
		return "warning"
	}
	return "note"
}

// Build turns findings into a SARIF log. Rules are the causes found, in
// catalog order; results keep the findings' order.
func Build(findings []audit.Finding, o Options) *Log {
	run := Run{
		Tool:       Tool{Driver: Driver{Name: "why401", Version: o.ToolVersion, Rules: []Rule{}}},
		Results:    []Result{},
		ColumnKind: "unicodeCodePoints",
	}
	base := ""
	if o.BaseDir != "" && filepath.IsAbs(o.BaseDir) {
		base = filepath.Clean(o.BaseDir)
		run.OriginalURIBaseIDs = map[string]ArtifactLocation{BaseID: {URI: fileURI(base) + "/"}}
	}
	used := map[catalog.ID]bool{}
	for _, f := range findings {
		used[f.Cause] = true
	}
	var ids []catalog.ID
	for id := range used {
		ids = append(ids, id)
	}
	order := map[catalog.ID]int{}
	for i, id := range catalog.IDs {
		order[id] = i
	}
	sort.Slice(ids, func(i, j int) bool { return order[ids[i]] < order[ids[j]] })
	index := map[catalog.ID]int{}
	for i, id := range ids {
		index[id] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule(id))
	}
	for _, f := range findings {
		r := Result{
			RuleID:     string(f.Cause),
			RuleIndex:  index[f.Cause],
			Level:      Level(f.Severity),
			Message:    Message{Text: f.Detail},
			Locations:  []Location{location(f.Location, base)},
			Properties: map[string]string{"check": f.Check, "server": string(f.Server)},
		}
		for i, rl := range f.Related {
			l := location(rl, base)
			id := i + 1
			l.ID = &id
			r.RelatedLocations = append(r.RelatedLocations, l)
		}
		run.Results = append(run.Results, r)
	}
	return &Log{Schema: SchemaURI, Version: Version, Runs: []Run{run}}
}

// Write writes the findings as an indented SARIF log.
func Write(w io.Writer, findings []audit.Finding, o Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Build(findings, o))
}

func rule(id catalog.ID) Rule {
	r := Rule{ID: string(id), ShortDescription: Message{Text: string(id)}}
	c, ok := catalog.Lookup(id)
	if !ok {
		return r
	}
	r.Name = ruleName(id)
	r.ShortDescription = Message{Text: c.Title}
	if c.Explanation != "" {
		r.FullDescription = &Message{Text: c.Explanation}
	}
	var text, md strings.Builder
	for _, fx := range c.Fixes[catalog.SiteOwner] {
		text.WriteString("- " + fx.Text + "\n")
		md.WriteString("- " + fx.Text + "\n")
		if fx.Command != "" {
			text.WriteString("  " + fx.Command + "\n")
			md.WriteString("\n  ```\n  " + strings.ReplaceAll(fx.Command, "\n", "\n  ") + "\n  ```\n")
		}
	}
	if text.Len() > 0 {
		r.Help = &Message{Text: text.String(), Markdown: md.String()}
	}
	r.DefaultConfiguration = &Configuration{Level: Level(c.Severity)}
	r.Properties = map[string]any{"tags": []string{"authentication", strings.SplitN(string(id), ".", 2)[0]}}
	return r
}

// ruleName turns "server.htpasswd-file" into "ServerHtpasswdFile", the
// PascalCase form SARIF viewers show.
func ruleName(id catalog.ID) string {
	var b strings.Builder
	up := true
	for _, r := range string(id) {
		if r == '.' || r == '-' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}

func location(l audit.Location, base string) Location {
	pl := PhysicalLocation{ArtifactLocation: artifact(l.File, base)}
	if l.Line > 0 {
		pl.Region = &Region{StartLine: l.Line, StartColumn: l.Column}
	}
	return Location{PhysicalLocation: pl}
}

func artifact(path, base string) ArtifactLocation {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if base != "" {
		if rel, err := filepath.Rel(base, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return ArtifactLocation{URI: (&url.URL{Path: filepath.ToSlash(rel)}).EscapedPath(), URIBaseID: BaseID}
		}
	}
	return ArtifactLocation{URI: fileURI(abs)}
}

func fileURI(abs string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}
