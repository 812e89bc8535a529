package checks

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// ClientAuth reads what the probe's own Kerberos and NTLM clients did
// (--negotiate, --ntlm): why no ticket could be had, a ticket or an NTLM
// answer the server refused, a handshake broken across connections, a
// Negotiate that takes only NTLM.
var ClientAuth = &diagnosis.Check{
	Name: "clientauth",
	Doc:  "report why --negotiate had no Kerberos ticket to send, a ticket or NTLM answer refused, an NTLM handshake broken across connections",
	Causes: []catalog.ID{catalog.NegotiateNoTicket, catalog.NTLMConnection, catalog.CredentialsRejected,
		catalog.CredentialsWrongScheme, catalog.ChallengeUnsupported, catalog.ProxyHeaderStripped},
	Run: runClientAuth,
}

func runClientAuth(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	if k := p.Evidence.Probe.Kerberos; k != nil {
		kerberosFindings(p, e, k)
	}
	if n := p.Evidence.Probe.NTLM; n != nil {
		ntlmFindings(p, e, n)
	}
	return nil
}

// answerEvidence returns the 401's challenges and the evidence lines
// every finding of ClientAuth starts with.
func answerEvidence(p *diagnosis.Pass, e *evidence.Exchange) ([]challenge.Challenge, []string) {
	cs := p.Evidence.Facts.Challenges(e.Response)
	ev := []string{line(e)}
	if len(cs) > 0 {
		ev = append(ev, challengeLine(e.Response, cs))
	}
	return cs, ev
}

func kerberosFindings(p *diagnosis.Pass, e *evidence.Exchange, k *evidence.Kerberos) {
	cs, ev := answerEvidence(p, e)
	ev = append(ev, kerberosLines(k)...)
	if k.Problem != "" {
		conf := finding.Strong
		if !offers(cs, "Negotiate") {
			// The missing ticket is real, but the server asks for
			// something else anyway.
			conf = finding.Suspicion
			ev = append(ev, "the server does not offer Negotiate, so a ticket would not have helped here")
		}
		p.Reportf(catalog.NegotiateNoTicket, conf, ev, "No Kerberos ticket for %s: %s", k.SPN, k.Err)
		return
	}
	sent := strings.HasPrefix(e.Request.Header.Get("Authorization"), "Negotiate ")
	if !sent || k.Tokens == 0 {
		return
	}
	if ntlmOnly(cs) {
		p.Reportf(catalog.CredentialsWrongScheme, finding.Strong-0.05, append(ev,
			"the server's Negotiate answer names NTLM (NTLMSSP), not Kerberos: it takes only NTLM inside Negotiate (IIS without a service principal for this name, mod_auth_gssapi with GssapiAllowedMech ntlmssp)",
			"try the NTLM handshake instead: why401 probe --ntlm -u 'DOMAIN\\USER:PASS' URL"),
			"The server's Negotiate takes only NTLM and refused the Kerberos ticket for %s", k.SPN)
		return
	}
	if offers(p.Evidence.Facts.Challenges(anonymousAnswer(p, e)), "NTLM") {
		ev = append(ev, "the server offers NTLM too: if why401 probe --ntlm -u 'DOMAIN\\USER:PASS' URL gets in, its Negotiate takes only NTLM (IIS without a service principal for this name, mod_auth_gssapi with GssapiAllowedMech ntlmssp)")
		p.Reportf(catalog.CredentialsWrongScheme, finding.Likely, ev, "The server may take only NTLM, not the Kerberos ticket for %s", k.SPN)
	}
	p.Reportf(catalog.CredentialsRejected, finding.Strong, append(ev,
		"the Kerberos ticket of "+k.Principal+" for "+k.SPN+" was sent and the server answered 401 again",
		"on the server: the keytab must hold the current key of "+k.SPN+" (compare kvno "+k.SPN+" with klist -k KEYTAB; the principal may have been re-keyed after the keytab was made), and the server must accept that principal (GssapiCredStore keytab:..., GssapiAllowedMech krb5)"),
		"The server refused the Kerberos ticket for %s", k.SPN)
}

