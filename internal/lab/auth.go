package lab

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/why401/why401/internal/challenge"
)

// The lab's credentials.
const (
	// User and Password are the Basic and Digest credentials the lab
	// accepts.
	User     = "alice"
	Password = "wonderland"

	// ClientID and ClientSecret authenticate the lab's OAuth client at
	// the token endpoint.
	ClientID     = "lab-client"
	ClientSecret = "lab-secret"

	// StagingUser and StagingPassword open the server-level protection
	// of /staging/.
	StagingUser     = "staging"
	StagingPassword = "preview"
)

// Realms.
const (
	bearerRealm  = "lab"
	basicRealm   = "lab API"
	stagingRealm = "Staging - authorized users only"
	proxyRealm   = "corp proxy"
	digestRealm  = "lab digest"
)

// leeway is the clock tolerance for exp, nbf and iat.
const leeway = time.Minute

// principal is who a verified token speaks for.
type principal struct {
	Subject string
	Scopes  []string
	Roles   []string
}

// hasScope reports whether p holds scope s.
func (p *principal) hasScope(s string) bool { return slices.Contains(p.Scopes, s) }

// bearerFailure says why a request did not authenticate with a bearer
// token. An empty code means no credentials were sent (RFC 6750 §3: no
// error code then).
type bearerFailure struct {
	code string // "", "invalid_request" or "invalid_token"
	desc string
}

// bearer authenticates r by its bearer token, judging times by now.
func (l *Lab) bearer(r *http.Request, now time.Time) (*principal, *bearerFailure) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0 && r.URL.Query().Has("access_token"):
		return nil, &bearerFailure{"invalid_request", "tokens in the query string are not accepted; send an Authorization header"}
	case len(values) == 0:
		return nil, &bearerFailure{}
	case len(values) > 1:
		return nil, &bearerFailure{"invalid_request", "more than one Authorization header"}
	}
	scheme, cred, _ := strings.Cut(values[0], " ")
	switch {
	case strings.EqualFold(scheme, "Basic"):
		return nil, &bearerFailure{"invalid_request", "Basic credentials are not accepted; send a Bearer token"}
	case !strings.EqualFold(scheme, "Bearer"):
		return nil, &bearerFailure{"invalid_request", "unsupported authorization scheme; send a Bearer token"}
	}
	cred = strings.TrimLeft(cred, " ")
	if cred == "" {
		return nil, &bearerFailure{"invalid_request", "empty bearer token"}
	}
	p, desc := l.verifyToken(cred, now)
	if desc != "" {
		return nil, &bearerFailure{"invalid_token", desc}
	}
	return p, nil
}

