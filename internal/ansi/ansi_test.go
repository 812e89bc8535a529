package ansi

import "testing"

func TestPainter(t *testing.T) {
	if got := Painter(false).Red("x"); got != "x" {
		t.Errorf("off: %q", got)
	}
	if got := Painter(true).Red("x"); got != "\x1b[31mx\x1b[0m" {
		t.Errorf("on: %q", got)
	}
	if got := Painter(true).Paint("2", "x"); got != Painter(true).Dim("x") {
		t.Errorf("Paint and Dim differ: %q", got)
	}
}
