package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/why401/why401/internal/apacheconf"
	"github.com/why401/why401/internal/nginxconf"
)

func seedFixtures(f *testing.F, server string) {
	files, _ := filepath.Glob(filepath.Join("testdata", server, "*.conf"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
}

// FuzzApacheChecks runs every check over any Apache configuration the
// parser accepts: no check may panic or report an undeclared cause.
func FuzzApacheChecks(f *testing.F) {
	seedFixtures(f, "apache")
	f.Fuzz(func(t *testing.T, src []byte) {
		ds, err := apacheconf.Parse("f.conf", src)
		if err != nil {
			return
		}
		ev := &Evidence{Files: map[string]*FileFacts{}, Apache: []*Apache{{Config: &apacheconf.Config{Main: "f.conf", Directives: ds, ServerRoot: "/srv"}}}}
		if _, err := Run(All, ev); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzNginxChecks does the same for nginx configurations crossplane
// accepts.
func FuzzNginxChecks(f *testing.F) {
	seedFixtures(f, "nginx")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) {
		p := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(p, src, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := nginxconf.ParseFile(p)
		if err != nil {
			return
		}
		ev := &Evidence{Files: map[string]*FileFacts{}, Nginx: []*Nginx{{Config: cfg}}}
		if _, err := Run(All, ev); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzLoneFiles reads any file as `why401 audit FILE` does: a password
// or htdigest file, an nginx snippet or an Apache snippet, told by
// content. Load may refuse it with an error; it may not panic, and no
// check may fail or report an undeclared cause.
func FuzzLoneFiles(f *testing.F) {
	for _, pattern := range []string{"lone/*", "snippet/nginx/*", "snippet/apache/*.conf", "files/*"} {
		files, _ := filepath.Glob(filepath.Join("testdata", pattern))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) {
		if bytes.Contains(bytes.ToLower(src), []byte("include")) {
			return // includes would read this machine's files
		}
		p := filepath.Join(dir, "site.conf")
		if err := os.WriteFile(p, src, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []Kind{KindAuto, KindNginx, KindApache} {
			ev, err := Load([]Input{{Path: p, Kind: kind}})
			if err != nil {
				continue
			}
			if _, err := Run(All, ev); err != nil {
				t.Fatal(err)
			}
		}
	})
}
