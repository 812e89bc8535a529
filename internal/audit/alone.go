package audit

import (
	"bytes"
	"fmt"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/htpasswd"
)

// A password file can be audited on its own (`why401 audit .htpasswd`):
// Load tells it from a configuration by its content, and the password
// checks judge its lines for the server named with --software, or for
// both servers when none is named. What depends on the configuration that
// names the file (the realm, the AuthType, the server's account) is said
// in Evidence.Needs.

// LonePassword is a password or htdigest file given to the audit by
// itself rather than named by a configuration.
type LonePassword struct {
	Facts *FileFacts
	// Server is the server the file is for when the user said so
	// (--software), "" when it is unknown.
	Server Kind
	// Accounts are the web servers' usual accounts that exist on this
	// machine (www-data, nginx, apache, http), for readability; empty
	// when the files are a copy (--root) or none exists.
	Accounts []Account
}

// Need is something an audit of a file on its own cannot decide because
// it is set elsewhere (the main configuration, the server's accounts): the
// audit names it instead of guessing.
type Need struct {
	File string `json:"file"`
	Text string `json:"text"`
}

// webAccounts are the accounts nginx and Apache run as on the common
// distributions.
var webAccounts = []string{"www-data", "nginx", "apache", "http"}

// localWebAccounts returns those of webAccounts this machine knows.
func localWebAccounts() []Account {
	var out []Account
	for _, n := range webAccounts {
		if _, err := user.Lookup(n); err == nil {
			out = append(out, resolveAccount(n, ""))
		}
	}
	return out
}

// isPasswordText reports whether b reads as an htpasswd or htdigest file:
// every line that is not blank or a comment is user:rest with no white
// space in the user name, or a single word (a broken entry), and no line
// looks like a directive (ends in ";", "{" or "}", starts with "<").
func isPasswordText(b []byte) bool {
	good, broken, ok := passwordLines(b)
	return ok && good > 0 && good >= broken
}

// isPasswordFile reports whether the file at path with content b is a
// password file: its text reads as one, or it is named like one
// (.htpasswd, .htdigest, passwd) and holds no entries and no directives.
func isPasswordFile(path string, b []byte) bool {
	if isPasswordText(b) {
		return true
	}
	name := strings.ToLower(filepath.Base(path))
	good, broken, ok := passwordLines(b)
	return ok && good == 0 && broken == 0 && (strings.Contains(name, "htpasswd") || strings.Contains(name, "htdigest") || strings.Contains(name, "passwd"))
}

// passwordLines counts the lines of b that are user:rest entries and the
// single words (broken entries); ok is false when a line is neither.
func passwordLines(b []byte) (good, broken int, ok bool) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		if l[0] == '<' || strings.HasSuffix(l, ";") || strings.HasSuffix(l, "{") || strings.HasSuffix(l, "}") {
			return 0, 0, false
		}
		name, rest, cut := strings.Cut(l, ":")
		switch {
		case cut && name != "" && !strings.ContainsAny(name, " \t") && rest != "":
			good++
		case !strings.ContainsAny(l, " \t"):
			broken++
		default:
			return 0, 0, false
		}
	}
	return good, broken, true
}

