package checklist

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Version is the checklist format version this package reads.
const Version = 1

// Limits on a checklist file.
const (
	MaxFileSize    = 1 << 20
	MaxEndpoints   = 500
	MaxConcurrency = 32
	defaultConc    = 4
	defaultTimeout = 15 * time.Second
)

// Expectation kinds.
const (
	Authenticated = "authenticated"
	Challenge     = "challenge"
	Forbidden     = "forbidden"
	NoStore       = "no-store"
	CookieKind    = "cookie"
	TokenKind     = "token"
	TLSKind       = "tls"
	CORSKind      = "cors"
	ProxyKind     = "proxy"
)

// kinds lists every expectation kind in the order the docs name them.
var kinds = []string{Authenticated, Challenge, Forbidden, NoStore, CookieKind, TokenKind, TLSKind, CORSKind, ProxyKind}

// File is a parsed checklist.
type File struct {
	Path        string // as given to Parse, for messages
	Dir         string // directory relative secret files are read from
	Version     int
	Site        string // base URL relative endpoint URLs resolve against ("" when none)
	Concurrency int
	Timeout     time.Duration
	Insecure    bool
	CACert      string // PEM file, resolved against Dir
	Logins      []*Login
	Endpoints   []*Endpoint
}

// Pos is a position in the file, 1-based.
type Pos struct{ Line, Column int }

// Value is a string that is either written in the file (Literal) or read
// at run time from an environment variable (Env) or a file (File).
type Value struct {
	Literal string
	Env     string
	File    string
	Pos     Pos
}

// Secret reports whether the value comes from the environment or a file.
func (v Value) Secret() bool { return v.Env != "" || v.File != "" }

// Field is one named Value (a header, a form or JSON field).
type Field struct {
	Name  string
	Value Value
}

// Basic is user and password for HTTP Basic authentication.
type Basic struct {
	User     Value
	Password Value // never a literal
}

// Request is what an endpoint or a login sends.
type Request struct {
	Method  string
	URL     string // absolute, after resolving against the site
	Headers []Field
	Form    []Field // application/x-www-form-urlencoded body
	JSON    []Field // a flat JSON object of strings
	Body    string  // a literal body (no secrets)
	Basic   *Basic
	Bearer  *Value // never a literal
	Session string // the login whose cookies and token this request carries
	Follow  bool   // follow redirects (default true)
	Pos     Pos
}

// Login is a login step: its request runs once before the endpoints, and
// the cookies it sets (and the token read from its JSON answer) go with
// every request whose session names it.
type Login struct {
	Name    string
	Request Request
	// Cookies are names (a trailing * matches a prefix) the login must set
	// to count as successful.
	Cookies []string
	// Token is the dotted path of a string in the JSON answer to use as a
	// bearer token ("access_token", "data.token").
	Token  string
	Expect []*Expectation
	Pos    Pos
}

// Endpoint is one named request and what must hold for it.
type Endpoint struct {
	Name    string
	Request Request
	Expect  []*Expectation
	Pos     Pos
}

// Expectation is one thing that must hold. Kind selects which fields
// matter.
type Expectation struct {
	Kind string
	Pos  Pos

	Scheme, Realm string // challenge

	Cookie *CookieRule // cookie

	MaxLifetime time.Duration // token: exp - iat at most this (0: unchecked)
	MinValid    time.Duration // token: still valid for at least this long
	Audience    string        // token
	Issuer      string        // token

	MinDays int // tls (default 14)

	Origin         string   // cors
	Method         string   // cors (default GET)
	RequestHeaders []string // cors (default Authorization)

	Proto, Host   string // proxy: X-Forwarded-Proto, X-Forwarded-Host
	Authorization bool   // proxy: Authorization must arrive (default true)
}

// CookieRule is what a Set-Cookie must look like. Nil pointers are not
// checked.
type CookieRule struct {
	Name     string // a trailing * matches a prefix
	Secure   *bool
	HTTPOnly *bool
	HostOnly *bool
	SameSite string // "Strict", "Lax", "None" or "" (unchecked)
	Path     string
}

