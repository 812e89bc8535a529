package producers_test

import (
	"crypto/md5"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// nagiosApache starts Apache serving Debian's Nagios 4 CGIs
// (nagios4-cgi) the way the package's apache2.conf suggests for a site
// where everybody logs in: the Digest stanza moved into the
// DirectoryMatch, Require valid-user, and a cgi.cfg with
// use_authentication=1 (in a temporary directory, pointing at an empty
// object configuration). The user file is pw.
func nagiosApache(t *testing.T, pw string) *servertest.Server {
	t.Helper()
	servertest.Require(t, "/usr/lib/cgi-bin/nagios4/tac.cgi")
	return servertest.Apache(t, `
ScriptAlias /nagios4/cgi-bin /usr/lib/cgi-bin/nagios4
Alias /nagios4 /usr/share/nagios4/htdocs
<DirectoryMatch (/usr/share/nagios4/htdocs|/usr/lib/cgi-bin/nagios4)>
	Options FollowSymLinks
	SetEnv NAGIOS_CGI_CONFIG {{.Dir}}/nagios/cgi.cfg
	AuthDigestDomain "/nagios4/"
	AuthDigestProvider file
	AuthUserFile "`+pw+`"
	AuthName "Nagios4"
	AuthType Digest
	Require valid-user
</DirectoryMatch>`,
		servertest.Modules("cgid", "cgi"),
		servertest.File("nagios/cgi.cfg", `main_config_file={{.Dir}}/nagios/nagios.cfg
physical_html_path=/usr/share/nagios4/htdocs
url_html_path=/nagios4
use_authentication=1
authorized_for_all_hosts=nagiosadmin
authorized_for_all_services=nagiosadmin
authorized_for_system_information=nagiosadmin
`),
		servertest.File("nagios/nagios.cfg", `log_file={{.Dir}}/nagios/nagios.log
cfg_file={{.Dir}}/nagios/objects.cfg
object_cache_file={{.Dir}}/nagios/objects.cache
status_file={{.Dir}}/nagios/status.dat
`),
		servertest.File("nagios/objects.cfg", ""))
}

// TestNagiosDigestRealm: Nagios 4's CGIs behind Apache's mod_auth_digest.
// The fault is the classic one: the user file made with the realm of
// Nagios's own documentation (htdigest -c FILE "Nagios Access"
// nagiosadmin) while Debian's AuthName is "Nagios4". mod_auth_digest looks
// the user up by name and realm, finds nobody and answers 401 to the right
// password forever, exactly as to a wrong one: from outside the password
// was refused, and the report must say that Digest binds the realm.
// Control: the file made for "Nagios4" gets the tactical overview.
func TestNagiosDigestRealm(t *testing.T) {
	const url = "/nagios4/cgi-bin/tac.cgi"
	bad := nagiosApache(t, htdigest(t, md5.New, "nagiosadmin", "Nagios Access", "secret"))
	res := sanity(t, "anonymous", get(t, bad.URL()+url), 401)
	if c := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(c, `Digest realm="Nagios4"`) {
		t.Fatalf("setup: challenge %q", c)
	}
	r := run(t, probe.Options{URL: bad.URL() + url, User: "nagiosadmin:secret", HTTPAuth: "digest"})
	expect(t, r, "Apache httpd", catalog.CredentialsRejected)
	digestRound(t, r, 401)
	if !strings.Contains(bad.ErrorLog(), "not found") {
		t.Errorf("setup: Apache did not log the user as not found in the realm:\n%s", bad.ErrorLog())
	}
	if ev := strings.Join(r.Findings[0].Evidence, "\n"); !strings.Contains(ev, `the entry must begin nagiosadmin:Nagios4:`) {
		t.Errorf("the finding does not name the realm the entry needs:\n%s", ev)
	}

	good := nagiosApache(t, htdigest(t, md5.New, "nagiosadmin", "Nagios4", "secret"))
	r = run(t, probe.Options{URL: good.URL() + url, User: "nagiosadmin:secret", HTTPAuth: "digest"})
	digestRound(t, r, 200)
	var body string
	for _, x := range r.Exchanges {
		if x.Variant == string(evidence.AsGiven) && x.Status == 200 {
			body = x.Body
		}
	}
	if len(r.Findings) != 0 || !strings.Contains(body, "Tactical Monitoring Overview") {
		t.Errorf("control: findings %v, body %.80q", r.Findings, body)
	}
}
