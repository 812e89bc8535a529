package probe

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/why401/why401/internal/evidence"
)

// wpSite answers as WordPress core does behind a layer that strips
// Authorization: every users/me call is anonymous; the index offers
// application passwords.
func wpSite(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Link", `<http://`+r.Host+`/blog/wp-json/>; rel="https://api.w.org/"`)
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/blog/wp-json/" {
		w.Write([]byte(`{"namespaces":["wp/v2"],"authentication":{"application-passwords":{}}}`)) //nolint:errcheck
		return
	}
	w.WriteHeader(401)
	w.Write([]byte(`{"code":"rest_not_logged_in","message":"You are not currently logged in.","data":{"status":401}}`)) //nolint:errcheck
}

func TestWordPressVariants(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(wpSite))
	const pass = "abcd EFGH 1234 ijkl MNOP 5678"
	p := probeRun(t, Options{URL: s.URL + "/blog/wp-json/wp/v2/users/me", User: "admin:" + pass, NoDiscovery: true})
	idx := one(t, p, evidence.WPIndex)
	if got := idx.Hops[0].Request.URL; got != s.URL+"/blog/wp-json/?_fields=namespaces%2Cauthentication" {
		t.Errorf("index URL %s", got)
	}
	if idx.Credentialed || idx.Hops[0].Request.Header.Get("Authorization") != "" {
		t.Error("the index was asked with credentials")
	}
	bogus := one(t, p, evidence.WPBogus)
	if got := bogus.Hops[0].Request.URL; got != s.URL+"/blog/wp-json/wp/v2/users/me" {
		t.Errorf("bogus URL %s", got)
	}
	if bogus.Credentialed {
		t.Error("the bogus trial counts as credentialed")
	}
	// The server saw the made-up user, never the password a second time.
	sentPass := 0
	for _, r := range rc.all() {
		auth := r.Header.Get("Authorization")
		dec, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(auth, "Basic "))
		if strings.Contains(string(dec), pass) {
			sentPass++
		}
		if strings.HasPrefix(string(dec), "why401-probe-") && !strings.HasSuffix(string(dec), ":"+bogusPassword) {
			t.Errorf("bogus credentials %q", dec)
		}
	}
	if sentPass != p.CredentialedAttempts {
		t.Errorf("the password reached the server %d times, CredentialedAttempts %d", sentPass, p.CredentialedAttempts)
	}
}

func TestWordPressVariantsOnlyForWordPress(t *testing.T) {
	s, _ := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/wp-json/wp/v2/users/me", User: "a:b", NoDiscovery: true})
	if n := len(trialsOf(p, evidence.WPBogus)) + len(trialsOf(p, evidence.WPIndex)); n != 0 {
		t.Fatalf("WordPress variants against a plain Basic wall: %s", variants(p))
	}
}

func TestWPRoute(t *testing.T) {
	for _, tt := range []struct {
		cur, link, route, want string
	}{
		{"http://h/blog/wp-json/wp/v2/posts", `<http://h/blog/wp-json/>; rel="https://api.w.org/"`, "/wp/v2/users/me", "http://h/blog/wp-json/wp/v2/users/me"},
		{"http://h/x", `<http://h/index.php?rest_route=/>; rel="https://api.w.org/"`, "/", "http://h/index.php?rest_route=%2F"},
		{"http://h/x", `<https://h/wp-json/>; rel="https://api.w.org/"`, "/", ""}, // another scheme
		{"http://h/x", `<http://other/wp-json/>; rel="https://api.w.org/"`, "/", ""},
		{"http://h/site/wp-json/wp/v2/users/me?context=edit", "", "/", "http://h/site/wp-json/"},
		{"http://h/?rest_route=/wp/v2/users/me", "", "/", "http://h/?rest_route=%2F"},
		{"http://h/plain", "", "/", ""},
		{"http://h/x", `<http://h/a>; rel="next", <http://h/wp-json>; rel="https://api.w.org/"`, "/wp/v2/users/me", "http://h/wp-json/wp/v2/users/me"},
	} {
		cur, _ := url.Parse(tt.cur)
		h := http.Header{}
		if tt.link != "" {
			h.Set("Link", tt.link)
		}
		got, ok := wpRoute(cur, h, tt.route)
		switch {
		case tt.want == "" && ok:
			t.Errorf("wpRoute(%s, %s) = %s, want none", tt.cur, tt.link, got)
		case tt.want != "" && (!ok || got.String() != tt.want):
			t.Errorf("wpRoute(%s, %s) = %v %v, want %s", tt.cur, tt.link, got, ok, tt.want)
		}
	}
}

