// Package challenge parses WWW-Authenticate and Proxy-Authenticate header
// values and says what each challenge asks of a client.
//
// The grammar is that of RFC 9110 §11: a field value is a comma-separated
// list of challenges, and each challenge is
//
//	challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param = token BWS "=" BWS ( token / quoted-string )
//
// with tokens, quoted-strings (backslash escapes any byte) and list rules
// from RFC 9110 §5.6. The comma separates both parameters and challenges;
// after a comma, a token followed by "=" is a parameter of the current
// challenge and any other token starts a new one. Token68 data may end in
// "=" padding, as in "Negotiate abc==, Basic realm=\"x\"". Scheme and
// parameter names are case-insensitive: Challenge keeps the scheme as
// sent and lowercases parameter names.
//
// [Parse] never panics and never gives up: on malformed input it returns
// every challenge it could read together with a [*SyntaxError] for the
// first problem. It tolerates the deviations real servers make (unquoted
// values with spaces, missing commas) and reports them the same way.
//
// [Challenge.Info] interprets a challenge by its scheme (Basic RFC 7617,
// Bearer RFC 6750, Digest RFC 7616, Negotiate RFC 4559, NTLM, DPoP RFC
// 9449, and the RFC 9728 resource_metadata parameter) and lists where it
// deviates from those specifications. [Explain] turns that into plain
// English for the "why401 challenge" command.
//
// The package is pure: no I/O, no global state, safe for concurrent use.
package challenge
