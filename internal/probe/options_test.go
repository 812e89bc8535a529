package probe

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidate(t *testing.T) {
	badCookies := writeFile(t, "bad.txt", "example.com\tTRUE\t/\n")
	notPEM := writeFile(t, "ca.pem", "not a certificate")
	jar := writeFile(t, "jar.txt", "# Netscape HTTP Cookie File\nexample.com\tFALSE\t/\tFALSE\t0\tsid\tabc\n")
	tests := []struct {
		name string
		o    Options
		want string // substring of the error; "" means valid
	}{
		{"ok", Options{URL: "https://example.com/x"}, ""},
		{"no scheme is http", Options{URL: "example.com/x"}, ""},
		{"cookie file", Options{URL: "http://a.test/", Cookie: []string{jar}}, ""},
		{"empty", Options{}, "no URL given"},
		{"scheme", Options{URL: "ftp://example.com/"}, `unsupported scheme "ftp"`},
		{"no host", Options{URL: "http:///x"}, "no host"},
		{"bad URL", Options{URL: "http://exa mple.com/"}, "bad URL"},
		{"port range", Options{URL: "http://a.test:70000/"}, "out of range"},
		{"method", Options{URL: "http://a.test/", Method: "GE T"}, "invalid method"},
		{"header name", Options{URL: "http://a.test/", Header: http.Header{"Bad Name": {"x"}}}, "invalid header name"},
		{"header value", Options{URL: "http://a.test/", Header: http.Header{"X": {"a\nb"}}}, "invalid header value"},
		{"bearer newline", Options{URL: "http://a.test/", Bearer: "a\r\nb"}, "--oauth2-bearer"},
		{"cookie file missing", Options{URL: "http://a.test/", Cookie: []string{filepath.Join(t.TempDir(), "none")}}, "-b: no such file"},
		{"cookie file bad", Options{URL: "http://a.test/", Cookie: []string{badCookies}}, "line 1: want 7"},
		{"resolve format", Options{URL: "http://a.test/", Resolve: []string{"a.test:80"}}, "--resolve: no address"},
		{"resolve port", Options{URL: "http://a.test/", Resolve: []string{"a.test:x:127.0.0.1"}}, "bad port"},
		{"resolve addr", Options{URL: "http://a.test/", Resolve: []string{"a.test:80:nothere"}}, "not an IP address"},
		{"resolve ok v6", Options{URL: "http://a.test/", Resolve: []string{"a.test:80:127.0.0.1,[::1]"}}, ""},
		{"proxy scheme", Options{URL: "http://a.test/", Proxy: "ftp://p:1"}, "unsupported proxy scheme"},
		{"proxy user alone", Options{URL: "http://a.test/", ProxyUser: "u:p"}, "-U: given without -x"},
		{"cacert missing", Options{URL: "http://a.test/", CACert: filepath.Join(t.TempDir(), "none.pem")}, "--cacert: no such file"},
		{"cacert not pem", Options{URL: "http://a.test/", CACert: notPEM}, "--cacert: no PEM certificate"},
		{"cert missing", Options{URL: "http://a.test/", Cert: notPEM}, "--cert:"},
		{"key alone", Options{URL: "http://a.test/", Key: notPEM}, "--key: given without --cert"},
		{"max time", Options{URL: "http://a.test/", MaxTime: -time.Second}, "-m: negative"},
		{"connect timeout", Options{URL: "http://a.test/", ConnectTimeout: -time.Second}, "--connect-timeout: negative"},
		{"jwks file", Options{URL: "http://a.test/", JWKS: filepath.Join(t.TempDir(), "none.json")}, "--jwks:"},
		{"jwks url", Options{URL: "http://a.test/", JWKS: "https://idp.test/jwks"}, ""},
		{"oidc issuer", Options{URL: "http://a.test/", OIDCIssuer: "idp.test"}, "--oidc-issuer: not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Validate() = nil, want error containing %q", tt.want)
			case err != nil && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Validate() = %q, want it to contain %q", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "\n") || strings.HasSuffix(err.Error(), ".")) {
				t.Errorf("error %q is not one line without a final period", err)
			}
		})
	}
}

