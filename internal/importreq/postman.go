package importreq

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// jstr is a JSON scalar read as text: a string as itself, a number or a
// boolean as written, null as "", anything else as its JSON text.
type jstr string

func (s *jstr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jstr(v)
	default:
		*s = jstr(b)
	}
	return nil
}

// jbool is a JSON boolean that tools also write as "true" or 1.
type jbool bool

func (v *jbool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(strings.ToLower(string(bytes.TrimSpace(b))), `"`) {
	case "true", "1":
		*v = true
	default:
		*v = false
	}
	return nil
}

type pmCollection struct {
	Info struct {
		Name   jstr `json:"name"`
		Schema jstr `json:"schema"`
	} `json:"info"`
	Item       []pmItem        `json:"item"`
	Auth       *pmAuth         `json:"auth"`
	Variable   []pmKV          `json:"variable"`
	Event      []pmEvent       `json:"event"`
	Requests   json.RawMessage `json:"requests"`   // schema v1
	Collection json.RawMessage `json:"collection"` // the Postman API's wrapper
}

type pmItem struct {
	Name    jstr            `json:"name"`
	Item    *[]pmItem       `json:"item"`
	Request json.RawMessage `json:"request"`
	Auth    *pmAuth         `json:"auth"`
	Event   []pmEvent       `json:"event"`
}

type pmEvent struct {
	Listen jstr `json:"listen"`
	Script struct {
		Exec json.RawMessage `json:"exec"`
	} `json:"script"`
	Disabled jbool `json:"disabled"`
}

// hasCode says the event is a pre-request script with code in it.
func (e pmEvent) hasCode() bool {
	if e.Listen != "prerequest" || e.Disabled {
		return false
	}
	var lines []string
	if json.Unmarshal(e.Script.Exec, &lines) != nil {
		var one string
		if json.Unmarshal(e.Script.Exec, &one) != nil {
			return false
		}
		lines = []string{one}
	}
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "//") {
			return true
		}
	}
	return false
}

type pmKV struct {
	Key         jstr            `json:"key"`
	Value       jstr            `json:"value"`
	Disabled    jbool           `json:"disabled"`
	Type        jstr            `json:"type"`
	Src         json.RawMessage `json:"src"`
	ContentType jstr            `json:"contentType"`
}

// pmAuth is an auth object: its type and the attributes under the key of
// that name, a list of {key, value} in v2.1 or an object in v2.0.
type pmAuth struct {
	Type  string
	attrs map[string]string
	v20   bool
}

func (a *pmAuth) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("auth: not an object")
	}
	var t jstr
	if raw, ok := m["type"]; ok {
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("auth: type: %v", err)
		}
	}
	a.Type = strings.ToLower(string(t))
	a.attrs = map[string]string{}
	raw := m[string(t)]
	if len(raw) == 0 {
		return nil
	}
	var list []pmKV
	if json.Unmarshal(raw, &list) == nil {
		for _, kv := range list {
			a.attrs[string(kv.Key)] = string(kv.Value)
		}
		return nil
	}
	var obj map[string]jstr
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("auth %s: want a list of {key, value}", clip(string(t)))
	}
	for k, v := range obj {
		a.attrs[k] = string(v)
	}
	a.v20 = true
	return nil
}

type pmRequest struct {
	Method jstr            `json:"method"`
	URL    json.RawMessage `json:"url"`
	Header json.RawMessage `json:"header"`
	Body   *pmBody         `json:"body"`
	Auth   *pmAuth         `json:"auth"`
}

type pmURL struct {
	Raw      jstr            `json:"raw"`
	Protocol jstr            `json:"protocol"`
	Host     json.RawMessage `json:"host"`
	Port     jstr            `json:"port"`
	Path     json.RawMessage `json:"path"`
	Query    []pmKV          `json:"query"`
	Variable []pmKV          `json:"variable"`
	Hash     jstr            `json:"hash"`
}

type pmBody struct {
	Mode       jstr   `json:"mode"`
	Raw        jstr   `json:"raw"`
	URLEncoded []pmKV `json:"urlencoded"`
	FormData   []pmKV `json:"formdata"`
	File       struct {
		Src     jstr `json:"src"`
		Content jstr `json:"content"`
	} `json:"file"`
	GraphQL struct {
		Query     jstr            `json:"query"`
		Variables json.RawMessage `json:"variables"`
	} `json:"graphql"`
	Options struct {
		Raw struct {
			Language jstr `json:"language"`
		} `json:"raw"`
	} `json:"options"`
	Disabled jbool `json:"disabled"`
}

