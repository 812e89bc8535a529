package checks

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/producer"
)

// WPHeader settles what a WordPress REST 401 means with the site's REST
// index (the wp-index variant: are application passwords offered?), the
// answer to a made-up user (wp-bogus) and the site's scheme.
var WPHeader = &diagnosis.Check{
	Name:   "wpheader",
	Doc:    "report a WordPress REST API that never sees the Authorization header, or that refuses application passwords over http",
	Causes: []catalog.ID{catalog.ProxyHeaderStripped, catalog.WordpressRestAuth, catalog.CredentialsRejected},
	Run:    runWPHeader,
}

// wpCode returns the "code" of a WordPress REST error body, or "".
func wpCode(r *evidence.Response) string {
	if r == nil {
		return ""
	}
	var doc struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(bytes.TrimSpace(r.Body), &doc) != nil {
		return ""
	}
	return doc.Code
}

func runWPHeader(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	prod := p.Facts.Producers(e)
	if !prod.Has("wordpress") {
		return nil
	}
	code := wpCode(e.Response)
	sent := p.Facts.Sent()
	ev := []string{line(e), "answered by " + prod.Summary(), `WordPress code "` + code + `"`}
	switch code {
	case "application_passwords_disabled":
		if u, err := url.Parse(e.Request.URL); err == nil && u.Scheme == "http" {
			ev = append(ev, "the site is served over http: WordPress offers application passwords only over HTTPS, unless the site's environment type is local")
			p.Reportf(catalog.WordpressRestAuth, 0.96, ev, "WordPress refuses application passwords over plain http")
		}
	case "rest_not_logged_in":
		if !diagnosis.SentAuthorization(e.Request) {
			return nil
		}
		if idx := final(p, evidence.WPIndex); idx != nil && idx.Response != nil && idx.Response.Status == http.StatusOK {
			offered, known := wpOffersAppPasswords(idx.Response.Body)
			switch {
			case known && !offered:
				ev = append(ev, "the site's REST index ("+line(idx)+") does not offer application passwords, so WordPress ignores Basic credentials")
				if u, err := url.Parse(e.Request.URL); err == nil && u.Scheme == "http" {
					ev = append(ev, "the site is served over http: WordPress offers application passwords only over HTTPS, unless the site's environment type is local")
					p.Reportf(catalog.WordpressRestAuth, 0.95, ev, "Application passwords are not offered over plain http (WordPress)")
				} else {
					ev = append(ev, "over HTTPS this means a plugin or the wp_is_application_passwords_available filter turned them off")
					p.Reportf(catalog.WordpressRestAuth, 0.9, ev, "Application passwords are turned off on this WordPress site")
				}
				return nil
			case known:
				ev = append(ev, "the site's REST index offers application passwords")
			}
		}
		if !strings.EqualFold(sent.Scheme, "Basic") {
			ev = append(ev, "WordPress itself takes application passwords over Basic; a "+sent.Scheme+" token needs a plugin that reads it")
			p.Reportf(catalog.WordpressRestAuth, 0.85, ev, "This site reads no %s credentials without a plugin (WordPress)", sent.Scheme)
			return nil
		}
		bogus := final(p, evidence.WPBogus)
		if bogus == nil || bogus.Response == nil || wpCode(bogus.Response) != "rest_not_logged_in" {
			return nil
		}
		ev = append(ev, "a made-up user with Basic credentials gets the same answer ("+line(bogus)+`, code "rest_not_logged_in"), not invalid_username: WordPress reported no wrong user or password`)
		stripped := append(append([]string(nil), ev...),
			"if the application password is right, the Authorization header does not reach PHP: Apache hands it to PHP-FPM and CGI only with CGIPassAuth On")
		p.Reportf(catalog.ProxyHeaderStripped, 0.62, stripped, "The Authorization header may not reach WordPress (PHP)")
		rejected := append(append([]string(nil), ev...),
			"WordPress core answers a wrong or deleted application password the same way unless a plugin looks the user up before the REST server checks authentication")
		p.Reportf(catalog.CredentialsRejected, 0.55, rejected, "Or the application password is wrong or was deleted")
	}
	return nil
}