// Label is the expectation as one short phrase, used in reports and as the
// JUnit test case name.
func (e *Expectation) Label() string {
	switch e.Kind {
	case Challenge:
		s := Challenge
		if e.Scheme != "" {
			s += " " + e.Scheme
		}
		if e.Realm != "" {
			s += fmt.Sprintf(" realm=%q", e.Realm)
		}
		return s
	case CookieKind:
		return "cookie " + e.Cookie.Name
	case TokenKind:
		return "token"
	case TLSKind:
		return fmt.Sprintf("tls %dd", e.MinDays)
	case CORSKind:
		return "cors " + e.Origin
	}
	return e.Kind
}

// ParseFile reads and parses the checklist at path.
func ParseFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, pathErr(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, pathErr(err))
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxFileSize)
	}
	return Parse(path, data)
}

func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse parses a checklist. name is used in error messages and to resolve
// relative secret files and the CA file. Errors read
// "name:line:column: message". Parse reads no secrets.
func Parse(name string, data []byte) (f *File, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s:%s", name, yamlErr(err))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s:1:1: empty checklist (want a mapping with endpoints)", name)
	}
	d := &decoder{name: name}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			f, err = nil, pe.err
		}
	}()
	f = d.file(doc.Content[0])
	f.Path = name
	f.Dir = filepath.Dir(name)
	if f.CACert != "" && !filepath.IsAbs(f.CACert) {
		f.CACert = filepath.Join(f.Dir, f.CACert)
	}
	return f, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlErr turns a yaml.v3 syntax error into "line:1: message".
func yamlErr(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return m[1] + ":1: " + m[2]
	}
	return "1:1: " + strings.TrimPrefix(msg, "yaml: ")
}

type parseError struct{ err error }

type decoder struct{ name string }

func (d *decoder) fail(n *yaml.Node, format string, args ...any) {
	panic(parseError{fmt.Errorf("%s:%d:%d: %s", d.name, n.Line, n.Column, fmt.Sprintf(format, args...))})
}

func pos(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

// mapping checks that n is a mapping with keys among allowed and returns
// key -> value; it fails on unknown or repeated keys.
func (d *decoder) mapping(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s: want a mapping, got %s", what, kindName(n))
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.fail(k, "%s: keys must be strings", what)
		}
		ok := false
		for _, a := range allowed {
			if a == k.Value {
				ok = true
				break
			}
		}
		if !ok {
			d.fail(k, "%s: unknown field %q (want one of %s)", what, k.Value, strings.Join(allowed, ", "))
		}
		if _, dup := out[k.Value]; dup {
			d.fail(k, "%s: %q given twice", what, k.Value)
		}
		out[k.Value] = v
	}
	return out
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an alias"
}

func (d *decoder) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.fail(n, "%s: want a string, got %s", what, kindName(n))
	}
	return n.Value
}

func (d *decoder) boolean(n *yaml.Node, what string) bool {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "true":
			return true
		case "false":
			return false
		}
	}
	d.fail(n, "%s: want true or false, got %s", what, kindName(n))
	return false
}

func (d *decoder) integer(n *yaml.Node, what string, min, max int) int {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.Atoi(n.Value); err == nil {
			if v < min || v > max {
				d.fail(n, "%s: %d out of range %d..%d", what, v, min, max)
			}
			return v
		}
	}
	d.fail(n, "%s: want a whole number, got %s", what, kindName(n))
	return 0
}

// duration reads a Go duration ("90s", "1h30m") or a day count ("30d").
func (d *decoder) duration(n *yaml.Node, what string) time.Duration {
	s := d.str(n, what)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if v, err := strconv.Atoi(days); err == nil && v > 0 && v < 100000 {
			return time.Duration(v) * 24 * time.Hour
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		d.fail(n, "%s: %q is not a positive duration (like 90s, 15m, 1h or 30d)", what, s)
	}
	return v
}

func (d *decoder) strings(n *yaml.Node, what string) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{d.str(n, what)}
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "%s: want a string or a list of strings, got %s", what, kindName(n))
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, d.str(resolveAlias(c), what))
	}
	return out
}

