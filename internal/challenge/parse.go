package challenge

import (
	"fmt"
	"strings"
)

// SyntaxError describes the first syntax problem in a header field value.
type SyntaxError struct {
	Value  string // the field value being parsed
	Offset int    // byte offset of the problem in Value, from 0
	Msg    string // what was expected and what was found
}

// Error returns the value (shortened when long), the offset and the
// problem on one line.
func (e *SyntaxError) Error() string {
	v := e.Value
	if len(v) > 64 {
		v = v[:60] + "..."
	}
	return fmt.Sprintf("%q: offset %d: %s", v, e.Offset, e.Msg)
}

// Parse parses one header field value, which may hold several challenges
// separated by commas (RFC 9110 §11.6.1, §11.7.1). It returns every
// challenge it could parse; err describes the first syntax problem
// (position and what was expected) and is non-nil when anything was
// skipped. When err is non-nil it is a *SyntaxError.
//
// After a comma, a token followed by "=" (optional whitespace between) is
// another auth-param of the current challenge; any other token starts a
// new challenge. Empty list elements are skipped. Parse is lenient where
// servers deviate and reports each deviation: an unquoted value holding
// spaces or other non-token characters is kept whole up to the next comma,
// a missing comma between parameters or challenges is tolerated, and
// auth-params after token68 data are kept on the same challenge.
func Parse(value string) ([]Challenge, error) {
	p := parser{s: value, cur: -1}
	p.parse()
	if p.err != nil {
		return p.out, p.err
	}
	return p.out, nil
}

// ParseAll parses every field line of one header in order (for example
// resp.Header.Values("WWW-Authenticate")) and returns all their challenges.
// The error is the first one any line produced.
func ParseAll(values []string) ([]Challenge, error) {
	var out []Challenge
	var first error
	for _, v := range values {
		cs, err := Parse(v)
		out = append(out, cs...)
		if err != nil && first == nil {
			first = err
		}
	}
	return out, first
}

// parser holds the state of one Parse call.
type parser struct {
	s   string
	pos int
	out []Challenge
	cur int // index in out of the challenge that takes auth-params; -1 before the first
	err *SyntaxError
}

// fail records a syntax problem at off unless an earlier one is recorded.
func (p *parser) fail(off int, format string, args ...any) {
	if p.err == nil {
		p.err = &SyntaxError{Value: p.s, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
}

// found describes what sits at off, for error messages.
func (p *parser) found(off int) string {
	if off >= len(p.s) {
		return "end of value"
	}
	if c := p.s[off]; c >= 0x80 {
		return fmt.Sprintf(`'\x%02x'`, c)
	}
	return fmt.Sprintf("%q", p.s[off])
}

// short quotes s for an error message, cut to 32 bytes.
func short(s string) string {
	if len(s) > 32 {
		return fmt.Sprintf("%q...", s[:32])
	}
	return fmt.Sprintf("%q", s)
}

func (p *parser) parse() {
	for {
		p.skipOWS()
		if p.pos >= len(p.s) {
			return
		}
		if p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		p.element()
	}
}

// element parses one list element at p.pos, which is neither whitespace
// nor a comma: an auth-param of the current challenge or a new challenge.
// It always consumes at least one byte.
func (p *parser) element() {
	start := p.pos
	name := p.token()
	if name == "" {
		p.fail(start, "expected auth-scheme or auth-param, found %s", p.found(start))
		p.skipToComma()
		return
	}
	if p.equalsFollows() {
		prm, ok := p.param(name)
		switch {
		case p.cur < 0:
			p.fail(start, "auth-param %s comes before any auth-scheme", short(name))
		case !ok:
		case p.out[p.cur].Token68 != "":
			p.fail(start, "auth-param %s follows token68 data", short(name))
			// token68 of the shape token "=" followed by a parameter would
			// read back as a parameter with a missing value; drop instead.
			if !paramShaped(p.out[p.cur].Token68) {
				p.out[p.cur].Params = append(p.out[p.cur].Params, prm)
			}
		default:
			p.out[p.cur].Params = append(p.out[p.cur].Params, prm)
		}
		return
	}
	p.challenge(name)
}

// challenge parses the rest of a challenge whose scheme was just read.
func (p *parser) challenge(scheme string) {
	p.out = append(p.out, Challenge{Scheme: scheme})
	p.cur = len(p.out) - 1
	afterScheme := p.pos
	p.skipOWS()
	if p.pos >= len(p.s) || p.s[p.pos] == ',' {
		return
	}
	if p.pos == afterScheme {
		p.fail(p.pos, "expected space after auth-scheme %s, found %s", short(scheme), p.found(p.pos))
		p.skipToComma()
		return
	}
	if strings.IndexByte(p.s[afterScheme:p.pos], ' ') < 0 {
		p.fail(afterScheme, "expected space after auth-scheme %s, found tab", short(scheme))
	}
	body := p.pos

	// token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
	e := body
	for e < len(p.s) && isToken68Char(p.s[e]) {
		e++
	}
	if e > body {
		for e < len(p.s) && p.s[e] == '=' {
			e++
		}
		r := skipOWS(p.s, e)
		if r == len(p.s) || p.s[r] == ',' {
			// "x=, y=z" is a parameter x with a missing value rather than
			// token68 "x=" followed by parameters.
			if !paramShaped(p.s[body:e]) || !p.paramAt(r) {
				p.out[p.cur].Token68 = p.s[body:e]
				p.pos = r
				return
			}
		}
	}

	name := p.token()
	if name == "" {
		p.fail(body, "expected token68 or auth-param after auth-scheme %s, found %s", short(scheme), p.found(body))
		p.skipToComma()
		return
	}
	if !p.equalsFollows() {
		off := skipOWS(p.s, p.pos)
		p.fail(off, "expected \"=\" after parameter name %s, found %s", short(name), p.found(off))
		p.skipToComma()
		return
	}
	if prm, ok := p.param(name); ok {
		p.out[p.cur].Params = append(p.out[p.cur].Params, prm)
	}
}

// param parses BWS "=" BWS ( token / quoted-string ) after a parameter
// name and reports whether a value was found. It leaves p.pos at the end
// of the element when the element is well formed, and otherwise where the
// next element should be looked for.
func (p *parser) param(name string) (Param, bool) {
	p.skipOWS()
	p.pos++ // "=", checked by equalsFollows
	p.skipOWS()
	start := p.pos
	prm := Param{Name: lowerASCII(name)}
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		v, ok := p.quoted()
		if !ok {
			return prm, false
		}
		prm.Value = v
		if !p.atElementEnd() {
			p.fail(p.pos, "expected \",\" after value of %s, found %s", short(prm.Name), p.found(p.pos))
		}
		return prm, true
	}
	prm.Value = p.token()
	if p.atElementEnd() {
		if prm.Value == "" {
			p.fail(start, "missing value for parameter %s", short(prm.Name))
			return prm, false
		}
		return prm, true
	}
	// Not a token up to the next comma. Servers send unquoted values with
	// spaces or slashes (realm=My Site, realm=https://x/y); keep such text
	// whole unless it looks like further parameters with a comma missing.
	// The scan stops as soon as the text cannot be one value, so a long
	// run of parameters without commas stays linear.
	end, whole := start, p.s[start] != '='
	sawEq, sawSpace := false, false
	for ; whole && end < len(p.s) && p.s[end] != ','; end++ {
		switch p.s[end] {
		case '"':
			whole = false
		case '=':
			sawEq = true
		case ' ', '\t':
			sawSpace = true
		}
		if sawEq && sawSpace {
			whole = false
		}
	}
	if whole {
		p.fail(start, "value of %s is neither a token nor a quoted-string", short(prm.Name))
		prm.Value = strings.TrimRight(p.s[start:end], " \t")
		p.pos = end
		return prm, true
	}
	if prm.Value == "" {
		p.fail(start, "expected token or quoted-string value for %s, found %s", short(prm.Name), p.found(start))
		return prm, false
	}
	p.fail(p.pos, "expected \",\" after value of %s, found %s", short(prm.Name), p.found(p.pos))
	return prm, true
}

// quoted parses a quoted-string at p.pos (RFC 9110 §5.6.4) and returns
// its unescaped content. A backslash escapes the byte after it. Control
// characters other than HTAB are reported and kept. An unterminated string
// is reported, consumes the rest of the value and returns false.
func (p *parser) quoted() (string, bool) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), true
		case c == '\\':
			if p.pos+1 >= len(p.s) {
				p.pos = len(p.s)
				continue
			}
			c = p.s[p.pos+1]
			if isCTL(c) {
				p.fail(p.pos+1, "control character %q in quoted-string", c)
			}
			b.WriteByte(c)
			p.pos += 2
		default:
			if isCTL(c) {
				p.fail(p.pos, "control character %q in quoted-string", c)
			}
			b.WriteByte(c)
			p.pos++
		}
	}
	p.fail(start, "unterminated quoted-string")
	return "", false
}

