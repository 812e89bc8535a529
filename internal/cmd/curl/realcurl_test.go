package curl_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoed is one request as it arrived at the echo server: the request
// line's method and target, the header lines in order and the body.
type echoed struct {
	id      int
	method  string
	target  string
	headers [][2]string
	body    []byte
}

// echoServer records every request it reads on 127.0.0.1 and answers 401
// with a Basic challenge and an X-Echo-Id header that ties the answer to
// the record.
type echoServer struct {
	ln   net.Listener
	mu   sync.Mutex
	seq  int
	recs []echoed
}

func startEcho(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &echoServer{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *echoServer) addr() string { return s.ln.Addr().String() }

func (s *echoServer) port() string { return strconv.Itoa(s.ln.Addr().(*net.TCPAddr).Port) }

func (s *echoServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if b, err := r.Peek(1); err != nil || b[0] <= ' ' || b[0] >= 0x7f {
			return // not HTTP/1: a TLS hello from the probe trying https on this port
		}
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return
		}
		e := echoed{method: f[0], target: f[1]}
		length, chunked := 0, false
		for {
			h, err := r.ReadString('\n')
			if err != nil {
				return
			}
			h = strings.TrimRight(h, "\r\n")
			if h == "" {
				break
			}
			name, value, _ := strings.Cut(h, ":")
			value = strings.Trim(value, " \t")
			e.headers = append(e.headers, [2]string{name, value})
			switch strings.ToLower(name) {
			case "content-length":
				length, _ = strconv.Atoi(value)
			case "transfer-encoding":
				chunked = strings.Contains(strings.ToLower(value), "chunked")
			case "expect":
				if strings.EqualFold(value, "100-continue") {
					io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n")
				}
			}
		}
		if chunked {
			for {
				sz, err := r.ReadString('\n')
				if err != nil {
					return
				}
				n, _ := strconv.ParseInt(strings.TrimSpace(strings.Split(sz, ";")[0]), 16, 64)
				if n == 0 {
					r.ReadString('\n')
					break
				}
				b := make([]byte, n+2)
				if _, err := io.ReadFull(r, b); err != nil {
					return
				}
				e.body = append(e.body, b[:n]...)
			}
		} else if length > 0 {
			e.body = make([]byte, length)
			if _, err := io.ReadFull(r, e.body); err != nil {
				return
			}
		}
		s.mu.Lock()
		s.seq++
		e.id = s.seq
		s.recs = append(s.recs, e)
		s.mu.Unlock()
		body := "no\n"
		if e.method == "HEAD" {
			body = ""
		}
		fmt.Fprintf(c, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"echo\"\r\nX-Echo-Id: %d\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n%s", e.id, body)
	}
}

// take returns the records made since the last take and forgets them.
func (s *echoServer) take() []echoed {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recs
	s.recs = nil
	return r
}

var boundaryRE = regexp.MustCompile(`-{24}[0-9a-zA-Z]{16}`)

// comparable reduces a request to what the comparison holds both sides
// to: the method, the target with upper-case escapes, each header's values
// by name in order of arrival (header order across names is not kept by
// the probe), the body; multipart boundaries (random in curl) become one
// token. Headers the probe documents that it drops or sets itself go, and
// curl's default User-Agent stands for why401's.
func comparable(e echoed) string {
	var b strings.Builder
	target := regexp.MustCompile(`%[0-9a-fA-F]{2}`).ReplaceAllStringFunc(e.target, strings.ToUpper)
	fmt.Fprintf(&b, "%s %s\n", e.method, target)
	byName := map[string][]string{}
	for _, h := range e.headers {
		n := strings.ToLower(h[0])
		switch n {
		case "connection", "accept-encoding", "content-length", "expect":
			continue
		case "user-agent":
			if strings.HasPrefix(h[1], "curl/") || strings.HasPrefix(h[1], "why401/") {
				continue
			}
		}
		byName[n] = append(byName[n], boundaryRE.ReplaceAllString(h[1], "BOUNDARY"))
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s: %q\n", n, byName[n])
	}
	fmt.Fprintf(&b, "\n%q\n", boundaryRE.ReplaceAll(e.body, []byte("BOUNDARY")))
	return b.String()
}

