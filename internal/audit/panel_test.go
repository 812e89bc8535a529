package audit

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
)

// panelTrees are configuration trees as hosting panels write them, under
// testdata/panel (paths relative, so they work from any checkout), and
// near misses that look alike but are no panel's. regenerated lists the
// places (file relative to the tree, line) whose findings must warn that
// the panel writes them again; every other finding of a panel's tree
// must not.
var panelTrees = []struct {
	main        string
	kind        Kind
	panel       string // the tag every panel fix must carry; "" for a near miss
	regenerated []string
}{
	{"cpanel/etc/apache2/conf/httpd.conf", KindApache, "cpanel", []string{
		"etc/apache2/conf/httpd.conf:16",             // the generated main file (its header)
		"home/alice/public_html/private/.htaccess:8", // inside Directory Privacy's -cp:ppd section
	}},
	{"plesk/etc/nginx/nginx.conf", KindNginx, "plesk", []string{
		"var/www/vhosts/system/example.com/conf/nginx.conf:13", // the password file under pd/
		"var/www/vhosts/system/example.com/conf/nginx.conf:21", // the generated vhost file
	}},
	{"directadmin/etc/httpd/conf/httpd.conf", KindApache, "directadmin", []string{
		"usr/local/directadmin/data/users/bob/httpd.conf:8",            // generated from the templates
		"home/bob/domains/example.org/public_html/members/.htaccess:2", // the password file under .htpasswd/
	}},
	{"lookalike-apache/apache2.conf", KindApache, "", nil},
	{"lookalike-nginx/nginx.conf", KindNginx, "", nil},
}

func panelTag(fx catalog.Fix) string {
	for _, t := range fx.Tags() {
		if slices.Contains(catalog.PanelTags, t) {
			return t
		}
	}
	return ""
}

func TestPanels(t *testing.T) {
	for _, tree := range panelTrees {
		t.Run(tree.main, func(t *testing.T) {
			main := filepath.Join("testdata", "panel", tree.main)
			root, _ := filepath.Abs(filepath.Join("testdata", "panel", strings.SplitN(tree.main, "/", 2)[0]))
			if !testing.Short() {
				acceptedByServer(t, tree.kind, main)
			}
			got, read := auditFixture(t, tree.kind, main)
			if !testing.Short() {
				for _, f := range read {
					if filepath.Base(f) == ".htaccess" {
						acceptedHtaccess(t, f)
					}
				}
			}
			// The want markers, as in TestFixtures.
			var want, have []string
			for _, f := range read {
				for _, m := range readWants(t, f) {
					want = append(want, m.String())
				}
			}
			for _, f := range got {
				have = append(have, mark{f.Location.File, f.Location.Line, string(f.Cause)}.String())
			}
			sort.Strings(want)
			sort.Strings(have)
			if !slices.Equal(want, have) {
				t.Errorf("findings %v, want %v", have, want)
			}
			for _, f := range got {
				rel, _ := filepath.Rel(root, f.Location.File)
				at := filepath.ToSlash(rel) + ":" + itoa(f.Location.Line)
				owner := f.Fixes[catalog.SiteOwner]
				var panelFixes, warnings int
				for _, fx := range owner {
					tag := panelTag(fx)
					if tag == "" {
						continue
					}
					panelFixes++
					if tag != tree.panel {
						t.Errorf("%s: %s shows a fix for %s: %q", at, f.Cause, tag, fx.Text)
					}
					if strings.Contains(fx.Text, "again from its own settings") || strings.Contains(fx.Text, "not by hand, or the panel overwrites") {
						warnings++
					}
				}
				if tree.panel == "" {
					if len(f.Evidence) > 0 && strings.Contains(strings.Join(f.Evidence, " "), "recognised by") {
						t.Errorf("%s: a near miss is recognised as a panel's: %v", at, f.Evidence)
					}
					continue
				}
				hasPanelFix := false
				for _, fx := range catalog.MustLookup(f.Cause).Fixes[catalog.SiteOwner] {
					hasPanelFix = hasPanelFix || panelTag(fx) == tree.panel
				}
				if (hasPanelFix || warnings > 0) && (panelFixes == 0 || panelTag(owner[0]) != tree.panel) {
					t.Errorf("%s: %s: the first owner fix is not %s's: %+v", at, f.Cause, tree.panel, owner)
				}
				if wantWarn := slices.Contains(tree.regenerated, at); (warnings > 0) != wantWarn {
					t.Errorf("%s: %s: %d warnings that %s writes the place again, want %v", at, f.Cause, warnings, tree.panel, wantWarn)
				}
			}
			// The screens the brief's readers are sent to are named.
			if tree.panel != "" {
				screen := map[string]string{"cpanel": "cPanel > Files > Directory Privacy", "directadmin": "DirectAdmin > Advanced Features > Password Protected Directories",
					"plesk": "Plesk > Websites & Domains > Password-Protected Directories"}[tree.panel]
				named := false
				for _, f := range got {
					for _, fx := range f.Fixes[catalog.SiteOwner] {
						named = named || strings.Contains(fx.Text, screen)
					}
				}
				if !named {
					t.Errorf("no fix names %q", screen)
				}
			}
		})
	}
}

