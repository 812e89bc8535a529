// Package har reads HTTP Archive (HAR 1.2) files as real tools export
// them (Chrome, Firefox, Safari, Fiddler, Charles, Insomnia, Playwright,
// mitmproxy, Polly, IE11, …), and turns them into why401's
// browser-session evidence.
//
// Read decodes and checks a HAR, repairing what tools get slightly wrong
// and saying so (Log.Repairs); Log.Session converts it to an
// evidence.Session ordered by start time, with request and response
// headers, decoded bodies (bounded), each entry's resource type and
// initiator where the exporter records them (Chrome's _resourceType and
// _initiator, Firefox's and Safari's equivalents), and whether the file
// looks "sanitized" (Chrome's default export since version 130 drops
// Cookie, Set-Cookie and Authorization headers).
package har

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
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

	// Repairs says what the reader repaired or skipped, one line per kind
	// ("cookie httpOnly or secure written as strings …; read as booleans
	// (3 entries, first #2)").
	Repairs []string `json:"-"`
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
	// FileIndex is the entry's position in the file's entries (skipped
	// ones count).
	FileIndex int      `json:"-"`
	PageRef   string   `json:"pageref"`
	Started   string   `json:"startedDateTime"`
	Time      float64  `json:"time"`
	Request   Request  `json:"request"`
	Response  Response `json:"response"`
	ServerIP  string   `json:"serverIPAddress"`

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

	started time.Time // Started parsed (or repaired) by Decode
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
	Method      string    `json:"method"`
	URL         string    `json:"url"`
	HTTPVersion string    `json:"httpVersion"`
	Headers     []NV      `json:"headers"`
	Cookies     []Cookie  `json:"cookies"`
	PostData    *PostData `json:"postData"`
}

// PostData is a request body.
type PostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Params   []NV   `json:"params"`
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

// timeLayouts are the date-times tools write: RFC 3339 (Chrome "…Z",
// Firefox "…+02:00"), a zone without colon, no zone (Safari, some
// proxies), a space for the T.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999"}

// ParseTime parses a HAR date-time (ISO 8601 with fraction and zone, as
// Chrome "…Z", Firefox "…+02:00" and Safari write them).
func ParseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
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
