package checklist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/credential"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/httpcache"
	"github.com/why401/why401/internal/jwt"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/redact"
)

// evaluation holds the requests of one step for one client, sent lazily
// and at most once each, and the diagnoses made of them.
type evaluation struct {
	r    *runner
	c    profile
	p    *prepared
	sess *session

	// cred is the request with credentials (set up front for a login).
	cred, anon *trace
	credDur    time.Duration
	anonDur    time.Duration
	// token is the bearer token in use (from the login's answer).
	token string
	// loginJar is the session a login built (login steps only).
	loginJar jar

	mu       sync.Mutex
	explains map[string]*explained
}

type explained struct {
	cause      catalog.ID
	confidence float64
	title      string
	fix        string
	evidence   []string
}

func (ev *evaluation) credTrace(ctx context.Context) *trace {
	if ev.cred == nil {
		start := time.Now()
		ev.cred = ev.r.send(ctx, ev.c, ev.p, ev.sess, false)
		ev.credDur = time.Since(start)
	}
	return ev.cred
}

func (ev *evaluation) anonTrace(ctx context.Context) *trace {
	if ev.anon == nil {
		start := time.Now()
		ev.anon = ev.r.send(ctx, ev.c, ev.p, nil, true)
		ev.anonDur = time.Since(start)
	}
	return ev.anon
}

// expectations evaluates each expectation in order.
func (ev *evaluation) expectations(ctx context.Context, list []*Expectation, base Result) (rs []Result, certs, tokens []Expiry) {
	for _, x := range list {
		res := base
		res.Expectation, res.Line = x.Label(), x.Pos.Line
		if ev.p.err != nil && needsCredentials(x) {
			res.Status, res.Message = Fail, ev.p.err.Error()
			rs = append(rs, res)
			continue
		}
		switch x.Kind {
		case Authenticated:
			ev.authenticated(ctx, &res)
		case Forbidden:
			ev.forbidden(ctx, &res)
		case Challenge:
			ev.challenge(ctx, x, &res)
		case NoStore:
			ev.noStore(ctx, &res)
		case CookieKind:
			ev.cookie(ctx, x.Cookie, &res)
		case TokenKind:
			if exp := ev.tokenCheck(ctx, x, &res); exp != nil {
				tokens = append(tokens, *exp)
			}
		case TLSKind:
			if exp := ev.tlsCheck(ctx, x, &res); exp != nil {
				certs = append(certs, *exp)
			}
		case CORSKind:
			ev.cors(ctx, x, &res)
		case ProxyKind:
			ev.proxy(ctx, x, &res)
		}
		if res.Duration == 0 {
			res.Duration = ev.credDur + ev.anonDur
		}
		if res.Status == Fail && res.Title == "" && res.Cause != "" {
			fillCause(&res, ev.server())
		}
		rs = append(rs, res)
	}
	return rs, certs, tokens
}

var loginPath = regexp.MustCompile(`(?i)(^|[/_.-])(log-?in|sign-?in|signon|sso|authenticate|wp-login)([/_.?-]|$)`)

// looksLikeLogin reports whether a hop's request went to a login route or
// its answer is a page with a password field.
func looksLikeLogin(h *hop) bool {
	if h == nil {
		return false
	}
	if loginPath.MatchString(h.url.Path) {
		return true
	}
	b := strings.ToLower(string(h.body))
	return strings.Contains(b, `type="password"`) || strings.Contains(b, `type='password'`) || strings.Contains(b, "type=password")
}

// needsCredentials reports whether an expectation sends the step's
// credentials (so a secret that cannot be read fails it).
func needsCredentials(x *Expectation) bool {
	switch x.Kind {
	case Challenge, CORSKind, TLSKind:
		return false
	}
	return true
}

func (ev *evaluation) authenticated(ctx context.Context, res *Result) {
	t := ev.credTrace(ctx)
	fin := t.final()
	if fin != nil && fin.err == nil && fin.status >= 200 && fin.status < 300 {
		if len(t.hops) > 1 && looksLikeLogin(fin) && !looksLikeLogin(t.first()) {
			// A browser follows the redirect to the login form and gets a
			// 200: that is the login page, not the resource.
			res.Status = Fail
			res.Message = "redirected to a login page: " + statusLine(fin) + hopsNote(t)
			res.Cause = catalog.RedirectToLogin
			return
		}
		res.Status, res.Message = Pass, "answered "+statusLine(fin)+hopsNote(t)
		return
	}
	res.Status = Fail
	res.Message = "wanted a 2xx answer with credentials, got " + statusLine(fin) + hopsNote(t) + errNote(fin)
	if ev.sess != nil && ev.sess.failed != "" {
		res.Message += fmt.Sprintf(" (its session comes from the login %s, which failed)", ev.sess.failed)
	}
	if t.dropped != "" && fin != nil && fin.err == nil && fin.status == http.StatusUnauthorized {
		// This client's own redirect rules lost the credentials; the
		// probe follows curl's, so the cause is named here.
		res.Message += fmt.Sprintf(": %s drops Authorization on the redirect to %s", ev.c.name, redact.URL(t.dropped))
		res.Cause = catalog.RedirectAuthDropped
		return
	}
	ev.explainInto(ctx, res, false, ev.recordedCause(false))
}

