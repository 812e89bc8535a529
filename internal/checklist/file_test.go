package checklist

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const goodFile = `version: 1
site: https://example.com/base/
timeout: 5s
concurrency: 2
logins:
  - name: login
    request:
      method: post
      url: /login
      form: {user: alice, password: {env: PASS}}
    cookies: [sid, "remember_*"]
    token: data.token
    expect: [no-store]
endpoints:
  - name: me
    request:
      url: api/me
      headers:
        Accept: application/json
        X-Api-Key: {file: key.txt}
      session: login
    expect:
      - authenticated
      - challenge: {scheme: Bearer, realm: api}
      - cookie: {name: sid, secure: true, httponly: true, samesite: lax, host_only: true}
      - token: {max_lifetime: 1h, min_valid: 2d, aud: https://api.example.com, iss: https://id.example.com}
      - tls
      - cors: {origin: "https://app.example.com/", method: put, headers: [Authorization, Content-Type]}
      - proxy: {proto: https, host: example.com, authorization: false}
  - name: short
    request: https://other.example.com/x
    expect: forbidden
`

func TestParseGood(t *testing.T) {
	f, err := Parse("dir/site.yaml", []byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	if f.Timeout != 5*time.Second || f.Concurrency != 2 || f.Dir != "dir" || len(f.Logins) != 1 || len(f.Endpoints) != 2 {
		t.Fatalf("file = %+v", f)
	}
	l := f.Logins[0]
	if l.Request.Method != http.MethodPost || l.Request.URL != "https://example.com/login" || l.Token != "data.token" || len(l.Cookies) != 2 {
		t.Errorf("login = %+v", l)
	}
	if l.Request.Form[1].Value.Env != "PASS" || l.Request.Form[0].Value.Literal != "alice" {
		t.Errorf("form = %+v", l.Request.Form)
	}
	me := f.Endpoints[0]
	if me.Request.URL != "https://example.com/base/api/me" || me.Request.Session != "login" || !me.Request.Follow || me.Request.Method != "GET" {
		t.Errorf("me request = %+v", me.Request)
	}
	if me.Request.Headers[1].Value.File != "key.txt" {
		t.Errorf("headers = %+v", me.Request.Headers)
	}
	labels := []string{}
	for _, e := range me.Expect {
		labels = append(labels, e.Label())
	}
	if got := strings.Join(labels, "|"); got != `authenticated|challenge Bearer realm="api"|cookie sid|token|tls 14d|cors https://app.example.com|proxy` {
		t.Errorf("labels = %s", got)
	}
	c := me.Expect[2].Cookie
	if c.SameSite != "Lax" || !*c.Secure || !*c.HTTPOnly || !*c.HostOnly || c.Path != "" {
		t.Errorf("cookie = %+v", c)
	}
	tok := me.Expect[3]
	if tok.MaxLifetime != time.Hour || tok.MinValid != 48*time.Hour || tok.Audience != "https://api.example.com" || tok.Issuer != "https://id.example.com" {
		t.Errorf("token = %+v", tok)
	}
	cors := me.Expect[5]
	if cors.Origin != "https://app.example.com" || cors.Method != "PUT" || len(cors.RequestHeaders) != 2 {
		t.Errorf("cors = %+v", cors)
	}
	if p := me.Expect[6]; p.Proto != "https" || p.Host != "example.com" || p.Authorization {
		t.Errorf("proxy = %+v", p)
	}
	short := f.Endpoints[1]
	if short.Request.URL != "https://other.example.com/x" || short.Expect[0].Kind != Forbidden || short.Expect[0].Pos.Line != 32 {
		t.Errorf("short = %+v %+v", short.Request, short.Expect[0])
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", ``, `f.yaml:1:1: empty checklist`},
		{"syntax", "endpoints: [\n", `f.yaml:1:1: did not find expected node content`},
		{"not a mapping", "- a\n", `f.yaml:1:1: checklist: want a mapping, got a list`},
		{"unknown top", "endpoint: []\n", `f.yaml:1:1: checklist: unknown field "endpoint" (want one of version, site, concurrency, timeout, insecure, cacert, logins, endpoints)`},
		{"no endpoints", "version: 1\n", `f.yaml:1:1: checklist: no endpoints`},
		{"version", "version: 2\nendpoints: []\n", `f.yaml:1:10: version: 2 is not supported (this why401 reads version 1)`},
		{"empty endpoints", "endpoints: []\n", `f.yaml:1:12: endpoints: want a non-empty list, got a list`},
		{"relative without site", "endpoints:\n  - name: a\n    request: /x\n    expect: authenticated\n", `f.yaml:3:14: endpoint a: url "/x" is relative and the checklist has no site`},
		{"inline password", "endpoints:\n  - name: a\n    request:\n      url: http://h/\n      basic: {user: u, password: hunter2}\n    expect: authenticated\n",
			`f.yaml:5:34: basic.password: credentials must not be written in the file: use {env: NAME} or {file: PATH}`},
		{"inline bearer", "endpoints:\n  - name: a\n    request: {url: http://h/, bearer: abc}\n    expect: authenticated\n",
			`f.yaml:3:39: bearer: credentials must not be written in the file`},
		{"inline authorization header", "endpoints:\n  - name: a\n    request: {url: http://h/, headers: {Authorization: Bearer x}}\n    expect: authenticated\n",
			`f.yaml:3:56: headers.Authorization: credentials must not be written in the file`},
		{"inline form password", "endpoints:\n  - name: a\n    request: {url: http://h/, form: {pwd: x}}\n    expect: authenticated\n",
			`f.yaml:3:43: form.pwd: credentials must not be written in the file`},
		{"userinfo", "endpoints:\n  - name: a\n    request: http://u:p@h/\n    expect: authenticated\n", `f.yaml:3:14: url: credentials in the URL`},
		{"bad env", "endpoints:\n  - name: a\n    request: {url: http://h/, bearer: {env: 1X}}\n    expect: authenticated\n", `f.yaml:3:45: bearer.env: "1X" is not an environment variable name`},
		{"env and file", "endpoints:\n  - name: a\n    request: {url: http://h/, bearer: {env: A, file: b}}\n    expect: authenticated\n", `f.yaml:3:39: bearer: give env or file, not both`},
		{"unknown expectation", "endpoints:\n  - name: a\n    request: http://h/\n    expect: [authenticated, authorised]\n", `f.yaml:4:29: endpoint a: unknown expectation "authorised"`},
		{"option on bare kind", "endpoints:\n  - name: a\n    request: http://h/\n    expect: [{authenticated: {x: 1}}]\n", `f.yaml:4:30: endpoint a: authenticated takes no options`},
		{"bad samesite", "endpoints:\n  - name: a\n    request: http://h/\n    expect: [{cookie: {name: s, samesite: loose}}]\n", `f.yaml:4:43: cookie.samesite: "loose": want Strict, Lax or None`},
		{"bad duration", "endpoints:\n  - name: a\n    request: http://h/\n    expect: [{token: {max_lifetime: soon}}]\n", `f.yaml:4:37: token.max_lifetime: "soon" is not a positive duration`},
		{"bad origin", "endpoints:\n  - name: a\n    request: http://h/\n    expect: [{cors: {origin: app.example.com}}]\n", `f.yaml:4:30: cors.origin: "app.example.com" is not an origin`},
		{"unknown session", "endpoints:\n  - name: a\n    request: {url: http://h/, session: nope}\n    expect: authenticated\n", `f.yaml:3:14: session: no earlier login named "nope"`},
		{"duplicate name", "endpoints:\n  - {name: a, request: http://h/, expect: tls}\n  - {name: a, request: http://h/, expect: tls}\n", `f.yaml:3:5: endpoints: name "a" used twice`},
		{"bad name", "endpoints:\n  - {name: a b, request: http://h/, expect: tls}\n", `f.yaml:2:12: endpoint.name: "a b": want letters`},
		{"two bodies", "endpoints:\n  - name: a\n    request: {url: http://h/, body: x, json: {a: b}}\n    expect: tls\n", `f.yaml:3:14: endpoint a: request: give one of form, json and body`},
		{"login expect", "logins:\n  - name: l\n    request: http://h/\n    expect: [forbidden]\nendpoints:\n  - {name: a, request: http://h/, expect: tls}\n", `f.yaml:4:14: login l: expect forbidden: a login may expect no-store, cookie, token or tls`},
		{"duplicate key", "endpoints:\n  - name: a\n    name: b\n", `f.yaml:3:5: endpoint: "name" given twice`},
		{"ftp", "endpoints:\n  - {name: a, request: ftp://h/, expect: tls}\n", `f.yaml:2:24: url: "ftp://h/" is not an http(s) URL`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.in))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error:\n got %q\nwant %q...", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error quotes the secret: %q", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(goodFile))
	f.Add([]byte("endpoints:\n  - {name: a, request: http://h/, expect: [tls, {cors: {origin: https://x}}]}\n"))
	f.Add([]byte("a: &x [*x]\nendpoints: *x\n"))
	f.Add([]byte("endpoints:\n  - name: a\n    request: {url: http://h/, bearer: {env: A}}\n    expect: authenticated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml:") {
				t.Errorf("error without position: %q", err)
			}
			return
		}
		if len(file.Endpoints) == 0 {
			t.Errorf("parsed a file without endpoints")
		}
		for _, e := range file.Endpoints {
			if e.Request.URL == "" || len(e.Expect) == 0 {
				t.Errorf("endpoint %q incomplete", e.Name)
			}
			for _, x := range e.Expect {
				_ = x.Label()
			}
		}
	})
}
