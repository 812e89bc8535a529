package probe

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/producer"
	"github.com/why401/why401/internal/random"
	"github.com/why401/why401/internal/redirect"
)

// Bogus values the differential variants send. They are never the user's.
const (
	bogusPassword = "why401-not-a-password"
	bogusKey      = "why401-not-a-real-key"
)

// differentials runs the differential variants the answer of the request
// as given calls for: at most one request each, one after the other,
// never with the user's password (see evidence.WPBogus, Hyphenated,
// AcceptJSON, RegistryToken).
func (p *run) differentials(ctx context.Context, trials []evidence.Trial) []evidence.Trial {
	var asGiven *evidence.Trial
	for i := range trials {
		if trials[i].Variant == evidence.AsGiven {
			asGiven = &trials[i]
			break
		}
	}
	if asGiven == nil || len(asGiven.Hops) == 0 {
		return nil
	}
	var out []evidence.Trial
	for _, plan := range []func(*evidence.Trial) (trialPlan, bool){p.wpIndexPlan, p.wpBogusPlan, p.hyphenatedPlan, p.acceptJSONPlan, p.registryTokenPlan} {
		if ctx.Err() != nil {
			break
		}
		pl, ok := plan(asGiven)
		if !ok {
			continue
		}
		t := p.trial(ctx, pl)
		if pl.variant == evidence.AcceptJSON && !t.Credentialed && p.carriesSecret(pl.header) {
			t.Credentialed = true
			p.attempts.Add(1)
		}
		out = append(out, t)
	}
	return out
}

// plainHeader is the request's non-secret header, for a variant that adds
// its own credential.
func (p *run) plainHeader() http.Header {
	h := p.base.header.Clone()
	h.Del("Host")
	return h
}

// carriesSecret reports whether h holds one of the user's secret headers.
func (p *run) carriesSecret(h http.Header) bool {
	for k := range p.base.secret {
		if h.Get(k) != "" {
			return true
		}
	}
	return false
}

// wordpress401 reports whether the request as given, sent with
// credentials, ended in a 401 from WordPress, and returns that answer's
// URL and header: the condition of both WordPress variants.
func (p *run) wordpress401(asGiven *evidence.Trial) (*url.URL, http.Header, bool) {
	final := asGiven.Final()
	if final == nil || final.Response == nil || final.Response.Status != http.StatusUnauthorized || len(p.ev.Credentials) == 0 {
		return nil, nil, false
	}
	if !producer.Identify(final.Response, producer.Input{Sent: true}).Has("wordpress") {
		return nil, nil, false
	}
	cur, err := url.Parse(final.Request.URL)
	if err != nil {
		return nil, nil, false
	}
	return cur, final.Response.Header, true
}

// wpBogusPlan: a WordPress site answered 401 to credentials; ask its
// users/me route with a user that cannot exist.
func (p *run) wpBogusPlan(asGiven *evidence.Trial) (trialPlan, bool) {
	cur, answer, ok := p.wordpress401(asGiven)
	if !ok {
		return trialPlan{}, false
	}
	me, ok := wpUsersMe(cur, answer)
	if !ok {
		p.note("wp-bogus variant skipped: the WordPress REST root is on another host than %s", hostOnly(cur))
		return trialPlan{}, false
	}
	user := "why401-probe-" + random.Hex(4)
	h := p.plainHeader()
	h.Set("Accept", "application/json")
	h.Set("Authorization", basicAuthorization(user+":"+bogusPassword))
	return trialPlan{variant: evidence.WPBogus, method: http.MethodGet, url: me, header: h, noHops: true}, true
}

// wpIndexPlan: a WordPress site answered 401 to credentials; ask its REST
// index, anonymously, whether it offers application passwords.
func (p *run) wpIndexPlan(asGiven *evidence.Trial) (trialPlan, bool) {
	cur, answer, ok := p.wordpress401(asGiven)
	if !ok {
		return trialPlan{}, false
	}
	root, ok := wpRoute(cur, answer, "/")
	if !ok {
		return trialPlan{}, false
	}
	// The full index lists every route; ask for the two fields needed.
	q := root.Query()
	q.Set("_fields", "namespaces,authentication")
	root.RawQuery = q.Encode()
	h := p.plainHeader()
	h.Set("Accept", "application/json")
	return trialPlan{variant: evidence.WPIndex, method: http.MethodGet, url: root, header: h, noHops: true}, true
}

// wpUsersMe finds the users/me route; see wpRoute.
func wpUsersMe(cur *url.URL, h http.Header) (*url.URL, bool) {
	return wpRoute(cur, h, "/wp/v2/users/me")
}

