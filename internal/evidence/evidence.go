// Package evidence holds what why401 observed, as plain data: the requests
// it sent, the answers it got, timings, TLS, DNS and discovery documents.
// Front ends (the probe, the curl and HAR importers) fill it; checks read it.
// Nothing here does I/O or decides a diagnosis.
package evidence

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// Variant names one arm of the probe's experiment.
type Variant string

// The probe's variants.
const (
	AsGiven       Variant = "as-given"       // the request exactly as the user gave it
	NoCredentials Variant = "no-credentials" // without Authorization, -u, bearer or cookies: what does the server demand?
	NoCookies     Variant = "no-cookies"     // credentials kept, cookies dropped: the private-window test
	OtherScheme   Variant = "other-scheme"   // http instead of https or the other way round, without credentials
	Address       Variant = "address"        // the request as given, pinned to one resolved address
	Preflight     Variant = "preflight"      // a CORS preflight (OPTIONS) as a browser would send it
	AnyAuth       Variant = "anyauth"        // the user's credentials answering the scheme the server challenged for
	Bogus         Variant = "bogus"          // a deliberately wrong credential of the same scheme (never the user's secret)
	Nearby        Variant = "nearby"         // a nearby URL (parent, root, the path without its first segment), without credentials
	Encoding      Variant = "encoding"       // --try-encodings: the Basic credentials in another character encoding
	ContentType   Variant = "content-type"   // --try-content-type: the body as JSON instead of a form, or the other way round
	Repeat        Variant = "repeat"         // the request as given, sent again: do the nodes behind one address agree?
	// Separate sends a made-up Authorization (Label: malformed, of a
	// different scheme, made-up credentials of the same scheme) when the
	// user's credentials got the anonymous answer: does the server tell
	// them apart? Never the user's secret.
	Separate Variant = "separate"
)

// Probe is everything one `why401 probe` run observed.
type Probe struct {
	Target  string    `json:"target"`  // the URL as the user gave it
	Started time.Time `json:"started"` // local clock when the run began
	Request Request   `json:"request"` // the request as the user specified it

	// Credentials says what the user's request carries, before any variant
	// removes it: "basic", "bearer", "digest" (-u waiting for a challenge,
	// as with curl's --digest or --anyauth), "ntlm" (--ntlm), "negotiate"
	// (--negotiate: a Kerberos ticket), "cookie", "other-header" or "".
	Credentials []string `json:"credentials,omitempty"`

	Trials []Trial `json:"trials"`
	DNS    *DNS    `json:"dns,omitempty"`

	// Expect holds what the user told us to expect of a token, merged with
	// what discovery found.
	Expect Expectations `json:"expect"`

	// Discovery holds the documents fetched to learn the expected issuer,
	// audience and keys (RFC 9728, RFC 8414, OpenID discovery, JWKS).
	Discovery []Document `json:"discovery,omitempty"`

	// CredentialedAttempts counts requests that carried the user's secret.
	CredentialedAttempts int `json:"credentialed_attempts"`

	// ClientCert is the certificate given with --cert, when one was.
	ClientCert *Cert `json:"client_cert,omitempty"`

	// Kerberos is what the probe's Kerberos client found for --negotiate;
	// NTLM what became of the handshakes for --ntlm (clientauth.go).
	Kerberos *Kerberos `json:"kerberos,omitempty"`
	NTLM     *NTLM     `json:"ntlm,omitempty"`

	// Options records switches that change what checks may conclude.
	Insecure        bool `json:"insecure,omitempty"`         // -k: TLS verification was off
	FollowRedirects bool `json:"follow_redirects,omitempty"` // -L
	LocationTrusted bool `json:"location_trusted,omitempty"` // --location-trusted

	// Notes are things the probe itself wants the user to know (a variant
	// it skipped and why).
	Notes []string `json:"notes,omitempty"`

	// Session, when set, is a browser session (a HAR file) to diagnose
	// instead of, or beside, the probe's own trials.
	Session *Session `json:"session,omitempty"`
}

// Expectations are what a token must satisfy for this resource.
type Expectations struct {
	Audience []string `json:"audience,omitempty"`
	Issuer   []string `json:"issuer,omitempty"`
	Scope    []string `json:"scope,omitempty"`
	// JWKS is a JSON Web Key Set (raw JSON) to verify signatures with, and
	// JWKSSource says where it came from (a file, a URL, discovery).
	JWKS       []byte `json:"-"`
	JWKSSource string `json:"jwks_source,omitempty"`
	// JWKSError is set when a JWKS was asked for or discovered but could
	// not be fetched or parsed.
	JWKSError string `json:"jwks_error,omitempty"`
	// Source says where each expectation came from ("flag", a metadata URL).
	Source string `json:"source,omitempty"`
}

