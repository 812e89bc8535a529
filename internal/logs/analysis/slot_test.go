package analysis

import (
	"testing"
	"unsafe"
)

func TestSlotSize(t *testing.T) {
	if n := unsafe.Sizeof(clientSlot{}); n != 64 {
		t.Errorf("clientSlot is %d bytes", n)
	}
}