// realCurlCases are commands shaped like those found in browsers' "Copy
// as cURL" output, API docs and converter test suites. HOST stands for the
// echo server. Files they name are made in the working directory first.
var realCurlCases = []struct{ name, cmd string }{
	{"chrome GET", `curl 'http://HOST/api/me?x=1' -H 'accept: application/json' -H 'authorization: Bearer abc.def.ghi' -b 'sid=1; theme=dark' -H 'user-agent: Mozilla/5.0 (X11)' --compressed`},
	{"chrome POST $'' body", `curl 'http://HOST/login' -H 'content-type: application/json' --data-raw $'{"u":"it\'s"}'`},
	{"data joined and @file", `curl -d a=1 -d @body.txt --data-binary @body.txt http://HOST/`},
	{"data-urlencode forms", `curl --data-urlencode 'q=a b&c' --data-urlencode name@body.txt --data-urlencode =x+y http://HOST/`},
	{"-G moves data into the query", `curl -G -d a=1 --data-urlencode 'b=c d' 'http://HOST/s?z=0'`},
	{"-F fields and files", `curl -F name=alice -F 'note=<body.txt' -F file=@photo.jpg -F 'doc=@body.txt;type=text/x-own' -F 'raw=@blob.bin;filename=other.bin' -F 'text=hello;type=text/html' --form-string 'lit=@not-a-file' http://HOST/upload`},
	{"-F with -X PUT", `curl -X PUT -F 'a=1' http://HOST/put`},
	{"--digest sends no credentials first", `curl --digest -u alice:secret http://HOST/digest`},
	{"-u without password", `curl -u alice: http://HOST/`},
	{"-u without colon (curl asks, reads nothing)", `curl -s --user 'alice' http://HOST/v3`},
	{"--anyauth sends no credentials first", `curl --anyauth --user a:b http://HOST/`},
	{"--basic", `curl --basic -u 'a b:c:d' http://HOST/`},
	{"credentials in the URL", `curl 'http://us%40er:p%3Ass@HOST/'`},
	{"-F quoting and part headers", `curl -F 'a="x;y"' -F 'f=@sub/run.sh;headers="X-Part: 1"' -F 'g=@sub/run.sh;filename="a b.sh"' -F 'h=@body.txt;type=text/plain;filename=n.txt' http://HOST/`},
	{"-F parameters as curl reads them", `curl -F 'a= spaced ;type=text/a; charset=b ;filename= n.x ' -F 'b=x;foo=bar;type=text/plain' -F 'c="q\"x;y";TYPE=a/b;unknown;FileName=f' -F 'd=<body.txt;filename=ignored.txt' -F 'e=<photo.jpg' -F 'f=@body.txt;filename=noext' -F 'g=@blob.bin;filename=x.png' -F 'h=hello;filename=x.txt' -F 'i=hello;filename=noext' -F '=anonymous' http://HOST/`},
	{"-F part headers from a file and encoders", `curl -F 'a=x;headers=@hdrs.txt' -F 'b=@blob.bin;encoder=base64' -F 'c=x;encoder=8bit' -F 'd=@body.txt;headers="Content-Type: my/type"' -F 'e=y;headers=Content-Disposition: inline' http://HOST/`},
	{"-F from standard input", `curl -F 'a=@-' http://HOST/ <<< 'typed'`},
	{"-F from standard input with a name", `curl -F 'b=@-;filename=in.txt' http://HOST/ <<< 'typed'`},
	{"-F with explicit multipart Content-Type", `curl -H 'Content-Type: multipart/related' -F a=1 -F =@blob.bin http://HOST/`},
	{"-F with explicit form-data Content-Type", `curl -H 'content-type: Multipart/Form-Data;charset=x' -F a=1 http://HOST/`},
	{"--data-raw keeps @", `curl --data-raw '@body.txt' --data-ascii 'p=50%' http://HOST/`},
	{"--url-query", `curl --url-query 'a=b c' --url-query '+d%20e' --url-query f@body.txt --url-query '@body.txt' 'http://HOST/q?z=1'`},
	{"-T to a directory URL", `curl -T body.txt http://HOST/up/`},
	{"-T to a file URL", `curl --upload-file photo.jpg http://HOST/up/img`},
	{"--range", `curl -r 0-99 http://HOST/`},
	{"--range open", `curl --range 100- http://HOST/`},
	{"TLS files for http", `curl --cacert /nonexistent/ca.pem --capath /nonexistent --cert /nonexistent/c.pem --key /nonexistent/k.pem http://HOST/`},
	{"long option prefixes", `curl --sil --user-ag 'Agent/1' --head http://HOST/`},
	{"empty header and removals", `curl -H 'X-Empty;' -H 'User-Agent:' -H 'Accept:' -H 'X-Kept: 1' http://HOST/`},
	{"header without colon", `curl -H 'NoColonHere' -H 'X-After: yes' http://HOST/`},
	{"-X keeps its case", `curl -X wHat http://HOST/`},
	{"chrome glob escapes", `curl 'http://HOST/list?filter\[0\]=a&o=\{1\}'`},
	{"globoff", `curl -g 'http://HOST/list?f[0]={x}'`},
	{"unquoted backslash escapes", `curl -d {\"a\":\"c\ d\"} http://HOST/`},
	{"repeated --json", `curl --json '{"a":' --json '1}' http://HOST/`},
	{"--json with own Content-Type", `curl --json '{}' -H 'Content-Type: application/vnd.api+json' http://HOST/`},
	{"--json @file", `curl --json @body.txt http://HOST/`},
	{"-b and -H Cookie", `curl -b a=1 -H 'Cookie: c=2' http://HOST/`},
	{"-b joined", `curl -b a=1 -b 'b=2; c=3' http://HOST/`},
	{"-e ;auto", `curl -e 'http://ref.test/page;auto' http://HOST/`},
	{"-e plain", `curl --referer http://ref.test/ -A 'Agent/2' http://HOST/`},
	{"dot segments", `curl 'http://HOST/a/b/../c/./d#frag'`},
	{"path-as-is", `curl --path-as-is 'http://HOST/a/../b'`},
	{"HEAD", `curl -I http://HOST/`},
	{"-X with -d", `curl -X PATCH -d x=1 -H 'Content-Type: text/plain' http://HOST/p`},
	{"here-string to @-", `curl --data-binary @- http://HOST/ <<< 'a=1'`},
	{"redirected output", `curl -s -o /dev/null -w '%{http_code}' http://HOST/ > /dev/null 2>&1`},
	{"bundled short flags", `curl -sSLkXPOST -dx=1 http://HOST/`},
	{"-d then --json", `curl -d a=1 --json '{"b":2}' http://HOST/`},
	{"--json then -d", `curl --json '{"b":2}' -d a=1 http://HOST/`},
	{"empty -A", `curl -A '' http://HOST/`},
	{"-u and an Authorization header", `curl -u a:b -H 'Authorization: Bearer t' http://HOST/`},
	{"--oauth2-bearer", `curl --oauth2-bearer tok.en http://HOST/`},
	{"Netscape cookie file", `curl -b cookies.txt http://HOST/app/x`},
	{"-H chunked", `curl -H 'Transfer-Encoding: chunked' -d abc http://HOST/`},
	{"-b string and file", `curl -b 'z=9' -b cookies.txt http://HOST/app/`},
	{"-b file and -H Cookie", `curl -b cookies.txt -H 'Cookie: c=2' http://HOST/app/x`},
	{"-b file, -b string and two -H Cookie", `curl -b cookies.txt -b 'z=9' -H 'cookie: c=2' -H 'X-Mid: 1' -H 'Cookie: d=3' http://HOST/app/x`},
	{"-b file and -H Cookie: removed", `curl -b cookies.txt -b 'z=9' -H 'Cookie:' http://HOST/app/x`},
	{"-H Cookie without =", `curl -H 'Cookie: token' http://HOST/`},
	{"-b Set-Cookie dump and Netscape lines, curl's order", `curl -b dump.txt http://HOST/a/b`},
	{"-b Set-Cookie dump to a name", `curl -b dump.txt --resolve localhost:PORT:127.0.0.1 http://localhost:PORT/a/b`},
	{"-b Set-Cookie dump with -H Cookie", `curl -b dump.txt -H 'Cookie: c=1' http://HOST/a/`},
	{"--url and --resolve", `curl --resolve api.test:PORT:127.0.0.1 --url http://api.test:PORT/r`},
	{"-X GET with data", `curl -X GET -d a=1 http://HOST/`},
	{"trailing spaces and no space after colon", `curl -H 'X-Trail: v  ' -H 'x-tight:value' -H 'X-Dup: 1' -H 'X-Dup: 2' http://HOST/`},
	{"own Host header", `curl -H 'Host: other.test' http://HOST/`},
	{"-T - from a here-string", `curl -T - http://HOST/up <<< 'streamed'`},
	{"-d @- from a file", `curl -d @- http://HOST/ < body.txt`},
	{"--data-urlencode from a file", `curl --data-urlencode @body.txt http://HOST/`},
	{"-G with --data-urlencode and -I", `curl -G -I --data-urlencode 'q=x y' http://HOST/`},
	{"--get with --json", `curl --get --json '{}' http://HOST/`},
	{"-H from a file", `curl -H @hdrs.txt http://HOST/`},
	{"Postman style", `curl --location --request POST 'http://HOST/api' --header 'Content-Type: application/json' --header 'Authorization: Bearer x.y.z' --data-raw '{"a": "b"}'`},
	{"Postman form with a quoted path", `curl --location 'http://HOST/up' --form 'file=@"sub/run.sh"' --form 'name="x"'`},
	{"Insomnia style", `curl --request POST --url 'http://HOST/f?x=1' --header 'Content-Type: multipart/form-data' --form a=b --form 'c=@photo.jpg'`},
	{"API docs style", "curl -X POST \\\n  -H \"Content-Type: application/json\" \\\n  -H \"X-API-Key: k123\" \\\n  -d \"{\\\"name\\\": \\\"n\\\", \\\"n\\\": 1}\" \\\n  \"http://HOST/v1/items\""},
	{"Chrome 131 shape", `curl 'http://HOST/graphql' -H 'accept: */*' -H 'accept-language: en-US,en;q=0.9' -H 'content-type: application/json' -b '_ga=GA1.1.1; sid=s%3Aabc' -H 'origin: http://HOST' -H 'priority: u=1, i' -H 'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24"' -H 'sec-fetch-mode: cors' --data-raw $'{"query":"{ me { id } }","v":"\u00e9"}'`},
	{"Firefox shape", `curl 'http://HOST/api/me' --compressed -X POST -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' -H 'Accept: application/json' -H 'Accept-Language: en-US,en;q=0.5' -H 'Accept-Encoding: gzip, deflate, br, zstd' -H 'Connection: keep-alive' -H 'Cookie: sid=1; t=2' -H 'Sec-Fetch-Dest: empty' -H 'Priority: u=0' -H 'TE: trailers' --data-raw 'a=1&b=%20'`},
	{"URL escapes and non-ASCII", `curl 'http://HOST/p%20a/é?q=ü&x=a%2Fb|c^d'`},
	{"line continuations", "curl \\\n  -H 'A: 1' \\\n  http://HOST/x"},
}

