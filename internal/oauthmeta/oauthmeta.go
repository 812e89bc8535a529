// Package oauthmeta parses OAuth discovery documents and builds their
// URLs: RFC 9728 protected resource metadata (which authorization servers a
// resource trusts, which scopes it knows) and RFC 8414 authorization server
// metadata or OpenID Connect Discovery (the issuer, its keys, its
// endpoints). why401 reads them to learn which issuer, audience and keys a
// server expects of a token.
//
// The package is pure: callers fetch the documents and pass their bodies.
// Parsers fail only when a document cannot be used at all (not JSON, no
// resource or issuer); departures from the RFCs that still leave the
// document usable, such as an issuer over plain http, are returned as
// Warnings for the caller to show. The identity checks of RFC 9728 §3.3
// and RFC 8414 §3.3 are [Resource.Check] and [Server.Check].
package oauthmeta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Resource is RFC 9728 protected resource metadata.
type Resource struct {
	// Resource is the protected resource's identifier (required).
	Resource string
	// AuthorizationServers are the issuer identifiers of the authorization
	// servers the resource accepts tokens from.
	AuthorizationServers []string
	// ScopesSupported are the scopes the resource uses in requests.
	ScopesSupported []string
	// JWKSURI is the resource's own key set URL (for signed responses, not
	// for access tokens).
	JWKSURI string
	// BearerMethodsSupported says how a bearer token may be sent:
	// "header", "body", "query".
	BearerMethodsSupported []string
	// ResourceName is the human-readable name, when given.
	ResourceName string
	// Warnings are departures from RFC 9728 that leave the document usable,
	// one line each.
	Warnings []string
}

// Server is RFC 8414 authorization server metadata, or an OpenID Connect
// Discovery document (a superset for the fields kept here).
type Server struct {
	Issuer                string
	JWKSURI               string
	TokenEndpoint         string
	AuthorizationEndpoint string
	ScopesSupported       []string
	// Warnings are departures from RFC 8414 that leave the document usable,
	// one line each.
	Warnings []string
}

// MismatchError says that a metadata document names another identifier
// than the one it was fetched for (RFC 9728 §3.3, RFC 8414 §3.3): the
// document must not be used.
type MismatchError struct {
	Field string // "resource" or "issuer"
	Got   string // the value in the document
	Want  string // the value asked for
	Hint  string // why they may differ, or ""
}

