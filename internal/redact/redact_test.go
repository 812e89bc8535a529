package redact

import (
	"strings"
	"testing"
)

func TestHeader(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Authorization", "Basic YWxpY2U6d29uZGVybGFuZA==", "Basic <alice:••••>"},
		{"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", "Bearer eyJhbG…(41 chars)"},
		{"Cookie", "sid=abc; theme=dark", "sid=…; theme=…"},
		{"Set-Cookie", "sid=abc; Path=/; Secure", "sid=…; Path=/; Secure"},
		{"X-Api-Key", "k", "…(1 chars)"},
		{"Accept", "application/json", "application/json"},
	}
	for _, tt := range tests {
		if got := Header(tt.name, tt.in); got != tt.want {
			t.Errorf("Header(%q, %q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestURL(t *testing.T) {
	got := URL("https://bob:hunter2@example.test/x?access_token=abc&page=2")
	if strings.Contains(got, "hunter2") || strings.Contains(got, "abc") || !strings.Contains(got, "page=2") {
		t.Errorf("URL leaked or lost data: %s", got)
	}
	if got := URL("http://example.test/plain"); got != "http://example.test/plain" {
		t.Errorf("plain URL changed: %s", got)
	}
}

func TestAuthorizationNeverLeaksPassword(t *testing.T) {
	for _, v := range []string{"Basic YWxpY2U6d29uZGVybGFuZA==", "basic YWxpY2U6d29uZGVybGFuZA==", "Digest username=\"alice\", response=\"abc\"", "wonderland"} {
		if strings.Contains(Authorization(v), "wonderland") || strings.Contains(Authorization(v), "d29uZGVybGFuZA") {
			t.Errorf("Authorization(%q) leaks: %s", v, Authorization(v))
		}
	}
}

func TestURLThatDoesNotParse(t *testing.T) {
	// url.Parse refuses a bad %-escape in the path; the secrets must go
	// all the same, and the rest stay readable.
	for _, in := range []string{
		"https://example.test/%zz?access_token=abc123&page=2",
		"https://bob:hunter2@example.test/%zz/x?page=2#frag",
		"/callback/%zz?code=abc123&state=s",
	} {
		got := URL(in)
		if strings.Contains(got, "abc123") || strings.Contains(got, "hunter2") {
			t.Errorf("URL(%q) leaks: %s", in, got)
		}
		if !strings.Contains(got, "%zz") || strings.Contains(in, "page=2") && !strings.Contains(got, "page=2") {
			t.Errorf("URL(%q) lost data: %s", in, got)
		}
	}
}

func TestURLFragmentToken(t *testing.T) {
	// The OAuth implicit flow returns the token in the fragment.
	for _, in := range []string{
		"https://app.example.test/cb#access_token=abc123&token_type=bearer&state=s",
		"https://app.example.test/%zz#id_token=abc123&state=s",
	} {
		got := URL(in)
		if strings.Contains(got, "abc123") || !strings.Contains(got, "state=s") {
			t.Errorf("URL(%q) = %s, want the token hidden and state kept", in, got)
		}
	}
	if got := URL("https://app.example.test/doc#section-2"); got != "https://app.example.test/doc#section-2" {
		t.Errorf("plain fragment changed: %s", got)
	}
}

func TestAuthHeadersAreSecret(t *testing.T) {
	// The probe sends any header whose name holds "auth" as a credential
	// (Cloudflare's X-Auth-Key, X-Auth-Token); output must hide it too.
	for _, name := range []string{"X-Auth-Key", "X-Authorization", "X-Custom-Auth"} {
		if got := Header(name, "cf-global-key-123456"); strings.Contains(got, "cf-global-key-123456") {
			t.Errorf("Header(%q) leaks: %s", name, got)
		}
	}
	// The challenge headers are what a diagnosis is about.
	for _, name := range []string{"WWW-Authenticate", "Proxy-Authenticate", "Authentication-Info"} {
		if IsSecretHeader(name) {
			t.Errorf("IsSecretHeader(%q) = true", name)
		}
	}
}
