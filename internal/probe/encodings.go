package probe

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/why401/why401/internal/credential"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/redirect"
)

// maxEncodingTrials bounds the extra credentialed requests of
// --try-encodings.
const maxEncodingTrials = 3

// encodingTrials runs, when Options.TryEncodings is set and the request as
// given ended in a Basic challenge, the user's Basic credentials again in
// each other plausible encoding: ISO-8859-1 for UTF-8 text, UTF-8 for
// Latin-1 bytes, percent-decoded for %XX escapes. Every attempt carries
// the user's secret and is counted; a note says how many were spent.
func (p *run) encodingTrials(ctx context.Context, asGiven *evidence.Trial) []evidence.Trial {
	if !p.cfg.o.TryEncodings {
		return nil
	}
	final := asGiven.Final()
	if final == nil || final.Response == nil || final.Response.Status != http.StatusUnauthorized {
		p.note("--try-encodings: nothing tried, the request as given was not answered 401")
		return nil
	}
	cs, _ := parseChallenges(final.Response.Header.Values("Www-Authenticate"))
	basic := false
	for _, c := range cs {
		basic = basic || c.is("Basic")
	}
	if !basic {
		p.note("--try-encodings: nothing tried, the server does not challenge for Basic")
		return nil
	}
	user, pass, ok := p.basicBytes()
	if !ok {
		p.note("--try-encodings: nothing tried, the request carries no Basic credentials")
		return nil
	}
	fu, err := url.Parse(final.Request.URL)
	if err != nil {
		return nil
	}
	if !p.cfg.o.LocationTrusted && !redirect.SameOrigin(p.base.url, fu) {
		p.note("--try-encodings: nothing tried, the 401 came from %s, another origin than the target", hostOnly(fu))
		return nil
	}
	alts := encodingAlternatives(user, pass)
	if len(alts) == 0 {
		p.note("--try-encodings: nothing tried, the user name and password are plain ASCII without %%XX escapes")
		return nil
	}
	if len(alts) > maxEncodingTrials {
		alts = alts[:maxEncodingTrials]
	}
	var out []evidence.Trial
	for _, a := range alts {
		if ctx.Err() != nil {
			break
		}
		plan := trialPlan{
			variant: evidence.Encoding, method: final.Request.Method, url: fu, body: final.Request.Body,
			creds: true, cookies: true, noHops: true,
			firstAuth: basicAuthorization(string(a.user) + ":" + string(a.pass)),
		}
		t := p.trial(ctx, plan)
		t.Label = a.label
		out = append(out, t)
	}
	p.note("--try-encodings: %d extra credentialed request(s) sent (%s)", len(out), labels(alts[:len(out)]))
	return out
}

func labels(alts []encodingAlt) string {
	var s []string
	for _, a := range alts {
		s = append(s, a.label)
	}
	return strings.Join(s, ", ")
}

// basicBytes returns the user and password of the request's Basic
// credentials as sent: from -u (or the URL) or from an Authorization:
// Basic header.
func (p *run) basicBytes() (user, pass []byte, ok bool) {
	if p.cfg.hasUser {
		u, pw, _ := strings.Cut(p.cfg.user, ":")
		return []byte(u), []byte(pw), true
	}
	u, pw, found := credential.ParseBasic(p.base.secret.Get("Authorization"))
	if !found {
		return nil, nil, false
	}
	return []byte(u), []byte(pw), true
}

// encodingAlt is one other encoding of the credentials.
type encodingAlt struct {
	label      string
	user, pass []byte
}

// encodingAlternatives lists the encodings worth trying for user and pass
// as sent, never the one already sent.
func encodingAlternatives(user, pass []byte) []encodingAlt {
	var out []encodingAlt
	all := append(append([]byte{}, user...), pass...)
	nonASCII := false
	for _, c := range all {
		if c >= 0x80 {
			nonASCII = true
		}
	}
	if nonASCII && utf8.Valid(all) {
		if u, ok1 := toLatin1(user); ok1 {
			if pw, ok2 := toLatin1(pass); ok2 {
				out = append(out, encodingAlt{"latin-1", u, pw})
			}
		}
	}
	if nonASCII && !utf8.Valid(all) {
		out = append(out, encodingAlt{"utf-8", latin1ToUTF8(user), latin1ToUTF8(pass)})
	}
	du, errU := url.PathUnescape(string(user))
	dp, errP := url.PathUnescape(string(pass))
	if errU == nil && errP == nil && (du != string(user) || dp != string(pass)) {
		out = append(out, encodingAlt{"percent-decoded", []byte(du), []byte(dp)})
	}
	return out
}

// toLatin1 encodes UTF-8 text as ISO-8859-1, failing for characters
// beyond U+00FF.
func toLatin1(b []byte) ([]byte, bool) {
	out := make([]byte, 0, len(b))
	for _, r := range string(b) {
		if r > 0xFF {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

func latin1ToUTF8(b []byte) []byte {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return []byte(sb.String())
}
