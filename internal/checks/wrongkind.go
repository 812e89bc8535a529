package checks

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/jwt"
)

// WrongKind reports the right account with the wrong kind of secret: an
// ID token sent as an access token (told by its claims when no typ says
// so), a token of another environment or product, a login password where
// an application password is wanted.
var WrongKind = &diagnosis.Check{
	Name:   "wrongkind",
	Doc:    "report ID tokens sent as access tokens, tokens of another environment or product, and login passwords where application passwords are needed",
	Causes: []catalog.ID{catalog.TokenWrongType, catalog.CredentialsWrongKind},
	Run:    runWrongKind,
}

func runWrongKind(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	code := status(e)
	if e == nil || e.Response == nil || !(code == http.StatusUnauthorized || code == http.StatusForbidden) {
		return nil
	}
	sent := p.Evidence.Facts.Sent()
	if tok, err := p.Evidence.Facts.Token(); err == nil && tok != nil {
		idTokenClaims(p, e, tok)
		otherEnvironment(p, e, tok)
	}
	if sent.Token != "" {
		otherProduct(p, e, sent.Token)
	}
	if strings.EqualFold(sent.Scheme, "Basic") && sent.Password != "" {
		loginPassword(p, e, sent.Password)
	}
	return nil
}

// idTokenClaims spots an OpenID ID token by its claims: nonce and at_hash
// belong to ID tokens only, and an aud equal to azp without any scope is
// the client's own token, not one for an API.
func idTokenClaims(p *diagnosis.Pass, e *evidence.Exchange, tok *jwt.Token) {
	for _, pr := range tok.Check(jwt.Expect{}, p.Now) {
		if pr.Kind == jwt.WrongType {
			return // Token reports what typ or token_use says
		}
	}
	var why []string
	for _, c := range []string{"nonce", "at_hash", "c_hash", "auth_time"} {
		if _, ok := tok.Claims[c]; ok {
			why = append(why, c)
		}
	}
	azp, _ := tok.Claims["azp"].(string)
	audIsClient := azp != "" && len(tok.Audience) == 1 && tok.Audience[0] == azp
	if len(why) == 0 && !audIsClient {
		return
	}
	_, atHash := tok.Claims["at_hash"]
	_, cHash := tok.Claims["c_hash"]
	if len(tok.Scopes) > 0 && !atHash && !cHash {
		return // access tokens with scopes sometimes carry auth_time or nonce (Keycloak); at_hash and c_hash only ID tokens do
	}
	ev := []string{line(e)}
	conf := finding.Likely - 0.1
	switch {
	case len(why) >= 2:
		conf = finding.Strong - 0.05
	case len(why) == 1:
		conf = finding.Likely + 0.05
	}
	if len(why) > 0 {
		ev = append(ev, "the token carries "+strings.Join(why, ", ")+": claims of an OpenID ID token")
	}
	if audIsClient {
		ev = append(ev, "aud equals azp ("+azp+"): the token was issued to the client itself, not for an API")
		conf += 0.05
	}
	if len(tok.Scopes) == 0 {
		ev = append(ev, "the token has no scope or scp claim")
	}
	if info, ok := bearerChallenge(p.Evidence.Facts.Challenges(e.Response)); ok && notAccessRE.MatchString(info.ErrorDescription) {
		ev = append(ev, "the server says: "+info.ErrorDescription)
		conf += 0.05
	}
	p.Reportf(catalog.TokenWrongType, conf, ev, "This looks like an ID token sent where an access token is wanted")
}

// notAccessRE matches servers saying a token is of the wrong type.
var notAccessRE = regexp.MustCompile(`(?i)not an access token|id.?token|wrong token type|token type|refresh token`)

// envWords name non-production environments in host names.
var envWords = map[string]string{
	"staging": "staging", "stage": "staging", "stg": "staging", "preprod": "staging", "uat": "staging",
	"dev": "development", "develop": "development", "development": "development", "local": "development", "localhost": "development",
	"test": "test", "testing": "test", "qa": "test", "sandbox": "sandbox", "sbx": "sandbox",
}

// environment names the environment a host name suggests: a word of
// envWords among its labels, or "production".
func environment(host string) string {
	for _, part := range strings.FieldsFunc(strings.ToLower(host), func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
		if env, ok := envWords[part]; ok {
			return env
		}
	}
	return "production"
}

