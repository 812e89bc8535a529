package curlcmd

import (
	"errors"
	"fmt"
	"strings"
)

// ParseCmd parses a command in Windows cmd.exe syntax as Chrome and
// Firefox copy it: cmd's caret escapes (^" ^% ^& and a caret before a line
// break continues the line) are undone first, then the arguments are
// split as the Microsoft C runtime splits them (double quotes group, ""
// inside quotes is a quote, backslashes escape a quote only).
func ParseCmd(text string) (*Command, error) {
	if len(text) > MaxLen {
		return nil, fmt.Errorf("command longer than %d bytes", MaxLen)
	}
	line, err := uncaret(text)
	if err != nil {
		return nil, err
	}
	words, err := splitCRT(line)
	if err != nil {
		return nil, err
	}
	return fromArgs(Cmd, words)
}

// uncaret applies cmd.exe's first pass: carriage returns go; outside cmd's own quotes a caret
// makes the next character literal (a caret before a line break removes
// the break and makes the character after it literal); a bare line break
// ends the command, and only white space may follow it; & | < > outside
// quotes are refused.
func uncaret(s string) (string, error) {
	// cmd.exe drops every carriage return before it reads the line.
	s = strings.ReplaceAll(s, "\r", "")
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			inQuote = !inQuote
			b.WriteByte(c)
		case inQuote && c != '\n' && c != '\r':
			b.WriteByte(c)
		case c == '^':
			if i+1 >= len(s) {
				return "", errors.New("cmd syntax: caret at the end of the command")
			}
			i++
			if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			if s[i] == '\n' {
				// Continuation: the line break goes, the next character is literal.
				if i+1 < len(s) {
					i++
					if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
						i++
					}
					b.WriteByte(s[i])
				}
				continue
			}
			b.WriteByte(s[i])
		case c == '\r' || c == '\n':
			if strings.TrimSpace(s[i:]) != "" {
				return "", errors.New("cmd syntax: several lines without ^ continuation: paste one command")
			}
			return b.String(), nil
		case c == '&' || c == '|' || c == '<' || c == '>':
			return "", fmt.Errorf("cmd syntax: unescaped %c: paste one curl command", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// splitCRT splits a command line into arguments as the Microsoft C
// runtime (2008 and later) does.
func splitCRT(s string) ([]string, error) {
	var (
		out     []string
		cur     strings.Builder
		inArg   bool
		inQuote bool
	)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case (c == ' ' || c == '\t' || c == '\n' || c == '\r') && !inQuote:
			if inArg {
				out = append(out, cur.String())
				cur.Reset()
				inArg = false
			}
			i++
		case c == '\\':
			n := 0
			for i < len(s) && s[i] == '\\' {
				n++
				i++
			}
			inArg = true
			if i < len(s) && s[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
					i++
				}
				continue
			}
			cur.WriteString(strings.Repeat(`\`, n))
		case c == '"':
			inArg = true
			if inQuote && i+1 < len(s) && s[i+1] == '"' {
				cur.WriteByte('"')
				i += 2
				continue
			}
			inQuote = !inQuote
			i++
		default:
			inArg = true
			cur.WriteByte(c)
			i++
		}
	}
	if inQuote {
		return nil, errors.New("cmd syntax: unterminated quote")
	}
	if inArg {
		out = append(out, cur.String())
	}
	return out, nil
}
