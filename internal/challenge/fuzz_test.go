package challenge

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that its error is a
// *SyntaxError pointing into the value, that String of every parsed
// challenge parses back to the same challenge (without error when the
// original value was well formed; a well-formed list also survives being
// joined with commas), and that Info and Explain cope with
// whatever Parse returns.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := Parse(in)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T is not a *SyntaxError", in, err)
			}
			if se.Offset < 0 || se.Offset > len(in) {
				t.Fatalf("Parse(%q) error offset %d outside the value", in, se.Offset)
			}
		}
		if err == nil && len(cs) > 0 {
			// A well-formed list survives serialisation as a whole too.
			parts := make([]string, len(cs))
			for i, c := range cs {
				parts[i] = c.String()
			}
			joined := strings.Join(parts, ", ")
			back, berr := Parse(joined)
			if berr != nil || !reflect.DeepEqual(back, cs) {
				t.Fatalf("Parse(%q) gave %#v; joined %q parses to %#v, %v", in, cs, joined, back, berr)
			}
		}
		for _, c := range cs {
			if !IsToken(c.Scheme) {
				t.Fatalf("Parse(%q) gave scheme %q, not a token", in, c.Scheme)
			}
			s := c.String()
			back, berr := Parse(s)
			if len(back) != 1 || !reflect.DeepEqual(back[0], c) {
				t.Fatalf("Parse(%q) gave %#v; its String %q parses to %#v", in, c, s, back)
			}
			if err == nil && berr != nil {
				t.Fatalf("String %q of a well-formed challenge does not parse cleanly: %v", s, berr)
			}
			_ = c.Info()
			if lines := Explain(c); len(lines) == 0 {
				t.Fatalf("Explain(%#v) returned no lines", c)
			}
		}
	})
}