// otherEnvironment compares the environment of the token's issuer with
// the target's.
func otherEnvironment(p *diagnosis.Pass, e *evidence.Exchange, tok *jwt.Token) {
	if tok.Issuer == "" {
		return
	}
	iu, err := url.Parse(tok.Issuer)
	if err != nil || iu.Hostname() == "" {
		return
	}
	tu, err := url.Parse(e.Request.URL)
	if err != nil || tu.Hostname() == "" || isLoopbackHost(tu.Hostname()) || isLoopbackHost(iu.Hostname()) {
		return
	}
	// Only hosts of one organisation compare: an identity provider's
	// own domain (dev-123.okta.com) says nothing about the API's stage.
	if siteOf(iu.Hostname()) != siteOf(tu.Hostname()) {
		return
	}
	ie, te := environment(iu.Hostname()), environment(tu.Hostname())
	if ie == te {
		return
	}
	ev := []string{line(e), "the token's issuer " + tok.Issuer + " looks like " + ie, "the API " + tu.Hostname() + " looks like " + te}
	p.Reportf(catalog.CredentialsWrongKind, finding.Likely+0.1, ev, "The token comes from the %s environment; this is %s", ie, te)
}

// siteOf returns the last two labels of a host name, a rough registrable
// domain ("example.com" of "login.staging.example.com").
func siteOf(host string) string {
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(host), "."), ".")
	if len(labels) < 2 {
		return host
	}
	return strings.Join(labels[len(labels)-2:], ".")
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}

// tokenProducts maps well-known token prefixes to the product that issues
// them and words of its API host names.
var tokenProducts = []struct {
	prefix, product string
	hosts           []string
}{
	{"ghp_", "GitHub", []string{"github"}},
	{"gho_", "GitHub", []string{"github"}},
	{"ghs_", "GitHub", []string{"github"}},
	{"github_pat_", "GitHub", []string{"github"}},
	{"glpat-", "GitLab", []string{"gitlab"}},
	{"xoxb-", "Slack", []string{"slack"}},
	{"xoxp-", "Slack", []string{"slack"}},
	{"sk_live_", "Stripe", []string{"stripe"}},
	{"sk_test_", "Stripe", []string{"stripe"}},
	{"glc_", "Grafana Cloud (an access policy token)", []string{"grafana.net", "grafana.com"}},
	{"glsa_", "Grafana (a service account token)", []string{"grafana"}},
	{"npm_", "npm", []string{"npmjs"}},
	{"hf_", "Hugging Face", []string{"huggingface"}},
}

// otherProduct spots a token whose prefix names another product than the
// host, and Grafana's answer to a token of the wrong kind.
func otherProduct(p *diagnosis.Pass, e *evidence.Exchange, token string) {
	host := ""
	if u, err := url.Parse(e.Request.URL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	r := e.Response
	var msg struct {
		MessageID string `json:"messageId"`
	}
	_ = json.Unmarshal(r.Body, &msg)
	for _, tp := range tokenProducts {
		if !strings.HasPrefix(token, tp.prefix) {
			continue
		}
		ev := []string{line(e), "the token starts with " + tp.prefix + ": a " + tp.product + " token"}
		if tp.prefix == "glc_" && msg.MessageID == "api-key.invalid" {
			ev = append(ev, `the server says messageId "api-key.invalid"`)
			p.Reportf(catalog.CredentialsWrongKind, finding.Strong-0.05, ev, "A Grafana Cloud access policy token was sent to a Grafana API that wants a service account token (glsa_)")
			return
		}
		for _, w := range tp.hosts {
			if strings.Contains(host, w) {
				return // the product's own host
			}
		}
		for _, other := range tokenProducts {
			for _, w := range other.hosts {
				if other.product != tp.product && strings.Contains(host, w) {
					ev = append(ev, "the API "+host+" belongs to "+other.product)
					p.Reportf(catalog.CredentialsWrongKind, finding.Strong-0.05, ev, "A %s token was sent to %s", tp.product, other.product)
					return
				}
			}
		}
		return
	}
}

// appPassword is the shape of a WordPress application password: 24
// letters and digits, as shown in groups of four.
var appPassword = regexp.MustCompile(`^([A-Za-z0-9]{4} ?){5}[A-Za-z0-9]{4}$`)

// loginPassword spots a WordPress login password where the REST API wants
// an application password.
func loginPassword(p *diagnosis.Pass, e *evidence.Exchange, password string) {
	r := e.Response
	var wp struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(r.Body, &wp) != nil || wp.Code != "incorrect_password" {
		return
	}
	if appPassword.MatchString(password) {
		return // an application password that is wrong: Rejected reports it
	}
	ev := []string{line(e), `WordPress says code "incorrect_password" (an invalid application password)`,
		"the password sent is not shaped like an application password (24 letters and digits, shown in groups of four)"}
	p.Reportf(catalog.CredentialsWrongKind, finding.Strong+0.03, ev, "A WordPress login password was sent where the REST API wants an application password")
}
