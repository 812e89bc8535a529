package checks

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// RateLimit reports rate limits and login lockouts.
var RateLimit = &diagnosis.Check{
	Name:   "ratelimit",
	Doc:    "report rate limits and lockouts (429, Retry-After, RateLimit headers, lockout messages)",
	Causes: []catalog.ID{catalog.RateLimitLockout},
	Run:    runRateLimit,
}

var lockoutText = regexp.MustCompile(`(?i)too many (failed )?(login )?(attempts|requests|tries)|account (is )?(temporarily )?locked|locked out|rate.?limit(ed)?`)

func runRateLimit(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil {
		return nil
	}
	r := e.Response
	ev := []string{line(e)}
	for _, h := range []string{"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit", "RateLimit-Policy", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if l := headerLine(r.Header, h); l != "" {
			ev = append(ev, l)
		}
	}
	text := lockoutText.FindString(string(r.Body))
	if text != "" {
		ev = append(ev, "body: "+snippet(r.Body, 160))
	}
	exhausted := strings.TrimSpace(r.Header.Get("RateLimit-Remaining")) == "0" || strings.TrimSpace(r.Header.Get("X-RateLimit-Remaining")) == "0"
	switch {
	case r.Status == http.StatusTooManyRequests:
		p.Reportf(catalog.RateLimitLockout, finding.Certain-0.02, ev, "Too many attempts: the server is rate limiting or has locked the login%s", retry(r))
	case failed(r.Status) && (exhausted || r.Header.Get("Retry-After") != ""):
		p.Reportf(catalog.RateLimitLockout, finding.Likely+0.1, ev, "The server signals a rate limit or lockout%s", retry(r))
	case failed(r.Status) && text != "":
		p.Reportf(catalog.RateLimitLockout, finding.Likely+0.05, ev, "The server says the login is locked or rate limited")
	}
	return nil
}

func retry(r *evidence.Response) string {
	if v := strings.TrimSpace(r.Header.Get("Retry-After")); v != "" {
		if _, err := http.ParseTime(v); err == nil {
			return "; retry after " + v
		}
		return "; retry after " + v + " seconds"
	}
	return ""
}
