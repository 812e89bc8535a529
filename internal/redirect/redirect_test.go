package redirect

import (
	"net/url"
	"testing"
)

func mustParse(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return u
}

func TestKeepsAuth(t *testing.T) {
	type want struct{ browser, curl, goc, python bool }
	tests := []struct {
		name           string
		orig, from, to string
		want           want
	}{
		{"same origin path change", "https://a.example/x", "https://a.example/x", "https://a.example/y", want{true, true, true, true}},
		{"host case only", "https://A.example/x", "https://A.example/x", "https://a.EXAMPLE/y", want{true, true, false, true}},
		{"other host", "https://a.example/", "https://a.example/", "https://b.example/", want{false, false, false, false}},
		{"subdomain", "https://example.com/", "https://example.com/", "https://api.example.com/", want{false, false, true, false}},
		{"parent domain", "https://api.example.com/", "https://api.example.com/", "https://example.com/", want{false, false, false, false}},
		{"suffix but not subdomain", "https://example.com/", "https://example.com/", "https://badexample.com/", want{false, false, false, false}},
		{"http to https default ports", "http://a.example/", "http://a.example/", "https://a.example/", want{false, false, true, true}},
		{"http:80 to https:443 explicit", "http://a.example:80/", "http://a.example:80/", "https://a.example:443/", want{false, false, true, true}},
		{"http to https odd port", "http://a.example:8080/", "http://a.example:8080/", "https://a.example:8443/", want{false, false, true, false}},
		{"https to http", "https://a.example/", "https://a.example/", "http://a.example/", want{false, false, true, false}},
		{"port change same scheme", "https://a.example/", "https://a.example/", "https://a.example:8443/", want{false, false, true, false}},
		{"explicit default port", "https://a.example:443/", "https://a.example:443/", "https://a.example/", want{true, true, true, true}},
		{"same odd port", "http://a.example:8080/x", "http://a.example:8080/x", "http://a.example:8080/y", want{true, true, true, true}},
		{"leading zero port", "http://a.example:8080/", "http://a.example:8080/", "http://a.example:08080/", want{false, false, true, true}},
		{"curl compares with original", "https://a.example/", "https://b.example/", "https://a.example/z", want{false, true, true, false}},
		{"browser compares with previous", "https://a.example/", "https://b.example/", "https://b.example/z", want{true, false, false, true}},
		{"ipv6 literal", "http://[::1]:8080/", "http://[::1]:8080/", "http://[::1]:8080/b", want{true, true, true, true}},
		{"ip to ip", "http://127.0.0.1:1/", "http://127.0.0.1:1/", "http://127.0.0.2:1/", want{false, false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := KeepsAuth(mustParse(t, tt.orig), mustParse(t, tt.from), mustParse(t, tt.to))
			w := map[string]bool{Browser: tt.want.browser, Curl: tt.want.curl, Go: tt.want.goc, Python: tt.want.python}
			for _, c := range Clients() {
				if got[c] != w[c] {
					t.Errorf("%s: KeepsAuth = %v, want %v", c, got[c], w[c])
				}
			}
			if len(got) != len(Clients()) {
				t.Errorf("got %d clients, want %d", len(got), len(Clients()))
			}
		})
	}
}

func TestKeepsAuthNil(t *testing.T) {
	u := mustParse(t, "https://a.example/")
	for _, m := range []map[string]bool{KeepsAuth(nil, u, u), KeepsAuth(u, nil, u), KeepsAuth(u, u, nil)} {
		for _, c := range Clients() {
			if v, ok := m[c]; !ok || v {
				t.Errorf("%s = %v, %v; want false, true", c, v, ok)
			}
		}
	}
}

func TestAfterIsSticky(t *testing.T) {
	orig := mustParse(t, "https://a.example/")
	b := mustParse(t, "https://b.example/")
	back := mustParse(t, "https://a.example/again")
	first := After(nil, orig, orig, b)
	second := After(first, orig, b, back)
	want := map[string]bool{Browser: false, Curl: true, Go: false, Python: false}
	for c, w := range want {
		if second[c] != w {
			t.Errorf("%s after a round trip = %v, want %v", c, second[c], w)
		}
	}
	// A client that kept the header keeps its fresh answer.
	keep := After(map[string]bool{Browser: true, Curl: true, Go: true, Python: true}, orig, orig, back)
	for _, c := range Clients() {
		if !keep[c] {
			t.Errorf("%s dropped on a same-origin hop", c)
		}
	}
}

func TestCrossHostPort(t *testing.T) {
	tests := []struct {
		a, b       string
		host, port bool
		same       bool
	}{
		{"https://a.example/", "https://a.example:443/", false, false, true},
		{"http://a.example/", "https://a.example/", false, true, false},
		{"http://a.example/", "http://B.example/", true, false, false},
		{"http://a.example:1/", "http://a.example:2/", false, true, false},
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if got := CrossHost(a, b); got != tt.host {
			t.Errorf("CrossHost(%s, %s) = %v", tt.a, tt.b, got)
		}
		if got := CrossPort(a, b); got != tt.port {
			t.Errorf("CrossPort(%s, %s) = %v", tt.a, tt.b, got)
		}
		if got := SameOrigin(a, b); got != tt.same {
			t.Errorf("SameOrigin(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
	if SameOrigin(nil, nil) {
		t.Error("SameOrigin(nil, nil) = true")
	}
}
