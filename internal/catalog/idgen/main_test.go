package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestIDsAreGenerated fails when ids.go is not what idgen writes from the
// causes table, and names the command that fixes it.
func TestIDsAreGenerated(t *testing.T) {
	src, err := os.ReadFile("../causes.go")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := TableIDs("causes.go", src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Constants(ids)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../ids.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("internal/catalog/ids.go is stale: run go generate ./internal/catalog")
	}
	pub, err := os.ReadFile("../testdata/published-ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	if add := Unpublished(pub, ids); len(add) > 0 {
		t.Errorf("%s not in testdata/published-ids.txt: run go generate ./internal/catalog", strings.Join(add, ", "))
	}
}

func TestConstName(t *testing.T) {
	for id, want := range map[string]string{
		"request.content-type":   "RequestContentType",
		"url.wrong":              "URLWrong",
		"tls.client-certificate": "TLSClientCertificate",
		"token.jwks-unavailable": "TokenJWKSUnavailable",
		"cache.cached-401":       "CacheCached401",
		"spike.401":              "Spike401",
		"ratelimit.lockout":      "RateLimitLockout",
		"wordpress.rest-auth":    "WordPressRESTAuth",
		"cookie.samesite":        "CookieSameSite",
	} {
		if got := ConstName(id); got != want {
			t.Errorf("ConstName(%q) = %s, want %s", id, got, want)
		}
	}
}

func TestTableIDs(t *testing.T) {
	ok := `package catalog
var causes = []Cause{
	{ID: "a.one", Title: "x"},
	{Title: "y", ID: "b.two-words"},
}`
	ids, err := TableIDs("causes.go", []byte(ok))
	if err != nil || strings.Join(ids, " ") != "a.one b.two-words" {
		t.Fatalf("TableIDs = %q, %v", ids, err)
	}
	for src, want := range map[string]string{
		`package catalog
var causes = []Cause{{ID: AOne}}`: "causes.go:2:23: the entry's ID is not a string literal",
		`package catalog
var causes = []Cause{{ID: "Bad"}}`: `causes.go:2:23: "Bad" is not a cause ID`,
		`package catalog
var causes = []Cause{
	{ID: "a.one"},
	{ID: "a.one"},
}`: "causes.go:4:3: a.one is already the ID of the entry at line 3",
		`package catalog
var causes = []Cause{{Title: "t"}}`: "causes.go:2:22: a causes entry without an ID",
		`package catalog
var other = 1`: "no causes table",
	} {
		_, err := TableIDs("causes.go", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("TableIDs(%q): error %v, want %q", src, err, want)
		}
	}
}

func TestConstantsRefuseCollisions(t *testing.T) {
	if _, err := Constants([]string{"url.wrong", "url.right"}); err != nil {
		t.Fatalf("distinct names refused: %v", err)
	}
	if _, err := Constants([]string{"a.b-c", "a-b.c"}); err == nil || !strings.Contains(err.Error(), "both be the constant ABC") {
		t.Fatalf("a.b-c and a-b.c are both ABC: error %v", err)
	}
	if _, err := Constants([]string{"url.wrong", "u-r-l.wrong"}); err == nil {
		t.Fatal("url.wrong and u-r-l.wrong are both URLWrong: no error")
	}
}

func TestUnpublished(t *testing.T) {
	pub := []byte("# header\na.one\n\n# Added since\nb.two\n")
	if got := Unpublished(pub, []string{"a.one", "c.three", "b.two", "d.four"}); strings.Join(got, " ") != "c.three d.four" {
		t.Fatalf("Unpublished = %q", got)
	}
}
