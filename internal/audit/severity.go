package audit

import (
	"regexp"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
)

// The audit's severity policy (docs/findings.md, "Severity"):
//
//   - error only when every request the finding's lines match certainly
//     fails, or authentication is certainly off there;
//   - warning when that is likely: the configuration sets it up, and
//     something the audit cannot see (what the application checks, what
//     it marks cacheable, which clients come) decides;
//   - info otherwise: worth knowing, not shown to go wrong.
//
// Each kind of error finding the checks may report is listed in
// errorKinds with the reason it meets the policy; a test runs every
// fixture and fails on an error finding that matches no kind, so a new
// error needs its reason written here first.

// errorKind is one kind of error-level finding: its cause, a pattern its
// Detail matches and why every matching request certainly fails or auth
// is certainly off.
type errorKind struct {
	Cause  catalog.ID
	Detail *regexp.Regexp
	Why    string
}

func kind(id catalog.ID, detail, why string) errorKind {
	return errorKind{Cause: id, Detail: regexp.MustCompile(detail), Why: why}
}

var errorKinds = []errorKind{
	// The password file: the server opens it for every request to the
	// area, so a file it cannot use refuses everyone.
	kind(catalog.ServerHtpasswdFile, `is relative: .* which does not exist`,
		"the server opens the path it resolves, which does not exist: no password can match, every request to the area is refused"),
	kind(catalog.ServerHtpasswdFile, `^password file .* does not exist`,
		"a password file that does not exist matches no password: every request to the area is refused"),
	kind(catalog.ServerHtpasswdFile, `^password file .* is a directory`,
		"the server cannot read a directory as a password file: every request to the area is refused"),
	kind(catalog.ServerHtpasswdFile, `^password file .* cannot be read`,
		"the audit could not read it either, with the server's rights or more: every request to the area is refused"),
	kind(catalog.ServerHtpasswdFile, `is not readable by .*every login fails`,
		"the server's account lacks read or search permission on the file's path: every request to the area is refused"),
	kind(catalog.ServerHtpasswdFile, `lists no users`,
		"a file without users matches no password: every request to the area is refused"),
	kind(catalog.ServerHtpasswdFile, `^password file .* line \d+: `,
		"the line is not user:hash as the server reads it, so that user's requests are refused every time"),
	// Hashes: the user named can never log in.
	kind(catalog.ServerHtpasswdHash, `plain-text password|\{PLAIN\} password|hash that .* cannot check`,
		"the server cannot verify this user's hash: every request with that user's right password is refused"),
	kind(catalog.ServerHtpasswdHash, `mod_auth_digest is not loaded`,
		"AuthType Digest without its module makes Apache answer 500 to every request there"),
	kind(catalog.ServerHtpasswdHash, `htdigest file .* but AuthType is|reads .* as an htdigest file|no user of .* is in realm`,
		"the file's format or realm cannot match what the server computes: every login there fails"),
	// Protection certainly off.
	kind(catalog.ServerAuthScope, `^return answers in nginx's rewrite phase`,
		"return runs before the access phase: the location answers without ever asking for credentials"),
	kind(catalog.ServerAuthScope, `^satisfy any with allow `,
		"satisfy any with an allow that every client passes: no request is asked for a password"),
	kind(catalog.ServerAuthScope, `^Require all granted beside Require`,
		"several Require lines mean any one suffices, and all granted always does: no request is asked for a password"),
	kind(catalog.ServerAuthScope, `^Satisfy Any with Allow from all`,
		"Satisfy Any with Allow from all: every client passes the address check, so none is asked for a password"),
	kind(catalog.ServerAuthScope, `^Require .* replaces .* so every client reaches`,
		"the section's own Require replaces the parent's address and password rules: every client gets in without either"),
	kind(catalog.ServerAuthScope, `is a regex location: nginx prefers it .* so those requests under`,
		"nginx picks the regex location for every URI it matches, and it has no protection: those requests are served without credentials"),
	// Credentials certainly missing where they are certainly needed.
	kind(catalog.ProxyHeaderStripped, `off in the auth_request location drops Authorization and cookies`,
		"the auth subrequest carries neither Authorization nor cookies: the auth service has nothing to accept, so it refuses every request"),
	// The challenge is certainly lost where a password prompt needs it.
	kind(catalog.ChallengeMissing, `^error_page 401 \S+: nginx answers 302 .* auth_basic`,
		"with auth_basic here, the prompt needs the 401's challenge; every refused request gets a redirect instead, so no browser ever asks for the password"),
	kind(catalog.ChallengeMissing, `^return 401 without a WWW-Authenticate header|^return 401, but add_header WWW-Authenticate`,
		"an unconditional return 401 answers every request there with a 401 that names no scheme: no client can authenticate"),
	kind(catalog.ChallengeMissing, `^ErrorDocument 401 \S+ is a full URL`,
		"Apache turns a full-URL ErrorDocument 401 into a redirect: no browser sees the challenge or asks for a password"),
	kind(catalog.ChallengeMissing, `^RewriteRule \[R=401\]`,
		"the rule answers every request it matches with a 401 without a challenge: no client can authenticate"),
}

// errorKindOf returns the kind f's Detail matches, or nil.
func errorKindOf(f *Finding) *errorKind {
	for i := range errorKinds {
		k := &errorKinds[i]
		if k.Cause == f.Cause && k.Detail.MatchString(f.Text()) {
			return k
		}
	}
	return nil
}

// strongWarnings are warnings whose mechanism the configuration shows
// for certain, leaving only its effect open (what the application
// checks, how fast clients retry): they are in the strong band, the
// other warnings in the likely band.
var strongWarnings = []errorKind{
	kind(catalog.ProxyHeaderStripped, `removes the header|hides the client's credentials|removes Authorization|removes the client's credentials|drops every request header, Authorization included`,
		"the header certainly does not reach the upstream; whether the upstream needs it is not in the configuration"),
	kind(catalog.RateLimitLockout, `limit_req_status 401`,
		"the limit certainly answers 401 to the requests above the rate; which clients exceed it is not in the configuration"),
}

// confidenceOf is the confidence band a finding's severity earns under
// the policy, with the adjustment stated beside each case.
func confidenceOf(f *Finding) float64 {
	switch f.Severity {
	case catalog.Error:
		// Errors are the kinds above, each certain by its reason.
		return finding.Certain
	case catalog.Warning:
		for i := range strongWarnings {
			k := &strongWarnings[i]
			if k.Cause == f.Cause && k.Detail.MatchString(f.Text()) {
				return finding.Strong
			}
		}
		return finding.Likely
	}
	return finding.Suspicion
}

// calibrate gives each finding the catalog's severity when the check set
// none, and the confidence its severity earns when the check set none.
func calibrate(fs []Finding) {
	for i := range fs {
		f := &fs[i]
		if f.Severity == "" {
			if c, ok := catalog.Lookup(f.Cause); ok {
				f.Severity = c.Severity
			}
		}
		if f.Confidence == 0 {
			f.Confidence = confidenceOf(f)
		}
	}
}
