package challenge

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// ch builds a challenge from a scheme and name, value pairs.
func ch(scheme string, kv ...string) Challenge {
	c := Challenge{Scheme: scheme}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Params = append(c.Params, Param{kv[i], kv[i+1]})
	}
	return c
}

// t68 builds a challenge in token68 form.
func t68(scheme, token string) Challenge {
	return Challenge{Scheme: scheme, Token68: token}
}

type parseCase struct {
	name string
	in   string
	want []Challenge
	// err is a substring of the error; "" means no error.
	err string
	// off is the expected error offset when err is set.
	off int
}

var parseCases = []parseCase{
	// Well-formed values.
	{name: "basic", in: `Basic realm="simple"`, want: []Challenge{ch("Basic", "realm", "simple")}},
	{name: "bare scheme", in: `Bearer`, want: []Challenge{ch("Bearer")}},
	{name: "token value", in: `Basic realm=simple`, want: []Challenge{ch("Basic", "realm", "simple")}},
	{name: "case kept for scheme, names lowered", in: `BASIC REALM="X", Charset="UTF-8"`,
		want: []Challenge{ch("BASIC", "realm", "X", "charset", "UTF-8")}},
	{name: "bws around equals", in: "Bearer realm = \"x\" ,\terror\t=\tinvalid_token",
		want: []Challenge{ch("Bearer", "realm", "x", "error", "invalid_token")}},
	{name: "rfc 9110 example", in: `Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
		want: []Challenge{ch("Newauth", "realm", "apps", "type", "1", "title", `Login to "apps"`), ch("Basic", "realm", "simple")}},
	{name: "two challenges with params", in: `Bearer realm="api", DPoP algs="ES256 PS256"`,
		want: []Challenge{ch("Bearer", "realm", "api"), ch("DPoP", "algs", "ES256 PS256")}},
	{name: "token68 with padding then challenge", in: `Negotiate abc==, Basic realm="x"`,
		want: []Challenge{t68("Negotiate", "abc=="), ch("Basic", "realm", "x")}},
	{name: "token68 with slash and plus", in: `Negotiate YIIBhgYGKwYBBQUCoIIBejCC/+ab=`,
		want: []Challenge{t68("Negotiate", "YIIBhgYGKwYBBQUCoIIBejCC/+ab=")}},
	{name: "token68 without padding", in: `NTLM TlRMTVNTUAACAAAA`, want: []Challenge{t68("NTLM", "TlRMTVNTUAACAAAA")}},
	{name: "token68 single padding at end", in: `Foo x=`, want: []Challenge{t68("Foo", "x=")}},
	{name: "token68 single padding before challenge", in: `Foo x=, Bar`, want: []Challenge{t68("Foo", "x="), ch("Bar")}},
	{name: "token68 with trailing space", in: `Negotiate abc==  , NTLM`, want: []Challenge{t68("Negotiate", "abc=="), ch("NTLM")}},
	{name: "escapes", in: `Basic realm="a \"quoted\" \\ back\slash"`,
		want: []Challenge{ch("Basic", "realm", `a "quoted" \ backslash`)}},
	{name: "empty quoted value", in: `Basic realm=""`, want: []Challenge{ch("Basic", "realm", "")}},
	{name: "empty elements", in: `,, Basic realm="x" ,, , Bearer ,`,
		want: []Challenge{ch("Basic", "realm", "x"), ch("Bearer")}},
	{name: "empty element inside param list", in: `Basic , realm="x",, charset=UTF-8`,
		want: []Challenge{ch("Basic", "realm", "x", "charset", "UTF-8")}},
	{name: "bare schemes", in: `Negotiate, NTLM`, want: []Challenge{ch("Negotiate"), ch("NTLM")}},
	{name: "comma inside quoted string", in: `Digest realm="a, b", qop="auth,auth-int", nonce="n"`,
		want: []Challenge{ch("Digest", "realm", "a, b", "qop", "auth,auth-int", "nonce", "n")}},
	{name: "obs-text and tab in quoted string", in: "Basic realm=\"caf\xc3\xa9\tbar\"",
		want: []Challenge{ch("Basic", "realm", "caf\xc3\xa9\tbar")}},
	{name: "duplicate params kept", in: `Basic realm="a", realm="b"`,
		want: []Challenge{ch("Basic", "realm", "a", "realm", "b")}},
	{name: "empty", in: ``, want: nil},
	{name: "only separators", in: " ,\t, ", want: nil},

	// Headers seen from real servers (FIELD-NOTES section B).
	{name: "spring security", in: `Bearer error="invalid_token", error_description="An error occurred while attempting to decode the Jwt: Jwt expired at 2024-05-01T10:00:00Z", error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`,
		want: []Challenge{ch("Bearer", "error", "invalid_token",
			"error_description", "An error occurred while attempting to decode the Jwt: Jwt expired at 2024-05-01T10:00:00Z",
			"error_uri", "https://tools.ietf.org/html/rfc6750#section-3.1")}},
	{name: "aspnet core", in: `Bearer error="invalid_token", error_description="The token expired at '05/11/2026 19:45:32'"`,
		want: []Challenge{ch("Bearer", "error", "invalid_token", "error_description", "The token expired at '05/11/2026 19:45:32'")}},
	{name: "envoy jwt_authn", in: `Bearer realm="https://api.example.com/v1/items?id=3", error="invalid_token"`,
		want: []Challenge{ch("Bearer", "realm", "https://api.example.com/v1/items?id=3", "error", "invalid_token")}},
	{name: "docker registry", in: `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/x:pull"`,
		want: []Challenge{ch("Bearer", "realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope", "repository:library/x:pull")}},
	{name: "keycloak", in: `Bearer realm="master", error="invalid_token", error_description="Token verification failed"`,
		want: []Challenge{ch("Bearer", "realm", "master", "error", "invalid_token", "error_description", "Token verification failed")}},
	{name: "kong", in: `Key realm="kong"`, want: []Challenge{ch("Key", "realm", "kong")}},
	{name: "dpop with bearer", in: `DPoP algs="ES256 PS256", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", Bearer realm="api"`,
		want: []Challenge{ch("DPoP", "algs", "ES256 PS256", "error", "use_dpop_nonce", "error_description", "Resource server requires nonce in DPoP proof"), ch("Bearer", "realm", "api")}},
	{name: "iis negotiate and ntlm in one line", in: `Negotiate, NTLM`, want: []Challenge{ch("Negotiate"), ch("NTLM")}},
	{name: "passport bearer", in: `Bearer realm="Users", error="invalid_token"`,
		want: []Challenge{ch("Bearer", "realm", "Users", "error", "invalid_token")}},
	{name: "kubernetes basic", in: `Basic realm="kubernetes-master"`, want: []Challenge{ch("Basic", "realm", "kubernetes-master")}},
	{name: "drf token", in: `Token`, want: []Challenge{ch("Token")}},
	{name: "digest rfc 7616 example", in: `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
		want: []Challenge{ch("Digest", "realm", "http-auth@example.org", "qop", "auth, auth-int", "algorithm", "SHA-256",
			"nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")}},

	// Deviations and malformed values: errors with partial results.
	{name: "aws api gateway without commas", in: `Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"`,
		want: []Challenge{ch("Bearer", "scope", "", "error", "invalid_token", "error_description", "the token does not have a valid audience")},
		err:  `expected "," after value of "scope", found 'e'`, off: 16},
	{name: "missing comma between challenges", in: `Basic realm="a" Bearer realm="b"`,
		want: []Challenge{ch("Basic", "realm", "a"), ch("Bearer", "realm", "b")},
		err:  `expected "," after value of "realm"`, off: 16},
	{name: "unterminated quote", in: `Basic realm="foo`, want: []Challenge{ch("Basic")}, err: "unterminated quoted-string", off: 12},
	{name: "unterminated quote ending in backslash", in: `Basic realm="foo\`, want: []Challenge{ch("Basic")}, err: "unterminated quoted-string", off: 12},
	{name: "unterminated quote keeps earlier challenges", in: `Bearer, Basic realm="x, Digest`,
		want: []Challenge{ch("Bearer"), ch("Basic")}, err: "unterminated quoted-string", off: 20},
	{name: "missing value at end", in: `Bearer realm="x", error=`, want: []Challenge{ch("Bearer", "realm", "x")},
		err: `missing value for parameter "error"`, off: 24},
	{name: "missing value before param", in: `Bearer error=, realm="x"`, want: []Challenge{ch("Bearer", "realm", "x")},
		err: `missing value for parameter "error"`, off: 13},
	{name: "missing value mid list", in: `Bearer realm="x", error= , scope="a"`, want: []Challenge{ch("Bearer", "realm", "x", "scope", "a")},
		err: `missing value for parameter "error"`, off: 25},
	{name: "garbage", in: `"???"`, want: nil, err: `expected auth-scheme or auth-param, found '"'`, off: 0},
	{name: "garbage between challenges", in: `Basic realm="x", @@@, Bearer`, want: []Challenge{ch("Basic", "realm", "x"), ch("Bearer")},
		err: "expected auth-scheme or auth-param, found '@'", off: 17},
	{name: "param before any scheme", in: `realm="x", Basic`, want: []Challenge{ch("Basic")},
		err: `auth-param "realm" comes before any auth-scheme`, off: 0},
	{name: "no space after scheme", in: `Basic/x, Bearer`, want: []Challenge{ch("Basic"), ch("Bearer")},
		err: `expected space after auth-scheme "Basic", found '/'`, off: 5},
	{name: "tab after scheme", in: "Basic\trealm=\"x\"", want: []Challenge{ch("Basic", "realm", "x")},
		err: `expected space after auth-scheme "Basic", found tab`, off: 5},
	{name: "unquoted realm with spaces", in: `Basic realm=My Site, charset=UTF-8`,
		want: []Challenge{ch("Basic", "realm", "My Site", "charset", "UTF-8")},
		err:  `value of "realm" is neither a token nor a quoted-string`, off: 12},
	{name: "unquoted url value", in: `Bearer realm=https://example.com/a?b=c`,
		want: []Challenge{ch("Bearer", "realm", "https://example.com/a?b=c")},
		err:  `value of "realm" is neither a token nor a quoted-string`, off: 13},
	{name: "unquoted value missing comma", in: `Bearer realm=foo error=bar`,
		want: []Challenge{ch("Bearer", "realm", "foo", "error", "bar")},
		err:  `expected "," after value of "realm", found 'e'`, off: 17},
	{name: "value starting with equals", in: `Bearer realm==x`, want: []Challenge{ch("Bearer")},
		err: `expected token or quoted-string value for "realm", found '='`, off: 13},
	{name: "params after token68", in: `Bearer abc, realm="x"`, want: []Challenge{{Scheme: "Bearer", Token68: "abc", Params: []Param{{"realm", "x"}}}},
		err: `auth-param "realm" follows token68 data`, off: 12},
	{name: "params after token68 of param shape dropped", in: `Bearer x=, "junk", a=b`, want: []Challenge{t68("Bearer", "x=")},
		err: `expected auth-scheme or auth-param, found '"'`, off: 11},
	{name: "two tokens in body", in: `Negotiate abc def, NTLM`, want: []Challenge{ch("Negotiate"), ch("NTLM")},
		err: `expected "=" after parameter name "abc", found 'd'`, off: 14},
	{name: "quoted body", in: `Basic "realm"`, want: []Challenge{ch("Basic")},
		err: `expected token68 or auth-param after auth-scheme "Basic", found '"'`, off: 6},
	{name: "control character kept", in: "Basic realm=\"a\x01b\"", want: []Challenge{ch("Basic", "realm", "a\x01b")},
		err: `control character '\x01' in quoted-string`, off: 14},
	{name: "escaped control character kept", in: "Basic realm=\"a\\\x7fb\"", want: []Challenge{ch("Basic", "realm", "a\x7fb")},
		err: `control character '\x7f' in quoted-string`, off: 15},
	{name: "lone equals", in: `=`, want: nil, err: `expected auth-scheme or auth-param, found '='`, off: 0},
	{name: "non-ascii scheme", in: "B\xc3\xa4sic realm=x", want: []Challenge{ch("B")},
		err: `expected space after auth-scheme "B", found '\xc3'`, off: 1},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q)\n got  %#v\n want %#v", tc.in, got, tc.want)
			}
			if tc.err == "" {
				if err != nil {
					t.Errorf("Parse(%q) error: %v", tc.in, err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want a *SyntaxError containing %q", tc.in, err, tc.err)
			}
			if !strings.Contains(se.Msg, tc.err) {
				t.Errorf("Parse(%q) error message %q, want it to contain %q", tc.in, se.Msg, tc.err)
			}
			if se.Offset != tc.off {
				t.Errorf("Parse(%q) error offset %d, want %d (%v)", tc.in, se.Offset, tc.off, err)
			}
			if se.Value != tc.in {
				t.Errorf("Parse(%q) error value %q", tc.in, se.Value)
			}
		})
	}
}

