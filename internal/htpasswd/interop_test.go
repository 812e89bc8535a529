package htpasswd_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/htpasswd"
	"github.com/why401/why401/internal/servertest"
)

// Files written by Apache's htpasswd with each of its hash flags verify
// with Verify, and a wrong password does not.
func TestVerifyApacheWritten(t *testing.T) {
	servertest.Require(t, "htpasswd")
	dir := t.TempDir()
	for _, flag := range []string{"-B", "-B -C 4", "-m", "-s", "-d", "-p"} {
		path := filepath.Join(dir, strings.ReplaceAll(flag, " ", ""))
		servertest.Htpasswd(t, path, "alice", "Pa55:word", flag)
		servertest.Htpasswd(t, path, "bob", "short", flag)
		f, err := htpasswd.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if p := f.Problems(); len(p) != 0 {
			t.Errorf("%s: problems %v", flag, p)
		}
		for user, pass := range map[string]string{"alice": "Pa55:word", "bob": "short"} {
			if flag == "-d" && len(pass) > 8 {
				pass = pass[:8] // htpasswd -d warns and cuts it
			}
			if flag == "-p" {
				// A plain-text password holding ":" is cut there by
				// every reader, servers included.
				pass, _, _ = strings.Cut(pass, ":")
			}
			e, ok := f.Lookup(user)
			if !ok {
				t.Fatalf("%s: no %s in %q", flag, user, f.Bytes())
			}
			if good, err := htpasswd.Verify(e.Hash, pass); !good || err != nil {
				t.Errorf("htpasswd %s: Verify(%q, right) = %v, %v", flag, e.Hash, good, err)
			}
			if bad, _ := htpasswd.Verify(e.Hash, "nope"); bad {
				t.Errorf("htpasswd %s: Verify(%q, wrong) = true", flag, e.Hash)
			}
		}
	}
}

// Hashes we write pass Apache's `htpasswd -v`.
func TestApacheVerifiesOurs(t *testing.T) {
	bin := servertest.Require(t, "htpasswd")
	dir := t.TempDir()
	for _, k := range []htpasswd.Kind{htpasswd.Bcrypt, htpasswd.APR1, htpasswd.SHA1, htpasswd.Crypt} {
		path := filepath.Join(dir, string(k))
		f := &htpasswd.File{}
		h, err := htpasswd.Hash(k, "s3cr3t", htpasswd.Options{})
		if err != nil {
			t.Fatal(err)
		}
		f.Set("alice", h)
		if err := htpasswd.WriteFile(path, f); err != nil {
			t.Fatal(err)
		}
		for pass, want := range map[string]bool{"s3cr3t": true, "wrong": false} {
			cmd := exec.Command(bin, "-v", "-i", path, "alice")
			cmd.Stdin = strings.NewReader(pass + "\n")
			out, err := cmd.CombinedOutput()
			if (err == nil) != want {
				t.Errorf("htpasswd -v %s with %q: %v, want ok=%v\n%s", k, pass, err, want, out)
			}
		}
	}
}

// Files we write are served by real nginx and Apache: the right password
// gets 200, a wrong one 401, for each hash we create that the server can
// check.
func TestServersAcceptOurFiles(t *testing.T) {
	servertest.Require(t, "nginx")
	servertest.Require(t, "apache2")
	dir := servertest.TempDir(t)
	kinds := []htpasswd.Kind{htpasswd.Bcrypt, htpasswd.APR1, htpasswd.SHA1, htpasswd.Crypt}
	f := &htpasswd.File{}
	for _, k := range kinds {
		h, err := htpasswd.Hash(k, "pw-"+string(k)[:3], htpasswd.Options{})
		if err != nil {
			t.Fatal(err)
		}
		f.Set("u-"+string(k), h)
	}
	path := filepath.Join(dir, "users")
	if err := htpasswd.WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	if err := servertest.MakeReadable(path); err != nil {
		t.Fatal(err)
	}
	ng := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	location / {
		auth_basic "test";
		auth_basic_user_file `+path+`;
		root {{.Dir}}/html;
	}
}`)
	ap := servertest.Apache(t, `
<Location "/">
	AuthType Basic
	AuthName "test"
	AuthBasicProvider file
	AuthUserFile "`+path+`"
	Require valid-user
</Location>`)
	// (return 200 would answer before auth_basic runs: nginx's rewrite
	// phase comes before its access phase.)
	for _, p := range []string{filepath.Join(ap.Dir, "htdocs", "index.html"), filepath.Join(ng.Dir, "html", "index.html")} {
		if err := os.WriteFile(p, []byte("in\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []*servertest.Server{ng, ap} {
		for _, k := range kinds {
			user, pass := "u-"+string(k), "pw-"+string(k)[:3]
			if got := status(t, s.URL()+"/index.html", user, pass); got != 200 {
				t.Errorf("%s, %s hash, right password: %d, want 200\n%s", s.Kind, k, got, s.ErrorLog())
			}
			if got := status(t, s.URL()+"/index.html", user, "wrong"); got != 401 {
				t.Errorf("%s, %s hash, wrong password: %d, want 401", s.Kind, k, got)
			}
		}
	}
}

func status(t *testing.T, url, user, pass string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