func (ev *evaluation) forbidden(ctx context.Context, res *Result) {
	t := ev.credTrace(ctx)
	fin := t.final()
	if fin != nil && fin.err == nil && fin.status == http.StatusForbidden {
		res.Status, res.Message = Pass, "answered 403 Forbidden"+hopsNote(t)
		return
	}
	res.Status = Fail
	res.Message = "wanted 403 Forbidden with these credentials, got " + statusLine(fin) + hopsNote(t) + errNote(fin)
	if fin != nil && fin.err == nil && fin.status < 300 {
		res.Message += ": this user is allowed in"
		return // an authorization gap, not a 401 cause
	}
	ev.explainInto(ctx, res, false, ev.recordedCause(false))
}

func (ev *evaluation) challenge(ctx context.Context, x *Expectation, res *Result) {
	t := ev.anonTrace(ctx)
	h := t.first()
	res.Status = Fail
	switch {
	case h == nil || h.err != nil:
		res.Message = "no answer without credentials" + errNote(h)
		ev.explainInto(ctx, res, true, ev.recordedCause(true))
		return
	case h.status >= 300 && h.status < 400:
		res.Message = fmt.Sprintf("without credentials: %s to %s instead of a 401 challenge", statusLine(h), redact.URL(h.resp.Get("Location")))
		ev.explainInto(ctx, res, true, catalog.RedirectToLogin)
		return
	case h.status == http.StatusForbidden:
		res.Message = "without credentials: 403 Forbidden instead of a 401 challenge"
		ev.explainInto(ctx, res, true, catalog.StatusForbidden)
		return
	case h.status >= 200 && h.status < 300:
		res.Message = "without credentials: " + statusLine(h) + ": the endpoint is not protected"
		return
	case h.status != http.StatusUnauthorized:
		res.Message = "without credentials: " + statusLine(h) + " instead of a 401 challenge"
		ev.explainInto(ctx, res, true, ev.recordedCause(true))
		return
	}
	values := h.resp.Values("WWW-Authenticate")
	if len(values) == 0 {
		res.Message = "401 without a WWW-Authenticate header"
		res.Cause = catalog.ChallengeMissing
		return
	}
	cs, _ := challenge.ParseAll(values)
	var offered []string
	for _, c := range cs {
		offered = append(offered, c.Scheme)
	}
	if x.Scheme != "" {
		c, ok := challenge.Find(cs, x.Scheme)
		if !ok {
			res.Message = fmt.Sprintf("401 challenges for %s, not %s", strings.Join(offered, ", "), x.Scheme)
			res.Cause = catalog.CredentialsWrongScheme
			return
		}
		if x.Realm != "" {
			realm, _ := c.Param("realm")
			if realm != x.Realm {
				res.Message = fmt.Sprintf("401 %s challenge with realm %q, not %q", c.Scheme, realm, x.Realm)
				res.Cause = catalog.ServerAuthScope
				return
			}
		}
	} else if x.Realm != "" {
		found := false
		for _, c := range cs {
			if realm, _ := c.Param("realm"); realm == x.Realm {
				found = true
			}
		}
		if !found {
			res.Message = fmt.Sprintf("401 challenge without realm %q (offered: %s)", x.Realm, strings.Join(values, ", "))
			res.Cause = catalog.ServerAuthScope
			return
		}
	}
	res.Status, res.Message = Pass, "401 with WWW-Authenticate: "+strings.Join(values, ", ")
}

// heuristicallyCacheable are the statuses a cache may store without
// explicit freshness (RFC 9110 §15.1).
var heuristicallyCacheable = map[int]bool{200: true, 203: true, 204: true, 206: true, 300: true, 301: true, 308: true, 404: true, 405: true, 410: true, 414: true, 501: true}

