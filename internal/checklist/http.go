package checklist

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/why401/why401/internal/redirect"
)

// Client profile names for Options.Clients.
const (
	ClientCurl    = "curl"
	ClientBrowser = "browser"
)

// profile is the header, redirect and cookie behaviour of one client.
type profile struct {
	name      string
	userAgent string
	accept    string
	browser   bool
}

func profileOf(name, version string) (profile, bool) {
	switch name {
	case ClientCurl:
		return profile{name: name, userAgent: "curl/8.5.0 (why401 check " + version + ")", accept: "*/*"}, true
	case ClientBrowser:
		return profile{name: name, userAgent: "Mozilla/5.0 (X11; Linux x86_64) why401-check/" + version,
			accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", browser: true}, true
	}
	return profile{}, false
}

// maxBody is how much of an answer the runner keeps.
const maxBody = 64 << 10

// maxHops bounds redirects followed per request.
const maxHops = 10

// hop is one request and its answer.
type hop struct {
	method string
	url    *url.URL
	header http.Header // as sent
	status int
	resp   http.Header
	body   []byte
	tls    *tls.ConnectionState
	err    error
}

// trace is one request and the redirects that followed it.
type trace struct {
	hops    []hop
	body    []byte      // the request body sent on the first hop
	headers http.Header // the first hop's headers, credentials included
	cookies string      // the Cookie header of the first hop
	// rejected lists Set-Cookie lines this client refused to store, with why.
	rejected []string
	// dropped is the URL of the first redirect on which this client left
	// the Authorization header behind ("" when it never did).
	dropped string
}

func (t *trace) first() *hop {
	if len(t.hops) == 0 {
		return nil
	}
	return &t.hops[0]
}

func (t *trace) final() *hop {
	if len(t.hops) == 0 {
		return nil
	}
	return &t.hops[len(t.hops)-1]
}

// newTransport builds the transport of a run: TLS settings of the file,
// no proxy from the environment (a checklist tests the site, not the
// runner's network), no connection reuse across runs.
func newTransport(f *File, roots *x509.CertPool) *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: roots, InsecureSkipVerify: f.Insecure}, //nolint:gosec // the file asks for it
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: f.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// loadRoots returns the system roots plus the file's CA certificates.
func loadRoots(f *File) (*x509.CertPool, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if f.CACert != "" {
		pem, err := os.ReadFile(f.CACert)
		if err != nil {
			return nil, fmt.Errorf("%s: cacert: %v", f.CACert, pathErr(err))
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: cacert: no PEM certificate found", f.CACert)
		}
	}
	return roots, nil
}

// secrets resolves Values once per run.
type secrets struct {
	file   string // the checklist, for messages
	dir    string
	getenv func(string) string
}

