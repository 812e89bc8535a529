package checks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// WPHeader settles what a WordPress REST 401 means with the site's REST
// index (the wp-index variant: are application passwords offered?), the
// answer to a made-up user (wp-bogus) and the site's scheme.
var WPHeader = &diagnosis.Check{
	Name:   "wpheader",
	Doc:    "report a WordPress REST API that never sees the Authorization header, or that refuses application passwords over http",
	Causes: []catalog.ID{catalog.ProxyHeaderStripped, catalog.WordPressRESTAuth, catalog.CredentialsRejected},
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
	prod := p.Evidence.Facts.Producers(e)
	if !prod.Has("wordpress") {
		return nil
	}
	code := wpCode(e.Response)
	sent := p.Evidence.Facts.Sent()
	ev := []string{line(e), "answered by " + prod.Summary(), `WordPress code "` + code + `"`}
	switch code {
	case "application_passwords_disabled":
		if u, err := url.Parse(e.Request.URL); err == nil && u.Scheme == "http" {
			ev = append(ev, "the site is served over http: WordPress offers application passwords only over HTTPS, unless the site's environment type is local")
			p.Reportf(catalog.WordPressRESTAuth, finding.Certain-0.01, ev, "WordPress refuses application passwords over plain http")
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
					p.Reportf(catalog.WordPressRESTAuth, finding.Certain-0.02, ev, "Application passwords are not offered over plain http (WordPress)")
				} else {
					ev = append(ev, "over HTTPS this means a plugin or the wp_is_application_passwords_available filter turned them off")
					p.Reportf(catalog.WordPressRESTAuth, finding.Strong, ev, "Application passwords are turned off on this WordPress site")
				}
				return nil
			case known:
				ev = append(ev, "the site's REST index offers application passwords")
			}
		}
		if !strings.EqualFold(sent.Scheme, "Basic") {
			ev = append(ev, "WordPress itself takes application passwords over Basic; a "+sent.Scheme+" token needs a plugin that reads it")
			p.Reportf(catalog.WordPressRESTAuth, finding.Strong-0.05, ev, "This site reads no %s credentials without a plugin (WordPress)", sent.Scheme)
			return nil
		}
		bogus := final(p, evidence.WPBogus)
		if bogus == nil || bogus.Response == nil || wpCode(bogus.Response) != "rest_not_logged_in" {
			return nil
		}
		ev = append(ev, "a made-up user with Basic credentials gets the same answer ("+line(bogus)+`, code "rest_not_logged_in"), not invalid_username: WordPress reported no wrong user or password`)
		stripped := append(append([]string(nil), ev...),
			"if the application password is right, the Authorization header does not reach PHP: Apache hands it to PHP-FPM and CGI only with CGIPassAuth On")
		p.Reportf(catalog.ProxyHeaderStripped, finding.Likely-0.08, stripped, "The Authorization header may not reach WordPress (PHP)")
		rejected := append(append([]string(nil), ev...),
			"WordPress core answers a wrong or deleted application password the same way unless a plugin looks the user up before the REST server checks authentication")
		p.Reportf(catalog.CredentialsRejected, finding.Likely-0.15, rejected, "Or the application password is wrong or was deleted")
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
