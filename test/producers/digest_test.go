package producers_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
	"github.com/why401/why401/internal/servertest"
)

// htdigest writes an htdigest file line (user:realm:H(user:realm:pass)),
// as Apache's htdigest tool writes it for MD5 and lighttpd reads it for
// SHA-256 too.
func htdigest(t *testing.T, newHash func() hash.Hash, user, realm, pass string) string {
	t.Helper()
	h := newHash()
	h.Write([]byte(user + ":" + realm + ":" + pass))
	path := filepath.Join(servertest.TempDir(t), "htdigest")
	if err := os.WriteFile(path, []byte(user+":"+realm+":"+hex.EncodeToString(h.Sum(nil))+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := servertest.MakeReadable(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// digestRound checks a --digest run: the first request without
// credentials, then one answer to the server's challenge.
func digestRound(t *testing.T, r *report.Report, want int) {
	t.Helper()
	var answers int
	for _, x := range r.Exchanges {
		if x.Variant == string(evidence.AsGiven) && x.Answers == "Digest" {
			answers++
		}
	}
	if answers != 1 || r.Status != want {
		t.Errorf("status %d (want %d), %d Digest answers (want 1)", r.Status, want, answers)
	}
	if r.CredentialedAttempts < 1 || r.CredentialedAttempts > 2 {
		t.Errorf("%d credentialed attempts", r.CredentialedAttempts)
	}
	if !strings.Contains(r.Replay, "--digest -u ") && !strings.Contains(r.Replay, "--anyauth -u ") {
		t.Errorf("replay %q", r.Replay)
	}
}

// TestApacheDigest: Apache's mod_auth_digest (MD5, qop=auth) with an
// htdigest file. --digest answers its challenge: the right password gets
// 200 and nothing is reported, a wrong one credentials.rejected. Plain -u
// sends Basic, which the Digest realm refuses: credentials.wrong-scheme.
func TestApacheDigest(t *testing.T) {
	pw := htdigest(t, md5.New, "alice", "Members", "secret")
	s := servertest.Apache(t, `
<Directory "{{.Dir}}/htdocs">
	AuthType Digest
	AuthName "Members"
	AuthDigestProvider file
	AuthUserFile "`+pw+`"
	Require valid-user
</Directory>`, servertest.File("htdocs/index.html", "members\n"))
	res := sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
	if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Digest ") {
		t.Fatalf("setup: challenge %q", res.Header.Get("WWW-Authenticate"))
	}
	r := run(t, probe.Options{URL: s.URL() + "/", User: "alice:secret", HTTPAuth: "digest"})
	expect(t, r, "Apache httpd", "")
	digestRound(t, r, 200)
	if len(r.Findings) != 0 {
		t.Errorf("right password: findings %v", r.Findings)
	}
	r = run(t, probe.Options{URL: s.URL() + "/", User: "alice:wrong", HTTPAuth: "digest"})
	expect(t, r, "Apache httpd", catalog.CredentialsRejected)
	digestRound(t, r, 401)
	r = run(t, probe.Options{URL: s.URL() + "/", User: "alice:secret", HTTPAuth: "anyauth"})
	digestRound(t, r, 200)
	expect(t, run(t, probe.Options{URL: s.URL() + "/", User: "alice:secret"}), "Apache httpd", catalog.CredentialsWrongScheme)
}

// TestLighttpdDigestSHA256: lighttpd's mod_auth offers Digest with
// algorithm=SHA-256 (RFC 7616); --digest answers it with SHA-256.
func TestLighttpdDigestSHA256(t *testing.T) {
	pw := htdigest(t, sha256.New, "alice", "Private", "secret")
	s := servertest.Lighttpd(t, `
auth.backend = "htdigest"
auth.backend.htdigest.userfile = "`+pw+`"
auth.require = ( "/" => ( "method" => "digest", "algorithm" => "SHA-256", "realm" => "Private", "require" => "valid-user" ) )
`, servertest.File("htdocs/index.html", "private\n"))
	res := sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
	if c := res.Header.Get("WWW-Authenticate"); !strings.Contains(c, "SHA-256") {
		t.Fatalf("setup: challenge %q", c)
	}
	r := run(t, probe.Options{URL: s.URL() + "/", User: "alice:secret", HTTPAuth: "digest"})
	digestRound(t, r, 200)
	if len(r.Findings) != 0 {
		t.Errorf("right password: findings %v", r.Findings)
	}
	r = run(t, probe.Options{URL: s.URL() + "/", User: "alice:wrong", HTTPAuth: "digest"})
	expect(t, r, "lighttpd", catalog.CredentialsRejected)
	digestRound(t, r, 401)
}
