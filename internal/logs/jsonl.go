package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// jsonParser parses JSON lines: one object per line, as nginx writes with
// log_format escape=json, Caddy's access log and Traefik's JSON access
// log. Keys are matched case-insensitively against the names those
// servers use; Caddy's nested "request" object and its header map are
// searched too.
type jsonParser struct{}

var jsonKeys = map[string]fieldKind{
	"time": fTimeISO, "timestamp": fTimeISO, "@timestamp": fTimeISO, "ts": fTimeISO,
	"time_local": fTimeISO, "time_iso8601": fTimeISO, "startutc": fTimeISO, "startlocal": fTimeISO,
	"msec": fTimeISO, "date": fTimeISO,
	"status": fStatus, "downstreamstatus": fStatus, "status_code": fStatus, "statuscode": fStatus,
	"response_status": fStatus,
	"remote_addr":     fClient, "client_ip": fClient, "clienthost": fClient, "remote_ip": fClient,
	"clientip": fClient, "ip": fClient, "clientaddr": fClient, "client": fClient,
	"remote_user": fUser, "user_id": fUser, "clientusername": fUser, "user": fUser, "username": fUser,
	"request_method": fMethod, "method": fMethod, "requestmethod": fMethod,
	"request_uri": fTarget, "uri": fTarget, "requestpath": fTarget, "path": fTarget, "url": fTarget,
	"request":         fRequest,
	"http_user_agent": fUserAgent, "user_agent": fUserAgent, "request_user-agent": fUserAgent,
	"useragent": fUserAgent, "user-agent": fUserAgent,
	"http_referer": fReferer, "referer": fReferer, "request_referer": fReferer,
	"host": fHost, "http_host": fHost, "requesthost": fHost,
	"body_bytes_sent": fBytes, "size": fBytes, "bytes": fBytes, "downstreamcontentsize": fBytes,
	"bytes_sent": fBytes,
	// Cloudflare Logpush (http_requests dataset)
	"edgestarttimestamp": fTimeISO, "edgeresponsestatus": fStatus, "clientrequesthost": fHost,
	"clientrequestmethod": fMethod, "clientrequesturi": fTarget, "clientrequestuseragent": fUserAgent,
	"clientrequestreferer": fReferer, "edgeresponsebytes": fBytes, "clientrequestprotocol": fProto,
	"server_protocol": fProto, "proto": fProto, "requestprotocol": fProto, "protocol": fProto,
}

func (p *jsonParser) Parse(line []byte, r *Record) error {
	r.Reset()
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return ErrDirective
	}
	if line[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrSyntax)
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if err := p.fill(obj, r, 0); err != nil {
		return err
	}
	if r.Status == 0 {
		return fmt.Errorf("%w: no status key", ErrStatus)
	}
	return nil
}

// fill sets r from obj's keys, visited in sorted order so that a line
// whose keys name one field twice ("status" and "status_code") parses the
// same way every time.
func (p *jsonParser) fill(obj map[string]any, r *Record, depth int) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := obj[k]
		lk := strings.ToLower(k)
		switch val := v.(type) {
		case map[string]any:
			if depth == 0 && (lk == "request" || lk == "req" || lk == "http") {
				if err := p.fill(val, r, depth+1); err != nil {
					return err
				}
			}
			if lk == "headers" && depth == 1 {
				for hk, hv := range val {
					hk = strings.ToLower(hk)
					if hk == "user-agent" || hk == "referer" {
						s := firstString(hv)
						if hk == "user-agent" {
							r.UserAgent = dash([]byte(s))
						} else {
							r.Referer = dash([]byte(s))
						}
					}
				}
			}
			continue
		case []any:
			continue
		}
		kind, ok := jsonKeys[lk]
		if !ok {
			continue
		}
		s := scalar(v)
		if s == "" {
			continue
		}
		b := []byte(s)
		switch kind {
		case fTimeISO:
			if r.Time != 0 {
				continue
			}
			t, ok := parseISOTime(b)
			if !ok {
				t, ok = parseCLFTime(b)
			}
			if !ok {
				t, ok = parseEpochAuto(b)
			}
			if !ok {
				return fmt.Errorf("%w: %s=%q", ErrTime, k, clip(b, 40))
			}
			r.Time = t
		case fStatus:
			if s == "0" && lk == "status" && caddy(obj) {
				// Caddy logs 0 when the handler wrote no status of its
				// own; the response went out as 200.
				r.Status = 200
				continue
			}
			st, ok := atoiStatus(b)
			if !ok {
				return fmt.Errorf("%w: %s=%q", ErrStatus, k, clip(b, 8))
			}
			r.Status = st
		case fClient:
			if r.Client == nil || lk == "client_ip" {
				r.Client = dash(stripPort(b))
			}
		case fUser:
			r.User = dash(b)
		case fMethod:
			r.Method = b
		case fTarget:
			if r.Path == nil {
				setTarget(b, r)
			}
		case fRequest:
			setRequest(b, r)
		case fUserAgent:
			r.UserAgent = dash(b)
		case fReferer:
			r.Referer = dash(b)
		case fHost:
			r.Host = dash(b)
		case fBytes:
			r.Bytes = atoi64(b)
		case fProto:
			r.Proto = dash(b)
		}
	}
	return nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func firstString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			s, _ := x[0].(string)
			return s
		}
	}
	return ""
}

// caddy reports whether obj is a line of Caddy's access logger.
func caddy(obj map[string]any) bool {
	l, _ := obj["logger"].(string)
	return strings.HasPrefix(l, "http.log.access")
}