func TestParseAll(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []Challenge
		err    string
	}{
		{name: "iis separate field lines", values: []string{"Negotiate", "NTLM"}, want: []Challenge{ch("Negotiate"), ch("NTLM")}},
		{name: "several per line and across lines",
			values: []string{`Bearer realm="a", error="invalid_token"`, `Basic realm="b", Negotiate abc==`},
			want:   []Challenge{ch("Bearer", "realm", "a", "error", "invalid_token"), ch("Basic", "realm", "b"), t68("Negotiate", "abc==")}},
		{name: "first error wins, later lines still parsed",
			values: []string{"Basic", `Bearer realm="x`, `Digest realm=`, "NTLM"},
			want:   []Challenge{ch("Basic"), ch("Bearer"), t68("Digest", "realm="), ch("NTLM")},
			err:    `"Bearer realm=\"x": offset 13: unterminated quoted-string`},
		{name: "nil", values: nil, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAll(tc.values)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseAll(%q)\n got  %#v\n want %#v", tc.values, got, tc.want)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.err {
				t.Errorf("ParseAll(%q) error %q, want %q", tc.values, gotErr, tc.err)
			}
		})
	}
}

func TestSyntaxErrorShortensLongValues(t *testing.T) {
	long := "Negotiate " + strings.Repeat("A", 200) + ` "x"`
	_, err := Parse(long)
	if err == nil {
		t.Fatal("Parse of a long malformed value gave no error")
	}
	msg := err.Error()
	if want := `"Negotiate AAAA`; !strings.HasPrefix(msg, want) {
		t.Errorf("error %q does not start with %q", msg, want)
	}
	if !strings.Contains(msg, `...": offset 211: `) {
		t.Errorf("error %q is not shortened or lacks the offset", msg)
	}
	if len(msg) > 200 || strings.Contains(msg, "\n") {
		t.Errorf("error is not one short line: %q", msg)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		c    Challenge
		want string
	}{
		{ch("Basic", "realm", "simple"), `Basic realm="simple"`},
		{ch("Basic", "realm", "My Site", "charset", "UTF-8"), `Basic realm="My Site", charset=UTF-8`},
		{ch("Bearer"), `Bearer`},
		{t68("Negotiate", "abc=="), `Negotiate abc==`},
		{ch("Digest", "realm", "r", "nonce", "n", "algorithm", "SHA-256", "stale", "TRUE", "qop", "auth"),
			`Digest realm="r", nonce="n", algorithm=SHA-256, stale=TRUE, qop="auth"`},
		{ch("X", "a", `say "hi" \o/`, "b", ""), `X a="say \"hi\" \\o/", b=""`},
		{ch("Bearer", "error", "invalid_token", "type", "1"), `Bearer error="invalid_token", type=1`},
		{Challenge{Scheme: "Bearer", Token68: "abc", Params: []Param{{"realm", "x"}}}, `Bearer abc, realm="x"`},
	}
	for _, tc := range tests {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.c, got, tc.want)
		}
	}
}

