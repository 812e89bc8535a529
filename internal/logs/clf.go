package logs

import (
	"bytes"
	"fmt"
)

// clfParser parses the NCSA common and combined formats as Apache and
// nginx write them:
//
//	host ident user [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 401 381 "referer" "agent"
//
// Referer and user agent are optional (common format); fields after them
// (nginx's combined plus extras) are ignored. A quoted field may hold
// backslash escapes. The last parsed time stamp is cached, since
// neighbouring lines share it.
type clfParser struct {
	lastStamp [26]byte
	lastTime  int64
}

func (p *clfParser) Parse(line []byte, r *Record) error {
	r.Reset()
	if len(line) > 0 && (line[0] == '<' || 'A' <= line[0] && line[0] <= 'Z' || line[0] >= '0' && line[0] <= '9' && len(line) > 10 && line[4] == '-') {
		line = stripSyslog(line)
	}
	// host ident user [time]: the user may hold a space (nginx logs what
	// the client sent), and a virtual host may come first (Apache's
	// vhost_combined, "%v %h %l %u %t ...").
	j := bytes.Index(line, []byte(" ["))
	if j < 0 {
		return fmt.Errorf("%w: no [time] field", ErrSyntax)
	}
	head := line[:j]
	i := bytes.IndexByte(head, ' ')
	if i <= 0 {
		return fmt.Errorf("%w: no client address", ErrSyntax)
	}
	r.Client = head[:i]
	rest := bytes.TrimLeft(head[i+1:], " ")
	// ident
	i = indexByte(rest, ' ')
	if i < 0 {
		return fmt.Errorf("%w: no user field", ErrSyntax)
	}
	ident := rest[:i]
	user := bytes.Trim(rest[i+1:], " ")
	if len(user) == 0 {
		return fmt.Errorf("%w: no user field", ErrSyntax)
	}
	if k := indexByte(user, ' '); k > 0 && looksLikeAddr(ident) && !looksLikeAddr(r.Client) {
		// vhost client ident user
		r.Client = ident
		user = bytes.TrimLeft(user[k+1:], " ")
	}
	r.User = dash(user)
	rest = line[j+2:]
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return fmt.Errorf("%w: unterminated [time]", ErrSyntax)
	}
	stamp := rest[:end]
	if len(stamp) == 26 && string(stamp) == string(p.lastStamp[:]) {
		r.Time = p.lastTime
	} else {
		t, ok := parseCLFTime(stamp)
		if ok {
			copy(p.lastStamp[:], stamp)
			p.lastTime = t
		} else if t, ok = parseCLFTimeLoose(stamp); !ok {
			return fmt.Errorf("%w: %q", ErrTime, clip(stamp, 40))
		}
		r.Time = t
	}
	rest = rest[end+1:]
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != '"' {
		return fmt.Errorf("%w: no quoted request", ErrSyntax)
	}
	req, after, ok := quoted(rest[2:])
	if !ok {
		return fmt.Errorf("%w: unterminated request", ErrSyntax)
	}
	setRequest(req, r)
	rest = after
	if len(rest) < 4 || rest[0] != ' ' {
		return fmt.Errorf("%w: no status", ErrSyntax)
	}
	st, ok := atoiStatus(rest[1:4])
	if !ok || (len(rest) > 4 && rest[4] != ' ') {
		return fmt.Errorf("%w: %q", ErrStatus, clip(rest[1:], 8))
	}
	r.Status = st
	rest = rest[4:]
	if len(rest) == 0 {
		return nil
	}
	rest = rest[1:]
	i = indexByte(rest, ' ')
	if i < 0 {
		r.Bytes = atoi64(rest)
		return nil
	}
	r.Bytes = atoi64(rest[:i])
	rest = rest[i+1:]
	if len(rest) == 0 || rest[0] != '"' {
		return nil
	}
	ref, after, ok := quoted(rest[1:])
	if !ok {
		// A line cut short inside the referer: keep what is there.
		r.Referer = dash(rest[1:])
		return nil
	}
	r.Referer = dash(ref)
	rest = after
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != '"' {
		return nil
	}
	ua, _, ok := quoted(rest[2:])
	if !ok {
		// A line cut short inside the user agent: keep what is there.
		ua = rest[2:]
	}
	r.UserAgent = dash(ua)
	return nil
}

// quoted returns the content up to the closing quote of a field whose
// opening quote was just consumed, skipping backslash escapes, and what
// follows the closing quote.
func quoted(b []byte) (field, rest []byte, ok bool) {
	from := 0
	for {
		i := bytes.IndexByte(b[from:], '"')
		if i < 0 {
			return nil, nil, false
		}
		i += from
		if !escaped(b, i) {
			return b[:i], b[i+1:], true
		}
		from = i + 1
	}
}

// looksLikeAddr reports whether b could be an IPv4 or IPv6 address
// (digits, hex letters, dots and colons, with a dot or a colon).
func looksLikeAddr(b []byte) bool {
	if len(b) < 2 || len(b) > 45 {
		return false
	}
	sep := false
	for _, c := range b {
		switch {
		case c == '.' || c == ':':
			sep = true
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return sep
}

func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
