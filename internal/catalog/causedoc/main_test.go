package main

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
)

// docPath is docs/causes.md seen from this package.
const docPath = "../../../" + catalog.DocFile

var update = flag.Bool("update", false, "rewrite "+catalog.DocFile+" instead of comparing it")

// TestDocIsFresh fails when docs/causes.md is not what the catalog and
// the suites make of it; go generate ./internal/catalog, or this test
// with -update, rewrites it.
func TestDocIsFresh(t *testing.T) {
	want := Render(Suites())
	if *update {
		if err := os.WriteFile(docPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v; run: %s", err, Regenerate)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		line := 0
		for line < min(len(gl), len(wl)) && gl[line] == wl[line] {
			line++
		}
		t.Fatalf("%s is stale (first difference on line %d); run: %s (or this test with -update)", catalog.DocFile, line+1, Regenerate)
	}
}

func TestEveryCauseHasASection(t *testing.T) {
	doc := string(Render(Suites()))
	for _, id := range catalog.IDs {
		if !strings.Contains(doc, `<a id="`+catalog.Anchor(id)+`"></a>`+"\n\n## "+string(id)+"\n") {
			t.Errorf("no section with the anchor of %s", id)
		}
		if !strings.Contains(doc, "(#"+catalog.Anchor(id)+")") {
			t.Errorf("the index does not link %s", id)
		}
	}
}

func TestReportedBy(t *testing.T) {
	suites := []Suite{
		{Commands: []string{"probe", "curl"}, Checks: []Check{{Name: "token", Doc: "report expired tokens", Causes: []catalog.ID{catalog.TokenExpired}}}},
		{Commands: []string{"logs"}, Checks: []Check{{Doc: "the access-log analysis", Causes: []catalog.ID{catalog.TokenExpired, catalog.Spike401}}}},
	}
	doc := string(Render(suites))
	section := func(id catalog.ID) string {
		s := doc[strings.Index(doc, "## "+string(id)+"\n"):]
		return s[:strings.Index(s, "<a id=")]
	}
	want := "**Reported by**\n\n- `why401 probe`, `why401 curl`\n  - check `token`: report expired tokens\n- `why401 logs`\n  - the access-log analysis\n"
	if got := section(catalog.TokenExpired); !strings.Contains(got, want) {
		t.Errorf("token.expired section:\n%s\nwant it to contain:\n%s", got, want)
	}
	if got := section(catalog.ClockSkew); !strings.Contains(got, "No check reports it yet") {
		t.Errorf("clock.skew section does not say that no check reports it:\n%s", got)
	}
}

func TestProse(t *testing.T) {
	for in, want := range map[string]string{
		"a * b":                 `a \* b`,
		"incorrect_password":    "incorrect_password",
		"__Host- prefix":        `\_\_Host- prefix`,
		"<a> [b] `c` \\":        "\\<a\\> \\[b\\] \\`c\\` \\\\",
		`Basic realm="..."`:     `Basic realm="..."`,
		"error=\"invalid_token": "error=\"invalid_token",
	} {
		if got := prose(in); got != want {
			t.Errorf("prose(%q) = %q, want %q", in, got, want)
		}
	}
}
