package htpasswd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Hashes made by Apache's htpasswd, OpenSSL and perl's crypt for the
// password "secret" (and "test" for DES).
var known = []struct {
	hash, pass string
	kind       Kind
}{
	{"$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/", "secret", APR1},
	{"$1$xyz$Qia9Wq6FxQkYcwNWMk/RM0", "secret", MD5Crypt},
	{"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", SHA1},
	{"abgOeLfPimXQo", "test", Crypt},
	{"xyAjYtmfRYx/.", "password", Crypt},
	{"..X8NBuQ4l6uQ", "", Crypt},
	{"{PLAIN}secret", "secret", PlainTagged},
	{"secret", "secret", Plain},
}

func TestVerifyKnown(t *testing.T) {
	for _, k := range known {
		if got := Identify(k.hash); got != k.kind {
			t.Errorf("Identify(%q) = %s, want %s", k.hash, got, k.kind)
		}
		ok, err := Verify(k.hash, k.pass)
		if err != nil || !ok {
			t.Errorf("Verify(%q, %q) = %v, %v; want true", k.hash, k.pass, ok, err)
		}
		ok, err = Verify(k.hash, "x"+k.pass)
		if err != nil || ok {
			t.Errorf("Verify(%q, wrong) = %v, %v; want false", k.hash, ok, err)
		}
	}
}

func TestDESOnlyEightCharacters(t *testing.T) {
	h := desCrypt("password", "xy")
	if desCrypt("password123", "xy") != h {
		t.Error("DES crypt used more than 8 characters")
	}
	if desCrypt("passwore", "xy") == h {
		t.Error("DES crypt ignored the 8th character")
	}
}

func TestIdentify(t *testing.T) {
	for hash, want := range map[string]Kind{
		"$2a$10$abcdefghijklmnopqrstuu":          Bcrypt,
		"$2b$10$abcdefghijklmnopqrstuu":          Bcrypt,
		"$5$rounds=5000$salt$abc":                SHA256Crypt,
		"$6$salt$abcdefghijklmnopqrstuvwxyz":     SHA512Crypt,
		"$y$j9T$salt$abcdefghijklmnopqrstu":      Yescrypt,
		"$argon2id$v=19$m=65536,t=3,p=4$abc$def": Unknown,
		"{SSHA}abcd":                             SSHA,
		"{MD5}abcd":                              Unknown,
		"hunter2":                                Plain,
		"abcdefghijkl!":                          Plain,
	} {
		if got := Identify(hash); got != want {
			t.Errorf("Identify(%q) = %s, want %s", hash, got, want)
		}
	}
}

func TestSupported(t *testing.T) {
	cases := []struct {
		s    Server
		k    Kind
		want bool
	}{
		{Apache, Bcrypt, true}, {Nginx, Bcrypt, true}, {Apache, Plain, false}, {Nginx, Plain, false},
		{Nginx, PlainTagged, true}, {Apache, PlainTagged, false}, {Apache, SSHA, false}, {Nginx, SSHA, true},
		{Apache, Unknown, false}, {Apache, Crypt, true},
	}
	for _, c := range cases {
		if got := Supported(c.s, c.k); got != c.want {
			t.Errorf("Supported(%s, %s) = %v", c.s, c.k, got)
		}
	}
}

func TestHashRoundTrip(t *testing.T) {
	for _, k := range Kinds {
		pass := "s3cret!"
		h, err := Hash(k, pass, Options{Cost: 4})
		if err != nil {
			t.Fatalf("Hash(%s): %v", k, err)
		}
		if got := Identify(h); got != k {
			t.Errorf("Hash(%s) = %q identifies as %s", k, h, got)
		}
		if ok, err := Verify(h, pass); !ok || err != nil {
			t.Errorf("Verify(Hash(%s)) = %v, %v", k, ok, err)
		}
		if ok, _ := Verify(h, "other"); ok {
			t.Errorf("Verify(Hash(%s), other) = true", k)
		}
	}
	if h, _ := Hash(Bcrypt, "x", Options{Cost: 4}); !strings.HasPrefix(h, "$2y$04$") {
		t.Errorf("bcrypt prefix: %q", h)
	}
	if _, err := Hash(Crypt, "longerthan8", Options{}); err == nil {
		t.Error("crypt accepted a password longer than 8 bytes")
	}
	if _, err := Hash(Bcrypt, strings.Repeat("a", 73), Options{Cost: 4}); err == nil {
		t.Error("bcrypt accepted a password longer than 72 bytes")
	}
	if _, err := Hash(Bcrypt, "a", Options{Cost: 3}); err == nil {
		t.Error("bcrypt accepted cost 3")
	}
	if _, err := Hash(Plain, "$apr1$x$y", Options{}); err == nil {
		t.Error("plain accepted a password that looks like a hash")
	}
	if _, err := Verify("$6$salt$abc", "x"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Verify($6$) error = %v, want ErrUnsupported", err)
	}
}

