package cookie

import (
	"net/url"
	"testing"
)

// FuzzParse checks that Parse never panics, that what it accepts stays
// within the size limit, and that storing and sending the parsed cookie
// never panics either.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in, "https://www.example.test/a/b")
	}
	f.Add("a=b; Domain=..; Path=/", "http://127.0.0.1/")
	f.Add("__Host-x=1; Secure; Path=/", "http://[::1]:80/")
	f.Fuzz(func(t *testing.T, line, raw string) {
		sc, err := Parse(line)
		if err != nil {
			if sc != nil {
				t.Fatal("value and error")
			}
			return
		}
		if len(sc.Name)+len(sc.Value) > MaxNameValue {
			t.Fatalf("accepted %d bytes", len(sc.Name)+len(sc.Value))
		}
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		for _, b := range []Browser{Chromium, Firefox} {
			j := NewJar(b)
			st := j.SetCookies(Context{URL: u, Time: t0, TopLevel: u}, []string{line})
			if st[0].Reason == OK && st[0].Cookie == nil {
				t.Fatal("stored without a cookie")
			}
			j.Cookies(Context{URL: u, Time: t0})
		}
	})
}
