package producers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// wpCode asks users/me with Basic credentials and returns the status and
// the WordPress error code ("" on success).
func wpCode(t *testing.T, url, user, pass string) (int, string) {
	t.Helper()
	req := get(t, url)
	req.SetBasicAuth(user, pass)
	res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var doc struct {
		Code string `json:"code"`
	}
	json.Unmarshal(body, &doc) //nolint:errcheck // a success body has no code
	return res.StatusCode, doc.Code
}

// earlyUser is a must-use plugin that looks the current user up in a
// rest_authentication_errors filter of default priority, as security and
// REST-restricting plugins do. WordPress core then reports a failed
// application password (invalid_username, incorrect_password); without
// such a plugin core answers every failure with rest_not_logged_in. It
// acts only where the vhost sets WHY401_EARLY_USER.
const earlyUser = `<?php
add_filter('rest_authentication_errors', function ($result) {
	if (getenv('WHY401_EARLY_USER') || !empty($_SERVER['WHY401_EARLY_USER'])) {
		wp_get_current_user();
	}
	return $result;
});
`

// TestWordPress runs real WordPress (Debian's package) behind Apache and
// PHP-FPM with MariaDB, one site in five virtual hosts:
//
//	0  Apache without CGIPassAuth (PHP never sees Authorization), local, early user
//	1  header passed, production environment on plain http, early user
//	2  header passed, local, early user
//	3  header passed, local, WordPress core alone
//	4  Apache without CGIPassAuth, local, WordPress core alone
//
// and asserts the first cause for (a) the stripped header, (b) an
// application password over plain http on a non-local site, (c) a deleted
// application password, and a login password sent instead of one.
func TestWordPress(t *testing.T) {
	early := map[string]string{"WHY401_EARLY_USER": "1"}
	wp := servertest.WordPress(t, servertest.WordPressOptions{
		VHosts: []servertest.WordPressVHost{
			{PassAuth: false, Environment: "local", Env: early},
			{PassAuth: true, Environment: "production", Env: early},
			{PassAuth: true, Environment: "local", Env: early},
			{PassAuth: true, Environment: "local"},
			{PassAuth: false, Environment: "local"},
		},
		MUPlugins: map[string]string{"why401-early-user.php": earlyUser},
	})
	defer func() {
		if t.Failed() {
			t.Logf("PHP errors:\n%s", wp.PHPErrors())
		}
	}()
	me := func(i int) string { return wp.URL(i) + "/wp-json/wp/v2/users/me" }
	const answeredBy = "Apache httpd in front of WordPress"
	user := wp.User

	t.Run("setup", func(t *testing.T) {
		for _, c := range []struct {
			vhost      int
			pass, what string
			status     int
			code       string
		}{
			{2, wp.AppPassword, "header passed, app password", 200, ""},
			{3, wp.AppPassword, "core alone, app password", 200, ""},
			{0, wp.AppPassword, "no CGIPassAuth, app password", 401, "rest_not_logged_in"},
			{4, wp.AppPassword, "core alone, no CGIPassAuth, app password", 401, "rest_not_logged_in"},
			{1, wp.AppPassword, "production over http, app password", 401, "rest_not_logged_in"},
			{2, wp.DeletedAppPassword, "deleted app password", 401, "incorrect_password"},
			{3, wp.DeletedAppPassword, "core alone, deleted app password", 401, "rest_not_logged_in"},
			{2, wp.LoginPassword, "login password", 401, "incorrect_password"},
		} {
			if st, code := wpCode(t, me(c.vhost), user, c.pass); st != c.status || code != c.code {
				t.Errorf("vhost %d, %s: %d %q, want %d %q", c.vhost, c.what, st, code, c.status, c.code)
			}
		}
		if st, code := wpCode(t, me(2), "nobody-"+wp.User, "x"); st != 401 || code != "invalid_username" {
			t.Errorf("unknown user: %d %q, want 401 invalid_username", st, code)
		}
	})
	t.Run("a-header-stripped", func(t *testing.T) {
		r := run(t, probe.Options{URL: me(0), User: user + ":" + wp.AppPassword})
		expect(t, r, answeredBy, catalog.ProxyHeaderStripped)
	})
	t.Run("a-header-stripped-core", func(t *testing.T) {
		r := run(t, probe.Options{URL: me(4), User: user + ":" + wp.AppPassword})
		expect(t, r, answeredBy, catalog.ProxyHeaderStripped)
	})
	t.Run("b-http-production", func(t *testing.T) {
		r := run(t, probe.Options{URL: me(1), User: user + ":" + wp.AppPassword})
		expect(t, r, answeredBy, catalog.WordPressRESTAuth)
	})
	t.Run("c-deleted-app-password", func(t *testing.T) {
		r := run(t, probe.Options{URL: me(2), User: user + ":" + wp.DeletedAppPassword})
		expect(t, r, answeredBy, catalog.CredentialsRejected)
	})
	t.Run("c-deleted-app-password-core", func(t *testing.T) {
		// Core alone answers a deleted password as it answers a lost
		// header: both causes are named, the header first.
		r := run(t, probe.Options{URL: me(3), User: user + ":" + wp.DeletedAppPassword})
		expect(t, r, answeredBy, catalog.ProxyHeaderStripped)
		if len(r.Findings) < 2 || r.Findings[1].Cause != catalog.CredentialsRejected {
			t.Errorf("second cause: %v, want credentials.rejected", r.Findings)
		}
	})
	t.Run("login-password", func(t *testing.T) {
		r := run(t, probe.Options{URL: me(2), User: user + ":" + wp.LoginPassword})
		expect(t, r, answeredBy, catalog.CredentialsWrongKind)
	})
	t.Run("works", func(t *testing.T) {
		r := run(t, probe.Options{URL: me(2), User: user + ":" + wp.AppPassword})
		expect(t, r, answeredBy, "")
		if r.Verdict != "ok" {
			t.Errorf("verdict %s: %s", r.Verdict, r.Summary)
		}
	})
}