// judgeEntry says what an entry's hash means for server ("" when the
// server is unknown: then for both nginx and Apache): the severity and a
// sentence, or ok false when the server checks it. weak adds info about
// hashes every server checks but that are quick to crack when the file
// leaks.
func judgeEntry(path string, e htpasswd.Entry, server Kind, weak bool) (catalog.Severity, string, bool) {
	at := fmt.Sprintf("user %q", e.User)
	if path != "" {
		at = fmt.Sprintf("%s:%d: user %q", path, e.Line, e.User)
	}
	k := e.Kind()
	if server == "" {
		switch {
		case k == htpasswd.Plain:
			return catalog.Error, at + " has a plain-text password; nginx and Apache on Linux compare it as a crypt(3) hash, so the right password is refused (hash it: why401 htpasswd add)", true
		case k == htpasswd.PlainTagged || k == htpasswd.SSHA:
			return catalog.Warning, fmt.Sprintf("%s has %s, which only nginx checks: under Apache every password of this user is refused (use bcrypt, which both check)", at, hashName(k)), true
		case k == htpasswd.Unknown || !htpasswd.Supported(htpasswd.Apache, k) && !htpasswd.Supported(htpasswd.Nginx, k):
			return catalog.Error, fmt.Sprintf("%s has %s that neither nginx nor Apache can check, so every password is refused (use bcrypt)", at, hashName(k)), true
		}
	} else {
		hs := htpasswd.Apache
		if server == KindNginx {
			hs = htpasswd.Nginx
		}
		switch {
		case k == htpasswd.Plain:
			return catalog.Error, fmt.Sprintf("%s has a plain-text password; %s on Linux compares it as a crypt(3) hash, so the right password is refused (hash it: why401 htpasswd add)", at, display(server)), true
		case k == htpasswd.PlainTagged && !htpasswd.Supported(hs, k):
			return catalog.Error, at + " has a {PLAIN} password, which only nginx reads: Apache refuses every password (hash it with bcrypt)", true
		case k == htpasswd.Unknown || !htpasswd.Supported(hs, k):
			return catalog.Error, fmt.Sprintf("%s has %s that %s cannot check, so every password is refused (use bcrypt)", at, hashName(k), display(server)), true
		}
	}
	switch {
	case k == htpasswd.Crypt:
		return catalog.Warning, at + " has a DES crypt hash: only the first 8 characters of the password count (use bcrypt)", true
	case !weak:
	case k == htpasswd.APR1 || k == htpasswd.MD5Crypt:
		return catalog.Info, fmt.Sprintf("%s has %s: the servers check it, but MD5 with 1,000 rounds is quick to brute-force if the file leaks (bcrypt is slow by design: why401 htpasswd add)", at, hashName(k)), true
	case k == htpasswd.SHA1:
		return catalog.Info, at + " has a {SHA} hash: the servers check it, but unsalted SHA-1 gives equal passwords equal hashes and is quick to brute-force if the file leaks (use bcrypt)", true
	case k == htpasswd.PlainTagged:
		return catalog.Info, at + " has a {PLAIN} password: nginx checks it, but anyone who can read the file reads the password (use bcrypt)", true
	}
	return "", "", false
}

// lonePasswordFile reports, for password files audited on their own,
// what makes the file unusable: no users, malformed lines, a byte order
// mark, commented-out users, and no web server account able to read it.
func lonePasswordFile(p *Pass) {
	for _, lp := range p.Evidence.Lone {
		f := lp.Facts
		pf := f.Password
		report := func(sev catalog.Severity, line int, format string, args ...any) {
			p.Report(Finding{Cause: catalog.ServerHtpasswdFile, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: loc(f.Path, line), Server: lp.Server})
		}
		if len(pf.Entries()) == 0 {
			report(catalog.Error, 0, "the file lists no users: every login against it fails")
		}
		for _, pr := range pf.Problems() {
			if !pr.Duplicate {
				report(catalog.Error, pr.Line, "%s", pr.Msg)
			}
		}
		for _, c := range pf.Comments() {
			if isPasswordText([]byte(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.Text), "#")))) {
				report(catalog.Info, c.Line, "a user's line is commented out: the servers skip it, so that user cannot log in")
			}
		}
		if n := pf.CRLF(); n > 0 {
			report(catalog.Info, 0, "%d line%s end in CR LF (saved on Windows): nginx and Apache strip the CR, so this alone refuses no login", n, plural(n))
		}
		if f.Mode&0o002 != 0 {
			report(catalog.Warning, 0, "the file is writable by every account on this machine (mode %04o): anyone can add a user; chmod 640 and chown root:www-data", uint32(f.Mode))
		}
		if len(lp.Accounts) > 0 {
			var names []string
			var stop string
			for _, a := range lp.Accounts {
				if ok, s := f.CanRead(a); ok {
					names = nil
					break
				} else {
					names, stop = append(names, a.User), s
				}
			}
			if len(names) > 0 {
				at := factsAt(f, stop)
				report(catalog.Warning, 0, "the file cannot be read by the web server accounts on this machine (%s): %s blocks them (mode %04o, owner %d:%d); if the server runs as one of them, every login fails", strings.Join(names, ", "), stop, uint32(at.Mode), at.UID, at.GID)
			}
		}
	}
}

// lonePasswordHash reports, for password files audited on their own, the
// hashes the server cannot check, weak hashes, duplicate users, and for
// htdigest files the realms and hashes.
func lonePasswordHash(p *Pass) {
	for _, lp := range p.Evidence.Lone {
		f := lp.Facts
		pf := f.Password
		report := func(sev catalog.Severity, line int, format string, args ...any) {
			p.Report(Finding{Cause: catalog.ServerHtpasswdHash, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: loc(f.Path, line), Server: lp.Server})
		}
		if looksDigest(pf) {
			loneDigest(pf, report)
			continue
		}
		for _, e := range pf.Entries() {
			if e.Hash == "" {
				continue // lonePasswordFile reports it
			}
			if sev, msg, ok := judgeEntry("", e, lp.Server, true); ok {
				report(sev, e.Line, "%s", msg)
			}
		}
		for _, pr := range pf.Problems() {
			if pr.Duplicate {
				report(catalog.Warning, pr.Line, "%s", pr.Msg)
			}
		}
	}
}

