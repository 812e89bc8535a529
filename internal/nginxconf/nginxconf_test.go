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
