package audit

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/servertest"
)

// The password files in testdata/lone are audited on their own, as
// `why401 audit FILE` does: NAME.* must yield exactly the findings its
// markers name and NAME_fp.* none. `# want "cause"` refers to the next
// line that is not a comment, `# want-next "cause"` to the next line
// whatever it is, `# want-file "cause"` to the file as a whole. A name holding .nginx. or .apache. is audited for that server
// (--software), others for both.

var (
	wantFileRE = regexp.MustCompile(`#\s*want-file\s+((?:"[^"]+"\s*)+)`)
	wantNextRE = regexp.MustCompile(`#\s*want-next\s+((?:"[^"]+"\s*)+)`)
)

func loneFixtures(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "lone", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no lone fixtures: %v", err)
	}
	return files
}

func TestLoneFixtures(t *testing.T) {
	for _, path := range loneFixtures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			abs, _ := filepath.Abs(path)
			kind := KindAuto
			switch base := filepath.Base(path); {
			case strings.Contains(base, ".nginx."):
				kind = KindNginx
			case strings.Contains(base, ".apache."):
				kind = KindApache
			}
			ev, err := Load([]Input{{Path: abs, Kind: kind}})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(ev.Lone) != 1 {
				t.Fatalf("not read as a password file: %d lone files", len(ev.Lone))
			}
			treeRelative(t, ev)
			got, err := Run(All, ev)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, m := range readWants(t, abs) {
				want[m.String()] = true
			}
			b, _ := os.ReadFile(abs)
			for i, l := range strings.Split(string(b), "\n") {
				for line, re := range map[int]*regexp.Regexp{0: wantFileRE, i + 2: wantNextRE} {
					if m := re.FindStringSubmatch(l); m != nil {
						for _, q := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m[1], -1) {
							want[mark{abs, line, q[1]}.String()] = true
						}
					}
				}
			}
			if strings.Contains(filepath.Base(path), "_fp.") && len(want) > 0 {
				t.Fatal("a _fp fixture has want markers")
			}
			compareMarks(t, got, want)
			if len(ev.Needs) == 0 {
				t.Error("no needs: a password file alone cannot tell its realm or AuthType")
			}
		})
	}
}

// TestLoneFixturePairs: every lone fixture has its near miss.
func TestLoneFixturePairs(t *testing.T) {
	files := loneFixtures(t)
	for _, f := range files {
		base := filepath.Base(f)
		if strings.Contains(base, "_fp.") {
			continue
		}
		name, _, _ := strings.Cut(base, ".")
		if m, _ := filepath.Glob(filepath.Join("testdata", "lone", name+"_fp.*")); len(m) == 0 {
			t.Errorf("%s has no %s_fp.* near miss", base, name)
		}
	}
}