// looksDigest reports whether at least half the entries have three fields, as an
// htdigest file's user:realm:hash lines do; such a file is judged as
// htdigest even when some lines are broken.
func looksDigest(pf *htpasswd.File) bool {
	es, ds := len(pf.Entries()), len(pf.DigestEntries())
	return es > 0 && 2*ds >= es
}

// loneDigest judges an htdigest file: lines without a realm, hashes that
// are not the hex MD5 mod_auth_digest compares, users listed twice in a
// realm, and the realms, which must each equal the AuthName of the
// section that reads the file.
func loneDigest(pf *htpasswd.File, report func(catalog.Severity, int, string, ...any)) {
	realms := map[string]int{}
	var order []string
	seen := map[[2]string]int{}
	three := map[int]bool{}
	for _, e := range pf.DigestEntries() {
		three[e.Line] = true
		if bad := digestHashProblem(e.Hash); bad != "" {
			report(catalog.Error, e.Line, "user %q in realm %q: %s", e.User, e.Realm, bad)
		}
		if realms[e.Realm] == 0 {
			order = append(order, e.Realm)
		}
		realms[e.Realm]++
		k := [2]string{e.User, e.Realm}
		if at, dup := seen[k]; dup {
			report(catalog.Warning, e.Line, "user %q in realm %q is listed again (first on line %d); the servers use the first line only", e.User, e.Realm, at)
		} else {
			seen[k] = e.Line
		}
	}
	for _, e := range pf.Entries() {
		if !three[e.Line] {
			report(catalog.Error, e.Line, "user %q has no realm: an htdigest line is user:realm:hash (htdigest FILE REALM USER), so this user cannot log in", e.User)
		}
	}
	if len(order) > 1 {
		report(catalog.Info, 0, "users of %d realms (%s): each user can log in only where AuthName (auth_digest) is that user's realm", len(order), quoteList(order))
	}
}

// hashName is how messages name a hash format, with its article.
func hashName(k htpasswd.Kind) string {
	switch k {
	case htpasswd.SSHA:
		return "an {SSHA} hash"
	case htpasswd.PlainTagged:
		return "a {PLAIN} password"
	case htpasswd.SHA1:
		return "a {SHA} hash"
	case htpasswd.APR1:
		return "an $apr1$ (Apache MD5) hash"
	case htpasswd.MD5Crypt:
		return "a $1$ (MD5-crypt) hash"
	case htpasswd.Unknown:
		return "a hash in a format"
	}
	return "a " + string(k) + " hash"
}

// digestHashProblem says why an htdigest hash cannot match, or "".
func digestHashProblem(h string) string {
	switch {
	case htpasswd.DigestAlgorithm(h) == "MD5":
		return ""
	case htpasswd.DigestAlgorithm(h) == "SHA-256":
		return "the hash has 64 hex digits, a SHA-256 htdigest line (as lighttpd reads): Apache's mod_auth_digest and nginx's auth_digest compare MD5 only, so this user cannot log in there"
	case h == "":
		return "empty hash: no password can match"
	}
	return "the hash is not 32 hex digits (the MD5 of user:realm:password that htdigest writes), so no password can match"
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// loneNeeds names what an audit of a password file alone cannot decide.
func loneNeeds(lp *LonePassword) []Need {
	path := lp.Facts.Path
	var out []Need
	if pf := lp.Facts.Password; looksDigest(pf) {
		var realms []string
		seen := map[string]bool{}
		for _, e := range pf.DigestEntries() {
			if !seen[e.Realm] {
				seen[e.Realm] = true
				realms = append(realms, e.Realm)
			}
		}
		out = append(out, Need{path, fmt.Sprintf("whether AuthName (auth_digest) of the section that reads this file is its realm (%s) is set in that configuration: audit the configuration (with --root for a copied tree)", quoteList(realms))})
	} else {
		out = append(out, Need{path, "whether the section that reads this file says AuthType Basic (an htpasswd file) and which server checks it is set in the configuration: audit the configuration, or name the server with --software"})
	}
	if len(lp.Accounts) == 0 {
		out = append(out, Need{path, "whether the server's account can read this file depends on the account it runs as (User, user): not judged here"})
	}
	return out
}
