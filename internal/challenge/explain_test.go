package challenge

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		in string
		// want lists substrings that must each appear in some line;
		// not lists substrings no line may contain.
		want []string
		not  []string
	}{
		{in: `Basic realm="Staging"`,
			want: []string{"Basic (RFC 7617)", `realm "Staging": the protection space`, "-u USER:PASSWORD", "login dialog"},
			not:  []string{"Warning:"}},
		{in: `Basic charset="latin1"`,
			want: []string{`charset "latin1"`, "Warning: basic challenge has no realm", `Warning: charset "latin1" is not allowed`}},
		{in: `Basic realm="x", foo=bar`, want: []string{`foo "bar": not defined for Basic; clients ignore it`}},
		{in: `Bearer`,
			want: []string{"Bearer (RFC 6750)", "No error code", "carried no token", "--oauth2-bearer"}},
		{in: `Bearer error="invalid_request"`, want: []string{`error "invalid_request"`, "400 Bad Request"}},
		{in: `Bearer realm="master", error="invalid_token", error_description="Token verification failed"`,
			want: []string{`error "invalid_token"`, "pairs it with 401", `error_description "Token verification failed"`, "Keycloak"}},
		{in: `Bearer error="insufficient_scope", scope="read write"`,
			want: []string{"403 Forbidden", `scope "read write"`}},
		{in: `Bearer error="weird"`,
			want: []string{`error "weird": not a code`, `Warning: bearer error code "weird"`}},
		{in: `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"`,
			want: []string{"the token service", `service "registry.docker.io"`}},
		{in: `Bearer realm="https://api.example.com/v1/x", error="invalid_token"`,
			want: []string{"named by a URL"}},
		{in: `Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"`,
			want: []string{"RFC 9728"}},
		{in: `DPoP algs="ES256 PS256", error="use_dpop_nonce"`,
			want: []string{"DPoP (RFC 9449)", "DPoP-Nonce", "ES256, PS256", "neither curl nor browsers"}},
		{in: `DPoP error="invalid_dpop_proof"`, want: []string{"DPoP proof is missing"}},
		{in: `Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256, stale=true, userhash=true, opaque="o", domain="/a"`,
			want: []string{"Digest (RFC 7616)", "algorithm SHA-256: a SHA-2 hash", "stale=true", "userhash=true", "opaque:", "nonce:", `domain "/a"`, "--digest"},
			not:  []string{"Warning:", "No algorithm"}},
		{in: `Digest realm="r", nonce="n", qop="auth"`, want: []string{"No algorithm parameter: MD5, the legacy default"}},
		{in: `Digest realm="r", nonce="n", qop="auth", algorithm=SHA-512-256-sess`, want: []string{"-sess variant"}},
		{in: `Digest realm="r", nonce="n", qop="auth", algorithm=SHA-1`, want: []string{"clients will not be able to answer", `Warning: digest algorithm "SHA-1"`}},
		{in: `Negotiate`, want: []string{"Negotiate (RFC 4559)", "Kerberos", "--negotiate", "Outside a Windows domain"}},
		{in: `Negotiate TlRMTVNTUAACAAAADAAMADgAAAA=`, want: []string{"fell back from Kerberos to NTLM"}},
		{in: `Negotiate oYG3MIG0oAMKAQA=`, want: []string{"SPNEGO token"}},
		{in: `NTLM`, want: []string{"NTLM:", "--ntlm", "one TCP connection"}},
		{in: `NTLM TlRMTVNTUAACAAAADAAMADgAAAA=`, want: []string{"server's NTLM challenge"}},
		{in: `Key realm="kong"`, want: []string{"Kong's key-auth"}},
		{in: `Token`, want: []string{"Django REST Framework"}},
		{in: `Custom-Thing x=1`, want: []string{"Custom-Thing: a scheme why401 does not know", `x "1": a parameter why401 has no explanation for`}},
	}
	for _, tc := range tests {
		cs, _ := Parse(tc.in)
		if len(cs) != 1 {
			t.Fatalf("Parse(%q) gave %d challenges, want 1", tc.in, len(cs))
		}
		lines := Explain(cs[0])
		all := strings.Join(lines, "\n")
		if len(lines) == 0 || !strings.Contains(lines[0], cs[0].Scheme) && !strings.Contains(lines[0], cs[0].Info().Scheme) {
			t.Errorf("Explain(%q) first line does not name the scheme: %q", tc.in, lines)
		}
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("Explain(%q) lacks %q:\n%s", tc.in, w, all)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(all, n) {
				t.Errorf("Explain(%q) contains %q:\n%s", tc.in, n, all)
			}
		}
		for _, l := range lines {
			if l == "" || strings.Contains(l, "\n") {
				t.Errorf("Explain(%q) gave an empty or multi-line line %q", tc.in, l)
			}
		}
	}
}

// TestExplainWarningsLast checks that every warning of Info appears, in
// order, as the last lines of Explain.
func TestExplainWarningsLast(t *testing.T) {
	cs, _ := Parse(`Digest realm="a", realm="b", algorithm=X`)
	ws := cs[0].Info().Warnings
	lines := Explain(cs[0])
	if len(ws) < 3 || len(lines) < len(ws) {
		t.Fatalf("warnings %q, lines %q", ws, lines)
	}
	tail := lines[len(lines)-len(ws):]
	for i, w := range ws {
		if tail[i] != "Warning: "+w+"." {
			t.Errorf("line %q, want %q", tail[i], "Warning: "+w+".")
		}
	}
}
