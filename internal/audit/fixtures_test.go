package audit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/why401/why401/internal/servertest"
)

// The fixtures follow gixy's convention: testdata/<server>/NAME.conf must
// yield exactly the findings its `# want "cause"` markers name, and
// NAME_fp.conf must yield none. A marker at the end of a line refers to
// that line; a marker on a line of its own refers to the next line that is
// neither blank nor a comment (Apache has no trailing comments). Markers
// are read from every file the audit read, .htaccess files included.
// Before asserting, each fixture is checked by the real server (nginx -t,
// apache2 -t) unless real servers are skipped (-short).

var wantRE = regexp.MustCompile(`#\s*want\s+((?:"[^"]+"\s*)+)`)

type mark struct {
	file  string
	line  int
	cause string
}

func (m mark) String() string { return fmt.Sprintf("%s:%d %s", filepath.Base(m.file), m.line, m.cause) }

func readWants(t *testing.T, path string) []mark {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []mark
	for i, l := range lines {
		m := wantRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		line := i + 1
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			line = 0
			for j := i + 1; j < len(lines); j++ {
				s := strings.TrimSpace(lines[j])
				if s != "" && !strings.HasPrefix(s, "#") {
					line = j + 1
					break
				}
			}
		}
		for _, q := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m[1], -1) {
			out = append(out, mark{path, line, q[1]})
		}
	}
	return out
}

func fixtures(t *testing.T, server string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", server, "*.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures for %s: %v", server, err)
	}
	return files
}

// fixtureRoot is the ServerRoot a fixture is read with: its directory,
// or for a main file conf/httpd.conf the directory above, as the audit
// command takes it (Red Hat's /etc/httpd, cPanel's /etc/apache2).
func fixtureRoot(abs string) string {
	if strings.HasSuffix(abs, filepath.Join("conf", "httpd.conf")) {
		return filepath.Dir(filepath.Dir(abs))
	}
	return filepath.Dir(abs)
}

