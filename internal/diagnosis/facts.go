package diagnosis

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/credential"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/jwt"
)

// Facts are values derived once from the evidence and shared by checks
// (parsed challenges, the analysed credentials, the decoded token), like
// analysis results that several analyzers require. Methods are safe to
// call from several checks; results are computed on first use.
type Facts struct {
	probe *evidence.Probe

	sentOnce sync.Once
	sent     credential.Analysis

	tokOnce sync.Once
	tok     *jwt.Token
	tokErr  error

	mu         sync.Mutex
	challenges map[*evidence.Response][]challenge.Challenge
}

// NewFacts prepares the facts of p; they are computed lazily.
func NewFacts(p *evidence.Probe) *Facts {
	return &Facts{probe: p, challenges: map[*evidence.Response][]challenge.Challenge{}}
}

// Sent analyses the credentials of the user's request as given. When
// they wait for a challenge (--digest, --anyauth), they are those of the
// first hop that answered one, if any did.
func (f *Facts) Sent() credential.Analysis {
	f.sentOnce.Do(func() {
		h := f.probe.Request.Header
		if a := f.Answered(); a != nil {
			h = a.Request.Header
		}
		f.sent = credential.Analyze(h, f.probe.Request.URL)
	})
	return f.sent
}

// Answered returns the first hop of the request as given that answered a
// challenge with the user's credentials (--digest, --anyauth), or nil.
func (f *Facts) Answered() *evidence.Exchange {
	t := f.Trial(evidence.AsGiven)
	if t == nil {
		return nil
	}
	for i := range t.Hops {
		if t.Hops[i].Answers != "" {
			return &t.Hops[i]
		}
	}
	return nil
}

// Token decodes the bearer token the user sent. It returns nil, nil when
// no token was sent or the token does not look like a JWT (an opaque
// token), and the parse error when it looks like one but is not.
func (f *Facts) Token() (*jwt.Token, error) {
	f.tokOnce.Do(func() {
		s := f.Sent()
		if s.Token == "" {
			return
		}
		if !jwt.LooksLikeJWT(s.Token) && !strings.HasPrefix(s.Token, "eyJ") {
			return
		}
		tok, err := jwt.Parse(s.Token)
		if tok != nil && tok.Segments == 5 {
			return // an encrypted token (JWE) is opaque to the client
		}
		f.tok, f.tokErr = tok, err
	})
	return f.tok, f.tokErr
}

// Challenges returns the parsed WWW-Authenticate challenges of r (or the
// Proxy-Authenticate ones for a 407). Unparseable parts are dropped; what
// could be parsed is kept.
func (f *Facts) Challenges(r *evidence.Response) []challenge.Challenge {
	if r == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if cs, ok := f.challenges[r]; ok {
		return cs
	}
	name := "WWW-Authenticate"
	if r.Status == http.StatusProxyAuthRequired {
		name = "Proxy-Authenticate"
	}
	cs, _ := challenge.ParseAll(r.Header.Values(name))
	f.challenges[r] = cs
	return cs
}

// Trials returns the trials of variant v, in order.
func (f *Facts) Trials(v evidence.Variant) []*evidence.Trial {
	var out []*evidence.Trial
	for i := range f.probe.Trials {
		if f.probe.Trials[i].Variant == v {
			out = append(out, &f.probe.Trials[i])
		}
	}
	return out
}

// Trial returns the first trial of variant v, or nil.
func (f *Facts) Trial(v evidence.Variant) *evidence.Trial {
	if ts := f.Trials(v); len(ts) > 0 {
		return ts[0]
	}
	return nil
}

// Final returns the final response of the first trial of variant v, or
// nil when there is no such trial or it got no response.
func (f *Facts) Final(v evidence.Variant) *evidence.Response {
	t := f.Trial(v)
	if t == nil {
		return nil
	}
	if e := t.Final(); e != nil {
		return e.Response
	}
	return nil
}

// ServerDate returns the Date header of r parsed, or false.
func ServerDate(r *evidence.Response) (time.Time, bool) {
	if r == nil {
		return time.Time{}, false
	}
	d := r.Header.Get("Date")
	if d == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(d)
	return t, err == nil
}

// SentCredentials reports whether the request of an exchange carried any
// credential (Authorization, Proxy-Authorization excluded, or a Cookie).
func SentCredentials(r evidence.Request) bool {
	return r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != ""
}

// SentAuthorization reports whether the request carried an Authorization header.
func SentAuthorization(r evidence.Request) bool {
	return r.Header.Get("Authorization") != ""
}
