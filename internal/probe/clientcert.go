package probe

import (
	"crypto/tls"
	"crypto/x509"

	"github.com/why401/why401/internal/evidence"
)

// clientCertEvidence describes the leaf of the --cert certificate for
// checks (subject, issuer, validity), or nil when none was given or its
// leaf does not parse.
func clientCertEvidence(c *tls.Certificate) *evidence.Cert {
	if c == nil || len(c.Certificate) == 0 {
		return nil
	}
	leaf := c.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil
		}
	}
	ec := &evidence.Cert{
		Subject:   leaf.Subject.String(),
		Issuer:    leaf.Issuer.String(),
		DNSNames:  append([]string(nil), leaf.DNSNames...),
		NotBefore: leaf.NotBefore,
		NotAfter:  leaf.NotAfter,
	}
	for _, ip := range leaf.IPAddresses {
		ec.IPs = append(ec.IPs, ip.String())
	}
	return ec
}
