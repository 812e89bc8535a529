package checks

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Htpasswd reports a password file the web server cannot use, as a client
// sees it: the anonymous request gets a Basic challenge, but sending a
// user name and password makes the server fail, because it must now open
// the file and check the hash: nginx answers 403 when the file is missing
// or unreadable and 500 on other errors (and, where crypt(3) returns no
// result for an unknown hash, 500 for that user only). A made-up user (the Bogus
// variant) tells the two apart: it fails the same way when the file
// cannot be read, and gets a plain 401 when only this user's hash is
// unusable.
var Htpasswd = &diagnosis.Check{
	Name:   "htpasswd",
	Doc:    "report Basic auth that fails (403 page, 5xx) once credentials arrive: a missing or unreadable password file, or a hash the server cannot check",
	Causes: []catalog.ID{catalog.ServerHtpasswdFile, catalog.ServerHtpasswdHash},
	Run:    runHtpasswd,
}

func runHtpasswd(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil {
		return nil
	}
	st := e.Response.Status
	forbidden := st == http.StatusForbidden
	if !forbidden && (st < 500 || st > 599) {
		return nil
	}
	if forbidden && stockForbidden(e.Response.Body) == "" {
		return nil // an application's 403: a permission, not the password file
	}
	if !strings.EqualFold(p.Evidence.Facts.Sent().Scheme, "Basic") || p.Evidence.Facts.Sent().Malformed() {
		return nil
	}
	anon := final(p, evidence.NoCredentials)
	if anon == nil || anon.Response == nil || anon.Response.Status != http.StatusUnauthorized || !offers(p.Evidence.Facts.Challenges(anon.Response), "Basic") {
		return nil
	}
	r := e.Response
	ev := []string{"without credentials: " + line(anon) + ", " + challengeLine(anon.Response, p.Evidence.Facts.Challenges(anon.Response)),
		"with the Basic credentials: " + line(e)}
	if s := stockServerError(r.Body); s != "" {
		ev = append(ev, "the body is "+s+"'s built-in error page: the web server itself failed while checking the password")
	}
	bogus := final(p, evidence.Bogus)
	if forbidden {
		// nginx answers 403 when it cannot open the file (missing or
		// unreadable); a made-up user refused the same way confirms it,
		// one challenged with 401 means the user is known and not allowed.
		switch {
		case bogus != nil && bogus.Response != nil && bogus.Response.Status == http.StatusForbidden && sameAnswer(r, bogus.Response):
			ev = append(ev, "a made-up user gets the same 403: "+line(bogus)+", so the server refuses before it can compare any password: it cannot open its password file")
			p.Reportf(catalog.ServerHtpasswdFile, finding.Strong+0.03, ev, "The server cannot open its password file (missing, or not readable by the server's user)")
		case bogus == nil:
			p.Reportf(catalog.ServerHtpasswdFile, finding.Likely-0.15, ev, "The server may not be able to open its password file")
		}
		return nil
	}
	switch {
	case bogus != nil && bogus.Response != nil && bogus.Response.Status == http.StatusUnauthorized:
		ev = append(ev, "a made-up user gets a plain 401: "+line(bogus)+", so the file is readable and this user's entry is the problem")
		p.Reportf(catalog.ServerHtpasswdHash, finding.Strong, ev, "The server cannot check the password hash of this user's entry in its password file")
		p.Reportf(catalog.ServerHtpasswdFile, finding.Suspicion, ev, "The password file has a line the server cannot use")
	case bogus != nil && bogus.Response != nil && bogus.Response.Status >= 500 && checksEveryLine(p, anon):
		// A made-up user cannot tell the file from the hash here: the
		// producer verifies every line's hash for every login.
		ev = append(ev, "a made-up user fails the same way: "+line(bogus),
			"Radicale checks every line of its htpasswd file with the one method its htpasswd_encryption setting names (md5 unless set), for every login: a line made another way (htpasswd -B bcrypt, plain text) fails them all, a made-up user's too; its log says \"Invalid htpasswd file ...: not a valid ... hash\"")
		p.Reportf(catalog.ServerHtpasswdHash, finding.Strong-0.05, ev, "Radicale cannot check the hashes in its password file with its htpasswd_encryption setting")
		p.Reportf(catalog.ServerHtpasswdFile, finding.Likely-0.1, ev, "Radicale may not be able to read its password file (htpasswd_filename)")
	case bogus != nil && bogus.Response != nil && bogus.Response.Status >= 500:
		ev = append(ev, "a made-up user fails the same way: "+line(bogus)+", so the server cannot read the password file at all")
		p.Reportf(catalog.ServerHtpasswdFile, finding.Strong+0.02, ev, "The server cannot open or read its password file (or, with an LDAP provider, reach its directory)")
	default:
		p.Reportf(catalog.ServerHtpasswdFile, finding.Likely+0.1, ev, "The server fails while checking the password: its password file is missing or unreadable (or its LDAP directory unreachable)")
		p.Reportf(catalog.ServerHtpasswdHash, finding.Suspicion+0.1, ev, "The server may not understand the hash in its password file")
	}
	return nil
}

// checksEveryLine reports whether the server that challenged the
// anonymous request verifies the hash of every line of its password file
// for every login, whatever the user name (Radicale does, against timing
// attacks), so that a made-up user fails like a real one when any line's
// hash is unusable.
func checksEveryLine(p *diagnosis.Pass, anon *evidence.Exchange) bool {
	for _, m := range p.Evidence.Facts.Producers(anon).Producers {
		if m.ID == "radicale" {
			return true
		}
	}
	return false
}

// stockServerError names the web server whose built-in 5xx page body is.
func stockServerError(body []byte) string {
	switch {
	case bytes.Contains(body, []byte("<center>nginx")) && bytes.Contains(body, []byte("Internal Server Error")),
		bytes.Contains(body, []byte("<center>nginx")) && bytes.Contains(body, []byte("403 Forbidden")):
		return "nginx"
	case bytes.Contains(body, []byte("The server encountered an internal error or")):
		return "Apache httpd"
	}
	return ""
}