// Error describes the mismatch on one line.
func (e *MismatchError) Error() string {
	s := fmt.Sprintf("metadata %s %q differs from %q asked for", e.Field, e.Got, e.Want)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// ParseResource parses RFC 9728 protected resource metadata. It fails when
// body is not a JSON object or has no string "resource"; other departures
// from RFC 9728 (a non-https URL, a member of the wrong type, which is then
// ignored) become Warnings.
func ParseResource(body []byte) (*Resource, error) {
	m, err := object(body, "protected resource metadata")
	if err != nil {
		return nil, err
	}
	r := &Resource{}
	w := &warner{}
	if r.Resource, err = required(m, "protected resource metadata", "resource"); err != nil {
		return nil, err
	}
	w.identifier("resource", r.Resource, false)
	r.AuthorizationServers = w.strings(m, "authorization_servers")
	for _, as := range r.AuthorizationServers {
		w.identifier("authorization server", as, true)
	}
	r.ScopesSupported = w.strings(m, "scopes_supported")
	r.BearerMethodsSupported = w.strings(m, "bearer_methods_supported")
	for _, b := range r.BearerMethodsSupported {
		if b != "header" && b != "body" && b != "query" {
			w.add("bearer_methods_supported holds %q; RFC 6750 defines header, body and query", b)
		}
	}
	r.JWKSURI = w.url(m, "jwks_uri")
	r.ResourceName = w.string(m, "resource_name")
	r.Warnings = w.list
	return r, nil
}

// Check applies RFC 9728 §3.3: the resource in the document must be
// identical to the resource identifier the metadata was fetched for
// (requested). It returns a *MismatchError when they differ.
func (r *Resource) Check(requested string) error {
	if r.Resource == requested {
		return nil
	}
	return &MismatchError{Field: "resource", Got: r.Resource, Want: requested, Hint: hint(r.Resource, requested)}
}

// ParseServer parses RFC 8414 authorization server metadata or an OpenID
// Connect Discovery document. It fails when body is not a JSON object or
// has no string "issuer"; other departures (an issuer that is not https,
// that has a query or fragment, a member of the wrong type) become
// Warnings. An http issuer on a loopback host gets a note, not a warning
// of misconfiguration.
func ParseServer(body []byte) (*Server, error) {
	m, err := object(body, "authorization server metadata")
	if err != nil {
		return nil, err
	}
	s := &Server{}
	w := &warner{}
	if s.Issuer, err = required(m, "authorization server metadata", "issuer"); err != nil {
		return nil, err
	}
	w.identifier("issuer", s.Issuer, true)
	s.JWKSURI = w.url(m, "jwks_uri")
	s.TokenEndpoint = w.url(m, "token_endpoint")
	s.AuthorizationEndpoint = w.url(m, "authorization_endpoint")
	s.ScopesSupported = w.strings(m, "scopes_supported")
	s.Warnings = w.list
	return s, nil
}

// Check applies RFC 8414 §3.3 (and OpenID Connect Discovery §4.3): the
// issuer in the document must be identical to the issuer the metadata was
// fetched for. It returns a *MismatchError when they differ; a token
// issued under the other name fails issuer checks.
func (s *Server) Check(issuer string) error {
	if s.Issuer == issuer {
		return nil
	}
	return &MismatchError{Field: "issuer", Got: s.Issuer, Want: issuer, Hint: hint(s.Issuer, issuer)}
}

// WellKnownResource returns the RFC 9728 metadata URL for a resource URL:
// /.well-known/oauth-protected-resource inserted between the host and the
// path, the query kept, and a lone "/" path dropped
// (https://api.example/v1 gives
// https://api.example/.well-known/oauth-protected-resource/v1). The
// resource URL must be absolute http or https without a fragment.
func WellKnownResource(resourceURL string) (string, error) {
	u, err := absolute(resourceURL)
	if err != nil {
		return "", err
	}
	if u.Fragment != "" || strings.HasSuffix(resourceURL, "#") {
		return "", fmt.Errorf("resource %q: has a fragment, which a resource identifier cannot have", resourceURL)
	}
	return insert(u, "/.well-known/oauth-protected-resource"), nil
}

// ResourceMetadataURLs returns the RFC 9728 metadata URLs to try for a
// request URL, most specific first: the well-known path inserted before
// the request's path (query kept), then before each parent path up to the
// root, then the root document itself. A server publishes metadata for a
// resource identifier, which is often a prefix of the URLs it protects
// (https://api.example/api for https://api.example/api/v1/items), so the
// prefixes are where it is found. At most max URLs are returned (the root
// always among them when max > 0); the URL must be absolute http or https
// without a fragment.
func ResourceMetadataURLs(requestURL string, max int) ([]string, error) {
	first, err := WellKnownResource(requestURL)
	if err != nil || max <= 0 {
		return nil, err
	}
	u, _ := absolute(requestURL)
	const wk = "/.well-known/oauth-protected-resource"
	root := u.Scheme + "://" + u.Host + wk
	out := []string{first}
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	p := u.EscapedPath()
	if u.RawQuery != "" || u.ForceQuery {
		add(u.Scheme + "://" + u.Host + wk + strings.TrimSuffix(p, "/"))
	}
	for p = strings.TrimSuffix(p, "/"); p != ""; {
		add(u.Scheme + "://" + u.Host + wk + p)
		i := strings.LastIndex(p, "/")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	add(root)
	if len(out) > max {
		out = append(out[:max-1], root)
	}
	return out, nil
}

// ServerMetadataURLs returns the metadata URLs of an issuer in the order to
// try: the RFC 8414 URL (/.well-known/oauth-authorization-server inserted
// before the issuer's path), the OpenID Connect Discovery URL (the issuer,
// without a final slash, followed by /.well-known/openid-configuration),
// and, for an issuer with a path, the OpenID URL with the path inserted
// instead, which some servers use. The issuer must be absolute http or
// https without a query or fragment.
func ServerMetadataURLs(issuer string) ([]string, error) {
	u, err := absolute(issuer)
	if err != nil {
		return nil, err
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(issuer, "#") {
		return nil, fmt.Errorf("issuer %q: has a query or fragment, which an issuer cannot have", issuer)
	}
	urls := []string{insert(u, "/.well-known/oauth-authorization-server")}
	base := strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")
	urls = append(urls, base+"/.well-known/openid-configuration")
	if p := strings.TrimSuffix(u.EscapedPath(), "/"); p != "" {
		urls = append(urls, u.Scheme+"://"+u.Host+"/.well-known/openid-configuration"+p)
	}
	return urls, nil
}

// insert puts a well-known path between the host and the path of u.
func insert(u *url.URL, wellKnown string) string {
	p := u.EscapedPath()
	if p == "/" {
		p = ""
	}
	s := u.Scheme + "://" + u.Host + wellKnown + p
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s
}

// absolute parses an absolute http or https URL with a host.
func absolute(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url %q: cannot be parsed", raw)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("url %q: not an absolute http or https URL", raw)
	case u.Host == "":
		return nil, fmt.Errorf("url %q: has no host", raw)
	case u.User != nil:
		return nil, fmt.Errorf("url %q: has userinfo, which an identifier cannot have", raw)
	}
	return u, nil
}

// object decodes body as a JSON object, naming what it is instead when it
// is not one.
func object(body []byte, what string) (map[string]json.RawMessage, error) {
	t := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	t = bytes.TrimSpace(t)
	switch {
	case len(t) == 0:
		return nil, fmt.Errorf("%s: empty body", what)
	case t[0] == '<':
		return nil, fmt.Errorf("%s: an HTML or XML page, not JSON (a login page, an error page or an app's catch-all route)", what)
	case t[0] != '{':
		return nil, fmt.Errorf("%s: not a JSON object", what)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(t, &m); err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %s", what, oneLine(err.Error()))
	}
	return m, nil
}

// required returns the member name of m, which must be a non-empty
// string; what names the document in the error.
func required(m map[string]json.RawMessage, what, name string) (string, error) {
	raw, present := m[name]
	if !present {
		return "", fmt.Errorf("%s: no %q member", what, name)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return "", fmt.Errorf("%s: %q is not a non-empty string", what, name)
	}
	return s, nil
}

func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// warner collects warnings while reading optional members.
type warner struct{ list []string }

func (w *warner) add(format string, args ...any) {
	w.list = append(w.list, oneLine(fmt.Sprintf(format, args...)))
}

// string reads an optional string member.
func (w *warner) string(m map[string]json.RawMessage, name string) string {
	raw, ok := m[name]
	if !ok || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		w.add("%s is not a string; ignored", name)
		return ""
	}
	return s
}

// strings reads an optional array of strings, dropping other elements.
func (w *warner) strings(m map[string]json.RawMessage, name string) []string {
	raw, ok := m[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		w.add("%s is not an array; ignored", name)
		return nil
	}
	var out []string
	bad := 0
	for _, it := range items {
		var v any
		_ = json.Unmarshal(it, &v) // valid JSON: it came out of a decoded array
		s, ok := v.(string)
		if !ok {
			bad++
			continue
		}
		out = append(out, s)
	}
	if bad > 0 {
		w.add("%s holds %d elements that are not strings; ignored", name, bad)
	}
	return out
}

// url reads an optional URL member and warns when it is not https.
func (w *warner) url(m map[string]json.RawMessage, name string) string {
	s := w.string(m, name)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		w.add("%s %q is not an absolute http or https URL", name, s)
	case u.Scheme == "http" && !Loopback(u.Hostname()):
		w.add("%s %q is not https", name, s)
	}
	return s
}