// pmEntry is a request of the tree with what it inherits.
type pmEntry struct {
	path    string
	item    *pmItem
	auth    []*pmAuth // nearest first: the request's, its folders', the collection's
	scripts bool      // a pre-request script runs before it in Postman
}

// postmanCollection is a parsed collection.
type postmanCollection struct {
	name    string
	vars    map[string]string
	entries []pmEntry
	notes   []string
}

// parsePostman reads a collection and lists its requests.
func parsePostman(data []byte) (*postmanCollection, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var c pmCollection
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("not a Postman collection: %s", jsonError(err))
	}
	pc := &postmanCollection{vars: map[string]string{}}
	if len(c.Collection) > 0 && c.Item == nil {
		var inner pmCollection
		if err := json.Unmarshal(c.Collection, &inner); err != nil {
			return nil, fmt.Errorf("collection: %s", jsonError(err))
		}
		c = inner
		pc.notes = append(pc.notes, `read the collection inside the Postman API's {"collection": …} wrapper`)
	}
	if c.Item == nil {
		if len(c.Requests) > 0 {
			return nil, fmt.Errorf("a Postman collection of schema v1: export it again as Collection v2.1")
		}
		return nil, fmt.Errorf(`not a Postman collection: no "item" list`)
	}
	if s := string(c.Info.Schema); s != "" && !strings.Contains(s, "/v2.") {
		pc.notes = append(pc.notes, fmt.Sprintf("collection schema %s read as v2.1", clip(s)))
	}
	pc.name = string(c.Info.Name)
	for _, v := range c.Variable {
		if !v.Disabled && v.Key != "" {
			pc.vars[string(v.Key)] = string(v.Value)
		}
	}
	scripts := false
	for _, e := range c.Event {
		scripts = scripts || e.hasCode()
	}
	var walk func(items []pmItem, prefix string, auth []*pmAuth, scripts bool)
	v20 := false
	walk = func(items []pmItem, prefix string, auth []*pmAuth, scripts bool) {
		for i := range items {
			it := &items[i]
			name := strings.TrimSpace(string(it.Name))
			path := name
			if prefix != "" {
				path = prefix + "/" + name
			}
			s := scripts
			for _, e := range it.Event {
				s = s || e.hasCode()
			}
			chain := auth
			if it.Auth != nil {
				v20 = v20 || it.Auth.v20
				chain = append([]*pmAuth{it.Auth}, auth...)
			}
			if it.Item != nil {
				walk(*it.Item, path, chain, s)
				continue
			}
			if len(it.Request) == 0 {
				continue
			}
			pc.entries = append(pc.entries, pmEntry{path: path, item: it, auth: chain, scripts: s})
		}
	}
	var root []*pmAuth
	if c.Auth != nil {
		v20 = c.Auth.v20
		root = []*pmAuth{c.Auth}
	}
	walk(c.Item, "", root, scripts)
	if v20 {
		pc.notes = append(pc.notes, "auth attributes written as an object (schema v2.0) read as v2.1's list")
	}
	return pc, nil
}

// jsonError words a decoding error without Go's type names.
func jsonError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		want := "another value"
		if te.Type != nil {
			switch te.Type.Kind() {
			case reflect.Struct, reflect.Map:
				want = "an object"
			case reflect.Slice, reflect.Array:
				want = "a list"
			case reflect.String:
				want = "text"
			}
		}
		if te.Field != "" {
			return fmt.Sprintf("%s: a JSON %s where %s was expected", te.Field, te.Value, want)
		}
		return fmt.Sprintf("a JSON %s where %s was expected", te.Value, want)
	}
	return clip(err.Error())
}

// requests lists the entries as unresolved requests for picking.
func (pc *postmanCollection) requests() []Request {
	out := make([]Request, len(pc.entries))
	for i, e := range pc.entries {
		out[i] = Request{Name: strings.TrimSpace(string(e.item.Name)), Path: e.path}
	}
	return out
}

