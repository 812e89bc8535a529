package logs

import (
	"bytes"
	"fmt"
	"strings"
)

// fieldKind is what a directive or variable of a format string yields.
type fieldKind uint8

const (
	fIgnore fieldKind = iota
	fClient
	fUser
	fTimeCLF     // 10/Oct/2000:13:55:36 -0700, with or without brackets
	fTimeISO     // 2000-10-10T13:55:36-07:00
	fTimeEpoch   // 971211336.123
	fTimeEpochMs // 971211336123
	fRequest     // GET /p HTTP/1.1
	fStatus
	fMethod
	fPath   // path only
	fTarget // path with query
	fQuery
	fProto
	fHost
	fReferer
	fUserAgent
	fBytes
)

// token is one field of a compiled template and the literal after it.
type token struct {
	kind fieldKind
	lit  []byte
}

// Template is a compiled Apache LogFormat or nginx log_format string.
type Template struct {
	source string
	prefix []byte
	tokens []token
	// hasTime and hasStatus say whether lines carry what analysis needs.
	hasTime, hasStatus bool
}

// String returns the format string the template was compiled from.
func (t *Template) String() string { return t.source }

// compileTemplate compiles an Apache LogFormat string ("%h %l %u %t ...")
// or an nginx log_format string ("$remote_addr - $remote_user ..."); which
// one is told by the first directive found. The format must yield a
// status code; a format without a time stamp parses but leaves Time 0.
func compileTemplate(format string) (*Template, error) {
	if strings.TrimSpace(format) == "" {
		return nil, fmt.Errorf("empty log format")
	}
	var (
		t   *Template
		err error
	)
	pct, dol := strings.IndexByte(format, '%'), strings.IndexByte(format, '$')
	if dol >= 0 && (pct < 0 || dol < pct) {
		t, err = compileNginx(format)
	} else {
		t, err = compileApache(format)
	}
	if err != nil {
		return nil, err
	}
	t.source = format
	for _, tk := range t.tokens {
		switch tk.kind {
		case fStatus:
			t.hasStatus = true
		case fTimeCLF, fTimeISO, fTimeEpoch, fTimeEpochMs:
			t.hasTime = true
		}
	}
	if !t.hasStatus {
		return nil, fmt.Errorf("log format %q: no status field (%%s, %%>s or $status)", format)
	}
	return t, nil
}

// builder collects literals and fields while compiling.
type builder struct {
	t   Template
	lit []byte
}

func (b *builder) literal(s string) { b.lit = append(b.lit, s...) }

func (b *builder) field(k fieldKind) {
	if len(b.t.tokens) == 0 {
		b.t.prefix = b.lit
	} else {
		b.t.tokens[len(b.t.tokens)-1].lit = b.lit
	}
	b.lit = nil
	b.t.tokens = append(b.t.tokens, token{kind: k})
}

func (b *builder) done() *Template {
	if len(b.t.tokens) == 0 {
		b.t.prefix = b.lit
	} else {
		b.t.tokens[len(b.t.tokens)-1].lit = b.lit
	}
	t := b.t
	return &t
}

// compileApache compiles mod_log_config directives. Conditions and
// modifiers (%400,501{X}i, %>s, %<s, %!200u) are accepted and ignored.
func compileApache(f string) (*Template, error) {
	var b builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '\\' && i+1 < len(f) {
			switch f[i+1] {
			case 'n':
				b.literal("\n")
			case 't':
				b.literal("\t")
			default:
				b.literal(string(f[i+1]))
			}
			i++
			continue
		}
		if c != '%' {
			b.literal(string(c))
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			b.literal("%")
			continue
		}
		for i < len(f) && (f[i] == '<' || f[i] == '>' || f[i] == '!' || f[i] == ',' || (f[i] >= '0' && f[i] <= '9')) {
			i++
		}
		arg := ""
		if i < len(f) && f[i] == '{' {
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("log format %q: unterminated %%{ at offset %d", f, i)
			}
			arg = f[i+1 : i+end]
			i += end + 1
		}
		if i >= len(f) {
			return nil, fmt.Errorf("log format %q: %% at the end", f)
		}
		k, err := apacheKind(f[i], arg)
		if err != nil {
			return nil, fmt.Errorf("log format %q: %w", f, err)
		}
		b.field(k)
	}
	return b.done(), nil
}

