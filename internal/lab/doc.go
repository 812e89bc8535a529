// Package lab is why401's built-in test bed: a resource server that
// reproduces, one route per cause, the reasons an HTTP request gets 401
// Unauthorized, plus working routes to compare against. `why401 lab`
// serves it; `why401 demo` starts it in-process, probes each of its
// [Scenario] values and checks that the diagnosis names the intended
// cause.
//
// The lab behaves like real software rather than returning canned
// verdicts. Bearer routes verify ES256 access tokens for real (signature
// with the lab key, exp, nbf and iat by the lab clock with one minute of
// leeway, issuer [Lab.Issuer], audience [Lab.Audience], scope) and answer
// with RFC 6750 challenges that carry realm="lab" and an RFC 9728
// resource_metadata pointer. Basic routes check alice:wonderland, the
// Digest route implements RFC 7616 (SHA-256 and MD5, qop=auth, expiring
// nonces with stale=true), and the imitations of nginx, IIS, a forward
// proxy, a shared cache and a rate limiter send the headers and stock
// pages those producers send.
//
// Discovery documents are served without authentication:
// /.well-known/jwks.json (the lab public key, kid "lab-2026"),
// /.well-known/oauth-authorization-server,
// /.well-known/openid-configuration and
// /.well-known/oauth-protected-resource (also path-inserted under /api).
// A minimal token endpoint at /oauth/token issues tokens for the
// client_credentials and password grants. GET / lists every scenario
// with a ready `why401 probe` command; GET /index.json is the same list
// as JSON.
//
// [Lab.Start] binds four listeners: plain HTTP on Options.Addr (loopback
// only unless allowed), the same port on [::1] acting as a second,
// stale cluster node, and two TLS listeners on free 127.0.0.1 ports, one
// with a certificate from the lab CA and one with an expired certificate.
// The CA is written to a temporary file ([Lab.CAFile]) that [Lab.Close]
// removes. All keys and certificates are generated in memory by [New].
package lab
