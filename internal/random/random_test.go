package random

import "testing"

func TestHex(t *testing.T) {
	a, b := Hex(16), Hex(16)
	if len(a) != 32 || a == b {
		t.Fatalf("Hex(16) = %q, %q: want two different 32-character values", a, b)
	}
	if Hex(0) != "" {
		t.Fatal("Hex(0) is not empty")
	}
}
