package audit

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/why401/why401/internal/apacheconf"
	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/htpasswd"
)

// PasswordFile reports password files the server cannot use.
var PasswordFile = &Check{
	Name:   "passwdfile",
	Doc:    "report password files that are missing, relative to an unexpected directory, unreadable by the server's user, or hold malformed lines",
	Causes: []catalog.ID{catalog.ServerHtpasswdFile},
	Run:    runPasswordFile,
}

// userFile is one directive naming a password file.
type userFile struct {
	server  Kind
	d       Location
	arg     string // as written
	path    string // as the server resolves it
	base    string // what a relative path resolves against
	account Account
}

func userFiles(ev *Evidence) []userFile {
	var out []userFile
	for _, n := range ev.Nginx {
		for _, s := range nginxScopes(n) {
			for _, d := range s.own("auth_basic_user_file") {
				if len(d.Args) != 1 || strings.Contains(d.Args[0], "$") {
					continue
				}
				out = append(out, userFile{KindNginx, loc(d.File, d.Line), d.Args[0], n.Config.Resolve(d.Args[0]), n.Config.Prefix, n.Account})
			}
		}
	}
	for _, a := range ev.Apache {
		a.every(func(d *adir, _ []*adir) {
			if d.Is("AuthUserFile") && len(d.Args) == 1 {
				out = append(out, userFile{KindApache, loc(d.File, d.Line), d.Args[0], apacheconf.Resolve(a.Config.ServerRoot, d.Args[0]), a.Config.ServerRoot, a.Account})
			}
		})
	}
	return out
}

func runPasswordFile(p *Pass) error {
	for _, uf := range userFiles(p.Evidence) {
		f := p.Evidence.Files[uf.path]
		if f == nil {
			continue
		}
		report := func(sev catalog.Severity, related []Location, format string, args ...any) {
			p.Report(Finding{Cause: catalog.ServerHtpasswdFile, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: uf.d, Related: related, Server: uf.server})
		}
		relative := !filepath.IsAbs(uf.arg)
		alt := p.Evidence.beside[[2]string{uf.d.File, uf.arg}]
		if a := p.Evidence.Files[alt]; a == nil || !a.Exists {
			alt = ""
		}
		switch {
		case !f.Exists && relative:
			hint := ""
			if alt != "" {
				hint = fmt.Sprintf(" (the file beside this configuration, %s, is not the one used: relative paths are not relative to the configuration file)", alt)
			}
			report(catalog.Error, nil, "password file %q is relative: %s resolves it against %s to %s, which does not exist%s; give an absolute path", uf.arg, display(uf.server), uf.base, uf.path, hint)
			continue
		case relative && alt != "":
			report(catalog.Warning, nil, "password file %q is relative: %s reads %s (against %s), not %s beside this configuration; give the absolute path of the file you mean", uf.arg, display(uf.server), uf.path, uf.base, alt)
		case !f.Exists:
			report(catalog.Error, nil, "password file %s does not exist: every request to the protected area fails", uf.path)
			continue
		case f.IsDir:
			report(catalog.Error, nil, "password file %s is a directory", uf.path)
			continue
		case f.Err != "":
			report(catalog.Error, nil, "password file %s cannot be read: %s", uf.path, f.Err)
			continue
		}
		if ok, stop := f.CanRead(uf.account); !ok {
			what := "the file"
			if stop != f.Path {
				what = "directory " + stop
			}
			at := factsAt(f, stop)
			report(catalog.Error, nil, "password file %s is not readable by %s's user %s (group %s): %s blocks it (mode %04o, owner %d:%d); every login fails", uf.path, display(uf.server), uf.account.User, uf.account.Group, what, uint32(at.Mode), at.UID, at.GID)
		}
		if f.Password == nil {
			continue
		}
		if len(f.Password.Entries()) == 0 {
			report(catalog.Error, nil, "password file %s lists no users: every login fails", uf.path)
		}
		for _, pr := range f.Password.Problems() {
			if pr.Duplicate {
				continue // passwdhash reports duplicates
			}
			report(catalog.Error, []Location{loc(uf.path, pr.Line)}, "password file %s line %d: %s", uf.path, pr.Line, pr.Msg)
		}
	}
	return nil
}

// factsAt returns the mode and owner of path, the file itself or one of
// the directories above it; an unknown path has mode 0 and owner -1:-1.
func factsAt(f *FileFacts, path string) DirFacts {
	if path == f.Path {
		return DirFacts{Path: f.Path, Mode: f.Mode, UID: f.UID, GID: f.GID}
	}
	for _, d := range f.Parents {
		if d.Path == path {
			return d
		}
	}
	return DirFacts{Path: path, UID: -1, GID: -1}
}

// PasswordHash reports hashes the server cannot check and duplicate users.
var PasswordHash = &Check{
	Name:   "passwdhash",
	Doc:    "report password-file entries whose hash the server cannot check (plain text, unknown formats), DES crypt's eight-character limit and duplicate users",
	Causes: []catalog.ID{catalog.ServerHtpasswdHash},
	Run:    runPasswordHash,
}

func runPasswordHash(p *Pass) error {
	for _, uf := range userFiles(p.Evidence) {
		f := p.Evidence.Files[uf.path]
		if f == nil || f.Password == nil {
			continue
		}
		server := htpasswd.Apache
		if uf.server == KindNginx {
			server = htpasswd.Nginx
		}
		report := func(sev catalog.Severity, line int, format string, args ...any) {
			p.Report(Finding{Cause: catalog.ServerHtpasswdHash, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: uf.d, Related: []Location{loc(uf.path, line)}, Server: uf.server})
		}
		for _, e := range f.Password.Entries() {
			if e.Hash == "" {
				continue // passwdfile reports it
			}
			k := e.Kind()
			switch {
			case k == htpasswd.Plain:
				report(catalog.Error, e.Line, "%s:%d: user %q has a plain-text password; %s on Linux compares it as a crypt(3) hash, so the right password is refused (hash it: why401 htpasswd add)", uf.path, e.Line, e.User, display(uf.server))
			case k == htpasswd.PlainTagged && !htpasswd.Supported(server, k):
				report(catalog.Error, e.Line, "%s:%d: user %q has a {PLAIN} password, which only nginx reads: Apache refuses every password (hash it with bcrypt)", uf.path, e.Line, e.User)
			case k == htpasswd.Unknown || !htpasswd.Supported(server, k):
				report(catalog.Error, e.Line, "%s:%d: user %q has a %s hash that %s cannot check, so every password is refused (use bcrypt)", uf.path, e.Line, e.User, k, display(uf.server))
			case k == htpasswd.Crypt:
				report(catalog.Warning, e.Line, "%s:%d: user %q has a DES crypt hash: only the first 8 characters of the password count (use bcrypt)", uf.path, e.Line, e.User)
			}
		}
		for _, pr := range f.Password.Problems() {
			if pr.Duplicate {
				report(catalog.Warning, pr.Line, "%s:%d: %s", uf.path, pr.Line, pr.Msg)
			}
		}
	}
	return nil
}

// display is a server's name as its project writes it.
func display(k Kind) string {
	if k == KindApache {
		return "Apache"
	}
	return string(k)
}
