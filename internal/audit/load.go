package audit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/why401/why401/internal/apacheconf"
	"github.com/why401/why401/internal/htpasswd"
	"github.com/why401/why401/internal/nginxconf"
)

// Kind is the server a configuration belongs to.
type Kind = string

// The kinds Load reads.
const (
	KindNginx  Kind = "nginx"
	KindApache Kind = "apache"
	KindAuto   Kind = "" // decide from the file name and content
)

// Input is one configuration to read.
type Input struct {
	Path string
	Kind Kind
	// ServerRoot is Apache's -d; empty means the main file's directory
	// (or the ServerRoot directive inside it).
	ServerRoot string
}

// DefaultPaths are the main configuration files audited when none are
// given: Debian's and Red Hat's nginx and Apache locations.
var DefaultPaths = []string{
	"/etc/nginx/nginx.conf",
	"/etc/apache2/apache2.conf",
	"/etc/httpd/conf/httpd.conf",
}

// Limits on the .htaccess search, so a huge document root cannot stall
// an audit.
const (
	maxHtaccessDirs  = 20000
	maxHtaccessDepth = 12
)

// Load reads the configurations and gathers the facts the checks need:
// the files they include, the password files they name (existence, mode,
// owner, content), the accounts the servers run as and, for Apache, the
// .htaccess files under each DocumentRoot where AllowOverride lets
// authentication directives in. A configuration that does not parse is an
// error naming file and line.
func Load(inputs []Input) (*Evidence, error) {
	ev := &Evidence{Files: map[string]*FileFacts{}, beside: map[[2]string]string{}}
	for _, in := range inputs {
		kind := in.Kind
		if kind == KindAuto {
			k, err := detect(in.Path)
			if err != nil {
				return nil, err
			}
			kind = k
		}
		switch kind {
		case KindNginx:
			cfg, err := nginxconf.ParseFile(in.Path)
			if err != nil {
				return nil, err
			}
			n := &Nginx{Config: cfg, Account: nginxAccount(cfg)}
			ev.Nginx = append(ev.Nginx, n)
			nginxconf.Walk(cfg.Directives, func(d *nginxconf.Directive, _ []*nginxconf.Directive) bool {
				if d.Name == "auth_basic_user_file" && len(d.Args) == 1 && !strings.Contains(d.Args[0], "$") {
					ev.gatherPasswordFile(d.File, d.Args[0], cfg.Resolve(d.Args[0]))
				}
				return true
			})
		case KindApache:
			env := apacheEnv(filepath.Dir(in.Path))
			cfg, err := apacheconf.ParseFile(in.Path, apacheconf.Options{ServerRoot: in.ServerRoot, Env: env})
			if err != nil {
				return nil, err
			}
			a := &Apache{Config: cfg, Account: apacheAccount(cfg)}
			a.Htaccess = findHtaccess(cfg)
			ev.Apache = append(ev.Apache, a)
			visit := func(d *apacheconf.Directive, _ []*apacheconf.Directive) bool {
				if d.Is("AuthUserFile") && len(d.Args) == 1 {
					ev.gatherPasswordFile(d.File, d.Args[0], apacheconf.Resolve(cfg.ServerRoot, d.Args[0]))
				}
				return true
			}
			apacheconf.Walk(cfg.Directives, visit)
			for _, h := range a.Htaccess {
				apacheconf.Walk(h.Directives, visit)
			}
		default:
			return nil, fmt.Errorf("%s: unknown server kind %q", in.Path, kind)
		}
	}
	ev.recognisePanels()
	return ev, nil
}