// wpOffersAppPasswords reads a WordPress REST index: whether it lists
// authentication["application-passwords"], and whether the body was an
// index at all.
func wpOffersAppPasswords(body []byte) (offered, known bool) {
	var idx map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(body), &idx) != nil {
		// A cut-off index: authentication comes before the routes.
		if bytes.Contains(body, []byte(`"namespaces"`)) && bytes.Contains(body, []byte(`"authentication"`)) {
			return bytes.Contains(body, []byte(`"application-passwords"`)), true
		}
		return false, false
	}
	if _, ok := idx["namespaces"]; !ok {
		return false, false
	}
	// PHP encodes an empty authentication map as [].
	var auth map[string]json.RawMessage
	if json.Unmarshal(idx["authentication"], &auth) != nil {
		return false, true
	}
	_, offered = auth["application-passwords"]
	return offered, true
}

// Underscore settles a credential header with an underscore in its name
// with the hyphenated variant.
var Underscore = &diagnosis.Check{
	Name:   "underscore",
	Doc:    "report a credential header dropped for the underscore in its name, shown by a hyphenated bogus retry",
	Causes: []catalog.ID{catalog.ProxyHeaderStripped},
	Run:    runUnderscore,
}

func runUnderscore(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	hy := final(p, evidence.Hyphenated)
	none := final(p, evidence.NoCredentials)
	if e == nil || e.Response == nil || hy == nil || hy.Response == nil || none == nil || none.Response == nil {
		return nil
	}
	if !sameAnswer(e.Response, none.Response) || sameAnswer(hy.Response, none.Response) {
		return nil
	}
	var name string
	for k, vs := range hy.Request.Header {
		if strings.Contains(k, "-") && len(vs) == 1 && vs[0] == bogusKey {
			name = k
		}
	}
	ev := []string{
		"with the key under its underscore name: " + line(e) + ", the same answer as without credentials: " + line(none),
		"a bogus value under the hyphenated name " + name + ": " + line(hy) + ", a different answer: the hyphenated name reaches the application",
	}
	if b := snippet(hy.Response.Body, 120); b != "" {
		ev = append(ev, "hyphenated answer: "+b)
	}
	p.Reportf(catalog.ProxyHeaderStripped, 0.93, ev, "A proxy drops the credential header because of the underscore in its name")
	return nil
}

// bogusKey is the value the hyphenated variant sends (see package probe).
const bogusKey = "why401-not-a-real-key"

// ToLogin reports an API call answered with a redirect to a login page or
// an identity provider, or with an HTML login page.
var ToLogin = &diagnosis.Check{
	Name:   "tologin",
	Doc:    "report calls answered with a redirect to a login page or identity provider, or with an HTML login form, instead of a 401",
	Causes: []catalog.ID{catalog.RedirectToLogin},
	Run:    runToLogin,
}

