package checklist

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/why401/why401/internal/catalog"
)

// TestCertificateCause: a server whose certificate the runner does not
// trust gives tls.certificate from the probe client's classification of
// the failure, and an error that merely mentions certificates does not.
func TestCertificateCause(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c, err := newClient(&File{Site: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	ex := c.Do(context.Background(), http.MethodGet, u, http.Header{}, nil)
	if ex.Err == "" || ex.TLS == nil || ex.TLS.VerifyError == "" || len(ex.TLS.Chain) == 0 {
		t.Fatalf("an untrusted certificate: err %q, TLS %+v", ex.Err, ex.TLS)
	}
	if got := localCause(&hop{err: errors.New(ex.Err), errKind: ex.ErrKind}); got != catalog.TLSCertificate {
		t.Errorf("untrusted certificate (%s, %s): cause %q, want %s", ex.ErrKind, ex.Err, got, catalog.TLSCertificate)
	}
	if got := localCause(&hop{err: errors.New("lookup certificate.example: no such host"), errKind: "dns"}); got != "" {
		t.Errorf("a DNS error naming a host with 'certificate' in it: cause %q, want none", got)
	}
}
