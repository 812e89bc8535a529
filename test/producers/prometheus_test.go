package producers_test

import (
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
	"github.com/why401/why401/internal/servertest"
)

// TestPrometheusBasicAuth: Prometheus (Debian's package) with a
// --web.config.file holding basic_auth_users (bcrypt), as its docs set
// it up. Its 401 is a bare "Basic" challenge (no realm) and the body
// "Unauthorized", whatever was sent: no credentials are credentials.missing,
// a wrong password is credentials.rejected; the right one gets its
// API answer and nothing is reported.
func TestPrometheusBasicAuth(t *testing.T) {
	s := servertest.PrometheusWeb(t, "basic_auth_users:\n  alice: "+bcryptHash(t, "secret")+"\n")
	url := s.URL() + "/api/v1/status/buildinfo"
	res := sanity(t, "anonymous", get(t, url), 401)
	if c := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(c, "Basic") {
		t.Fatalf("setup: challenge %q", c)
	}
	req := get(t, url)
	req.SetBasicAuth("alice", "secret")
	sanity(t, "alice", req, 200)
	r := run(t, probe.Options{URL: url, User: "alice:wrong"})
	expect(t, r, "Prometheus", catalog.CredentialsRejected)
	expect(t, run(t, probe.Options{URL: url}), "Prometheus", catalog.CredentialsMissing)
	ok := run(t, probe.Options{URL: url, User: "alice:secret"})
	if ok.Verdict != report.OK || len(ok.Findings) != 0 {
		t.Errorf("control: verdict %s, findings %v", ok.Verdict, ok.Findings)
	}
}
