package probe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/redirect"
)

// Options is the request as the user described it with curl's flags, plus
// switches of the probe itself. The zero value of a field means curl's
// default unless its comment says otherwise.
type Options struct {
	URL    string
	Method string // -X; default GET, or POST when Data is set
	// Header holds -H headers. A header whose values are all empty
	// ("Name:") removes a default header (User-Agent, Accept) as curl does,
	// and is not sent. A Host header sets the request's Host.
	Header http.Header
	// EmptyHeader names headers sent with an empty value (curl's
	// -H 'Name;'); each replaces a default header of that name.
	EmptyHeader []string
	Data        []byte // -d/--data
	HasData     bool   // -d was given (a non-empty Data implies it)
	// Chunked sends Data with Transfer-Encoding: chunked, as curl -T -
	// (standard input, of unknown size) does.
	Chunked bool
	// User is -u user:pass; without a colon the password is empty (the
	// probe never prompts). Userinfo in URL counts as -u when User is "".
	User   string
	Bearer string // --oauth2-bearer
	// HTTPAuth is how User is sent: "" or "basic" sends Basic at once (curl's
	// default and --basic); "digest" (--digest) and "anyauth" (--anyauth,
	// or several schemes) send no credentials until a 401 challenges, then
	// answer it once on the same URL, Digest or (anyauth only) Basic, as
	// curl does; a Digest answer refused with stale=true is answered once
	// more with the new nonce.
	HTTPAuth string
	// Cookie holds -b arguments. An argument containing '=' is a literal
	// cookie string ("a=1; b=2"); one without is a Netscape cookie-jar file
	// whose cookies are sent where they match.
	Cookie []string
	// CookieHeader holds the values of -H 'Cookie: ...', each sent as a
	// Cookie line of its own after the one of curl's cookie engine (the
	// cookies of -b files): curl 7.88 sends both (lib/http.c adds the
	// engine's line, then the custom headers), and drops -b's name=value
	// strings when a Cookie header is given.
	CookieHeader []string
	UserAgent    string // -A; "" sends no User-Agent (the caller sets the default)
	Referer      string // -e
	Insecure     bool   // -k
	Proxy        string // -x; a scheme-less value means http://
	ProxyUser    string // -U user:pass
	// Resolve holds --resolve entries "host:port:addr[,addr...]", IPv6
	// addresses in brackets.
	Resolve []string
	CACert  string // --cacert: PEM file of extra trusted roots
	Cert    string // --cert: PEM client certificate (may hold the key too)
	Key     string // --key: PEM private key of Cert
	// MaxTime bounds each trial (all its hops), default 30s; ConnectTimeout
	// bounds each connection and TLS handshake, default 10s.
	MaxTime, ConnectTimeout time.Duration
	// FollowRedirects is -L. It is recorded; the probe follows redirects in
	// any case so that the diagnosis can see where they lead.
	FollowRedirects bool
	// MaxRedirs is --max-redirs: 0 means the default 10, a negative value
	// means no redirect is followed. At most 50 are followed.
	MaxRedirs       int
	LocationTrusted bool // --location-trusted: forward credentials to any host

	// Token expectations. JWKS is a file path or an http(s) URL; OIDCIssuer
	// an issuer URL whose OpenID discovery document names the JWKS.
	ExpectAudience, ExpectIssuer, ExpectScope []string
	JWKS, OIDCIssuer                          string
	NoDiscovery                               bool // do not fetch RFC 9728 / RFC 8414 documents

	// TryEncodings resends Basic credentials with non-ASCII or %XX-escaped
	// characters in the other plausible encodings (at most 3 extra
	// credentialed requests, recorded as Encoding trials).
	TryEncodings bool
	// TryContentType resends a refused form body as JSON, or a JSON body
	// as a form, with the same credentials (one extra credentialed
	// request, recorded as a ContentType trial).
	TryContentType bool

	// Repeat is --repeat N: send the request as given N more times (at
	// most 10), one after the other, to see whether the nodes behind one
	// address agree. 0 resends a GET up to 3 times when the answers show
	// a balancer (an affinity cookie, a node header or ETag that varies, a
	// balancer's fingerprint); a negative value never resends. Each
	// repeat is a credentialed attempt, recorded as a Repeat trial.
	Repeat int

	Now      func() time.Time // clock; nil means time.Now
	Progress func(string)     // optional: called with one line per step, never concurrently

	// Control, when set, is every connection's net.Dialer Control
	// function: it sees the numeric address about to be connected to
	// (after DNS, on every redirect hop, through a proxy too) and refuses
	// the connection by returning an error. why401 serve uses it to keep
	// probes off private networks (internal/netguard).
	Control func(network, address string, c syscall.RawConn) error
	// Resolver, when set, replaces net.DefaultResolver for every lookup.
	Resolver *net.Resolver
	// NoLocalFiles refuses the options that read a file of this machine
	// (a cookie file, --cacert, --cert, --key, a --jwks file): why401 serve
	// sets it, since its users must not make it read, and send, its files.
	NoLocalFiles bool
}

