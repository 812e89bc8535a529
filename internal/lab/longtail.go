package lab

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
)

// The long tail: routes for causes that are not about the credentials'
// own validity (signed links, wrong URLs, DNS, encodings, layered auth,
// IP rules and ACLs, client certificates, the wrong kind of secret, and
// 401s that are not about credentials at all).

// Encoding lab user: the password file stores both as ISO-8859-1, as old
// servers without charset="UTF-8" read them.
const (
	LatinUser     = "jürgen"
	LatinPassword = "grüße"
)

// longtailRoutes registers the long-tail routes on mux.
func (l *Lab) longtailRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/members/docs/", serveMembersGuide)
	mux.HandleFunc("/docs/guide", serveDocsGuide)
	mux.HandleFunc("GET /.well-known/oauth-protected-resource/staging-api/items", l.serveStagingAPIMetadata)
	mux.HandleFunc("/.well-known/acme-challenge/", serveACMEBehindBasic)
	mux.HandleFunc("/api/v2/login", serveNewLogin)
}

// longtailScenarios lists the long-tail scenarios against base u; ipv6
// says whether the lab also listens on [::1].
func (l *Lab) longtailCases(e env) []labCase {
	u := e.u
	now := e.now
	signed := u + "/signed/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIALAB%2F" + now.Add(-73*time.Hour).UTC().Format("20060102") +
		"%2Flab-1%2Fs3%2Faws4_request&X-Amz-Date=" + now.Add(-73*time.Hour).UTC().Format("20060102T150405Z") + "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=9f2c"
	idToken := l.Token(map[string]any{"aud": ClientID, "azp": ClientID, "nonce": "n-0S6_WzA2Mj", "at_hash": "77QmUPtjPfzWtF2AnpK9RQ", "scope": nil})
	return []labCase{
		sc("/signed/report.pdf", catalog.TokenExpired, "a presigned S3 link bookmarked three days ago, valid for one hour", []string{signed}).served(l.serveSigned),
		sc("/members/docs/guide", catalog.URLWrong, "a page under the members-only prefix that is public at /docs/guide", []string{u + "/members/docs/guide"}).served(serveMembersGuide),
		sc("/basic/latin1", catalog.CredentialsEncoding, "a server reading Basic credentials as ISO-8859-1; the client sends UTF-8 (--try-encodings proves it)", []string{u + "/basic/latin1", "-u", LatinUser + ":" + LatinPassword, "--try-encodings"}).served(serveLatin1),
		sc("/staging-api/items", catalog.AuthHeaderCollision, "staging Basic auth in front of a Bearer API: the token can never reach the app", []string{u + "/staging-api/items", "-H", "Authorization: Bearer " + l.Token(nil)}).served(serveStagingAPI),
		sc("/iis/restricted", catalog.IPDenied, "IIS refusing the client address (HTTP Error 401.503, IP deny list)", []string{u + "/iis/restricted", "-u", User + ":" + Password}).served(serveIISIPDenied),
		sc("/iis/acl", catalog.ServerACL, "IIS refusing an authenticated user by the file ACL (HTTP Error 401.3)", []string{u + "/iis/acl", "-u", User + ":" + Password}).served(serveIISACL),
		sc("/mtls/api", catalog.TLSClientCertificate, "nginx with ssl_verify_client on: no client certificate was sent", []string{u + "/mtls/api", "-H", "Authorization: Bearer " + l.Token(nil)}).served(serveMTLS),
		sc("/blog/wp-json/wp/v2/users/me", catalog.CredentialsWrongKind, "a WordPress login password sent where the REST API wants an application password", []string{u + "/blog/wp-json/wp/v2/users/me", "-u", "admin:correct horse battery"}).served(serveWPMe),
		sc("/userinfo-api", catalog.TokenWrongType, "an OpenID ID token (nonce, at_hash, aud = client) sent as an access token", []string{u + "/userinfo-api", "-H", "Authorization: Bearer " + idToken}).served(l.serveUserinfoAPI),
		sc("/maintenance/api", catalog.StatusNotAuth, "a maintenance page served with status 401", []string{u + "/maintenance/api", "-u", User + ":" + Password}).served(serveMaintenance),
		sc("/session/app", catalog.SessionExpired, "a 401 that deletes the session cookie the request sent", []string{u + "/session/app", "-b", "app_session=7c1e-expired"}).served(serveSessionApp),
		sc("/pwfile/", catalog.ServerHtpasswdFile, "nginx auth_basic whose password file is missing: 401 without credentials, 403 with any", []string{u + "/pwfile/", "-u", User + ":" + Password}).served(servePasswordFileMissing),
		sc("/pwhash/", catalog.ServerHtpasswdHash, "a password file whose entry for alice has a hash the server cannot check", []string{u + "/pwhash/", "-u", User + ":" + Password}).served(servePasswordHashUnusable),
		sc("/.well-known/acme-challenge/lab-token", catalog.ServerAuthScope, "site-wide Basic auth also covers the ACME challenge path, so certificate renewal fails", []string{u + "/.well-known/acme-challenge/lab-token"}),
		sc("/cache/profile", catalog.CacheAuthCacheable, "a profile answered to a bearer token with Cache-Control: public", []string{u + "/cache/profile", "-H", "Authorization: Bearer " + l.Token(nil)}).served(l.bearerRoute(l.now, "read", serveCacheableProfile)),
		sc("/api/login", catalog.URLWrong, "a login endpoint that moved: its 301 turns the POST into a GET the new one refuses", []string{u + "/api/login", "-d", "username=" + User + "&password=" + Password, "-L"}).served(serveOldLogin),
		sc("/oauth2/json-token", catalog.RequestContentType, "a token endpoint that reads only JSON gets a form and sees no client credentials", []string{u + "/oauth2/json-token", "-d", "grant_type=client_credentials&client_id=" + ClientID + "&client_secret=" + ClientSecret, "--try-content-type"}).served(serveJSONToken),
		sc("/windows/ntlm", catalog.NTLMConnection, "IIS with NTLM behind a proxy that closes the connection after the challenge: the handshake never completes", []string{u + "/windows/ntlm", "--ntlm", "-u", `LAB\` + User + ":" + Password}).served(serveNTLMClosing),
		sc("/dns/site", catalog.DNSMismatch, "the AAAA record still points at the old host, which wants a password", []string{"http://www.lab.test:" + e.port + "/dns/site", "--resolve", "www.lab.test:" + e.port + ":127.0.0.1,[::1]"}).served(serveDNSSite).needing(needIPv6),
	}
}

// serveSigned answers presigned links as S3 does: 403 with an XML error,
// "Request has expired" once X-Amz-Date + X-Amz-Expires lies in the past.
func (l *Lab) serveSigned(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Server", "AmazonS3")
	date, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	secs, err2 := strconv.Atoi(q.Get("X-Amz-Expires"))
	switch {
	case q.Get("X-Amz-Signature") == "":
		writeBody(w, http.StatusForbidden, "application/xml", []byte(s3Error("AccessDenied", "Access Denied")))
	case err != nil || err2 != nil:
		writeBody(w, http.StatusBadRequest, "application/xml", []byte(s3Error("AuthorizationQueryParametersError", "X-Amz-Date and X-Amz-Expires must be well formed")))
	case !l.now().Before(date.Add(time.Duration(secs) * time.Second)):
		writeBody(w, http.StatusForbidden, "application/xml", []byte(s3Error("AccessDenied", "Request has expired")))
	default:
		writeBody(w, http.StatusOK, "application/pdf", []byte("%PDF-1.4\n% lab report\n"))
	}
}

func s3Error(code, msg string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>" + code + "</Code><Message>" + msg + "</Message><RequestId>LAB0000000000001</RequestId></Error>"
}

// serveMembersGuide guards the members area with Basic auth; nobody in the
// lab has a members password, and the guide is public at /docs/guide.
func serveMembersGuide(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Basic realm="members"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "members only"})
}

func serveDocsGuide(w http.ResponseWriter, r *http.Request) {
	writeHTML(w, http.StatusOK, "<!DOCTYPE html>\n<html><head><title>Guide</title></head><body><h1>Guide</h1><p>The public guide.</p></body></html>\n")
}

// serveDNSSite is the new site on the IPv4 listener and the old host,
// still behind a password, on [::1].
func serveDNSSite(w http.ResponseWriter, r *http.Request) {
	if nodeOf(r) == "node-b" {
		w.Header().Set("Server", "nginx/1.14.2")
		w.Header().Set("WWW-Authenticate", `Basic realm="old intranet"`)
		writeHTML(w, http.StatusUnauthorized, "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx/1.14.2</center>\r\n</body>\r\n</html>\r\n")
		return
	}
	w.Header().Set("Server", "lab-web/2.0")
	writeHTML(w, http.StatusOK, "<!DOCTYPE html>\n<html><head><title>New site</title></head><body><h1>Welcome to the new site</h1></body></html>\n")
}

// serveLatin1 compares Basic credentials as ISO-8859-1 bytes, without
// announcing a charset.
func serveLatin1(w http.ResponseWriter, r *http.Request) {
	want := latin1(LatinUser) + ":" + latin1(LatinPassword)
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic "); ok {
		if d, err := base64.StdEncoding.DecodeString(v); err == nil && string(d) == want {
			writeJSON(w, http.StatusOK, map[string]string{"user": LatinUser})
			return
		}
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="legacy"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
}

// latin1 encodes s as ISO-8859-1 (s holds no rune above U+00FF).
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

// serveStagingAPI is nginx auth_basic in front of a Bearer API: only the
// staging password gets past nginx, and then the app finds no token.
func serveStagingAPI(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); ok && u == StagingUser && p == StagingPassword {
		w.Header().Set("WWW-Authenticate", `Bearer realm="items"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "no bearer token"})
		return
	}
	w.Header().Set("Server", "nginx")
	w.Header().Set("WWW-Authenticate", `Basic realm="Staging"`)
	writeHTML(w, http.StatusUnauthorized, "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

// serveStagingAPIMetadata publishes the API's RFC 9728 metadata: the app
// behind nginx takes bearer tokens from the lab issuer.
func (l *Lab) serveStagingAPIMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":                 l.URL() + "/staging-api/items",
		"authorization_servers":    []string{l.Issuer()},
		"bearer_methods_supported": []string{"header"},
	})
}

