package httpcache

import (
	"net/http"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cc := Parse(http.Header{"Cache-Control": {`Public, MAX-AGE="120"`, "s-maxage=30"}})
	if !cc.Has("public") || cc.FreshSeconds() != 120 || cc["s-maxage"] != "30" || cc.Has("private") {
		t.Fatalf("%v", cc)
	}
	if n := Parse(http.Header{"Cache-Control": {"max-age=-5"}}).FreshSeconds(); n != 0 {
		t.Fatalf("negative max-age gave %d", n)
	}
}

func TestVaries(t *testing.T) {
	h := http.Header{"Vary": {"Accept-Encoding, authorization"}}
	if !Varies(h, "Authorization") || Varies(h, "Cookie") || !Varies(http.Header{"Vary": {"*"}}, "Cookie") {
		t.Fatal("Varies")
	}
	if Varies(http.Header{"Vary": {"X-Authorization-Hint"}}, "Authorization") {
		t.Fatal("a longer header name is not the credential header")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"public, max-age=300", "private, max-age=300", "no-store, max-age=60", `max-age="60", s-maxage=10`, "max-age=-1", ",,=,", "MAX-AGE=5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		cc := Parse(http.Header{"Cache-Control": {v}})
		if n := cc.FreshSeconds(); n < 0 {
			t.Fatalf("FreshSeconds %d", n)
		}
		for k := range cc {
			if k != strings.ToLower(k) || k == "" {
				t.Fatalf("key %q", k)
			}
		}
	})
}