// loadPostman picks and builds one request of a collection.
func loadPostman(file string, data []byte, o Options) (*Request, []string, error) {
	pc, err := parsePostman(data)
	if err != nil {
		return nil, nil, err
	}
	notes := pc.notes
	reqs := pc.requests()
	sel, err := pick(reqs, o.Request, "collection")
	if err != nil {
		return nil, nil, err
	}
	entry := &pc.entries[index(reqs, sel)]
	env := map[string]string{}
	hint := "define it in the collection's variables or in an environment file given with --env FILE"
	if o.Env != "" {
		var envNotes []string
		env, envNotes, err = readPostmanEnv(o.Env)
		if err != nil {
			return nil, nil, err
		}
		notes = append(notes, envNotes...)
		hint = "define it in the collection's variables or in " + filepath.Base(o.Env)
	}
	if entry.scripts {
		hint += "; a pre-request script may set it, and scripts are not run"
		notes = append(notes, "pre-request scripts are not run: a value they would set is missing")
	}
	s := newScope(o, hint, layer{"the environment " + filepath.Base(o.Env), env}, layer{"the collection's variables", pc.vars})
	r, more, err := buildPostman(entry, s, filepath.Dir(file))
	if err != nil {
		return nil, nil, fmt.Errorf("request %q: %w", entry.path, err)
	}
	return r, append(notes, more...), nil
}

// buildPostman makes the request of an entry, variables resolved.
func buildPostman(e *pmEntry, s *scope, dir string) (*Request, []string, error) {
	var notes []string
	r := &Request{Name: strings.TrimSpace(string(e.item.Name)), Path: e.path}
	var pr pmRequest
	raw := bytes.TrimSpace(e.item.Request)
	if len(raw) > 0 && raw[0] == '"' {
		var u string
		_ = json.Unmarshal(raw, &u)
		pr.URL, _ = json.Marshal(u)
	} else if err := json.Unmarshal(raw, &pr); err != nil {
		return nil, nil, fmt.Errorf("request: %s", jsonError(err))
	}
	var err error
	if r.Method, err = s.expand(strings.TrimSpace(string(pr.Method))); err != nil {
		return nil, nil, err
	}
	if r.Method == "" {
		r.Method = "GET"
	}
	if r.URL, err = postmanURL(pr.URL, s); err != nil {
		return nil, nil, err
	}
	if r.URL == "" {
		return nil, nil, fmt.Errorf("no URL")
	}
	if !strings.Contains(r.URL, "://") {
		r.URL = "http://" + r.URL
		notes = append(notes, "the URL has no scheme: http:// assumed, as Postman does")
	}
	hs, err := postmanHeaders(pr.Header)
	if err != nil {
		return nil, nil, err
	}
	for _, h := range hs {
		if h.Disabled || strings.TrimSpace(string(h.Key)) == "" {
			continue
		}
		name, err := s.expand(strings.TrimSpace(string(h.Key)))
		if err != nil {
			return nil, nil, err
		}
		value, err := s.expand(string(h.Value))
		if err != nil {
			return nil, nil, err
		}
		r.Header = append(r.Header, Header{name, strings.TrimSpace(value)})
	}
	// The request's own auth, else the nearest folder's, else the
	// collection's; "noauth" stops the search, "inherit" continues it.
	chain := e.auth
	if pr.Auth != nil {
		chain = append([]*pmAuth{pr.Auth}, chain...)
	}
	for _, a := range chain {
		if a.Type == "" || a.Type == "inherit" {
			continue
		}
		more, err := applyPostmanAuth(r, a, s)
		if err != nil {
			return nil, nil, err
		}
		notes = append(notes, more...)
		break
	}
	if pr.Body != nil && !pr.Body.Disabled {
		more, err := postmanBody(r, pr.Body, s, dir)
		if err != nil {
			return nil, nil, fmt.Errorf("body: %w", err)
		}
		notes = append(notes, more...)
	}
	return r, notes, nil
}

// postmanHeaders reads a header list, or the text form "A: b\nC: d".
func postmanHeaders(raw json.RawMessage) ([]pmKV, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var text string
		_ = json.Unmarshal(raw, &text)
		var out []pmKV
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			k, v, ok := strings.Cut(line, ":")
			if line == "" || !ok {
				continue
			}
			out = append(out, pmKV{Key: jstr(k), Value: jstr(strings.TrimSpace(v)), Disabled: jbool(strings.HasPrefix(k, "//"))})
		}
		return out, nil
	}
	var hs []pmKV
	if err := json.Unmarshal(raw, &hs); err != nil {
		return nil, fmt.Errorf("header: %s", jsonError(err))
	}
	return hs, nil
}

