package servertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Directory is an LDAP directory served by a real OpenLDAP slapd (Debian's
// slapd) started for one test: its slapd.conf, mdb database and pid file
// live in a temporary directory and it listens on 127.0.0.1 only. The
// tree holds BaseDN with the entries the test loads (LDIF, through
// slapadd before slapd starts); RootDN/RootPW administer it.
type Directory struct {
	Dir  string // the directory's temporary directory
	Port int    // slapd's port on 127.0.0.1
	URL  string // ldap://127.0.0.1:Port
}

// The test directory's names.
const (
	BaseDN = "dc=example,dc=test"
	RootDN = "cn=admin," + BaseDN
	RootPW = "why401-root"
)

// Slapd writes a slapd.conf (schemas core, cosine and inetorgperson from
// /etc/ldap/schema, an mdb database for BaseDN), loads ldif with slapadd
// and starts slapd until the test ends. ldif should not contain the base
// entry (dc=example,dc=test), which Slapd adds. It skips like Require when
// slapd or slapadd is missing (slapd, ldap-utils).
func Slapd(t testing.TB, ldif string) *Directory {
	t.Helper()
	slapd := Require(t, "slapd")
	slapadd := Require(t, "slapadd")
	dir := TempDir(t)
	port := FreePort(t)
	d := &Directory{Dir: dir, Port: port, URL: "ldap://" + loopbackAddr(port)}
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatalf("servertest: %v", err)
	}
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile %[1]s/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 16777216
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/db
access to attrs=userPassword by anonymous auth by * none
access to * by * read
`, dir, BaseDN, RootDN, RootPW)
	confPath := filepath.Join(dir, "slapd.conf")
	base := "dn: " + BaseDN + "\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n"
	ldifPath := filepath.Join(dir, "data.ldif")
	for name, content := range map[string]string{confPath: conf, ldifPath: base + strings.TrimSpace(ldif) + "\n"} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatalf("servertest: %v", err)
		}
	}
	if out, err := exec.Command(slapadd, "-f", confPath, "-l", ldifPath).CombinedOutput(); err != nil {
		t.Fatalf("servertest: slapadd: %v\n%s", err, out)
	}
	cmd := exec.Command(slapd, "-f", confPath, "-h", d.URL+"/", "-d", "0")
	startDaemon(t, "slapd", cmd, dir, "slapd.out", port)
	return d
}
