package importreq

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// An HTTP file as the JetBrains HTTP Client and VS Code's REST Client
// write it:
//
//	@host = https://api.example.com      file variable
//	### Get me                            separator; its text names the request (JetBrains)
//	# @name me                            name (both clients; // comments too)
//	GET {{host}}/me HTTP/1.1              request line; the method defaults to GET
//	    ?page=2                           query continued on indented lines
//	Authorization: Bearer {{token}}       headers up to a blank line
//
//	{"a": 1}                              body up to the next ###
//	< ./body.json                         a body line naming a file
//	> {% client.global.set(…) %}          response handler, ignored

// httpBlock is a request of an HTTP file before its variables are
// resolved.
type httpBlock struct {
	req   Request
	line  int // of the request line, 1-based
	body  []string
	notes []string
}

// httpFile is a parsed HTTP file.
type httpFile struct {
	vars   map[string]string
	blocks []httpBlock
	notes  []string
}

// methods are the request methods recognised at the start of a request
// line (any upper-case token is taken too).
var methods = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "HEAD": true, "OPTIONS": true, "TRACE": true, "CONNECT": true}

// parseHTTPFile splits an HTTP file into requests and file variables.
func parseHTTPFile(data []byte) (*httpFile, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fmt.Errorf("not an HTTP file: binary content")
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	f := &httpFile{vars: map[string]string{}}
	const (
		before = iota // comments, variables, the request line
		headers
		body
	)
	var (
		state   = before
		cur     *httpBlock
		sepName string
		name    string
		handler bool // inside a > {% … %} handler
	)
	flush := func() {
		if cur != nil {
			f.blocks = append(f.blocks, *cur)
		}
		cur, state, name, handler = nil, before, "", false
	}
	for i, raw := range lines {
		line := strings.TrimRight(raw, " \t")
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "###") {
			flush()
			sepName = strings.TrimSpace(strings.TrimLeft(trim, "#"))
			continue
		}
		switch state {
		case before:
			switch {
			case trim == "":
				continue
			case strings.HasPrefix(trim, "#") || strings.HasPrefix(trim, "//"):
				c := strings.TrimSpace(strings.TrimLeft(trim, "#/"))
				if v, ok := strings.CutPrefix(c, "@name"); ok && (v == "" || v[0] == ' ' || v[0] == '=' || v[0] == '\t') {
					name = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "="))
				}
				continue
			case strings.HasPrefix(trim, "@"):
				k, v, ok := strings.Cut(trim[1:], "=")
				k = strings.TrimSpace(k)
				if !ok || k == "" || strings.ContainsAny(k, " \t") {
					return nil, fmt.Errorf("line %d: %s: want @name = value", i+1, clip(trim))
				}
				f.vars[k] = strings.TrimSpace(v)
				continue
			}
			b := &httpBlock{line: i + 1}
			method, target := "", trim
			if sp := strings.IndexAny(trim, " \t"); sp > 0 {
				w := trim[:sp]
				if methods[strings.ToUpper(w)] || isUpperToken(w) {
					method, target = w, strings.TrimSpace(trim[sp:])
					if !methods[w] && methods[strings.ToUpper(w)] {
						b.notes = append(b.notes, fmt.Sprintf("line %d: method %s read as %s", i+1, clip(w), strings.ToUpper(w)))
						method = strings.ToUpper(w)
					}
				}
			}
			if sp := strings.LastIndexAny(target, " \t"); sp > 0 && strings.HasPrefix(strings.TrimSpace(target[sp:]), "HTTP/") {
				target = strings.TrimSpace(target[:sp])
			}
			if method == "" {
				method = "GET"
			}
			if strings.ContainsAny(target, " \t") {
				return nil, fmt.Errorf("line %d: %s: want METHOD URL [HTTP/version]", i+1, clip(trim))
			}
			b.req = Request{Name: name, Method: method, URL: target}
			if b.req.Name == "" {
				b.req.Name = sepName
			}
			sepName = ""
			cur, state = b, headers
		case headers:
			switch {
			case trim == "":
				state = body
				continue
			case cur.req.Header == nil && (strings.HasPrefix(trim, "?") || strings.HasPrefix(trim, "&")) && line != trim:
				cur.req.URL += trim // the query, continued on indented lines
				continue
			case strings.HasPrefix(trim, "#") || strings.HasPrefix(trim, "//"):
				continue
			}
			k, v, ok := strings.Cut(trim, ":")
			if !ok || strings.TrimSpace(k) == "" || strings.ContainsAny(strings.TrimSpace(k), " \t{}[]<\"") {
				cur.notes = append(cur.notes, fmt.Sprintf("line %d: no blank line between the headers and the body: the body starts here", i+1))
				state = body
				cur.body = append(cur.body, line)
				continue
			}
			cur.req.Header = append(cur.req.Header, Header{strings.TrimSpace(k), strings.TrimSpace(v)})
		case body:
			switch {
			case handler:
				if strings.HasSuffix(trim, "%}") {
					handler = false
				}
				continue
			case strings.HasPrefix(trim, "> {%") || strings.HasPrefix(trim, ">{%"):
				handler = !strings.HasSuffix(trim, "%}")
				continue
			case strings.HasPrefix(trim, "> ") || strings.HasPrefix(trim, ">>") || strings.HasPrefix(trim, "<> "):
				continue // a response handler file, an output redirect, a previous response
			}
			cur.body = append(cur.body, raw)
		}
	}
	flush()
	return f, nil
}

