package producers_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
	"github.com/why401/why401/internal/servertest"
)

// gssapiApache starts Apache with mod_auth_gssapi protecting the whole
// site with the given directives.
func gssapiApache(t *testing.T, directives, top string, opts ...servertest.Option) *servertest.Server {
	t.Helper()
	if !servertest.ModuleExists("auth_gssapi") {
		servertest.Require(t, "mod_auth_gssapi.so (libapache2-mod-auth-gssapi)")
	}
	opts = append(opts, servertest.Modules("auth_gssapi"), servertest.File("htdocs/report.txt", "quarterly figures\n"))
	return servertest.Apache(t, `
<Location "/">
	AuthType GSSAPI
	AuthName "Intranet"
`+directives+`
	Require valid-user
</Location>
`+top, opts...)
}

// noSecrets fails when a request header of the report holds a Negotiate
// token or an NTLM message beyond the few constant bytes the redaction
// keeps (the server's challenges are no secret), or the text does.
func noSecrets(t *testing.T, r *report.Report) {
	t.Helper()
	for _, x := range r.Exchanges {
		for _, v := range x.Request["Authorization"] {
			if tokenRE.MatchString(v) {
				t.Errorf("%s hop %d sent %.40s... unredacted", x.Variant, x.Hop, v)
			}
		}
	}
	var b strings.Builder
	if err := report.WriteText(&b, r, report.Style{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, "uthorization") && tokenRE.MatchString(l) {
			t.Errorf("the text shows a credential: %.60s...", l)
		}
	}
}

var tokenRE = regexp.MustCompile(`(Negotiate|NTLM) [A-Za-z0-9+/=]{12,}`)

