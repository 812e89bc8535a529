package logs

import "errors"

// Record is one parsed log line. Byte-slice fields alias the parsed line;
// a field the format does not carry is nil. "-" placeholders are cleared.
type Record struct {
	// Time is the request time in Unix milliseconds (UTC); 0 when the
	// line carries no time.
	Time int64
	// Status is the HTTP status code; SubStatus is IIS's sc-substatus
	// (0 when absent).
	Status    int
	SubStatus int
	Client    []byte // client address (no port)
	User      []byte // authenticated or attempted user name
	Method    []byte
	Path      []byte // path without the query string
	Query     []byte // query string without "?"
	Proto     []byte
	Host      []byte
	Referer   []byte
	UserAgent []byte
	Bytes     int64
}

// Reset clears r for reuse.
func (r *Record) Reset() { *r = Record{} }

// Parser parses one line (without its line ending) into r, which it
// resets first. Parsers are not safe for concurrent use: each goroutine
// takes its own from Format.NewParser.
type Parser interface {
	Parse(line []byte, r *Record) error
}

// Errors a Parser returns; wrapped with detail.
var (
	ErrSyntax = errors.New("line does not match the format")
	ErrStatus = errors.New("no valid status code")
	ErrTime   = errors.New("no valid time")
)

// setRequest splits a request line "GET /p?q HTTP/1.1" into r's fields.
// A request line that is not three words (a bad client, "-") leaves the
// method and path as found.
func setRequest(req []byte, r *Record) {
	if len(req) == 0 || (len(req) == 1 && req[0] == '-') {
		return
	}
	sp := indexByte(req, ' ')
	if sp < 0 {
		setTarget(req, r)
		return
	}
	r.Method = req[:sp]
	rest := req[sp+1:]
	if sp2 := lastIndexByte(rest, ' '); sp2 >= 0 {
		r.Proto = rest[sp2+1:]
		rest = rest[:sp2]
	}
	setTarget(rest, r)
}

// setTarget splits "/path?query" into r.Path and r.Query. An absolute
// URL (proxy requests) keeps only its path.
func setTarget(t []byte, r *Record) {
	if len(t) > 8 && (hasPrefixFold(t, "http://") || hasPrefixFold(t, "https://")) {
		i := indexByte(t, ':') + 3
		if j := indexByte(t[i:], '/'); j >= 0 {
			t = t[i+j:]
		} else {
			t = []byte("/")
		}
	}
	if q := indexByte(t, '?'); q >= 0 {
		r.Path, r.Query = t[:q], t[q+1:]
		return
	}
	r.Path = t
}

func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// dash returns nil for an empty or "-" field.
func dash(b []byte) []byte {
	if len(b) == 0 || len(b) == 1 && b[0] == '-' {
		return nil
	}
	return b
}

// atoiStatus parses a three-digit status code.
func atoiStatus(b []byte) (int, bool) {
	if len(b) != 3 {
		return 0, false
	}
	n, ok := digits(b)
	return n, ok && n >= 100
}

// atoi64 parses a non-negative decimal; "-" and bad input give 0.
func atoi64(b []byte) int64 {
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' || n > 1<<58 {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// stripPort removes a ":port" from an address ("1.2.3.4:5678",
// "[::1]:80"); a bare IPv6 address is kept whole.
func stripPort(b []byte) []byte {
	if len(b) > 0 && b[0] == '[' {
		if i := indexByte(b, ']'); i > 0 {
			return b[1:i]
		}
		return b
	}
	i := lastIndexByte(b, ':')
	if i < 0 || indexByte(b[:i], ':') >= 0 {
		return b
	}
	if i == len(b)-1 {
		return b
	}
	for _, c := range b[i+1:] {
		if c < '0' || c > '9' {
			return b
		}
	}
	return b[:i]
}
