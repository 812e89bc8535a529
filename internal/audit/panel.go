package audit

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/why401/why401/internal/apacheconf"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/nginxconf"
)

// Panel is a hosting control panel that writes web server configuration
// and password files for its users: what the audit calls it, the catalog
// tag its fixes carry (catalog.PanelTags) and the screen where its users
// protect directories.
type Panel struct {
	Tag     string
	Name    string
	Protect string
}

// The panels the audit recognises.
var (
	CPanel      = &Panel{Tag: "cpanel", Name: "cPanel", Protect: "cPanel > Files > Directory Privacy"}
	DirectAdmin = &Panel{Tag: "directadmin", Name: "DirectAdmin", Protect: "DirectAdmin > Advanced Features > Password Protected Directories"}
	Plesk       = &Panel{Tag: "plesk", Name: "Plesk", Protect: "Plesk > Websites & Domains > Password-Protected Directories"}
)

// PanelFile is what the audit knows of a file (or a section of one) that
// a panel writes.
type PanelFile struct {
	Panel *Panel
	// Role says what the file is to the panel, as a phrase: "a virtual
	// host file Plesk generates".
	Role string
	// Generated is set when the panel writes the file (or the section
	// From..To) again from its own settings, so hand edits are lost.
	Generated bool
	// From and To bound the lines of a section the panel manages (both
	// 0: the whole file).
	From, To int
	// Instead says where a change belongs instead of a generated file.
	Instead string
	// Shown is what recognised it: the path's pattern or the header line.
	Shown string
}

// covers reports whether the recognition applies at line.
func (pf *PanelFile) covers(line int) bool {
	return pf.From == 0 || (line >= pf.From && line <= pf.To)
}

// panelPath is a path pattern that shows a panel's file; the patterns
// match anywhere in the slash-separated absolute path, so a tree copied
// from a server into a repository is recognised too.
type panelPath struct {
	re        *regexp.Regexp
	panel     *Panel
	role      string
	generated bool
	instead   string
}

const (
	cpanelInstead = "cPanel's include files, which survive a rebuild: /etc/apache2/conf.d/includes/pre_virtualhost_global.conf or post_virtualhost_global.conf " +
		"(WHM > Service Configuration > Apache Configuration > Include Editor), or one site's /etc/apache2/conf.d/userdata/std/2_4/USER/DOMAIN/*.conf " +
		"(ssl/2_4 for HTTPS), then /usr/local/cpanel/scripts/rebuildhttpdconf"
	cpanelNginxInstead = "the site's own include directory /etc/nginx/conf.d/users/USER/DOMAIN/, which the rebuild keeps"
	pleskInstead       = "the site's Additional directives in Plesk > Websites & Domains > Apache & nginx Settings, which Plesk keeps in /var/www/vhosts/system/DOMAIN/conf/vhost.conf, vhost_ssl.conf and vhost_nginx.conf"
	daInstead          = "DirectAdmin > Server Manager > Custom HTTPD Configurations, which DirectAdmin keeps per domain (/usr/local/directadmin/data/users/USER/domains/DOMAIN.cust_httpd or .cust_nginx) and writes into every rebuild, or a custom template in /usr/local/directadmin/data/templates/custom/"
)