func auditFixture(t *testing.T, kind Kind, path string) ([]Finding, []string) {
	t.Helper()
	abs, _ := filepath.Abs(path)
	ev, err := Load([]Input{{Path: abs, Kind: kind, ServerRoot: fixtureRoot(abs)}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	treeRelative(t, ev)
	got, err := Run(All, ev)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return got, ev.ConfigFiles()
}

// treeRelative makes the permission facts of the files inside testdata
// those of the fixture tree as committed, whatever the checkout: git keeps
// no modes but the executable bit, so the modes a checkout has come from
// the umask, and the directories above testdata belong to wherever the
// checkout lives (a home directory or a mktemp -d of mode 0700 keeps
// nginx's user out). The directories above testdata are left out and the
// modes inside it are opened to what a checkout under umask 022 has (0755
// directories, 0644 files), so the fixtures judge the configurations, not
// the machine. Unreadable files are tested on files the tests create.
func treeRelative(t *testing.T, ev *Evidence) {
	t.Helper()
	root, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	inside := func(p string) bool {
		rel, err := filepath.Rel(root, p)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	for _, f := range ev.Files {
		if !inside(f.Path) {
			continue
		}
		var parents []DirFacts
		for _, d := range f.Parents {
			if inside(d.Path) {
				d.Mode |= 0o755
				parents = append(parents, d)
			}
		}
		f.Parents = parents
		if f.IsDir {
			f.Mode |= 0o755
		} else {
			f.Mode |= 0o644
		}
	}
}

func TestFixtures(t *testing.T) {
	for _, server := range []string{"nginx", "apache"} {
		kind := KindNginx
		if server == "apache" {
			kind = KindApache
		}
		for _, path := range fixtures(t, server) {
			t.Run(server+"/"+filepath.Base(path), func(t *testing.T) {
				if !testing.Short() {
					acceptedByServer(t, kind, path)
				}
				got, read := auditFixture(t, kind, path)
				if !testing.Short() {
					for _, f := range read {
						if filepath.Base(f) == ".htaccess" {
							acceptedHtaccess(t, f)
						}
					}
				}
				var want []mark
				for _, f := range read {
					want = append(want, readWants(t, f)...)
				}
				if strings.HasSuffix(path, "_fp.conf") && len(want) > 0 {
					t.Fatalf("a _fp fixture has want markers")
				}
				wantSet := map[string]bool{}
				for _, w := range want {
					abs, _ := filepath.Abs(w.file)
					wantSet[mark{abs, w.line, w.cause}.String()] = true
				}
				gotSet := map[string]Finding{}
				for _, f := range got {
					abs, _ := filepath.Abs(f.Location.File)
					gotSet[mark{abs, f.Location.Line, string(f.Cause)}.String()] = f
				}
				var problems []string
				for k := range wantSet {
					if _, ok := gotSet[k]; !ok {
						problems = append(problems, "missing: "+k)
					}
				}
				for k, f := range gotSet {
					if !wantSet[k] {
						problems = append(problems, "unexpected: "+k+": "+f.Detail)
					}
				}
				sort.Strings(problems)
				for _, p := range problems {
					t.Error(p)
				}
			})
		}
	}
}

// TestEveryCheckHasFixtures enforces a fixture pair per check.
func TestEveryCheckHasFixtures(t *testing.T) {
	if err := Validate(All); err != nil {
		t.Fatal(err)
	}
	for _, c := range All {
		found := false
		for _, server := range []string{"nginx", "apache"} {
			pos := filepath.Join("testdata", server, c.Name+".conf")
			neg := filepath.Join("testdata", server, c.Name+"_fp.conf")
			_, e1 := os.Stat(pos)
			_, e2 := os.Stat(neg)
			if (e1 == nil) != (e2 == nil) {
				t.Errorf("%s: %s and %s must come in pairs", c.Name, pos, neg)
			}
			found = found || e1 == nil
		}
		if !found {
			t.Errorf("check %s has no fixture pair", c.Name)
		}
	}
}

// apacheFixtureModules are loaded for apache2 -t so every directive the
// fixtures use is known.
var apacheFixtureModules = []string{
	"mpm_event", "unixd", "authz_core", "authz_host", "authz_user", "authn_core", "authn_file",
	"auth_basic", "access_compat", "headers", "setenvif", "rewrite", "alias", "mime", "dir",
	"proxy", "proxy_http", "proxy_fcgi", "cache", "cache_disk", "env", "auth_digest", "cgid",
}

// acceptedHtaccess checks an .htaccess fixture with apache2 -t by placing
// its directives in a <Directory> section, the context .htaccess
// directives share.
func acceptedHtaccess(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := filepath.Join(t.TempDir(), "htaccess.conf")
	text := fmt.Sprintf("<Directory %q>\n%s\n</Directory>\n", filepath.Dir(path), b)
	if err := os.WriteFile(wrapped, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	acceptedByServer(t, KindApache, wrapped)
}

// acceptedByServer runs the real server's syntax check on a fixture and
// fails the test when the server rejects it.
func acceptedByServer(t *testing.T, kind Kind, path string) {
	t.Helper()
	abs, _ := filepath.Abs(path)
	dir := t.TempDir()
	var cmd *exec.Cmd
	switch kind {
	case KindNginx:
		bin := servertest.Require(t, "nginx")
		os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
		cmd = exec.Command(bin, "-t", "-q", "-p", dir+"/", "-c", abs, "-e", filepath.Join(dir, "logs", "error.log"))
	case KindApache:
		bin := servertest.Require(t, "apache2")
		var b strings.Builder
		fmt.Fprintf(&b, "ServerRoot %q\nServerName 127.0.0.1\nListen 127.0.0.1:%d\nPidFile %q\nErrorLog %q\nDefaultRuntimeDir %q\n",
			fixtureRoot(abs), servertest.FreePort(t), filepath.Join(dir, "httpd.pid"), filepath.Join(dir, "error.log"), dir)
		for _, m := range apacheFixtureModules {
			so := filepath.Join(servertest.ApacheModulesDir, "mod_"+m+".so")
			if _, err := os.Stat(so); err != nil {
				continue // built in (Debian compiles unixd, core modules in)
			}
			fmt.Fprintf(&b, "LoadModule %s_module %s\n", m, so)
		}
		fmt.Fprintf(&b, "Include %q\n", abs)
		main := filepath.Join(dir, "httpd.conf")
		os.WriteFile(main, []byte(b.String()), 0o644)
		// ServerRoot is the fixture's directory, as for the audit.
		cmd = exec.Command(bin, "-t", "-d", fixtureRoot(abs), "-f", main)
		cmd.Env = append(os.Environ(), "APACHE_RUN_DIR="+dir, "APACHE_LOCK_DIR="+dir, "APACHE_LOG_DIR="+dir)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the real server rejects %s: %v\n%s", path, err, out)
	}
}
