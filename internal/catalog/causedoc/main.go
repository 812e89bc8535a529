// Command causedoc writes docs/causes.md from the cause catalog and the
// suites that report each cause. It is run by go generate in
// internal/catalog:
//
//	go generate ./internal/catalog
//
// and its test fails when the committed file differs from what it writes.
// It lives beside the catalog but in its own package, since the suites it
// reads import the catalog.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/why401/why401/internal/audit"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/logs/analysis"
)

// Regenerate is the command that rewrites the file, as stale-file
// messages name it.
const Regenerate = "go generate ./internal/catalog"

func main() {
	out := flag.String("o", "", "write to `FILE` instead of stdout")
	flag.Parse()
	b := Render(Suites())
	if *out == "" {
		os.Stdout.Write(b)
		return
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "causedoc:", err)
		os.Exit(1)
	}
}

// Check is one check as the document names it.
type Check struct {
	Name, Doc string
	Causes    []catalog.ID
}

// Suite is a set of checks and the commands that run it.
type Suite struct {
	Commands []string // as typed: "probe", "har --replay"
	Checks   []Check
}

// Suites returns the suites of the probe, the browser session, the
// configuration audit and the access-log analysis, with the commands that
// run each.
func Suites() []Suite {
	return []Suite{
		// check and har --replay probe through the probe's pipeline.
		{Commands: []string{"probe", "curl", "check", "har --replay"}, Checks: checksOf(checks.All)},
		{Commands: []string{"har"}, Checks: checksOf(checks.Session)},
		{Commands: []string{"jwt"}, Checks: checksOf(checks.TokenSuite)},
		{Commands: []string{"audit"}, Checks: checksOf(audit.All)},
		{Commands: []string{"logs"}, Checks: []Check{{
			Name:   "",
			Doc:    "the access-log analysis, from patterns over many requests",
			Causes: analysis.Causes,
		}}},
	}
}

// checksOf names the checks of a suite over any kind of evidence.
func checksOf[E any](cs []*finding.Check[E]) []Check {
	out := make([]Check, len(cs))
	for i, c := range cs {
		out[i] = Check{c.Name, c.Doc, c.Causes}
	}
	return out
}

// audienceNames says who each audience is.
var audienceNames = map[catalog.Audience]string{
	catalog.Visitor:   "For the visitor (a person in a browser)",
	catalog.Developer: "For the developer (someone writing or running an API client)",
	catalog.SiteOwner: "For the site owner (whoever runs the server, proxy, CDN or CMS)",
}

// Render writes the document: blocks of Markdown separated by one blank
// line.
func Render(suites []Suite) []byte {
	var blocks []string
	add := func(format string, args ...any) { blocks = append(blocks, fmt.Sprintf(format, args...)) }
	add("<!-- Generated from internal/catalog by `%s`; do not edit. -->", Regenerate)
	add("# The causes why401 names")
	add("Every finding of why401 names one cause by its ID: the `cause` field of JSON output, the rule of SARIF output. " +
		"The IDs are a public contract: one is never renamed, removed or reused, and new ones are announced in CHANGELOG.md. " +
		"Each section below has the ID as its anchor (`docs/causes.md#token.expired`); `why401 causes ID` prints the same text in a terminal. " +
		"A fix marked for some software (*For nginx:*) is offered only when that software answered or wrote the configuration.")

	var index []string
	for _, c := range catalog.All() {
		index = append(index, fmt.Sprintf("- [`%s`](#%s): %s", c.ID, catalog.Anchor(c.ID), prose(c.Title)))
	}
	add("%s", strings.Join(index, "\n"))

	for _, c := range catalog.All() {
		add("<a id=\"%s\"></a>", catalog.Anchor(c.ID))
		add("## %s", c.ID)
		add("**%s.** Severity in audits and checklists: %s.", prose(c.Title), c.Severity)
		add("%s", prose(c.Explanation))
		add("**How why401 recognises it.** %s", prose(c.Recognition))
		for _, a := range catalog.Audiences {
			fixes := c.Fixes[a]
			if len(fixes) == 0 {
				continue
			}
			add("**%s**", audienceNames[a])
			for _, f := range fixes {
				item := "- " + prose(f.Text)
				if tags := f.Tags(); len(tags) > 0 {
					item = "- *For " + strings.Join(tags, " and ") + ":* " + prose(f.Text)
				}
				if f.Command != "" {
					fence := "```"
					for strings.Contains(f.Command, fence) {
						fence += "`"
					}
					item += "\n\n  " + fence + "\n"
					for _, line := range strings.Split(f.Command, "\n") {
						if line != "" {
							item += "  " + line
						}
						item += "\n"
					}
					item += "  " + fence
				}
				add("%s", item)
			}
		}
		add("**Reported by**")
		var reported []string
		for _, s := range suites {
			var names []string
			for _, ch := range s.Checks {
				if !slices.Contains(ch.Causes, c.ID) {
					continue
				}
				if ch.Name == "" {
					names = append(names, "  - "+prose(ch.Doc))
				} else {
					names = append(names, fmt.Sprintf("  - check `%s`: %s", ch.Name, prose(ch.Doc)))
				}
			}
			if len(names) == 0 {
				continue
			}
			cmds := make([]string, len(s.Commands))
			for i, cmd := range s.Commands {
				cmds[i] = "`why401 " + cmd + "`"
			}
			reported = append(reported, "- "+strings.Join(cmds, ", ")+"\n"+strings.Join(names, "\n"))
		}
		if len(reported) == 0 {
			reported = []string{"- No check reports it yet; the catalog holds its words for the checks to come."}
		}
		add("%s", strings.Join(reported, "\n"))
	}
	return []byte(strings.Join(blocks, "\n\n") + "\n")
}

// prose escapes the characters of plain text that Markdown would read as
// markup: backslashes, backticks, asterisks, brackets, angle brackets, and
// underscores that are not inside a word.
func prose(s string) string {
	var b strings.Builder
	isWord := func(i int) bool {
		if i < 0 || i >= len(s) {
			return false
		}
		c := s[i]
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("\\`*[]<>", c) >= 0:
			b.WriteByte('\\')
		case c == '_' && !(isWord(i-1) && isWord(i+1)):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
