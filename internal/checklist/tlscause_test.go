package checklist

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/why401/why401/internal/catalog"
)

// TestCertificateCause: a server whose certificate the runner does not
// trust gives tls.certificate from the error's type, and an error that
// merely mentions certificates does not.
func TestCertificateCause(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	_, err := (&http.Transport{}).RoundTrip(req)
	if err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
	if got := localCause(&hop{err: err}); got != catalog.TLSCertificate {
		t.Errorf("untrusted certificate (%v): cause %q, want %s", err, got, catalog.TLSCertificate)
	}
	if got := localCause(&hop{err: errors.New("dial tcp: lookup certificate.example: no such host")}); got != "" {
		t.Errorf("a DNS error naming a host with 'certificate' in it: cause %q, want none", got)
	}
}
