// Package report turns evidence and ranked findings into a Report, the
// value every renderer (text, JSON) prints. It decides the verdict and
// redacts secrets; it does no I/O beyond writing to the writer given.
package report

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/credential"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/producer"
	"github.com/why401/why401/internal/redact"
	"github.com/why401/why401/internal/shell"
)

// Report is what a diagnosis prints.
type Report struct {
	Head
	Target string `json:"target"`
	// Status is the final HTTP status of the request as given (0 when
	// there was no answer).
	Status               int      `json:"status,omitempty"`
	Requests             int      `json:"requests"`
	CredentialedAttempts int      `json:"credentialed_attempts"`
	Notes                []string `json:"notes,omitempty"`
	// Discovery lists the metadata documents fetched (never with
	// credentials) and what each answered.
	Discovery []evidence.Document `json:"discovery,omitempty"`
	// Replay is a curl command that sends the request as given, redacted
	// unless secrets were asked for.
	Replay    string     `json:"replay"`
	Exchanges []Exchange `json:"exchanges"`
	// Duration is how long the probe took.
	Duration time.Duration `json:"duration_ns"`
	// AnsweredBy names who produced the final answer of the request as
	// given, outermost first ("Cloudflare in front of nginx"); Producers
	// has each with the markers that showed it. Empty when none was
	// recognised.
	AnsweredBy string           `json:"answered_by,omitempty"`
	Producers  []producer.Match `json:"producers,omitempty"`
	// Kerberos and NTLM say what why401's own clients did for
	// --negotiate and --ntlm (no secret in either).
	Kerberos *evidence.Kerberos `json:"kerberos,omitempty"`
	NTLM     *evidence.NTLM     `json:"ntlm,omitempty"`
}

// Exchange is one request and answer of the experiment, flattened.
type Exchange struct {
	Variant   string              `json:"variant"`
	Address   string              `json:"address,omitempty"`
	Hop       int                 `json:"hop"`
	Method    string              `json:"method"`
	URL       string              `json:"url"`
	Request   map[string][]string `json:"request_headers,omitempty"`
	Status    int                 `json:"status,omitempty"`
	Response  map[string][]string `json:"response_headers,omitempty"`
	Body      string              `json:"body,omitempty"`
	Remote    string              `json:"remote,omitempty"`
	Error     string              `json:"error,omitempty"`
	ErrorKind string              `json:"error_kind,omitempty"`
	TLS       *evidence.TLS       `json:"tls,omitempty"`
	Timing    evidence.Timing     `json:"timing"`
	Redirect  *evidence.Redirect  `json:"redirect,omitempty"`
	// Answers names the scheme of the challenge this hop answered
	// (--digest, --anyauth): the previous hop's request, resent.
	Answers string `json:"answers,omitempty"`
	// Reused: the request went on the connection of the hop before it
	// (an NTLM handshake's answer).
	Reused bool `json:"reused_connection,omitempty"`
}

// Options change how a Report is built.
type Options struct {
	ShowSecrets bool // do not redact
	Duration    time.Duration
}

// Build assembles the report of a probe and its ranked findings.
func Build(p *evidence.Probe, findings []diagnosis.Finding, o Options) *Report {
	r := &Report{
		Head:                 NewHead("probe", "", "", findings),
		Target:               p.Target,
		CredentialedAttempts: p.CredentialedAttempts,
		Notes:                p.Notes,
		Discovery:            p.Discovery,
		Replay:               Replay(p.Request, o.ShowSecrets),
		Duration:             o.Duration,
		Kerberos:             p.Kerberos,
		NTLM:                 p.NTLM,
	}
	if !o.ShowSecrets {
		r.Target = redact.URL(r.Target)
	}
	var asGiven *evidence.Trial
	for i := range p.Trials {
		t := &p.Trials[i]
		if t.Variant == evidence.AsGiven && asGiven == nil {
			asGiven = t
		}
		for j, h := range t.Hops {
			r.Requests++
			r.Exchanges = append(r.Exchanges, exchange(t, j, h, o.ShowSecrets))
		}
	}
	var fin *evidence.Exchange
	if asGiven != nil {
		fin = asGiven.Final()
	}
	if fin != nil && fin.Response != nil {
		r.Status = fin.Response.Status
		prod := diagnosis.IdentifyProducers(fin)
		r.AnsweredBy, r.Producers = prod.Summary(), prod.Producers
	}
	switch {
	case len(findings) > 0:
		r.Verdict = Fail
		top := findings[0]
		r.Summary = statusText(r.Status, fin) + ": " + MostLikely(top)
	case fin == nil || fin.Response == nil:
		r.Verdict = Unreachable
		msg := "no answer"
		if fin != nil && fin.Err != "" {
			msg = fin.Err
		}
		r.Summary = "could not reach " + r.Target + ": " + msg
	case r.Status == http.StatusUnauthorized || r.Status == http.StatusProxyAuthRequired:
		r.Verdict = Fail
		r.Summary = statusText(r.Status, fin) + ", and no check could name the cause; see the exchanges below"
	default:
		r.Verdict = OK
		if r.Status >= 200 && r.Status < 400 {
			r.Summary = statusText(r.Status, fin) + ": the request is authenticated and nothing is wrong"
		} else {
			r.Summary = statusText(r.Status, fin) + ": not an authentication problem"
		}
	}
	return r
}

