package lab

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/random"
)

// Host names of the browser flows. A browser reaches them by mapping
// every name to 127.0.0.1 (Chromium's --host-resolver-rules="MAP *
// 127.0.0.1"), on the lab's port, so that cookies, sites and origins
// differ as they do on the web while all traffic stays on loopback.
const (
	BrowserAppHost = "app.test"     // the web application
	BrowserWWWHost = "www.app.test" // its www twin
	BrowserAPIHost = "api.test"     // an API on another site
)

// BrowserFlow is one login or API flow a real browser walks through from
// Start (a path on BrowserAppHost) until the page title starts with
// "end:". Cause is the cause `why401 har` must rank first for a recording
// of it.
type BrowserFlow struct {
	Name  string `json:"name"`
	Start string `json:"start"`
	Cause string `json:"cause"`
	Doc   string `json:"doc"`
}

// BrowserFlows lists the flows of /browser/.
func BrowserFlows() []BrowserFlow {
	return []BrowserFlow{
		{"samesite-none", "/browser/cookie/none/", "cookie.rejected", "the login sets its session cookie with SameSite=None but without Secure"},
		{"secure-http", "/browser/cookie/secure/", "cookie.rejected", "the login sets a Secure session cookie on a plain http site"},
		{"bare-host-www", "/browser/cookie/www/", "cookie.not-sent", "the login on the bare host sets a host-only cookie, then sends the user to www"},
		{"cookie-ok", "/browser/cookie/good/", "", "control: the login sets a working session cookie"},
		{"redirect-auth", "/browser/redirect/", "redirect.auth-dropped", "a fetch with a bearer token is redirected to another host, which gets no Authorization"},
		{"jwt-expired", "/browser/jwt/", "token.expired", "the login hands out a JWT that has already expired, the API refuses it"},
		{"refresh-failed", "/browser/refresh/", "session.expired", "the access token expired and the refresh call fails with invalid_grant"},
		{"cors-preflight", "/browser/cors/", "cors.preflight-auth", "a cross-site fetch with Authorization: the preflight is challenged"},
		{"login-loop", "/browser/loop/app", "redirect.login-loop", "the login succeeds but the app never recognises the session and sends the user back"},
		{"samesite-lax", "/browser/samesite/", "cookie.samesite", "the API's session cookie has no SameSite attribute, so the app on another site calls the API without it"},
	}
}

// browserRoutes adds the /browser/ flows to mux.
func (l *Lab) browserRoutes(mux *http.ServeMux) {
	st := newSessionStore()
	mux.HandleFunc("GET /browser/{$}", l.serveBrowserIndex)
	mux.HandleFunc("GET /browser/cookie/{kind}/{$}", serveAutoLogin)
	mux.HandleFunc("POST /browser/cookie/{kind}/login", func(w http.ResponseWriter, r *http.Request) { l.serveBrowserCookieLogin(w, r, st) })
	mux.HandleFunc("GET /browser/cookie/{kind}/app", func(w http.ResponseWriter, r *http.Request) { l.serveBrowserCookieApp(w, r, st) })
	mux.HandleFunc("GET /browser/redirect/{$}", l.serveScriptPage(redirectScript))
	mux.HandleFunc("GET /browser/redirect/api", serveRedirectToAPI)
	mux.HandleFunc("/browser/redirect/data", l.serveCORSData)
	mux.HandleFunc("GET /browser/jwt/{$}", l.serveScriptPage(jwtScript))
	mux.HandleFunc("POST /browser/jwt/login", l.serveTokenLogin(false))
	mux.HandleFunc("GET /browser/jwt/api", l.serveBrowserAPI)
	mux.HandleFunc("GET /browser/refresh/{$}", l.serveScriptPage(refreshScript))
	mux.HandleFunc("POST /browser/refresh/login", l.serveTokenLogin(true))
	mux.HandleFunc("POST /browser/refresh/token", serveRefreshDenied)
	mux.HandleFunc("GET /browser/refresh/api", l.serveBrowserAPI)
	mux.HandleFunc("GET /browser/cors/{$}", l.serveScriptPage(corsScript))
	mux.HandleFunc("GET /browser/loop/app", serveLoopApp)
	mux.HandleFunc("GET /browser/loop/login", serveLoopLoginPage)
	mux.HandleFunc("POST /browser/loop/login", func(w http.ResponseWriter, r *http.Request) { l.serveLoopLogin(w, r, st) })
	mux.HandleFunc("GET /browser/samesite/{$}", serveSameSiteStart)
	mux.HandleFunc("GET /browser/samesite/login", serveSameSiteLoginPage)
	mux.HandleFunc("POST /browser/samesite/login", func(w http.ResponseWriter, r *http.Request) { l.serveSameSiteLogin(w, r, st) })
	mux.HandleFunc("GET /browser/samesite/app", l.serveScriptPage(sameSiteScript))
	mux.HandleFunc("/browser/samesite/me", func(w http.ResponseWriter, r *http.Request) { l.serveSameSiteMe(w, r, st) })
	mux.HandleFunc("GET /browser/bounce/app", func(w http.ResponseWriter, r *http.Request) { l.serveBounce(w, r, st) })
	mux.HandleFunc("GET /browser/bounce/loop", serveBounceLoop)
	mux.HandleFunc("GET /browser/bounce/login", serveBounceLogin)
}

