package logs

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rec is a Record with strings, for comparing.
type rec struct {
	Time                                     string
	Status, Sub                              int
	Client, User, Method, Path, Query, Proto string
	Host, Referer, UA                        string
	Bytes                                    int64
}

func toRec(r *Record) rec {
	t := ""
	if r.Time != 0 {
		t = time.UnixMilli(r.Time).UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return rec{t, r.Status, r.SubStatus, string(r.Client), string(r.User), string(r.Method), string(r.Path), string(r.Query),
		string(r.Proto), string(r.Host), string(r.Referer), string(r.UserAgent), r.Bytes}
}

func parseLine(t *testing.T, f Format, line string) (rec, error) {
	t.Helper()
	var r Record
	err := f.NewParser().Parse([]byte(line), &r)
	return toRec(&r), err
}

func TestCombined(t *testing.T) {
	f := Format{Kind: KindCombined}
	tests := []struct {
		line string
		want rec
	}{
		{`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 401 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
			rec{Time: "2000-10-10T20:55:36.000Z", Status: 401, Client: "127.0.0.1", User: "frank", Method: "GET", Path: "/apache_pb.gif", Query: "x=1", Proto: "HTTP/1.0", Referer: "http://www.example.com/start.html", UA: "Mozilla/4.08 [en] (Win98; I ;Nav)", Bytes: 2326}},
		// common format, "-" bytes
		{`::1 - - [01/Jan/2024:00:00:00 +0000] "POST /login HTTP/1.1" 429 -`,
			rec{Time: "2024-01-01T00:00:00.000Z", Status: 429, Client: "::1", Method: "POST", Path: "/login", Proto: "HTTP/1.1"}},
		// escaped quote in the user agent, extra nginx fields after it
		{`10.0.0.1 - - [29/Feb/2024:23:59:59 +0130] "GET / HTTP/2.0" 200 5 "-" "curl \"x\" 8" 0.004 "-"`,
			rec{Time: "2024-02-29T22:29:59.000Z", Status: 200, Client: "10.0.0.1", Method: "GET", Path: "/", Proto: "HTTP/2.0", UA: `curl \"x\" 8`, Bytes: 5}},
		// a garbage request line (TLS on a plain port)
		{`10.0.0.2 - - [01/Jan/2024:00:00:00 +0000] "\x16\x03\x01" 400 157 "-" "-"`,
			rec{Time: "2024-01-01T00:00:00.000Z", Status: 400, Client: "10.0.0.2", Path: `\x16\x03\x01`, Bytes: 157}},
		// user names with a space (nginx logs what the client sent)
		{`10.0.0.3 - john doe [01/Jan/2024:00:00:00 +0000] "GET http://example.com/p?q HTTP/1.1" 407 0 "-" "-"`,
			rec{Time: "2024-01-01T00:00:00.000Z", Status: 407, Client: "10.0.0.3", User: "john doe", Method: "GET", Path: "/p", Query: "q", Proto: "HTTP/1.1"}},
	}
	for _, tt := range tests {
		got, err := parseLine(t, f, tt.line)
		if err != nil {
			t.Errorf("%s: %v", tt.line, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.line, got, tt.want)
		}
	}
	bad := []string{
		``, `127.0.0.1`, `127.0.0.1 - - 10/Oct/2000:13:55:36 -0700 "GET / HTTP/1.0" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0 200 1`,
		`127.0.0.1 - - [10/Foo/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 2000 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" abc 1`,
		`127.0.0.1 - - [31/Oct/2000:25:55:36 -0700] "GET / HTTP/1.0" 200 1`,
	}
	for _, l := range bad {
		if _, err := parseLine(t, f, l); err == nil {
			t.Errorf("%q: parsed, want an error", l)
		}
	}
}

func TestTemplates(t *testing.T) {
	tests := []struct {
		format, line string
		want         rec
	}{
		// Apache with a custom LogFormat: vhost, %D, %{X}i that is not known
		{`%v %a %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i" %D "%{X-Request-Id}i"`,
			`www.example.com 192.0.2.7 - alice [04/May/2026:10:00:00 +0000] "GET /secret HTTP/1.1" 401 381 "-" "curl/8.5.0" 1234 "abc def"`,
			rec{Time: "2026-05-04T10:00:00.000Z", Status: 401, Client: "192.0.2.7", User: "alice", Method: "GET", Path: "/secret", Proto: "HTTP/1.1", Host: "www.example.com", UA: "curl/8.5.0", Bytes: 381}},
		// Apache with %{sec}t and %m %U%q %H
		{`%h %{sec}t %m %U%q %H %s`,
			`192.0.2.8 1777888800 POST /login?next=/ HTTP/1.1 429`,
			rec{Time: "2026-05-04T10:00:00.000Z", Status: 429, Client: "192.0.2.8", Method: "POST", Path: "/login", Query: "next=/", Proto: "HTTP/1.1"}},
		// nginx main format with $http_x_forwarded_for
		{`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"`,
			`10.1.1.1 - - [04/May/2026:10:00:00 +0200] "GET /api HTTP/1.1" 403 0 "-" "Go-http-client/1.1" "203.0.113.9"`,
			rec{Time: "2026-05-04T08:00:00.000Z", Status: 403, Client: "10.1.1.1", Method: "GET", Path: "/api", Proto: "HTTP/1.1", UA: "Go-http-client/1.1"}},
		// nginx ISO time and ${} syntax, request_uri
		{`${remote_addr}|$time_iso8601|$request_method|$request_uri|$status|$msec`,
			`10.1.1.2|2026-05-04T10:00:00+00:00|GET|/a/b?c=d|401|1777888800.123`,
			rec{Time: "2026-05-04T10:00:00.000Z", Status: 401, Client: "10.1.1.2", Method: "GET", Path: "/a/b", Query: "c=d"}},
		// nginx escape=json format string, parsed as a template
		{`{"time":"$time_iso8601","ip":"$remote_addr","req":"$request","status":$status,"ua":"$http_user_agent"}`,
			`{"time":"2026-05-04T10:00:00+00:00","ip":"10.1.1.3","req":"GET /x HTTP/1.1","status":401,"ua":"a \"quoted\" agent"}`,
			rec{Time: "2026-05-04T10:00:00.000Z", Status: 401, Client: "10.1.1.3", Method: "GET", Path: "/x", Proto: "HTTP/1.1", UA: `a \"quoted\" agent`}},
	}
	for _, tt := range tests {
		f, err := FromTemplate(tt.format)
		if err != nil {
			t.Errorf("%s: %v", tt.format, err)
			continue
		}
		got, err := parseLine(t, f, tt.line)
		if err != nil {
			t.Errorf("%s\n%s: %v", tt.format, tt.line, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.format, got, tt.want)
		}
	}
	for _, bad := range []string{"", "%h %u", "$remote_addr $request", "%h %{Referer", "%h %", "%h %^ti %s"} {
		if _, err := FromTemplate(bad); err == nil {
			t.Errorf("FromTemplate(%q) succeeded, want an error", bad)
		}
	}
}

func TestJSONLines(t *testing.T) {
	f := Format{Kind: KindJSON}
	tests := []struct {
		line string
		want rec
	}{
		// Caddy 2 access log
		{`{"level":"info","ts":1777888800.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41234","client_ip":"127.0.0.1","proto":"HTTP/1.1","method":"GET","host":"127.0.0.1:8080","uri":"/private/x?y=1","headers":{"User-Agent":["curl/8.5.0"],"Authorization":["REDACTED"]}},"bytes_read":0,"user_id":"bob","duration":0.0001,"size":0,"status":401,"resp_headers":{"Www-Authenticate":["Basic realm=\"restricted\""]}}`,
			rec{Time: "2026-05-04T10:00:00.500Z", Status: 401, Client: "127.0.0.1", User: "bob", Method: "GET", Path: "/private/x", Query: "y=1", Proto: "HTTP/1.1", Host: "127.0.0.1:8080", UA: "curl/8.5.0"}},
		// Traefik JSON access log
		{`{"ClientAddr":"192.0.2.1:53412","ClientHost":"192.0.2.1","ClientUsername":"-","DownstreamStatus":429,"RequestMethod":"POST","RequestPath":"/login","RequestProtocol":"HTTP/2.0","StartUTC":"2026-05-04T10:00:00.123456789Z","request_User-Agent":"k6/0.50"}`,
			rec{Time: "2026-05-04T10:00:00.123Z", Status: 429, Client: "192.0.2.1", Method: "POST", Path: "/login", Proto: "HTTP/2.0", UA: "k6/0.50"}},
		// nginx escape=json with string status and CLF time
		{`{"time_local":"04/May/2026:10:00:00 +0000","remote_addr":"10.0.0.9","remote_user":"","request":"GET /a HTTP/1.1","status":"403","body_bytes_sent":"12","http_user_agent":"x"}`,
			rec{Time: "2026-05-04T10:00:00.000Z", Status: 403, Client: "10.0.0.9", Method: "GET", Path: "/a", Proto: "HTTP/1.1", UA: "x", Bytes: 12}},
	}
	for _, tt := range tests {
		got, err := parseLine(t, f, tt.line)
		if err != nil {
			t.Errorf("%s: %v", tt.line, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.line, got, tt.want)
		}
	}
	for _, bad := range []string{`{`, `[]`, `{"status":"abc"}`, `{"msg":"no status"}`, `{"status":401,"time":"yesterday"}`} {
		if _, err := parseLine(t, f, bad); err == nil {
			t.Errorf("%q parsed, want an error", bad)
		}
	}
}

const iisSample = `#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2026-05-04 10:00:00
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
2026-05-04 10:00:00 10.0.0.5 GET /default.htm - 80 - 192.168.1.20 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 401 2 5 15
2026-05-04 10:00:01 10.0.0.5 GET /default.htm - 80 CONTOSO\jdoe 192.168.1.20 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 401 1 1326 31
2026-05-04 10:00:02 10.0.0.5 GET /reports/q1.aspx id=7 80 CONTOSO\jdoe 192.168.1.20 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 401 3 5 12
#Fields: date time c-ip cs-method cs-uri-stem sc-status sc-substatus
2026-05-04 10:00:03 192.168.1.21 POST /login.aspx 401 502
`

func TestW3C(t *testing.T) {
	p := Format{Kind: KindW3C}.NewParser()
	var got []rec
	for _, line := range strings.Split(strings.TrimSuffix(iisSample, "\n"), "\n") {
		var r Record
		err := p.Parse([]byte(line), &r)
		if errors.Is(err, ErrDirective) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		got = append(got, toRec(&r))
	}
	want := []rec{
		{Time: "2026-05-04T10:00:00.000Z", Status: 401, Sub: 2, Client: "192.168.1.20", Method: "GET", Path: "/default.htm", UA: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"},
		{Time: "2026-05-04T10:00:01.000Z", Status: 401, Sub: 1, Client: "192.168.1.20", User: `CONTOSO\jdoe`, Method: "GET", Path: "/default.htm", UA: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"},
		{Time: "2026-05-04T10:00:02.000Z", Status: 401, Sub: 3, Client: "192.168.1.20", User: `CONTOSO\jdoe`, Method: "GET", Path: "/reports/q1.aspx", Query: "id=7", UA: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"},
		{Time: "2026-05-04T10:00:03.000Z", Status: 401, Sub: 502, Client: "192.168.1.21", Method: "POST", Path: "/login.aspx"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	var r Record
	if err := p.Parse([]byte("2026-05-04 10:00:03 1.2.3.4 GET"), &r); err == nil {
		t.Error("short line parsed, want an error")
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		sample string
		want   Kind
		ok     bool
	}{
		{iisSample, KindW3C, true},
		{`{"status":401,"remote_addr":"1.2.3.4","time":"2026-05-04T10:00:00Z"}` + "\n" + `{"status":200,"remote_addr":"1.2.3.4","time":"2026-05-04T10:00:00Z"}` + "\n", KindJSON, true},
		{`1.2.3.4 - - [04/May/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"` + "\n" + `1.2.3.4 - - [04/May/2026:10:00:00 +0000] "GET / HTTP/1.1" 401 1` + "\n", KindCombined, true},
		{"hello world\nthis is not a log\n", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		f, ok := Detect([]byte(tt.sample))
		if ok != tt.ok || f.Kind != tt.want {
			t.Errorf("Detect(%.30q) = %v, %v; want %v, %v", tt.sample, f.Kind, ok, tt.want, tt.ok)
		}
	}
}

func TestConfigFormats(t *testing.T) {
	conf := `
http {
    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';
    log_format json escape=json '{"t":"$time_iso8601","s":$status}';
    access_log /var/log/nginx/access.log main;
}
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O" vhost_combined
# LogFormat "%h" commented
`
	got, err := configFormats(conf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"main":           `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"`,
		"json":           `{"t":"$time_iso8601","s":$status}`,
		"combined":       `%h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`,
		"vhost_combined": `%v:%p %h %l %u %t "%r" %>s %O`,
	}
	if len(got) != len(want) {
		t.Errorf("got %d formats %q, want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s:\n got %q\nwant %q", k, got[k], v)
		}
		if _, err := FromTemplate(v); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, err := configFormats(`LogFormat "%h unterminated`); err == nil {
		t.Error("unterminated quote: no error")
	}
}

func TestTimes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		f    func([]byte) (int64, bool)
		want string
	}{
		{"2026-05-04T10:00:00Z", parseISOTime, "2026-05-04T10:00:00.000Z"},
		{"2026-05-04 10:00:00.25-02:00", parseISOTime, "2026-05-04T12:00:00.250Z"},
		{"2026-05-04T10:00:00+0530", parseISOTime, "2026-05-04T04:30:00.000Z"},
		{"1777888800.999", parseEpoch, "2026-05-04T10:00:00.999Z"},
		{"04/May/2026:10:00:00 -0000", parseCLFTime, "2026-05-04T10:00:00.000Z"},
		{"29/Feb/2028:10:00:00 +0000", parseCLFTime, "2028-02-29T10:00:00.000Z"},
	} {
		ms, ok := tt.f([]byte(tt.in))
		got := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
		if !ok || got != tt.want {
			t.Errorf("%s: got %s, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
	// Compare against the standard library over a range of dates.
	for ts := int64(0); ts < 4102444800; ts += 86400*37 + 3671 {
		tm := time.Unix(ts, 0).UTC()
		ms, ok := parseCLFTime([]byte(tm.Format("02/Jan/2006:15:04:05 -0700")))
		if !ok || ms != ts*1000 {
			t.Fatalf("%v: got %d, %v", tm, ms, ok)
		}
	}
	for _, bad := range []string{"2026-13-04T10:00:00Z", "2026-05-04T10:00:00+25:00", "2026-05-04T10:00:00.Z", "x", "12.3.4", "1969-12-31T23:59:59Z"} {
		_, ok1 := parseISOTime([]byte(bad))
		_, ok2 := parseEpoch([]byte(bad))
		if ok1 || ok2 {
			t.Errorf("%q parsed (%v %v)", bad, ok1, ok2)
		}
	}
}

func TestChunker(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString("\n")
	}
	b.WriteString(strings.Repeat("L", 10000) + "\n") // longer than a chunk: dropped
	b.WriteString("last line without newline")
	c := NewChunker(strings.NewReader(b.String()), 4096)
	var joined bytes.Buffer
	long := 0
	var buf []byte
	for {
		ch, err := c.Next(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Data) > 4096 {
			t.Fatalf("chunk of %d bytes", len(ch.Data))
		}
		if i := bytes.LastIndexByte(ch.Data, '\n'); i != len(ch.Data)-1 && !bytes.HasSuffix(ch.Data, []byte("newline")) {
			t.Fatalf("chunk %d does not end at a line end", ch.Seq)
		}
		long += ch.LongLines
		joined.Write(ch.Data)
		buf = ch.Data[:0]
	}
	want := strings.Replace(b.String(), strings.Repeat("L", 10000)+"\n", "", 1)
	if joined.String() != want {
		t.Errorf("chunks do not join to the input less the long line (%d vs %d bytes)", joined.Len(), len(want))
	}
	if long != 1 {
		t.Errorf("LongLines = %d, want 1", long)
	}
}

func TestChunkerCarriesW3CFields(t *testing.T) {
	var b strings.Builder
	b.WriteString("#Fields: date time c-ip sc-status\n")
	for i := 0; i < 300; i++ {
		b.WriteString("2026-05-04 10:00:00 1.2.3.4 401\n")
	}
	b.WriteString("#Fields: date time sc-status c-ip\n")
	for i := 0; i < 300; i++ {
		b.WriteString("2026-05-04 10:00:00 401 1.2.3.4\n")
	}
	c := NewChunker(strings.NewReader(b.String()), 4096)
	c.TrackFields = true
	n := 0
	for {
		ch, err := c.Next(nil)
		if err == io.EOF {
			break
		}
		// A fresh parser per chunk, as workers have.
		p := Format{Kind: KindW3C}.NewParser()
		if ch.Fields != nil {
			p.(FieldsSetter).SetFields(ch.Fields)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(ch.Data, []byte("\n")), []byte("\n")) {
			var r Record
			err := p.Parse(line, &r)
			if errors.Is(err, ErrDirective) {
				continue
			}
			if err != nil || string(r.Client) != "1.2.3.4" || r.Status != 401 {
				t.Fatalf("chunk %d: %q: %v %+v", ch.Seq, line, err, toRec(&r))
			}
			n++
		}
	}
	if n != 600 {
		t.Errorf("parsed %d records, want 600", n)
	}
}

func TestOpenGzipAndGlobs(t *testing.T) {
	dir := t.TempDir()
	line := `1.2.3.4 - - [04/May/2026:10:00:00 +0000] "GET / HTTP/1.1" 401 1` + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(line))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "access.log.2"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "access.log"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	names, err := ExpandArgs([]string{filepath.Join(dir, "access.log*"), "-"})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 3 || names[2] != "-" {
		t.Fatalf("ExpandArgs = %q", names)
	}
	for _, n := range names {
		in, err := Open(n, strings.NewReader(line))
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(in.R)
		in.Close()
		if err != nil || string(data) != line {
			t.Errorf("%s: read %q, %v", n, data, err)
		}
		if in.Read.Load() == 0 {
			t.Errorf("%s: no bytes counted", n)
		}
	}
	if _, err := ExpandArgs([]string{filepath.Join(dir, "nothing*")}); err == nil || !strings.Contains(err.Error(), "no files match") {
		t.Errorf("empty glob: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing.log"), nil); err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, "missing.log")+": ") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
}

// TestJSONLinesDeterministic: when several keys name the same field, the
// same one wins on every parse (the object's keys are not visited in map
// order).
func TestJSONLinesDeterministic(t *testing.T) {
	line := []byte(`{"status":401,"status_code":200,"user":"alice","username":"bob","remote_addr":"10.0.0.1","ip":"10.0.0.2","method":"GET","request_method":"POST","ts":1777888800,"time_iso8601":"2026-05-04T10:00:07+00:00"}`)
	p := Format{Kind: KindJSON}.NewParser()
	var first rec
	for i := 0; i < 200; i++ {
		var r Record
		if err := p.Parse(line, &r); err != nil {
			t.Fatal(err)
		}
		got := toRec(&r)
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatalf("parse %d: %+v, first %+v", i, got, first)
		}
	}
}