// isUpperToken says w is an upper-case method token (PROPFIND, MKCOL).
func isUpperToken(w string) bool {
	if len(w) < 3 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return true
}

// requests lists the blocks for picking, unnamed ones as #N.
func (f *httpFile) requests() []Request {
	out := make([]Request, len(f.blocks))
	for i := range f.blocks {
		r := f.blocks[i].req
		r.Path = r.Name
		if r.Path == "" {
			r.Path = "#" + strconv.Itoa(i+1)
		}
		f.blocks[i].req.Path = r.Path
		out[i] = r
	}
	return out
}

// loadHTTPFile picks and builds one request of an HTTP file.
func loadHTTPFile(file string, data []byte, o Options) (*Request, []string, error) {
	f, err := parseHTTPFile(data)
	if err != nil {
		return nil, nil, err
	}
	reqs := f.requests()
	sel, err := pick(reqs, o.Request, "file")
	if err != nil {
		return nil, nil, err
	}
	b := &f.blocks[index(reqs, sel)]
	dir := filepath.Dir(file)
	envs, err := readHTTPEnvs(dir)
	if err != nil {
		return nil, nil, err
	}
	hint := "define it with @name = value in the file"
	var layers []map[string]string
	layers = append(layers, f.vars)
	switch {
	case o.Env != "":
		if len(envs.names) == 0 {
			return nil, nil, fmt.Errorf("--env %s: no http-client.env.json or http-client.private.env.json beside the file", clip(o.Env))
		}
		found := false
		for _, n := range envs.names {
			found = found || n == o.Env
		}
		if !found {
			return nil, nil, fmt.Errorf("--env %s: no such environment in %s (it has: %s)", clip(o.Env), strings.Join(envs.files, ", "), strings.Join(envs.names, ", "))
		}
		layers = append(layers, envs.private[o.Env], envs.public[o.Env])
		hint += " or in the environment " + o.Env + " of " + strings.Join(envs.files, ", ")
	case len(envs.names) > 0:
		hint += fmt.Sprintf(", or pick an environment of %s with --env NAME (%s)", strings.Join(envs.files, ", "), strings.Join(envs.names, ", "))
	default:
		hint += " or in http-client.env.json and pick its environment with --env NAME"
	}
	layers = append(layers, envs.private["$shared"], envs.public["$shared"])
	s := newScope(o, hint, layers...)
	r := b.req
	r.Header = append([]Header(nil), b.req.Header...)
	notes := append([]string(nil), b.notes...)
	if err := s.resolve(&r); err != nil {
		return nil, nil, err
	}
	if len(b.body) > 0 {
		body, more, err := httpBody(&r, b.body, s, dir)
		if err != nil {
			return nil, nil, fmt.Errorf("request %q: %w", r.Path, err)
		}
		notes = append(notes, more...)
		if body != nil {
			r.Body, r.HasBody = body, true
		}
	}
	if !strings.Contains(r.URL, "://") {
		if strings.HasPrefix(r.URL, "/") {
			return nil, nil, fmt.Errorf("request %q: %s: the URL has no host (a Host header with a path-only request line is not supported: write the whole URL)", r.Path, clip(r.URL))
		}
		r.URL = "http://" + r.URL
		notes = append(notes, "the URL has no scheme: http:// assumed")
	}
	notes = append(notes, clearAuth(&r)...)
	return &r, notes, nil
}