var panelPaths = []panelPath{
	// cPanel (EasyApache 4, and EasyApache 3's /usr/local/apache).
	{regexp.MustCompile(`/(etc/apache2|usr/local/apache)/conf\.d/userdata/`), CPanel, "a per-site include file of cPanel's Apache", false, ""},
	{regexp.MustCompile(`/usr/local/apache/conf/userdata/`), CPanel, "a per-site include file of cPanel's Apache", false, ""},
	{regexp.MustCompile(`/etc/apache2/conf\.d/includes/(pre|post)_\w+\.conf$`), CPanel, "an include file of cPanel's Apache", false, ""},
	{regexp.MustCompile(`/etc/nginx/conf\.d/users/[^/]+\.conf$`), CPanel, "a user's server blocks cPanel's ea-nginx generates", true, cpanelNginxInstead},
	{regexp.MustCompile(`/etc/nginx/conf\.d/users/[^/]+/[^/]+/`), CPanel, "a per-site include file of cPanel's ea-nginx", false, ""},
	{regexp.MustCompile(`/home\d*/[^/]+/\.htpasswds/`), CPanel, "a password file cPanel's Directory Privacy writes", true, CPanel.Protect},
	// Plesk.
	{regexp.MustCompile(`/var/www/vhosts/system/[^/]+/conf/vhost(_ssl|_nginx)?\.conf$`), Plesk, "the Additional directives of a Plesk site", false, ""},
	{regexp.MustCompile(`/var/www/vhosts/system/[^/]+/conf/[^/]+\.conf$`), Plesk, "a virtual host file Plesk generates", true, pleskInstead},
	{regexp.MustCompile(`/etc/(nginx|apache2|httpd/conf)/plesk\.conf\.d/`), Plesk, "a configuration file Plesk generates", true, pleskInstead},
	{regexp.MustCompile(`/var/www/vhosts/system/[^/]+/pd/`), Plesk, "a password file of Plesk's Password-Protected Directories", true, Plesk.Protect},
	// DirectAdmin.
	{regexp.MustCompile(`/usr/local/directadmin/data/users/[^/]+/(httpd|nginx|nginx_php|openlitespeed)\.conf$`), DirectAdmin, "a user's virtual hosts DirectAdmin generates from its templates", true, daInstead},
	{regexp.MustCompile(`/home\d*/[^/]+/domains/[^/]+/\.htpasswd/`), DirectAdmin, "a password file DirectAdmin's Password Protected Directories writes", true, DirectAdmin.Protect},
}

// panelHints are parts of every path panelPaths match: a path without
// any is not tried against the patterns (a hosting server's audit reads
// tens of thousands of files).
var panelHints = []string{"/userdata/", "/conf.d/", "/.htpasswd", "/vhosts/system/", "plesk.conf.d", "/directadmin/"}

// Header lines that show a generated file, read from its first lines.
var panelHeaders = []struct {
	marker  string
	panel   *Panel
	role    string
	instead string
}{
	{"DO NOT EDIT. AUTOMATICALLY GENERATED", CPanel, "the Apache configuration cPanel generates", cpanelInstead},
	{"DO NOT MODIFY THIS FILE BECAUSE IT WAS GENERATED AUTOMATICALLY", Plesk, "a configuration file Plesk generates", pleskInstead},
}

// cPanel marks the .htaccess lines Directory Privacy manages with a
// trailing "-cp:ppd" on the comment lines around them.
const cpanelSection = "cp:ppd"

// headerBytes is how much of a file is read for a header marker.
const headerBytes = 2048

// recognisePanels finds the files of hosting panels among the files the
// configurations were read from, the .htaccess files and the password
// files they name, and the password-file directives that name a panel's
// password file.
func (ev *Evidence) recognisePanels() {
	ev.Panels = map[string][]PanelFile{}
	ev.panelAt = map[Location]*PanelFile{}
	files := ev.ConfigFiles()
	for p := range ev.Files {
		files = append(files, p)
	}
	for _, f := range files {
		if _, done := ev.Panels[f]; done {
			continue
		}
		if pf := recogniseFile(f); len(pf) > 0 {
			ev.Panels[f] = pf
		}
	}
	// A configuration belongs to the panel one of its files shows: every
	// finding in it gets that panel's fixes.
	ev.panelConfig = map[string]*Panel{}
	belong := func(files []string) {
		var p *Panel
		for _, f := range files {
			if pfs := ev.Panels[f]; len(pfs) > 0 && p == nil {
				p = pfs[0].Panel
			}
		}
		if p == nil {
			return
		}
		for _, f := range files {
			ev.panelConfig[f] = p
		}
	}
	for _, n := range ev.Nginx {
		belong(n.Config.Files)
	}
	for _, a := range ev.Apache {
		fs := slices.Clone(a.Config.Files)
		for _, h := range a.Htaccess {
			fs = append(fs, h.Path)
		}
		belong(fs)
	}
	at := func(file string, line int, path string) {
		for _, pf := range ev.Panels[path] {
			if pf.Generated && strings.Contains(pf.Role, "password file") {
				pf := pf
				ev.panelAt[loc(file, line)] = &pf
			}
		}
	}
	for _, n := range ev.Nginx {
		nginxconf.Walk(n.Config.Directives, func(d *nginxconf.Directive, _ []*nginxconf.Directive) bool {
			if d.Name == "auth_basic_user_file" && len(d.Args) == 1 {
				at(d.File, d.Line, n.Config.Resolve(d.Args[0]))
			}
			return true
		})
	}
	for _, a := range ev.Apache {
		visit := func(d *apacheconf.Directive, _ []*apacheconf.Directive) bool {
			if (d.Is("AuthUserFile") || d.Is("AuthDigestFile")) && len(d.Args) >= 1 {
				at(d.File, d.Line, apacheconf.Resolve(a.Config.ServerRoot, d.Args[len(d.Args)-1]))
			}
			return true
		}
		apacheconf.Walk(a.Config.Directives, visit)
		for _, h := range a.Htaccess {
			apacheconf.Walk(h.Directives, visit)
		}
	}
}