// Defaults.
const (
	defaultMaxTime        = 30 * time.Second
	defaultConnectTimeout = 10 * time.Second
	defaultMaxRedirs      = 10
	maxRedirsCap          = 50
	otherSchemeTimeout    = 3 * time.Second
	discoveryTimeout      = 5 * time.Second
	maxDocuments          = 10 // discovery documents per run, all credential-free
	maxResourceDocuments  = 5  // RFC 9728 candidates: the path, its parents, the root
	maxServers            = 2  // authorization servers looked up
	maxDocumentBody       = 256 << 10
	maxAddressTrials      = 4
	maxConcurrent         = 4
	discardCap            = 4 << 20
)

// Validate reports the first bad option as a one-line error naming it: a
// bad URL or scheme, an invalid method or header, an unreadable or
// unparsable cookie file, --cacert, --cert or --key, a bad --resolve or
// proxy, a negative duration. It reads the named files but does no
// network I/O.
func (o *Options) Validate() error {
	_, err := o.compile()
	return err
}

// config is Options checked and turned into what Run needs.
type config struct {
	o          Options
	target     *url.URL
	method     string
	hasData    bool
	user       string // user:pass for Basic, "" when none
	hasUser    bool
	literal    []string // literal -b cookie strings
	fileCookie []fileCookie
	resolve    map[string][]string // "host:port" (lowercase host) -> ip list
	resolveRaw map[string]string   // the same key -> the --resolve entry that set it
	targetKey  string              // the target's key in resolve
	proxy      *url.URL
	roots      *x509.CertPool
	clientCert *tls.Certificate
	maxTime    time.Duration
	connectTO  time.Duration
	maxRedirs  int
	now        func() time.Time
}

