package catalog

// causes is the catalog's table, one entry per ID of ids.go, in the same
// order. Placeholders in commands are in capitals (URL, HOST, USER, PASS,
// TOKEN); shell variables such as $TOKEN are meant to be set by the reader.
var causes = []Cause{
	// Credentials the client sends.
	{
		ID:    CredentialsMissing,
		Title: "The request carried no credentials",
		Explanation: "The resource is protected, and the request arrived with nothing that says who is asking: no Authorization header, no session cookie, no API key. " +
			"The server answers 401 and names in its WWW-Authenticate header the scheme it wants, which is the normal first step of a login rather than a fault. " +
			"It becomes a problem when the client meant to send credentials and did not, for instance because a variable was empty, a redirect removed them or a proxy dropped them.",
		Recognition: "The request as given has no Authorization header, no cookies and no credential-like custom header, and the answer is 401 with a challenge such as Basic realm=\"...\" or a bare Bearer " +
			"(RFC 6750 says a Bearer challenge to a request without a token carries no error code). The no-credentials variant gets the same answer as the request as given.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Log in to the site first, then open the link again. If the browser shows its own small password box, enter the name and password the site owner gave you."},
			},
			Developer: {
				{Text: "Send the credentials the API documents; for a user name and password:", Command: `curl -v -u 'USER:PASS' URL`},
				{Text: "For a token:", Command: `curl -v -H "Authorization: Bearer $TOKEN" URL`},
				{Text: "Make sure the variable that holds the secret is set before the request is built:", Command: `test -n "$TOKEN" || echo 'TOKEN is empty' >&2`},
			},
			SiteOwner: {
				{Text: "If this resource is meant to be public, take it out of the protected area; otherwise the server is behaving correctly."},
			},
		},
	},
	{
		ID:    CredentialsRejected,
		Title: "The credentials were sent but refused",
		Explanation: "The request carried credentials in the right form, and the server checked them and said no. " +
			"Usually the password is wrong, the user name is misspelt, the API key or application password was revoked or deleted, or the account is disabled. " +
			"RFC 9110 defines a 401 to a request that carried credentials as exactly this: they were refused.",
		Recognition: "The request as given carries well-formed credentials of the scheme the server challenged for and gets 401, and the bogus-credential variant gets the same answer, so the real secret is treated like a wrong one. " +
			"Vendor bodies help: GitHub \"Bad credentials\", WordPress incorrect_password or invalid_username, Django REST Framework \"Invalid token.\", IIS sub-status 401.1 (logon failed) in its log.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Type the password again carefully (check Caps Lock and the keyboard layout), or use the site's password reset."},
				{Text: "If the browser's password box keeps coming back, the browser may be replaying a remembered wrong password: close every window of the browser, or use a private window, and log in again."},
			},
			Developer: {
				{Text: "Replay with the credentials in single quotes, so the shell changes nothing in them:", Command: `curl -v -u 'USER:PASS' URL`},
				{Text: "Check in the provider's console that the key or token is still active; create a new one if it was revoked or deleted."},
				{Text: "For a bearer token, see whether it expired or was issued for another environment:", Command: `why401 jwt "$TOKEN"`},
			},
			SiteOwner: {
				{Text: "Look in the server or application log for the reason (unknown user, wrong password, disabled account). For a password file, check a user's password directly:", Command: `htpasswd -v /etc/nginx/.htpasswd USER`},
				{Text: "Set a new password for that user; leave out -c, which would wipe the other users:", Command: `htpasswd -B /etc/nginx/.htpasswd USER`},
			},
		},
	},
	{
		ID:    CredentialsMalformed,
		Title: "The Authorization header is malformed",
		Explanation: "The server could not read the credentials because the header does not have the expected shape: a scheme word, one space, then the value. " +
			"Typical slips are a missing space after Basic or Bearer, Basic credentials that are not valid base64 or lack the colon between user and password, quotes or a line break copied along with a token, and a value cut short. " +
			"Many servers answer such a header exactly like a wrong password, so the mistake looks like a refused login.",
		Recognition: "Parsing the header that was sent shows the defect: no space after the scheme, base64 that does not decode, decoded Basic text without a colon, surrounding quotes, whitespace or control characters inside the value, or a truncated value. " +
			"Some servers answer 400 or error=\"invalid_request\" (RFC 6750); most answer a plain 401.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Let the client build the header instead of writing it by hand:", Command: `curl -v -u 'USER:PASS' URL`},
				{Text: "When the header must be built by hand, encode without a trailing newline and without line wrapping (GNU base64 wraps long output at 76 characters):", Command: `printf '%s' 'USER:PASS' | base64 -w0`},
				{Text: "Strip quotes and line breaks from a token read from a file or copied from a JSON response:", Command: `TOKEN=$(tr -d '"\r\n' < token.txt)`},
			},
			SiteOwner: {
				{Text: "Log a header that cannot be parsed separately from a wrong password, and answer a malformed Bearer header with 400 and error=\"invalid_request\" as RFC 6750 suggests, so clients can tell the two apart."},
			},
		},
	},
	{
		ID:    CredentialsWrongScheme,
		Title: "The credentials use a scheme the server did not ask for",
		Explanation: "HTTP authentication is labelled by scheme: Basic carries a user name and password, Bearer carries a token, and APIs may define their own. " +
			"When a client sends Basic credentials to a server that wants a Bearer token, or the other way round, the server ignores them and answers as if nothing was sent. " +
			"The same happens when a key sits where the server does not look, for instance in a query parameter, in X-API-Key instead of Authorization, or behind a scheme word such as Token or JWT that the server does not accept.",
		Recognition: "The scheme of the Authorization header sent (or the header that carries the secret) is not among the schemes of the 401's WWW-Authenticate, for instance Basic sent and Bearer challenged. " +
			"The anyauth variant, which answers the challenged scheme with the same secret, gets further than the request as given.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Send the secret with the scheme the challenge names; for Bearer:", Command: `curl -v -H "Authorization: Bearer $TOKEN" URL`},
				{Text: "For a user name and password, let curl pick whichever scheme the server offers:", Command: `curl -v --anyauth -u 'USER:PASS' URL`},
				{Text: "If the API documents a custom header or query parameter for keys, use exactly that name and place; a key in Authorization is not the same as one in X-API-Key."},
			},
			SiteOwner: {
				{Text: "Name every scheme you accept in WWW-Authenticate, and document where API keys go, so clients can tell which one is wanted."},
			},
		},
	},
	{
		ID:    CredentialsEncoding,
		Title: "Special characters in the user name or password are encoded differently",
		Explanation: "Basic authentication turns user:password into bytes and then base64, but RFC 7617 leaves the byte encoding open unless the server's challenge says charset=\"UTF-8\", so a client may send UTF-8 while the server expects Latin-1, or the reverse. " +
			"A password with letters such as é, ß or € then never matches, however carefully it is typed. " +
			"Credentials written into a URL (https://user:pass@host/) must percent-encode @, :, / and %, and a shell can silently change $ or ! in an unquoted password.",
		Recognition: "The user name or password contains non-ASCII letters or one of @ : / % $ !; the decoded Basic value differs from what the user meant, or the challenge lacks charset=\"UTF-8\" while the secret is not plain ASCII. " +
			"The same account works from one client (often a browser) and fails from another (a script).",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "If the password has accented letters or symbols, change it to one made of plain letters and digits and log in again."},
			},
			Developer: {
				{Text: "Put the credentials in single quotes so the shell leaves $, ! and backslashes alone:", Command: `curl -v -u 'USER:PASS' URL`},
				{Text: "Keep credentials out of the URL; where that is impossible, percent-encode reserved characters (@ becomes %40, : becomes %3A, % becomes %25)."},
				{Text: "Try a temporary ASCII-only password; if it works, the encoding is the cause."},
			},
			SiteOwner: {
				{Text: "Tell clients the encoding by adding the charset parameter of RFC 7617 to the Basic challenge:", Command: `WWW-Authenticate: Basic realm="site", charset="UTF-8"`},
			},
		},
	},
	{
		ID:    CredentialsWrongKind,
		Title: "The right account but the wrong kind of secret",
		Explanation: "Many services keep the password people log in with apart from the secrets that scripts and apps must use. " +
			"WordPress accepts only application passwords over its REST API, GitHub's API stopped accepting account passwords in favour of tokens, and a key made for a test environment does not open production. " +
			"The account is fine, but the secret shown is not one this door accepts.",
		Recognition: "A secret of an account that works in the browser is refused by the API; vendor codes point at it (WordPress incorrect_password naming an application password, Grafana api-key.invalid); " +
			"the secret looks like a typed password where a generated token is expected, or a token's prefix or issuer names another product or environment.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Create the kind of secret the API documents (application password, personal access token, service account token) and use it instead of the login password; for WordPress with WP-CLI:", Command: `wp user application-password create USER why401`},
				{Text: "Check that a token was issued for this environment: its issuer or prefix should match the host you call.", Command: `why401 jwt "$TOKEN"`},
			},
			SiteOwner: {
				{Text: "Say in the 401 body which kind of secret is expected (for instance \"use an application password, not your login password\")."},
			},
		},
	},
	{
		ID:    AuthHeaderCollision,
		Title: "Two layers compete for the Authorization header",
		Explanation: "A request can carry only one Authorization header. " +
			"When a server-level password (typically Basic auth on a staging site) stands in front of an application that expects a Bearer token, the client can satisfy only one of them: send the token and the outer layer refuses it, send the password and the application sees no token. " +
			"Every request fails at one layer or the other.",
		Recognition: "A Bearer token was sent and the 401 challenges with Basic realm=\"...\" from the web server (its Server header and stock error page), or the Basic password was sent and the 401 comes from the application with a Bearer challenge. " +
			"The no-credentials variant shows the outer Basic challenge.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Confirm with the outer password alone; if the answer turns into the application's own 401, both layers are in play:", Command: `curl -v -u 'USER:PASS' URL`},
				{Text: "Ask the site owner to exempt the API from the outer password; no single request can satisfy both layers."},
			},
			SiteOwner: {
				{Text: "Turn server-level password protection off for the API paths that carry their own tokens (nginx):", Command: "location /api/ {\n    auth_basic off;\n}"},
				{Text: "The same for Apache:", Command: "<Location \"/api/\">\n    Require all granted\n</Location>"},
				{Text: "Or protect the staging site by network instead of a password, with an allow list of your own addresses (nginx):", Command: "allow 203.0.113.0/24;\ndeny all;"},
			},
		},
	},

	// Tokens.
	{
		ID:    TokenExpired,
		Title: "The token has expired",
		Explanation: "Access tokens are deliberately short-lived, often minutes to an hour, and carry their end time inside them (the exp claim of a JWT). " +
			"Once that time has passed the server refuses the token, even though the same token worked earlier. " +
			"A client that caches a token and never refreshes it works for a while after each start, then fails until it fetches a new one.",
		Recognition: "The JWT's exp lies before the server's Date header (or the local clock). The challenge often says so: error=\"invalid_token\" with a description like \"Jwt expired at ...\" (Spring), \"The token expired at ...\" (ASP.NET Core) or \"Jwt is expired\" (Envoy). " +
			"In logs, one client's requests turn from 2xx to 401 a fixed time after it starts.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Log out and log in again; if the page keeps failing, close the tab and open the site afresh."},
			},
			Developer: {
				{Text: "See when the token expired:", Command: `why401 jwt "$TOKEN"`},
				{Text: "Get a new access token with the refresh token (RFC 6749 section 6):", Command: `curl -s -u 'CLIENT_ID:CLIENT_SECRET' -d grant_type=refresh_token -d "refresh_token=$REFRESH_TOKEN" TOKEN_URL`},
				{Text: "Refresh shortly before exp, and on a 401 with error=\"invalid_token\" refresh once and retry instead of failing."},
			},
			SiteOwner: {
				{Text: "Issue refresh tokens to clients that run for long, and keep the error description in the challenge so clients can tell expiry from other failures."},
			},
		},
	},
	{
		ID:    TokenNotYetValid,
		Title: "The token is not valid yet",
		Explanation: "A JWT may carry nbf (not before) and iat (issued at) times. " +
			"If the server's clock is behind the clock of the service that issued the token, a brand-new token looks as if it came from the future and is refused until the server's clock catches up. " +
			"This shows up right after login and cures itself after seconds or minutes, which makes it look random.",
		Recognition: "The token's nbf or iat lies after the server's Date header; messages such as \"Jwt not yet valid\" (Envoy), \"Jwt used before ...\" (Spring) or \"The token is not valid before ...\" (ASP.NET Core). " +
			"The same token succeeds when retried a little later.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Read nbf and iat and compare them with the server's Date header:", Command: `why401 jwt "$TOKEN"; curl -sI URL | grep -i '^date:'`},
				{Text: "As a stopgap, wait a few seconds after getting a token before the first call, and report the clock difference to the API owner."},
			},
			SiteOwner: {
				{Text: "Keep the clocks of the API servers and the identity provider synced:", Command: `timedatectl set-ntp true`},
				{Text: "Check how far off the clock is and whether it is syncing:", Command: `chronyc tracking`},
				{Text: "Allow a small leeway (a minute or two) for nbf and iat in the token validator; most JWT libraries have a clock-skew setting."},
			},
		},
	},
	{
		ID:    TokenAudience,
		Title: "The token was issued for a different audience",
		Explanation: "The aud claim says which service a token is meant for, so that a token for one API cannot be replayed at another. " +
			"If the identity provider writes another name there (Keycloak, for instance, defaults to account) or the API expects a different identifier than the client asked for, every token is refused although it is otherwise valid. " +
			"Some gateways report this as 403 or even 500 rather than 401.",
		Recognition: "The token's aud (or azp where aud is absent) does not contain the audience the server expects, taken from --audience, RFC 9728 resource metadata or the API's documentation; " +
			"challenge descriptions such as \"Audiences in Jwt are not allowed\" (Envoy) or \"the token does not have a valid audience\" (AWS API Gateway).",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Look at aud and azp:", Command: `why401 jwt "$TOKEN"`},
				{Text: "Ask for a token for this API, with the audience or resource parameter your provider documents (RFC 8707 uses resource):", Command: `curl -s -u 'CLIENT_ID:CLIENT_SECRET' -d grant_type=client_credentials -d 'resource=https://HOST/' TOKEN_URL`},
			},
			SiteOwner: {
				{Text: "Make the identity provider put this API's identifier into aud (in Keycloak, an audience mapper on the client scope), or configure the API with the audience the provider really issues when that value names this API alone."},
			},
		},
	},
	{
		ID:    TokenIssuer,
		Title: "The token comes from an issuer this server does not trust",
		Explanation: "The iss claim names the identity provider that issued a token, and the server accepts only the issuers it is configured with, compared as exact strings. " +
			"A provider reached by users under one address and by servers under another (localhost or an internal name versus the public host, http versus https, with or without a path like /auth) writes whichever address it was called on, so the strings differ. " +
			"Tokens from a test tenant or another realm fail the same way.",
		Recognition: "The token's iss differs from the issuer the server expects, or from the issuer field of the discovery document fetched through the client's URL, often only in scheme, host, port or a trailing path segment. " +
			"Envoy says \"Jwt issuer is not configured\".",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Read the token's iss:", Command: `why401 jwt "$TOKEN"`},
				{Text: "Compare it with the issuer the provider publishes, and get tokens from that same public URL:", Command: `curl -s ISSUER_URL/.well-known/openid-configuration`},
			},
			SiteOwner: {
				{Text: "Give the identity provider one fixed public host name (Keycloak's hostname option), so it writes the same iss however it is reached."},
				{Text: "Configure the API with the issuer exactly as the discovery document spells it, including scheme, port and any path."},
			},
		},
	},
	{
		ID:    TokenScope,
		Title: "The token lacks the scope this endpoint needs",
		Explanation: "A token can be valid and still not cover everything: its scopes or roles limit which operations it may perform. " +
			"RFC 6750 says the server should answer such a request with 403 and error=\"insufficient_scope\", naming the scope needed, but many servers use 401. " +
			"Fetching the same kind of token again does not help; the client must ask for the missing scope, and the user or an administrator must be allowed to grant it.",
		Recognition: "The challenge carries error=\"insufficient_scope\", often with a scope parameter; the token's scope, scp or role claims lack what the endpoint (or --scope) requires. " +
			"Other endpoints accept the same token.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Ask the site owner for access to this part of the site; logging in again will not add it."},
			},
			Developer: {
				{Text: "Look at the token's scopes and roles:", Command: `why401 jwt "$TOKEN"`},
				{Text: "Request a token that includes the scope:", Command: `curl -s -u 'CLIENT_ID:CLIENT_SECRET' -d grant_type=client_credentials -d 'scope=SCOPE' TOKEN_URL`},
				{Text: "For a personal access token, edit its permissions in the provider's settings or create one with the scope needed."},
			},
			SiteOwner: {
				{Text: "Answer with 403 and name the scope in the challenge, so clients know what to ask for:", Command: `WWW-Authenticate: Bearer error="insufficient_scope", scope="SCOPE"`},
			},
		},
	},
	{
		ID:    TokenSignature,
		Title: "The token's signature does not verify",
		Explanation: "The server checks a token's signature with the issuer's public key, found through the kid in the token's header, usually in a JWKS document. " +
			"When the issuer has rotated keys and the server still holds the old set, when the token was signed with another environment's key, or when it uses an algorithm the server does not allow (none included), the check fails and the token is refused. " +
			"After a key rotation this can hit every client at once.",
		Recognition: "The token's kid is not in the JWKS the server publishes or uses, verification with that JWKS fails, or alg is none or not the expected one; " +
			"messages like \"Jwks doesn't have key to match kid or alg from Jwt\" (Envoy), \"The signature key was not found\" or \"The signature is invalid\" (ASP.NET Core). A 401 spike right after a key rotation points here.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Read alg and kid from the token's header:", Command: `why401 jwt "$TOKEN"`},
				{Text: "Fetch the key set and look for that kid:", Command: `curl -s JWKS_URL`},
				{Text: "Get a new token from the issuer this API trusts; a token signed by another environment cannot be repaired."},
			},
			SiteOwner: {
				{Text: "Refetch the JWKS when a token names an unknown kid (at most every few minutes) instead of waiting for the cache to expire."},
				{Text: "Rotate keys with overlap: publish the new key in the JWKS before signing with it, and keep the old one until its tokens have expired."},
				{Text: "Pin the algorithms the validator accepts and never accept none."},
			},
		},
	},
	{
		ID:    TokenMalformed,
		Title: "The token is not well formed",
		Explanation: "A JWT is three base64url parts joined by dots: header, payload and signature. " +
			"If the value has the wrong number of parts, characters outside base64url, or parts that do not decode to JSON, the server cannot read it at all. " +
			"This usually comes from copying: a token cut short, wrapped in quotes, with Bearer typed twice, or the text undefined sent in place of a variable that was never set.",
		Recognition: "Where the server expects JWTs: the bearer value does not split into three (JWS) or five (JWE) dot-separated parts, a part is not base64url, or the header or payload is not JSON; " +
			"values like undefined, null or \"Bearer Bearer ...\" appear. Challenges say error=\"invalid_token\" or invalid_request. Opaque tokens are not JWTs and are not judged by this shape.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Decode the token to see which part is broken:", Command: `why401 jwt "$TOKEN"`},
				{Text: "Print the variable between brackets to reveal quotes, spaces and line breaks:", Command: `printf '[%s]\n' "$TOKEN"`},
				{Text: "Make sure the code sends the token value itself, not the whole JSON token response and not an unset variable."},
			},
		},
	},
	{
		ID:    TokenWrongType,
		Title: "A token of the wrong type was sent",
		Explanation: "A sign-in hands out several tokens: an ID token tells the client app who the user is, an access token is meant for APIs, and a refresh token only serves to get new access tokens. " +
			"Sending an ID token or a refresh token to an API fails, because its audience, type or format is not that of an access token. " +
			"The mix-up is easy to make because ID tokens and access tokens are often both JWTs.",
		Recognition: "The token's header typ is not at+jwt where the API wants RFC 9068 access tokens, a token_use claim says id, aud equals the client's own ID, or the token carries a nonce and profile claims but no scope; " +
			"or the value is an opaque refresh token.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Check typ, aud and token_use:", Command: `why401 jwt "$TOKEN"`},
				{Text: "Send the access_token field of the token response, not id_token or refresh_token."},
			},
			SiteOwner: {
				{Text: "Reject ID tokens with a clear error description, and check typ (RFC 9068) so the mistake is named rather than reported as a bad signature or audience."},
			},
		},
	},
	{
		ID:    TokenJwksUnavailable,
		Title: "The server cannot load its signing keys",
		Explanation: "To verify tokens the server downloads the issuer's public keys (the JWKS) and caches them. " +
			"If the download fails, because of DNS, a firewall on outgoing traffic, a TLS problem or an outage at the identity provider, the server has nothing to check signatures with and refuses every token. " +
			"Because the cache expires and refreshes on its own schedule, the failures often come and go.",
		Recognition: "Valid tokens from the expected issuer are refused all at once or intermittently; Envoy says \"Jwks remote fetch is failed\"; " +
			"the JWKS URL from the discovery document does not answer, or answers with an error, and the probe records a JWKS fetch error.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Check whether the key set URL answers at all:", Command: `curl -sv -o /dev/null JWKS_URL`},
				{Text: "Report the time and any request ID to the API owner; the client cannot fix this."},
			},
			SiteOwner: {
				{Text: "Fetch the JWKS from the API host itself, to test its DNS, outgoing firewall and TLS trust:", Command: `curl -sv -o /dev/null JWKS_URL`},
				{Text: "Keep using the last good key set when a refresh fails, and alert on failed fetches."},
			},
		},
	},
	{
		ID:    ClockSkew,
		Title: "The client and server clocks disagree",
		Explanation: "Tokens, signed URLs, one-time codes and cookies carry times, and whoever checks them compares those times with its own clock. " +
			"If one machine's clock is off by minutes, fresh credentials can look expired or not yet valid. " +
			"The HTTP Date header shows the server's idea of the time, so a large difference from the local clock is easy to spot.",
		Recognition: "The response's Date header differs from the local clock at receipt by more than about a minute, after allowing for the request's duration; " +
			"iat, nbf or exp checks fail by roughly that difference; the failure disappears on a machine whose clock is synced.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Turn on automatic date, time and time zone in your device's settings, then reload the page."},
			},
			Developer: {
				{Text: "Compare the server's Date header with your clock, both in UTC:", Command: `date -u; curl -sI URL | grep -i '^date:'`},
				{Text: "Sync the local clock:", Command: `timedatectl set-ntp true`},
			},
			SiteOwner: {
				{Text: "Turn on time sync on every server involved:", Command: `timedatectl set-ntp true`},
				{Text: "Check the offset and sync state:", Command: `chronyc tracking`},
			},
		},
	},

	// Sessions and cookies.
	{
		ID:    SessionExpired,
		Title: "The login session has ended",
		Explanation: "After you log in, the site remembers you with a session cookie that points at a session kept on the server. " +
			"When the session times out, is ended by a logout elsewhere, or is lost because the server restarted or another server does not know it, the cookie leads nowhere and the site asks you to log in again. " +
			"A fresh login creates a new session and fixes it.",
		Recognition: "A session-like cookie was sent and the answer is 401 or a redirect to the login page; the no-cookies variant gets the same answer, so the cookie adds nothing; " +
			"the body mentions an expired or invalid session, or the cookie's Expires or Max-Age has passed.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Log in again. If that fails too, clear this site's cookies and try once more."},
			},
			Developer: {
				{Text: "Log in again and keep the new session cookie in a cookie jar:", Command: `curl -v -c cookies.txt -d 'username=USER' -d 'password=PASS' LOGIN_URL`},
				{Text: "Then send the jar with later requests:", Command: `curl -v -b cookies.txt URL`},
			},
			SiteOwner: {
				{Text: "Keep sessions in a store that all servers share and that survives restarts (a database or Redis, not process memory), and keep the session signing secret stable across deploys."},
			},
		},
	},
	{
		ID:    CookieStale,
		Title: "An old cookie breaks the request",
		Explanation: "The browser still holds a cookie from an earlier visit, an earlier version of the site or another login, and sends it along. " +
			"The server stumbles over it, because the session it names is gone, its format changed, or it belongs to another user or environment, and answers 401 instead of treating the visitor as new. " +
			"The same page works in a private window, which starts without cookies.",
		Recognition: "The request as given, with its cookies, gets 401 while the no-cookies variant (credentials kept, cookies dropped) gets further: a 2xx, or the ordinary login page.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Open the page in a private or incognito window to confirm; then clear this site's cookies in the browser settings and log in again."},
			},
			Developer: {
				{Text: "Repeat the request without the cookie jar to confirm:", Command: `curl -v URL`},
				{Text: "Delete the stored cookies and log in afresh:", Command: `rm cookies.txt`},
			},
			SiteOwner: {
				{Text: "When a session cookie is unknown or unreadable, expire it and carry on as anonymous instead of failing:", Command: `Set-Cookie: sid=; Path=/; Max-Age=0`},
				{Text: "When the cookie's format changes, rename the cookie so that old ones are simply ignored."},
			},
		},
	},
	{
		ID:    CookieRejected,
		Title: "The browser refuses to store the cookie",
		Explanation: "Browsers check each Set-Cookie before storing it and silently drop those that break the rules: SameSite=None without Secure, a Secure cookie set over plain http, a Domain that does not cover the current host, a __Secure- or __Host- cookie without the attributes its prefix demands, or a name and value over about 4 KB. " +
			"The login seems to succeed, but the next request carries no cookie, so the site asks again.",
		Recognition: "A Set-Cookie on the login response (or any hop) breaks a storage rule of the cookie specification (RFC 6265bis): SameSite=None without Secure, Secure over http, a Domain that is not a suffix of the host or is a public suffix, " +
			"__Host- with a Domain or without Path=/, __Secure- without Secure, or name plus value over 4096 bytes; the following request lacks the cookie. Browser developer tools flag the Set-Cookie line with a warning.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Tell the site owner that the page keeps asking you to log in, with the exact address and the time it happened."},
			},
			Developer: {
				{Text: "In the browser's developer tools, open the login response in the Network tab; the cookie section says why a Set-Cookie was blocked."},
			},
			SiteOwner: {
				{Text: "For a cookie that must also travel cross-site, send None together with Secure:", Command: `Set-Cookie: sid=...; Path=/; Secure; HttpOnly; SameSite=None`},
				{Text: "Serve the site over https so Secure cookies can be set at all; for the __Host- prefix leave out Domain and use Path=/:", Command: `Set-Cookie: __Host-sid=...; Path=/; Secure; HttpOnly; SameSite=Lax`},
				{Text: "Keep cookies small: store a session ID in the cookie and the data on the server."},
			},
		},
	},
	{
		ID:    CookieNotSent,
		Title: "The browser holds the cookie but does not send it here",
		Explanation: "A stored cookie goes only to addresses that match its Domain and Path, only over https if it is Secure, and only until it expires. " +
			"A cookie set by www.example.com is not sent to example.com, one with Path=/app is not sent to /api, and a Secure cookie is not sent over http. " +
			"The site then behaves as if you never logged in.",
		Recognition: "A cookie set earlier does not match the failing URL: host-only or with a Domain that does not cover this host (www versus the bare name), a Path that is not a prefix of the URL's path, " +
			"Secure on an http URL, or an Expires or Max-Age already passed; the failing request carries no such cookie.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Use the same address you logged in on (with or without www, and with https) and log in again there."},
			},
			Developer: {
				{Text: "Call exactly the host and scheme the cookie was set for; the cookie jar shows each cookie's domain, path and Secure flag:", Command: `cat cookies.txt`},
			},
			SiteOwner: {
				{Text: "Redirect all traffic to one canonical host over https, so cookies are set and sent under the same name."},
				{Text: "Give the session cookie Path=/ and, when subdomains must share it, a Domain that covers them:", Command: `Set-Cookie: sid=...; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Lax`},
			},
		},
	},
	{
		ID:    CookieSamesite,
		Title: "A cross-site flow loses the cookie",
		Explanation: "Browsers restrict cookies on requests that start from another site. " +
			"Chromium-based browsers treat a cookie without SameSite as Lax, so it is not sent with a cross-site POST (such as a SAML response posted back to the site), inside an iframe or with a fetch from another site, and Strict is stricter still. " +
			"Safari and Firefox also block third-party cookies widely, so embedded logins and single sign-on can fail even with SameSite=None.",
		Recognition: "The failing request is cross-site (a different registrable domain in Origin, Referer or the top-level page: an iframe, a form POST from an identity provider, a fetch from another site) and the cookie it needs has no SameSite, Lax or Strict; " +
			"the same page works when opened directly in its own tab.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Open the application in its own tab rather than inside another site, or allow cookies for this site in the browser's privacy settings."},
			},
			Developer: {
				{Text: "For cross-site fetches that need cookies, send them explicitly (fetch with credentials: 'include') and check that the server's CORS answer allows credentials for your origin."},
			},
			SiteOwner: {
				{Text: "Mark cookies that must travel cross-site as SameSite=None and Secure:", Command: `Set-Cookie: sid=...; Path=/; Secure; HttpOnly; SameSite=None`},
				{Text: "For embedded use consider partitioned cookies (the Partitioned attribute), or move the flow to a top-level redirect, where Lax cookies are sent with GET navigations."},
			},
		},
	},

	// Where the request goes.
	{
		ID:    UrlWrong,
		Title: "The URL points at a protected or outdated address",
		Explanation: "Sometimes nothing is wrong with the credentials and the address itself is off. " +
			"A typo, an old bookmark, a login page that moved or an API path that no longer exists can land in an area that demands a password. " +
			"Some gateways even answer a path they do not know with an authentication error: AWS API Gateway says \"Missing Authentication Token\" for a route that does not exist.",
		Recognition: "The path differs from the documented one or redirects elsewhere; an API gateway's body says \"Missing Authentication Token\" or the like for a route it does not have; " +
			"a parent or sibling path answers without a challenge; the 401's realm belongs to another application.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Go to the site's home page and navigate from there instead of using the old link or bookmark; update the bookmark once you find the page."},
			},
			Developer: {
				{Text: "Check the path, API version and stage against the API's documentation, and compare with a path known to work:", Command: `curl -v https://HOST/`},
			},
			SiteOwner: {
				{Text: "Redirect old paths to their new place with 301 or 308, and answer routes that do not exist with 404 rather than 401 or 403."},
			},
		},
	},
	{
		ID:    RedirectAuthDropped,
		Title: "A redirect made the client drop the Authorization header",
		Explanation: "When a response redirects to another host, HTTP clients remove the Authorization header before following it, so that a password cannot leak to another site, and the next hop arrives without credentials and answers 401. " +
			"curl does this on a change of host since version 7.58 and, since 7.83, on a change of scheme or port too; browsers do it on every cross-origin redirect, as the Fetch standard requires; Go's client keeps the header only for the same host or its subdomains. " +
			"Python's requests removes it on a change of host but keeps it from http to https on the default ports.",
		Recognition: "A redirect hop changes host (or scheme or port) and the next request lacks the Authorization header the first one carried; the 401 comes on that later hop, and the per-client table shows which clients keep the header. " +
			"The final URL, called directly with the credentials, succeeds.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Call the final URL directly, so no redirect is needed:", Command: `curl -v -H "Authorization: Bearer $TOKEN" FINAL_URL`},
				{Text: "If you trust every host in the chain, let curl send the credentials across hosts:", Command: `curl -v --location-trusted -u 'USER:PASS' URL`},
			},
			SiteOwner: {
				{Text: "Serve the API on the host clients call, or publish the final host as the API address; do not redirect authenticated API requests across hosts or from http to https."},
			},
		},
	},
	{
		ID:    RedirectScheme,
		Title: "Credentials or cookies are lost between http and https",
		Explanation: "For credentials, the same site over http and over https are two different places. " +
			"A Secure cookie is never sent over http, several clients drop the Authorization header when a redirect switches scheme, and a server may accept logins on only one of the two. " +
			"A link or setting that starts on http therefore loses what the https side needs, or the other way round.",
		Recognition: "The target or a hop uses http while the site's cookies are Secure or the login happened on https; a redirect between http and https comes just before the 401; " +
			"the other-scheme variant answers differently from the request as given.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Type the address with https:// in front and log in again there."},
			},
			Developer: {
				{Text: "Use the https URL from the start:", Command: `curl -v -u 'USER:PASS' https://HOST/PATH`},
			},
			SiteOwner: {
				{Text: "Redirect every http request to https with a permanent redirect (nginx, in the port 80 server block):", Command: `return 308 https://$host$request_uri;`},
				{Text: "Announce https-only with HSTS so browsers stop trying http:", Command: `Strict-Transport-Security: max-age=31536000`},
			},
		},
	},
	{
		ID:    RedirectToLogin,
		Title: "An API call is redirected to a login page",
		Explanation: "Single sign-on proxies and web frameworks often answer an unauthenticated request with a redirect to a login page, which suits people in browsers. " +
			"An API client or a page's JavaScript instead receives an HTML login form, a CORS error (the identity provider does not allow the fetch) or a loop, and never sees a clear 401. " +
			"The real problem, usually a missing or expired session or token, is hidden behind the redirect.",
		Recognition: "A request for JSON (or carrying Authorization) is answered 302, 303 or 307 to a path like /login, /oauth2/start or the identity provider's authorize endpoint, or ends in an HTML page with a password form; " +
			"an SSO proxy (oauth2-proxy, Authelia, an AWS load balancer) or a framework's default sits in front.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Ask for JSON and do not follow redirects, to see what the server really answers:", Command: `curl -v -H 'Accept: application/json' URL`},
				{Text: "Send the API's token or session cookie; the redirect goes away once the request is authenticated."},
			},
			SiteOwner: {
				{Text: "Make API paths answer 401 instead of redirecting: many frameworks do so when the request asks for JSON, and behind nginx oauth2-proxy's /oauth2/auth endpoint (used with auth_request) answers 202 or 401 without redirecting."},
			},
		},
	},
	{
		ID:    RedirectLoginLoop,
		Title: "The login keeps redirecting back to itself",
		Explanation: "After a successful login the site sends the browser back to the page it wanted, but that page still sees no valid session and sends it to the login again. " +
			"Usually the session cookie was not stored or not sent (a Secure cookie behind a proxy that tells the app the request was http, SameSite rules, a cookie domain that does not match), " +
			"or the clocks of the site and the identity provider disagree, so the fresh login looks invalid.",
		Recognition: "The redirect chain visits the same URLs (login, callback, target) several times; the Set-Cookie on the callback is missing, rejected or does not match the target; " +
			"the app builds its redirect targets with http while the browser uses https.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Clear this site's cookies, make sure your device sets its clock automatically, and try once in a private window."},
			},
			Developer: {
				{Text: "Follow the loop with a cookie jar and watch which Set-Cookie lines appear and whether they are sent back:", Command: `curl -v -L --max-redirs 10 -c cookies.txt -b cookies.txt URL`},
			},
			SiteOwner: {
				{Text: "Tell the app the original scheme, so it sets Secure cookies and builds https redirects (nginx):", Command: `proxy_set_header X-Forwarded-Proto $scheme;`},
				{Text: "Check the cookie's Domain, Path and SameSite against the callback and target URLs, and sync the clocks of the app and the identity provider."},
			},
		},
	},
	{
		ID:    CorsPreflightAuth,
		Title: "The browser's CORS preflight is refused with 401",
		Explanation: "Before a cross-origin request that carries an Authorization header, a browser first sends an OPTIONS preflight to ask whether that is allowed, and the preflight never carries credentials, by design. " +
			"If the server protects OPTIONS like any other method, it answers 401, the browser treats the failed preflight as a network error, and the real request is never sent. " +
			"The page only shows a CORS error.",
		Recognition: "The preflight variant (OPTIONS with Origin, Access-Control-Request-Method and Access-Control-Request-Headers: authorization) gets 401 or another non-2xx status, " +
			"or its 2xx answer has an Access-Control-Allow-Headers that does not name authorization (a * does not cover it).",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Replay the preflight as a browser sends it:", Command: `curl -v -X OPTIONS -H 'Origin: https://ORIGIN' -H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: authorization' URL`},
				{Text: "The fix is on the server: a preflight cannot be given credentials."},
			},
			SiteOwner: {
				{Text: "Answer preflights before authentication runs, and add the CORS headers for your origin (nginx, inside the protected location):", Command: `if ($request_method = OPTIONS) { return 204; }`},
				{Text: "Or switch nginx's Basic auth off for OPTIONS only:", Command: "map $request_method $auth_realm {\n    OPTIONS off;\n    default \"Restricted\";\n}\n# in the location:\nauth_basic $auth_realm;"},
				{Text: "The same for Apache:", Command: "<LimitExcept OPTIONS>\n    Require valid-user\n</LimitExcept>"},
				{Text: "Name authorization explicitly in the preflight answer; a wildcard does not cover it:", Command: `Access-Control-Allow-Headers: Authorization, Content-Type`},
			},
		},
	},
	{
		ID:    TlsClientCertificate,
		Title: "The server wants a client certificate",
		Explanation: "With mutual TLS the server asks the client to prove who it is with a certificate during the TLS handshake, before any HTTP is exchanged. " +
			"If the client has none, sends one that has expired, or one from an authority the server does not trust, the server refuses: some close the connection, others answer 401 or 403 (Kubernetes answers 401; IIS uses 403.7, 403.16 and 403.17). " +
			"No password or token can make up for the missing certificate.",
		Recognition: "The TLS handshake shows a certificate request and no certificate was sent, or the one sent is expired or issued by an authority outside the server's acceptable list; " +
			"the failure happens during or right after the handshake, whatever the HTTP credentials.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "If your organisation gave you a certificate, check that it is installed in the browser or device and not expired; otherwise ask the site owner how to get one."},
			},
			Developer: {
				{Text: "Send the client certificate and its key:", Command: `curl -v --cert client.crt --key client.key URL`},
				{Text: "Check the certificate's dates and issuer:", Command: `openssl x509 -in client.crt -noout -subject -issuer -dates`},
				{Text: "See which authorities the server accepts (the \"Acceptable client certificate CA names\" part of the output):", Command: `openssl s_client -connect HOST:443 -servername HOST </dev/null`},
			},
			SiteOwner: {
				{Text: "Trust the authority that issues your clients' certificates (nginx):", Command: "ssl_client_certificate /etc/nginx/client-ca.pem;\nssl_verify_client on;"},
				{Text: "Renew client certificates before they expire; while migrating clients, ssl_verify_client optional lets the application decide per request."},
			},
		},
	},
}
