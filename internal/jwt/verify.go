package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Errors returned by Verify, wrapped with detail; test with errors.Is.
var (
	ErrAlgNone        = errors.New("alg none: the token is unsigned")
	ErrKidNotFound    = errors.New("kid not in the key set")
	ErrNoKey          = errors.New("no key in the set fits the token's alg")
	ErrBadSignature   = errors.New("signature does not verify")
	ErrBadJWKS        = errors.New("key set cannot be read")
	ErrUnsupportedAlg = errors.New("unsupported alg")
)

// supportedAlgs are the JWS algorithms Verify checks. HMAC algorithms verify
// only against symmetric ("oct") keys, so a public RSA or EC key can never
// be abused as an HMAC secret.
var supportedAlgs = map[string]jose.SignatureAlgorithm{
	"RS256": jose.RS256, "RS384": jose.RS384, "RS512": jose.RS512,
	"PS256": jose.PS256, "PS384": jose.PS384, "PS512": jose.PS512,
	"ES256": jose.ES256, "ES384": jose.ES384, "ES512": jose.ES512,
	"EdDSA": jose.EdDSA,
	"HS256": jose.HS256, "HS384": jose.HS384, "HS512": jose.HS512,
}

// setKey is one entry of a key set: what it says about itself, and the key
// when go-jose could read it.
type setKey struct {
	kid, kty, alg, use string
	key                any // public key, or []byte for "oct"; nil if unreadable
	err                error
}

// Verify checks the signature of t against a JSON Web Key Set given as raw
// JSON ({"keys":[...]}; a single JWK object is accepted too). It returns nil
// when one key fit for the token's alg (and kid, when the token names one)
// verifies the signature. Otherwise the error wraps, for errors.Is,
// ErrAlgNone, ErrUnsupportedAlg, ErrBadJWKS, ErrKidNotFound (the token's
// kid is absent from the set: often a rotated key or a stale cache),
// ErrNoKey (no key in the set fits the alg) or ErrBadSignature. A nil token
// or a token that is not a three-segment JWS yields a *MalformedError.
//
// Verify checks no claim; use Check for exp, aud and the rest.
func Verify(t *Token, jwks []byte) error {
	if t == nil {
		return malformed("no token to verify")
	}
	if t.Segments != 3 {
		return malformed("only a three-segment JWS can be verified, this token has %d segments", t.Segments)
	}
	alg := t.Alg
	if strings.EqualFold(strings.TrimSpace(alg), "none") || alg == "" {
		return fmt.Errorf("token alg %q: %w", alg, ErrAlgNone)
	}
	sigAlg, ok := supportedAlgs[alg]
	if !ok {
		return fmt.Errorf("token alg %q: %w", alg, ErrUnsupportedAlg)
	}
	keys, err := parseJWKS(jwks)
	if err != nil {
		return err
	}

	candidates := keys
	if t.Kid != "" {
		candidates = nil
		for _, k := range keys {
			if k.kid == t.Kid {
				candidates = append(candidates, k)
			}
		}
		if len(candidates) == 0 {
			return fmt.Errorf("token kid %q, set has %s: %w", t.Kid, kidList(keys), ErrKidNotFound)
		}
	}

	var fit []setKey
	var why []string
	for _, k := range candidates {
		if reason := fits(k, alg); reason != "" {
			why = append(why, reason)
			continue
		}
		fit = append(fit, k)
	}
	if len(fit) == 0 {
		scope := "the set"
		if t.Kid != "" {
			scope = fmt.Sprintf("kid %q", t.Kid)
		}
		return fmt.Errorf("token alg %s, %s: %s: %w", alg, scope, strings.Join(dedupe(why), "; "), ErrNoKey)
	}

	sig, err := jose.ParseSignedCompact(t.Raw, []jose.SignatureAlgorithm{sigAlg})
	if err != nil {
		return fmt.Errorf("token cannot be read as a JWS: %s: %w", oneLine(err.Error()), ErrBadSignature)
	}
	for _, k := range fit {
		if _, err := sig.Verify(k.key); err == nil {
			return nil
		}
	}
	if t.Kid != "" {
		return fmt.Errorf("token alg %s, kid %q: %w (wrong key or altered token)", alg, t.Kid, ErrBadSignature)
	}
	return fmt.Errorf("token alg %s, no kid, %d candidate keys: %w (wrong key or altered token)", alg, len(fit), ErrBadSignature)
}

