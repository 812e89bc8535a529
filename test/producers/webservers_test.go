package producers_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

func TestLighttpd(t *testing.T) {
	dir := servertest.TempDir(t)
	pw := filepath.Join(dir, "htpasswd")
	servertest.Htpasswd(t, pw, "alice", "secret", "-B")
	s := servertest.Lighttpd(t, `
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "`+pw+`"
auth.require = ( "/" => ( "method" => "basic", "realm" => "Private", "require" => "valid-user" ) )
`, servertest.File("htdocs/index.html", "private\n"))
	res := sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
	if !strings.HasPrefix(res.Header.Get("Server"), "lighttpd") {
		t.Fatalf("setup: Server %q", res.Header.Get("Server"))
	}
	expect(t, run(t, probe.Options{URL: s.URL() + "/"}), "lighttpd", "")
	expect(t, run(t, probe.Options{URL: s.URL() + "/", User: "alice:wrong"}), "lighttpd", catalog.CredentialsRejected)
}

func TestCaddy(t *testing.T) {
	hash := bcryptHash(t, "secret")
	s := servertest.Caddy(t, `
basicauth {
	alice `+hash+`
}
respond "private" 200
`)
	res := sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
	if res.Header.Get("Server") != "Caddy" {
		t.Fatalf("setup: Server %q", res.Header.Get("Server"))
	}
	expect(t, run(t, probe.Options{URL: s.URL() + "/"}), "Caddy", "")
	expect(t, run(t, probe.Options{URL: s.URL() + "/", User: "alice:wrong"}), "Caddy", catalog.CredentialsRejected)
}