func (o *Options) compile() (*config, error) {
	c := &config{o: *o}
	u, err := parseTarget(o.URL)
	if err != nil {
		return nil, err
	}
	c.target = u
	c.targetKey = net.JoinHostPort(strings.ToLower(u.Hostname()), redirect.EffectivePort(u))
	if u.User != nil {
		if o.User == "" {
			c.user = u.User.Username()
			if p, ok := u.User.Password(); ok {
				c.user += ":" + p
			}
			c.hasUser = true
		}
		c.target = cloneURL(u)
		c.target.User = nil
	}
	if o.User != "" {
		c.user, c.hasUser = o.User, true
	}
	if c.hasUser && !strings.Contains(c.user, ":") {
		c.user += ":"
	}
	c.hasData = o.HasData || len(o.Data) > 0
	c.method = o.Method
	if c.method == "" {
		c.method = http.MethodGet
		if c.hasData {
			c.method = http.MethodPost
		}
	}
	if !challenge.IsToken(c.method) {
		return nil, fmt.Errorf("%q: -X: invalid method", c.method)
	}
	switch o.HTTPAuth {
	case "", "basic", "digest", "anyauth":
	default:
		return nil, fmt.Errorf("%q: unknown authentication scheme (want basic, digest or anyauth)", o.HTTPAuth)
	}
	for _, name := range o.EmptyHeader {
		if !challenge.IsToken(name) {
			return nil, fmt.Errorf("%q: -H: invalid header name", name)
		}
	}
	for name, vals := range o.Header {
		if !challenge.IsToken(name) {
			return nil, fmt.Errorf("%q: -H: invalid header name", name)
		}
		for _, v := range vals {
			if !validFieldValue(v) {
				return nil, fmt.Errorf("%s: -H: invalid header value", name)
			}
		}
	}
	for _, field := range []struct{ flag, v string }{{"--oauth2-bearer", o.Bearer}, {"-A", o.UserAgent}, {"-e", o.Referer}, {"-u", c.user}} {
		if !validFieldValue(field.v) {
			return nil, fmt.Errorf("%s: invalid characters (control characters or newline)", field.flag)
		}
	}
	if o.NoLocalFiles {
		if err := o.refuseLocalFiles(); err != nil {
			return nil, err
		}
	}
	for _, v := range o.CookieHeader {
		if !validFieldValue(v) {
			return nil, errors.New("-H Cookie: invalid characters (control characters or newline)")
		}
	}
	for _, b := range o.Cookie {
		if strings.Contains(b, "=") {
			if !validFieldValue(b) {
				return nil, fmt.Errorf("%q: -b: invalid cookie string", b)
			}
			c.literal = append(c.literal, strings.TrimSpace(b))
			continue
		}
		data, err := os.ReadFile(b)
		if err != nil {
			return nil, fmt.Errorf("%s: -b: %v", b, unwrapPathError(err))
		}
		cs, err := parseCookieFile(data)
		if err != nil {
			return nil, fmt.Errorf("%s: -b: %v", b, err)
		}
		c.fileCookie = append(c.fileCookie, cs...)
	}
	c.resolve = map[string][]string{}
	c.resolveRaw = map[string]string{}
	for _, r := range o.Resolve {
		key, addrs, err := parseResolve(r)
		if err != nil {
			return nil, err
		}
		c.resolve[key] = addrs
		c.resolveRaw[key] = r
	}
	if o.Proxy != "" {
		p, err := parseProxy(o.Proxy, o.ProxyUser)
		if err != nil {
			return nil, err
		}
		c.proxy = p
	} else if o.ProxyUser != "" {
		return nil, errors.New("-U: given without -x")
	}
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if o.CACert != "" {
		pem, err := os.ReadFile(o.CACert)
		if err != nil {
			return nil, fmt.Errorf("%s: --cacert: %v", o.CACert, unwrapPathError(err))
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: --cacert: no PEM certificate found", o.CACert)
		}
	}
	c.roots = roots
	switch {
	case o.Cert != "":
		key := o.Key
		if key == "" {
			key = o.Cert
		}
		cert, err := tls.LoadX509KeyPair(o.Cert, key)
		if err != nil {
			return nil, fmt.Errorf("%s: --cert: %v", o.Cert, unwrapPathError(err))
		}
		c.clientCert = &cert
	case o.Key != "":
		return nil, fmt.Errorf("%s: --key: given without --cert", o.Key)
	}
	if o.MaxTime < 0 {
		return nil, fmt.Errorf("%v: -m: negative time", o.MaxTime)
	}
	if o.ConnectTimeout < 0 {
		return nil, fmt.Errorf("%v: --connect-timeout: negative time", o.ConnectTimeout)
	}
	c.maxTime, c.connectTO = o.MaxTime, o.ConnectTimeout
	if c.maxTime == 0 {
		c.maxTime = defaultMaxTime
	}
	if c.connectTO == 0 {
		c.connectTO = defaultConnectTimeout
	}
	switch {
	case o.MaxRedirs == 0:
		c.maxRedirs = defaultMaxRedirs
	case o.MaxRedirs < 0:
		c.maxRedirs = 0
	case o.MaxRedirs > maxRedirsCap:
		c.maxRedirs = maxRedirsCap
	default:
		c.maxRedirs = o.MaxRedirs
	}
	if o.JWKS != "" && !isHTTPURL(o.JWKS) {
		if _, err := os.Stat(o.JWKS); err != nil {
			return nil, fmt.Errorf("%s: --jwks: %v", o.JWKS, unwrapPathError(err))
		}
	}
	if o.OIDCIssuer != "" && !isHTTPURL(o.OIDCIssuer) {
		return nil, fmt.Errorf("%s: --oidc-issuer: not an http(s) URL", o.OIDCIssuer)
	}
	c.now = o.Now
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// parseTarget parses the target URL as curl would: a URL without a scheme
// is http.
func parseTarget(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, errors.New("no URL given")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q: bad URL: %v", raw, urlErrText(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: unsupported scheme %q (want http or https)", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%q: bad URL: no host", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q: bad URL: port %s out of range", raw, p)
		}
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// urlErrText strips the operation and URL url.Parse puts in front.
func urlErrText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// parseResolve parses one --resolve entry "host:port:addr[,addr...]" into
// the key "host:port" (host lowercased) and the addresses.
func parseResolve(s string) (string, []string, error) {
	bad := func(why string) (string, []string, error) {
		return "", nil, fmt.Errorf("%q: --resolve: %s (want host:port:addr[,addr...])", s, why)
	}
	host, rest, ok := cutHostPart(s)
	if !ok || host == "" {
		return bad("no host")
	}
	port, addrs, ok := strings.Cut(rest, ":")
	if !ok {
		return bad("no address")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return bad("bad port")
	}
	var out []string
	for _, a := range strings.Split(addrs, ",") {
		a = strings.TrimSpace(a)
		a = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]")
		if a == "" {
			continue
		}
		ip := net.ParseIP(a)
		if ip == nil {
			return bad(fmt.Sprintf("%q is not an IP address", a))
		}
		out = append(out, ip.String())
	}
	if len(out) == 0 {
		return bad("no address")
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return net.JoinHostPort(strings.ToLower(host), port), out, nil
}

