package analysis

import "bytes"

// Path classes, as metrics and findings name them.
const (
	ClassStatic = "static"
	ClassLogin  = "login"
	ClassAPI    = "api"
	ClassPage   = "page"
)

var staticExt = []string{
	".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".avif",
	".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp4", ".webm", ".mp3", ".txt", ".xml",
}

// isStatic reports whether path names a static asset (by extension).
func isStatic(path []byte) bool {
	dot := bytes.LastIndexByte(path, '.')
	if dot < 0 || bytes.IndexByte(path[dot:], '/') >= 0 || len(path)-dot > 6 {
		return false
	}
	ext := path[dot:]
	for _, e := range staticExt {
		if len(ext) == len(e) && bytes.EqualFold(ext, []byte(e)) {
			return true
		}
	}
	return false
}

var loginWords = []string{"login", "logon", "signin", "sign-in", "sign_in", "auth", "token", "session", "xmlrpc.php", "passwd", "password"}

// isLogin reports whether path looks like a login or token endpoint.
func isLogin(path []byte) bool {
	if len(path) > 256 {
		path = path[:256]
	}
	var buf [256]byte
	n := copy(buf[:], path)
	low := buf[:n]
	for i, c := range low {
		if 'A' <= c && c <= 'Z' {
			low[i] = c + 'a' - 'A'
		}
	}
	for _, w := range loginWords {
		if bytes.Contains(low, []byte(w)) {
			return true
		}
	}
	return false
}

// pathClass names the class of path for metrics.
func pathClass(path []byte) string {
	switch {
	case isStatic(path):
		return ClassStatic
	case isLogin(path):
		return ClassLogin
	case bytes.HasPrefix(path, []byte("/api")) || bytes.Contains(path, []byte("/v1/")) || bytes.Contains(path, []byte("/v2/")) || bytes.HasPrefix(path, []byte("/wp-json")):
		return ClassAPI
	}
	return ClassPage
}

// crawlers maps a user-agent substring to the crawler's name.
var crawlers = []struct{ sub, name string }{
	{"Googlebot", "Googlebot"},
	{"Google-InspectionTool", "Googlebot"},
	{"AdsBot-Google", "AdsBot-Google"},
	{"bingbot", "Bingbot"},
	{"BingPreview", "Bingbot"},
	{"YandexBot", "YandexBot"},
	{"Baiduspider", "Baiduspider"},
	{"DuckDuckBot", "DuckDuckBot"},
	{"Applebot", "Applebot"},
	{"Slurp", "Yahoo Slurp"},
	{"facebookexternalhit", "Facebook"},
	{"Twitterbot", "Twitterbot"},
	{"LinkedInBot", "LinkedInBot"},
	{"AhrefsBot", "AhrefsBot"},
	{"SemrushBot", "SemrushBot"},
	{"MJ12bot", "MJ12bot"},
	{"PetalBot", "PetalBot"},
	{"GPTBot", "GPTBot"},
	{"ClaudeBot", "ClaudeBot"},
	{"CCBot", "CCBot"},
}

// crawlerName returns the crawler a user agent names, or "".
func crawlerName(ua []byte) string {
	if len(ua) == 0 || bytes.IndexByte(ua, 'b') < 0 && bytes.IndexByte(ua, 'B') < 0 && bytes.IndexByte(ua, 'S') < 0 && bytes.IndexByte(ua, 'T') < 0 {
		return ""
	}
	for _, c := range crawlers {
		if bytes.Contains(ua, []byte(c.sub)) {
			return c.name
		}
	}
	return ""
}

// isFormLogin reports whether path is a login form that answers a failed
// POST with the form again (200) and a successful one with a redirect:
// WordPress's wp-login.php.
func isFormLogin(path []byte) bool {
	if i := bytes.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return bytes.HasSuffix(path, []byte("/wp-login.php"))
}
