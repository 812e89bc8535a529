package catalog

// explains relates a specific defect to the generic symptoms it
// explains: when both are found with about the same confidence, the
// specific one is the better answer and ranks first (finding.Rank). A
// 401 without any challenge looks like "no credentials" to a client that
// waits for a challenge before sending them; a header removed by a proxy
// or dropped on a redirect looks like no credentials or refused ones.
var explains = map[ID][]ID{
	ChallengeMissing:     {CredentialsMissing, CredentialsRejected},
	ChallengeUnsupported: {CredentialsMissing, CredentialsRejected, CredentialsWrongScheme},
	NegotiateNoTicket:    {CredentialsMissing, ChallengeUnsupported},
	NTLMConnection:       {CredentialsRejected, ChallengeUnsupported},
	ProxyHeaderStripped:  {CredentialsMissing, CredentialsRejected},
	RedirectAuthDropped:  {CredentialsMissing},
	RedirectScheme:       {CredentialsMissing},
	CookieNotSent:        {CredentialsMissing, SessionExpired},
	CookieRejected:       {CredentialsMissing, SessionExpired},
	CookieSameSite:       {CredentialsMissing, SessionExpired, CookieNotSent},
	CORSPreflightAuth:    {CredentialsMissing},
	TokenExpired:         {CredentialsRejected},
	TokenNotYetValid:     {CredentialsRejected},
	ClockSkew:            {TokenExpired, TokenNotYetValid, CredentialsRejected},
	TokenAudience:        {CredentialsRejected},
	TokenIssuer:          {CredentialsRejected},
	TokenSignature:       {CredentialsRejected},
	TokenScope:           {StatusForbidden},
	CredentialsEncoding:  {CredentialsRejected},
	CredentialsMalformed: {CredentialsRejected},
	CacheCached401:       {CredentialsRejected, CredentialsMissing},
	BackendInconsistent:  {CredentialsRejected},
	ServerHtpasswdHash:   {CredentialsRejected},
	ServerHtpasswdFile:   {CredentialsRejected},
	RateLimitLockout:     {CredentialsRejected},
}

// Explains reports whether cause a is a specific defect that explains the
// generic symptom b.
func Explains(a, b ID) bool {
	for _, id := range explains[a] {
		if id == b {
			return true
		}
	}
	return false
}
