package cookie

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var parseTests = []struct {
	in      string
	name    string
	wantErr Reason
	check   func(*SetCookie) bool
}{
	{in: "sid=abc; Path=/; HttpOnly; Secure; SameSite=None", name: "sid", check: func(s *SetCookie) bool {
		return s.Path == "/" && s.HTTPOnly && s.Secure && s.SameSite == SameSiteNone
	}},
	{in: "  a = b ;  domain=.Example.COM; path=docs", name: "a", check: func(s *SetCookie) bool {
		return s.Value == "b" && s.Domain == "example.com" && s.HasDomain && s.Path == ""
	}},
	{in: "x=1; Max-Age=60; Expires=Wed, 21 Oct 2015 07:28:00 GMT", name: "x", check: func(s *SetCookie) bool {
		return s.HasMaxAge && s.MaxAge == 60 && s.Expires.Equal(time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC))
	}},
	{in: "x=1; expires=Wednesday, 21-Oct-15 07:28:00 GMT", name: "x", check: func(s *SetCookie) bool {
		return s.Expires.Equal(time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC))
	}},
	{in: "x=1; Max-Age=soon; Expires=never; SameSite=bogus; Foo", name: "x", check: func(s *SetCookie) bool {
		return !s.HasMaxAge && s.Expires.IsZero() && s.SameSite == SameSiteUnset && len(s.Warnings) == 4
	}},
	{in: "x=1; Max-Age=-5", name: "x", check: func(s *SetCookie) bool { return s.HasMaxAge && s.MaxAge == -5 }},
	{in: "novalue", name: "", check: func(s *SetCookie) bool { return s.Value == "novalue" }},
	{in: "=", wantErr: SyntaxError},
	{in: "a=b\x00c", wantErr: SyntaxError},
	{in: "big=" + strings.Repeat("v", 4094), wantErr: NameValueTooLarge},
	{in: "ok=" + strings.Repeat("v", 4093), name: "ok", check: func(s *SetCookie) bool { return len(s.Value) == 4093 }},
	{in: "p=1; Partitioned; Secure; Path=/", name: "p", check: func(s *SetCookie) bool { return s.Partitioned }},
	{in: "d=1; Domain=", name: "d", check: func(s *SetCookie) bool { return !s.HasDomain }},
	{in: "d=1; Path=/" + strings.Repeat("a", 1100), name: "d", check: func(s *SetCookie) bool { return s.Path == "" && len(s.Warnings) == 1 }},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		sc, err := Parse(tt.in)
		if tt.wantErr != OK {
			pe, ok := err.(*ParseError)
			if !ok || pe.Reason != tt.wantErr {
				t.Errorf("Parse(%.40q) = %v; want error %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%.40q): %v", tt.in, err)
			continue
		}
		if sc.Name != tt.name || !tt.check(sc) {
			t.Errorf("Parse(%.40q) = %+v", tt.in, sc)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"Sun, 06 Nov 1994 08:49:37 GMT":  "1994-11-06T08:49:37Z",
		"Sunday, 06-Nov-94 08:49:37 GMT": "1994-11-06T08:49:37Z",
		"Sun Nov  6 08:49:37 1994":       "1994-11-06T08:49:37Z",
		"06 Nov 2030 8:9:7":              "2030-11-06T08:09:07Z",
		"Thu, 01 Jan 1970 00:00:00 GMT":  "1970-01-01T00:00:00Z",
		"31 Feb 2030 00:00:00":           "",
		"tomorrow":                       "",
		"06 Nov 1500 08:49:37":           "",
	} {
		got, ok := parseDate(in)
		s := ""
		if ok {
			s = got.Format(time.RFC3339)
		}
		if s != want {
			t.Errorf("parseDate(%q) = %q, want %q", in, s, want)
		}
	}
}