func TestCompileDefaults(t *testing.T) {
	c, err := (&Options{URL: "http://u:p@a.test", Data: []byte("x=1")}).compile()
	if err != nil {
		t.Fatal(err)
	}
	if c.method != "POST" || !c.hasData || c.user != "u:p" || c.target.User != nil || c.target.Path != "/" {
		t.Errorf("compile = method %s, data %v, user %q, target %s", c.method, c.hasData, c.user, c.target)
	}
	if c.maxTime != defaultMaxTime || c.connectTO != defaultConnectTimeout || c.maxRedirs != defaultMaxRedirs {
		t.Errorf("defaults: %v %v %d", c.maxTime, c.connectTO, c.maxRedirs)
	}
	c, _ = (&Options{URL: "http://a.test", User: "alice", MaxRedirs: -1}).compile()
	if c.user != "alice:" || c.maxRedirs != 0 {
		t.Errorf("user %q, maxRedirs %d", c.user, c.maxRedirs)
	}
}

var resolveTests = []struct {
	in    string
	key   string
	addrs []string
	ok    bool
}{
	{"a.test:443:127.0.0.1", "a.test:443", []string{"127.0.0.1"}, true},
	{"A.Test:80:127.0.0.1,[::1]", "a.test:80", []string{"127.0.0.1", "::1"}, true},
	{"[::1]:8080:127.0.0.1", "[::1]:8080", []string{"127.0.0.1"}, true},
	{"a.test:80:", "", nil, false},
	{"a.test", "", nil, false},
	{":80:127.0.0.1", "", nil, false},
	{"a.test:0:127.0.0.1", "", nil, false},
	{"[::1:80:127.0.0.1", "", nil, false},
	{"a.test:80:example.com", "", nil, false},
}

func TestParseResolve(t *testing.T) {
	for _, tt := range resolveTests {
		key, addrs, err := parseResolve(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err = %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if key != tt.key || strings.Join(addrs, " ") != strings.Join(tt.addrs, " ") {
			t.Errorf("%q = %q %q, want %q %q", tt.in, key, addrs, tt.key, tt.addrs)
		}
	}
}

func FuzzParseResolve(f *testing.F) {
	for _, tt := range resolveTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, addrs, err := parseResolve(s)
		if err != nil {
			return
		}
		if len(addrs) == 0 || key == "" {
			t.Fatalf("%q: accepted with key %q and %d addresses", s, key, len(addrs))
		}
	})
}

var cookieFileTests = []struct {
	name string
	in   string
	want []fileCookie
	err  string
}{
	{"curl jar", "# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n\n.example.com\tTRUE\t/\tTRUE\t0\tsid\tabc\n#HttpOnly_www.example.com\tFALSE\t/app\tFALSE\t2000000000\ttok\tv=1\r\n",
		[]fileCookie{
			{Domain: "example.com", Subdomains: true, Path: "/", Secure: true, Name: "sid", Value: "abc"},
			{Domain: "www.example.com", Path: "/app", HTTPOnly: true, Expires: 2000000000, Name: "tok", Value: "v=1"},
		}, ""},
	{"empty value without last tab", "a.test\tFALSE\t/\tFALSE\t0\tname", []fileCookie{{Domain: "a.test", Path: "/", Name: "name"}}, ""},
	{"too few fields", "a.test\tFALSE\t/", nil, "line 1: want 7"},
	{"bad flag", "a.test\tyes\t/\tFALSE\t0\tn\tv", nil, "include-subdomains flag"},
	{"bad secure", "a.test\tFALSE\t/\tmaybe\t0\tn\tv", nil, "secure flag"},
	{"bad expiry", "x\n", nil, "line 1"},
	{"bad expiry field", "a.test\tFALSE\t/\tFALSE\tsoon\tn\tv", nil, `bad expiry "soon"`},
	{"no name", "a.test\tFALSE\t/\tFALSE\t0\t\tv", nil, "empty cookie name"},
	{"no domain", "\tFALSE\t/\tFALSE\t0\tn\tv", nil, "empty domain"},
	{"comments only", "# nothing\n", nil, ""},
	{"Set-Cookie lines", "Set-Cookie: a=1; Path=/; HttpOnly\nset-cookie:b=2; Domain=.x.test; Secure; Max-Age=60\nSet-Cookie: __Host-c=3; Path=/\nSet-Cookie: =\n", []fileCookie{
		{Path: "/", HTTPOnly: true, Name: "a", Value: "1", Header: true},
		{Domain: "x.test", Subdomains: true, Secure: true, Name: "b", Value: "2", Header: true, MaxAge: 60, HasMaxAge: true},
	}, ""},
}