// serveIISIPDenied is IIS's detailed page for a client on the IP deny
// list, with denyAction="Unauthorized".
func serveIISIPDenied(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "Microsoft-IIS/10.0")
	w.Header().Set("X-Powered-By", "ASP.NET")
	writeHTML(w, http.StatusUnauthorized, iisPage("401.503", "You do not have permission to view this directory or page because your IP address is on the deny list of this Web server."))
}

// serveIISACL is IIS refusing an authenticated user by the file ACL.
func serveIISACL(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "Microsoft-IIS/10.0")
	w.Header().Set("X-Powered-By", "ASP.NET")
	w.Header().Set("WWW-Authenticate", `Basic realm="intranet"`)
	writeHTML(w, http.StatusUnauthorized, iisPage("401.3", "You do not have permission to view this directory or page because of the access control list (ACL) configuration or encryption settings for this resource on the Web server."))
}

func iisPage(sub, text string) string {
	return fmt.Sprintf("<!DOCTYPE html>\r\n<html><head><title>IIS 10.0 Detailed Error - %s - Unauthorized</title></head>\r\n<body><div id=\"content\"><div class=\"content-container\"><h3>HTTP Error %s - Unauthorized</h3><h4>%s</h4></div></div></body></html>\r\n", sub, sub, text)
}

