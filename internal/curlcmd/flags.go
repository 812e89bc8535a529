package curlcmd

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/why401/why401/internal/clip"
	"github.com/why401/why401/internal/redact"
)

// lookupLong resolves a long option as curl does: case-insensitively, an
// exact name or else a prefix that only one option starts with.
func lookupLong(word string) (opt curlOption, ambiguous, ok bool) {
	hits := 0
	for _, o := range curlOptions {
		if len(word) > len(o.long) || !strings.EqualFold(o.long[:len(word)], word) {
			continue
		}
		if len(word) == len(o.long) {
			return o, false, true
		}
		hits++
		opt = o
	}
	return opt, hits > 1, hits == 1
}

func lookupShort(b byte) (curlOption, bool) {
	for _, o := range curlOptions {
		if o.short == b {
			return o, true
		}
	}
	return curlOption{}, false
}

// refused are options that change what curl sends in a way why401 does
// not reproduce, with the reason.
var refused = map[string]string{
	"aws-sigv4":            "signs the request with AWS Signature V4, which why401 does not compute",
	"ntlm-wb":              "hands NTLM to Samba's ntlm_auth helper (winbind), which why401 does not run: use --ntlm with -u 'DOMAIN\\user:pass'",
	"krb":                  "Kerberos FTP security is not reproduced",
	"krb4":                 "Kerberos FTP security is not reproduced",
	"unix-socket":          "sends over a Unix socket; the probe speaks TCP only",
	"abstract-unix-socket": "sends over a Unix socket; the probe speaks TCP only",
	"connect-to":           "connects elsewhere than the URL says; use --resolve instead",
	"config":               "reads more options from a file; paste them on the command line",
	"next":                 "starts another request: paste one request",
	"haproxy-protocol":     "sends a PROXY protocol line before the request",
	"time-cond":            "adds a date condition the probe does not reproduce",
	"etag-compare":         "reads an ETag from a file",
	"netrc":                "reads credentials from .netrc, which why401 does not read: pass them with -u",
	"netrc-file":           "reads credentials from a netrc file, which why401 does not read: pass them with -u",
	"netrc-optional":       "reads credentials from .netrc, which why401 does not read: pass them with -u",
	"help":                 "curl prints its help and sends no request",
	"manual":               "curl prints its manual and sends no request",
	"version":              "curl prints its version and sends no request",
	"socks4":               "SOCKS4 proxies are not supported (-x socks5://… is)",
	"socks4a":              "SOCKS4 proxies are not supported (-x socks5://… is)",
	"preproxy":             "a chain of proxies is not supported",
	"proxy1.0":             "HTTP/1.0 proxies are not supported (-x is)",
	"crlf":                 "rewrites line ends of the upload",
	"parallel":             "runs several transfers at once: paste one request",
	"proxy-digest":         "Digest to a proxy is not spoken by the probe",
	"proxy-ntlm":           "NTLM to a proxy is not spoken by the probe",
	"proxy-negotiate":      "Negotiate to a proxy is not spoken by the probe",
	"proxy-anyauth":        "choosing a proxy authentication scheme is not done by the probe",
}

// writesFiles are options whose only effect is a file curl writes (or
// its terminal output): ignored, since why401 keeps the answer as evidence
// and writes nothing.
var writesFiles = map[string]bool{
	"output": true, "remote-name": true, "remote-name-all": true, "output-dir": true, "dump-header": true,
	"trace": true, "trace-ascii": true, "stderr": true, "libcurl": true, "cookie-jar": true, "etag-save": true,
	"write-out": true, "create-dirs": true,
}

// auth bits, as curl's --basic, --digest, --ntlm, --negotiate, --anyauth
// and --oauth2-bearer set them.
const (
	authBasic = 1 << iota
	authDigest
	authBearer
	authNTLM
	authNegotiate
	authAny = authBasic | authDigest | 1<<10 // "any": more than one bit
)

// parsed collects what the arguments ask for before it becomes probe
// options.
type parsed struct {
	urls          []string
	data          []byte
	hasData       bool
	json          bool
	query         []string
	form          []formPart
	upload        string
	get, head     bool
	method        string
	headers       []string // -H arguments, in order
	cookies       []string // literal -b strings
	cookieFiles   []string
	auth          int
	user          string
	hasUser       bool
	bearer        string
	ua            *string
	referer       string
	hasReferer    bool
	rng           string
	continueAt    string
	globoff       bool
	pathAsIs      bool
	protoDefault  string
	requestTarget string
}