// detect tells nginx from Apache by file name, then by content.
func detect(path string) (Kind, error) {
	base := strings.ToLower(filepath.Base(path))
	switch {
	case strings.Contains(base, "nginx"):
		return KindNginx, nil
	case strings.Contains(base, "apache"), strings.Contains(base, "httpd"), base == ".htaccess":
		return KindApache, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	apache, nginx := 0, 0
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		switch {
		case strings.HasPrefix(l, "<"):
			apache++
		case strings.HasSuffix(l, ";"), strings.HasSuffix(l, "{"), l == "}":
			nginx++
		}
	}
	switch {
	case nginx > apache:
		return KindNginx, nil
	case apache > 0:
		return KindApache, nil
	}
	return "", fmt.Errorf("%s: cannot tell whether this is nginx or Apache configuration (use --server)", path)
}

// gatherPasswordFile records facts about the password file that a
// directive in file names as arg and the server opens at resolved; for a
// relative arg also about the path arg would have beside file, which
// ev.beside keeps when it is another file.
func (ev *Evidence) gatherPasswordFile(file, arg, resolved string) {
	ev.gather(resolved)
	if filepath.IsAbs(arg) {
		return
	}
	b := besideFile(file, arg)
	ev.gather(b)
	if b != absPath(resolved) {
		ev.beside[[2]string{file, arg}] = b
	}
}

// gather records facts about the file at path once.
func (ev *Evidence) gather(path string) {
	if _, ok := ev.Files[path]; ok {
		return
	}
	f := &FileFacts{Path: path}
	ev.Files[path] = f
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(dir); err == nil {
			uid, gid := owner(fi)
			f.Parents = append([]DirFacts{{Path: dir, Mode: fi.Mode().Perm(), UID: uid, GID: gid}}, f.Parents...)
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			f.Exists = true
			f.Err = err.Error()
		}
		return
	}
	f.Exists = true
	f.IsDir = fi.IsDir()
	f.Mode = fi.Mode().Perm()
	f.UID, f.GID = owner(fi)
	if f.IsDir {
		return
	}
	pf, err := htpasswd.ReadFile(path)
	if err != nil {
		f.Err = err.Error()
		return
	}
	f.Password = pf
}

func owner(fi fs.FileInfo) (int, int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return -1, -1
}

// resolveAccount looks up a user and group by name.
func resolveAccount(userName, groupName string) Account {
	a := Account{User: userName, Group: groupName}
	u, err := user.Lookup(userName)
	if err != nil {
		if n, err := strconv.Atoi(strings.TrimPrefix(userName, "#")); err == nil {
			u = &user.User{Uid: strconv.Itoa(n), Gid: "-1", Username: userName}
		} else {
			return a
		}
	}
	a.UID, _ = strconv.Atoi(u.Uid)
	a.GID, _ = strconv.Atoi(u.Gid)
	if groupName != "" {
		if g, err := user.LookupGroup(groupName); err == nil {
			a.GID, _ = strconv.Atoi(g.Gid)
		} else if n, err := strconv.Atoi(strings.TrimPrefix(groupName, "#")); err == nil {
			a.GID = n
		}
	}
	a.Groups = []int{a.GID}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if n, err := strconv.Atoi(id); err == nil && n != a.GID {
				a.Groups = append(a.Groups, n)
			}
		}
	}
	a.Known = true
	return a
}

// nginxAccount reads the user directive; nginx's default is nobody with
// the group of the same name.
func nginxAccount(cfg *nginxconf.Config) Account {
	u, g := "nobody", ""
	for _, d := range cfg.Directives {
		if d.Name == "user" && len(d.Args) >= 1 {
			u = d.Args[0]
			g = d.Arg(1)
		}
	}
	if g == "" {
		g = u
		if _, err := user.LookupGroup(g); err != nil {
			g = "nogroup"
		}
	}
	return resolveAccount(u, g)
}