// serveMTLS is nginx's answer when ssl_verify_client is on and the
// client sent no certificate.
func serveMTLS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "nginx")
	writeHTML(w, http.StatusBadRequest, "<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

// serveWPMe is the WordPress REST API refusing a Basic password that is
// not an application password.
func serveWPMe(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Link", `<`+"http://"+r.Host+`/blog/wp-json/>; rel="https://api.w.org/"`)
	if _, _, ok := r.BasicAuth(); !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"code": "rest_not_logged_in", "message": "You are not currently logged in.", "data": map[string]int{"status": 401}})
		return
	}
	writeJSON(w, http.StatusUnauthorized, map[string]any{"code": "incorrect_password", "message": "The provided password is an invalid application password.", "data": map[string]int{"status": 401}})
}

// serveUserinfoAPI takes access tokens only; ID tokens (they carry a
// nonce) are refused.
func (l *Lab) serveUserinfoAPI(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="userinfo"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	parts := strings.Split(tok, ".")
	var claims map[string]any
	if len(parts) == 3 {
		if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			_ = json.Unmarshal(b, &claims)
		}
	}
	if _, isID := claims["nonce"]; isID || claims == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="userinfo", error="invalid_token", error_description="not an access token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": claims["sub"]})
}

// serveMaintenance answers everything with a maintenance page and 401,
// as some maintenance plugins do.
func serveMaintenance(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "600")
	writeHTML(w, http.StatusUnauthorized, "<!DOCTYPE html>\n<html><head><title>Down for maintenance</title></head><body><h1>We are down for maintenance</h1><p>We'll be right back in about ten minutes.</p></body></html>\n")
}