var parseCases = []struct {
	name, text string
	users      []string
	problems   []string // "line: substring"
}{
	{"empty", "", nil, nil},
	{"comments", "# users\n\nalice:{SHA}x\n  # indented comment\n", []string{"alice"}, nil},
	{"crlf", "alice:secret\r\nbob:pw\r\n", []string{"alice", "bob"}, nil},
	{"extra field", "alice:hash:Alice Liddell\n", []string{"alice"}, nil},
	{"no newline at end", "alice:hash", []string{"alice"}, nil},
	{"no colon", "alice\nbob:x\n", []string{"bob"}, []string{`1:no ":"`}},
	{"empty user", ":hash\n", nil, []string{"1:empty user"}},
	{"empty hash", "alice:\n", []string{"alice"}, []string{"1:empty hash"}},
	{"space in hash", "alice:hash \n", []string{"alice"}, []string{"1:white space around the hash"}},
	{"space in user", " alice:hash\n", []string{" alice"}, []string{"1:white space around the user"}},
	{"duplicate", "alice:a\nbob:b\nalice:c\n", []string{"alice", "bob", "alice"}, []string{`3:user "alice" is listed again (first on line 1)`}},
	{"bom", "\ufeffalice:x\n", nil, []string{"1:byte order mark"}},
	{"nul", "al\x00ice:x\n", nil, []string{"1:NUL"}},
	{"long", "alice:" + strings.Repeat("x", MaxLine) + "\n", nil, []string{"1:longer than"}},
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			f := ParseBytes([]byte(c.text))
			var users []string
			for _, e := range f.Entries() {
				users = append(users, e.User)
			}
			if strings.Join(users, ",") != strings.Join(c.users, ",") {
				t.Errorf("users = %q, want %q", users, c.users)
			}
			probs := f.Problems()
			if len(probs) != len(c.problems) {
				t.Fatalf("problems = %v, want %v", probs, c.problems)
			}
			for i, want := range c.problems {
				ln, sub, _ := strings.Cut(want, ":")
				if got := probs[i]; got.String()[len("line "):len("line ")+len(ln)] != ln || !strings.Contains(got.Msg, sub) {
					t.Errorf("problem %d = %v, want line %s containing %q", i, got, ln, sub)
				}
			}
			if c.name != "no newline at end" && string(f.Bytes()) != c.text {
				t.Errorf("Bytes() = %q, want the input back", f.Bytes())
			}
		})
	}
}

func TestSetDelete(t *testing.T) {
	f := ParseBytes([]byte("# team\nalice:old\r\nbroken line\nbob:b\nalice:dead\n"))
	existed, err := f.Set("alice", "new")
	if err != nil || !existed {
		t.Fatalf("Set(alice) = %v, %v", existed, err)
	}
	if existed, _ := f.Set("carol", "c"); existed {
		t.Error("Set(carol) said carol existed")
	}
	want := "# team\nalice:new\r\nbroken line\nbob:b\ncarol:c\n"
	if got := string(f.Bytes()); got != want {
		t.Errorf("after Set: %q, want %q", got, want)
	}
	if !f.Delete("bob") || f.Delete("nobody") {
		t.Error("Delete results wrong")
	}
	if got := string(f.Bytes()); got != "# team\nalice:new\r\nbroken line\ncarol:c\n" {
		t.Errorf("after Delete: %q", got)
	}
	for _, bad := range []string{"", "a:b", "#x", " a", "a\nb"} {
		if _, err := f.Set(bad, "h"); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	if _, err := f.Set("dave", "a:b"); err == nil {
		t.Error("Set accepted a hash with a colon")
	}
}

func TestWriteFileKeepsModeAndIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".htpasswd")
	if err := os.WriteFile(path, []byte("alice:x\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(link)
	if err != nil {
		t.Fatal(err)
	}
	f.Set("bob", "y")
	if err := WriteFile(link, f); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", fi.Mode(), err)
	}
	fi, _ = os.Stat(path)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if string(b) != "alice:x\nbob:y\n" {
		t.Errorf("content = %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// A new file gets NewFileMode.
	nf := filepath.Join(dir, "new")
	if err := WriteFile(nf, &File{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(nf); fi.Mode().Perm() != NewFileMode {
		t.Errorf("new file mode = %v", fi.Mode().Perm())
	}
	if err := WriteFile(dir, &File{}); err == nil {
		t.Error("WriteFile over a directory succeeded")
	}
}

func TestWriteFileKeepsOwnerAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the file another owner")
	}
	path := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(path, []byte("a:b\n"), 0o600)
	if err := os.Chown(path, 33, 33); err != nil {
		t.Fatal(err)
	}
	f, _ := ReadFile(path)
	f.Set("c", "d")
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 33 || st.Gid != 33 || fi.Mode().Perm() != 0o600 {
		t.Errorf("owner %d:%d mode %v, want 33:33 0600", st.Uid, st.Gid, fi.Mode().Perm())
	}
}

// Concurrent Updates of one file keep every user.
func TestUpdateConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	const n = 40
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			errs <- Update(path, true, func(f *File) error {
				_, err := f.Set(fmt.Sprintf("user%02d", i), "{SHA}x")
				return err
			})
		}(i)
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.Entries()); got != n {
		t.Errorf("%d users after %d concurrent updates", got, n)
	}
	// An error from fn leaves the file as it was.
	before, _ := os.ReadFile(path)
	boom := errors.New("boom")
	if err := Update(path, false, func(f *File) error { f.Delete("user00"); return boom }); err != boom {
		t.Errorf("Update error = %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a failed Update changed the file")
	}
	if err := Update(filepath.Join(t.TempDir(), "absent"), false, func(*File) error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Update of a missing file without create: %v", err)
	}
}
