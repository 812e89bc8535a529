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
	// authType is "basic", "digest" or "" (unset); realm is the
	// AuthName (auth_basic's argument) and realmAt where it is set.
	authType string
	realm    string
	realmAt  Location
	scope    ascope // the Apache scope naming the file
}

func userFiles(ev *Evidence) []userFile {
	var out []userFile
	for _, n := range ev.Nginx {
		for _, s := range n.allScopes() {
			for _, d := range s.own("auth_basic_user_file") {
				if len(d.Args) != 1 || strings.Contains(d.Args[0], "$") {
					continue
				}
				uf := userFile{server: KindNginx, d: loc(d.File, d.Line), arg: d.Args[0], path: n.Config.Resolve(d.Args[0]), base: n.Config.Prefix, account: n.Account, authType: "basic"}
				if a := s.find("auth_basic"); a != nil {
					uf.realm, uf.realmAt = a.Arg(0), loc(a.File, a.Line)
				}
				out = append(out, uf)
			}
		}
	}
	for _, a := range ev.Apache {
		for _, s := range apacheScopes(a) {
			ufs := s.named("AuthUserFile")
			if len(ufs) == 0 {
				continue
			}
			// A file under authorization that never asks for a user
			// (Require all granted, Require ip alone) is never read.
			if eff := s.effectiveAuthz(); eff.known && !eff.result.user {
				continue
			}
			uf := userFile{server: KindApache, base: a.Config.ServerRoot, account: a.Account, scope: s}
			if t := s.inherited("AuthType"); len(t) > 0 {
				uf.authType = strings.ToLower(t[0].Arg(0))
			}
			if n := s.inherited("AuthName"); len(n) > 0 {
				uf.realm, uf.realmAt = n[0].Arg(0), loc(n[0].File, n[0].Line)
			}
			for _, d := range ufs {
				if len(d.Args) != 1 {
					continue
				}
				u := uf
				u.d, u.arg, u.path = loc(d.File, d.Line), d.Args[0], apacheconf.Resolve(a.Config.ServerRoot, d.Args[0])
				out = append(out, u)
			}
		}
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
		case f.NotInCopy:
			report(catalog.Info, nil, "password file %s is not in the copy of the configuration audited (looked up inside it), so it was not checked", uf.path)
			continue
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
		if uf.server == KindApache && (uf.authType == "digest" || f.Password.IsDigest()) {
			digestFile(p, uf, f)
			continue
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

// digestFile checks an htdigest file, or a file named where AuthType
// Digest reads one: the format, the hashes and that the realm of the
// entries is the AuthName, since mod_auth_digest looks a user up by name
// and realm.
func digestFile(p *Pass, uf userFile, f *FileFacts) {
	report := func(sev catalog.Severity, line int, format string, args ...any) {
		rel := []Location{loc(uf.path, line)}
		if uf.realmAt.File != "" {
			rel = append(rel, uf.realmAt)
		}
		p.Report(Finding{Cause: catalog.ServerHtpasswdHash, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: uf.d, Related: rel, Server: uf.server})
	}
	pf := f.Password
	if uf.authType == "digest" && !uf.scope.cond.loaded("auth_digest") {
		report(catalog.Error, 0, "AuthType Digest, but mod_auth_digest is not loaded: Apache answers 500 to every request here (a2enmod auth_digest)")
	}
	if uf.authType != "digest" {
		report(catalog.Error, 0, "%s is an htdigest file (user:realm:hash) but AuthType is %s: Apache takes the realm field for the password hash, so every login fails; use AuthType Digest, or make an htpasswd file (why401 htpasswd add)", uf.path, orUnset(uf.authType))
		return
	}
	if !pf.IsDigest() {
		if len(pf.Entries()) > 0 {
			report(catalog.Error, pf.Entries()[0].Line, "AuthType Digest reads %s as an htdigest file (user:realm:hash), but it is in htpasswd format (user:hash): every login fails; make it with htdigest -c %s %q USER", uf.path, uf.path, uf.realm)
		}
		return
	}
	realms := map[string]int{}
	var order []string
	seen := map[[2]string]int{}
	for _, e := range pf.DigestEntries() {
		if realms[e.Realm] == 0 {
			order = append(order, e.Realm)
		}
		realms[e.Realm]++
		k := [2]string{e.User, e.Realm}
		if at, dup := seen[k]; dup {
			report(catalog.Warning, e.Line, "%s:%d: user %q in realm %q is listed again (first on line %d); Apache uses the first line only", uf.path, e.Line, e.User, e.Realm, at)
		} else {
			seen[k] = e.Line
		}
	}
	if uf.realm != "" && realms[uf.realm] == 0 {
		report(catalog.Error, 0, "no user of %s is in realm %q (AuthName): its realms are %q; Digest hashes include the realm, so every login fails until AuthName and the file's realm are the same (htdigest %s %q USER)", uf.path, uf.realm, order, uf.path, uf.realm)
	}
}

func orUnset(s string) string {
	if s == "" {
		return "not set"
	}
	return s
}