// httpBody joins body lines: trailing blank lines go, "< file" lines are
// replaced by the file, and a form body's lines join without breaks.
func httpBody(r *Request, lines []string, s *scope, dir string) ([]byte, []string, error) {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, nil, nil
	}
	ct, _ := r.header("Content-Type")
	form := strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/x-www-form-urlencoded")
	var parts [][]byte
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if name, ok := strings.CutPrefix(t, "<"); ok && (strings.HasPrefix(name, " ") || strings.HasPrefix(name, "@")) {
			expand := strings.HasPrefix(name, "@")
			name = strings.TrimSpace(strings.TrimPrefix(name, "@"))
			if enc, rest, ok := strings.Cut(name, " "); ok && !strings.ContainsAny(enc, `/\.`) {
				name = strings.TrimSpace(rest) // <@latin1 ./file
			}
			name, err := s.expand(name)
			if err != nil {
				return nil, nil, err
			}
			data, err := readSrc(name, dir)
			if err != nil {
				return nil, nil, fmt.Errorf("body: %w", err)
			}
			if expand {
				v, err := s.expand(string(data))
				if err != nil {
					return nil, nil, err
				}
				data = []byte(v)
			}
			parts = append(parts, data)
			continue
		}
		if form {
			l = t
		}
		l, err := s.expand(l)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, []byte(l))
	}
	sep := []byte("\n")
	if form {
		sep = nil
	}
	return bytes.Join(parts, sep), nil, nil
}

// clearAuth turns the clients' shorthand "Authorization: Basic user pass"
// (or user:pass) and "Digest user pass" into credentials, as the clients
// encode them.
func clearAuth(r *Request) []string {
	for i, h := range r.Header {
		if !strings.EqualFold(h.Name, "Authorization") {
			continue
		}
		scheme, rest, _ := strings.Cut(strings.TrimSpace(h.Value), " ")
		rest = strings.TrimSpace(rest)
		var user, pass string
		switch {
		case strings.Contains(rest, " "):
			user, pass, _ = strings.Cut(rest, " ")
			pass = strings.TrimSpace(pass)
		case strings.EqualFold(scheme, "Basic") && strings.Contains(rest, ":"):
			user, pass, _ = strings.Cut(rest, ":")
		case strings.EqualFold(scheme, "Basic") && !isBase64(rest):
			user = rest
		default:
			continue
		}
		switch {
		case strings.EqualFold(scheme, "Basic"):
			r.Auth = Auth{Scheme: "basic", User: user, Password: pass}
		case strings.EqualFold(scheme, "Digest") && !strings.Contains(rest, "="):
			r.Auth = Auth{Scheme: "digest", User: user, Password: pass}
		default:
			continue
		}
		r.Header = append(r.Header[:i:i], r.Header[i+1:]...)
		return []string{fmt.Sprintf("Authorization: %s with the user and password in clear: encoded as the HTTP clients do", scheme)}
	}
	return nil
}

func isBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil && s != ""
}

// httpEnvs are the environments beside an HTTP file.
type httpEnvs struct {
	public, private map[string]map[string]string
	names           []string // sorted, without $shared
	files           []string // the files found
}

// readHTTPEnvs reads http-client.env.json and http-client.private.env.json
// in dir, when they exist.
func readHTTPEnvs(dir string) (*httpEnvs, error) {
	e := &httpEnvs{public: map[string]map[string]string{}, private: map[string]map[string]string{}}
	seen := map[string]bool{}
	for _, f := range []struct {
		name string
		into map[string]map[string]string
	}{{"http-client.env.json", e.public}, {"http-client.private.env.json", e.private}} {
		p := filepath.Join(dir, f.name)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		data, err := readFile(p)
		if err != nil {
			return nil, err
		}
		var doc map[string]map[string]json.RawMessage
		if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &doc); err != nil {
			return nil, fmt.Errorf("%s: want {\"env\": {\"name\": \"value\"}}: %s", p, jsonError(err))
		}
		e.files = append(e.files, f.name)
		for env, vars := range doc {
			m := map[string]string{}
			for k, raw := range vars {
				var v jstr
				if t := bytes.TrimSpace(raw); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
					continue // settings such as Security, not variables
				}
				if json.Unmarshal(raw, &v) == nil {
					m[k] = string(v)
				}
			}
			f.into[env] = m
			if env != "$shared" && !seen[env] {
				seen[env] = true
				e.names = append(e.names, env)
			}
		}
	}
	sort.Strings(e.names)
	return e, nil
}
