package lab

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/why401/why401/internal/challenge"
)

// newTestServer serves l's Handler with httptest and points l at it.
func newTestServer(t *testing.T, l *Lab) string {
	t.Helper()
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(srv.Close)
	if err := l.UseURL(srv.URL); err != nil {
		t.Fatal(err)
	}
	return srv.URL
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// md5Hex and sha256Hex hash colon-joined parts independently of the code
// under test.
func md5Hex(parts ...string) string {
	return fmt.Sprintf("%x", md5.Sum([]byte(strings.Join(parts, ":"))))
}

func sha256Hex(parts ...string) string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(parts, ":"))))
}

// digestAuthorization answers challenge params for user and password.
func digestAuthorization(ch map[string]string, method, uri, user, pass, nc, cnonce string) string {
	h := md5Hex
	if strings.EqualFold(ch["algorithm"], "SHA-256") {
		h = sha256Hex
	}
	ha1 := h(user, ch["realm"], pass)
	ha2 := h(method, uri)
	resp := h(ha1, ch["nonce"], nc, cnonce, "auth", ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=%s, response="%s", opaque="%s", qop=auth, nc=%s, cnonce="%s"`,
		user, ch["realm"], ch["nonce"], uri, ch["algorithm"], resp, ch["opaque"], nc, cnonce)
}

// challengeFor finds the Digest challenge with algorithm alg.
func challengeFor(t *testing.T, h http.Header, alg string) map[string]string {
	t.Helper()
	for _, v := range h.Values("WWW-Authenticate") {
		p, err := parseDigest(v)
		if err != nil {
			t.Fatalf("challenge %q: %v", v, err)
		}
		if p["algorithm"] == alg {
			return p
		}
	}
	t.Fatalf("no %s challenge in %q", alg, h.Values("WWW-Authenticate"))
	return nil
}

// digestLogin performs the Digest round trip against target.
func digestLogin(t *testing.T, client *http.Client, target, user, pass, alg string) result {
	t.Helper()
	resp, err := client.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ch := challengeFor(t, resp.Header, alg)
	u, _ := url.Parse(target)
	req, _ := http.NewRequest("GET", target, nil)
	req.Header.Set("Authorization", digestAuthorization(ch, "GET", u.RequestURI(), user, pass, "00000001", "0a4f113b"))
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func TestDigestResponseKnownAnswer(t *testing.T) {
	// RFC 7616 §3.9.1.
	const (
		user   = "Mufasa"
		realm  = "http-auth@example.org"
		pass   = "Circle of Life"
		nonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
		cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
		uri    = "/dir/index.html"
	)
	for _, tc := range []struct {
		h    func() hash.Hash
		want string
	}{
		{md5.New, "8ca523f5e9506fed4657c9700eebdbec"},
		{sha256.New, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		ha1 := hexHash(tc.h, user, realm, pass)
		if got := digestResponse(tc.h, ha1, "GET", uri, nonce, "00000001", cnonce, "auth"); got != tc.want {
			t.Errorf("response %s, want %s", got, tc.want)
		}
	}
}

func TestDigestRoundTrip(t *testing.T) {
	c := &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	l, err := New(Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	base := newTestServer(t, l)
	target := base + "/digest/ok?x=1"

	for _, alg := range []string{"SHA-256", "MD5"} {
		r := digestLogin(t, http.DefaultClient, target, "alice", "wonderland", alg)
		wantStatus(t, r, 200)
		wantJSON(t, r, "algorithm", alg)
		if info := r.header.Get("Authentication-Info"); !strings.Contains(info, "rspauth=") {
			t.Errorf("%s: Authentication-Info %q", alg, info)
		}
	}
	r := digestLogin(t, http.DefaultClient, target, "alice", "wrongpass", "SHA-256")
	wantStatus(t, r, 401)
	for _, v := range r.header.Values("WWW-Authenticate") {
		if strings.Contains(v, "stale") {
			t.Errorf("wrong password got stale challenge %q", v)
		}
	}

	// A nonce used twice with the same count is a replay; a higher count
	// is fine; the same nonce after its lifetime is stale.
	resp, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ch := challengeFor(t, resp.Header, "SHA-256")
	send := func(nc, pass string) *http.Response {
		req, _ := http.NewRequest("GET", target, nil)
		req.Header.Set("Authorization", digestAuthorization(ch, "GET", "/digest/ok?x=1", "alice", pass, nc, "c1"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := send("00000001", "wonderland"); resp.StatusCode != 200 {
		t.Fatalf("first use: %d", resp.StatusCode)
	}
	if resp := send("00000001", "wonderland"); resp.StatusCode != 401 {
		t.Fatalf("replay: %d", resp.StatusCode)
	}
	if resp := send("00000002", "wonderland"); resp.StatusCode != 200 {
		t.Fatalf("next count: %d", resp.StatusCode)
	}
	c.add(nonceLifetime + time.Second)
	resp = send("00000003", "wonderland")
	if resp.StatusCode != 401 {
		t.Fatalf("old nonce: %d", resp.StatusCode)
	}
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if !strings.HasSuffix(v, ", stale=true") {
			t.Errorf("old nonce challenge %q lacks stale=true", v)
		}
	}
	if resp := send("00000004", "wrongpass"); strings.Contains(resp.Header.Get("WWW-Authenticate"), "stale") {
		t.Error("old nonce with a wrong password got stale=true")
	}

	// A URI other than the request's is refused.
	req, _ := http.NewRequest("GET", target, nil)
	req.Header.Set("Authorization", digestAuthorization(ch, "GET", "/digest/ok", "alice", "wonderland", "00000009", "c2"))
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("mismatched uri: %d", resp.StatusCode)
	}
}

func TestParseDigest(t *testing.T) {
	for _, tc := range digestCases {
		got, err := parseDigest(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("parseDigest(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseDigest(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

var digestCases = []struct {
	in   string
	ok   bool
	want map[string]string
}{
	{`Digest username="alice", realm="lab digest", nc=00000001`, true, map[string]string{"username": "alice", "realm": "lab digest", "nc": "00000001"}},
	{`digest Username = "a\"b\\c" ,, QOP=auth,`, true, map[string]string{"username": `a"b\c`, "qop": "auth"}},
	{"Digest  realm=\"x\"\t,\tnonce=\"\"", true, map[string]string{"realm": "x", "nonce": ""}},
	{`Digest`, true, map[string]string{}},
	{`Basic YWxpY2U6d29uZGVybGFuZA==`, false, nil},
	{`Digest username="alice`, false, nil},
	{`Digest username`, false, nil},
	{`Digest username=`, false, nil},
	{`Digest =alice`, false, nil},
	{`Digest a=1 b=2`, false, nil},
	{`Digest a=1, a=2`, false, nil},
	{"Digest a=\"x\ny\"", false, nil},
	{`Digest a="x"y`, false, nil},
	{"Digest " + strings.Repeat("a", maxDigestHeader), false, nil},
}

func FuzzParseDigest(f *testing.F) {
	for _, tc := range digestCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := parseDigest(in)
		if err != nil {
			return
		}
		for k := range p {
			if k == "" || k != strings.ToLower(k) {
				t.Fatalf("bad name %q", k)
			}
		}
		// Re-encoding the parameters and parsing again is stable.
		var parts []string
		for k, v := range p {
			parts = append(parts, k+"="+challenge.Quote(v))
		}
		again, err := parseDigest("Digest " + strings.Join(parts, ", "))
		if err != nil && len(in) < maxDigestHeader/2 {
			t.Fatalf("re-encoded %q: %v", parts, err)
		}
		if err == nil && !reflect.DeepEqual(again, p) {
			t.Fatalf("round trip %v != %v", again, p)
		}
	})
}

