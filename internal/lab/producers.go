package lab

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// Producers: routes that answer as a recognisable producer would (an SSO
// proxy, Cloudflare, Envoy, WordPress behind PHP-FPM, a gateway in front
// of an API-key API), so that the probe's producer identification, vendor
// semantics and differential variants have something to work on.

// GatewayKey is the API key the /gw/items route accepts in X-Api-Key.
const GatewayKey = "lab-key-7d1f0c9a2b"

// wpAppPassword is an application password of the lab's WordPress user,
// grouped as WordPress shows it.
const wpAppPassword = "abcd EFGH 1234 ijkl MNOP 5678"

// producerRoutes registers the producer routes on mux.
func (l *Lab) producerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/sso/oauth2/start", serveSSOStart)
	mux.HandleFunc("/sso/idp/login", serveIdPLogin)
	mux.HandleFunc("/wp-http/wp-json/", serveWPHTTP)
	mux.HandleFunc("/wp-fpm/wp-json/", serveWPStripped)
	mux.HandleFunc("/registry/token", serveRegistryToken)
}

// producerScenarios lists the producer scenarios against base u.
func (l *Lab) producerCases(e env) []labCase {
	u := e.u
	token := bearer(l.Token(nil))
	return []labCase{
		sc("/sso/api/items", catalog.RedirectToLogin, "an SSO proxy (oauth2-proxy style) answers an API call with a 302 to its sign-in flow", append([]string{u + "/sso/api/items"}, token...)).served(serveSSOAPI),
		sc("/cdn/challenge", catalog.WAFChallenge, "Cloudflare answers a script with its JavaScript challenge page (cf-mitigated: challenge)", append([]string{u + "/cdn/challenge"}, token...)).served(serveCFChallenge),
		sc("/cdn/blocked", catalog.WAFBlock, "a Cloudflare WAF rule blocks the request (error 1020 page)", append([]string{u + "/cdn/blocked"}, token...)).served(serveCFBlocked),
		sc("/mesh/api", catalog.TokenJWKSUnavailable, "the Envoy jwt_authn filter cannot fetch its JWKS and refuses a valid token", append([]string{u + "/mesh/api"}, token...)).served(serveEnvoyJWKS),
		sc("/wp-http/wp-json/wp/v2/users/me", catalog.WordPressRESTAuth, "a WordPress site on plain http ignores a valid application password (its REST index offers none)", []string{u + "/wp-http/wp-json/wp/v2/users/me", "-u", "admin:" + wpAppPassword}),
		sc("/wp-fpm/wp-json/wp/v2/users/me", catalog.ProxyHeaderStripped, "Apache with PHP-FPM and no CGIPassAuth: WordPress never sees the Authorization header (a bogus user proves it)", []string{u + "/wp-fpm/wp-json/wp/v2/users/me", "-u", "admin:" + wpAppPassword}),
		sc("/gw/items", catalog.ProxyHeaderStripped, "a gateway drops the x_api_key header for its underscore; the hyphenated name gets through", []string{u + "/gw/items", "-H", "x_api_key: " + GatewayKey}).served(serveGateway),
		sc("/registry/v2/", catalog.ProxyForwardedHeaders, "a Docker registry behind a TLS proxy names an http token realm (X-Forwarded-Proto not passed)", []string{e.tls + "/registry/v2/", "--cacert", e.ca}).served(serveRegistry).needing(needTLS),
	}
}

// serveSSOAPI is an API behind an SSO proxy: API clients that say so
// (Accept: application/json) get a 401, everything else a redirect to the
// sign-in flow, whatever credentials it carries.
func serveSSOAPI(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeBody(w, http.StatusUnauthorized, "application/json", []byte(`{"error":"unauthorized"}`+"\n"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "_oauth2_proxy_csrf", Value: "lab-csrf", Path: "/", HttpOnly: true})
	http.Redirect(w, r, "/sso/oauth2/start?rd="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
}

// serveSSOStart sends the browser on to the identity provider.
func serveSSOStart(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/sso/idp/login?redirect_uri="+url.QueryEscape("/sso/oauth2/callback")+"&state=lab", http.StatusFound)
}

// serveIdPLogin is the identity provider's login form.
func serveIdPLogin(w http.ResponseWriter, r *http.Request) {
	writeHTML(w, http.StatusOK, `<!DOCTYPE html>
<html><head><title>Sign in</title></head>
<body><form method="post" action="/sso/idp/login">
<label>User <input name="username"></label>
<label>Password <input type="password" name="password"></label>
<button type="submit">Sign in</button>
</form></body></html>
`)
}

// cloudflareHeaders sets what Cloudflare's edge adds to every answer.
func cloudflareHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Server", "cloudflare")
	h.Set("CF-RAY", "8a1b2c3d4e5f6789-FRA")
	h.Set("Cache-Control", "private, max-age=0, no-store, no-cache, must-revalidate")
}

// serveCFChallenge is Cloudflare's managed challenge.
func serveCFChallenge(w http.ResponseWriter, r *http.Request) {
	cloudflareHeaders(w)
	w.Header().Set("cf-mitigated", "challenge")
	writeHTML(w, http.StatusForbidden, `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="refresh" content="390"></head>
<body><noscript>Enable JavaScript and cookies to continue</noscript>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1b2c3d4e5f6789"></script></body></html>
`)
}