// serveBounce sets its session cookie with SameSite=None but without
// Secure and redirects to itself to check it arrived: a script client
// keeps the cookie and gets through, a browser refuses it and ends with
// a 401.
func (l *Lab) serveBounce(w http.ResponseWriter, r *http.Request, st *sessionStore) {
	if c, err := r.Cookie("bsid"); err == nil && st.valid(c.Value, l.now()) {
		writeJSON(w, http.StatusOK, map[string]string{"user": User})
		return
	}
	if r.URL.Query().Get("check") == "1" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "no session: the session cookie did not come back"})
		return
	}
	w.Header().Add("Set-Cookie", "bsid="+st.issue(l.now().Add(time.Hour))+"; Path=/; HttpOnly; SameSite=None")
	http.Redirect(w, r, "/browser/bounce/app?check=1", http.StatusFound)
}

// serveBounceLoop never accepts a session and sends the client to log
// in, which sends it straight back: a redirect loop through the login page.
func serveBounceLoop(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/browser/bounce/login", http.StatusFound)
}

func serveBounceLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "lsid="+random.Hex(8)+"; Path=/; HttpOnly; SameSite=Lax")
	http.Redirect(w, r, "/browser/bounce/loop", http.StatusFound)
}

// browserScenarios are the probe scenarios of the browser routes.
func (l *Lab) browserCases(e env) []labCase {
	u := e.u
	return []labCase{
		sc("/browser/bounce/app", catalog.CookieRejected, "a redirect chain depends on a SameSite=None cookie without Secure: scripts get through, browsers refuse the cookie", []string{u + "/browser/bounce/app", "-L"}),
		sc("/browser/bounce/loop", catalog.RedirectLoginLoop, "the app and its login page redirect to each other without end", []string{u + "/browser/bounce/loop", "-L"}),
	}
}

