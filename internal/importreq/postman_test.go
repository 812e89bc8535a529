package importreq

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	shop    = "testdata/postman/shop.postman_collection.json"
	staging = "testdata/postman/staging.postman_environment.json"
)

// secrets are the values of the fixtures that must never show in an
// error or a note.
var secrets = []string{"collection-secret", "env-access-token", "env-api-key", "digest-secret", "client-secret-value", "v20-secret", "aws-secret", "dev-private-token", "dev-private-secret", "disabled-secret"}

func checkNoSecret(t *testing.T, what string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("%s shows the secret %q: %s", what, sec, s)
			}
		}
	}
}

func load(t *testing.T, file, name, env string) *Loaded {
	t.Helper()
	l, err := Load(file, Options{Request: name, Env: env, Now: func() time.Time { return time.Unix(1_800_000_000, 0) }})
	if err != nil {
		t.Fatalf("Load(%s, %q): %v", file, name, err)
	}
	checkNoSecret(t, "notes", l.Notes...)
	return l
}

func loadErr(t *testing.T, file, name, env string) string {
	t.Helper()
	_, err := Load(file, Options{Request: name, Env: env})
	if err == nil {
		t.Fatalf("Load(%s, %q): no error", file, name)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error on several lines: %q", msg)
	}
	if !strings.HasPrefix(msg, file+": ") {
		t.Errorf("error does not name the file first: %q", msg)
	}
	checkNoSecret(t, "error", msg)
	return msg
}

func hasNote(l *Loaded, part string) bool {
	return slices.ContainsFunc(l.Notes, func(n string) bool { return strings.Contains(n, part) })
}

func TestPostmanInheritsCollectionAuthAndVariables(t *testing.T) {
	l := load(t, shop, "#1", staging)
	o := l.Options
	if o.URL != "https://staging.shop.example.test/v2/me" {
		t.Errorf("URL = %q: the environment's baseUrl must win over the collection's", o.URL)
	}
	if o.User != "alice:collection-secret" {
		t.Errorf("User = %q: the collection's basic auth, with the collection's password (the environment's is disabled)", o.User)
	}
	if o.Header.Get("Accept") != "application/json" || o.Header.Get("X-Api-Version") != "2" {
		t.Errorf("headers = %v", o.Header)
	}
	if _, ok := o.Header["X-Debug"]; ok {
		t.Error("a disabled header is sent")
	}
	if o.Method != http.MethodGet || o.HasData {
		t.Errorf("method %q, data %v", o.Method, o.HasData)
	}
}

