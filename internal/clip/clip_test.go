package clip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 40, "short"},
		{"abcdef", 3, "abc…"},
		{"héllo", 2, "h…"}, // é is two bytes: never half a rune
		{"a\nb", 40, `a\nb`},
		{"bad\xffutf8", 40, "bad\uFFFDutf8"},
	} {
		if got := String(c.in, c.n); got != c.want {
			t.Errorf("String(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	if got := Line("  a \n\t b  ", 40); got != "a b" {
		t.Errorf("Line = %q", got)
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "abc", "héllo wörld", "a\nb\x00c", "\xff\xfe", strings.Repeat("ü", 50)} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		got := String(s, n)
		if !utf8.ValidString(got) {
			t.Fatalf("String(%q, %d) = %q: invalid UTF-8", s, n, got)
		}
		if strings.ContainsAny(got, "\n\r\x00") {
			t.Fatalf("String(%q, %d) = %q: not one line", s, n, got)
		}
	})
}

func TestLineRunes(t *testing.T) {
	c := Line(strings.Repeat("é", 100), 101)
	if !strings.HasSuffix(c, "…") || len(c) > 101+len("…") || strings.ContainsRune(c, '\uFFFD') {
		t.Fatalf("Line broke runes: %q", c)
	}
}