// Document is one discovery document the probe fetched.
type Document struct {
	Kind   string `json:"kind"` // "resource-metadata", "authorization-server", "openid-configuration", "jwks"
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Body   []byte `json:"-"`
	Err    string `json:"error,omitempty"`
}

// Trial is one variant of the experiment: a request and the redirect hops
// that followed it, in order. The last hop holds the final answer.
type Trial struct {
	Variant Variant `json:"variant"`
	// Address is the IP the trial was pinned to (Variant Address).
	Address string `json:"address,omitempty"`
	// Label says what a Nearby, Encoding, ContentType or Bogus trial
	// varies: the relation of the nearby URL ("parent", "without-prefix"),
	// the encoding tried ("latin-1", "utf-8", "percent-decoded"), the
	// Content-Type sent, or the made-up user.
	Label string `json:"label,omitempty"`
	// Credentialed is true when the first hop carried the user's secret,
	// or (--digest, --anyauth) the answer to the first hop's challenge.
	Credentialed bool       `json:"credentialed"`
	Hops         []Exchange `json:"hops"`
	// Stopped, when set, says why hop-following ended early ("redirect to
	// another host: credentials not forwarded", "max redirects").
	Stopped string `json:"stopped,omitempty"`
}

// Final returns the last hop, or nil when the trial has none.
func (t *Trial) Final() *Exchange {
	if len(t.Hops) == 0 {
		return nil
	}
	return &t.Hops[len(t.Hops)-1]
}

// Exchange is one request and, unless the transport failed, its answer.
type Exchange struct {
	Request  Request   `json:"request"`
	Response *Response `json:"response,omitempty"`
	Remote   string    `json:"remote,omitempty"` // ip:port actually dialed
	// Reused is set when the request went on the connection of the
	// exchange before it (an NTLM handshake's later legs), not a new one.
	Reused bool   `json:"reused_connection,omitempty"`
	TLS    *TLS   `json:"tls,omitempty"`
	Timing Timing `json:"timing"`
	// Err is the transport error when no response came, with ErrKind one
	// of "dns", "connect", "tls", "tls-verify", "timeout", "proxy", "other".
	Err     string `json:"error,omitempty"`
	ErrKind string `json:"error_kind,omitempty"`
	// Redirect describes the step from this hop to the next, when the
	// response was a redirect.
	Redirect *Redirect `json:"redirect,omitempty"`
	// Answers, on a hop that resends the previous hop's request with the
	// user's credentials in answer to its 401 challenge (--digest,
	// --anyauth), is the scheme answered: "Digest" or "Basic".
	Answers string `json:"answers,omitempty"`
	// Cookies says, on the probe's own hops, what became of the cookies
	// the trial's responses set: which went with this hop's request, which
	// were held back and why, and which of this hop's Set-Cookie lines
	// were stored or refused. Nil when no cookie was involved.
	Cookies *HopCookies `json:"cookies,omitempty"`
}

// HopCookies is the cookie jar's verdicts on one hop of a trial, by the
// rules the probe applies as curl does (Domain, Path, Secure, expiry,
// the __Secure- and __Host- prefixes; SameSite plays no part for a
// script).
type HopCookies struct {
	// Sent are the jar's cookies that went with the request, by name.
	Sent []string `json:"sent,omitempty"`
	// Withheld are the jar's cookies that did not go with the request.
	Withheld []CookieVerdict `json:"withheld,omitempty"`
	// Stored are the verdicts on the response's Set-Cookie lines, in
	// order; Reason is empty for a line that was stored.
	Stored []CookieVerdict `json:"stored,omitempty"`
}

