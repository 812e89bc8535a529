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