// get returns the value's text: the literal, the environment variable
// (which must be set and non-empty) or the file's content without its
// final newline.
func (s *secrets) get(v Value) (string, error) {
	switch {
	case v.Env != "":
		val := s.getenv(v.Env)
		if val == "" {
			return "", fmt.Errorf("%s:%d: environment variable %s is not set", s.file, v.Pos.Line, v.Env)
		}
		return val, nil
	case v.File != "":
		p := v.File
		if !filepath.IsAbs(p) {
			p = filepath.Join(s.dir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("%s:%d: %s: %v", s.file, v.Pos.Line, v.File, pathErr(err))
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return v.Literal, nil
}

// prepared is a request with its secrets resolved.
type prepared struct {
	method  string
	url     *url.URL
	header  http.Header // literal and secret headers
	auth    string      // Authorization from basic or bearer ("" when none)
	body    []byte
	ctype   string
	session string
	follow  bool
	// err is the first secret that could not be read.
	err error
}

// prepare resolves r's secrets. A secret that cannot be read leaves its
// header, credential or field out and is recorded in the result's err, so
// that expectations which need no credentials (challenge, cors, tls) still
// run; the error is for a URL that does not parse.
func prepare(r Request, s *secrets) (*prepared, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	p := &prepared{method: r.Method, url: u, header: http.Header{}, session: r.Session, follow: r.Follow}
	get := func(v Value) (string, bool) {
		val, err := s.get(v)
		if err != nil {
			if p.err == nil {
				p.err = err
			}
			return "", false
		}
		return val, true
	}
	for _, h := range r.Headers {
		if v, ok := get(h.Value); ok {
			p.header.Add(h.Name, v)
		}
	}
	switch {
	case r.Basic != nil:
		user, ok1 := get(r.Basic.User)
		pass, ok2 := get(r.Basic.Password)
		if ok1 && ok2 {
			p.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
		}
	case r.Bearer != nil:
		if tok, ok := get(*r.Bearer); ok {
			p.auth = "Bearer " + strings.TrimSpace(tok)
		}
	}
	switch {
	case len(r.Form) > 0:
		form := url.Values{}
		for _, f := range r.Form {
			v, _ := get(f.Value)
			form.Add(f.Name, v)
		}
		p.body, p.ctype = []byte(form.Encode()), "application/x-www-form-urlencoded"
	case len(r.JSON) > 0:
		obj := map[string]string{}
		for _, f := range r.JSON {
			v, _ := get(f.Value)
			obj[f.Name] = v
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, err
		}
		p.body, p.ctype = b, "application/json"
	case r.Body != "":
		p.body = []byte(r.Body)
	}
	return p, nil
}

// do sends p as client c would: with credentials or without (anonymous
// drops Authorization, Cookie, secret headers and the session), following
// redirects when p.follow says so (a browser always does) with the
// client's rules for Authorization and cookies.
func do(ctx context.Context, rt http.RoundTripper, c profile, p *prepared, sess *session, anonymous bool, timeout time.Duration) *trace {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := &trace{body: p.body}
	jar := newJar(c)
	if sess != nil && !anonymous {
		jar = sess.jar.clone()
	}
	header := http.Header{}
	for k, v := range p.header {
		if anonymous && isCredentialHeader(k) {
			continue
		}
		header[k] = append([]string(nil), v...)
	}
	if header.Get("User-Agent") == "" {
		header.Set("User-Agent", c.userAgent)
	}
	if header.Get("Accept") == "" {
		header.Set("Accept", c.accept)
	}
	if p.ctype != "" && header.Get("Content-Type") == "" {
		header.Set("Content-Type", p.ctype)
	}
	if !anonymous {
		switch {
		case p.auth != "":
			header.Set("Authorization", p.auth)
		case sess != nil && sess.token != "" && header.Get("Authorization") == "":
			header.Set("Authorization", "Bearer "+sess.token)
		}
	}
	method, body, target, original := p.method, p.body, p.url, p.url
	keeps := header.Get("Authorization") != ""
	for i := 0; i <= maxHops; i++ {
		h := header.Clone()
		if !keeps {
			h.Del("Authorization")
		}
		if ck := jar.header(target, method); ck != "" {
			if prev := h.Get("Cookie"); prev != "" {
				ck = prev + "; " + ck
			}
			h.Set("Cookie", ck)
		}
		if i == 0 {
			t.headers = h.Clone()
			t.cookies = h.Get("Cookie")
		}
		req, err := http.NewRequestWithContext(ctx, method, target.String(), bytes.NewReader(body))
		if err != nil {
			t.hops = append(t.hops, hop{method: method, url: target, header: h, err: err})
			return t
		}
		req.Header = h
		if host := h.Get("Host"); host != "" {
			req.Host = host
		}
		hp := hop{method: method, url: target, header: h}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			hp.err = err
			t.hops = append(t.hops, hp)
			return t
		}
		hp.status, hp.resp, hp.tls = resp.StatusCode, resp.Header, resp.TLS
		hp.body, _ = io.ReadAll(io.LimitReader(resp.Body, maxBody))
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<20)) //nolint:errcheck // draining for reuse only
		resp.Body.Close()
		t.hops = append(t.hops, hp)
		for _, line := range resp.Header.Values("Set-Cookie") {
			if why := jar.store(target, method, line); why != "" {
				t.rejected = append(t.rejected, why)
			}
		}
		loc := resp.Header.Get("Location")
		redirectable := redirect.Status(resp.StatusCode)
		if !redirectable || loc == "" || (!p.follow && !c.browser) || i == maxHops {
			return t
		}
		next, err := target.Parse(loc)
		if err != nil || (next.Scheme != "http" && next.Scheme != "https") {
			return t
		}
		if keeps {
			rules := redirect.KeepsAuth(original, target, next)
			if c.browser {
				keeps = rules[redirect.Browser]
			} else {
				keeps = rules[redirect.Curl]
			}
			if !keeps && t.dropped == "" {
				t.dropped = next.String()
			}
		} else if !c.browser && p.auth != "" && redirect.SameOrigin(original, next) {
			keeps = true // curl decides afresh on each hop against the first URL
		}
		if resp.StatusCode == 303 || ((resp.StatusCode == 301 || resp.StatusCode == 302) && method == http.MethodPost) {
			if method != http.MethodHead {
				method = http.MethodGet
			}
			body = nil
			header.Del("Content-Type")
		}
		target = next
	}
	return t
}

// isCredentialHeader reports headers an anonymous request leaves out.
func isCredentialHeader(name string) bool {
	n := strings.ToLower(name)
	return n == "authorization" || n == "cookie" || n == "proxy-authorization" || isSecretHeaderName(n)
}

func isSecretHeaderName(n string) bool {
	return strings.Contains(n, "token") || strings.Contains(n, "api-key") || strings.Contains(n, "apikey") ||
		strings.Contains(n, "api_key") || strings.Contains(n, "secret") || strings.Contains(n, "csrf") || strings.Contains(n, "nonce")
}

// matchName reports whether name matches pattern (a trailing * matches a
// prefix).
func matchName(pattern, name string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(name, p)
	}
	return pattern == name
}