// serveCFBlocked is Cloudflare's WAF block page.
func serveCFBlocked(w http.ResponseWriter, r *http.Request) {
	cloudflareHeaders(w)
	writeHTML(w, http.StatusForbidden, `<!DOCTYPE html><html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head>
<body><div id="cf-wrapper"><div id="cf-error-details"><h1>Sorry, you have been blocked</h1>
<h2>You are unable to access lab.test</h2><span>Error 1020</span>
<p>This website is using a security service to protect itself from online attacks.</p>
<p>Cloudflare Ray ID: <strong>8a1b2c3d4e5f6789</strong></p></div></div></body></html>
`)
}

// serveEnvoyJWKS is Envoy's jwt_authn filter while its JWKS cannot be
// fetched: every token is refused.
func serveEnvoyJWKS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Server", "envoy")
	realm := "http://" + r.Host + r.URL.Path
	if _, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok {
		h.Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
		writeBody(w, http.StatusUnauthorized, "text/plain", []byte("Jwt is missing"))
		return
	}
	h.Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="invalid_token"`)
	writeBody(w, http.StatusUnauthorized, "text/plain", []byte("Jwks remote fetch is failed"))
}

// wpError answers as the WordPress REST API does.
func wpError(w http.ResponseWriter, r *http.Request, root string, status int, code, message string) {
	w.Header().Set("Server", "Apache/2.4.57 (Debian)")
	w.Header().Set("Link", "<http://"+r.Host+root+`>; rel="https://api.w.org/"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	writeJSON(w, status, map[string]any{"code": code, "message": message, "data": map[string]int{"status": status}})
}

// wpIndex answers a WordPress REST index; offered says whether it lists
// application passwords, as WordPress does only over HTTPS or in the
// local environment.
func wpIndex(w http.ResponseWriter, r *http.Request, root string, offered bool) {
	w.Header().Set("Server", "Apache/2.4.57 (Debian)")
	w.Header().Set("Link", "<http://"+r.Host+root+`>; rel="https://api.w.org/"`)
	doc := map[string]any{
		"name": "Lab blog", "url": "http://" + r.Host, "namespaces": []string{"oembed/1.0", "wp/v2", "wp-site-health/v1"},
		"authentication": map[string]any{},
	}
	if offered {
		doc["authentication"] = map[string]any{"application-passwords": map[string]any{
			"endpoints": map[string]string{"authorization": "http://" + r.Host + "/wp-admin/authorize-application.php"},
		}}
	}
	writeJSON(w, http.StatusOK, doc)
}

// serveWPHTTP is a WordPress site on plain http in the production
// environment: WordPress does not offer application passwords there and
// ignores Basic credentials, so every call is anonymous; its REST index
// lists no application passwords.
func serveWPHTTP(w http.ResponseWriter, r *http.Request) {
	const root = "/wp-http/wp-json/"
	if r.URL.Path == root {
		wpIndex(w, r, root, false)
		return
	}
	wpError(w, r, root, http.StatusUnauthorized, "rest_not_logged_in", "You are not currently logged in.")
}

// serveWPStripped is WordPress behind Apache + PHP-FPM without
// CGIPassAuth: PHP never sees Authorization, so every call is anonymous,
// although the site offers application passwords.
func serveWPStripped(w http.ResponseWriter, r *http.Request) {
	const root = "/wp-fpm/wp-json/"
	if r.URL.Path == root {
		wpIndex(w, r, root, true)
		return
	}
	wpError(w, r, root, http.StatusUnauthorized, "rest_not_logged_in", "You are not currently logged in.")
}

// serveGateway is an API-key API behind a gateway that drops header names
// with underscores (nginx's default, and so Kong's): only X-Api-Key counts.
func serveGateway(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Server", "kong/3.6.1")
	h.Set("WWW-Authenticate", `Key realm="kong"`)
	key := ""
	for name, vs := range r.Header {
		if strings.Contains(name, "_") {
			continue // dropped, as underscores_in_headers off does
		}
		if strings.EqualFold(name, "X-Api-Key") && len(vs) > 0 {
			key = vs[0]
		}
	}
	switch {
	case key == "":
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "No API key found in request"})
	case subtle.ConstantTimeCompare([]byte(key), []byte(GatewayKey)) != 1:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Invalid authentication credentials"})
	default:
		h.Del("WWW-Authenticate")
		writeJSON(w, http.StatusOK, map[string]any{"items": []string{"alpha", "beta"}})
	}
}

// serveRegistry is a Docker registry with token auth behind a TLS proxy
// that does not pass X-Forwarded-Proto: it builds its realm from the
// plain-http request it sees, whatever scheme the client used.
func serveRegistry(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Docker-Distribution-Api-Version", "registry/2.0")
	h.Set("WWW-Authenticate", `Bearer realm="http://`+r.Host+`/registry/token",service="lab-registry",scope="repository:lab/app:pull"`)
	writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []map[string]any{{"code": "UNAUTHORIZED", "message": "authentication required", "detail": nil}}})
}

// serveRegistryToken is the registry's token service: anonymous pull
// tokens for anyone who asks.
func serveRegistryToken(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"token": "anonymous-lab-token"})
}
