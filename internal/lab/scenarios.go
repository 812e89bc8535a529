package lab

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/shell"
)

// Scenario is one reproducible situation: a lab route and the probe
// arguments that show it.
type Scenario struct {
	Path  string     `json:"path"`  // route path, e.g. "/token/expired"
	Cause catalog.ID `json:"cause"` // the cause the probe must rank first; "" means the request works (exit 0, no findings)
	Doc   string     `json:"doc"`   // one line: what the route reproduces
	Args  []string   `json:"args"`  // the probe's arguments: the URL first, then curl-like flags
}

// Command renders the scenario as a shell command line,
// "why401 probe ARGS...", quoting arguments where a POSIX shell needs it.
func (s Scenario) Command() string {
	parts := []string{"why401", "probe"}
	for _, a := range s.Args {
		parts = append(parts, shell.Quote(a))
	}
	return strings.Join(parts, " ")
}

// A labCase is one lab value: a scenario with the cause the probe must
// rank first, the route that serves it when the route is its own, and what
// the lab must offer for it. Adding a cause to the lab is adding one.
type labCase struct {
	Scenario
	route http.HandlerFunc // serves Path; nil when another case or an area's routes serve it
	needs need
}

// need is a listener a case cannot do without.
type need int

const (
	always      need = iota
	needTLS          // the TLS listener
	needExpired      // the listener with an expired certificate
	needIPv6         // a [::1] listener beside 127.0.0.1
)

// sc is a case from its scenario's fields.
func sc(path string, cause catalog.ID, doc string, args []string) labCase {
	return labCase{Scenario: Scenario{Path: path, Cause: cause, Doc: doc, Args: args}}
}

// served gives the case its own route.
func (c labCase) served(h http.HandlerFunc) labCase { c.route = h; return c }

// needing says which listener the case needs.
func (c labCase) needing(n need) labCase { c.needs = n; return c }

// env is what a case's arguments are built from: the lab's addresses and
// a few ready argument lists. Its fields are empty when the routes are
// being registered, before the lab listens.
type env struct {
	u, tls, expired, ca string // the base URLs and the CA file
	port                string // the port of u
	now                 time.Time
	valid               string   // a valid token for /api/*
	alice               []string // -u with the lab user's password
}

// bearer is the -H argument pair carrying tok.
func bearer(tok string) []string { return []string{"-H", "Authorization: Bearer " + tok} }

// with joins an URL and argument lists.
func with(first string, rest ...[]string) []string {
	out := []string{first}
	for _, r := range rest {
		out = append(out, r...)
	}
	return out
}

// cases lists every lab value, in index order.
func (l *Lab) cases(e env) []labCase {
	var list []labCase
	list = append(list, l.baseCases(e)...)
	list = append(list, l.longtailCases(e)...)
	list = append(list, l.browserCases(e)...)
	list = append(list, l.producerCases(e)...)
	list = append(list, l.fieldCases(e)...)
	return list
}

// caseRoutes registers the routes the cases carry.
func (l *Lab) caseRoutes(mux *http.ServeMux) {
	for _, c := range l.cases(env{now: l.now()}) {
		if c.route == nil {
			continue
		}
		mux.HandleFunc(c.Path, c.route)
	}
}

// Scenarios returns every scenario the running lab can reproduce, in index
// order, with fresh tokens minted by the lab clock. Scenarios that need a
// listener the lab does not have (TLS, [::1], or any when the Handler is
// served elsewhere) are left out. It returns nil before Start or UseURL.
func (l *Lab) Scenarios() []Scenario {
	st := l.state()
	if st.base == "" {
		return nil
	}
	e := env{u: st.base, tls: st.tlsBase, expired: st.expiredBase, ca: st.caFile, now: l.now(),
		valid: l.Token(nil), alice: []string{"-u", User + ":" + Password}}
	if pu, err := url.Parse(st.base); err == nil {
		e.port = pu.Port()
	}
	have := map[need]bool{always: true, needTLS: st.tlsBase != "", needExpired: st.expiredBase != "", needIPv6: st.ipv6}
	var out []Scenario
	for _, c := range l.cases(e) {
		if have[c.needs] {
			out = append(out, c.Scenario)
		}
	}
	return out
}

