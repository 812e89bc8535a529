package har

import (
	"strings"
	"testing"
	"time"
)

// Shapes of real exports: Chrome (WebInspector creator, _resourceType,
// _initiator object, Z times), Firefox (Firefox creator, offset times,
// cookies arrays), Safari (WebKit Web Inspector, _fetchType).
const chromeHAR = `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[{"id":"page_1","title":"http://app.test/login","startedDateTime":"2026-05-01T12:00:00.000Z"}],
"entries":[
{"pageref":"page_1","startedDateTime":"2026-05-01T12:00:00.000Z","time":12.5,"_resourceType":"document","_initiator":{"type":"other"},
 "request":{"method":"POST","url":"http://app.test/login","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"application/x-www-form-urlencoded"},{"name":":authority","value":"app.test"}],"cookies":[],"postData":{"mimeType":"application/x-www-form-urlencoded","text":"user=alice&password=pw"}},
 "response":{"status":303,"statusText":"See Other","httpVersion":"HTTP/1.1","headers":[{"name":"Set-Cookie","value":"sid=abc; Path=/; SameSite=None"},{"name":"Location","value":"/app"}],"cookies":[],"content":{"size":0,"mimeType":"text/html"},"redirectURL":"/app"}},
{"pageref":"page_1","startedDateTime":"2026-05-01T12:00:01.000Z","time":3,"_resourceType":"fetch","_initiator":{"type":"script","stack":{"callFrames":[{"url":"http://app.test/app.js"}]}},
 "request":{"method":"get","url":"http://app.test/api/me","headers":[],"cookies":[]},
 "response":{"status":401,"statusText":"Unauthorized","headers":[{"name":"www-authenticate","value":"Bearer"}],"cookies":[],"content":{"size":5,"mimeType":"application/json","text":"eA==","encoding":"base64"}}},
{"startedDateTime":"2026-05-01T12:00:00.500Z","time":0,"_resourceType":"image","request":{"method":"GET","url":"http://app.test/logo.png","headers":[]},"response":{"status":0,"headers":[],"content":{}},"_error":"net::ERR_ABORTED"}
]}}`

const firefoxHAR = `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"128.0"},"browser":{"name":"Firefox","version":"128.0"},"pages":[],
"entries":[{"startedDateTime":"2026-05-01T14:00:00.123+02:00","time":1,"_initiator":"http://app.test/page",
 "request":{"method":"OPTIONS","url":"http://api.test/x","headers":[{"name":"Access-Control-Request-Method","value":"GET"}],"cookies":[{"name":"sid","value":"abc"}]},
 "response":{"status":401,"headers":[],"cookies":[],"content":{"size":0}}}]}}`

const safariHAR = "\xef\xbb\xbf" + `{"log":{"version":"1.2","creator":{"name":"WebKit Web Inspector","version":"1.0"},"pages":[],
"entries":[{"startedDateTime":"2026-05-01T12:00:00Z","time":1,"_fetchType":"Network Load",
 "request":{"method":"GET","url":"http://app.test/","headers":[{"name":"Authorization","value":"Basic YTpi"}]},
 "response":{"status":200,"headers":[],"content":{"size":0}}}]}}`

func TestSessionChrome(t *testing.T) {
	l, err := Decode([]byte(chromeHAR))
	if err != nil {
		t.Fatal(err)
	}
	s := l.Session("c.har")
	if s.Browser != "chromium" || s.Creator != "WebInspector 537.36" || s.Sanitized {
		t.Errorf("session %+v", s)
	}
	if len(s.Entries) != 3 {
		t.Fatalf("%d entries", len(s.Entries))
	}
	// Ordered by start time: the image (12:00:00.5) comes second.
	e0, e1, e2 := s.Entries[0], s.Entries[1], s.Entries[2]
	if e0.Index != 0 || e1.Index != 2 || e2.Index != 1 {
		t.Errorf("order %d %d %d", e0.Index, e1.Index, e2.Index)
	}
	if e0.Page != "http://app.test/login" || e0.ResourceType != "document" || string(e0.Exchange.Request.Body) != "user=alice&password=pw" {
		t.Errorf("entry 0: %+v", e0)
	}
	if e0.Exchange.Request.Header.Get(":authority") != "" || len(e0.Exchange.Request.Header) != 1 {
		t.Errorf("pseudo-header kept: %v", e0.Exchange.Request.Header)
	}
	if got := e0.Exchange.Response.Header.Values("Set-Cookie"); len(got) != 1 {
		t.Errorf("Set-Cookie %q", got)
	}
	if e1.Exchange.Response != nil || e1.Exchange.Err != "net::ERR_ABORTED" {
		t.Errorf("aborted entry: %+v", e1.Exchange)
	}
	if e2.Exchange.Request.Method != "GET" || e2.Initiator != "http://app.test/app.js" || string(e2.Exchange.Response.Body) != "x" {
		t.Errorf("entry 2: method %q initiator %q body %q", e2.Exchange.Request.Method, e2.Initiator, e2.Exchange.Response.Body)
	}
	if !e2.Started.Equal(time.Date(2026, 5, 1, 12, 0, 1, 0, time.UTC)) {
		t.Errorf("started %v", e2.Started)
	}
}

