package probe

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strings"
)

// authChallenge is one challenge of a WWW-Authenticate or
// Proxy-Authenticate header (RFC 9110 section 11.6.1).
type authChallenge struct {
	Scheme  string            // as sent
	Token68 string            // the token68 form, when used
	Params  map[string]string // auth-params, names lowercased
}

// is reports whether the challenge's scheme is name, ignoring case.
func (c authChallenge) is(name string) bool { return strings.EqualFold(c.Scheme, name) }

// parseChallenges parses header values that each hold one or more
// challenges. It is lenient the way clients are: what it cannot read ends
// the value and is reported as an error next to what was read.
func parseChallenges(values []string) ([]authChallenge, error) {
	var out []authChallenge
	var firstErr error
	for _, v := range values {
		cs, err := parseChallengeValue(v)
		out = append(out, cs...)
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return out, firstErr
}

func parseChallengeValue(s string) ([]authChallenge, error) {
	var out []authChallenge
	p := &lexer{s: s}
	for {
		p.skipSpaceCommas()
		if p.done() {
			return out, nil
		}
		scheme := p.token()
		if scheme == "" {
			return out, fmt.Errorf("challenge %q: bad auth-scheme at offset %d", s, p.i)
		}
		c := authChallenge{Scheme: scheme, Params: map[string]string{}}
		p.skipSpace()
		// token68 or auth-params, up to the next challenge.
		if t, ok := p.token68(); ok {
			c.Token68 = t
			out = append(out, c)
			continue
		}
		for !p.done() {
			save := p.i
			p.skipSpaceCommas()
			name := p.token()
			p.skipSpace()
			if name == "" || !p.eat('=') {
				// Not a parameter: the start of the next challenge.
				p.i = save
				break
			}
			p.skipSpace()
			var val string
			if p.peek() == '"' {
				v, ok := p.quoted()
				if !ok {
					out = append(out, c)
					return out, fmt.Errorf("challenge %q: unterminated quoted string", s)
				}
				val = v
			} else {
				val = p.token()
			}
			c.Params[strings.ToLower(name)] = val
			p.skipSpace()
			if !p.done() && p.peek() != ',' {
				out = append(out, c)
				return out, fmt.Errorf("challenge %q: unexpected %q at offset %d", s, p.peek(), p.i)
			}
		}
		out = append(out, c)
	}
}

type lexer struct {
	s string
	i int
}

func (p *lexer) done() bool { return p.i >= len(p.s) }
func (p *lexer) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}
func (p *lexer) eat(b byte) bool {
	if p.peek() == b && !p.done() {
		p.i++
		return true
	}
	return false
}
func (p *lexer) skipSpace() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}
func (p *lexer) skipSpaceCommas() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

func isTchar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