// TestAgainstRealCurl runs each command with the real curl on a loopback
// echo server and through `why401 curl`, and holds the request of the
// as-given exchange to what curl sent.
func TestAgainstRealCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (scripts/install-deps.sh installs it)")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	s := startEcho(t)
	dir := t.TempDir()
	files := map[string]string{
		"body.txt":   "line one\nline two\n",
		"photo.jpg":  "\xff\xd8\xff\xe0 not really a jpeg\n",
		"blob.bin":   "\x00\x01\x02 binary\n",
		"sub/run.sh": "#!/bin/sh\necho hi\n",
		"hdrs.txt":   "X-A: 1\n  continued\n# comment\nX-B: 2  \r\n",
		"dump.txt": "127.0.0.1\tFALSE\t/\tFALSE\t0\tccc\t1\n127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t2\n127.0.0.1\tFALSE\t/\tFALSE\t0\tbb\t3\n" +
			"Set-Cookie: d1=1; Path=/\r\nSet-Cookie: d2=2\nSet-Cookie:   d3=3; Domain=other.test\nset-cookie: d4=4; path=/zzz\n" +
			"Set-Cookie: d5=5; Secure\nSet-Cookie: d6=6; Path=/a; HttpOnly\nSet-Cookie: d7=7; Max-Age=0\nSet-Cookie: __Secure-d8=8\n" +
			"localhost\tFALSE\t/\tFALSE\t0\tlh\t1\n127.0.0.1\tFALSE\t/\tFALSE\t0\tn1\tv\n",
		"cookies.txt": "# Netscape HTTP Cookie File\n" +
			"127.0.0.1\tFALSE\t/app\tFALSE\t0\tsid\tabc\n" +
			"127.0.0.1\tFALSE\t/\tTRUE\t0\tsecure\tno\n" +
			"127.0.0.1\tFALSE\t/\tFALSE\t1\texpired\tno\n" +
			"#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tho\tyes\n" +
			"other.test\tFALSE\t/\tFALSE\t0\telse\tno\n" +
			".0.1\tTRUE\t/\tFALSE\t0\tdot\tmaybe\n" +
			"127.0.0.1\tFALSE\t/other\tFALSE\t0\tpath\tno\n",
	}
	for n, c := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	env := []string{"PATH=" + filepath.Dir(curl) + ":/usr/bin:/bin", "HOME=" + dir, "LC_ALL=C.UTF-8"}
	for _, c := range realCurlCases {
		t.Run(c.name, func(t *testing.T) {
			text := strings.ReplaceAll(c.cmd, "HOST", s.addr())
			text = strings.ReplaceAll(text, "PORT", s.port())
			s.take()
			cmd := exec.Command(bash, "-c", text)
			cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader("")
			out, err := cmd.CombinedOutput()
			got := s.take()
			if len(got) == 0 {
				t.Fatalf("real curl sent nothing for %s (%v: %s)", text, err, out)
			}
			want := got[0]

			code, rep, errs := run(t, "", text, "--json")
			if code == 2 {
				t.Fatalf("why401 refused it: %s", errs)
			}
			recs := s.take()
			id := asGivenID(t, rep)
			var sent *echoed
			for i := range recs {
				if recs[i].id == id {
					sent = &recs[i]
				}
			}
			if sent == nil {
				t.Fatalf("the as-given request (echo id %d) did not reach the echo server (exit %d, %s)", id, code, errs)
			}
			if w, g := comparable(want), comparable(*sent); w != g {
				t.Errorf("%s\nreal curl sent:\n%s\nwhy401 sent:\n%s", text, w, g)
			}
		})
	}
}

// asGivenID reads the echo id of the as-given exchange's first hop from
// a JSON report.
func asGivenID(t *testing.T, out string) int {
	t.Helper()
	var r struct {
		Exchanges []struct {
			Variant  string              `json:"variant"`
			Hop      int                 `json:"hop"`
			Response map[string][]string `json:"response_headers"`
		} `json:"exchanges"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, e := range r.Exchanges {
		if e.Variant == "as-given" && e.Hop == 0 {
			if v := e.Response["X-Echo-Id"]; len(v) > 0 {
				n, _ := strconv.Atoi(v[0])
				return n
			}
		}
	}
	t.Fatalf("no as-given exchange with an echo id in the report:\n%s", out)
	return 0
}
