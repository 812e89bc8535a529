package audit

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/why401/why401/internal/apacheconf"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/nginxconf"
)

// A configuration file given without its main configuration, a snippet,
// is audited for what it says itself: an nginx server block or a
// conf.d/sites-enabled file without http{} around it, a file of
// locations or directives included inside a server block, an Apache
// vhost or conf-enabled file, or an .htaccess file. What only the main
// configuration decides (AllowOverride, the modules loaded, ServerRoot and
// the nginx prefix relative paths resolve against, what the enclosing
// blocks set) is named in Evidence.Needs, and relative paths whose base is
// unknown are reported as such instead of being resolved against the
// snippet's directory.

// nginxMain matches what only a main nginx configuration holds.
var nginxMain = regexp.MustCompile(`(?m)^\s*(http|events)\s*\{`)

// apacheMain matches what only a main Apache configuration holds.
var apacheMain = regexp.MustCompile(`(?im)^\s*(LoadModule|ServerRoot)\s`)

// loadNginx reads an nginx configuration, or a snippet of one.
func (ev *Evidence) loadNginx(in Input, src []byte) error {
	snippet := !nginxMain.Match(src) && filepath.Base(in.Path) != "nginx.conf"
	cfg, err := nginxconf.ParseFileWith(in.Path, nginxconf.Options{Root: in.Root})
	if err != nil && snippet {
		// A snippet's includes are relative to a prefix it does not
		// know: read the file alone and name what was not followed.
		if c, err2 := nginxconf.ParseFileWith(in.Path, nginxconf.Options{Root: in.Root, SingleFile: true}); err2 == nil {
			cfg, err = c, nil
			for _, d := range c.Unread {
				ev.Needs = append(ev.Needs, Need{fmt.Sprintf("%s:%d", d.File, d.Line), fmt.Sprintf("include %s was not read: it resolves against the directory of the main nginx.conf (/etc/nginx on Debian and Red Hat); audit the main configuration, or a copied tree with --root", d.Arg(0))})
			}
		}
	}
	if err != nil {
		return err
	}
	n := &Nginx{Config: cfg, Account: nginxAccount(cfg, in.Root == ""), Snippet: snippet}
	if snippet {
		wrapNginx(cfg)
		ev.Needs = append(ev.Needs, Need{in.Path, "this file has no http{} block: the main nginx.conf around it is not read, so what its http and server blocks set (auth_basic, satisfy, allow and deny, proxy_set_header, error_page) is not seen here; audit the main configuration for the whole picture"})
	}
	if snippet || in.Root != "" {
		n.Account.Known = false // the user directive is in the main file, or the accounts are the server's
	}
	ev.Skipped = append(ev.Skipped, cfg.Skipped...)
	ev.Nginx = append(ev.Nginx, n)
	nginxconf.Walk(cfg.Directives, func(d *nginxconf.Directive, _ []*nginxconf.Directive) bool {
		if (d.Name == "auth_basic_user_file" || d.Name == "auth_digest_user_file") && len(d.Args) == 1 && !strings.Contains(d.Args[0], "$") {
			if snippet && !filepath.IsAbs(d.Args[0]) {
				ev.gatherBeside(d.File, d.Args[0])
				return true
			}
			ev.gatherPasswordFile(d.File, d.Args[0], cfg.Resolve(d.Args[0]))
		}
		return true
	})
	return nil
}

// gatherBeside records facts about where a relative path would be
// beside the file that names it, for a snippet whose base directory is
// unknown.
func (ev *Evidence) gatherBeside(file, arg string) {
	b := besideFile(file, arg)
	ev.gather(b)
	ev.beside[[2]string{file, arg}] = b
}

// wrapNginx puts a snippet's directives inside the blocks nginx would
// have around them, so the checks see locations inside a server and
// servers inside http: server blocks get an http block, locations and
// server-level directives a server block too. The blocks added have no
// line (0).
func wrapNginx(cfg *nginxconf.Config) {
	inServer := false
	for _, d := range cfg.Directives {
		switch d.Name {
		case "server", "upstream", "map", "geo", "split_clients", "limit_req_zone", "limit_conn_zone", "proxy_cache_path", "log_format", "include":
		default:
			inServer = true
		}
	}
	body := cfg.Directives
	if inServer {
		body = []*nginxconf.Directive{{Name: "server", File: cfg.Main, Block: body}}
	}
	cfg.Directives = []*nginxconf.Directive{{Name: "http", File: cfg.Main, Block: body}}
}

