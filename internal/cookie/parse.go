package cookie

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/why401/why401/internal/clip"
)

// SameSite is a cookie's SameSite attribute.
type SameSite int

// SameSite values. Unset means the attribute was absent or held a value
// browsers do not know (which they treat as absent).
const (
	SameSiteUnset SameSite = iota
	SameSiteNone
	SameSiteLax
	SameSiteStrict
)

// String returns "unset", "none", "lax" or "strict".
func (s SameSite) String() string {
	switch s {
	case SameSiteNone:
		return "none"
	case SameSiteLax:
		return "lax"
	case SameSiteStrict:
		return "strict"
	}
	return "unset"
}

// Limits from RFC 6265bis that browsers enforce.
const (
	MaxNameValue = 4096                 // bytes of name plus value
	MaxAttribute = 1024                 // bytes of one attribute value; longer ones are ignored
	MaxAge       = 400 * 24 * time.Hour // expiry is capped this far in the future
)

// SetCookie is one parsed Set-Cookie header value, attributes as the
// RFC 6265bis parsing algorithm leaves them (the last of each kind wins).
type SetCookie struct {
	Raw   string `json:"-"`
	Name  string `json:"name"`
	Value string `json:"-"`

	Domain    string `json:"domain,omitempty"` // lowercased, leading dot removed
	HasDomain bool   `json:"has_domain,omitempty"`
	Path      string `json:"path,omitempty"` // "" when absent or not starting with "/"

	// Expires is the Expires attribute, zero when absent or unparsable.
	Expires time.Time `json:"expires,omitzero"`
	// MaxAge is the Max-Age attribute in seconds when HasMaxAge.
	MaxAge    int64 `json:"max_age,omitempty"`
	HasMaxAge bool  `json:"has_max_age,omitempty"`

	Secure      bool     `json:"secure,omitempty"`
	HTTPOnly    bool     `json:"http_only,omitempty"`
	Partitioned bool     `json:"partitioned,omitempty"`
	SameSite    SameSite `json:"-"`
	// SameSiteRaw is the SameSite attribute's value as sent ("" if absent).
	SameSiteRaw string `json:"samesite,omitempty"`

	// Warnings name what was ignored: unknown attributes, bad dates,
	// oversized values, an unknown SameSite value.
	Warnings []string `json:"warnings,omitempty"`
}

// ParseError is a Set-Cookie value no browser stores at all.
type ParseError struct {
	Reason Reason
	Msg    string
}

func (e *ParseError) Error() string { return e.Msg }

// Parse parses one Set-Cookie header value as RFC 6265bis section 5.6
// describes and current browsers implement it. It fails, with a
// *ParseError naming the reason, only where browsers drop the whole line:
// control characters, an empty name and value, or a name and value longer
// than MaxNameValue. Unknown or malformed attributes are ignored with a
// warning. Parse never panics.
func Parse(line string) (*SetCookie, error) {
	sc := &SetCookie{Raw: line}
	for i := 0; i < len(line); i++ {
		if b := line[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return nil, &ParseError{Reason: SyntaxError, Msg: fmt.Sprintf("control character 0x%02x in Set-Cookie", b)}
		}
	}
	pair, attrs, _ := strings.Cut(line, ";")
	name, value, found := strings.Cut(pair, "=")
	if !found {
		// A nameless cookie: the whole pair is the value.
		name, value = "", pair
	}
	sc.Name, sc.Value = trimWS(name), trimWS(value)
	if sc.Name == "" && sc.Value == "" {
		return nil, &ParseError{Reason: SyntaxError, Msg: "Set-Cookie has neither name nor value"}
	}
	if n := len(sc.Name) + len(sc.Value); n > MaxNameValue {
		return nil, &ParseError{Reason: NameValueTooLarge, Msg: fmt.Sprintf("cookie %s: name and value are %d bytes, more than %d", clip.String(sc.Name, 40), n, MaxNameValue)}
	}
	for attrs != "" {
		var av string
		av, attrs, _ = strings.Cut(attrs, ";")
		k, v, _ := strings.Cut(av, "=")
		k, v = trimWS(k), trimWS(v)
		if k == "" {
			continue
		}
		if len(v) > MaxAttribute {
			sc.Warnings = append(sc.Warnings, fmt.Sprintf("%s: value longer than %d bytes, ignored", clip.String(k, 40), MaxAttribute))
			continue
		}
		switch strings.ToLower(k) {
		case "expires":
			t, ok := parseDate(v)
			if !ok {
				sc.Warnings = append(sc.Warnings, fmt.Sprintf("Expires=%s: not a date, ignored", clip.String(v, 40)))
				continue
			}
			sc.Expires = t
		case "max-age":
			if v == "" || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') || strings.Trim(v[1:], "0123456789") != "" || v == "-" {
				sc.Warnings = append(sc.Warnings, fmt.Sprintf("Max-Age=%s: not a number, ignored", clip.String(v, 40)))
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil { // out of range: saturate
				n = 1 << 62
				if v[0] == '-' {
					n = -1
				}
			}
			sc.MaxAge, sc.HasMaxAge = n, true
		case "domain":
			if v == "" {
				// An empty Domain is ignored (the cookie stays host-only).
				sc.Domain, sc.HasDomain = "", false
				continue
			}
			sc.Domain, sc.HasDomain = strings.ToLower(strings.TrimPrefix(v, ".")), true
		case "path":
			if v == "" || v[0] != '/' {
				sc.Path = ""
				continue
			}
			sc.Path = v
		case "secure":
			sc.Secure = true
		case "httponly":
			sc.HTTPOnly = true
		case "partitioned":
			sc.Partitioned = true
		case "samesite":
			sc.SameSiteRaw = v
			switch strings.ToLower(v) {
			case "none":
				sc.SameSite = SameSiteNone
			case "lax":
				sc.SameSite = SameSiteLax
			case "strict":
				sc.SameSite = SameSiteStrict
			default:
				sc.SameSite = SameSiteUnset
				sc.Warnings = append(sc.Warnings, fmt.Sprintf("SameSite=%s: unknown value, treated as absent", clip.String(v, 40)))
			}
		case "priority", "sameparty", "version", "comment": // known to some browsers; no effect on storing or sending
		default:
			sc.Warnings = append(sc.Warnings, fmt.Sprintf("unknown attribute %s, ignored", clip.String(k, 40)))
		}
	}
	return sc, nil
}

