package checks_test

import (
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
)

// TestHopCookies: a Secure session cookie set over https and held back on
// the http hop the login redirects to is cookie.not-sent, ahead of
// credentials.missing; the same chain ending 200 reports nothing.
func TestHopCookies(t *testing.T) {
	chain := func(final int) *evidence.Probe {
		login := hop("POST", "https://shop.test/login", 302, nil, []string{"Set-Cookie", "sid=abc; Path=/; Secure", "Location", "http://shop.test/account"})
		login.Cookies = &evidence.HopCookies{Stored: []evidence.CookieVerdict{{Name: "sid", Domain: "shop.test", HostOnly: true, Path: "/", Secure: true}}}
		login.Redirect = &evidence.Redirect{From: "https://shop.test/login", To: "http://shop.test/account", Status: 302, SchemeFrom: "https", SchemeTo: "http", KeepsAuth: map[string]bool{}}
		acct := hop("GET", "http://shop.test/account", final, nil, nil)
		acct.Cookies = &evidence.HopCookies{Withheld: []evidence.CookieVerdict{{Name: "sid", Reason: "SecureOnly", Domain: "shop.test", HostOnly: true, Path: "/", Secure: true, SetAt: 0}}}
		return probeOf(nil, trial(evidence.AsGiven, login, acct))
	}
	fs, err := diagnosis.Run(checks.All, chain(401), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 || fs[0].Cause != catalog.CookieNotSent {
		t.Fatalf("first cause %v, want cookie.not-sent", causes(fs))
	}
	if has(fs, catalog.CredentialsMissing) {
		t.Errorf("credentials.missing reported beside the lost cookie: %v", causes(fs))
	}
	fs, _ = diagnosis.Run([]*diagnosis.Check{checks.HopCookies}, chain(200), t0)
	if len(fs) != 0 {
		t.Errorf("control: %v", causes(fs))
	}
}
