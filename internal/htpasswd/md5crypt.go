package htpasswd

import "crypto/md5"

// md5Crypt returns the MD5-based crypt of password with salt (at most eight
// characters, cut at a '$') and magic ("$apr1$" for Apache, "$1$" for the
// FreeBSD/glibc original; the two differ only in that string). The result
// is magic + salt + "$" + 22 characters.
func md5Crypt(password, salt, magic string) string {
	if len(salt) > 8 {
		salt = salt[:8]
	}
	for i := 0; i < len(salt); i++ {
		if salt[i] == '$' {
			salt = salt[:i]
			break
		}
	}
	pw := []byte(password)
	ctx := md5.New()
	ctx.Write(pw)
	ctx.Write([]byte(magic))
	ctx.Write([]byte(salt))

	alt := md5.New()
	alt.Write(pw)
	alt.Write([]byte(salt))
	alt.Write(pw)
	sum := alt.Sum(nil)
	for n := len(pw); n > 0; n -= 16 {
		ctx.Write(sum[:min(n, 16)])
	}
	for n := len(pw); n != 0; n >>= 1 {
		if n&1 == 1 {
			ctx.Write([]byte{0})
		} else {
			ctx.Write(pw[:1])
		}
	}
	final := ctx.Sum(nil)
	for i := 0; i < 1000; i++ {
		h := md5.New()
		if i&1 == 1 {
			h.Write(pw)
		} else {
			h.Write(final)
		}
		if i%3 != 0 {
			h.Write([]byte(salt))
		}
		if i%7 != 0 {
			h.Write(pw)
		}
		if i&1 == 1 {
			h.Write(final)
		} else {
			h.Write(pw)
		}
		final = h.Sum(nil)
	}
	out := make([]byte, 0, len(magic)+len(salt)+23)
	out = append(out, magic...)
	out = append(out, salt...)
	out = append(out, '$')
	enc := func(v uint32, n int) {
		for ; n > 0; n-- {
			out = append(out, cryptAlphabet[v&0x3f])
			v >>= 6
		}
	}
	f := func(i int) uint32 { return uint32(final[i]) }
	enc(f(0)<<16|f(6)<<8|f(12), 4)
	enc(f(1)<<16|f(7)<<8|f(13), 4)
	enc(f(2)<<16|f(8)<<8|f(14), 4)
	enc(f(3)<<16|f(9)<<8|f(15), 4)
	enc(f(4)<<16|f(10)<<8|f(5), 4)
	enc(f(11), 2)
	return string(out)
}
