package servertest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Htpasswd adds user with password pass to the password file at path, or
// replaces the user's entry, by running the real htpasswd binary (from
// apache2-utils), so the file holds exactly what a site owner's would. flag
// picks the hash as htpasswd does: "-B" bcrypt, "-m" Apache MD5 (apr1),
// "-s" SHA-1, "-d" crypt, "-p" plain text, or "" for htpasswd's default;
// it may carry more flags separated by spaces ("-B -C 5"). The file is
// created when missing and made readable by servers' workers (see
// MakeReadable). The password goes to htpasswd on standard input, never on
// its command line. Htpasswd skips the test like Require when htpasswd is
// not installed and fails it when htpasswd fails.
func Htpasswd(t testing.TB, path, user, pass, flag string) {
	t.Helper()
	bin := Require(t, "htpasswd")
	args := []string{"-i"}
	if _, err := os.Stat(path); os.IsNotExist(err) {
		args = append(args, "-c")
	}
	args = append(args, strings.Fields(flag)...)
	args = append(args, path, user)
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(pass + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("servertest: htpasswd %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if err := MakeReadable(path); err != nil {
		t.Fatalf("servertest: %v", err)
	}
}
