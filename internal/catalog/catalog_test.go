package catalog

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// publishedPath lists every cause ID ever published; see its header.
const publishedPath = "testdata/published-ids.txt"

// addedHeading starts the section of publishedPath whose IDs came after
// the first version, each of which the changelog must announce.
const addedHeading = "# Added since"

// idPattern is the shape of a cause ID: lowercase dotted words, such as
// "token.expired" or "spike.401".
var idPattern = regexp.MustCompile(`^[a-z0-9]+(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$`)

// parsePublished reads a published-IDs list: one ID a line, # comments and
// blank lines ignored. It returns the IDs in order and those listed after
// addedHeading, and an error naming the line of anything that is not an
// ID or repeats one.
func parsePublished(r io.Reader) (ids []ID, added map[ID]bool, err error) {
	added = map[ID]bool{}
	seen := map[ID]int{}
	inAdded := false
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, addedHeading):
			inAdded = true
			continue
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case !idPattern.MatchString(line):
			return nil, nil, fmt.Errorf("line %d: %q is not a cause ID", n, line)
		}
		id := ID(line)
		if first, dup := seen[id]; dup {
			return nil, nil, fmt.Errorf("line %d: %s already listed on line %d", n, id, first)
		}
		seen[id] = n
		ids = append(ids, id)
		if inAdded {
			added[id] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	return ids, added, nil
}

// readPublished parses publishedPath, failing the test when it cannot.
func readPublished(t *testing.T) ([]ID, map[ID]bool) {
	t.Helper()
	f, err := os.Open(publishedPath)
	if err != nil {
		t.Fatalf("reading the published cause IDs: %v", err)
	}
	defer f.Close()
	ids, added, err := parsePublished(f)
	if err != nil {
		t.Fatalf("%s: %v", publishedPath, err)
	}
	if len(ids) == 0 {
		t.Fatalf("%s: no cause IDs found", publishedPath)
	}
	return ids, added
}

// TestCatalogMatchesPublishedIDs holds the catalog to the list of IDs ever
// published: removing or renaming an ID fails, and so does adding one
// without listing it.
func TestCatalogMatchesPublishedIDs(t *testing.T) {
	published, _ := readPublished(t)
	listed := map[ID]bool{}
	for _, id := range published {
		listed[id] = true
		if _, ok := Lookup(id); !ok {
			t.Errorf("%s was published (%s) but the catalog has no entry for it: IDs are never removed or renamed", id, publishedPath)
		}
	}
	var missing []string
	for _, id := range IDs {
		if !listed[id] {
			missing = append(missing, string(id))
		}
	}
	for _, id := range missing {
		t.Errorf("%s is in the catalog but not in %s: go generate ./internal/catalog appends it", id, publishedPath)
	}
}

func TestParsePublished(t *testing.T) {
	const doc = "# header\n\n# Published by the first version:\ntoken.expired\n  spike.401  \n\n" + addedHeading + ", each announced:\nwaf.block\n"
	ids, added, err := parsePublished(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want := []ID{"token.expired", "spike.401", "waf.block"}; !slices.Equal(ids, want) {
		t.Errorf("parsePublished = %v, want %v", ids, want)
	}
	if len(added) != 1 || !added["waf.block"] {
		t.Errorf("added = %v, want only waf.block", added)
	}
	for _, bad := range []string{"token.expired\n", "Not An ID\n"} {
		if _, _, err := parsePublished(strings.NewReader(doc + bad)); err == nil {
			t.Errorf("parsePublished accepted %q", bad)
		}
	}
}

func TestDocLinks(t *testing.T) {
	seen := map[string]ID{}
	for _, id := range IDs {
		a := Anchor(id)
		if a == "" || strings.ContainsAny(a, " #/%") {
			t.Errorf("Anchor(%s) = %q, want a plain fragment", id, a)
		}
		if other, dup := seen[a]; dup {
			t.Errorf("%s and %s share the anchor %q", other, id, a)
		}
		seen[a] = id
		if got, want := DocURL(id), "https://github.com/why401/why401/blob/main/docs/causes.md#"+a; got != want {
			t.Errorf("DocURL(%s) = %q, want %q", id, got, want)
		}
	}
	if a, u := Anchor("no.such-cause"), DocURL("no.such-cause"); a != "" || u != "" {
		t.Errorf("links for an unknown ID = %q, %q; want empty", a, u)
	}
}

func TestIDsAreUniqueAndWellFormed(t *testing.T) {
	seen := map[ID]int{}
	for i, id := range IDs {
		if !idPattern.MatchString(string(id)) {
			t.Errorf("IDs[%d] = %q is not a dotted lowercase ID", i, id)
		}
		if j, dup := seen[id]; dup {
			t.Errorf("IDs[%d] = %s repeats IDs[%d]", i, id, j)
		}
		seen[id] = i
	}
}

func TestEntriesAreComplete(t *testing.T) {
	for i := range causes {
		for _, p := range problems(&causes[i]) {
			t.Errorf("%s: %s", causes[i].ID, p)
		}
	}
}

func TestTitlesAreUnique(t *testing.T) {
	seen := map[string]ID{}
	for _, c := range causes {
		key := strings.ToLower(c.Title)
		if other, dup := seen[key]; dup {
			t.Errorf("%s and %s share the title %q", other, c.ID, c.Title)
		}
		seen[key] = c.ID
	}
}

func TestLookup(t *testing.T) {
	c, ok := Lookup(TokenExpired)
	if !ok || c.ID != TokenExpired {
		t.Fatalf("Lookup(%s) = %v, %v", TokenExpired, c, ok)
	}
	if MustLookup(TokenExpired) != c {
		t.Errorf("MustLookup and Lookup return different entries for %s", TokenExpired)
	}
	if c, ok := Lookup("no.such-cause"); ok || c != nil {
		t.Errorf("Lookup(no.such-cause) = %v, %v; want nil, false", c, ok)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("MustLookup(no.such-cause) did not panic")
		}
	}()
	MustLookup("no.such-cause")
}

