package probe

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/random"
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

// parseChallenges parses WWW-Authenticate (or Proxy-Authenticate) field
// values with package challenge and keeps, per challenge, the first value
// of each parameter under its lowercased name. The error is the parser's
// first complaint; what could be read is returned with it.
func parseChallenges(values []string) ([]authChallenge, error) {
	cs, err := challenge.ParseAll(values)
	out := make([]authChallenge, 0, len(cs))
	for _, c := range cs {
		a := authChallenge{Scheme: c.Scheme, Token68: c.Token68, Params: map[string]string{}}
		for _, p := range c.Params {
			n := strings.ToLower(p.Name)
			if _, dup := a.Params[n]; !dup {
				a.Params[n] = p.Value
			}
		}
		out = append(out, a)
	}
	return out, err
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
		cnonce = random.Hex(16)
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
		fmt.Fprintf(&b, "username=%s, ", challenge.Quote(h(name+":"+realm)))
	case !isASCIIPrintable(name) || strings.ContainsAny(name, `"\`):
		fmt.Fprintf(&b, "username*=UTF-8''%s, ", url.PathEscape(name))
	default:
		fmt.Fprintf(&b, "username=%s, ", challenge.Quote(name))
	}
	fmt.Fprintf(&b, "realm=%s, uri=%s, algorithm=%s, nonce=%s, ", challenge.Quote(realm), challenge.Quote(uri), alg, challenge.Quote(nonce))
	if qop != "" {
		fmt.Fprintf(&b, "nc=%s, cnonce=%s, qop=%s, ", nc, challenge.Quote(cnonce), qop)
	}
	fmt.Fprintf(&b, "response=%s", challenge.Quote(resp))
	if op, ok := c.Params["opaque"]; ok {
		fmt.Fprintf(&b, ", opaque=%s", challenge.Quote(op))
	}
	if userhash {
		b.WriteString(", userhash=true")
	}
	return b.String(), nil
}

func isASCIIPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
