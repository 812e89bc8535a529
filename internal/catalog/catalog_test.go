package catalog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// causesPath is the shared list of stable IDs, beside the checkout.
const causesPath = "../../../shared/CAUSES.md"

// changelogPath is the project's changelog; an ID that the catalog adds
// beyond causesPath must be announced there, as CAUSES.md asks.
const changelogPath = "../../CHANGELOG.md"

// idPattern is the shape of a cause ID: lowercase dotted words, such as
// "token.expired" or "spike.401".
var idPattern = regexp.MustCompile(`^[a-z0-9]+(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$`)

// idRow matches a table row whose first cell is a cause ID.
var idRow = regexp.MustCompile(`^\|\s*([a-z0-9]+(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+)\s*\|`)

// idToken finds cause IDs in running text, such as a changelog.
var idToken = regexp.MustCompile(`[a-z0-9]+(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+`)

// parseCauseIDs returns the IDs of the tables in a CAUSES.md, in order of
// appearance, and an error naming the line of any ID listed twice.
func parseCauseIDs(r io.Reader) ([]ID, error) {
	var ids []ID
	seen := map[ID]int{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		m := idRow.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		id := ID(m[1])
		if first, dup := seen[id]; dup {
			return nil, fmt.Errorf("line %d: %s already listed on line %d", n, id, first)
		}
		seen[id] = n
		ids = append(ids, id)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return ids, nil
}

// readCauseIDs parses causesPath, failing the test when it cannot.
func readCauseIDs(t *testing.T) []ID {
	t.Helper()
	f, err := os.Open(causesPath)
	if err != nil {
		t.Fatalf("reading the shared cause list: %v", err)
	}
	defer f.Close()
	ids, err := parseCauseIDs(f)
	if err != nil {
		t.Fatalf("%s: %v", causesPath, err)
	}
	if len(ids) == 0 {
		t.Fatalf("%s: no cause IDs found", causesPath)
	}
	return ids
}

// announcedIDs returns the cause IDs the changelog mentions; a missing
// changelog announces nothing.
func announcedIDs(t *testing.T) map[ID]bool {
	t.Helper()
	b, err := os.ReadFile(changelogPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading the changelog: %v", err)
	}
	out := map[ID]bool{}
	for _, s := range idToken.FindAllString(string(b), -1) {
		out[ID(s)] = true
	}
	return out
}

func TestSharedCausesAreCatalogued(t *testing.T) {
	inIDs := map[ID]bool{}
	for _, id := range IDs {
		inIDs[id] = true
	}
	for _, id := range readCauseIDs(t) {
		if !inIDs[id] {
			t.Errorf("%s is in %s but not in IDs", id, causesPath)
		}
		if _, ok := Lookup(id); !ok {
			t.Errorf("%s is in %s but has no catalog entry", id, causesPath)
		}
	}
}

func TestAdditionsAreAnnounced(t *testing.T) {
	shared := map[ID]bool{}
	for _, id := range readCauseIDs(t) {
		shared[id] = true
	}
	announced := announcedIDs(t)
	check := func(id ID, where string) {
		if !shared[id] && !announced[id] {
			t.Errorf("%s is in %s but neither in %s nor announced in %s", id, where, causesPath, changelogPath)
		}
	}
	for _, id := range IDs {
		check(id, "IDs")
	}
	for _, c := range causes {
		check(c.ID, "the catalog")
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

func TestCatalogFollowsIDs(t *testing.T) {
	if len(causes) != len(IDs) {
		t.Errorf("catalog has %d entries, IDs has %d", len(causes), len(IDs))
	}
	for i := range min(len(causes), len(IDs)) {
		if causes[i].ID != IDs[i] {
			t.Errorf("catalog entry %d is %s, IDs has %s there", i, causes[i].ID, IDs[i])
		}
	}
	for _, id := range IDs {
		if _, ok := Lookup(id); !ok {
			t.Errorf("%s has no catalog entry", id)
		}
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
		if len(fixes) > 4 {
			add("audience %s has %d fixes, want at most 4", aud, len(fixes))
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

func TestParseCauseIDs(t *testing.T) {
	const doc = "# list\n\n| ID | meaning |\n|---|---|\n| token.expired | the token ran out |\n" +
		"text mentioning spike.401 outside a table\n|  spike.401 | burst |\n| not an id | x |\n"
	ids, err := parseCauseIDs(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want := []ID{"token.expired", "spike.401"}; !slices.Equal(ids, want) {
		t.Errorf("parseCauseIDs = %v, want %v", ids, want)
	}
	if _, err := parseCauseIDs(strings.NewReader(doc + "| token.expired | again |\n")); err == nil {
		t.Errorf("parseCauseIDs accepted a repeated ID")
	}
}