// cacheVerdict reads a response's caching headers and says why it could
// be stored, or "" when it cannot (no-store, or private with Vary on the
// credential the request carried).
func cacheVerdict(status int, resp http.Header, sentAuth, sentCookie bool) string {
	cc := httpcache.Parse(resp)
	raw := strings.Join(resp.Values("Cache-Control"), ", ")
	if cc.Has("no-store") {
		return ""
	}
	if cc.Has("public") {
		return fmt.Sprintf("Cache-Control %q lets shared caches store it", raw)
	}
	if v, ok := cc["s-maxage"]; ok && v != "0" {
		return fmt.Sprintf("Cache-Control %q lets shared caches store it", raw)
	}
	if cc.Has("private") {
		var missing []string
		if sentAuth && !httpcache.Varies(resp, "Authorization") {
			missing = append(missing, "Authorization")
		}
		if sentCookie && !httpcache.Varies(resp, "Cookie") {
			missing = append(missing, "Cookie")
		}
		if len(missing) > 0 {
			return fmt.Sprintf("Cache-Control %q without Vary: %s: the browser cache may show it to the next user", raw, strings.Join(missing, ", "))
		}
		return ""
	}
	if raw == "" {
		if e := resp.Get("Expires"); e != "" {
			return fmt.Sprintf("no Cache-Control and Expires %q: caches may store it", e)
		}
		if !heuristicallyCacheable[status] {
			return "" // RFC 9110 §15.1: a cache needs explicit freshness to store this status
		}
		return "no Cache-Control: caches may store it heuristically (want no-store)"
	}
	return fmt.Sprintf("Cache-Control %q has neither no-store nor private", raw)
}

func (ev *evaluation) noStore(ctx context.Context, res *Result) {
	t := ev.credTrace(ctx)
	h := t.first()
	if h == nil || h.err != nil {
		res.Status, res.Message = Fail, "no answer"+errNote(h)
		ev.explainInto(ctx, res, false, ev.recordedCause(false))
		return
	}
	why := cacheVerdict(h.status, h.resp, h.header.Get("Authorization") != "", h.header.Get("Cookie") != "" || len(h.resp.Values("Set-Cookie")) > 0)
	if why == "" {
		res.Status, res.Message = Pass, fmt.Sprintf("%s not storable: Cache-Control %q", statusLine(h), strings.Join(h.resp.Values("Cache-Control"), ", "))
		if len(h.resp.Values("Cache-Control")) == 0 {
			res.Message = fmt.Sprintf("%s not storable: no cache stores this status without explicit freshness", statusLine(h))
		}
		return
	}
	res.Status, res.Message, res.Cause = Fail, statusLine(h)+": "+why, catalog.CacheAuthCacheable
}

func (ev *evaluation) cookie(ctx context.Context, rule *CookieRule, res *Result) {
	t := ev.credTrace(ctx)
	var found *http.Cookie
	var line string
	for _, h := range t.hops {
		for _, l := range h.resp.Values("Set-Cookie") {
			c, err := http.ParseSetCookie(l)
			if err == nil && matchName(rule.Name, c.Name) {
				found, line = c, l
			}
		}
	}
	res.Status = Fail
	if found == nil {
		res.Message = fmt.Sprintf("no Set-Cookie %s in the answer (%s)", rule.Name, statusLine(t.final()))
		if fin := t.final(); fin == nil || fin.err != nil || fin.status >= 400 {
			ev.explainInto(ctx, res, false, ev.recordedCause(false))
		}
		return
	}
	attrs := cookieAttrs(line)
	var problems []string
	var cause catalog.ID
	set := func(c catalog.ID) {
		if cause == "" {
			cause = c
		}
	}
	if found.SameSite == http.SameSiteNoneMode && !found.Secure {
		problems = append(problems, "SameSite=None without Secure: browsers refuse it")
		set(catalog.CookieRejected)
	}
	for _, why := range t.rejected {
		if strings.Contains(why, "cookie "+found.Name+":") {
			problems = append(problems, "refused by this client: "+why)
			set(catalog.CookieRejected)
		}
	}
	if rule.Secure != nil && found.Secure != *rule.Secure {
		problems = append(problems, fmt.Sprintf("Secure is %v, want %v", found.Secure, *rule.Secure))
	}
	if rule.HTTPOnly != nil && found.HttpOnly != *rule.HTTPOnly {
		problems = append(problems, fmt.Sprintf("HttpOnly is %v, want %v", found.HttpOnly, *rule.HTTPOnly))
	}
	if rule.SameSite != "" && !strings.EqualFold(attrs["samesite"], rule.SameSite) {
		got := attrs["samesite"]
		if got == "" {
			got = "unset (Lax in Chromium, None elsewhere)"
		}
		problems = append(problems, fmt.Sprintf("SameSite is %s, want %s", got, rule.SameSite))
		if rule.SameSite == "None" {
			set(catalog.CookieSameSite) // a cross-site flow will lose it
		}
	}
	if rule.HostOnly != nil && (found.Domain == "") != *rule.HostOnly {
		if *rule.HostOnly {
			problems = append(problems, fmt.Sprintf("Domain=%s makes it a domain cookie, want host-only", found.Domain))
		} else {
			problems = append(problems, "host-only (no Domain), want a Domain cookie shared with subdomains")
		}
		set(catalog.CookieNotSent)
	}
	if rule.Path != "" && found.Path != rule.Path {
		problems = append(problems, fmt.Sprintf("Path is %q, want %q", found.Path, rule.Path))
		set(catalog.CookieNotSent)
	}
	if len(problems) == 0 {
		res.Status, res.Message = Pass, "Set-Cookie "+found.Name+": "+describeCookie(found, attrs)
		return
	}
	res.Message = "Set-Cookie " + found.Name + ": " + strings.Join(problems, "; ")
	res.Cause = cause
}

