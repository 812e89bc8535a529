// Package ansi colours text for a terminal with SGR escape sequences. The
// caller decides whether colour is wanted (cli.IOStreams.Color); a Painter
// that is off returns text unchanged.
package ansi

// Painter wraps text in SGR colour codes when it is true and returns it
// unchanged when it is false. The zero value paints nothing.
type Painter bool

// Paint wraps s in the SGR code (such as "1" for bold, "31" for red) and
// a reset.
func (p Painter) Paint(code, s string) string {
	if !p {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Bold paints s bold.
func (p Painter) Bold(s string) string { return p.Paint("1", s) }

// Red paints s red.
func (p Painter) Red(s string) string { return p.Paint("31", s) }

// Green paints s green.
func (p Painter) Green(s string) string { return p.Paint("32", s) }

// Yellow paints s yellow.
func (p Painter) Yellow(s string) string { return p.Paint("33", s) }

// Dim paints s faint.
func (p Painter) Dim(s string) string { return p.Paint("2", s) }
