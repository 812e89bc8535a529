package htpasswd

// The traditional Unix crypt(3) of Seventh Edition Unix: DES with a 12-bit
// salt that swaps entries of the expansion table, applied 25 times to a
// zero block with the password's first eight characters (seven bits each)
// as key. Written from the DES specification (FIPS 46-3) and the published
// description of crypt(3); bits are kept one per byte for clarity, since
// 25 encryptions per call need no speed.

var desIP = [64]byte{
	58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
	62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
	57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
	61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
}

var desFP = [64]byte{
	40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31,
	38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
	36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27,
	34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
}

var desPC1C = [28]byte{
	57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
	10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
}

var desPC1D = [28]byte{
	63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
	14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
}

var desShifts = [16]byte{1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1}

var desPC2 = [48]byte{
	14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10,
	23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
	41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
	44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
}

var desE = [48]byte{
	32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9,
	8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
	16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25,
	24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
}

var desS = [8][64]byte{
	{14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
		0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
		4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
		15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13},
	{15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
		3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
		0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
		13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9},
	{10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
		13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
		13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
		1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12},
	{7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
		13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
		10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
		3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14},
	{2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
		14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
		4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
		11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3},
	{12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
		10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
		9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
		4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13},
	{4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
		13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
		1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
		6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12},
	{13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
		1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
		7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
		2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11},
}

var desP = [32]byte{
	16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
	2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
}

// cryptAlphabet is the 64-character alphabet of crypt(3) hashes.
const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// a64 returns the value of a crypt alphabet character; characters outside
// the alphabet map as V7 crypt mapped them, so any salt gives a result.
func a64(c byte) int {
	if c > 'Z' {
		c -= 6
	}
	if c > '9' {
		c -= 7
	}
	return int(c-'.') & 0x3f
}

// desCrypt returns the 13-character traditional crypt(3) hash of password
// with the first two bytes of salt. Only the first eight bytes of the
// password count, seven bits each.
func desCrypt(password, salt string) string {
	for len(salt) < 2 {
		salt += "."
	}
	// Key schedule.
	var key [64]byte
	for i := 0; i < 8 && i < len(password); i++ {
		c := password[i]
		for j := 0; j < 7; j++ {
			key[i*8+j] = (c >> (6 - j)) & 1
		}
	}
	var cd [56]byte
	for i := 0; i < 28; i++ {
		cd[i] = key[desPC1C[i]-1]
		cd[i+28] = key[desPC1D[i]-1]
	}
	var ks [16][48]byte
	for r := 0; r < 16; r++ {
		for s := byte(0); s < desShifts[r]; s++ {
			c0, d0 := cd[0], cd[28]
			copy(cd[0:27], cd[1:28])
			cd[27] = c0
			copy(cd[28:55], cd[29:56])
			cd[55] = d0
		}
		for i := 0; i < 48; i++ {
			ks[r][i] = cd[desPC2[i]-1]
		}
	}
	// The salt swaps expansion entries i and i+24.
	e := desE
	for i := 0; i < 2; i++ {
		v := a64(salt[i])
		for j := 0; j < 6; j++ {
			if (v>>j)&1 == 1 {
				k := 6*i + j
				e[k], e[k+24] = e[k+24], e[k]
			}
		}
	}
	var block [64]byte
	for n := 0; n < 25; n++ {
		block = desEncrypt(block, &ks, &e)
	}
	out := make([]byte, 0, 13)
	out = append(out, salt[0], salt[1])
	var bits [66]byte
	copy(bits[:], block[:])
	for i := 0; i < 11; i++ {
		c := 0
		for j := 0; j < 6; j++ {
			c = c<<1 | int(bits[6*i+j])
		}
		out = append(out, cryptAlphabet[c])
	}
	return string(out)
}

func desEncrypt(in [64]byte, ks *[16][48]byte, e *[48]byte) [64]byte {
	var lr [64]byte
	for i := 0; i < 64; i++ {
		lr[i] = in[desIP[i]-1]
	}
	l, r := lr[:32], lr[32:]
	var left, right [32]byte
	copy(left[:], l)
	copy(right[:], r)
	for round := 0; round < 16; round++ {
		var x [48]byte
		for i := 0; i < 48; i++ {
			x[i] = right[e[i]-1] ^ ks[round][i]
		}
		var f [32]byte
		for s := 0; s < 8; s++ {
			b := x[6*s : 6*s+6]
			row := b[0]<<1 | b[5]
			col := b[1]<<3 | b[2]<<2 | b[3]<<1 | b[4]
			v := desS[s][int(row)*16+int(col)]
			for j := 0; j < 4; j++ {
				f[4*s+j] = (v >> (3 - j)) & 1
			}
		}
		var nr [32]byte
		for i := 0; i < 32; i++ {
			nr[i] = left[i] ^ f[desP[i]-1]
		}
		left, right = right, nr
	}
	// The last round is not swapped: preoutput is R16 L16.
	var pre [64]byte
	copy(pre[:32], right[:])
	copy(pre[32:], left[:])
	var out [64]byte
	for i := 0; i < 64; i++ {
		out[i] = pre[desFP[i]-1]
	}
	return out
}