// serveSessionApp knows no session: it answers 401 and deletes the
// session cookie.
func serveSessionApp(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="app"`)
	if _, err := r.Cookie("app_session"); err == nil {
		http.SetCookie(w, &http.Cookie{Name: "app_session", Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "session expired, please log in again"})
		return
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
}

// serveJSONToken is a token endpoint that parses only JSON bodies: a form
// body leaves it without client credentials.
func serveJSONToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "POST only"})
		return
	}
	var body struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "request body must be JSON; no client credentials found"})
		return
	}
	if body.ClientID != ClientID || body.ClientSecret != ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": "lab-opaque-token", "token_type": "Bearer", "expires_in": 3600})
}

const (
	nginx401Page = "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	nginx403Page = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	nginx500Page = "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

// nginxBasic401 is nginx's challenge for realm.
func nginxBasic401(w http.ResponseWriter, realm string) {
	w.Header().Set("Server", "nginx")
	w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
	writeHTML(w, http.StatusUnauthorized, nginx401Page)
}

func nginx500(w http.ResponseWriter) {
	w.Header().Set("Server", "nginx")
	writeHTML(w, http.StatusInternalServerError, nginx500Page)
}

// servePasswordFileMissing is nginx whose auth_basic_user_file does not
// exist: it challenges, and answers 403 to any user as soon as it must
// open the file.
func servePasswordFileMissing(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := r.BasicAuth(); ok {
		w.Header().Set("Server", "nginx")
		writeHTML(w, http.StatusForbidden, nginx403Page)
		return
	}
	nginxBasic401(w, "files")
}

// servePasswordHashUnusable is nginx whose password file holds alice with
// a hash its crypt(3) cannot check and returns no result for (glibc's
// crypt; libxcrypt's failure token makes it look like a wrong password
// instead): alice gets 500, unknown users 401.
func servePasswordHashUnusable(w http.ResponseWriter, r *http.Request) {
	if u, _, ok := r.BasicAuth(); ok && u == User {
		nginx500(w)
		return
	}
	nginxBasic401(w, "reports")
}

// serveACMEBehindBasic is a site-wide auth_basic that also covers the
// ACME HTTP-01 challenge path.
func serveACMEBehindBasic(w http.ResponseWriter, r *http.Request) {
	nginxBasic401(w, "Staging")
}

// serveCacheableProfile answers an authenticated profile that shared
// caches may store.
func serveCacheableProfile(w http.ResponseWriter, _ *http.Request, p *principal) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, map[string]any{"sub": p.Subject, "email": p.Subject + "@lab.test"})
}

// serveOldLogin is a login endpoint that moved to /api/v2/login.
func serveOldLogin(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/api/v2/login", http.StatusMovedPermanently)
}

// serveNewLogin takes a form POST with the lab user's credentials.
func serveNewLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed", "allow": "POST"})
		return
	}
	if r.PostFormValue("username") != User || r.PostFormValue("password") != Password {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid credentials"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"user": User})
}
