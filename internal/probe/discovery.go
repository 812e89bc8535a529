package probe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/oauthmeta"
	"github.com/why401/why401/internal/redirect"
)

// Document kinds recorded in Probe.Discovery.
const (
	docResource = "resource-metadata"
	docServer   = "authorization-server"
	docOpenID   = "openid-configuration"
	docJWKS     = "jwks"
)

// discover fills Probe.Expect from the user's flags and, for a bearer
// request, from RFC 9728, RFC 8414 and OpenID discovery documents. It never
// sends credentials.
func (p *run) discover(ctx context.Context) {
	cfg := p.cfg
	o := cfg.o
	exp := &p.ev.Expect
	var sources []string
	addSource := func(s string) {
		if !slices.Contains(sources, s) {
			sources = append(sources, s)
		}
	}
	defer func() { exp.Source = strings.Join(sources, ", ") }()
	if len(o.ExpectAudience) > 0 {
		exp.Audience = append([]string(nil), o.ExpectAudience...)
		addSource("flag")
	}
	if len(o.ExpectIssuer) > 0 {
		exp.Issuer = append([]string(nil), o.ExpectIssuer...)
		addSource("flag")
	} else if o.OIDCIssuer != "" {
		exp.Issuer = []string{o.OIDCIssuer}
		addSource("flag")
	}
	if len(o.ExpectScope) > 0 {
		exp.Scope = append([]string(nil), o.ExpectScope...)
		addSource("flag")
	}
	budget := maxDocuments
	// fetch GETs one document; it returns nil when the budget is spent and
	// the document only when it came back 2xx.
	fetch := func(kind, u string) *evidence.Document {
		if budget == 0 {
			p.note("discovery: %s %s not fetched: at most %d documents are fetched", kind, u, maxDocuments)
			return nil
		}
		budget--
		p.ev.Discovery = append(p.ev.Discovery, *p.fetchDocument(ctx, kind, u))
		doc := &p.ev.Discovery[len(p.ev.Discovery)-1]
		if doc.Err != "" || doc.Status/100 != 2 {
			return nil
		}
		return doc
	}
	// server fetches and parses authorization server metadata.
	server := func(kind, u string) (*oauthmeta.Server, string) {
		doc := fetch(kind, u)
		if doc == nil {
			return nil, ""
		}
		s, err := oauthmeta.ParseServer(doc.Body)
		if err != nil {
			doc.Err = oneLine(err.Error())
			return nil, ""
		}
		return s, doc.URL
	}
	setJWKS := func(body []byte, source string) {
		if err := checkJWKS(body); err != nil {
			exp.JWKSError = source + ": " + err.Error()
			return
		}
		exp.JWKS, exp.JWKSSource, exp.JWKSError = body, source, ""
	}
	fetchJWKS := func(u string) {
		if !isHTTPURL(u) {
			exp.JWKSError = fmt.Sprintf("%s: jwks_uri is not an http(s) URL", u)
			return
		}
		before := len(p.ev.Discovery)
		doc := fetch(docJWKS, u)
		switch {
		case doc != nil:
			setJWKS(doc.Body, u)
		case len(p.ev.Discovery) == before:
			exp.JWKSError = u + ": not fetched (document limit)"
		default:
			d := p.ev.Discovery[len(p.ev.Discovery)-1]
			if d.Err != "" {
				exp.JWKSError = u + ": " + d.Err
			} else {
				exp.JWKSError = fmt.Sprintf("%s: HTTP %d", u, d.Status)
			}
		}
	}
	// --jwks and --oidc-issuer were asked for explicitly.
	if o.JWKS != "" {
		if isHTTPURL(o.JWKS) {
			fetchJWKS(o.JWKS)
		} else if data, err := readLimited(o.JWKS, maxDocumentBody); err != nil {
			exp.JWKSError = o.JWKS + ": " + err.Error()
		} else {
			setJWKS(data, o.JWKS)
		}
	}
	if o.OIDCIssuer != "" {
		if s, _ := server(docOpenID, openIDConfigURL(o.OIDCIssuer)); s != nil && o.JWKS == "" && s.JWKSURI != "" {
			fetchJWKS(s.JWKSURI)
		}
	}
	if o.NoDiscovery {
		return
	}
	bearerSent := slices.Contains(p.ev.Credentials, "bearer")
	rm, challenged := p.bearerChallenge()
	if !bearerSent && !challenged {
		return
	}
	p.progress("discovery: fetching metadata")
	if rm == "" || !isHTTPURL(rm) {
		res := withoutQueryToken(p.base.url)
		res.Fragment, res.RawFragment = "", ""
		var err error
		if rm, err = oauthmeta.WellKnownResource(res.String()); err != nil {
			p.note("discovery: no resource metadata URL for %s: %v", res, err)
			rm = ""
		}
	}
	var asIssuer string
	if rm != "" {
		if doc := fetch(docResource, rm); doc != nil {
			r, err := oauthmeta.ParseResource(doc.Body)
			switch {
			case err != nil:
				doc.Err = oneLine(err.Error())
			default:
				if len(exp.Audience) == 0 {
					exp.Audience = []string{r.Resource}
					addSource(doc.URL)
				}
				if len(r.AuthorizationServers) > 0 {
					asIssuer = r.AuthorizationServers[0]
				}
			}
		}
	}
	jwksURI := ""
	if isHTTPURL(asIssuer) {
		urls, err := oauthmeta.ServerMetadataURLs(asIssuer)
		if err != nil {
			p.note("discovery: authorization server %s: %v", asIssuer, err)
		}
		kinds := []string{docServer, docOpenID}
		for i := 0; i < len(urls) && i < len(kinds); i++ {
			s, from := server(kinds[i], urls[i])
			if s == nil {
				continue
			}
			jwksURI = s.JWKSURI
			if len(exp.Issuer) == 0 {
				exp.Issuer = []string{s.Issuer}
				addSource(from)
			}
			break
		}
	} else if iss := tokenIssuer(p.base.secret.Get("Authorization")); bearerSent && isHTTPURL(iss) {
		// Only for its keys: the expected issuer never comes from the
		// token itself.
		if s, _ := server(docOpenID, openIDConfigURL(iss)); s != nil {
			jwksURI = s.JWKSURI
		}
	}
	if jwksURI != "" && exp.JWKS == nil && o.JWKS == "" {
		fetchJWKS(jwksURI)
	}
}

