// Package checklist is a site's authentication contract as one YAML file,
// and the runner that checks a live site against it before or after a
// deploy (`why401 check`).
//
// A checklist names endpoints, each with a request (method, URL, headers,
// body, credentials taken only from environment variables or files) and
// the expectations that must hold for it:
//
//   - authenticated: with its credentials the request ends in a 2xx answer
//   - challenge: without credentials it gets a 401 whose WWW-Authenticate
//     offers the given scheme (and realm): not a redirect, not 403, not 200
//   - forbidden: with its credentials it gets 403
//   - no-store: the answer cannot be kept by a cache (no-store, or private
//     with Vary naming the credential header)
//   - cookie: a Set-Cookie with the wanted attributes (Secure, HttpOnly,
//     SameSite, host-only, Path)
//   - token: the bearer token in use (or the one a login returned) lives at
//     most so long, has the wanted aud and iss, and has not expired
//   - tls: the server's certificate is valid for at least N more days
//   - cors: a CORS preflight from an origin is allowed for the method and
//     the Authorization header
//   - proxy: the request reaches an echo endpoint (the lab's /echo, mounted
//     behind the proxy) with Authorization, X-Forwarded-Proto and
//     X-Forwarded-Host intact
//
// Login steps run first: a form or JSON login whose cookies (and a token
// read from its JSON answer) the endpoints naming it as their session use.
//
// Parse reads a file and reports the first problem as "file:line:column:
// message". Run checks every endpoint concurrently (bounded) with each
// client profile asked for (curl, browser) and explains each failure with
// a cause ID from the catalog, through an injected Explain function (the
// command passes the probe's full diagnosis). Results render as text,
// JSON, JUnit XML and Prometheus metrics.
package checklist
