package checks

import (
	"cmp"
	"encoding/json"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// NotAuth reports 401s that are not about the credentials: maintenance
// pages, validation errors answered with 401, an endpoint that wants
// another Content-Type, and a 401 that ends the session by deleting the
// very cookie the request sent.
var NotAuth = &diagnosis.Check{
	Name:   "notauth",
	Doc:    "report maintenance pages and misused 401s, bodies of the wrong Content-Type, and 401s that delete the session cookie",
	Causes: []catalog.ID{catalog.StatusNotAuth, catalog.RequestContentType, catalog.SessionExpired},
	Run:    runNotAuth,
}

var (
	maintenanceRE = regexp.MustCompile(`(?i)(under|down for|scheduled|undergoing|in) maintenance|maintenance mode|temporarily (unavailable|offline|down)|be right back|planned (outage|downtime)`)
	validationRE  = regexp.MustCompile(`(?i)"(validation_?errors|violations|field_?errors|invalid_params)"\s*:|\bis required\b|must be (a|an|a valid|at least|one of)\b|\bvalidation (failed|error)|\binvalid (field|parameter|value|input|email)\b`)
	// authWordsRE marks a body that is about authentication after all.
	authWordsRE   = regexp.MustCompile(`(?i)unauthori[sz]ed|unauthenticated|authenticat|credential|token|log ?in|password|api.?key|signature|session`)
	jsonWantedRE  = regexp.MustCompile(`(?i)(must|should) be (valid )?json|expect(ed|s)? (a )?json|json (body|payload) (is )?required|only json`)
	sessionNameRE = regexp.MustCompile(`(?i)sess|^sid$|sessid|^auth|token|^jsessionid$|^connect\.sid$|login`)
	contentTypeRE = regexp.MustCompile(`(?i)content.?type|unsupported media type|media type|expect(ed|s)? (a )?json|must be (valid )?json|(not|invalid) json|request body (is )?(missing|empty|malformed)|could not parse (the )?(request )?body`)
)

func runNotAuth(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil {
		return nil
	}
	r := e.Response
	code := r.Status
	if code == http.StatusUnsupportedMediaType || (code == http.StatusUnauthorized || code == http.StatusBadRequest) && len(e.Request.Body) > 0 {
		contentType(p, e)
	}
	if code != http.StatusUnauthorized && code != http.StatusForbidden {
		return nil
	}
	sessionEnded(p, e)
	cs := p.Evidence.Facts.Challenges(r)
	text := string(r.Body)
	if maintenanceRE.MatchString(text) {
		ev := []string{line(e), "body: " + snippet(r.Body, 160)}
		if ra := r.Header.Get("Retry-After"); ra != "" {
			ev = append(ev, "Retry-After: "+ra)
		}
		conf := finding.Strong + 0.03
		if len(cs) > 0 {
			ev = append(ev, challengeLine(r, cs))
			conf = finding.Likely + 0.1 // a Basic-protected maintenance window is still a login
		}
		p.Reportf(catalog.StatusNotAuth, conf, ev, "The site is in maintenance: this %d is not about your credentials", code)
		return nil
	}
	if code == http.StatusUnauthorized && validationRE.MatchString(text) && !authWordsRE.MatchString(text) && isJSONish(r) {
		ev := []string{line(e), "body: " + snippet(r.Body, 160), "the body reads like a validation error about the request's fields, not a login failure"}
		conf := finding.Likely - 0.1
		if noCred := final(p, evidence.NoCredentials); noCred != nil && noCred.Response != nil && !sameAnswer(r, noCred.Response) && !validationRE.MatchString(string(noCred.Response.Body)) {
			ev = append(ev, "without credentials the server answers differently ("+line(noCred)+"): the credentials themselves got through")
			conf = finding.Strong - 0.02
		}
		p.Reportf(catalog.StatusNotAuth, conf, ev, "The server uses 401 for a validation error: check the request's fields, not the credentials")
	}
	return nil
}

func isJSONish(r *evidence.Response) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if strings.Contains(mt, "json") {
		return true
	}
	return json.Valid(r.Body)
}

