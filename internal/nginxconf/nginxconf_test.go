package nginxconf

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseFileFollowsIncludes(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "conf.d"), 0o755)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte("events {}\nhttp {\n  include conf.d/*.conf;\n}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "conf.d", "site.conf"), []byte("server {\n  listen 80;\n  location /admin {\n    auth_basic \"Admin\";\n  }\n}\n"), 0o644)
	c, err := ParseFile(filepath.Join(dir, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	Walk(c.Directives, func(d *Directive, parents []*Directive) bool {
		got = append(got, filepath.Base(d.File)+":"+strconv.Itoa(d.Line)+":"+d.Name+":"+strconv.Itoa(len(parents)))
		return true
	})
	want := "nginx.conf:1:events:0 nginx.conf:2:http:0 nginx.conf:3:include:1 site.conf:1:server:1 site.conf:2:listen:2 site.conf:3:location:2 site.conf:4:auth_basic:3"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
	if c.Resolve("htpasswd") != filepath.Join(dir, "htpasswd") || c.Resolve("/x") != "/x" {
		t.Error("Resolve")
	}
}

func TestParseFileErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.conf")
	os.WriteFile(p, []byte("events {}\nhttp {\n  server {\n"), 0o644)
	if _, err := ParseFile(p); err == nil || !strings.HasPrefix(err.Error(), p+":") {
		t.Errorf("unclosed block: %v", err)
	}
	q := filepath.Join(dir, "inc.conf")
	os.WriteFile(q, []byte("include missing.conf;\n"), 0o644)
	if _, err := ParseFile(q); err == nil || !strings.HasPrefix(err.Error(), q+":1: ") {
		t.Errorf("missing include: %v", err)
	}
	if _, err := ParseFile(filepath.Join(dir, "absent.conf")); err == nil {
		t.Error("absent file: no error")
	}
}

// Under Root, includes resolve inside the copy (with its fallback
// places), one outside it that the copy lacks is read as empty and
// listed in Skipped, and a file named by this machine's path is never
// read.
func TestParseFileRoot(t *testing.T) {
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "h.conf"), []byte("host_only on;\n"), 0o644)
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "nginx", "conf.d"), 0o755)
	os.WriteFile(filepath.Join(root, "nginx", "conf.d", "a.conf"), []byte("server { listen 80; }\n"), 0o644)
	main := filepath.Join(root, "nginx", "nginx.conf")
	os.WriteFile(main, []byte("events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n  include /etc/nginx/conf.d/a.conf;\n  include "+host+"/h.conf;\n  include ../../../../../../../../"+host+"/h.conf;\n}\n"), 0o644)
	cfg, err := ParseFileWith(main, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	Walk(cfg.Directives, func(d *Directive, _ []*Directive) bool {
		names = append(names, d.Name)
		return true
	})
	got := strings.Join(names, " ")
	if strings.Contains(got, "host_only") || got != "events http include server listen include server listen include include" {
		t.Errorf("directives: %s", got)
	}
	if len(cfg.Skipped) != 1 || cfg.Skipped[0] != host+"/h.conf" {
		t.Errorf("skipped: %v", cfg.Skipped)
	}
	if len(cfg.Files) != 2 || cfg.Files[1] != filepath.Join(root, "nginx", "conf.d", "a.conf") {
		t.Errorf("files: %v", cfg.Files)
	}
	if r := cfg.Resolve("/etc/nginx/conf.d/a.conf"); r != filepath.Join(root, "nginx", "conf.d", "a.conf") {
		t.Errorf("Resolve: %s", r)
	}
}