// verifyToken checks a JWT access token as a resource server does:
// structure, algorithm, key, signature, lifetime (by now, with leeway),
// issuer and audience. It returns the principal, or the error_description
// to send.
func (l *Lab) verifyToken(raw string, now time.Time) (*principal, string) {
	const malformed = "malformed token"
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, malformed
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if !decodeSegment(parts[0], &header) {
		return nil, malformed
	}
	var probe map[string]json.RawMessage
	if !decodeSegment(parts[1], &probe) || probe == nil {
		return nil, malformed
	}
	if _, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, malformed
	}
	if header.Alg != string(jose.ES256) {
		return nil, "unsupported signing algorithm"
	}
	if header.Kid != KeyID {
		return nil, "signature key not found"
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil, malformed
	}
	payload, err := jws.Verify(&l.keys.sign.PublicKey)
	if err != nil {
		return nil, "signature verification failed"
	}

	var c struct {
		Iss   *string         `json:"iss"`
		Sub   string          `json:"sub"`
		Aud   json.RawMessage `json:"aud"`
		Exp   *float64        `json:"exp"`
		Nbf   *float64        `json:"nbf"`
		Iat   *float64        `json:"iat"`
		Scope string          `json:"scope"`
		Roles []string        `json:"roles"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, "invalid claims"
	}
	if c.Exp == nil {
		return nil, "token has no expiry"
	}
	if now.After(unixTime(*c.Exp).Add(leeway)) {
		return nil, "token expired"
	}
	if c.Nbf != nil && now.Add(leeway).Before(unixTime(*c.Nbf)) {
		return nil, "token not yet valid"
	}
	if c.Iat != nil && now.Add(leeway).Before(unixTime(*c.Iat)) {
		return nil, "token not yet valid"
	}
	if c.Iss == nil || *c.Iss != l.Issuer() {
		return nil, "untrusted issuer"
	}
	if !audienceHas(c.Aud, l.Audience()) {
		return nil, "audience not accepted"
	}
	return &principal{Subject: c.Sub, Scopes: strings.Fields(c.Scope), Roles: c.Roles}, ""
}

// decodeSegment base64url-decodes a JWT segment and unmarshals it as a
// JSON object into v.
func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

// unixTime converts NumericDate seconds to a time, clamping absurd values.
func unixTime(sec float64) time.Time {
	const limit = 1 << 40
	switch {
	case sec > limit:
		sec = limit
	case sec < -limit:
		sec = -limit
	}
	return time.Unix(int64(sec), 0)
}

// audienceHas reports whether the aud claim (a string or an array of
// strings) names want.
func audienceHas(raw json.RawMessage, want string) bool {
	if len(raw) == 0 {
		return false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return slices.Contains(many, want)
	}
	return false
}

// bearerChallenge renders an RFC 6750 challenge in the lab's realm. code,
// desc and scope are left out when empty; resource_metadata (RFC 9728)
// always closes it.
func (l *Lab) bearerChallenge(code, desc, scope string) string {
	var b strings.Builder
	b.WriteString(`Bearer realm="` + bearerRealm + `"`)
	if code != "" {
		b.WriteString(`, error="` + code + `"`)
	}
	if desc != "" {
		b.WriteString(`, error_description=` + challenge.Quote(desc))
	}
	if scope != "" {
		b.WriteString(`, scope=` + challenge.Quote(scope))
	}
	b.WriteString(`, resource_metadata="` + l.URL() + `/.well-known/oauth-protected-resource"`)
	return b.String()
}

// writeBearerFailure answers a failed bearer authentication: 401 with the
// challenge and a JSON body naming the error.
func (l *Lab) writeBearerFailure(w http.ResponseWriter, f *bearerFailure) {
	w.Header().Set("WWW-Authenticate", l.bearerChallenge(f.code, f.desc, ""))
	if f.code == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": f.code, "error_description": f.desc})
}

// basicResult classifies a request's Basic credentials.
type basicResult int

const (
	basicNone      basicResult = iota // no Authorization header
	basicOK                           // the expected user and password
	basicWrong                        // well-formed but refused
	basicMalformed                    // Basic, but not base64 of user:password
	basicOther                        // another scheme
)

// checkBasic checks r's Authorization header against user and password.
func checkBasic(h http.Header, user, password string) basicResult {
	return checkBasicValue(h.Values("Authorization"), user, password)
}

// checkBasicValue classifies the Authorization header values.
func checkBasicValue(values []string, user, password string) basicResult {
	if len(values) == 0 {
		return basicNone
	}
	if len(values) > 1 {
		return basicMalformed
	}
	scheme, cred, ok := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Basic") {
		return basicOther
	}
	if !ok || cred == "" || strings.ContainsAny(cred, " \t\r\n") {
		return basicMalformed
	}
	dec, err := base64.StdEncoding.Strict().DecodeString(cred)
	if err != nil {
		return basicMalformed
	}
	u, p, ok := strings.Cut(string(dec), ":")
	if !ok {
		return basicMalformed
	}
	uok := subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1
	pok := subtle.ConstantTimeCompare([]byte(p), []byte(password)) == 1
	if uok && pok {
		return basicOK
	}
	return basicWrong
}