// trimWS trims spaces and tabs, the only whitespace the algorithm trims.
func trimWS(s string) string { return strings.Trim(s, " \t") }

// parseDate parses a cookie date. It accepts the formats servers send in
// practice (RFC 1123, RFC 850, asctime, and dashes or two-digit years)
// through the RFC 6265 date algorithm: tokens in any order, the first
// time, day of month, month and year found.
func parseDate(s string) (time.Time, bool) {
	if t, err := http.ParseTime(s); err == nil {
		return t, true
	}
	delim := func(r rune) bool {
		return r == '\t' || r >= ' ' && r <= '/' || r >= ';' && r <= '@' || r >= '[' && r <= '`' || r >= '{' && r <= '~'
	}
	var (
		hh, mm, ss       int
		day, month, year = -1, -1, -1
		haveTime         bool
	)
	months := []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	for _, tok := range strings.FieldsFunc(s, delim) {
		if !haveTime {
			if h, m, sec, ok := timeToken(tok); ok {
				hh, mm, ss, haveTime = h, m, sec, true
				continue
			}
		}
		if day < 0 {
			if n, ok := digits(tok, 1, 2); ok {
				day = n
				continue
			}
		}
		if month < 0 && len(tok) >= 3 {
			found := false
			for i, m := range months {
				if strings.EqualFold(tok[:3], m) {
					month, found = i+1, true
					break
				}
			}
			if found {
				continue
			}
		}
		if year < 0 {
			if n, ok := digits(tok, 2, 4); ok {
				year = n
				continue
			}
		}
	}
	if year >= 70 && year <= 99 {
		year += 1900
	} else if year >= 0 && year <= 69 {
		year += 2000
	}
	if !haveTime || day < 1 || day > 31 || month < 1 || year < 1601 || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hh, mm, ss, 0, time.UTC)
	if t.Day() != day { // 31 Feb and the like
		return time.Time{}, false
	}
	return t, true
}

// digits parses the leading run of min..max digits of tok (trailing
// non-digits are allowed, as the RFC 6265 grammar allows).
func digits(tok string, min, max int) (int, bool) {
	n, i := 0, 0
	for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
		if i == max {
			return 0, false
		}
		n = n*10 + int(tok[i]-'0')
		i++
	}
	if i < min {
		return 0, false
	}
	return n, true
}

// timeToken parses "h:m:s" with one or two digits each.
func timeToken(tok string) (h, m, s int, ok bool) {
	parts := strings.SplitN(tok, ":", 3)
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var v [3]int
	for i, p := range parts {
		if i < 2 && (len(p) < 1 || len(p) > 2 || strings.Trim(p, "0123456789") != "") {
			return 0, 0, 0, false
		}
		n, good := digits(p, 1, 2)
		if !good {
			return 0, 0, 0, false
		}
		v[i] = n
	}
	return v[0], v[1], v[2], true
}
