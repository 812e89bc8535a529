package htpasswd

import (
	"bytes"
	"testing"
)

// FuzzParse checks that any input parses without panicking, that Bytes
// gives the lines back, and that Set then Lookup agree.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add([]byte(c.text))
	}
	for _, k := range known {
		f.Add([]byte("u:" + k.hash + "\n"))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pf := ParseBytes(b)
		out := pf.Bytes()
		if len(b) > 0 && b[len(b)-1] == '\n' && !bytes.Equal(out, b) {
			t.Fatalf("Bytes() = %q, want %q", out, b)
		}
		for _, e := range pf.Entries() {
			if e.Kind() != Bcrypt { // a fuzzed cost of 31 takes hours
				_, _ = Verify(e.Hash, "x")
			}
		}
		_ = pf.Problems()
		if _, err := pf.Set("fuzz", "{SHA}x"); err != nil {
			t.Fatal(err)
		}
		if e, ok := ParseBytes(pf.Bytes()).Lookup("fuzz"); !ok || e.Hash != "{SHA}x" {
			// An earlier malformed line cannot hide the user: Set writes
			// the first "fuzz" entry itself.
			t.Fatalf("after Set, Lookup(fuzz) = %v, %v in %q", e, ok, pf.Bytes())
		}
	})
}
