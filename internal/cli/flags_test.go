package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30":    30 * time.Second,
		"30s":   30 * time.Second,
		"2.5":   2500 * time.Millisecond,
		"1m30s": 90 * time.Second,
		"500ms": 500 * time.Millisecond,
		" 0 ":   0,
	} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "-5", "-1s", "1e300", "30 s"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}

func TestDurationFlag(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var d time.Duration
	DurationVarP(fs, &d, "max-time", "m", 30*time.Second, "maximum time")
	if d != 30*time.Second {
		t.Fatalf("default = %v", d)
	}
	if err := fs.Parse([]string{"-m", "5"}); err != nil || d != 5*time.Second {
		t.Errorf("-m 5: %v, %v", d, err)
	}
	if err := fs.Parse([]string{"--max-time=1m"}); err != nil || d != time.Minute {
		t.Errorf("--max-time=1m: %v, %v", d, err)
	}
	err := fs.Parse([]string{"--max-time", "soon"})
	if err == nil || !strings.Contains(err.Error(), `"soon": want seconds (30, 2.5) or a duration (30s, 1m30s, 500ms)`) {
		t.Errorf("--max-time soon: %v", err)
	}
	if name, _ := pflag.UnquoteUsage(fs.Lookup("max-time")); name != "DURATION" {
		t.Errorf("placeholder %q, want DURATION", name)
	}
}

func TestWriteOutput(t *testing.T) {
	write := func(w io.Writer) error { _, err := io.WriteString(w, "report\n"); return err }
	var stdout bytes.Buffer
	if err := WriteOutput("sarif", "-", &stdout, write); err != nil || stdout.String() != "report\n" {
		t.Errorf("-: %q, %v", stdout.String(), err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "out.sarif")
	os.WriteFile(path, []byte("an older, longer report\n"), 0o600)
	stdout.Reset()
	if err := WriteOutput("sarif", path, &stdout, write); err != nil || stdout.Len() != 0 {
		t.Fatalf("file: stdout %q, %v", stdout.String(), err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(b) != "report\n" || fi.Mode().Perm() != 0o644 {
		t.Errorf("file holds %q with mode %v", b, fi.Mode())
	}
	err := WriteOutput("sarif", filepath.Join(dir, "absent", "out.sarif"), &stdout, write)
	if code, msg := Code(err); code != ExitUsage || msg != "--sarif "+filepath.Join(dir, "absent", "out.sarif")+": no such file or directory" {
		t.Errorf("missing directory: %d %q", code, msg)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}