// contentType reports a body the endpoint cannot read: 415, or a 400/401
// whose text talks about the Content-Type or JSON while the request sent
// something else.
func contentType(p *diagnosis.Pass, e *evidence.Exchange) {
	r := e.Response
	sentCT := e.Request.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(sentCT)
	ev := []string{line(e)}
	if sentCT != "" {
		ev = append(ev, "sent Content-Type: "+sentCT)
	} else {
		ev = append(ev, "the request body was sent without a Content-Type")
	}
	if b := snippet(r.Body, 160); b != "" {
		ev = append(ev, "body: "+b)
	}
	if accept := r.Header.Get("Accept-Post"); accept != "" {
		ev = append(ev, "Accept-Post: "+accept)
	}
	// --try-content-type: the same body in the other encoding.
	if t := p.Evidence.Facts.Trial(evidence.ContentType); t != nil {
		f := t.Final()
		if f != nil && f.Response != nil && success(f.Response.Status) {
			ev = append(ev, "--try-content-type: the same body sent as "+t.Label+" succeeded: "+line(f))
			p.Reportf(catalog.RequestContentType, finding.Certain, ev, "The endpoint reads only %s bodies: the same request sent as %s works", t.Label, t.Label)
			return
		}
		if f != nil && f.Response != nil {
			ev = append(ev, "--try-content-type: sent as "+t.Label+" it was refused too: "+line(f))
			if r.Status != http.StatusUnsupportedMediaType {
				return // the body's type is not what stands in the way
			}
		}
	}
	if r.Status == http.StatusUnsupportedMediaType {
		p.Reportf(catalog.RequestContentType, finding.Strong+0.02, ev, "The endpoint does not take %s bodies", cmp.Or(mt, "typeless"))
		return
	}
	if !contentTypeRE.MatchString(string(r.Body)) {
		return
	}
	body := strings.TrimSpace(string(e.Request.Body))
	formLike := mt == "application/x-www-form-urlencoded" || mt == "" && !strings.HasPrefix(body, "{") && strings.Contains(body, "=")
	if !formLike && mt != "text/plain" && mt != "" && !strings.Contains(mt, "json") {
		return
	}
	conf := finding.Likely + 0.1
	switch {
	case strings.Contains(mt, "json"):
		conf = finding.Likely - 0.1 // JSON was sent; the server may want a form
	case jsonWantedRE.MatchString(string(r.Body)):
		conf = finding.Strong + 0.03 // a form was sent and the server names JSON
		ev = append(ev, "the server asks for JSON and a form was sent")
	}
	p.Reportf(catalog.RequestContentType, conf, ev, "The endpoint cannot read the %s body it was sent and treats the request as carrying no credentials", cmp.Or(mt, "typeless"))
}

// sessionEnded reports a 401 whose Set-Cookie deletes a cookie the request
// sent: the server no longer knows the session.
func sessionEnded(p *diagnosis.Pass, e *evidence.Exchange) {
	sentCookies := map[string]bool{}
	for _, c := range requestCookies(e.Request.Header) {
		sentCookies[c.Name] = true
	}
	if len(sentCookies) == 0 {
		return
	}
	r := e.Response
	ref := r.Received
	if ref.IsZero() {
		ref = p.Now
	}
	var deleted []string
	var ev []string
	for _, c := range responseCookies(r.Header) {
		if !sentCookies[c.Name] {
			continue
		}
		if c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(ref.Add(-time.Second))) {
			deleted = append(deleted, c.Name)
		}
	}
	if len(deleted) == 0 {
		return
	}
	ev = append(ev, line(e), "sent cookies: "+redact.Cookie(e.Request.Header.Get("Cookie")))
	for _, sc := range r.Header.Values("Set-Cookie") {
		ev = append(ev, "Set-Cookie: "+redact.SetCookie(sc))
	}
	conf := finding.Strong - 0.05
	for _, n := range deleted {
		if sessionNameRE.MatchString(n) {
			conf = finding.Strong + 0.03 // the deleted cookie is named like a session
		}
	}
	if without := final(p, evidence.NoCookies); without != nil && without.Response != nil && ok(without.Response.Status) {
		conf = finding.Likely // a cookie that does harm: Cookies reports cookie.stale
	}
	p.Reportf(catalog.SessionExpired, conf, ev, "The session has ended: the server deleted cookie %s in its 401; log in again", strings.Join(deleted, ", "))
}