// loadApache reads an Apache configuration, a snippet of one (a vhost or
// conf-enabled file) or an .htaccess file.
func (ev *Evidence) loadApache(in Input, src []byte) error {
	base := filepath.Base(in.Path)
	snippet := in.ServerRoot == "" && !apacheMain.Match(src) && base != "apache2.conf" && base != "httpd.conf"
	env := apacheEnv(filepath.Dir(in.Path))
	var a *Apache
	if snippet && isHtaccessName(in.Path) {
		ds, err := apacheconf.Parse(in.Path, src)
		if err != nil {
			return err
		}
		cfg := &apacheconf.Config{Main: in.Path, Directives: []*apacheconf.Directive{}, Root: in.Root}
		a = &Apache{Config: cfg, Snippet: true}
		a.Htaccess = []*Htaccess{{Path: in.Path, Dir: absPath(filepath.Dir(in.Path)), Directives: ds}}
		ev.Needs = append(ev.Needs, Need{in.Path, "whether AllowOverride lets this .htaccess apply (AuthConfig for Auth* and Require, FileInfo for Rewrite* and Header, or All) is set in the main configuration for its directory: audit the server's configuration, or a copied tree with --root"})
	} else {
		cfg, err := apacheconf.ParseFile(in.Path, apacheconf.Options{ServerRoot: in.ServerRoot, Env: env, Root: in.Root, Lenient: snippet})
		if err != nil {
			return err
		}
		a = &Apache{Config: cfg, Account: apacheAccount(cfg, in.Root == ""), Snippet: snippet}
		if !snippet {
			a.Htaccess = findHtaccess(cfg)
		}
	}
	if in.Root != "" {
		a.Account.Known = false
	}
	if snippet {
		ev.Needs = append(ev.Needs, Need{in.Path, "the modules loaded are set in the main configuration: every <IfModule> here was taken as true"})
		if hasDirective(a, "Require") {
			ev.Needs = append(ev.Needs, Need{in.Path, "sections of the main configuration that match the same paths (<Directory>, <Location>) may merge with or replace these Require lines: audit the main configuration for the effective authorization"})
		}
	}
	ev.Apache = append(ev.Apache, a)
	visit := func(d *apacheconf.Directive, _ []*apacheconf.Directive) bool {
		if d.Is("AuthUserFile") && len(d.Args) == 1 {
			if snippet && !filepath.IsAbs(d.Args[0]) {
				ev.gatherBeside(d.File, d.Args[0])
				return true
			}
			ev.gatherPasswordFile(d.File, d.Args[0], a.Config.Resolve(d.Args[0]))
		}
		return true
	}
	apacheconf.Walk(a.Config.Directives, visit)
	for _, h := range a.Htaccess {
		apacheconf.Walk(h.Directives, visit)
	}
	return nil
}

// isHtaccessName reports the names .htaccess files have (AccessFileName
// is rarely changed; copies are often named htaccess or x.htaccess).
func isHtaccessName(path string) bool {
	b := strings.ToLower(filepath.Base(path))
	return b == ".htaccess" || b == "htaccess" || strings.HasSuffix(b, ".htaccess") || strings.HasPrefix(b, ".htaccess")
}

// hasDirective reports whether the configuration or its .htaccess files
// hold a directive named name.
func hasDirective(a *Apache, name string) bool {
	found := false
	fn := func(d *apacheconf.Directive, _ []*apacheconf.Directive) bool {
		found = found || d.Is(name)
		return !found
	}
	apacheconf.Walk(a.Config.Directives, fn)
	for _, h := range a.Htaccess {
		apacheconf.Walk(h.Directives, fn)
	}
	return found
}

// includeMayChange are the causes whose findings depend on what other
// blocks of the server set: a location exempting ACME or health paths,
// proxy_set_header lines inherited or included.
var includeMayChange = map[catalog.ID]bool{catalog.ServerAuthScope: true, catalog.ProxyForwardedHeaders: true}

// unreadIncludes caps at info the findings of includeMayChange's causes
// inside a server block (or a snippet's whole text) that holds an include
// the audit could not read: what that file sets (an ACME exemption,
// proxy_set_header) may change the finding, so it is not claimed as a
// warning.
func unreadIncludes(ev *Evidence, fs []Finding) {
	type span struct {
		file     string
		from, to int
		include  string
	}
	var spans []span
	for _, n := range ev.Nginx {
		if len(n.Config.Unread) == 0 {
			continue
		}
		unread := map[*nginxconf.Directive]bool{}
		for _, d := range n.Config.Unread {
			unread[d] = true
		}
		nginxconf.Walk(n.Config.Directives, func(d *nginxconf.Directive, parents []*nginxconf.Directive) bool {
			if !unread[d] {
				return true
			}
			sp := span{file: d.File, from: 0, to: int(^uint(0) >> 1), include: d.Arg(0)}
			for i := len(parents) - 1; i >= 0; i-- {
				if p := parents[i]; p.Name == "server" && p.Line > 0 {
					sp.from, sp.to = p.Line, lastLine(p)
					break
				}
			}
			spans = append(spans, sp)
			return true
		})
	}
	for i := range fs {
		f := &fs[i]
		for _, sp := range spans {
			if includeMayChange[f.Cause] && f.Location.File == sp.file && f.Location.Line >= sp.from && f.Location.Line <= sp.to && SeverityRank(f.Severity) > SeverityRank(catalog.Info) {
				f.Severity = catalog.Info
				f.Detail += fmt.Sprintf(" (not claimed as a warning: include %s, which was not read, may change this)", sp.include)
				break
			}
		}
	}
}

// lastLine is the last line a block's directives reach.
func lastLine(d *nginxconf.Directive) int {
	last := d.Line
	nginxconf.Walk(d.Block, func(c *nginxconf.Directive, _ []*nginxconf.Directive) bool {
		last = max(last, c.Line)
		return true
	})
	return last
}
