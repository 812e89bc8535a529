package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

var (
	keysOnce         sync.Once
	rsaKey, rsaOther *rsa.PrivateKey
	ecKey            *ecdsa.PrivateKey
	ec384Key         *ecdsa.PrivateKey
	edKey            ed25519.PrivateKey
	keysErr          error
	now              = time.Date(2026, 11, 20, 13, 12, 0, 0, time.UTC)
	baseClaims       = func() map[string]any {
		return map[string]any{
			"iss":   "https://id.example.com/realms/main",
			"sub":   "alice",
			"aud":   []string{"orders-api"},
			"scope": "orders:read orders:write",
			"iat":   now.Add(-10 * time.Minute).Unix(),
			"nbf":   now.Add(-10 * time.Minute).Unix(),
			"exp":   now.Add(50 * time.Minute).Unix(),
		}
	}
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		if rsaKey, keysErr = rsa.GenerateKey(rand.Reader, 2048); keysErr != nil {
			return
		}
		if rsaOther, keysErr = rsa.GenerateKey(rand.Reader, 2048); keysErr != nil {
			return
		}
		if ecKey, keysErr = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); keysErr != nil {
			return
		}
		if ec384Key, keysErr = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); keysErr != nil {
			return
		}
		_, edKey, keysErr = ed25519.GenerateKey(rand.Reader)
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
}

func mustSign(t *testing.T, claims map[string]any, key crypto.Signer, kid string) *Token {
	t.Helper()
	raw, err := Sign(claims, key, kid)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	tk, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse(Sign(...)): %v", err)
	}
	return tk
}

func mustJWKS(t *testing.T, keys map[string]crypto.PublicKey) []byte {
	t.Helper()
	b, err := JWKS(keys)
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	return b
}

func TestSignVerify(t *testing.T) {
	testKeys(t)
	set := mustJWKS(t, map[string]crypto.PublicKey{
		"rsa1": rsaKey.Public(), "ec1": ecKey.Public(), "ec384": ec384Key, "ed1": edKey.Public(),
	})
	for _, tc := range []struct {
		key     crypto.Signer
		kid     string
		wantAlg string
	}{
		{rsaKey, "rsa1", "RS256"},
		{ecKey, "ec1", "ES256"},
		{ec384Key, "ec384", "ES384"},
		{edKey, "ed1", "EdDSA"},
		{rsaKey, "", "RS256"}, // no kid: every fitting key is tried
	} {
		tk := mustSign(t, baseClaims(), tc.key, tc.kid)
		if tk.Alg != tc.wantAlg || tk.Kid != tc.kid || tk.Typ != "JWT" {
			t.Errorf("header alg %q kid %q typ %q, want %s %q JWT", tk.Alg, tk.Kid, tk.Typ, tc.wantAlg, tc.kid)
		}
		if err := Verify(tk, set); err != nil {
			t.Errorf("Verify(%s, kid %q): %v", tc.wantAlg, tc.kid, err)
		}
		if ps := tk.Check(Expect{Audience: []string{"orders-api"}, Issuer: []string{"https://id.example.com/realms/main/"}, Scope: []string{"orders:read"}}, now); len(ps) != 0 {
			t.Errorf("Check of a good token: %v", ps)
		}
	}
}

