package shell

import (
	"os/exec"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want, expanding string }{
		{"", "''", "''"},
		{"https://example.com/a,b", "https://example.com/a,b", "https://example.com/a,b"},
		{"a b", "'a b'", "'a b'"},
		{"it's", `'it'\''s'`, `'it'\''s'`},
		{"Bearer $TOKEN", "'Bearer $TOKEN'", `"Bearer $TOKEN"`},
		{`$(cat "t")`, `'$(cat "t")'`, `'$(cat "t")'`},
	} {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %s, want %s", c.in, got, c.want)
		}
		if got := QuoteExpanding(c.in); got != c.expanding {
			t.Errorf("QuoteExpanding(%q) = %s, want %s", c.in, got, c.expanding)
		}
	}
}

// TestQuoteRoundTrip has a real shell read each quoted word back.
func TestQuoteRoundTrip(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, in := range []string{"", "plain", "a b", "it's", `"x"`, "$HOME", "`id`", "tab\there", "new\nline", "*", "ünï"} {
		out, err := exec.Command(sh, "-c", "printf %s "+Quote(in)).Output()
		if err != nil {
			t.Fatalf("sh: %v", err)
		}
		if string(out) != in {
			t.Errorf("sh read %s back as %q, want %q", Quote(in), out, in)
		}
	}
}
