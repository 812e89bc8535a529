package confroot

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPath(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"nginx/mime.types", "nginx/sites-enabled/a", "top.conf"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(root, f), nil, 0o644)
	}
	root, err := Clean(root)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"/etc/nginx/mime.types":          root + "/nginx/mime.types",
		root + "/nginx/mime.types":       root + "/nginx/mime.types",
		root + "/../../etc/passwd":       root + filepath.Clean(root+"/../../etc/passwd"), // cleaned: outside, so looked up inside
		"/etc/passwd":                    root + "/etc/passwd",
		"/srv/top.conf":                  root + "/top.conf",
		"/etc/nginx/sites-enabled/a":     root + "/nginx/sites-enabled/a",
		"/etc/nginx/sites-enabled/../..": root + "/etc",
		"/":                              root,
	} {
		if got := Path(root, in); got != want {
			t.Errorf("Path(%s) = %s, want %s", in, got, want)
		}
	}
	if m, _ := Glob(root, "/etc/nginx/sites-enabled/*"); len(m) != 1 || m[0] != "/etc/nginx/sites-enabled/a" || Path(root, m[0]) != root+"/nginx/sites-enabled/a" {
		t.Errorf("glob sites-enabled: %v", m)
	}
	// A lone * never matches the top of the copy.
	if m, _ := Glob(root, "/etc/*"); len(m) != 0 {
		t.Errorf("glob /etc/*: %v", m)
	}
	// A pattern keeps its directory: /srv/*.conf is not the copy's top.
	if m, _ := Glob(root, "/srv/*.conf"); len(m) != 0 {
		t.Errorf("glob /srv/*.conf: %v", m)
	}
	if Path("", "/etc/passwd") != "/etc/passwd" {
		t.Error("an empty root changes paths")
	}
	if !Outside(root, "/etc/passwd") || Outside(root, root+"/top.conf") || Outside("", "/etc/passwd") {
		t.Error("Outside")
	}
}

// Links in the copy never lead out of it: a link to this machine's file
// (absolute or with ..) is the server's path, looked up inside the copy.
func TestLinksStayInside(t *testing.T) {
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "secret"), []byte("host"), 0o644)
	os.MkdirAll(filepath.Join(host, "conf.d"), 0o755)
	os.WriteFile(filepath.Join(host, "conf.d", "h.conf"), []byte("host"), 0o644)
	root, _ := Clean(t.TempDir())
	os.MkdirAll(filepath.Join(root, "etc/nginx/sites-available"), 0o755)
	os.MkdirAll(filepath.Join(root, "etc/nginx/sites-enabled"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/nginx/sites-available/a"), []byte("copy"), 0o644)
	os.Symlink("/etc/nginx/sites-available/a", filepath.Join(root, "etc/nginx/sites-enabled/a"))
	os.Symlink(filepath.Join(host, "secret"), filepath.Join(root, "etc/nginx/abs"))
	rel, _ := filepath.Rel(filepath.Join(root, "etc/nginx"), filepath.Join(host, "secret"))
	os.Symlink(rel, filepath.Join(root, "etc/nginx/rel"))
	os.Symlink(filepath.Join(host, "conf.d"), filepath.Join(root, "etc/nginx/conf.d"))
	os.Symlink("loop", filepath.Join(root, "loop"))
	for _, p := range []string{"/etc/nginx/abs", "/etc/nginx/rel", root + "/etc/nginx/abs", "/etc/nginx/conf.d/h.conf", "/loop"} {
		q := Path(root, p)
		if b, err := os.ReadFile(q); err == nil && string(b) == "host" || !Inside(root, q) {
			t.Errorf("Path(%s) = %s reads this machine's file", p, q)
		}
	}
	if b, err := os.ReadFile(Path(root, "/etc/nginx/sites-enabled/a")); err != nil || string(b) != "copy" {
		t.Errorf("an absolute link inside the copy is not followed inside it: %q %v", b, err)
	}
	if m, _ := Glob(root, "/etc/nginx/conf.d/*.conf"); len(m) != 0 {
		t.Errorf("a glob through a link lists this machine's directory: %v", m)
	}
	if m, _ := Glob(root, "/etc/nginx/sites-enabled/*"); len(m) != 1 {
		t.Errorf("glob sites-enabled: %v", m)
	} else if b, _ := os.ReadFile(Path(root, m[0])); string(b) != "copy" {
		t.Errorf("sites-enabled/a read %q", b)
	}
}
