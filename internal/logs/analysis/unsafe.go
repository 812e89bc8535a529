package analysis

import "unsafe"

// unsafeBytes views s as bytes; the result must not be written to.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
