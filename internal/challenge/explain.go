package challenge

import (
	"fmt"
	"strings"
)

// Explain returns plain-English lines describing what c asks of a client:
// what the scheme is, what each parameter means, what an error code means
// and which status should carry it, whether curl and browsers can answer
// it, and finally each warning of c.Info prefixed with "Warning: ". The
// lines hold no trailing newline; the first always names the scheme.
func Explain(c Challenge) []string {
	in := c.Info()
	var e explainer
	e.scheme(c, in)
	e.params(c, in)
	e.errorCode(in)
	e.clients(in)
	for _, w := range in.Warnings {
		e.add("Warning: %s.", w)
	}
	return e.lines
}

type explainer struct{ lines []string }

func (e *explainer) add(format string, args ...any) {
	e.lines = append(e.lines, fmt.Sprintf(format, args...))
}

// otherSchemes describes schemes outside the known six that servers send.
var otherSchemes = map[string]string{
	"token":         "Token: not a registered HTTP scheme; Django REST Framework's TokenAuthentication and similar APIs send it and expect \"Authorization: Token KEY\".",
	"key":           "Key: not a registered HTTP scheme; Kong's key-auth plugin sends it and expects an API key in a header (apikey by default) or a query parameter.",
	"hoba":          "HOBA (RFC 7486): HTTP Origin-Bound Authentication with a key pair per origin; hardly any client implements it.",
	"mutual":        "Mutual (RFC 8120): password-based mutual authentication; hardly any client implements it.",
	"scram-sha-1":   "SCRAM-SHA-1 (RFC 7804): salted challenge-response password authentication; few HTTP clients implement it.",
	"scram-sha-256": "SCRAM-SHA-256 (RFC 7804): salted challenge-response password authentication; few HTTP clients implement it.",
	"vapid":         "vapid (RFC 8292): a push service asks an application server to identify itself with a signed token.",
	"concealed":     "Concealed (RFC 9729): key-based authentication that hides the resource from unauthenticated probes; clients need a key pre-registered with the server.",
	"privatetoken":  "PrivateToken (RFC 9577): Privacy Pass; the client must redeem a token obtained from an issuer the challenge names.",
}

func (e *explainer) scheme(c Challenge, in Info) {
	switch in.Scheme {
	case "Basic":
		e.add("Basic (RFC 7617): the client sends user name and password joined by a colon and base64-encoded in the Authorization header. Base64 is not encryption, so this is safe only over HTTPS.")
	case "Bearer":
		e.add("Bearer (RFC 6750): the client sends an access token (an OAuth 2.0 token, often a JWT, or an API token) as \"Authorization: Bearer TOKEN\". The challenge does not say how to get one; the API's documentation or the resource_metadata parameter does.")
	case "Digest":
		e.add("Digest (RFC 7616): the client proves it knows the password by hashing it together with the server's nonce, so the password itself never crosses the wire.")
	case "Negotiate":
		e.add("Negotiate (RFC 4559): SPNEGO, normally Kerberos with NTLM as fallback. The client needs a Kerberos ticket for this server (a Windows domain login, or kinit against the realm's KDC).")
	case "NTLM":
		e.add("NTLM: Microsoft's challenge-response scheme for Windows accounts, a three-message handshake that must stay on one TCP connection; a proxy or load balancer that does not keep the connection breaks it. Microsoft has deprecated NTLM in favour of Kerberos.")
	case "DPoP":
		e.add("DPoP (RFC 9449): like Bearer, but the token is bound to a key the client holds. Each request carries \"Authorization: DPoP TOKEN\" and a DPoP header with a fresh proof JWT signed by that key, covering the method, the URL, the time and a hash of the token.")
	default:
		if d, ok := otherSchemes[strings.ToLower(c.Scheme)]; ok {
			e.add("%s", d)
		} else {
			e.add("%s: a scheme why401 does not know; only the server's documentation can say how to answer it.", c.Scheme)
		}
	}
}

func (e *explainer) params(c Challenge, in Info) {
	if c.Token68 != "" {
		e.token68(c.Token68, in)
	}
	seen := map[string]bool{}
	for _, p := range c.Params {
		n := strings.ToLower(p.Name)
		if seen[n] {
			continue // duplicates are reported as warnings
		}
		seen[n] = true
		if line := paramLine(n, p.Value, c, in); line != "" {
			e.lines = append(e.lines, line)
		}
	}
	if _, ok := c.Param("algorithm"); in.Scheme == "Digest" && !ok {
		e.add("No algorithm parameter: %s", strings.TrimPrefix(digestAlgorithmLine("MD5"), "algorithm MD5: "))
	}
}

