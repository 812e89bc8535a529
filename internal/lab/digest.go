package lab

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/why401/why401/internal/challenge"
)

// nonceLifetime is how long a Digest nonce stays fresh; an older nonce
// with otherwise correct credentials gets stale=true.
const nonceLifetime = 5 * time.Minute

// maxDigestHeader bounds the Authorization header the Digest parser reads.
const maxDigestHeader = 8 << 10

// digestAlgorithms are the RFC 7616 algorithms the lab offers, preferred
// first.
var digestAlgorithms = []string{"SHA-256", "MD5"}

// digestState holds the nonce secret and the nonce counts seen.
type digestState struct {
	secret []byte
	opaque string

	mu   sync.Mutex
	seen map[string]nonceUse
}

// nonceUse is the highest nonce count seen for a nonce and when the nonce
// was issued.
type nonceUse struct {
	nc     uint64
	issued time.Time
}

// newDigestState generates the nonce secret.
func newDigestState() (*digestState, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("opaque"))
	return &digestState{
		secret: secret,
		opaque: base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12]),
		seen:   map[string]nonceUse{},
	}, nil
}

// nonce issues a fresh nonce stamped with t: base64url of the time, 8
// random bytes and an HMAC of both, so the lab can check nonces without
// storing them.
func (d *digestState) nonce(t time.Time) string {
	var buf [nonceLen]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(t.UnixNano()))
	rand.Read(buf[8:16]) //nolint:errcheck // crypto/rand.Read never fails
	m := hmac.New(sha256.New, d.secret)
	m.Write(buf[:16])
	copy(buf[16:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(buf[:])
}

// nonceLen is the decoded length of a lab nonce: time, random, MAC.
const nonceLen = 8 + 8 + 16

// nonceTime returns when a lab nonce was issued, or false when nonce was
// not issued by this lab.
func (d *digestState) nonceTime(nonce string) (time.Time, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(raw) != nonceLen {
		return time.Time{}, false
	}
	m := hmac.New(sha256.New, d.secret)
	m.Write(raw[:16])
	if !hmac.Equal(m.Sum(nil)[:16], raw[16:]) {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8]))), true
}

// useCount records nc for nonce and reports whether it is higher than any
// count seen before for that nonce (replay protection).
func (d *digestState) useCount(nonce string, nc uint64, issued, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.seen) > 4096 {
		for k, u := range d.seen {
			if now.Sub(u.issued) > nonceLifetime {
				delete(d.seen, k)
			}
		}
		if len(d.seen) > 65536 {
			clear(d.seen)
		}
	}
	u, ok := d.seen[nonce]
	if ok && nc <= u.nc {
		return false
	}
	d.seen[nonce] = nonceUse{nc: nc, issued: issued}
	return true
}

// digestChallenges returns one challenge per offered algorithm.
func (l *Lab) digestChallenges(now time.Time, stale bool) []string {
	nonce := l.digest.nonce(now)
	out := make([]string, 0, len(digestAlgorithms))
	for _, alg := range digestAlgorithms {
		c := fmt.Sprintf(`Digest realm="%s", qop="auth", algorithm=%s, nonce="%s", opaque="%s"`,
			digestRealm, alg, nonce, l.digest.opaque)
		if stale {
			c += ", stale=true"
		}
		out = append(out, c)
	}
	return out
}

// parseDigest parses the credentials of an `Authorization: Digest ...`
// header (RFC 7616 §3.4) into lowercase parameter names and unquoted
// values. It fails on another scheme, a syntax error, an empty or
// repeated parameter name, or a header longer than 8 KiB.
func parseDigest(header string) (map[string]string, error) {
	if len(header) > maxDigestHeader {
		return nil, errors.New("digest credentials too long")
	}
	scheme, rest, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Digest") {
		return nil, errors.New("not a Digest authorization")
	}
	return parseAuthParams(rest)
}

// parseAuthParams parses a comma-separated list of auth-params, name "="
// (token / quoted-string), as RFC 9110 §11.2 defines them; empty list
// elements are allowed.
func parseAuthParams(s string) (map[string]string, error) {
	params := map[string]string{}
	i := 0
	skipOWS := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	for {
		skipOWS()
		for i < len(s) && s[i] == ',' {
			i++
			skipOWS()
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && isTchar(s[i]) {
			i++
		}
		name := strings.ToLower(s[start:i])
		if name == "" {
			return nil, fmt.Errorf("unexpected %q at offset %d", s[i], i)
		}
		skipOWS()
		if i >= len(s) || s[i] != '=' {
			return nil, fmt.Errorf("parameter %s: missing =", name)
		}
		i++
		skipOWS()
		var value string
		if i < len(s) && s[i] == '"' {
			i++
			var b strings.Builder
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '"' {
					i++
					closed = true
					break
				}
				if c < 0x20 && c != '\t' || c == 0x7f {
					return nil, fmt.Errorf("parameter %s: control character in quoted value", name)
				}
				b.WriteByte(c)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("parameter %s: unterminated quoted value", name)
			}
			value = b.String()
		} else {
			start := i
			for i < len(s) && isTchar(s[i]) {
				i++
			}
			if start == i {
				return nil, fmt.Errorf("parameter %s: missing value", name)
			}
			value = s[start:i]
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("parameter %s: repeated", name)
		}
		params[name] = value
		skipOWS()
		if i < len(s) && s[i] != ',' {
			return nil, fmt.Errorf("parameter %s: unexpected %q after value", name, s[i])
		}
	}
	return params, nil
}

