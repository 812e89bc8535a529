// Package checks holds why401's checks: small, pure functions from
// evidence to findings, one per file, each a *diagnosis.Check value. The
// suite lists them in All; diagnosis.Validate(All) must pass.
//
// A check reads the probe's evidence and the shared facts of its Pass and
// reports findings with a confidence between 0 and 1. Confidences are
// calibrated against each other so that the cause that best explains the
// observation ranks first: a direct, specific observation (a 407, a JWT
// whose exp is past, a redirect that dropped the header) scores 0.9 and
// above; a cause inferred from a difference between variants 0.8 to 0.9;
// a plausible alternative 0.2 to 0.5.
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
}
