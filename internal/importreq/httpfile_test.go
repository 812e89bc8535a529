package importreq

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	apiHTTP  = "testdata/http/api.http"
	restFile = "testdata/http/rest-client.rest"
)

func TestHTTPFileEnvironments(t *testing.T) {
	msg := loadErr(t, apiHTTP, "Get me", "")
	if !strings.Contains(msg, `request "Get me": {{host}} is not defined (define it with @name = value in the file, or pick an environment of http-client.env.json, http-client.private.env.json with --env NAME (dev, prod))`) {
		t.Errorf("no environment: %s", msg)
	}
	l := load(t, apiHTTP, "Get me", "dev")
	o := l.Options
	if o.URL != "http://localhost:8080/v2/me" || o.Header.Get("Authorization") != "Bearer dev-private-token" || o.Header.Get("Accept") != "application/json" {
		t.Errorf("Get me in dev: %q %v", o.URL, o.Header)
	}
	msg = loadErr(t, apiHTTP, "Get me", "prod")
	if !strings.Contains(msg, "{{token}} is not defined (define it with @name = value in the file or in the environment prod of") {
		t.Errorf("prod has no token: %s", msg)
	}
	msg = loadErr(t, apiHTTP, "Get me", "staging")
	if !strings.Contains(msg, "--env staging: no such environment in http-client.env.json, http-client.private.env.json (it has: dev, prod)") {
		t.Errorf("unknown environment: %s", msg)
	}
}

func TestHTTPFileNamesAndShapes(t *testing.T) {
	msg := loadErr(t, apiHTTP, "", "dev")
	if !strings.Contains(msg, `5 requests in the file, pick one with --request NAME: "Get me", "orders", "#3", "Upload", "Digest"`) {
		t.Errorf("listing: %s", msg)
	}
	l := load(t, apiHTTP, "orders", "dev")
	if l.Options.URL != "http://localhost:8080/orders?status=open&page=2" {
		t.Errorf("continued query: %q", l.Options.URL)
	}
	if l.Options.User != "alice:dev-private-secret" || l.Options.Header.Get("Authorization") != "" || !hasNote(l, "Authorization: Basic with the user and password in clear") {
		t.Errorf("Basic user password: user %q header %q notes %q", l.Options.User, l.Options.Header.Get("Authorization"), l.Notes)
	}
	l = load(t, apiHTTP, "#3", "dev")
	if l.Options.Method != "POST" || string(l.Options.Data) != "{\n  \"sku\": \"SKU-1\",\n  \"qty\": 1\n}" {
		t.Errorf("body without the response handler: %q %q", l.Options.Method, l.Options.Data)
	}
	l = load(t, apiHTTP, "upload", "dev")
	if l.Options.Method != "PUT" || string(l.Options.Data) != "file body\n" || l.Options.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("< file body: %q %q", l.Options.Method, l.Options.Data)
	}
	if _, err := Load(apiHTTP, Options{Request: "Digest", Env: "dev"}); err != nil && !strings.Contains(err.Error(), "Digest authentication cannot be sent") {
		t.Errorf("digest: %v", err)
	}
}

