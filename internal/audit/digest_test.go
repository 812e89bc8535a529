package audit

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/servertest"
)

// nginx's third-party auth_digest module (auth_digest REALM;
// auth_digest_user_file FILE) reads htdigest files: the realm must be one
// of the file's, and an htdigest file under auth_basic_user_file is read
// as htpasswd. The module is not packaged by Debian, so these
// configurations are not checked by a real nginx.
func TestNginxAuthDigest(t *testing.T) {
	dir := servertest.TempDir(t)
	users := write(t, filepath.Join(dir, "users.htdigest"), "alice:Members:5de87b39f5ce360e4597cdea94773d6e\n", 0o644)
	conf := func(body string) []Finding {
		t.Helper()
		p := write(t, filepath.Join(dir, "nginx.conf"), "events {}\nhttp {\n server {\n  listen 127.0.0.1:8080;\n  location /members/ {\n"+body+"  }\n }\n}\n", 0o644)
		return audit(t, Input{Path: p, Kind: KindNginx})
	}
	summary := func(fs []Finding) string {
		var s []string
		for _, f := range fs {
			s = append(s, string(f.Severity)+" "+string(f.Cause)+": "+f.Detail)
		}
		return strings.Join(s, "\n")
	}
	fs := conf("   auth_digest \"Staff\";\n   auth_digest_user_file " + users + ";\n")
	if len(fs) != 1 || fs[0].Cause != catalog.ServerHtpasswdHash || fs[0].Severity != catalog.Error || fs[0].Location.Line != 7 ||
		!strings.Contains(fs[0].Detail, `no user of `+users+` is in realm "Staff" (auth_digest)`) {
		t.Errorf("realm mismatch:\n%s", summary(fs))
	}
	if fs := conf("   auth_digest \"Members\";\n   auth_digest_user_file " + users + ";\n"); len(fs) != 0 {
		t.Errorf("matching realm:\n%s", summary(fs))
	}
	fs = conf("   auth_basic \"Members\";\n   auth_basic_user_file " + users + ";\n")
	if len(fs) != 1 || fs[0].Severity != catalog.Error || !strings.Contains(fs[0].Detail, "auth_basic_user_file reads it as htpasswd") {
		t.Errorf("htdigest under auth_basic:\n%s", summary(fs))
	}
}
