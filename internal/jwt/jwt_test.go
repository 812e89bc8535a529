package jwt

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// tok builds an unsigned-looking token from header and payload JSON.
func tok(header, payload, sig string) string {
	return b64(header) + "." + b64(payload) + "." + sig
}

var parseTests = []struct {
	name    string
	raw     string
	wantErr string // substring of the MalformedError reason; "" = success
}{
	{"ok", tok(`{"alg":"RS256","kid":"k1","typ":"JWT"}`, `{"iss":"https://a.example","sub":"u1","aud":"api","exp":1700000000}`, "c2ln"), ""},
	{"unsigned", tok(`{"alg":"none"}`, `{"sub":"x"}`, ""), ""},
	{"empty", "", "empty string"},
	{"no dots", "abcdef", "no dots"},
	{"two segments", b64(`{"alg":"HS256"}`) + "." + b64(`{}`), "2 segments"},
	{"four segments", "eyJ.a.b.c", "4 segments"},
	{"six segments", "a.b.c.d.e.f", "6 segments"},
	{"with scheme", "Bearer " + tok(`{"alg":"HS256"}`, `{}`, "c2ln"), `starts with the scheme "Bearer"`},
	{"whitespace", tok(`{"alg":"HS256"}`, `{}`, "c2ln") + "\n", "whitespace"},
	{"padding", b64(`{"alg":"HS256"}`) + "=." + b64(`{}`) + ".c2ln", "header segment has '=' padding"},
	{"std base64", b64(`{"alg":"HS256"}`) + "." + b64(`{}`) + ".ab+c", "signature segment has '+'"},
	{"bad char", b64(`{"alg":"HS256"}`) + "." + "ab$c" + ".c2ln", "payload segment contains '$'"},
	{"quote", `"` + tok(`{"alg":"HS256"}`, `{}`, "c2ln"), "header segment contains a quote"},
	{"impossible length", "eyJhb." + b64(`{}`) + ".c2ln", "impossible base64url length"},
	{"header not json", tok(`alg`, `{}`, "c2ln"), "header segment is not a JSON object"},
	{"header bad json", tok(`{"alg":}`, `{}`, "c2ln"), "header segment is not valid JSON"},
	{"payload array", tok(`{"alg":"HS256"}`, `[1]`, "c2ln"), "payload segment is not a JSON object"},
	{"payload binary", tok(`{"alg":"HS256"}`, "\xff\xfe", "c2ln"), "binary data"},
	{"empty payload", b64(`{"alg":"HS256"}`) + "..c2ln", "payload segment is empty"},
	{"jwe", b64(`{"alg":"RSA-OAEP","enc":"A256GCM"}`) + ".a2V5.aXY.Y2lwaGVy.dGFn", "encrypted token (JWE, alg RSA-OAEP, enc A256GCM)"},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.raw)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if got.Segments != 3 || got.Raw != tt.raw {
					t.Errorf("Segments %d, Raw %q", got.Segments, got.Raw)
				}
				return
			}
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("Parse error %v, want *MalformedError", err)
			}
			if !strings.Contains(me.Reason, tt.wantErr) {
				t.Errorf("reason %q, want it to contain %q", me.Reason, tt.wantErr)
			}
			if strings.ContainsAny(me.Error(), "\n\r") || strings.HasSuffix(me.Error(), ".") {
				t.Errorf("error %q is not one line without final period", me.Error())
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	raw := tok(`{"alg":"ES256","kid":"key-2","typ":"at+jwt"}`,
		`{"iss":"https://id.example/","sub":"alice","aud":["api","other"],"scope":"read write","scp":["write","admin"],"exp":1700000000.5,"nbf":1699990000,"iat":1699990000}`, "c2ln")
	tk, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Alg != "ES256" || tk.Kid != "key-2" || tk.Typ != "at+jwt" {
		t.Errorf("header fields %q %q %q", tk.Alg, tk.Kid, tk.Typ)
	}
	if tk.Issuer != "https://id.example/" || tk.Subject != "alice" {
		t.Errorf("iss %q sub %q", tk.Issuer, tk.Subject)
	}
	if strings.Join(tk.Audience, ",") != "api,other" {
		t.Errorf("aud %q", tk.Audience)
	}
	if strings.Join(tk.Scopes, ",") != "read,write,admin" {
		t.Errorf("scopes %q", tk.Scopes)
	}
	want := time.Unix(1700000000, 500000000).UTC()
	if tk.ExpiresAt == nil || !tk.ExpiresAt.Equal(want) {
		t.Errorf("exp %v, want %v", tk.ExpiresAt, want)
	}
	if tk.NotBefore == nil || tk.IssuedAt == nil || tk.NotBefore.Unix() != 1699990000 {
		t.Errorf("nbf %v iat %v", tk.NotBefore, tk.IssuedAt)
	}

	// aud as a single string, scp as a string, no dates.
	tk, err = Parse(tok(`{"alg":"RS256"}`, `{"aud":"only","scp":"a b"}`, "c2ln"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Audience) != 1 || tk.Audience[0] != "only" || strings.Join(tk.Scopes, " ") != "a b" {
		t.Errorf("aud %q scopes %q", tk.Audience, tk.Scopes)
	}
	if tk.ExpiresAt != nil || tk.NotBefore != nil || tk.IssuedAt != nil {
		t.Errorf("dates should be nil")
	}
}

func TestParseJWEKeepsHeader(t *testing.T) {
	raw := b64(`{"alg":"dir","enc":"A128GCM","kid":"e1"}`) + "..aXY.Y2lwaGVy.dGFn"
	tk, err := Parse(raw)
	if err == nil {
		t.Fatal("want an error for a JWE")
	}
	if tk == nil || tk.Segments != 5 || tk.Kid != "e1" || tk.Claims != nil {
		t.Fatalf("JWE token %+v", tk)
	}
}

func TestLooksLikeJWT(t *testing.T) {
	for s, want := range map[string]bool{
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln": true,
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.":     true,
		"eyJ.a.b.c.d":                               true,
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0":      false,
		"abc.def.ghi":                               false,
		"eyJ a.b.c":                                 false,
		"eyJa.b.c.d":                                false,
		"":                                          false,
	} {
		if got := LooksLikeJWT(s); got != want {
			t.Errorf("LooksLikeJWT(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                              "0s",
		400 * time.Millisecond:         "0s",
		45 * time.Second:               "45s",
		-45 * time.Second:              "45s",
		5 * time.Minute:                "5m",
		5*time.Minute + 30*time.Second: "5m30s",
		3*time.Hour + 12*time.Minute:   "3h12m",
		3 * time.Hour:                  "3h",
		52 * time.Hour:                 "2d4h",
		48 * time.Hour:                 "2d",
		time.Duration(-1 << 63):        "106751d23h",
	} {
		if got := Human(d); got != want {
			t.Errorf("Human(%v) = %q, want %q", d, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tk, err := Parse(raw)
		if err != nil {
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not a *MalformedError", err)
			}
			if strings.ContainsAny(me.Reason, "\r\n") {
				t.Fatalf("reason %q spans lines", me.Reason)
			}
			if tk != nil && tk.Segments != 5 {
				t.Fatalf("token with error but %d segments", tk.Segments)
			}
		} else if tk.Segments != 3 {
			t.Fatalf("Segments %d", tk.Segments)
		}
		now := time.Unix(1700000000, 0)
		for _, p := range tk.Check(Expect{Audience: []string{"a"}, Issuer: []string{"i"}, Scope: []string{"s"}, Leeway: time.Minute}, now) {
			if p.Kind == "" || p.Detail == "" || strings.ContainsAny(p.Detail, "\r\n") {
				t.Fatalf("bad problem %+v", p)
			}
		}
		_ = Describe(tk, now)
		if tk != nil {
			_ = Verify(tk, []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"k1"}]}`))
		}
	})
}
