// Package har reads HTTP Archive (HAR 1.2) files as Chrome, Firefox and
// Safari export them, and turns them into why401's browser-session
// evidence.
//
// Read decodes and checks a HAR; Log.Session converts it to an
// evidence.Session ordered by start time, with request and response
// headers, decoded bodies (bounded), each entry's resource type and
// initiator where the exporter records them (Chrome's _resourceType and
// _initiator, Firefox's and Safari's equivalents), and whether the file
// looks "sanitized" (Chrome's default export since version 130 drops
// Cookie, Set-Cookie and Authorization headers).
package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/why401/why401/internal/clip"
)

// MaxSize bounds how much of a HAR file is read.
const MaxSize = 256 << 20

// Log is a HAR file's "log" object, reduced to what why401 reads.
type Log struct {
	Version string  `json:"version"`
	Creator Creator `json:"creator"`
	Browser Creator `json:"browser"`
	Pages   []Page  `json:"pages"`
	Entries []Entry `json:"entries"`
}

// Creator names the exporting application.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Page is one page of the session.
type Page struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Started string `json:"startedDateTime"`
}

// Entry is one request and its response.
type Entry struct {
	PageRef  string   `json:"pageref"`
	Started  string   `json:"startedDateTime"`
	Time     float64  `json:"time"`
	Request  Request  `json:"request"`
	Response Response `json:"response"`
	ServerIP string   `json:"serverIPAddress"`

	// Exporter extensions.
	ResourceType string          `json:"_resourceType"` // Chrome, Safari ("document", "xhr", "fetch", "preflight", …)
	Initiator    json.RawMessage `json:"_initiator"`    // Chrome: {"type":"script","url":…} or {"type":"other"}; Firefox: a string
	Error        string          `json:"_error"`        // Chrome: "net::ERR_FAILED"
	FetchType    string          `json:"_fetchType"`    // Safari
	Priority     string          `json:"_priority"`

	// CookieBlocks are Chromium's own verdicts on cookies, when the
	// recorder kept them (why401's DevTools recorder writes them; browser
	// exports do not).
	CookieBlocks []CookieBlock `json:"_why401_cookie_blocks,omitempty"`
}

// CookieBlock is one cookie Chromium refused to store or did not send.
type CookieBlock struct {
	Phase   string   `json:"phase"` // "store" (a Set-Cookie) or "send"
	Name    string   `json:"name"`
	Line    string   `json:"line,omitempty"`
	Reasons []string `json:"reasons"`
}

// Request is a HAR request.
type Request struct {
	Method      string   `json:"method"`
	URL         string   `json:"url"`
	HTTPVersion string   `json:"httpVersion"`
	Headers     []NV     `json:"headers"`
	Cookies     []Cookie `json:"cookies"`
	PostData    *struct {
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
		Params   []NV   `json:"params"`
	} `json:"postData"`
}

// Response is a HAR response.
type Response struct {
	Status      int      `json:"status"`
	StatusText  string   `json:"statusText"`
	HTTPVersion string   `json:"httpVersion"`
	Headers     []NV     `json:"headers"`
	Cookies     []Cookie `json:"cookies"`
	Content     struct {
		Size     int64  `json:"size"`
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
		Encoding string `json:"encoding"`
	} `json:"content"`
	RedirectURL string `json:"redirectURL"`
	Error       string `json:"_error"` // Chrome: a transport or CORS failure
}

// NV is a header, query or form parameter.
type NV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Cookie is a HAR cookie object.
type Cookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Path     string `json:"path"`
	Domain   string `json:"domain"`
	Expires  string `json:"expires"`
	HTTPOnly bool   `json:"httpOnly"`
	Secure   bool   `json:"secure"`
	SameSite string `json:"sameSite"`
}

// Read decodes a HAR file. It fails on input that is not JSON, has no
// "log" object, or has an entry without a parsable start time, method or
// URL; the error names the entry ("entries[3].startedDateTime: …").
func Read(r io.Reader) (*Log, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("larger than %d MiB", MaxSize>>20)
	}
	return Decode(data)
}

// Decode is Read on bytes.
func Decode(data []byte) (*Log, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Safari and Windows tools may write a BOM
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty file: not a HAR")
	}
	var doc struct {
		Log *Log `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return nil, fmt.Errorf("line %d: not JSON: %v", line, se)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: want %s, got %s: not a HAR", te.Field, te.Type, te.Value)
		}
		return nil, fmt.Errorf("not a HAR: %v", err)
	}
	if doc.Log == nil {
		return nil, errors.New(`no "log" object: not a HAR`)
	}
	l := doc.Log
	for i, e := range l.Entries {
		if _, err := ParseTime(e.Started); err != nil {
			return nil, fmt.Errorf("entries[%d].startedDateTime: %v", i, err)
		}
		if e.Request.Method == "" {
			return nil, fmt.Errorf("entries[%d].request.method: missing", i)
		}
		if e.Request.URL == "" {
			return nil, fmt.Errorf("entries[%d].request.url: missing", i)
		}
	}
	return l, nil
}

// ParseTime parses a HAR date-time (ISO 8601 with fraction and zone, as
// Chrome "…Z", Firefox "…+02:00" and Safari write them).
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date-time", clip.String(s, 40))
}

// header returns the HAR headers as an http.Header, dropping HTTP/2
// pseudo-headers.
func header(nvs []NV) http.Header {
	h := http.Header{}
	for _, nv := range nvs {
		if nv.Name == "" || strings.HasPrefix(nv.Name, ":") {
			continue
		}
		k := http.CanonicalHeaderKey(nv.Name)
		h[k] = append(h[k], nv.Value)
	}
	return h
}

// body decodes a response body, bounded by limit.
func body(text, encoding string, limit int) ([]byte, bool) {
	var b []byte
	if strings.EqualFold(encoding, "base64") {
		d, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return nil, false
		}
		b = d
	} else {
		b = []byte(text)
	}
	if len(b) > limit {
		return b[:limit], true
	}
	return b, false
}