func (p *lexer) token() string {
	start := p.i
	for !p.done() && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// token68 reads a token68 when the text at the cursor is one: token68
// characters, optional trailing '=', then end or a comma.
func (p *lexer) token68() (string, bool) {
	j := p.i
	for j < len(p.s) && (isAlnum(p.s[j]) || strings.IndexByte("-._~+/", p.s[j]) >= 0) {
		j++
	}
	if j == p.i {
		return "", false
	}
	k := j
	for k < len(p.s) && p.s[k] == '=' {
		k++
	}
	m := k
	for m < len(p.s) && (p.s[m] == ' ' || p.s[m] == '\t') {
		m++
	}
	if m < len(p.s) && p.s[m] != ',' {
		return "", false
	}
	// "name=value" followed by a comma is a parameter, not a token68:
	// token68 only ends in '='.
	if k > j && m < len(p.s) && k-j == 1 {
		return "", false
	}
	t := p.s[p.i:k]
	p.i = m
	return t, true
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func (p *lexer) quoted() (string, bool) {
	p.i++ // opening quote
	var b strings.Builder
	for !p.done() {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return b.String(), true
		case '\\':
			if p.done() {
				return "", false
			}
			b.WriteByte(p.s[p.i])
			p.i++
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// digestAlgorithms lists the Digest algorithms the probe can answer, best
// first.
var digestAlgorithms = []string{"SHA-256", "SHA-256-SESS", "SHA-512-256", "SHA-512-256-SESS", "MD5", "MD5-SESS"}

func digestHash(alg string) func() hash.Hash {
	switch strings.TrimSuffix(strings.ToUpper(alg), "-SESS") {
	case "SHA-256":
		return sha256.New
	case "SHA-512-256":
		return sha512.New512_256
	case "MD5", "":
		return md5.New
	}
	return nil
}

// pickDigest returns the best Digest challenge the probe can answer.
func pickDigest(cs []authChallenge) (authChallenge, bool) {
	best, rank := authChallenge{}, len(digestAlgorithms)+1
	for _, c := range cs {
		if !c.is("Digest") || c.Params["nonce"] == "" {
			continue
		}
		alg := strings.ToUpper(c.Params["algorithm"])
		if alg == "" {
			alg = "MD5"
		}
		for i, a := range digestAlgorithms {
			if a == alg && i < rank {
				best, rank = c, i
			}
		}
	}
	return best, rank <= len(digestAlgorithms)
}

// digestAuthorization answers a Digest challenge (RFC 7616) for one
// request: the user is "name:password", uri the request-target, body the
// request body (for qop=auth-int). cnonce is random unless given.
func digestAuthorization(c authChallenge, user, method, uri string, body []byte, cnonce string) (string, error) {
	alg := c.Params["algorithm"]
	if alg == "" {
		alg = "MD5"
	}
	newHash := digestHash(alg)
	if newHash == nil {
		return "", fmt.Errorf("digest: unsupported algorithm %q", alg)
	}
	h := func(s string) string {
		x := newHash()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil))
	}
	name, pass, _ := strings.Cut(user, ":")
	realm, nonce := c.Params["realm"], c.Params["nonce"]
	if nonce == "" {
		return "", errors.New("digest: challenge has no nonce")
	}
	if cnonce == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		cnonce = hex.EncodeToString(b[:])
	}
	const nc = "00000001"
	qop := ""
	for _, q := range strings.Split(c.Params["qop"], ",") {
		q = strings.ToLower(strings.TrimSpace(q))
		if q == "auth" {
			qop = "auth"
			break
		}
		if q == "auth-int" {
			qop = "auth-int"
		}
	}
	ha1 := h(name + ":" + realm + ":" + pass)
	if strings.HasSuffix(strings.ToUpper(alg), "-SESS") {
		ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
	}
	a2 := method + ":" + uri
	if qop == "auth-int" {
		a2 += ":" + h(string(body))
	}
	var resp string
	if qop != "" {
		resp = h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + h(a2))
	} else {
		resp = h(ha1 + ":" + nonce + ":" + h(a2))
	}
	var b strings.Builder
	b.WriteString("Digest ")
	userhash := strings.EqualFold(c.Params["userhash"], "true")
	switch {
	case userhash:
		fmt.Fprintf(&b, "username=%s, ", quote(h(name+":"+realm)))
	case !isASCIIPrintable(name) || strings.ContainsAny(name, `"\`):
		fmt.Fprintf(&b, "username*=UTF-8''%s, ", url.PathEscape(name))
	default:
		fmt.Fprintf(&b, "username=%s, ", quote(name))
	}
	fmt.Fprintf(&b, "realm=%s, uri=%s, algorithm=%s, nonce=%s, ", quote(realm), quote(uri), alg, quote(nonce))
	if qop != "" {
		fmt.Fprintf(&b, "nc=%s, cnonce=%s, qop=%s, ", nc, quote(cnonce), qop)
	}
	fmt.Fprintf(&b, "response=%s", quote(resp))
	if op, ok := c.Params["opaque"]; ok {
		fmt.Fprintf(&b, ", opaque=%s", quote(op))
	}
	if userhash {
		b.WriteString(", userhash=true")
	}
	return b.String(), nil
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func isASCIIPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
