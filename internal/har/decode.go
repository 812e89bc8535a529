package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"time"
)

// Read decodes a HAR file (see Decode).
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

// Decode reads a HAR as real tools write it. It repairs what a tool got
// slightly wrong and says so in Log.Repairs: booleans and numbers written
// as strings (Fiddler), header values as arrays (Polly), cookies or
// headers as an object (IE11), a missing startedDateTime (placed after
// the entry before it), a missing response, a missing log.version. An
// entry it cannot use (no request, no method or no URL) is skipped with a
// note. It fails, in one line of plain words, on input that is no HAR at
// all: not JSON, JSONP, a top-level array, a HAR wrapped in another
// object, a log without creator (what hand-written request lists lack),
// without entries, or whose entries carry no start time at all.
func Decode(data []byte) (*Log, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Safari and Windows tools may write a BOM
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty file: not a HAR")
	}
	if err := notAnObject(trimmed); err != nil {
		return nil, err
	}
	var doc struct {
		Log json.RawMessage `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(data, err)
	}
	if len(doc.Log) == 0 || string(doc.Log) == "null" {
		return nil, noLog(data)
	}
	if doc.Log[0] != '{' {
		return nil, fmt.Errorf(`"log" is %s, not an object: not a HAR`, kindOf(doc.Log))
	}
	var raw rawLog
	if err := json.Unmarshal(doc.Log, &raw); err != nil {
		return nil, fmt.Errorf("not a HAR: %s", plain(err))
	}
	return raw.convert()
}

// rawLog is the log object as tools write it.
type rawLog struct {
	Version lstring         `json:"version"`
	Creator json.RawMessage `json:"creator"`
	Browser json.RawMessage `json:"browser"`
	Pages   json.RawMessage `json:"pages"`
	Entries json.RawMessage `json:"entries"`
}

type rawCreator struct {
	Name    lstring `json:"name"`
	Version lstring `json:"version"`
}

type rawPage struct {
	ID      lstring `json:"id"`
	Title   lstring `json:"title"`
	Started lstring `json:"startedDateTime"`
}

// rawEntry is one entry as tools write it; bad is set for an item of
// the entries array that is not an object.
type rawEntry struct {
	PageRef      lstring         `json:"pageref"`
	Started      json.RawMessage `json:"startedDateTime"`
	Time         lnum            `json:"time"`
	Request      *rawRequest     `json:"request"`
	Response     *rawResponse    `json:"response"`
	ServerIP     lstring         `json:"serverIPAddress"`
	ResourceType lstring         `json:"_resourceType"`
	Initiator    json.RawMessage `json:"_initiator"`
	Error        lstring         `json:"_error"`
	FetchType    lstring         `json:"_fetchType"`
	Priority     lstring         `json:"_priority"`
	CookieBlocks json.RawMessage `json:"_why401_cookie_blocks"`

	bad bool
}

type entryFields rawEntry

func (e *rawEntry) UnmarshalJSON(b []byte) error {
	*e = rawEntry{}
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, (*entryFields)(e)) != nil {
		*e = rawEntry{bad: true}
	}
	return nil
}

type rawRequest struct {
	Method      lstring  `json:"method"`
	URL         lstring  `json:"url"`
	HTTPVersion lstring  `json:"httpVersion"`
	Headers     lnvs     `json:"headers"`
	Cookies     lcookies `json:"cookies"`
	PostData    *struct {
		MimeType lstring `json:"mimeType"`
		Text     ltext   `json:"text"`
		Params   lnvs    `json:"params"`
	} `json:"postData"`
}

type rawResponse struct {
	Status      lnum     `json:"status"`
	StatusText  lstring  `json:"statusText"`
	HTTPVersion lstring  `json:"httpVersion"`
	Headers     lnvs     `json:"headers"`
	Cookies     lcookies `json:"cookies"`
	Content     struct {
		Size     lnum    `json:"size"`
		MimeType lstring `json:"mimeType"`
		Text     ltext   `json:"text"`
		Encoding lstring `json:"encoding"`
	} `json:"content"`
	RedirectURL lstring `json:"redirectURL"`
	Error       lstring `json:"_error"`
}

// convert checks the raw log and builds the Log, noting repairs.
func (raw *rawLog) convert() (*Log, error) {
	var rep repairs
	l := &Log{Version: raw.Version.s}
	if len(raw.Creator) == 0 || string(raw.Creator) == "null" {
		return nil, errors.New(`the log has no "creator": every exporting tool names itself there, so this looks like a hand-written list of requests, not a recording`)
	}
	var c rawCreator
	if raw.Creator[0] == '{' && json.Unmarshal(raw.Creator, &c) == nil {
		l.Creator = Creator{Name: c.Name.s, Version: c.Version.s}
	} else {
		rep.add(`log.creator is not an object; ignored`, -1)
	}
	if len(raw.Browser) > 0 && raw.Browser[0] == '{' {
		var b rawCreator
		if json.Unmarshal(raw.Browser, &b) == nil {
			l.Browser = Creator{Name: b.Name.s, Version: b.Version.s}
		}
	}
	if l.Version == "" {
		rep.add("no log.version; read as HAR 1.2", -1)
	}
	if len(raw.Pages) > 0 && raw.Pages[0] == '[' {
		var pages []json.RawMessage
		if json.Unmarshal(raw.Pages, &pages) == nil {
			for _, p := range pages {
				var rp rawPage
				if len(p) > 0 && p[0] == '{' && json.Unmarshal(p, &rp) == nil {
					l.Pages = append(l.Pages, Page{ID: rp.ID.s, Title: rp.Title.s, Started: rp.Started.s})
				}
			}
		}
	}
	switch {
	case len(raw.Entries) == 0 || string(raw.Entries) == "null":
		return nil, errors.New(`the log has no "entries": not a HAR`)
	case raw.Entries[0] != '[':
		return nil, fmt.Errorf(`"entries" is %s, not a list: not a HAR`, kindOf(raw.Entries))
	}
	var entries []rawEntry
	if err := json.Unmarshal(raw.Entries, &entries); err != nil {
		return nil, fmt.Errorf("not a HAR: %s", plain(err))
	}
	if len(entries) == 0 {
		return nil, errors.New("the recording holds no entries: nothing was captured (export again after reproducing the problem with the network panel open and recording)")
	}
	l.Entries = make([]Entry, 0, len(entries))
	dated := 0
	var times []time.Time // parallel to l.Entries; zero when missing
	for i := range entries {
		re := &entries[i]
		e, t, ok := convertEntry(re, i, &rep)
		entries[i] = rawEntry{} // let the raw values go
		if !ok {
			continue
		}
		if !t.IsZero() {
			dated++
		}
		l.Entries = append(l.Entries, e)
		times = append(times, t)
	}
	if len(l.Entries) == 0 {
		return nil, fmt.Errorf("no entry is a usable request: %s", strings.Join(rep.list(), "; "))
	}
	if dated == 0 {
		return nil, errors.New("no entry has a startedDateTime: a recording dates every request, so this looks like a list of requests written by hand or by a converter, not an export")
	}
	// An entry without a usable time goes right after the one before it
	// (or right before the first dated one).
	var last time.Time
	for i := range l.Entries {
		if times[i].IsZero() {
			if last.IsZero() {
				for _, t := range times[i:] {
					if !t.IsZero() {
						last = t
						break
					}
				}
			}
			times[i] = last
		}
		last = times[i]
		l.Entries[i].started = times[i]
		l.Entries[i].Started = times[i].Format(time.RFC3339Nano)
	}
	l.Repairs = rep.list()
	return l, nil
}

// convertEntry turns one raw entry into an Entry and its start time
// (zero when it has none), or reports it unusable.
func convertEntry(re *rawEntry, i int, rep *repairs) (Entry, time.Time, bool) {
	switch {
	case re.bad:
		rep.add("entries that are not objects skipped", i)
		return Entry{}, time.Time{}, false
	case re.Request == nil:
		rep.add("entries without a request skipped", i)
		return Entry{}, time.Time{}, false
	case strings.TrimSpace(re.Request.Method.s) == "":
		rep.add("entries without a request method skipped", i)
		return Entry{}, time.Time{}, false
	case strings.TrimSpace(re.Request.URL.s) == "":
		rep.add("entries without a request URL skipped", i)
		return Entry{}, time.Time{}, false
	}
	e := Entry{
		FileIndex:    i,
		PageRef:      re.PageRef.s,
		Time:         re.Time.f,
		ServerIP:     re.ServerIP.s,
		ResourceType: re.ResourceType.s,
		Initiator:    re.Initiator,
		Error:        re.Error.s,
		FetchType:    re.FetchType.s,
		Priority:     re.Priority.s,
	}
	if len(re.CookieBlocks) > 0 {
		_ = json.Unmarshal(re.CookieBlocks, &e.CookieBlocks)
	}
	t := entryTime(re.Started, i, rep)
	if re.Time.odd {
		rep.add(`"time" written as a string; read as a number`, i)
	}
	rq := re.Request
	e.Request = Request{Method: strings.TrimSpace(rq.Method.s), URL: strings.TrimSpace(rq.URL.s), HTTPVersion: rq.HTTPVersion.s, Headers: rq.Headers.nvs, Cookies: rq.Cookies.cs}
	if rq.Method.odd || rq.URL.odd {
		rep.add("request method or URL written as a non-string; read as text", i)
	}
	noteHeaders(&rq.Headers, i, rep)
	noteCookies(&rq.Cookies, i, rep)
	if pd := rq.PostData; pd != nil {
		e.Request.PostData = &PostData{MimeType: pd.MimeType.s, Text: pd.Text.s, Params: pd.Params.nvs}
		if pd.Text.odd {
			rep.add("request postData.text written as a JSON value, not a string; kept as its JSON text", i)
		}
	}
	rs := re.Response
	if rs == nil {
		rep.add("entries without a response read as requests that got no answer", i)
		return e, t, true
	}
	status := rs.Status.f
	switch {
	case rs.Status.bad:
		rep.add("response status that is not a number read as no answer", i)
		status = 0
	case rs.Status.odd:
		rep.add(`response status written as a string ("200"); read as a number`, i)
	}
	if status < 0 || status > 999 || status != math.Trunc(status) {
		rep.add("response status out of range read as no answer", i)
		status = 0
	}
	e.Response = Response{Status: int(status), StatusText: rs.StatusText.s, HTTPVersion: rs.HTTPVersion.s, Headers: rs.Headers.nvs, Cookies: rs.Cookies.cs,
		RedirectURL: rs.RedirectURL.s, Error: rs.Error.s}
	e.Response.Content.Size = int64(rs.Content.Size.f)
	e.Response.Content.MimeType = rs.Content.MimeType.s
	e.Response.Content.Text = rs.Content.Text.s
	e.Response.Content.Encoding = rs.Content.Encoding.s
	if rs.Content.Size.odd {
		rep.add("content size written as a string; read as a number", i)
	}
	if rs.Content.Text.odd {
		rep.add("response content.text written as a JSON value, not a string; kept as its JSON text", i)
	}
	noteHeaders(&rs.Headers, i, rep)
	noteCookies(&rs.Cookies, i, rep)
	return e, t, true
}

func noteHeaders(h *lnvs, i int, rep *repairs) {
	if h.odd {
		rep.add("headers not written as HAR's list of {name, value} (an object, or values that are arrays or numbers, as Polly writes repeated headers); read as one header line per value", i)
	}
	if h.bad > 0 {
		rep.add("header items that are not {name, value} objects skipped", i)
	}
}

func noteCookies(c *lcookies, i int, rep *repairs) {
	if c.strBools {
		rep.add(`cookie httpOnly or secure written as strings ("true", as Fiddler writes them); read as booleans`, i)
	}
	if c.notArray {
		rep.add("cookies written as an object instead of a list (as IE11 writes them); read as cookies", i)
	}
	if c.badFields {
		rep.add("cookie fields of the wrong kind ignored", i)
	}
}

// entryTime parses an entry's startedDateTime, or notes why it has none.
func entryTime(raw json.RawMessage, i int, rep *repairs) time.Time {
	if len(raw) == 0 || string(raw) == "null" {
		rep.add("entries without startedDateTime placed right after the entry before them", i)
		return time.Time{}
	}
	if raw[0] != '"' {
		var n lnum
		_ = n.UnmarshalJSON(raw)
		if !n.bad && n.f > 0 {
			// Milliseconds since 1970 as some tools write them; seconds when small.
			sec, frac := math.Modf(n.f / 1000)
			if n.f < 1e11 {
				sec, frac = math.Modf(n.f)
			}
			rep.add("startedDateTime written as a number; read as time since 1970", i)
			return time.Unix(int64(sec), int64(frac*1e9)).UTC()
		}
		rep.add("entries whose startedDateTime is not a date-time placed right after the entry before them", i)
		return time.Time{}
	}
	var s lstring
	_ = s.UnmarshalJSON(raw)
	t, err := ParseTime(strings.TrimSpace(s.s))
	if err != nil {
		if strings.TrimSpace(s.s) == "" {
			rep.add("entries without startedDateTime placed right after the entry before them", i)
		} else {
			rep.add("entries whose startedDateTime is not a date-time placed right after the entry before them", i)
		}
		return time.Time{}
	}
	return t
}

// repairs collects what the reader repaired, one line per kind with the
// entries it applied to.
type repairs struct {
	order []string
	n     map[string]int
	first map[string]int
	last  map[string]int
}

// add notes a repair of kind what at entry i (0-based; -1 for the log).
func (r *repairs) add(what string, i int) {
	if r.n == nil {
		r.n, r.first, r.last = map[string]int{}, map[string]int{}, map[string]int{}
	}
	if n, ok := r.n[what]; !ok {
		r.order = append(r.order, what)
		r.first[what] = i
	} else if n > 0 && r.last[what] == i {
		return // one count per entry
	}
	r.last[what] = i
	r.n[what]++
}

func (r *repairs) list() []string {
	var out []string
	for _, what := range r.order {
		switch n, first := r.n[what], r.first[what]; {
		case first < 0:
			out = append(out, what)
		case n == 1:
			out = append(out, fmt.Sprintf("%s (entry #%d)", what, first+1))
		default:
			out = append(out, fmt.Sprintf("%s (%d entries, first #%d)", what, n, first+1))
		}
	}
	return out
}

var jsonpRE = regexp.MustCompile(`^[A-Za-z_$][\w$.]*\s*\(`)

// notAnObject explains input that cannot hold a HAR's top-level object.
func notAnObject(b []byte) error {
	switch {
	case b[0] == '{':
		return nil
	case b[0] == '[':
		if bytes.Contains(b[:min(len(b), 200)], []byte(`"log"`)) {
			return errors.New(`a JSON list of HARs, not one HAR: why401 reads one export at a time (an object {"log": …})`)
		}
		return errors.New(`a JSON list, not a HAR: a HAR is one object {"log": …}`)
	case jsonpRE.Match(b):
		name := string(jsonpRE.Find(b))
		name = strings.TrimSpace(strings.TrimSuffix(name, "("))
		return fmt.Errorf("JSONP, not a HAR: the HAR is wrapped in %s(…), as HAR Viewer loads it; save the object inside the parentheses on its own", name)
	case b[0] == '<':
		return errors.New("HTML or XML, not a HAR (a HAR is JSON)")
	}
	return syntaxError(b, json.Unmarshal(b, new(json.RawMessage)))
}

// noLog explains a JSON object without a "log": a HAR wrapped in
// another object, entries without their log, or something else.
func noLog(data []byte) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return errors.New(`no "log" object: not a HAR`)
	}
	if _, ok := top["entries"]; ok {
		return errors.New(`"entries" without the "log" object around them: not a HAR`)
	}
	for _, k := range sortedKeys(top) {
		v := top[k]
		if len(v) > 0 && v[0] == '{' {
			var inner map[string]json.RawMessage
			if json.Unmarshal(v, &inner) == nil {
				if _, ok := inner["log"]; ok {
					return fmt.Errorf(`a HAR wrapped in another object: its "log" is under %q; save that object on its own`, k)
				}
			}
		}
	}
	return errors.New(`no "log" object: not a HAR`)
}

// syntaxError describes JSON that does not parse, with its line.
func syntaxError(data []byte, err error) error {
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := min(int(se.Offset), len(data))
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		if off >= len(bytes.TrimRight(data, " \t\r\n")) {
			return fmt.Errorf("line %d: not JSON: the file ends in the middle of a value (cut off?)", line)
		}
		return fmt.Errorf("line %d: not JSON: %s", line, se.Error())
	}
	return fmt.Errorf("not a HAR: %s", plain(err))
}

// plain words for a decoding error, without Go type names.
func plain(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s is %s where a HAR has another kind of value", cmpOr(te.Field, "a value"), te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// kindOf names the kind of a JSON value in plain words.
func kindOf(b json.RawMessage) string {
	switch {
	case len(b) == 0:
		return "missing"
	case b[0] == '[':
		return "a list"
	case b[0] == '{':
		return "an object"
	case b[0] == '"':
		return "a string"
	case string(b) == "true" || string(b) == "false":
		return "a boolean"
	case string(b) == "null":
		return "null"
	}
	return "a number"
}