// cookieAttrs returns a Set-Cookie line's attribute names (lowercase) and
// values as written.
func cookieAttrs(line string) map[string]string {
	m := map[string]string{}
	parts := strings.Split(line, ";")
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return m
}

func describeCookie(c *http.Cookie, attrs map[string]string) string {
	var parts []string
	if c.Secure {
		parts = append(parts, "Secure")
	}
	if c.HttpOnly {
		parts = append(parts, "HttpOnly")
	}
	if s := attrs["samesite"]; s != "" {
		parts = append(parts, "SameSite="+s)
	}
	if c.Domain == "" {
		parts = append(parts, "host-only")
	} else {
		parts = append(parts, "Domain="+c.Domain)
	}
	if c.Path != "" {
		parts = append(parts, "Path="+c.Path)
	}
	return strings.Join(parts, ", ")
}

func (ev *evaluation) tokenCheck(ctx context.Context, x *Expectation, res *Result) *Expiry {
	raw := ev.token
	if raw == "" {
		if v, ok := strings.CutPrefix(ev.p.auth, "Bearer "); ok {
			raw = v
		}
	}
	res.Status = Fail
	if raw == "" {
		res.Message = "no bearer token in use (give bearer in the request, or token in the login)"
		return nil
	}
	tok, err := jwt.Parse(raw)
	if err != nil {
		res.Message = "the token is not a readable JWT: " + err.Error()
		res.Cause = catalog.TokenMalformed
		return nil
	}
	now := ev.r.o.Now()
	var exp *Expiry
	if tok.ExpiresAt != nil {
		exp = &Expiry{Step: res.Step, Client: res.Client, Days: tok.ExpiresAt.Sub(now).Hours() / 24}
	}
	var problems []string
	var cause catalog.ID
	set := func(c catalog.ID) {
		if cause == "" {
			cause = c
		}
	}
	switch {
	case tok.ExpiresAt == nil:
		if x.MaxLifetime > 0 || x.MinValid > 0 {
			problems = append(problems, "no exp claim: the token never expires")
		}
	case !tok.ExpiresAt.After(now):
		problems = append(problems, fmt.Sprintf("expired %s ago", jwt.Human(now.Sub(*tok.ExpiresAt))))
		set(catalog.TokenExpired)
	case x.MinValid > 0 && tok.ExpiresAt.Sub(now) < x.MinValid:
		problems = append(problems, fmt.Sprintf("expires in %s, want at least %s", jwt.Human(tok.ExpiresAt.Sub(now)), jwt.Human(x.MinValid)))
		set(catalog.TokenExpired)
	}
	if x.MaxLifetime > 0 && tok.ExpiresAt != nil {
		start := now
		if tok.IssuedAt != nil {
			start = *tok.IssuedAt
		} else if tok.NotBefore != nil {
			start = *tok.NotBefore
		}
		if life := tok.ExpiresAt.Sub(start); life > x.MaxLifetime {
			problems = append(problems, fmt.Sprintf("lives %s, want at most %s", jwt.Human(life), jwt.Human(x.MaxLifetime)))
		}
	}
	if x.Audience != "" {
		ok := false
		for _, a := range tok.Audience {
			ok = ok || a == x.Audience
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("aud is %q, want %q", strings.Join(tok.Audience, " "), x.Audience))
			set(catalog.TokenAudience)
		}
	}
	if x.Issuer != "" && strings.TrimSuffix(tok.Issuer, "/") != strings.TrimSuffix(x.Issuer, "/") {
		problems = append(problems, fmt.Sprintf("iss is %q, want %q", tok.Issuer, x.Issuer))
		set(catalog.TokenIssuer)
	}
	if len(problems) > 0 {
		res.Message = "token: " + strings.Join(problems, "; ")
		res.Cause = cause
		return exp
	}
	res.Status = Pass
	res.Message = "token is a JWT"
	if tok.ExpiresAt != nil {
		res.Message += fmt.Sprintf(", valid for %s more", jwt.Human(tok.ExpiresAt.Sub(now)))
	}
	if len(tok.Audience) > 0 {
		res.Message += fmt.Sprintf(", aud %q", strings.Join(tok.Audience, " "))
	}
	if tok.Issuer != "" {
		res.Message += fmt.Sprintf(", iss %q", tok.Issuer)
	}
	return exp
}

