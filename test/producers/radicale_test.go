package producers_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// radicale starts Radicale with an htpasswd file for alice:secret made
// with htpasswd's flag (-B bcrypt, -m Apache MD5, -p plain) and the
// htpasswd_encryption setting encryption.
func radicale(t *testing.T, flag, encryption string) *servertest.Server {
	t.Helper()
	pw := filepath.Join(servertest.TempDir(t), "users")
	servertest.Htpasswd(t, pw, "alice", "secret", flag)
	return servertest.Radicale(t, "type = htpasswd\nhtpasswd_filename = "+pw+"\nhtpasswd_encryption = "+encryption+"\ndelay = 0\n")
}

// TestRadicaleEncryption: Radicale 3.1 checks htpasswd files with the one
// method htpasswd_encryption names (md5 by default) and checks every
// line for every login. A file made with htpasswd -B (bcrypt, what
// htpasswd's docs recommend) under the default md5 cannot be parsed: any
// credentials, a made-up user's too, get 500 while no credentials get the
// 401 challenge; that is the hash the server cannot check. A file of
// plain passwords read as md5 fails the same way. An md5 file read as
// plain gets 401 forever, a wrong password from outside. With the setting
// matching the file, the right password gets the collection (PROPFIND:
// Radicale answers a GET on a collection 403) and a wrong one is refused.
func TestRadicaleEncryption(t *testing.T) {
	for _, tt := range []struct{ name, flag, encryption string }{
		{"bcrypt file, md5 setting", "-B", "md5"},
		{"plain file, md5 setting", "-p", "md5"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := radicale(t, tt.flag, tt.encryption)
			sanity(t, "anonymous", get(t, s.URL()+"/alice/"), 401)
			req := get(t, s.URL()+"/alice/")
			req.SetBasicAuth("alice", "secret")
			sanity(t, "alice", req, 500)
			r := run(t, probe.Options{URL: s.URL() + "/alice/", User: "alice:secret"})
			// The 500 is wsgiref's page: nothing of Radicale's in it.
			expect(t, r, r.AnsweredBy, catalog.ServerHtpasswdHash)
			if ev := strings.Join(r.Findings[0].Evidence, "\n"); !strings.Contains(ev, "htpasswd_encryption") {
				t.Errorf("the finding does not name the setting:\n%s", ev)
			}
		})
	}
	t.Run("md5 file, plain setting", func(t *testing.T) {
		// Read as plain text, a hash never equals the password: 401
		// forever, which from outside is a wrong password; Radicale's
		// own meaning names the setting.
		s := radicale(t, "-m", "plain")
		r := run(t, probe.Options{URL: s.URL() + "/alice/", Method: "PROPFIND", User: "alice:secret"})
		expect(t, r, "Radicale", catalog.CredentialsRejected)
		var all []string
		for _, f := range r.Findings {
			all = append(all, f.Evidence...)
		}
		if !strings.Contains(strings.Join(all, "\n"), "htpasswd_encryption = plain") {
			t.Errorf("no finding names htpasswd_encryption = plain: %q", all)
		}
	})
	t.Run("md5 file, md5 setting", func(t *testing.T) {
		s := radicale(t, "-m", "md5")
		r := run(t, probe.Options{URL: s.URL() + "/alice/", Method: "PROPFIND", User: "alice:secret"})
		if r.Status >= 400 || len(r.Findings) != 0 {
			t.Errorf("control: status %d, findings %v", r.Status, r.Findings)
		}
		expect(t, run(t, probe.Options{URL: s.URL() + "/alice/", Method: "PROPFIND", User: "alice:wrong"}), "Radicale", catalog.CredentialsRejected)
	})
}
