package jwt

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	testKeys(t)
	expect := Expect{
		Audience: []string{"orders-api"},
		Issuer:   []string{"https://id.example.com/realms/main"},
		Scope:    []string{"orders:read"},
	}
	with := func(mod func(c map[string]any)) map[string]any {
		c := baseClaims()
		mod(c)
		return c
	}
	tests := []struct {
		name   string
		claims map[string]any
		expect Expect
		want   []ProblemKind
		detail string // substring of the first problem's detail
	}{
		{"good", baseClaims(), expect, nil, ""},
		{"expired", with(func(c map[string]any) { c["exp"] = now.Add(-3*time.Hour - 12*time.Minute).Unix() }), expect,
			[]ProblemKind{Expired}, "exp 2026-11-20T10:00:00Z is 3h12m ago"},
		{"expired at the second", with(func(c map[string]any) { c["exp"] = now.Unix() }), expect, []ProblemKind{Expired}, "is 0s ago"},
		{"expired within leeway", with(func(c map[string]any) { c["exp"] = now.Add(-30 * time.Second).Unix() }),
			Expect{Leeway: time.Minute}, nil, ""},
		{"expired beyond leeway", with(func(c map[string]any) { c["exp"] = now.Add(-2 * time.Minute).Unix() }),
			Expect{Leeway: time.Minute}, []ProblemKind{Expired}, "(leeway 1m)"},
		{"nbf future", with(func(c map[string]any) { c["nbf"] = now.Add(5 * time.Minute).Unix() }), expect,
			[]ProblemKind{NotYetValid}, "is 5m from now"},
		{"nbf within leeway", with(func(c map[string]any) { c["nbf"] = now.Add(20 * time.Second).Unix() }), Expect{Leeway: time.Minute}, nil, ""},
		{"iat future", with(func(c map[string]any) { c["iat"] = now.Add(2 * time.Hour).Unix() }), expect,
			[]ProblemKind{IssuedInFuture}, "iat 2026-11-20T15:12:00Z is 2h from now"},
		{"wrong audience keycloak", with(func(c map[string]any) { c["aud"] = "account" }), expect,
			[]ProblemKind{Audience}, `aud "account" holds none of the expected "orders-api" ("account" is Keycloak's default`},
		{"audience any of", with(func(c map[string]any) { c["aud"] = []string{"x", "orders-api"} }), Expect{Audience: []string{"y", "orders-api"}}, nil, ""},
		{"audience slash", with(func(c map[string]any) { c["aud"] = "https://api.example/" }), Expect{Audience: []string{"https://api.example"}},
			[]ProblemKind{Audience}, "trailing slash"},
		{"no audience", with(func(c map[string]any) { delete(c, "aud") }), expect, []ProblemKind{Audience}, "token has no aud"},
		{"issuer internal host", with(func(c map[string]any) { c["iss"] = "http://keycloak:8080/realms/main" }),
			Expect{Issuer: []string{"https://id.example.com/realms/main"}}, []ProblemKind{Issuer}, `host "keycloak:8080" versus "id.example.com"`},
		{"issuer scheme", with(func(c map[string]any) { c["iss"] = "http://id.example.com/realms/main" }),
			Expect{Issuer: []string{"https://id.example.com/realms/main"}}, []ProblemKind{Issuer}, "http versus https"},
		{"issuer realm", with(func(c map[string]any) { c["iss"] = "https://id.example.com/realms/other" }),
			Expect{Issuer: []string{"https://id.example.com/realms/main"}}, []ProblemKind{Issuer}, "another realm"},
		{"issuer any of", baseClaims(), Expect{Issuer: []string{"https://other", "https://id.example.com/realms/main/"}}, nil, ""},
		{"no issuer", with(func(c map[string]any) { delete(c, "iss") }), expect, []ProblemKind{Issuer}, "token has no iss"},
		{"scope missing", baseClaims(), Expect{Scope: []string{"orders:read", "admin"}}, []ProblemKind{Scope}, "lacks scope admin (has orders:read orders:write)"},
		{"scp array", with(func(c map[string]any) { delete(c, "scope"); c["scp"] = []string{"admin", "orders:read"} }), Expect{Scope: []string{"orders:read", "admin"}}, nil, ""},
		{"no scope claim", with(func(c map[string]any) { delete(c, "scope") }), expect, []ProblemKind{Scope}, "no scope or scp claim"},
		{"no expiry", with(func(c map[string]any) { delete(c, "exp") }), Expect{}, []ProblemKind{NoExpiry}, "no exp"},
		{"exp in milliseconds", with(func(c map[string]any) { c["exp"] = now.UnixMilli() }), Expect{}, []ProblemKind{BadClaim}, "milliseconds"},
		{"exp string", with(func(c map[string]any) { c["exp"] = "1700000000" }), Expect{}, []ProblemKind{BadClaim}, `exp is the string "1700000000"`},
		{"aud number", with(func(c map[string]any) { c["aud"] = 5 }), Expect{}, []ProblemKind{BadClaim}, "aud is a number"},
		{"iss object", with(func(c map[string]any) { c["iss"] = map[string]any{} }), Expect{}, []ProblemKind{BadClaim}, "iss is an object"},
		{"keycloak id token", with(func(c map[string]any) { c["typ"] = "ID" }), Expect{}, []ProblemKind{WrongType}, `claim typ "ID"`},
		{"keycloak refresh", with(func(c map[string]any) { c["typ"] = "Refresh" }), Expect{}, []ProblemKind{WrongType}, "refresh token"},
		{"cognito id token", with(func(c map[string]any) { c["token_use"] = "id" }), Expect{}, []ProblemKind{WrongType}, `token_use "id"`},
		{"cognito access token", with(func(c map[string]any) { c["token_use"] = "access"; c["typ"] = "Bearer" }), Expect{}, nil, ""},
		{"order: expired before audience and no expiry last",
			with(func(c map[string]any) {
				c["exp"] = now.Add(-time.Hour).Unix()
				c["aud"] = "x"
				c["iat"] = now.Add(time.Hour).Unix()
			}), expect, []ProblemKind{Expired, IssuedInFuture, Audience}, "exp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := mustSign(t, tt.claims, rsaKey, "k1")
			ps := tk.Check(tt.expect, now)
			var kinds []ProblemKind
			for _, p := range ps {
				kinds = append(kinds, p.Kind)
				if strings.ContainsAny(p.Detail, "\r\n") || p.Detail == "" {
					t.Errorf("detail %q is not one line", p.Detail)
				}
			}
			if !slices.Equal(kinds, tt.want) {
				t.Fatalf("kinds %v, want %v (%v)", kinds, tt.want, ps)
			}
			if tt.detail != "" && !strings.Contains(ps[0].Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", ps[0].Detail, tt.detail)
			}
		})
	}
}

