// Package nginxconf reads nginx configuration files through
// github.com/nginxinc/nginx-go-crossplane and returns them as one tree in
// which every include is followed by the directives of the files it
// names, each directive knowing its file and line. Relative include paths
// resolve against the main file's directory, as nginx resolves them
// against its configuration prefix when started with -c.
package nginxconf

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	crossplane "github.com/nginxinc/nginx-go-crossplane"

	"github.com/why401/why401/internal/confroot"
)

// Directive is one directive; Block is non-nil for block directives
// (http, server, location, if, limit_except, ...).
type Directive struct {
	Name  string
	Args  []string
	File  string
	Line  int
	Block []*Directive
}

// Arg returns the i-th argument, or "" when there is none (i out of
// range, negative included).
func (d *Directive) Arg(i int) string {
	if i >= 0 && i < len(d.Args) {
		return d.Args[i]
	}
	return ""
}

// Config is a parsed configuration.
type Config struct {
	Main string
	// Prefix is the directory relative paths (include,
	// auth_basic_user_file) resolve against.
	Prefix     string
	Directives []*Directive
	Files      []string
	// Root is Options.Root.
	Root string
	// Skipped are the files included from outside Root that the copy
	// lacks: they were read as empty.
	Skipped []string
	// Unread are the include directives Options.SingleFile left
	// unfollowed.
	Unread []*Directive
}

// Options change how ParseFileWith reads.
type Options struct {
	// Root is the directory a configuration tree copied from a server
	// sits in (clean, see confroot.Clean): nothing outside it is read;
	// paths outside it (include, and those Resolve makes) are looked up
	// inside it (confroot.Path), and an include outside it that the copy
	// lacks is read as empty and listed in Config.Skipped.
	Root string
	// SingleFile reads the file alone, without its includes (a snippet
	// whose includes are relative to a prefix it does not know).
	SingleFile bool
}

// Resolve returns path made absolute against the configuration prefix
// and, for a tree copied from a server, looked up under Root.
func (c *Config) Resolve(path string) string {
	if path == "" {
		return path
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.Prefix, path)
	}
	return confroot.Path(c.Root, filepath.Clean(path))
}

// The lexer's token channel holds 2,048 tokens (about 100 KB) per file by
// default; a hosting server's configuration has one include file per
// site, tens of thousands of them, and the big buffer only adds garbage.
func init() { crossplane.SetTokenChanCap(128) }

// ParseFile parses the nginx configuration at path and the files it
// includes. A syntax error (one nginx itself would refuse) is returned as
// "file:line: message".
func ParseFile(path string) (*Config, error) { return ParseFileWith(path, Options{}) }

// ParseFileWith is ParseFile with options.
func ParseFileWith(path string, o Options) (*Config, error) {
	popts := &crossplane.ParseOptions{
		SkipDirectiveContextCheck: true,
		SkipDirectiveArgsCheck:    true,
		StopParsingOnError:        true,
		SingleFile:                o.SingleFile,
	}
	var skipped []string
	if o.Root != "" {
		popts.Open = func(p string) (io.Reader, error) {
			q := confroot.Path(o.Root, p)
			f, err := os.Open(q)
			if err != nil && errors.Is(err, fs.ErrNotExist) && confroot.Outside(o.Root, p) {
				// An include outside the copy that it lacks (a lone
				// nginx.conf without mime.types) is read as empty
				// rather than failing over a file that seldom
				// matters to authentication.
				if !slices.Contains(skipped, p) {
					skipped = append(skipped, p)
				}
				return strings.NewReader(""), nil
			}
			return f, err
		}
		popts.Glob = func(p string) ([]string, error) { return confroot.Glob(o.Root, p) }
	}
	payload, err := crossplane.Parse(path, popts)
	if err != nil {
		return nil, convertErr(path, err)
	}
	if len(payload.Errors) > 0 {
		return nil, convertErr(payload.Errors[0].File, payload.Errors[0].Error)
	}
	if len(payload.Config) == 0 {
		return nil, fmt.Errorf("%s: nothing parsed", path)
	}
	c := &Config{Main: path, Prefix: filepath.Dir(path), Root: o.Root, Skipped: skipped}
	for i := range payload.Config {
		unread := slices.Contains(skipped, payload.Config[i].File)
		payload.Config[i].File = confroot.Path(o.Root, payload.Config[i].File)
		if !unread {
			c.Files = append(c.Files, payload.Config[i].File)
		}
	}
	active := map[int]bool{}
	var conv func(idx int) []*Directive
	var convList func(file string, ds crossplane.Directives) []*Directive
	convList = func(file string, ds crossplane.Directives) []*Directive {
		var out []*Directive
		for _, d := range ds {
			nd := &Directive{Name: d.Directive, Args: d.Args, File: file, Line: d.Line}
			if d.IsBlock() {
				nd.Block = convList(file, d.Block)
				if nd.Block == nil {
					nd.Block = []*Directive{}
				}
			}
			out = append(out, nd)
			if d.Directive == "include" && o.SingleFile {
				c.Unread = append(c.Unread, nd)
			}
			if d.IsInclude() {
				for _, i := range d.Includes {
					out = append(out, conv(i)...)
				}
			}
		}
		return out
	}
	conv = func(idx int) []*Directive {
		if idx < 0 || idx >= len(payload.Config) || active[idx] {
			return nil
		}
		active[idx] = true
		defer delete(active, idx)
		return convList(payload.Config[idx].File, payload.Config[idx].Parsed)
	}
	c.Directives = conv(0)
	return c, nil
}

func convertErr(file string, err error) error {
	var pe *crossplane.ParseError
	if errors.As(err, &pe) {
		what := pe.What
		if i := strings.LastIndex(what, " in "); i > 0 {
			what = what[:i]
		}
		if pe.File != nil {
			file = *pe.File
		}
		if pe.Line != nil {
			return fmt.Errorf("%s:%d: %s", file, *pe.Line, what)
		}
		return fmt.Errorf("%s: %s", file, what)
	}
	return fmt.Errorf("%s: %w", file, err)
}

// Walk calls fn for every directive, depth first in file order, with the
// chain of enclosing blocks (outermost first). fn returning false skips a
// block's contents.
func Walk(ds []*Directive, fn func(d *Directive, parents []*Directive) bool) {
	var walk func([]*Directive, []*Directive)
	walk = func(ds []*Directive, parents []*Directive) {
		for _, d := range ds {
			if !fn(d, parents) {
				continue
			}
			if d.Block != nil {
				walk(d.Block, append(parents[:len(parents):len(parents)], d))
			}
		}
	}
	walk(ds, nil)
}