// postmanURL builds the URL from raw, or from its parts when raw is
// missing, with path variables (:id) replaced.
func postmanURL(raw json.RawMessage, s *scope) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var u pmURL
	if raw[0] == '"' {
		var str string
		_ = json.Unmarshal(raw, &str)
		u.Raw = jstr(str)
	} else if err := json.Unmarshal(raw, &u); err != nil {
		return "", fmt.Errorf("url: %s", jsonError(err))
	}
	text := strings.TrimSpace(string(u.Raw))
	if text == "" {
		text = fromParts(&u)
	}
	text, err := s.expand(text)
	if err != nil {
		return "", err
	}
	if len(u.Variable) > 0 {
		vars := map[string]string{}
		for _, v := range u.Variable {
			val, err := s.expand(string(v.Value))
			if err != nil {
				return "", err
			}
			vars[string(v.Key)] = val
		}
		text = pathVariables(text, vars)
	}
	return text, nil
}

// fromParts joins a URL object's protocol, host, port, path and query.
func fromParts(u *pmURL) string {
	join := func(raw json.RawMessage, sep string) string {
		var list []jstr
		if json.Unmarshal(raw, &list) == nil {
			parts := make([]string, len(list))
			for i, p := range list {
				parts[i] = string(p)
			}
			return strings.Join(parts, sep)
		}
		var one jstr
		_ = json.Unmarshal(raw, &one)
		return string(one)
	}
	var b strings.Builder
	if u.Protocol != "" {
		b.WriteString(strings.TrimSuffix(string(u.Protocol), ":") + "://")
	}
	b.WriteString(join(u.Host, "."))
	if u.Port != "" {
		b.WriteString(":" + string(u.Port))
	}
	if p := join(u.Path, "/"); p != "" {
		b.WriteString("/" + strings.TrimPrefix(p, "/"))
	}
	var q []string
	for _, kv := range u.Query {
		if kv.Disabled {
			continue
		}
		if kv.Value == "" && kv.Type == "" {
			q = append(q, string(kv.Key))
		} else {
			q = append(q, string(kv.Key)+"="+string(kv.Value))
		}
	}
	if len(q) > 0 {
		b.WriteString("?" + strings.Join(q, "&"))
	}
	if u.Hash != "" {
		b.WriteString("#" + string(u.Hash))
	}
	return b.String()
}

// pathVariables replaces each path segment ":name" that vars defines.
func pathVariables(raw string, vars map[string]string) string {
	start := 0
	if i := strings.Index(raw, "://"); i >= 0 {
		start = i + 3
	}
	end := len(raw)
	if i := strings.IndexAny(raw[start:], "?#"); i >= 0 {
		end = start + i
	}
	segs := strings.Split(raw[start:end], "/")
	for i, seg := range segs {
		if i == 0 {
			continue // the host
		}
		if name, ok := strings.CutPrefix(seg, ":"); ok {
			if v, ok := vars[name]; ok {
				segs[i] = url.PathEscape(v)
			}
		}
	}
	return raw[:start] + strings.Join(segs, "/") + raw[end:]
}

