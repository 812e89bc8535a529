// Package importreq reads a request saved by an API client, a Postman
// collection (schema v2.0 and v2.1) or a .http/.rest file (JetBrains HTTP
// Client, VS Code REST Client), resolves its variables and turns it into
// the probe's options along the same path a pasted curl command takes:
// the request is rendered as curl arguments and mapped by curlcmd, so
// that headers the probe sets itself, cookies and the User-Agent are
// handled exactly as for `why401 curl`.
//
// The readers are generous: a v2.0 auth object, a collection wrapped in
// the Postman API's {"collection": …}, a header list written as text, a
// Basic header written in clear in a .http file are accepted and the
// repair is said in Notes. Secrets never appear in errors or notes.
package importreq

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/why401/why401/internal/curlcmd"
	"github.com/why401/why401/internal/probe"
)

// Kind names the format of a file.
type Kind string

// Kinds.
const (
	Postman  Kind = "postman"
	HTTPFile Kind = "http"
)

// MaxFile bounds the size of a file read.
const MaxFile = 16 << 20

// Header is one header line of a request, in file order.
type Header struct{ Name, Value string }

// Auth is how a request authenticates besides its headers.
type Auth struct {
	// Scheme is "basic", "digest" or "bearer"; "" means none.
	Scheme         string
	User, Password string
	Token          string
}

// Request is one request of a file with its variables resolved.
type Request struct {
	Name   string // as the file names it ("" when it does not)
	Path   string // folders and name, "Admin/Delete user"; "#N" for an unnamed request
	Method string
	URL    string
	Header []Header
	Body   []byte
	// HasBody says a body was given (it may be empty).
	HasBody bool
	Auth    Auth
	// curlArgs are the arguments of a request written as a curl command.
	curlArgs []string
}

// Options select and resolve a request.
type Options struct {
	// Request names the request: its name, its folder path
	// ("Folder/Name") or "#N"; "" picks the only one.
	Request string
	// Env is a Postman environment file for a collection, or the name of
	// an environment of http-client.env.json for a .http file.
	Env string
	// Now is the clock of dynamic variables ({{$timestamp}}); nil means
	// time.Now.
	Now func() time.Time
	// Getenv reads process environment variables for {{$processEnv X}};
	// nil means os.Getenv.
	Getenv func(string) string
}

// Loaded is a request ready for the probe.
type Loaded struct {
	Kind    Kind
	Request Request
	// Args are the curl arguments the request was rendered as; they hold
	// its secrets and are not for printing.
	Args []string
	// Options are the probe options curlcmd made of Args.
	Options probe.Options
	// Notes say what was repaired, ignored or derived on the way.
	Notes []string
}

// Load reads file, picks the request o names, resolves its variables and
// maps it to probe options. Errors are one line and name the file.
func Load(file string, o Options) (*Loaded, error) {
	data, err := readFile(file)
	if err != nil {
		return nil, err
	}
	kind := Detect(file, data)
	var (
		req   *Request
		notes []string
	)
	switch kind {
	case Postman:
		req, notes, err = loadPostman(file, data, o)
	default:
		req, notes, err = loadHTTPFile(file, data, o)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	l := &Loaded{Kind: kind, Request: *req, Notes: notes}
	l.Args = req.Args()
	c, err := curlcmd.FromArgs(l.Args)
	if err != nil {
		if req.Auth.Scheme == "digest" && strings.Contains(err.Error(), "--digest") {
			return nil, fmt.Errorf("%s: request %q: Digest authentication cannot be sent by this build of the probe", file, req.Path)
		}
		return nil, fmt.Errorf("%s: request %q: %w", file, req.Path, err)
	}
	l.Options = c.Options
	l.Notes = append(l.Notes, c.Notes...)
	return l, nil
}

// readFile reads a file of at most MaxFile bytes.
func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(f, MaxFile+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if b.Len() > MaxFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, MaxFile>>20)
	}
	return b.Bytes(), nil
}

