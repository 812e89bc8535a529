// The cause IDs below mirror shared/CAUSES.md (beside the checkout) one for one; never rename one.

package catalog

// The stable cause IDs of ../shared/CAUSES.md. They are a public contract:
// never rename or reuse one.
const (
	CredentialsMissing       ID = "credentials.missing"
	CredentialsRejected      ID = "credentials.rejected"
	CredentialsMalformed     ID = "credentials.malformed"
	CredentialsWrongScheme   ID = "credentials.wrong-scheme"
	CredentialsEncoding      ID = "credentials.encoding"
	CredentialsWrongKind     ID = "credentials.wrong-kind"
	AuthHeaderCollision      ID = "auth.header-collision"
	TokenExpired             ID = "token.expired"
	TokenNotYetValid         ID = "token.not-yet-valid"
	TokenAudience            ID = "token.audience"
	TokenIssuer              ID = "token.issuer"
	TokenScope               ID = "token.scope"
	TokenSignature           ID = "token.signature"
	TokenMalformed           ID = "token.malformed"
	TokenWrongType           ID = "token.wrong-type"
	TokenJWKSUnavailable     ID = "token.jwks-unavailable"
	ClockSkew                ID = "clock.skew"
	SessionExpired           ID = "session.expired"
	CookieStale              ID = "cookie.stale"
	CookieRejected           ID = "cookie.rejected"
	CookieNotSent            ID = "cookie.not-sent"
	CookieSameSite           ID = "cookie.samesite"
	URLWrong                 ID = "url.wrong"
	RedirectAuthDropped      ID = "redirect.auth-dropped"
	RedirectScheme           ID = "redirect.scheme"
	RedirectToLogin          ID = "redirect.to-login"
	RedirectLoginLoop        ID = "redirect.login-loop"
	CORSPreflightAuth        ID = "cors.preflight-auth"
	TLSClientCertificate     ID = "tls.client-certificate"
	TLSCertificate           ID = "tls.certificate"
	DNSMismatch              ID = "dns.mismatch"
	BackendInconsistent      ID = "backend.inconsistent"
	ServerBasicAuth          ID = "server.basic-auth"
	ServerHtpasswdFile       ID = "server.htpasswd-file"
	ServerHtpasswdHash       ID = "server.htpasswd-hash"
	ServerAuthScope          ID = "server.auth-scope"
	ServerACL                ID = "server.acl"
	ChallengeMissing         ID = "challenge.missing"
	ChallengeUnsupported     ID = "challenge.unsupported"
	ProxyHeaderStripped      ID = "proxy.header-stripped"
	ProxyForwardedHeaders    ID = "proxy.forwarded-headers"
	ProxyAuthRequired        ID = "proxy.auth-required"
	CacheCached401           ID = "cache.cached-401"
	CacheAuthCacheable       ID = "cache.auth-cacheable"
	WAFBlock                 ID = "waf.block"
	WAFChallenge             ID = "waf.challenge"
	RateLimitLockout         ID = "ratelimit.lockout"
	IPDenied                 ID = "ip.denied"
	WordPressRESTAuth        ID = "wordpress.rest-auth"
	RequestContentType       ID = "request.content-type"
	StatusForbidden          ID = "status.forbidden"
	StatusNotAuth            ID = "status.not-auth"
	AttackBruteForce         ID = "attack.brute-force"
	AttackCredentialStuffing ID = "attack.credential-stuffing"
	AttackSpray              ID = "attack.spray"
	Spike401                 ID = "spike.401"
	NoiseChallenge           ID = "noise.challenge"
)

// IDs lists every cause ID in the order of ../shared/CAUSES.md.
var IDs = []ID{
	CredentialsMissing,
	CredentialsRejected,
	CredentialsMalformed,
	CredentialsWrongScheme,
	CredentialsEncoding,
	CredentialsWrongKind,
	AuthHeaderCollision,
	TokenExpired,
	TokenNotYetValid,
	TokenAudience,
	TokenIssuer,
	TokenScope,
	TokenSignature,
	TokenMalformed,
	TokenWrongType,
	TokenJWKSUnavailable,
	ClockSkew,
	SessionExpired,
	CookieStale,
	CookieRejected,
	CookieNotSent,
	CookieSameSite,
	URLWrong,
	RedirectAuthDropped,
	RedirectScheme,
	RedirectToLogin,
	RedirectLoginLoop,
	CORSPreflightAuth,
	TLSClientCertificate,
	TLSCertificate,
	DNSMismatch,
	BackendInconsistent,
	ServerBasicAuth,
	ServerHtpasswdFile,
	ServerHtpasswdHash,
	ServerAuthScope,
	ServerACL,
	ChallengeMissing,
	ChallengeUnsupported,
	ProxyHeaderStripped,
	ProxyForwardedHeaders,
	ProxyAuthRequired,
	CacheCached401,
	CacheAuthCacheable,
	WAFBlock,
	WAFChallenge,
	RateLimitLockout,
	IPDenied,
	WordPressRESTAuth,
	RequestContentType,
	StatusForbidden,
	StatusNotAuth,
	AttackBruteForce,
	AttackCredentialStuffing,
	AttackSpray,
	Spike401,
	NoiseChallenge,
}
