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