// applyPostmanAuth adds an auth object's credentials to r.
func applyPostmanAuth(r *Request, a *pmAuth, s *scope) ([]string, error) {
	attr := func(key, def string) (string, error) {
		v, ok := a.attrs[key]
		if !ok {
			return def, nil
		}
		return s.expand(v)
	}
	var err error
	get := func(key, def string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = attr(key, def)
		return v
	}
	var notes []string
	switch a.Type {
	case "noauth":
	case "basic", "digest":
		r.Auth = Auth{Scheme: a.Type, User: get("username", ""), Password: get("password", "")}
		if a.Type == "digest" {
			notes = append(notes, "Digest auth: the probe answers the server's own challenge (the realm, nonce and response saved in the collection are not reused)")
		}
	case "bearer":
		r.Auth = Auth{Scheme: "bearer", Token: strings.TrimSpace(get("token", ""))}
	case "apikey":
		key, value, in := get("key", ""), get("value", ""), strings.ToLower(get("in", "header"))
		if err != nil {
			break
		}
		if strings.TrimSpace(key) == "" {
			return nil, fmt.Errorf("auth apikey: no key name")
		}
		if in == "query" {
			r.URL = addQuery(r.URL, key, value)
		} else {
			r.Header = append(r.Header, Header{strings.TrimSpace(key), value})
		}
	case "oauth2":
		token := strings.TrimSpace(get("accessToken", ""))
		to, prefix := get("addTokenTo", "header"), get("headerPrefix", "Bearer")
		if err != nil {
			break
		}
		if token == "" {
			return nil, fmt.Errorf("auth oauth2: no access token saved in the collection: get one in Postman and export again, or set accessToken to a variable")
		}
		switch {
		case strings.EqualFold(to, "queryParams"):
			r.URL = addQuery(r.URL, "access_token", token)
		case strings.EqualFold(strings.TrimSpace(prefix), "Bearer"):
			r.Auth = Auth{Scheme: "bearer", Token: token}
		default:
			r.Header = append(r.Header, Header{"Authorization", strings.TrimSpace(strings.TrimSpace(prefix) + " " + token)})
		}
	default:
		return nil, fmt.Errorf("auth %s is not supported (basic, bearer, apikey, digest, oauth2 with a token and noauth are)", clip(a.Type))
	}
	if err != nil {
		return nil, fmt.Errorf("auth %s: %w", a.Type, err)
	}
	return notes, nil
}

// addQuery appends name=value to a URL's query, before any fragment.
func addQuery(raw, name, value string) string {
	frag := ""
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw, frag = raw[:i], raw[i:]
	}
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
		if strings.HasSuffix(raw, "?") || strings.HasSuffix(raw, "&") {
			sep = ""
		}
	}
	return raw + sep + url.QueryEscape(name) + "=" + url.QueryEscape(value) + frag
}

// rawTypes are the Content-Types Postman adds for a raw body's language.
var rawTypes = map[string]string{
	"json":       "application/json",
	"xml":        "application/xml",
	"html":       "text/html",
	"javascript": "application/javascript",
	"text":       "text/plain",
}

// postmanBody sets r's body from a body object, with the Content-Type
// Postman adds when the request has none.
func postmanBody(r *Request, b *pmBody, s *scope, dir string) ([]string, error) {
	var notes []string
	setType := func(ct, why string) {
		if _, ok := r.header("Content-Type"); !ok {
			r.Header = append(r.Header, Header{"Content-Type", ct})
			if why != "" {
				notes = append(notes, why)
			}
		}
	}
	switch mode := string(b.Mode); mode {
	case "", "none":
		return nil, nil
	case "raw":
		text, err := s.expand(string(b.Raw))
		if err != nil {
			return nil, err
		}
		r.Body, r.HasBody = []byte(text), true
		lang := strings.ToLower(string(b.Options.Raw.Language))
		if lang == "" {
			lang = "text"
		}
		if ct, ok := rawTypes[lang]; ok && text != "" {
			setType(ct, fmt.Sprintf("Content-Type: %s added, as Postman does for a raw %s body", ct, lang))
		}
	case "urlencoded":
		var parts []string
		for _, kv := range b.URLEncoded {
			if kv.Disabled {
				continue
			}
			k, err := s.expand(string(kv.Key))
			if err != nil {
				return nil, err
			}
			v, err := s.expand(string(kv.Value))
			if err != nil {
				return nil, err
			}
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
		r.Body, r.HasBody = []byte(strings.Join(parts, "&")), true
		setType("application/x-www-form-urlencoded", "")
	case "formdata":
		body, ct, err := multipartBody(b.FormData, s, dir)
		if err != nil {
			return nil, err
		}
		r.Body, r.HasBody = body, true
		setType(ct, "")
	case "file":
		src := strings.TrimSpace(string(b.File.Src))
		if src == "" {
			r.Body, r.HasBody = []byte(b.File.Content), true
			break
		}
		data, err := readSrc(src, dir)
		if err != nil {
			return nil, err
		}
		r.Body, r.HasBody = data, true
	case "graphql":
		q, err := s.expand(string(b.GraphQL.Query))
		if err != nil {
			return nil, err
		}
		vars := bytes.TrimSpace(b.GraphQL.Variables)
		var text string
		if json.Unmarshal(vars, &text) == nil {
			vars = []byte(text)
		}
		vs, err := s.expand(string(vars))
		if err != nil {
			return nil, err
		}
		doc := map[string]any{"query": q}
		if strings.TrimSpace(vs) != "" {
			var v any
			if err := json.Unmarshal([]byte(vs), &v); err != nil {
				return nil, fmt.Errorf("graphql variables: not JSON")
			}
			doc["variables"] = v
		}
		out, _ := json.Marshal(doc)
		r.Body, r.HasBody = out, true
		setType("application/json", "")
	default:
		return nil, fmt.Errorf("mode %s is not supported (raw, urlencoded, formdata, file, graphql and none are)", clip(mode))
	}
	return notes, nil
}

// readSrc reads a file a body names, relative to the collection's
// directory when it is not absolute.
func readSrc(src, dir string) ([]byte, error) {
	p := src
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("file %s: cannot be read", clip(src))
	}
	return data, nil
}

