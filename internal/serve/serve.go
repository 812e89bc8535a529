// Package serve is why401's web page and JSON API (`why401 serve`): the
// same engine as the commands, behind forms for people who will not use
// a terminal and a JSON API for scripts.
//
// Nothing is stored: uploads and credentials live in memory for the
// request (an uploaded configuration tree in a private temporary
// directory removed when the request ends), the request log carries no
// query strings, bodies or headers, and reports never show secrets.
//
// Exposed (Config.Exposed), it defends itself: probe targets are checked
// by internal/netguard after DNS and on every connection (redirect hops,
// DNS rebinding), each client is rate limited and the number of
// diagnoses running at once is capped, uploads and request times are
// bounded, and an optional shared token gates everything but /healthz
// and /metrics. Always, whether exposed or not: forms carry a CSRF token,
// cross-site requests are refused, the Host header must name the server
// (a DNS-rebinding page cannot reach a loopback server through its own
// name), and every answer carries CSP, framing, referrer and
// content-type headers.
package serve

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/why401/why401/internal/netguard"
	"github.com/why401/why401/internal/redact"
)

// Config is how a server behaves.
type Config struct {
	// Addr is the listen address, only used to decide whether the server
	// is exposed and which Host headers name it.
	Addr string
	// Exposed turns the private-address guard on (unless AllowPrivate).
	// It is set for --public and for any non-loopback Addr.
	Exposed bool
	// AllowPrivate lets probes reach private networks even when exposed;
	// Allow and AllowAddrPorts make exceptions for some.
	AllowPrivate   bool
	Allow          []netip.Prefix
	AllowAddrPorts []netip.AddrPort
	// Hosts are extra host names the server answers to (a reverse proxy's
	// name); loopback names and addresses always work on a loopback
	// server, any Host on an exposed one when Hosts is empty.
	Hosts []string
	// Token, when set, must be presented by every client (shared token).
	Token string
	// Resolver replaces the system resolver for probes (tests).
	Resolver *net.Resolver
	// Runner runs the commands (root.Exec); required.
	Runner Runner

	// Limits; zero values mean the defaults below.
	RatePerMinute     int           // diagnoses a minute per client
	Burst             int           // diagnoses a client may start at once
	MaxConcurrent     int           // diagnoses running at once, all clients
	MaxUpload         int64         // bytes of one request body
	RequestTimeout    time.Duration // one diagnosis, all included
	ProbeTime         time.Duration // the probe's --max-time ceiling
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration

	// Log receives one line per request (no secrets); nil: none.
	Log     io.Writer
	Version string
	Now     func() time.Time
}

// Defaults.
const (
	DefaultAddr              = "127.0.0.1:8401"
	defaultRatePerMinute     = 20
	defaultBurst             = 5
	defaultMaxConcurrent     = 4
	defaultMaxUpload         = 32 << 20
	defaultRequestTimeout    = 90 * time.Second
	defaultProbeTime         = 20 * time.Second
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 60 * time.Second
)

// Server is the handler and its state.
type Server struct {
	cfg     Config
	guard   *netguard.Policy // nil: probes may go anywhere
	limiter *limiter
	sem     chan struct{}
	metrics *metrics
	mux     *http.ServeMux
	logMu   sync.Mutex
	csrfKey []byte
}

// New checks cfg and builds a server.
func New(cfg Config) (*Server, error) {
	if cfg.RatePerMinute <= 0 {
		cfg.RatePerMinute = defaultRatePerMinute
	}
	if cfg.Burst <= 0 {
		cfg.Burst = defaultBurst
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = defaultMaxConcurrent
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = defaultMaxUpload
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.ProbeTime <= 0 {
		cfg.ProbeTime = defaultProbeTime
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = defaultReadHeaderTimeout
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = defaultReadTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Runner == nil {
		return nil, errors.New("serve: no Runner")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if !IsLoopback(cfg.Addr) {
		cfg.Exposed = true
	}
	s := &Server{cfg: cfg, metrics: newMetrics(), sem: make(chan struct{}, cfg.MaxConcurrent)}
	s.limiter = newLimiter(cfg.RatePerMinute, cfg.Burst, cfg.Now)
	if cfg.Exposed && !cfg.AllowPrivate {
		s.guard = &netguard.Policy{Allow: cfg.Allow, AllowAddrPorts: cfg.AllowAddrPorts}
	}
	s.csrfKey = make([]byte, 32)
	if _, err := rand.Read(s.csrfKey); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// IsLoopback reports whether a listen address is on loopback only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.IsLoopback()
}

// HTTPServer returns an http.Server for the handler with the configured
// timeouts: a client that sends its headers or body too slowly is cut
// off without holding anything else up.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.RequestTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.page)
	m.HandleFunc("GET /app.css", s.asset("text/css; charset=utf-8", appCSS))
	m.HandleFunc("GET /app.js", s.asset("text/javascript; charset=utf-8", appJS))
	m.HandleFunc("GET /docs/causes.md", s.causes)
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	m.HandleFunc("GET /metrics", s.metrics.serve)
	for _, k := range kinds {
		m.HandleFunc("POST /api/"+k.Name, s.diagnosis(k, false))
		m.HandleFunc("POST /form/"+k.Name, s.diagnosis(k, true))
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.fail(w, r, http.StatusNotFound, "", "no such API: %s %s (see docs/openapi.yaml)", r.Method, r.URL.Path)
			return
		}
		http.NotFound(w, r)
	})
	s.mux = m
}

