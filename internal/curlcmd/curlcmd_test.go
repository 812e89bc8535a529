package curlcmd

import (
	"slices"
	"strings"
	"testing"
)

const ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// Commands as Chrome and Firefox copy them (their "Copy as cURL" code
// builds these shapes: Chrome quotes with '…' or $'…' in bash and ^"…^" in
// cmd, Firefox puts cookies in a Cookie header and may add --compressed).
var parseTests = []struct {
	name   string
	in     string
	form   Form
	url    string
	method string
	header map[string]string
	cookie []string
	data   string
	ua     string
	err    string
}{
	{
		name: "chrome bash GET",
		in: `curl 'http://app.test:8080/api/me' \
  -H 'Accept: */*' \
  -H 'Accept-Language: en-US,en;q=0.9' \
  -H 'Authorization: Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig' \
  -H 'Connection: keep-alive' \
  -b 'sid=abc123; theme=dark' \
  -H 'Referer: http://app.test:8080/' \
  -H 'User-Agent: ` + ua + `' \
  --insecure`,
		form: POSIX, url: "http://app.test:8080/api/me",
		header: map[string]string{"Accept": "*/*", "Authorization": "Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig", "Referer": "http://app.test:8080/", "Connection": ""},
		cookie: []string{"sid=abc123; theme=dark"}, ua: ua,
	},
	{
		name: "chrome bash POST with $'' body",
		in: `curl 'http://app.test/login' \
  -H 'Content-Type: application/json' \
  -H 'Origin: http://app.test' \
  --data-raw $'{"user":"alice","note":"it\'s\\n"}'`,
		form: POSIX, url: "http://app.test/login", method: "POST",
		header: map[string]string{"Content-Type": "application/json", "Origin": "http://app.test"},
		data:   `{"user":"alice","note":"it's\n"}`,
	},
	{
		name: "firefox bash",
		in:   `curl 'http://app.test/api/me' -X POST -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' -H 'Accept: */*' -H 'Accept-Encoding: gzip, deflate' -H 'Authorization: Bearer abc' -H 'Cookie: sid=abc123' -H 'Priority: u=4' --data-raw 'a=1' --compressed`,
		form: POSIX, url: "http://app.test/api/me", method: "POST",
		header: map[string]string{"Authorization": "Bearer abc", "Priority": "u=4", "Accept-Encoding": ""},
		cookie: []string{"sid=abc123"}, data: "a=1", ua: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	},
	{
		name: "chrome cmd",
		in: "curl ^\"http://app.test/api/me?q=a^%^20b^&x=1^\" ^\r\n" +
			"  -H ^\"Accept: */*^\" ^\r\n" +
			"  -H ^\"Authorization: Bearer abc^\" ^\r\n" +
			"  -b ^\"sid=abc123; theme=dark^\" ^\r\n" +
			"  -H ^\"User-Agent: Mozilla/5.0 ^(X11; Linux x86_64^)^\" ^\r\n" +
			"  --data-raw ^\"^{^\\^\"a^\\^\":1,^\\^\"b^\\^\":^\\^\"c:^\\^\\d^\\^\"^}^\"\r\n",
		form: Cmd, url: "http://app.test/api/me?q=a%20b&x=1", method: "POST",
		header: map[string]string{"Accept": "*/*", "Authorization": "Bearer abc"},
		cookie: []string{"sid=abc123; theme=dark"}, data: `{"a":1,"b":"c:\\d"}`, ua: "Mozilla/5.0 (X11; Linux x86_64)",
	},
	{
		name: "firefox windows (older quoting)",
		in:   `curl.exe "http://app.test/api/me" -X PUT -H "Authorization: Bearer abc" -H "Cookie: sid=1" --data-raw "{""a"":""50"%"""}"`,
		form: Cmd, url: "http://app.test/api/me", method: "PUT",
		header: map[string]string{"Authorization": "Bearer abc"}, cookie: []string{"sid=1"}, data: `{"a":"50%"}`,
	},
	{name: "bundled short flags", in: `curl -sSLk -XPOST -d a=1 -d b=2 http://x.test/`, form: POSIX, url: "http://x.test/", method: "POST", data: "a=1&b=2"},
	{name: "-G moves data to the query", in: `curl -G --data-urlencode 'q=a b' 'http://x.test/s?x=1'`, form: POSIX, url: "http://x.test/s?x=1&q=a+b"},
	{name: "-I", in: `curl -I http://x.test/`, form: POSIX, url: "http://x.test/", method: "HEAD"},
	{name: "unknown flag", in: `curl --frobnicate http://x.test/`, err: "--frobnicate: unknown curl option"},
	{name: "unknown short flag", in: `curl -9 http://x.test/`, err: "-9: unknown curl option"},
	{name: "ambiguous prefix", in: `curl --s http://x.test/`, err: "--s: ambiguous curl option"},
	{name: "not a switch", in: `curl --no-url http://x.test/`, err: "not a switch"},
	{name: "refused option", in: `curl --aws-sigv4 aws:amz http://x.test/`, err: "--aws-sigv4: signs the request"},
	{name: "glob", in: `curl 'http://x.test/{a,b}'`, err: "makes 2 requests"},
	{name: "bad glob", in: `curl 'http://x.test/?a=[2]'`, err: "bad range"},
	{name: "space in URL", in: `curl 'http://x.test/a b'`, err: "space or control character"},
	{name: "stdin", in: `curl -d @- http://x.test/`, err: "reads standard input"},
	{name: "-d and -F", in: `curl -d a=1 -F b=2 http://x.test/`, err: "curl refuses to pick one"},
	{name: "-F bad type", in: `curl -F 'a=1;type=text' http://x.test/`, err: ";type= wants type/subtype"},
	{name: "-F several files", in: `curl -F 'a=@x.txt,y.txt' http://x.test/`, err: "several files in one part"},
	{name: "-F nested multipart", in: `curl -F 'a=(;type=multipart/mixed' http://x.test/`, err: "nested multiparts"},
	{name: "-F quoted-printable", in: `curl -F 'a=x;encoder=quoted-printable' http://x.test/`, err: "encoder=quoted-printable is not reproduced"},
	{name: "expansion", in: `curl -H "Authorization: Bearer $TOKEN" http://x.test/`, err: "would be expanded by the shell"},
	{name: "command substitution", in: `curl $(echo http://x.test/)`, err: "would be expanded"},
	{name: "pipe", in: `curl http://x.test/ | jq .`, err: "not a simple command"},
	{name: "two commands", in: "curl http://x.test/\ncurl http://y.test/", err: "2 commands"},
	{name: "not curl", in: `wget http://x.test/`, err: "wget: not a curl command"},
	{name: "powershell", in: `Invoke-WebRequest -Uri "http://x.test/"`, err: "PowerShell is not supported"},
	{name: "no url", in: `curl -H 'A: b'`, err: "no URL in the command"},
	{name: "two urls", in: `curl http://x.test/ http://y.test/`, err: "more than one URL"},
	{name: "prefix of a long option", in: `curl --sil --user-ag UA http://x.test/`, form: POSIX, url: "http://x.test/", ua: "UA"},
	{name: "method keeps its case", in: `curl -X wHat http://x.test/`, form: POSIX, url: "http://x.test/", method: "wHat"},
	{name: "chrome glob escapes", in: `curl 'http://x.test/a?f\[0\]=\{1\}'`, form: POSIX, url: "http://x.test/a?f[0]={1}"},
	{name: "globoff", in: `curl -g 'http://x.test/a?f[0]={1}'`, form: POSIX, url: "http://x.test/a?f[0]={1}"},
	{name: "single-element glob", in: `curl 'http://x.test/{a}[1-1]'`, form: POSIX, url: "http://x.test/a1"},
	{name: "dot segments and fragment", in: `curl 'http://x.test/a/../b/./c#top'`, form: POSIX, url: "http://x.test/b/c"},
	{name: "path-as-is", in: `curl --path-as-is 'http://x.test/a/../b'`, form: POSIX, url: "http://x.test/a/../b"},
	{name: "unquoted backslash escapes", in: `curl -d {\"a\":1} http://x.test/`, form: POSIX, url: "http://x.test/", method: "POST", data: `{"a":1}`},
	{name: "repeated --json", in: `curl --json '{"a":' --json '1}' http://x.test/`, form: POSIX, url: "http://x.test/", method: "POST", data: `{"a":1}`,
		header: map[string]string{"Content-Type": "application/json", "Accept": "application/json"}},
	{name: "--json with its own Content-Type", in: `curl --json '{}' -H 'Content-Type: text/x' http://x.test/`, form: POSIX, url: "http://x.test/", method: "POST", data: `{}`,
		header: map[string]string{"Content-Type": "text/x", "Accept": "application/json"}},
	{name: "-G with --url-query", in: `curl -G -d a=1 --url-query b=2 'http://x.test/?z'`, form: POSIX, url: "http://x.test/?z&a=1"},
	{name: "--url-query", in: `curl --url-query 'b=2 3' --url-query '+c%20d' 'http://x.test/?z#f'`, form: POSIX, url: "http://x.test/?z&b=2+3&c%20d"},
	{name: "--url-query raw space", in: `curl --url-query '+c d' 'http://x.test/'`, err: "(after --url-query): curl refuses a URL holding a space"},
	{name: "-G raw space", in: `curl -G -d 'c d' 'http://x.test/'`, err: "(after -G moved the data into it)"},
	{name: "brace expansion", in: `curl -d {"a":1,"b":2} 'http://x.test/'`, err: "into 2 arguments (brace expansion)"},
	{name: "--range", in: `curl -r 100 http://x.test/`, form: POSIX, url: "http://x.test/", header: map[string]string{"Range": "bytes=100-"}},
	{name: "-b joins with ;", in: `curl -b a=1 -b 'b=2; c=3' http://x.test/`, form: POSIX, url: "http://x.test/", cookie: []string{"a=1;b=2; c=3"}},
	{name: "-H Cookie wins over -b", in: `curl -b a=1 -H 'Cookie: c=2' http://x.test/`, form: POSIX, url: "http://x.test/", cookie: []string{"c=2"}},
	{name: "-e ;auto", in: `curl -e 'http://r.test/;auto' http://x.test/`, form: POSIX, url: "http://x.test/"},
	{name: "header without colon", in: `curl -H 'NoColon' -H 'A: b' http://x.test/`, form: POSIX, url: "http://x.test/", header: map[string]string{"A": "b", "Nocolon": ""}},
	{name: "missing cookie file", in: `curl -b no-such-cookies.txt http://x.test/`, form: POSIX, url: "http://x.test/"},
	{name: "--capath and absent TLS files for http", in: `curl --cert /nonexistent/c --key /nonexistent/k --capath /nonexistent/ca http://x.test/`, form: POSIX, url: "http://x.test/"},
	{name: "output redirection", in: `curl http://x.test/ > out.html 2>&1`, form: POSIX, url: "http://x.test/"},
	{name: "here-string feeds @-", in: `curl --data-binary @- http://x.test/ <<< 'a=1'`, form: POSIX, url: "http://x.test/", method: "POST", data: "a=1\n"},
	{name: "--digest", in: `curl --digest -u a:b http://x.test/`, form: POSIX, url: "http://x.test/"},
	{name: "data from a missing file", in: `curl -d @no-such-body.json http://x.test/`, err: "-d @no-such-body.json: no such file"},
	{name: "missing argument", in: `curl http://x.test/ -H`, err: "-H: needs an argument"},
	{name: "shell syntax", in: `curl 'http://x.test/`, err: "shell syntax:"},
	{name: "cmd unterminated", in: `curl.exe "http://x.test/`, err: "unterminated quote"},
	{name: "bad scheme", in: `curl ftp://x.test/`, err: `unsupported scheme "ftp"`},
	{name: "empty", in: "  \n", err: "empty command"},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse: err %v, want one containing %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := c.Options
			if c.Form != tt.form || o.URL != tt.url || o.Method != tt.method || string(o.Data) != tt.data || o.UserAgent != tt.ua {
				t.Errorf("got form %s url %q method %q data %q ua %q", c.Form, o.URL, o.Method, o.Data, o.UserAgent)
			}
			for k, v := range tt.header {
				if got := o.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if o.Header.Get("Cookie") != "" {
				t.Errorf("Cookie header left in headers")
			}
			// -b's files and strings, then the -H Cookie lines.
			if got := append(slices.Clone(o.Cookie), o.CookieHeader...); strings.Join(got, "|") != strings.Join(tt.cookie, "|") {
				t.Errorf("cookies %q, want %q", got, tt.cookie)
			}
		})
	}
}

