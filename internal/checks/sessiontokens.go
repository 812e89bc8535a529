package checks

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/jwt"
	"github.com/why401/why401/internal/redact"
)

// SessionTokens reads the bearer tokens of a browser session: a refused
// request whose JWT had expired at the time the browser sent it (judged
// by the entry's start time and the server's Date), and a token refresh
// call that failed before a refused request.
var SessionTokens = &diagnosis.Check{
	Name:   "sessiontokens",
	Doc:    "report browser-session tokens expired at the refused request's time and token refreshes that failed before it",
	Causes: []catalog.ID{catalog.TokenExpired, catalog.SessionExpired},
	Run:    runSessionTokens,
}

func runSessionTokens(p *diagnosis.Pass) error {
	f := flowOf(p)
	if f == nil {
		return nil
	}
	expiredDone, refreshDone := false, false
	for i := range f.Steps {
		fs := &f.Steps[i]
		if !f.Refused(i) {
			continue
		}
		tok, where := fs.Bearer(), "Authorization: "+redact.Authorization(fs.Auth)
		if tok == "" {
			// A JWT carried in a cookie (jwt=…, access_token=…).
			for _, c := range requestCookies(fs.Entry.Exchange.Request.Header) {
				if jwt.LooksLikeJWT(c.Value) {
					tok, where = c.Value, "the "+c.Name+" cookie (a JWT)"
					break
				}
			}
		}
		if !expiredDone && tok != "" && jwt.LooksLikeJWT(tok) {
			if t, err := jwt.Parse(tok); err == nil && t.ExpiresAt != nil {
				at := fs.Entry.Started
				date, hasDate := diagnosis.ServerDate(fs.Entry.Exchange.Response)
				if t.ExpiresAt.Before(at) || hasDate && t.ExpiresAt.Before(date) {
					ev := []string{
						fmt.Sprintf("%s with %s", stepLine(fs), where),
						fmt.Sprintf("the token's exp is %s; the browser sent it at %s (%s later)", sessionStamp(*t.ExpiresAt), sessionStamp(at), at.Sub(*t.ExpiresAt).Round(1e9)),
					}
					if hasDate {
						ev = append(ev, "the server's Date was "+sessionStamp(date))
					}
					if fs.TokenFrom >= 0 {
						ev = append(ev, fmt.Sprintf("the token came from %s", stepLine(&f.Steps[fs.TokenFrom])))
					}
					if h := fs.Entry.Exchange.Response.Header.Get("WWW-Authenticate"); h != "" {
						ev = append(ev, "WWW-Authenticate: "+h)
					}
					p.Reportf(catalog.TokenExpired, finding.Certain-0.02, ev, "The bearer token had expired when the browser sent it")
					expiredDone = true
				}
			}
		}
		if refreshDone {
			continue
		}
		// A refresh that failed before this refused request.
		for j := i - 1; j >= 0; j-- {
			r := &f.Steps[j]
			if !r.IsRefresh() || r.Entry.Exchange.Response == nil {
				continue
			}
			if success(r.Status()) {
				break // the last refresh worked
			}
			ev := []string{fmt.Sprintf("%s: the token refresh failed", stepLine(r))}
			if code := oauthError(r.Entry.Exchange.Response.Body); code != "" {
				ev = append(ev, "the token endpoint answered "+code)
			}
			ev = append(ev, fmt.Sprintf("%s: the app went on with the old credentials", stepLine(fs)))
			p.Reportf(catalog.SessionExpired, finding.Certain, ev, "The token refresh failed, so the session is over: log in again")
			refreshDone = true
			break
		}
	}
	return nil
}

// oauthError quotes the "error" string of an OAuth error body, as
// error="…", or returns "". It scans the text rather than decoding JSON,
// so a body cut off by the recording still yields its code.
func oauthError(body []byte) string {
	s := string(body)
	i := strings.Index(s, `"error"`)
	if i < 0 {
		return ""
	}
	rest := s[i+len(`"error"`):]
	rest = strings.TrimLeft(rest, " \t\r\n:")
	if !strings.HasPrefix(rest, `"`) {
		return ""
	}
	end := strings.Index(rest[1:], `"`)
	if end < 0 {
		return ""
	}
	return `error="` + snippet([]byte(rest[1:1+end]), 60) + `"`
}