// TestFileJarCurlOrder: which cookies of a -b file curl 7.88.1 sends
// and in what order, as observed with real curl (see also
// internal/cmd/curl's real-curl cases).
func TestFileJarCurlOrder(t *testing.T) {
	cs, err := parseCookieFile([]byte("127.0.0.1\tFALSE\t/\tFALSE\t0\tccc\t1\n127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t2\n127.0.0.1\tFALSE\t/\tFALSE\t0\tbb\t3\n127.0.0.1\tFALSE\t/\tFALSE\t0\tx\t4\n127.0.0.1\tFALSE\t/\tFALSE\t0\ty\t5\n" +
		"Set-Cookie: d1=1; Path=/\nSet-Cookie: d2=2\nSet-Cookie:   d3=3; Domain=other.test\nset-cookie: d4=4; path=/zzz\nSet-Cookie: d5=5; Secure\nSet-Cookie: d6=6; Path=/a; HttpOnly\n127.0.0.1\tFALSE\t/\tFALSE\t0\tn1\tv\n"))
	if err != nil {
		t.Fatal(err)
	}
	j := loadJar(cs, time.Unix(1000, 0))
	names := func(raw string) string {
		u, _ := parseTarget(raw)
		var out []string
		for _, c := range j.Cookies(u) {
			out = append(out, c.Name)
		}
		return strings.Join(out, ",")
	}
	// Longer path, then longer domain, then longer name, then the
	// cookie read last; domain-less header cookies only to IP hosts.
	if g, want := names("http://127.0.0.1:8080/a/b"), "d6,ccc,n1,bb,y,x,a,d1,d5,d2"; g != want {
		t.Errorf("127.0.0.1 gets %s, want %s", g, want)
	}
	if g := names("http://localhost:8080/a/b"); g != "" {
		t.Errorf("localhost gets %s, want none", g)
	}
	if g := names("http://www.other.test/"); g != "d3" {
		t.Errorf("www.other.test gets %s, want d3", g)
	}
}

func TestParseCookieFile(t *testing.T) {
	for _, tt := range cookieFileTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCookieFile([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d cookies %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("cookie %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func FuzzParseCookieFile(f *testing.F) {
	for _, tt := range cookieFileTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := parseCookieFile(data)
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Name == "" || !c.Header && (c.Domain == "" || c.Path == "") {
				t.Fatalf("accepted incomplete cookie %+v", c)
			}
		}
		_ = loadJar(cs, time.Unix(0, 0))
	})
}

func TestLoadJarMatches(t *testing.T) {
	cs, err := parseCookieFile([]byte(".example.com\tTRUE\t/\tFALSE\t0\tall\t1\nwww.example.com\tFALSE\t/\tTRUE\t0\tsec\t2\nold.example.com\tFALSE\t/\tFALSE\t1\texpired\t3\n"))
	if err != nil {
		t.Fatal(err)
	}
	j := loadJar(cs, time.Unix(1000, 0))
	got := func(raw string) string {
		u, _ := parseTarget(raw)
		var names []string
		for _, c := range j.Cookies(u) {
			names = append(names, c.Name)
		}
		return strings.Join(names, ",")
	}
	if g := got("http://api.example.com/"); g != "all" {
		t.Errorf("api.example.com gets %q, want all", g)
	}
	if g := got("http://www.example.com/"); g != "all" {
		t.Errorf("http www gets %q, want all (sec is Secure)", g)
	}
	if g := got("https://www.example.com/"); !strings.Contains(g, "sec") {
		t.Errorf("https www gets %q, want sec", g)
	}
	if g := got("http://old.example.com/"); strings.Contains(g, "expired") {
		t.Errorf("expired cookie sent: %q", g)
	}
}