// A panel's fix fits only where that panel was recognised; it never
// shows in a context that names no panel (the probe, a plain server).
func TestPanelFixesNeedThePanel(t *testing.T) {
	fx := catalog.Fix{Text: "In cPanel > Files > Directory Privacy, add the user again.", For: []string{"cpanel"}}
	if fx.Fits(catalog.FixContext{}) || fx.Fits(catalog.FixContext{Software: []string{"apache"}}) || fx.Fits(catalog.FixContext{Software: []string{"plesk"}}) {
		t.Error("a cPanel fix fits where cPanel is not known")
	}
	if !fx.Fits(catalog.FixContext{Software: []string{"apache", "cpanel"}}) {
		t.Error("a cPanel fix does not fit a cPanel server")
	}
	words := catalog.Fix{Text: "Open Plesk > Websites & Domains."}
	if words.Fits(catalog.FixContext{Software: []string{"nginx"}}) {
		t.Error("a fix whose words name Plesk fits a plain nginx")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestRecognisePaths: each panel path pattern, and near misses that look
// alike, by path alone (the files need not exist).
func TestRecognisePaths(t *testing.T) {
	tests := []struct {
		path      string
		tag       string // "" for none
		generated bool
	}{
		{"/etc/apache2/conf.d/userdata/std/2_4/alice/example.com/auth.conf", "cpanel", false},
		{"/usr/local/apache/conf/userdata/ssl/2/alice/example.com/x.conf", "cpanel", false},
		{"/etc/apache2/conf.d/includes/pre_virtualhost_global.conf", "cpanel", false},
		{"/etc/nginx/conf.d/users/alice.conf", "cpanel", true},
		{"/etc/nginx/conf.d/users/alice/example.com/custom.conf", "cpanel", false},
		{"/home/alice/.htpasswds/public_html/private/passwd", "cpanel", true},
		{"/srv/copy/home2/alice/.htpasswds/passwd", "cpanel", true},
		{"/var/www/vhosts/system/example.com/conf/vhost_nginx.conf", "plesk", false},
		{"/var/www/vhosts/system/example.com/conf/vhost_ssl.conf", "plesk", false},
		{"/var/www/vhosts/system/example.com/conf/last_nginx.conf", "plesk", true},
		{"/etc/nginx/plesk.conf.d/vhosts/example.com.conf", "plesk", true},
		{"/etc/apache2/plesk.conf.d/roundcube.conf", "plesk", true},
		{"/var/www/vhosts/system/example.com/pd/d..httpdocs@private", "plesk", true},
		{"/usr/local/directadmin/data/users/bob/httpd.conf", "directadmin", true},
		{"/usr/local/directadmin/data/users/bob/nginx.conf", "directadmin", true},
		{"/home/bob/domains/example.org/.htpasswd/public_html/members/.htpasswd", "directadmin", true},
		// Near misses.
		{"/etc/apache2/conf.d/security.conf", "", false},
		{"/etc/nginx/conf.d/default.conf", "", false},
		{"/home/alice/.htpasswd", "", false},
		{"/home/alice/htpasswds/passwd", "", false},
		{"/var/www/vhosts/example.com/conf/nginx.conf", "", false},
		{"/var/www/vhosts/example.com/pd/private", "", false},
		{"/usr/local/directadmin/conf/directadmin.conf", "", false},
		{"/home/bob/domains/example.org/htpasswd/members", "", false},
	}
	for _, tt := range tests {
		got := recogniseFile(tt.path)
		switch {
		case tt.tag == "" && len(got) > 0:
			t.Errorf("%s: recognised as %s's (%s)", tt.path, got[0].Panel.Name, got[0].Role)
		case tt.tag != "" && len(got) == 0:
			t.Errorf("%s: not recognised, want %s", tt.path, tt.tag)
		case tt.tag != "" && (got[0].Panel.Tag != tt.tag || got[0].Generated != tt.generated):
			t.Errorf("%s: %s generated=%v, want %s generated=%v", tt.path, got[0].Panel.Tag, got[0].Generated, tt.tag, tt.generated)
		}
	}
}

// TestPanelHeaders: the generated-file headers are read from a file's
// first lines, and a look-alike header is not taken for a panel's.
func TestPanelHeaders(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, head, tag string
	}{
		{"httpd.conf", "#\n# DO NOT EDIT. AUTOMATICALLY GENERATED. USE INCLUDE FILES IF YOU NEED TO MAKE A CHANGE\n", "cpanel"},
		{"nginx.conf", "#ATTENTION!\n#\n#DO NOT MODIFY THIS FILE BECAUSE IT WAS GENERATED AUTOMATICALLY,\n", "plesk"},
		{"nginx.conf", "# DO NOT MODIFY: written by our deploy script\n", ""},
		{"httpd.conf", "ServerName x\n# DO NOT EDIT. AUTOMATICALLY GENERATED would be a comment, but not in the header\n" + strings.Repeat("#\n", 40), ""},
	} {
		sub, _ := os.MkdirTemp(dir, "h")
		p := filepath.Join(sub, tt.name)
		if err := os.WriteFile(p, []byte(tt.head), 0o644); err != nil {
			t.Fatal(err)
		}
		got := recogniseFile(p)
		switch {
		case tt.tag == "" && len(got) > 0:
			t.Errorf("%q: recognised as %s's", tt.head, got[0].Panel.Name)
		case tt.tag != "" && (len(got) == 0 || got[0].Panel.Tag != tt.tag || !got[0].Generated):
			t.Errorf("%q: %+v, want generated by %s", tt.head, got, tt.tag)
		}
	}
}
