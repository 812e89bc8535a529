package checks

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/jwt"
)

// ClientCert reports a server that wants a client certificate (mutual
// TLS) it did not get or did not accept: TLS alerts such as
// certificate_required and bad_certificate, nginx's ssl_verify_client
// 400 pages, a handshake that asked for a certificate before a 401 or 403,
// and an expired or not yet valid --cert.
var ClientCert = &diagnosis.Check{
	Name:   "clientcert",
	Doc:    "report missing, refused or expired client certificates (mutual TLS)",
	Causes: []catalog.ID{catalog.TLSClientCertificate},
	Run:    runClientCert,
}

// certAlert matches the TLS alerts a server sends about the client's
// certificate, as Go and OpenSSL word them.
var certAlert = regexp.MustCompile(`(?i)tls: (certificate required|bad certificate|unknown certificate authority|certificate expired|expired certificate|unsupported certificate|certificate revoked|certificate unknown|unknown certificate|access denied)|alert (certificate required|bad certificate)|sslv3 alert (bad certificate|certificate expired)`)

func runClientCert(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil {
		return nil
	}
	cc := p.Evidence.Probe.ClientCert
	var ev []string
	certLine := "no client certificate was given (--cert)"
	if cc != nil {
		certLine = fmt.Sprintf("--cert: %s, issued by %s, valid %s to %s", cc.Subject, cc.Issuer, stampUTC(cc.NotBefore), stampUTC(cc.NotAfter))
	}
	expired := cc != nil && p.Now.After(cc.NotAfter)
	early := cc != nil && p.Now.Before(cc.NotBefore)
	switch {
	case e.Response == nil && e.Err != "" && certAlert.MatchString(e.Err):
		ev = append(ev, line(e), certLine)
		conf := finding.Certain - 0.02
		what := "The server refused the TLS connection over the client certificate"
		if cc == nil {
			what = "The server requires a client certificate and none was sent"
		}
		if expired {
			what = "The client certificate has expired"
			ev = append(ev, "it expired "+jwt.Human(p.Now.Sub(cc.NotAfter))+" ago")
		}
		p.Reportf(catalog.TLSClientCertificate, conf, ev, "%s", what)
		return nil
	case e.Response == nil:
		if e.Err != "" && (e.ErrKind == "tls" || e.ErrKind == "other") && e.TLS != nil && e.TLS.ClientCertRequested && !e.TLS.ClientCertSent {
			ev = append(ev, line(e), "the server asked for a client certificate during the handshake and none was sent", certLine)
			p.Reportf(catalog.TLSClientCertificate, finding.Strong-0.05, ev, "The server requires a client certificate and none was sent")
		}
		return nil
	}
	r := e.Response
	switch {
	case r.Status == http.StatusBadRequest && bytes.Contains(r.Body, []byte("No required SSL certificate was sent")):
		ev = append(ev, line(e), "nginx (ssl_verify_client on) says: No required SSL certificate was sent", certLine)
		p.Reportf(catalog.TLSClientCertificate, finding.Certain-0.01, ev, "The server requires a client certificate and none was sent")
	case r.Status == http.StatusBadRequest && bytes.Contains(r.Body, []byte("The SSL certificate error")):
		ev = append(ev, line(e), "nginx (ssl_verify_client) says: The SSL certificate error", certLine)
		what := "The server does not accept the client certificate (untrusted issuer, expired or revoked)"
		if expired {
			what = "The client certificate has expired"
		}
		p.Reportf(catalog.TLSClientCertificate, finding.Certain-0.02, ev, "%s", what)
	case r.Status == http.StatusBadRequest && bytes.Contains(r.Body, []byte("certificate has expired")):
		ev = append(ev, line(e), "body: "+snippet(r.Body, 160), certLine)
		p.Reportf(catalog.TLSClientCertificate, finding.Strong, ev, "The client certificate has expired")
	case failed(r.Status) && (expired || early):
		ev = append(ev, line(e), certLine)
		if expired {
			ev = append(ev, "it expired "+jwt.Human(p.Now.Sub(cc.NotAfter))+" ago")
			p.Reportf(catalog.TLSClientCertificate, finding.Strong+0.03, ev, "The client certificate has expired")
		} else {
			ev = append(ev, "it becomes valid in "+jwt.Human(cc.NotBefore.Sub(p.Now)))
			p.Reportf(catalog.TLSClientCertificate, finding.Strong-0.05, ev, "The client certificate is not valid yet")
		}
	case failed(r.Status) && e.TLS != nil && e.TLS.ClientCertRequested && !e.TLS.ClientCertSent:
		ev = append(ev, line(e), "the server asked for a client certificate during the handshake and none was sent", certLine)
		conf := finding.Likely - 0.1
		if len(p.Evidence.Facts.Challenges(r)) == 0 {
			conf = finding.Likely + 0.1
		}
		p.Reportf(catalog.TLSClientCertificate, conf, ev, "The server asked for a client certificate that was not sent")
	}
	return nil
}
