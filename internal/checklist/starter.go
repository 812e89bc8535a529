package checklist

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/why401/why401/internal/challenge"
)

// StarterOptions configure Starter.
type StarterOptions struct {
	Version string
	Now     func() time.Time
	// Transport replaces the default transport (tests).
	Transport http.RoundTripper
	// Timeout bounds each request (default 15s).
	Timeout time.Duration
}

// looked is what one anonymous GET of the starter saw.
type looked struct {
	status   int
	header   http.Header
	body     string
	tls      *tls.ConnectionState
	location string
}

// Starter probes rawURL without credentials (the URL itself, and
// /wp-login.php on its origin to recognise WordPress) and returns a
// commented checklist to start from: the challenge the site sends, an
// authenticated request with credentials from environment variables, a
// no-store check, the cookies it sets, TLS days when it is https, and a
// WordPress login when it finds one. The result always parses.
func Starter(ctx context.Context, rawURL string, o StarterOptions) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("not an http(s) URL")
	}
	if u.User != nil {
		return nil, fmt.Errorf("credentials in the URL: give the URL alone")
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if o.Timeout == 0 {
		o.Timeout = defaultTimeout
	}
	rt := o.Transport
	if rt == nil {
		tr := &http.Transport{TLSClientConfig: &tls.Config{}, TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: o.Timeout}
		defer tr.CloseIdleConnections()
		rt = tr
	}
	get := func(target *url.URL) (*looked, error) {
		ctx, cancel := context.WithTimeout(ctx, o.Timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", "why401/"+o.Version+" (check --init)")
		resp, err := rt.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		return &looked{status: resp.StatusCode, header: resp.Header, body: string(b), tls: resp.TLS, location: resp.Header.Get("Location")}, nil
	}
	main, err := get(u)
	if err != nil {
		return nil, err
	}
	site := &url.URL{Scheme: u.Scheme, Host: u.Host}
	var wp *looked
	if l, err := get(site.ResolveReference(&url.URL{Path: "/wp-login.php"})); err == nil && l.status == http.StatusOK &&
		(strings.Contains(l.body, "user_login") || strings.Contains(l.body, "wp-submit")) {
		wp = l
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# yaml-language-server: $schema=https://raw.githubusercontent.com/why401/why401/main/docs/checklist.schema.json\n")
	w("# why401 checklist for %s, started by `why401 check --init` on %s.\n", site, now().UTC().Format("2006-01-02"))
	w("# Review every line: this is what the site does today, not yet what it should do.\n")
	w("# Credentials come only from environment variables ({env: NAME}) or files ({file: PATH}).\n")
	w("# Run it: why401 check THIS-FILE  (exit 1 and the cause when an expectation fails)\n")
	w("version: 1\n")
	w("site: %s\n", yamlString(site.String()))
	w("concurrency: 4\ntimeout: 15s\n\n")

	if wp != nil {
		w("# WordPress found at /wp-login.php. The login posts the form as a browser does;\n")
		w("# its cookies go with every endpoint that names `session: wp-login`.\n")
		w("logins:\n")
		w("  - name: wp-login\n")
		w("    request:\n      method: POST\n      url: /wp-login.php\n")
		w("      form:\n        log: {env: WP_USER}\n        pwd: {env: WP_PASSWORD}\n")
		w("      follow: false\n")
		w("    cookies: [wordpress_logged_in_*]\n")
		w("    expect:\n      - no-store\n      - cookie: {name: wordpress_logged_in_*, httponly: true%s}\n\n", secureIf(u))
	}

	w("endpoints:\n")
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	w("  - name: main\n")
	w("    # Without credentials it answered %d %s.\n", main.status, http.StatusText(main.status))
	w("    request:\n      url: %s\n", yamlString(path))
	cs, _ := challenge.ParseAll(main.header.Values("WWW-Authenticate"))
	scheme, realm := "", ""
	if len(cs) > 0 {
		scheme = cs[0].Scheme
		realm, _ = cs[0].Param("realm")
	}
	switch strings.ToLower(scheme) {
	case "basic", "digest":
		w("      basic: {user: {env: WHY401_USER}, password: {env: WHY401_PASSWORD}}\n")
	case "":
		if wp != nil {
			w("      session: wp-login\n")
		} else {
			w("      # bearer: {env: WHY401_TOKEN}\n")
		}
	default:
		w("      bearer: {env: WHY401_TOKEN}\n")
	}
	w("    expect:\n")
	switch {
	case main.status == http.StatusUnauthorized && scheme != "":
		w("      - challenge: {scheme: %s", scheme)
		if realm != "" {
			w(", realm: %s", yamlString(realm))
		}
		w("}\n      - authenticated\n      - no-store\n")
		if strings.EqualFold(scheme, "bearer") {
			w("      # - token: {max_lifetime: 1h, aud: https://api.example.com, iss: https://login.example.com}\n")
		}
	case main.status == http.StatusUnauthorized:
		w("      # The 401 carries no WWW-Authenticate: clients cannot know how to log in.\n")
		w("      - challenge\n      - authenticated\n")
	case main.status >= 300 && main.status < 400:
		w("      # It redirects to %s without credentials. An API should answer 401 instead:\n", main.location)
		w("      # - challenge\n      - authenticated\n")
	case main.status == http.StatusForbidden:
		w("      # 403 without credentials: if this should ask for credentials, expect challenge.\n")
		w("      - authenticated\n")
	default:
		w("      # Public without credentials. If it should be protected, add: - challenge\n")
		w("      - authenticated\n")
	}
	if u.Scheme == "https" && main.tls != nil {
		w("      - tls: {min_days: 14}\n")
	}
	seen := map[string]bool{}
	for _, line := range main.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		w("      - cookie: {name: %s, httponly: true%s, samesite: Lax}\n", yamlString(c.Name), secureIf(u))
	}
	w("    # A browser app on another origin calling this API:\n")
	w("    # - cors: {origin: https://app.example.com, method: GET, headers: [Authorization]}\n")
	if wp != nil {
		w("\n  - name: wp-admin\n    request: {url: /wp-admin/, session: wp-login, follow: false}\n    expect: [authenticated, no-store]\n")
		w("\n  - name: rest-me\n    # An application password (Users > Profile), never the login password.\n")
		w("    request:\n      url: /wp-json/wp/v2/users/me\n      basic: {user: {env: WP_USER}, password: {env: WP_APP_PASSWORD}}\n")
		w("    expect: [authenticated, no-store]\n")
	}
	w("\n  # Proxy pass-through: mount why401 lab's /echo behind your proxy, then:\n")
	w("  # - name: proxy\n  #   request: {url: /echo, bearer: {env: WHY401_TOKEN}}\n  #   expect: [{proxy: {proto: https}}]\n")
	out := []byte(b.String())
	if _, err := Parse("starter", out); err != nil {
		return nil, fmt.Errorf("internal error: the starter does not parse: %v", err)
	}
	return out, nil
}

func secureIf(u *url.URL) string {
	if u.Scheme == "https" {
		return ", secure: true"
	}
	return ""
}

// yamlString quotes s for YAML when it is not a plain safe scalar.
func yamlString(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-*:?=&%+", r)) {
			safe = false
			break
		}
	}
	if safe && !strings.HasPrefix(s, "*") && !strings.Contains(s, ": ") {
		return s
	}
	return fmt.Sprintf("%q", s)
}