// The mode and owner of a password file alone: writable by all is
// reported, unreadable by every web server account on the machine too,
// and a byte order mark before the first user.
func TestLoneModes(t *testing.T) {
	worker, _ := stranger(t)
	dir := servertest.TempDir(t)
	hash := "$2y$05$LObRRm5NNdr2kinvE.4OYewQAc1xyQ.73VZu7.1hafmfnPjhpkfj6"
	run := func(path string, accounts ...Account) []Finding {
		t.Helper()
		ev, err := Load([]Input{{Path: path}})
		if err != nil {
			t.Fatal(err)
		}
		ev.Lone[0].Accounts = accounts
		fs, err := Run(All, ev)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	details := func(fs []Finding) string {
		var s []string
		for _, f := range fs {
			s = append(s, string(f.Severity)+" "+string(f.Cause)+": "+f.Detail)
		}
		return strings.Join(s, "\n")
	}
	acct := resolveAccount(worker, "")
	open := write(t, filepath.Join(dir, "open.htpasswd"), "alice:"+hash+"\n", 0o666)
	if d := details(run(open, acct)); !strings.Contains(d, "warning server.htpasswd-file") || !strings.Contains(d, "writable by every account") {
		t.Errorf("mode 0666:\n%s", d)
	}
	shut := write(t, filepath.Join(dir, "shut.htpasswd"), "alice:"+hash+"\n", 0o600)
	if d := details(run(shut, acct)); !strings.Contains(d, "cannot be read by the web server accounts on this machine ("+worker+")") {
		t.Errorf("mode 0600:\n%s", d)
	}
	fine := write(t, filepath.Join(dir, "fine.htpasswd"), "alice:"+hash+"\n", 0o644)
	if fs := run(fine, acct); len(fs) != 0 {
		t.Errorf("mode 0644: %s", details(fs))
	}
	bom := write(t, filepath.Join(dir, "bom.htpasswd"), "\ufeffalice:"+hash+"\nbob:"+hash+"\n", 0o644)
	fs := run(bom, acct)
	if len(fs) != 1 || fs[0].Cause != catalog.ServerHtpasswdFile || fs[0].Location.Line != 1 || fs[0].Severity != catalog.Error {
		t.Errorf("BOM: %s", details(fs))
	}
	bomComment := write(t, filepath.Join(dir, "bomc.htpasswd"), "\ufeff# staff\nalice:"+hash+"\n", 0o644)
	if fs := run(bomComment, acct); len(fs) != 0 {
		t.Errorf("BOM before a comment: %s", details(fs))
	}
}

// An empty file named like a password file is one, with no users.
func TestEmptyPasswordFile(t *testing.T) {
	dir := servertest.TempDir(t)
	empty := write(t, filepath.Join(dir, ".htpasswd-staff"), "# staff\n", 0o644)
	fs := audit(t, Input{Path: empty})
	if len(fs) != 1 || fs[0].Severity != catalog.Error || !strings.Contains(fs[0].Detail, "lists no users") {
		t.Errorf("findings: %+v", fs)
	}
	conf := write(t, filepath.Join(dir, "empty.conf"), "# nothing\n", 0o644)
	if _, err := Load([]Input{{Path: conf}}); err == nil {
		t.Error("an empty .conf was taken for a password file")
	}
}

// isPasswordText tells password files from configurations by content.
func TestIsPasswordText(t *testing.T) {
	for text, want := range map[string]bool{
		"alice:$apr1$x$y\n":                              true,
		"# users\n\nalice:x\nbob\n":                      true,
		"alice:Staff:5de87b39f5ce360e4597cdea94773d6e\n": true,
		"\ufeffalice:x\r\n":                              true,
		"server {\n listen 80;\n}\n":                     false,
		"AuthType Basic\nAuthName \"a:b\"\n":             false,
		"Header set X-A: b\n":                            false,
		"Listen 127.0.0.1:80\n":                          false,
		"location /a { return 200; }\n":                  false,
		"# only a comment\n":                             false,
		"RewriteEngine\nfoo\nbar:x\n":                    false,
	} {
		if got := isPasswordText([]byte(text)); got != want {
			t.Errorf("isPasswordText(%q) = %v, want %v", text, got, want)
		}
	}
}

// loneCorpus returns the findings of the files audited alone (testdata/lone
// and testdata/snippet), for the severity policy.
func loneCorpus(t *testing.T) []Finding {
	t.Helper()
	tree, _ := filepath.Abs(filepath.Join("testdata", "snippet", "tree"))
	var out []Finding
	for _, p := range append(loneFixtures(t), snippetFixtures(t)...) {
		abs, _ := filepath.Abs(p)
		in := Input{Path: abs}
		switch {
		case strings.Contains(abs, ".nginx.") || strings.Contains(abs, "/nginx/"):
			in.Kind = KindNginx
		case strings.Contains(abs, "/snippet/"):
			in.Kind = KindApache
		}
		if strings.HasPrefix(abs, tree+string(filepath.Separator)) {
			in.Root = tree
		}
		ev, err := Load([]Input{in})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		treeRelative(t, ev)
		fs, _ := Run(All, ev)
		out = append(out, fs...)
	}
	return out
}
