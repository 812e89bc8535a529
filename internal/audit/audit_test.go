package audit

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/why401/why401/internal/servertest"
)

func write(t *testing.T, path, text string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func audit(t *testing.T, in Input) []Finding {
	t.Helper()
	ev, err := Load([]Input{in})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Run(All, ev)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// stranger returns an account other than the one running the test, and
// its primary group: files the test writes with mode 0600 are unreadable
// to it whoever runs the tests (root, or nobody in a sandbox).
func stranger(t *testing.T) (name, group string) {
	t.Helper()
	for _, n := range []string{"nobody", "daemon", "bin"} {
		u, err := user.Lookup(n)
		if err != nil || u.Uid == strconv.Itoa(os.Getuid()) {
			continue
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil || g.Gid == strconv.Itoa(os.Getgid()) {
			continue
		}
		return u.Username, g.Name
	}
	t.Skip("no account other than the test's own (nobody, daemon, bin)")
	return "", ""
}

// A password file the workers' user cannot read is reported with the
// path that blocks it.
func TestUnreadablePasswordFile(t *testing.T) {
	worker, _ := stranger(t)
	dir := servertest.TempDir(t)
	secret := write(t, filepath.Join(dir, "secret.htpasswd"), "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n", 0o600)
	open := write(t, filepath.Join(dir, "open.htpasswd"), "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n", 0o644)
	locked := write(t, filepath.Join(dir, "locked", "in.htpasswd"), "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n", 0o644)
	os.Chmod(filepath.Dir(locked), 0o700)
	conf := write(t, filepath.Join(dir, "nginx.conf"), `user `+worker+`;
events {}
http {
    server {
        listen 127.0.0.1:8080;
        location ^~ /.well-known/acme-challenge/ { auth_basic off; }
        location /a { auth_basic "a"; auth_basic_user_file `+secret+`; }
        location /b { auth_basic "b"; auth_basic_user_file `+open+`; }
        location /c { auth_basic "c"; auth_basic_user_file `+locked+`; }
    }
}
`, 0o644)
	fs := audit(t, Input{Path: conf, Kind: KindNginx})
	got := map[int]string{}
	for _, f := range fs {
		got[f.Location.Line] = f.Detail
	}
	if m := got[7]; !strings.Contains(m, "not readable by nginx's user "+worker) || !strings.Contains(m, "the file blocks it (mode 0600") {
		t.Errorf("line 7: %q", m)
	}
	if m, ok := got[8]; ok {
		t.Errorf("line 8 (readable): %q", m)
	}
	if m := got[9]; !strings.Contains(m, "directory "+filepath.Dir(locked)+" blocks it") {
		t.Errorf("line 9: %q", m)
	}
}

// IfModule and IfDefine sections are decided from the LoadModule and
// Define lines, as Debian's serve-cgi-bin.conf needs.
func TestApacheConditions(t *testing.T) {
	dir := t.TempDir()
	body := `<IfModule mod_alias.c>
	<IfModule mod_cgid.c>
		Define ENABLE_CGI
	</IfModule>
	<IfDefine ENABLE_CGI>
		ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/
	</IfDefine>
</IfModule>
<IfModule !mod_cgid.c>
	RequestHeader unset Authorization
</IfModule>
`
	without := write(t, filepath.Join(dir, "a", "apache2.conf"), "LoadModule alias_module /x/mod_alias.so\n"+body, 0o644)
	with := write(t, filepath.Join(dir, "b", "apache2.conf"), "LoadModule alias_module /x/mod_alias.so\nLoadModule cgid_module /x/mod_cgid.so\n"+body, 0o644)
	alone := write(t, filepath.Join(dir, "c", "site.conf"), "<IfModule mod_cgid.c>\nScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\n</IfModule>\n", 0o644)
	causes := func(fs []Finding) string {
		var s []string
		for _, f := range fs {
			s = append(s, f.Location.String()[len(dir)+1:]+" "+string(f.Cause))
		}
		return strings.Join(s, ", ")
	}
	if got := causes(audit(t, Input{Path: without, Kind: KindApache})); got != "a/apache2.conf:11 proxy.header-stripped" {
		t.Errorf("without cgid: %s", got)
	}
	if got := causes(audit(t, Input{Path: with, Kind: KindApache})); got != "b/apache2.conf:8 proxy.header-stripped" {
		t.Errorf("with cgid: %s", got)
	}
	if got := causes(audit(t, Input{Path: alone, Kind: KindApache})); got != "c/site.conf:2 proxy.header-stripped" {
		t.Errorf("no LoadModule at all: %s", got)
	}
}

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]Kind{
		"nginx.conf":   KindNginx,
		"apache2.conf": KindApache,
		"site.conf":    KindNginx,
		"vhost.conf":   KindApache,
	} {
		text := "server {\n    listen 80;\n}\n"
		if name == "vhost.conf" || name == "apache2.conf" {
			text = "<VirtualHost *:80>\nServerName x\n</VirtualHost>\n"
		}
		p := write(t, filepath.Join(dir, name), text, 0o644)
		if got, err := detect(p, []byte(text)); err != nil || got != want {
			t.Errorf("detect(%s) = %s, %v; want %s", name, got, err, want)
		}
	}
	empty := write(t, filepath.Join(dir, "empty.conf"), "# nothing\n", 0o644)
	if _, err := detect(empty, []byte("# nothing\n")); err == nil {
		t.Error("detect(empty) succeeded")
	}
}

// Apache's account comes from User/Group, expanded with Debian's envvars
// beside apache2.conf.
func TestApacheAccountFromEnvvars(t *testing.T) {
	worker, group := stranger(t)
	dir := servertest.TempDir(t)
	write(t, filepath.Join(dir, "envvars"), "# envvars\nunset HOME\nexport APACHE_RUN_USER="+worker+"\nexport APACHE_RUN_GROUP=\""+group+"\"\nexport APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n", 0o644)
	pw := write(t, filepath.Join(dir, "users"), "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n", 0o600)
	conf := write(t, filepath.Join(dir, "apache2.conf"), `User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}
<Location "/.well-known/acme-challenge/">
	Require all granted
</Location>
<Location "/">
	AuthType Basic
	AuthName "Staff"
	AuthUserFile `+pw+`
	Require valid-user
</Location>
`, 0o644)
	ev, err := Load([]Input{{Path: conf}})
	if err != nil {
		t.Fatal(err)
	}
	if a := ev.Apache[0].Account; a.User != worker || a.Group != group || !a.Known {
		t.Fatalf("account = %+v", a)
	}
	fs, _ := Run(All, ev)
	if len(fs) != 1 || fs[0].Location.Line != 9 || !strings.Contains(fs[0].Detail, "not readable by Apache's user "+worker+" (group "+group+")") {
		t.Errorf("findings = %+v", fs)
	}
}

// A relative AuthUserFile in .htaccess resolves against ServerRoot, not
// the .htaccess directory: when both files exist the audit says which one
// Apache reads.
func TestRelativePasswordFileResolvedElsewhere(t *testing.T) {
	dir := servertest.TempDir(t)
	hash := "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"
	write(t, filepath.Join(dir, ".htpasswd"), hash, 0o644)
	write(t, filepath.Join(dir, "www", "private", ".htpasswd"), hash, 0o644)
	ht := write(t, filepath.Join(dir, "www", "private", ".htaccess"), "AuthType Basic\nAuthName \"Private\"\nAuthUserFile .htpasswd\nRequire valid-user\n", 0o644)
	conf := write(t, filepath.Join(dir, "apache2.conf"), "DocumentRoot www\n<Directory www>\n\tAllowOverride AuthConfig\n</Directory>\n", 0o644)
	fs := audit(t, Input{Path: conf, Kind: KindApache})
	if len(fs) != 1 || fs[0].Location.File != ht || fs[0].Location.Line != 3 || fs[0].Severity != "warning" ||
		!strings.Contains(fs[0].Detail, "Apache reads "+filepath.Join(dir, ".htpasswd")) {
		t.Errorf("findings = %+v", fs)
	}
}

func TestCanRead(t *testing.T) {
	www := Account{User: "www-data", Group: "www-data", Known: true, UID: 33, GID: 33, Groups: []int{33, 1001}}
	dirs := []DirFacts{{Path: "/", Mode: 0o755}, {Path: "/etc", Mode: 0o755}}
	cases := []struct {
		name     string
		mode     os.FileMode
		uid, gid int
		parents  []DirFacts
		acct     Account
		ok       bool
		blocker  string
	}{
		{"world readable", 0o644, 0, 0, dirs, www, true, ""},
		{"owner only, other owner", 0o600, 0, 0, dirs, www, false, "/etc/pw"},
		{"owner only, ours", 0o600, 33, 0, dirs, www, true, ""},
		{"owner bit off for owner", 0o044, 33, 33, dirs, www, false, "/etc/pw"},
		{"group readable, primary group", 0o640, 0, 33, dirs, www, true, ""},
		{"group readable, supplementary group", 0o640, 0, 1001, dirs, www, true, ""},
		{"group readable, other group", 0o640, 0, 4, dirs, www, false, "/etc/pw"},
		{"directory not searchable", 0o644, 0, 0, []DirFacts{{Path: "/", Mode: 0o755}, {Path: "/etc", Mode: 0o750, GID: 0}}, www, false, "/etc"},
		{"root reads anything", 0o000, 0, 0, dirs, Account{Known: true}, true, ""},
		{"unknown account", 0o000, 0, 0, dirs, Account{User: "${APACHE_RUN_USER}"}, true, ""},
	}
	for _, c := range cases {
		f := &FileFacts{Path: "/etc/pw", Exists: true, Mode: c.mode, UID: c.uid, GID: c.gid, Parents: c.parents}
		ok, blocker := f.CanRead(c.acct)
		if ok != c.ok || blocker != c.blocker {
			t.Errorf("%s: CanRead = %v, %q; want %v, %q", c.name, ok, blocker, c.ok, c.blocker)
		}
	}
}
