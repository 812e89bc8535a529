package producers_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// ldapPeople is the directory behind the LDAP tests: alice (with no mail
// attribute) under ou=people, and the account Apache binds as to search.
const ldapPeople = `
dn: ou=people,dc=example,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,dc=example,dc=test
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: Example
userPassword: secret

dn: cn=httpd,dc=example,dc=test
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: httpd
userPassword: bindpass
`

const (
	ldapBindDN   = "cn=httpd,dc=example,dc=test"
	ldapPeopleDN = "ou=people,dc=example,dc=test"
)

// ldapSite starts Apache with mod_authnz_ldap: Basic auth, the user found
// by the search in url, Apache binding as ldapBindDN with bindPW to
// search. The error log records mod_authnz_ldap's reasons (info).
func ldapSite(t *testing.T, url, bindPW string) *servertest.Server {
	t.Helper()
	if !servertest.ModuleExists("authnz_ldap") || !servertest.ModuleExists("ldap") {
		servertest.Require(t, "mod_authnz_ldap.so (apache2)")
	}
	return servertest.Apache(t, `
LDAPConnectionTimeout 5
<Directory "{{.Dir}}/htdocs">
	AuthType Basic
	AuthName "Directory"
	AuthBasicProvider ldap
	AuthLDAPURL "`+url+`"
	AuthLDAPBindDN "`+ldapBindDN+`"
	AuthLDAPBindPassword "`+bindPW+`"
	Require valid-user
</Directory>`, servertest.Modules("ldap", "authnz_ldap"),
		servertest.File("htdocs/index.html", "members\n"))
}

// logSays checks that Apache's error log gives mod_authnz_ldap's reason
// for refusing alice (AH01695 ... [reason]).
func logSays(t *testing.T, s *servertest.Server, reason string) {
	t.Helper()
	for _, l := range strings.Split(s.ErrorLog(), "\n") {
		if strings.Contains(l, "AH01695: auth_ldap authenticate: user alice ") && strings.Contains(l, reason) {
			return
		}
	}
	t.Errorf("error log does not give the reason %q for alice:\n%s", reason, s.ErrorLog())
}

// TestApacheLDAP: Apache's mod_authnz_ldap checking Basic credentials
// against a real OpenLDAP slapd. For each login it binds as its own
// account (AuthLDAPBindDN), searches AuthLDAPURL for the user, then binds
// as the user found with the password given. alice's right password gets
// 200 and nothing is reported, a wrong one credentials.rejected.
//
// The server's own faults answer exactly like a wrong password: a stale
// AuthLDAPBindPassword makes every login 401 (mod_authnz_ldap turns the
// failed search bind into AUTH_DENIED, and mod_auth_basic even logs
// "Password Mismatch"), and a search that finds nobody (AuthLDAPURL
// ...?mail for users without mail) makes every login 401 as an unknown
// user. The made-up user gets the same 401 as alice, so from outside
// nothing tells these from a wrong password: why401 says
// credentials.rejected, whose owner fix names the log reasons that tell
// them apart; the test checks that Apache's error log does give them.
func TestApacheLDAP(t *testing.T) {
	dir := servertest.Slapd(t, ldapPeople)
	people := dir.URL + "/" + ldapPeopleDN + "?uid"

	s := ldapSite(t, people, "bindpass")
	sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
	r := run(t, probe.Options{URL: s.URL() + "/", User: "alice:secret"})
	expect(t, r, "Apache httpd", "")
	if r.Status != 200 || len(r.Findings) != 0 {
		t.Errorf("right password: status %d, findings %v", r.Status, r.Findings)
	}
	r = run(t, probe.Options{URL: s.URL() + "/", User: "alice:wrong"})
	expect(t, r, "Apache httpd", catalog.CredentialsRejected)
	logSays(t, s, "[ldap_simple_bind() to check user credentials failed][Invalid credentials]")

	for _, c := range []struct{ name, url, bindPW, reason string }{
		{"bind account rejected", people, "stale", "[LDAP: ldap_simple_bind() failed][Invalid credentials]"},
		{"search finds nobody", dir.URL + "/" + ldapPeopleDN + "?mail", "bindpass", "[User not found][No such object]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := ldapSite(t, c.url, c.bindPW)
			sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
			r := run(t, probe.Options{URL: s.URL() + "/", User: "alice:secret"})
			expect(t, r, "Apache httpd", catalog.CredentialsRejected)
			if r.Status != 401 {
				t.Errorf("status %d, want 401", r.Status)
			}
			logSays(t, s, c.reason)
		})
	}
}

// TestApacheLDAPUnreachable: AuthLDAPURL names a port where no LDAP
// server listens. The anonymous request still gets the Basic challenge,
// but every login, a made-up user's too, gets Apache's 500 page
// (mod_authnz_ldap's AUTH_GENERAL_ERROR): from outside, the same as a
// password file Apache cannot open, so why401 names
// server.htpasswd-file, whose text covers the unreachable directory.
func TestApacheLDAPUnreachable(t *testing.T) {
	s := ldapSite(t, "ldap://127.0.0.1:"+strconv.Itoa(servertest.FreePort(t))+"/"+ldapPeopleDN+"?uid", "bindpass")
	sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
	r := run(t, probe.Options{URL: s.URL() + "/", User: "alice:secret"})
	expect(t, r, "Apache httpd", catalog.ServerHtpasswdFile)
	if r.Status != 500 {
		t.Errorf("status %d, want 500", r.Status)
	}
	if len(r.Findings) > 0 && !strings.Contains(r.Findings[0].Detail, "LDAP") {
		t.Errorf("finding %q does not mention the LDAP directory", r.Findings[0].Detail)
	}
	logSays(t, s, "[LDAP: ldap_simple_bind() failed][Can't contact LDAP server]")
}