func (ev *evaluation) tlsCheck(ctx context.Context, x *Expectation, res *Result) *Expiry {
	res.Status = Fail
	u := ev.p.url
	if u.Scheme != "https" {
		res.Message = "the URL is http: no certificate to check"
		res.Cause = catalog.RedirectScheme
		return nil
	}
	// The anonymous request's first hop: the probe's client records the
	// chain and its verification even when the handshake was refused, so
	// an expired or foreign certificate is still read and measured.
	t := ev.anonTrace(ctx)
	h := t.first()
	res.Duration = ev.anonDur
	if h == nil || h.tls == nil {
		res.Message = "no TLS connection" + errNote(h)
		res.Cause = catalog.TLSCertificate
		return nil
	}
	if len(h.tls.Chain) == 0 {
		res.Message = "the server sent no certificate"
		res.Cause = catalog.TLSCertificate
		return nil
	}
	leaf := h.tls.Chain[0]
	now := ev.r.o.Now()
	days := leaf.NotAfter.Sub(now).Hours() / 24
	exp := &Expiry{Step: res.Step, Client: res.Client, Host: u.Hostname(), Days: days}
	verr := h.tls.VerifyError
	switch {
	case days <= 0:
		res.Message = fmt.Sprintf("the certificate expired %s (%.1f days ago)", leaf.NotAfter.UTC().Format(time.RFC3339), -days)
		res.Cause = catalog.TLSCertificate
	case verr != "" && !ev.r.f.Insecure:
		res.Message = "the certificate does not verify: " + verr
		res.Cause = catalog.TLSCertificate
	case days < float64(x.MinDays):
		res.Message = fmt.Sprintf("the certificate expires %s (in %.1f days), want at least %d", leaf.NotAfter.UTC().Format(time.RFC3339), days, x.MinDays)
		res.Cause = catalog.TLSCertificate
	default:
		res.Status = Pass
		res.Message = fmt.Sprintf("the certificate is valid until %s (%.0f days)", leaf.NotAfter.UTC().Format("2006-01-02"), days)
	}
	return exp
}

func (ev *evaluation) cors(ctx context.Context, x *Expectation, res *Result) {
	pre := &prepared{method: http.MethodOptions, url: ev.p.url, header: http.Header{}, follow: false}
	pre.header.Set("Origin", x.Origin)
	pre.header.Set("Access-Control-Request-Method", x.Method)
	var lower []string
	for _, h := range x.RequestHeaders {
		lower = append(lower, strings.ToLower(h))
	}
	if len(lower) > 0 {
		pre.header.Set("Access-Control-Request-Headers", strings.Join(lower, ","))
	}
	start := time.Now()
	t := ev.r.send(ctx, ev.c, pre, nil, true)
	res.Duration = time.Since(start)
	h := t.first()
	res.Status = Fail
	if h == nil || h.err != nil {
		res.Message = "no answer to the preflight" + errNote(h)
		res.Cause = ev.causeOf(t, nil)
		return
	}
	if h.status == http.StatusUnauthorized || h.status == http.StatusProxyAuthRequired || h.status == http.StatusForbidden {
		res.Message = fmt.Sprintf("the preflight (OPTIONS, never with credentials) got %s", statusLine(h))
		// The preflight's 401 is the cause by itself; the diagnosis of the
		// credentialed request from that origin adds its evidence when it
		// agrees.
		ev.explainInto(ctx, res, false, catalog.CORSPreflightAuth, "Origin", x.Origin)
		if res.Cause != catalog.CORSPreflightAuth {
			res.Cause, res.Title, res.Fix, res.Evidence = catalog.CORSPreflightAuth, "", "", nil
		}
		return
	}
	if h.status < 200 || h.status >= 300 {
		res.Message = fmt.Sprintf("the preflight got %s, not a 2xx", statusLine(h))
		return
	}
	var problems []string
	acao := h.resp.Get("Access-Control-Allow-Origin")
	// With a cookie session the browser's fetch sends credentials, and then
	// only the exact origin and Allow-Credentials: true will do.
	withCookies := ev.sess != nil && len(ev.sess.jar.names()) > 0
	switch {
	case withCookies && acao != x.Origin:
		problems = append(problems, fmt.Sprintf("Access-Control-Allow-Origin is %q, and a request with cookies needs exactly %q", acao, x.Origin))
	case acao != x.Origin && acao != "*":
		problems = append(problems, fmt.Sprintf("Access-Control-Allow-Origin is %q", acao))
	}
	if withCookies && h.resp.Get("Access-Control-Allow-Credentials") != "true" {
		problems = append(problems, "no Access-Control-Allow-Credentials: true, so the browser drops the answer to a request with cookies")
	}
	simple := x.Method == http.MethodGet || x.Method == http.MethodHead || x.Method == http.MethodPost
	if !simple && !listHas(h.resp.Values("Access-Control-Allow-Methods"), x.Method, true) {
		problems = append(problems, fmt.Sprintf("Access-Control-Allow-Methods %q lacks %s", strings.Join(h.resp.Values("Access-Control-Allow-Methods"), ", "), x.Method))
	}
	for _, hd := range x.RequestHeaders {
		wild := !strings.EqualFold(hd, "authorization")
		if !listHas(h.resp.Values("Access-Control-Allow-Headers"), hd, wild) {
			problems = append(problems, fmt.Sprintf("Access-Control-Allow-Headers %q lacks %s", strings.Join(h.resp.Values("Access-Control-Allow-Headers"), ", "), hd))
		}
	}
	if len(problems) > 0 {
		res.Message = "preflight " + statusLine(h) + " but " + strings.Join(problems, "; ")
		return
	}
	res.Status, res.Message = Pass, fmt.Sprintf("preflight %s allows %s with %s from %s", statusLine(h), x.Method, strings.Join(x.RequestHeaders, ", "), x.Origin)
}

