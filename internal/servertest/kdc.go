package servertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Realm is a Kerberos realm served by a real MIT KDC (Debian's krb5-kdc)
// started for one test: its database, stash, logs, krb5.conf and kdc.conf
// live in a temporary directory, and the KDC listens on 127.0.0.1 only.
// Clients reach it through Config (point KRB5_CONFIG at it): a krb5.conf
// with default_realm RealmName, no DNS lookups and the KDC's address, and
// a [domain_realm] entry mapping Domain to the realm.
type Realm struct {
	Dir    string // the realm's directory
	Config string // krb5.conf for clients and servers
	Port   int    // the KDC's port (TCP and UDP) on 127.0.0.1
	env    []string
}

// Kerberos names of the test realm.
const (
	RealmName = "WHY401.TEST"
	Domain    = "why401.test"
)

// KDC creates a realm and starts its KDC (krb5kdc -n) until the test
// ends. It skips like Require when krb5kdc, kdb5_util, kadmin.local or
// kinit is missing (krb5-kdc, krb5-admin-server, krb5-user).
func KDC(t testing.TB) *Realm {
	t.Helper()
	kdc := Require(t, "krb5kdc")
	for _, b := range []string{"kdb5_util", "kadmin.local", "kinit"} {
		Require(t, b)
	}
	dir := TempDir(t)
	port := FreePort(t)
	r := &Realm{Dir: dir, Config: filepath.Join(dir, "krb5.conf"), Port: port}
	krb5 := fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
	udp_preference_limit = 1
[realms]
	%[1]s = {
		kdc = 127.0.0.1:%[2]d
	}
[domain_realm]
	.%[3]s = %[1]s
	%[3]s = %[1]s
`, RealmName, port, Domain)
	kdcConf := fmt.Sprintf(`[kdcdefaults]
	kdc_listen = 127.0.0.1:%[2]d
	kdc_tcp_listen = 127.0.0.1:%[2]d
[realms]
	%[1]s = {
		database_name = %[3]s/principal
		key_stash_file = %[3]s/stash
		acl_file = %[3]s/kadm5.acl
		max_life = 10h
	}
[logging]
	kdc = FILE:%[3]s/kdc.log
`, RealmName, port, dir)
	for name, content := range map[string]string{"krb5.conf": krb5, "kdc.conf": kdcConf, "kadm5.acl": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatalf("servertest: %v", err)
		}
	}
	r.env = []string{"KRB5_CONFIG=" + r.Config, "KRB5_KDC_PROFILE=" + filepath.Join(dir, "kdc.conf")}
	r.run(t, "", "kdb5_util", "create", "-s", "-r", RealmName, "-P", "why401-master")
	cmd := exec.Command(kdc, "-n", "-P", filepath.Join(dir, "kdc.pid"))
	cmd.Env = append(os.Environ(), r.env...)
	startDaemon(t, "krb5kdc", cmd, dir, "kdc.out", port, "kdc.log")
	return r
}

// run runs one of the realm's tools with its environment and stdin.
func (r *Realm) run(t testing.TB, stdin, name string, args ...string) string {
	t.Helper()
	path, err := lookBinary(name)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), r.env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("servertest: %s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Kadmin runs one kadmin.local query ("addprinc -pw PASS alice").
func (r *Realm) Kadmin(t testing.TB, query string) string {
	t.Helper()
	return r.run(t, "", "kadmin.local", "-q", query)
}

// AddUser creates the principal name@RealmName with a password.
func (r *Realm) AddUser(t testing.TB, name, password string) {
	t.Helper()
	r.Kadmin(t, "addprinc -pw "+password+" "+name)
}

// Keytab creates the service principal (HTTP/host) with a random key,
// unless it exists, and writes its current keys to a new keytab file,
// readable by server workers; it returns the file's path.
func (r *Realm) Keytab(t testing.TB, principal string) string {
	t.Helper()
	if !strings.Contains(r.Kadmin(t, "getprinc "+principal), "Principal: ") {
		r.Kadmin(t, "addprinc -randkey "+principal)
	}
	kt := filepath.Join(TempDir(t), "http.keytab")
	r.Kadmin(t, "ktadd -k "+kt+" "+principal) // ktadd re-keys the principal
	if err := MakeReadable(kt); err != nil {
		t.Fatalf("servertest: %v", err)
	}
	return kt
}

// Kinit gets a ticket-granting ticket for name with kinit into a new
// ticket cache file and returns the cache's path (for KRB5CCNAME).
// lifetime, when not "", is kinit's -l.
func (r *Realm) Kinit(t testing.TB, name, password, lifetime string) string {
	t.Helper()
	cc := filepath.Join(TempDir(t), "krb5cc")
	args := []string{"-c", "FILE:" + cc}
	if lifetime != "" {
		args = append(args, "-l", lifetime)
	}
	r.run(t, password+"\n", "kinit", append(args, name)...)
	return cc
}
