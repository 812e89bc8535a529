package checks

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHeaderLineLeavesEvidenceAlone(t *testing.T) {
	h := http.Header{"Set-Cookie": {"sid=s3cret; Path=/"}}
	got := headerLine(h, "Set-Cookie")
	if strings.Contains(got, "s3cret") {
		t.Errorf("headerLine = %q: the cookie value is not redacted", got)
	}
	if v := h.Get("Set-Cookie"); v != "sid=s3cret; Path=/" {
		t.Errorf("headerLine rewrote the evidence header to %q", v)
	}
}

func TestSnippetCutsOnARune(t *testing.T) {
	for n := 1; n <= 8; n++ {
		if s := snippet([]byte("ééééé"), n); !utf8.ValidString(s) {
			t.Errorf("snippet(%d) = %q: not valid UTF-8", n, s)
		}
	}
	if s := snippet([]byte("a  b\n c"), 10); s != "a b c" {
		t.Errorf("snippet = %q, want %q", s, "a b c")
	}
	if s := snippet([]byte("abcdef"), 3); s != "abc…" {
		t.Errorf("snippet = %q, want %q", s, "abc…")
	}
}
