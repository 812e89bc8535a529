package probe

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/evidence"
)

// fileCookie is one cookie of a -b file: a line of the Netscape
// cookie-jar format, or a "Set-Cookie:" header line, which curl reads
// from the same file.
type fileCookie struct {
	Domain     string // without a leading dot; "" for a header line without Domain
	Subdomains bool   // the "include subdomains" flag (a Domain attribute)
	Path       string // "" for a header line without Path: every path
	Secure     bool
	HTTPOnly   bool
	Expires    int64 // Unix seconds; 0 is a session cookie
	Name       string
	Value      string
	// Header marks a Set-Cookie line; its Max-Age counts from when the
	// file is read.
	Header    bool
	MaxAge    int64
	HasMaxAge bool
}

// maxCookieFile bounds how much of a cookie file is read.
const maxCookieFile = 4 << 20

// parseCookieFile parses the Netscape cookie-jar format curl reads and
// writes: one cookie per line, seven tab-separated fields (domain,
// include-subdomains flag, path, secure flag, expiry, name, value). Lines
// starting with '#' are comments, except the "#HttpOnly_" prefix, which
// marks an HttpOnly cookie. Blank lines are skipped. A malformed line is an
// error naming its line number.
func parseCookieFile(data []byte) ([]fileCookie, error) {
	if len(data) > maxCookieFile {
		return nil, fmt.Errorf("cookie file larger than %d bytes", maxCookieFile)
	}
	var out []fileCookie
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxCookieFile)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		httpOnly := false
		if rest, ok := strings.CutPrefix(s, "#HttpOnly_"); ok {
			s, httpOnly = rest, true
		}
		if strings.TrimSpace(s) == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if len(s) >= 11 && strings.EqualFold(s[:11], "Set-Cookie:") {
			if fc, ok := headerFileCookie(s[11:]); ok {
				out = append(out, fc)
			}
			continue
		}
		f := strings.Split(s, "\t")
		if len(f) == 6 { // a cookie with an empty value may lose its last tab
			f = append(f, "")
		}
		if len(f) != 7 {
			return nil, fmt.Errorf("line %d: want 7 tab-separated fields, got %d", line, len(f))
		}
		sub, err := cookieBool(f[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: include-subdomains flag: %v", line, err)
		}
		sec, err := cookieBool(f[3])
		if err != nil {
			return nil, fmt.Errorf("line %d: secure flag: %v", line, err)
		}
		exp, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: bad expiry %q", line, f[4])
		}
		dom := strings.ToLower(strings.TrimPrefix(f[0], "."))
		if dom == "" {
			return nil, fmt.Errorf("line %d: empty domain", line)
		}
		if f[5] == "" {
			return nil, fmt.Errorf("line %d: empty cookie name", line)
		}
		path := f[2]
		if path == "" {
			path = "/"
		}
		out = append(out, fileCookie{
			Domain: dom, Subdomains: sub || strings.HasPrefix(f[0], "."), Path: path,
			Secure: sec, HTTPOnly: httpOnly, Expires: exp, Name: f[5], Value: f[6],
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", line+1, err)
	}
	return out, nil
}

// headerFileCookie reads a "Set-Cookie:" line of a cookie file as curl
// 7.88 does (lib/cookie.c, Curl_cookie_add with no host): a Domain
// attribute makes a domain cookie, without one the cookie has no domain;
// without Path it goes with every path; Secure is kept although the file
// is no https origin; a cookie breaking the __Secure- or __Host- rules is
// dropped, as is a line that is no cookie, silently, as curl drops it.
func headerFileCookie(line string) (fileCookie, bool) {
	sc, err := cookie.Parse(strings.TrimLeft(line, " \t"))
	if err != nil || sc.Name == "" {
		return fileCookie{}, false
	}
	fc := fileCookie{Header: true, Name: sc.Name, Value: sc.Value, Path: sc.Path, Secure: sc.Secure, HTTPOnly: sc.HTTPOnly, MaxAge: sc.MaxAge, HasMaxAge: sc.HasMaxAge}
	if sc.HasDomain && sc.Domain != "" {
		fc.Domain, fc.Subdomains = sc.Domain, true
	}
	if !sc.Expires.IsZero() {
		fc.Expires = max(sc.Expires.Unix(), 1)
	}
	if strings.HasPrefix(sc.Name, "__Secure-") && !sc.Secure {
		return fileCookie{}, false
	}
	if strings.HasPrefix(sc.Name, "__Host-") && (!sc.Secure || sc.Path != "/" || fc.Subdomains) {
		return fileCookie{}, false
	}
	return fc, true
}

