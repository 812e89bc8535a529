package curlcmd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/why401/why401/internal/clip"
	"github.com/why401/why401/internal/redact"
)

// unglob expands curl's URL globbing ({a,b} sets, [1-3] ranges; \[ \] \{
// \} are literal brackets, as Chrome escapes them) and returns every URL
// the pattern names.
func unglob(u string) ([]string, error) {
	bad := func(why string) ([]string, error) {
		return nil, fmt.Errorf("%s: curl refuses this URL: %s (quote the brackets with \\ or add -g)", clip.String(redact.URL(u), 60), why)
	}
	out := []string{""}
	add := func(alts []string) {
		next := make([]string, 0, len(out)*len(alts))
		for _, o := range out {
			for _, a := range alts {
				next = append(next, o+a)
			}
		}
		out = next
	}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			add([]string{lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c == '\\' && i+1 < len(u) && strings.IndexByte("{}[]", u[i+1]) >= 0:
			i++
			lit.WriteByte(u[i])
		case c == '[':
			if j := ipv6Literal(u[i:]); j > 0 {
				lit.WriteString(u[i : i+j])
				i += j - 1
				continue
			}
			if i+1 < len(u) && u[i+1] == ']' {
				lit.WriteString("[]")
				i++
				continue
			}
			end := strings.IndexByte(u[i:], ']')
			if end < 0 {
				return bad("unmatched bracket")
			}
			alts, ok := globRange(u[i+1 : i+end])
			if !ok {
				return bad("bad range")
			}
			flush()
			add(alts)
			i += end
		case c == '{':
			var alts []string
			var cur strings.Builder
			j := i + 1
			for ; j < len(u) && u[j] != '}'; j++ {
				switch u[j] {
				case '{', '[':
					return bad("nested braces")
				case ',':
					alts = append(alts, cur.String())
					cur.Reset()
				case '\\':
					if j+1 < len(u) {
						j++
					}
					cur.WriteByte(u[j])
				default:
					cur.WriteByte(u[j])
				}
			}
			if j >= len(u) {
				return bad("unmatched brace")
			}
			alts = append(alts, cur.String())
			flush()
			add(alts)
			i = j
		case c == '}' || c == ']':
			return bad("unmatched close brace/bracket")
		default:
			lit.WriteByte(c)
		}
		if len(out) > 100 {
			break
		}
	}
	flush()
	if len(out) > 1 {
		return nil, fmt.Errorf("%s: curl's URL globbing makes %d requests of it; paste one URL (or add -g to turn globbing off)", clip.String(redact.URL(u), 60), len(out))
	}
	return out, nil
}

// ipv6Literal returns the length of a bracketed IPv6 address at the
// start of s ("[::1]", "[fe80::1%25eth0]"), 0 if there is none.
func ipv6Literal(s string) int {
	end := strings.IndexByte(s, ']')
	if end < 3 || !strings.Contains(s[1:end], ":") {
		return 0
	}
	for _, c := range s[1:end] {
		if !(c == ':' || c == '.' || c == '%' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return 0
		}
	}
	return end + 1
}

// globRange expands the inside of a [a-z] or [01-10:2] range.
func globRange(s string) ([]string, bool) {
	spec, stepS, hasStep := strings.Cut(s, ":")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepS)
		if err != nil || n < 1 {
			return nil, false
		}
		step = n
	}
	lo, hi, ok := strings.Cut(spec, "-")
	if !ok || lo == "" || hi == "" {
		return nil, false
	}
	if len(lo) == 1 && len(hi) == 1 && isLetter(lo[0]) && isLetter(hi[0]) {
		if lo[0] > hi[0] || (lo[0] <= 'Z') != (hi[0] <= 'Z') {
			return nil, false
		}
		var out []string
		for c := int(lo[0]); c <= int(hi[0]) && len(out) <= 100; c += step {
			out = append(out, string(rune(c)))
		}
		return out, true
	}
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || a < 0 || a > b {
		return nil, false
	}
	width := 0
	if len(lo) > 1 && lo[0] == '0' {
		width = len(lo)
	}
	var out []string
	for n := a; n <= b && len(out) <= 100; n += step {
		out = append(out, fmt.Sprintf("%0*d", width, n))
	}
	return out, true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// curlURL is a URL as curl sends it: the fragment is gone, the path has
