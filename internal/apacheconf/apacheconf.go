// Package apacheconf parses Apache httpd configuration files as httpd
// reads them: one directive per line, a trailing backslash joining the
// next line, "#" comment lines, quoted arguments, and sections such as
// <Directory>, <Location>, <Files>, <LocationMatch>, <IfModule> and <If>
// that nest. ParseFile follows Include and IncludeOptional (globs and
// directories, relative to ServerRoot) and records for every directive the
// file and line it came from. Conditional sections are kept as sections,
// not evaluated: a reader decides what <IfModule> or <IfDefine> means.
package apacheconf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/why401/why401/internal/confroot"
)

// Directive is one directive or section. Name is as written ("AuthType",
// "Directory" for a <Directory> section); Block is non-nil for sections.
type Directive struct {
	Name  string
	Args  []string
	File  string
	Line  int
	Block []*Directive
}

// Is reports whether the directive is named name, ignoring case as httpd
// does.
func (d *Directive) Is(name string) bool { return strings.EqualFold(d.Name, name) }

// Arg returns the i-th argument, or "" when there is none (i out of
// range, negative included).
func (d *Directive) Arg(i int) string {
	if i >= 0 && i < len(d.Args) {
		return d.Args[i]
	}
	return ""
}

// Error is a syntax error at a file and line.
type Error struct {
	File string
	Line int
	Msg  string
}

// Error returns "file:line: message".
func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// MaxDepth is how deeply sections and includes may nest, httpd's limit.
const MaxDepth = 128

// Parse parses one file's text, without following includes. name is used
// in errors and Directive.File.
func Parse(name string, src []byte) ([]*Directive, error) {
	p := &parser{}
	return p.parseText(name, src, 0)
}

// Options tell ParseFile where the server is.
type Options struct {
	// ServerRoot resolves relative paths until a ServerRoot directive
	// changes it; empty means the directory of the main file.
	ServerRoot string
	// Env supplies ${NAME} values (Debian's envvars: APACHE_LOG_DIR and
	// so on); Define directives add to it as they are read.
	Env map[string]string
	// Root is the directory a configuration tree copied from a server
	// sits in (clean, see confroot.Clean): nothing outside it is read;
	// paths outside it (ServerRoot, Include, and those Resolve makes) are
	// looked up inside it (confroot.Path), and an Include outside it that
	// the copy lacks is a warning. Empty means the configuration is this
	// machine's own.
	Root string
	// Lenient turns an Include that matches nothing into a warning, as
	// for IncludeOptional: a file audited without the main configuration
	// names includes relative to a ServerRoot it does not know.
	Lenient bool
	// ReadFile and Glob replace the file system (tests); nil means os.
	ReadFile func(string) ([]byte, error)
	Glob     func(string) ([]string, error)
	Stat     func(string) (fs.FileInfo, error)
	ReadDir  func(string) ([]fs.DirEntry, error)
}

// Config is a parsed configuration with includes spliced in.
type Config struct {
	// Main is the file ParseFile was given.
	Main string
	// Directives are the top-level directives in order, with included
	// files' directives in place of each Include.
	Directives []*Directive
	// ServerRoot is the last ServerRoot in effect.
	ServerRoot string
	// Files lists every file read, main file first.
	Files []string
	// Warnings are problems that did not stop parsing: an
	// IncludeOptional that matched nothing, an include cycle.
	Warnings []error
	// Root is Options.Root.
	Root string
}

// Resolve returns path as httpd opens it: made absolute against the
// ServerRoot in effect and, for a tree copied from a server, looked up
// under Root (confroot.Path).
func (c *Config) Resolve(path string) string {
	return confroot.Path(c.Root, Resolve(c.ServerRoot, path))
}

// ParseFile parses the file at path and every file it includes.
func ParseFile(path string, o Options) (*Config, error) {
	r := o.Root
	if o.ReadFile == nil {
		o.ReadFile = func(p string) ([]byte, error) { return os.ReadFile(confroot.Path(r, p)) }
	}
	if o.Glob == nil {
		o.Glob = func(p string) ([]string, error) { return confroot.Glob(r, p) }
	}
	if o.Stat == nil {
		o.Stat = func(p string) (fs.FileInfo, error) { return os.Stat(confroot.Path(r, p)) }
	}
	if o.ReadDir == nil {
		o.ReadDir = func(p string) ([]fs.DirEntry, error) { return os.ReadDir(confroot.Path(r, p)) }
	}
	root := o.ServerRoot
	if root == "" {
		root = filepath.Dir(path)
	}
	env := map[string]string{}
	for k, v := range o.Env {
		env[k] = v
	}
	p := &parser{opts: &o, root: root, env: env, cfg: &Config{Main: path, Root: o.Root}, active: map[string]bool{}}
	ds, err := p.parseFile(path, 0, nil)
	if err != nil {
		return nil, err
	}
	p.cfg.Directives = ds
	p.cfg.ServerRoot = p.root
	return p.cfg, nil
}

