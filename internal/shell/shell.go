// Package shell writes strings as POSIX shell words, for the commands
// why401 prints for people to copy (replays, lab scenarios, checklist
// reproductions).
package shell

import "strings"

// safe reports a byte that needs no quoting in any position of a word.
func safe(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_./:=@,+%", c) >= 0
}

func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !safe(s[i]) {
			return false
		}
	}
	return true
}

// Quote returns s as one shell word: unchanged when it holds only safe
// characters, else in single quotes, each single quote inside it closed,
// escaped and reopened.
func Quote(s string) string {
	if plain(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// QuoteExpanding is Quote, except that a word holding a $ (a placeholder
// such as $TOKEN or $(cat token.txt)) and no ", \ or ` is written in
// double quotes, so that the shell expands it.
func QuoteExpanding(s string) string {
	if !plain(s) && strings.Contains(s, "$") && !strings.ContainsAny(s, "\"\\`") {
		return `"` + s + `"`
	}
	return Quote(s)
}
