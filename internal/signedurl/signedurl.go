// Package signedurl recognises credentials that travel inside a URL:
// presigned object-store links (Amazon S3 SigV4 and SigV2, Google Cloud
// Storage V4 and V2), CloudFront signed URLs (canned and custom policy),
// Azure shared access signatures, generic expires+signature links and
// tokens in the query (access_token, a JWT in token or jwt), and decodes
// when each was signed and when it expires.
//
// Inspect only reads the URL; it never verifies a signature (the secret
// is the server's) and never returns a secret value.
package signedurl

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/why401/why401/internal/clip"
	"github.com/why401/why401/internal/jwt"
)

// Kind names a family of URL credentials.
type Kind string

// The kinds Inspect recognises.
const (
	S3V4        Kind = "s3-sigv4"     // X-Amz-Algorithm, X-Amz-Date, X-Amz-Expires, X-Amz-Signature
	S3V2        Kind = "s3-sigv2"     // AWSAccessKeyId, Expires, Signature
	CloudFront  Kind = "cloudfront"   // Expires or Policy, Signature, Key-Pair-Id
	AzureSAS    Kind = "azure-sas"    // sv, se, sig (and st)
	GCSV4       Kind = "gcs-v4"       // X-Goog-Algorithm, X-Goog-Date, X-Goog-Expires, X-Goog-Signature
	GCSV2       Kind = "gcs-v2"       // GoogleAccessId, Expires, Signature
	Generic     Kind = "generic"      // expires/exp/expiry with signature/sig/token/hash
	AccessToken Kind = "access-token" // access_token (or a JWT in token, jwt, id_token) in the query
)

// Signed is one URL credential Inspect found.
type Signed struct {
	Kind Kind
	// Name is the kind for people, e.g. "Amazon S3 presigned URL (SigV4)".
	Name string
	// Params are the query parameters that make it up, as spelled in the URL.
	Params []string
	// SignedAt is when the link was signed (zero when the URL does not
	// say); Expires when it stops working (zero when it does not say).
	SignedAt, Expires time.Time
	// Problem, when set, says why a time parameter could not be read
	// ("X-Amz-Expires \"abc\" is not a number of seconds").
	Problem string
}

// HasExpiry reports whether the expiry is known.
func (s Signed) HasExpiry() bool { return !s.Expires.IsZero() }

// maxS3Expires is the longest SigV4 presigned lifetime S3 accepts (7 days).
const maxS3Expires = 7 * 24 * time.Hour

// Inspect returns the URL credentials of u, most specific kind first. A nil
// u or one without a query yields nil. At most one Signed per kind.
func Inspect(u *url.URL) []Signed {
	if u == nil || u.RawQuery == "" {
		return nil
	}
	q := newQuery(u.RawQuery)
	var out []Signed
	add := func(s Signed, ok bool) {
		if ok {
			out = append(out, s)
		}
	}
	add(s3v4(q))
	add(gcsv4(q))
	add(azure(q))
	cf, isCF := cloudfront(q)
	add(cf, isCF)
	if !isCF {
		add(v2(q))
	}
	if len(out) == 0 {
		add(generic(q))
	}
	add(accessToken(q))
	return out
}

// Parse is Inspect for a URL string; an unparsable string yields nil.
func Parse(raw string) []Signed {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	return Inspect(u)
}

// query is a case-insensitive view of a query string that remembers the
// spelling of each name.
type query struct {
	vals  map[string]string // lowercased name -> first value
	names map[string]string // lowercased name -> name as spelled
}

func newQuery(raw string) query {
	q := query{vals: map[string]string{}, names: map[string]string{}}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			val = v
		}
		low := strings.ToLower(name)
		if _, dup := q.vals[low]; !dup {
			q.vals[low] = val
			q.names[low] = name
		}
	}
	return q
}

func (q query) has(names ...string) bool {
	for _, n := range names {
		if _, ok := q.vals[n]; !ok {
			return false
		}
	}
	return true
}

func (q query) get(n string) string { return q.vals[n] }

// spelled returns the names as the URL spells them, skipping absent ones.
func (q query) spelled(names ...string) []string {
	var out []string
	for _, n := range names {
		if s, ok := q.names[n]; ok {
			out = append(out, s)
		}
	}
	return out
}

func s3v4(q query) (Signed, bool) {
	if !(q.has("x-amz-signature") || strings.EqualFold(q.get("x-amz-algorithm"), "AWS4-HMAC-SHA256")) {
		return Signed{}, false
	}
	s := Signed{Kind: S3V4, Name: "Amazon S3 presigned URL (SigV4)",
		Params: q.spelled("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders", "x-amz-signature")}
	s.SignedAt, s.Expires, s.Problem = dateAndSeconds(q, "X-Amz-Date", "X-Amz-Expires", maxS3Expires)
	return s, true
}