// apacheAccount reads User and Group (top level or inside IfModule).
func apacheAccount(cfg *apacheconf.Config) Account {
	u, g := "", ""
	apacheconf.Walk(cfg.Directives, func(d *apacheconf.Directive, parents []*apacheconf.Directive) bool {
		for _, p := range parents {
			if !p.Is("IfModule") && !p.Is("IfDefine") {
				return false
			}
		}
		switch {
		case d.Is("User") && len(d.Args) == 1:
			u = d.Args[0]
		case d.Is("Group") && len(d.Args) == 1:
			g = d.Args[0]
		}
		return true
	})
	if u == "" || strings.Contains(u, "${") {
		return Account{User: u, Group: g}
	}
	return resolveAccount(u, g)
}

// apacheEnv reads Debian's envvars file beside apache2.conf: lines
// "export NAME=value" (quotes removed). Other shell syntax is ignored.
func apacheEnv(dir string) map[string]string {
	env := map[string]string{}
	b, err := os.ReadFile(filepath.Join(dir, "envvars"))
	if err != nil {
		return env
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		l = strings.TrimPrefix(l, "export ")
		name, val, ok := strings.Cut(l, "=")
		if !ok || strings.ContainsAny(name, " \t$#") || name == "" {
			continue
		}
		val = strings.Trim(val, `"'`)
		if strings.Contains(val, "$") {
			continue
		}
		env[name] = val
	}
	return env
}

// findHtaccess walks each DocumentRoot and returns the .htaccess files in
// directories where AllowOverride (the longest matching <Directory>)
// permits AuthConfig.
func findHtaccess(cfg *apacheconf.Config) []*Htaccess {
	type override struct {
		path string
		auth bool
	}
	var overrides []override
	roots := map[string]bool{}
	name := ".htaccess"
	apacheconf.Walk(cfg.Directives, func(d *apacheconf.Directive, parents []*apacheconf.Directive) bool {
		switch {
		case d.Is("DocumentRoot") && len(d.Args) == 1:
			roots[apacheconf.Resolve(cfg.ServerRoot, d.Args[0])] = true
		case d.Is("AccessFileName") && len(d.Args) >= 1:
			name = d.Args[0]
		case d.Is("AllowOverride") && len(parents) > 0:
			p := parents[len(parents)-1]
			if p.Is("Directory") && len(p.Args) == 1 && !strings.HasPrefix(p.Args[0], "~") {
				auth := false
				for _, a := range d.Args {
					if strings.EqualFold(a, "All") || strings.EqualFold(a, "AuthConfig") {
						auth = true
					}
				}
				overrides = append(overrides, override{filepath.Clean(apacheconf.Resolve(cfg.ServerRoot, p.Args[0])), auth})
			}
		}
		return true
	})
	allowed := func(dir string) bool {
		best, auth := -1, false
		for _, o := range overrides {
			if (dir == o.path || strings.HasPrefix(dir, strings.TrimSuffix(o.path, "/")+"/") || o.path == "/") && len(o.path) >= best {
				best, auth = len(o.path), o.auth
			}
		}
		return auth
	}
	var out []*Htaccess
	seen := map[string]bool{}
	var sorted []string
	for r := range roots {
		sorted = append(sorted, r)
	}
	sort.Strings(sorted)
	count := 0
	for _, root := range sorted {
		base := strings.Count(root, string(filepath.Separator))
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				count++
				if count > maxHtaccessDirs || strings.Count(p, string(filepath.Separator))-base > maxHtaccessDepth {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Name() != name || seen[p] || !allowed(filepath.Dir(p)) {
				return nil
			}
			seen[p] = true
			h := &Htaccess{Path: p, Dir: filepath.Dir(p)}
			src, err := os.ReadFile(p)
			if err == nil {
				h.Directives, err = apacheconf.Parse(p, src)
			}
			if err != nil {
				h.Err = err.Error()
			}
			out = append(out, h)
			return nil
		})
	}
	return out
}

// besideFile is where a relative path would be if it were relative to
// the directory of the file that names it, as owners often assume.
func besideFile(file, rel string) string {
	dir := filepath.Dir(file)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return filepath.Join(dir, rel)
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
