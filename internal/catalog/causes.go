package catalog

// causes is the catalog's table and its one list of causes: go generate
// derives the ID constants of ids.go from the entries' IDs, and the
// table's order is the order of IDs, All and docs/causes.md. Placeholders
// in commands are in capitals (URL, HOST, USER, PASS, TOKEN); shell
// variables such as $TOKEN are meant to be set by the reader.
var causes = []Cause{
	// Credentials the client sends.
	{
		ID:    "credentials.missing",
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
		ID:    "credentials.rejected",
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
				{Text: "With Apache's mod_authnz_ldap, every refusal looks the same from outside, a wrong password or not: raise LogLevel authnz_ldap:info and read the reason in brackets after AH01695. [ldap_simple_bind() to check user credentials failed][Invalid credentials] is the user's password; [LDAP: ldap_simple_bind() failed][Invalid credentials] is the server's own AuthLDAPBindDN/AuthLDAPBindPassword; [User not found][No such object] means the search in AuthLDAPURL (base DN, attribute after ?, filter) found no such user. Check the search as the server makes it:", Command: `ldapsearch -x -H ldap://HOST:389 -D 'BIND_DN' -W -b 'BASE_DN' '(uid=USER)' dn`},
				{Text: "With Digest, an entry counts only in the realm it was made for (user:realm:hash): check that the user's line names the realm the server challenges with (Apache's AuthName), or make it again for that realm:", Command: `grep '^USER:REALM:' /etc/apache2/htdigest || htdigest /etc/apache2/htdigest 'REALM' USER`, For: []string{"digest"}},
			},
		},
	},
	{
		ID:    "credentials.malformed",
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
		ID:    "credentials.wrong-scheme",
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
		ID:    "credentials.encoding",
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
		ID:    "credentials.wrong-kind",
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
		ID:    "auth.header-collision",
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
		ID:    "token.expired",
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
		ID:    "token.not-yet-valid",
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
		ID:    "token.audience",
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
		ID:    "token.issuer",
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
		ID:    "token.scope",
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
		ID:    "token.signature",
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
		ID:    "token.malformed",
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
		ID:    "token.wrong-type",
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
		ID:    "token.jwks-unavailable",
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
		ID:    "clock.skew",
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
		ID:    "session.expired",
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
		ID:    "cookie.stale",
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
				{Text: "Repeat the request without the cookie jar, keeping any other credentials, to confirm:", Command: `curl -v URL`},
				{Text: "Delete the stored cookies and log in afresh:", Command: `rm cookies.txt`},
			},
			SiteOwner: {
				{Text: "When a session cookie is unknown or unreadable, expire it and carry on as anonymous instead of failing:", Command: `Set-Cookie: sid=; Path=/; Max-Age=0`},
				{Text: "When the cookie's format changes, rename the cookie so that old ones are simply ignored."},
			},
		},
	},
	{
		ID:    "cookie.rejected",
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
		ID:    "cookie.not-sent",
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
		ID:    "cookie.samesite",
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
		ID:    "url.wrong",
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
		ID:    "redirect.auth-dropped",
		Title: "A redirect made the client drop the Authorization header",
		Explanation: "When a response redirects to another host, HTTP clients remove the Authorization header before following it, so that a password cannot leak to another site, and the next hop arrives without credentials and answers 401. " +
			"curl does this on a change of host since version 7.58 and, since 7.83, on a change of scheme or port too; the Fetch standard requires browsers to do it on every cross-origin redirect; Go's client keeps the header only for the same host or its subdomains. " +
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
		ID:    "redirect.scheme",
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
		ID:    "redirect.to-login",
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
		ID:    "redirect.login-loop",
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
		ID:    "cors.preflight-auth",
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
				{Text: "Answer preflights before authentication runs (nginx, inside the protected location; send your CORS headers with add_header ... always):", Command: `if ($request_method = OPTIONS) { return 204; }`},
				{Text: "Or switch nginx's Basic auth off for OPTIONS only:", Command: "map $request_method $auth_realm {\n    OPTIONS off;\n    default \"Restricted\";\n}\n# in the location:\nauth_basic $auth_realm;"},
				{Text: "The same for Apache:", Command: "<LimitExcept OPTIONS>\n    Require valid-user\n</LimitExcept>"},
				{Text: "Name authorization explicitly in the preflight answer; a wildcard does not cover it:", Command: `Access-Control-Allow-Headers: Authorization, Content-Type`},
			},
		},
	},
	{
		ID:    "tls.client-certificate",
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
	{
		ID:    "tls.certificate",
		Title: "The server's TLS certificate is not valid for this request",
		Explanation: "Before a client sends credentials it checks the server's certificate: the certificate must be within its validity dates, name the host being called and chain to a trusted authority. " +
			"If the check fails, browsers show a warning and scripts stop; clients told to ignore the error (curl -k) may reach a different server than intended, such as a default site that does not know the user. " +
			"Credentials should never be sent over a connection whose certificate does not verify.",
		Recognition: "The server's chain does not verify for the name called (recorded even with -k): NotAfter in the past, NotBefore in the future, the host missing from the certificate's names, or an unknown issuer; " +
			"or the 401 came over a connection made with verification turned off.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Do not click past a certificate warning to log in; check that the address is right and tell the site owner."},
			},
			Developer: {
				{Text: "Show the certificate the server sends, with its names and dates:", Command: `openssl s_client -connect HOST:443 -servername HOST </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer -dates -ext subjectAltName`},
				{Text: "Drop -k (or verify=False) and fix trust instead; for a private authority, name it explicitly:", Command: `curl -v --cacert ca.pem URL`},
			},
			SiteOwner: {
				{Text: "Renew the certificate (for Let's Encrypt with certbot) and serve the full chain, not only the site's own certificate:", Command: `certbot renew`},
				{Text: "Make the certificate cover every name clients use, the www and the bare name included."},
			},
		},
	},
	{
		ID:    "dns.mismatch",
		Title: "The host name leads to servers that are not the same site",
		Explanation: "A name can resolve to several addresses, and a cached or forgotten record can keep pointing at an old server. " +
			"If one of those addresses belongs to a previous host, a test machine or another site, requests that land there meet a different configuration, user list or certificate. " +
			"The result looks random: it works for some people or some attempts and not for others.",
		Recognition: "The name resolves to several addresses and the per-address variants answer differently (status, Server header, body or certificate), or one address's certificate does not cover the name; " +
			"the IPv4 and IPv6 records point at different machines.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Try again later or from another network (mobile data, for instance); if only one network fails, tell the site owner which one."},
			},
			Developer: {
				{Text: "List the addresses the name resolves to:", Command: `dig +short HOST A HOST AAAA`},
				{Text: "Pin the request to each address in turn and compare the answers:", Command: `curl -v --resolve HOST:443:ADDRESS https://HOST/PATH`},
			},
			SiteOwner: {
				{Text: "Delete the records of retired servers (check both A and AAAA), and lower the TTL ahead of future moves."},
			},
		},
	},
	{
		ID:    "backend.inconsistent",
		Title: "Servers behind the same name answer differently",
		Explanation: "Busy sites run the same application on several servers behind a load balancer. " +
			"If one of them has an old password file, a different signing secret, a config change that never reached it, or sessions kept in its own memory, the same request succeeds on one server and fails on the next. " +
			"People see logins that work once and then fail, or failures that come and go.",
		Recognition: "Repeating the identical request gives a mix of 2xx and 401; per-address variants disagree, or answers carry different server IDs, versions or ETags; " +
			"a fresh login fails on the next request when that request reaches another node.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Reload once or twice; if the failure comes and goes, send the site owner the address and the times it failed."},
			},
			Developer: {
				{Text: "Repeat the request and note the status and the address that answered each time:", Command: `for i in $(seq 10); do curl -s -o /dev/null -w '%{http_code} %{remote_ip}\n' -u 'USER:PASS' URL; done`},
			},
			SiteOwner: {
				{Text: "Deploy secrets and auth configuration (signing keys, password files, session secret) to every node from one source, and check that they match."},
				{Text: "Keep sessions in a shared store; sticky sessions only hide the difference."},
			},
		},
	},

	// Server, proxy, cache and firewall.
	{
		ID:    "server.basic-auth",
		Title: "Server-level password protection stands in front of the site",
		Explanation: "The web server itself, not the application, asks for a user name and password, usually checked against an htpasswd file (nginx auth_basic, Apache AuthType Basic, a hosting panel's directory privacy). " +
			"Browsers show their own small password box for it, and anything without those credentials, scripts, webhooks and uptime monitors included, is stopped. " +
			"It is common on staging sites and admin folders.",
		Recognition: "The no-credentials variant gets 401 with WWW-Authenticate: Basic realm=\"...\" and the web server's stock page (nginx \"401 Authorization Required\", Apache \"This server could not verify that you are authorized\"), " +
			"with no application headers or cookies in the answer.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Enter the user name and password the site owner gave you in the browser's password box; if you have none, ask them for it."},
			},
			Developer: {
				{Text: "Send the server-level user name and password:", Command: `curl -v -u 'USER:PASS' URL`},
			},
			SiteOwner: {
				{Text: "Create the password file with a first user (-c creates or overwrites the file):", Command: `htpasswd -B -c /etc/nginx/.htpasswd USER`},
				{Text: "Or switch the protection off where it should not apply (nginx, in that location):", Command: `auth_basic off;`},
			},
		},
	},
	{
		ID:    "server.htpasswd-file",
		Title: "The server's password file cannot be used",
		Explanation: "Server-level passwords are checked against a file named in the configuration (auth_basic_user_file in nginx, AuthUserFile in Apache). " +
			"If the file does not exist at that path, the server's user cannot read it, or its lines are not user:hash, no password can ever match. " +
			"A relative path is a classic trap: nginx resolves it against its configuration directory and Apache against its ServerRoot, not against where the file was created. " +
			"Where the users live in a directory instead (Apache's AuthBasicProvider ldap), the same answer, which looks alike from outside, means the server cannot reach that directory: AuthLDAPURL names a host or port where no LDAP server answers.",
		Recognition: "The configuration names a relative path, a path that does not exist or a file the server user cannot read, or the file holds empty or broken lines; " +
			"the password box keeps returning even with the right password, or nginx answers 403 and Apache 500 as soon as credentials are sent; the error log shows open() \"...\" failed or \"Could not open password file\". " +
			"With mod_authnz_ldap, Apache's error log (LogLevel authnz_ldap:info) shows AH01695 ... [LDAP: ldap_simple_bind() failed][Can't contact LDAP server].",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			SiteOwner: {
				{Text: "Name the file by its absolute path (nginx):", Command: `auth_basic_user_file /etc/nginx/.htpasswd;`},
				{Text: "The same for Apache:", Command: `AuthUserFile /etc/apache2/.htpasswd`},
				{Text: "Let the server's group read the file, and nobody else (www-data on Debian and Ubuntu):", Command: `chown root:www-data /etc/nginx/.htpasswd && chmod 640 /etc/nginx/.htpasswd`},
				{Text: "Print every line that is not of the form user:hash, then test and reload:", Command: `grep -vnE '^[^:[:space:]]+:[^[:space:]]+$' /etc/nginx/.htpasswd; nginx -t && systemctl reload nginx`},
				{Text: "In cPanel > Files > Directory Privacy, open the directory and add the user again: cPanel writes the password file (/home/USER/.htpasswds/public_html/DIR/passwd) and the .htaccess lines that name it; do not edit either by hand.", For: []string{"cpanel"}},
				{Text: "In DirectAdmin > Advanced Features > Password Protected Directories, open the directory and add the user again: DirectAdmin writes the password file (/home/USER/domains/DOMAIN/.htpasswd/public_html/DIR/.htpasswd) and the .htaccess lines that name it.", For: []string{"directadmin"}},
				{Text: "In Plesk > Websites & Domains > Password-Protected Directories, open the directory and add the user again: Plesk keeps the users in /var/www/vhosts/system/DOMAIN/pd/ and writes the web server lines that name the file itself.", For: []string{"plesk"}},
			},
		},
	},
	{
		ID:    "server.htpasswd-hash",
		Title: "The password file uses a hash the server cannot check",
		Explanation: "Each line of an htpasswd file stores a password hash, and the server must understand that hash format. " +
			"Apache accepts bcrypt, its own MD5 variant ($apr1$), SHA-1 ({SHA}) and the system's crypt, but plain-text passwords only on Windows and NetWare; nginx accepts the system's crypt, $apr1$, {PLAIN}, {SHA} and {SSHA}, so bcrypt and SHA-crypt work there only where the system's crypt library supports them. " +
			"A line in a format the server cannot check never matches, so that user can never log in.",
		Recognition: "The line's hash has no recognisable prefix (plain text), or a prefix this server cannot check: $2y$ or $2b$ (bcrypt) or $5$ and $6$ (SHA-crypt) where the system's crypt lacks them, or formats from other tools such as {SSHA512} or $argon2; " +
			"that user's correct password is refused while other users log in.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			SiteOwner: {
				{Text: "Write the user's entry again with bcrypt, which Apache checks on every platform since 2.4.4:", Command: `htpasswd -B /etc/apache2/.htpasswd USER`},
				{Text: "For nginx, the Apache MD5 format works on every system:", Command: `htpasswd -m /etc/nginx/.htpasswd USER`, For: []string{"nginx"}},
				{Text: "In cPanel > Files > Directory Privacy, open the directory and save the user's password again: cPanel writes a hash Apache checks.", For: []string{"cpanel"}},
				{Text: "In DirectAdmin > Advanced Features > Password Protected Directories, open the directory and set the user's password again: DirectAdmin writes a hash the server checks.", For: []string{"directadmin"}},
				{Text: "In Plesk > Websites & Domains > Password-Protected Directories, open the directory, then the user, and set the password again: Plesk writes a hash the server checks.", For: []string{"plesk"}},
				{Text: "Without htpasswd, openssl can produce the same format (it asks for the password):", Command: `printf 'USER:%s\n' "$(openssl passwd -apr1)" >> /etc/nginx/.htpasswd`},
				{Text: "Radicale 3.1 checks every line with the one method htpasswd_encryption names (md5 unless set): set it to how the file was made (bcrypt needs python3-bcrypt), or make the file again in the configured format:", Command: `htpasswd -m /etc/radicale/users USER   # [auth] htpasswd_encryption = md5`, For: []string{"radicale"}},
			},
		},
	},
	{
		ID:    "server.auth-scope",
		Title: "Password protection covers more than intended",
		Explanation: "An auth block placed at server or directory level applies to everything beneath it: stylesheets, images, health checks, webhooks, the well-known files certificate renewal needs, and API paths. " +
			"Pages then load without styles, monitoring reports the site as down, or an API path meant for tokens gets a password prompt. " +
			"Nested locations inherit the outer protection unless they switch it off.",
		Recognition: "401s on static assets (.css, .js, images), /health, /.well-known/ or API paths, with the same realm as the protected area; " +
			"in logs, 401s on those paths from monitors, crawlers or other agents while page requests of logged-in users succeed.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			SiteOwner: {
				{Text: "Exempt the paths that must stay open (nginx):", Command: "location /health {\n    auth_basic off;\n}"},
				{Text: "The same for Apache:", Command: "<Location \"/health\">\n    Require all granted\n</Location>"},
				{Text: "Move the auth block into the location that really needs it instead of the whole server or site."},
				{Text: "Protect only the directory that needs it in cPanel > Files > Directory Privacy (and remove the protection from its parent there); paths that must stay open go in an .htaccess of their own, outside the section cPanel manages.", For: []string{"cpanel"}},
				{Text: "Protect only the directory that needs it in DirectAdmin > Advanced Features > Password Protected Directories, and remove the protection from its parent there.", For: []string{"directadmin"}},
				{Text: "Protect only the directory that needs it in Plesk > Websites & Domains > Password-Protected Directories (Remove Protection on its parent); exceptions go in the Additional directives of Apache & nginx Settings, not in the files Plesk generates.", For: []string{"plesk"}},
			},
		},
	},
	{
		ID:    "server.acl",
		Title: "The server's file permissions refuse the logged-in user",
		Explanation: "Authentication worked, but the account the request runs as may not read the file or folder. " +
			"On IIS this is sub-status 401.3: the NTFS permissions grant no read access to the authenticated user, or to the anonymous account (IUSR) or application pool identity. " +
			"Most other servers answer 403 in the same situation.",
		Recognition: "An IIS Server header and, in the IIS log, sc-status 401 with sc-substatus 3; the detailed error page says access is denied because of an ACL; the challenge and the credentials are otherwise fine.",
		Severity:    Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Tell the site owner which page refused you and when; your account may need to be given access."},
			},
			SiteOwner: {
				{Text: "Find the sub-status in the IIS log (the sc-substatus column, under %SystemDrive%\\inetpub\\logs\\LogFiles)."},
				{Text: "Grant read access to the application pool identities:", Command: `icacls "C:\inetpub\wwwroot\SITE" /grant "IIS_IUSRS:(OI)(CI)RX"`},
				{Text: "For anonymous access, grant it to the anonymous account as well:", Command: `icacls "C:\inetpub\wwwroot\SITE" /grant "IUSR:(OI)(CI)RX"`},
			},
		},
	},
	{
		ID:    "challenge.missing",
		Title: "The 401 does not say how to authenticate",
		Explanation: "HTTP requires every 401 to carry a WWW-Authenticate header naming at least one way to authenticate (RFC 9110). " +
			"Without it, generic clients and libraries cannot pick a scheme, automatic retries with credentials do not happen, and people are left guessing whether to send a password, a token or a cookie. " +
			"Many APIs and frameworks leave it out.",
		Recognition: "A final 401 with no WWW-Authenticate header; common with passport-jwt, hand-written middleware and some gateways.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Find the expected scheme in the API's documentation or the 401 body, then send the credentials on the first request:", Command: `curl -v -H "Authorization: Bearer $TOKEN" URL`},
			},
			SiteOwner: {
				{Text: "Add a challenge to every 401 the application sends:", Command: `WWW-Authenticate: Bearer realm="api"`},
			},
		},
	},
	{
		ID:    "challenge.unsupported",
		Title: "The server offers only schemes this client cannot use",
		Explanation: "The server's challenge lists only schemes the client does not support or cannot complete. " +
			"NTLM and Negotiate (Kerberos) work smoothly only on machines joined to the Windows domain, so they fail from Linux servers, phones and most scripts, and a Digest challenge may demand an algorithm the client lacks. " +
			"The client gives up or sends nothing, and the 401 repeats.",
		Recognition: "The challenges are only Negotiate and NTLM (IIS with Windows authentication), Digest with an algorithm such as SHA-512-256 or with userhash, or a vendor scheme; " +
			"IIS logs sub-status 401.2; the anyauth variant finds no scheme it can use.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Use a computer joined to the organisation's network, or ask its IT staff whether the site offers another way to log in."},
			},
			Developer: {
				{Text: "With a Kerberos ticket, let curl negotiate:", Command: `kinit USER@REALM && curl -v --negotiate -u : URL`},
				{Text: "For NTLM:", Command: `curl -v --ntlm -u 'DOMAIN\USER:PASS' URL`},
			},
			SiteOwner: {
				{Text: "Offer a scheme that works outside the domain, such as Basic over https, next to Windows authentication (IIS):", Command: `%windir%\system32\inetsrv\appcmd.exe set config "SITE" -section:system.webServer/security/authentication/basicAuthentication /enabled:"True" /commit:apphost`},
			},
		},
	},
	{
		ID:    "negotiate.no-ticket",
		Title: "The client has no Kerberos ticket for this server",
		Explanation: "Negotiate (RFC 4559, SPNEGO) sends a Kerberos service ticket for HTTP/host, the server's name as the client sees it in the URL. " +
			"The client gets it from its realm's KDC with the ticket-granting ticket that kinit or the Windows login left in the ticket cache. " +
			"Without a cache or with an expired ticket, without a krb5.conf naming the realm, outside the network where the KDC answers, or when the realm knows no principal HTTP/host (the site is reached by another name or a CNAME, or the principal was never created), no ticket can be had: curl and browsers then send nothing, and the 401 repeats.",
		Recognition: "The server challenges with Negotiate; the client's Kerberos library says why it made no token: no ticket cache (klist: No credentials cache found), an expired ticket, no default_realm, no KDC reachable, or KDC_ERR_S_PRINCIPAL_UNKNOWN for HTTP/host. " +
			"why401 probe --negotiate names the cache, krb5.conf, principal and service principal it used.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Sign in to the organisation's network (the Windows domain, or its VPN) and open the page in a browser the organisation allows to log you in automatically; outside that network ask IT staff for another way in."},
				{Text: "If you run your own browser, allow the site for Kerberos: Firefox about:config network.negotiate-auth.trusted-uris, Chrome or Edge policy AuthServerAllowlist.", For: []string{}},
			},
			Developer: {
				{Text: "Get a ticket for your realm, check it, then retry:", Command: `kinit USER@REALM && klist && curl -v --negotiate -u : URL`, For: []string{}},
				{Text: "Outside a domain-joined machine, name the realm and its KDC in krb5.conf (or point KRB5_CONFIG at one), with default_realm set:", Command: "[libdefaults]\n  default_realm = REALM\n[realms]\n  REALM = { kdc = KDC_HOST }", For: []string{}},
				{Text: "Use the host name the service principal was made for (HTTP/host): ask for the ticket to see whether the realm knows it:", Command: `kvno HTTP/HOST`, For: []string{}},
			},
			SiteOwner: {
				{Text: "Create the service principal for every name the site is reached by and put its key in the server's keytab (MIT Kerberos; on Active Directory setspn -S HTTP/HOST ACCOUNT):", Command: `kadmin -q "addprinc -randkey HTTP/HOST" && kadmin -q "ktadd -k /etc/apache2/http.keytab HTTP/HOST"`, For: []string{}},
				{Text: "Offer a second way in for visitors outside the domain, such as a form login or Basic over https next to Negotiate (mod_auth_gssapi: GssapiBasicAuth On)."},
			},
		},
	},
	{
		ID:    "ntlm.connection",
		Title: "The NTLM handshake does not stay on one connection",
		Explanation: "NTLM authenticates a TCP connection, not a request: the client's negotiate message, the server's challenge and the client's answer must travel on one kept-alive connection. " +
			"When the server closes the connection after its challenge, or a proxy or load balancer in front hands the legs to different connections or servers, or the connection is HTTP/2 (which IIS refuses for NTLM), the answer arrives where no handshake is under way and the server starts over with a new 401: an endless loop of 401s although the password is right.",
		Recognition: "The 401 that carries the NTLM challenge says Connection: close, or the answer went on a new connection and got a new bare NTLM challenge; in access logs, the same client gets 401, 401, 401 without a success; a proxy or balancer stands in front.",
		Severity:    Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Check that the answer goes on the connection of the challenge (curl -v says Re-using existing connection) and over HTTP/1.1:", Command: `curl -v --http1.1 --ntlm -u 'DOMAIN\USER:PASS' URL`, For: []string{}},
			},
			SiteOwner: {
				{Text: "Pin each client connection to one upstream connection: open-source nginx cannot (NGINX Plus has the ntlm directive in its upstream block), so proxy NTLM sites at the TCP level, or use a proxy that supports NTLM:", Command: "stream {\n  server { listen 443; proxy_pass BACKEND:443; }\n}"},
				{Text: "Use Kerberos (Negotiate) instead, which authenticates each request and survives proxies; keep NTLM only where it must be."},
			},
		},
	},
	{
		ID:    "proxy.header-stripped",
		Title: "A proxy or CGI layer removes the Authorization header",
		Explanation: "Between the internet and the application, a reverse proxy or a CGI, FastCGI or PHP-FPM setup may not pass the Authorization header on: Apache hides it from CGI scripts by default, and PHP behind FastCGI sees it only when it is handed over as a variable. " +
			"nginx also drops request headers with underscores in their names (such as api_key) unless told otherwise. " +
			"The application then sees no credentials and answers 401 whatever the client sends.",
		Recognition: "The no-credentials and bogus-credential variants get exactly the same answer as the real credentials, so the application never sees the header; " +
			"WordPress answers rest_not_logged_in to Basic with a made-up user instead of invalid_username; the header carrying the key has an underscore in its name and nginx sits in front.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Show the owner that a bogus credential and none at all get the same answer; the header is lost before the application:", Command: `curl -v -u 'nobody:wrong' URL`},
			},
			SiteOwner: {
				{Text: "Apache 2.4.13 and later: pass the header to CGI and FastCGI scripts:", Command: `CGIPassAuth On`},
				{Text: "Older Apache, or where CGIPassAuth is not allowed, copy the header into the environment:", Command: `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1`},
				{Text: "nginx with PHP-FPM:", Command: `fastcgi_param HTTP_AUTHORIZATION $http_authorization;`},
				{Text: "nginx as reverse proxy, when an earlier proxy_set_header cleared it, and for headers with underscores (in the http or server block):", Command: "proxy_set_header Authorization $http_authorization;\nunderscores_in_headers on;"},
			},
		},
	},
	{
		ID:    "proxy.forwarded-headers",
		Title: "The app behind the proxy gets the wrong scheme or host",
		Explanation: "A reverse proxy that ends TLS talks to the application over plain http, so the application believes every request is http unless the proxy says otherwise with X-Forwarded-Proto and X-Forwarded-Host (or Forwarded). " +
			"It then builds redirect and callback URLs with http or an internal host name, refuses to set Secure cookies, or issues tokens with the wrong issuer. " +
			"Logins fail or loop even though each piece works on its own.",
		Recognition: "Redirects, callback URLs or a challenge's realm point to http, an internal host or a port the client did not use (a Docker registry's Bearer realm on http behind a TLS proxy, for one); " +
			"Set-Cookie lacks Secure on an https site; a token's iss uses an internal host.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			SiteOwner: {
				{Text: "Pass the original host and scheme to the application (nginx):", Command: "proxy_set_header Host $host;\nproxy_set_header X-Forwarded-Proto $scheme;\nproxy_set_header X-Forwarded-Host $host;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"},
				{Text: "The same for Apache with mod_proxy and mod_headers:", Command: "ProxyPreserveHost On\nRequestHeader set X-Forwarded-Proto \"https\""},
				{Text: "Tell the application to trust its proxy's headers (for instance Express's trust proxy setting or Django's SECURE_PROXY_SSL_HEADER), and only from the proxy's address."},
			},
		},
	},
	{
		ID:    "proxy.auth-required",
		Title: "A forward proxy wants credentials, not the site",
		Explanation: "In many company networks requests leave through a forward proxy that asks for its own login. " +
			"It answers 407 with a Proxy-Authenticate header instead of 401, and that challenge is meant for the client's proxy settings, not for the website. " +
			"Sending the site's password will not help; proxy credentials travel in a header of their own.",
		Recognition: "Status 407 with Proxy-Authenticate; the request went through a proxy (HTTPS_PROXY or system settings); the same request from outside that network works.",
		Severity:    Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Log in to the company proxy when the browser asks for it, or contact your IT help desk."},
			},
			Developer: {
				{Text: "Give the proxy its own credentials:", Command: `curl -v -x http://PROXY:3128 -U 'PROXYUSER:PROXYPASS' URL`},
				{Text: "Or bypass the proxy for a host that needs none:", Command: `curl -v --noproxy HOST URL`},
			},
			SiteOwner: {
				{Text: "If you run the proxy, exempt internal hosts and service accounts from proxy authentication, or list them in the clients' NO_PROXY."},
			},
		},
	},
	{
		ID:    "cache.cached-401",
		Title: "A cache served a stored 401",
		Explanation: "A CDN, a shared proxy or the browser answered from a stored copy of an earlier 401 instead of asking the server. " +
			"The failure then outlives its cause: the credentials are fine now, but the stored refusal keeps coming back until it expires or is purged. " +
			"A 401 is not cacheable by default, so either the server marked it cacheable or a cache is set up to ignore the rules.",
		Recognition: "The 401 carries Age above zero, X-Cache: HIT, cf-cache-status: HIT or a similar marker, or explicit freshness (Cache-Control max-age, s-maxage or public, Expires); " +
			"the same request with a throwaway query parameter or Cache-Control: no-cache gets another answer.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Reload while bypassing the cache (Ctrl+Shift+R, or Cmd+Shift+R on a Mac), or open the page in a private window."},
			},
			Developer: {
				{Text: "Ask caches to revalidate with the server:", Command: `curl -v -H 'Cache-Control: no-cache' -u 'USER:PASS' URL`},
				{Text: "kubectl keeps an HTTP cache of its own; clear it:", Command: `rm -rf ~/.kube/cache/http`},
			},
			SiteOwner: {
				{Text: "Forbid storing error answers (Apache):", Command: `Header always set Cache-Control "no-store"`},
				{Text: "The same for nginx, in the protected location:", Command: `add_header Cache-Control "no-store" always;`},
				{Text: "Purge the stored 401 from the CDN (Cloudflare's API shown):", Command: `curl -X POST "https://api.cloudflare.com/client/v4/zones/ZONE_ID/purge_cache" -H "Authorization: Bearer $CF_API_TOKEN" -H 'Content-Type: application/json' --data '{"files":["URL"]}'`},
			},
		},
	},
	{
		ID:    "cache.auth-cacheable",
		Title: "Authenticated responses can be cached and shared",
		Explanation: "Answers to logins, token requests and protected pages must not be stored where other people can reach them. " +
			"If such an answer is marked public or long-lived, or depends on Authorization or cookies without saying so in Vary, a shared cache can hand one person's page or token to someone else, or a logged-out answer to a logged-in user. " +
			"RFC 9111 lets a shared cache reuse an answer to a request with Authorization only when the answer opts in with public, s-maxage or must-revalidate, so those directives on private content are the usual culprit.",
		Recognition: "An answer to a request with Authorization or a session cookie, or one that sets a cookie or returns a token, carries public, s-maxage or a long max-age without private, " +
			"or shows cache hits (Age, X-Cache: HIT), with no Vary: Authorization or Vary: Cookie.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			SiteOwner: {
				{Text: "Never store login and token answers (Apache):", Command: `Header always set Cache-Control "no-store"`},
				{Text: "Keep answers to authenticated requests out of nginx's proxy cache:", Command: "proxy_cache_bypass $http_authorization;\nproxy_no_cache $http_authorization;"},
				{Text: "Mark per-user pages as private, and name what they depend on:", Command: "Cache-Control: private\nVary: Authorization, Cookie"},
			},
		},
	},
	{
		ID:    "waf.block",
		Title: "A firewall or security service blocked the request",
		Explanation: "A CDN, web application firewall or security plugin judged the request suspicious and refused it before the application saw it. " +
			"Triggers include the client's IP reputation or country, unusual headers or user agents, request bodies that look like attacks, and too many failed logins. " +
			"Most answer 403, but custom rules can return 401, so the refusal looks like a login problem.",
		Recognition: "Vendor fingerprints in the answer: server: cloudflare with cf-ray and a block page (\"Sorry, you have been blocked\", error 1020), Sucuri's X-Sucuri-Block, Akamai's \"Access Denied\" with a reference number, Wordfence's \"Your access to this site has been limited\"; " +
			"the request as given and the no-credentials variant get the same vendor page.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Turn off VPN or proxy software, try another network, and send the site owner the reference or Ray ID shown on the block page, with the time."},
			},
			Developer: {
				{Text: "Identify your client with a clear User-Agent, send only the headers the API needs, and ask the site owner to allow your client; the block page's reference ID lets them find the rule."},
			},
			SiteOwner: {
				{Text: "Look up the event by its Ray ID or reference in the firewall's log, and add a narrow exception for the path or client instead of turning the firewall off."},
			},
		},
	},
	{
		ID:    "waf.challenge",
		Title: "A bot challenge stops clients that are not browsers",
		Explanation: "Some CDNs and firewalls answer traffic they distrust with a challenge page that runs JavaScript or asks for a CAPTCHA, then set a cookie that lets the browser through. " +
			"A browser passes it, often without the person noticing; curl, mobile apps, scripts and API clients cannot. " +
			"They receive an HTML page instead of data, sometimes with a 401 or 403 status.",
		Recognition: "cf-mitigated: challenge, a page titled \"Just a moment...\" or /cdn-cgi/challenge-platform/ in the body, or similar vendor markers; the address works in a browser but not from a script.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Let the check page finish, allow JavaScript and cookies for the site, and turn off VPN software if the check keeps repeating."},
			},
			Developer: {
				{Text: "A script cannot reliably pass a bot challenge; ask the site owner to exempt the API path or your client."},
			},
			SiteOwner: {
				{Text: "Skip bot challenges on API paths and for authenticated API clients (a firewall rule matching the path or a known header), and protect those with API keys and rate limits instead."},
			},
		},
	},
	{
		ID:    "ratelimit.lockout",
		Title: "Too many attempts: rate limited or locked out",
		Explanation: "After repeated failed logins or too many requests in a short time, the server, a security plugin or a firewall refuses further attempts for a while, even with the right password. " +
			"Waiting usually lifts it; some answer 429 with Retry-After, others keep answering 401 or 403 so that it looks like wrong credentials. " +
			"IIS Dynamic IP Restrictions, when set to answer Unauthorized, uses 401.501 and 401.502.",
		Recognition: "Status 429, a Retry-After header, rate-limit headers at zero (X-RateLimit-Remaining: 0), a lockout message in the body, or IIS sub-status 401.501 or 401.502; " +
			"in logs, a burst of 401s from one client turns into a run of refusals.",
		Severity: Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Wait before trying again (often 15 to 60 minutes), then use the password reset if you are unsure of the password."},
			},
			Developer: {
				{Text: "Stop retrying in a loop; honour Retry-After and back off. The headers say how long:", Command: `curl -sI URL | grep -iE '^(retry-after|x-ratelimit)'`},
			},
			SiteOwner: {
				{Text: "Unban an address that fail2ban blocked by mistake:", Command: `fail2ban-client set JAIL unbanip ADDRESS`},
				{Text: "Unlock the account in the security plugin, and raise limits for known integrations rather than for everyone."},
			},
		},
	},
	{
		ID:    "ip.denied",
		Title: "The client's address is not allowed",
		Explanation: "The server or a firewall decides by network address: addresses on a deny list, or outside an allow list, are refused whatever the credentials. " +
			"This often catches people working from home, on mobile data or through a VPN, and servers behind a proxy that see the proxy's address instead of the client's. " +
			"IIS, when its IP address and domain restrictions are set to answer Unauthorized, uses 401.503 and 401.504.",
		Recognition: "The answer is the same with and without credentials and in every variant but changes from another network; IIS sub-status 401.503 or 401.504; " +
			"nginx's deny normally gives 403 with \"access forbidden by rule\" in its error log.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Connect through your organisation's VPN or office network, or send the site owner your public IP address and ask to be let in."},
			},
			Developer: {
				{Text: "Call from an allowed network or host, or ask the owner to add the address your requests leave from (a NAT gateway or egress IP, not the machine's private address)."},
			},
			SiteOwner: {
				{Text: "Allow the client's address (nginx, before any deny all):", Command: `allow 203.0.113.7;`},
				{Text: "Behind a load balancer or CDN, let nginx see the client's address instead of the proxy's:", Command: "set_real_ip_from 10.0.0.0/8;\nreal_ip_header X-Forwarded-For;"},
				{Text: "Allow the address in IIS IP restrictions:", Command: `%windir%\system32\inetsrv\appcmd.exe set config "SITE" -section:system.webServer/security/ipSecurity /+"[ipAddress='203.0.113.7',allowed='True']" /commit:apphost`},
			},
		},
	},
	{
		ID:    "wordpress.rest-auth",
		Title: "WordPress REST API authentication is not set up right",
		Explanation: "WordPress lets clients into its REST API with application passwords (sent with Basic auth), with the login cookie plus a nonce from a logged-in page, or through a plugin. " +
			"Application passwords work only over https unless the site is marked as a local environment, stop working once deleted, and need the Authorization header to reach PHP; cookie requests without the X-WP-Nonce header are treated as logged out. " +
			"Security plugins can also switch off application passwords or the whole REST API.",
		Recognition: "WordPress REST answers (a Link header to https://api.w.org/) with codes rest_not_logged_in, incorrect_password, invalid_username, application_passwords_disabled, rest_cookie_invalid_nonce, or a security plugin's code such as itsec_rest_api_access_restricted; " +
			"a made-up user getting rest_not_logged_in instead of invalid_username means the header never reached PHP.",
		Severity: Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Test an application password against the endpoint that names the current user:", Command: `curl -v -u 'USER:APP_PASSWORD' https://HOST/wp-json/wp/v2/users/me`},
				{Text: "Create a new application password with WP-CLI:", Command: `wp user application-password create USER why401`},
				{Text: "For cookie authentication from JavaScript, send the nonce created for the wp_rest action in the X-WP-Nonce header."},
			},
			SiteOwner: {
				{Text: "Serve the site over https, and hand the Authorization header to PHP (Apache):", Command: `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1`},
				{Text: "Check security plugins (Wordfence, Solid Security and others) for settings that disable application passwords or restrict the REST API."},
			},
		},
	},
	{
		ID:    "request.content-type",
		Title: "The endpoint expects another request format",
		Explanation: "Login and token endpoints read credentials from the request body, and they parse that body according to its Content-Type. " +
			"Send JSON to an endpoint that reads form fields (OAuth token endpoints use application/x-www-form-urlencoded, RFC 6749), or a form to one that reads JSON, and the server finds no user name, password or client credentials at all. " +
			"It then answers 401 as if nothing had been sent.",
		Recognition: "A POST to a login or token endpoint whose Content-Type (or body shape) differs from what the endpoint documents or what its error hints at, for instance invalid_client or invalid_request from a token endpoint given a JSON body.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Send a form body to an OAuth token endpoint (curl's -d sends application/x-www-form-urlencoded):", Command: `curl -v -u 'CLIENT_ID:CLIENT_SECRET' -d grant_type=client_credentials TOKEN_URL`},
				{Text: "Send JSON, with its Content-Type, where the endpoint wants JSON:", Command: `curl -v -H 'Content-Type: application/json' -d '{"username":"USER","password":"PASS"}' URL`},
			},
			SiteOwner: {
				{Text: "Answer a body in the wrong format with 400 or 415 naming the expected Content-Type, instead of 401."},
			},
		},
	},
	{
		ID:    "request.csrf-handshake",
		Title: "The server wants its anti-CSRF session header sent back",
		Explanation: "Some APIs guard against cross-site request forgery with a handshake: the first request gets an error carrying a session value in a response header, and every later request must send that header back. " +
			"Transmission's RPC answers 409 Conflict with X-Transmission-Session-Id, and checks it only after the password passed, so the user name and password are fine; the client simply has to resend with the header. " +
			"The value changes when the daemon restarts, so a client that stored it must refresh it on the next 409.",
		Recognition: "A 409 (or another 4xx) to a request whose credentials were accepted, carrying a session header such as X-Transmission-Session-Id and a body that explains the handshake; the same request with a wrong password gets 401 instead.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "Read the header from the 409 and resend the request with it (Transmission):", Command: `SID=$(curl -s -o /dev/null -D - -u 'USER:PASS' URL | sed -n 's/^X-Transmission-Session-Id: *//Ip' | tr -d '\r'); curl -u 'USER:PASS' -H "X-Transmission-Session-Id: $SID" -d '{"method":"session-get"}' URL`},
				{Text: "In a client, keep the last session header, and on a 409 take the new value from that answer and resend once; transmission-remote and the usual RPC libraries do this themselves."},
			},
			SiteOwner: {
				{Text: "Nothing is wrong on the server: the handshake is the protection. Point API users at the client libraries that follow it."},
			},
		},
	},
	{
		ID:    "status.forbidden",
		Title: "Access is forbidden for this account",
		Explanation: "The server knows who you are and has decided you may not have this resource: a 403, or a 401 used where 403 was meant. " +
			"Logging in again or resending the same credentials will not change the answer (RFC 9110). " +
			"What is needed is a permission, role or plan change on the server side, or a different account.",
		Recognition: "Status 403, or a 401 whose body says forbidden, not allowed or lacking permission while the same credentials are accepted elsewhere; Envoy's \"RBAC: access denied\"; WordPress rest_forbidden for a logged-in user.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Ask the site owner for access, naming the page, or log in with the account that has access."},
			},
			Developer: {
				{Text: "Check the account's roles or the token's permissions against what the endpoint requires:", Command: `why401 jwt "$TOKEN"`},
			},
			SiteOwner: {
				{Text: "Grant the role or permission if the refusal is wrong, and answer 403, not 401, when authentication succeeded but authorisation did not."},
			},
		},
	},
	{
		ID:    "status.not-auth",
		Title: "The 401 is not about credentials at all",
		Explanation: "Some servers use 401 for things that have nothing to do with this request's credentials: a maintenance page, a paywall, a feature switched off, or an application that answers 401 to any error. " +
			"No change of password, token or cookie will help. " +
			"The body usually says what is really going on.",
		Recognition: "A 401 whose body is a maintenance or notice page or an error message about something else, usually without WWW-Authenticate; the same answer with, without and with bogus credentials, across the whole site.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			Visitor: {
				{Text: "Read the page's message; if the site is under maintenance, wait and try later, otherwise contact the site owner."},
			},
			Developer: {
				{Text: "Read the response body, since the status code misleads here:", Command: `curl -s URL`},
			},
			SiteOwner: {
				{Text: "Answer maintenance with 503 and Retry-After, other failures with the fitting 4xx or 5xx, and keep 401 for missing or refused credentials."},
			},
		},
	},

	// Patterns in access logs.
	{
		ID:    "attack.brute-force",
		Title: "One source tries many passwords",
		Explanation: "A single address sends login attempts in quick succession, each with a different password, hoping one is right. " +
			"The access log shows a long run of 401s on a login or protected path from that source, with few or no successes. " +
			"It is rarely a user's problem: it is an attack, or a broken script retrying in a loop.",
		Recognition: "In access logs, one client address with many 401s (dozens or more) on the same login or protected path within minutes, a low success ratio and often a single user name.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "If the address is yours, a script is retrying with bad credentials: stop it, fix the secret, and add back-off to its retries."},
			},
			SiteOwner: {
				{Text: "Rate-limit the login per address (nginx; the zone goes in the http block, limit_req in the login location):", Command: "limit_req_zone $binary_remote_addr zone=login:10m rate=5r/m;\nlimit_req zone=login burst=5 nodelay;"},
				{Text: "Ban the address for a while:", Command: `fail2ban-client set JAIL banip ADDRESS`},
			},
		},
	},
	{
		ID:    "attack.credential-stuffing",
		Title: "One source tries many user names",
		Explanation: "An address works through a list of user names and passwords, usually leaked from other sites, counting on people who reuse passwords. " +
			"The log shows many different user names from one source, mostly failing; the few successes are real accounts that are now exposed.",
		Recognition: "In access logs, one client address with 401s across many distinct user names (from Basic credentials, or login form fields where logged) on the same path.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			SiteOwner: {
				{Text: "Rate-limit and ban the source:", Command: `fail2ban-client set JAIL banip ADDRESS`},
				{Text: "Force a password reset for accounts that logged in from that source, offer multi-factor authentication, and refuse passwords known from breaches."},
			},
		},
	},
	{
		ID:    "attack.spray",
		Title: "Many sources try the same login slowly",
		Explanation: "Password spraying spreads attempts over many addresses and tries only a few passwords per account, so every source stays under rate limits and lockouts. " +
			"Each source looks harmless; only together do they show the pattern of one login path and a steady trickle of 401s from many addresses.",
		Recognition: "In access logs, many client addresses each with a few 401s on the same login or protected path, at a low rate per address but a high total.",
		Severity:    Warning,
		Fixes: map[Audience][]Fix{
			SiteOwner: {
				{Text: "Per-address limits miss this; limit the login's total rate as well (nginx, zone in the http block):", Command: "limit_req_zone $server_name zone=loginall:10m rate=30r/m;\nlimit_req zone=loginall burst=20;"},
				{Text: "Add multi-factor authentication and throttling per account, and refuse common and breached passwords."},
			},
		},
	},
	{
		ID:    "spike.401",
		Title: "401s suddenly rose far above normal",
		Explanation: "The number of 401 answers jumped within minutes, compared with its usual level. " +
			"Such a jump usually follows a change: a deploy, a signing key rotation, an expired certificate or secret, a configuration edit or a client release. " +
			"Many users or clients are affected at once, so the first question is what changed at that moment.",
		Recognition: "In access logs, the 401 rate in a short window is many times its baseline, often starting at a sharp edge; the paths and clients it hits show what broke.",
		Severity:    Error,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "If your client's requests make up the spike, check whether its key or token was rotated, revoked or expired at that time."},
			},
			SiteOwner: {
				{Text: "Count 401s per minute to find the edge (combined log format):", Command: `awk '$9 == 401 {print substr($4, 2, 17)}' /var/log/nginx/access.log | uniq -c`},
				{Text: "Line the edge up with deploys, key rotations and configuration changes, and roll back the change that matches."},
			},
		},
	},
	{
		ID:    "noise.challenge",
		Title: "A normal challenge round trip, not a failure",
		Explanation: "Basic, Digest, NTLM and Negotiate usually begin with a 401: the client first asks without credentials, the server names its scheme, and the client repeats the request with them. " +
			"In an access log this shows as a 401 followed at once by a success from the same client, which is expected behaviour.",
		Recognition: "In access logs, a 401 followed within a second or so by a 2xx for the same path and client; for NTLM, two 401s before the success are normal.",
		Severity:    Info,
		Fixes: map[Audience][]Fix{
			Developer: {
				{Text: "To save the round trip, send Basic credentials with the first request, as curl does with -u:", Command: `curl -v -u 'USER:PASS' URL`},
			},
			SiteOwner: {
				{Text: "Leave these pairs out of 401 counts and alerts; they are not failures."},
			},
		},
	},
}
