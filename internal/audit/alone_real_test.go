package audit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/audit"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/servertest"
)

// TestRealCRLFPasswordFile: an htpasswd file saved with CR LF line ends
// (bcrypt and apr1 users) still lets both users in on real nginx and
// Apache, as the audit's info finding on the file says; the audit of
// the file alone reports nothing above info.
func TestRealCRLFPasswordFile(t *testing.T) {
	servertest.Require(t, "htpasswd")
	dir := servertest.TempDir(t)
	lf := filepath.Join(dir, "lf")
	servertest.Htpasswd(t, lf, "alice", "secret", "-B")
	servertest.Htpasswd(t, lf, "bob", "hunter2", "-m")
	b, err := os.ReadFile(lf)
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte(strings.ReplaceAll(string(b), "\n", "\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := servertest.MakeReadable(users); err != nil {
		t.Fatal(err)
	}
	ev, err := audit.Load([]audit.Input{{Path: users}})
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := audit.Run(audit.All, ev)
	crlf := false
	for _, f := range fs {
		crlf = crlf || f.Severity == catalog.Info && strings.Contains(f.Detail, "CR LF")
		if f.Severity != catalog.Info {
			t.Errorf("%s %s: %s", f.Severity, f.Cause, f.Detail)
		}
	}
	if !crlf {
		t.Errorf("no CR LF info: %+v", fs)
	}
	servers := map[string]*servertest.Server{
		"nginx":  servertest.Nginx(t, "server {\n\tlisten {{.Addr}};\n\tauth_basic \"R\";\n\tauth_basic_user_file "+users+";\n\troot {{.Dir}}/html;\n}", servertest.File("html/index.html", "ok\n")),
		"apache": servertest.Apache(t, "<Location \"/\">\n\tAuthType Basic\n\tAuthName \"R\"\n\tAuthUserFile \""+users+"\"\n\tRequire valid-user\n</Location>", servertest.File("htdocs/index.html", "ok\n")),
	}
	for name, s := range servers {
		for _, c := range [][2]string{{"alice", "secret"}, {"bob", "hunter2"}} {
			if got := get(t, s.URL()+"/", c[0], c[1], ""); got != 200 {
				t.Errorf("%s, %s with the right password: %d, want 200", name, c[0], got)
			}
		}
		if got := get(t, s.URL()+"/", "alice", "wrong", ""); got != 401 {
			t.Errorf("%s, a wrong password: %d, want 401", name, got)
		}
	}
}

// TestRealHtaccessAlone: Apache resolves a relative AuthUserFile in an
// .htaccess against ServerRoot, not the .htaccess directory: with the
// file beside the .htaccess only, the right password gets 500 from real
// Apache. The audit of that .htaccess alone reports the line as a
// warning and names the file beside it as not the one read.
func TestRealHtaccessAlone(t *testing.T) {
	servertest.Require(t, "apache2")
	hash := mustHash(t, "secret")
	ht := "AuthType Basic\nAuthName \"Members\"\nAuthUserFile .htpasswd\nRequire valid-user\n"
	s := servertest.Apache(t, "<Directory \"{{.Dir}}/htdocs/members\">\n\tAllowOverride AuthConfig\n</Directory>",
		servertest.File("htdocs/members/index.html", "members\n"),
		servertest.File("htdocs/members/.htaccess", ht),
		servertest.File("htdocs/members/.htpasswd", "alice:"+hash+"\n"))
	if got := get(t, s.URL()+"/members/", "alice", "secret", ""); got != 500 {
		t.Fatalf("right password with the file beside the .htaccess: %d, want 500", got)
	}
	path := filepath.Join(s.Dir, "htdocs", "members", ".htaccess")
	ev, err := audit.Load([]audit.Input{{Path: path, Kind: audit.KindApache}})
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := audit.Run(audit.All, ev)
	if len(fs) != 1 || fs[0].Location.Line != 3 || fs[0].Severity != catalog.Warning ||
		!strings.Contains(fs[0].Detail, "resolves it against ServerRoot") || !strings.Contains(fs[0].Detail, filepath.Join(s.Dir, "htdocs", "members", ".htpasswd")+", is not the one read") {
		t.Errorf("findings: %+v", fs)
	}
}
