package lab

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/why401/why401/internal/random"
)

// Key IDs of the lab's signing keys.
const (
	// KeyID is the kid of the key the lab signs and verifies tokens with;
	// it is the only key in the served JWKS.
	KeyID = "lab-2026"
	// ForeignKeyID is the kid of a key the lab does not publish or trust,
	// as after a key rotation.
	ForeignKeyID = "rotated-2025"
)

// keys holds the token keys.
type keys struct {
	sign    *ecdsa.PrivateKey
	foreign *ecdsa.PrivateKey
	signer  jose.Signer
	fsigner jose.Signer
	jwks    []byte // the served JWKS: the public half of sign only
}

// newKeys generates the lab and foreign ES256 keys.
func newKeys() (*keys, error) {
	sign, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	foreign, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := newSigner(sign, KeyID)
	if err != nil {
		return nil, err
	}
	fsigner, err := newSigner(foreign, ForeignKeyID)
	if err != nil {
		return nil, err
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       &sign.PublicKey,
		KeyID:     KeyID,
		Algorithm: string(jose.ES256),
		Use:       "sig",
	}}}
	jwks, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	return &keys{sign: sign, foreign: foreign, signer: signer, fsigner: fsigner, jwks: jwks}, nil
}

// newSigner returns an ES256 signer that stamps kid and the RFC 9068
// access-token type into every header.
func newSigner(key *ecdsa.PrivateKey, kid string) (jose.Signer, error) {
	opts := (&jose.SignerOptions{}).WithType("at+jwt")
	return jose.NewSigner(jose.SigningKey{
		Algorithm: jose.ES256,
		Key:       jose.JSONWebKey{Key: key, KeyID: kid},
	}, opts)
}

// Token returns a compact JWS access token signed with the lab key (kid
// "lab-2026"). The default claims are iss=Issuer(), aud=Audience(),
// sub="alice", iat=now, exp=now+1h, scope="read", client_id="lab-client"
// and a random jti, all by the lab clock. Entries of claims override them;
// an entry set to nil removes the claim. A time.Time value is written as
// seconds since the epoch. Token returns "" only when claims cannot be
// encoded as JSON.
func (l *Lab) Token(claims map[string]any) string {
	return l.mint(l.keys.signer, claims)
}

// ForeignToken is Token signed with a key the lab does not trust (kid
// "rotated-2025", absent from the JWKS).
func (l *Lab) ForeignToken(claims map[string]any) string {
	return l.mint(l.keys.fsigner, claims)
}

// mint builds the claim set and signs it with s.
func (l *Lab) mint(s jose.Signer, claims map[string]any) string {
	now := l.now()
	set := map[string]any{
		"iss":       l.Issuer(),
		"aud":       l.Audience(),
		"sub":       "alice",
		"iat":       now.Unix(),
		"exp":       now.Add(time.Hour).Unix(),
		"scope":     "read",
		"client_id": "lab-client",
		"jti":       random.Hex(12),
	}
	for k, v := range claims {
		if v == nil {
			delete(set, k)
			continue
		}
		if t, ok := v.(time.Time); ok {
			v = t.Unix()
		}
		set[k] = v
	}
	payload, err := json.Marshal(set)
	if err != nil {
		return ""
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return ""
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		return ""
	}
	return out
}

// JWKS returns the JSON Web Key Set the lab serves: the public lab key
// only.
func (l *Lab) JWKS() []byte {
	return append([]byte(nil), l.keys.jwks...)
}

// certs holds the lab PKI.
type certs struct {
	caPEM   []byte
	ca      *x509.Certificate
	good    tls.Certificate
	expired tls.Certificate
}

// Server certificate names.
var (
	certDNSNames = []string{"localhost", "lab.test"}
	certIPs      = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
)

// newCerts creates the lab CA and both server certificates relative to
// now: the valid one covers now-1h to now+90d, the expired one ended 30
// days before now.
func newCerts(now time.Time) (*certs, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "why401 lab CA", Organization: []string{"why401 lab"}},
		NotBefore:             now.Add(-2 * 365 * 24 * time.Hour),
		NotAfter:              now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	day := 24 * time.Hour
	good, err := leaf(ca, caKey, "why401 lab", now.Add(-time.Hour), now.Add(90*day))
	if err != nil {
		return nil, err
	}
	expired, err := leaf(ca, caKey, "why401 lab (expired)", now.Add(-120*day), now.Add(-30*day))
	if err != nil {
		return nil, err
	}
	return &certs{
		caPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		ca:      ca,
		good:    good,
		expired: expired,
	}, nil
}

// leaf issues a server certificate for the lab names.
func leaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, from, until time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"why401 lab"}},
		NotBefore:    from,
		NotAfter:     until,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     certDNSNames,
		IPAddresses:  certIPs,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{
		Certificate: [][]byte{der, ca.Raw},
		PrivateKey:  key,
		Leaf:        parsed,
	}, nil
}

// serial returns a random 128-bit certificate serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil || n.Sign() == 0 {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

// tlsConfig serves cert over HTTP/1.1.
func (c *certs) tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
}

// parseBase checks that base is an absolute http or https URL with a host
// and nothing after it, and returns it without a trailing slash.
func parseBase(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("%s: invalid base URL", base)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%s: base URL must be http or https", base)
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s: base URL must be scheme and host only", base)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}