// recogniseFile returns what the path and, for the files a panel may
// have written, the first lines show.
func recogniseFile(path string) []PanelFile {
	slash := filepath.ToSlash(path)
	if abs, err := filepath.Abs(path); err == nil {
		slash = filepath.ToSlash(abs)
	}
	var out []PanelFile
	hinted := false
	for _, h := range panelHints {
		hinted = hinted || strings.Contains(slash, h)
	}
	for _, pp := range panelPaths {
		if !hinted {
			break
		}
		if pp.re.MatchString(slash) {
			out = append(out, PanelFile{Panel: pp.panel, Role: pp.role, Generated: pp.generated, Instead: pp.instead, Shown: "its path"})
			break // the first pattern is the most specific
		}
	}
	// Headers and managed sections are read where a panel may have
	// written them: .htaccess files, the paths above and the main
	// configuration's usual names, not every virtual host file.
	base := filepath.Base(slash)
	if len(out) == 0 && base != ".htaccess" && base != "httpd.conf" && base != "nginx.conf" {
		return out
	}
	if len(out) > 0 && strings.Contains(out[0].Role, "password file") {
		return out
	}
	head := readHead(path)
	if head == nil {
		return out
	}
	// The header is the comment block before the first directive.
	var header []string
	for _, l := range strings.Split(string(head), "\n") {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		header = append(header, l)
	}
	for _, h := range panelHeaders {
		for _, l := range header {
			if strings.Contains(strings.ToUpper(l), h.marker) {
				if len(out) > 0 && out[0].Panel == h.panel {
					out[0].Generated, out[0].Shown = true, fmt.Sprintf("its header %q", strings.Trim(strings.TrimSpace(l), "# "))
				} else {
					out = append(out, PanelFile{Panel: h.panel, Role: h.role, Generated: true, Instead: h.instead, Shown: fmt.Sprintf("its header %q", strings.Trim(strings.TrimSpace(l), "# "))})
				}
				break
			}
		}
	}
	if base == ".htaccess" {
		out = append(out, cpanelSections(path)...)
	}
	return out
}

// cpanelSections finds the sections of an .htaccess file that cPanel's
// Directory Privacy manages: the lines between its "Section managed by
// cPanel" comment block and the "End section managed by cPanel" one,
// each comment line ending in -cp:ppd.
func cpanelSections(path string) []PanelFile {
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(b, []byte(cpanelSection)) {
		return nil
	}
	var out []PanelFile
	from := 0
	for i, l := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "#") || !strings.HasSuffix(t, cpanelSection) {
			continue
		}
		lower := strings.ToLower(t)
		switch {
		case strings.Contains(lower, "end section managed by cpanel"):
			if from > 0 {
				out = append(out, PanelFile{Panel: CPanel, Role: "the section of this .htaccess cPanel's Directory Privacy manages", Generated: true,
					From: from, To: i + 1, Instead: CPanel.Protect, Shown: "its -cp:ppd comment lines"})
				from = 0
			}
		case strings.Contains(lower, "section managed by cpanel") && from == 0:
			from = i + 1
		}
	}
	return out
}