func TestStore(t *testing.T) {
	tests := []struct {
		browser   Browser
		line, url string
		top, init string
		want      Reason
		domain    string
		hostOnly  bool
		path      string
	}{
		{Chromium, "sid=1", "http://example.test/login", "", "", OK, "example.test", true, "/"},
		{Chromium, "sid=1; Path=/app", "http://example.test/a/b/login", "", "", OK, "example.test", true, "/app"},
		{Chromium, "sid=1", "http://example.test/a/b/login", "", "", OK, "example.test", true, "/a/b"},
		{Chromium, "sid=1; Domain=example.test", "http://www.example.test/", "", "", OK, "example.test", false, "/"},
		{Chromium, "sid=1; Domain=other.test", "http://www.example.test/", "", "", InvalidDomain, "", false, ""},
		{Chromium, "sid=1; Domain=com", "http://example.com/", "", "", InvalidDomain, "", false, ""},
		{Chromium, "sid=1; Domain=github.io", "http://github.io/", "", "", OK, "github.io", true, "/"},
		{Chromium, "sid=1; Domain=127.0.0.1", "http://127.0.0.1/", "", "", OK, "127.0.0.1", false, "/"},
		{Chromium, "sid=1; Secure", "http://example.test/", "", "", SecureOnly, "", false, ""},
		{Chromium, "sid=1; Secure", "http://localhost:8080/", "", "", OK, "localhost", true, "/"},
		{Chromium, "sid=1; Secure", "http://127.0.0.1:8080/", "", "", OK, "127.0.0.1", true, "/"},
		{Chromium, "sid=1; Secure", "https://example.test/", "", "", OK, "example.test", true, "/"},
		{Chromium, "sid=1; SameSite=None", "https://example.test/", "", "", SameSiteNoneInsecure, "", false, ""},
		{Firefox, "sid=1; SameSite=None", "http://example.test/", "", "", SameSiteNoneInsecure, "", false, ""}, // Firefox 153: network.cookie.sameSite.noneRequiresSecure
		{Firefox, "sid=1; SameSite=None; Secure", "https://example.test/", "", "", OK, "example.test", true, "/"},
		{Chromium, "__Secure-a=1", "https://example.test/", "", "", InvalidPrefix, "", false, ""},
		{Chromium, "__secure-a=1", "https://example.test/", "", "", InvalidPrefix, "", false, ""},
		{Chromium, "__Host-a=1; Secure; Path=/; Domain=example.test", "https://example.test/", "", "", InvalidPrefix, "", false, ""},
		{Chromium, "__Host-a=1; Secure", "https://example.test/", "", "", InvalidPrefix, "", false, ""},
		{Chromium, "__Host-a=1; Secure; Path=/", "https://example.test/x/y", "", "", OK, "example.test", true, "/"},
		{Chromium, "__Host-a; Secure; Path=/", "https://example.test/", "", "", InvalidPrefix, "", false, ""},
		// A cross-site subrequest (iframe or fetch) setting cookies.
		{Chromium, "sid=1", "https://idp.test/frame", "https://app.test/", "", UnspecifiedAsLax, "", false, ""},
		{Chromium, "sid=1; SameSite=Lax", "https://idp.test/frame", "https://app.test/", "", LaxCrossSite, "", false, ""},
		{Chromium, "sid=1; SameSite=Strict", "https://idp.test/frame", "https://app.test/", "", StrictCrossSite, "", false, ""},
		{Chromium, "sid=1; SameSite=None; Secure", "https://idp.test/frame", "https://app.test/", "", OK, "idp.test", true, "/"},
		{Firefox, "sid=1", "https://idp.test/frame", "https://app.test/", "", OK, "idp.test", true, "/"},
		// A top-level navigation from another site may set Strict cookies.
		{Chromium, "sid=1; SameSite=Strict", "https://idp.test/cb", "", "https://app.test/", OK, "idp.test", true, "/"},
		{Chromium, "ftp=1", "ftp://example.test/", "", "", SchemeNotSupported, "", false, ""},
	}
	for _, tt := range tests {
		sc, err := Parse(tt.line)
		if err != nil {
			t.Fatal(err)
		}
		ctx := Context{URL: mustURL(t, tt.url), Time: t0}
		if tt.top != "" {
			ctx.TopLevel = mustURL(t, tt.top)
		}
		if tt.init != "" {
			ctx.Initiator = mustURL(t, tt.init)
		}
		c, r := tt.browser.Store(sc, ctx, nil)
		if r != tt.want {
			t.Errorf("%s: Store(%q at %s) = %q, want %q", tt.browser.Name, tt.line, tt.url, r, tt.want)
			continue
		}
		if r == OK && (c.Domain != tt.domain || c.HostOnly != tt.hostOnly || c.Path != tt.path) {
			t.Errorf("%s: Store(%q at %s) = %+v, want domain %s host-only %v path %s", tt.browser.Name, tt.line, tt.url, c, tt.domain, tt.hostOnly, tt.path)
		}
	}
}

