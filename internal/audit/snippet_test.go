package audit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/why401/why401/internal/servertest"
)

// The files in testdata/snippet are audited on their own, as `why401
// audit FILE` does with a file taken from a server: nginx/ and apache/
// hold snippets whose relative password files resolve against a base
// only the main configuration knows, and must yield exactly their
// markers; tree/ is a configuration tree copied from a server, audited
// with --root (Root) so that its absolute paths resolve inside it, and
// every file there must yield nothing. Each configuration is first
// checked by the real server in the context it is included in.

func snippetFixtures(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join("testdata", "snippet"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".conf") || filepath.Base(p) == ".htaccess") {
			out = append(out, p)
		}
		return err
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("no snippet fixtures: %v", err)
	}
	return out
}

func TestSnippetFixtures(t *testing.T) {
	tree, _ := filepath.Abs(filepath.Join("testdata", "snippet", "tree"))
	for _, path := range snippetFixtures(t) {
		abs, _ := filepath.Abs(path)
		name, _ := filepath.Rel(filepath.Join("testdata", "snippet"), path)
		t.Run(name, func(t *testing.T) {
			kind := KindApache
			if strings.Contains(abs, "nginx") {
				kind = KindNginx
			}
			if !testing.Short() {
				switch {
				case filepath.Base(abs) == ".htaccess":
					acceptedHtaccess(t, abs)
				case kind == KindNginx:
					acceptedNginxSnippet(t, abs)
				default:
					acceptedByServer(t, kind, abs)
				}
			}
			in := Input{Path: abs, Kind: kind}
			inTree := strings.HasPrefix(abs, tree+string(filepath.Separator))
			if inTree {
				in.Root = tree
			}
			ev, err := Load([]Input{in})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			treeRelative(t, ev)
			got, err := Run(All, ev)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, m := range readWants(t, abs) {
				want[m.String()] = true
			}
			if inTree && len(want) > 0 {
				t.Fatal("a near miss in tree/ has want markers")
			}
			compareMarks(t, got, want)
			if filepath.Base(abs) != "apache2.conf" && len(ev.Needs) == 0 {
				t.Error("a snippet names nothing it needs from the main configuration")
			}
		})
	}
}

