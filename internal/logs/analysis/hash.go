package analysis

import (
	"encoding/binary"
	"math/bits"
)

// Hashing of log fields: a fixed-seed 64-bit hash in the style of
// xxHash64, so that results (distinct-count estimates, table collisions)
// are the same on every run. It is not meant to resist crafted input;
// collisions only blur estimates.

const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727
	prime3 uint64 = 1609587929392839161
	prime4 uint64 = 9650029242287828579
	prime5 uint64 = 2870177450012600261
)

func round(acc, in uint64) uint64 {
	acc += in * prime2
	acc = bits.RotateLeft64(acc, 31)
	return acc * prime1
}

// hashBytes hashes b.
func hashBytes(b []byte) uint64 {
	h := prime5 + uint64(len(b))
	for len(b) >= 8 {
		h ^= round(0, binary.LittleEndian.Uint64(b))
		h = bits.RotateLeft64(h, 27)*prime1 + prime4
		b = b[8:]
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * prime1
		h = bits.RotateLeft64(h, 23)*prime2 + prime3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * prime5
		h = bits.RotateLeft64(h, 11) * prime1
	}
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}

// hashString hashes s without copying it.
func hashString(s string) uint64 {
	return hashBytes(unsafeBytes(s))
}
