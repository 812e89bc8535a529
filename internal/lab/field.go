package lab

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/why401/why401/internal/catalog"
)

// Field routes: situations as servers nobody tuned for why401 present
// them (issue 15): metadata published only where RFC 9728 puts it for a
// path prefix, mod_auth_openidc's one refusal for every missing claim,
// a login whose cookie does not reach the next hop.

// fieldRoutes registers the field routes on mux.
func (l *Lab) fieldRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/tenant-api/", l.serveTenantAPI)
	mux.HandleFunc("GET /.well-known/oauth-protected-resource/tenant-api", l.serveTenantMetadata)
}

// fieldScenarios lists the field scenarios against base u.
func (l *Lab) fieldScenarios(u string) []Scenario {
	bearer := func(tok string) []string { return []string{"-H", "Authorization: Bearer " + tok} }
	return []Scenario{
		{"/tenant-api/v1/orders", catalog.TokenAudience, "mod_auth_openidc style: a token for another API gets a generic insufficient_scope (other claims required); the audience is only in path-inserted RFC 9728 metadata", append([]string{u + "/tenant-api/v1/orders"}, bearer(l.Token(nil))...)},
		{"/tenant-api/v1/invoices", "", "the same API with a token for its own audience", append([]string{u + "/tenant-api/v1/invoices"}, bearer(l.Token(map[string]any{"aud": l.tenantAudience()}))...)},
	}
}

// tenantAudience is the resource identifier of /tenant-api.
func (l *Lab) tenantAudience() string { return l.URL() + "/tenant-api" }

// serveTenantMetadata is RFC 9728 metadata for the /tenant-api prefix,
// published only at its path-inserted location.
func (l *Lab) serveTenantMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":              l.tenantAudience(),
		"authorization_servers": []string{l.Issuer()},
		"scopes_supported":      []string{"read"},
	})
}

// serveTenantAPI answers as mod_auth_openidc does for a resource server
// with "Require claim aud:...": a token it cannot validate gets 401
// invalid_token, a valid one missing the required claim gets 403
// insufficient_scope with its generic description and no scope, and the
// challenge does not point at any metadata.
func (l *Lab) serveTenantAPI(w http.ResponseWriter, r *http.Request) {
	const realm = `Bearer realm="tenant-api"`
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		w.Header().Set("WWW-Authenticate", realm)
		writeHTML(w, http.StatusUnauthorized, plain401)
		return
	}
	if _, desc := l.verifyToken(tok, l.now()); desc != "" && desc != "audience not accepted" {
		w.Header().Set("WWW-Authenticate", realm+`, error="invalid_token", error_description="`+desc+`"`)
		writeHTML(w, http.StatusUnauthorized, plain401)
		return
	}
	var c struct {
		Aud json.RawMessage `json:"aud"`
	}
	parts := strings.Split(tok, ".")
	if !decodeSegment(parts[1], &c) || !audienceHas(c.Aud, l.tenantAudience()) {
		w.Header().Set("WWW-Authenticate", realm+`, error="insufficient_scope", error_description="Different scope(s) or other claims required"`)
		writeHTML(w, http.StatusForbidden, "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>\n")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": []string{"A-1001", "A-1002"}})
}