// hostOn returns name with the port of r's Host.
func hostOn(r *http.Request, name string) string {
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		return net.JoinHostPort(name, port)
	}
	return name
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Heading}}</h1><p>{{.Text}}</p>
{{if .Form}}<form id="f" method="post" action="{{.Form}}"><input name="user" value="alice"><input name="password" type="password" value="wonderland"><button>Log in</button></form>
<script>document.getElementById("f").submit();</script>{{end}}
{{if .Script}}<script>{{.Script}}</script>{{end}}
</body></html>
`))

type page struct {
	Title, Heading, Text string
	Form                 string
	Script               template.JS
}

func writePage(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	pageTmpl.Execute(w, p) //nolint:errcheck // the client went away
}

func (l *Lab) serveBrowserIndex(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	for _, f := range BrowserFlows() {
		fmt.Fprintf(&b, "%s: %s (%s). ", f.Start, f.Doc, f.Name)
	}
	writePage(w, http.StatusOK, page{Title: "browser flows", Heading: "Browser flows", Text: b.String()})
}

// serveAutoLogin is a login page whose form submits itself.
func serveAutoLogin(w http.ResponseWriter, r *http.Request) {
	writePage(w, http.StatusOK, page{Title: "log in", Heading: "Log in", Form: "/browser/cookie/" + r.PathValue("kind") + "/login"})
}

// cookieAttrs are the Set-Cookie attributes of each cookie flow.
var cookieAttrs = map[string]string{
	"none":   "Path=/; HttpOnly; SameSite=None",
	"secure": "Path=/; HttpOnly; Secure; SameSite=Lax",
	"www":    "Path=/; HttpOnly; SameSite=Lax",
	"good":   "Path=/; HttpOnly; SameSite=Lax",
}

func (l *Lab) serveBrowserCookieLogin(w http.ResponseWriter, r *http.Request, st *sessionStore) {
	kind := r.PathValue("kind")
	attrs, ok := cookieAttrs[kind]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.ParseForm() != nil || r.PostForm.Get("user") != User || r.PostForm.Get("password") != Password {
		writePage(w, http.StatusUnauthorized, page{Title: "end:bad-password", Heading: "Wrong user name or password"})
		return
	}
	id := st.issue(l.now().Add(time.Hour))
	w.Header().Add("Set-Cookie", "bsid="+id+"; "+attrs)
	next := "/browser/cookie/" + kind + "/app"
	if kind == "www" {
		next = "http://" + hostOn(r, BrowserWWWHost) + next
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (l *Lab) serveBrowserCookieApp(w http.ResponseWriter, r *http.Request, st *sessionStore) {
	if c, err := r.Cookie("bsid"); err == nil && st.valid(c.Value, l.now()) {
		writePage(w, http.StatusOK, page{Title: "end:ok", Heading: "Welcome, " + User})
		return
	}
	writePage(w, http.StatusUnauthorized, page{Title: "end:refused", Heading: "Please log in", Text: "No valid session cookie came with this request."})
}

// serveScriptPage serves a page running script with the lab's values.
func (l *Lab) serveScriptPage(script func(l *Lab, r *http.Request) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writePage(w, http.StatusOK, page{Title: "running", Heading: "Working…", Script: template.JS(script(l, r))})
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { return strconv.Quote(s) }

const endJS = `function end(s){document.title="end:"+s;}`

func redirectScript(l *Lab, r *http.Request) string {
	return endJS + `
fetch("/browser/redirect/api", {headers: {"Authorization": "Bearer " + ` + jsString(l.Token(nil)) + `}})
  .then(r => end(r.status), e => end("error"));`
}

// serveRedirectToAPI sends the API call on to the API host.
func serveRedirectToAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Location", "http://"+hostOn(r, BrowserAPIHost)+"/browser/redirect/data")
	w.WriteHeader(http.StatusTemporaryRedirect)
}

// serveCORSData is a CORS-enabled bearer API: preflights are answered
// before authentication, as they should be.
func (l *Lab) serveCORSData(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Headers", "authorization")
		w.Header().Set("Access-Control-Allow-Methods", "GET")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	l.serveBrowserAPI(w, r)
}

// serveBrowserAPI is a bearer-protected JSON API.
func (l *Lab) serveBrowserAPI(w http.ResponseWriter, r *http.Request) {
	p, fail := l.bearer(r, l.now())
	if fail != nil {
		w.Header().Set("WWW-Authenticate", l.bearerChallenge(fail.code, fail.desc, ""))
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"user": p.Subject})
}

func jwtScript(l *Lab, r *http.Request) string {
	return endJS + `
fetch("/browser/jwt/login", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({user: "alice", password: "wonderland"})})
  .then(r => r.json())
  .then(t => fetch("/browser/jwt/api", {headers: {"Authorization": "Bearer " + t.access_token}}))
  .then(r => end(r.status), e => end("error"));`
}

// serveTokenLogin hands out an access token that expired an hour ago
// (and, for the refresh flow, a refresh token the server no longer
// honours).
func (l *Lab) serveTokenLogin(refresh bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := l.now()
		resp := map[string]any{
			"token_type":   "Bearer",
			"access_token": l.Token(map[string]any{"iat": now.Add(-2 * time.Hour), "exp": now.Add(-time.Hour)}),
			"expires_in":   3600,
		}
		if refresh {
			resp["refresh_token"] = "rt-" + random.Hex(12)
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, resp)
	}
}

func refreshScript(l *Lab, r *http.Request) string {
	return endJS + `