func TestCheckBasicValue(t *testing.T) {
	enc := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		values []string
		want   basicResult
	}{
		{nil, basicNone},
		{[]string{enc("alice:wonderland")}, basicOK},
		{[]string{"basic " + base64.StdEncoding.EncodeToString([]byte("alice:wonderland"))}, basicOK},
		{[]string{enc("alice:wonderland:x")}, basicWrong},
		{[]string{enc("alice:wrongpass")}, basicWrong},
		{[]string{enc("bob:wonderland")}, basicWrong},
		{[]string{enc("alicewonderland")}, basicMalformed},
		{[]string{"Basic alice:wonderland"}, basicMalformed},
		{[]string{"Basic YWxpY2U6d29uZGVybGFuZA"}, basicMalformed},
		{[]string{"Basic"}, basicMalformed},
		{[]string{"Basic  " + base64.StdEncoding.EncodeToString([]byte("alice:wonderland"))}, basicMalformed},
		{[]string{enc("alice:wonderland"), enc("alice:wonderland")}, basicMalformed},
		{[]string{"Bearer abc"}, basicOther},
	} {
		if got := checkBasicValue(tc.values, User, Password); got != tc.want {
			t.Errorf("checkBasicValue(%q) = %d, want %d", tc.values, got, tc.want)
		}
	}
}

