package lab

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
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
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe
// characters.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("@%+=:,./_-", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
	u := st.base
	now := l.now()
	bearer := func(tok string) []string { return []string{"-H", "Authorization: Bearer " + tok} }
	alice := []string{"-u", User + ":" + Password}
	with := func(first string, rest ...[]string) []string {
		out := []string{first}
		for _, r := range rest {
			out = append(out, r...)
		}
		return out
	}
	valid := l.Token(nil)

	list := []Scenario{
		{"/basic/ok", "", "a Basic-protected JSON API answering the right user and password", with(u+"/basic/ok", alice)},
		{"/api/ok", "", "a Bearer-protected JSON API answering a valid token", with(u+"/api/ok", bearer(valid))},
		{"/api/items", catalog.CredentialsMissing, "a Bearer-protected API asked without any credentials", with(u + "/api/items")},
		{"/basic/ok", catalog.CredentialsRejected, "the Basic API refuses a wrong password", with(u+"/basic/ok", []string{"-u", User + ":wrongpass"})},
		{"/basic/ok", catalog.CredentialsMalformed, "Basic credentials sent as plain text instead of base64", with(u+"/basic/ok", []string{"-H", "Authorization: Basic " + User + ":" + Password})},
		{"/api/items", catalog.CredentialsWrongScheme, "Basic credentials sent to an API that only takes Bearer tokens", with(u+"/api/items", alice)},
		{"/api/items", catalog.TokenExpired, "a token that expired two hours ago", with(u+"/api/items", bearer(l.Token(map[string]any{"exp": now.Add(-2 * time.Hour), "iat": now.Add(-3 * time.Hour)})))},
		{"/api/items", catalog.TokenNotYetValid, "a token whose nbf lies an hour ahead", with(u+"/api/items", bearer(l.Token(map[string]any{"nbf": now.Add(time.Hour)})))},
		{"/api/items", catalog.TokenAudience, "a token issued for another API", with(u+"/api/items", bearer(l.Token(map[string]any{"aud": "https://other-api.example"})))},
		{"/api/items", catalog.TokenIssuer, "a token from an issuer the API does not trust", with(u+"/api/items", bearer(l.Token(map[string]any{"iss": "https://login.staging.example"})))},
		{"/api/admin", catalog.TokenScope, "a read-only token on an endpoint that needs the admin scope", with(u+"/api/admin", bearer(l.Token(map[string]any{"scope": "read"})))},
		{"/api/items", catalog.TokenSignature, "a token signed with a rotated key absent from the JWKS", with(u+"/api/items", bearer(l.ForeignToken(nil)))},
		{"/api/items", catalog.TokenMalformed, "a bearer value that is not a JWT", with(u+"/api/items", bearer("eyJhbGciOiJSUzI1NiJ9.not-json"))},
		{"/clock/api", catalog.ClockSkew, "a server clock two hours fast rejects a fresh 30-minute token", with(u+"/clock/api", bearer(l.Token(map[string]any{"iat": now, "exp": now.Add(30 * time.Minute)})))},
		{"/nochallenge", catalog.ChallengeMissing, "a 401 without any WWW-Authenticate header", with(u+"/nochallenge", alice)},
		{"/windows", catalog.ChallengeUnsupported, "IIS offering only Negotiate and NTLM", with(u+"/windows", alice)},
		{"/staging/", catalog.ServerBasicAuth, "nginx auth_basic in front of the whole staging site", with(u + "/staging/")},
		{"/redirect/host", catalog.RedirectAuthDropped, "a redirect to another host name drops the Authorization header", with(u+"/redirect/host", alice, []string{"-L"})},
	}
	if st.tlsBase != "" {
		list = append(list, Scenario{"/redirect/https", catalog.RedirectScheme, "an http to https redirect to another port drops the Authorization header", with(u+"/redirect/https", alice, []string{"-L", "--cacert", st.caFile})})
	}
	list = append(list,
		Scenario{"/cookie/dashboard", catalog.CookieStale, "a stale session cookie gets a 401 where no cookie gets the guest page", with(u+"/cookie/dashboard", []string{"-b", "sid=3f9a-stale-session"})},
		Scenario{"/cors/api", catalog.CORSPreflightAuth, "the CORS preflight is challenged because auth runs before CORS", with(u+"/cors/api", bearer(valid), []string{"-H", "Origin: http://app.lab.test"})},
		Scenario{"/proxied/items", catalog.ProxyHeaderStripped, "a proxy layer drops the Authorization header before the app", with(u+"/proxied/items", bearer(valid))},
		Scenario{"/proxy-gate", catalog.ProxyAuthRequired, "a forward proxy wants its own credentials (407)", with(u+"/proxy-gate", alice)},
		Scenario{"/cached/report", catalog.CacheCached401, "a shared cache replays a stored 401", with(u+"/cached/report", alice)},
		Scenario{"/login/locked", catalog.RateLimitLockout, "a login locked after too many failed attempts (429)", with(u+"/login/locked", alice)},
	)
	if st.expiredBase != "" {
		list = append(list, Scenario{"/basic/ok", catalog.TLSCertificate, "the Basic API behind an expired server certificate", with(st.expiredBase+"/basic/ok", alice, []string{"--cacert", st.caFile})})
	}
	if st.ipv6 {
		if pu, err := url.Parse(u); err == nil {
			port := pu.Port()
			list = append(list, Scenario{"/cluster/ok", catalog.BackendInconsistent, "two nodes behind one name; the [::1] node has a stale password", with("http://lab.test:"+port+"/cluster/ok", alice, []string{"--resolve", "lab.test:" + port + ":127.0.0.1,[::1]"})})
		}
	}
	list = append(list,
		Scenario{"/api/reports", catalog.StatusForbidden, "an authenticated user without the admin role gets 403", with(u+"/api/reports", bearer(valid))},
		Scenario{"/digest/ok", catalog.CredentialsWrongScheme, "a Digest-protected API (RFC 7616, SHA-256 and MD5): -u sends Basic, as curl does, and the same password works with Digest", with(u+"/digest/ok", alice)},
	)
	list = append(list, l.longtailScenarios(u, st.ipv6)...)
	list = append(list, l.browserScenarios(u)...)
	list = append(list, l.producerScenarios(u)...)
	return list
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