// TestApacheNegotiate: a real MIT KDC, kinit and Apache with
// mod_auth_gssapi (Kerberos only). --negotiate with the ticket gets 200;
// without a ticket cache, with an expired ticket, with the KDC out of
// reach, for a host krb5.conf puts in a realm without a trust, or for a
// host name the realm has no principal for, negotiate.no-ticket says why; with a keytab
// the principal was re-keyed after, the refused ticket is
// credentials.rejected; a Negotiate that takes only NTLM (gss-ntlmssp)
// refuses the ticket too, and the finding says to try --ntlm.
func TestApacheNegotiate(t *testing.T) {
	realm := servertest.KDC(t)
	realm.AddUser(t, "alice", "alice-pw")
	const spn = "HTTP/www." + servertest.Domain
	stale := realm.Keytab(t, spn)
	kt := realm.Keytab(t, spn) // re-keys: stale now holds an old key
	env := servertest.Env("KRB5_CONFIG=" + realm.Config)
	s := gssapiApache(t, "\tGssapiCredStore keytab:"+kt+"\n\tGssapiAllowedMech krb5", "", env)
	old := gssapiApache(t, "\tGssapiCredStore keytab:"+stale+"\n\tGssapiAllowedMech krb5", "", env)
	sanity(t, "anonymous", get(t, s.URL()+"/report.txt"), 401)
	t.Setenv("KRB5_CONFIG", realm.Config)
	cc := realm.Kinit(t, "alice", "alice-pw", "")
	at := func(srv *servertest.Server, host string) probe.Options {
		return probe.Options{
			URL:      "http://" + host + ":" + strconv.Itoa(srv.Port) + "/report.txt",
			Resolve:  []string{host + ":" + strconv.Itoa(srv.Port) + ":127.0.0.1"},
			HTTPAuth: "negotiate",
		}
	}
	host := "www." + servertest.Domain

	t.Setenv("KRB5CCNAME", "FILE:"+cc)
	r := run(t, at(s, host))
	if r.Status != 200 || len(r.Findings) != 0 {
		t.Errorf("with a ticket: status %d, findings %v", r.Status, r.Findings)
	}
	if r.Kerberos == nil || r.Kerberos.Tokens < 1 || r.Kerberos.Principal != "alice@"+servertest.RealmName || r.Kerberos.SPN != spn {
		t.Errorf("kerberos evidence %+v", r.Kerberos)
	}
	if r.CredentialedAttempts != r.Kerberos.Tokens {
		t.Errorf("%d credentialed attempts, %d tokens", r.CredentialedAttempts, r.Kerberos.Tokens)
	}
	if !strings.Contains(r.Replay, "--negotiate -u :") {
		t.Errorf("replay %q", r.Replay)
	}
	noSecrets(t, r)

	r = run(t, at(old, host))
	expect(t, r, "Apache httpd", catalog.CredentialsRejected)
	noSecrets(t, r)

	r = run(t, at(s, "other."+servertest.Domain))
	expect(t, r, "Apache httpd", catalog.NegotiateNoTicket)
	if r.Kerberos == nil || r.Kerberos.Problem != "unknown-server" {
		t.Errorf("unregistered host: kerberos evidence %+v", r.Kerberos)
	}

	// A Negotiate that takes only NTLM (gss-ntlmssp behind mod_auth_gssapi)
	// refuses the Kerberos ticket.
	users := filepath.Join(servertest.TempDir(t), "ntlm-users")
	if err := os.WriteFile(users, []byte("WHY401:bob:bob-pw\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ntlmOnly := gssapiApache(t, "\tGssapiAllowedMech ntlmssp\n\tGssapiConnectionBound On", "", env, servertest.Env("NTLM_USER_FILE="+users))
	r = run(t, at(ntlmOnly, host))
	expect(t, r, "Apache httpd", catalog.CredentialsRejected)
	if len(r.Findings) < 2 || r.Findings[1].Cause != catalog.CredentialsWrongScheme || !strings.Contains(strings.Join(r.Findings[0].Evidence, "\n"), "--ntlm") {
		t.Errorf("NTLM-only Negotiate: findings %v", r.Findings)
	}

	// The KDC out of reach (krb5.conf names a closed port), and a host
	// name krb5.conf maps to another realm than the ticket's.
	conf, err := os.ReadFile(realm.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, from, to, problem string }{
		{"no KDC", "127.0.0.1:" + strconv.Itoa(realm.Port), "127.0.0.1:" + strconv.Itoa(servertest.FreePort(t)), "kdc-unreachable"},
		{"other realm", "[domain_realm]\n", "[domain_realm]\n\twww." + servertest.Domain + " = OTHER.TEST\n", "realm"},
	} {
		alt := filepath.Join(servertest.TempDir(t), "krb5.conf")
		if err := os.WriteFile(alt, []byte(strings.Replace(string(conf), tt.from, tt.to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv("KRB5_CONFIG", alt)
		r = run(t, at(s, host))
		expect(t, r, "Apache httpd", catalog.NegotiateNoTicket)
		if r.Kerberos == nil || r.Kerberos.Problem != tt.problem {
			t.Errorf("%s: kerberos evidence %+v", tt.name, r.Kerberos)
		}
	}
	t.Setenv("KRB5_CONFIG", realm.Config)

	t.Setenv("KRB5CCNAME", "FILE:"+cc+".missing")
	r = run(t, at(s, host))
	expect(t, r, "Apache httpd", catalog.NegotiateNoTicket)
	if r.Kerberos == nil || r.Kerberos.Problem != "no-ticket" || r.CredentialedAttempts != 0 {
		t.Errorf("no cache: kerberos evidence %+v, %d attempts", r.Kerberos, r.CredentialedAttempts)
	}
	if !strings.Contains(strings.Join(r.Findings[0].Evidence, "\n"), "ticket cache") {
		t.Errorf("evidence %q", r.Findings[0].Evidence)
	}

	short := realm.Kinit(t, "alice", "alice-pw", "2s")
	time.Sleep(3 * time.Second)
	t.Setenv("KRB5CCNAME", short)
	r = run(t, at(s, host))
	expect(t, r, "Apache httpd", catalog.NegotiateNoTicket)
	if r.Kerberos == nil || r.Kerberos.Problem != "expired" {
		t.Errorf("expired: kerberos evidence %+v", r.Kerberos)
	}
}

// TestApacheNTLM: mod_auth_gssapi with gss-ntlmssp (GssapiAllowedMech
// ntlmssp, users in NTLM_USER_FILE) is a real NTLM server. --ntlm runs the
// handshake on one connection: the right password gets 200, a wrong one
// credentials.rejected; with KeepAlive Off the server closes the
// connection after its challenge, and the handshake can never finish:
// ntlm.connection.
func TestApacheNTLM(t *testing.T) {
	if _, err := os.Stat("/etc/gss/mech.d/mech.ntlmssp.conf"); err != nil {
		servertest.Require(t, "gssntlmssp.so (gss-ntlmssp)")
	}
	users := filepath.Join(servertest.TempDir(t), "ntlm-users")
	if err := os.WriteFile(users, []byte("WHY401:bob:bob-pw\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := servertest.Env("NTLM_USER_FILE=" + users)
	const ntlm = "\tGssapiAllowedMech ntlmssp\n\tGssapiConnectionBound On"
	s := gssapiApache(t, ntlm, "", env)
	sanity(t, "anonymous", get(t, s.URL()+"/report.txt"), 401)

	r := run(t, probe.Options{URL: s.URL() + "/report.txt", User: `WHY401\bob:bob-pw`, HTTPAuth: "ntlm"})
	if r.Status != 200 || len(r.Findings) != 0 {
		t.Errorf("right password: status %d, findings %v", r.Status, r.Findings)
	}
	if r.NTLM == nil || r.NTLM.Handshakes < 1 || r.CredentialedAttempts != r.NTLM.Handshakes {
		t.Errorf("ntlm evidence %+v, %d credentialed attempts", r.NTLM, r.CredentialedAttempts)
	}
	reused := false
	for _, x := range r.Exchanges {
		reused = reused || x.Variant == "as-given" && x.Answers == "NTLM" && x.Reused
	}
	if !reused {
		t.Errorf("the authenticate message did not go on the connection of the challenge")
	}
	noSecrets(t, r)

	r = run(t, probe.Options{URL: s.URL() + "/report.txt", User: `WHY401\bob:wrong`, HTTPAuth: "ntlm"})
	expect(t, r, "Apache httpd", catalog.CredentialsRejected)
	noSecrets(t, r)

	closing := gssapiApache(t, ntlm, "KeepAlive Off", env)
	r = run(t, probe.Options{URL: closing.URL() + "/report.txt", User: `WHY401\bob:bob-pw`, HTTPAuth: "ntlm"})
	expect(t, r, "Apache httpd", catalog.NTLMConnection)
	if r.NTLM == nil || r.NTLM.Problem != "connection-closed" {
		t.Errorf("keepalive off: ntlm evidence %+v", r.NTLM)
	}
}