// no dot segments and its non-ASCII bytes are percent-encoded; other
// characters stay as written.
type curlURL struct {
	scheme, authority, path, query string
	hasQuery                       bool
}

func (u curlURL) String() string {
	s := u.scheme + "://" + u.authority + u.path
	if u.hasQuery {
		s += "?" + u.query
	}
	return s
}

// normalizeURL reads a URL as curl 7.88.1 does.
func normalizeURL(raw, protoDefault string, pathAsIs bool) (curlURL, error) {
	var u curlURL
	if err := checkURLBytes(raw, ""); err != nil {
		return u, err
	}
	rest := raw
	if i := strings.Index(rest, "://"); i > 0 && isScheme(rest[:i]) {
		u.scheme, rest = strings.ToLower(rest[:i]), rest[i+3:]
	} else {
		u.scheme = strings.ToLower(protoDefault)
		if u.scheme == "" {
			u.scheme = "http"
		}
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		i = len(rest)
	}
	u.authority, rest = rest[:i], rest[i:]
	path := rest
	if j := strings.IndexByte(rest, '?'); j >= 0 {
		path, u.query, u.hasQuery = rest[:j], rest[j+1:], true
	}
	if path == "" {
		path = "/"
	}
	if !pathAsIs {
		path = removeDotSegments(path)
	}
	u.path = escapeNonASCII(path)
	return u, nil
}

// checkURLBytes refuses a URL holding a space or control character, as
// curl's URL parser does (also after -G or --url-query added to it: how
// names the flag that did).
func checkURLBytes(raw, how string) error {
	for _, c := range []byte(raw) {
		if c <= ' ' || c == 0x7f {
			return fmt.Errorf("%q%s: curl refuses a URL holding a space or control character (URL using bad/illegal format)", clip.String(redact.URL(raw), 60), how)
		}
	}
	return nil
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// escapeNonASCII percent-encodes the bytes of s above 0x7e.
func escapeNonASCII(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] > 0x7e {
			fmt.Fprintf(&b, "%%%02x", s[i])
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// removeDotSegments is RFC 3986 section 5.2.4.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	var out []string
	in := p
	for in != "" {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "/..":
			in = "/"
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "." || in == "..":
			in = ""
		default:
			j := strings.IndexByte(in[1:], '/')
			if j < 0 {
				out = append(out, in)
				in = ""
			} else {
				out = append(out, in[:j+1])
				in = in[j+1:]
			}
		}
	}
	s := strings.Join(out, "")
	if s == "" {
		s = "/"
	}
	return s
}

// withUploadName appends the uploaded file's name to a URL whose path
// ends with a slash, as curl's -T does.
func withUploadName(u curlURL, file string) curlURL {
	if !strings.HasSuffix(u.path, "/") {
		return u
	}
	name := file
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	u.path += strings.ReplaceAll(queryEscape([]byte(name)), "+", "%20")
	return u
}

// appendQuery adds q to the query, after an & when there is one.
func appendQuery(u curlURL, q string) curlURL {
	if u.hasQuery && u.query != "" {
		u.query += "&" + q
	} else {
		u.query = q
	}
	u.hasQuery = true
	return u
}

// withTarget replaces path and query with an origin-form target.
func (u curlURL) withTarget(t string) curlURL {
	u.path, u.query, u.hasQuery = t, "", false
	if p, q, ok := strings.Cut(t, "?"); ok {
		u.path, u.query, u.hasQuery = p, q, true
	}
	return u
}