let tok;
async function api(){ return fetch("/browser/refresh/api", {headers: {"Authorization": "Bearer " + tok.access_token}}); }
(async () => {
  tok = await (await fetch("/browser/refresh/login", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"})).json();
  let r = await api();
  if (r.status === 401) {
    const rr = await fetch("/browser/refresh/token", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: "grant_type=refresh_token&refresh_token=" + encodeURIComponent(tok.refresh_token)});
    if (rr.ok) { tok = await rr.json(); }
    r = await api();
  }
  end(r.status);
})().catch(e => end("error"));`
}

// serveRefreshDenied refuses every refresh token, as a server does whose
// refresh tokens were revoked or ran out.
func serveRefreshDenied(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "the refresh token has expired"})
}

// corsScript calls a cross-site API with a bearer token. The API URL is
// ?api= when it is an http URL on BrowserAPIHost (so a test can point it
// at nginx), else the lab's own /cors/api, which challenges preflights.
func corsScript(l *Lab, r *http.Request) string {
	target := "http://" + hostOn(r, BrowserAPIHost) + "/cors/api"
	auth := "Bearer " + l.Token(nil)
	if a := r.URL.Query().Get("api"); a != "" {
		if u, err := url.Parse(a); err == nil && u.Scheme == "http" && u.Hostname() == BrowserAPIHost {
			target = u.String()
			auth = "Basic " + basicToken(User, Password)
		}
	}
	return endJS + `
fetch(` + jsString(target) + `, {headers: {"Authorization": ` + jsString(auth) + `}})
  .then(r => end(r.status), e => end("blocked"));`
}

// loopMax is how many logins the loop flow lets a browser attempt
// before its login page stops submitting itself.
const loopMax = 3

// serveLoopApp never recognises the session (as an app whose session
// store is not shared between its nodes) and sends the user to log in.
func serveLoopApp(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	http.Redirect(w, r, "/browser/loop/login?n="+strconv.Itoa(n), http.StatusFound)
}

func serveLoopLoginPage(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	if n >= loopMax {
		writePage(w, http.StatusOK, page{Title: "end:gave-up", Heading: "Log in", Text: "Logged in " + strconv.Itoa(n) + " times and still asked to log in."})
		return
	}
	writePage(w, http.StatusOK, page{Title: "log in", Heading: "Log in", Form: "/browser/loop/login?n=" + strconv.Itoa(n+1)})
}

func (l *Lab) serveLoopLogin(w http.ResponseWriter, r *http.Request, st *sessionStore) {
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	id := st.issue(l.now().Add(time.Hour))
	w.Header().Add("Set-Cookie", "lsid="+id+"; Path=/; HttpOnly; SameSite=Lax")
	http.Redirect(w, r, "/browser/loop/app?n="+strconv.Itoa(n), http.StatusSeeOther)
}

// basicToken is the base64 credential of a Basic Authorization header.
func basicToken(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// The samesite flow: log in on the API's site, then call the API from the
// app's site with credentials. The session cookie has no SameSite
// attribute, so Chromium treats it as Lax and keeps it out of the
// cross-site call.

func serveSameSiteStart(w http.ResponseWriter, r *http.Request) {
	login := "http://" + hostOn(r, BrowserAPIHost) + "/browser/samesite/login"
	writePage(w, http.StatusOK, page{Title: "redirecting", Heading: "Logging in on the API's site", Script: template.JS("location.href = " + jsString(login) + ";")})
}

func serveSameSiteLoginPage(w http.ResponseWriter, r *http.Request) {
	writePage(w, http.StatusOK, page{Title: "log in", Heading: "Log in to the API", Form: "/browser/samesite/login"})
}

func (l *Lab) serveSameSiteLogin(w http.ResponseWriter, r *http.Request, st *sessionStore) {
	w.Header().Add("Set-Cookie", "asid="+st.issue(l.now().Add(time.Hour))+"; Path=/; HttpOnly")
	http.Redirect(w, r, "http://"+hostOn(r, BrowserAppHost)+"/browser/samesite/app", http.StatusSeeOther)
}

func sameSiteScript(l *Lab, r *http.Request) string {
	return endJS + `
fetch(` + jsString("http://"+hostOn(r, BrowserAPIHost)+"/browser/samesite/me") + `, {credentials: "include"})
  .then(r => end(r.status), e => end("error"));`
}

// serveSameSiteMe is a credentialed CORS API authenticated by the asid
// cookie.
func (l *Lab) serveSameSiteMe(w http.ResponseWriter, r *http.Request, st *sessionStore) {
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Add("Vary", "Origin")
	}
	if c, err := r.Cookie("asid"); err == nil && st.valid(c.Value, l.now()) {
		writeJSON(w, http.StatusOK, map[string]string{"user": User})
		return
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not logged in"})
}
