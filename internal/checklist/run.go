package checklist

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/redact"
	"github.com/why401/why401/internal/report"
)

// Status of one result.
const (
	Pass = "pass"
	Fail = "fail"
)

// Result is the outcome of one expectation for one client.
type Result struct {
	// Step is the endpoint's or login's name; Login is true for a login.
	Step        string `json:"step"`
	Login       bool   `json:"login,omitempty"`
	Expectation string `json:"expectation"`
	Client      string `json:"client"`
	Status      string `json:"status"`
	// Message says what was observed, in one line.
	Message string `json:"message"`
	// Cause, Title and Fix explain a failure (a cause from the catalog,
	// named by the probe's diagnosis or by the expectation itself). A
	// failure that is a hardening gap rather than a 401 cause has none.
	Cause catalog.ID `json:"cause,omitempty"`
	Title string     `json:"title,omitempty"`
	Fix   string     `json:"fix,omitempty"`
	// Confidence is the diagnosis's confidence in Cause; 0 when the
	// expectation itself named the cause from what it observed.
	Confidence float64 `json:"confidence,omitempty"`
	// Evidence are the diagnosis's lines behind the cause.
	Evidence []string `json:"evidence,omitempty"`
	Line     int      `json:"line"`
	// URL is the step's request URL, its credential-bearing query
	// parameters redacted.
	URL string `json:"url"`
	// Duration is the time the step's requests took.
	Duration time.Duration `json:"duration_ns"`
}

// Expiry is a days-to-expiry measurement for metrics.
type Expiry struct {
	Step   string  `json:"step"`
	Client string  `json:"client"`
	Host   string  `json:"host,omitempty"` // certificates
	Days   float64 `json:"days"`
}

