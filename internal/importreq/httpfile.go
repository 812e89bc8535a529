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

	"github.com/why401/why401/internal/curlcmd"
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
	// curl holds a request written as a curl command (REST Client).
	curl []string
}

// httpFile is a parsed HTTP file.
type httpFile struct {
	vars   map[string]string
	blocks []httpBlock
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
		curlLines
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
			if strings.HasPrefix(trim, "curl ") {
				cur = &httpBlock{line: i + 1, curl: []string{line}, req: Request{Name: name}}
				if cur.req.Name == "" {
					cur.req.Name = sepName
				}
				sepName, state = "", curlLines
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
		case curlLines:
			cur.curl = append(cur.curl, line)
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
	var (
		layers   []layer
		notes    []string
		fileVars = layer{"the file's @variables", f.vars}
	)
	switch {
	case o.Env != "":
		src := envs.find(o.Env)
		if src == nil {
			if len(envs.sources) == 0 {
				return nil, nil, fmt.Errorf("--env %s: no http-client.env.json, http-client.private.env.json or .vscode/settings.json with rest-client.environmentVariables beside the file", clip(o.Env))
			}
			return nil, nil, fmt.Errorf("--env %s: no such environment in %s (it has: %s)", clip(o.Env), envs.files(), strings.Join(envs.names(), ", "))
		}
		if src.jetbrains {
			// The JetBrains client: environment variables before in-place
			// ones, the public file before the private one.
			for _, js := range envs.sources {
				if js.jetbrains {
					layers = append(layers, layer{"environment " + o.Env + " of " + js.file, js.envs[o.Env]})
				}
			}
			layers = append(layers, fileVars)
			for _, js := range envs.sources {
				if js.jetbrains {
					layers = append(layers, layer{"$shared of " + js.file, js.envs["$shared"]})
				}
			}
			notes = append(notes, fmt.Sprintf("environment %s of %s", o.Env, envs.files()))
		} else {
			// REST Client: file variables before the environment, then $shared.
			layers = append(layers, fileVars, layer{"environment " + o.Env + " of " + src.file, src.envs[o.Env]}, layer{"$shared of " + src.file, src.envs["$shared"]})
			notes = append(notes, fmt.Sprintf("environment %s of %s", o.Env, src.file))
		}
		hint += " or in the environment " + o.Env + " of " + envs.files()
	case len(envs.sources) > 0:
		layers = append(layers, fileVars)
		for _, es := range envs.sources {
			layers = append(layers, layer{"$shared of " + es.file, es.envs["$shared"]})
		}
		hint += fmt.Sprintf(", or pick an environment of %s with --env NAME (%s)", envs.files(), strings.Join(envs.names(), ", "))
	default:
		layers = append(layers, fileVars)
		hint += " or in http-client.env.json and pick its environment with --env NAME"
	}
	s := newScope(o, hint, layers...)
	r := b.req
	r.Header = append([]Header(nil), b.req.Header...)
	notes = append(notes, b.notes...)
	if b.curl != nil {
		text, err := s.expand(strings.Join(b.curl, "\n"))
		if err != nil {
			return nil, nil, fmt.Errorf("request %q: %w", r.Path, err)
		}
		c, err := curlcmd.Parse(text)
		if err != nil {
			return nil, nil, fmt.Errorf("request %q (line %d): %w", r.Path, b.line, err)
		}
		r.curlArgs = c.Args
		return &r, append(notes, s.notes...), nil
	}
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
	return &r, append(notes, s.notes...), nil
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

// envSource is one file of environments.
type envSource struct {
	file      string // as shown: http-client.env.json, .vscode/settings.json
	envs      map[string]map[string]string
	jetbrains bool
}

// httpEnvs are the environments of an HTTP file: the JetBrains files
// beside it (public, then private), then REST Client's environments in the
// nearest .vscode/settings.json of its directory or a parent, up to the
// repository's root.
type httpEnvs struct{ sources []envSource }

func (e *httpEnvs) find(name string) *envSource {
	for i := range e.sources {
		if _, ok := e.sources[i].envs[name]; ok && name != "$shared" {
			return &e.sources[i]
		}
	}
	return nil
}

func (e *httpEnvs) names() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range e.sources {
		for n := range s.envs {
			if n != "$shared" && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (e *httpEnvs) files() string {
	var out []string
	for _, s := range e.sources {
		out = append(out, s.file)
	}
	return strings.Join(out, ", ")
}

// maxParents bounds the search for .vscode/settings.json.
const maxParents = 8

// readHTTPEnvs reads the environment files of an HTTP file in dir.
func readHTTPEnvs(dir string) (*httpEnvs, error) {
	e := &httpEnvs{}
	for _, name := range []string{"http-client.env.json", "http-client.private.env.json"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		data, err := readFile(p)
		if err != nil {
			return nil, err
		}
		envs, err := envObject(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
		if err != nil {
			return nil, fmt.Errorf("%s: %s", p, err)
		}
		e.sources = append(e.sources, envSource{file: name, envs: envs, jetbrains: true})
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return e, nil
	}
	start := abs
	for i := 0; i < maxParents; i++ {
		p := filepath.Join(abs, ".vscode", "settings.json")
		if _, err := os.Stat(p); err == nil {
			data, err := readFile(p)
			if err != nil {
				return nil, err
			}
			var settings map[string]json.RawMessage
			if err := json.Unmarshal(stripJSONC(data), &settings); err != nil {
				return nil, fmt.Errorf("%s: %s", p, jsonError(err))
			}
			if raw, ok := settings["rest-client.environmentVariables"]; ok {
				envs, err := envObject(raw)
				if err != nil {
					return nil, fmt.Errorf("%s: rest-client.environmentVariables: %s", p, err)
				}
				rel, err := filepath.Rel(start, p)
				if err != nil {
					rel = p
				}
				e.sources = append(e.sources, envSource{file: rel, envs: envs})
			}
			break
		}
		parent := filepath.Dir(abs)
		if _, err := os.Stat(filepath.Join(abs, ".git")); err == nil || parent == abs {
			break // the workspace's root, or the file system's
		}
		abs = parent
	}
	return e, nil
}

// envObject reads {"env": {"name": value}}; values that are objects or
// lists (JetBrains' Security settings) are not variables and are left out.
func envObject(data []byte) (map[string]map[string]string, error) {
	var doc map[string]map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf(`want {"env": {"name": "value"}}: %s`, jsonError(err))
	}
	out := map[string]map[string]string{}
	for env, vars := range doc {
		m := map[string]string{}
		for k, raw := range vars {
			if t := bytes.TrimSpace(raw); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
				continue
			}
			var v jstr
			if json.Unmarshal(raw, &v) == nil {
				m[k] = string(v)
			}
		}
		out[env] = m
	}
	return out, nil
}

// stripJSONC removes the comments and trailing commas VS Code allows in
// settings.json, outside strings.
func stripJSONC(data []byte) []byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(data) {
				j = len(data) - 1
			}
			out = append(out, data[i:j+1]...)
			i = j
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			end := bytes.Index(data[i+2:], []byte("*/"))
			if end < 0 {
				return out
			}
			i += end + 3
		case c == '}' || c == ']':
			t := bytes.TrimRight(out, " \t\r\n")
			if len(t) > 0 && t[len(t)-1] == ',' {
				out = append(t[:len(t)-1], out[len(t):]...)
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}
