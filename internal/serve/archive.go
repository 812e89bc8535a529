package serve

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits on an uploaded configuration tree, beyond the upload size.
const (
	maxTreeFiles = 2000
	maxTreeBytes = 64 << 20
)

// auditArgs writes an uploaded configuration (one file, or a tar, tar.gz
// or zip of a tree) under dir and names its main file for the audit.
func auditArgs(in *input, dir string) ([]string, []byte, error) {
	if len(in.body) == 0 {
		return nil, nil, errors.New("no configuration: drop nginx.conf, apache2.conf, an .htaccess, or a tar or zip of the configuration directory")
	}
	root := filepath.Join(dir, "tree")
	if err := os.Mkdir(root, 0o700); err != nil {
		return nil, nil, err
	}
	body := in.body
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: gzip: %v", uploadName(in), err)
		}
		b, err := io.ReadAll(io.LimitReader(zr, maxTreeBytes+1))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: gzip: %v", uploadName(in), err)
		}
		if len(b) > maxTreeBytes {
			return nil, nil, tooBig(in)
		}
		body = b
	}
	var err error
	switch {
	case bytes.HasPrefix(body, []byte("PK\x03\x04")):
		err = unzip(body, root)
	case len(body) > 262 && string(body[257:262]) == "ustar":
		err = untar(body, root)
	default:
		name := path.Base(strings.ReplaceAll(in.name, `\`, "/"))
		if name == "" || name == "." || name == "/" || strings.HasPrefix(name, "..") {
			name = guessConfigName(body)
		}
		err = os.WriteFile(filepath.Join(root, name), body, 0o600)
	}
	if err != nil {
		var re *requestError
		if errors.As(err, &re) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%s: %v", uploadName(in), err)
	}
	main, err := findMain(root)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", uploadName(in), err)
	}
	// Confined: the configuration's absolute paths and includes are
	// looked up in the upload, never in this machine's /etc.
	return []string{"audit", "--json", "--fail-on", "warning", "--root", root, main}, nil, nil
}

func uploadName(in *input) string {
	if in.name != "" {
		return in.name
	}
	return "the upload"
}

func tooBig(in *input) error {
	return &requestError{status: http.StatusRequestEntityTooLarge, reason: "too-large", msg: fmt.Sprintf("%s: unpacks to more than %d MiB or %d files, more than this server takes", uploadName(in), maxTreeBytes>>20, maxTreeFiles)}
}

// guessConfigName names a single uploaded file by its content.
func guessConfigName(b []byte) string {
	s := string(b)
	switch {
	case strings.Contains(s, "<VirtualHost") || strings.Contains(s, "LoadModule") || strings.Contains(s, "ServerRoot"):
		return "apache2.conf"
	case strings.Contains(s, "AuthType") || strings.Contains(s, "AuthUserFile") || strings.Contains(s, "RewriteEngine"):
		return ".htaccess"
	}
	return "nginx.conf"
}

// findMain names the main configuration file of a tree: the shallowest
// nginx.conf, apache2.conf or httpd.conf, else the only file.
func findMain(root string) (string, error) {
	best, bestDepth := "", 1<<30
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files = append(files, p)
		switch d.Name() {
		case "nginx.conf", "apache2.conf", "httpd.conf":
			if depth := strings.Count(p, string(filepath.Separator)); depth < bestDepth {
				best, bestDepth = p, depth
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return "", err
	case best != "":
		return best, nil
	case len(files) == 1:
		return files[0], nil
	}
	return "", fmt.Errorf("no nginx.conf, apache2.conf or httpd.conf in the tree (%d files)", len(files))
}

// safePath joins an archive member's name under root: cleaned as if
// rooted, an absolute name or one with ".." stays inside root.
func safePath(root, name string) (string, error) {
	clean := path.Clean("/" + strings.ReplaceAll(name, `\`, "/"))
	if clean == "/" {
		return "", nil
	}
	return filepath.Join(root, filepath.FromSlash(clean[1:])), nil
}

type budget struct {
	files int
	bytes int64
}

func (b *budget) take(n int64) error {
	b.files++
	b.bytes += n
	if b.files > maxTreeFiles || b.bytes > maxTreeBytes {
		return &requestError{status: http.StatusRequestEntityTooLarge, reason: "too-large", msg: fmt.Sprintf("the archive unpacks to more than %d MiB or %d files, more than this server takes", maxTreeBytes>>20, maxTreeFiles)}
	}
	return nil
}

func writeMember(dst string, r io.Reader, b *budget) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(r, maxTreeBytes-b.bytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return b.take(n)
}

// untar unpacks regular files and directories; links and devices are
// skipped (a link could point anywhere on this machine).
func untar(body []byte, root string) error {
	tr := tar.NewReader(bytes.NewReader(body))
	b := &budget{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %v", err)
		}
		dst, err := safePath(root, h.Name)
		if err != nil || dst == "" {
			if err != nil {
				return err
			}
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o700); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeMember(dst, tr, b); err != nil {
				return err
			}
		}
	}
}

func unzip(body []byte, root string) error {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return fmt.Errorf("zip: %v", err)
	}
	b := &budget{}
	for _, f := range zr.File {
		dst, err := safePath(root, f.Name)
		if err != nil {
			return err
		}
		if dst == "" {
			continue
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(dst, 0o700); err != nil {
				return err
			}
			continue
		}
		if !f.Mode().IsRegular() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("zip: %s: %v", f.Name, err)
		}
		err = writeMember(dst, rc, b)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
