// Package confroot maps the paths a server's configuration names onto a
// copy of the server's files in one directory (audit --root, an upload to
// why401 serve): nothing outside the directory is opened, listed or
// stat'ed. A path outside it is looked up inside it, as the directory
// holds a copy of the server's files: /etc/nginx/mime.types as
// DIR/etc/nginx/mime.types, then DIR/nginx/mime.types, then
// DIR/mime.types. An empty root is the whole file system.
package confroot

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Clean returns root absolute with its symbolic links resolved, the form
// the other functions expect; "" stays "".
func Clean(root string) (string, error) {
	if root == "" {
		return "", nil
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	return abs, nil
}

// Inside reports whether p (absolute, clean) is root or under it.
func Inside(root, p string) bool {
	return root != "" && (p == root || strings.HasPrefix(p, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator)))
}

// Outside reports whether p, made absolute, is outside root (a path the
// configuration names on the server, not in the copy); false when root
// is empty.
func Outside(root, p string) bool {
	if root == "" {
		return false
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return !Inside(root, p)
}

// candidates are where a path outside root may be inside it, keeping at
// least keep of its last components.
func candidates(root, p string, keep int) []string {
	parts := strings.Split(strings.TrimPrefix(filepath.Clean(p), string(filepath.Separator)), string(filepath.Separator))
	var out []string
	for i := 0; i <= len(parts)-keep || i == 0; i++ {
		out = append(out, filepath.Join(root, filepath.Join(parts[i:]...)))
	}
	return out
}

// Path maps p to the file to open: p itself when root is empty; p made
// absolute (and so cleaned of "..") when that is inside root; else the
// first candidate inside root that exists or, when none does, the first
// candidate (DIR/p), which does not exist.
func Path(root, p string) string {
	if root == "" || p == "" {
		return p
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if Inside(root, p) {
		return follow(root, p, 0)
	}
	cs := candidates(root, p, 1)
	for _, c := range cs {
		if q := follow(root, c, 0); exists(q) {
			return q
		}
	}
	return follow(root, cs[0], 0)
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// maxHops bounds the symbolic links followed for one path.
const maxHops = 40

// follow resolves the symbolic links in p (inside root) itself, one
// component at a time, so that no link leads outside root: a copied
// tree's link names the server's path (sites-enabled/a ->
// /etc/nginx/sites-available/a), which is looked up inside root like any
// other. The result holds no link; too many links give a path that does
// not exist inside root.
func follow(root, p string, hops int) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(p, root), string(filepath.Separator))
	if rel == "" {
		return root
	}
	cur := root
	comps := strings.Split(rel, string(filepath.Separator))
	for i, c := range comps {
		next := filepath.Join(cur, c)
		fi, err := os.Lstat(next)
		if err != nil {
			return filepath.Join(append([]string{next}, comps[i+1:]...)...)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		t, err := os.Readlink(next)
		if err != nil || hops >= maxHops {
			return filepath.Join(root, ".why401-unresolved-link", rel)
		}
		hops++
		if !filepath.IsAbs(t) {
			t = filepath.Join(cur, t)
		}
		t = filepath.Clean(t)
		if Inside(root, t) {
			cur = follow(root, t, hops)
			continue
		}
		// Outside root: the server's path, looked up inside root.
		cur = filepath.Join(root, strings.TrimPrefix(t, string(filepath.Separator)))
		for _, cand := range candidates(root, t, 1) {
			if q := follow(root, cand, hops); exists(q) {
				cur = q
				break
			}
		}
	}
	return cur
}

// Glob matches pattern under root: inside root as it is, else at the
// first candidate place that matches anything, keeping the pattern's
// last directory (sites-enabled/* may be at the top of the copy, but a
// lone * is not sites-enabled). Matches of a pattern inside root are
// paths inside root; those of a pattern outside it are named as the
// server names them (/etc/nginx/conf.d/a.conf for DIR/nginx/conf.d/a.conf),
// so that a file both globbed and named is one file; Path maps them back.
func Glob(root, pattern string) ([]string, error) {
	if root == "" {
		return filepath.Glob(pattern)
	}
	if abs, err := filepath.Abs(pattern); err == nil {
		pattern = abs
	}
	if Inside(root, pattern) {
		return filepath.Glob(globDir(root, pattern))
	}
	parts := strings.Split(strings.TrimPrefix(filepath.Clean(pattern), string(filepath.Separator)), string(filepath.Separator))
	for i, c := range candidates(root, pattern, 2) {
		m, err := filepath.Glob(globDir(root, c))
		if err != nil {
			return nil, err
		}
		if len(m) > 0 {
			if globDir(root, c) != c {
				return m, nil // through a link: the copy's own paths
			}
			dropped := string(filepath.Separator) + filepath.Join(parts[:i]...)
			for k := range m {
				m[k] = filepath.Join(dropped, strings.TrimPrefix(m[k], root))
			}
			return m, nil
		}
	}
	return nil, nil
}

// globDir resolves the links in the directories of pattern (inside root)
// up to its first wildcard, so that the listing stays inside root.
func globDir(root, pattern string) string {
	dir, rest := pattern, ""
	for strings.ContainsAny(dir, "*?[") {
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = filepath.Dir(dir)
	}
	if rest == "" {
		return follow(root, pattern, 0)
	}
	return filepath.Join(follow(root, dir, 0), rest)
}
