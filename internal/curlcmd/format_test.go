package curlcmd

import (
	"slices"
	"strings"
	"testing"
)

func roundTrip(t *testing.T, r Request, style Style) {
	t.Helper()
	text := Format(r, style)
	c, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(Format(%+v, %d)): %v\n%s", r, style, err, text)
	}
	o := c.Options
	if o.URL != r.URL || string(o.Data) != r.Body {
		t.Fatalf("round trip: url %q body %q, want %q %q\n%s", o.URL, o.Data, r.URL, r.Body, text)
	}
	if m := strings.ToUpper(r.Method); m != "" && m != "GET" && !(m == "POST" && r.Body != "") && o.Method != m {
		t.Fatalf("method %q, want %q\n%s", o.Method, m, text)
	}
	for _, h := range r.Headers {
		var got string
		switch strings.ToLower(h[0]) {
		case "cookie":
			got = strings.Join(append(slices.Clone(o.Cookie), o.CookieHeader...), "; ")
		case "user-agent":
			got = o.UserAgent
		default:
			got = o.Header.Get(h[0])
		}
		if got != strings.TrimSpace(h[1]) {
			t.Fatalf("header %s = %q, want %q\n%s", h[0], got, h[1], text)
		}
	}
}

func TestFormatRoundTrip(t *testing.T) {
	r := Request{
		URL:    "http://app.test:8080/api/items?q=a%20b&x=1&y=[2]",
		Method: "POST",
		Headers: [][2]string{
			{"Authorization", "Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig"},
			{"Content-Type", "application/json"},
			{"Cookie", "sid=abc; theme=dark"},
			{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0"},
			{"X-Note", `it's "quoted" 100% ^caret <tag> & pipe | ünïcode 😀`},
		},
		Body: `{"user":"alice","pass":"p'a\"s%PATH%s","n":"line1` + "\n" + `line2"}`,
	}
	for _, st := range []Style{ChromeBash, ChromeCmd, FirefoxBash} {
		roundTrip(t, r, st)
	}
	r.Method, r.Body = "DELETE", ""
	for _, st := range []Style{ChromeBash, ChromeCmd, FirefoxBash} {
		roundTrip(t, r, st)
	}
}

func TestFormatShapes(t *testing.T) {
	r := Request{URL: "http://x.test/", Method: "POST", Headers: [][2]string{{"Cookie", "a=1"}}, Body: "k=v"}
	if got := Format(r, ChromeBash); got != "curl 'http://x.test/' \\\n  -b 'a=1' \\\n  --data-raw 'k=v'" {
		t.Errorf("chrome bash: %q", got)
	}
	if got := Format(r, ChromeCmd); got != "curl ^\"http://x.test/^\" ^\n  -b ^\"a=1^\" ^\n  --data-raw ^\"k=v^\"" {
		t.Errorf("chrome cmd: %q", got)
	}
	if got := Format(r, FirefoxBash); got != "curl 'http://x.test/' -X POST -H 'Cookie: a=1' --data-raw 'k=v' --compressed" {
		t.Errorf("firefox: %q", got)
	}
}

// FuzzRoundTrip checks that what Format renders, Parse reads back.
func FuzzRoundTrip(f *testing.F) {
	f.Add("x-note", "va'l\"ue %PATH% ^&|<>", "body\nwith 'quotes'", 0)
	f.Add("authorization", "Bearer abc", "", 1)
	f.Add("x-a", "ünï", "{\"a\":1}", 2)
	f.Fuzz(func(t *testing.T, name, value, body string, style int) {
		st := Style(((style % 3) + 3) % 3)
		if !validToken(name) || strings.ContainsAny(value+body, "\x00\r") || strings.ContainsRune(value, '\n') || !validUTF8(value) || !validUTF8(body) {
			return
		}
		if st == ChromeCmd && strings.Contains(value+body, `\`) {
			return // lossy in Chrome's own cmd escaping
		}
		if strings.TrimSpace(value) != value || value == "" {
			return
		}
		switch strings.ToLower(name) {
		case "cookie", "user-agent", "connection", "accept-encoding", "content-length", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-type":
			return
		}
		for _, r := range value {
			if r < 0x20 && r != '\t' || r == 0x7f {
				return
			}
		}
		if strings.ContainsRune(value, '\t') || strings.ContainsAny(body, "\t") && st == ChromeCmd {
			return
		}
		roundTrip(t, Request{URL: "http://x.test/p", Method: "PUT", Headers: [][2]string{{name, value}}, Body: body}, st)
	})
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
