package probe

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/evidence"
)

// fileCookie is one line of a Netscape cookie-jar file.
type fileCookie struct {
	Domain     string // without a leading dot
	Subdomains bool   // the "include subdomains" flag
	Path       string
	Secure     bool
	HTTPOnly   bool
	Expires    int64 // Unix seconds; 0 is a session cookie
	Name       string
	Value      string
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

func cookieBool(s string) (bool, error) {
	switch strings.ToUpper(s) {
	case "TRUE":
		return true, nil
	case "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("%q is not TRUE or FALSE", s)
}

// newJar returns an empty cookie jar with the public suffix list.
func newJar() *cookiejar.Jar {
	j, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	return j
}

// loadJar returns a jar holding the file cookies not expired at now.
func loadJar(cs []fileCookie, now time.Time) *cookiejar.Jar {
	j := newJar()
	for _, fc := range cs {
		if fc.Expires != 0 && time.Unix(fc.Expires, 0).Before(now) {
			continue
		}
		scheme := "http"
		if fc.Secure {
			scheme = "https"
		}
		u := &url.URL{Scheme: scheme, Host: fc.Domain, Path: fc.Path}
		c := &http.Cookie{Name: fc.Name, Value: fc.Value, Path: fc.Path, Secure: fc.Secure, HttpOnly: fc.HTTPOnly}
		if fc.Subdomains {
			c.Domain = fc.Domain
		}
		if fc.Expires != 0 {
			c.Expires = time.Unix(fc.Expires, 0)
		}
		j.SetCookies(u, []*http.Cookie{c})
	}
	return j
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