func TestAllFollowsIDs(t *testing.T) {
	all := All()
	if len(all) != len(causes) {
		t.Fatalf("All() has %d entries, want %d", len(all), len(causes))
	}
	for i, id := range IDs {
		if i < len(all) && all[i].ID != id {
			t.Errorf("All()[%d] = %s, want %s", i, all[i].ID, id)
		}
	}
}

// problems lists what is wrong with one entry; nil means none.
func problems(c *Cause) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	if !idPattern.MatchString(string(c.ID)) {
		add("ID %q is not a dotted lowercase ID", c.ID)
	}

	switch t := c.Title; {
	case t == "":
		add("no title")
	case strings.TrimSpace(t) != t:
		add("title %q has surrounding whitespace", t)
	case strings.ContainsAny(t, "\r\n"):
		add("title %q spans lines", t)
	case strings.HasSuffix(t, "."):
		add("title %q ends with a period", t)
	default:
		if r, _ := utf8.DecodeRuneInString(t); !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			add("title %q does not start with a capital letter or digit", t)
		}
	}

	if n := sentences(c.Explanation); n < 2 || n > 4 {
		add("explanation has %d sentences, want 2 to 4", n)
	}
	if !strings.HasSuffix(c.Explanation, ".") {
		add("explanation does not end with a period")
	}
	if strings.TrimSpace(c.Recognition) == "" {
		add("no recognition")
	} else if !strings.HasSuffix(c.Recognition, ".") {
		add("recognition does not end with a period")
	}

	if !slices.Contains([]Severity{Info, Warning, Error}, c.Severity) {
		add("severity %q is not info, warning or error", c.Severity)
	}

	total := 0
	for aud, fixes := range c.Fixes {
		if !slices.Contains(Audiences, aud) {
			add("fixes for unknown audience %q", aud)
		}
		if len(fixes) == 0 {
			add("audience %s is listed with no fixes", aud)
		}
		// A hosting panel's fix is shown only where that panel's files
		// were read (PanelTags), so it does not count against the
		// four; each panel has one per audience.
		general, perPanel := 0, map[string]int{}
		for _, f := range fixes {
			panel := ""
			for _, t := range PanelTags {
				if slices.Contains(f.Tags(), t) {
					panel = t
				}
			}
			if panel == "" {
				general++
			} else if perPanel[panel]++; perPanel[panel] > 1 {
				add("audience %s has %d fixes for %s, want at most 1", aud, perPanel[panel], panel)
			}
		}
		if general > 4 {
			add("audience %s has %d fixes, want at most 4", aud, general)
		}
		for i, f := range fixes {
			total++
			switch {
			case strings.TrimSpace(f.Text) == "":
				add("%s fix %d has no text", aud, i)
			case strings.TrimSpace(f.Text) != f.Text:
				add("%s fix %d text has surrounding whitespace", aud, i)
			case !strings.HasSuffix(f.Text, ".") && !strings.HasSuffix(f.Text, ":"):
				add("%s fix %d text %q does not end with a period or colon", aud, i, f.Text)
			}
			if f.Command != strings.TrimSpace(f.Command) {
				add("%s fix %d command has surrounding whitespace", aud, i)
			}
			if strings.HasSuffix(f.Text, ":") && f.Command == "" {
				add("%s fix %d text ends with a colon but has no command", aud, i)
			}
		}
	}
	if total == 0 {
		add("no fixes")
	}
	return out
}

