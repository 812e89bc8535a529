// Package evidence holds what why401 observed, as plain data: the requests
// it sent, the answers it got, timings, TLS, DNS and discovery documents.
// Front ends (the probe, the curl and HAR importers) fill it; checks read it.
// Nothing here does I/O or decides a diagnosis.
package evidence

import (
	"net/http"
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
)

// Probe is everything one `why401 probe` run observed.
type Probe struct {
	Target  string    `json:"target"`  // the URL as the user gave it
	Started time.Time `json:"started"` // local clock when the run began
	Request Request   `json:"request"` // the request as the user specified it

	// Credentials says what the user's request carries, before any variant
	// removes it: "basic", "bearer", "digest" (-u waiting for a challenge,
	// as with curl's --digest or --anyauth), "cookie", "other-header" or "".
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
	// Credentialed is true when the first hop carried the user's secret.
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
	TLS      *TLS      `json:"tls,omitempty"`
	Timing   Timing    `json:"timing"`
	// Err is the transport error when no response came, with ErrKind one
	// of "dns", "connect", "tls", "tls-verify", "timeout", "proxy", "other".
	Err     string `json:"error,omitempty"`
	ErrKind string `json:"error_kind,omitempty"`
	// Redirect describes the step from this hop to the next, when the
	// response was a redirect.
	Redirect *Redirect `json:"redirect,omitempty"`
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