// ServeHTTP applies the checks every request goes through, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &recorder{ResponseWriter: w, status: http.StatusOK}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	defer func() {
		s.metrics.request(route(r), rw.status)
		s.logRequest(r, rw, time.Since(start))
	}()
	if !s.hostAllowed(r.Host) {
		s.refuse(rw, r, http.StatusMisdirectedRequest, "host", "Host %q does not name this server (a page on another site cannot reach it through its own name); use http://%s/", r.Host, s.cfg.Addr)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			s.refuse(rw, r, http.StatusForbidden, "cross-origin", "cross-site request refused: why401 serve only answers its own page and direct API clients")
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
			s.refuse(rw, r, http.StatusForbidden, "cross-origin", "request from origin %s refused: why401 serve only answers its own page and direct API clients", o)
			return
		}
	}
	if s.cfg.Token != "" && !open(r.URL.Path) && !s.authorized(r) {
		if r.Method == http.MethodGet && r.URL.Path == "/" {
			s.loginPage(rw, r, "")
			return
		}
		rw.Header().Set("WWW-Authenticate", `Bearer realm="why401 serve"`)
		s.refuse(rw, r, http.StatusUnauthorized, "token", "this server needs its shared token: send Authorization: Bearer TOKEN (the content of the server's --token-file), or log in on the page")
		return
	}
	s.mux.ServeHTTP(rw, r)
}

// open paths need no token: probes of the service itself.
func open(path string) bool {
	return path == "/healthz" || path == "/metrics" || path == "/login" || path == "/app.css" || path == "/app.js"
}

func (s *Server) hostAllowed(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.Trim(strings.ToLower(h), "[]")
	for _, x := range s.cfg.Hosts {
		if strings.EqualFold(x, h) {
			return true
		}
	}
	if s.cfg.Exposed && len(s.cfg.Hosts) == 0 {
		return true
	}
	if h == "localhost" {
		return true
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.IsLoopback() {
			return true
		}
		if s.cfg.Exposed {
			return true // an address, not a name an attacker controls
		}
	}
	return false
}

func sameOrigin(origin, host string) bool {
	o := strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
	return strings.EqualFold(o, host)
}

// authorized checks the shared token: an Authorization header or the
// login cookie.
func (s *Server) authorized(r *http.Request) bool {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(v)), []byte(s.cfg.Token)) == 1 {
			return true
		}
	}
	if c, err := r.Cookie("why401_session"); err == nil {
		return subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.sessionValue())) == 1
	}
	return false
}

// sessionValue is the login cookie's value: a MAC of the token, so the
// cookie does not carry the token itself.
func (s *Server) sessionValue() string {
	return mac(s.csrfKey, "session:"+s.cfg.Token)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if s.cfg.Token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(r.PostFormValue("token"))), []byte(s.cfg.Token)) != 1 {
		s.metrics.refusal("token")
		w.WriteHeader(http.StatusUnauthorized)
		s.loginPage(w, r, "That is not this server's token.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "why401_session", Value: s.sessionValue(), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// csrfToken returns the form token of a client: a MAC of its CSRF cookie,
// set when missing.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie("why401_csrf")
	v := ""
	if err == nil && len(c.Value) == 32 {
		v = c.Value
	} else {
		b := make([]byte, 16)
		rand.Read(b)
		v = hex.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: "why401_csrf", Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	}
	return mac(s.csrfKey, "csrf:"+v)
}

// checkCSRF verifies a form's token against the client's cookie.
func (s *Server) checkCSRF(r *http.Request, token string) bool {
	c, err := r.Cookie("why401_csrf")
	if err != nil || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(mac(s.csrfKey, "csrf:"+c.Value))) == 1
}