// listHas reports whether a comma-separated header list holds want
// (case-insensitive); "*" counts when wild is set.
func listHas(values []string, want string, wild bool) bool {
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if strings.EqualFold(item, want) || (wild && item == "*") {
				return true
			}
		}
	}
	return false
}

// Echo is what the lab's /echo route reports about the request it got.
type Echo struct {
	Echo          string `json:"echo"` // always "why401"
	Method        string `json:"method"`
	Host          string `json:"host"`
	Path          string `json:"path"`
	Authorization struct {
		Present bool   `json:"present"`
		Scheme  string `json:"scheme,omitempty"`
		SHA256  string `json:"sha256,omitempty"` // hex SHA-256 of the whole header value
		Length  int    `json:"length,omitempty"`
	} `json:"authorization"`
	ForwardedProto string `json:"x_forwarded_proto"`
	ForwardedHost  string `json:"x_forwarded_host"`
	Forwarded      string `json:"forwarded"`
}

// Fingerprint returns the hex SHA-256 the echo route reports for an
// Authorization value.
func Fingerprint(v string) string {
	s := sha256.Sum256([]byte(v))
	return hex.EncodeToString(s[:])
}

func (ev *evaluation) proxy(ctx context.Context, x *Expectation, res *Result) {
	t := ev.credTrace(ctx)
	fin := t.final()
	res.Status = Fail
	if fin == nil || fin.err != nil || fin.status >= 300 {
		res.Message = "the echo route answered " + statusLine(fin) + errNote(fin)
		ev.explainInto(ctx, res, false, ev.recordedCause(false))
		return
	}
	var e Echo
	if err := json.Unmarshal(fin.body, &e); err != nil || e.Echo != "why401" {
		res.Message = "the answer is not why401's echo: mount the /echo route of `why401 lab` behind the proxy and point this endpoint at it"
		return
	}
	var problems []string
	var cause catalog.ID
	sent := t.headers.Get("Authorization")
	if x.Authorization {
		switch {
		case sent == "":
			problems = append(problems, "the request carries no Authorization to test with (give basic, bearer or a session)")
		case !e.Authorization.Present:
			problems = append(problems, "Authorization did not reach the upstream")
			cause = catalog.ProxyHeaderStripped
		case e.Authorization.SHA256 != Fingerprint(sent):
			problems = append(problems, fmt.Sprintf("Authorization reached the upstream changed (%s, %d bytes; sent %d)", e.Authorization.Scheme, e.Authorization.Length, len(sent)))
			cause = catalog.ProxyHeaderStripped
		}
	}
	wantProto := x.Proto
	if wantProto == "" {
		wantProto = ev.p.url.Scheme
	}
	if !strings.EqualFold(firstItem(e.ForwardedProto), wantProto) {
		problems = append(problems, fmt.Sprintf("X-Forwarded-Proto is %q, want %q", e.ForwardedProto, wantProto))
		if cause == "" {
			cause = catalog.ProxyForwardedHeaders
		}
	}
	got := firstItem(e.ForwardedHost)
	hostOK := false
	if x.Host != "" {
		hostOK = strings.EqualFold(got, x.Host)
	} else {
		hostOK = strings.EqualFold(got, ev.p.url.Host) || strings.EqualFold(stripPort(got), ev.p.url.Hostname())
	}
	if !hostOK {
		want := x.Host
		if want == "" {
			want = ev.p.url.Host
		}
		problems = append(problems, fmt.Sprintf("X-Forwarded-Host is %q, want %q", e.ForwardedHost, want))
		if cause == "" {
			cause = catalog.ProxyForwardedHeaders
		}
	}
	if len(problems) > 0 {
		res.Message = strings.Join(problems, "; ")
		res.Cause = cause
		return
	}
	res.Status = Pass
	res.Message = fmt.Sprintf("the upstream got Authorization intact, X-Forwarded-Proto %s, X-Forwarded-Host %s", e.ForwardedProto, e.ForwardedHost)
	if !x.Authorization {
		res.Message = fmt.Sprintf("the upstream got X-Forwarded-Proto %s, X-Forwarded-Host %s", e.ForwardedProto, e.ForwardedHost)
	}
}

