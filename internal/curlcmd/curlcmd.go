// Package curlcmd parses a curl command line as browsers copy it ("Copy
// as cURL" in Chrome's and Firefox's network panels, in the bash/POSIX
// form or the Windows cmd form) into probe options.
//
// The POSIX form is parsed with a real shell parser
// (mvdan.cc/sh/v3/syntax): quoting, $'…' strings, line continuations and
// comments work as in bash, while expansions ($VAR, $(…), globs) are
// refused because a pasted command must not depend on the user's shell.
// The cmd form undoes cmd.exe's caret escapes, then splits arguments as
// the Microsoft C runtime does. Every flag the browsers emit is mapped; an
// unknown flag is a one-line error naming it.
package curlcmd

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/why401/why401/internal/clip"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/redact"
)

// Form names the shell syntax of a command.
type Form string

// Forms.
const (
	POSIX Form = "posix" // bash, zsh, sh: Chrome's and Firefox's "Copy as cURL (bash)"
	Cmd   Form = "cmd"   // Windows cmd.exe: "Copy as cURL (cmd)" / "(Windows)"
)

// Command is a parsed curl command.
type Command struct {
	Form Form
	// Args are the command's arguments after shell unquoting, without the
	// leading "curl".
	Args []string
	// Options is the probe that sends what curl would have sent.
	Options probe.Options
	// Notes say what was dropped or changed on the way (a header the
	// probe sets itself, a flag without effect on the diagnosis).
	Notes []string
}

// MaxLen bounds the length of a command.
const MaxLen = 1 << 20

// Parse parses a pasted command in either form: the cmd form when the
// text shows cmd.exe's marks (a ^" quote, a caret at a line's end, curl.exe
// as the program), POSIX otherwise.
func Parse(text string) (*Command, error) {
	if DetectForm(text) == Cmd {
		return ParseCmd(text)
	}
	return ParsePOSIX(text)
}

// DetectForm guesses the shell form of a pasted command.
func DetectForm(text string) Form {
	t := strings.TrimSpace(text)
	lower := strings.ToLower(t)
	if strings.HasPrefix(lower, "curl.exe") || strings.Contains(t, `^"`) || strings.Contains(t, "^\n") || strings.Contains(t, "^\r\n") {
		return Cmd
	}
	return POSIX
}