func TestRESTClientSyntax(t *testing.T) {
	env := func(k string) string {
		if k == "API_PASSWORD" {
			return "dev-private-secret"
		}
		return ""
	}
	msg := loadErr(t, restFile, "me", "")
	if !strings.Contains(msg, `{{login.response.body.$.access_token}} takes a value from the exchange of request "login", which is not run`) {
		t.Errorf("request variable: %s", msg)
	}
	l, err := Load(restFile, Options{Request: "login", Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	if l.Options.Method != "POST" || string(l.Options.Data) != "grant_type=password&username=alice&password=dev-private-secret" {
		t.Errorf("form body joined: %q %q", l.Options.Method, l.Options.Data)
	}
	l, err = Load(restFile, Options{Request: "basic", Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	if l.Options.User != "alice:dev-private-secret" {
		t.Errorf("Basic user:pass: %q", l.Options.User)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(l.Options.Header.Get("X-Request-Id")) {
		t.Errorf("$guid: %q", l.Options.Header.Get("X-Request-Id"))
	}
	if !slices.Contains(l.Options.EmptyHeader, "X-Empty") {
		t.Errorf("empty header: %q", l.Options.EmptyHeader)
	}
	if msg := loadErr(t, restFile, "basic", ""); !strings.Contains(msg, "{{$processEnv API_PASSWORD}}: the environment variable API_PASSWORD is not set") {
		t.Errorf("$processEnv unset: %s", msg)
	}
	l = load(t, restFile, "#4", "")
	if l.Options.URL != "https://api.example.test/health" || l.Options.Method != "" && l.Options.Method != "GET" {
		t.Errorf("a bare URL: %q %q", l.Options.Method, l.Options.URL)
	}
}

func TestHTTPFileRepairs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := write("crlf.http", "post example.test/api\r\nContent-Type: application/json\r\n{\"a\": 1}\r\n")
	l := load(t, p, "", "")
	if l.Options.Method != "POST" || l.Options.URL != "http://example.test/api" || string(l.Options.Data) != `{"a": 1}` {
		t.Errorf("repaired request: %q %q %q", l.Options.Method, l.Options.URL, l.Options.Data)
	}
	for _, want := range []string{"method post read as POST", "no blank line between the headers and the body", "http:// assumed"} {
		if !hasNote(l, want) {
			t.Errorf("repair %q not said: %q", want, l.Notes)
		}
	}
	p = write("bad.http", "@ = 1\nGET http://x.test/\n")
	if msg := loadErr(t, p, "", ""); !strings.Contains(msg, "line 1: @ = 1: want @name = value") {
		t.Errorf("bad variable: %s", msg)
	}
	p = write("path.http", "GET /only/path\nHost: x.test\n")
	if msg := loadErr(t, p, "", ""); !strings.Contains(msg, "the URL has no host") {
		t.Errorf("path only: %s", msg)
	}
	p = write("empty.http", "# nothing here\n###\n")
	if msg := loadErr(t, p, "", ""); !strings.Contains(msg, "no request in the file") {
		t.Errorf("empty: %s", msg)
	}
	p = write("loop.http", "@a = {{b}}\n@b = {{a}}\nGET http://x.test/{{a}}\n")
	if msg := loadErr(t, p, "", ""); !strings.Contains(msg, "more than 10 deep") {
		t.Errorf("loop: %s", msg)
	}
	if msg := loadErr(t, p, "", "dev"); !strings.Contains(msg, "--env dev: no http-client.env.json") {
		t.Errorf("--env without files: %s", msg)
	}
	p = write("webdav.http", "PROPFIND http://x.test/dav/ HTTP/1.1\nDepth: 1\n")
	if l := load(t, p, "", ""); l.Options.Method != "PROPFIND" {
		t.Errorf("extension method: %q", l.Options.Method)
	}
	if !slices.Contains(load(t, p, "#1", "").Args, "-g") {
		t.Error("URL globbing is not off")
	}
}

func TestHTTPFilePrecedence(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "api", "requests")
	if err := os.MkdirAll(filepath.Join(root, ".vscode"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(p, text string) {
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// REST Client: environments in the workspace's settings.json, with
	// comments and trailing commas; file variables win over them.
	write(filepath.Join(root, ".vscode", "settings.json"), `{
  // REST Client
  "editor.tabSize": 2,
  "rest-client.environmentVariables": {
    "$shared": {"version": "v1", "q": "a b&c"},
    "local": {"host": "http://localhost:3000", "version": "v9",}, /* trailing comma */
  },
}`)
	http := filepath.Join(dir, "me.http")
	write(http, "@version = v2\nGET {{host}}/{{version}}/me?q={{%q}}\n")
	l := load(t, http, "", "local")
	if l.Options.URL != "http://localhost:3000/v2/me?q=a%20b%26c" {
		t.Errorf("REST Client precedence and {{%%q}}: %q", l.Options.URL)
	}
	if !hasNote(l, "{{version}} has another value in environment local of ../../.vscode/settings.json: the one of the file's @variables is used") {
		t.Errorf("shadowing not said: %q", l.Notes)
	}
	// JetBrains: environment variables win over in-place ones, the
	// public file over the private one.
	write(filepath.Join(dir, "http-client.env.json"), `{"dev": {"host": "http://dev.test", "version": "v3"}}`)
	write(filepath.Join(dir, "http-client.private.env.json"), `{"dev": {"host": "http://private.test"}}`)
	http = filepath.Join(dir, "jb.http")
	write(http, "@version = v2\nGET {{host}}/{{version}}/me\n")
	l = load(t, http, "", "dev")
	if l.Options.URL != "http://dev.test/v3/me" {
		t.Errorf("JetBrains precedence: %q", l.Options.URL)
	}
	msg := loadErr(t, http, "", "qa")
	if !strings.Contains(msg, "(it has: dev, local)") {
		t.Errorf("environments listed: %s", msg)
	}
}

func TestRESTClientCurlRequest(t *testing.T) {
	l := load(t, restFile, "curl", "")
	o := l.Options
	if o.Method != "POST" || o.URL != "https://api.example.test/items" || string(o.Data) != `{"name": "pen"}` || o.Header.Get("Accept") != "application/json" {
		t.Errorf("curl request: %q %q %q %v", o.Method, o.URL, o.Data, o.Header)
	}
}