// identifier checks a resource or issuer identifier: https, no fragment
// and, for issuers, no query (RFC 8414 §2, RFC 9728 §2).
func (w *warner) identifier(what, s string, isIssuer bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		w.add("%s %q is not an absolute https URL", what, s)
		return
	}
	if u.Scheme == "http" {
		if Loopback(u.Hostname()) {
			w.add("note: %s %q uses http, accepted for a loopback host only", what, s)
		} else {
			w.add("%s %q is not https, as it must be; behind a TLS proxy this often means the server does not see X-Forwarded-Proto", what, s)
		}
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		w.add("%s %q has a fragment, which it must not", what, s)
	}
	if isIssuer && (u.RawQuery != "" || u.ForceQuery) {
		w.add("%s %q has a query, which it must not", what, s)
	}
}

// Loopback reports whether host (without port) is localhost, a name under
// .localhost, or a loopback IP address.
func Loopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// hint explains the usual ways two identifiers differ.
func hint(got, want string) string {
	if strings.TrimSuffix(got, "/") == strings.TrimSuffix(want, "/") {
		return "they differ only by a trailing slash, and the comparison is exact"
	}
	if strings.EqualFold(got, want) {
		return "they differ only in case, and the comparison is exact"
	}
	g, err1 := url.Parse(got)
	w, err2 := url.Parse(want)
	if err1 != nil || err2 != nil || g.Host == "" || w.Host == "" {
		return ""
	}
	samePath := strings.TrimSuffix(g.Path, "/") == strings.TrimSuffix(w.Path, "/")
	switch {
	case samePath && strings.EqualFold(g.Host, w.Host) && g.Scheme != w.Scheme:
		return fmt.Sprintf("%s versus %s: the server builds its URLs with the wrong scheme, often behind a TLS proxy", g.Scheme, w.Scheme)
	case samePath && !strings.EqualFold(g.Host, w.Host):
		return fmt.Sprintf("host %q versus %q: the server names itself by another host name, often an internal one or one without the proxy's port", g.Host, w.Host)
	case strings.EqualFold(g.Host, w.Host):
		return fmt.Sprintf("path %q versus %q: another tenant or realm, or a path prefix the proxy strips", g.Path, w.Path)
	}
	return ""
}
