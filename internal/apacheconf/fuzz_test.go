package apacheconf

import "testing"

// FuzzParse checks that no input panics and that every directive has a
// name and a line within the input.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add([]byte(c.src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		ds, err := Parse("f", src)
		if err != nil {
			return
		}
		lines := 1
		for _, b := range src {
			if b == '\n' {
				lines++
			}
		}
		Walk(ds, func(d *Directive, _ []*Directive) bool {
			if d.Name == "" || d.Line < 1 || d.Line > lines {
				t.Fatalf("bad directive %+v", d)
			}
			return true
		})
	})
}