func runToLogin(p *diagnosis.Pass) error {
	t := p.Facts.Trial(evidence.AsGiven)
	if t == nil || len(t.Hops) == 0 {
		return nil
	}
	var ev []string
	hit := false
	for i := range t.Hops {
		h := &t.Hops[i]
		if h.Response == nil || !isRedirect(h.Response.Status) {
			continue
		}
		loc := h.Response.Header.Get("Location")
		from, err1 := url.Parse(h.Request.URL)
		if err1 != nil || loc == "" {
			continue
		}
		to, err := from.Parse(loc)
		if err != nil {
			continue
		}
		if why, ok := producer.LoginURL(to); ok {
			ev = append(ev, line(h)+" → Location: "+clipURL(to), why)
			hit = true
			break
		}
	}
	last := t.Final()
	if last != nil && last.Response != nil && isHTMLType(last.Response.Header.Get("Content-Type")) && producer.LoginForm(last.Response.Body) {
		ev = append(ev, "the answer is an HTML page with a password field: "+line(last))
		hit = true
	}
	if !hit {
		return nil
	}
	conf := 0.88
	if aj := final(p, evidence.AcceptJSON); aj != nil && aj.Response != nil {
		r := aj.Response
		switch {
		case r.Status == http.StatusUnauthorized:
			ev = append(ev, "asked as an API client (Accept: application/json) it answers "+line(aj)+": the SSO layer tells API calls apart by Accept")
			conf = 0.9
		case isRedirect(r.Status) || isHTMLType(r.Header.Get("Content-Type")):
			ev = append(ev, "even with Accept: application/json: "+line(aj))
			conf = 0.93
		}
	}
	if prod := p.Facts.Producers(t.Final()); len(prod.Producers) > 0 {
		ev = append(ev, "answered by "+prod.Summary())
	}
	p.Reportf(catalog.RedirectToLogin, conf, ev, "The call is sent to a login page instead of being answered with 401")
	return nil
}

func isHTMLType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	return strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/xhtml+xml")
}

// clipURL shows u without its query values, which may hold state.
func clipURL(u *url.URL) string {
	c := *u
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{"…"}
		}
		c.RawQuery = strings.ReplaceAll(q.Encode(), "%E2%80%A6", "…")
	}
	return c.String()
}

// Registry checks a Docker registry's token challenge: the realm a client
// must fetch a token from.
var Registry = &diagnosis.Check{
	Name:   "registry",
	Doc:    "report a Docker registry whose token realm points to http behind https, to an internal host, or cannot be reached",
	Causes: []catalog.ID{catalog.ProxyForwardedHeaders},
	Run:    runRegistry,
}

func runRegistry(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	if !strings.HasPrefix(e.Response.Header.Get("Docker-Distribution-Api-Version"), "registry/2") {
		return nil
	}
	c, ok := challenge.Find(p.Facts.Challenges(e.Response), "Bearer")
	if !ok {
		return nil
	}
	realm, _ := c.Param("realm")
	ru, err := url.Parse(realm)
	tu, err2 := url.Parse(e.Request.URL)
	if err != nil || err2 != nil {
		return nil
	}
	ev := []string{line(e), `the registry sends clients for a token to realm "` + realm + `"`}
	conf := 0.0
	switch {
	case tu.Scheme == "https" && ru.Scheme == "http":
		ev = append(ev, "the registry is reached over https but its realm says http: the registry or its token service builds URLs from a request that reached it as http (X-Forwarded-Proto not passed); docker fails there whatever the credentials")
		conf = 0.92
	case internalHost(ru.Hostname()) && !internalHost(tu.Hostname()):
		ev = append(ev, "the realm's host "+ru.Hostname()+" is internal: the token service builds its URL from the backend's own address (X-Forwarded-Host not passed)")
		conf = 0.85
	}
	if tok := final(p, evidence.RegistryToken); tok != nil {
		switch {
		case tok.Response == nil && tok.Err != "":
			ev = append(ev, "fetching a token from the realm failed: "+tok.Err)
			if conf == 0 {
				conf = 0.7
			} else {
				conf += 0.05
			}
		case tok.Response != nil:
			ev = append(ev, "the realm answers: "+line(tok))
		}
	}
	if conf == 0 {
		return nil
	}
	p.Reportf(catalog.ProxyForwardedHeaders, conf, ev, "The registry's token realm is wrong behind its proxy")
	return nil
}

// internalHost reports a loopback, private or single-label host name.
func internalHost(h string) bool {
	if h == "" || h == "localhost" || !strings.Contains(h, ".") {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast()
	}
	return strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".internal") || strings.HasSuffix(h, ".svc") || strings.HasSuffix(h, ".cluster.local")
}
