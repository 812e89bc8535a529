package tail

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRotationTruncationPartial(t *testing.T) {
	p := filepath.Join(t.TempDir(), "access.log")
	write := func(s string, flag int) {
		t.Helper()
		f, err := os.OpenFile(p, flag|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	poll := func(tl *Tailer, want string) {
		t.Helper()
		got, err := tl.Poll()
		if err != nil || string(got) != want {
			t.Fatalf("Poll = %q, %v; want %q", got, err, want)
		}
	}
	write("old 1\n", os.O_TRUNC)
	tl := New(p, true)
	defer tl.Close()
	if err := tl.Start(); err != nil {
		t.Fatal(err)
	}
	poll(tl, "") // started at the end: the old line is not read
	write("a\nhalf", os.O_APPEND)
	poll(tl, "a\n") // the line without its newline waits
	write(" done\n", os.O_APPEND)
	poll(tl, "half done\n")
	// Rotation: the rest of the old file first, then the new one whole.
	write("b\n", os.O_APPEND)
	if err := os.Rename(p, p+".1"); err != nil {
		t.Fatal(err)
	}
	poll(tl, "") // between rotation and the new file
	write("c\n", os.O_TRUNC)
	poll(tl, "b\nc\n")
	// Truncation (copytruncate): start over once the file is shorter
	// than what was read.
	write("long line\n", os.O_APPEND)
	poll(tl, "long line\n")
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	write("d\n", os.O_APPEND)
	poll(tl, "d\n")
}

func TestStartOnMissingFileReadsItWhole(t *testing.T) {
	p := filepath.Join(t.TempDir(), "later.log")
	tl := New(p, true)
	defer tl.Close()
	if err := tl.Start(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x\ny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := tl.Poll(); err != nil || string(got) != "x\ny\n" {
		t.Fatalf("Poll = %q, %v", got, err)
	}
}
