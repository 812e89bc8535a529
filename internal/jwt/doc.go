// Package jwt decodes, checks and verifies JSON Web Tokens (RFC 7519) in
// compact serialization, so why401 can tell why a bearer token is refused.
//
// The package is pure: nothing here reads the network, the file system or
// the clock. Callers pass the current time and the key set.
//
//   - [Parse] decodes a token without verifying it. A string that is not a
//     token yields a [*MalformedError] whose Reason names the segment at
//     fault. An encrypted token (JWE, five segments) comes back with its
//     header readable and its claims not, together with a MalformedError.
//   - [Token.Check] measures a decoded token against what a server expects
//     ([Expect]: audience, issuer, scope, clock leeway) and returns every
//     [Problem], most serious first.
//   - [Verify] checks the signature against a JSON Web Key Set and says,
//     through sentinel errors, why it fails: alg none, a kid the set does
//     not hold, no key fit for the algorithm, a bad signature, a set that
//     cannot be read or an algorithm not supported.
//   - [Describe] renders a token as short human lines with times relative
//     to now.
//   - [Sign], [Unsigned] and [JWKS] mint tokens and key sets for tests and
//     for the lab.
package jwt
