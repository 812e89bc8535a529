package challenge

import (
	"reflect"
	"strings"
	"testing"
)

func TestInfo(t *testing.T) {
	tests := []struct {
		name string
		in   string // one challenge
		want Info   // Warnings compared separately
		// warn lists one substring per expected warning, in order.
		warn []string
	}{
		{name: "basic", in: `basic realm="Staging", charset="utf-8"`,
			want: Info{Scheme: "Basic", Known: true, Realm: "Staging", Charset: "utf-8"}},
		{name: "basic without realm", in: `Basic`,
			want: Info{Scheme: "Basic", Known: true},
			warn: []string{"basic challenge has no realm"}},
		{name: "basic latin1", in: `Basic realm="x", charset="ISO-8859-1"`,
			want: Info{Scheme: "Basic", Known: true, Realm: "x", Charset: "ISO-8859-1"},
			warn: []string{`charset "ISO-8859-1" is not allowed; RFC 7617 permits only UTF-8`}},
		{name: "basic token68", in: `Basic abc=`,
			want: Info{Scheme: "Basic", Known: true, Token68: "abc="},
			warn: []string{"basic challenge carries token68 data", "basic challenge has no realm"}},
		{name: "bearer spring", in: `Bearer error="invalid_token", error_description="Jwt expired at 2024-05-01T10:00:00Z", error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`,
			want: Info{Scheme: "Bearer", Known: true, Error: "invalid_token", ErrorDescription: "Jwt expired at 2024-05-01T10:00:00Z",
				ErrorURI: "https://tools.ietf.org/html/rfc6750#section-3.1"}},
		{name: "bearer docker scope", in: `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull,push"`,
			want: Info{Scheme: "Bearer", Known: true, Realm: "https://auth.docker.io/token", Scope: []string{"repository:x:pull,push"}}},
		{name: "bearer insufficient scope with metadata", in: `Bearer error="insufficient_scope", scope="read  write", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"`,
			want: Info{Scheme: "Bearer", Known: true, Error: "insufficient_scope", Scope: []string{"read", "write"},
				ResourceMetadata: "https://api.example.com/.well-known/oauth-protected-resource"}},
		{name: "bearer token68 and params", in: `Bearer abc, realm="x"`,
			want: Info{Scheme: "Bearer", Known: true, Realm: "x", Token68: "abc"},
			warn: []string{"bearer challenge has both token68 data and auth-params"}},
		{name: "bearer token68 only", in: `Bearer abc`,
			want: Info{Scheme: "Bearer", Known: true, Token68: "abc"},
			warn: []string{"bearer challenge carries token68 data; RFC 6750 defines only auth-params"}},
		{name: "bearer unknown error", in: `Bearer error="expired_token", error_description="café \"x\"", error_uri="/docs/errors"`,
			want: Info{Scheme: "Bearer", Known: true, Error: "expired_token", ErrorDescription: "café \"x\"", ErrorURI: "/docs/errors"},
			warn: []string{`bearer error code "expired_token" is not one RFC 6750 defines (invalid_request, invalid_token, insufficient_scope)`,
				`error_description holds the character 'é'`, `error_uri "/docs/errors" is not an absolute uri`}},
		{name: "bearer description with invalid utf-8", in: "Bearer error_description=\"bad \xff byte\"",
			want: Info{Scheme: "Bearer", Known: true, ErrorDescription: "bad \xff byte"},
			warn: []string{`error_description holds the character '\xff'`}},
		{name: "bearer bad scope char", in: `Bearer scope="a\\b"`,
			want: Info{Scheme: "Bearer", Known: true, Scope: []string{`a\b`}},
			warn: []string{`scope holds the character '\\'`}},
		{name: "duplicate params", in: `Bearer realm="a", Realm="b", scope="x", realm="c", scope="y"`,
			want: Info{Scheme: "Bearer", Known: true, Realm: "a", Scope: []string{"x"}},
			warn: []string{`parameter "realm" appears 3 times`, `parameter "scope" appears 2 times`}},
		{name: "resource_metadata over http", in: `Bearer resource_metadata="http://api.example.com/meta"`,
			want: Info{Scheme: "Bearer", Known: true, ResourceMetadata: "http://api.example.com/meta"},
			warn: []string{`resource_metadata "http://api.example.com/meta" is not an https url`}},
		{name: "dpop", in: `dpop algs="ES256 PS256", error="use_dpop_nonce", error_description="nonce required"`,
			want: Info{Scheme: "DPoP", Known: true, Algs: []string{"ES256", "PS256"}, Error: "use_dpop_nonce", ErrorDescription: "nonce required"}},
		{name: "dpop bad error and empty algs", in: `DPoP algs="", error="nope"`,
			want: Info{Scheme: "DPoP", Known: true, Error: "nope"},
			warn: []string{"dpop algs parameter is empty", `dpop error code "nope" is not one RFC 9449 defines (invalid_request, invalid_token, insufficient_scope, invalid_dpop_proof, use_dpop_nonce)`}},
		{name: "digest full", in: `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf", opaque="FQhe", stale=TRUE, userhash=true, domain="/a https://x.example/b", charset=UTF-8`,
			want: Info{Scheme: "Digest", Known: true, Realm: "http-auth@example.org", QOP: []string{"auth", "auth-int"}, Algorithm: "SHA-256",
				Nonce: "7ypf", Opaque: "FQhe", Stale: true, UserHash: true, Domain: []string{"/a", "https://x.example/b"}, Charset: "UTF-8"}},
		{name: "digest defaults and omissions", in: `Digest stale=false`,
			want: Info{Scheme: "Digest", Known: true, Algorithm: "MD5"},
			warn: []string{"digest challenge has no realm", "digest challenge has no nonce", "digest challenge has no qop"}},
		{name: "digest unknown algorithm and qop", in: `Digest realm="r", nonce="n", algorithm=SHA-1, qop="auth,,conf", charset=latin1`,
			want: Info{Scheme: "Digest", Known: true, Realm: "r", Nonce: "n", Algorithm: "SHA-1", QOP: []string{"auth", "conf"}, Charset: "latin1"},
			warn: []string{`digest algorithm "SHA-1" is not one RFC 7616 defines`, `digest qop option "conf" is not one`, `charset "latin1" is not allowed; RFC 7616 permits only UTF-8`}},
		{name: "digest sess algorithm lowercase", in: `Digest realm="r", nonce="n", qop=auth, algorithm=md5-sess`,
			want: Info{Scheme: "Digest", Known: true, Realm: "r", Nonce: "n", Algorithm: "md5-sess", QOP: []string{"auth"}}},
		{name: "digest empty qop", in: `Digest realm="r", nonce="n", qop=""`,
			want: Info{Scheme: "Digest", Known: true, Realm: "r", Nonce: "n", Algorithm: "MD5"},
			warn: []string{"digest qop parameter is empty"}},
		{name: "negotiate continuation", in: `Negotiate oYG3MIG0oAMKAQChCwYJKoZIgvcSAQICom==`,
			want: Info{Scheme: "Negotiate", Known: true, Token68: "oYG3MIG0oAMKAQChCwYJKoZIgvcSAQICom=="}},
		{name: "ntlm with params", in: `ntlm realm="x"`,
			want: Info{Scheme: "NTLM", Known: true, Realm: "x"},
			warn: []string{"ntlm challenge carries auth-params"}},
		{name: "unknown scheme", in: `Key realm="kong"`,
			want: Info{Scheme: "Key", Realm: "kong"}},
		{name: "unknown scheme with error param is not interpreted", in: `Token error="x"`,
			want: Info{Scheme: "Token"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := Parse(tc.in)
			if len(cs) != 1 {
				t.Fatalf("Parse(%q) = %d challenges, %v; want one", tc.in, len(cs), err)
			}
			got := cs[0].Info()
			warns := got.Warnings
			got.Warnings = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Info of %q\n got  %+v\n want %+v", tc.in, got, tc.want)
			}
			if len(warns) != len(tc.warn) {
				t.Fatalf("Info of %q warnings = %q, want %d matching %q", tc.in, warns, len(tc.warn), tc.warn)
			}
			for i, w := range warns {
				if !strings.Contains(w, tc.warn[i]) {
					t.Errorf("warning %d = %q, want it to contain %q", i, w, tc.warn[i])
				}
				if w != strings.TrimSpace(w) || strings.Contains(w, "\n") || strings.HasSuffix(w, ".") || w[:1] != strings.ToLower(w[:1]) {
					t.Errorf("warning %q is not one lowercase line without a final period", w)
				}
			}
		})
	}
}
