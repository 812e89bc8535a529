package producers_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// cupsAdmin guards /admin/conf (the scheduler's own configuration files,
// served by cupsd itself) as Debian's cupsd.conf does: AuthType Default
// (Basic) and Require user @SYSTEM.
const cupsAdmin = `
<Location /admin/conf>
  AuthType Default
  Require user @SYSTEM
  Order allow,deny
  Allow from 127.0.0.1
</Location>
`

// TestCUPSAdmin: the CUPS scheduler's admin pages. Without credentials
// they are challenged (Basic realm "CUPS", and CUPS's own Local scheme); a
// wrong password is refused by PAM: credentials.rejected. Root's local
// certificate authenticates, but with SystemGroup lpadmin (Debian's) root
// is not an administrator: 403, status.forbidden, which no password
// changes. Control: SystemGroup root, the same certificate gets the file.
func TestCUPSAdmin(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("cupsd's local certificates and PAM need root")
	}
	s := servertest.CUPS(t, "lpadmin", cupsAdmin)
	url := s.URL() + "/admin/conf/cupsd.conf"
	sanity(t, "anonymous", get(t, url), 401)
	expect(t, run(t, probe.Options{URL: url}), "CUPS", catalog.ServerBasicAuth)
	expect(t, run(t, probe.Options{URL: url, User: "root:wrong"}), "CUPS", catalog.CredentialsRejected)
	local := http.Header{"Authorization": {"Local " + servertest.CUPSLocalCert(t, s)}}
	r := run(t, probe.Options{URL: url, Header: local})
	expect(t, r, "CUPS", catalog.StatusForbidden)
	var ev []string
	for _, f := range r.Findings {
		ev = append(ev, f.Evidence...)
	}
	if !containsAny(ev, "lpadmin") {
		t.Errorf("no finding names the lpadmin group: %q", ev)
	}

	admin := servertest.CUPS(t, "root", cupsAdmin)
	r = run(t, probe.Options{URL: admin.URL() + "/admin/conf/cupsd.conf", Header: http.Header{"Authorization": {"Local " + servertest.CUPSLocalCert(t, admin)}}})
	if r.Status != 200 || len(r.Findings) != 0 {
		t.Errorf("control: status %d, findings %v", r.Status, r.Findings)
	}
}