// value reads a Value: a string, or a mapping with env or file. A secret
// value must not be a literal.
func (d *decoder) value(n *yaml.Node, what string, secret bool) Value {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if secret {
			d.fail(n, "%s: credentials must not be written in the file: use {env: NAME} or {file: PATH}", what)
		}
		return Value{Literal: n.Value, Pos: pos(n)}
	}
	m := d.mapping(n, what, "env", "file")
	v := Value{Pos: pos(n)}
	switch {
	case m["env"] != nil && m["file"] != nil:
		d.fail(n, "%s: give env or file, not both", what)
	case m["env"] != nil:
		v.Env = d.str(m["env"], what+".env")
		if !envName.MatchString(v.Env) {
			d.fail(m["env"], "%s.env: %q is not an environment variable name", what, v.Env)
		}
	case m["file"] != nil:
		v.File = d.str(m["file"], what+".file")
		if v.File == "" {
			d.fail(m["file"], "%s.file: empty path", what)
		}
	default:
		d.fail(n, "%s: want env or file", what)
	}
	return v
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// fields reads a mapping of name -> Value.
func (d *decoder) fields(n *yaml.Node, what string, secretNames func(string) bool) []Field {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s: want a mapping, got %s", what, kindName(n))
	}
	var out []Field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		name := d.str(k, what)
		if seen[strings.ToLower(name)] {
			d.fail(k, "%s: %q given twice", what, name)
		}
		seen[strings.ToLower(name)] = true
		out = append(out, Field{Name: name, Value: d.value(n.Content[i+1], what+"."+name, secretNames(name))})
	}
	return out
}

func (d *decoder) file(n *yaml.Node) *File {
	m := d.mapping(n, "checklist", "version", "site", "concurrency", "timeout", "insecure", "cacert", "logins", "endpoints")
	f := &File{Version: Version, Concurrency: defaultConc, Timeout: defaultTimeout}
	if v := m["version"]; v != nil {
		f.Version = d.integer(v, "version", 1, 1000)
		if f.Version != Version {
			d.fail(v, "version: %d is not supported (this why401 reads version %d)", f.Version, Version)
		}
	}
	if v := m["site"]; v != nil {
		f.Site = d.str(v, "site")
		u, err := url.Parse(f.Site)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.fail(v, "site: %q is not an http(s) URL", f.Site)
		}
	}
	if v := m["concurrency"]; v != nil {
		f.Concurrency = d.integer(v, "concurrency", 1, MaxConcurrency)
	}
	if v := m["timeout"]; v != nil {
		f.Timeout = d.duration(v, "timeout")
	}
	if v := m["insecure"]; v != nil {
		f.Insecure = d.boolean(v, "insecure")
	}
	if v := m["cacert"]; v != nil {
		f.CACert = d.str(v, "cacert")
	}
	names := map[string]bool{}
	if v := m["logins"]; v != nil {
		if v.Kind != yaml.SequenceNode {
			d.fail(v, "logins: want a list, got %s", kindName(v))
		}
		for _, c := range v.Content {
			l := d.login(resolveAlias(c), f)
			if names[l.Name] {
				d.fail(c, "logins: name %q used twice", l.Name)
			}
			names[l.Name] = true
			f.Logins = append(f.Logins, l)
		}
	}
	v := m["endpoints"]
	if v == nil {
		d.fail(n, "checklist: no endpoints")
	}
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		d.fail(v, "endpoints: want a non-empty list, got %s", kindName(v))
	}
	if len(v.Content) > MaxEndpoints {
		d.fail(v, "endpoints: more than %d", MaxEndpoints)
	}
	for _, c := range v.Content {
		e := d.endpoint(resolveAlias(c), f)
		if names[e.Name] {
			d.fail(c, "endpoints: name %q used twice (names are unique across logins and endpoints)", e.Name)
		}
		names[e.Name] = true
		f.Endpoints = append(f.Endpoints, e)
	}
	for _, l := range f.Logins {
		d.checkSession(l.Request, f, l.Name)
	}
	for _, e := range f.Endpoints {
		d.checkSession(e.Request, f, "")
	}
	return f
}