// bearerChallenge returns the resource_metadata URL of a Bearer challenge
// in the final answers of AsGiven or NoCredentials, and whether any of
// them challenges Bearer.
func (p *run) bearerChallenge() (string, bool) {
	challenged := false
	for _, t := range p.ev.Trials {
		if t.Variant != evidence.AsGiven && t.Variant != evidence.NoCredentials {
			continue
		}
		f := t.Final()
		if f == nil || f.Response == nil {
			continue
		}
		cs, _ := parseChallenges(f.Response.Header.Values("Www-Authenticate"))
		for _, c := range cs {
			if !c.is("Bearer") {
				continue
			}
			challenged = true
			if rm := c.Params["resource_metadata"]; rm != "" {
				return rm, true
			}
		}
	}
	return "", challenged
}

// fetchDocument GETs one discovery document without credentials, with a
// short timeout, following at most three redirects to http(s) URLs.
func (p *run) fetchDocument(ctx context.Context, kind, u string) *evidence.Document {
	d := &evidence.Document{Kind: kind, URL: u}
	p.progress("discovery: %s %s", kind, u)
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	cur, err := url.Parse(u)
	if err != nil {
		d.Err = oneLine(urlErrText(err))
		return d
	}
	for redirects := 0; ; redirects++ {
		resp, err := p.getDocument(ctx, cur)
		if err != nil {
			d.Err = oneLine(err.Error())
			return d
		}
		loc := resp.Header.Get("Location")
		if redirect.Status(resp.StatusCode) && loc != "" && redirects < 3 {
			resp.Body.Close()
			next, err := cur.Parse(loc)
			if err == nil && (next.Scheme == "http" || next.Scheme == "https") && next.Host != "" {
				cur = next
				continue
			}
			d.Status = resp.StatusCode
			d.Err = fmt.Sprintf("redirect to %q not followed", loc)
			return d
		}
		defer resp.Body.Close()
		d.Status = resp.StatusCode
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBody+1))
		if err != nil {
			d.Err = oneLine(err.Error())
		}
		if len(body) > maxDocumentBody {
			body = body[:maxDocumentBody]
			d.Err = fmt.Sprintf("document larger than %d bytes", maxDocumentBody)
		}
		d.Body = body
		return d
	}
}

// getDocument sends one credential-free GET on a fresh connection. The
// caller closes the body.
func (p *run) getDocument(ctx context.Context, u *url.URL) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, errors.New(urlErrText(err))
	}
	req.Header.Set("Accept", "application/json")
	req.Header["User-Agent"] = []string{p.base.header.Get("User-Agent")}
	st := &connState{}
	tr := p.transport(u.Hostname(), "", st)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	return resp, nil
}

// openIDConfigURL is OpenID Connect Discovery's configuration URL of an
// issuer: the well-known path appended.
func openIDConfigURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// tokenIssuer returns the iss claim of a Bearer JWT, or "".
func tokenIssuer(authorization string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return ""
	}
	return claims.Iss
}

// checkJWKS reports whether body is a JSON Web Key Set: an object with a
// "keys" array.
func checkJWKS(body []byte) error {
	var set map[string]json.RawMessage
	if err := json.Unmarshal(body, &set); err != nil || set == nil {
		return errors.New("not a JSON Web Key Set: not a JSON object")
	}
	var keys []json.RawMessage
	if err := json.Unmarshal(set["keys"], &keys); err != nil || keys == nil {
		return errors.New("not a JSON Web Key Set: no \"keys\" array")
	}
	return nil
}

// readLimited reads at most limit bytes of a file and fails when it is
// larger.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.New(unwrapPathError(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, errors.New(unwrapPathError(err))
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}
