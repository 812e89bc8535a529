package htpasswd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/cli"
	pw "github.com/why401/why401/internal/htpasswd"
)

type run struct {
	code           int
	stdout, stderr string
}

// exec runs the command tree with args and stdin.
func exec(t *testing.T, stdin string, secrets []string, args ...string) run {
	t.Helper()
	ios, out, errOut := cli.Test(stdin)
	f := &cli.Factory{IO: ios}
	cmd := NewCmdHtpasswd(f, func(o *Options) error {
		if secrets != nil {
			i := 0
			o.ReadSecret = func(string) (string, error) {
				if i >= len(secrets) {
					return "", errors.New("no more input")
				}
				i++
				return secrets[i-1], nil
			}
		}
		return Run(o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	code, msg := cli.Code(err)
	if msg != "" {
		errOut.WriteString(msg + "\n")
	}
	return run{code, out.String(), errOut.String()}
}

func TestLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	if r := exec(t, "", []string{"s3cret", "s3cret"}, "create", path, "alice"); r.code != 0 {
		t.Fatalf("create: %+v", r)
	}
	if r := exec(t, "", nil, "create", path); r.code != 2 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("create over existing: %+v", r)
	}
	if r := exec(t, "pw-bob\n", nil, "add", path, "bob", "--stdin", "--hash", "apr1"); r.code != 0 || !strings.Contains(r.stderr, "added bob") {
		t.Fatalf("add bob: %+v", r)
	}
	if r := exec(t, "", []string{"a", "b"}, "add", path, "carol"); r.code != 2 || !strings.Contains(r.stderr, "differ") {
		t.Errorf("mismatched confirmation: %+v", r)
	}
	if r := exec(t, "new\n", nil, "add", path, "alice", "--stdin", "--cost", "4"); r.code != 0 || !strings.Contains(r.stderr, "updated alice") {
		t.Fatalf("update alice: %+v", r)
	}
	if r := exec(t, "new\n", nil, "verify", path, "alice", "--stdin"); r.code != 0 || !strings.Contains(r.stdout, "matches (bcrypt") {
		t.Errorf("verify alice: %+v", r)
	}
	if r := exec(t, "s3cret\n", nil, "verify", path, "alice", "--stdin"); r.code != 1 || !strings.Contains(r.stdout, "does not match") {
		t.Errorf("verify old password: %+v", r)
	}
	if r := exec(t, "", []string{"pw-bob"}, "verify", path, "bob"); r.code != 0 || !strings.Contains(r.stdout, "apr1") {
		t.Errorf("verify bob from the terminal: %+v", r)
	}
	if r := exec(t, "", nil, "verify", path, "nobody", "--stdin"); r.code != 1 {
		t.Errorf("verify unknown user: %+v", r)
	}
	r := exec(t, "", nil, "list", path)
	if r.code != 0 || !strings.Contains(r.stdout, "alice") || !strings.Contains(r.stdout, "bcrypt") || !strings.Contains(r.stdout, "apr1") {
		t.Errorf("list: %+v", r)
	}
	if r := exec(t, "", nil, "delete", path, "bob"); r.code != 0 {
		t.Errorf("delete: %+v", r)
	}
	if r := exec(t, "", nil, "delete", path, "bob"); r.code != 2 {
		t.Errorf("delete again: %+v", r)
	}
	b, _ := os.ReadFile(path)
	f := pw.ParseBytes(b)
	if es := f.Entries(); len(es) != 1 || es[0].User != "alice" {
		t.Errorf("final file: %q", b)
	}
}

func TestListProblemsAndJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	os.WriteFile(path, []byte("alice:secret\nbroken\nbob:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"), 0o644)
	r := exec(t, "", nil, "list", path, "--json")
	if r.code != 1 || !strings.Contains(r.stdout, `"hash": "plain"`) || !strings.Contains(r.stdout, `"apache": false`) || !strings.Contains(r.stdout, ":2: no") {
		t.Errorf("list --json: %+v", r)
	}
	r = exec(t, "secret\n", nil, "verify", path, "alice", "--stdin")
	if r.code != 0 || !strings.Contains(r.stderr, "plain text") {
		t.Errorf("verify plain: %+v", r)
	}
}

// TestListPlainText is the README's promise: list exits 1 on a file with
// problems, and a plain-text password, which neither server can check, is
// one even when every line is well formed.
func TestListPlainText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	os.WriteFile(path, []byte("alice:secret\nbob:{PLAIN}pw\ncarol:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"), 0o644)
	r := exec(t, "", nil, "list", path)
	if r.code != 1 || !strings.Contains(r.stdout, path+`:1: user "alice" has a plain password that neither nginx nor Apache can check`) {
		t.Errorf("list: %+v", r)
	}
	if strings.Contains(r.stdout, `"bob"`) || strings.Contains(r.stdout, `"carol"`) {
		t.Errorf("list reports a password one of the servers checks: %+v", r)
	}
	os.WriteFile(path, []byte("bob:{PLAIN}pw\ncarol:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"), 0o644)
	if r := exec(t, "", nil, "list", path); r.code != 0 {
		t.Errorf("list of a usable file: %+v", r)
	}
}

func TestUsageErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"add", path}, "takes FILE USER"},
		{[]string{"add", path, "a:b", "--stdin"}, "may not hold"},
		{[]string{"add", path, "x", "--stdin", "--hash", "md4"}, "--hash"},
		{[]string{"add", path, "x", "--stdin", "--cost", "40"}, "cost 40"},
		{[]string{"add", path, "x", "--stdin", "--hash", "crypt"}, "longer than 8"},
		{[]string{"list", filepath.Join(path, "nope")}, "users/nope: no such file"},
		{[]string{"verify", filepath.Join(filepath.Dir(path), "absent"), "x"}, "absent: no such file"},
	} {
		r := exec(t, "averylongpassword\n", nil, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %+v, want exit 2 and %q", c.args, r, c.want)
		}
	}
}
