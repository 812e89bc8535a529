// Package httpcache reads an answer's caching headers (RFC 9111
// Cache-Control directives and Vary), for the checks that judge whether a
// cache may store an authenticated answer or a 401.
package httpcache

import (
	"net/http"
	"strconv"
	"strings"
)

// Control is a parsed Cache-Control: each directive's lowercase name and
// its argument without quotes ("" for a directive without one). Every
// Cache-Control field of the answer is read; a later repetition of a
// directive replaces an earlier one.
type Control map[string]string

// Parse reads the Cache-Control fields of h.
func Parse(h http.Header) Control {
	cc := Control{}
	for _, v := range h.Values("Cache-Control") {
		for _, part := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
				cc[k] = strings.Trim(strings.TrimSpace(val), `"`)
			}
		}
	}
	return cc
}

// Has reports whether the directive is present.
func (cc Control) Has(directive string) bool { _, ok := cc[directive]; return ok }

// FreshSeconds is the larger of max-age and s-maxage when positive, else 0.
func (cc Control) FreshSeconds() int {
	best := 0
	for _, k := range []string{"s-maxage", "max-age"} {
		if n, err := strconv.Atoi(cc[k]); err == nil && n > best {
			best = n
		}
	}
	return best
}

// Varies reports whether the answer's Vary names the request header
// (case-insensitively) or is "*".
func Varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, name) {
				return true
			}
		}
	}
	return false
}