// fromArgs checks the program name and maps the arguments.
func fromArgs(form Form, words []string) (*Command, error) {
	if len(words) == 0 {
		return nil, errors.New("empty command: paste a command starting with curl")
	}
	prog := words[0]
	base := strings.ToLower(prog[strings.LastIndexAny(prog, `/\`)+1:])
	if base != "curl" && base != "curl.exe" {
		if strings.EqualFold(prog, "Invoke-WebRequest") || strings.EqualFold(prog, "Invoke-RestMethod") || strings.HasPrefix(prog, "$session") {
			return nil, fmt.Errorf("%s: PowerShell is not supported: use Copy as cURL (bash) or (cmd)", clip.String(prog, 60))
		}
		return nil, fmt.Errorf("%s: not a curl command", clip.String(prog, 60))
	}
	c := &Command{Form: form, Args: words[1:]}
	if err := c.mapFlags(); err != nil {
		return nil, err
	}
	return c, nil
}

// flag kinds.
const (
	noArg = iota
	withArg
)

type flagSpec struct {
	long  string
	short byte
	arg   int
}

// flags are the curl options understood: every one Chrome and Firefox
// emit, and those a user commonly adds to a copied command.
var flags = []flagSpec{
	{"url", 0, withArg},
	{"header", 'H', withArg},
	{"cookie", 'b', withArg},
	{"request", 'X', withArg},
	{"data", 'd', withArg},
	{"data-raw", 0, withArg},
	{"data-binary", 0, withArg},
	{"data-ascii", 0, withArg},
	{"data-urlencode", 0, withArg},
	{"json", 0, withArg},
	{"user", 'u', withArg},
	{"user-agent", 'A', withArg},
	{"referer", 'e', withArg},
	{"oauth2-bearer", 0, withArg},
	{"proxy", 'x', withArg},
	{"proxy-user", 'U', withArg},
	{"resolve", 0, withArg},
	{"cacert", 0, withArg},
	{"cert", 'E', withArg},
	{"key", 0, withArg},
	{"max-time", 'm', withArg},
	{"connect-timeout", 0, withArg},
	{"max-redirs", 0, withArg},
	{"insecure", 'k', noArg},
	{"location", 'L', noArg},
	{"location-trusted", 0, noArg},
	{"head", 'I', noArg},
	{"get", 'G', noArg},
	// Without effect on what is sent, or decided by the probe itself.
	{"compressed", 0, noArg},
	{"globoff", 'g', noArg},
	{"silent", 's', noArg},
	{"show-error", 'S', noArg},
	{"verbose", 'v', noArg},
	{"include", 'i', noArg},
	{"fail", 'f', noArg},
	{"http1.1", 0, noArg},
	{"http2", 0, noArg},
	{"http2-prior-knowledge", 0, noArg},
	{"http3", 0, noArg},
	{"no-buffer", 'N', noArg},
	{"path-as-is", 0, noArg},
	{"output", 'o', withArg},
}

func lookupLong(name string) (flagSpec, bool) {
	for _, f := range flags {
		if f.long == name {
			return f, true
		}
	}
	return flagSpec{}, false
}

func lookupShort(b byte) (flagSpec, bool) {
	for _, f := range flags {
		if f.short != 0 && f.short == b {
			return f, true
		}
	}
	return flagSpec{}, false
}

// hopHeaders are headers a copied command carries that the probe sets
// itself or that would break reading the answer.
var hopHeaders = map[string]string{
	"Accept-Encoding":   "the probe reads bodies uncompressed",
	"Connection":        "set by the probe's transport",
	"Keep-Alive":        "set by the probe's transport",
	"Content-Length":    "computed from the body",
	"Transfer-Encoding": "computed from the body",
	"Te":                "set by the probe's transport",
	"Upgrade":           "set by the probe's transport",
}

// mapFlags turns c.Args into c.Options.
func (c *Command) mapFlags() error {
	o := &c.Options
	o.Header = http.Header{}
	var (
		urls     []string
		data     []string
		hasData  bool
		get      bool
		head     bool
		method   string
		endOpts  bool
		noted    = map[string]bool{}
		removeUA bool
	)
	note := func(s string) {
		if !noted[s] {
			noted[s] = true
			c.Notes = append(c.Notes, s)
		}
	}
	args := c.Args
	for i := 0; i < len(args); i++ {
		a := args[i]
		if endOpts || a == "" || a[0] != '-' || a == "-" {
			urls = append(urls, a)
			continue
		}
		if a == "--" {
			endOpts = true
			continue
		}
		type item struct {
			spec  flagSpec
			name  string // as written, for messages
			value string
		}
		var items []item
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			spec, ok := lookupLong(name)
			if !ok && strings.HasPrefix(name, "no-") {
				if s, ok2 := lookupLong(name[3:]); ok2 && s.arg == noArg {
					continue // --no-X switches a boolean off; every one mapped is off by default
				}
			}
			if !ok {
				return fmt.Errorf("--%s: unknown curl option", clip.String(name, 60))
			}
			if spec.arg == withArg {
				if !hasVal {
					if i+1 >= len(args) {
						return fmt.Errorf("--%s: needs an argument", name)
					}
					i++
					val = args[i]
				}
			} else if hasVal {
				return fmt.Errorf("--%s: takes no argument", name)
			}
			items = append(items, item{spec, "--" + name, val})
		} else {
			// Short options, possibly bundled (-sSL) or glued (-XPOST).
			for j := 1; j < len(a); j++ {
				spec, ok := lookupShort(a[j])
				if !ok {
					return fmt.Errorf("-%s: unknown curl option", clip.String(string(a[j:j+1]), 60))
				}
				if spec.arg == withArg {
					val := a[j+1:]
					if val == "" {
						if i+1 >= len(args) {
							return fmt.Errorf("-%c: needs an argument", a[j])
						}
						i++
						val = args[i]
					}
					items = append(items, item{spec, "-" + string(a[j]), val})
					break
				}
				items = append(items, item{spec, "-" + string(a[j]), ""})
			}
		}
		for _, it := range items {
			v := it.value
			switch it.spec.long {
			case "url":
				urls = append(urls, v)
			case "header":
				if strings.HasPrefix(v, "@") {
					return fmt.Errorf("%s %s: reading headers from a file is not supported", it.name, clip.String(v, 60))
				}
				name, value, ok := strings.Cut(v, ":")
				name = strings.TrimSpace(name)
				if !ok {
					// "Name;" sends an empty header in curl.
					if n, found := strings.CutSuffix(strings.TrimSpace(v), ";"); found && n != "" {
						o.Header[http.CanonicalHeaderKey(n)] = append(o.Header[http.CanonicalHeaderKey(n)], "")
						continue
					}
					return fmt.Errorf("%s %q: want \"Name: value\"", it.name, clip.String(redactHeaderLine(v), 60))
				}
				if name == "" || strings.HasPrefix(name, ":") {
					note(fmt.Sprintf("dropped the HTTP/2 pseudo-header %s (the probe derives it from the URL)", clip.String(name+":", 60)))
					continue
				}
				key := http.CanonicalHeaderKey(name)
				value = strings.TrimSpace(value)
				if why, ok := hopHeaders[key]; ok {
					note(fmt.Sprintf("dropped the %s header: %s", key, why))
					continue
				}
				if key == "User-Agent" {
					if value == "" {
						removeUA = true
					} else {
						o.UserAgent = value
					}
					continue
				}
				if key == "Cookie" {
					if value != "" {
						o.Cookie = append(o.Cookie, value)
					}
					continue
				}
				o.Header[key] = append(o.Header[key], value)
			case "cookie":
				if !strings.Contains(v, "=") {
					return fmt.Errorf("%s %s: cookie files are not read from a pasted command; pass the cookies as name=value", it.name, clip.String(v, 60))
				}
				o.Cookie = append(o.Cookie, v)
			case "request":
				method = v
			case "data", "data-ascii", "data-binary", "data-raw", "json", "data-urlencode":
				d, err := dataValue(it.spec.long, it.name, v)
				if err != nil {
					return err
				}
				data = append(data, d)
				hasData = true
				if it.spec.long == "json" {
					if o.Header.Get("Content-Type") == "" {
						o.Header.Set("Content-Type", "application/json")
					}
					if o.Header.Get("Accept") == "" {
						o.Header.Set("Accept", "application/json")
					}
				}
			case "user":
				o.User = v
			case "user-agent":
				o.UserAgent = v
			case "referer":
				o.Referer = v
			case "oauth2-bearer":
				o.Bearer = v
			case "proxy":
				o.Proxy = v
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
			case "max-time", "connect-timeout":
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f <= 0 || f > 3600 {
					return fmt.Errorf("%s %s: want seconds between 0 and 3600", it.name, clip.String(v, 60))
				}
				d := time.Duration(f * float64(time.Second))
				if it.spec.long == "max-time" {
					o.MaxTime = d
				} else {
					o.ConnectTimeout = d
				}
			case "max-redirs":
				n, err := strconv.Atoi(v)
				if err != nil {
					return fmt.Errorf("%s %s: want a number", it.name, clip.String(v, 60))
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
				o.Insecure = true
			case "location":
				o.FollowRedirects = true
			case "location-trusted":
				o.FollowRedirects, o.LocationTrusted = true, true
			case "head":
				head = true
			case "get":
				get = true
			case "output":
				note(it.name + " ignored: the probe keeps the answer as evidence")
			default:
				// compressed, globoff, silent, verbose, http versions…: no
				// effect on what the diagnosis needs.
			}
		}
	}
	switch len(urls) {
	case 0:
		return errors.New("no URL in the command")
	case 1:
	default:
		return fmt.Errorf("%s: more than one URL in the command; paste one request", clip.String(redact.URL(urls[1]), 60))
	}
	o.URL = urls[0]
	body := strings.Join(data, "&")
	switch {
	case get && hasData:
		// -G: the data goes into the query string.
		u, err := url.Parse(o.URL)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // its text repeats the URL unredacted
			}
			return fmt.Errorf("%q: bad URL: %v", clip.String(redact.URL(o.URL), 60), err)
		}
		if u.RawQuery != "" {
			u.RawQuery += "&" + body
		} else {
			u.RawQuery = body
		}
		o.URL = u.String()
	case hasData:
		o.Data, o.HasData = []byte(body), true
		if o.Header.Get("Content-Type") == "" {
			o.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	switch {
	case method != "":
		o.Method = strings.ToUpper(method)
	case head:
		o.Method = http.MethodHead
	}
	if removeUA {
		o.UserAgent = ""
	}
	if len(o.Header) == 0 {
		o.Header = nil
	}
	return o.Validate()
}

// redactHeaderLine hides the value of a header written without its
// colon ("Authorization Bearer …") when its first word names a secret
// header, for an error that quotes it.
func redactHeaderLine(v string) string {
	name, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !redact.IsSecretHeader(name) {
		return v
	}
	return name + " " + redact.Header(name, strings.TrimSpace(rest))
}

// dataValue returns what one data flag contributes to the body, as curl
// does: --data-raw and --json literally, -d and --data-binary literally
// unless they name a file with @ (refused here), -d without newlines of
// files, --data-urlencode with its name=content forms.
func dataValue(kind, flag, v string) (string, error) {
	switch kind {
	case "data-raw":
		return v, nil
	case "data", "data-ascii", "data-binary", "json":
		if strings.HasPrefix(v, "@") {
			return "", fmt.Errorf("%s %s: reading the body from a file or stdin is not supported; paste it with --data-raw", flag, clip.String(v, 60))
		}
		return v, nil
	case "data-urlencode":
		name, content, hasEq := strings.Cut(v, "=")
		if strings.Contains(v, "@") && (!hasEq || strings.Contains(name, "@")) {
			return "", fmt.Errorf("%s %s: reading the body from a file is not supported", flag, clip.String(v, 60))
		}
		if !hasEq {
			return url.QueryEscape(v), nil
		}
		if name == "" {
			return url.QueryEscape(content), nil
		}
		return name + "=" + url.QueryEscape(content), nil
	}
	return v, nil
}