// isTchar reports whether c may appear in an RFC 9110 token.
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// digestHash returns the hash constructor for an offered algorithm name.
func digestHash(alg string) (func() hash.Hash, string, bool) {
	switch {
	case alg == "" || strings.EqualFold(alg, "MD5"):
		return md5.New, "MD5", true
	case strings.EqualFold(alg, "SHA-256"):
		return sha256.New, "SHA-256", true
	}
	return nil, "", false
}

// hexHash hashes the parts joined by colons and returns lowercase hex.
func hexHash(h func() hash.Hash, parts ...string) string {
	m := h()
	m.Write([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(m.Sum(nil))
}

// digestResponse computes the RFC 7616 §3.4.1 response for qop=auth
// from ha1 = H(user:realm:password). With an empty method it yields the
// rspauth value of Authentication-Info (§3.5).
func digestResponse(h func() hash.Hash, ha1, method, uri, nonce, nc, cnonce, qop string) string {
	ha2 := hexHash(h, method, uri)
	return hexHash(h, ha1, nonce, nc, cnonce, qop, ha2)
}

// digestOutcome is what verifying Digest credentials concluded.
type digestOutcome int

const (
	digestMissing   digestOutcome = iota // no Digest credentials
	digestOK                             // valid, fresh
	digestStale                          // right password, expired nonce
	digestRejected                       // wrong password or user
	digestMalformed                      // unparsable or incomplete
	digestInvalid                        // well-formed but not acceptable (realm, uri, nonce, replay)
)

// digestResult is the outcome plus what a success answer needs.
type digestResult struct {
	outcome digestOutcome
	reason  string
	rspauth string // Authentication-Info value on success
	alg     string
}

// checkDigest verifies r's Digest credentials for User and Password.
func (l *Lab) checkDigest(r *http.Request, now time.Time) digestResult {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return digestResult{outcome: digestMissing}
	}
	if len(values) > 1 {
		return digestResult{outcome: digestMalformed, reason: "more than one Authorization header"}
	}
	scheme, _, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Digest") {
		return digestResult{outcome: digestMissing, reason: "credentials of another scheme"}
	}
	p, err := parseDigest(values[0])
	if err != nil {
		return digestResult{outcome: digestMalformed, reason: "malformed digest credentials"}
	}
	for _, k := range []string{"username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce"} {
		if p[k] == "" {
			return digestResult{outcome: digestMalformed, reason: "digest credentials lack " + k}
		}
	}
	h, alg, ok := digestHash(p["algorithm"])
	if !ok {
		return digestResult{outcome: digestInvalid, reason: "algorithm not offered"}
	}
	if p["realm"] != digestRealm {
		return digestResult{outcome: digestInvalid, reason: "wrong realm"}
	}
	if p["qop"] != "auth" {
		return digestResult{outcome: digestInvalid, reason: "qop not offered"}
	}
	if p["uri"] != r.RequestURI {
		return digestResult{outcome: digestInvalid, reason: "uri does not match the request"}
	}
	if o, has := p["opaque"]; has && o != l.digest.opaque {
		return digestResult{outcome: digestInvalid, reason: "wrong opaque"}
	}
	if len(p["nc"]) != 8 {
		return digestResult{outcome: digestMalformed, reason: "nc must be 8 hex digits"}
	}
	nc, err := strconv.ParseUint(p["nc"], 16, 32)
	if err != nil || nc == 0 {
		return digestResult{outcome: digestMalformed, reason: "nc must be 8 hex digits"}
	}
	issued, ok := l.digest.nonceTime(p["nonce"])
	if !ok {
		return digestResult{outcome: digestInvalid, reason: "unknown nonce"}
	}

	username := User
	if strings.EqualFold(p["userhash"], "true") {
		username = hexHash(h, User, digestRealm)
	}
	userOK := subtle.ConstantTimeCompare([]byte(p["username"]), []byte(username)) == 1
	ha1 := hexHash(h, User, digestRealm, Password)
	want := digestResponse(h, ha1, r.Method, p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"])
	respOK := subtle.ConstantTimeCompare([]byte(strings.ToLower(p["response"])), []byte(want)) == 1
	if !userOK || !respOK {
		return digestResult{outcome: digestRejected, reason: "invalid credentials"}
	}
	if now.Sub(issued) > nonceLifetime || issued.After(now.Add(leeway)) {
		return digestResult{outcome: digestStale, reason: "nonce expired"}
	}
	if !l.digest.useCount(p["nonce"], nc, issued, now) {
		return digestResult{outcome: digestInvalid, reason: "nonce count replayed"}
	}
	rsp := digestResponse(h, ha1, "", p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"])
	info := fmt.Sprintf(`qop=auth, rspauth="%s", cnonce=%s, nc=%s`, rsp, challenge.Quote(p["cnonce"]), p["nc"])
	return digestResult{outcome: digestOK, rspauth: info, alg: alg}
}
