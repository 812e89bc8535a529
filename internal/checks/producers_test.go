package checks

import (
	"net/http"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/evidence"
)

// wpLink is the Link header every WordPress REST answer carries.
var wpLink = hdr("Link", `<http://blog.test/wp-json/>; rel="https://api.w.org/"`, "Content-Type", "application/json")

const (
	wpNotLoggedIn = `{"code":"rest_not_logged_in","message":"You are not currently logged in.","data":{"status":401}}`
	wpMe          = "http://blog.test/wp-json/wp/v2/users/me"
)

func TestVendor(t *testing.T) {
	ltCheck(t, Vendor, []ltCase{
		{name: "envoy jwks", f: ltFixture{url: "http://api.test/items", req: hdr("Authorization", "Bearer abc.def.ghi"), status: 401,
			resp: hdr("Server", "envoy", "WWW-Authenticate", `Bearer realm="http://api.test/items", error="invalid_token"`), rbody: "Jwks remote fetch is failed"},
			want: catalog.TokenJWKSUnavailable, minConf: 0.95, title: "says Envoy", first: true},
		{name: "cloudflare challenge", f: ltFixture{url: "https://site.test/api", status: 403,
			resp: hdr("Server", "cloudflare", "Cf-Ray", "8a1b2c3d4e5f6789-FRA", "Cf-Mitigated", "challenge"), rbody: "<title>Just a moment...</title>"},
			want: catalog.WAFChallenge, first: true},
		{name: "cloudflare block", f: ltFixture{url: "https://site.test/api", req: hdr("Authorization", "Bearer x"), status: 403,
			resp: hdr("Server", "cloudflare", "Cf-Ray", "8a1b2c3d4e5f6789-FRA"), rbody: "<h1>Sorry, you have been blocked</h1>"},
			want: catalog.WAFBlock, first: true},
		{name: "api gateway no route", f: ltFixture{url: "https://x.execute-api.test/prod/itemz", req: hdr("Authorization", "Bearer x"), status: 403,
			resp: hdr("X-Amzn-Errortype", "IncompleteSignatureException", "Content-Type", "application/json"), rbody: `{"message":"Missing Authentication Token"}`},
			want: catalog.URLWrong, first: true},
		{name: "drf 403 anonymous", f: ltFixture{url: "https://api.test/items/", status: 403,
			resp: hdr("Content-Type", "application/json"), rbody: `{"detail":"Authentication credentials were not provided."}`},
			want: catalog.CredentialsMissing, first: true},
		{name: "drf header lost", f: ltFixture{url: "https://api.test/items/", req: hdr("Authorization", "Token abc"), status: 401,
			resp: hdr("Content-Type", "application/json", "WWW-Authenticate", "Token"), rbody: `{"detail":"Authentication credentials were not provided."}`},
			want: catalog.ProxyHeaderStripped},
		{name: "wordpress code not message", f: ltFixture{url: wpMe, req: hdr("Authorization", basicAuth("admin", "x")), status: 401, resp: wpLink,
			rbody: `{"code":"incorrect_password","message":"Das angegebene Passwort ist kein gültiges Anwendungspasswort.","data":{"status":401}}`},
			want: catalog.CredentialsRejected},
		{name: "fp: working JSON answer", f: ltFixture{url: "https://api.github.test/user", req: hdr("Authorization", "Bearer x"), status: 200,
			resp: hdr("X-Github-Request-Id", "AB:CD", "Content-Type", "application/json"), rbody: `{"message":"Bad credentials"}`}},
		{name: "fp: unknown producer", f: ltFixture{url: "https://api.test/x", status: 401,
			resp: hdr("Content-Type", "application/json"), rbody: `{"message":"Unauthorized"}`}},
	})
}