func apacheKind(d byte, arg string) (fieldKind, error) {
	switch d {
	case 'h', 'a':
		return fClient, nil
	case 'u':
		return fUser, nil
	case 't':
		switch strings.ToLower(arg) {
		case "":
			return fTimeCLF, nil
		case "sec", "begin:sec", "end:sec":
			return fTimeEpoch, nil
		case "msec", "begin:msec", "end:msec":
			return fTimeEpochMs, nil
		case "%y-%m-%dt%h:%m:%s%z", "%y-%m-%d %h:%m:%s%z", "%y-%m-%dt%h:%m:%s", "%y-%m-%d %h:%m:%s",
			"begin:%y-%m-%dt%h:%m:%s%z", "end:%y-%m-%dt%h:%m:%s%z":
			return fTimeISO, nil
		case "%d/%b/%y:%h:%m:%s %z", "begin:%d/%b/%y:%h:%m:%s %z", "end:%d/%b/%y:%h:%m:%s %z":
			return fTimeCLF, nil
		}
		return fIgnore, nil
	case 'r':
		return fRequest, nil
	case 's':
		return fStatus, nil
	case 'm':
		return fMethod, nil
	case 'U':
		return fPath, nil
	case 'q':
		return fQuery, nil
	case 'H':
		return fProto, nil
	case 'v', 'V':
		return fHost, nil
	case 'b', 'B', 'O':
		return fBytes, nil
	case 'i':
		switch strings.ToLower(arg) {
		case "referer":
			return fReferer, nil
		case "user-agent":
			return fUserAgent, nil
		case "host":
			return fHost, nil
		}
		return fIgnore, nil
	}
	if (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || d == '^' {
		if d == '^' {
			return fIgnore, fmt.Errorf("%%^ directives are not supported")
		}
		return fIgnore, nil
	}
	return fIgnore, fmt.Errorf("unknown directive %%%c", d)
}

// compileNginx compiles nginx variables ($name or ${name}).
func compileNginx(f string) (*Template, error) {
	var b builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '$' {
			b.literal(string(c))
			continue
		}
		i++
		var name string
		if i < len(f) && f[i] == '{' {
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("log format %q: unterminated ${ at offset %d", f, i)
			}
			name = f[i+1 : i+end]
			i += end
		} else {
			j := i
			for j < len(f) && (f[j] == '_' || (f[j] >= 'a' && f[j] <= 'z') || (f[j] >= 'A' && f[j] <= 'Z') || (f[j] >= '0' && f[j] <= '9')) {
				j++
			}
			if j == i {
				b.literal("$")
				i--
				continue
			}
			name = f[i:j]
			i = j - 1
		}
		b.field(nginxKind(strings.ToLower(name)))
	}
	return b.done(), nil
}

func nginxKind(name string) fieldKind {
	switch name {
	case "remote_addr", "realip_remote_addr":
		return fClient
	case "remote_user":
		return fUser
	case "time_local":
		return fTimeCLF
	case "time_iso8601":
		return fTimeISO
	case "msec":
		return fTimeEpoch
	case "request":
		return fRequest
	case "status":
		return fStatus
	case "request_method":
		return fMethod
	case "uri", "document_uri":
		return fPath
	case "request_uri":
		return fTarget
	case "args", "query_string":
		return fQuery
	case "server_protocol":
		return fProto
	case "host", "http_host", "server_name":
		return fHost
	case "http_referer":
		return fReferer
	case "http_user_agent":
		return fUserAgent
	case "body_bytes_sent", "bytes_sent":
		return fBytes
	}
	return fIgnore
}

// NewParser returns a parser for lines written with the template.
func (t *Template) NewParser() Parser { return &templateParser{t: t} }

type templateParser struct {
	t         *Template
	lastStamp []byte
	lastTime  int64
}