func (e *explainer) token68(t string, in Info) {
	switch in.Scheme {
	case "Negotiate":
		if strings.HasPrefix(t, "TlRMTVNTUA") {
			e.add("Token68 data (%d characters) is an NTLM message: the Negotiate exchange fell back from Kerberos to NTLM, typically because the client had no Kerberos ticket for this server's name.", len(t))
		} else {
			e.add("Token68 data (%d characters) is the server's next (or final) SPNEGO token: a 401 carrying it means the handshake is still in progress or failed after the server answered.", len(t))
		}
	case "NTLM":
		if strings.HasPrefix(t, "TlRMTVNTUAAC") {
			e.add("Token68 data (%d characters) is the server's NTLM challenge (the second message): the client must answer it on the same connection.", len(t))
		} else {
			e.add("Token68 data (%d characters) is the server's NTLM handshake data.", len(t))
		}
	default:
		e.add("Token68 data (%d characters) follows the scheme instead of parameters.", len(t))
	}
}

// paramLine explains one parameter; it returns "" for none.
func paramLine(name, v string, c Challenge, in Info) string {
	switch name {
	case "realm":
		switch {
		case strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://"):
			if _, ok := c.Param("service"); ok {
				return fmt.Sprintf("realm %q: the token service. Like a Docker registry, the server wants the client to fetch a token there (service and scope as query parameters, with credentials if the resource is private) and retry with it as a Bearer token.", v)
			}
			return fmt.Sprintf("realm %q: the protection space, here named by a URL; some proxies (Envoy, Istio) put the request URL there.", v)
		case in.Scheme == "Bearer" || in.Scheme == "DPoP":
			return fmt.Sprintf("realm %q: a label for the protected area (for Keycloak, the name of its realm); it does not change how the token is sent.", v)
		default:
			return fmt.Sprintf("realm %q: the protection space. Credentials accepted for one URL in it are reused for the others, and browsers may show the name in their login dialog.", v)
		}
	case "charset":
		if strings.EqualFold(v, "UTF-8") {
			return "charset UTF-8: the client should encode user name and password as UTF-8; without it the encoding is unspecified and non-ASCII characters may not match."
		}
		return fmt.Sprintf("charset %q: an encoding the specification does not allow; only UTF-8 is defined.", v)
	case "service":
		return fmt.Sprintf("service %q: the service the token must be issued for (Docker registry token authentication).", v)
	case "resource_metadata":
		return fmt.Sprintf("resource_metadata %q: OAuth protected-resource metadata (RFC 9728) naming the authorization servers that issue tokens for this resource.", v)
	}
	switch in.Scheme {
	case "Bearer", "DPoP":
		switch name {
		case "scope":
			if len(in.Scope) == 0 {
				return "scope is empty: the server names no scope."
			}
			return fmt.Sprintf("scope %q: the permissions a token needs here; request a token that carries them.", v)
		case "error":
			return "" // explained by errorCode
		case "error_description":
			return fmt.Sprintf("error_description %q: the server's own explanation.", v)
		case "error_uri":
			return fmt.Sprintf("error_uri %q: a page describing the error.", v)
		case "algs":
			if in.Scheme == "DPoP" {
				return fmt.Sprintf("algs %q: the signature algorithms the server accepts for DPoP proofs.", v)
			}
		}
	case "Digest":
		switch name {
		case "nonce":
			return "nonce: a server-chosen value the client's response hash is bound to; it expires, after which the server answers stale=true."
		case "opaque":
			return "opaque: a value the client must send back unchanged."
		case "algorithm":
			return digestAlgorithmLine(v)
		case "qop":
			return fmt.Sprintf("qop %q: auth protects the credentials only, auth-int also the request body (few clients implement auth-int).", v)
		case "stale":
			if in.Stale {
				return "stale=true: the nonce had expired but the credentials were right; the client should retry with the new nonce without asking the user again."
			}
			return fmt.Sprintf("stale %q: the credentials themselves were refused (or none were sent).", v)
		case "userhash":
			if in.UserHash {
				return "userhash=true: the client should send the user name hashed rather than in clear."
			}
			return fmt.Sprintf("userhash %q: the user name is sent in clear.", v)
		case "domain":
			return fmt.Sprintf("domain %q: the URIs the same credentials cover.", v)
		}
	case "Basic":
		return fmt.Sprintf("%s %q: not defined for Basic; clients ignore it.", name, v)
	}
	return fmt.Sprintf("%s %q: a parameter why401 has no explanation for.", name, v)
}