// anonymousAnswer is the final answer of the no-credentials variant, or
// e when there is none.
func anonymousAnswer(p *diagnosis.Pass, e *evidence.Exchange) *evidence.Response {
	if a := final(p, evidence.NoCredentials); a != nil && a.Response != nil {
		return a.Response
	}
	return e.Response
}

// kerberosLines are the evidence lines of what the Kerberos client read.
func kerberosLines(k *evidence.Kerberos) []string {
	out := []string{"Kerberos: service principal " + k.SPN + realmText(k.Realm) + ", configuration " + k.Config + ", ticket cache " + k.CCache}
	if k.Principal != "" {
		s := "ticket of " + k.Principal
		if !k.Expires.IsZero() {
			s += ", valid until " + k.Expires.UTC().Format(time.RFC3339)
		}
		out = append(out, s)
	}
	return out
}

func realmText(r string) string {
	if r == "" {
		return " (no realm)"
	}
	return " in realm " + r
}

// ntlmsspOID is the DER encoding of NTLMSSP's mechanism OID
// 1.3.6.1.4.1.311.2.2.10, as a SPNEGO answer names it.
var ntlmsspOID = []byte{0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a}

// ntlmOnly reports whether a Negotiate challenge's data is NTLM: a raw
// NTLM message, or a SPNEGO answer naming NTLMSSP as its mechanism.
func ntlmOnly(cs []challenge.Challenge) bool {
	for _, c := range cs {
		if !c.Is("Negotiate") || c.Token68 == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(c.Token68)
		if err != nil {
			continue
		}
		if bytes.HasPrefix(b, []byte("NTLMSSP\x00")) || bytes.Contains(b, ntlmsspOID) {
			return true
		}
	}
	return false
}

func ntlmFindings(p *diagnosis.Pass, e *evidence.Exchange, n *evidence.NTLM) {
	cs, ev := answerEvidence(p, e)
	ev = append(ev, "NTLM as "+n.User+": "+n.Err)
	switch n.Problem {
	case "connection-closed":
		p.Reportf(catalog.NTLMConnection, finding.Strong, ev, "The NTLM handshake was broken: %s", n.Err)
	case "refused":
		given, _, hasDomain := strings.Cut(n.User, `\`)
		if n.ServerDomain != "" {
			s := "the server's challenge names the domain " + n.ServerDomain
			if hasDomain && !strings.EqualFold(given, n.ServerDomain) {
				s += ", and you gave " + given + ": check the domain part of -u"
			}
			ev = append(ev, s)
		}
		conf := finding.Strong - 0.05
		if n.Proxy {
			conf = finding.Likely
			p.Reportf(catalog.NTLMConnection, finding.Likely-0.05, ev, "The proxy may have broken the NTLM handshake across connections")
		}
		p.Reportf(catalog.CredentialsRejected, conf, ev, "The server refused the NTLM login of %s", n.User)
	case "no-challenge":
		if !offers(cs, "NTLM") {
			p.Reportf(catalog.CredentialsWrongScheme, finding.Strong-0.05, ev, "The server does not offer NTLM")
			return
		}
		p.Reportf(catalog.ProxyHeaderStripped, finding.Likely-0.1, ev, "The NTLM negotiate message got no challenge: it may not reach the server")
	case "bad-challenge":
		p.Reportf(catalog.ChallengeUnsupported, finding.Strong-0.05, ev, "The server's NTLM challenge cannot be answered with NTLMv2")
	}
}

// spoke reports whether the probe itself answered scheme (Negotiate
// with --negotiate, NTLM with --ntlm), so that the scheme is one this
// client can use.
func spoke(pr *evidence.Probe, scheme string) bool {
	switch {
	case strings.EqualFold(scheme, "Negotiate"):
		return pr.Kerberos != nil
	case strings.EqualFold(scheme, "NTLM"):
		return pr.NTLM != nil
	}
	return false
}
