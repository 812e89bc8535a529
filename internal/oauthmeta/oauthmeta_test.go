package oauthmeta

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var resourceTests = []struct {
	name     string
	body     string
	wantErr  string
	want     Resource
	warnings []string // substrings, one per warning, in order
}{
	{
		name: "full",
		body: `{"resource":"https://api.example.com/v1","authorization_servers":["https://id.example.com"],
			"scopes_supported":["orders:read","orders:write"],"jwks_uri":"https://api.example.com/jwks",
			"bearer_methods_supported":["header"],"resource_name":"Orders"}`,
		want: Resource{Resource: "https://api.example.com/v1", AuthorizationServers: []string{"https://id.example.com"},
			ScopesSupported: []string{"orders:read", "orders:write"}, JWKSURI: "https://api.example.com/jwks",
			BearerMethodsSupported: []string{"header"}, ResourceName: "Orders"},
	},
	{name: "minimal with BOM", body: "\xef\xbb\xbf {\"resource\":\"https://api.example.com\"}", want: Resource{Resource: "https://api.example.com"}},
	{name: "html", body: "<!doctype html><title>Login</title>", wantErr: "an HTML or XML page"},
	{name: "empty", body: "  ", wantErr: "empty body"},
	{name: "array", body: `[{"resource":"x"}]`, wantErr: "not a JSON object"},
	{name: "bad json", body: `{"resource":}`, wantErr: "invalid JSON"},
	{name: "no resource", body: `{"authorization_servers":["https://id.example.com"]}`, wantErr: `no "resource" member`},
	{name: "resource number", body: `{"resource":5}`, wantErr: `"resource" is not a non-empty string`},
	{
		name: "loopback http",
		body: `{"resource":"http://127.0.0.1:8080/api","authorization_servers":["http://localhost:9000"]}`,
		want: Resource{Resource: "http://127.0.0.1:8080/api", AuthorizationServers: []string{"http://localhost:9000"}},
		warnings: []string{`note: resource "http://127.0.0.1:8080/api" uses http, accepted for a loopback host only`,
			`note: authorization server "http://localhost:9000" uses http`},
	},
	{
		name: "violations",
		body: `{"resource":"http://api.example.com/#x","authorization_servers":"https://id.example.com",
			"scopes_supported":["a",1,null],"bearer_methods_supported":["header","cookie"],"jwks_uri":"ftp://x","resource_name":7}`,
		want:     Resource{Resource: "http://api.example.com/#x", ScopesSupported: []string{"a"}, BearerMethodsSupported: []string{"header", "cookie"}, JWKSURI: "ftp://x"},
		warnings: []string{"is not https", "has a fragment", "authorization_servers is not an array", "scopes_supported holds 2 elements", `holds "cookie"`, `jwks_uri "ftp://x" is not an absolute`, "resource_name is not a string"},
	},
}

func TestParseResource(t *testing.T) {
	for _, tt := range resourceTests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseResource([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if r != nil {
					t.Error("non-nil result with error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkWarnings(t, r.Warnings, tt.warnings)
			r.Warnings = nil
			if !equalResource(*r, tt.want) {
				t.Errorf("got %+v, want %+v", *r, tt.want)
			}
		})
	}
}

func equalResource(a, b Resource) bool {
	return a.Resource == b.Resource && slices.Equal(a.AuthorizationServers, b.AuthorizationServers) &&
		slices.Equal(a.ScopesSupported, b.ScopesSupported) && a.JWKSURI == b.JWKSURI &&
		slices.Equal(a.BearerMethodsSupported, b.BearerMethodsSupported) && a.ResourceName == b.ResourceName
}

func checkWarnings(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("warnings %q, want %d like %q", got, len(want), want)
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("warning %d %q, want it to contain %q", i, got[i], want[i])
		}
		if strings.ContainsAny(got[i], "\r\n") {
			t.Errorf("warning %q spans lines", got[i])
		}
	}
}