// parseJWKS reads a key set one key at a time, so one key of a type that
// go-jose does not know does not spoil the others (RFC 7517 §5 says to
// ignore such keys).
func parseJWKS(b []byte) ([]setKey, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("key set is not a JSON object: %s: %w", oneLine(err.Error()), ErrBadJWKS)
	}
	var raws []json.RawMessage
	switch {
	case top["keys"] != nil:
		if err := json.Unmarshal(top["keys"], &raws); err != nil {
			return nil, fmt.Errorf("key set \"keys\" is not an array: %w", ErrBadJWKS)
		}
	case top["kty"] != nil:
		raws = []json.RawMessage{b}
	default:
		return nil, fmt.Errorf("key set has no \"keys\" member: %w", ErrBadJWKS)
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("key set is empty: %w", ErrBadJWKS)
	}
	keys := make([]setKey, 0, len(raws))
	for _, r := range raws {
		var meta struct {
			Kid, Kty, Alg, Use any
		}
		if err := json.Unmarshal(r, &meta); err != nil {
			continue // not an object: nothing to say about it
		}
		k := setKey{kid: stringOf(meta.Kid), kty: stringOf(meta.Kty), alg: stringOf(meta.Alg), use: stringOf(meta.Use)}
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(r); err != nil {
			k.err = err
		} else {
			switch key := jwk.Key.(type) {
			case *rsa.PrivateKey:
				k.key = &key.PublicKey
			case *ecdsa.PrivateKey:
				k.key = &key.PublicKey
			case ed25519.PrivateKey:
				k.key = key.Public()
			default:
				k.key = key
			}
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("key set holds no key objects: %w", ErrBadJWKS)
	}
	return keys, nil
}

// fits returns "" when k can verify a signature made with alg, or the
// reason it cannot.
func fits(k setKey, alg string) string {
	name := "key"
	if k.kid != "" {
		name = fmt.Sprintf("key %q", k.kid)
	}
	if k.key == nil {
		return fmt.Sprintf("%s (kty %s) cannot be read", name, orDash(k.kty))
	}
	if k.use != "" && k.use != "sig" {
		return fmt.Sprintf("%s is for use %q, not signatures", name, k.use)
	}
	if reason := fitsType(k.key, name, alg); reason != "" {
		return reason
	}
	if k.alg != "" && k.alg != alg {
		return fmt.Sprintf("%s is for alg %s", name, k.alg)
	}
	return ""
}

// fitsType returns "" when key's type can verify alg, or the reason not.
func fitsType(k any, name, alg string) string {
	switch key := k.(type) {
	case *rsa.PublicKey:
		if alg[0] == 'R' || alg[0] == 'P' {
			return ""
		}
	case *ecdsa.PublicKey:
		want := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
		if want == nil {
			break
		}
		if key.Curve != want {
			return fmt.Sprintf("%s is on curve %s, %s needs %s", name, key.Curve.Params().Name, alg, want.Params().Name)
		}
		return ""
	case ed25519.PublicKey:
		if alg == "EdDSA" {
			return ""
		}
	case []byte:
		if alg[0] == 'H' {
			return ""
		}
	}
	return fmt.Sprintf("%s is %s, which cannot verify %s", name, keyKind(k), alg)
}

func keyKind(k any) string {
	switch k.(type) {
	case *rsa.PublicKey:
		return "an RSA key"
	case *ecdsa.PublicKey:
		return "an EC key"
	case ed25519.PublicKey:
		return "an Ed25519 key"
	case []byte:
		return "a symmetric key"
	}
	return fmt.Sprintf("a %T", k)
}

func kidList(keys []setKey) string {
	var kids []string
	for _, k := range keys {
		if k.kid != "" {
			kids = append(kids, fmt.Sprintf("%q", k.kid))
		}
	}
	kids = dedupe(kids)
	sort.Strings(kids)
	switch len(kids) {
	case 0:
		return fmt.Sprintf("%d keys without kid", len(keys))
	case 1:
		return "kid " + kids[0]
	}
	return "kids " + strings.Join(kids, ", ")
}
