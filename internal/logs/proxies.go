package logs

import (
	"bytes"
	"fmt"
)

// haproxyParser parses HAProxy's HTTP log format (option httplog), with
// or without the syslog header HAProxy sends it under:
//
//	<134>Feb  6 12:14:14 lb haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 401 2750 - - ---- 1/1/1/1/0 0/0 {example.com} {} "GET /index.html HTTP/1.1"
//
// The accept date carries no zone; it is taken as UTC. Captured headers
// ({...}) are skipped, the request is the last quoted field.
type haproxyParser struct {
	fields [][]byte
}

func (p *haproxyParser) Parse(line []byte, r *Record) error {
	r.Reset()
	line = stripSyslog(line)
	sp := indexByte(line, ' ')
	if sp <= 0 || len(line) < sp+3 || line[sp+1] != '[' {
		return fmt.Errorf("%w: not client:port [accept date]", ErrSyntax)
	}
	client := line[:sp]
	if indexByte(client, ':') < 0 {
		return fmt.Errorf("%w: client %q has no port", ErrSyntax, clip(client, 40))
	}
	r.Client = stripPort(client)
	rest := line[sp+2:]
	end := indexByte(rest, ']')
	if end < 0 {
		return fmt.Errorf("%w: unterminated [accept date]", ErrSyntax)
	}
	t, ok := parseCLFTimeLoose(rest[:end])
	if !ok {
		return fmt.Errorf("%w: %q", ErrTime, clip(rest[:end], 40))
	}
	r.Time = t
	rest = rest[end+1:]
	q := indexByte(rest, '"')
	head := rest
	if q >= 0 {
		head = rest[:q]
	}
	// frontend backend/server Tq/Tw/Tc/Tr/Tt status bytes ...
	p.fields, _ = splitFields(head, p.fields[:0])
	f := p.fields
	if len(f) < 5 || indexByte(f[1], '/') < 0 || bytes.Count(f[2], []byte("/")) < 3 {
		return fmt.Errorf("%w: not frontend backend/server timers status", ErrSyntax)
	}
	st, ok := atoiStatus(f[3])
	if !ok {
		return fmt.Errorf("%w: %q", ErrStatus, clip(f[3], 8))
	}
	r.Status = st
	b := f[4]
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	r.Bytes = atoi64(b)
	if q >= 0 {
		last := lastIndexByte(rest, '"')
		if last > q {
			setRequest(rest[q+1:last], r)
		}
	}
	return nil
}

// awsLBParser parses AWS load balancer access logs: the Application Load
// Balancer's (first field the request type: http, https, h2, grpcs, ws,
// wss) and the Classic Load Balancer's (first field the time):
//
//	https 2024-05-01T10:00:00.123456Z app/web/50dc6c495c0c9188 192.0.2.7:2817 10.0.0.1:80 0.000 0.001 0.000 401 401 34 366 "GET https://example.com:443/api HTTP/1.1" "curl/8.5.0" ...
//	2024-05-01T10:00:00.123456Z web 192.0.2.7:2817 10.0.0.1:80 0.000073 0.001048 0.000057 401 401 0 29 "GET http://example.com:80/ HTTP/1.1" "curl/8.5.0" - -
//
// The status is the load balancer's (elb_status_code).
type awsLBParser struct {
	fields [][]byte
}

func (p *awsLBParser) Parse(line []byte, r *Record) error {
	r.Reset()
	var ok bool
	p.fields, ok = splitFields(line, p.fields[:0])
	f := p.fields
	if len(f) > 0 {
		switch string(f[0]) {
		case "http", "https", "h2", "grpcs", "ws", "wss":
			f = f[1:]
		}
	}
	// time name client:port backend:port t t t status backend_status received sent "request" "agent"
	if len(f) < 12 {
		if !ok {
			return fmt.Errorf("%w: unterminated quote", ErrSyntax)
		}
		return fmt.Errorf("%w: %d fields, a load balancer log has at least 12", ErrSyntax, len(f))
	}
	t, tok := parseISOTime(f[0])
	if !tok {
		return fmt.Errorf("%w: %q", ErrTime, clip(f[0], 40))
	}
	r.Time = t
	r.Client = dash(stripPort(f[2]))
	st, sok := atoiStatus(f[7])
	if !sok {
		return fmt.Errorf("%w: %q", ErrStatus, clip(f[7], 8))
	}
	r.Status = st
	r.Bytes = atoi64(f[10])
	req := f[11]
	if len(req) > 0 && req[0] != '-' {
		setRequest(req, r)
		if sp := indexByte(req, ' '); sp > 0 {
			r.Host = urlHost(req[sp+1:])
		}
	}
	if len(f) > 12 {
		r.UserAgent = dash(f[12])
	}
	return nil
}

