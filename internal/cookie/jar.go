package cookie

import "sort"

// Jar is a browser's cookie store, simulated: it applies a Browser's
// rules to Set-Cookie lines and requests and records its verdicts. The
// zero value is not usable; call NewJar. A Jar is not safe for concurrent
// use.
type Jar struct {
	b       Browser
	cookies []*Cookie
}

// NewJar returns an empty jar with b's rules.
func NewJar(b Browser) *Jar { return &Jar{b: b} }

// Browser returns the jar's rules.
func (j *Jar) Browser() Browser { return j.b }

// Stored is the verdict on one Set-Cookie line.
type Stored struct {
	Line   string     // the Set-Cookie value as received
	Parsed *SetCookie // nil when it could not be parsed
	Cookie *Cookie    // the cookie as stored; nil when refused
	Reason Reason     // OK when stored
	// Deleted is set when the line removed a cookie (expiry in the past).
	Deleted bool
}

// SetCookies applies the Set-Cookie lines of a response to the request
// ctx describes and returns one verdict per line, in order.
func (j *Jar) SetCookies(ctx Context, lines []string) []Stored {
	out := make([]Stored, 0, len(lines))
	for _, l := range lines {
		s := Stored{Line: l}
		sc, err := Parse(l)
		if err != nil {
			s.Reason = SyntaxError
			if pe, ok := err.(*ParseError); ok {
				s.Reason = pe.Reason
			}
			out = append(out, s)
			continue
		}
		s.Parsed = sc
		c, r := j.b.Store(sc, ctx, j.cookies)
		s.Reason = r
		if r == OK {
			s.Cookie = c
			s.Deleted = j.put(c, ctx)
		}
		out = append(out, s)
	}
	return out
}

// put replaces the cookie with c's name, domain, host-only flag, path
// and partition, keeping the old creation time, or adds c. A c that is
// already expired only removes; put reports whether it did.
func (j *Jar) put(c *Cookie, ctx Context) bool {
	for i, e := range j.cookies {
		if e.Name == c.Name && e.Domain == c.Domain && e.HostOnly == c.HostOnly && e.Path == c.Path && e.Partition == c.Partition {
			if c.ExpiredAt(ctx.Time) {
				j.cookies = append(j.cookies[:i], j.cookies[i+1:]...)
				return true
			}
			c.Created = e.Created
			j.cookies[i] = c
			return false
		}
	}
	if c.ExpiredAt(ctx.Time) {
		return false
	}
	j.cookies = append(j.cookies, c)
	return false
}

// Verdict is a stored cookie and whether it goes with a request.
type Verdict struct {
	Cookie *Cookie
	Reason Reason // OK when sent
}

// Cookies returns every cookie in the jar with the verdict for the request
// ctx describes: sent ones first, ordered as browsers order them (longer
// paths first, then older first), then those not sent.
func (j *Jar) Cookies(ctx Context) (sent, notSent []Verdict) {
	for _, c := range j.cookies {
		r := j.b.Send(c, ctx)
		if r == OK {
			sent = append(sent, Verdict{Cookie: c})
		} else {
			notSent = append(notSent, Verdict{Cookie: c, Reason: r})
		}
	}
	sort.SliceStable(sent, func(a, b int) bool {
		x, y := sent[a].Cookie, sent[b].Cookie
		if len(x.Path) != len(y.Path) {
			return len(x.Path) > len(y.Path)
		}
		return x.Created.Before(y.Created)
	})
	return sent, notSent
}

// All returns the cookies in the jar (expired ones included), in the
// order they were first stored.
func (j *Jar) All() []*Cookie { return append([]*Cookie(nil), j.cookies...) }

// Header renders sent cookies as a Cookie header value.
func Header(sent []Verdict) string {
	var b []byte
	for i, v := range sent {
		if i > 0 {
			b = append(b, "; "...)
		}
		if v.Cookie.Name != "" {
			b = append(b, v.Cookie.Name...)
			b = append(b, '=')
		}
		b = append(b, v.Cookie.Value...)
	}
	return string(b)
}
