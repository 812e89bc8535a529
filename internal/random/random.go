// Package random makes unguessable values: names and values that cannot
// exist on a server (the probe's bogus credentials and paths), the lab's
// keys, a test site's salts.
package random

import (
	"crypto/rand"
	"encoding/hex"
)

// Hex returns n random bytes in hex (2n characters). crypto/rand.Read
// does not fail on the systems Go supports; if it ever did, it panics
// inside the runtime rather than return a predictable value.
func Hex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
