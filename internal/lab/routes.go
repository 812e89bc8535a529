package lab

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/why401/why401/internal/random"
)

// skew is how far the clock of /clock/api runs ahead of the lab clock.
const skew = 2 * time.Hour

// Stock bodies of the producers the lab imitates.
const (
	nginxVersion = "nginx/1.22.1"
	nginx401     = "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>" + nginxVersion + "</center>\r\n</body>\r\n</html>\r\n"

	iis401 = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>401 - Unauthorized: Access is denied due to invalid credentials.</title>
</head>
<body>
<div id="header"><h1>Server Error</h1></div>
<div id="content">
 <div class="content-container"><fieldset>
  <h2>401 - Unauthorized: Access is denied due to invalid credentials.</h2>
  <h3>You do not have permission to view this directory or page using the credentials that you supplied.</h3>
 </fieldset></div>
</div>
</body>
</html>
`

	plain401 = "<!DOCTYPE html>\n<html><head><title>Unauthorized</title></head><body><h1>Unauthorized</h1></body></html>\n"

	proxy407 = "<html>\r\n<head><title>407 Proxy Authentication Required</title></head>\r\n<body>\r\n<h1>Proxy Authentication Required</h1>\r\n<p>This proxy needs credentials before it forwards your request.</p>\r\n</body>\r\n</html>\r\n"
)

// routes builds the lab's handler.
func (l *Lab) routes() http.Handler {
	mux := http.NewServeMux()

	mux.HandleFunc("GET /{$}", l.serveIndexHTML)
	mux.HandleFunc("GET /index.json", l.serveIndexJSON)
	mux.HandleFunc("GET /.well-known/jwks.json", l.serveJWKS)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", l.serveASMetadata)
	mux.HandleFunc("GET /.well-known/openid-configuration", l.serveOIDCConfig)
	mux.HandleFunc("GET /.well-known/oauth-protected-resource", l.serveResourceMetadata)
	mux.HandleFunc("GET /.well-known/oauth-protected-resource/api/", l.serveResourceMetadata)
	mux.HandleFunc("GET /.well-known/oauth-protected-resource/api", l.serveResourceMetadata)
	mux.HandleFunc("/oauth/token", l.serveToken)

	mux.HandleFunc("/api/", l.bearerRoute(l.now, "", serveAPINotFound))
	mux.HandleFunc("/cookie/login", l.serveCookieLogin)
	registerEcho(mux) // /echo: what a proxy passed on (echo.go)
	l.longtailRoutes(mux)
	l.browserRoutes(mux)
	l.producerRoutes(mux)
	l.fieldRoutes(mux)
	l.caseRoutes(mux) // the routes the scenarios carry (scenarios.go)
	mux.HandleFunc("/", serveNotFound)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Date", l.now().UTC().Format(http.TimeFormat))
		h.Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

// writeBody sends a complete response with an exact Content-Length.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client may have gone
}

// writeJSON sends v as an indented JSON document.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeBody(w, http.StatusInternalServerError, "application/json", []byte(`{"error":"internal error"}`+"\n"))
		return
	}
	writeBody(w, status, "application/json", append(b, '\n'))
}

// writeHTML sends an HTML page.
func writeHTML(w http.ResponseWriter, status int, page string) {
	writeBody(w, status, "text/html; charset=utf-8", []byte(page))
}

// serveNotFound answers paths the lab does not serve.
func serveNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found", "path": r.URL.Path})
}

// basicChallenge answers a request for the Basic-protected API.
func basicChallenge(w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="`+basicRealm+`"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": message})
}

// basicFailureMessage words the JSON error of a failed Basic login.
func basicFailureMessage(res basicResult) string {
	switch res {
	case basicWrong:
		return "invalid credentials"
	case basicMalformed:
		return "malformed credentials"
	case basicOther:
		return "unsupported authorization scheme"
	}
	return "authentication required"
}

// serveBasicOK is a JSON API behind Basic auth.
func (l *Lab) serveBasicOK(w http.ResponseWriter, r *http.Request) {
	res := checkBasic(r.Header, User, Password)
	if res != basicOK {
		basicChallenge(w, basicFailureMessage(res))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"user": User})
}

// serveDigestOK is a JSON API behind RFC 7616 Digest auth.
func (l *Lab) serveDigestOK(w http.ResponseWriter, r *http.Request) {
	now := l.now()
	res := l.checkDigest(r, now)
	if res.outcome == digestOK {
		w.Header().Set("Authentication-Info", res.rspauth)
		writeJSON(w, http.StatusOK, map[string]string{"user": User, "auth": "digest", "algorithm": res.alg})
		return
	}
	for _, c := range l.digestChallenges(now, res.outcome == digestStale) {
		w.Header().Add("WWW-Authenticate", c)
	}
	msg := "authentication required"
	if res.outcome != digestMissing && res.reason != "" {
		msg = res.reason
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msg})
}

// bearerRoute protects next with bearer authentication judged by clock;
// a valid token must also hold scope (RFC 6750 insufficient_scope).
func (l *Lab) bearerRoute(clock func() time.Time, scope string, next func(http.ResponseWriter, *http.Request, *principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, f := l.bearer(r, clock())
		if f != nil {
			l.writeBearerFailure(w, f)
			return
		}
		if scope != "" && !p.hasScope(scope) {
			w.Header().Set("WWW-Authenticate", l.bearerChallenge("insufficient_scope", "the token lacks the "+scope+" scope", scope))
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope", "scope": scope})
			return
		}
		next(w, r, p)
	}
}

// serveAPIOK confirms a valid token.
func (l *Lab) serveAPIOK(w http.ResponseWriter, _ *http.Request, p *principal) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "sub": p.Subject, "scope": strings.Join(p.Scopes, " ")})
}

// serveItems is the lab's sample collection.
func serveItems(w http.ResponseWriter, _ *http.Request, p *principal) {
	writeJSON(w, http.StatusOK, map[string]any{
		"owner": p.Subject,
		"items": []map[string]any{
			{"id": 1, "name": "looking glass"},
			{"id": 2, "name": "pocket watch"},
			{"id": 3, "name": "tea cup"},
		},
	})
}

// serveAdmin is reached only with the admin scope.
func serveAdmin(w http.ResponseWriter, _ *http.Request, p *principal) {
	writeJSON(w, http.StatusOK, map[string]any{"admin": true, "sub": p.Subject})
}

// serveReports needs the admin role: an authorization refusal, not an
// authentication one, so no challenge.
func serveReports(w http.ResponseWriter, _ *http.Request, p *principal) {
	for _, role := range p.Roles {
		if role == "admin" {
			writeJSON(w, http.StatusOK, map[string]any{"reports": []string{"q1", "q2"}})
			return
		}
	}
	writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "message": p.Subject + " may not read reports"})
}

// serveAPINotFound answers unknown API paths once authenticated.
func serveAPINotFound(w http.ResponseWriter, r *http.Request, _ *principal) {
	serveNotFound(w, r)
}

// serveClock is an API whose clock runs two hours ahead of the lab's: its
// Date header and its token checks both use the skewed clock.
func (l *Lab) serveClock(w http.ResponseWriter, r *http.Request) {
	clock := func() time.Time { return l.now().Add(skew) }
	w.Header().Set("Date", clock().UTC().Format(http.TimeFormat))
	l.bearerRoute(clock, "read", serveItems)(w, r)
}

// serveNoChallenge refuses with 401 but never says how to authenticate.
func serveNoChallenge(w http.ResponseWriter, r *http.Request) {
	writeHTML(w, http.StatusUnauthorized, plain401)
}

// serveWindows imitates IIS with only Windows authentication enabled.
func serveWindows(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Server", "Microsoft-IIS/10.0")
	h.Set("X-Powered-By", "ASP.NET")
	h.Add("WWW-Authenticate", "Negotiate")
	h.Add("WWW-Authenticate", "NTLM")
	writeBody(w, http.StatusUnauthorized, "text/html", []byte(iis401))
}

// serveStaging imitates nginx auth_basic in front of a whole site.
func serveStaging(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Server", nginxVersion)
	if checkBasic(r.Header, StagingUser, StagingPassword) != basicOK {
		h.Set("WWW-Authenticate", `Basic realm="`+stagingRealm+`"`)
		writeBody(w, http.StatusUnauthorized, "text/html", []byte(nginx401))
		return
	}
	writeHTML(w, http.StatusOK, "<!DOCTYPE html>\n<html><head><title>Staging</title></head><body><h1>Staging site</h1><p>Next release preview.</p></body></html>\n")
}

// otherHost returns base with its host swapped for another name of the
// same machine: localhost for 127.0.0.1 and the other way round.
func otherHost(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	host := "localhost"
	if u.Hostname() == "localhost" {
		host = "127.0.0.1"
	}
	if port := u.Port(); port != "" {
		host = net.JoinHostPort(host, port)
	}
	u.Host = host
	return u.String()
}

// serveRedirectHost sends the client to the same server under another
// host name, so a careful client drops its Authorization header.
func (l *Lab) serveRedirectHost(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, otherHost(l.URL())+"/basic/ok", http.StatusFound)
}

// serveRedirectHTTPS moves the client from http to the TLS listener.
func (l *Lab) serveRedirectHTTPS(w http.ResponseWriter, r *http.Request) {
	target := l.TLSURL()
	if target == "" {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the lab's TLS listener is not running"})
		return
	}
	http.Redirect(w, r, target+"/basic/ok", http.StatusMovedPermanently)
}

// sessionStore remembers the sessions a login issued (/cookie/login, the
// browser flows). It is safe for concurrent use.
type sessionStore struct {
	mu  sync.Mutex
	ids map[string]time.Time // id -> expiry
}

// newSessionStore returns an empty store.
func newSessionStore() *sessionStore { return &sessionStore{ids: map[string]time.Time{}} }

// issue creates a session valid until expiry.
func (s *sessionStore) issue(expiry time.Time) string {
	id := random.Hex(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) >= 1024 {
		for k, exp := range s.ids {
			if !exp.After(expiry.Add(-time.Hour)) {
				delete(s.ids, k)
			}
		}
		if len(s.ids) >= 1024 {
			clear(s.ids)
		}
	}
	s.ids[id] = expiry
	return id
}

// valid reports whether id is a live session at now.
func (s *sessionStore) valid(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.ids[id]
	return ok && now.Before(exp)
}

// serveCookieLogin exchanges Basic credentials for a session cookie.
func (l *Lab) serveCookieLogin(w http.ResponseWriter, r *http.Request) {
	if res := checkBasic(r.Header, User, Password); res != basicOK {
		basicChallenge(w, basicFailureMessage(res))
		return
	}
	id := l.sessions.issue(l.now().Add(time.Hour))
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: id, Path: "/cookie", MaxAge: 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/cookie/dashboard", http.StatusSeeOther)
}

// serveCookieDashboard shows a guest page without a cookie, alice's page
// with a live session and a 401 with any other session cookie.
func (l *Lab) serveCookieDashboard(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("sid")
	if err != nil {
		writeHTML(w, http.StatusOK, "<!DOCTYPE html>\n<html><head><title>Dashboard</title></head><body><h1>Welcome, guest</h1><p><a href=\"/cookie/login\">Log in</a> to see your dashboard.</p></body></html>\n")
		return
	}
	if !l.sessions.valid(c.Value, l.now()) {
		w.Header().Set("WWW-Authenticate", l.bearerChallenge("", "", ""))
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	writeHTML(w, http.StatusOK, "<!DOCTYPE html>\n<html><head><title>Dashboard</title></head><body><h1>Welcome, alice</h1><p>You have 3 items.</p></body></html>\n")
}

// serveCORS is an API whose CORS layer sits behind its auth layer, so
// preflights (which never carry credentials) are challenged.
func (l *Lab) serveCORS(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		w.Header().Set("WWW-Authenticate", l.bearerChallenge("", "", ""))
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	}
	l.bearerRoute(l.now, "read", serveItems)(w, r)
}

// serveProxied emulates a proxy or FastCGI layer that drops the
// Authorization header before /api/items sees the request.
func (l *Lab) serveProxied(w http.ResponseWriter, r *http.Request) {
	r = r.Clone(r.Context())
	r.Header.Del("Authorization")
	l.bearerRoute(l.now, "read", serveItems)(w, r)
}

// serveProxyGate imitates a forward proxy that wants its own credentials.
func serveProxyGate(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Via", "1.1 lab-proxy")
	if checkBasicValue(r.Header.Values("Proxy-Authorization"), User, Password) == basicOK {
		writeJSON(w, http.StatusOK, map[string]string{"proxied": "ok"})
		return
	}
	h.Set("Proxy-Authenticate", `Basic realm="`+proxyRealm+`"`)
	writeBody(w, http.StatusProxyAuthRequired, "text/html", []byte(proxy407))
}

// serveCached replays a 401 a shared cache stored, whatever the request
// carries.
func serveCached(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Age", "347")
	h.Set("X-Cache", "HIT")
	h.Set("X-Cache-Status", "HIT")
	h.Set("Cache-Control", "public, max-age=600")
	basicChallenge(w, "authentication required")
}

// serveLocked is a login locked after too many failures.
func serveLocked(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Retry-After", "900")
	h.Set("RateLimit-Limit", "5")
	h.Set("RateLimit-Remaining", "0")
	h.Set("RateLimit-Reset", "900")
	writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too many failed attempts, try again in 15 minutes"})
}

// serveCluster is /basic/ok on node-a (the IPv4 listener) and a stale
// node-b on [::1] where alice's password changed.
func serveCluster(w http.ResponseWriter, r *http.Request) {
	node := nodeOf(r)
	w.Header().Set("X-Served-By", node)
	res := checkBasic(r.Header, User, Password)
	if node == "node-b" && res == basicOK {
		res = basicWrong
	}
	if res != basicOK {
		basicChallenge(w, basicFailureMessage(res))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"user": User, "node": node})
}

// nodeOf names the cluster node that answered: node-b when the
// connection came in over IPv6, node-a otherwise.
func nodeOf(r *http.Request) string {
	if listenerOf(r) == listenPlain6 {
		return "node-b"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if tcp, ok := a.(*net.TCPAddr); ok && tcp.IP.To4() == nil && tcp.IP != nil {
			return "node-b"
		}
	}
	return "node-a"
}

// serveJWKS publishes the lab key.
func (l *Lab) serveJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeBody(w, http.StatusOK, "application/jwk-set+json", append(l.JWKS(), '\n'))
}

// asMetadata is the RFC 8414 document, extended for OpenID discovery.
func (l *Lab) asMetadata(oidc bool) map[string]any {
	base := l.URL()
	m := map[string]any{
		"issuer":                                base,
		"jwks_uri":                              base + "/.well-known/jwks.json",
		"token_endpoint":                        base + "/oauth/token",
		"grant_types_supported":                 []string{"client_credentials", "password"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []string{"read", "write", "admin"},
		"response_types_supported":              []string{"token"},
	}
	if oidc {
		m["authorization_endpoint"] = base + "/oauth/authorize"
		m["subject_types_supported"] = []string{"public"}
		m["id_token_signing_alg_values_supported"] = []string{"ES256"}
		m["response_types_supported"] = []string{"code"}
	}
	return m
}

// serveASMetadata serves RFC 8414 authorization server metadata.
func (l *Lab) serveASMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, l.asMetadata(false))
}

// serveOIDCConfig serves OpenID Connect discovery.
func (l *Lab) serveOIDCConfig(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, l.asMetadata(true))
}

// serveResourceMetadata serves RFC 9728 protected resource metadata, at
// the root and at the path-inserted locations under /api.
func (l *Lab) serveResourceMetadata(w http.ResponseWriter, r *http.Request) {
	base := l.URL()
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":                 l.Audience(),
		"authorization_servers":    []string{base},
		"jwks_uri":                 base + "/.well-known/jwks.json",
		"scopes_supported":         []string{"read", "write", "admin"},
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "why401 lab API",
	})
}

// serveToken is a minimal OAuth 2.0 token endpoint (RFC 6749): the
// client_credentials grant for ClientID, and the password grant for
// User, both authenticated with ClientSecret.
func (l *Lab) serveToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request", "error_description": "use POST"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "unreadable form body"})
		return
	}
	id, secret, hasBasic := r.BasicAuth()
	if !hasBasic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != ClientID || secret != ClientSecret {
		if hasBasic {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+bearerRealm+`"`)
		}
		status := http.StatusBadRequest
		if hasBasic {
			status = http.StatusUnauthorized
		}
		writeJSON(w, status, map[string]string{"error": "invalid_client", "error_description": "client authentication failed"})
		return
	}
	sub := ClientID
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
	case "password":
		if r.PostForm.Get("username") != User || r.PostForm.Get("password") != Password {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "invalid resource owner credentials"})
			return
		}
		sub = User
	case "":
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "grant_type is required"})
		return
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	scope := "read"
	if s := r.PostForm.Get("scope"); s != "" {
		for _, one := range strings.Fields(s) {
			if one != "read" && one != "write" && one != "admin" {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_scope", "error_description": "unknown scope"})
				return
			}
		}
		scope = strings.Join(strings.Fields(s), " ")
	}
	tok := l.Token(map[string]any{"sub": sub, "scope": scope})
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   3600,
		"scope":        scope,
	})
}