// multipartBody encodes form-data fields; the boundary is derived from
// the fields so that the same collection sends the same bytes.
func multipartBody(fields []pmKV, s *scope, dir string) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := sha256.New()
	for _, f := range fields {
		fmt.Fprintf(h, "%s\x00%s\x00", f.Key, f.Value)
	}
	_ = w.SetBoundary(fmt.Sprintf("why401-%x", h.Sum(nil)[:12]))
	for _, f := range fields {
		if f.Disabled {
			continue
		}
		key, err := s.expand(string(f.Key))
		if err != nil {
			return nil, "", err
		}
		if f.Type == "file" {
			var srcs []string
			if json.Unmarshal(f.Src, &srcs) != nil {
				var one string
				if json.Unmarshal(f.Src, &one) == nil && one != "" {
					srcs = []string{one}
				}
			}
			if len(srcs) == 0 {
				return nil, "", fmt.Errorf("form-data field %s: a file field without a file", clip(key))
			}
			sort.Strings(srcs)
			for _, src := range srcs {
				data, err := readSrc(src, dir)
				if err != nil {
					return nil, "", fmt.Errorf("form-data field %s: %w", clip(key), err)
				}
				mh := textproto.MIMEHeader{}
				mh.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, key, filepath.Base(src)))
				ct := string(f.ContentType)
				if ct == "" {
					ct = "application/octet-stream"
				}
				mh.Set("Content-Type", ct)
				pw, _ := w.CreatePart(mh)
				_, _ = pw.Write(data)
			}
			continue
		}
		v, err := s.expand(string(f.Value))
		if err != nil {
			return nil, "", err
		}
		if f.ContentType != "" {
			mh := textproto.MIMEHeader{}
			mh.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, key))
			mh.Set("Content-Type", string(f.ContentType))
			pw, _ := w.CreatePart(mh)
			_, _ = pw.Write([]byte(v))
			continue
		}
		_ = w.WriteField(key, v)
	}
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType(), nil
}

// readPostmanEnv reads a Postman environment (or globals) export; a
// plain object of names and values is accepted too.
func readPostmanEnv(file string) (map[string]string, []string, error) {
	data, err := readFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("--env %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var env struct {
		Values *[]struct {
			Key     jstr   `json:"key"`
			Value   jstr   `json:"value"`
			Enabled *jbool `json:"enabled"`
		} `json:"values"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, nil, fmt.Errorf("--env %s: not a Postman environment: %s", file, jsonError(err))
	}
	out := map[string]string{}
	if env.Values == nil {
		var flat map[string]json.RawMessage
		if json.Unmarshal(data, &flat) != nil || len(flat) == 0 {
			return nil, nil, fmt.Errorf(`--env %s: not a Postman environment: no "values" list`, file)
		}
		for k, raw := range flat {
			var v jstr
			if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] == '{' || t[0] == '[' || json.Unmarshal(t, &v) != nil {
				return nil, nil, fmt.Errorf(`--env %s: not a Postman environment: no "values" list`, file)
			}
			out[k] = string(v)
		}
		return out, []string{fmt.Sprintf("--env %s: a plain object of names and values, read as an environment", filepath.Base(file))}, nil
	}
	for _, v := range *env.Values {
		if v.Key == "" || (v.Enabled != nil && !*v.Enabled) {
			continue
		}
		out[string(v.Key)] = string(v.Value)
	}
	return out, nil, nil
}