type parser struct {
	opts   *Options
	root   string
	env    map[string]string
	cfg    *Config
	active map[string]bool // files being read, for cycles
}

// Resolve returns path made absolute against root, as httpd's
// ap_server_root_relative does.
func Resolve(root, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(root, path)
}

func (p *parser) parseFile(path string, depth int, from *Directive) ([]*Directive, error) {
	abs := path
	if a, err := filepath.Abs(path); err == nil {
		abs = a
	}
	if p.active[abs] {
		p.cfg.Warnings = append(p.cfg.Warnings, &Error{from.File, from.Line, fmt.Sprintf("%s includes itself; httpd would fail", path)})
		return nil, nil
	}
	src, err := p.opts.ReadFile(path)
	if err != nil {
		if from != nil {
			return nil, &Error{from.File, from.Line, fmt.Sprintf("%s: %v", from.Name, unwrapPath(err))}
		}
		return nil, err
	}
	p.active[abs] = true
	defer delete(p.active, abs)
	p.cfg.Files = append(p.cfg.Files, path)
	return p.parseText(path, src, depth)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// logical is one logical line: continuations joined.
type logical struct {
	text string
	line int
}

func splitLines(src []byte) []logical {
	var out []logical
	lines := strings.Split(string(src), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		// httpd continues a line only when a single backslash is its
		// very last character (before CR LF), not after white space.
		s := strings.TrimSuffix(lines[i], "\r")
		for continues(s) && i+1 < len(lines) {
			i++
			s = strings.TrimSuffix(s, "\\") + strings.TrimSuffix(lines[i], "\r")
		}
		s = strings.Trim(s, " \t")
		if s == "" || s[0] == '#' {
			continue
		}
		out = append(out, logical{s, start})
	}
	return out
}

func continues(s string) bool {
	return strings.HasSuffix(s, "\\") && !strings.HasSuffix(s, "\\\\")
}

func (p *parser) parseText(name string, src []byte, depth int) ([]*Directive, error) {
	lines := splitLines(src)
	i := 0
	ds, closer, err := p.block(name, lines, &i, depth, "")
	if err != nil {
		return nil, err
	}
	if closer != nil {
		return nil, &Error{name, closer.line, fmt.Sprintf("%s without matching <%s section", closer.text, strings.TrimSuffix(strings.TrimPrefix(closer.text, "</"), ">"))}
	}
	return ds, nil
}

// block reads directives until the end of input or a closing tag, which
// it returns.
func (p *parser) block(name string, lines []logical, i *int, depth int, open string) ([]*Directive, *logical, error) {
	if depth > MaxDepth && len(lines) > 0 {
		return nil, nil, &Error{name, lines[min(*i, len(lines)-1)].line, "sections or includes nested too deeply"}
	}
	ds := []*Directive{}
	for *i < len(lines) {
		l := lines[*i]
		*i++
		if strings.HasPrefix(l.text, "</") {
			tag := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l.text, "</"), ">"))
			if open == "" || !strings.EqualFold(tag, open) {
				if open == "" {
					return ds, &l, nil
				}
				return nil, nil, &Error{name, l.line, fmt.Sprintf("</%s> closes <%s>", tag, open)}
			}
			if !strings.HasSuffix(l.text, ">") {
				return nil, nil, &Error{name, l.line, fmt.Sprintf("</%s directive missing closing '>'", tag)}
			}
			return ds, nil, nil
		}
		if l.text[0] == '<' {
			if !strings.HasSuffix(l.text, ">") {
				return nil, nil, &Error{name, l.line, fmt.Sprintf("%s directive missing closing '>'", strings.Fields(l.text)[0])}
			}
			inner := strings.TrimSpace(l.text[1 : len(l.text)-1])
			words, err := p.words(inner)
			if err != nil || len(words) == 0 {
				return nil, nil, &Error{name, l.line, "bad section header"}
			}
			d := &Directive{Name: words[0], Args: words[1:], File: name, Line: l.line}
			body, _, err := p.block(name, lines, i, depth+1, words[0])
			if err != nil {
				return nil, nil, err
			}
			if body == nil {
				body = []*Directive{}
			}
			d.Block = body
			ds = append(ds, d)
			// A section opened here must have been closed by block.
			continue
		}
		words, err := p.words(l.text)
		if err != nil {
			return nil, nil, &Error{name, l.line, err.Error()}
		}
		d := &Directive{Name: words[0], Args: words[1:], File: name, Line: l.line}
		if err := p.apply(d, &ds, depth); err != nil {
			return nil, nil, err
		}
	}
	if open != "" {
		return nil, nil, &Error{name, lines[len(lines)-1].line, fmt.Sprintf("<%s> was not closed", open)}
	}
	return ds, nil, nil
}