func TestExpiry(t *testing.T) {
	ctx := Context{URL: mustURL(t, "https://example.test/"), Time: t0}
	for line, want := range map[string]time.Time{
		"a=1":             {},
		"a=1; Max-Age=60": t0.Add(time.Minute),
		"a=1; Max-Age=60; Expires=Thu, 01 Jan 2099 00:00:00 GMT": t0.Add(time.Minute),
		"a=1; Expires=Thu, 01 Jan 2099 00:00:00 GMT":             t0.Add(MaxAge),
		"a=1; Max-Age=999999999999":                              t0.Add(MaxAge),
		"a=1; Max-Age=0":                                         time.Unix(0, 0).UTC(),
	} {
		sc, _ := Parse(line)
		c, r := Chromium.Store(sc, ctx, nil)
		if r != OK || !c.Expires.Equal(want) {
			t.Errorf("Store(%q): expires %v (%s), want %v", line, c.Expires, r, want)
		}
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		browser   Browser
		line, set string // Set-Cookie and the URL that set it
		url       string
		method    string
		top, init string
		after     time.Duration
		want      Reason
	}{
		{Chromium, "sid=1", "http://example.test/", "http://example.test/app", "", "", "", 0, OK},
		{Chromium, "sid=1", "http://example.test/", "http://www.example.test/app", "", "", "", 0, DomainMismatch},
		{Chromium, "sid=1; Domain=example.test", "http://example.test/", "http://www.example.test/app", "", "", "", 0, OK},
		{Chromium, "sid=1; Path=/login", "http://example.test/login", "http://example.test/app", "", "", "", 0, NotOnPath},
		{Chromium, "sid=1; Path=/app", "http://example.test/", "http://example.test/application", "", "", "", 0, NotOnPath},
		{Chromium, "sid=1; Path=/app", "http://example.test/", "http://example.test/app/x", "", "", "", 0, OK},
		{Chromium, "sid=1; Secure", "https://example.test/", "http://example.test/", "", "", "", 0, SecureOnly},
		{Chromium, "sid=1; Max-Age=60", "https://example.test/", "https://example.test/", "", "", "", 2 * time.Minute, Expired},
		// Cross-site subrequests.
		{Chromium, "sid=1", "https://api.test/", "https://api.test/me", "GET", "https://app.test/", "https://app.test/", 0, UnspecifiedAsLax},
		{Firefox, "sid=1", "https://api.test/", "https://api.test/me", "GET", "https://app.test/", "https://app.test/", 0, ThirdPartyBlocked},
		{Chromium, "sid=1; SameSite=None; Secure", "https://api.test/", "https://api.test/me", "GET", "https://app.test/", "https://app.test/", 0, OK},
		{Chromium.withBlock(), "sid=1; SameSite=None; Secure", "https://api.test/", "https://api.test/me", "GET", "https://app.test/", "https://app.test/", 0, ThirdPartyBlocked},
		// Same registrable domain, other subdomain: same-site.
		{Chromium, "sid=1; Domain=example.test; SameSite=Strict", "https://example.test/", "https://api.example.test/me", "GET", "https://www.example.test/", "https://www.example.test/", 0, OK},
		// Schemeful: http page calling https API of the same domain is cross-site in Chromium.
		{Chromium, "sid=1; SameSite=Lax; Secure", "https://example.test/", "https://example.test/me", "GET", "http://example.test/", "http://example.test/", 0, LaxCrossSite},
		// Top-level cross-site navigations.
		{Chromium, "sid=1; SameSite=Lax", "https://app.test/", "https://app.test/", "GET", "", "https://idp.test/", 0, OK},
		{Chromium, "sid=1; SameSite=Strict", "https://app.test/", "https://app.test/", "GET", "", "https://idp.test/", 0, StrictCrossSite},
		{Chromium, "sid=1; SameSite=Lax", "https://app.test/", "https://app.test/acs", "POST", "", "https://idp.test/", 0, LaxCrossSite},
		{Chromium, "sid=1", "https://app.test/", "https://app.test/acs", "POST", "", "https://idp.test/", time.Minute, OK},
		{Chromium, "sid=1", "https://app.test/", "https://app.test/acs", "POST", "", "https://idp.test/", 3 * time.Minute, UnspecifiedAsLax},
		{Firefox, "sid=1", "https://app.test/", "https://app.test/acs", "POST", "", "https://idp.test/", 3 * time.Minute, OK},
	}
	for i, tt := range tests {
		j := NewJar(tt.browser)
		st := j.SetCookies(Context{URL: mustURL(t, tt.set), Time: t0}, []string{tt.line})
		if st[0].Reason != OK {
			t.Fatalf("%d: not stored: %s", i, st[0].Reason)
		}
		ctx := Context{URL: mustURL(t, tt.url), Method: tt.method, Time: t0.Add(tt.after)}
		if tt.top != "" {
			ctx.TopLevel = mustURL(t, tt.top)
		}
		if tt.init != "" {
			ctx.Initiator = mustURL(t, tt.init)
		}
		sent, notSent := j.Cookies(ctx)
		got := OK
		if len(notSent) > 0 {
			got = notSent[0].Reason
		}
		if got != tt.want || len(sent)+len(notSent) != 1 {
			t.Errorf("%d %s: %q set at %s, %s %s: %q, want %q", i, tt.browser.Name, tt.line, tt.set, tt.method, tt.url, got, tt.want)
		}
	}
}

func (b Browser) withBlock() Browser { b.BlockThirdParty = true; return b }