func (d *decoder) checkSession(r Request, f *File, self string) {
	if r.Session == "" {
		return
	}
	n := &yaml.Node{Line: r.Pos.Line, Column: r.Pos.Column}
	if r.Session == self {
		d.fail(n, "session: a login cannot use its own session")
	}
	for _, l := range f.Logins {
		if l.Name == r.Session {
			return
		}
		if l.Name == self {
			break
		}
	}
	d.fail(n, "session: no earlier login named %q", r.Session)
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func (d *decoder) ident(n *yaml.Node, what string) string {
	s := d.str(n, what)
	if !nameRE.MatchString(s) {
		d.fail(n, "%s: %q: want letters, digits, '.', '_' or '-' (at most 64)", what, s)
	}
	return s
}

func (d *decoder) login(n *yaml.Node, f *File) *Login {
	m := d.mapping(n, "login", "name", "request", "cookies", "token", "expect")
	l := &Login{Pos: pos(n)}
	if m["name"] == nil {
		d.fail(n, "login: no name")
	}
	l.Name = d.ident(m["name"], "login.name")
	if m["request"] == nil {
		d.fail(n, "login %s: no request", l.Name)
	}
	l.Request = d.request(m["request"], f, "login "+l.Name)
	if v := m["cookies"]; v != nil {
		l.Cookies = d.strings(v, "cookies")
	}
	if v := m["token"]; v != nil {
		l.Token = d.str(v, "token")
		if l.Token == "" || strings.Contains(l.Token, "..") || strings.HasPrefix(l.Token, ".") || strings.HasSuffix(l.Token, ".") {
			d.fail(v, "token: %q is not a dotted JSON path like access_token or data.token", l.Token)
		}
	}
	if v := m["expect"]; v != nil {
		l.Expect = d.expectations(v, "login "+l.Name)
		for _, e := range l.Expect {
			switch e.Kind {
			case NoStore, CookieKind, TokenKind, TLSKind:
			default:
				d.fail(&yaml.Node{Line: e.Pos.Line, Column: e.Pos.Column}, "login %s: expect %s: a login may expect no-store, cookie, token or tls", l.Name, e.Kind)
			}
		}
	}
	return l
}

func (d *decoder) endpoint(n *yaml.Node, f *File) *Endpoint {
	m := d.mapping(n, "endpoint", "name", "request", "expect")
	e := &Endpoint{Pos: pos(n)}
	if m["name"] == nil {
		d.fail(n, "endpoint: no name")
	}
	e.Name = d.ident(m["name"], "endpoint.name")
	if m["request"] == nil {
		d.fail(n, "endpoint %s: no request", e.Name)
	}
	e.Request = d.request(m["request"], f, "endpoint "+e.Name)
	if m["expect"] == nil {
		d.fail(n, "endpoint %s: no expect", e.Name)
	}
	e.Expect = d.expectations(m["expect"], "endpoint "+e.Name)
	return e
}

var methodRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func (d *decoder) request(n *yaml.Node, f *File, what string) Request {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode {
		// request: /path is short for request: {url: /path}.
		return Request{Method: http.MethodGet, URL: d.url(n, f, what), Follow: true, Pos: pos(n)}
	}
	m := d.mapping(n, what+": request", "method", "url", "headers", "form", "json", "body", "basic", "bearer", "session", "follow")
	r := Request{Pos: pos(n), Follow: true}
	if m["url"] == nil {
		d.fail(n, "%s: request: no url", what)
	}
	r.URL = d.url(m["url"], f, what)
	if v := m["method"]; v != nil {
		r.Method = strings.ToUpper(d.str(v, "method"))
		if !methodRE.MatchString(r.Method) {
			d.fail(v, "method: %q is not an HTTP method", r.Method)
		}
	}
	if v := m["headers"]; v != nil {
		r.Headers = d.fields(v, "headers", isSecretHeader)
		for i, h := range r.Headers {
			if !methodRE.MatchString(h.Name) {
				d.fail(v, "headers: %q is not a header name", h.Name)
			}
			if h.Value.Literal != "" && strings.ContainsAny(h.Value.Literal, "\r\n\x00") {
				d.fail(v, "headers: %s: control characters in the value", r.Headers[i].Name)
			}
		}
	}
	bodies := 0
	if v := m["form"]; v != nil {
		r.Form = d.fields(v, "form", isSecretField)
		bodies++
	}
	if v := m["json"]; v != nil {
		r.JSON = d.fields(v, "json", isSecretField)
		bodies++
	}
	if v := m["body"]; v != nil {
		r.Body = d.str(v, "body")
		bodies++
	}
	if bodies > 1 {
		d.fail(n, "%s: request: give one of form, json and body", what)
	}
	if v := m["basic"]; v != nil {
		bm := d.mapping(v, "basic", "user", "password")
		if bm["user"] == nil || bm["password"] == nil {
			d.fail(v, "basic: want user and password")
		}
		r.Basic = &Basic{User: d.value(bm["user"], "basic.user", false), Password: d.value(bm["password"], "basic.password", true)}
	}
	if v := m["bearer"]; v != nil {
		b := d.value(v, "bearer", true)
		r.Bearer = &b
	}
	if r.Basic != nil && r.Bearer != nil {
		d.fail(n, "%s: request: give basic or bearer, not both", what)
	}
	if v := m["session"]; v != nil {
		r.Session = d.str(v, "session")
	}
	if v := m["follow"]; v != nil {
		r.Follow = d.boolean(v, "follow")
	}
	if r.Method == "" {
		r.Method = http.MethodGet
		if bodies > 0 {
			r.Method = http.MethodPost
		}
	}
	return r
}

func isSecretHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "cookie":
		return true
	}
	return false
}