// baseCases are the scenarios of the lab's first routes: the credentials,
// tokens and challenges, redirects, cookies, proxies and caches.
func (l *Lab) baseCases(e env) []labCase {
	u, now, alice, valid := e.u, e.now, e.alice, e.valid
	return []labCase{
		sc("/basic/ok", "", "a Basic-protected JSON API answering the right user and password", with(u+"/basic/ok", alice)).served(l.serveBasicOK),
		sc("/api/ok", "", "a Bearer-protected JSON API answering a valid token", with(u+"/api/ok", bearer(valid))).served(l.bearerRoute(l.now, "read", l.serveAPIOK)),
		sc("/api/items", catalog.CredentialsMissing, "a Bearer-protected API asked without any credentials", with(u+"/api/items")).served(l.bearerRoute(l.now, "read", serveItems)),
		sc("/basic/ok", catalog.CredentialsRejected, "the Basic API refuses a wrong password", with(u+"/basic/ok", []string{"-u", User + ":wrongpass"})),
		sc("/basic/ok", catalog.CredentialsMalformed, "Basic credentials sent as plain text instead of base64", with(u+"/basic/ok", []string{"-H", "Authorization: Basic " + User + ":" + Password})),
		sc("/api/items", catalog.CredentialsWrongScheme, "Basic credentials sent to an API that only takes Bearer tokens", with(u+"/api/items", alice)),
		sc("/api/items", catalog.TokenExpired, "a token that expired two hours ago", with(u+"/api/items", bearer(l.Token(map[string]any{"exp": now.Add(-2 * time.Hour), "iat": now.Add(-3 * time.Hour)})))),
		sc("/api/items", catalog.TokenNotYetValid, "a token whose nbf lies an hour ahead", with(u+"/api/items", bearer(l.Token(map[string]any{"nbf": now.Add(time.Hour)})))),
		sc("/api/items", catalog.TokenAudience, "a token issued for another API", with(u+"/api/items", bearer(l.Token(map[string]any{"aud": "https://other-api.example"})))),
		sc("/api/items", catalog.TokenIssuer, "a token from an issuer the API does not trust", with(u+"/api/items", bearer(l.Token(map[string]any{"iss": "https://login.staging.example"})))),
		sc("/api/admin", catalog.TokenScope, "a read-only token on an endpoint that needs the admin scope", with(u+"/api/admin", bearer(l.Token(map[string]any{"scope": "read"})))).served(l.bearerRoute(l.now, "admin", serveAdmin)),
		sc("/api/items", catalog.TokenSignature, "a token signed with a rotated key absent from the JWKS", with(u+"/api/items", bearer(l.ForeignToken(nil)))),
		sc("/api/items", catalog.TokenMalformed, "a bearer value that is not a JWT", with(u+"/api/items", bearer("eyJhbGciOiJSUzI1NiJ9.not-json"))),
		sc("/clock/api", catalog.ClockSkew, "a server clock two hours fast rejects a fresh 30-minute token", with(u+"/clock/api", bearer(l.Token(map[string]any{"iat": now, "exp": now.Add(30 * time.Minute)})))).served(l.serveClock),
		sc("/nochallenge", catalog.ChallengeMissing, "a 401 without any WWW-Authenticate header", with(u+"/nochallenge", alice)).served(serveNoChallenge),
		sc("/windows", catalog.ChallengeUnsupported, "IIS offering only Negotiate and NTLM", with(u+"/windows", alice)).served(serveWindows),
		sc("/staging/", catalog.ServerBasicAuth, "nginx auth_basic in front of the whole staging site", with(u+"/staging/")).served(serveStaging),
		sc("/redirect/host", catalog.RedirectAuthDropped, "a redirect to another host name drops the Authorization header", with(u+"/redirect/host", alice, []string{"-L"})).served(l.serveRedirectHost),
		sc("/redirect/https", catalog.RedirectScheme, "an http to https redirect to another port drops the Authorization header", with(u+"/redirect/https", alice, []string{"-L", "--cacert", e.ca})).needing(needTLS).served(l.serveRedirectHTTPS),
		sc("/cookie/dashboard", catalog.CookieStale, "a stale session cookie gets a 401 where no cookie gets the guest page", with(u+"/cookie/dashboard", []string{"-b", "sid=3f9a-stale-session"})).served(l.serveCookieDashboard),
		sc("/cors/api", catalog.CORSPreflightAuth, "the CORS preflight is challenged because auth runs before CORS", with(u+"/cors/api", bearer(valid), []string{"-H", "Origin: http://app.lab.test"})).served(l.serveCORS),
		sc("/proxied/items", catalog.ProxyHeaderStripped, "a proxy layer drops the Authorization header before the app", with(u+"/proxied/items", bearer(valid))).served(l.serveProxied),
		sc("/proxy-gate", catalog.ProxyAuthRequired, "a forward proxy wants its own credentials (407)", with(u+"/proxy-gate", alice)).served(serveProxyGate),
		sc("/cached/report", catalog.CacheCached401, "a shared cache replays a stored 401", with(u+"/cached/report", alice)).served(serveCached),
		sc("/login/locked", catalog.RateLimitLockout, "a login locked after too many failed attempts (429)", with(u+"/login/locked", alice)).served(serveLocked),
		sc("/basic/ok", catalog.TLSCertificate, "the Basic API behind an expired server certificate", with(e.expired+"/basic/ok", alice, []string{"--cacert", e.ca})).needing(needExpired),
		sc("/cluster/ok", catalog.BackendInconsistent, "two nodes behind one name; the [::1] node has a stale password", with("http://lab.test:"+e.port+"/cluster/ok", alice, []string{"--resolve", "lab.test:" + e.port + ":127.0.0.1,[::1]"})).needing(needIPv6).served(serveCluster),
		sc("/api/reports", catalog.StatusForbidden, "an authenticated user without the admin role gets 403", with(u+"/api/reports", bearer(valid))).served(l.bearerRoute(l.now, "read", serveReports)),
		sc("/digest/ok", catalog.CredentialsWrongScheme, "a Digest-protected API (RFC 7616, SHA-256 and MD5): -u sends Basic, as curl does, and the same password works with Digest", with(u+"/digest/ok", alice)).served(l.serveDigestOK),
	}
}