// mapFlags turns c.Args into c.Options, as curl 7.88.1 would have
// built the request.
func (c *Command) mapFlags() error {
	var p parsed
	noted := map[string]bool{}
	note := func(s string) {
		if !noted[s] {
			noted[s] = true
			c.Notes = append(c.Notes, s)
		}
	}
	args := c.Args
	endOpts := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if endOpts || len(a) < 2 || a[0] != '-' {
			p.urls = append(p.urls, a)
			continue
		}
		if a == "--" {
			endOpts = true
			continue
		}
		type item struct {
			opt    curlOption
			name   string // as written, for messages
			value  string
			toggle bool
		}
		var items []item
		if strings.HasPrefix(a, "--") {
			word, toggle := a[2:], true
			if len(word) > 3 && strings.EqualFold(word[:3], "no-") {
				word, toggle = word[3:], false
			}
			opt, ambiguous, ok := lookupLong(word)
			switch {
			case ambiguous:
				return fmt.Errorf("%s: ambiguous curl option (curl refuses it too)", clip.String(a, 60))
			case !ok:
				return fmt.Errorf("%s: unknown curl option", clip.String(a, 60))
			case !toggle && opt.kind != isBool:
				return fmt.Errorf("%s: --no- given to an option that is not a switch (curl refuses it too)", clip.String(a, 60))
			}
			it := item{opt: opt, name: "--" + opt.long, toggle: toggle}
			if opt.kind == hasArg {
				if i+1 >= len(args) {
					return fmt.Errorf("%s: needs an argument", it.name)
				}
				i++
				it.value = args[i]
			}
			items = append(items, it)
		} else {
			// Short options, possibly bundled (-sSL) or glued (-XPOST).
			for j := 1; j < len(a); j++ {
				opt, ok := lookupShort(a[j])
				if !ok {
					return fmt.Errorf("-%s: unknown curl option", clip.String(a[j:j+1], 60))
				}
				it := item{opt: opt, name: "-" + a[j:j+1], toggle: true}
				if opt.kind == hasArg {
					it.value = a[j+1:]
					if it.value == "" {
						if i+1 >= len(args) {
							return fmt.Errorf("-%c: needs an argument", a[j])
						}
						i++
						it.value = args[i]
					}
					items = append(items, it)
					break
				}
				items = append(items, it)
			}
		}
		for _, it := range items {
			if err := c.apply(&p, it.opt.long, it.name, it.value, it.toggle, note); err != nil {
				return err
			}
		}
	}
	return c.build(&p, note)
}

