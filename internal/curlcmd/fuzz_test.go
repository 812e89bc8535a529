package curlcmd

import (
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that errors are one line, and
// that an accepted command has a URL.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(in)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if c.Options.URL == "" {
			t.Fatal("accepted without a URL")
		}
	})
}
