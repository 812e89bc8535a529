package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"

	jose "github.com/go-jose/go-jose/v4"
)

// Sign mints a compact JWS over claims with key, for tests and the lab: RS256
// for an *rsa.PrivateKey; ES256, ES384 or ES512 for an *ecdsa.PrivateKey on
// P-256, P-384 or P-521; EdDSA for an ed25519.PrivateKey. The header carries
// typ "JWT" and, when kid is not empty, kid. Claims are encoded with
// encoding/json, so time values must already be numbers.
func Sign(claims map[string]any, key crypto.Signer, kid string) (string, error) {
	alg, err := algFor(key)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("claims: %w", err)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", fmt.Errorf("signer for %s: %w", alg, err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("signing with %s: %w", alg, err)
	}
	return jws.CompactSerialize()
}

// Unsigned mints an unsecured JWT (alg "none", empty signature), the kind
// every verifying server must refuse, for tests and the lab.
func Unsigned(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("claims: %w", err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".", nil
}

// JWKS encodes public keys as a JSON Web Key Set, one key per kid, sorted
// by kid. Each key carries use "sig" and the alg Sign uses for its type.
// Private keys are accepted and only their public half is written.
func JWKS(keys map[string]crypto.PublicKey) ([]byte, error) {
	kids := make([]string, 0, len(keys))
	for kid := range keys {
		kids = append(kids, kid)
	}
	sort.Strings(kids)
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(kids))}
	for _, kid := range kids {
		pub := keys[kid]
		if s, ok := pub.(crypto.Signer); ok {
			pub = s.Public()
		}
		alg, err := algFor(pub)
		if err != nil {
			return nil, fmt.Errorf("kid %q: %w", kid, err)
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: pub, KeyID: kid, Use: "sig", Algorithm: string(alg)})
	}
	return json.Marshal(set)
}

// algFor picks the signature algorithm for a private or public key.
func algFor(key any) (jose.SignatureAlgorithm, error) {
	var curve elliptic.Curve
	switch k := key.(type) {
	case *rsa.PrivateKey, *rsa.PublicKey:
		return jose.RS256, nil
	case ed25519.PrivateKey, ed25519.PublicKey:
		return jose.EdDSA, nil
	case *ecdsa.PrivateKey:
		curve = k.Curve
	case *ecdsa.PublicKey:
		curve = k.Curve
	default:
		return "", fmt.Errorf("key type %T: not RSA, ECDSA or Ed25519", key)
	}
	switch curve {
	case elliptic.P256():
		return jose.ES256, nil
	case elliptic.P384():
		return jose.ES384, nil
	case elliptic.P521():
		return jose.ES512, nil
	}
	return "", fmt.Errorf("ecdsa curve %s: not P-256, P-384 or P-521", curve.Params().Name)
}