// apply records one option.
func (c *Command) apply(p *parsed, long, name, v string, on bool, note func(string)) error {
	o := &c.Options
	if why, ok := refused[long]; ok && on {
		return fmt.Errorf("%s: %s", name, why)
	}
	if writesFiles[long] {
		note(name + " ignored: why401 writes no files and keeps the answer as evidence")
		return nil
	}
	switch long {
	case "url":
		p.urls = append(p.urls, v)
	case "header":
		if strings.HasPrefix(v, "@") {
			lines, err := c.readHeaderFile(name, v[1:])
			if err != nil {
				return err
			}
			p.headers = append(p.headers, lines...)
			return nil
		}
		p.headers = append(p.headers, v)
	case "proxy-header":
		note(name + " ignored: it goes to a proxy only")
	case "cookie":
		switch {
		case strings.HasPrefix(v, "@"):
			p.cookieFiles = append(p.cookieFiles, v[1:])
		case strings.Contains(v, "="):
			p.cookies = append(p.cookies, v)
		default:
			p.cookieFiles = append(p.cookieFiles, v)
		}
	case "request":
		p.method = v
	case "data", "data-ascii", "data-binary", "data-raw", "json", "data-urlencode":
		d, err := c.dataValue(long, name, v)
		if err != nil {
			return err
		}
		if p.hasData {
			if long != "json" {
				p.data = append(p.data, '&')
			}
		}
		p.data = append(p.data, d...)
		p.hasData = true
		if long == "json" {
			p.json = true
		}
	case "url-query":
		if strings.HasPrefix(v, "+") {
			p.query = append(p.query, v[1:])
			return nil
		}
		d, err := c.dataValue("data-urlencode", name, v)
		if err != nil {
			return err
		}
		p.query = append(p.query, string(d))
	case "form", "form-string":
		part, err := c.formPart(name, v, long == "form-string", note)
		if err != nil {
			return err
		}
		p.form = append(p.form, part)
	case "upload-file":
		p.upload = v
	case "get":
		p.get = on
	case "head":
		p.head = on
	case "user":
		p.user, p.hasUser = v, true
	case "basic", "digest", "ntlm", "negotiate":
		bit := map[string]int{"basic": authBasic, "digest": authDigest, "ntlm": authNTLM, "negotiate": authNegotiate}[long]
		if on {
			p.auth |= bit
		} else {
			p.auth &^= bit
		}
	case "anyauth":
		if on {
			p.auth = authAny
		}
	case "oauth2-bearer":
		p.bearer = v
		p.auth |= authBearer
	case "user-agent":
		p.ua = &v
	case "referer":
		if r, _, auto := strings.Cut(v, ";auto"); auto {
			v = r
			note(name + ";auto: the referer on redirects is the probe's own")
		}
		p.referer, p.hasReferer = v, true
	case "range":
		p.rng = v
		if v != "" && v[0] >= '0' && v[0] <= '9' && !strings.Contains(v, "-") {
			p.rng = v + "-" // curl appends the dash
		}
	case "continue-at":
		if v == "-" {
			return fmt.Errorf("%s -: resumes from the size of an output file, which why401 does not write", name)
		}
		if _, err := strconv.ParseUint(v, 10, 63); err != nil {
			return fmt.Errorf("%s %s: want a byte offset", name, clip.String(v, 60))
		}
		p.continueAt = v
	case "globoff":
		p.globoff = on
	case "path-as-is":
		p.pathAsIs = on
	case "proto-default":
		p.protoDefault = v
	case "request-target":
		p.requestTarget = v
	case "proxy":
		o.Proxy = v
	case "socks5":
		o.Proxy = "socks5://" + v
	case "socks5-hostname":
		o.Proxy = "socks5h://" + v
	case "proxy-user":
		o.ProxyUser = v
	case "resolve":
		o.Resolve = append(o.Resolve, v)
	case "cacert":
		o.CACert = v
	case "cert":
		o.Cert = v
	case "key":
		o.Key = v
	case "capath", "proxy-capath":
		note(name + " ignored: the probe trusts the system roots and --cacert, not a CA directory")
	case "max-time", "connect-timeout":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 3600 {
			return fmt.Errorf("%s %s: want seconds between 0 and 3600", name, clip.String(v, 60))
		}
		d := time.Duration(f * float64(time.Second))
		if long == "max-time" {
			o.MaxTime = d
		} else {
			o.ConnectTimeout = d
		}
	case "max-redirs":
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%s %s: want a number", name, clip.String(v, 60))
		}
		switch {
		case n == 0:
			o.MaxRedirs = -1
		case n < 0:
			o.MaxRedirs = 50
		default:
			o.MaxRedirs = n
		}
	case "insecure":
		o.Insecure = on
	case "location":
		o.FollowRedirects = on
	case "location-trusted":
		o.FollowRedirects, o.LocationTrusted = on, on
	case "tr-encoding":
		if on {
			note(name + " ignored: the TE header is the probe's transport's")
		}
	case "compressed":
		if on {
			note(name + " ignored: the probe reads bodies uncompressed")
		}
	case "doh-url":
		note(name + " ignored: the probe resolves names with the system resolver")
	default:
		// Everything else changes nothing in what is sent over HTTP
		// (verbosity, retries, TLS versions, FTP, SMTP, rate limits…).
	}
	return nil
}

// maxFileSize bounds a file a command names (@file, -T, -F).
const maxFileSize = 16 << 20

// readFile reads a file the command names (what is the flag as an
// error names it, "-d @" or "-T "), or standard input for "-",
// which is only known from a redirection in the pasted command.
func (c *Command) readFile(flag, path string) ([]byte, error) {
	if path == "-" {
		if !c.hasStdin {
			return nil, fmt.Errorf("%s-: reads standard input, which a pasted command does not carry; use a file or --data-raw", flag)
		}
		return c.stdin, nil
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s%s: %v", flag, clip.String(path, 60), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s%s: is a directory", flag, clip.String(path, 60))
	}
	b := make([]byte, 0, 512)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > maxFileSize {
			return nil, fmt.Errorf("%s%s: larger than %d bytes", flag, clip.String(path, 60), maxFileSize)
		}
		if err != nil {
			break
		}
	}
	return b, nil
}