func gcsv4(q query) (Signed, bool) {
	if !(q.has("x-goog-signature") || strings.HasPrefix(strings.ToUpper(q.get("x-goog-algorithm")), "GOOG4-")) {
		return Signed{}, false
	}
	s := Signed{Kind: GCSV4, Name: "Google Cloud Storage signed URL (V4)",
		Params: q.spelled("x-goog-algorithm", "x-goog-credential", "x-goog-date", "x-goog-expires", "x-goog-signedheaders", "x-goog-signature")}
	s.SignedAt, s.Expires, s.Problem = dateAndSeconds(q, "X-Goog-Date", "X-Goog-Expires", maxS3Expires)
	return s, true
}

// dateAndSeconds reads a basic ISO 8601 date (20060102T150405Z) and a
// lifetime in seconds, as SigV4 and GCS V4 put them.
func dateAndSeconds(q query, dateName, expName string, max time.Duration) (signed, expires time.Time, problem string) {
	ds, es := q.get(strings.ToLower(dateName)), q.get(strings.ToLower(expName))
	if ds != "" {
		t, err := time.Parse("20060102T150405Z", ds)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Sprintf("%s %q is not a date like 20060102T150405Z", dateName, clip.String(ds, 40))
		}
		signed = t
	}
	if es == "" {
		return signed, time.Time{}, ""
	}
	n, err := strconv.ParseInt(es, 10, 64)
	if err != nil || n < 0 {
		return signed, time.Time{}, fmt.Sprintf("%s %q is not a number of seconds", expName, clip.String(es, 40))
	}
	if signed.IsZero() {
		return signed, time.Time{}, ""
	}
	if n > int64(max/time.Second) {
		problem = fmt.Sprintf("%s %d is longer than the %s the service allows: the link is refused whatever the date", expName, n, jwt.Human(max))
	}
	if n > 1<<40 {
		n = 1 << 40
	}
	return signed, signed.Add(time.Duration(n) * time.Second), problem
}

func azure(q query) (Signed, bool) {
	if !q.has("sig") || !(q.has("se") || q.has("sv")) {
		return Signed{}, false
	}
	s := Signed{Kind: AzureSAS, Name: "Azure shared access signature (SAS)",
		Params: q.spelled("sv", "ss", "srt", "sr", "sp", "st", "se", "spr", "sig")}
	if st := q.get("st"); st != "" {
		t, err := isoTime(st)
		if err != nil {
			s.Problem = fmt.Sprintf("st %q is not an ISO 8601 time", clip.String(st, 40))
		}
		s.SignedAt = t
	}
	if se := q.get("se"); se != "" {
		t, err := isoTime(se)
		if err != nil {
			s.Problem = fmt.Sprintf("se %q is not an ISO 8601 time", clip.String(se, 40))
		}
		s.Expires = t
	}
	return s, true
}