// urlHost returns the host of an absolute URL ("https://h:443/p" → "h"),
// or nil.
func urlHost(u []byte) []byte {
	i := bytes.Index(u, []byte("://"))
	if i < 0 {
		return nil
	}
	h := u[i+3:]
	if j := bytes.IndexAny(h, "/ ?"); j >= 0 {
		h = h[:j]
	}
	return dash(stripPort(h))
}

// envoyParser parses Envoy's default access log format:
//
//	[2024-05-01T10:00:00.310Z] "POST /api/login HTTP/1.1" 401 - 154 0 26 25 "192.0.2.7" "curl/8.5.0" "6f1c..." "example.com" "10.0.0.1:8080"
//
// The default format has no downstream address; the client is the first
// X-Forwarded-For entry.
type envoyParser struct {
	fields [][]byte
}

func (p *envoyParser) Parse(line []byte, r *Record) error {
	r.Reset()
	if len(line) == 0 || line[0] != '[' {
		return fmt.Errorf("%w: no [start time]", ErrSyntax)
	}
	p.fields, _ = splitFields(line, p.fields[:0])
	f := p.fields
	if len(f) < 7 || line[len(f[0])+2] != ' ' || line[len(f[0])+3] != '"' {
		return fmt.Errorf("%w: not [time] \"request\" status flags", ErrSyntax)
	}
	t, ok := parseISOTime(f[0])
	if !ok {
		return fmt.Errorf("%w: %q", ErrTime, clip(f[0], 40))
	}
	r.Time = t
	setRequest(f[1], r)
	st, ok := atoiStatus(f[2])
	if !ok {
		return fmt.Errorf("%w: %q", ErrStatus, clip(f[2], 8))
	}
	r.Status = st
	r.Bytes = atoi64(f[5])
	if len(f) > 8 {
		xff := f[8]
		if c := indexByte(xff, ','); c >= 0 {
			xff = xff[:c]
		}
		r.Client = dash(bytes.TrimSpace(xff))
	}
	if len(f) > 9 {
		r.UserAgent = dash(f[9])
	}
	if len(f) > 11 {
		r.Host = dash(f[11])
	}
	return nil
}

// squidParser parses Squid's native access log:
//
//	1714557600.123    250 192.0.2.7 TCP_DENIED/407 3922 GET http://example.com/ - HIER_NONE/- text/html
type squidParser struct {
	fields [][]byte
}

func (p *squidParser) Parse(line []byte, r *Record) error {
	r.Reset()
	p.fields, _ = splitFields(line, p.fields[:0])
	f := p.fields
	if len(f) < 7 {
		return fmt.Errorf("%w: %d fields, Squid's native log has 10", ErrSyntax, len(f))
	}
	t, ok := parseEpoch(f[0])
	if !ok || indexByte(f[0], '.') < 0 {
		return fmt.Errorf("%w: %q", ErrTime, clip(f[0], 20))
	}
	r.Time = t
	sl := indexByte(f[3], '/')
	if sl < 0 {
		return fmt.Errorf("%w: %q is not CODE/STATUS", ErrSyntax, clip(f[3], 30))
	}
	st, ok := atoiStatus(f[3][sl+1:])
	if !ok {
		return fmt.Errorf("%w: %q", ErrStatus, clip(f[3], 30))
	}
	r.Status = st
	r.Client = f[2]
	r.Bytes = atoi64(f[4])
	r.Method = f[5]
	setTarget(f[6], r)
	if len(f) > 7 {
		r.User = dash(f[7])
	}
	return nil
}

// uvicornParser parses the access log of uvicorn (FastAPI, LiteLLM) and
// of Python servers that log the same way; the lines carry no time:
//
//	INFO:     192.0.2.7:52782 - "POST /login HTTP/1.1" 401 Unauthorized
type uvicornParser struct {
	fields [][]byte
}

func (p *uvicornParser) Parse(line []byte, r *Record) error {
	r.Reset()
	p.fields, _ = splitFields(line, p.fields[:0])
	f := p.fields
	if len(f) < 5 || len(f[0]) < 2 || f[0][len(f[0])-1] != ':' || string(f[2]) != "-" || indexByte(f[1], ':') < 0 {
		return fmt.Errorf("%w: not LEVEL: client:port - \"request\" status", ErrSyntax)
	}
	st, ok := atoiStatus(f[4])
	if !ok {
		return fmt.Errorf("%w: %q", ErrStatus, clip(f[4], 8))
	}
	r.Status = st
	r.Client = stripPort(f[1])
	setRequest(f[3], r)
	return nil
}

// iisCSVParser parses IIS's older comma-separated log format (IIS log
// file format, not W3C):
//
//	192.0.2.7, -, 05/01/24, 10:00:00, W3SVC1, WEB1, 10.0.0.5, 15, 320, 1450, 401, 5, GET, /private/, -,
//
// Date and time are local to the server; they are taken as UTC.
type iisCSVParser struct {
	fields [][]byte
}