// Detect names the format of a file from its extension, then its content:
// .http and .rest are HTTP files, JSON with "item" or "info" a collection.
func Detect(name string, data []byte) Kind {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".http", ".rest":
		return HTTPFile
	case ".json", ".postman_collection":
		return Postman
	}
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(t) > 0 && t[0] == '{' {
		return Postman
	}
	return HTTPFile
}

// Args renders the request as curl arguments: the method, the URL with
// globbing off, each header (an empty value in curl's "Name;" form), the
// credentials and the body, sent literally.
func (r *Request) Args() []string {
	if r.curlArgs != nil {
		return r.curlArgs
	}
	args := []string{"-g"}
	if r.Method != "" {
		args = append(args, "-X", r.Method)
	}
	args = append(args, "--url", r.URL)
	for _, h := range r.Header {
		if strings.TrimSpace(h.Value) == "" {
			args = append(args, "-H", h.Name+";")
		} else {
			args = append(args, "-H", h.Name+": "+h.Value)
		}
	}
	switch r.Auth.Scheme {
	case "basic":
		args = append(args, "-u", r.Auth.User+":"+r.Auth.Password)
	case "digest":
		args = append(args, "--digest", "-u", r.Auth.User+":"+r.Auth.Password)
	case "bearer":
		args = append(args, "--oauth2-bearer", r.Auth.Token)
	}
	if r.HasBody {
		args = append(args, "--data-raw", string(r.Body))
	}
	return args
}

// header returns the value of the first header named name.
func (r *Request) header(name string) (string, bool) {
	for _, h := range r.Header {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// pick chooses the request sel names among reqs: by exact path, then
// exact name, then either case-insensitively, or the only one.
func pick(reqs []Request, sel, what string) (*Request, error) {
	if len(reqs) == 0 {
		return nil, fmt.Errorf("no request in the %s", what)
	}
	if sel == "" {
		if len(reqs) == 1 {
			return &reqs[0], nil
		}
		return nil, fmt.Errorf("%d requests in the %s, pick one with --request NAME: %s", len(reqs), what, list(reqs))
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(sel, "#")); err == nil && strings.HasPrefix(sel, "#") {
		if n < 1 || n > len(reqs) {
			return nil, fmt.Errorf("%s: the %s has requests #1 to #%d", sel, what, len(reqs))
		}
		return &reqs[n-1], nil
	}
	for _, match := range []func(r *Request) bool{
		func(r *Request) bool { return r.Path == sel },
		func(r *Request) bool { return r.Name == sel },
		func(r *Request) bool { return strings.EqualFold(r.Path, sel) },
		func(r *Request) bool { return strings.EqualFold(r.Name, sel) },
	} {
		var found []int
		for i := range reqs {
			if match(&reqs[i]) {
				found = append(found, i)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return &reqs[found[0]], nil
		default:
			var names []string
			for _, j := range found {
				names = append(names, fmt.Sprintf("%q (#%d)", reqs[j].Path, j+1))
			}
			return nil, fmt.Errorf("%d requests named %q, pick one by its path or #N: %s", len(found), sel, strings.Join(names, ", "))
		}
	}
	return nil, fmt.Errorf("no request named %q; the %s has: %s", sel, what, list(reqs))
}

// index returns the position of the request pick returned.
func index(reqs []Request, sel *Request) int {
	for i := range reqs {
		if &reqs[i] == sel {
			return i
		}
	}
	panic("importreq: request not from the list")
}

// list names requests for an error line, at most 20 of them.
func list(reqs []Request) string {
	var names []string
	for i, r := range reqs {
		if i == 20 {
			names = append(names, fmt.Sprintf("and %d more", len(reqs)-20))
			break
		}
		names = append(names, strconv.Quote(r.Path))
	}
	return strings.Join(names, ", ")
}

// clip shortens s for a message and keeps it on one line.
func clip(s string) string { return curlcmd.Clip(s) }