// sentence ends at a period, question or exclamation mark followed by
// white space; a period inside a version number or host name does not end one.
var sentenceEnd = regexp.MustCompile(`[.?!]\s+`)

// sentences counts the sentences of s.
func sentences(s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	return len(sentenceEnd.FindAllStringIndex(s, -1)) + 1
}

// TestProblemsCatchesDefects makes sure the completeness check can fail.
func TestProblemsCatchesDefects(t *testing.T) {
	good := Cause{
		ID:          "demo.good",
		Title:       "A good entry",
		Explanation: "One sentence. Another sentence.",
		Recognition: "Some evidence.",
		Severity:    Warning,
		Fixes:       map[Audience][]Fix{Developer: {{Text: "Do this:", Command: "true"}}},
	}
	if p := problems(&good); len(p) != 0 {
		t.Fatalf("problems(good) = %q, want none", p)
	}
	tests := []struct {
		name   string
		modify func(*Cause)
		want   string
	}{
		{"bad id", func(c *Cause) { c.ID = "Not An ID" }, "not a dotted lowercase ID"},
		{"no title", func(c *Cause) { c.Title = "" }, "no title"},
		{"final period", func(c *Cause) { c.Title = "A title." }, "ends with a period"},
		{"two lines", func(c *Cause) { c.Title = "A\ntitle" }, "spans lines"},
		{"lowercase title", func(c *Cause) { c.Title = "a title" }, "capital letter"},
		{"no explanation", func(c *Cause) { c.Explanation = "" }, "0 sentences"},
		{"one sentence", func(c *Cause) { c.Explanation = "Only one." }, "1 sentences"},
		{"five sentences", func(c *Cause) { c.Explanation = "A. B. C. D. E." }, "5 sentences"},
		{"no recognition", func(c *Cause) { c.Recognition = " " }, "no recognition"},
		{"no severity", func(c *Cause) { c.Severity = "" }, "severity"},
		{"no fixes", func(c *Cause) { c.Fixes = nil }, "no fixes"},
		{"empty audience", func(c *Cause) { c.Fixes = map[Audience][]Fix{Visitor: {}} }, "with no fixes"},
		{"unknown audience", func(c *Cause) { c.Fixes = map[Audience][]Fix{"robot": {{Text: "Beep."}}} }, "unknown audience"},
		{"fix without text", func(c *Cause) { c.Fixes = map[Audience][]Fix{Developer: {{Command: "true"}}} }, "has no text"},
		{"colon without command", func(c *Cause) { c.Fixes = map[Audience][]Fix{Developer: {{Text: "Run:"}}} }, "no command"},
		{"too many fixes", func(c *Cause) {
			f := Fix{Text: "Step."}
			c.Fixes = map[Audience][]Fix{SiteOwner: {f, f, f, f, f}}
		}, "at most 4"},
	}
	for _, tt := range tests {
		c := good
		tt.modify(&c)
		p := problems(&c)
		if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, tt.want) }) {
			t.Errorf("%s: problems = %q, want one containing %q", tt.name, p, tt.want)
		}
	}
}

// TestContributingExample keeps CONTRIBUTING.md's walkthrough true: each
// code block that follows a line naming a file in backticks must still be
// in that file, line by line (indentation aside).
func TestContributingExample(t *testing.T) {
	const root = "../../"
	b, err := os.ReadFile(root + "CONTRIBUTING.md")
	if err != nil {
		t.Fatal(err)
	}
	fileRE := regexp.MustCompile("`((?:internal|cmd|docs)/[^`]+\\.(?:go|txtar))`:\\s*$")
	var file string
	blocks := 0
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := fileRE.FindStringSubmatch(line); m != nil {
			file = m[1]
			continue
		}
		if !strings.HasPrefix(line, "```go") && !strings.HasPrefix(line, "```txtar") {
			continue
		}
		src, err := os.ReadFile(root + file)
		if err != nil || file == "" {
			t.Fatalf("CONTRIBUTING.md line %d: the block names no readable file (%q): %v", i+1, file, err)
		}
		have := map[string]bool{}
		for _, l := range strings.Split(string(src), "\n") {
			have[strings.Join(strings.Fields(l), " ")] = true
		}
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			want := strings.Join(strings.Fields(lines[i]), " ")
			if want != "" && !have[want] {
				t.Errorf("CONTRIBUTING.md line %d: %s no longer holds %q", i+1, file, lines[i])
			}
		}
		blocks++
		file = ""
	}
	if blocks < 5 {
		t.Errorf("CONTRIBUTING.md: %d Go blocks checked, want the walkthrough's 5", blocks)
	}
}