// TestFormParts: -F values and parameters read as curl 7.88.1 reads them
// (the real-curl comparison in internal/cmd/curl holds the whole body to
// what curl sends; these name the rules one by one).
func TestFormParts(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`a= spaced `, `Content-Disposition: form-data; name="a"|spaced`},
		{`a="q\"x;y";type=a/b`, `Content-Disposition: form-data; name="a"|Content-Type: a/b|q"x;y`},
		{`a=x;foo=bar`, `Content-Disposition: form-data; name="a"|x`},
		{`a=x;type=text/a; charset=b ;filename=f`, `Content-Disposition: form-data; name="a"; filename="f"|Content-Type: text/a; charset=b|x`},
		{`a=x;type=text/a;foo`, `Content-Disposition: form-data; name="a"|Content-Type: text/a;foo|x`},
		{`a=x;filename=n.txt`, `Content-Disposition: form-data; name="a"; filename="n.txt"|Content-Type: text/plain|x`},
		{`a=x;headers="X-A: 1";encoder=base64`, `Content-Disposition: form-data; name="a"|Content-Transfer-Encoding: base64|X-A: 1|eA==`},
		{`a=x;headers=Content-Type: my/t`, `Content-Disposition: form-data; name="a"|Content-Type: my/t|x`},
		{`=x`, `Content-Disposition: form-data|x`},
	} {
		c := &Command{}
		p, err := c.formPart("-F", tt.in, false, func(string) {})
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		body, boundary := buildMultipart([]formPart{p}, "multipart/form-data")
		got := strings.TrimSuffix(strings.TrimPrefix(string(body), "--"+boundary+"\r\n"), "\r\n--"+boundary+"--\r\n")
		got = strings.ReplaceAll(strings.Replace(got, "\r\n\r\n", "|", 1), "\r\n", "|")
		if got != tt.want {
			t.Errorf("-F '%s':\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestNotes(t *testing.T) {
	c, err := Parse(`curl 'http://x.test/' -H 'Accept-Encoding: gzip' -H 'Connection: keep-alive' -o out.html`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) != 3 {
		t.Errorf("notes %q", c.Notes)
	}
}

func TestSplitCRT(t *testing.T) {
	for in, want := range map[string]string{
		`a b  c`:             "a|b|c",
		`"a b" c`:            "a b|c",
		`a\\b "c\"d" e\\\"f`: `a\\b|c"d|e\"f`,
		`"a""b"`:             `a"b`,
		`""`:                 "",
		`x""y`:               "xy",
	} {
		got, err := splitCRT(in)
		if err != nil || strings.Join(got, "|") != want {
			t.Errorf("splitCRT(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestErrorsHideSecrets: an error or note quoting the pasted command does not
// repeat a token, password or signed URL parameter from it.
func TestErrorsHideSecrets(t *testing.T) {
	const secret = "s3cr3t-t0ken-value-123"
	for _, in := range []string{
		`curl -H 'Authorization Bearer ` + secret + `' http://x.test/`,
		`curl -H 'X-Api-Key ` + secret + `' http://x.test/`,
		`curl http://x.test/ 'http://y.test/?access_token=` + secret + `'`,
		`curl http://x.test/ 'http://alice:` + secret + `@y.test/'`,
		`curl -G -d a=b 'http://alice:` + secret + `@[::1/?x'`,
	} {
		c, err := Parse(in)
		var out string
		if err != nil {
			out = err.Error()
		} else {
			out = strings.Join(c.Notes, "\n")
		}
		if strings.Contains(out, secret[:8]) {
			t.Errorf("%s: error or note shows the secret: %s", in, out)
		}
	}
}