// indexDoc is the JSON form of the index.
type indexDoc struct {
	URL           string         `json:"url"`
	TLSURL        string         `json:"tls_url,omitempty"`
	ExpiredTLSURL string         `json:"expired_tls_url,omitempty"`
	CAFile        string         `json:"ca_file,omitempty"`
	Issuer        string         `json:"issuer"`
	Audience      string         `json:"audience"`
	Notes         []string       `json:"notes,omitempty"`
	Scenarios     []indexEntry   `json:"scenarios"`
	Credentials   map[string]any `json:"credentials"`
}

// indexEntry is a scenario with its ready command.
type indexEntry struct {
	Scenario
	Command string `json:"command"`
}

// index builds the index document.
func (l *Lab) index() indexDoc {
	st := l.state()
	doc := indexDoc{
		URL:           st.base,
		TLSURL:        st.tlsBase,
		ExpiredTLSURL: st.expiredBase,
		CAFile:        st.caFile,
		Issuer:        l.Issuer(),
		Audience:      l.Audience(),
		Notes:         l.Notes(),
		Scenarios:     []indexEntry{},
		Credentials: map[string]any{
			"basic":  User + ":" + Password,
			"client": ClientID + ":" + ClientSecret,
		},
	}
	for _, s := range l.Scenarios() {
		doc.Scenarios = append(doc.Scenarios, indexEntry{Scenario: s, Command: s.Command()})
	}
	return doc
}

// serveIndexJSON lists the scenarios as JSON.
func (l *Lab) serveIndexJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, l.index())
}

var indexPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>why401 lab</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
code { font-size: 90%; word-break: break-all; }
</style>
</head>
<body>
<h1>why401 lab</h1>
<p>Every route below reproduces one reason for a 401 (or a working request, for comparison).
Issuer <code>{{.Issuer}}</code>, audience <code>{{.Audience}}</code>,
keys at <a href="/.well-known/jwks.json">/.well-known/jwks.json</a>,
this list as <a href="/index.json">JSON</a>.</p>
{{range .Notes}}<p><strong>Note:</strong> {{.}}</p>
{{end}}<table>
<tr><th>#</th><th>Path</th><th>Cause</th><th>What it reproduces</th><th>Try it</th></tr>
{{range $i, $s := .Scenarios}}<tr><td>{{$i}}</td><td><code>{{$s.Path}}</code></td><td>{{if $s.Cause}}<code>{{$s.Cause}}</code>{{else}}works{{end}}</td><td>{{$s.Doc}}</td><td><code>{{$s.Command}}</code></td></tr>
{{end}}</table>
</body>
</html>
`))

// serveIndexHTML lists the scenarios as an HTML page.
func (l *Lab) serveIndexHTML(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	if err := indexPage.Execute(&b, l.index()); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "rendering index"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeHTML(w, http.StatusOK, b.String())
}