// apiError is the body of every error answer.
type apiError struct {
	Error  string `json:"error"`
	Reason string `json:"reason,omitempty"`
	Status int    `json:"status"`
}

// fail answers an error as JSON: an HTTP status and one line.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, reason, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(apiError{Error: msg, Reason: reason, Status: status})
}

// refuse is fail for a defence that said no; it is counted by reason.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, reason, format string, args ...any) {
	s.metrics.refusal(reason)
	s.fail(w, r, status, reason, format, args...)
}

// recorder remembers the status and size for the log and metrics.
type recorder struct {
	http.ResponseWriter
	status int
	size   int64
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.size += int64(n)
	return n, err
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequest writes one line in the Common Log Format, with the path
// only (no query string), plus the time taken: nothing that could carry
// a secret.
func (s *Server) logRequest(r *http.Request, rw *recorder, took time.Duration) {
	if s.cfg.Log == nil {
		return
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	path := logPath(r)
	ua := strings.ReplaceAll(r.UserAgent(), `"`, `'`)
	if len(ua) > 120 {
		ua = ua[:120]
	}
	line := fmt.Sprintf("%s - - [%s] \"%s %s %s\" %d %d \"-\" %q %.3f\n",
		host, s.cfg.Now().Format("02/Jan/2006:15:04:05 -0700"), r.Method, strings.ReplaceAll(path, " ", "%20"), r.Proto, rw.status, rw.size, ua, took.Seconds())
	s.logMu.Lock()
	io.WriteString(s.cfg.Log, line)
	s.logMu.Unlock()
}

// logPath is the path as the log shows it: a route of the server as it
// is; any other path (a scanner's, a client's mistake) with each long
// segment masked, since a token pasted into a URL is one.
func logPath(r *http.Request) string {
	path := r.URL.Path
	if !strings.HasPrefix(path, "/") || len(path) > 200 {
		return "/…"
	}
	if route(r) != "other" {
		return path
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if len(s) > 24 {
			segs[i] = redact.Mask(s)
		}
	}
	return strings.Join(segs, "/")
}

func route(r *http.Request) string {
	p := r.URL.Path
	switch {
	case p == "/" || p == "/healthz" || p == "/metrics" || p == "/login" || p == "/app.css" || p == "/app.js" || p == "/docs/causes.md":
		return p
	case strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/form/"):
		for _, k := range kinds {
			if strings.HasSuffix(p, "/"+k.Name) {
				return p
			}
		}
	}
	return "other"
}

// acquire takes a diagnosis slot: the client's rate limit first, then the
// global cap. It answers the refusal itself and returns false.
func (s *Server) acquire(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if wait, ok := s.limiter.allow(host); !ok {
		secs := int(wait.Seconds() + 0.999)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		s.refuse(w, r, http.StatusTooManyRequests, "rate-limit", "rate limit: at most %d diagnoses a minute from one client; try again in %ds", s.cfg.RatePerMinute, secs)
		return nil, false
	}
	select {
	case s.sem <- struct{}{}:
		s.metrics.inflight(1)
		return func() { <-s.sem; s.metrics.inflight(-1) }, true
	default:
		w.Header().Set("Retry-After", "5")
		s.refuse(w, r, http.StatusServiceUnavailable, "busy", "busy: %d diagnoses are running, the most this server runs at once; try again in a few seconds", s.cfg.MaxConcurrent)
		return nil, false
	}
}

// limiter is a token bucket per client address.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens a second
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, burst int, now func() time.Time) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for client, or says how long until one is free.
func (l *limiter) allow(client string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.last) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[client]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[client] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}

// errTooLarge is an upload over the limit.
var errTooLarge = errors.New("too large")

// readBody reads the whole body within the upload limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > s.cfg.MaxUpload {
		return nil, errTooLarge
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errTooLarge
	}
	return b, err
}

func (s *Server) bodyError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errTooLarge) {
		s.refuse(w, r, http.StatusRequestEntityTooLarge, "too-large", "upload too large: this server takes at most %s in one request", size(s.cfg.MaxUpload))
		return
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		s.refuse(w, r, http.StatusRequestTimeout, "slow-client", "request body too slow: it must arrive within %s", s.cfg.ReadTimeout)
		return
	}
	s.fail(w, r, http.StatusBadRequest, "", "reading the request: %v", err)
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
