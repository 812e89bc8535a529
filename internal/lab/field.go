package lab

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/why401/why401/internal/catalog"
)

// Field routes: situations as servers nobody tuned for why401 present
// them (issue 15): metadata published only where RFC 9728 puts it for a
// path prefix, mod_auth_openidc's one refusal for every missing claim,
// a login whose cookie does not reach the next hop.

// fieldRoutes registers the field routes on mux.
func (l *Lab) fieldRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/tenant-api/", l.serveTenantAPI)
	mux.HandleFunc("GET /.well-known/oauth-protected-resource/tenant-api", l.serveTenantMetadata)
	for _, f := range formLogins {
		mux.HandleFunc(f.prefix+"/login", l.serveFormLogin(f))
		mux.HandleFunc(f.prefix+"/app", l.serveFormApp)
	}
}

// formLogin is a form login whose session cookie carries one scope.
type formLogin struct {
	prefix string     // the route's prefix: PREFIX/login, PREFIX/app
	attrs  string     // the Set-Cookie attributes after the value
	cause  catalog.ID // what the probe must say; "" for the control
	doc    string
}

// formLogins: the same login with the cookie scoped right (Path=/) and
// twice wrong.
var formLogins = []formLogin{
	{"/form", "; Path=/form/login; HttpOnly", catalog.CookieNotSent, "a form login answers Set-Cookie with Path=/form/login and a redirect to /form/app, which the cookie does not cover: 401 there"},
	{"/form-domain", "; Domain=accounts.example; Path=/; HttpOnly", catalog.CookieRejected, "a form login sets its session cookie for Domain=accounts.example, which the host cannot set; the next hop gets 401"},
	{"/form-ok", "; Path=/; HttpOnly", "", "the same form login with Path=/: the redirect carries the session cookie"},
}

// fieldScenarios lists the field scenarios against base u.
func (l *Lab) fieldCases(e env) []labCase {
	u := e.u
	var forms []labCase
	for _, f := range formLogins {
		forms = append(forms, sc(f.prefix+"/login", f.cause, f.doc, []string{u + f.prefix + "/login", "-d", "username=" + User + "&password=" + Password, "-L"}))
	}
	alice := e.alice
	forms = append(forms,
		sc("/balanced/stale", catalog.BackendInconsistent, "a balancer (HAProxy style, SERVERID cookie) alternates two nodes behind one address; node web2 has a stale password file", append([]string{u + "/balanced/stale"}, alice...)).served(l.serveBalanced(true)),
		sc("/balanced/current", "", "the same two nodes, both with the current password file", append([]string{u + "/balanced/current"}, alice...)).served(l.serveBalanced(false)),
	)
	return append(forms, []labCase{
		sc("/tenant-api/v1/orders", catalog.TokenAudience, "mod_auth_openidc style: a token for another API gets a generic insufficient_scope (other claims required); the audience is only in path-inserted RFC 9728 metadata", append([]string{u + "/tenant-api/v1/orders"}, bearer(l.Token(nil))...)),
		sc("/tenant-api/v1/invoices", "", "the same API with a token for its own audience", append([]string{u + "/tenant-api/v1/invoices"}, bearer(l.Token(map[string]any{"aud": l.tenantAudience()}))...)),
	}...)
}

// tenantAudience is the resource identifier of /tenant-api.
func (l *Lab) tenantAudience() string { return l.URL() + "/tenant-api" }

// serveTenantMetadata is RFC 9728 metadata for the /tenant-api prefix,
// published only at its path-inserted location.
func (l *Lab) serveTenantMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":              l.tenantAudience(),
		"authorization_servers": []string{l.Issuer()},
		"scopes_supported":      []string{"read"},
	})
}

// serveTenantAPI answers as mod_auth_openidc does for a resource server
// with "Require claim aud:...": a token it cannot validate gets 401
// invalid_token, a valid one missing the required claim gets 403
// insufficient_scope with its generic description and no scope, and the
// challenge does not point at any metadata.
func (l *Lab) serveTenantAPI(w http.ResponseWriter, r *http.Request) {
	const realm = `Bearer realm="tenant-api"`
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		w.Header().Set("WWW-Authenticate", realm)
		writeHTML(w, http.StatusUnauthorized, plain401)
		return
	}
	if _, desc := l.verifyToken(tok, l.now()); desc != "" && desc != "audience not accepted" {
		w.Header().Set("WWW-Authenticate", realm+`, error="invalid_token", error_description="`+desc+`"`)
		writeHTML(w, http.StatusUnauthorized, plain401)
		return
	}
	var c struct {
		Aud json.RawMessage `json:"aud"`
	}
	parts := strings.Split(tok, ".")
	if !decodeSegment(parts[1], &c) || !audienceHas(c.Aud, l.tenantAudience()) {
		w.Header().Set("WWW-Authenticate", realm+`, error="insufficient_scope", error_description="Different scope(s) or other claims required"`)
		writeHTML(w, http.StatusForbidden, "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>\n")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": []string{"A-1001", "A-1002"}})
}

// serveFormLogin checks a posted user name and password and answers as
// a classic server-side login does: Set-Cookie and 303 to the app.
func (l *Lab) serveFormLogin(f formLogin) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			writeHTML(w, http.StatusOK, `<!DOCTYPE html>
<html><head><title>Sign in</title></head><body><form method="post"><input name="username"><input name="password" type="password"><button>Sign in</button></form></body></html>
`)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if r.ParseForm() != nil || r.PostForm.Get("username") != User || r.PostForm.Get("password") != Password {
			writeHTML(w, http.StatusUnauthorized, "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><p>Wrong user name or password.</p></body></html>\n")
			return
		}
		id := l.sessions.issue(l.now().Add(time.Hour))
		w.Header().Add("Set-Cookie", "form_sid="+id+f.attrs)
		http.Redirect(w, r, f.prefix+"/app", http.StatusSeeOther)
	}
}

// serveFormApp is the page behind the form login: 401 without a live
// session cookie, as session-based apps answer API-style requests.
func (l *Lab) serveFormApp(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("form_sid")
	if err != nil || !l.sessions.valid(c.Value, l.now()) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not signed in"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": User, "orders": 3})
}

// serveBalanced is two nodes behind a round-robin balancer that inserts
// a SERVERID affinity cookie (HAProxy's "cookie SERVERID insert"); with
// stale, node web2's password file predates alice's password change and
// refuses her. Requests carrying a SERVERID cookie stick to that node.
func (l *Lab) serveBalanced(stale bool) http.HandlerFunc {
	var next atomic.Uint64
	return func(w http.ResponseWriter, r *http.Request) {
		node := "web1"
		if c, err := r.Cookie("SERVERID"); err == nil && (c.Value == "web1" || c.Value == "web2") {
			node = c.Value
		} else if next.Add(1)%2 == 0 {
			node = "web2"
		}
		w.Header().Add("Set-Cookie", "SERVERID="+node+"; path=/")
		w.Header().Set("Cache-Control", "private")
		pass := Password
		if stale && node == "web2" {
			pass = "old-password"
		}
		if res := checkBasic(r.Header, User, pass); res != basicOK {
			basicChallenge(w, basicFailureMessage(res))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user": User})
	}
}