// readHead returns the first headerBytes of the file, or nil.
func readHead(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, headerBytes)
	n, err := io.ReadFull(f, b)
	if n == 0 && err != nil {
		return nil
	}
	return b[:n]
}

// panelOf returns the panel whose configuration a finding is in, and
// what is known of the place: a recognised file at its location (a
// generated file or section first), a password-file directive naming a
// panel's password file there, or a related place in a panel's file.
func (ev *Evidence) panelOf(f *Finding) (*Panel, *PanelFile) {
	pf := ev.panelPlace(f)
	if pf != nil {
		return pf.Panel, pf
	}
	return ev.panelConfig[f.Location.File], nil
}

func (ev *Evidence) panelPlace(f *Finding) *PanelFile {
	// A password file's findings are about the file the directive names.
	if f.Cause == catalog.ServerHtpasswdFile || f.Cause == catalog.ServerHtpasswdHash {
		if pf := ev.panelAt[loc(f.Location.File, f.Location.Line)]; pf != nil {
			return pf
		}
	}
	var best *PanelFile
	consider := func(pf *PanelFile) {
		if best == nil || (pf.Generated && !best.Generated) {
			best = pf
		}
	}
	for i := range ev.Panels[f.Location.File] {
		if pf := &ev.Panels[f.Location.File][i]; pf.covers(f.Location.Line) {
			consider(pf)
		}
	}
	if best == nil {
		if pf := ev.panelAt[loc(f.Location.File, f.Location.Line)]; pf != nil {
			best = pf
		}
	}
	if best == nil {
		for _, r := range f.Related {
			for i := range ev.Panels[r.File] {
				if pf := &ev.Panels[r.File][i]; pf.covers(r.Line) {
					consider(pf)
				}
			}
		}
	}
	return best
}

// attachPanels gives each finding in a panel's file the panel's fixes
// (catalog fixes written for it, first among the owner's) and, where
// the panel writes the file again, a fix saying so and where the change
// belongs instead.
func (ev *Evidence) attachPanels(fs []Finding) {
	if len(ev.Panels) == 0 {
		return
	}
	for i := range fs {
		f := &fs[i]
		panel, pf := ev.panelOf(f)
		if panel == nil {
			continue
		}
		finding.Attach(f, finding.Context{Software: []string{panel.Tag}})
		owner := f.Fixes[catalog.SiteOwner]
		slices.SortStableFunc(owner, func(a, b catalog.Fix) int {
			return boolRank(!slices.Contains(a.Tags(), panel.Tag)) - boolRank(!slices.Contains(b.Tags(), panel.Tag))
		})
		if len(owner) > 0 {
			f.Fixes[catalog.SiteOwner] = owner
		}
		if pf == nil {
			continue
		}
		where := "this file"
		switch {
		case pf.From > 0:
			where = fmt.Sprintf("lines %d-%d", pf.From, pf.To)
		case strings.Contains(pf.Role, "password file"):
			where = "the password file named here"
		}
		f.Evidence = append(f.Evidence, fmt.Sprintf("%s: %s (recognised by %s)", where, pf.Role, pf.Shown))
		if pf.Generated && pf.Instead != "" {
			warn := catalog.Fix{
				Text: fmt.Sprintf("%s writes %s again from its own settings, so an edit here is lost: make the change in %s.", pf.Panel.Name, where, pf.Instead),
				For:  []string{pf.Panel.Tag},
			}
			switch {
			case strings.Contains(pf.Role, "password file"):
				warn.Text = fmt.Sprintf("%s manages the password file named here: change its users in %s, not by hand, or the panel overwrites them.", pf.Panel.Name, pf.Instead)
			case pf.Instead == pf.Panel.Protect:
				warn.Text = fmt.Sprintf("%s manages %s: change the protection in %s, not by hand, or the panel overwrites it; other directives go outside the section.", pf.Panel.Name, where, pf.Instead)
			}
			owner = append([]catalog.Fix{warn}, owner...)
		}
		if len(owner) > 0 {
			f.Fixes[catalog.SiteOwner] = owner
		}
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