func TestHyphenatedVariant(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name := range r.Header {
			if strings.Contains(name, "_") {
				r.Header.Del(name) // as nginx drops it
			}
		}
		if r.Header.Get("X-Api-Key") == "" {
			w.WriteHeader(401)
			w.Write([]byte(`{"message":"missing key"}`)) //nolint:errcheck
			return
		}
		w.WriteHeader(401)
		w.Write([]byte(`{"message":"invalid key"}`)) //nolint:errcheck
	}))
	p := probeRun(t, Options{URL: s.URL + "/items", Header: http.Header{"X_api_key": {"real-secret"}}, NoDiscovery: true})
	hy := one(t, p, evidence.Hyphenated)
	if hy.Credentialed {
		t.Error("hyphenated trial counted as credentialed")
	}
	for _, r := range rc.all() {
		if r.Header.Get("X-Api-Key") == "real-secret" {
			t.Fatal("the real key was sent under the hyphenated name")
		}
	}
	if got := hy.Final().Response.Body; !strings.Contains(string(got), "invalid key") {
		t.Errorf("hyphenated answer %q", got)
	}
}

func TestAcceptJSONVariant(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") == "application/json" {
			w.WriteHeader(401)
			return
		}
		http.Redirect(w, r, "/oauth2/start?rd=%2Fapi", http.StatusFound)
	})
	mux.HandleFunc("/oauth2/start", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<form><input type="password" name="p"></form>`)) //nolint:errcheck
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/v2/items", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/api/v2/items", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) })
	s, rc := serve(t, mux)

	p := probeRun(t, Options{URL: s.URL + "/api", User: "alice:secret", Header: http.Header{"X-Api-Key": {"k1"}}, NoDiscovery: true})
	aj := one(t, p, evidence.AcceptJSON)
	if status(t, aj) != 401 {
		t.Errorf("accept-json status %d", status(t, aj))
	}
	h := aj.Hops[0].Request.Header
	if h.Get("Authorization") != "" {
		t.Error("the password went with the accept-json variant")
	}
	if h.Get("X-Api-Key") != "k1" || !aj.Credentialed {
		t.Errorf("API key %q, credentialed %v", h.Get("X-Api-Key"), aj.Credentialed)
	}
	n := 0
	for _, r := range rc.all() {
		if r.Header.Get("X-Api-Key") != "" {
			n++
		}
	}
	if n != p.CredentialedAttempts {
		t.Errorf("key sent %d times, CredentialedAttempts %d", n, p.CredentialedAttempts)
	}

	p = probeRun(t, Options{URL: s.URL + "/moved", NoDiscovery: true})
	if len(trialsOf(p, evidence.AcceptJSON)) != 0 {
		t.Error("accept-json variant after an ordinary redirect")
	}
}

func TestRegistryTokenVariant(t *testing.T) {
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+base+`/token",service="reg",scope="repository:x:pull"`)
		w.WriteHeader(401)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("service") != "reg" || r.URL.Query().Get("scope") != "repository:x:pull" || r.Header.Get("Authorization") != "" {
			w.WriteHeader(400)
			return
		}
		w.Write([]byte(`{"token":"anon"}`)) //nolint:errcheck
	})
	s, _ := serve(t, mux)
	base = s.URL
	p := probeRun(t, Options{URL: s.URL + "/v2/", NoDiscovery: true})
	tr := one(t, p, evidence.RegistryToken)
	if status(t, tr) != 200 {
		t.Errorf("token status %d", status(t, tr))
	}
}

// FuzzWPRoute: Link headers and URLs of any shape never panic, and a
// route found stays on the answering origin.
func FuzzWPRoute(f *testing.F) {
	f.Add("http://h/blog/wp-json/wp/v2/posts", `<http://h/blog/wp-json/>; rel="https://api.w.org/"`)
	f.Add("http://h/x", `<http://h/index.php?rest_route=/>; rel="https://api.w.org/"`)
	f.Add("http://h/?rest_route=/wp/v2/users/me", "")
	f.Add("http://h/x", `<%zz>; rel="https://api.w.org/", <>;`)
	f.Fuzz(func(t *testing.T, raw, link string) {
		cur, err := url.Parse(raw)
		if err != nil {
			return
		}
		h := http.Header{}
		h.Set("Link", link)
		for _, route := range []string{"/", "/wp/v2/users/me"} {
			got, ok := wpRoute(cur, h, route)
			if ok && (got.Host != cur.Host && !strings.EqualFold(got.Host, cur.Host) || got.Scheme != cur.Scheme) {
				t.Fatalf("route %s left %s", got, cur)
			}
		}
	})
}