// Outcome is one run of a checklist.
type Outcome struct {
	File     string        `json:"file"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Clients  []string      `json:"clients"`
	Passed   int           `json:"passed"`
	Failed   int           `json:"failed"`
	Results  []Result      `json:"results"`
	Certs    []Expiry      `json:"certificates,omitempty"`
	Tokens   []Expiry      `json:"tokens,omitempty"`
}

// OK reports whether every expectation held.
func (o *Outcome) OK() bool { return o.Failed == 0 }

// ExplainFunc diagnoses a request that did not do what the checklist
// expects: given the request as probe options it returns the probe's
// report (the command passes the probe's full diagnosis).
type ExplainFunc func(ctx context.Context, po probe.Options) (*report.Report, error)

// Options configure Run.
type Options struct {
	// Clients are the client profiles to replay every request with
	// ("curl", "browser"); empty means curl only.
	Clients []string
	// Explain names the cause of failures; nil leaves failures explained
	// only by what the expectation itself can tell.
	Explain ExplainFunc
	// Getenv reads environment variables; nil means os.Getenv.
	Getenv func(string) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Version goes into the User-Agent.
	Version string
	// Transport replaces the HTTP transport built from the file (tests).
	Transport http.RoundTripper
}

// ValidateClients checks client names.
func ValidateClients(names []string) error {
	seen := map[string]bool{}
	for _, n := range names {
		if _, ok := profileOf(n, ""); !ok {
			return fmt.Errorf("%q: unknown client (want curl or browser)", n)
		}
		if seen[n] {
			return fmt.Errorf("%q: client given twice", n)
		}
		seen[n] = true
	}
	return nil
}

// Run checks the live site against f. It returns an error only when it
// cannot run at all (a bad client name, an unreadable CA file); a secret
// that cannot be read fails the steps that need it. Logins run first, in
// file order, once per client; then the endpoints run concurrently, at
// most f.Concurrency requests at a time.
func Run(ctx context.Context, f *File, o Options) (*Outcome, error) {
	if len(o.Clients) == 0 {
		o.Clients = []string{ClientCurl}
	}
	if err := ValidateClients(o.Clients); err != nil {
		return nil, err
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	roots, err := loadRoots(f)
	if err != nil {
		return nil, err
	}
	rt := o.Transport
	if rt == nil {
		tr := newTransport(f, roots)
		defer tr.CloseIdleConnections()
		rt = tr
	}
	r := &runner{f: f, o: o, rt: rt, roots: roots, sec: &secrets{file: f.Path, dir: f.Dir, getenv: o.Getenv}, sem: make(chan struct{}, f.Concurrency)}
	out := &Outcome{File: f.Path, Started: o.Now(), Clients: o.Clients}

	var mu sync.Mutex
	add := func(rs []Result, certs, tokens []Expiry) {
		mu.Lock()
		defer mu.Unlock()
		out.Results = append(out.Results, rs...)
		out.Certs = append(out.Certs, certs...)
		out.Tokens = append(out.Tokens, tokens...)
	}
	var wg sync.WaitGroup
	for _, name := range o.Clients {
		c, _ := profileOf(name, o.Version)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sessions := map[string]*session{}
			for _, l := range f.Logins {
				s := r.login(ctx, c, l, sessions, add)
				sessions[l.Name] = s
			}
			var ewg sync.WaitGroup
			for _, e := range f.Endpoints {
				ewg.Add(1)
				go func() {
					defer ewg.Done()
					r.endpoint(ctx, c, e, sessions, add)
				}()
			}
			ewg.Wait()
		}()
	}
	wg.Wait()
	out.Duration = o.Now().Sub(out.Started)
	sortResults(f, out)
	markDisagreements(out)
	for _, res := range out.Results {
		if res.Status == Pass {
			out.Passed++
		} else {
			out.Failed++
		}
	}
	return out, nil
}

// sortResults puts results in file order: logins, endpoints, their
// expectations, then clients in the order asked for.
func sortResults(f *File, out *Outcome) {
	order := map[string]int{}
	for i, l := range f.Logins {
		order[l.Name] = i
	}
	for i, e := range f.Endpoints {
		order[e.Name] = len(f.Logins) + i
	}
	client := map[string]int{}
	for i, c := range out.Clients {
		client[c] = i
	}
	sort.SliceStable(out.Results, func(i, j int) bool {
		a, b := out.Results[i], out.Results[j]
		if order[a.Step] != order[b.Step] {
			return order[a.Step] < order[b.Step]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return client[a.Client] < client[b.Client]
	})
	for _, list := range [][]Expiry{out.Certs, out.Tokens} {
		sort.SliceStable(list, func(i, j int) bool {
			if order[list[i].Step] != order[list[j].Step] {
				return order[list[i].Step] < order[list[j].Step]
			}
			return client[list[i].Client] < client[list[j].Client]
		})
	}
}

// markDisagreements notes, on each failing result, the clients for which
// the same expectation held: the two-client test.
func markDisagreements(out *Outcome) {
	if len(out.Clients) < 2 {
		return
	}
	type key struct {
		step string
		line int
		exp  string
	}
	passed := map[key][]string{}
	for _, r := range out.Results {
		if r.Status == Pass {
			k := key{r.Step, r.Line, r.Expectation}
			passed[k] = append(passed[k], r.Client)
		}
	}
	for i := range out.Results {
		r := &out.Results[i]
		if r.Status != Fail {
			continue
		}
		if p := passed[key{r.Step, r.Line, r.Expectation}]; len(p) > 0 {
			r.Message = fmt.Sprintf("clients disagree: holds for %s, not for %s: %s", strings.Join(p, ", "), r.Client, r.Message)
		}
	}
}

type runner struct {
	f     *File
	o     Options
	rt    http.RoundTripper
	roots *x509.CertPool
	sec   *secrets
	sem   chan struct{}
}

// send runs one request under the concurrency bound.
func (r *runner) send(ctx context.Context, c profile, p *prepared, s *session, anonymous bool) *trace {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return &trace{hops: []hop{{method: p.method, url: p.url, err: ctx.Err()}}}
	}
	defer func() { <-r.sem }()
	return do(ctx, r.rt, c, p, s, anonymous, r.f.Timeout)
}

// login runs one login step for client c and returns its session (empty
// when the login failed).
func (r *runner) login(ctx context.Context, c profile, l *Login, sessions map[string]*session, add func([]Result, []Expiry, []Expiry)) *session {
	s := &session{jar: newJar(c)}
	start := time.Now()
	base := Result{Step: l.Name, Login: true, Client: c.name, Line: l.Pos.Line, URL: redact.URL(l.Request.URL)}
	p, err := prepare(l.Request, r.sec)
	if err == nil {
		err = p.err
	}
	if err != nil {
		res := base
		res.Expectation, res.Status, res.Message = "login", Fail, err.Error()
		add([]Result{res}, nil, nil)
		s.failed = l.Name
		return s
	}
	var prev *session
	if l.Request.Session != "" {
		prev = sessions[l.Request.Session]
	}
	t := r.send(ctx, c, p, prev, false)
	dur := time.Since(start)
	if prev != nil {
		s.jar = prev.jar.clone()
		s.token = prev.token
	}
	// Cookies set on every hop of the login belong to the session.
	for _, h := range t.hops {
		for _, line := range h.resp.Values("Set-Cookie") {
			s.jar.store(h.url, h.method, line)
		}
	}
	ev := &evaluation{r: r, c: c, p: p, sess: prev, cred: t}
	res := base
	res.Expectation, res.Duration = "login", dur
	fin := t.final()
	switch {
	case fin == nil || fin.err != nil:
		res.Status, res.Message = Fail, "no answer: "+errText(fin)
		ev.explainInto(ctx, &res, false, "")
	case fin.status >= 400:
		res.Status, res.Message = Fail, fmt.Sprintf("the login ended in %s", statusLine(fin))
		ev.explainInto(ctx, &res, false, localCause(fin))
	default:
		res.Status, res.Message = Pass, fmt.Sprintf("the login ended in %s", statusLine(fin))
		var missing []string
		names := s.jar.names()
		for _, want := range l.Cookies {
			if !slices.ContainsFunc(names, func(n string) bool { return matchName(want, n) }) {
				missing = append(missing, want)
			}
		}
		if len(missing) > 0 {
			res.Status = Fail
			res.Message = fmt.Sprintf("the login ended in %s but set no cookie %s", statusLine(fin), strings.Join(missing, ", "))
			if len(t.rejected) > 0 {
				res.Message += " (refused: " + strings.Join(t.rejected, "; ") + ")"
				res.Cause = catalog.CookieRejected
			} else {
				res.Cause = catalog.CredentialsRejected
			}
			fillCause(&res, serverOf(fin.resp))
		}
		if l.Token != "" && res.Status == Pass {
			tok, err := jsonPath(fin.body, l.Token)
			if err != nil {
				res.Status, res.Message = Fail, fmt.Sprintf("the login ended in %s but %s", statusLine(fin), err)
				res.Cause = catalog.RequestContentType
				fillCause(&res, serverOf(fin.resp))
			} else {
				s.token = tok
			}
		}
	}
	if res.Status == Fail {
		s.failed = l.Name
	}
	results := []Result{res}
	ev.token = s.token
	ev.loginJar = s.jar
	rs, certs, toks := ev.expectations(ctx, l.Expect, base)
	add(append(results, rs...), certs, toks)
	return s
}

// endpoint runs one endpoint's expectations for client c.
func (r *runner) endpoint(ctx context.Context, c profile, e *Endpoint, sessions map[string]*session, add func([]Result, []Expiry, []Expiry)) {
	base := Result{Step: e.Name, Client: c.name, URL: redact.URL(e.Request.URL)}
	p, err := prepare(e.Request, r.sec)
	if err != nil {
		var rs []Result
		for _, x := range e.Expect {
			res := base
			res.Expectation, res.Line, res.Status, res.Message = x.Label(), x.Pos.Line, Fail, err.Error()
			rs = append(rs, res)
		}
		add(rs, nil, nil)
		return
	}
	var sess *session
	if e.Request.Session != "" {
		sess = sessions[e.Request.Session]
	}
	ev := &evaluation{r: r, c: c, p: p, sess: sess}
	if sess != nil {
		ev.token = sess.token
	}
	rs, certs, toks := ev.expectations(ctx, e.Expect, base)
	add(rs, certs, toks)
}

func errText(h *hop) string {
	if h == nil {
		return "no request was sent"
	}
	if h.err != nil {
		return h.err.Error()
	}
	return ""
}

func statusLine(h *hop) string {
	if h == nil || h.err != nil {
		return "no answer"
	}
	return fmt.Sprintf("%d %s", h.status, http.StatusText(h.status))
}