func statusText(code int, e *evidence.Exchange) string {
	if code == 0 {
		if e != nil && e.ErrKind != "" {
			return "no answer (" + e.ErrKind + ")"
		}
		return "no answer"
	}
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}

func exchange(t *evidence.Trial, hop int, h evidence.Exchange, show bool) Exchange {
	x := Exchange{
		Variant:   string(t.Variant),
		Address:   t.Address,
		Hop:       hop,
		Method:    h.Request.Method,
		URL:       h.Request.URL,
		Request:   headers(h.Request.Header, show),
		Remote:    h.Remote,
		Error:     h.Err,
		ErrorKind: h.ErrKind,
		TLS:       h.TLS,
		Timing:    h.Timing,
		Redirect:  h.Redirect,
		Answers:   h.Answers,
		Reused:    h.Reused,
	}
	if !show {
		x.URL = redact.URL(x.URL)
	}
	if h.Response != nil {
		x.Status = h.Response.Status
		x.Response = headers(h.Response.Header, show)
		x.Body = bodyText(h.Response)
	}
	return x
}

// bodyText returns a short printable excerpt of a response body.
func bodyText(r *evidence.Response) string {
	const max = 512
	b := r.Body
	if len(b) > max {
		b = b[:max]
	}
	s := strings.ToValidUTF8(string(b), "�")
	if len(r.Body) > max || r.BodyTruncated {
		s += "…"
	}
	return s
}

func headers(h http.Header, show bool) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			if show {
				c[i] = v
			} else {
				c[i] = redact.Header(k, v)
			}
		}
		out[k] = c
	}
	return out
}

// Replay returns a curl command that sends req. Secrets are redacted
// unless show is set; the redacted command says so in a placeholder.
func Replay(req evidence.Request, show bool) string {
	var b strings.Builder
	b.WriteString("curl -v")
	negotiate := req.Auth == "negotiate"
	switch {
	case negotiate:
		// The token is made from the ticket cache on each request.
		b.WriteString(" --negotiate -u :")
	case req.Auth != "":
		pass := req.AuthPassword
		if !show {
			pass = "$PASSWORD"
		}
		b.WriteString(" --" + req.Auth + " -u " + shell.QuoteExpanding(req.AuthUser+":"+pass))
	}
	if req.Method != "" && req.Method != "GET" && !(req.Method == "POST" && req.BodySize > 0) {
		b.WriteString(" -X " + shell.QuoteExpanding(req.Method))
	}
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if strings.EqualFold(k, "User-Agent") || strings.EqualFold(k, "Accept") && len(req.Header[k]) == 1 && req.Header[k][0] == "*/*" {
			continue
		}
		for _, v := range req.Header[k] {
			if negotiate && strings.EqualFold(k, "Authorization") {
				continue
			}
			if strings.EqualFold(k, "Authorization") {
				if user, pass, ok := credential.ParseBasic(v); ok {
					if !show {
						pass = "$PASSWORD"
					}
					b.WriteString(" -u " + shell.QuoteExpanding(user+":"+pass))
					continue
				}
			}
			if !show && redact.IsSecretHeader(k) {
				v = placeholder(k, v)
			}
			b.WriteString(" -H " + shell.QuoteExpanding(k+": "+v))
		}
	}
	if req.Proxy != "" {
		p := req.Proxy
		if !show {
			p = redact.URL(p)
		}
		b.WriteString(" -x " + shell.QuoteExpanding(p))
	}
	if req.BodySize > 0 {
		if show {
			b.WriteString(" --data-raw " + shell.QuoteExpanding(string(req.Body)))
		} else {
			b.WriteString(" --data-raw \"$BODY\"")
		}
	}
	u := req.URL
	if !show {
		u = redact.URL(u)
	}
	b.WriteString(" " + shell.QuoteExpanding(u))
	return b.String()
}

// placeholder stands in for a secret header value in a replayable command.
func placeholder(name, v string) string {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization":
		scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		switch strings.ToLower(scheme) {
		case "bearer":
			return "Bearer $TOKEN"
		}
		return scheme + " $CREDENTIALS"
	case "cookie":
		return redact.Cookie(v)
	}
	return "$" + strings.ToUpper(strings.NewReplacer("-", "_").Replace(name))
}

// TopCause returns the first finding's cause, or "".
func (r *Report) TopCause() catalog.ID {
	if len(r.Findings) == 0 {
		return ""
	}
	return r.Findings[0].Cause
}