func TestWPHeader(t *testing.T) {
	index := func(offered bool) evidence.Trial {
		body := `{"name":"b","namespaces":["wp/v2"],"authentication":[]}`
		if offered {
			body = `{"name":"b","namespaces":["wp/v2"],"authentication":{"application-passwords":{"endpoints":{}}}}`
		}
		return ltTrial(evidence.WPIndex, "", "http://blog.test/wp-json/", 200, wpLink, body)
	}
	bogus := ltTrial(evidence.WPBogus, "", wpMe, 401, wpLink, wpNotLoggedIn)
	basic := hdr("Authorization", basicAuth("admin", "abcd EFGH 1234 ijkl MNOP 5678"))
	ltCheck(t, WPHeader, []ltCase{
		{name: "http site without application passwords", f: ltFixture{url: wpMe, req: basic, status: 401, resp: wpLink, rbody: wpNotLoggedIn,
			extra: []evidence.Trial{index(false), bogus}}, want: catalog.WordPressRESTAuth, minConf: 0.95, first: true},
		{name: "https site with them turned off", f: ltFixture{url: "https://blog.test/wp-json/wp/v2/users/me", req: basic, status: 401, resp: wpLink, rbody: wpNotLoggedIn,
			extra: []evidence.Trial{index(false)}}, want: catalog.WordPressRESTAuth, title: "turned off"},
		{name: "offered, made-up user not reported", f: ltFixture{url: wpMe, req: basic, status: 401, resp: wpLink, rbody: wpNotLoggedIn,
			extra: []evidence.Trial{index(true), bogus}}, want: catalog.ProxyHeaderStripped, first: true},
		{name: "bearer to core", f: ltFixture{url: wpMe, req: hdr("Authorization", "Bearer abc"), status: 401, resp: wpLink, rbody: wpNotLoggedIn,
			extra: []evidence.Trial{index(true)}}, want: catalog.WordPressRESTAuth, title: "Bearer"},
		{name: "application_passwords_disabled over http", f: ltFixture{url: wpMe, req: basic, status: 401, resp: wpLink,
			rbody: `{"code":"application_passwords_disabled","message":"x","data":{"status":401}}`}, want: catalog.WordPressRESTAuth, first: true},
		{name: "fp: made-up user reported", f: ltFixture{url: wpMe, req: basic, status: 401, resp: wpLink, rbody: wpNotLoggedIn,
			extra: []evidence.Trial{index(true), ltTrial(evidence.WPBogus, "", wpMe, 401, wpLink, `{"code":"invalid_username","message":"x","data":{"status":401}}`)}}},
		{name: "fp: anonymous", f: ltFixture{url: wpMe, status: 401, resp: wpLink, rbody: wpNotLoggedIn}},
		{name: "fp: not WordPress", f: ltFixture{url: wpMe, req: basic, status: 401, resp: hdr("Content-Type", "application/json"), rbody: `{"error":"rest_not_logged_in"}`}},
	})
	if offered, known := wpOffersAppPasswords([]byte(`{"namespaces":["wp/v2"],"authentication":{"application-passwords":{}},"routes":{"/":{`)); !offered || !known {
		t.Errorf("cut-off index: offered %v known %v", offered, known)
	}
	if _, known := wpOffersAppPasswords([]byte(`{"code":"rest_no_route"}`)); known {
		t.Error("an error body read as an index")
	}
}

func TestUnderscore(t *testing.T) {
	missing := `{"message":"No API key found in request"}`
	withKey := hdr("X_api_key", "s3cr3t")
	hyph := ltTrial(evidence.Hyphenated, "", "http://gw.test/items", 401, hdr("Content-Type", "application/json"), `{"message":"Invalid authentication credentials"}`)
	hyph.Hops[0].Request.Header = http.Header{"X-api-key": {bogusKey}}
	none := ltTrial(evidence.NoCredentials, "", "http://gw.test/items", 401, hdr("Content-Type", "application/json"), missing)
	sameHyph := ltTrial(evidence.Hyphenated, "", "http://gw.test/items", 401, hdr("Content-Type", "application/json"), missing)
	ltCheck(t, Underscore, []ltCase{
		{name: "hyphenated name gets through", f: ltFixture{url: "http://gw.test/items", req: withKey, status: 401, resp: hdr("Content-Type", "application/json"), rbody: missing,
			extra: []evidence.Trial{none, hyph}}, want: catalog.ProxyHeaderStripped, minConf: 0.9, first: true},
		{name: "fp: hyphenated name ignored too", f: ltFixture{url: "http://gw.test/items", req: withKey, status: 401, resp: hdr("Content-Type", "application/json"), rbody: missing,
			extra: []evidence.Trial{none, sameHyph}}},
		{name: "fp: underscore key was read", f: ltFixture{url: "http://gw.test/items", req: withKey, status: 401, resp: hdr("Content-Type", "application/json"), rbody: `{"message":"Invalid authentication credentials"}`,
			extra: []evidence.Trial{none, hyph}}},
	})
}

