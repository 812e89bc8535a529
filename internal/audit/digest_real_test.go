package audit_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/audit"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/servertest"
)

// writeHtdigest writes an htdigest file as Apache's htdigest writes it:
// user:realm:hex(MD5(user:realm:password)).
func writeHtdigest(t *testing.T, realm string) string {
	t.Helper()
	sum := md5.Sum([]byte("alice:" + realm + ":secret"))
	path := filepath.Join(servertest.TempDir(t), "users.htdigest")
	if err := os.WriteFile(path, []byte("alice:"+realm+":"+hex.EncodeToString(sum[:])+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := servertest.MakeReadable(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// digestSection is a protected Location; fileLine may be empty.
func digestSection(realm, fileLine string) string {
	return fmt.Sprintf(`<Location "/members/">
	AuthType Digest
	AuthName %q
	AuthDigestProvider file
	%s
	Require valid-user
</Location>`, realm, fileLine)
}

// TestRealDigestRealm: real mod_auth_digest with an htdigest file. When
// AuthName is the file's realm, the right password gets 200 and the audit
// says nothing about the realm; when AuthName differs from every realm in
// the file, the right password gets 401 and the audit reports it as an
// error at the AuthUserFile line. Without any AuthUserFile, Apache
// answers 500 and the audit reports that.
func TestRealDigestRealm(t *testing.T) {
	servertest.Require(t, "apache2")
	file := writeHtdigest(t, "Members")
	cases := []struct {
		name, realm, fileLine string
		status                int
		cause                 catalog.ID
	}{
		{"realm matches", "Members", fmt.Sprintf("AuthUserFile %q", file), 200, ""},
		{"realm differs", "Staff", fmt.Sprintf("AuthUserFile %q", file), 401, catalog.ServerHtpasswdHash},
		{"no AuthUserFile", "Members", "", 500, catalog.ServerHtpasswdFile},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := servertest.Apache(t, digestSection(c.realm, c.fileLine), servertest.File("htdocs/members/index.html", "members\n"))
			status, _ := probe(t, s.URL()+"/members/", "--digest", "-u", "alice:secret")
			if status != c.status {
				t.Fatalf("status %d, want %d", status, c.status)
			}
			fs := auditServer(t, s)
			var got []string
			for _, f := range fs {
				if f.Cause == catalog.ServerHtpasswdHash || f.Cause == catalog.ServerHtpasswdFile {
					got = append(got, fmt.Sprintf("%s %s:%d %s", f.Cause, filepath.Base(f.Location.File), f.Location.Line, f.Severity))
				}
			}
			switch {
			case c.cause == "" && len(got) > 0:
				t.Errorf("findings on a working realm: %v", got)
			case c.cause == catalog.ServerHtpasswdHash:
				want := fmt.Sprintf("%s %s:%d error", c.cause, filepath.Base(s.ConfigPath), lineOf(t, s.ConfigPath, "AuthUserFile"))
				if len(got) != 1 || got[0] != want {
					t.Errorf("findings %v, want [%s]", got, want)
				}
			case c.cause == catalog.ServerHtpasswdFile:
				want := fmt.Sprintf("%s %s:%d error", c.cause, filepath.Base(s.ConfigPath), lineOf(t, s.ConfigPath, "AuthType Digest"))
				if len(got) != 1 || got[0] != want {
					t.Errorf("findings %v, want [%s]", got, want)
				}
			}
		})
	}
}

// TestRealDigestAlgorithm: httpd 2.4 refuses AuthDigestAlgorithm other
// than MD5 at configuration time, and the audit reports the line.
func TestRealDigestAlgorithm(t *testing.T) {
	bin := servertest.Require(t, "apache2")
	file := writeHtdigest(t, "Members")
	for _, alg := range []string{"MD5", "MD5-sess", "SHA-256"} {
		t.Run(alg, func(t *testing.T) {
			dir := servertest.TempDir(t)
			conf := filepath.Join(dir, "httpd.conf")
			var b strings.Builder
			fmt.Fprintf(&b, "ServerRoot %q\nServerName 127.0.0.1\nListen 127.0.0.1:%d\nPidFile %q\nErrorLog %q\nDefaultRuntimeDir %q\n",
				dir, servertest.FreePort(t), filepath.Join(dir, "pid"), filepath.Join(dir, "error.log"), dir)
			for _, m := range []string{"mpm_event", "authn_core", "authn_file", "authz_core", "authz_user", "auth_digest"} {
				fmt.Fprintf(&b, "LoadModule %s_module %s\n", m, filepath.Join(servertest.ApacheModulesDir, "mod_"+m+".so"))
			}
			fmt.Fprintf(&b, "%s\n", strings.Replace(digestSection("Members", fmt.Sprintf("AuthUserFile %q", file)), "Require valid-user", "AuthDigestAlgorithm "+alg+"\n\tRequire valid-user", 1))
			if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "-t", "-f", conf).CombinedOutput()
			refused := err != nil
			if refused != (alg != "MD5") {
				t.Fatalf("apache2 -t: %v\n%s", err, out)
			}
			ev, err := audit.Load([]audit.Input{{Path: conf, Kind: audit.KindApache, ServerRoot: dir}})
			if err != nil {
				t.Fatal(err)
			}
			fs, _ := audit.Run(audit.All, ev)
			reported := has(fs, catalog.ChallengeUnsupported, conf, lineOf(t, conf, "AuthDigestAlgorithm"))
			if reported != refused {
				t.Errorf("audit reported %v, apache2 -t refused %v: %v\n%s", reported, refused, fs, out)
			}
		})
	}
}