// wpRoute finds a REST route (a path like "/wp/v2/users/me", or "/" for
// the index) of the WordPress site that answered at cur: from its Link
// rel="https://api.w.org/" header, or from a /wp-json/ path or rest_route
// parameter of cur. The route must be on cur's scheme, host and port.
func wpRoute(cur *url.URL, h http.Header, route string) (*url.URL, bool) {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			target, params, found := strings.Cut(strings.TrimSpace(part), ";")
			if !found || !strings.Contains(params, `rel="https://api.w.org/"`) {
				continue
			}
			target = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(target), "<"), ">")
			root, err := cur.Parse(target)
			if err != nil || !strings.EqualFold(root.Host, cur.Host) || root.Scheme != cur.Scheme {
				return nil, false
			}
			if root.Query().Has("rest_route") {
				q := root.Query()
				q.Set("rest_route", route)
				root.RawQuery = q.Encode()
				return root, true
			}
			if !strings.HasSuffix(root.Path, "/") {
				root.Path += "/"
			}
			root.Path += strings.TrimPrefix(route, "/")
			root.RawPath = ""
			root.RawQuery = ""
			return root, true
		}
	}
	u := cloneURL(cur)
	u.Fragment, u.RawFragment = "", ""
	if i := strings.Index(u.Path, "/wp-json/"); i >= 0 {
		u.Path = u.Path[:i] + "/wp-json" + route
		u.RawPath, u.RawQuery = "", ""
		return u, true
	}
	if q := u.Query(); q.Has("rest_route") {
		q.Set("rest_route", route)
		u.RawQuery = q.Encode()
		return u, true
	}
	return nil, false
}

// hyphenatedPlan: the credential travels in a header whose name has an
// underscore and the answer refused it; send a bogus value under the
// hyphenated name.
func (p *run) hyphenatedPlan(asGiven *evidence.Trial) (trialPlan, bool) {
	final := asGiven.Final()
	if final == nil || final.Response == nil || !(final.Response.Status == http.StatusUnauthorized || final.Response.Status == http.StatusForbidden) {
		return trialPlan{}, false
	}
	for name := range p.base.secret {
		if !strings.Contains(name, "_") {
			continue
		}
		h := p.plainHeader()
		// Set the key as written (no canonicalisation) so the hyphen is
		// the only difference.
		h[strings.ReplaceAll(name, "_", "-")] = []string{bogusKey}
		return trialPlan{variant: evidence.Hyphenated, url: withoutQueryToken(p.base.url), header: h, noHops: true}, true
	}
	return trialPlan{}, false
}

// acceptJSONPlan: the request was answered with a redirect to a login
// page or identity provider, or with an HTML login form; ask again as an API client, keeping tokens, API keys and cookies
// but never a password.
func (p *run) acceptJSONPlan(asGiven *evidence.Trial) (trialPlan, bool) {
	first := &asGiven.Hops[0]
	final := asGiven.Final()
	if first.Response == nil || final == nil || final.Response == nil {
		return trialPlan{}, false
	}
	toLogin := false
	if redirect.Status(first.Response.Status) {
		if from, err := url.Parse(first.Request.URL); err == nil {
			if to, err := from.Parse(first.Response.Header.Get("Location")); err == nil {
				_, toLogin = producer.LoginURL(to)
			}
		}
	}
	loginPage := isHTML(final.Response.Header.Get("Content-Type")) && producer.LoginForm(final.Response.Body)
	if !toLogin && !loginPage {
		return trialPlan{}, false
	}
	if accept := strings.ToLower(p.base.header.Get("Accept")); strings.Contains(accept, "json") {
		return trialPlan{}, false // already asked as an API client
	}
	h := p.plainHeader()
	h.Set("Accept", "application/json")
	for k, v := range p.base.secret {
		if strings.EqualFold(k, "Authorization") && len(v) > 0 {
			scheme, _, _ := strings.Cut(strings.TrimSpace(v[0]), " ")
			if strings.EqualFold(scheme, "Basic") || strings.EqualFold(scheme, "Digest") {
				continue
			}
		}
		h[k] = append([]string(nil), v...)
	}
	return trialPlan{variant: evidence.AcceptJSON, url: p.base.url, header: h, cookies: true, noHops: true}, true
}

// registryTokenPlan: a Docker registry challenged for a bearer token;
// fetch one anonymously from its realm, as docker does.
func (p *run) registryTokenPlan(asGiven *evidence.Trial) (trialPlan, bool) {
	final := asGiven.Final()
	if final == nil || final.Response == nil || final.Response.Status != http.StatusUnauthorized {
		return trialPlan{}, false
	}
	r := final.Response
	if !strings.HasPrefix(r.Header.Get("Docker-Distribution-Api-Version"), "registry/2") {
		return trialPlan{}, false
	}
	cs, _ := challenge.ParseAll(r.Header.Values("WWW-Authenticate"))
	c, ok := challenge.Find(cs, "Bearer")
	if !ok {
		return trialPlan{}, false
	}
	realm, _ := c.Param("realm")
	ru, err := url.Parse(realm)
	if err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "" {
		p.note("registry-token variant skipped: the realm %q is not an http(s) URL", realm)
		return trialPlan{}, false
	}
	q := ru.Query()
	if s, ok := c.Param("service"); ok {
		q.Set("service", s)
	}
	if s, ok := c.Param("scope"); ok {
		q.Set("scope", s)
	}
	ru.RawQuery = q.Encode()
	h := p.plainHeader()
	h.Set("Accept", "application/json")
	return trialPlan{variant: evidence.RegistryToken, method: http.MethodGet, url: ru, header: h, noHops: true}, true
}

func isHTML(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}
