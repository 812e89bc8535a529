package curlcmd

import (
	"fmt"
	"regexp"
	"strings"
)

// Style names the shape of a command as a browser's "Copy as cURL" builds
// it.
type Style int

// Styles.
const (
	ChromeBash  Style = iota // Chrome/Edge "Copy as cURL (bash)": one flag a line, -b for cookies
	ChromeCmd                // Chrome/Edge "Copy as cURL (cmd)": ^"…^" quoting, ^ continuations
	FirefoxBash              // Firefox "Copy as cURL (POSIX)": one line, Cookie header, --compressed
)

// Request is what Format renders: the request as the browser sent it.
// Headers keep their order; a Cookie header is rendered as the style does.
type Request struct {
	URL     string
	Method  string
	Headers [][2]string
	Body    string
}

// Format renders r as the browser of style copies it, so that tests (and
// users who want to hand a request to someone) get the exact shape Parse
// has to read.
func Format(r Request, style Style) string {
	q, sep := quotePOSIX, " \\\n  "
	switch style {
	case ChromeCmd:
		q, sep = quoteCmd, " ^\n  "
	case FirefoxBash:
		sep = " "
	}
	u := q(r.URL)
	if style != FirefoxBash {
		// Chrome escapes curl's glob characters in the quoted URL.
		u = strings.NewReplacer("[", `\[`, "]", `\]`, "{", `\{`, "}", `\}`).Replace(u)
	}
	parts := []string{"curl " + u}
	if style == FirefoxBash && strings.ContainsAny(r.URL, "[]{}") {
		parts = append(parts, "--globoff") // Firefox turns curl's URL globbing off instead
	}
	method := strings.ToUpper(r.Method)
	switch {
	case style == FirefoxBash && method != "" && method != "GET":
		parts = append(parts, "-X "+method)
	case style != FirefoxBash && method != "" && method != "GET" && !(method == "POST" && r.Body != ""):
		parts = append(parts, "-X "+q(method))
	}
	cookie := ""
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], "Cookie") && style != FirefoxBash {
			cookie = h[1]
			continue
		}
		parts = append(parts, "-H "+q(h[0]+": "+h[1]))
	}
	if cookie != "" {
		parts = append(parts, "-b "+q(cookie))
	}
	if r.Body != "" {
		parts = append(parts, "--data-raw "+q(r.Body))
	}
	if style == FirefoxBash {
		parts = append(parts, "--compressed")
	}
	return strings.Join(parts, sep)
}

var posixPlain = regexp.MustCompile(`^[^\x00-\x1f\x7f-\x{10ffff}'\\]*$`)

// quotePOSIX quotes as the browsers' POSIX escaping does: '…' when the
// string holds no quote, backslash, control or non-ASCII character, else
// $'…' with backslash escapes.
func quotePOSIX(s string) string {
	if posixPlain.MatchString(s) {
		return "'" + s + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for _, r := range s {
		switch {
		case r == '\\' || r == '\'':
			b.WriteString(`\` + string(r))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r > 0x7e && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString("'")
	return b.String()
}

var (
	cmdUnsafe   = regexp.MustCompile(`[^a-zA-Z0-9\s_\-:=+~'/.',?;()*` + "`" + `]`)
	cmdPercentV = regexp.MustCompile(`%([a-zA-Z0-9_])`)
)

// quoteCmd quotes as Chrome's cmd escaping does: backslashes doubled,
// quotes backslash-escaped, every other unsafe character caret-escaped, %
// broken up before a name character, newlines as ^ and two line breaks.
// Like Chrome's, it is lossy for a backslash that does not precede a
// quote: the C runtime keeps both backslashes.
func quoteCmd(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = cmdUnsafe.ReplaceAllStringFunc(s, func(m string) string { return "^" + m })
	s = cmdPercentV.ReplaceAllString(s, "%^$1")
	s = strings.ReplaceAll(s, "\n", "^\n\n")
	return `^"` + s + `^"`
}
