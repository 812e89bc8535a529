package audit

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/why401/why401/internal/catalog"
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
	// digestOther is set when AuthType Digest looks users up with
	// another provider (AuthDigestProvider dbm, ldap...): the file is
	// not read.
	digestOther bool
}

func userFiles(ev *Evidence) []userFile {
	var out []userFile
	for _, n := range ev.Nginx {
		for _, s := range n.allScopes() {
			// auth_basic reads htpasswd files; the third-party auth_digest
			// module htdigest files.
			for _, scheme := range []string{"basic", "digest"} {
				for _, d := range s.own("auth_" + scheme + "_user_file") {
					if len(d.Args) != 1 || strings.Contains(d.Args[0], "$") {
						continue
					}
					uf := userFile{server: KindNginx, d: loc(d.File, d.Line), arg: d.Args[0], path: n.Config.Resolve(d.Args[0]), base: n.Config.Prefix, account: n.Account, authType: scheme}
					if n.Snippet && !filepath.IsAbs(uf.arg) {
						uf.path, uf.base = "", ""
					}
					if a := s.find("auth_" + scheme); a != nil {
						uf.realm, uf.realmAt = a.Arg(0), loc(a.File, a.Line)
					}
					out = append(out, uf)
				}
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
			if uf.authType == "digest" {
				uf.digestOther = !digestProviders(s)["file"]
			}
			for _, d := range ufs {
				if len(d.Args) != 1 {
					continue
				}
				u := uf
				u.d, u.arg, u.path = loc(d.File, d.Line), d.Args[0], a.Config.Resolve(d.Args[0])
				if a.Snippet && !filepath.IsAbs(u.arg) {
					u.path, u.base = "", ""
				}
				out = append(out, u)
			}
		}
	}
	return out
}

func runPasswordFile(p *Pass) error {
	for _, uf := range userFiles(p.Evidence) {
		report := func(sev catalog.Severity, related []Location, format string, args ...any) {
			p.Report(Finding{Cause: catalog.ServerHtpasswdFile, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: uf.d, Related: related, Server: uf.server})
		}
		if uf.digestOther {
			continue // the digest check says the file is not read
		}
		if uf.path == "" && uf.base == "" {
			relativeUnknownBase(p.Evidence, uf, report)
			continue
		}
		f := p.Evidence.Files[uf.path]
		if f == nil {
			continue
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
	lonePasswordFile(p)
	return nil
}

// relativeUnknownBase reports a relative password file in a file
// audited without its main configuration: the server resolves it against
// a directory that configuration sets (Apache's ServerRoot, the
// directory of nginx.conf), never against the snippet's own directory.
func relativeUnknownBase(ev *Evidence, uf userFile, report func(catalog.Severity, []Location, string, ...any)) {
	base := "ServerRoot, which the main configuration sets (/etc/apache2 on Debian, /etc/httpd on Red Hat)"
	if uf.server == KindNginx {
		base = "the directory of the main nginx.conf (/etc/nginx on Debian and Red Hat)"
	}
	beside := ev.beside[[2]string{uf.d.File, uf.arg}]
	hint := "no file of that name is beside this one either"
	if f := ev.Files[beside]; f != nil && f.Exists {
		hint = fmt.Sprintf("the file beside this one, %s, is not the one read", beside)
	}
	report(catalog.Warning, nil, "password file %q is relative: %s resolves it against %s, not against this file's directory; %s; give the absolute path of the file you mean", uf.arg, display(uf.server), base, hint)
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
		report := func(sev catalog.Severity, line int, format string, args ...any) {
			p.Report(Finding{Cause: catalog.ServerHtpasswdHash, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: uf.d, Related: []Location{loc(uf.path, line)}, Server: uf.server})
		}
		if uf.authType == "digest" || looksDigest(f.Password) {
			if !uf.digestOther {
				digestFile(p, uf, f)
			}
			continue
		}
		for _, e := range f.Password.Entries() {
			if e.Hash == "" {
				continue // passwdfile reports it
			}
			if sev, msg, ok := judgeEntry(uf.path, e, uf.server, false); ok {
				report(sev, e.Line, "%s", msg)
			}
		}
		for _, pr := range f.Password.Problems() {
			if pr.Duplicate {
				report(catalog.Warning, pr.Line, "%s:%d: %s", uf.path, pr.Line, pr.Msg)
			}
		}
	}
	lonePasswordHash(p)
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
	realmWord, typeWord := "AuthName", "AuthType Digest"
	if uf.server == KindNginx {
		realmWord, typeWord = "auth_digest", "auth_digest_user_file"
	}
	if uf.server == KindApache && uf.authType == "digest" && !uf.scope.cond.loaded("auth_digest") {
		report(catalog.Error, 0, "AuthType Digest, but mod_auth_digest is not loaded: Apache answers 500 to every request here (a2enmod auth_digest)")
	}
	if uf.authType != "digest" {
		if uf.server == KindNginx {
			report(catalog.Error, 0, "%s is an htdigest file (user:realm:hash) but auth_basic_user_file reads it as htpasswd: nginx takes the realm field for the password hash, so every login fails; make an htpasswd file (why401 htpasswd add), or use auth_digest_user_file where the auth_digest module is loaded", uf.path)
			return
		}
		report(catalog.Error, 0, "%s is an htdigest file (user:realm:hash) but AuthType is %s: Apache takes the realm field for the password hash, so every login fails; use AuthType Digest, or make an htpasswd file (why401 htpasswd add)", uf.path, orUnset(uf.authType))
		return
	}
	if !looksDigest(pf) {
		if len(pf.Entries()) > 0 {
			report(catalog.Error, pf.Entries()[0].Line, "%s reads %s as an htdigest file (user:realm:hash), but it is in htpasswd format (user:hash): every login fails; make it with htdigest -c %s %q USER", typeWord, uf.path, uf.path, uf.realm)
		}
		return
	}
	for _, e := range pf.DigestEntries() {
		if bad := digestHashProblem(e.Hash); bad != "" {
			report(catalog.Error, e.Line, "%s:%d: user %q in realm %q: %s", uf.path, e.Line, e.User, e.Realm, bad)
		}
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
			report(catalog.Warning, e.Line, "%s:%d: user %q in realm %q is listed again (first on line %d); the server uses the first line only", uf.path, e.Line, e.User, e.Realm, at)
		} else {
			seen[k] = e.Line
		}
	}
	if others := len(pf.DigestEntries()) - realms[uf.realm]; uf.realm != "" && realms[uf.realm] > 0 && others > 0 {
		report(catalog.Info, 0, "%d of the %d users of %s are in other realms than %q (%s): they cannot log in here, only where %s is their realm", others, len(pf.DigestEntries()), uf.path, uf.realm, realmWord, realmWord)
	}
	if uf.realm != "" && realms[uf.realm] == 0 {
		report(catalog.Error, 0, "no user of %s is in realm %q (%s): its realms are %s; Digest hashes include the realm, so every login fails until %s and the file's realm are the same (htdigest %s %q USER)", uf.path, uf.realm, realmWord, quoteList(order), realmWord, uf.path, uf.realm)
	}
}

func orUnset(s string) string {
	if s == "" {
		return "not set"
	}
	return s
}