func TestVerifyFailures(t *testing.T) {
	testKeys(t)
	good := mustJWKS(t, map[string]crypto.PublicKey{"k1": rsaKey.Public(), "e1": ecKey.Public()})
	signed := mustSign(t, baseClaims(), rsaKey, "k1")

	tampered := func() *Token {
		parts := strings.Split(signed.Raw, ".")
		c := baseClaims()
		c["sub"] = "admin"
		other := mustSign(t, c, rsaKey, "k1")
		parts[1] = strings.Split(other.Raw, ".")[1]
		tk, err := Parse(strings.Join(parts, "."))
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}()
	unsigned, err := Unsigned(baseClaims())
	if err != nil {
		t.Fatal(err)
	}
	noneTok, err := Parse(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	hsTok, err := Parse(tok(`{"alg":"HS256","kid":"k1"}`, `{"sub":"x"}`, "c2ln"))
	if err != nil {
		t.Fatal(err)
	}
	weirdAlg, err := Parse(tok(`{"alg":"XS999","kid":"k1"}`, `{"sub":"x"}`, "c2ln"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		tok     *Token
		jwks    []byte
		want    error
		wantMsg string
	}{
		{"wrong key", mustSign(t, baseClaims(), rsaOther, "k1"), good, ErrBadSignature, `kid "k1"`},
		{"wrong key no kid", mustSign(t, baseClaims(), rsaOther, ""), good, ErrBadSignature, "no kid"},
		{"kid missing", mustSign(t, baseClaims(), rsaKey, "rotated"), good, ErrKidNotFound, `token kid "rotated", set has kids "e1", "k1"`},
		{"alg none", noneTok, good, ErrAlgNone, `"none"`},
		{"tampered payload", tampered, good, ErrBadSignature, ""},
		{"no key for alg", mustSign(t, baseClaims(), ecKey, "k1"), good, ErrNoKey, `key "k1" is an RSA key, which cannot verify ES256`},
		{"hs256 against rsa key", hsTok, good, ErrNoKey, "RSA key"},
		{"curve mismatch", mustSign(t, baseClaims(), ec384Key, "e1"), good, ErrNoKey, "curve P-256, ES384 needs P-384"},
		{"unsupported alg", weirdAlg, good, ErrUnsupportedAlg, "XS999"},
		{"jwks not json", signed, []byte(`<html>`), ErrBadJWKS, "not a JSON object"},
		{"jwks no keys", signed, []byte(`{"foo":1}`), ErrBadJWKS, `no "keys"`},
		{"jwks empty", signed, []byte(`{"keys":[]}`), ErrBadJWKS, "empty"},
		{"jwks keys not array", signed, []byte(`{"keys":{}}`), ErrBadJWKS, "not an array"},
		{"key for encryption", signed, []byte(strings.Replace(string(good), `"use":"sig"`, `"use":"enc"`, -1)), ErrNoKey, `use "enc"`},
		{"key for other alg", signed, []byte(strings.Replace(string(good), `"alg":"RS256"`, `"alg":"PS256"`, 1)), ErrNoKey, "is for alg PS256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.tok, tt.jwks)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			for _, other := range []error{ErrAlgNone, ErrKidNotFound, ErrNoKey, ErrBadSignature, ErrBadJWKS, ErrUnsupportedAlg} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantMsg)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}

func TestVerifyTolerantSet(t *testing.T) {
	testKeys(t)
	tk := mustSign(t, baseClaims(), ecKey, "e1")
	set := mustJWKS(t, map[string]crypto.PublicKey{"e1": ecKey.Public()})
	// A key of an unknown type sits next to the good one: ignored, as RFC 7517 §5 says.
	mixed := strings.Replace(string(set), `{"keys":[`, `{"keys":[{"kty":"XYZ","kid":"odd"},`, 1)
	if err := Verify(tk, []byte(mixed)); err != nil {
		t.Errorf("Verify with an unknown key type in the set: %v", err)
	}
	// A bare JWK instead of a set.
	bare := strings.TrimSuffix(strings.TrimPrefix(string(set), `{"keys":[`), `]}`)
	if err := Verify(tk, []byte(bare)); err != nil {
		t.Errorf("Verify with a bare JWK: %v", err)
	}
	// Private keys in the set verify through their public half.
	priv := mustJWKS(t, map[string]crypto.PublicKey{"e1": ecKey})
	if err := Verify(tk, priv); err != nil {
		t.Errorf("Verify with a private key given to JWKS: %v", err)
	}
	// Not a JWS at all.
	var me *MalformedError
	if err := Verify(nil, set); !errors.As(err, &me) {
		t.Errorf("Verify(nil) = %v", err)
	}
}

func TestVerifyHMAC(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: secret, KeyID: "h1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign([]byte(`{"sub":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	tk, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	set := `{"keys":[{"kty":"oct","kid":"h1","k":"` + base64.RawURLEncoding.EncodeToString(secret) + `"}]}`
	if err := Verify(tk, []byte(set)); err != nil {
		t.Errorf("Verify HS256 with the right secret: %v", err)
	}
	other := `{"keys":[{"kty":"oct","kid":"h1","k":"` + base64.RawURLEncoding.EncodeToString([]byte("another secret, 32 bytes long!!!")) + `"}]}`
	if err := Verify(tk, []byte(other)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify HS256 with another secret: %v", err)
	}
}

func TestSignErrors(t *testing.T) {
	testKeys(t)
	if _, err := JWKS(map[string]crypto.PublicKey{"x": "not a key"}); err == nil || !strings.Contains(err.Error(), `kid "x"`) {
		t.Errorf("JWKS with a bad key: %v", err)
	}
	if _, err := Sign(map[string]any{"bad": make(chan int)}, rsaKey, ""); err == nil {
		t.Error("Sign with unencodable claims: no error")
	}
	k224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(baseClaims(), k224, ""); err == nil || !strings.Contains(err.Error(), "P-224") {
		t.Errorf("Sign with P-224: %v", err)
	}
}
