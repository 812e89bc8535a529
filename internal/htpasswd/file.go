package htpasswd

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ReadFile parses the password file at path.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f, err := Parse(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// NewFileMode is the mode WriteFile gives a file it creates: readable by
// the web server's user whatever group owns the file, as Apache's htpasswd
// leaves it under the usual umask.
const NewFileMode fs.FileMode = 0o644

// WriteFile replaces the file at path with f's text atomically: it writes
// a temporary file in the same directory, gives it the old file's mode and
// (when allowed) owner and group, syncs it and renames it over path, so a
// reader sees either the old file or the new one, never half of it. A new
// file gets NewFileMode. A symbolic link at path is followed: its target is
// replaced and the link kept.
func WriteFile(path string, f *File) error {
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	mode := NewFileMode
	uid, gid := -1, -1
	if fi, err := os.Stat(target); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file", path)
		}
		mode = fi.Mode().Perm()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
	} else if !os.IsNotExist(err) {
		return err
	}
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(f.Bytes()); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if uid >= 0 && (uid != os.Geteuid() || gid != os.Getegid()) {
		if err := tmp.Chown(uid, gid); err != nil {
			return fmt.Errorf("%s: cannot keep owner %d:%d: %w", path, uid, gid, err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, target); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