// TestStringRoundTrip checks that String of every parsed challenge in the
// table parses back to the same challenge.
func TestStringRoundTrip(t *testing.T) {
	for _, tc := range parseCases {
		cs, _ := Parse(tc.in)
		for _, c := range cs {
			s := c.String()
			back, _ := Parse(s)
			if len(back) != 1 || !reflect.DeepEqual(back[0], c) {
				t.Errorf("%s: Parse(%q) = %#v, want %#v", tc.name, s, back, c)
			}
		}
	}
}

func TestIsParamFind(t *testing.T) {
	cs, err := Parse(`bEaReR Realm="a", REALM="b", scope="x", Negotiate`)
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	if !c.Is("Bearer") || !c.Is("BEARER") || c.Is("Basic") || c.Is("Bear") {
		t.Errorf("Is gives wrong answers for scheme %q", c.Scheme)
	}
	if v, ok := c.Param("REALM"); !ok || v != "a" {
		t.Errorf(`Param("REALM") = %q, %v; want "a", true (first occurrence)`, v, ok)
	}
	if v, ok := c.Param("error"); ok || v != "" {
		t.Errorf(`Param("error") = %q, %v; want "", false`, v, ok)
	}
	if got, ok := Find(cs, "negotiate"); !ok || got.Scheme != "Negotiate" {
		t.Errorf(`Find(cs, "negotiate") = %#v, %v`, got, ok)
	}
	if _, ok := Find(cs, "Basic"); ok {
		t.Error(`Find(cs, "Basic") found a challenge`)
	}
}

// TestParseLargeInputs guards against quadratic behaviour on long values
// without commas, with many empty elements or many challenges.
func TestParseLargeInputs(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	inputs := map[string]string{
		"params without commas": "Bearer " + strings.Repeat("a=b ", n),
		"empty elements":        "Foo x=" + strings.Repeat(" ,", n) + " Bar",
		"many challenges":       strings.Repeat(`Basic realm="x", `, n),
		"unquoted spaces":       "Basic realm=" + strings.Repeat("word ", n),
		"garbage":               strings.Repeat(`"@" `, n),
	}
	for name, in := range inputs {
		start := time.Now()
		_, _ = Parse(in)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: Parse of %d bytes took %v", name, len(in), d)
		}
	}
	cs, err := Parse("Bearer " + strings.Repeat("a=b ", 3))
	if err == nil || len(cs) != 1 || len(cs[0].Params) != 3 {
		t.Errorf("params without commas: got %#v, %v", cs, err)
	}
}
