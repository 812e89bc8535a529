package producers_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// davShare starts Apache's mod_dav on /dav/ with Basic auth for
// alice:secret required inside <LimitExcept methods>, and CORS headers
// for a web client at http://app.test, as a share used from a browser
// application is set up.
func davShare(t *testing.T, methods string) *servertest.Server {
	t.Helper()
	pw := filepath.Join(servertest.TempDir(t), "htpasswd")
	servertest.Htpasswd(t, pw, "alice", "secret", "-B")
	return servertest.Apache(t, `
DavLockDB "{{.Dir}}/run/davlock"
Alias /dav "{{.Dir}}/dav"
<Directory "{{.Dir}}/dav">
	Dav On
	AuthType Basic
	AuthName "Shared files"
	AuthBasicProvider file
	AuthUserFile "`+pw+`"
	<LimitExcept `+methods+`>
		Require valid-user
	</LimitExcept>
	Header always set Access-Control-Allow-Origin "http://app.test"
	Header always set Access-Control-Allow-Credentials "true"
	Header always set Access-Control-Allow-Methods "GET, PROPFIND, PUT, DELETE"
	Header always set Access-Control-Allow-Headers "Authorization, Depth, Content-Type"
</Directory>`, servertest.Modules("dav", "dav_fs"),
		servertest.File("dav/notes.txt", "shared\n"))
}

// TestWebDAVLimitExcept: a WebDAV share that keeps reading public and
// puts everything else behind a password with <LimitExcept GET>. The
// method list forgets OPTIONS, so a browser application's CORS preflight
// (OPTIONS, never with credentials) is challenged and the browser never
// sends the PROPFIND with alice's password: cors.preflight-auth, although
// the password is right and curl works. With <LimitExcept GET HEAD
// OPTIONS> the preflight passes and the PROPFIND gets 207. Without a
// browser in the picture, an anonymous PROPFIND meets the server's
// password protection, and a wrong password is credentials.rejected.
func TestWebDAVLimitExcept(t *testing.T) {
	depth := func(origin bool) http.Header {
		h := http.Header{"Depth": {"1"}}
		if origin {
			h.Set("Origin", "http://app.test")
		}
		return h
	}
	s := davShare(t, "GET")
	url := s.URL() + "/dav/"
	sanity(t, "anonymous GET", get(t, url+"notes.txt"), 200)
	opts, _ := http.NewRequest(http.MethodOptions, url, nil)
	sanity(t, "anonymous OPTIONS", opts, 401)

	r := run(t, probe.Options{URL: url, Method: "PROPFIND", Header: depth(true), User: "alice:secret"})
	expect(t, r, "Apache httpd", catalog.CORSPreflightAuth)
	if r.Status != 207 {
		t.Errorf("the PROPFIND itself: status %d, want 207", r.Status)
	}
	expect(t, run(t, probe.Options{URL: url, Method: "PROPFIND", Header: depth(false)}), "Apache httpd", catalog.ServerBasicAuth)
	expect(t, run(t, probe.Options{URL: url, Method: "PROPFIND", Header: depth(false), User: "alice:wrong"}), "Apache httpd", catalog.CredentialsRejected)

	// Control: OPTIONS left public.
	fixed := davShare(t, "GET HEAD OPTIONS")
	r = run(t, probe.Options{URL: fixed.URL() + "/dav/", Method: "PROPFIND", Header: depth(true), User: "alice:secret"})
	if r.Status != 207 || len(r.Findings) != 0 {
		t.Errorf("control: status %d, findings %v", r.Status, r.Findings)
	}
}