// readHeaderFile reads -H @file: one header a line.
func (c *Command) readHeaderFile(flag, path string) ([]string, error) {
	b, err := c.readFile(flag+" @", path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out, nil
}

// dataValue returns what one data option contributes to the body, as
// curl does: --data-raw literally; -d, --data-ascii, --data-binary and
// --json literally or, after @, from a file (-d and --data-ascii without
// their line breaks); --data-urlencode with its name=content and
// name@file forms, the content percent-encoded.
func (c *Command) dataValue(kind, flag, v string) ([]byte, error) {
	switch kind {
	case "data-raw":
		return []byte(v), nil
	case "data", "data-ascii", "data-binary", "json":
		if !strings.HasPrefix(v, "@") {
			return []byte(v), nil
		}
		b, err := c.readFile(flag+" @", v[1:])
		if err != nil {
			return nil, err
		}
		if kind == "data" || kind == "data-ascii" {
			b = withoutLineBreaks(b)
		}
		return b, nil
	case "data-urlencode":
		var name string
		var content []byte
		if n, rest, ok := strings.Cut(v, "="); ok {
			name, content = n, []byte(rest)
		} else if n, file, ok := strings.Cut(v, "@"); ok {
			b, err := c.readFile(flag+" "+n+"@", file)
			if err != nil {
				return nil, err
			}
			name, content = n, b
		} else {
			content = []byte(v)
		}
		enc := queryEscape(content)
		if name == "" {
			return []byte(enc), nil
		}
		return []byte(name + "=" + enc), nil
	}
	return []byte(v), nil
}

// queryEscape percent-encodes all but the unreserved characters, a space
// as '+', as curl's --data-urlencode does.
func queryEscape(b []byte) string {
	const hex = "0123456789ABCDEF"
	var s strings.Builder
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			s.WriteByte(c)
		case c == ' ':
			s.WriteByte('+')
		default:
			s.WriteByte('%')
			s.WriteByte(hex[c>>4])
			s.WriteByte(hex[c&15])
		}
	}
	return s.String()
}

// withoutLineBreaks is what curl's -d @file keeps of a file: it reads it
// in pieces of at most 255 bytes up to a line feed and cuts each at its
// first CR, then at its first LF (a NUL ends a piece too).
func withoutLineBreaks(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		n := len(b)
		if n > 255 {
			n = 255
		}
		if i := strings.IndexByte(string(b[:n]), '\n'); i >= 0 {
			n = i + 1
		}
		piece := b[:n]
		b = b[n:]
		for _, stop := range []byte{0, '\r', '\n'} {
			if i := strings.IndexByte(string(piece), stop); i >= 0 {
				piece = piece[:i]
			}
		}
		out = append(out, piece...)
	}
	if out == nil {
		out = []byte{}
	}
	return out
}

// header is one -H argument as curl reads it.
type header struct {
	name, value string
	send        bool // false: the header only suppresses curl's own
}

// parseHeader reads one -H argument as curl does: "Name: value" is sent
// when the value is not blank; "Name:" sends nothing and removes curl's
// own header of that name; "Name;" sends the header with an empty value;
// anything else (no colon) is ignored by curl.
func parseHeader(v string) (header, bool) {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		if i == 0 {
			return header{}, false
		}
		val := strings.TrimLeft(v[i+1:], " \t\r\n\v\f")
		return header{name: v[:i], value: strings.TrimRight(val, " \t"), send: val != ""}, true
	}
	if i := strings.IndexByte(v, ';'); i > 0 && strings.TrimSpace(v[i+1:]) == "" {
		return header{name: v[:i], send: true}, true
	}
	return header{}, false
}

// hopHeaders are headers a copied command carries that the probe sets
// itself or that would break reading the answer.
var hopHeaders = map[string]string{
	"Accept-Encoding":   "the probe reads bodies uncompressed",
	"Connection":        "set by the probe's transport",
	"Keep-Alive":        "set by the probe's transport",
	"Content-Length":    "computed from the body",
	"Transfer-Encoding": "computed from the body",
	"Te":                "asks for a transfer coding the probe's transport cannot read (TE: trailers is sent)",
	"Upgrade":           "set by the probe's transport",
	"Expect":            "set by the probe's transport",
}

// redactHeaderLine hides the value of a header written without its
// colon ("Authorization Bearer …") when its first word names a secret
// header, for an error or note that quotes it.
func redactHeaderLine(v string) string {
	name, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !redact.IsSecretHeader(name) {
		return v
	}
	return name + " " + redact.Header(name, strings.TrimSpace(rest))
}