var serverTests = []struct {
	name     string
	body     string
	wantErr  string
	want     Server
	warnings []string
}{
	{
		name: "keycloak",
		body: `{"issuer":"https://id.example.com/realms/main","jwks_uri":"https://id.example.com/realms/main/protocol/openid-connect/certs",
			"token_endpoint":"https://id.example.com/realms/main/protocol/openid-connect/token",
			"authorization_endpoint":"https://id.example.com/realms/main/protocol/openid-connect/auth","scopes_supported":["openid","email"]}`,
		want: Server{Issuer: "https://id.example.com/realms/main", JWKSURI: "https://id.example.com/realms/main/protocol/openid-connect/certs",
			TokenEndpoint:         "https://id.example.com/realms/main/protocol/openid-connect/token",
			AuthorizationEndpoint: "https://id.example.com/realms/main/protocol/openid-connect/auth", ScopesSupported: []string{"openid", "email"}},
	},
	{
		name:     "http issuer behind proxy",
		body:     `{"issuer":"http://id.example.com/realms/main","jwks_uri":"http://id.example.com/certs"}`,
		want:     Server{Issuer: "http://id.example.com/realms/main", JWKSURI: "http://id.example.com/certs"},
		warnings: []string{"X-Forwarded-Proto", `jwks_uri "http://id.example.com/certs" is not https`},
	},
	{
		name:     "loopback",
		body:     `{"issuer":"http://localhost:8080/","jwks_uri":"http://[::1]:8080/jwks"}`,
		want:     Server{Issuer: "http://localhost:8080/", JWKSURI: "http://[::1]:8080/jwks"},
		warnings: []string{"note: issuer"},
	},
	{
		name:     "query and fragment",
		body:     `{"issuer":"https://id.example.com/?tenant=1#x"}`,
		want:     Server{Issuer: "https://id.example.com/?tenant=1#x"},
		warnings: []string{"has a fragment", "has a query"},
	},
	{name: "no issuer", body: `{"jwks_uri":"https://x/jwks"}`, wantErr: `no "issuer" member`},
	{name: "empty issuer", body: `{"issuer":""}`, wantErr: `"issuer" is not a non-empty string`},
	{name: "html", body: "\n<html><body>Sign in</body></html>", wantErr: "an HTML or XML page"},
	{name: "truncated", body: `{"issuer":"https://x"`, wantErr: "invalid JSON"},
}

