package harflow

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/evidence"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func entry(i int, typ, method, url string, req http.Header, status int, resp http.Header, body string) evidence.SessionEntry {
	if req == nil {
		req = http.Header{}
	}
	e := evidence.SessionEntry{Index: i, Started: t0.Add(time.Duration(i) * time.Second), ResourceType: typ,
		Exchange: evidence.Exchange{Request: evidence.Request{Method: method, URL: url, Header: req}}}
	if status > 0 {
		if resp == nil {
			resp = http.Header{}
		}
		e.Exchange.Response = &evidence.Response{Status: status, Header: resp, Body: []byte(body)}
	}
	return e
}

func TestReplay(t *testing.T) {
	s := &evidence.Session{Browser: "chromium", Entries: []evidence.SessionEntry{
		entry(0, "document", "GET", "https://idp.test/login", nil, 200, nil, ""),
		entry(1, "document", "POST", "https://idp.test/login", http.Header{"Origin": {"https://idp.test"}}, 302,
			http.Header{"Location": {"https://app.test/cb"}, "Set-Cookie": {"idp=1; Path=/; Secure"}}, ""),
		entry(2, "document", "GET", "https://app.test/cb", nil, 200, http.Header{"Content-Type": {"application/json"}}, `{"access_token":"tok-1"}`),
		entry(3, "fetch", "GET", "https://app.test/api", http.Header{"Authorization": {"Bearer tok-1"}, "Origin": {"https://app.test"}}, 401, nil, ""),
		entry(4, "preflight", "OPTIONS", "https://api.test/x", nil, 401, nil, ""),
		entry(5, "image", "GET", "https://app.test/logo.png", nil, 0, nil, ""),
	}}
	f := Replay(s)
	if f.Browser.Name != "chromium" || len(f.Steps) != 6 {
		t.Fatalf("flow %+v", f)
	}
	// The callback navigation came by redirect from idp.test, which
	// started on idp.test: the chain's initiator is idp.test's origin.
	cb := f.Steps[2]
	if cb.Ctx.Initiator == nil || cb.Ctx.Initiator.Host != "idp.test" || !cb.Ctx.CrossSite(true) || !cb.Ctx.Navigation() {
		t.Errorf("callback context %+v", cb.Ctx)
	}
	if got := f.Steps[1].Stored; len(got) != 1 || got[0].Reason != cookie.OK {
		t.Errorf("idp cookie: %+v", got)
	}
	api := f.Steps[3]
	if api.TokenFrom != 2 || api.Bearer() != "tok-1" || !api.Failed || api.Ctx.TopLevel == nil || api.Ctx.TopLevel.Host != "app.test" {
		t.Errorf("api step: from %d failed %v top %v", api.TokenFrom, api.Failed, api.Ctx.TopLevel)
	}
	if !f.Steps[4].Failed || f.Refused(4) {
		t.Errorf("preflight: failed %v refused %v", f.Steps[4].Failed, f.Refused(4))
	}
	if !f.Steps[5].Failed || f.Refused(5) {
		t.Errorf("aborted image: failed %v refused %v", f.Steps[5].Failed, f.Refused(5))
	}
	if b := f.Breaking(); b != 3 {
		t.Errorf("breaking %d, want 3", b)
	}
}

func TestIsNavigation(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		h    http.Header
		want bool
	}{
		{"document", nil, true},
		{"document", http.Header{"Sec-Fetch-Dest": {"iframe"}}, false},
		{"fetch", nil, false},
		{"", http.Header{"Sec-Fetch-Mode": {"navigate"}}, true},
		{"", http.Header{"Sec-Fetch-Mode": {"cors"}}, false},
		{"", http.Header{"Accept": {"text/html,application/xhtml+xml"}}, true},
		{"", http.Header{"Accept": {"application/json"}}, false},
	} {
		e := entry(0, tc.typ, "GET", "http://a.test/", tc.h, 200, nil, "")
		if got := IsNavigation(&e); got != tc.want {
			t.Errorf("%q %v: %v", tc.typ, tc.h, got)
		}
	}
}

func TestLoginAndRefresh(t *testing.T) {
	for _, tc := range []struct {
		method, url, body string
		refresh           bool
	}{
		{"POST", "http://a.test/oauth/token", "grant_type=refresh_token&refresh_token=x", true},
		{"POST", "http://a.test/api/auth/refresh", "", true},
		{"POST", "http://a.test/oauth/token", "grant_type=authorization_code", false},
		{"GET", "http://a.test/refresh", "", false},
	} {
		e := entry(0, "fetch", tc.method, tc.url, nil, 200, nil, "")
		e.Exchange.Request.Body = []byte(tc.body)
		f := Replay(&evidence.Session{Entries: []evidence.SessionEntry{e}})
		if got := f.Steps[0].IsRefresh(); got != tc.refresh {
			t.Errorf("%s %s %q: refresh %v", tc.method, tc.url, tc.body, got)
		}
	}
	if !LoginPath("/Account/SignIn") || LoginPath("/api/items") || !SessionName("PHPSESSID") || SessionName("theme") {
		t.Error("login path or session name heuristics")
	}
}