// acceptedNginxSnippet checks a snippet with nginx -t, included where
// nginx would include it: inside http{} when it holds server blocks,
// inside a server block otherwise.
func acceptedNginxSnippet(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	inc := fmt.Sprintf("server {\n listen 127.0.0.1:%d;\n include %s;\n}\n", servertest.FreePort(t), path)
	if strings.Contains(string(b), "\nserver {") {
		inc = fmt.Sprintf("include %s;\n", path)
	}
	main := filepath.Join(dir, "nginx.conf")
	text := fmt.Sprintf("pid %s/nginx.pid;\nevents {}\nhttp {\n%s}\n", dir, inc)
	if err := os.WriteFile(main, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := servertest.Require(t, "nginx")
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	cmd := exec.Command(bin, "-t", "-q", "-p", dir+"/", "-c", main, "-e", filepath.Join(dir, "logs", "error.log"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nginx rejects %s: %v\n%s", path, err, out)
	}
}

// A tree copied from a server, audited with --root: the main file's
// absolute DocumentRoot and includes resolve inside the tree, so the
// .htaccess files there are found and the password files they name are
// the tree's.
func TestRootTree(t *testing.T) {
	tree, _ := filepath.Abs(filepath.Join("testdata", "snippet", "tree"))
	ev, err := Load([]Input{{Path: filepath.Join(tree, "etc", "apache2", "apache2.conf"), Kind: KindApache, Root: tree}})
	if err != nil {
		t.Fatal(err)
	}
	a := ev.Apache[0]
	if len(a.Htaccess) != 1 || a.Htaccess[0].Path != filepath.Join(tree, "var", "www", "members", ".htaccess") {
		t.Fatalf("htaccess files: %+v", a.Htaccess)
	}
	var read []string
	for _, f := range a.Config.Files {
		rel, _ := filepath.Rel(tree, f)
		read = append(read, rel)
	}
	if want := "etc/apache2/apache2.conf etc/apache2/sites-enabled/vhost_fp.conf"; strings.Join(read, " ") != want {
		t.Errorf("files read: %v, want %s", read, want)
	}
	for p, f := range ev.Files {
		if !strings.HasPrefix(p, tree) || !f.Exists {
			t.Errorf("password file outside the tree or missing: %s (%+v)", p, f)
		}
	}
	treeRelative(t, ev)
	if fs, _ := Run(All, ev); len(fs) != 0 {
		t.Errorf("findings: %+v", fs)
	}
	// The nginx side: an absolute include resolves in the tree too.
	dir := servertest.TempDir(t)
	write(t, filepath.Join(dir, "etc", "nginx", "conf.d", "site.conf"), "server { listen 127.0.0.1:8080; auth_basic x; auth_basic_user_file /etc/nginx/htpasswd; }\n", 0o644)
	write(t, filepath.Join(dir, "etc", "nginx", "htpasswd"), "alice:$2y$05$LObRRm5NNdr2kinvE.4OYewQAc1xyQ.73VZu7.1hafmfnPjhpkfj6\n", 0o644)
	main := write(t, filepath.Join(dir, "etc", "nginx", "nginx.conf"), "events {}\nhttp { include /etc/nginx/conf.d/*.conf; include /etc/nginx/conf.d/site.conf; }\n", 0o644)
	ev, err = Load([]Input{{Path: main, Kind: KindNginx, Root: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if files := ev.Nginx[0].Config.Files; len(files) != 2 || files[1] != filepath.Join(dir, "etc", "nginx", "conf.d", "site.conf") {
		t.Errorf("nginx files read: %v", files)
	}
	if f := ev.Files[filepath.Join(dir, "etc", "nginx", "htpasswd")]; f == nil || !f.Exists {
		t.Errorf("password file not resolved in the tree: %v", ev.Files)
	}
}

// An nginx snippet whose includes resolve against a prefix it does not
// know is read alone; the includes it could not follow are named, and a
// finding an included file may undo (an ACME exemption) is not claimed
// above info in the server block holding the include. The same server
// without the include keeps its warning.
func TestSnippetUnreadInclude(t *testing.T) {
	dir := servertest.TempDir(t)
	body := "server {\n    listen 127.0.0.1:443 ssl;\n    server_name www.example.test;\n    ssl_certificate /etc/letsencrypt/live/www.example.test/fullchain.pem;\n    ssl_certificate_key /etc/letsencrypt/live/www.example.test/privkey.pem;\n%s    auth_basic \"Staff\";\n    auth_basic_user_file /etc/nginx/htpasswd;\n    root /var/www/html;\n}\n"
	scope := func(name, include string) (Finding, *Evidence) {
		t.Helper()
		p := write(t, filepath.Join(dir, name), fmt.Sprintf(body, include), 0o644)
		ev, err := Load([]Input{{Path: p, Kind: KindNginx}})
		if err != nil {
			t.Fatal(err)
		}
		fs, _ := Run(All, ev)
		for _, f := range fs {
			if f.Cause == "server.auth-scope" {
				return f, ev
			}
		}
		t.Fatalf("%s: no server.auth-scope finding: %+v", name, fs)
		return Finding{}, nil
	}
	f, ev := scope("with.conf", "    include snippets/acme.conf;\n")
	if f.Severity != "info" || !strings.Contains(f.Detail, "include snippets/acme.conf, which was not read") {
		t.Errorf("with the include: %s %s", f.Severity, f.Detail)
	}
	named := false
	for _, n := range ev.Needs {
		named = named || strings.Contains(n.Text, "include snippets/acme.conf was not read")
	}
	if !named {
		t.Errorf("the unread include is not named: %+v", ev.Needs)
	}
	if f, _ := scope("without.conf", ""); f.Severity != "warning" {
		t.Errorf("without the include: %s %s", f.Severity, f.Detail)
	}
}

// compareMarks fails t for each finding of got that want does not mark
// and each mark of want no finding has, in sorted order.
func compareMarks(t *testing.T, got []Finding, want map[string]bool) {
	t.Helper()
	var problems []string
	seen := map[string]bool{}
	for _, f := range got {
		k := mark{f.Location.File, f.Location.Line, string(f.Cause)}.String()
		seen[k] = true
		if !want[k] {
			problems = append(problems, "unexpected: "+k+": "+f.Detail)
		}
	}
	for k := range want {
		if !seen[k] {
			problems = append(problems, "missing: "+k)
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}
