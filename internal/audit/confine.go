package audit

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// jail confines an audit to the files under one directory (an uploaded
// configuration): nothing outside it is opened, listed or stat'ed. A path
// the configuration names outside it is looked up inside it, as the
// directory holds a copy of the server's files: /etc/nginx/mime.types as
// etc/nginx/mime.types, then nginx/mime.types, then mime.types. A nil
// jail is the whole file system.
type jail struct {
	root string
	// skipped are the included files outside the copy that it lacks.
	skipped []string
}

func newJail(root string) (*jail, error) {
	if root == "" {
		return nil, nil
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	return &jail{root: abs}, nil
}

func (j *jail) inside(p string) bool {
	return p == j.root || strings.HasPrefix(p, j.root+string(filepath.Separator))
}

// candidates are where a path outside the jail may be inside it, keeping
// at least keep of its last components.
func (j *jail) candidates(p string, keep int) []string {
	parts := strings.Split(strings.TrimPrefix(filepath.Clean(p), string(filepath.Separator)), string(filepath.Separator))
	var out []string
	for i := 0; i <= len(parts)-keep || i == 0; i++ {
		out = append(out, filepath.Join(j.root, filepath.Join(parts[i:]...)))
	}
	return out
}

// path maps p to the file to open: p itself when the jail is nil or p is
// inside it; else the first candidate that exists, or (when none does)
// the first candidate, which does not exist.
func (j *jail) path(p string) string {
	if j == nil {
		return p
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if j.inside(p) {
		// An upload holds no links (they are dropped when unpacked),
		// but a path with ".." was cleaned by Abs, so p stays inside.
		return p
	}
	cs := j.candidates(p, 1)
	for _, c := range cs {
		if _, err := os.Lstat(c); err == nil {
			return c
		}
	}
	return cs[0]
}

func (j *jail) readFile(p string) ([]byte, error)  { return os.ReadFile(j.path(p)) }
func (j *jail) stat(p string) (fs.FileInfo, error) { return os.Stat(j.path(p)) }
func (j *jail) readDir(p string) ([]fs.DirEntry, error) {
	return os.ReadDir(j.path(p))
}

// open opens a file nginx includes. An include outside the copy that the
// copy lacks (a single nginx.conf uploaded without mime.types) is read
// as empty and remembered in skipped, rather than failing the audit over
// a file that seldom matters to authentication.
func (j *jail) open(p string) (io.Reader, error) {
	q := j.path(p)
	f, err := os.Open(q)
	if err != nil && errors.Is(err, fs.ErrNotExist) && !j.inside(absOf(p)) {
		if !slices.Contains(j.skipped, p) {
			j.skipped = append(j.skipped, p)
		}
		return strings.NewReader(""), nil
	}
	return f, err
}

func absOf(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// glob matches pattern inside the jail, at the first candidate place
// that matches anything.
func (j *jail) glob(pattern string) ([]string, error) {
	if j == nil {
		return filepath.Glob(pattern)
	}
	if abs, err := filepath.Abs(pattern); err == nil {
		pattern = abs
	}
	if j.inside(pattern) {
		return filepath.Glob(pattern)
	}
	// sites-enabled/* may be at the top of the upload, but * alone is
	// not sites-enabled.
	for _, c := range j.candidates(pattern, 2) {
		m, err := filepath.Glob(c)
		if err != nil {
			return nil, err
		}
		if len(m) > 0 {
			return m, nil
		}
	}
	return nil, nil
}