// isoTime reads the ISO 8601 forms SAS tokens use: a date, or a date and
// time in UTC with or without seconds or fraction.
func isoTime(s string) (time.Time, error) {
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

func cloudfront(q query) (Signed, bool) {
	if !q.has("key-pair-id") || !q.has("signature") || !(q.has("expires") || q.has("policy")) {
		return Signed{}, false
	}
	s := Signed{Kind: CloudFront, Name: "CloudFront signed URL", Params: q.spelled("expires", "policy", "signature", "key-pair-id")}
	if q.has("expires") {
		s.Name += " (canned policy)"
		s.Expires, s.Problem = unixSeconds(q, "Expires")
		return s, true
	}
	s.Name += " (custom policy)"
	s.SignedAt, s.Expires, s.Problem = cloudFrontPolicy(q.get("policy"))
	return s, true
}

// cloudFrontPolicy decodes a custom policy: base64 with CloudFront's
// substitutions ('-' for '+', '_' for '=', '~' for '/'), then JSON with
// DateLessThan (and DateGreaterThan) in AWS:EpochTime.
func cloudFrontPolicy(p string) (start, end time.Time, problem string) {
	std := strings.NewReplacer("-", "+", "_", "=", "~", "/").Replace(p)
	raw, err := base64.StdEncoding.DecodeString(std)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(std, "="))
	}
	if err != nil {
		return time.Time{}, time.Time{}, "Policy is not CloudFront's base64"
	}
	var doc struct {
		Statement []struct {
			Condition struct {
				DateLessThan    map[string]json.Number `json:"DateLessThan"`
				DateGreaterThan map[string]json.Number `json:"DateGreaterThan"`
			} `json:"Condition"`
		} `json:"Statement"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || len(doc.Statement) == 0 {
		return time.Time{}, time.Time{}, "Policy does not decode to a CloudFront policy statement"
	}
	c := doc.Statement[0].Condition
	if n, ok := epoch(c.DateLessThan["AWS:EpochTime"]); ok {
		end = n
	}
	if n, ok := epoch(c.DateGreaterThan["AWS:EpochTime"]); ok {
		start = n
	}
	return start, end, ""
}

func epoch(n json.Number) (time.Time, bool) {
	if n == "" {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0).UTC(), true
}

// v2 is the older query-string authentication of S3 and Cloud Storage.
func v2(q query) (Signed, bool) {
	switch {
	case q.has("awsaccesskeyid", "signature"):
		s := Signed{Kind: S3V2, Name: "Amazon S3 presigned URL (SigV2)", Params: q.spelled("awsaccesskeyid", "expires", "signature", "x-amz-security-token")}
		s.Expires, s.Problem = unixSeconds(q, "Expires")
		return s, true
	case q.has("googleaccessid", "signature"):
		s := Signed{Kind: GCSV2, Name: "Google Cloud Storage signed URL (V2)", Params: q.spelled("googleaccessid", "expires", "signature")}
		s.Expires, s.Problem = unixSeconds(q, "Expires")
		return s, true
	}
	return Signed{}, false
}

func unixSeconds(q query, name string) (time.Time, string) {
	v := q.get(strings.ToLower(name))
	if v == "" {
		return time.Time{}, ""
	}
	t, ok := timestamp(v)
	if !ok {
		return time.Time{}, fmt.Sprintf("%s %q is not a Unix time", name, clip.String(v, 40))
	}
	return t, ""
}

// genericExpiry and genericSig are the parameter names of home-made signed
// links (CDN token auth, framework signed routes).
var (
	genericExpiry = []string{"expires", "expiry", "expires_at", "expire", "exp", "valid_until", "until"}
	genericSig    = []string{"signature", "sig", "token", "hash", "hmac", "st", "md5", "verify"}
)

func generic(q query) (Signed, bool) {
	exp, sig := "", ""
	for _, n := range genericExpiry {
		if q.has(n) {
			exp = n
			break
		}
	}
	for _, n := range genericSig {
		if q.has(n) && q.get(n) != "" {
			sig = n
			break
		}
	}
	if exp == "" || sig == "" {
		return Signed{}, false
	}
	s := Signed{Kind: Generic, Name: "signed link (" + q.names[exp] + " + " + q.names[sig] + ")", Params: q.spelled(exp, sig)}
	v := q.get(exp)
	if t, ok := timestamp(v); ok {
		s.Expires = t
	} else if t, err := isoTime(v); err == nil {
		s.Expires = t
	} else {
		s.Problem = fmt.Sprintf("%s %q is neither a Unix time nor an ISO 8601 time", q.names[exp], clip.String(v, 40))
	}
	return s, true
}

// timestamp reads Unix seconds, or milliseconds when the number is too
// large to be seconds of this era.
func timestamp(v string) (time.Time, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	if n > 1e11 { // milliseconds
		if n > 1e14 {
			return time.Time{}, false
		}
		return time.UnixMilli(n).UTC(), true
	}
	return time.Unix(n, 0).UTC(), true
}

// tokenParams carry bearer tokens in the query.
var tokenParams = []string{"access_token", "id_token", "token", "jwt", "auth_token"}

func accessToken(q query) (Signed, bool) {
	for _, n := range tokenParams {
		v := q.get(n)
		if v == "" {
			continue
		}
		isJWT := jwt.LooksLikeJWT(v)
		if n != "access_token" && n != "id_token" && !isJWT {
			continue
		}
		s := Signed{Kind: AccessToken, Name: "token in the query (" + q.names[n] + ")", Params: []string{q.names[n]}}
		if isJWT {
			s.Name = "JWT in the query (" + q.names[n] + ")"
			if tok, err := jwt.Parse(v); err == nil {
				if tok.ExpiresAt != nil {
					s.Expires = tok.ExpiresAt.UTC()
				}
				if tok.IssuedAt != nil {
					s.SignedAt = tok.IssuedAt.UTC()
				}
			} else {
				s.Problem = "the JWT in " + q.names[n] + " does not decode"
			}
		}
		return s, true
	}
	return Signed{}, false
}

// Ago says how long ago t was at now, or how far ahead, for people:
// "3 days ago", "in 2 hours", "just now".
func Ago(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	case d < 60*24*time.Hour:
		s = plural(int(d/(24*time.Hour)), "day")
	case d < 730*24*time.Hour:
		s = plural(int(d/(30*24*time.Hour)), "month")
	default:
		s = plural(int(d/(365*24*time.Hour)), "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
