package probe

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/random"
)

// separateTrials runs, when the user's credentials got exactly the answer
// of no credentials at all (same status, challenge and body), the
// credential-free experiments that can tell a header that never reaches
// the application from a password it refuses (when the server offers
// the scheme sent, or names none): the same request once each
// with a malformed Authorization of the same scheme, with one of a
// different scheme, and (Basic and Bearer) with made-up credentials of
// the same scheme. An answer that differs from the anonymous one shows
// that whoever answered reads the header. None of them carries the
// user's secret, and none is counted as a credentialed attempt.
func (p *run) separateTrials(ctx context.Context, trials []evidence.Trial) []evidence.Trial {
	asGiven := trials[0].Final()
	if asGiven == nil || asGiven.Response == nil || asGiven.Response.Status != http.StatusUnauthorized {
		return nil
	}
	sent := strings.TrimSpace(asGiven.Request.Header.Get("Authorization"))
	scheme, _, _ := strings.Cut(sent, " ")
	if scheme == "" || asGiven.Answers != "" {
		return nil // no Authorization, or one answering a challenge (its nonce differs each time)
	}
	var none *evidence.Exchange
	for i := range trials {
		if trials[i].Variant == evidence.NoCredentials {
			none = trials[i].Final()
		}
	}
	if none == nil || !evidence.SameAnswer(asGiven.Response, none.Response) {
		return nil
	}
	if cs, _ := parseChallenges(asGiven.Response.Header.Values("Www-Authenticate")); len(cs) > 0 && !offersScheme(cs, scheme) {
		return nil // the server wants another scheme: that explains the refusal
	}
	var out []evidence.Trial
	for _, x := range separators(scheme) {
		if ctx.Err() != nil {
			break
		}
		h := p.base.header.Clone()
		h.Set("Authorization", x.value)
		t := p.trial(ctx, trialPlan{variant: evidence.Separate, method: asGiven.Request.Method, url: p.base.url, body: asGiven.Request.Body, header: h, noHops: true})
		t.Label = x.label
		out = append(out, t)
	}
	p.note("separate variants: the credentials got the same answer as none at all, so %d made-up Authorization headers (%s) were sent once each to see whether the server tells them apart", len(out), sepLabels(out))
	return out
}

// Labels of the Separate trials.
const (
	SepMalformed   = "malformed"
	SepOtherScheme = "different scheme"
	SepWrong       = "made-up credentials"
)

type separator struct{ label, value string }

// separators are the made-up Authorization values for a request that
// sent scheme: never the user's.
func separators(scheme string) []separator {
	madeUpBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte("why401-bogus-"+random.Hex(4)+":"+random.Hex(4)))
	madeUpBearer := "Bearer why401-not-a-real-token-" + random.Hex(8)
	out := []separator{{SepMalformed, scheme + " why401!not,a=credential"}}
	switch {
	case strings.EqualFold(scheme, "Basic"):
		out = append(out, separator{SepOtherScheme, madeUpBearer}, separator{SepWrong, madeUpBasic})
	case strings.EqualFold(scheme, "Bearer"):
		out = append(out, separator{SepOtherScheme, madeUpBasic}, separator{SepWrong, madeUpBearer})
	default:
		out = append(out, separator{SepOtherScheme, madeUpBasic})
	}
	return out
}

func sepLabels(ts []evidence.Trial) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Label)
	}
	return strings.Join(s, ", ")
}
