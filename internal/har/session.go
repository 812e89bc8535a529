package har

import (
	"cmp"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/why401/why401/internal/evidence"
)

// sensitive are the headers a sanitized export drops.
var sensitive = []string{"Cookie", "Set-Cookie", "Authorization"}

// Session converts the log to evidence, entries ordered by start time
// (stable for equal times). source names the file in output.
func (l *Log) Session(source string) *evidence.Session {
	s := &evidence.Session{Source: source, Creator: strings.TrimSpace(l.Creator.Name + " " + l.Creator.Version), Browser: browserOf(l)}
	pages := map[string]string{}
	for _, p := range l.Pages {
		pages[p.ID] = p.Title
	}
	seenSensitive := false
	for i := range l.Entries {
		e := &l.Entries[i]
		started := e.started
		if started.IsZero() {
			started, _ = ParseTime(e.Started)
		}
		req := evidence.Request{Method: strings.ToUpper(e.Request.Method), URL: e.Request.URL, Header: header(e.Request.Headers)}
		// Some exporters list cookies only in the cookies array.
		if req.Header.Get("Cookie") == "" && len(e.Request.Cookies) > 0 {
			parts := make([]string, 0, len(e.Request.Cookies))
			for _, c := range e.Request.Cookies {
				parts = append(parts, c.Name+"="+c.Value)
			}
			req.Header.Set("Cookie", strings.Join(parts, "; "))
		}
		if e.Request.PostData != nil {
			req.Body = []byte(e.Request.PostData.Text)
			if len(req.Body) > evidence.MaxBody {
				req.Body = req.Body[:evidence.MaxBody]
			}
			req.BodySize = len(e.Request.PostData.Text)
		}
		se := evidence.SessionEntry{
			Index:        e.FileIndex,
			Started:      started,
			Page:         pages[e.PageRef],
			ResourceType: resourceType(e),
			Initiator:    initiator(e.Initiator),
			Exchange:     evidence.Exchange{Request: req, Remote: e.ServerIP},
		}
		// Status 0 is what browsers record for a request that got no
		// answer (blocked, CORS failure, connection error).
		if e.Response.Status > 0 {
			resp := &evidence.Response{Status: e.Response.Status, Proto: e.Response.HTTPVersion, Header: header(e.Response.Headers), Received: started}
			resp.Body, resp.BodyTruncated = body(e.Response.Content.Text, e.Response.Content.Encoding, evidence.MaxBody)
			if loc := e.Response.RedirectURL; loc != "" && resp.Header.Get("Location") == "" {
				resp.Header.Set("Location", loc)
			}
			se.Exchange.Response = resp
		} else {
			se.Exchange.Err = cmp.Or(e.Error, e.Response.Error, "no response recorded")
			se.Exchange.ErrKind = "other"
		}
		for _, b := range e.CookieBlocks {
			se.BrowserBlocks = append(se.BrowserBlocks, evidence.CookieBlock{Phase: b.Phase, Name: b.Name, Reasons: b.Reasons})
		}
		for _, h := range sensitive {
			if req.Header.Get(h) != "" || (se.Exchange.Response != nil && se.Exchange.Response.Header.Get(h) != "") {
				seenSensitive = true
			}
		}
		if len(e.Request.Cookies) > 0 || len(e.Response.Cookies) > 0 {
			seenSensitive = true
		}
		s.Entries = append(s.Entries, se)
	}
	sort.SliceStable(s.Entries, func(a, b int) bool { return s.Entries[a].Started.Before(s.Entries[b].Started) })
	// Only Chromium-based browsers sanitize by default; a Firefox or
	// Safari export without these headers simply had none.
	if !seenSensitive && len(s.Entries) > 0 && s.Browser != "firefox" && s.Browser != "safari" {
		s.Sanitized = true
		s.SanitizedWhy = "no entry carries a Cookie, Set-Cookie or Authorization header"
		if s.Browser == "chromium" {
			s.SanitizedWhy += " (Chrome exports HAR files without them unless told otherwise)"
		}
	}
	return s
}

// browserOf names the browser that exported l.
func browserOf(l *Log) string {
	name := strings.ToLower(l.Creator.Name + " " + l.Browser.Name)
	switch {
	case strings.Contains(name, "firefox"):
		return "firefox"
	case strings.Contains(name, "webinspector") && strings.Contains(strings.ToLower(l.Browser.Name), "safari"),
		strings.Contains(name, "safari"), strings.Contains(name, "webkit"):
		return "safari"
	case strings.Contains(name, "webinspector"), strings.Contains(name, "chrom"), strings.Contains(name, "edge"), strings.Contains(name, "why401"):
		return "chromium"
	}
	return ""
}

// resourceType returns the entry's request kind, normalised to Chrome's
// names.
func resourceType(e *Entry) string {
	t := strings.ToLower(cmp.Or(e.ResourceType, e.FetchType))
	switch t {
	case "document", "xhr", "fetch", "preflight", "script", "stylesheet", "image", "font", "media", "websocket", "manifest", "ping", "other", "":
	case "main_frame", "sub_frame":
		t = "document"
	}
	if (t == "" || t == "other") && strings.EqualFold(e.Request.Method, http.MethodOptions) && headerValue(e.Request.Headers, "Access-Control-Request-Method") != "" {
		t = "preflight"
	}
	return t
}

// initiator extracts a URL from Chrome's _initiator object or Firefox's
// string.
func initiator(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Type  string `json:"type"`
		URL   string `json:"url"`
		Stack *struct {
			CallFrames []struct {
				URL string `json:"url"`
			} `json:"callFrames"`
		} `json:"stack"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	if obj.URL != "" {
		return obj.URL
	}
	if obj.Stack != nil {
		for _, f := range obj.Stack.CallFrames {
			if f.URL != "" {
				return f.URL
			}
		}
	}
	return ""
}

func headerValue(nvs []NV, name string) string {
	for _, nv := range nvs {
		if strings.EqualFold(nv.Name, name) {
			return nv.Value
		}
	}
	return ""
}