// TestRoundTrips: a challenge answered by the same request with
// credentials, and passed, is a round trip (AnsweredBy), not a refusal;
// the same request sent again as it was, or answered with credentials
// that are refused too, is not.
func TestRoundTrips(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	const u = "https://intranet.test/app"
	tests := []struct {
		name    string
		entries []evidence.SessionEntry
		refused []int // steps Refused must report
	}{
		{"basic", []evidence.SessionEntry{
			entry(0, "document", "GET", u, nil, 401, h("WWW-Authenticate", `Basic realm="intranet"`), ""),
			entry(1, "image", "GET", "https://intranet.test/favicon.ico", nil, 404, nil, ""),
			entry(2, "document", "GET", u, h("Authorization", "Basic YWxpY2U6cHc="), 200, nil, ""),
		}, nil},
		{"digest with a stale nonce", []evidence.SessionEntry{
			entry(0, "document", "GET", u, nil, 401, h("WWW-Authenticate", `Digest realm="r", nonce="n1", qop="auth"`), ""),
			entry(1, "document", "GET", u, h("Authorization", `Digest username="alice", nonce="n1", response="x"`), 401, h("WWW-Authenticate", `Digest realm="r", nonce="n2", stale=true`), ""),
			entry(2, "document", "GET", u, h("Authorization", `Digest username="alice", nonce="n2", response="y"`), 200, nil, ""),
		}, nil},
		{"negotiate", []evidence.SessionEntry{
			entry(0, "document", "GET", u, nil, 401, h("WWW-Authenticate", "Negotiate"), ""),
			entry(1, "document", "GET", u, h("Authorization", "Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag"), 200, h("WWW-Authenticate", "Negotiate oYG3MIG0oAMKAQChCwYJKoZIgvcSAQICooGf"), ""),
		}, nil},
		{"ntlm handshake", []evidence.SessionEntry{
			entry(0, "xhr", "POST", u, nil, 401, h("WWW-Authenticate", "NTLM", "WWW-Authenticate", "Negotiate"), ""),
			entry(1, "xhr", "POST", u, h("Authorization", "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw=="), 401, h("WWW-Authenticate", "NTLM TlRMTVNTUAACAAAA"), ""),
			entry(2, "xhr", "POST", u, h("Authorization", "NTLM TlRMTVNTUAADAAAAGAAYAEgAAAA="), 200, nil, ""),
		}, nil},
		{"a cookie added", []evidence.SessionEntry{
			entry(0, "fetch", "POST", "https://app.test/api/check", nil, 401, nil, ""),
			entry(1, "fetch", "POST", "https://app.test/api/login", nil, 200, h("Set-Cookie", "sid=1; Path=/"), ""),
			entry(2, "fetch", "POST", "https://app.test/api/check", h("Cookie", "sid=1"), 200, nil, ""),
		}, nil},
		{"sent again as it was (fp)", []evidence.SessionEntry{
			entry(0, "document", "GET", u, h("Authorization", "Basic YWxpY2U6cHc="), 401, h("WWW-Authenticate", `Basic realm="intranet"`), ""),
			entry(1, "document", "GET", u, h("Authorization", "Basic YWxpY2U6cHc="), 200, nil, ""),
		}, []int{0}},
		{"the credentials are refused too (fp)", []evidence.SessionEntry{
			entry(0, "document", "GET", u, nil, 401, h("WWW-Authenticate", "Negotiate"), ""),
			entry(1, "document", "GET", u, h("Authorization", "Negotiate YIIGhgYG"), 401, h("WWW-Authenticate", "Negotiate"), ""),
		}, []int{0, 1}},
		{"another URL got through (fp)", []evidence.SessionEntry{
			entry(0, "document", "GET", u, nil, 401, h("WWW-Authenticate", "Negotiate"), ""),
			entry(1, "document", "GET", u+"/other", h("Authorization", "Negotiate YIIGhgYG"), 200, nil, ""),
		}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Replay(&evidence.Session{Browser: "chromium", Entries: tt.entries})
			var refused []int
			for i := range f.Steps {
				if f.Refused(i) {
					refused = append(refused, i)
				}
			}
			if len(refused) != len(tt.refused) || len(refused) > 0 && refused[0] != tt.refused[0] {
				t.Errorf("refused %v, want %v", refused, tt.refused)
			}
			if len(tt.refused) == 0 && f.Breaking() >= 0 {
				t.Errorf("breaking %d, want none", f.Breaking())
			}
		})
	}
}

// TestAccepted: a credential the host accepted before and after a step,
// and a cookie accepted again later.
func TestAccepted(t *testing.T) {
	c := http.Header{"Cookie": {"sid=1; theme=dark"}}
	f := Replay(&evidence.Session{Browser: "chromium", Entries: []evidence.SessionEntry{
		entry(0, "fetch", "GET", "https://app.test/api/me", c, 200, nil, ""),
		entry(1, "fetch", "GET", "https://app.test/api/x", c, 401, nil, ""),
		entry(2, "fetch", "GET", "https://app.test/api/me", c, 200, nil, ""),
		entry(3, "fetch", "GET", "https://other.test/api/me", c, 200, nil, ""),
	}})
	item, before, after, ok := f.AcceptedAround(1)
	if !ok || before != 0 || after != 2 || strings.Contains(item, "sid=1") || !strings.Contains(item, "sid") {
		t.Errorf("AcceptedAround(1) = %q %d %d %v", item, before, after, ok)
	}
	if _, _, _, ok := f.AcceptedAround(0); ok {
		t.Error("AcceptedAround(0): nothing before it")
	}
	if j := f.AcceptedLater(1, "sid"); j != 2 {
		t.Errorf("AcceptedLater(1, sid) = %d", j)
	}
	if j := f.AcceptedLater(1, "nosuch"); j != -1 {
		t.Errorf("AcceptedLater(1, nosuch) = %d", j)
	}
}
