package probe

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/why401/why401/internal/evidence"
)

// maxChallengeAnswers bounds the answers one trial sends to challenges:
// the answer, and once more when a Digest answer is refused as stale.
const maxChallengeAnswers = 2

// challengeState is what a trial has answered so far.
type challengeState struct {
	answer  string // the Authorization to send on the next hop, "" when none
	scheme  string // answer's scheme
	answers int    // answers sent
	digest  bool   // the last answer was Digest
	// ntlmLeg1: the NTLM negotiate message was sent in this trial.
	ntlmLeg1 bool
}

// challengeAnswer decides, for curl's --digest and --anyauth, whether the
// answer ex got is a challenge to answer with the user's credentials on
// the same URL, as curl does, and sets st.answer. It answers a 401 once:
// Digest when the server offers an algorithm the probe can answer, else
// Basic for --anyauth when offered; and a Digest answer refused with
// stale=true (the nonce expired, the password was fine) once more with the
// new nonce. It never answers more than maxChallengeAnswers times per
// trial, and says in a note (for the request as given) why it did not.
func (p *run) challengeAnswer(st *challengeState, plan trialPlan, ex evidence.Exchange, method string, u *url.URL, body []byte) bool {
	switch {
	case p.ntlm != nil:
		return p.ntlmAnswer(st, plan, ex)
	case p.cfg.o.HTTPAuth == "none":
		return false // no scheme to answer with
	}
	if ex.Response == nil || ex.Response.Status != http.StatusUnauthorized || st.answers >= maxChallengeAnswers {
		return false
	}
	cs, _ := parseChallenges(ex.Response.Header.Values("Www-Authenticate"))
	dc, digestOK := pickDigest(cs)
	if st.answers > 0 {
		// Only a stale nonce earns a second answer.
		if !st.digest || !digestOK || !strings.EqualFold(dc.Params["stale"], "true") {
			return false
		}
	}
	note := func(format string, args ...any) {
		if plan.variant == evidence.AsGiven {
			p.note(format, args...)
		}
	}
	var a string
	switch {
	case digestOK:
		var err error
		if a, err = digestAuthorization(dc, p.cfg.user, method, requestTarget(u), body, ""); err != nil {
			note("digest answer not sent: %v", err)
			return false
		}
		st.digest = true
		if st.answers > 0 {
			note("the server called the Digest nonce stale (stale=true): answered once more with its new nonce, as curl does")
		}
	case p.cfg.o.HTTPAuth == "anyauth" && offersScheme(cs, "Basic"):
		a, st.digest = basicAuthorization(p.cfg.user), false
	default:
		flag := "--" + p.cfg.o.HTTPAuth
		var offered []string
		for _, c := range cs {
			offered = append(offered, c.Scheme)
		}
		if len(offered) == 0 {
			note("%s: the 401 has no WWW-Authenticate challenge, so the credentials were not sent (curl sends none either)", flag)
		} else {
			note("%s: the 401 offers %s, none of which %s answers, so the credentials were not sent", flag, strings.Join(offered, ", "), flag)
		}
		return false
	}
	st.answer, st.scheme = a, "Basic"
	if st.digest {
		st.scheme = "Digest"
	}
	st.answers++
	return true
}

// offersScheme reports whether any challenge is of the scheme name.
func offersScheme(cs []authChallenge, name string) bool {
	for _, c := range cs {
		if c.is(name) {
			return true
		}
	}
	return false
}