func firstItem(s string) string {
	first, _, _ := strings.Cut(s, ",")
	return strings.TrimSpace(first)
}

func stripPort(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}

// recordedCause names the cause of what the checklist itself observed
// for the step, by running the diagnosis's checks over its recorded
// exchanges: the trace with credentials (or without, when anonymous) as
// the request as given, and the anonymous trace beside it when it was
// sent too. It sends nothing; "" when no check names a cause.
func (ev *evaluation) recordedCause(anonymous bool) catalog.ID {
	if anonymous {
		return ev.causeOf(ev.anon, nil)
	}
	return ev.causeOf(ev.cred, ev.anon)
}

// causeOf is the diagnosis's first cause over trace t as given and anon
// as the request without credentials (nil when not sent).
func (ev *evaluation) causeOf(t, anon *trace) catalog.ID {
	if t == nil || len(t.hops) == 0 {
		return ""
	}
	now := ev.r.o.Now()
	p := &evidence.Probe{Started: now, Trials: []evidence.Trial{t.trial(evidence.AsGiven)}}
	p.Request = p.Trials[0].Hops[0].Request
	p.Target = p.Request.URL
	p.Credentials = credential.Kinds(p.Request.Header)
	p.Trials[0].Credentialed = len(p.Credentials) > 0
	if anon != nil && anon != t && len(anon.hops) > 0 {
		p.Trials = append(p.Trials, anon.trial(evidence.NoCredentials))
	}
	fs, err := diagnosis.Run(checks.All, p, now)
	if err != nil || len(fs) == 0 {
		return ""
	}
	return fs[0].Cause
}

// explainInto asks the diagnosis why the step's request (with or without
// credentials; extra header name/value pairs added) went wrong and fills
// res's cause. The local cause stands when the diagnosis names none.
func (ev *evaluation) explainInto(ctx context.Context, res *Result, anonymous bool, local catalog.ID, extra ...string) {
	key := strconv.FormatBool(anonymous) + "\x00" + strings.Join(extra, "\x00")
	ev.mu.Lock()
	if ev.explains == nil {
		ev.explains = map[string]*explained{}
	}
	got, done := ev.explains[key]
	ev.mu.Unlock()
	if !done {
		got = ev.explain(ctx, anonymous, extra)
		ev.mu.Lock()
		ev.explains[key] = got
		ev.mu.Unlock()
	}
	if got != nil && got.cause != "" {
		res.Cause, res.Title, res.Fix, res.Evidence, res.Confidence = got.cause, got.title, got.fix, got.evidence, got.confidence
		return
	}
	res.Cause = local
}

