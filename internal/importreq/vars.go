package importreq

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// scope resolves {{name}} references: layers are searched in order, the
// first that defines a name wins; names starting with $ are the dynamic
// variables the clients share ($guid, $timestamp, …).
type scope struct {
	layers []layer
	now    func() time.Time
	getenv func(string) string
	// hint says where a missing variable can be defined.
	hint string
	// notes say which of several definitions of a name was used.
	notes []string
	noted map[string]bool
}

// layer is one source of variables, named for notes.
type layer struct {
	name string
	vars map[string]string
}

func newScope(o Options, hint string, layers ...layer) *scope {
	s := &scope{layers: layers, now: o.Now, getenv: o.Getenv, hint: hint}
	if s.now == nil {
		s.now = time.Now
	}
	if s.getenv == nil {
		s.getenv = os.Getenv
	}
	return s
}

// maxDepth bounds variables defined through other variables.
const maxDepth = 10

// expand replaces every {{name}} in text.
func (s *scope) expand(text string) (string, error) {
	return s.expandDepth(text, 0)
}

func (s *scope) expandDepth(text string, depth int) (string, error) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		j := strings.Index(text[i+2:], "}}")
		if j < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		b.WriteString(text[:i])
		ref := strings.TrimSpace(text[i+2 : i+2+j])
		text = text[i+2+j+2:]
		v, err := s.lookup(ref, depth)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
}

func (s *scope) lookup(ref string, depth int) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("{{}}: an empty variable reference")
	}
	if strings.HasPrefix(ref, "$") {
		return s.dynamic(ref)
	}
	if name, ok := strings.CutPrefix(ref, "%"); ok && name != "" {
		v, err := s.lookup(name, depth)
		if err != nil {
			return "", err
		}
		return strings.ReplaceAll(url.QueryEscape(v), "+", "%20"), nil // REST Client's {{%name}}
	}
	for i, l := range s.layers {
		if v, ok := l.vars[ref]; ok {
			s.shadowed(ref, v, l.name, s.layers[i+1:])
			if depth >= maxDepth {
				return "", fmt.Errorf("{{%s}}: variables refer to each other more than %d deep (a loop?)", clip(ref), maxDepth)
			}
			return s.expandDepth(v, depth+1)
		}
	}
	if name, _, ok := strings.Cut(ref, "."); ok && (strings.Contains(ref, ".response.") || strings.Contains(ref, ".request.")) {
		return "", fmt.Errorf("{{%s}} takes a value from the exchange of request %q, which is not run: set the value with a variable instead", clip(ref), clip(name))
	}
	return "", fmt.Errorf("{{%s}} is not defined (%s)", clip(ref), s.hint)
}

// shadowed notes once that a name used with value v from the source
// named used has another value in a later source.
func (s *scope) shadowed(name, v, used string, rest []layer) {
	for _, l := range rest {
		if w, ok := l.vars[name]; ok && w != v && !s.noted[name] {
			if s.noted == nil {
				s.noted = map[string]bool{}
			}
			s.noted[name] = true
			s.notes = append(s.notes, fmt.Sprintf("{{%s}} has another value in %s: the one of %s is used", clip(name), l.name, used))
			return
		}
	}
}

// dynamic resolves the dynamic variables of Postman, the JetBrains
// client and REST Client.
func (s *scope) dynamic(ref string) (string, error) {
	f := strings.Fields(ref)
	name, args := f[0], f[1:]
	now := s.now().UTC()
	switch name {
	case "$guid", "$uuid", "$randomUUID", "$random.uuid":
		var u [16]byte
		_, _ = rand.Read(u[:])
		u[6] = u[6]&0x0f | 0x40
		u[8] = u[8]&0x3f | 0x80
		return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]), nil
	case "$timestamp":
		if len(args) > 0 {
			d, err := offset(args)
			if err != nil {
				return "", fmt.Errorf("{{%s}}: %v", clip(ref), err)
			}
			now = now.Add(d)
		}
		return strconv.FormatInt(now.Unix(), 10), nil
	case "$isoTimestamp":
		return now.Format("2006-01-02T15:04:05.000Z"), nil
	case "$datetime", "$localDatetime":
		if name == "$localDatetime" {
			now = s.now()
		}
		if len(args) == 0 {
			return "", fmt.Errorf("{{%s}}: want a format (iso8601 or rfc1123)", clip(ref))
		}
		if len(args) > 1 {
			d, err := offset(args[1:])
			if err != nil {
				return "", fmt.Errorf("{{%s}}: %v", clip(ref), err)
			}
			now = now.Add(d)
		}
		switch args[0] {
		case "iso8601":
			return now.Format(time.RFC3339), nil
		case "rfc1123":
			return now.UTC().Format(time.RFC1123), nil
		}
		return "", fmt.Errorf("{{%s}}: only the iso8601 and rfc1123 formats are supported", clip(ref))
	case "$randomInt", "$random.integer":
		lo, hi := int64(0), int64(1000)
		if len(args) == 2 {
			a, err1 := strconv.ParseInt(args[0], 10, 64)
			b, err2 := strconv.ParseInt(args[1], 10, 64)
			if err1 != nil || err2 != nil || b <= a {
				return "", fmt.Errorf("{{%s}}: want two integers, the smaller first", clip(ref))
			}
			lo, hi = a, b
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(hi-lo))
		return strconv.FormatInt(lo+n.Int64(), 10), nil
	case "$processEnv":
		if len(args) != 1 {
			return "", fmt.Errorf("{{%s}}: want the name of one environment variable", clip(ref))
		}
		v := s.getenv(strings.TrimPrefix(args[0], "%"))
		if v == "" {
			return "", fmt.Errorf("{{%s}}: the environment variable %s is not set", clip(ref), clip(args[0]))
		}
		return v, nil
	}
	return "", fmt.Errorf("{{%s}}: unknown dynamic variable", clip(ref))
}

// offset reads REST Client's "N unit" offsets (-1 d, 2 h).
func offset(args []string) (time.Duration, error) {
	if len(args) != 2 {
		return 0, fmt.Errorf("want an offset as a number and a unit (-1 d)")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		return 0, fmt.Errorf("%s: not a number", clip(args[0]))
	}
	unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[args[1]]
	if unit == 0 {
		return 0, fmt.Errorf("%s: unit not one of ms s m h d w", clip(args[1]))
	}
	return time.Duration(n) * unit, nil
}

// resolve expands every variable of a request in place; errors name the
// request.
func (s *scope) resolve(r *Request) error {
	var err error
	x := func(p *string) {
		if err == nil {
			*p, err = s.expand(*p)
		}
	}
	x(&r.Method)
	x(&r.URL)
	for i := range r.Header {
		x(&r.Header[i].Name)
		x(&r.Header[i].Value)
	}
	x(&r.Auth.User)
	x(&r.Auth.Password)
	x(&r.Auth.Token)
	if r.HasBody && err == nil {
		var b string
		b, err = s.expand(string(r.Body))
		r.Body = []byte(b)
	}
	if err != nil {
		return fmt.Errorf("request %q: %w", r.Path, err)
	}
	return nil
}
