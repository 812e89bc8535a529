package curlcmd

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/why401/why401/internal/clip"
	"github.com/why401/why401/internal/redact"
)

// build turns what the arguments asked for into probe options.
func (c *Command) build(p *parsed, note func(string)) error {
	o := &c.Options
	o.Header = http.Header{}

	// The URL: curl's globbing, then its normalisation.
	var urls []string
	for _, u := range p.urls {
		if p.globoff {
			urls = append(urls, u)
			continue
		}
		g, err := unglob(u)
		if err != nil {
			return err
		}
		urls = append(urls, g...)
	}
	switch len(urls) {
	case 0:
		return errors.New("no URL in the command")
	case 1:
	default:
		return fmt.Errorf("%s: more than one URL in the command (curl sends one request for each); paste one request", clip.String(redact.URL(urls[1]), 60))
	}
	bodyKinds := 0
	for _, b := range []bool{p.hasData && !p.get, len(p.form) > 0, p.upload != ""} {
		if b {
			bodyKinds++
		}
	}
	if bodyKinds > 1 || (p.head && (len(p.form) > 0 || p.hasData && !p.get)) {
		return errors.New("several of -d, -F, -T and -I: curl refuses to pick one request method")
	}
	u, err := normalizeURL(urls[0], p.protoDefault, p.pathAsIs)
	if err != nil {
		return err
	}
	if p.upload != "" {
		body, err := c.readFile("-T ", p.upload)
		if err != nil {
			return err
		}
		o.Data, o.HasData = body, true
		if p.upload != "-" {
			u = withUploadName(u, p.upload)
		} else {
			o.Chunked = true // standard input has no known size: curl sends chunks
		}
	}
	switch {
	case p.get && p.hasData:
		u = appendQuery(u, string(p.data))
	case len(p.query) > 0:
		u = appendQuery(u, strings.Join(p.query, "&"))
	}
	if p.get && p.hasData || len(p.query) > 0 {
		how := " (after --url-query)"
		if p.get && p.hasData {
			how = " (after -G moved the data into it)"
		}
		if err := checkURLBytes(u.String(), how); err != nil {
			return err
		}
	}
	if p.requestTarget != "" {
		if !strings.HasPrefix(p.requestTarget, "/") {
			return fmt.Errorf("--request-target %s: only an origin-form target (starting with /) is sent by the probe", clip.String(p.requestTarget, 60))
		}
		u = u.withTarget(p.requestTarget)
	}
	o.URL = u.String()

	// Headers, as curl reads -H.
	custom := map[string]bool{} // names given with -H, sent or not
	for _, raw := range p.headers {
		h, ok := parseHeader(raw)
		if !ok {
			note(fmt.Sprintf("-H %q ignored: no colon, so curl does not send it either", clip.String(redactHeaderLine(raw), 60)))
			continue
		}
		name := strings.TrimSpace(h.name)
		if name == "" || strings.HasPrefix(name, ":") {
			note(fmt.Sprintf("dropped the HTTP/2 pseudo-header %s (the probe derives it from the URL)", clip.String(name+":", 60)))
			continue
		}
		key := http.CanonicalHeaderKey(name)
		custom[key] = true
		if key == "Transfer-Encoding" && strings.EqualFold(strings.TrimSpace(h.value), "chunked") {
			o.Chunked = true // curl then sends the body in chunks, and so does the probe
			continue
		}
		if key == "Te" && strings.EqualFold(strings.TrimSpace(h.value), "trailers") {
			o.Header[key] = append(o.Header[key], h.value) // Firefox copies it; harmless
			continue
		}
		if why, ok := hopHeaders[key]; ok {
			note(fmt.Sprintf("dropped the %s header: %s", key, why))
			continue
		}
		if strings.ContainsAny(h.value, "\r\n") {
			return fmt.Errorf("-H %s: the value holds a line break, which would end the header early", clip.String(name, 60))
		}
		switch {
		case !h.send:
			o.Header[key] = append(o.Header[key], "") // removes curl's own header of that name
		case h.value == "":
			o.EmptyHeader = append(o.EmptyHeader, key)
		case key == "Cookie":
			o.CookieHeader = append(o.CookieHeader, h.value)
		case key == "User-Agent":
			o.UserAgent = h.value
		default:
			o.Header[key] = append(o.Header[key], h.value)
		}
	}
	hasCustom := func(k string) bool { return custom[k] }

	// Cookies, as curl 7.88 sends them (lib/http.c, Curl_http_cookies):
	// one Cookie line from its cookie engine, the files' cookies first,
	// then -b's strings, and after it each -H Cookie line of its own. A
	// Cookie header replaces -b's strings, not the files' cookies.
	for _, f := range p.cookieFiles {
		if f == "" {
			continue // -b '' only turns curl's cookie engine on
		}
		if _, err := os.Stat(f); err != nil {
			note(fmt.Sprintf("-b %s: no such cookie file, so no cookie is sent (curl only warns)", clip.String(f, 60)))
			continue
		}
		o.Cookie = append(o.Cookie, f)
	}
	if len(p.cookies) > 0 {
		if hasCustom("Cookie") {
			note("-b's name=value string ignored: the command also sets a Cookie header, and curl then sends that one instead")
		} else {
			joined := strings.Join(p.cookies, ";")
			if i := strings.IndexAny(joined, "\r\n"); i >= 0 {
				joined = strings.TrimSpace(joined[:i])
				note("-b: the cookie string holds a line break; curl's header ends there, and so does the probe's")
			}
			if joined != "" {
				o.Cookie = append(o.Cookie, joined)
			}
		}
	}

	// User-Agent: -A '' or -H 'User-Agent:' sends none.
	if p.ua != nil && !hasCustom("User-Agent") {
		if *p.ua == "" {
			o.Header["User-Agent"] = []string{""}
		} else {
			o.UserAgent = *p.ua
		}
	}
	if p.hasReferer && p.referer != "" {
		o.Referer = p.referer
	}
	if !hasCustom("Range") {
		switch {
		case p.rng != "":
			o.Header.Set("Range", "bytes="+p.rng)
		case p.continueAt != "":
			o.Header.Set("Range", "bytes="+p.continueAt+"-")
		}
	}

	// The body.
	switch {
	case len(p.form) > 0:
		ct := "multipart/form-data"
		if v := o.Header.Get("Content-Type"); v != "" {
			ct = v
		}
		body, boundary := buildMultipart(p.form, ct)
		o.Header.Set("Content-Type", ct+"; boundary="+boundary)
		o.Data, o.HasData = body, true
	case p.hasData && !p.get:
		o.Data, o.HasData = p.data, true
		if p.json {
			if !hasCustom("Content-Type") {
				o.Header.Set("Content-Type", "application/json")
			}
			if !hasCustom("Accept") {
				o.Header.Set("Accept", "application/json")
			}
		} else if !hasCustom("Content-Type") {
			o.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case p.upload != "":
		if !hasCustom("Content-Type") {
			o.Header["Content-Type"] = []string{""} // -T sends no Content-Type
		}
	}
	if p.json && p.get {
		// --json sets its headers whether the data goes to the body or,
		// with -G, to the query.
		if !hasCustom("Accept") {
			o.Header.Set("Accept", "application/json")
		}
		if !hasCustom("Content-Type") {
			o.Header.Set("Content-Type", "application/json")
		}
	}

	// The method: -X replaces the word only.
	switch {
	case p.method != "":
		o.Method = p.method
	case p.head:
		o.Method = http.MethodHead
	case p.upload != "":
		o.Method = http.MethodPut
	case len(p.form) > 0 || p.hasData && !p.get:
		o.Method = http.MethodPost
	}

	// Credentials, as curl's authentication bits pick them.
	switch {
	case hasCustom("Authorization"):
		// curl sends the header and none of its own.
		if p.hasUser || p.bearer != "" {
			note("-u/--oauth2-bearer ignored: the command sets an Authorization header, and curl then sends that one")
		}
	case p.auth == 0 || p.auth == authBasic:
		if p.hasUser {
			o.User = p.user
		}
	case p.auth == authBearer:
		o.Bearer = p.bearer
	case p.auth == authDigest:
		if p.hasUser {
			o.User = p.user
			o.HTTPAuth = "digest"
		}
	default:
		if p.hasUser || p.bearer != "" {
			o.User = p.user
			o.HTTPAuth = "anyauth"
			if p.auth&authDigest == 0 {
				o.HTTPAuth = "none"
				note("several authentication schemes without Digest: curl sends no credentials until a challenge names one, and the probe does the same but answers none")
			}
		}
	}
	if o.HTTPAuth != "" && !p.hasUser {
		o.HTTPAuth = ""
	}

	if len(o.Header) == 0 {
		o.Header = nil
	}
	if strings.HasPrefix(o.URL, "http://") || strings.HasPrefix(o.URL, "HTTP://") {
		// TLS files are not read for an http:// URL, as curl does not.
		for _, f := range []struct {
			name string
			v    *string
		}{{"--cacert", &o.CACert}, {"--cert", &o.Cert}, {"--key", &o.Key}} {
			if *f.v == "" {
				continue
			}
			if _, err := os.Stat(*f.v); err != nil {
				note(fmt.Sprintf("%s %s ignored: no such file, and curl does not read it for an http:// URL", f.name, clip.String(*f.v, 60)))
				*f.v = ""
			}
		}
		if o.Key != "" && o.Cert == "" {
			o.Key = ""
		}
	}
	return o.Validate()
}
