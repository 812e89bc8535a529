package analysis

import "github.com/why401/why401/internal/catalog"

// Causes lists every cause the analysis may name, in its findings or in
// the cause of a counter; docs/causes.md lists `why401 logs` under each.
var Causes = []catalog.ID{
	catalog.AttackBruteForce,
	catalog.AttackCredentialStuffing,
	catalog.AttackSpray,
	catalog.Spike401,
	catalog.NoiseChallenge,
	catalog.TokenExpired,
	catalog.ServerAuthScope,
	catalog.RateLimitLockout,
	catalog.ProxyAuthRequired,
	catalog.StatusForbidden,
	catalog.CredentialsRejected,
	catalog.ChallengeUnsupported,
	catalog.ServerACL,
	catalog.StatusNotAuth,
	catalog.IPDenied,
	catalog.RedirectScheme,
	catalog.TLSClientCertificate,
}