func (ev *evaluation) explain(ctx context.Context, anonymous bool, extra []string) *explained {
	if ev.r.o.Explain == nil {
		return nil
	}
	po := probe.Options{
		URL:             ev.p.url.String(),
		Method:          ev.p.method,
		Header:          http.Header{},
		UserAgent:       ev.c.userAgent,
		Insecure:        ev.r.f.Insecure,
		CACert:          ev.r.f.CACert,
		MaxTime:         ev.r.f.Timeout,
		FollowRedirects: ev.p.follow || ev.c.browser,
		Now:             ev.r.o.Now,
	}
	var src http.Header
	t := ev.cred
	if anonymous {
		t = ev.anon
	}
	if t != nil {
		src = t.headers
	}
	if src == nil {
		src = ev.p.header
	}
	for k, v := range src {
		switch http.CanonicalHeaderKey(k) {
		case "Cookie":
			if !anonymous {
				po.Cookie = append(po.Cookie, v...)
			}
			continue
		case "User-Agent":
			continue
		}
		if anonymous && isCredentialHeader(k) {
			continue
		}
		po.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	if !anonymous && ev.p.body != nil {
		po.Data, po.HasData = ev.p.body, true
	}
	if anonymous && ev.p.body != nil {
		po.Data, po.HasData = ev.p.body, true
	}
	for i := 0; i+1 < len(extra); i += 2 {
		po.Header.Set(extra[i], extra[i+1])
	}
	// A diagnosis sends several requests: it takes a slot of the bound
	// like any request of the checklist.
	select {
	case ev.r.sem <- struct{}{}:
	case <-ctx.Done():
		return nil
	}
	rep, err := ev.r.o.Explain(ctx, po)
	<-ev.r.sem
	if err != nil || rep == nil || len(rep.Findings) == 0 {
		return nil
	}
	f := rep.Findings[0]
	out := &explained{cause: f.Cause, confidence: f.Confidence, title: f.Text(), evidence: f.Evidence, fix: pickFix(f.Fixes, ev.server())}
	if out.fix == "" {
		if c, ok := catalog.Lookup(f.Cause); ok {
			out.fix = pickFix(c.Fixes, ev.server())
		}
	}
	return out
}

// server names the software that answered (the product of the Server
// header, lowercase: "nginx", "apache"), or "".
func (ev *evaluation) server() string {
	for _, t := range []*trace{ev.cred, ev.anon} {
		if t == nil {
			continue
		}
		for _, h := range t.hops {
			if s := serverOf(h.resp); s != "" {
				return s
			}
		}
	}
	return ""
}

func serverOf(h http.Header) string {
	v := strings.ToLower(strings.TrimSpace(h.Get("Server")))
	product, _, _ := strings.Cut(v, "/")
	product, _, _ = strings.Cut(product, " ")
	return product
}

// fillCause fills Title and Fix of a result from the catalog entry of its
// cause; server picks the fix written for that software when there is one.
func fillCause(res *Result, server string) {
	c, ok := catalog.Lookup(res.Cause)
	if !ok {
		return
	}
	if res.Title == "" {
		res.Title = c.Title
	}
	if res.Fix == "" {
		res.Fix = pickFix(c.Fixes, server)
	}
}

// pickFix returns one fix for a checklist line: the first site owner's
// (then developer's) fix written for the server that answered, else the
// first fix the catalog's context filter keeps for that server (site
// owner, developer, visitor in that order), else the first fix at all.
func pickFix(fixes map[catalog.Audience][]catalog.Fix, server string) string {
	var ctx catalog.FixContext
	if server != "" {
		ctx.Software = []string{server}
		for _, a := range []catalog.Audience{catalog.SiteOwner, catalog.Developer} {
			for _, f := range fixes[a] {
				if slices.Contains(f.Tags(), server) {
					return fixText(f)
				}
			}
		}
	}
	order := []catalog.Audience{catalog.SiteOwner, catalog.Developer, catalog.Visitor}
	for _, a := range order {
		for _, f := range fixes[a] {
			if f.Fits(ctx) {
				return fixText(f)
			}
		}
	}
	for _, a := range order {
		if fx := fixes[a]; len(fx) > 0 {
			return fixText(fx[0])
		}
	}
	return ""
}

func fixText(f catalog.Fix) string {
	text := strings.TrimRight(strings.TrimSpace(f.Text), ":.")
	if f.Command != "" {
		return text + ": " + strings.Join(strings.Fields(f.Command), " ")
	}
	return text
}

func hopsNote(t *trace) string {
	if n := len(t.hops) - 1; n > 0 {
		return fmt.Sprintf(" after %d redirect(s), at %s", n, redact.URL(t.final().url.String()))
	}
	return ""
}

func errNote(h *hop) string {
	if h != nil && h.err != nil {
		return ": " + h.err.Error()
	}
	return ""
}

// jsonPath reads a string at a dotted path of a JSON document.
func jsonPath(body []byte, path string) (string, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("the answer is not JSON, so it holds no %s", path)
	}
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("the answer has no %s", path)
		}
		if v, ok = m[part]; !ok {
			return "", fmt.Errorf("the answer has no %s", path)
		}
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%s in the answer is not a non-empty string", path)
	}
	return s, nil
}
