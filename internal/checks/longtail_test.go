package checks

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
)

// ltNow is the clock of the long-tail fixtures.
var ltNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// ltFixture is one exchange and its variants, built by hand.
type ltFixture struct {
	url     string
	req     http.Header
	body    string // request body
	status  int
	resp    http.Header
	rbody   string
	tls     *evidence.TLS
	err     string // transport error instead of a response
	errKind string
	extra   []evidence.Trial
	edit    func(*evidence.Probe)
}

func (f ltFixture) probe() *evidence.Probe {
	if f.req == nil {
		f.req = http.Header{}
	}
	if f.resp == nil {
		f.resp = http.Header{}
	}
	req := evidence.Request{Method: "GET", URL: f.url, Header: f.req, Body: []byte(f.body)}
	if f.body != "" {
		req.Method = "POST"
	}
	ex := evidence.Exchange{Request: req, TLS: f.tls, Err: f.err, ErrKind: f.errKind}
	if f.err == "" {
		ex.Response = &evidence.Response{Status: f.status, Header: f.resp, Body: []byte(f.rbody), Received: ltNow}
	}
	p := &evidence.Probe{Target: f.url, Started: ltNow, Request: req,
		Trials: append([]evidence.Trial{{Variant: evidence.AsGiven, Hops: []evidence.Exchange{ex}}}, f.extra...)}
	if f.req.Get("Authorization") != "" {
		p.Credentials = append(p.Credentials, strings.ToLower(strings.Fields(f.req.Get("Authorization"))[0]))
	}
	if f.req.Get("Cookie") != "" {
		p.Credentials = append(p.Credentials, "cookie")
	}
	if f.edit != nil {
		f.edit(p)
	}
	return p
}

// trial is a one-hop trial of variant v.
func ltTrial(v evidence.Variant, label, url string, status int, h http.Header, body string) evidence.Trial {
	if h == nil {
		h = http.Header{}
	}
	return evidence.Trial{Variant: v, Label: label, Address: label, Hops: []evidence.Exchange{{
		Request:  evidence.Request{Method: "GET", URL: url, Header: http.Header{}},
		Response: &evidence.Response{Status: status, Header: h, Body: []byte(body), Received: ltNow},
	}}}
}

func ltRun(t *testing.T, c *diagnosis.Check, p *evidence.Probe) []diagnosis.Finding {
	t.Helper()
	fs, err := diagnosis.Run([]*diagnosis.Check{c}, p, ltNow)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// ltCase is a fixture with the cause its check must (or must not) report.
type ltCase struct {
	name    string
	f       ltFixture
	want    catalog.ID // "" means: no finding at all
	minConf float64
	title   string // substring of the title, if set
	first   bool   // the whole suite must rank want first
}

func ltCheck(t *testing.T, c *diagnosis.Check, cases []ltCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := ltRun(t, c, tc.f.probe())
			if tc.want == "" {
				if len(fs) != 0 {
					t.Fatalf("near miss reported %s (%.2f): %s %q", fs[0].Cause, fs[0].Confidence, fs[0].Text(), fs[0].Evidence)
				}
				return
			}
			if len(fs) == 0 || fs[0].Cause != tc.want {
				t.Fatalf("findings %+v, want %s first", fs, tc.want)
			}
			if fs[0].Confidence < tc.minConf {
				t.Errorf("confidence %.2f < %.2f", fs[0].Confidence, tc.minConf)
			}
			if tc.title != "" && !strings.Contains(fs[0].Text(), tc.title) {
				t.Errorf("title %q lacks %q", fs[0].Text(), tc.title)
			}
			for _, line := range fs[0].Evidence {
				if strings.Contains(line, "s3cr3t") || strings.Contains(line, "grüße") {
					t.Errorf("secret in evidence: %q", line)
				}
			}
			if tc.first {
				all, err := diagnosis.Run(All, tc.f.probe(), ltNow)
				if err != nil {
					t.Fatal(err)
				}
				if len(all) == 0 || all[0].Cause != tc.want {
					t.Errorf("suite ranks %v first, want %s", causesOf(all), tc.want)
				}
			}
		})
	}
}

func causesOf(fs []diagnosis.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Cause))
	}
	return out
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// ltToken builds an RS256-shaped JWT with a dummy signature (nothing in
// the long-tail checks verifies it).
func ltToken(t *testing.T, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(c) + "." + enc([]byte("signature"))
}

