package probe

import (
	"context"
	"net/http"
	"strings"

	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/random"
)

// bogusTrial sends, when the user's Basic credentials were answered with a
// server error (5xx) or 403 where the anonymous request got a Basic
// challenge,
// the same request once more with a made-up user name and password: a
// random user the password file cannot hold. Whether the server refuses
// that user the same way tells a password file it cannot read (nginx
// answers 403 for a missing or unreadable file, 500 for other errors)
// from one entry whose hash it cannot check, or from a user who is known
// but not allowed. The made-up credentials are not the user's secret
// and are not counted as a credentialed attempt.
func (p *run) bogusTrial(ctx context.Context, trials []evidence.Trial) []evidence.Trial {
	asGiven := trials[0].Final()
	if asGiven == nil || asGiven.Response == nil {
		return nil
	}
	if st := asGiven.Response.Status; st != http.StatusForbidden && (st < 500 || st > 599) {
		return nil
	}
	scheme, _, _ := strings.Cut(strings.TrimSpace(asGiven.Request.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return nil
	}
	challenged := false
	for _, t := range trials {
		if t.Variant != evidence.NoCredentials {
			continue
		}
		if f := t.Final(); f != nil && f.Response != nil && f.Response.Status == http.StatusUnauthorized {
			cs, _ := parseChallenges(f.Response.Header.Values("Www-Authenticate"))
			for _, c := range cs {
				challenged = challenged || c.is("Basic")
			}
		}
	}
	if !challenged {
		return nil
	}
	user := "why401-bogus-" + random.Hex(4)
	auth := basicAuthorization(user + ":" + random.Hex(4))
	h := p.base.header.Clone()
	h.Set("Authorization", auth)
	plan := trialPlan{variant: evidence.Bogus, method: asGiven.Request.Method, url: p.base.url, body: asGiven.Request.Body, header: h, noHops: true}
	t := p.trial(ctx, plan)
	t.Label = "made-up user " + user
	p.note("bogus variant: the Basic credentials got %d, so a made-up user (%s) was tried once to tell an unreadable password file from an unusable hash", asGiven.Response.Status, user)
	return []evidence.Trial{t}
}