func cookieBool(s string) (bool, error) {
	switch strings.ToUpper(s) {
	case "TRUE":
		return true, nil
	case "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("%q is not TRUE or FALSE", s)
}

// fileJar holds the cookies of -b files and picks the ones a request
// gets as curl 7.88 does (lib/cookie.c, Curl_cookie_getlist and
// cookie_sort), which differs from a browser's choice and order.
type fileJar struct {
	cs []fileCookie // in the order read; a later cookie of the same name, domain and path replaces an earlier one
}

// loadJar returns a jar holding the file cookies not expired at now.
func loadJar(cs []fileCookie, now time.Time) *fileJar {
	j := &fileJar{}
	for _, fc := range cs {
		if fc.HasMaxAge {
			if fc.MaxAge <= 0 {
				fc.Expires = 1
			} else {
				fc.Expires = now.Unix() + min(fc.MaxAge, 1<<40)
			}
		}
		replaced := false
		for i, o := range j.cs {
			if o.Name == fc.Name && strings.EqualFold(o.Domain, fc.Domain) && o.Path == fc.Path {
				j.cs[i], replaced = fc, true
			}
		}
		if !replaced {
			j.cs = append(j.cs, fc)
		}
	}
	kept := j.cs[:0]
	for _, fc := range j.cs {
		if fc.Expires == 0 || !time.Unix(fc.Expires, 0).Before(now) {
			kept = append(kept, fc)
		}
	}
	j.cs = kept
	return j
}

// Cookies returns the cookies curl sends to u, in curl's order: longer
// path first, then longer domain, then longer name, then the cookie read
// last. Secure cookies go to https and to localhost, 127.0.0.1 and ::1;
// a cookie without a domain (a Set-Cookie line without Domain) goes to
// IP-address hosts only, where curl's hash of domains happens to find it.
func (j *fileJar) Cookies(u *url.URL) []*http.Cookie {
	host := strings.ToLower(u.Hostname())
	isIP := net.ParseIP(host) != nil
	secure := strings.EqualFold(u.Scheme, "https") || host == "localhost" || host == "127.0.0.1" || host == "::1"
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	type match struct {
		fc fileCookie
		at int
	}
	var ms []match
	for i, fc := range j.cs {
		if fc.Secure && !secure {
			continue
		}
		d := strings.ToLower(fc.Domain)
		switch {
		case d == "":
			if !isIP {
				continue
			}
		case fc.Subdomains && !isIP:
			if host != d && !strings.HasSuffix(host, "."+d) {
				continue
			}
		default:
			if host != d {
				continue
			}
		}
		if fc.Path != "" && !pathMatch(p, fc.Path) {
			continue
		}
		ms = append(ms, match{fc, i})
	}
	sort.SliceStable(ms, func(a, b int) bool {
		x, y := ms[a].fc, ms[b].fc
		switch {
		case len(x.Path) != len(y.Path):
			return len(x.Path) > len(y.Path)
		case len(x.Domain) != len(y.Domain):
			return len(x.Domain) > len(y.Domain)
		case len(x.Name) != len(y.Name):
			return len(x.Name) > len(y.Name)
		}
		return ms[a].at > ms[b].at
	})
	out := make([]*http.Cookie, 0, len(ms))
	for _, m := range ms {
		out = append(out, &http.Cookie{Name: m.fc.Name, Value: m.fc.Value, Path: m.fc.Path, Domain: m.fc.Domain, Secure: m.fc.Secure, HttpOnly: m.fc.HTTPOnly})
	}
	return out
}

// pathMatch is curl's path match: the cookie path is a prefix of the
// request path ending at a "/" (or the cookie path ends with one).
func pathMatch(reqPath, cookiePath string) bool {
	if cookiePath == "/" || reqPath == cookiePath {
		return true
	}
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}

// hopJar holds what a trial's responses set, with the hop that set each
// cookie, and records its verdicts per hop.
type hopJar struct {
	jar   *cookie.Jar
	setAt map[*cookie.Cookie]int
	now   func() time.Time
}

func newHopJar(now func() time.Time) *hopJar {
	return &hopJar{jar: cookie.NewJar(cookie.Script), setAt: map[*cookie.Cookie]int{}, now: now}
}

func (j *hopJar) context(u *url.URL, method string) cookie.Context {
	return cookie.Context{URL: u, Method: method, Time: j.now()}
}

// send returns the jar's cookies for a request to u and the verdicts on
// every cookie in the jar; the verdicts are nil when the jar is empty.
func (j *hopJar) send(u *url.URL, method string) ([]cookie.Verdict, *evidence.HopCookies) {
	if j == nil || len(j.jar.All()) == 0 {
		return nil, nil
	}
	sent, held := j.jar.Cookies(j.context(u, method))
	hc := &evidence.HopCookies{}
	for _, v := range sent {
		hc.Sent = append(hc.Sent, v.Cookie.Name)
	}
	for _, v := range held {
		hc.Withheld = append(hc.Withheld, j.verdict(v.Cookie, v.Reason))
	}
	return sent, hc
}

// store applies a response's Set-Cookie lines, received for a request to
// u on hop, and adds the verdicts to hc (a new one when nil).
func (j *hopJar) store(u *url.URL, method string, lines []string, hop int, hc *evidence.HopCookies) *evidence.HopCookies {
	if len(lines) == 0 {
		return hc
	}
	if hc == nil {
		hc = &evidence.HopCookies{}
	}
	for _, s := range j.jar.SetCookies(j.context(u, method), lines) {
		var v evidence.CookieVerdict
		switch {
		case s.Cookie != nil:
			j.setAt[s.Cookie] = hop
			v = j.verdict(s.Cookie, s.Reason)
			v.Deleted = s.Deleted || s.Cookie.ExpiredAt(j.now())
		case s.Parsed != nil:
			v = evidence.CookieVerdict{Name: s.Parsed.Name, Reason: string(s.Reason), Domain: s.Parsed.Domain, Path: s.Parsed.Path, Secure: s.Parsed.Secure, Expires: s.Parsed.Expires, SetAt: hop}
		default:
			v = evidence.CookieVerdict{Reason: string(s.Reason), SetAt: hop}
		}
		hc.Stored = append(hc.Stored, v)
	}
	return hc
}

func (j *hopJar) verdict(c *cookie.Cookie, r cookie.Reason) evidence.CookieVerdict {
	return evidence.CookieVerdict{Name: c.Name, Reason: string(r), Domain: c.Domain, HostOnly: c.HostOnly, Path: c.Path, Secure: c.Secure, Expires: c.Expires, SetAt: j.setAt[c]}
}
