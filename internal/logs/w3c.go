package logs

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrDirective is returned for lines that are not records: W3C "#"
// directives and blank lines. Callers skip them without counting them as
// malformed.
var ErrDirective = errors.New("directive or blank line")

// w3cParser parses the W3C extended log format IIS writes. Its layout comes
// from the last "#Fields:" directive seen (SetFields or a directive line);
// fields are separated by single spaces, "-" means empty and "+" stands
// for a space in the user agent. Times are UTC.
type w3cParser struct {
	cols   []fieldKindW3C
	fields [][]byte
}

type fieldKindW3C uint8

const (
	wIgnore fieldKindW3C = iota
	wDate
	wTime
	wClient
	wUser
	wMethod
	wStem
	wQuery
	wStatus
	wSubStatus
	wUserAgent
	wReferer
	wHost
	wBytes
	wProto
)

// DefaultIISFields is the #Fields line of IIS's default W3C logging, used
// when a file's header is missing.
const DefaultIISFields = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"

// SetFields sets the layout from a "#Fields: ..." line.
func (p *w3cParser) SetFields(line []byte) {
	rest := bytes.TrimSpace(bytes.TrimPrefix(line, []byte("#Fields:")))
	p.cols = p.cols[:0]
	for _, name := range bytes.Fields(rest) {
		p.cols = append(p.cols, w3cKind(string(bytes.ToLower(name))))
	}
}

func w3cKind(name string) fieldKindW3C {
	switch name {
	case "date":
		return wDate
	case "time":
		return wTime
	case "c-ip":
		return wClient
	case "cs-username":
		return wUser
	case "cs-method":
		return wMethod
	case "cs-uri-stem":
		return wStem
	case "cs-uri-query":
		return wQuery
	case "sc-status":
		return wStatus
	case "sc-substatus":
		return wSubStatus
	case "cs(user-agent)":
		return wUserAgent
	case "cs(referer)":
		return wReferer
	case "cs-host", "cs(host)", "x-host-header":
		return wHost
	case "sc-bytes":
		return wBytes
	case "cs-version":
		return wProto
	}
	return wIgnore
}

func (p *w3cParser) Parse(line []byte, r *Record) error {
	r.Reset()
	if len(bytes.TrimSpace(line)) == 0 {
		return ErrDirective
	}
	if line[0] == '#' {
		if bytes.HasPrefix(line, []byte("#Fields:")) {
			p.SetFields(line)
		}
		return ErrDirective
	}
	if len(p.cols) == 0 {
		p.SetFields([]byte(DefaultIISFields))
	}
	// IIS separates fields with spaces; CloudFront (whose standard logs
	// are W3C too) with tabs.
	sep := byte(' ')
	if indexByte(line, '\t') >= 0 {
		sep = '\t'
	}
	p.fields = p.fields[:0]
	start := 0
	for i := 0; i <= len(line); i++ {
		if i == len(line) || line[i] == sep {
			p.fields = append(p.fields, line[start:i])
			start = i + 1
		}
	}
	if len(p.fields) != len(p.cols) {
		return fmt.Errorf("%w: %d fields, #Fields names %d", ErrSyntax, len(p.fields), len(p.cols))
	}
	var date, clock []byte
	for i, k := range p.cols {
		v := dash(p.fields[i])
		switch k {
		case wDate:
			date = v
		case wTime:
			clock = v
		case wClient:
			r.Client = v
		case wUser:
			r.User = v
		case wMethod:
			r.Method = v
		case wStem:
			r.Path = v
		case wQuery:
			r.Query = v
		case wStatus:
			st, ok := atoiStatus(v)
			if !ok {
				return fmt.Errorf("%w: %q", ErrStatus, clip(v, 8))
			}
			r.Status = st
		case wSubStatus:
			n, _ := digits(v)
			r.SubStatus = n
		case wUserAgent:
			if sep == '\t' {
				v = unescapePercent(v)
			} else {
				for j, c := range v {
					if c == '+' {
						v[j] = ' '
					}
				}
			}
			r.UserAgent = v
		case wReferer:
			r.Referer = v
		case wHost:
			if r.Host == nil {
				r.Host = v
			}
		case wBytes:
			r.Bytes = atoi64(v)
		case wProto:
			r.Proto = v
		}
	}
	if r.Status == 0 {
		return fmt.Errorf("%w: no sc-status field", ErrStatus)
	}
	if date != nil && clock != nil {
		t, ok := parseW3CTime(date, clock)
		if !ok {
			return fmt.Errorf("%w: %q %q", ErrTime, clip(date, 12), clip(clock, 12))
		}
		r.Time = t
	}
	return nil
}

// unescapePercent decodes %XX escapes in place (CloudFront writes user
// agents URL-encoded, twice for a "%" itself) and returns the shortened
// slice.
func unescapePercent(v []byte) []byte {
	if indexByte(v, '%') < 0 {
		return v
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
			v[n] = unhex(v[i+1])<<4 | unhex(v[i+2])
			i += 2
		} else {
			v[n] = v[i]
		}
		n++
	}
	return v[:n]
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