func TestPostmanDuplicateNamesAndListing(t *testing.T) {
	msg := loadErr(t, shop, "Me", staging)
	if !strings.Contains(msg, `2 requests named "Me"`) || !strings.Contains(msg, `"Me" (#1)`) || !strings.Contains(msg, `"Me" (#13)`) {
		t.Errorf("ambiguous name: %s", msg)
	}
	msg = loadErr(t, shop, "", staging)
	for _, want := range []string{"13 requests in the collection, pick one with --request NAME", `"Orders/List orders"`, `"Keys/Query key"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("listing %q lacks %q", msg, want)
		}
	}
	msg = loadErr(t, shop, "Nope", staging)
	if !strings.Contains(msg, `no request named "Nope"`) {
		t.Errorf("unknown name: %s", msg)
	}
	if l := load(t, shop, "#13", staging); l.Options.URL != "https://staging.shop.example.test/v1/me" {
		t.Errorf("#13 (a request given as a bare URL string): %q", l.Options.URL)
	}
	// Case-insensitive and by bare name inside a folder.
	if l := load(t, shop, "list ORDERS", staging); l.Request.Path != "Orders/List orders" {
		t.Errorf("picked %q", l.Request.Path)
	}
}

func TestPostmanFolderAuth(t *testing.T) {
	l := load(t, shop, "Orders/List orders", staging)
	if l.Options.Bearer != "env-access-token" || l.Options.User != "" {
		t.Errorf("folder bearer auth: bearer %q user %q", l.Options.Bearer, l.Options.User)
	}
	if l.Options.URL != "https://staging.shop.example.test/orders?status=open" {
		t.Errorf("URL %q", l.Options.URL)
	}
	l = load(t, shop, "Get order", staging)
	if l.Options.URL != "https://staging.shop.example.test/orders/A%2017" {
		t.Errorf("path variable: %q", l.Options.URL)
	}
	l = load(t, shop, "Public catalogue", staging)
	if l.Options.Bearer != "" || l.Options.User != "" {
		t.Errorf("noauth inherits: bearer %q user %q", l.Options.Bearer, l.Options.User)
	}
}

func TestPostmanRawJSONBody(t *testing.T) {
	l := load(t, shop, "Create order", staging)
	o := l.Options
	if o.Method != "POST" || string(o.Data) != "{\n  \"sku\": \"SKU-9\",\n  \"qty\": 1\n}" {
		t.Errorf("method %q body %q", o.Method, o.Data)
	}
	if o.Header.Get("Content-Type") != "application/json" || !hasNote(l, "Content-Type: application/json added") {
		t.Errorf("content type %q, notes %q", o.Header.Get("Content-Type"), l.Notes)
	}
}

func TestPostmanAPIKeyAndOAuth2(t *testing.T) {
	l := load(t, shop, "Header key", staging)
	if l.Options.Header.Get("X-Api-Key") != "env-api-key" || l.Options.User != "" {
		t.Errorf("apikey in header: %v, user %q (the request's auth replaces the collection's)", l.Options.Header, l.Options.User)
	}
	l = load(t, shop, "Query key", staging)
	if l.Options.URL != "https://staging.shop.example.test/stock?sku=7&api_key=env-api-key" {
		t.Errorf("apikey in query: %q", l.Options.URL)
	}
	l = load(t, shop, "OAuth token", staging)
	if l.Options.Bearer != "env-access-token" {
		t.Errorf("oauth2 token: bearer %q", l.Options.Bearer)
	}
}

func TestPostmanDigest(t *testing.T) {
	l, err := Load(shop, Options{Request: "Digest", Env: staging})
	if err != nil {
		// curlcmd without --digest: a plain error, not Basic in disguise.
		if !strings.Contains(err.Error(), "Digest authentication cannot be sent") {
			t.Fatal(err)
		}
		checkNoSecret(t, "error", err.Error())
		return
	}
	if l.Options.User != "bob:digest-secret" || !slices.Contains(l.Args, "--digest") {
		t.Errorf("digest: user %q args have --digest: %v", l.Options.User, slices.Contains(l.Args, "--digest"))
	}
}

func TestPostmanForms(t *testing.T) {
	l := load(t, shop, "Login form", staging)
	if got := string(l.Options.Data); got != "username=alice&password=collection-secret&remember=yes+%26+more" {
		t.Errorf("urlencoded body %q", got)
	}
	if l.Options.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || l.Options.User != "" {
		t.Errorf("headers %v user %q", l.Options.Header, l.Options.User)
	}
	if !hasNote(l, "pre-request scripts are not run") {
		t.Errorf("notes %q", l.Notes)
	}

	l = load(t, shop, "Upload", staging)
	mt, params, err := mime.ParseMediaType(l.Options.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("content type %q: %v", l.Options.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(strings.NewReader(string(l.Options.Data)), params["boundary"])
	got := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		got[p.FormName()+"|"+p.FileName()] = string(b)
	}
	if got["title|"] != "Report 2" || got["file|upload.txt"] != "report body\n" {
		t.Errorf("multipart parts %q", got)
	}

	l = load(t, shop, "GraphQL", staging)
	if string(l.Options.Data) != `{"query":"query { me { id } }","variables":{"first":2}}` || l.Options.Header.Get("Content-Type") != "application/json" {
		t.Errorf("graphql body %q", l.Options.Data)
	}
}

func TestPostmanUnresolvedVariable(t *testing.T) {
	msg := loadErr(t, shop, "Orders/List orders", "")
	if !strings.Contains(msg, `request "Orders/List orders": auth bearer: {{accessToken}} is not defined (define it in the collection's variables or in an environment file given with --env FILE)`) {
		t.Errorf("unresolved: %s", msg)
	}
	msg = loadErr(t, shop, "Login form", "testdata/postman/v1.postman_collection.json")
	if !strings.Contains(msg, "not a Postman environment") {
		t.Errorf("bad environment: %s", msg)
	}
}

func TestPostmanOldAndOdd(t *testing.T) {
	l := load(t, "testdata/postman/v20.postman_collection.json", "", "")
	o := l.Options
	if o.URL != "http://api.example.test:8080/status?full=1" || o.User != "carol:v20-secret" || o.Header.Get("X-Trace") != "7" || o.Header.Get("Accept") != "text/plain" {
		t.Errorf("v2.0 collection: %q %q %v", o.URL, o.User, o.Header)
	}
	if !hasNote(l, "wrapper") || !hasNote(l, "schema v2.0") {
		t.Errorf("repairs not said: %q", l.Notes)
	}
	if msg := loadErr(t, "testdata/postman/v1.postman_collection.json", "", ""); !strings.Contains(msg, "schema v1: export it again as Collection v2.1") {
		t.Errorf("v1: %s", msg)
	}
	if msg := loadErr(t, "testdata/postman/unsupported.postman_collection.json", "", ""); !strings.Contains(msg, "auth awsv4 is not supported") {
		t.Errorf("awsv4: %s", msg)
	}
	if msg := loadErr(t, "testdata/postman/missing.json", "", ""); !strings.Contains(msg, "no such file") {
		t.Errorf("missing file: %s", msg)
	}
}

func TestPostmanBadJSON(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"list.json":    `[{"item": []}]`,
		"broken.json":  `{"item": [`,
		"noitem.json":  `{"info": {"name": "x"}}`,
		"badauth.json": `{"item": [{"name": "a", "request": {"url": "http://x.test/", "auth": "basic"}}]}`,
		"empty.json":   `{"item": []}`,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		msg := loadErr(t, p, "", "")
		if strings.Contains(msg, "cannot unmarshal") || strings.Contains(msg, "Go value") || strings.Contains(msg, "importreq.") {
			t.Errorf("%s: error quotes Go: %s", name, msg)
		}
	}
}