func TestParseServer(t *testing.T) {
	for _, tt := range serverTests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseServer([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkWarnings(t, s.Warnings, tt.warnings)
			if s.Issuer != tt.want.Issuer || s.JWKSURI != tt.want.JWKSURI || s.TokenEndpoint != tt.want.TokenEndpoint ||
				s.AuthorizationEndpoint != tt.want.AuthorizationEndpoint || !slices.Equal(s.ScopesSupported, tt.want.ScopesSupported) {
				t.Errorf("got %+v, want %+v", *s, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	s := &Server{Issuer: "https://id.example.com/realms/main"}
	if err := s.Check("https://id.example.com/realms/main"); err != nil {
		t.Errorf("same issuer: %v", err)
	}
	for asked, hint := range map[string]string{
		"https://id.example.com/realms/main/":  "trailing slash",
		"https://ID.example.com/realms/main":   "only in case",
		"http://id.example.com/realms/main":    "https versus http",
		"https://keycloak:8443/realms/main":    `host "id.example.com" versus "keycloak:8443"`,
		"https://id.example.com/realms/other":  "another tenant or realm",
		"https://id.example.com/auth/realms/x": "path",
	} {
		err := s.Check(asked)
		var me *MismatchError
		if !errors.As(err, &me) {
			t.Fatalf("Check(%q) = %v, want *MismatchError", asked, err)
		}
		if me.Field != "issuer" || me.Got != s.Issuer || me.Want != asked || !strings.Contains(err.Error(), hint) {
			t.Errorf("Check(%q) = %q, want hint %q", asked, err, hint)
		}
	}
	r := &Resource{Resource: "https://api.example.com/v1"}
	if err := r.Check("https://api.example.com/v1"); err != nil {
		t.Errorf("same resource: %v", err)
	}
	err := r.Check("https://api.example.com/v2")
	var me *MismatchError
	if !errors.As(err, &me) || me.Field != "resource" {
		t.Errorf("resource mismatch: %v", err)
	}
	if !strings.HasPrefix(err.Error(), `metadata resource "https://api.example.com/v1" differs from "https://api.example.com/v2" asked for`) {
		t.Errorf("message %q", err)
	}
}

func TestWellKnownResource(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com":               "https://api.example.com/.well-known/oauth-protected-resource",
		"https://api.example.com/":              "https://api.example.com/.well-known/oauth-protected-resource",
		"https://api.example.com/v1":            "https://api.example.com/.well-known/oauth-protected-resource/v1",
		"https://api.example.com/v1/":           "https://api.example.com/.well-known/oauth-protected-resource/v1/",
		"https://api.example.com:8443/a/b?x=1":  "https://api.example.com:8443/.well-known/oauth-protected-resource/a/b?x=1",
		"https://api.example.com/?x=1":          "https://api.example.com/.well-known/oauth-protected-resource?x=1",
		"http://127.0.0.1:9999/mcp":             "http://127.0.0.1:9999/.well-known/oauth-protected-resource/mcp",
		"https://api.example.com/a%2Fb/c%20d":   "https://api.example.com/.well-known/oauth-protected-resource/a%2Fb/c%20d",
		"https://[2001:db8::1]:8443/resource/1": "https://[2001:db8::1]:8443/.well-known/oauth-protected-resource/resource/1",
	} {
		got, err := WellKnownResource(in)
		if err != nil || got != want {
			t.Errorf("WellKnownResource(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"https://api.example.com/v1#frag": "has a fragment",
		"https://api.example.com/v1#":     "has a fragment",
		"/v1":                             "not an absolute",
		"ftp://x/y":                       "not an absolute",
		"https://":                        "has no host",
		"https://u:p@api.example.com/":    "userinfo",
		"https://api.example.com/%zz":     "cannot be parsed",
	} {
		if _, err := WellKnownResource(in); err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), in) {
			t.Errorf("WellKnownResource(%q) error %v, want %q", in, err, msg)
		}
	}
}

func TestResourceMetadataURLs(t *testing.T) {
	const wk = "https://api.example.com/.well-known/oauth-protected-resource"
	for _, tt := range []struct {
		in   string
		max  int
		want []string
	}{
		{"https://api.example.com/api/v1/items", 8, []string{wk + "/api/v1/items", wk + "/api/v1", wk + "/api", wk}},
		{"https://api.example.com/api/v1/items", 3, []string{wk + "/api/v1/items", wk + "/api/v1", wk}},
		{"https://api.example.com/api/v1/items", 1, []string{wk}},
		{"https://api.example.com/v1/", 8, []string{wk + "/v1/", wk + "/v1", wk}},
		{"https://api.example.com/v1?x=1", 8, []string{wk + "/v1?x=1", wk + "/v1", wk}},
		{"https://api.example.com/", 8, []string{wk}},
		{"https://api.example.com", 8, []string{wk}},
		{"https://api.example.com/a", 0, nil},
	} {
		got, err := ResourceMetadataURLs(tt.in, tt.max)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ResourceMetadataURLs(%q, %d) = %q, %v; want %q", tt.in, tt.max, got, err, tt.want)
		}
	}
	if _, err := ResourceMetadataURLs("https://api.example.com/#f", 4); err == nil {
		t.Error("a fragment was accepted")
	}
}

func TestServerMetadataURLs(t *testing.T) {
	for in, want := range map[string][]string{
		"https://id.example.com": {
			"https://id.example.com/.well-known/oauth-authorization-server",
			"https://id.example.com/.well-known/openid-configuration",
		},
		"https://id.example.com/": {
			"https://id.example.com/.well-known/oauth-authorization-server",
			"https://id.example.com/.well-known/openid-configuration",
		},
		"https://id.example.com/realms/main": {
			"https://id.example.com/.well-known/oauth-authorization-server/realms/main",
			"https://id.example.com/realms/main/.well-known/openid-configuration",
			"https://id.example.com/.well-known/openid-configuration/realms/main",
		},
		"https://login.example.com/tenant-1/v2.0/": {
			"https://login.example.com/.well-known/oauth-authorization-server/tenant-1/v2.0/",
			"https://login.example.com/tenant-1/v2.0/.well-known/openid-configuration",
			"https://login.example.com/.well-known/openid-configuration/tenant-1/v2.0",
		},
	} {
		got, err := ServerMetadataURLs(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ServerMetadataURLs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"https://id.example.com/?t=1", "https://id.example.com#x", "id.example.com", "https://id.example.com/?"} {
		if _, err := ServerMetadataURLs(in); err == nil {
			t.Errorf("ServerMetadataURLs(%q): no error", in)
		}
	}
}

func TestLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST.": true, "app.localhost": true, "127.0.0.1": true, "127.1.2.3": true,
		"::1": true, "[::1]": true, "10.0.0.1": false, "example.com": false, "localhost.example.com": false, "": false,
	} {
		if got := Loopback(host); got != want {
			t.Errorf("Loopback(%q) = %v", host, got)
		}
	}
}

func FuzzParseResource(f *testing.F) {
	for _, tt := range resourceTests {
		f.Add([]byte(tt.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseResource(body)
		if err != nil {
			if r != nil || strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("bad error %q with %v", err, r)
			}
			return
		}
		if r.Resource == "" {
			t.Fatal("empty resource without error")
		}
		for _, w := range r.Warnings {
			if strings.ContainsAny(w, "\r\n") {
				t.Fatalf("warning %q spans lines", w)
			}
		}
		if err := r.Check(r.Resource); err != nil {
			t.Fatalf("Check against itself: %v", err)
		}
		if u, err := WellKnownResource(r.Resource); err == nil && !strings.Contains(u, "/.well-known/oauth-protected-resource") {
			t.Fatalf("well-known URL %q", u)
		}
	})
}

func FuzzParseServer(f *testing.F) {
	for _, tt := range serverTests {
		f.Add([]byte(tt.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := ParseServer(body)
		if err != nil {
			if s != nil || strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("bad error %q with %v", err, s)
			}
			return
		}
		if s.Issuer == "" {
			t.Fatal("empty issuer without error")
		}
		for _, w := range s.Warnings {
			if strings.ContainsAny(w, "\r\n") {
				t.Fatalf("warning %q spans lines", w)
			}
		}
		if err := s.Check(s.Issuer); err != nil {
			t.Fatalf("Check against itself: %v", err)
		}
		if urls, err := ServerMetadataURLs(s.Issuer); err == nil && len(urls) < 2 {
			t.Fatalf("urls %q", urls)
		}
	})
}