// cutHostPart splits "host:rest" where host may be a bracketed IPv6
// literal.
func cutHostPart(s string) (host, rest string, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 || len(s) <= end+1 || s[end+1] != ':' {
			return "", "", false
		}
		return s[:end+1], s[end+2:], true
	}
	return strings.Cut(s, ":")
}

// parseProxy parses -x as curl does (no scheme means http) and adds -U as
// userinfo.
func parseProxy(raw, user string) (*url.URL, error) {
	s := raw
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q: -x: bad proxy URL: %v", raw, urlErrText(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, fmt.Errorf("%q: -x: unsupported proxy scheme %q", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%q: -x: no proxy host", raw)
	}
	if user != "" {
		name, pass, _ := strings.Cut(user, ":")
		u.User = url.UserPassword(name, pass)
	}
	return u, nil
}

func cloneURL(u *url.URL) *url.URL {
	v := *u
	if u.User != nil {
		uu := *u.User
		v.User = &uu
	}
	return &v
}

// validFieldValue reports whether s can be sent as a header field value:
// no control characters other than horizontal tab.
func validFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// refuseLocalFiles names the first option that would read a local file.
func (o *Options) refuseLocalFiles() error {
	const why = "reading files of the machine that runs why401 is not allowed here"
	for _, b := range o.Cookie {
		if !strings.Contains(b, "=") {
			return fmt.Errorf("-b %s: a cookie file: %s; pass the cookies as name=value", b, why)
		}
	}
	switch {
	case o.CACert != "":
		return fmt.Errorf("--cacert %s: %s", o.CACert, why)
	case o.Cert != "":
		return fmt.Errorf("--cert %s: %s", o.Cert, why)
	case o.Key != "":
		return fmt.Errorf("--key %s: %s", o.Key, why)
	case o.JWKS != "" && !isHTTPURL(o.JWKS):
		return fmt.Errorf("--jwks %s: %s; give the JWKS as an http(s) URL", o.JWKS, why)
	}
	return nil
}