func TestSessionFirefoxSafari(t *testing.T) {
	l, err := Decode([]byte(firefoxHAR))
	if err != nil {
		t.Fatal(err)
	}
	s := l.Session("f.har")
	e := s.Entries[0]
	if s.Browser != "firefox" || e.ResourceType != "preflight" || e.Initiator != "http://app.test/page" || e.Exchange.Request.Header.Get("Cookie") != "sid=abc" || s.Sanitized {
		t.Errorf("firefox: %+v %+v", s, e)
	}
	if !e.Started.Equal(time.Date(2026, 5, 1, 12, 0, 0, 123e6, time.UTC)) {
		t.Errorf("offset time: %v", e.Started)
	}
	l, err = Decode([]byte(safariHAR))
	if err != nil {
		t.Fatal(err)
	}
	if s := l.Session("s.har"); s.Browser != "safari" || s.Sanitized {
		t.Errorf("safari: %+v", s)
	}
}

func TestNotSanitizedFirefox(t *testing.T) {
	in := strings.ReplaceAll(firefoxHAR, `"cookies":[{"name":"sid","value":"abc"}]`, `"cookies":[]`)
	l, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if s := l.Session("f.har"); s.Sanitized {
		t.Errorf("a Firefox export without cookies is not sanitized: %q", s.SanitizedWhy)
	}
}

func TestSanitized(t *testing.T) {
	in := strings.ReplaceAll(chromeHAR, `{"name":"Set-Cookie","value":"sid=abc; Path=/; SameSite=None"},`, "")
	l, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	s := l.Session("c.har")
	if !s.Sanitized || !strings.Contains(s.SanitizedWhy, "Chrome exports") {
		t.Errorf("sanitized %v %q", s.Sanitized, s.SanitizedWhy)
	}
}

var decodeErrors = []struct{ in, want string }{
	{"", "empty file"},
	{"{", "line 1: not JSON"},
	{"{\n\"log\": [}", "line 2: not JSON"},
	{`{"x":1}`, `no "log" object`},
	{`{"log":{"entries":[{"startedDateTime":"yesterday","request":{"method":"GET","url":"http://x/"}}]}}`, `entries[0].startedDateTime: "yesterday" is not an ISO 8601 date-time`},
	{`{"log":{"entries":[{"startedDateTime":"2026-05-01T12:00:00Z","request":{"url":"http://x/"}}]}}`, "entries[0].request.method: missing"},
	{`{"log":{"entries":[{"startedDateTime":"2026-05-01T12:00:00Z","request":{"method":"GET"}}]}}`, "entries[0].request.url: missing"},
	{`{"log":{"entries":{}}}`, "not a HAR"},
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range decodeErrors {
		_, err := Decode([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestReadLimit(t *testing.T) {
	if _, err := Read(strings.NewReader(chromeHAR)); err != nil {
		t.Fatal(err)
	}
}

// FuzzDecode checks that Decode and Session never panic and that an
// accepted log converts with every entry kept.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{chromeHAR, firefoxHAR, safariHAR} {
		f.Add(s)
	}
	for _, tt := range decodeErrors {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		l, err := Decode([]byte(in))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		s := l.Session("fuzz")
		if len(s.Entries) != len(l.Entries) {
			t.Fatalf("%d entries of %d", len(s.Entries), len(l.Entries))
		}
	})
}
