// Package checks holds why401's checks: small, pure functions from
// evidence to findings, one per file, each a *diagnosis.Check value. The
// suite lists them in All; diagnosis.Validate(All) must pass.
//
// A check reads the probe's evidence and the shared facts of its Pass and
// reports findings with a confidence picked from the named bands of
// package finding (Certain, Strong, Likely, Suspicion), with any
// adjustment stated beside the band: a direct, specific observation (a
// 407, a JWT whose exp is past, a redirect that dropped the header) is
// Strong or Certain; a cause inferred from a difference between variants
// Strong less a little; a plausible alternative a Suspicion. Ranking
// (finding.Rank) orders them and settles near-ties by its written rules.
package checks

import "github.com/why401/why401/internal/diagnosis"

// All is the probe's suite, in no particular order: ranking orders the
// findings.
var All = []*diagnosis.Check{
	Backends,
	BrowserJar,
	Cache,
	Challenge,
	Clock,
	Cookies,
	CORS,
	Forbidden,
	Malformed,
	Missing,
	ProxyAuth,
	RateLimit,
	Redirects,
	Rejected,
	Scheme,
	Stripped,
	TLSCert,
	Token,
	// Issue 7: the long tail.
	AuthCache,
	AuthScope,
	ClientCert,
	Collision,
	DNS,
	Encoding,
	Htpasswd,
	IPACL,
	NotAuth,
	SignedURL,
	WrongKind,
	WrongURL,
	// Issue 5: producers and differential probes.
	Vendor,
	WPHeader,
	Underscore,
	ToLogin,
	Registry,
	// Issue 15: the probe's own cookies and nodes.
	HopCookies,
	// Issue 15: the probe's own Kerberos and NTLM clients.
	ClientAuth,
}