func (p *templateParser) Parse(line []byte, r *Record) error {
	r.Reset()
	t := p.t
	if !bytes.HasPrefix(line, t.prefix) {
		return fmt.Errorf("%w: does not start with %q", ErrSyntax, t.prefix)
	}
	rest := line[len(t.prefix):]
	prevLit := t.prefix
	for ti, tk := range t.tokens {
		var val []byte
		inQuotes := len(prevLit) > 0 && prevLit[len(prevLit)-1] == '"'
		switch {
		case len(tk.lit) == 0 && ti == len(t.tokens)-1:
			val, rest = rest, nil
		case len(tk.lit) == 0:
			// Two fields side by side: a path ends at "?" (%U%q), others
			// at a space.
			stop := byte(' ')
			if tk.kind == fPath {
				stop = '?'
			}
			i := indexByte(rest, stop)
			if i < 0 {
				i = len(rest)
			}
			val, rest = rest[:i], rest[i:]
		default:
			i := findLiteral(rest, tk.lit, inQuotes, tk.kind)
			if i < 0 {
				return fmt.Errorf("%w: expected %q after field %d", ErrSyntax, tk.lit, ti+1)
			}
			val, rest = rest[:i], rest[i+len(tk.lit):]
		}
		if err := p.set(tk.kind, val, r); err != nil {
			return err
		}
		prevLit = tk.lit
	}
	if r.Status == 0 {
		return fmt.Errorf("%w: empty", ErrStatus)
	}
	return nil
}

// findLiteral finds lit in b. In a quoted field, a quote preceded by a
// backslash is part of the value. A CLF time in brackets may not end at
// the first space, so it is matched by length.
func findLiteral(b, lit []byte, inQuotes bool, k fieldKind) int {
	if k == fTimeCLF {
		start := 0
		if len(b) > 0 && b[0] == '[' {
			start = 28 // "[" + 26 + "]"
		} else {
			start = 26
		}
		if len(b) >= start && bytes.HasPrefix(b[start:], lit) {
			return start
		}
	}
	from := 0
	for {
		i := bytes.Index(b[from:], lit)
		if i < 0 {
			return -1
		}
		i += from
		if !inQuotes || !escaped(b, i) {
			return i
		}
		from = i + 1
	}
}

// escaped reports whether b[i] is preceded by an odd number of
// backslashes.
func escaped(b []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func (p *templateParser) set(k fieldKind, v []byte, r *Record) error {
	switch k {
	case fClient:
		r.Client = dash(v)
	case fUser:
		r.User = dash(v)
	case fTimeCLF, fTimeISO, fTimeEpoch, fTimeEpochMs:
		if r.Time != 0 {
			return nil // the first time field wins
		}
		if len(v) > 1 && v[0] == '[' && v[len(v)-1] == ']' {
			v = v[1 : len(v)-1]
		}
		if bytes.Equal(v, p.lastStamp) && p.lastStamp != nil {
			r.Time = p.lastTime
			return nil
		}
		var (
			ms int64
			ok bool
		)
		switch k {
		case fTimeCLF:
			ms, ok = parseCLFTime(v)
		case fTimeISO:
			ms, ok = parseISOTime(v)
		case fTimeEpoch:
			ms, ok = parseEpoch(v)
		case fTimeEpochMs:
			ms, ok = parseEpoch(v)
			ms /= 1000
		}
		if !ok {
			return fmt.Errorf("%w: %q", ErrTime, clip(v, 40))
		}
		p.lastStamp = append(p.lastStamp[:0], v...)
		p.lastTime = ms
		r.Time = ms
	case fRequest:
		setRequest(v, r)
	case fStatus:
		st, ok := atoiStatus(v)
		if !ok {
			return fmt.Errorf("%w: %q", ErrStatus, clip(v, 8))
		}
		r.Status = st
	case fMethod:
		r.Method = dash(v)
	case fPath:
		r.Path = dash(v)
	case fTarget:
		if v = dash(v); v != nil {
			setTarget(v, r)
		}
	case fQuery:
		if len(v) > 0 && v[0] == '?' {
			v = v[1:]
		}
		r.Query = dash(v)
	case fProto:
		r.Proto = dash(v)
	case fHost:
		r.Host = dash(v)
	case fReferer:
		r.Referer = dash(v)
	case fUserAgent:
		r.UserAgent = dash(v)
	case fBytes:
		r.Bytes = atoi64(v)
	}
	return nil
}
