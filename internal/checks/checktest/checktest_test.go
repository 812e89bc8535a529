package checktest

import (
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/why401/why401/internal/evidence"
)

func TestParse(t *testing.T) {
	ar := txtar.Parse([]byte(`a redirect to a login page
-- as-given --
GET https://api.test/me
Authorization: Bearer abc

HTTP/1.1 302 Found
Location: /login

GET https://api.test/login

HTTP/1.1 200 OK
Content-Type: text/html

<form>
line two
-- no-credentials --
GET https://api.test/me

ERROR connect: connection refused
-- nearby parent --
GET https://api.test/

HTTP/2 204 No Content
-- want --
x likely: y
`))
	p, want, err := Parse(ar)
	if err != nil {
		t.Fatal(err)
	}
	if want != "x likely: y\n" || p.Target != "https://api.test/me" || len(p.Trials) != 3 {
		t.Fatalf("want %q, target %q, %d trials", want, p.Target, len(p.Trials))
	}
	g := p.Trials[0]
	if !g.Credentialed || len(g.Hops) != 2 || g.Hops[0].Response.Header.Get("Location") != "/login" || string(g.Hops[1].Response.Body) != "<form>\nline two" {
		t.Fatalf("as-given: %+v", g)
	}
	if p.Credentials[0] != "bearer" {
		t.Fatalf("credentials %v", p.Credentials)
	}
	if n := p.Trials[1]; n.Hops[0].Response != nil || n.Hops[0].ErrKind != "connect" || n.Hops[0].Err != "connection refused" {
		t.Fatalf("error hop: %+v", n.Hops[0])
	}
	if nb := p.Trials[2]; nb.Variant != evidence.Nearby || nb.Label != "parent" || nb.Hops[0].Response.Status != 204 {
		t.Fatalf("nearby: %+v", nb)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"-- no-credentials --\nGET https://a.test/\n\nHTTP/1.1 401 X\n", "no as-given trial"},
		{"-- as-given --\nfetch the page\n", "want a request line"},
		{"-- as-given --\nGET https://a.test/\n\nOK then\n", "want a status line"},
		{"-- as-given --\nGET https://a.test/\nAccept: */*\n", "no response"},
	} {
		_, _, err := Parse(txtar.Parse([]byte(c.text)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.text, err, c.want)
		}
	}
}

func TestParseRequestBody(t *testing.T) {
	ar := txtar.Parse([]byte(`a form posted
-- as-given --
POST https://a.test/token
Content-Type: application/x-www-form-urlencoded

a=1&b=2
HTTP/1.1 415 Unsupported Media Type

-- no-credentials --
GET https://a.test/token

HTTP/1.1 401 Unauthorized
`))
	p, _, err := Parse(ar)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.Request.Body); got != "a=1&b=2" || p.Request.BodySize != 7 {
		t.Errorf("as-given body %q (size %d), want a=1&b=2", got, p.Request.BodySize)
	}
	if r := p.Trials[0].Hops[0].Response; r == nil || r.Status != 415 {
		t.Errorf("as-given response %+v", r)
	}
	if b := p.Trials[1].Hops[0].Request.Body; b != nil {
		t.Errorf("a request without a body got %q", b)
	}
}