func (p *iisCSVParser) Parse(line []byte, r *Record) error {
	r.Reset()
	f := p.fields[:0]
	for len(line) > 0 {
		i := bytes.Index(line, []byte(", "))
		if i < 0 {
			f = append(f, bytes.TrimSuffix(line, []byte(",")))
			break
		}
		f = append(f, line[:i])
		line = line[i+2:]
	}
	p.fields = f
	if len(f) < 14 {
		return fmt.Errorf("%w: %d fields, the IIS log format has 15", ErrSyntax, len(f))
	}
	st, ok := atoiStatus(f[10])
	if !ok {
		return fmt.Errorf("%w: %q", ErrStatus, clip(f[10], 8))
	}
	t, ok := parseUSDate(f[2], f[3])
	if !ok {
		return fmt.Errorf("%w: %q %q", ErrTime, clip(f[2], 12), clip(f[3], 12))
	}
	r.Time = t
	r.Status = st
	r.Client = dash(f[0])
	r.User = dash(f[1])
	r.Bytes = atoi64(f[9])
	r.Method = dash(f[12])
	r.Path = dash(f[13])
	if len(f) > 14 {
		r.Query = dash(f[14])
	}
	return nil
}

// parseUSDate parses "MM/DD/YY" (or "MM/DD/YYYY") and "H:MM:SS".
func parseUSDate(date, clock []byte) (int64, bool) {
	parts := bytes.Split(date, []byte("/"))
	if len(parts) != 3 {
		return 0, false
	}
	mo, ok1 := digits(parts[0])
	d, ok2 := digits(parts[1])
	y, ok3 := digits(parts[2])
	if !(ok1 && ok2 && ok3) {
		return 0, false
	}
	if len(parts[2]) == 2 {
		y += 2000
		if y > 2069 {
			y -= 100
		}
	}
	c := bytes.Split(clock, []byte(":"))
	if len(c) != 3 {
		return 0, false
	}
	h, ok4 := digits(c[0])
	mi, ok5 := digits(c[1])
	s, ok6 := digits(c[2])
	if !(ok4 && ok5 && ok6) || !validDate(y, mo, d, h, mi, s) {
		return 0, false
	}
	return unixMilli(y, mo, d, h, mi, s, 0, 0), true
}

// npmParser parses the proxy-host log format of Nginx Proxy Manager:
//
//	[01/May/2024:10:00:00 +0000] - 401 401 - GET https example.com "/admin" [Client 192.0.2.7] [Length 179] [Gzip -] [Sent-to 10.0.0.5] "curl/8.5.0" "-"
//
// The cache and upstream status before the status may be missing (a 444
// answered by nginx itself).
type npmParser struct {
	fields [][]byte
}

func (p *npmParser) Parse(line []byte, r *Record) error {
	r.Reset()
	if len(line) < 30 || line[0] != '[' || line[27] != ']' {
		return fmt.Errorf("%w: no [time] at the start", ErrSyntax)
	}
	t, ok := parseCLFTime(line[1:27])
	if !ok {
		return fmt.Errorf("%w: %q", ErrTime, line[1:27])
	}
	p.fields, _ = splitFields(line[28:], p.fields[:0])
	f := p.fields
	// [cache] [upstream status] status - METHOD scheme host "uri" Client ...
	m := -1
	for i := 1; i < len(f) && i < 7; i++ {
		if string(f[i]) == "http" || string(f[i]) == "https" {
			m = i - 1
			break
		}
	}
	if m < 1 || len(f) < m+5 || !bytes.HasPrefix(f[m+4], []byte("Client ")) {
		return fmt.Errorf("%w: not Nginx Proxy Manager's proxy-host format", ErrSyntax)
	}
	st := m - 1
	if string(f[st]) == "-" {
		st--
	}
	if st < 0 {
		return fmt.Errorf("%w: no status", ErrStatus)
	}
	status, ok := atoiStatus(f[st])
	if !ok {
		return fmt.Errorf("%w: %q", ErrStatus, clip(f[st], 8))
	}
	r.Time = t
	r.Status = status
	r.Method = f[m]
	r.Host = dash(f[m+2])
	setTarget(f[m+3], r)
	// [Client a] [Length n] [Gzip r] [Sent-to s] "agent" "referer"
	free := 0
	for _, x := range f[m+4:] {
		switch {
		case bytes.HasPrefix(x, []byte("Client ")):
			r.Client = dash(x[7:])
		case bytes.HasPrefix(x, []byte("Length ")):
			r.Bytes = atoi64(x[7:])
		case bytes.HasPrefix(x, []byte("Gzip ")), bytes.HasPrefix(x, []byte("Sent-to ")):
		default:
			switch free {
			case 0:
				r.UserAgent = dash(x)
			case 1:
				r.Referer = dash(x)
			}
			free++
		}
	}
	return nil
}