// CookieVerdict is one cookie and what the jar did with it.
type CookieVerdict struct {
	Name string `json:"name"`
	// Reason is "" when the cookie was stored or sent, else the reason it
	// was not, as internal/cookie names it (NotOnPath, DomainMismatch,
	// SecureOnly, Expired, InvalidDomain, ...).
	Reason string `json:"reason,omitempty"`
	// The cookie's scope as stored (or as the refused line asked).
	Domain   string    `json:"domain,omitempty"`
	HostOnly bool      `json:"host_only,omitempty"`
	Path     string    `json:"path,omitempty"`
	Secure   bool      `json:"secure,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
	// SetAt is the index of the hop whose response set the cookie.
	SetAt int `json:"set_at"`
	// Deleted is set when a Set-Cookie line removed the cookie.
	Deleted bool `json:"deleted,omitempty"`
}

// Request is a request as sent (or, in Probe.Request, as asked for).
// Header holds the secrets; renderers redact them.
type Request struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header,omitempty"`
	// Body is the request body; BodySize its length.
	Body     []byte `json:"-"`
	BodySize int    `json:"body_size,omitempty"`
	// Proxy is the proxy URL the request went through, if any.
	Proxy string `json:"proxy,omitempty"`
	// Auth, on the request as given, is how the user's -u credentials
	// wait for a challenge, as curl's --digest and --anyauth do: "digest"
	// or "anyauth"; "ntlm" or "negotiate" for those schemes; empty when they are sent at once (Basic) or not at
	// all. AuthUser is the user name, AuthPassword the password (never
	// written out).
	Auth         string `json:"auth,omitempty"`
	AuthUser     string `json:"auth_user,omitempty"`
	AuthPassword string `json:"-"`
}

// Response is what came back. Body holds at most the first MaxBody bytes.
type Response struct {
	Status        int         `json:"status"`
	Proto         string      `json:"proto,omitempty"`
	Header        http.Header `json:"header,omitempty"`
	Trailer       http.Header `json:"trailer,omitempty"`
	Body          []byte      `json:"-"`
	BodyTruncated bool        `json:"body_truncated,omitempty"`
	// Received is the local clock when the response headers arrived.
	Received time.Time `json:"received"`
}

// MaxBody is how much of a response body evidence keeps.
const MaxBody = 64 << 10

// Timing of one exchange.
type Timing struct {
	DNS     time.Duration `json:"dns,omitempty"`
	Connect time.Duration `json:"connect,omitempty"`
	TLS     time.Duration `json:"tls,omitempty"`
	TTFB    time.Duration `json:"ttfb,omitempty"`  // from start to first response byte
	Total   time.Duration `json:"total,omitempty"` // from start to end of body
}

// TLS describes the connection's TLS state and the server's chain.
type TLS struct {
	Version    string `json:"version"`
	Cipher     string `json:"cipher,omitempty"`
	ServerName string `json:"server_name,omitempty"`
	ALPN       string `json:"alpn,omitempty"`
	Chain      []Cert `json:"chain,omitempty"`
	// VerifyError is why the chain does not verify for ServerName, or ""
	// when it verifies. Recorded even with -k.
	VerifyError string `json:"verify_error,omitempty"`
	// ClientCertRequested is true when the server asked for a client
	// certificate during the handshake; ClientCertSent when one was sent.
	ClientCertRequested bool `json:"client_cert_requested,omitempty"`
	ClientCertSent      bool `json:"client_cert_sent,omitempty"`
}

// Cert is one certificate of a chain, as far as checks need it.
type Cert struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	DNSNames  []string  `json:"dns_names,omitempty"`
	IPs       []string  `json:"ips,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

// Redirect is one redirect step and what clients do with credentials on it.
type Redirect struct {
	From       string `json:"from"`
	To         string `json:"to"` // absolute
	Status     int    `json:"status"`
	CrossHost  bool   `json:"cross_host"`  // host name differs
	CrossPort  bool   `json:"cross_port"`  // same host, other port
	SchemeFrom string `json:"scheme_from"` // "http" or "https"
	SchemeTo   string `json:"scheme_to"`
	// KeepsAuth says, per client ("browser", "curl", "go", "python"),
	// whether it would still send the Authorization header on the next hop.
	KeepsAuth map[string]bool `json:"keeps_auth"`
	// Forwarded is whether why401 itself forwarded the credentials.
	Forwarded bool `json:"forwarded"`
}

// DNS is what the target's host name resolved to.
type DNS struct {
	Host      string   `json:"host"`
	Addresses []string `json:"addresses,omitempty"`
	// Override is set when --resolve pinned the name.
	Override string `json:"override,omitempty"`
	Err      string `json:"error,omitempty"`
}

// SameAnswer reports whether two answers are the same: status,
// WWW-Authenticate challenges and body. Nil is never the same.
func SameAnswer(a, b *Response) bool {
	if a == nil || b == nil {
		return false
	}
	return a.Status == b.Status &&
		strings.Join(a.Header.Values("WWW-Authenticate"), "\n") == strings.Join(b.Header.Values("WWW-Authenticate"), "\n") &&
		bytes.Equal(a.Body, b.Body)
}
