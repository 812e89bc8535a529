package htpasswd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Update reads the password file at path (an empty File when it does not
// exist and create is set), lets fn change it and writes it back with
// WriteFile, holding an exclusive flock(2) on the file's directory
// throughout, so two Updates of the same file (two `why401 htpasswd add`
// at once) cannot lose each other's lines. fn returning an error leaves
// the file untouched and Update returns that error. Other programs that
// do not take the lock are not held off.
func Update(path string, create bool, fn func(*File) error) error {
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	dir, err := os.Open(filepath.Dir(target))
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := syscall.Flock(int(dir.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("%s: lock: %w", filepath.Dir(target), err)
	}
	defer syscall.Flock(int(dir.Fd()), syscall.LOCK_UN)
	f, err := ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		f, err = &File{}, nil
	}
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		return err
	}
	return WriteFile(path, f)
}
