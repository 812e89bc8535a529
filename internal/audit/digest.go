package audit

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// Digest reports Apache's AuthType Digest settings that make every
// request fail or that say something other than what the owner meant:
// the provider (AuthDigestProvider, whose default is file, needs an
// AuthUserFile; another provider leaves it unread), the algorithm
// (mod_auth_digest of httpd 2.4 accepts MD5 only: anything else stops
// the configuration from loading) and the protection space that
// AuthDigestDomain announces to clients. The realm and the htdigest file
// itself are the password checks' (passwdhash).
var Digest = &Check{
	Name:   "digest",
	Doc:    "report Apache Digest sections without a usable provider or password file, algorithms httpd refuses, and AuthDigestDomain URIs outside the protected space or on other hosts",
	Causes: []catalog.ID{catalog.ServerHtpasswdFile, catalog.ChallengeUnsupported, catalog.ServerAuthScope},
	Run:    runDigest,
}

// digestProviders returns the providers AuthType Digest uses in s, in
// lower case: AuthDigestProvider's, or file when none is set.
func digestProviders(s ascope) map[string]bool {
	out := map[string]bool{}
	if ds := s.inherited("AuthDigestProvider"); len(ds) > 0 {
		for _, a := range ds[0].Args {
			out[strings.ToLower(a)] = true
		}
		return out
	}
	out["file"] = true
	return out
}

func runDigest(p *Pass) error {
	for _, a := range p.Evidence.Apache {
		for _, s := range apacheScopes(a) {
			t := s.named("AuthType")
			if len(t) == 0 || !strings.EqualFold(t[0].Arg(0), "digest") {
				continue
			}
			// A section whose authorization never asks for a user never
			// authenticates anyone.
			if eff := s.effectiveAuthz(); eff.known && !eff.result.user {
				continue
			}
			at := loc(t[0].File, t[0].Line)
			report := func(id catalog.ID, sev catalog.Severity, where Location, format string, args ...any) {
				p.Report(Finding{Cause: id, Severity: sev, Detail: fmt.Sprintf(format, args...), Location: where, Server: KindApache})
			}
			providers := digestProviders(s)
			files := s.inherited("AuthUserFile")
			switch {
			case providers["file"] && len(files) == 0:
				report(catalog.ServerHtpasswdFile, catalog.Error, at, "AuthType Digest looks users up with the file provider (AuthDigestProvider's default) but no AuthUserFile applies here: mod_authn_file logs \"AuthUserFile not specified\" and Apache answers 500 to every login; name the htdigest file with AuthUserFile")
			case !providers["file"] && len(files) > 0:
				d := files[0]
				report(catalog.ServerHtpasswdFile, catalog.Info, loc(d.File, d.Line), "AuthUserFile %s is not read: AuthDigestProvider is %s, so users are looked up there", d.Arg(0), strings.Join(s.inherited("AuthDigestProvider")[0].Args, " "))
			}
			for _, d := range s.inherited("AuthDigestAlgorithm") {
				if alg := d.Arg(0); !strings.EqualFold(alg, "MD5") {
					report(catalog.ChallengeUnsupported, catalog.Error, loc(d.File, d.Line), "AuthDigestAlgorithm %s: httpd 2.4's mod_auth_digest implements MD5 only and refuses this line (\"Unsupported algorithm\", apache2 -t fails), so the configuration does not load; remove it (MD5 is the default), or use a server that offers SHA-256 Digest", alg)
				}
				break
			}
			for _, d := range s.named("AuthDigestDomain") {
				digestDomain(s, d, report)
			}
		}
	}
	return nil
}

// digestDomain judges AuthDigestDomain's URIs: the protection space
// clients take the realm to cover (RFC 7616's domain). An absolute URI on
// another host tells clients that honour it to answer that host's
// challenges with these credentials; in a <Location>, a path outside the
// section is outside what the section protects, and a list that leaves
// the section's own path out keeps clients from sending credentials there
// without a 401 first.
func digestDomain(s ascope, d *adir, report func(catalog.ID, catalog.Severity, Location, string, ...any)) {
	at := loc(d.File, d.Line)
	section := ""
	if s.kind() == "location" {
		section = s.path()
	}
	covers := false
	for _, u := range d.Args {
		pu, err := url.Parse(u)
		if err != nil {
			continue
		}
		if pu.IsAbs() && pu.Host != "" {
			report(catalog.ServerAuthScope, catalog.Info, at, "AuthDigestDomain %s names another host (%s): clients that honour domain= take it to share this realm and may answer its challenges with these credentials; list only this site's paths", u, pu.Host)
			continue
		}
		if section == "" {
			continue
		}
		p := pu.Path
		switch {
		case under(p, section):
			covers = true
		case under(section, p):
			covers = true // the domain is wider than the section
			report(catalog.ServerAuthScope, catalog.Info, at, "AuthDigestDomain %s is wider than <Location %s>: clients send the credentials for requests under %s that no password protects", u, section, p)
		default:
			report(catalog.ServerAuthScope, catalog.Info, at, "AuthDigestDomain %s lies outside <Location %s>, the space this realm protects: clients send the credentials there, where they are not asked for", u, section)
		}
	}
	if section != "" && !covers {
		report(catalog.ServerAuthScope, catalog.Info, at, "AuthDigestDomain does not cover <Location %s> itself: clients that honour domain= do not send the credentials there unasked, so each request there gets a 401 first", section)
	}
}

// under reports whether URL path p is base or below it.
func under(p, base string) bool {
	if p == base || base == "/" {
		return true
	}
	b := strings.TrimSuffix(base, "/")
	return strings.HasPrefix(p, b+"/") || p == b
}