func TestSignedURL(t *testing.T) {
	date := ltNow.Add(-73 * time.Hour).Format("20060102T150405Z")
	s3 := "https://b.s3.amazonaws.com/r.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=" + date + "&X-Amz-Expires=3600&X-Amz-Signature=abc"
	fresh := "https://b.s3.amazonaws.com/r.pdf?X-Amz-Date=" + ltNow.Add(-time.Minute).Format("20060102T150405Z") + "&X-Amz-Expires=3600&X-Amz-Signature=abc"
	expired := `<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`
	serverAhead := hdr("Date", ltNow.Add(2*time.Hour).Format(http.TimeFormat))
	ltCheck(t, SignedURL, []ltCase{
		{name: "expired 3 days ago", f: ltFixture{url: s3, status: 403, rbody: expired}, want: catalog.TokenExpired, minConf: 0.9, title: "expired 3 days ago", first: true},
		{name: "azure sas expired", f: ltFixture{url: "https://a.blob.core.windows.net/c/b?sv=2022-11-02&se=2026-03-01T00:00:00Z&sig=x", status: 403}, want: catalog.TokenExpired, minConf: 0.9, title: "9 days ago"},
		{name: "expired by the server clock only", f: ltFixture{url: "https://cdn.example/f?expires=" + itoa(ltNow.Add(time.Hour).Unix()) + "&signature=x", status: 403, resp: serverAhead}, want: catalog.TokenExpired, minConf: 0.7, title: "server's clock"},
		{name: "signature mismatch", f: ltFixture{url: fresh, status: 403, rbody: "<Error><Code>SignatureDoesNotMatch</Code></Error>"}, want: catalog.URLWrong, minConf: 0.7},
		{name: "access_token jwt expired", f: ltFixture{url: "https://api.example/v1?access_token=" + ltToken(t, map[string]any{"exp": ltNow.Add(-2 * time.Hour).Unix()}), status: 401}, want: catalog.TokenExpired, title: "token in the URL expired 2 hours ago"},
		{name: "signed in the future", f: ltFixture{url: "https://b.s3.amazonaws.com/r?X-Amz-Date=" + ltNow.Add(3*time.Hour).Format("20060102T150405Z") + "&X-Amz-Expires=3600&X-Amz-Signature=abc", status: 403}, want: catalog.TokenNotYetValid, minConf: 0.65},
		// Near misses.
		{name: "fresh link refused for another reason", f: ltFixture{url: fresh, status: 403, rbody: "<Error><Code>AccessDenied</Code></Error>"}},
		{name: "expired link but the request worked", f: ltFixture{url: s3, status: 200}},
		{name: "plain URL", f: ltFixture{url: "https://example.com/report?expires=soon", status: 401}},
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestWrongURL(t *testing.T) {
	base := "https://site.example/members/docs/guide"
	basicCh := hdr("WWW-Authenticate", `Basic realm="members"`, "Content-Type", "application/json")
	ltCheck(t, WrongURL, []ltCase{
		{name: "public without prefix", f: ltFixture{url: base, status: 401, resp: basicCh, extra: []evidence.Trial{
			ltTrial(evidence.Nearby, "without-prefix", "https://site.example/docs/guide", 200, nil, "guide"),
			ltTrial(evidence.Nearby, "parent", "https://site.example/members/docs/", 401, nil, ""),
		}}, want: catalog.URLWrong, minConf: 0.9, first: true},
		{name: "api gateway no route", f: ltFixture{url: "https://x.execute-api.eu-west-1.amazonaws.com/prod/itemz", status: 403, rbody: `{"message":"Missing Authentication Token"}`}, want: catalog.URLWrong, minConf: 0.9, first: true},
		{name: "other scheme public", f: ltFixture{url: "http://site.example/app/x", status: 401, resp: basicCh, extra: []evidence.Trial{
			ltTrial(evidence.OtherScheme, "", "https://site.example/app/x", 200, nil, "ok")}}, want: catalog.URLWrong, minConf: 0.5},
		{name: "only the parent is public", f: ltFixture{url: base, status: 401, resp: basicCh, extra: []evidence.Trial{
			ltTrial(evidence.Nearby, "without-prefix", "https://site.example/docs/guide", 404, nil, ""),
			ltTrial(evidence.Nearby, "parent", "https://site.example/members/docs/", 200, nil, "index"),
		}}, want: catalog.URLWrong},
		{name: "twin checked against a catch-all", f: ltFixture{url: base, status: 401, resp: basicCh, extra: []evidence.Trial{
			ltTrial(evidence.Nearby, "without-prefix", "https://site.example/docs/guide", 200, nil, "guide"),
			ltTrial(evidence.Nearby, "nonexistent", "https://site.example/docs/guide-why401-1a2b", 404, nil, "not found"),
		}}, want: catalog.URLWrong, minConf: 0.9},
		// Near misses.
		{name: "single-page app answers every path", f: ltFixture{url: base, status: 401, resp: basicCh, extra: []evidence.Trial{
			ltTrial(evidence.Nearby, "without-prefix", "https://site.example/docs/guide", 200, nil, "<div id=app></div>"),
			ltTrial(evidence.Nearby, "nonexistent", "https://site.example/docs/guide-why401-1a2b", 200, nil, "<div id=app></div>"),
		}}, want: catalog.URLWrong, minConf: 0, title: "Nearby URLs are public"},
		{name: "neighbours protected too", f: ltFixture{url: base, status: 401, resp: basicCh, extra: []evidence.Trial{
			ltTrial(evidence.Nearby, "without-prefix", "https://site.example/docs/guide", 401, nil, ""),
			ltTrial(evidence.Nearby, "parent", "https://site.example/members/docs/", 401, nil, "")}}},
		{name: "request worked", f: ltFixture{url: base, status: 200, extra: []evidence.Trial{
			ltTrial(evidence.Nearby, "without-prefix", "https://site.example/docs/guide", 200, nil, "")}}},
	})
	// A public parent alone is only a weak hint.
	fs := ltRun(t, WrongURL, ltFixture{url: base, status: 401, resp: basicCh, extra: []evidence.Trial{
		ltTrial(evidence.Nearby, "parent", "https://site.example/members/docs/", 200, nil, "")}}.probe())
	if len(fs) != 1 || fs[0].Confidence > 0.3 {
		t.Errorf("parent only: %+v", fs)
	}
}

func TestMovedLogin(t *testing.T) {
	moved := func(from, to string, final int, method string) ltFixture {
		hop1 := evidence.Exchange{Request: evidence.Request{Method: "POST", URL: from, Header: http.Header{}},
			Response: &evidence.Response{Status: 301, Header: hdr("Location", to)},
			Redirect: &evidence.Redirect{From: from, To: to, Status: 301}}
		hop2 := evidence.Exchange{Request: evidence.Request{Method: method, URL: to, Header: http.Header{}},
			Response: &evidence.Response{Status: final, Header: http.Header{}, Received: ltNow}}
		return ltFixture{url: from, body: "user=a&password=s3cr3t", edit: func(p *evidence.Probe) {
			p.Trials[0].Hops = []evidence.Exchange{hop1, hop2}
		}}
	}
	ltCheck(t, WrongURL, []ltCase{
		{name: "login moved, POST became GET", f: moved("https://h/api/login", "https://h/api/v2/login", 405, "GET"), want: catalog.URLWrong, minConf: 0.85, title: "/api/v2/login"},
		{name: "login moved, 401", f: moved("https://h/wp-login.php", "https://h/account/login", 401, "GET"), want: catalog.URLWrong},
		// Near misses.
		{name: "sso hand-off to another host", f: moved("https://h/login", "https://idp.example/login", 401, "GET")},
		{name: "not a login path", f: moved("https://h/api/items", "https://h/api/v2/items", 401, "GET")},
		{name: "moved and working", f: moved("https://h/login", "https://h/signin", 200, "GET")},
	})
}

func TestDNS(t *testing.T) {
	old := hdr("Server", "nginx/1.14.2", "WWW-Authenticate", `Basic realm="old"`)
	newSite := hdr("Server", "lab-web/2.0")
	ltCheck(t, DNS, []ltCase{
		{name: "AAAA to the old host", f: ltFixture{url: "http://www.example/", status: 200, resp: newSite, extra: []evidence.Trial{
			ltTrial(evidence.Address, "192.0.2.10", "http://www.example/", 200, newSite, "<title>New</title>"),
			ltTrial(evidence.Address, "2001:db8::10", "http://www.example/", 401, old, "<title>401 Authorization Required</title>"),
		}}, want: catalog.DNSMismatch, minConf: 0.95, title: "IPv4 and IPv6", first: true},
		{name: "two A records, one the old host", f: ltFixture{url: "http://www.example/", status: 200, resp: newSite, extra: []evidence.Trial{
			ltTrial(evidence.Address, "192.0.2.10", "http://www.example/", 200, newSite, "<title>New</title>"),
			ltTrial(evidence.Address, "198.51.100.7", "http://www.example/", 401, old, "<title>401 Authorization Required</title>"),
		}}, want: catalog.DNSMismatch, minConf: 0.95, title: "different sites", first: true},
		{name: "an address that does not answer", f: ltFixture{url: "http://www.example/", status: 200, extra: []evidence.Trial{
			ltTrial(evidence.Address, "192.0.2.10", "http://www.example/", 200, nil, ""),
			{Variant: evidence.Address, Address: "192.0.2.99", Hops: []evidence.Exchange{{Request: evidence.Request{Method: "GET", URL: "http://www.example/"}, Err: "dial tcp 192.0.2.99:80: connect: connection refused", ErrKind: "connect"}}},
		}}, want: catalog.DNSMismatch, minConf: 0.75},
		// Near misses: one site whose nodes disagree (Backends), and agreement.
		{name: "no IPv6 route here", f: ltFixture{url: "http://www.example/", status: 200, extra: []evidence.Trial{
			ltTrial(evidence.Address, "192.0.2.10", "http://www.example/", 200, nil, ""),
			{Variant: evidence.Address, Address: "2001:db8::1", Hops: []evidence.Exchange{{Request: evidence.Request{Method: "GET", URL: "http://www.example/"}, Err: "dial tcp [2001:db8::1]:80: connect: network is unreachable", ErrKind: "connect"}}},
		}}},
		{name: "same site, stale node", f: ltFixture{url: "http://www.example/", status: 200, extra: []evidence.Trial{
			ltTrial(evidence.Address, "127.0.0.1", "http://www.example/", 200, hdr("Content-Type", "application/json"), `{}`),
			ltTrial(evidence.Address, "::1", "http://www.example/", 401, hdr("WWW-Authenticate", `Basic realm="lab"`), `{}`),
		}}},
		{name: "all agree", f: ltFixture{url: "http://www.example/", status: 401, extra: []evidence.Trial{
			ltTrial(evidence.Address, "192.0.2.10", "http://www.example/", 401, old, ""),
			ltTrial(evidence.Address, "2001:db8::10", "http://www.example/", 401, old, ""),
		}}},
	})
	// The stale node of one site is Backends' finding, and it ranks first.
	p := ltFixture{url: "http://www.example/", status: 200, extra: []evidence.Trial{
		ltTrial(evidence.Address, "127.0.0.1", "http://www.example/", 200, nil, `{}`),
		ltTrial(evidence.Address, "::1", "http://www.example/", 401, hdr("WWW-Authenticate", `Basic realm="lab"`), `{}`),
	}}.probe()
	if all, _ := diagnosis.Run(All, p, ltNow); len(all) == 0 || all[0].Cause != catalog.BackendInconsistent {
		t.Errorf("suite ranks %v first", causesOf(all))
	}
}

func TestEncoding(t *testing.T) {
	utf := hdr("Authorization", basicAuth("jürgen", "grüße"))
	latin := hdr("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("j\xfcrgen:gr\xfc\xdfe")))
	noCharset := hdr("WWW-Authenticate", `Basic realm="legacy"`)
	utf8Charset := hdr("WWW-Authenticate", `Basic realm="new", charset="UTF-8"`)
	ltCheck(t, Encoding, []ltCase{
		{name: "latin-1 works", f: ltFixture{url: "http://h/x", req: utf, status: 401, resp: noCharset, extra: []evidence.Trial{
			ltTrial(evidence.Encoding, "latin-1", "http://h/x", 200, nil, "")}}, want: catalog.CredentialsEncoding, minConf: 0.95, title: "latin-1", first: true},
		{name: "server wants utf-8, latin-1 sent", f: ltFixture{url: "http://h/x", req: latin, status: 401, resp: utf8Charset}, want: catalog.CredentialsEncoding, minConf: 0.85, first: true},
		{name: "no charset, utf-8 sent", f: ltFixture{url: "http://h/x", req: utf, status: 401, resp: noCharset}, want: catalog.CredentialsEncoding, minConf: 0.6, title: "may be encoded"},
		{name: "userinfo in the URL", f: ltFixture{url: "http://h/x", req: utf, status: 401, resp: noCharset, edit: func(p *evidence.Probe) {
			p.Target = "http://j%C3%BCrgen:gr%C3%BC%C3%9Fe@h/x"
		}}, want: catalog.CredentialsEncoding, title: "may be encoded"},
		{name: "percent escapes", f: ltFixture{url: "http://h/x", req: hdr("Authorization", basicAuth("bob", "p%40ss")), status: 401, resp: noCharset}, want: catalog.CredentialsEncoding, minConf: 0.7},
		{name: "every encoding refused", f: ltFixture{url: "http://h/x", req: utf, status: 401, resp: noCharset, extra: []evidence.Trial{
			ltTrial(evidence.Encoding, "latin-1", "http://h/x", 401, nil, "")}}, want: catalog.CredentialsEncoding},
		// Near misses.
		{name: "ascii password", f: ltFixture{url: "http://h/x", req: hdr("Authorization", basicAuth("bob", "s3cr3t")), status: 401, resp: noCharset}},
		{name: "non-ascii but accepted", f: ltFixture{url: "http://h/x", req: utf, status: 200}},
		{name: "bearer challenge", f: ltFixture{url: "http://h/x", req: utf, status: 401, resp: hdr("WWW-Authenticate", "Bearer")}},
	})
	// Refused in every encoding: the wrong password ranks above encoding.
	fs := ltRun(t, Encoding, ltFixture{url: "http://h/x", req: utf, status: 401, resp: noCharset, extra: []evidence.Trial{
		ltTrial(evidence.Encoding, "latin-1", "http://h/x", 401, nil, "")}}.probe())
	if len(fs) != 1 || fs[0].Confidence > 0.35 {
		t.Errorf("refused everywhere: %+v", fs)
	}
}

func TestCollision(t *testing.T) {
	tok := ltToken(t, map[string]any{"aud": "https://api.example", "exp": ltNow.Add(time.Hour).Unix()})
	bearer := hdr("Authorization", "Bearer "+tok)
	nginx401 := "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	basic := hdr("WWW-Authenticate", `Basic realm="Staging"`)
	ltCheck(t, Collision, []ltCase{
		{name: "resource metadata", f: ltFixture{url: "https://staging.example/api/items", req: bearer, status: 401, resp: basic, rbody: "{}", edit: func(p *evidence.Probe) {
			p.Discovery = []evidence.Document{{Kind: "resource-metadata", URL: "https://staging.example/.well-known/oauth-protected-resource/api/items", Status: 200}}
		}}, want: catalog.AuthHeaderCollision, minConf: 0.95, first: true},
		{name: "token for this host", f: ltFixture{url: "https://api.example/v1", req: bearer, status: 401, resp: basic, rbody: "{}"}, want: catalog.AuthHeaderCollision, minConf: 0.9, first: true},
		{name: "stock page and a jwt", f: ltFixture{url: "https://staging.example/v1", req: bearer, status: 401, resp: basic, rbody: nginx401}, want: catalog.AuthHeaderCollision, minConf: 0.9, first: true},
		// Near misses.
		{name: "opaque token, app's own basic", f: ltFixture{url: "https://staging.example/v1", req: hdr("Authorization", "Bearer opaque123"), status: 401, resp: basic, rbody: "{}"}},
		{name: "basic sent", f: ltFixture{url: "https://api.example/v1", req: hdr("Authorization", basicAuth("a", "s3cr3t")), status: 401, resp: basic, rbody: nginx401}},
		{name: "bearer also offered", f: ltFixture{url: "https://api.example/v1", req: bearer, status: 401, resp: hdr("WWW-Authenticate", `Basic realm="x", Bearer`), rbody: nginx401}},
	})
}

func TestIPACL(t *testing.T) {
	iis := func(sub string) string {
		return "<html><head><title>IIS 10.0 Detailed Error - " + sub + "</title></head><body><h3>HTTP Error " + sub + " - Unauthorized</h3></body></html>"
	}
	nginx403 := "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
	apache403 := "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>403 Forbidden</title>\n</head><body>\n<h1>Forbidden</h1>\n<p>You don't have permission to access this resource.</p>\n<hr>\n<address>Apache/2.4.62 (Debian) Server at 127.0.0.1 Port 8080</address>\n</body></html>\n"
	alice := hdr("Authorization", basicAuth("alice", "s3cr3t"))
	ltCheck(t, IPACL, []ltCase{
		{name: "iis 401.503", f: ltFixture{url: "http://h/", req: alice, status: 401, rbody: iis("401.503")}, want: catalog.IPDenied, minConf: 0.9, first: true},
		{name: "iis 401.504", f: ltFixture{url: "http://h/", status: 401, rbody: iis("401.504")}, want: catalog.IPDenied, title: "host name"},
		{name: "iis 401.3", f: ltFixture{url: "http://h/", req: alice, status: 401, resp: hdr("WWW-Authenticate", `Basic realm="i"`), rbody: iis("401.3")}, want: catalog.ServerACL, minConf: 0.9, first: true},
		{name: "iis 401.502", f: ltFixture{url: "http://h/", status: 401, rbody: iis("401.502")}, want: catalog.RateLimitLockout, minConf: 0.9},
		{name: "nginx deny", f: ltFixture{url: "http://h/admin", req: alice, status: 403, rbody: nginx403, extra: []evidence.Trial{
			ltTrial(evidence.NoCredentials, "", "http://h/admin", 403, nil, nginx403)}}, want: catalog.IPDenied, minConf: 0.85, first: true},
		{name: "apache deny anonymous", f: ltFixture{url: "http://h/admin", status: 403, rbody: apache403}, want: catalog.IPDenied, minConf: 0.85, first: true},
		{name: "ip named in body", f: ltFixture{url: "http://h/api", status: 403, req: hdr("X-Forwarded-For", "10.0.0.1"), rbody: `{"error":"Your IP address 198.51.100.7 is not allowed"}`}, want: catalog.IPDenied, minConf: 0.85},
		// Near misses.
		{name: "app 403", f: ltFixture{url: "http://h/api", req: alice, status: 403, rbody: `{"error":"forbidden","message":"admin role required"}`}},
		{name: "nginx 401 page", f: ltFixture{url: "http://h/", status: 401, resp: hdr("WWW-Authenticate", `Basic realm="x"`), rbody: "<title>401 Authorization Required</title><center>nginx</center>"}},
		{name: "iis 401.1", f: ltFixture{url: "http://h/", status: 401, rbody: iis("401.1")}},
		{name: "nginx 403 after a challenge", f: ltFixture{url: "http://h/admin", req: alice, status: 403, rbody: nginx403, extra: []evidence.Trial{
			ltTrial(evidence.NoCredentials, "", "http://h/admin", 401, hdr("WWW-Authenticate", `Basic realm="r"`), "")}}},
	})
	// A directory without an index is refused with the same page: weaker.
	fs := ltRun(t, IPACL, ltFixture{url: "http://h/files/", status: 403, rbody: nginx403}.probe())
	if len(fs) != 1 || fs[0].Confidence > 0.7 {
		t.Errorf("directory: %+v", fs)
	}
}

func TestClientCert(t *testing.T) {
	nginx400 := "<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	expiredCert := func(p *evidence.Probe) {
		p.ClientCert = &evidence.Cert{Subject: "CN=client", Issuer: "CN=ca", NotBefore: ltNow.Add(-400 * 24 * time.Hour), NotAfter: ltNow.Add(-48 * time.Hour)}
	}
	ltCheck(t, ClientCert, []ltCase{
		{name: "nginx no cert", f: ltFixture{url: "https://h/", status: 400, rbody: nginx400}, want: catalog.TLSClientCertificate, minConf: 0.95, first: true},
		{name: "tls 1.3 certificate_required", f: ltFixture{url: "https://h/", err: "Get \"https://h/\": remote error: tls: certificate required", errKind: "tls"}, want: catalog.TLSClientCertificate, minConf: 0.95, first: true, title: "none was sent"},
		{name: "bad certificate, expired cert", f: ltFixture{url: "https://h/", err: "remote error: tls: bad certificate", errKind: "tls", edit: expiredCert}, want: catalog.TLSClientCertificate, title: "expired"},
		{name: "expired --cert and a 401", f: ltFixture{url: "https://h/", status: 401, edit: expiredCert}, want: catalog.TLSClientCertificate, minConf: 0.85, title: "expired", first: true},
		{name: "asked in handshake, 403", f: ltFixture{url: "https://h/", status: 403, tls: &evidence.TLS{Version: "TLS 1.3", ClientCertRequested: true}}, want: catalog.TLSClientCertificate, minConf: 0.8},
		// Near misses.
		{name: "server cert problem", f: ltFixture{url: "https://h/", err: "tls: failed to verify certificate: x509: certificate signed by unknown authority", errKind: "tls-verify"}},
		{name: "valid cert, 401", f: ltFixture{url: "https://h/", status: 401, edit: func(p *evidence.Probe) {
			p.ClientCert = &evidence.Cert{Subject: "CN=client", NotBefore: ltNow.Add(-time.Hour), NotAfter: ltNow.Add(time.Hour)}
		}}},
		{name: "other 400", f: ltFixture{url: "https://h/", status: 400, rbody: "<title>400 Bad Request</title>"}},
		{name: "optional cert asked, sent", f: ltFixture{url: "https://h/", status: 403, tls: &evidence.TLS{Version: "TLS 1.3", ClientCertRequested: true, ClientCertSent: true}}},
	})
}

func TestWrongKind(t *testing.T) {
	idTok := ltToken(t, map[string]any{"iss": "https://login.example", "aud": "web-client", "azp": "web-client", "nonce": "n1", "at_hash": "x", "exp": ltNow.Add(time.Hour).Unix()})
	access := ltToken(t, map[string]any{"iss": "https://login.example", "aud": "https://api.example", "scope": "read", "exp": ltNow.Add(time.Hour).Unix()})
	staging := ltToken(t, map[string]any{"iss": "https://login.staging.example.com", "aud": "https://api.example.com", "exp": ltNow.Add(time.Hour).Unix()})
	bearerCh := hdr("WWW-Authenticate", `Bearer error="invalid_token"`)
	wp := `{"code":"incorrect_password","message":"The provided password is an invalid application password.","data":{"status":401}}`
	ltCheck(t, WrongKind, []ltCase{
		{name: "id token", f: ltFixture{url: "https://api.example/v1", req: hdr("Authorization", "Bearer "+idTok), status: 401, resp: bearerCh}, want: catalog.TokenWrongType, minConf: 0.85, first: true},
		{name: "staging token on production", f: ltFixture{url: "https://api.example.com/v1", req: hdr("Authorization", "Bearer "+staging), status: 401, resp: bearerCh}, want: catalog.CredentialsWrongKind, minConf: 0.8, title: "staging"},
		{name: "wordpress login password", f: ltFixture{url: "https://blog.example/wp-json/wp/v2/users/me", req: hdr("Authorization", basicAuth("admin", "correct horse s3cr3t")), status: 401, rbody: wp}, want: catalog.CredentialsWrongKind, minConf: 0.9, first: true},
		{name: "github token to gitlab", f: ltFixture{url: "https://gitlab.com/api/v4/user", req: hdr("Authorization", "Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789"), status: 401}, want: catalog.CredentialsWrongKind, title: "GitHub token was sent to GitLab"},
		{name: "grafana cloud token", f: ltFixture{url: "https://grafana.corp.example/api/dashboards", req: hdr("Authorization", "Bearer glc_abc"), status: 401, rbody: `{"message":"invalid API key","messageId":"api-key.invalid"}`}, want: catalog.CredentialsWrongKind, minConf: 0.85},
		// Near misses.
		{name: "access token", f: ltFixture{url: "https://api.example/v1", req: hdr("Authorization", "Bearer "+access), status: 401, resp: bearerCh}},
		{name: "access token with nonce and auth_time", f: ltFixture{url: "https://api.example/v1", req: hdr("Authorization", "Bearer "+ltToken(t, map[string]any{"iss": "https://kc.example/realms/r", "aud": "account", "azp": "web", "nonce": "n", "auth_time": 1, "scope": "openid profile", "exp": ltNow.Add(time.Hour).Unix()})), status: 401, resp: bearerCh}},
		{name: "identity provider's dev tenant", f: ltFixture{url: "https://api.example.com/v1", req: hdr("Authorization", "Bearer "+ltToken(t, map[string]any{"iss": "https://dev-123456.okta.com/oauth2/default", "aud": "api://default", "exp": ltNow.Add(time.Hour).Unix()})), status: 401, resp: bearerCh}},
		{name: "same environment", f: ltFixture{url: "https://api.staging.example.com/v1", req: hdr("Authorization", "Bearer "+staging), status: 401, resp: bearerCh}},
		{name: "wrong application password", f: ltFixture{url: "https://blog.example/wp-json/wp/v2/users/me", req: hdr("Authorization", basicAuth("admin", "abcd EFGH ijkl MNOP qrst UVWX")), status: 401, rbody: wp}},
		{name: "github token to github", f: ltFixture{url: "https://api.github.com/user", req: hdr("Authorization", "Bearer ghp_abc"), status: 401}},
		{name: "id token accepted", f: ltFixture{url: "https://api.example/v1", req: hdr("Authorization", "Bearer "+idTok), status: 200}},
	})
}

func TestNotAuth(t *testing.T) {
	maint := "<html><head><title>Down for maintenance</title></head><body>We'll be right back.</body></html>"
	cookie := hdr("Cookie", "app_session=abc; theme=dark")
	form := hdr("Content-Type", "application/x-www-form-urlencoded")
	ltCheck(t, NotAuth, []ltCase{
		{name: "maintenance 401", f: ltFixture{url: "https://h/", status: 401, resp: hdr("Retry-After", "600"), rbody: maint}, want: catalog.StatusNotAuth, minConf: 0.9, first: true},
		{name: "validation error as 401", f: ltFixture{url: "https://h/api/orders", req: hdr("Authorization", "Bearer abc"), body: `{"qty":0}`, status: 401,
			resp: hdr("Content-Type", "application/json"), rbody: `{"errors":{"qty":"must be at least 1"}}`,
			extra: []evidence.Trial{ltTrial(evidence.NoCredentials, "", "https://h/api/orders", 401, hdr("WWW-Authenticate", "Bearer"), `{"error":"unauthorized"}`)}}, want: catalog.StatusNotAuth, minConf: 0.85},
		{name: "session cookie deleted", f: ltFixture{url: "https://h/app", req: cookie, status: 401, resp: hdr("Set-Cookie", "app_session=; Path=/; Max-Age=0")}, want: catalog.SessionExpired, minConf: 0.9, first: true},
		{name: "session cookie expired by date", f: ltFixture{url: "https://h/app", req: cookie, status: 401, resp: hdr("Set-Cookie", "app_session=deleted; Expires=Thu, 01 Jan 1970 00:00:00 GMT")}, want: catalog.SessionExpired},
		{name: "form to a JSON endpoint", f: ltFixture{url: "https://h/oauth/token", req: form, body: "grant_type=client_credentials&client_secret=s3cr3t", status: 401, rbody: `{"error":"invalid_client","error_description":"request body must be JSON"}`}, want: catalog.RequestContentType, minConf: 0.9, first: true},
		{name: "415", f: ltFixture{url: "https://h/api", req: form, body: "a=1", status: 415}, want: catalog.RequestContentType, minConf: 0.9},
		{name: "json works (--try-content-type)", f: ltFixture{url: "https://h/oauth/token", req: form, body: "a=1", status: 401, rbody: `{"error":"invalid_client"}`, extra: []evidence.Trial{
			ltTrial(evidence.ContentType, "application/json", "https://h/oauth/token", 200, nil, `{"access_token":"t"}`)}}, want: catalog.RequestContentType, minConf: 0.95, first: true},
		// Near misses.
		{name: "plain 401", f: ltFixture{url: "https://h/", status: 401, resp: hdr("WWW-Authenticate", `Basic realm="x"`), rbody: "<title>401 Authorization Required</title>"}},
		{name: "maintenance page that works", f: ltFixture{url: "https://h/", status: 200, rbody: maint}},
		{name: "other cookie set", f: ltFixture{url: "https://h/app", req: cookie, status: 401, resp: hdr("Set-Cookie", "tracking=1; Max-Age=0")}},
		{name: "json refused too (--try-content-type)", f: ltFixture{url: "https://h/oauth/token", req: form, body: "a=1", status: 401, rbody: `{"error":"body must be JSON"}`, extra: []evidence.Trial{
			ltTrial(evidence.ContentType, "application/json", "https://h/oauth/token", 401, nil, `{"error":"invalid_client"}`)}}},
		{name: "json sent, json wanted", f: ltFixture{url: "https://h/oauth/token", req: hdr("Content-Type", "application/json"), body: `{"a":1}`, status: 401, rbody: `{"error":"invalid_client"}`}},
		{name: "registry errors array", f: ltFixture{url: "https://reg/v2/", status: 401, resp: hdr("Content-Type", "application/json", "WWW-Authenticate", `Bearer realm="x"`), rbody: `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`}},
		{name: "password is required", f: ltFixture{url: "https://h/login", body: "user=a", status: 401, resp: hdr("Content-Type", "application/json"), rbody: `{"errors":{"password":"is required"}}`}},
		{name: "validation words, not json", f: ltFixture{url: "https://h/", status: 401, resp: hdr("Content-Type", "text/html"), rbody: "<p>A password is required</p>"}},
	})
}

func TestHtpasswd(t *testing.T) {
	nginx403 := "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
	alice := hdr("Authorization", basicAuth("alice", "s3cr3t"))
	nginx500 := "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	anon := ltTrial(evidence.NoCredentials, "", "http://h/", 401, hdr("WWW-Authenticate", `Basic realm="r"`), "")
	ltCheck(t, Htpasswd, []ltCase{
		{name: "file unreadable", f: ltFixture{url: "http://h/", req: alice, status: 500, rbody: nginx500, extra: []evidence.Trial{anon,
			ltTrial(evidence.Bogus, "made-up user", "http://h/", 500, nil, nginx500)}}, want: catalog.ServerHtpasswdFile, minConf: 0.9, first: true},
		{name: "hash unusable", f: ltFixture{url: "http://h/", req: alice, status: 500, rbody: nginx500, extra: []evidence.Trial{anon,
			ltTrial(evidence.Bogus, "made-up user", "http://h/", 401, hdr("WWW-Authenticate", `Basic realm="r"`), "")}}, want: catalog.ServerHtpasswdHash, minConf: 0.9, first: true},
		{name: "no bogus trial", f: ltFixture{url: "http://h/", req: alice, status: 500, rbody: nginx500, extra: []evidence.Trial{anon}}, want: catalog.ServerHtpasswdFile, minConf: 0.75},
		{name: "nginx 403 for a missing file", f: ltFixture{url: "http://h/", req: alice, status: 403, rbody: nginx403, extra: []evidence.Trial{anon,
			ltTrial(evidence.Bogus, "made-up user", "http://h/", 403, nil, nginx403)}}, want: catalog.ServerHtpasswdFile, minConf: 0.9, first: true},
		{name: "known user not allowed", f: ltFixture{url: "http://h/", req: alice, status: 403, rbody: nginx403, extra: []evidence.Trial{anon,
			ltTrial(evidence.Bogus, "made-up user", "http://h/", 401, hdr("WWW-Authenticate", `Basic realm="r"`), "")}}},
		{name: "application 403", f: ltFixture{url: "http://h/", req: alice, status: 403, rbody: `{"error":"forbidden"}`, extra: []evidence.Trial{anon,
			ltTrial(evidence.Bogus, "made-up user", "http://h/", 403, nil, `{"error":"forbidden"}`)}}},
		// Near misses.
		{name: "app error, no basic challenge", f: ltFixture{url: "http://h/", req: alice, status: 500, extra: []evidence.Trial{
			ltTrial(evidence.NoCredentials, "", "http://h/", 500, nil, "")}}},
		{name: "bearer sent", f: ltFixture{url: "http://h/", req: hdr("Authorization", "Bearer x"), status: 500, extra: []evidence.Trial{anon}}},
		{name: "wrong password", f: ltFixture{url: "http://h/", req: alice, status: 401, extra: []evidence.Trial{anon}}},
	})
}

func TestAuthScope(t *testing.T) {
	basicCh := hdr("WWW-Authenticate", `Basic realm="Staging"`)
	nginx401 := "<title>401 Authorization Required</title><center>nginx</center>"
	ltCheck(t, AuthScope, []ltCase{
		{name: "acme challenge", f: ltFixture{url: "http://h/.well-known/acme-challenge/tok", status: 401, resp: basicCh, rbody: nginx401}, want: catalog.ServerAuthScope, minConf: 0.9, first: true, title: "acme-challenge"},
		{name: "health check", f: ltFixture{url: "http://h/healthz", status: 401, resp: basicCh}, want: catalog.ServerAuthScope, first: true},
		{name: "stylesheet", f: ltFixture{url: "http://h/static/app.css?v=3", status: 401, resp: basicCh, rbody: nginx401}, want: catalog.ServerAuthScope, first: true},
		{name: "favicon", f: ltFixture{url: "http://h/favicon.ico", status: 401, resp: basicCh}, want: catalog.ServerAuthScope},
		// Near misses.
		{name: "page", f: ltFixture{url: "http://h/admin/", status: 401, resp: basicCh, rbody: nginx401}},
		{name: "healthy lookalike", f: ltFixture{url: "http://h/healthcare/plans", status: 401, resp: basicCh}},
		{name: "bearer api asset path", f: ltFixture{url: "http://h/api/logo.png", status: 401, resp: hdr("WWW-Authenticate", "Bearer")}},
		{name: "credentials sent", f: ltFixture{url: "http://h/app.js", req: hdr("Authorization", basicAuth("a", "s3cr3t")), status: 401, resp: basicCh}},
		{name: "asset served", f: ltFixture{url: "http://h/app.js", status: 200}},
	})
}

func TestAuthCache(t *testing.T) {
	bearer := hdr("Authorization", "Bearer abc")
	ltCheck(t, AuthCache, []ltCase{
		{name: "public authenticated answer", f: ltFixture{url: "http://h/me", req: bearer, status: 200, resp: hdr("Cache-Control", "public, max-age=300")}, want: catalog.CacheAuthCacheable, minConf: 0.85, first: true},
		{name: "login sets cookie, cacheable", f: ltFixture{url: "http://h/login", status: 200, resp: hdr("Cache-Control", "max-age=60", "Set-Cookie", "sid=1; HttpOnly")}, want: catalog.CacheAuthCacheable, minConf: 0.85},
		{name: "cookie page without vary", f: ltFixture{url: "http://h/account", req: hdr("Cookie", "sid=1"), status: 200, resp: hdr("Cache-Control", "max-age=600")}, want: catalog.CacheAuthCacheable},
		{name: "cacheable 401", f: ltFixture{url: "http://h/x", status: 401, resp: hdr("Cache-Control", "public, max-age=3600", "WWW-Authenticate", "Bearer")}, want: catalog.CacheAuthCacheable, minConf: 0.6},
		// Near misses.
		{name: "private", f: ltFixture{url: "http://h/me", req: bearer, status: 200, resp: hdr("Cache-Control", "private, max-age=300")}},
		{name: "max-age with Authorization only", f: ltFixture{url: "http://h/me", req: bearer, status: 200, resp: hdr("Cache-Control", "max-age=300")}},
		{name: "cookie with vary", f: ltFixture{url: "http://h/account", req: hdr("Cookie", "sid=1"), status: 200, resp: hdr("Cache-Control", "max-age=600", "Vary", "Cookie")}},
		{name: "public anonymous", f: ltFixture{url: "http://h/logo.png", status: 200, resp: hdr("Cache-Control", "public, max-age=86400")}},
		{name: "plain 401", f: ltFixture{url: "http://h/x", status: 401, resp: hdr("WWW-Authenticate", "Bearer")}},
		{name: "tracking cookie on a public page", f: ltFixture{url: "http://h/", status: 200, resp: hdr("Cache-Control", "public, max-age=60", "Set-Cookie", "_ga=GA1.1; Max-Age=63072000")}},
		{name: "no-store", f: ltFixture{url: "http://h/login", status: 200, resp: hdr("Cache-Control", "no-store, max-age=60", "Set-Cookie", "sid=1")}},
	})
}

func FuzzParseCacheControl(f *testing.F) {
	for _, s := range []string{"public, max-age=300", "private, max-age=300", "no-store, max-age=60", `max-age="60", s-maxage=10`, "max-age=-1", ",,=,", "MAX-AGE=5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		cc := parseCacheControl(http.Header{"Cache-Control": {v}})
		if n := cc.freshSeconds(); n < 0 {
			t.Fatalf("freshSeconds %d", n)
		}
		for k := range cc {
			if k != strings.ToLower(k) || k == "" {
				t.Fatalf("key %q", k)
			}
		}
	})
}

func TestParseCacheControl(t *testing.T) {
	cc := parseCacheControl(http.Header{"Cache-Control": {`Public, MAX-AGE="120"`, "s-maxage=30"}})
	if !cc.has("public") || cc.freshSeconds() != 120 || cc["s-maxage"] != "30" {
		t.Fatalf("%v", cc)
	}
}

func TestEncodingUserinfoLine(t *testing.T) {
	f := ltFixture{url: "http://h/x", req: hdr("Authorization", basicAuth("jürgen", "grüße")), status: 401, resp: hdr("WWW-Authenticate", `Basic realm="r"`)}
	has := func(p *evidence.Probe) bool {
		fs := ltRun(t, Encoding, p)
		return len(fs) == 1 && strings.Contains(strings.Join(fs[0].Evidence, "\n"), "came from the URL")
	}
	if has(f.probe()) {
		t.Error("userinfo line without userinfo")
	}
	f.edit = func(p *evidence.Probe) { p.Target = "http://j%C3%BCrgen:x@h/x" }
	if !has(f.probe()) {
		t.Error("no userinfo line")
	}
}

func TestSignedURLEvidenceRedacted(t *testing.T) {
	for _, u := range []string{
		"https://cdn.example/f?expires=1700000000&hmac=SIGSECRET",
		"https://cdn.example/f?expires=1700000000&signature=SIGSECRET",
		"https://a.blob.core.windows.net/c?sv=2022-11-02&se=2024-05-01&sig=SIGSECRET",
		"https://h/k?X-Amz-Date=20240101T120000Z&X-Amz-Expires=60&X-Amz-Signature=SIGSECRET",
	} {
		fs := ltRun(t, SignedURL, ltFixture{url: u, status: 403}.probe())
		if len(fs) == 0 {
			t.Fatalf("%s: no finding", u)
		}
		for _, f := range fs {
			if strings.Contains(strings.Join(f.Evidence, "\n")+f.Text(), "SIGSECRET") {
				t.Errorf("%s: signature in output: %q", u, f.Evidence)
			}
		}
	}
}
