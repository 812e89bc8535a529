// Package clip shortens untrusted text for messages and evidence lines:
// bounded in length, cut on a rune boundary, on one line.
package clip

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// String returns s shortened to at most n bytes (cut on a rune boundary
// and marked with "…"), with invalid UTF-8 replaced and control
// characters escaped as Go escapes them, so that the text stays one line.
func String(s string, n int) string {
	cut := false
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s, cut = s[:i], true
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		q := strconv.Quote(s)
		s = q[1 : len(q)-1]
	}
	if cut {
		s += "…"
	}
	return s
}

// Line is String after collapsing each run of white space (newlines
// included) into one space.
func Line(s string, n int) string {
	return String(strings.Join(strings.Fields(s), " "), n)
}
