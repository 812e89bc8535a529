package checks

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/jwt"
	"github.com/why401/why401/internal/signedurl"
)

// SignedURL reports links that carry their own credentials (presigned S3,
// Cloud Storage, CloudFront, Azure SAS, home-made expires+signature links,
// tokens in the query) whose lifetime is over by the local or the
// server's clock: the stale bookmark.
var SignedURL = &diagnosis.Check{
	Name:   "signedurl",
	Doc:    "report signed links and query tokens that expired (by either clock) or were altered",
	Causes: []catalog.ID{catalog.TokenExpired, catalog.URLWrong, catalog.TokenNotYetValid},
	Run:    runSignedURL,
}

// staleBookmark is how long past its expiry a link counts as a stale
// bookmark rather than a link that just ran out.
const staleBookmark = 24 * time.Hour

// signedRefusal is what object stores and CDNs say about a bad signature.
var signedRefusal = regexp.MustCompile(`(?i)SignatureDoesNotMatch|signature (does not|doesn't) match|Signature not valid|AuthenticationFailed|MalformedPolicy|InvalidKey|invalid signature`)

// signedExpired is what they say about a link that ran out.
var signedExpired = regexp.MustCompile(`(?i)request has expired|expired token|link (has )?expired|Signed expiry time|AccessDenied.*expired|ExpiredToken|URL (has )?expired`)

func runSignedURL(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	code := status(e)
	if e == nil || e.Response == nil || !(failed(code) || code == http.StatusBadRequest || code == http.StatusGone) {
		return nil
	}
	u, err := url.Parse(p.Evidence.Probe.Request.URL)
	if err != nil {
		return nil
	}
	list := signedurl.Inspect(u)
	if len(list) == 0 {
		return nil
	}
	r := e.Response
	serverNow, hasDate := diagnosis.ServerDate(r)
	body := snippet(r.Body, 300)
	bodyLine := "body: " + snippet(r.Body, 160)
	for _, s := range list {
		ev := []string{line(e), "the URL carries its own credentials: " + s.Name + " (" + strings.Join(s.Params, ", ") + ")"}
		if s.Problem != "" {
			ev = append(ev, s.Problem)
		}
		if !s.SignedAt.IsZero() {
			ev = append(ev, fmt.Sprintf("signed %s (%s)", stampUTC(s.SignedAt), signedurl.Ago(s.SignedAt, p.Now)))
		}
		if !s.HasExpiry() {
			if s.Kind != signedurl.AccessToken && signedExpired.MatchString(body) {
				p.Reportf(catalog.TokenExpired, finding.Strong-0.05, append(ev, bodyLine), "The server says this signed link has expired")
			} else if s.Kind != signedurl.AccessToken && signedRefusal.MatchString(body) {
				p.Reportf(catalog.URLWrong, finding.Likely, append(ev, bodyLine), "The signature of this link does not match: it was altered or copied incompletely")
			}
			continue
		}
		localExpired := !p.Now.Before(s.Expires)
		serverExpired := hasDate && !serverNow.Before(s.Expires)
		ev = append(ev, fmt.Sprintf("expires %s: by this machine's clock %s", stampUTC(s.Expires), expiryWord(s.Expires, p.Now)))
		if hasDate {
			ev = append(ev, fmt.Sprintf("by the server's clock (Date: %s) %s", r.Header.Get("Date"), expiryWord(s.Expires, serverNow)))
		}
		what := "This signed link"
		if s.Kind == signedurl.AccessToken {
			what = "The token in the URL"
		}
		switch {
		case localExpired && (serverExpired || !hasDate):
			ago := signedurl.Ago(s.Expires, p.Now)
			p.Reportf(catalog.TokenExpired, finding.Certain-0.02, ev, "%s expired %s", what, ago)
			if p.Now.Sub(s.Expires) > staleBookmark && s.Kind != signedurl.AccessToken {
				p.Reportf(catalog.URLWrong, finding.Likely-0.15, ev, "A stale bookmark: this signed link expired %s; ask for a fresh link", ago)
			}
		case serverExpired:
			p.Reportf(catalog.TokenExpired, finding.Likely+0.05, ev, "%s has expired by the server's clock (not yet by this machine's)", what)
		case localExpired:
			p.Reportf(catalog.TokenExpired, finding.Suspicion+0.1, ev, "%s has expired by this machine's clock, not yet by the server's", what)
		case !s.SignedAt.IsZero() && (p.Now.Before(s.SignedAt.Add(-time.Minute)) || hasDate && serverNow.Before(s.SignedAt.Add(-time.Minute))):
			p.Reportf(catalog.TokenNotYetValid, finding.Likely, ev, "%s was signed %s, in the future of at least one clock", what, signedurl.Ago(s.SignedAt, p.Now))
		case s.Kind != signedurl.AccessToken && signedRefusal.MatchString(body):
			p.Reportf(catalog.URLWrong, finding.Likely, append(ev, bodyLine), "The signature of this link does not match: it was altered or copied incompletely")
		case s.Kind != signedurl.AccessToken && signedExpired.MatchString(body):
			p.Reportf(catalog.TokenExpired, finding.Likely, append(ev, bodyLine), "The server says this signed link has expired")
		}
	}
	return nil
}

func expiryWord(exp, now time.Time) string {
	if now.Before(exp) {
		return "it is still valid for " + jwt.Human(exp.Sub(now))
	}
	return "it expired " + signedurl.Ago(exp, now)
}
