package checks

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/redact"
)

// final returns the last exchange of the first trial of variant v.
func final(p *diagnosis.Pass, v evidence.Variant) *evidence.Exchange {
	t := p.Evidence.Facts.Trial(v)
	if t == nil {
		return nil
	}
	return t.Final()
}

// status returns e's status, or 0 without a response.
func status(e *evidence.Exchange) int {
	if e == nil || e.Response == nil {
		return 0
	}
	return e.Response.Status
}

// failed reports whether a status means the request did not get through
// for an auth reason.
func failed(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusProxyAuthRequired
}

// ok reports a status that means the request got through.
func ok(code int) bool { return code >= 200 && code < 400 }

// success reports a 2xx status: the request got through and was answered
// with content, not sent elsewhere.
func success(code int) bool { return code >= 200 && code < 300 }

// requestCookies parses the Cookie headers of a request's header h.
func requestCookies(h http.Header) []*http.Cookie { return (&http.Request{Header: h}).Cookies() }

// responseCookies parses the Set-Cookie headers of a response's header h.
func responseCookies(h http.Header) []*http.Cookie { return (&http.Response{Header: h}).Cookies() }

// stampUTC writes t for evidence in RFC 3339, in UTC.
func stampUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// line describes an exchange in one evidence line: "GET http://h/p → 401".
func line(e *evidence.Exchange) string {
	s := e.Request.Method + " " + redact.URL(e.Request.URL)
	switch {
	case e.Response != nil:
		s += fmt.Sprintf(" → %d", e.Response.Status)
	case e.Err != "":
		s += " → " + e.Err
	}
	return s
}

// headerLine quotes a response header for evidence, redacted, or returns
// "" when h lacks it. h is not modified.
func headerLine(h http.Header, name string) string {
	vs := h.Values(name)
	if len(vs) == 0 {
		return ""
	}
	shown := make([]string, len(vs))
	for i, v := range vs {
		shown[i] = redact.Header(name, v)
	}
	return name + ": " + strings.Join(shown, ", ")
}

// challengeLine renders the challenges of a response for evidence.
func challengeLine(r *evidence.Response, cs []challenge.Challenge) string {
	name := "WWW-Authenticate"
	if r.Status == http.StatusProxyAuthRequired {
		name = "Proxy-Authenticate"
	}
	if len(cs) == 0 {
		return "no " + name + " header"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return name + ": " + strings.Join(parts, ", ")
}

// schemes lists the schemes of cs, canonical and de-duplicated.
func schemes(cs []challenge.Challenge) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		s := c.Info().Scheme
		if !seen[strings.ToLower(s)] {
			seen[strings.ToLower(s)] = true
			out = append(out, s)
		}
	}
	return out
}

// offers reports whether cs has a challenge for scheme.
func offers(cs []challenge.Challenge, scheme string) bool {
	for _, c := range cs {
		if c.Is(scheme) {
			return true
		}
	}
	return false
}

// accepts reports whether cs has a challenge that credentials of scheme
// answer: one of that scheme, or DPoP for a Bearer token.
func accepts(cs []challenge.Challenge, scheme string) bool {
	return offers(cs, scheme) || strings.EqualFold(scheme, "Bearer") && offers(cs, "DPoP")
}

// tokenScheme reports whether scheme carries a bearer token: Bearer or
// DPoP.
func tokenScheme(scheme string) bool {
	return strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "DPoP")
}

// bearerChallenge returns the first Bearer (or DPoP) challenge's info.
func bearerChallenge(cs []challenge.Challenge) (challenge.Info, bool) {
	for _, c := range cs {
		if c.Is("Bearer") || c.Is("DPoP") {
			return c.Info(), true
		}
	}
	return challenge.Info{}, false
}

// clientSchemes are the schemes a script client (curl, why401) can answer
// with a user name and password or a token.
var clientSchemes = []string{"Basic", "Digest", "Bearer", "DPoP"}

// answerable reports whether any challenge is one a script client can do.
func answerable(cs []challenge.Challenge) bool {
	for _, s := range clientSchemes {
		if offers(cs, s) {
			return true
		}
	}
	return false
}

// stockPage names the web server whose built-in error page body is, or "".
func stockPage(body []byte) string {
	switch {
	case bytes.Contains(body, []byte("<title>401 Authorization Required</title>")) && bytes.Contains(body, []byte("<center>nginx")):
		return "nginx"
	case bytes.Contains(body, []byte("This server could not verify that you")):
		return "Apache httpd"
	case bytes.Contains(body, []byte("<title>401 Authorization Required</title>")):
		return "a web server (Apache 2.2 or nginx)"
	case bytes.Contains(body, []byte("401 - Unauthorized: Access is denied")):
		return "IIS"
	case bytes.Contains(body, []byte("<h1>401 Unauthorized</h1>")) && bytes.Contains(body, []byte("lighttpd")):
		return "lighttpd"
	}
	return ""
}

// sameAnswer reports whether two responses look alike to a client: same
// status, same challenges and the same body.
func sameAnswer(a, b *evidence.Response) bool {
	if a == nil || b == nil {
		return false
	}
	return a.Status == b.Status &&
		strings.Join(a.Header.Values("WWW-Authenticate"), "\n") == strings.Join(b.Header.Values("WWW-Authenticate"), "\n") &&
		bytes.Equal(a.Body, b.Body)
}

// snippet returns about the first n bytes of a body as one line, with
// runs of white space made one space, cut on a rune boundary.
func snippet(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}