// token reads a token at p.pos; it returns "" when there is none.
func (p *parser) token() string {
	start := p.pos
	for p.pos < len(p.s) && isTchar(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// equalsFollows reports whether optional whitespace and "=" follow p.pos.
func (p *parser) equalsFollows() bool {
	i := skipOWS(p.s, p.pos)
	return i < len(p.s) && p.s[i] == '='
}

// paramAt reports whether the next non-empty list element after off is
// an auth-param: a token followed by optional whitespace and "=".
func (p *parser) paramAt(off int) bool {
	i := off
	for i < len(p.s) && (p.s[i] == ',' || p.s[i] == ' ' || p.s[i] == '\t') {
		i++
	}
	j := i
	for j < len(p.s) && isTchar(p.s[j]) {
		j++
	}
	if j == i {
		return false
	}
	j = skipOWS(p.s, j)
	return j < len(p.s) && p.s[j] == '='
}

// atElementEnd skips whitespace and reports whether the value or a comma
// comes next.
func (p *parser) atElementEnd() bool {
	p.skipOWS()
	return p.pos >= len(p.s) || p.s[p.pos] == ','
}

func (p *parser) skipOWS() { p.pos = skipOWS(p.s, p.pos) }

// skipToComma moves p.pos to the next comma outside quoted-strings, or to
// the end of the value. It consumes at least one byte unless already at a
// comma or at the end.
func (p *parser) skipToComma() {
	inQuote := false
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case inQuote && c == '\\':
			p.pos++
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			return
		}
		p.pos++
	}
	if p.pos > len(p.s) {
		p.pos = len(p.s)
	}
}

// skipOWS returns the offset of the first byte at or after i that is not
// a space or a tab.
func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// paramShaped reports whether s is a token followed by exactly one "=",
// which reads either as token68 with padding or as a parameter whose value
// is missing.
func paramShaped(s string) bool {
	return len(s) >= 2 && s[len(s)-1] == '=' && IsToken(s[:len(s)-1])
}

// isCTL reports whether c is a control character not allowed in a
// quoted-string (everything below 0x20 but HTAB, and DEL).
func isCTL(c byte) bool {
	return (c < 0x20 && c != '\t') || c == 0x7f
}