func digestAlgorithmLine(v string) string {
	base := strings.TrimSuffix(strings.ToUpper(v), "-SESS")
	sess := ""
	if !strings.EqualFold(base, v) {
		sess = " The -sess variant hashes a session key from the first exchange; fewer clients implement it."
	}
	switch base {
	case "MD5":
		return fmt.Sprintf("algorithm %s: MD5, the legacy default, answered by nearly every client but weak.%s", v, sess)
	case "SHA-256", "SHA-512-256":
		return fmt.Sprintf("algorithm %s: a SHA-2 hash (RFC 7616); current curl handles it, browser support varies by browser and version, and older clients fail.%s", v, sess)
	}
	return fmt.Sprintf("algorithm %s: not an algorithm RFC 7616 defines; clients will not be able to answer.", v)
}

// errorExplanations explains Bearer and DPoP error codes and names the
// status the specifications pair each with.
var errorExplanations = map[string]string{
	"invalid_request":    "the request is malformed: a parameter is missing, repeated or unsupported, or the token was sent in more than one way. RFC 6750 pairs it with 400 Bad Request, not 401.",
	"invalid_token":      "the access token is expired, revoked, malformed or not valid here (wrong audience or issuer, bad signature). RFC 6750 pairs it with 401; get a new token and retry.",
	"insufficient_scope": "the token is valid but lacks the scope this resource needs. RFC 6750 pairs it with 403 Forbidden; retrying the same token will not help, a token with the needed scope will.",
	"invalid_dpop_proof": "the DPoP proof is missing, malformed, signed with an algorithm the server refuses, or does not match this request (method, URL, time, token hash). RFC 9449 pairs it with 401.",
	"use_dpop_nonce":     "the server wants a nonce in the DPoP proof: take it from the DPoP-Nonce response header, make a new proof and retry (RFC 9449 §9). It comes with 401.",
}

func (e *explainer) errorCode(in Info) {
	if in.Scheme != "Bearer" && in.Scheme != "DPoP" {
		return
	}
	if in.Error == "" {
		e.add("No error code: by RFC 6750 §3.1 this usually means the request carried no token, or one the server did not recognise as a %s token.", in.Scheme)
		return
	}
	if d, ok := errorExplanations[in.Error]; ok {
		e.add("error %q: %s", in.Error, d)
		return
	}
	e.add("error %q: not a code the specifications define; read error_description and the server's documentation.", in.Error)
}

func (e *explainer) clients(in Info) {
	switch in.Scheme {
	case "Basic":
		e.add("Clients: curl answers with -u USER:PASSWORD; browsers show their built-in login dialog; nearly every HTTP library supports it.")
	case "Bearer":
		e.add("Clients: curl sends a token with -H \"Authorization: Bearer TOKEN\" (or --oauth2-bearer TOKEN); browsers never answer it by themselves, the page's own code must.")
	case "Digest":
		e.add("Clients: curl answers with --digest -u USER:PASSWORD; browsers answer with their login dialog where they support the algorithm; many HTTP libraries support MD5 only.")
	case "Negotiate":
		e.add("Clients: curl answers with --negotiate -u : when built with GSS-API or SSPI and holding a ticket; browsers answer only for sites allowed for integrated authentication (the Intranet zone on Windows, network.negotiate-auth.trusted-uris in Firefox, AuthServerAllowlist in Chrome). Outside a Windows domain or Kerberos realm it cannot be answered.")
	case "NTLM":
		e.add("Clients: curl answers with --ntlm -u 'DOMAIN\\USER:PASSWORD'; browsers on Windows use the logged-in account for intranet sites and prompt elsewhere; many HTTP libraries cannot answer it. It needs a Windows (domain or local) account.")
	case "DPoP":
		e.add("Clients: neither curl nor browsers make DPoP proofs by themselves; an OAuth library with DPoP support (or the application's own code) must.")
		if len(in.Algs) > 0 {
			e.add("The proof must be signed with one of: %s.", strings.Join(in.Algs, ", "))
		}
	}
}
