package credential

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func auth(v ...string) http.Header { return http.Header{"Authorization": v} }

var analyzeTests = []struct {
	name    string
	h       http.Header
	url     string
	kinds   []string // problem kinds, in order
	scheme  string
	user    string
	pass    string
	token   string
	where   string
	present bool
	detail  string // substring of some problem detail
}{
	{name: "nothing", h: http.Header{}, url: "https://api.example/x"},
	{name: "basic ok", h: auth("Basic " + b64("alice:s3cret")), scheme: "Basic", user: "alice", pass: "s3cret", where: "authorization", present: true},
	{name: "bearer ok", h: auth("Bearer abc.def-ghi_jkl~+/=="), scheme: "Bearer", token: "abc.def-ghi_jkl~+/==", where: "authorization", present: true},
	{name: "bearer jwt", h: auth("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"), scheme: "Bearer", token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", where: "authorization", present: true},
	{name: "no space basic", h: auth("Basic" + b64("alice:pw")), kinds: []string{KindNoSpace}, scheme: "Basic", user: "alice", pass: "pw", where: "authorization", present: true, detail: "no space after the scheme Basic"},
	{name: "no space bearer colon", h: auth("Bearer:abc123"), kinds: []string{KindNoSpace}, scheme: "Bearer", token: "abc123", where: "authorization", present: true},
	{name: "stray colon", h: auth("Bearer: abc123"), kinds: []string{KindStrayChar}, scheme: "Bearer", token: "abc123", where: "authorization", present: true, detail: `"Bearer:"`},
	{name: "header name pasted", h: auth("Authorization: Bearer abc123"), kinds: []string{KindStrayChar}, scheme: "Bearer", token: "abc123", where: "authorization", present: true},
	{name: "bad base64 plain", h: auth("Basic alice:pw"), kinds: []string{KindBadBase64}, scheme: "Basic", user: "alice", pass: "pw", where: "authorization", present: true, detail: "without base64 encoding"},
	{name: "bad base64 char", h: auth("Basic YWx!aWNl"), kinds: []string{KindBadBase64}, scheme: "Basic", where: "authorization", present: true, detail: `'!' at byte 3`},
	{name: "url-safe base64", h: auth("Basic " + strings.NewReplacer("+", "-", "/", "_").Replace(b64("a:ü?>"))), kinds: []string{KindBadBase64}, scheme: "Basic", user: "a", pass: "ü?>", where: "authorization", present: true, detail: "URL-safe"},
	{name: "no colon", h: auth("Basic " + b64("alicepw")), kinds: []string{KindNoColon}, scheme: "Basic", user: "alicepw", where: "authorization", present: true},
	{name: "quoted value", h: auth(`"Bearer abc"`), kinds: []string{KindQuoted}, scheme: "Bearer", token: "abc", where: "authorization", present: true},
	{name: "quoted token", h: auth(`Bearer "abc"`), kinds: []string{KindQuoted}, scheme: "Bearer", token: "abc", where: "authorization", present: true},
	{name: "trailing space", h: auth("Bearer abc "), kinds: []string{KindWhitespace}, scheme: "Bearer", token: "abc", where: "authorization", present: true, detail: "trailing whitespace"},
	{name: "double space", h: auth("Bearer  abc"), kinds: []string{KindWhitespace}, scheme: "Bearer", token: "abc", where: "authorization", present: true, detail: "2 spaces"},
	{name: "tab", h: auth("Bearer\tabc"), kinds: []string{KindWhitespace}, scheme: "Bearer", token: "abc", where: "authorization", present: true, detail: "a tab"},
	{name: "trailing newline", h: auth("Bearer abc\n"), kinds: []string{KindNewline}, scheme: "Bearer", token: "abc", where: "authorization", present: true, detail: "ends with a line break"},
	{name: "inner newline", h: auth("Bearer abc\r\nX-Evil: 1"), kinds: []string{KindNewline}, scheme: "Bearer", token: "abc", where: "authorization", present: true, detail: "at byte 10"},
	{name: "echo newline in basic", h: auth("Basic " + b64("alice:pw\n")), kinds: []string{KindNewline}, scheme: "Basic", user: "alice", pass: "pw", where: "authorization", present: true, detail: "echo without -n"},
	{name: "basic missing padding", h: auth("Basic " + strings.TrimRight(b64("alice:pwxy"), "=")), kinds: []string{KindTruncated}, scheme: "Basic", user: "alice", pass: "pwxy", where: "authorization", present: true, detail: "not a multiple of 4"},
	{name: "basic cut off", h: auth("Basic YWxpY2U6c"), kinds: []string{KindTruncated}, scheme: "Basic", where: "authorization", present: true, detail: "which no encoding produces"},
	{name: "basic bad padding", h: auth("Basic YWxpY2U6cHc=="), kinds: []string{KindBadBase64}, scheme: "Basic", user: "alice", pass: "pw", where: "authorization", present: true, detail: "2 '=' padding characters where 1 are right"},
	{name: "jwt cut off", h: auth("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOi"), kinds: []string{KindTruncated}, scheme: "Bearer", token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOi", where: "authorization", present: true, detail: "has 2 segments"},
	{name: "ellipsis", h: auth("Bearer eyJhbGciOi..."), kinds: []string{KindTruncated}, scheme: "Bearer", token: "eyJhbGciOi...", where: "authorization", present: true, detail: "ellipsis"},
	{name: "trailing dot", h: auth("Bearer abcdef."), kinds: []string{KindTruncated}, scheme: "Bearer", token: "abcdef.", where: "authorization", present: true},
	{name: "unsigned jwt is not truncated", h: auth("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."), scheme: "Bearer", token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", where: "authorization", present: true},
	{name: "empty scheme", h: auth("Bearer"), kinds: []string{KindEmpty}, scheme: "Bearer", where: "authorization", present: true},
	{name: "empty scheme space", h: auth("Bearer "), kinds: []string{KindWhitespace, KindEmpty}, scheme: "Bearer", where: "authorization", present: true},
	{name: "empty header", h: auth(""), kinds: []string{KindEmpty}},
	{name: "duplicate", h: auth("Basic "+b64("a:b"), "Bearer xyz"), kinds: []string{KindDuplicate}, scheme: "Basic", user: "a", pass: "b", where: "authorization", present: true, detail: "2 Authorization header lines (Basic, Bearer)"},
	{name: "lower-case scheme", h: auth("bearer abc"), kinds: []string{KindSchemeCase}, scheme: "bearer", token: "abc", where: "authorization", present: true},
	{name: "undefined", h: auth("Bearer undefined"), kinds: []string{KindPlaceholder}, scheme: "Bearer", token: "undefined", where: "authorization", present: true, detail: `literal "undefined"`},
	{name: "null", h: auth("Bearer null"), kinds: []string{KindPlaceholder}, scheme: "Bearer", token: "null", where: "authorization", present: true},
	{name: "angle", h: auth("Bearer <token>"), kinds: []string{KindPlaceholder}, scheme: "Bearer", token: "<token>", where: "authorization", present: true},
	{name: "shell var", h: auth("Bearer $TOKEN"), kinds: []string{KindPlaceholder}, scheme: "Bearer", token: "$TOKEN", where: "authorization", present: true, detail: "shell variable"},
	{name: "template", h: auth("Bearer {{access_token}}"), kinds: []string{KindPlaceholder}, scheme: "Bearer", token: "{{access_token}}", where: "authorization", present: true},
	{name: "masked", h: auth("Bearer ********"), kinds: []string{KindPlaceholder}, scheme: "Bearer", token: "********", where: "authorization", present: true},
	{name: "double scheme", h: auth("Bearer Bearer abc"), kinds: []string{KindPlaceholder}, scheme: "Bearer", token: "abc", where: "authorization", present: true, detail: "scheme written twice"},
	{name: "invalid char", h: auth("Bearer abc,def"), kinds: []string{KindInvalidChar}, scheme: "Bearer", token: "abc,def", where: "authorization", present: true, detail: "',' at byte 3"},
	{name: "no scheme", h: auth("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"), kinds: []string{KindNoScheme}, token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", where: "authorization", present: true},
	{name: "space in token", h: auth("Bearer abc def"), kinds: []string{KindWhitespace}, scheme: "Bearer", token: "abc def", where: "authorization", present: true, detail: "whitespace at byte 3"},
	{name: "glued bearer", h: auth("BearereyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"), kinds: []string{KindNoSpace}, scheme: "Bearer", token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", where: "authorization", present: true},
	{name: "bare key starting like a scheme", h: auth("KeyABC123"), kinds: []string{KindNoScheme}, token: "KeyABC123", where: "authorization", present: true},
	{name: "other scheme", h: auth("Token 0123abcd"), scheme: "Token", token: "0123abcd", where: "authorization", present: true},
	{name: "dpop", h: auth("DPoP eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"), scheme: "DPoP", token: "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", where: "authorization", present: true},
	{name: "digest", h: auth(`Digest username="a", realm="r", nonce="n", uri="/", response="x"`), scheme: "Digest", where: "authorization", present: true},
	{name: "utf-8 basic", h: auth("Basic " + b64("jürgen:pässwort")), scheme: "Basic", user: "jürgen", pass: "pässwort", where: "authorization", present: true},
	{name: "latin-1 basic", h: auth("Basic " + base64.StdEncoding.EncodeToString([]byte("j\xfcrgen:pw"))), scheme: "Basic", user: "jürgen", pass: "pw", where: "authorization", present: true},
	{name: "percent-encoded", h: auth("Basic " + b64("alice%40example.com:pw")), kinds: []string{KindPercentEncoded}, scheme: "Basic", user: "alice%40example.com", pass: "pw", where: "authorization", present: true},
	{name: "password with space", h: auth("Basic " + b64("alice:pw ")), kinds: []string{KindSecretWhitespace}, scheme: "Basic", user: "alice", pass: "pw ", where: "authorization", present: true},
	{name: "api key header", h: http.Header{"X-Api-Key": {"k-123"}}, token: "k-123", where: "header:X-Api-Key", present: true},
	{name: "api key underscore", h: http.Header{"Api_key": {"k-123"}}, kinds: []string{KindUnderscore}, token: "k-123", where: "header:Api_key", present: true, detail: "underscores_in_headers"},
	{name: "custom token header", h: http.Header{"X-Gitlab-Token": {"glpat-1"}}, token: "glpat-1", where: "header:X-Gitlab-Token", present: true},
	{name: "csrf is not a credential", h: http.Header{"X-Csrf-Token": {"abc"}}},
	{name: "api key empty", h: http.Header{"X-Api-Key": {""}}, kinds: []string{KindEmpty}},
	{name: "api key placeholder", h: http.Header{"X-Api-Key": {"YOUR_API_KEY"}}, kinds: []string{KindPlaceholder}, token: "YOUR_API_KEY", where: "header:X-Api-Key", present: true},
	{name: "query token", h: http.Header{}, url: "https://api.example/x?access_token=tok1&q=1", token: "tok1", where: "query:access_token", present: true},
	{name: "userinfo", h: http.Header{}, url: "https://alice:pw@api.example/", user: "alice", pass: "pw", where: "url-userinfo", present: true},
	{name: "cookie", h: http.Header{"Cookie": {"sid=1; theme=dark"}}, where: "cookie", present: true},
	{name: "lower-case header key", h: http.Header{"authorization": {"Bearer abc"}}, scheme: "Bearer", token: "abc", where: "authorization", present: true},
}

func TestAnalyze(t *testing.T) {
	for _, tt := range analyzeTests {
		t.Run(tt.name, func(t *testing.T) {
			a := Analyze(tt.h, tt.url)
			var kinds []string
			var details []string
			for _, p := range a.Problems {
				kinds = append(kinds, p.Kind)
				details = append(details, p.Detail)
				if p.Detail == "" || strings.ContainsAny(p.Detail, "\r\n") {
					t.Errorf("detail %q is not one line", p.Detail)
				}
			}
			if !slices.Equal(kinds, tt.kinds) {
				t.Errorf("kinds %q, want %q (%q)", kinds, tt.kinds, details)
			}
			if a.Scheme != tt.scheme || a.User != tt.user || a.Password != tt.pass || a.Token != tt.token {
				t.Errorf("scheme %q user %q pass %q token %q, want %q %q %q %q", a.Scheme, a.User, a.Password, a.Token, tt.scheme, tt.user, tt.pass, tt.token)
			}
			if a.Where != tt.where || a.Present != tt.present {
				t.Errorf("where %q present %v, want %q %v", a.Where, a.Present, tt.where, tt.present)
			}
			if tt.detail != "" && !strings.Contains(strings.Join(details, "\n"), tt.detail) {
				t.Errorf("details %q lack %q", details, tt.detail)
			}
		})
	}
}

func TestAnalyzeFields(t *testing.T) {
	a := Analyze(auth("Basic "+b64("jürgen:pw")), "")
	if !a.NonASCII || !a.Latin1Ambiguous || a.Latin1 || a.Malformed() {
		t.Errorf("UTF-8 Basic: %+v", a)
	}
	a = Analyze(auth("Basic "+base64.StdEncoding.EncodeToString([]byte("j\xfcrgen:pw"))), "")
	if !a.NonASCII || a.Latin1Ambiguous || !a.Latin1 {
		t.Errorf("Latin-1 Basic: %+v", a)
	}
	a = Analyze(auth("Basic "+b64("alice%40example.com:pw")), "")
	if !a.PercentEncoded || a.Malformed() {
		t.Errorf("percent-encoded: %+v", a)
	}
	a = Analyze(auth("Basic "+b64("a:b"), "Basic "+b64("c:d"), "Bearer x"), "")
	if a.Count != 3 || a.Header != "Basic "+b64("a:b") || !a.Malformed() {
		t.Errorf("duplicates: %+v", a)
	}
	a = Analyze(http.Header{"Api_key": {"k"}, "Cookie": {"sid=1; wordpress_logged_in_abc=x", "b=2"}}, "https://u:p@h/?access_token=t")
	if !a.Underscore || a.Malformed() {
		t.Errorf("underscore: %+v", a)
	}
	if want := []string{"header:Api_key", "query:access_token", "url-userinfo", "cookie"}; !slices.Equal(a.Places, want) {
		t.Errorf("places %q, want %q", a.Places, want)
	}
	if want := []string{"sid", "wordpress_logged_in_abc", "b"}; !slices.Equal(a.Cookies, want) {
		t.Errorf("cookies %q, want %q", a.Cookies, want)
	}
	if a.Token != "k" || a.User != "u" || a.Password != "p" {
		t.Errorf("token %q user %q pass %q", a.Token, a.User, a.Password)
	}
	if a := Analyze(auth("bearer abc"), ""); a.Malformed() || !a.Has(KindSchemeCase) {
		t.Errorf("scheme-case should be informational: %+v", a)
	}
	if a := Analyze(nil, "::bad url"); a.Present || len(a.Problems) != 0 {
		t.Errorf("nil header: %+v", a)
	}
}

func TestSecretsStayOutOfDetails(t *testing.T) {
	secret := "Sup3rS3cretValue"
	for _, h := range []http.Header{
		auth("Basic " + b64("alice:"+secret+"\n")),
		auth("Bearer " + secret + ",x"),
		auth("Basic" + b64("alice:"+secret)),
		auth("Basic alice:" + secret),
		{"X_Api_Key": {" " + secret + " "}},
	} {
		for _, p := range Analyze(h, "").Problems {
			if strings.Contains(p.Detail, secret) || strings.Contains(p.Detail, b64("alice:"+secret)) {
				t.Errorf("detail %q quotes the secret", p.Detail)
			}
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, tt := range analyzeTests {
		for _, v := range tt.h["Authorization"] {
			f.Add(v, "", tt.url)
		}
		for k, vs := range tt.h {
			if k != "Authorization" && len(vs) > 0 {
				f.Add("", k+"="+vs[0], tt.url)
			}
		}
	}
	f.Fuzz(func(t *testing.T, authz, other, rawURL string) {
		h := http.Header{}
		if authz != "" {
			h["Authorization"] = []string{authz}
		}
		if name, v, ok := strings.Cut(other, "="); ok {
			h[name] = []string{v}
		}
		a := Analyze(h, rawURL)
		for _, p := range a.Problems {
			if p.Kind == "" || p.Detail == "" || strings.ContainsAny(p.Detail, "\r\n") {
				t.Fatalf("bad problem %+v", p)
			}
		}
		if a.Where != "" && (!a.Present || len(a.Places) == 0 || a.Places[0] != a.Where) {
			t.Fatalf("where %q present %v places %q", a.Where, a.Present, a.Places)
		}
		if (a.Latin1 || a.Latin1Ambiguous) && !a.NonASCII {
			t.Fatalf("Latin1 flags without NonASCII: %+v", a)
		}
	})
}

func TestParseBasic(t *testing.T) {
	for _, tt := range []struct {
		in, user, pass string
		ok             bool
	}{
		{"Basic YWxpY2U6d29uZGVybGFuZA==", "alice", "wonderland", true},
		{"  basic  YWxpY2U6d29uZGVybGFuZA==  ", "alice", "wonderland", true},
		{"Basic YWxpY2U=", "alice", "", false}, // no ':'
		{"Basic alice:wonderland", "", "", false},
		{"Bearer YWxpY2U6d29uZGVybGFuZA==", "", "", false},
		{"Basic", "", "", false},
	} {
		user, pass, ok := ParseBasic(tt.in)
		if user != tt.user || pass != tt.pass || ok != tt.ok {
			t.Errorf("ParseBasic(%q) = %q, %q, %v; want %q, %q, %v", tt.in, user, pass, ok, tt.user, tt.pass, tt.ok)
		}
	}
}