func TestCheckHeaderProblems(t *testing.T) {
	unsigned, err := Unsigned(baseClaims())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		raw  string
		want ProblemKind
	}{
		{unsigned, AlgNone},
		{tok(`{"alg":"NONE"}`, `{"exp":1}`, ""), AlgNone},
		{tok(`{"typ":"JWT"}`, `{"exp":1}`, ""), AlgNone},
		{tok(`{"alg":"ES256","typ":"dpop+jwt"}`, `{"exp":1}`, "c2ln"), WrongType},
		{tok(`{"alg":"ES256","typ":"application/refresh+jwt"}`, `{"exp":1}`, "c2ln"), WrongType},
	} {
		tk, err := Parse(tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		ps := tk.Check(Expect{}, time.Unix(0, 0))
		if len(ps) == 0 || ps[0].Kind != tc.want {
			t.Errorf("Check(%s) = %v, want first %s", tc.raw, ps, tc.want)
		}
	}
	var nilTok *Token
	if ps := nilTok.Check(Expect{}, now); len(ps) != 1 || ps[0].Kind != Unreadable {
		t.Errorf("nil token: %v", ps)
	}
	jwe, _ := Parse(b64(`{"alg":"dir","enc":"A128GCM"}`) + "..aXY.Y2lwaGVy.dGFn")
	if ps := jwe.Check(Expect{Audience: []string{"x"}}, now); len(ps) != 1 || ps[0].Kind != Encrypted {
		t.Errorf("JWE: %v", ps)
	}
}

func TestDescribe(t *testing.T) {
	testKeys(t)
	c := baseClaims()
	c["azp"] = "web-app"
	c["email"] = "alice@example.com"
	c["exp"] = now.Add(-3*time.Hour - 12*time.Minute).Unix()
	c["iat"] = now.Add(-4*time.Hour - 12*time.Minute).Unix()
	c["nbf"] = now.Add(5 * time.Minute).Unix()
	tk := mustSign(t, c, ecKey, "e1")
	got := strings.Join(Describe(tk, now), "\n")
	for _, want := range []string{
		`header: alg ES256, kid "e1", typ "JWT"`,
		`iss "https://id.example.com/realms/main"`,
		`sub "alice"`,
		`aud "orders-api"`,
		`azp "web-app"`,
		"scopes: orders:read orders:write",
		"iat 2026-11-20T09:00:00Z (4h12m ago)",
		"nbf 2026-11-20T13:17:00Z (in 5m, in the future)",
		"exp 2026-11-20T10:00:00Z (expired 3h12m ago)",
		"lifetime 1h (exp - iat)",
		"other claims: email",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Describe lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, tk.Raw) || strings.Contains(got, strings.Split(tk.Raw, ".")[2]) {
		t.Error("Describe leaks the raw token or signature")
	}

	idTok, _ := Parse(tok(`{"alg":"RS256"}`, `{"nonce":"n","at_hash":"h"}`, "c2ln"))
	got = strings.Join(Describe(idTok, now), "\n")
	for _, want := range []string{"looks like an OpenID ID token", "exp absent"} {
		if !strings.Contains(got, want) {
			t.Errorf("Describe lacks %q:\n%s", want, got)
		}
	}
	jwe, _ := Parse(b64(`{"alg":"RSA-OAEP","enc":"A256GCM"}`) + ".a2V5.aXY.Y2lwaGVy.dGFn")
	if d := Describe(jwe, now); len(d) != 1 || !strings.Contains(d[0], "encrypted token (JWE): alg RSA-OAEP, enc A256GCM") {
		t.Errorf("Describe(JWE) = %q", d)
	}
	if Describe(nil, now) != nil {
		t.Error("Describe(nil) not nil")
	}
}