func TestBearerEdgeCases(t *testing.T) {
	c := &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	l, err := New(Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	base := newTestServer(t, l)
	now := c.now()
	none := l.Token(nil)
	parts := strings.Split(none, ".")
	noneAlg := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"lab-2026"}`)) + "." + parts[1] + "."
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"x","sub":"mallory"}`)) + "." + parts[2]

	for _, tc := range []struct {
		name   string
		header []string
		query  string
		status int
		want   string // substring of the challenge; "" for none expected
	}{
		{"valid", []string{"Bearer " + none}, "", 200, ""},
		{"lowercase scheme", []string{"bearer " + none}, "", 200, ""},
		{"array audience", []string{"Bearer " + l.Token(map[string]any{"aud": []string{"x", l.Audience()}})}, "", 200, ""},
		{"within leeway", []string{"Bearer " + l.Token(map[string]any{"exp": now.Add(-30 * time.Second)})}, "", 200, ""},
		{"scope missing", []string{"Bearer " + l.Token(map[string]any{"scope": "write"})}, "", 403, `error="insufficient_scope", error_description="the token lacks the read scope", scope="read"`},
		{"alg none", []string{"Bearer " + noneAlg}, "", 401, `error_description="unsupported signing algorithm"`},
		{"tampered payload", []string{"Bearer " + tampered}, "", 401, `error_description="signature verification failed"`},
		{"no exp", []string{"Bearer " + l.Token(map[string]any{"exp": nil})}, "", 401, `error_description="token has no expiry"`},
		{"iat in future", []string{"Bearer " + l.Token(map[string]any{"iat": now.Add(time.Hour)})}, "", 401, `error_description="token not yet valid"`},
		{"no aud", []string{"Bearer " + l.Token(map[string]any{"aud": nil})}, "", 401, `error_description="audience not accepted"`},
		{"exp not a number", []string{"Bearer " + l.Token(map[string]any{"exp": "soon"})}, "", 401, `error_description="invalid claims"`},
		{"empty", []string{"Bearer "}, "", 401, `error="invalid_request"`},
		{"two headers", []string{"Bearer " + none, "Bearer " + none}, "", 401, `error="invalid_request"`},
		{"other scheme", []string{"Token abc"}, "", 401, `error="invalid_request"`},
		{"query token", nil, "?access_token=" + none, 401, `error="invalid_request"`},
		{"payload not object", []string{"Bearer " + parts[0] + ".WzFd." + parts[2]}, "", 401, `error_description="malformed token"`},
	} {
		req, _ := http.NewRequest("GET", base+"/api/items"+tc.query, nil)
		for _, h := range tc.header {
			req.Header.Add("Authorization", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ch := resp.Header.Get("WWW-Authenticate")
		if resp.StatusCode != tc.status || (tc.want != "" && !strings.Contains(ch, tc.want)) || (tc.want == "" && ch != "") {
			t.Errorf("%s: status %d challenge %q, want %d %q", tc.name, resp.StatusCode, ch, tc.status, tc.want)
		}
	}
}

func TestCookieSession(t *testing.T) {
	l, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := newTestServer(t, l)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", base+"/cookie/login", nil)
	req.SetBasicAuth(User, Password)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sid *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "sid" {
			sid = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || sid == nil {
		t.Fatalf("login: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ = http.NewRequest("GET", base+"/cookie/dashboard", nil)
	req.AddCookie(&http.Cookie{Name: "sid", Value: sid.Value})
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "alice") {
		t.Fatalf("dashboard with a live session: %d %q", resp.StatusCode, body)
	}
}

func TestClusterUnderHTTPTest(t *testing.T) {
	l, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := newTestServer(t, l)
	r := one(t, "GET", []string{base + "/cluster/ok", "-u", "alice:wonderland"})
	wantStatus(t, r, 200)
	if r.header.Get("X-Served-By") != "node-a" {
		t.Errorf("X-Served-By %q", r.header.Get("X-Served-By"))
	}
	// Under another server only the scenarios the Handler alone can
	// reproduce are listed.
	for _, s := range l.Scenarios() {
		if strings.HasPrefix(s.Args[0], "https:") || s.Path == "/cluster/ok" || s.Path == "/redirect/https" {
			t.Errorf("scenario %s %s needs the lab's own listeners", s.Path, s.Cause)
		}
	}
	if err := l.UseURL("ftp://x"); err == nil {
		t.Error("UseURL accepted ftp")
	}
}