// apply handles directives that change parsing (ServerRoot, Define,
// Include) and appends d or what it includes.
func (p *parser) apply(d *Directive, ds *[]*Directive, depth int) error {
	switch {
	case d.Is("ServerRoot") && len(d.Args) == 1 && p.opts != nil:
		p.root = confroot.Path(p.opts.Root, filepath.Clean(d.Args[0]))
	case d.Is("Define") && len(d.Args) >= 1 && p.env != nil:
		p.env[d.Args[0]] = strings.Join(d.Args[1:], " ")
	case (d.Is("Include") || d.Is("IncludeOptional")) && p.opts != nil:
		*ds = append(*ds, d)
		if len(d.Args) != 1 {
			return &Error{d.File, d.Line, d.Name + " takes one argument"}
		}
		return p.include(d, ds, depth)
	}
	*ds = append(*ds, d)
	return nil
}

func (p *parser) include(d *Directive, ds *[]*Directive, depth int) error {
	pattern := Resolve(p.root, d.Args[0])
	// An include outside a copied tree that the copy lacks is named in
	// a warning, not fatal: the copy seldom holds every file.
	outside := confroot.Outside(p.opts.Root, pattern)
	optional := d.Is("IncludeOptional") || p.opts.Lenient || outside
	var files []string
	if strings.ContainsAny(pattern, "*?[") {
		m, err := p.opts.Glob(pattern)
		if err != nil {
			return &Error{d.File, d.Line, fmt.Sprintf("%s %s: %v", d.Name, d.Args[0], err)}
		}
		sort.Strings(m)
		for _, f := range m {
			f = confroot.Path(p.opts.Root, f)
			if fi, err := p.opts.Stat(f); err == nil && fi.Mode().IsRegular() {
				files = append(files, f)
			}
		}
		if len(files) == 0 {
			if outside && !d.Is("IncludeOptional") {
				p.cfg.Warnings = append(p.cfg.Warnings, &Error{d.File, d.Line, fmt.Sprintf("%s %s: no file matches in the copy under %s; not read", d.Name, d.Args[0], p.opts.Root)})
			}
			if !optional {
				return &Error{d.File, d.Line, fmt.Sprintf("Include %s: no file matches; httpd refuses to start (use IncludeOptional)", d.Args[0])}
			}
			return nil
		}
	} else {
		pattern = confroot.Path(p.opts.Root, pattern)
		fi, err := p.opts.Stat(pattern)
		switch {
		case err != nil && outside && errors.Is(err, fs.ErrNotExist):
			p.cfg.Warnings = append(p.cfg.Warnings, &Error{d.File, d.Line, fmt.Sprintf("%s %s: not in the copy under %s; not read", d.Name, d.Args[0], p.opts.Root)})
			return nil
		case err != nil && optional:
			p.cfg.Warnings = append(p.cfg.Warnings, &Error{d.File, d.Line, fmt.Sprintf("IncludeOptional %s: %v", d.Args[0], unwrapPath(err))})
			return nil
		case err != nil:
			return &Error{d.File, d.Line, fmt.Sprintf("Include %s: %v", d.Args[0], unwrapPath(err))}
		case fi.IsDir():
			entries, err := p.opts.ReadDir(pattern)
			if err != nil {
				return &Error{d.File, d.Line, fmt.Sprintf("%s %s: %v", d.Name, d.Args[0], unwrapPath(err))}
			}
			for _, e := range entries {
				if !e.IsDir() {
					files = append(files, filepath.Join(pattern, e.Name()))
				}
			}
			sort.Strings(files)
		default:
			files = []string{pattern}
		}
	}
	for _, f := range files {
		sub, err := p.parseFile(f, depth+1, d)
		if err != nil {
			return err
		}
		*ds = append(*ds, sub...)
	}
	return nil
}

// words splits a directive line into words as httpd's ap_getword_conf
// does: white space separates, double or single quotes group (a backslash
// escapes the quote inside), and ${NAME} is replaced when known.
func (p *parser) words(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		var w strings.Builder
		if q := s[i]; q == '"' || q == '\'' {
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == q || s[i+1] == '\\') {
					w.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == q {
					i++
					closed = true
					break
				}
				w.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quoted string")
			}
		} else {
			for i < len(s) && s[i] != ' ' && s[i] != '\t' {
				w.WriteByte(s[i])
				i++
			}
		}
		out = append(out, p.expand(w.String()))
	}
	if len(out) == 0 || out[0] == "" {
		return nil, errors.New("empty directive name")
	}
	return out, nil
}

func (p *parser) expand(s string) string {
	if p.env == nil || !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := s[i+2 : i+j]
		b.WriteString(s[:i])
		if v, ok := p.env[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// Walk calls fn for every directive in ds and inside sections, depth
// first in file order, with the chain of enclosing sections (outermost
// first). fn returning false skips a section's contents.
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