func isSecretField(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"pass", "pwd", "secret", "token", "key"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// url reads an endpoint URL, absolute or relative to the site.
func (d *decoder) url(n *yaml.Node, f *File, what string) string {
	s := d.str(n, "url")
	u, err := url.Parse(s)
	if err != nil {
		d.fail(n, "url: %q: %v", s, urlErr(err))
	}
	if !u.IsAbs() {
		if f.Site == "" {
			d.fail(n, "%s: url %q is relative and the checklist has no site", what, s)
		}
		base, _ := url.Parse(f.Site)
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.fail(n, "url: %q is not an http(s) URL", s)
	}
	if u.User != nil {
		d.fail(n, "url: credentials in the URL: use basic with {env: NAME} instead")
	}
	return u.String()
}

func urlErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func (d *decoder) expectations(n *yaml.Node, what string) []*Expectation {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode {
		return []*Expectation{d.expectation(n, what)}
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.fail(n, "%s: expect: want a non-empty list, got %s", what, kindName(n))
	}
	var out []*Expectation
	for _, c := range n.Content {
		out = append(out, d.expectation(resolveAlias(c), what))
	}
	return out
}

func (d *decoder) expectation(n *yaml.Node, what string) *Expectation {
	var kind string
	var body *yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		kind = n.Value
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			d.fail(n, "%s: an expectation is one of %s, alone or as a one-key mapping", what, strings.Join(kinds, ", "))
		}
		kind = d.str(n.Content[0], "expect")
		body = resolveAlias(n.Content[1])
		if body.Kind == yaml.ScalarNode && body.Tag == "!!null" {
			body = nil
		}
	default:
		d.fail(n, "%s: expect: want an expectation, got %s", what, kindName(n))
	}
	e := &Expectation{Kind: kind, Pos: pos(n), Authorization: true}
	empty := func(n *yaml.Node) *yaml.Node {
		if n == nil {
			return &yaml.Node{Kind: yaml.MappingNode, Line: e.Pos.Line, Column: e.Pos.Column}
		}
		return n
	}
	switch kind {
	case Authenticated, Forbidden, NoStore:
		if body != nil {
			d.fail(body, "%s: %s takes no options", what, kind)
		}
	case Challenge:
		m := d.mapping(empty(body), "challenge", "scheme", "realm")
		if v := m["scheme"]; v != nil {
			e.Scheme = d.str(v, "challenge.scheme")
			if !methodRE.MatchString(e.Scheme) {
				d.fail(v, "challenge.scheme: %q is not an auth scheme", e.Scheme)
			}
		}
		if v := m["realm"]; v != nil {
			e.Realm = d.str(v, "challenge.realm")
		}
	case CookieKind:
		if body == nil {
			d.fail(n, "%s: cookie: want at least a name", what)
		}
		m := d.mapping(body, "cookie", "name", "secure", "httponly", "samesite", "host_only", "path")
		c := &CookieRule{}
		if m["name"] == nil {
			d.fail(body, "cookie: no name")
		}
		c.Name = d.str(m["name"], "cookie.name")
		if c.Name == "" || c.Name == "*" {
			d.fail(m["name"], "cookie.name: want a name or a prefix with *")
		}
		for _, f := range []struct {
			key string
			dst **bool
		}{{"secure", &c.Secure}, {"httponly", &c.HTTPOnly}, {"host_only", &c.HostOnly}} {
			if v := m[f.key]; v != nil {
				b := d.boolean(v, "cookie."+f.key)
				*f.dst = &b
			}
		}
		if v := m["samesite"]; v != nil {
			s := d.str(v, "cookie.samesite")
			switch strings.ToLower(s) {
			case "strict":
				c.SameSite = "Strict"
			case "lax":
				c.SameSite = "Lax"
			case "none":
				c.SameSite = "None"
			default:
				d.fail(v, "cookie.samesite: %q: want Strict, Lax or None", s)
			}
		}
		if v := m["path"]; v != nil {
			c.Path = d.str(v, "cookie.path")
		}
		e.Cookie = c
	case TokenKind:
		m := d.mapping(empty(body), "token", "max_lifetime", "min_valid", "aud", "iss")
		if v := m["max_lifetime"]; v != nil {
			e.MaxLifetime = d.duration(v, "token.max_lifetime")
		}
		if v := m["min_valid"]; v != nil {
			e.MinValid = d.duration(v, "token.min_valid")
		}
		if v := m["aud"]; v != nil {
			e.Audience = d.str(v, "token.aud")
		}
		if v := m["iss"]; v != nil {
			e.Issuer = d.str(v, "token.iss")
		}
	case TLSKind:
		e.MinDays = 14
		m := d.mapping(empty(body), "tls", "min_days")
		if v := m["min_days"]; v != nil {
			e.MinDays = d.integer(v, "tls.min_days", 0, 3650)
		}
	case CORSKind:
		if body == nil {
			d.fail(n, "%s: cors: want an origin", what)
		}
		m := d.mapping(body, "cors", "origin", "method", "headers")
		if m["origin"] == nil {
			d.fail(body, "cors: no origin")
		}
		e.Origin = d.str(m["origin"], "cors.origin")
		if u, err := url.Parse(e.Origin); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			d.fail(m["origin"], "cors.origin: %q is not an origin like https://app.example.com", e.Origin)
		}
		e.Origin = strings.TrimSuffix(e.Origin, "/")
		e.Method = http.MethodGet
		if v := m["method"]; v != nil {
			e.Method = strings.ToUpper(d.str(v, "cors.method"))
			if !methodRE.MatchString(e.Method) {
				d.fail(v, "cors.method: %q is not an HTTP method", e.Method)
			}
		}
		e.RequestHeaders = []string{"Authorization"}
		if v := m["headers"]; v != nil {
			e.RequestHeaders = d.strings(v, "cors.headers")
		}
	case ProxyKind:
		m := d.mapping(empty(body), "proxy", "proto", "host", "authorization")
		if v := m["proto"]; v != nil {
			e.Proto = d.str(v, "proxy.proto")
			if e.Proto != "http" && e.Proto != "https" {
				d.fail(v, "proxy.proto: %q: want http or https", e.Proto)
			}
		}
		if v := m["host"]; v != nil {
			e.Host = d.str(v, "proxy.host")
		}
		if v := m["authorization"]; v != nil {
			e.Authorization = d.boolean(v, "proxy.authorization")
		}
	default:
		d.fail(n, "%s: unknown expectation %q (want one of %s)", what, kind, strings.Join(kinds, ", "))
	}
	return e
}
