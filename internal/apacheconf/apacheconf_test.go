package apacheconf

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// dump renders directives as "line:Name[args]{...}" for comparisons.
func dump(ds []*Directive) string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(append([]string{strconv.Itoa(d.Line) + ":" + d.Name}, d.Args...), "|"))
		if d.Block != nil {
			b.WriteString("{" + dump(d.Block) + "}")
		}
	}
	return b.String()
}

var parseCases = []struct {
	name, src, want, err string
}{
	{"empty", "", "", ""},
	{"comments", "# c\n   # indented\n\nServerName x\n", "4:ServerName|x", ""},
	{"quotes", `AuthName "Staff only" 'it''s'` + "\n", `1:AuthName|Staff only|it|s`, ""},
	{"escaped quote", `Header set X "a \"b\""`, `1:Header|set|X|a "b"`, ""},
	{"not a continuation after a space", "Require user alice \\ \nX y", "1:Require|user|alice|\\ 2:X|y", ""},
	{"escaped backslash ends no line", "A b\\\\\nX y", "1:A|b\\\\ 2:X|y", ""},
	{"continuation", "Require \\\n  user alice \\\n bob\nX y", "1:Require|user|alice|bob 4:X|y", ""},
	{"sections", "<Directory /var/www>\n  AuthType Basic\n  <Files x>\n  Require valid-user\n  </Files>\n</Directory>\n",
		"1:Directory|/var/www{2:AuthType|Basic 3:Files|x{4:Require|valid-user}}", ""},
	{"case-insensitive close", "<ifmodule x>\nA b\n</IfModule>", "1:ifmodule|x{2:A|b}", ""},
	{"if expr", `<If "%{HTTP_HOST} == 'a'">` + "\nRequire all granted\n</If>", `1:If|%{HTTP_HOST} == 'a'{2:Require|all|granted}`, ""},
	{"hash inside line", "Header set X #y", "1:Header|set|X|#y", ""},
	{"unclosed", "<Location />\nA b\n", "", "<Location> was not closed"},
	{"wrong close", "<Location />\n</Directory>\n", "", "</Directory> closes <Location>"},
	{"stray close", "</Location>\n", "", "without matching"},
	{"no gt", "<Location /\n</Location>", "", "missing closing '>'"},
	{"unterminated quote", `AuthName "abc`, "", "unterminated"},
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			ds, err := Parse("t.conf", []byte(c.src))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "t.conf:") {
					t.Fatalf("err = %v, want t.conf:N: ...%s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(ds); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseFileIncludes(t *testing.T) {
	dir := t.TempDir()
	main := write(t, dir, "apache2.conf", "ServerRoot "+dir+"\nDefine SITE example\nInclude mods/*.load\nIncludeOptional sites/*.conf\nIncludeOptional none/*.conf\nInclude conf.d\n")
	write(t, dir, "mods/b.load", "LoadModule b_module x\n")
	write(t, dir, "mods/a.load", "LoadModule a_module x\n")
	write(t, dir, "sites/one.conf", "<VirtualHost *:80>\nServerName ${SITE}.org\nDocumentRoot ${UNKNOWN}/x\n</VirtualHost>\n")
	write(t, dir, "conf.d/z.conf", "Z 1\n")
	cfg, err := ParseFile(main, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	Walk(cfg.Directives, func(d *Directive, parents []*Directive) bool {
		names = append(names, filepath.Base(d.File)+":"+d.Name+"="+strings.Join(d.Args, ","))
		return true
	})
	want := "apache2.conf:ServerRoot=" + dir + " apache2.conf:Define=SITE,example apache2.conf:Include=mods/*.load a.load:LoadModule=a_module,x b.load:LoadModule=b_module,x apache2.conf:IncludeOptional=sites/*.conf one.conf:VirtualHost=*:80 one.conf:ServerName=example.org one.conf:DocumentRoot=${UNKNOWN}/x apache2.conf:IncludeOptional=none/*.conf apache2.conf:Include=conf.d z.conf:Z=1"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if len(cfg.Files) != 5 {
		t.Errorf("Files = %v", cfg.Files)
	}
}

func TestParseFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"missing.conf": "ServerRoot " + dir + "\nInclude nope.conf\n",
		"noglob.conf":  "ServerRoot " + dir + "\nInclude nope/*.conf\n",
	} {
		p := write(t, dir, name, text)
		_, err := ParseFile(p, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), p+":2: Include nope") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	loop := write(t, dir, "loop.conf", "Include "+filepath.Join(dir, "loop.conf")+"\n")
	cfg, err := ParseFile(loop, Options{})
	if err != nil || len(cfg.Warnings) != 1 {
		t.Errorf("loop: %v, warnings %v", err, cfg)
	}
	opt := write(t, dir, "opt.conf", "IncludeOptional "+filepath.Join(dir, "absent.conf")+"\n")
	cfg, err = ParseFile(opt, Options{})
	if err != nil || len(cfg.Warnings) != 1 {
		t.Errorf("optional: %v, %v", err, cfg)
	}
	if _, err := ParseFile(filepath.Join(dir, "nothere"), Options{}); err == nil {
		t.Error("missing main file: no error")
	}
}

// Under Root, ServerRoot and Includes resolve inside the copy; an Include
// outside it that the copy lacks is a warning, not an error, and this
// machine's file is never read.
func TestParseFileRoot(t *testing.T) {
	host := t.TempDir()
	write(t, host, "h.conf", "HostOnly on\n")
	root := t.TempDir()
	write(t, root, "apache2/conf-enabled/a.conf", "AuthType Basic\n")
	main := write(t, root, "apache2/apache2.conf", "ServerRoot /etc/apache2\nInclude conf-enabled/*.conf\nInclude "+host+"/h.conf\nIncludeOptional /etc/apache2/none/*.conf\n")
	cfg, err := ParseFile(main, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	Walk(cfg.Directives, func(d *Directive, _ []*Directive) bool {
		names = append(names, d.Name)
		return true
	})
	if got := strings.Join(names, " "); got != "ServerRoot Include AuthType Include IncludeOptional" {
		t.Errorf("directives: %s", got)
	}
	if cfg.ServerRoot != filepath.Join(root, "apache2") || len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0].Error(), "not in the copy") {
		t.Errorf("ServerRoot %s, warnings %v", cfg.ServerRoot, cfg.Warnings)
	}
}