func TestJarReplaceDeleteOverwriteSecure(t *testing.T) {
	j := NewJar(Chromium)
	https := Context{URL: mustURL(t, "https://example.test/"), Time: t0}
	http := Context{URL: mustURL(t, "http://example.test/"), Time: t0.Add(time.Second)}
	j.SetCookies(https, []string{"sid=old; Secure", "pref=1"})
	if st := j.SetCookies(http, []string{"sid=new"}); st[0].Reason != OverwriteSecure {
		t.Errorf("insecure overwrite of a Secure cookie: %q, want OverwriteSecure", st[0].Reason)
	}
	j.SetCookies(https, []string{"pref=2"})
	sent, _ := j.Cookies(https)
	if h := Header(sent); h != "sid=old; pref=2" {
		t.Errorf("Header = %q", h)
	}
	st := j.SetCookies(https, []string{"sid=; Max-Age=0"})
	if !st[0].Deleted || len(j.All()) != 1 {
		t.Errorf("deletion: %+v, jar %d cookies", st[0], len(j.All()))
	}
}

func TestSiteAndSecureOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.example.co.uk/x": "https://example.co.uk",
		"http://a.b.example.com":      "http://example.com",
		"http://127.0.0.1:8080/":      "http://127.0.0.1",
		"https://foo.github.io/":      "https://foo.github.io",
		"wss://example.com/":          "https://example.com",
	} {
		if got := Site(mustURL(t, in), true); got != want {
			t.Errorf("Site(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]bool{
		"http://localhost:1/": true, "http://app.localhost/": true, "http://127.0.0.2/": true,
		"http://[::1]:8/": true, "http://example.test/": false, "https://example.test/": true,
	} {
		if got := SecureOrigin(mustURL(t, in)); got != want {
			t.Errorf("SecureOrigin(%s) = %v", in, got)
		}
	}
}

func TestReasonExplain(t *testing.T) {
	for _, r := range []Reason{SyntaxError, NameValueTooLarge, SecureOnly, SameSiteNoneInsecure, InvalidDomain, InvalidPrefix, OverwriteSecure, StrictCrossSite, LaxCrossSite, UnspecifiedAsLax, ThirdPartyBlocked, DomainMismatch, NotOnPath, Expired, PartitionMismatch, SchemeNotSupported} {
		if e := r.Explain(); e == OK.Explain() || e == "" {
			t.Errorf("%s has no explanation", r)
		}
	}
}

func TestPartitioned(t *testing.T) {
	for _, b := range []Browser{Chromium.withBlock(), Firefox} {
		line := "chip=1; Secure; SameSite=None; Path=/"
		if b.Name == "chromium" {
			line += "; Partitioned"
		}
		j := NewJar(b)
		set := Context{URL: mustURL(t, "https://widget.test/frame"), Time: t0, TopLevel: mustURL(t, "https://shop-a.test/")}
		st := j.SetCookies(set, []string{line})
		if st[0].Reason != OK || st[0].Cookie.Partition != "https://shop-a.test" {
			t.Fatalf("%s: stored %+v", b.Name, st[0])
		}
		under := func(top string) Reason {
			_, notSent := j.Cookies(Context{URL: mustURL(t, "https://widget.test/api"), Time: t0, TopLevel: mustURL(t, top), Initiator: mustURL(t, top)})
			if len(notSent) == 0 {
				return OK
			}
			return notSent[0].Reason
		}
		if r := under("https://shop-a.test/"); r != OK {
			t.Errorf("%s: under its own top-level site: %s", b.Name, r)
		}
		if r := under("https://shop-b.test/"); r != PartitionMismatch {
			t.Errorf("%s: under another top-level site: %s, want PartitionMismatch", b.Name, r)
		}
	}
	// Chromium blocking third-party cookies refuses an unpartitioned one.
	j := NewJar(Chromium.withBlock())
	st := j.SetCookies(Context{URL: mustURL(t, "https://widget.test/frame"), Time: t0, TopLevel: mustURL(t, "https://shop-a.test/")}, []string{"t=1; Secure; SameSite=None"})
	if st[0].Reason != ThirdPartyBlocked {
		t.Errorf("unpartitioned third-party cookie with blocking: %s", st[0].Reason)
	}
}

// TestExplainPartitioned: Firefox partitions third-party cookies rather
// than blocking them, and says so.
func TestExplainPartitioned(t *testing.T) {
	if got := Firefox.Explain(ThirdPartyBlocked); !strings.Contains(got, "Total Cookie Protection") {
		t.Errorf("Firefox: %q", got)
	}
	if got, want := Chromium.Explain(ThirdPartyBlocked), ThirdPartyBlocked.Explain(); got != want {
		t.Errorf("Chromium: %q, want %q", got, want)
	}
}