func TestToLogin(t *testing.T) {
	redirect := func(from, to string) ltFixture {
		return ltFixture{url: from, req: hdr("Authorization", "Bearer x"), status: 302, resp: hdr("Location", to)}
	}
	ltCheck(t, ToLogin, []ltCase{
		{name: "oauth2-proxy start", f: redirect("https://app.test/api/items", "/oauth2/start?rd=%2Fapi%2Fitems"), want: catalog.RedirectToLogin, first: true},
		{name: "identity provider host", f: redirect("https://app.test/api/items", "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x"), want: catalog.RedirectToLogin},
		{name: "keycloak", f: redirect("https://app.test/api", "https://sso.test/realms/acme/protocol/openid-connect/auth?client_id=a"), want: catalog.RedirectToLogin},
		{name: "login form page", f: ltFixture{url: "https://app.test/api", status: 200, resp: hdr("Content-Type", "text/html"), rbody: `<form><input type="password" name="pw"></form>`}, want: catalog.RedirectToLogin},
		{name: "even as an API client", f: ltFixture{url: "https://app.test/api", status: 302, resp: hdr("Location", "/login?next=/api"),
			extra: []evidence.Trial{ltTrial(evidence.AcceptJSON, "", "https://app.test/api", 302, hdr("Location", "/login?next=/api"), "")}},
			want: catalog.RedirectToLogin, minConf: 0.93},
		{name: "fp: trailing-slash redirect", f: redirect("https://app.test/api/items", "/api/items/")},
		{name: "fp: http to https", f: redirect("http://app.test/api", "https://app.test/api")},
		{name: "fp: author page", f: redirect("https://blog.test/?author=1", "/author/jane/")},
		{name: "fp: HTML without a password field", f: ltFixture{url: "https://app.test/", status: 200, resp: hdr("Content-Type", "text/html"), rbody: "<p>password reset instructions</p>"}},
	})
}

func TestRegistry(t *testing.T) {
	reg := func(target, realm string, extra ...evidence.Trial) ltFixture {
		return ltFixture{url: target, status: 401, rbody: `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}`,
			resp:  hdr("Docker-Distribution-Api-Version", "registry/2.0", "Content-Type", "application/json", "WWW-Authenticate", `Bearer realm="`+realm+`",service="registry"`),
			extra: extra}
	}
	failed := evidence.Trial{Variant: evidence.RegistryToken, Hops: []evidence.Exchange{{
		Request: evidence.Request{Method: "GET", URL: "http://registry:5001/auth"}, Err: "dial tcp: lookup registry: no such host", ErrKind: "dns"}}}
	ltCheck(t, Registry, []ltCase{
		{name: "http realm behind https", f: reg("https://reg.example.com/v2/", "http://reg.example.com/auth"), want: catalog.ProxyForwardedHeaders, minConf: 0.88, first: true},
		{name: "internal realm host", f: reg("https://reg.example.com/v2/", "http://registry:5001/auth", failed), want: catalog.ProxyForwardedHeaders, minConf: 0.9},
		{name: "fp: public https realm", f: reg("https://reg.example.com/v2/", "https://auth.example.com/token")},
		{name: "fp: both local", f: reg("http://127.0.0.1:5000/v2/", "http://127.0.0.1:5001/auth")},
	})
}
