package checks_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
)

// unsignedLooking builds a JWT-shaped bearer value with the given claims
// (RS256 header, a signature that is never verified here).
func unsignedLooking(t *testing.T, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(c) + ".c2ln"
}

// TestTokenWithoutMetadata: no flag and no metadata says what the server
// expects. A token for another origin's API, refused with
// mod_auth_openidc's generic insufficient_scope, is an audience problem
// first; a token that holds the scope the server lists is not a scope
// problem at 95 %; and the server naming a scope the token lacks still is.
func TestTokenWithoutMetadata(t *testing.T) {
	const generic = `Bearer realm="api", error="insufficient_scope", error_description="Different scope(s) or other claims required"`
	for _, tt := range []struct {
		name      string
		claims    map[string]any
		challenge string
		first     catalog.ID
		maxScope  float64
	}{
		{"other audience, generic refusal", map[string]any{"aud": "https://orders.other.test", "iss": "https://login.test", "scope": "read", "exp": 4102444800},
			generic, catalog.TokenAudience, 0.6},
		{"scope held, server lists it", map[string]any{"aud": "https://billing.test", "iss": "https://api.test", "scope": "read write", "exp": 4102444800},
			`Bearer error="insufficient_scope", scope="read"`, catalog.TokenAudience, 0.3},
		{"control: scope missing", map[string]any{"aud": "https://api.test", "iss": "https://api.test", "scope": "read", "exp": 4102444800},
			`Bearer error="insufficient_scope", scope="admin"`, catalog.TokenScope, 0.95},
		{"control: own audience, generic refusal", map[string]any{"aud": "https://api.test/", "iss": "https://api.test", "scope": "read", "exp": 4102444800},
			generic, catalog.TokenScope, 0.6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			auth := []string{"Authorization", "Bearer " + unsignedLooking(t, tt.claims)}
			p := probeOf(auth, trial(evidence.AsGiven, hop("GET", "https://api.test/x", 403, auth, []string{"WWW-Authenticate", tt.challenge})))
			fs, err := diagnosis.Run([]*diagnosis.Check{checks.Token}, p, t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) == 0 || fs[0].Cause != tt.first {
				t.Fatalf("first cause %v, want %s", causes(fs), tt.first)
			}
			for _, f := range fs {
				if f.Cause == catalog.TokenScope && f.Confidence > tt.maxScope {
					t.Errorf("token.scope at %.2f, want at most %.2f", f.Confidence, tt.maxScope)
				}
			}
		})
	}
}
