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

// A log prefix with the creator every tool writes.
const logStart = `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":`

var decodeErrors = []struct{ in, want string }{
	{"", "empty file"},
	{"{", "line 1: not JSON: the file ends in the middle of a value"},
	{"{\n\"log\": [}", "line 2: not JSON"},
	{`{"x":1}`, `no "log" object`},
	{`[{"log":{}}]`, "a JSON list of HARs, not one HAR"},
	{`[1,2]`, "a JSON list, not a HAR"},
	{`onInputData({"log":{}});`, "JSONP, not a HAR: the HAR is wrapped in onInputData(…)"},
	{`{"har":{"log":{"entries":[]}}}`, `a HAR wrapped in another object: its "log" is under "har"`},
	{`{"entries":[]}`, `"entries" without the "log" object`},
	{`{"log":[]}`, `"log" is a list, not an object`},
	{`{"log":{"entries":[]}}`, `the log has no "creator"`},
	{logStart + `[]}}`, "the recording holds no entries"},
	{logStart + `{}}}`, `"entries" is an object, not a list`},
	{`{"log":{"creator":{}}}`, `the log has no "entries"`},
	{logStart + `[{"request":{"method":"GET","url":"http://x/"},"response":{"status":200}}]}}`, "no entry has a startedDateTime"},
	{logStart + `[{"startedDateTime":"2026-05-01T12:00:00Z","request":{"url":"http://x/"}}]}}`, "no entry is a usable request: entries without a request method skipped (entry #1)"},
	{logStart + `[{"startedDateTime":"2026-05-01T12:00:00Z","request":{"method":"GET"}},7]}}`, "entries without a request URL skipped (entry #1); entries that are not objects skipped (entry #2)"},
	{"<html><body>login</body></html>", "HTML or XML, not a HAR"},
	{"GET / HTTP/1.1", "line 1: not JSON"},
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range decodeErrors {
		_, err := Decode([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode(%q) = %v, want %q", tt.in, err, tt.want)
			continue
		}
		// Plain words: no Go type names.
		for _, g := range []string{"[]", "map[", "struct", "json:", "Go value", "har.", "string", "float64", "bool"} {
			if strings.Contains(err.Error(), g) && !strings.Contains(tt.want, g) {
				t.Errorf("Decode(%q) = %v: names %q", tt.in, err, g)
			}
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
	for _, q := range quirks {
		f.Add(q.in)
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

// Quirks of real exporters, each in a small HAR of its own shape.
var quirks = []struct {
	name    string
	in      string
	repairs []string // substrings, one per expected repair line
	check   func(t *testing.T, l *Log)
}{
	{"Fiddler string booleans", logStart + `[{"startedDateTime":"2026-05-01T12:00:00.1234567+02:00","time":"12","request":{"method":"POST","url":"http://app.test/login","headers":[],"cookies":[]},
		"response":{"status":302,"headers":[{"name":"Location","value":"/"}],"cookies":[{"name":"sid","value":"x","httpOnly":"true","secure":"false"}],"content":{"size":"0"}}}]}}`,
		[]string{`httpOnly or secure written as strings ("true", as Fiddler writes them)`, `"time" written as a string`, "content size written as a string"},
		func(t *testing.T, l *Log) {
			c := l.Entries[0].Response.Cookies[0]
			if !c.HTTPOnly || c.Secure || l.Entries[0].Time != 12 {
				t.Errorf("cookie %+v time %v", c, l.Entries[0].Time)
			}
		}},
	{"IE11 cookies object, status as string", logStart + `[{"startedDateTime":"2026-05-01T12:00:00Z","request":{"method":"GET","url":"http://app.test/","headers":[],"cookies":{"sid":"abc","lang":"en"}},
		"response":{"status":"401","statusText":"Unauthorized","headers":[],"cookies":{},"content":{}}}]}}`,
		[]string{"cookies written as an object instead of a list (as IE11 writes them)", `response status written as a string ("200")`},
		func(t *testing.T, l *Log) {
			s := l.Session("ie.har")
			if got := s.Entries[0].Exchange.Request.Header.Get("Cookie"); got != "lang=en; sid=abc" || s.Entries[0].Exchange.Response.Status != 401 {
				t.Errorf("cookie %q status %d", got, s.Entries[0].Exchange.Response.Status)
			}
		}},
	{"Polly header arrays", logStart + `[{"startedDateTime":"2026-05-01T12:00:00Z","request":{"method":"GET","url":"http://api.test/user","headers":[{"name":"accept","value":["application/json","text/plain"]},{"name":"x-n","value":3}]},
		"response":{"status":200,"headers":[{"name":"set-cookie","value":["a=1","b=2"]}],"content":{"text":{"id":1}}}}]}}`,
		[]string{"values that are arrays or numbers, as Polly writes repeated headers", "content.text written as a JSON value"},
		func(t *testing.T, l *Log) {
			s := l.Session("p.har")
			e := s.Entries[0].Exchange
			if len(e.Request.Header.Values("Accept")) != 2 || e.Request.Header.Get("X-N") != "3" || len(e.Response.Header.Values("Set-Cookie")) != 2 || string(e.Response.Body) != `{"id":1}` {
				t.Errorf("%v %v %q", e.Request.Header, e.Response.Header, e.Response.Body)
			}
		}},
	{"Charles nulls", logStart + `[{"startedDateTime":"2026-05-01T12:00:00.000+00:00","request":{"method":"GET","url":"http://app.test/","headers":null,"cookies":[{"name":"a","value":"1","domain":null,"expires":null}]},
		"response":{"status":200,"statusText":null,"redirectURL":null,"headers":[],"cookies":[],"content":{"text":null}}}]}}`,
		nil, nil},
	{"headers as an object", logStart + `[{"startedDateTime":"2026-05-01T12:00:00Z","request":{"method":"GET","url":"http://app.test/","headers":{"Authorization":"Bearer t"}},"response":{"status":200,"headers":{}}}]}}`,
		[]string{"headers not written as HAR's list"},
		func(t *testing.T, l *Log) {
			if got := l.Session("h.har").Entries[0].Exchange.Request.Header.Get("Authorization"); got != "Bearer t" {
				t.Errorf("Authorization %q", got)
			}
		}},
	{"missing and odd start times", logStart + `[
		{"startedDateTime":"2026-05-01T12:00:01Z","request":{"method":"GET","url":"http://app.test/1"},"response":{"status":200}},
		{"request":{"method":"GET","url":"http://app.test/2"},"response":{"status":200}},
		{"startedDateTime":"soon","request":{"method":"GET","url":"http://app.test/3"},"response":{"status":200}},
		{"startedDateTime":1777636802000,"request":{"method":"GET","url":"http://app.test/4"},"response":{"status":200}},
		{"startedDateTime":"2026-05-01 12:00:03","request":{"method":"GET","url":"http://app.test/5"}}]}}`,
		[]string{"entries without startedDateTime placed right after the entry before them (entry #2)", "startedDateTime is not a date-time placed right after the entry before them (entry #3)",
			"startedDateTime written as a number", "entries without a response read as requests that got no answer (entry #5)"},
		func(t *testing.T, l *Log) {
			s := l.Session("t.har")
			var order []string
			for _, e := range s.Entries {
				order = append(order, e.Exchange.Request.URL[len("http://app.test/"):])
			}
			if strings.Join(order, "") != "12345" {
				t.Errorf("order %v", order)
			}
			if s.Entries[4].Exchange.Response != nil || s.Entries[4].Exchange.Err == "" {
				t.Errorf("entry without response: %+v", s.Entries[4].Exchange)
			}
		}},
	{"unusable entry skipped", logStart + `[
		{"startedDateTime":"2026-05-01T12:00:00Z","request":{"method":"GET","url":""},"response":{"status":200}},
		{"startedDateTime":"2026-05-01T12:00:01Z","request":{"method":"GET","url":"http://app.test/"},"response":{"status":401}}]}}`,
		[]string{"entries without a request URL skipped (entry #1)"},
		func(t *testing.T, l *Log) {
			s := l.Session("u.har")
			if len(s.Entries) != 1 || s.Entries[0].Index != 1 {
				t.Errorf("entries %+v", s.Entries)
			}
		}},
	{"no version", `{"log":{"creator":{"name":"Insomnia REST Client","version":"x"},"entries":[{"startedDateTime":"2026-05-01T12:00:00Z","request":{"method":"GET","url":"http://app.test/"},"response":{"status":200}}]}}`,
		[]string{"no log.version; read as HAR 1.2"}, nil},
}

func TestQuirks(t *testing.T) {
	for _, q := range quirks {
		t.Run(q.name, func(t *testing.T) {
			l, err := Decode([]byte(q.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Repairs) != len(q.repairs) {
				t.Errorf("repairs %q, want %d", l.Repairs, len(q.repairs))
			}
			for _, want := range q.repairs {
				found := false
				for _, r := range l.Repairs {
					found = found || strings.Contains(r, want)
				}
				if !found {
					t.Errorf("no repair %q in %q", want, l.Repairs)
				}
			}
			if q.check != nil {
				q.check(t, l)
			}
		})
	}
}
