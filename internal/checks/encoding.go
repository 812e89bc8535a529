package checks

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Encoding reports Basic credentials with non-ASCII or percent-escaped
// characters that client and server encode differently (RFC 7617 §2.1:
// without charset="UTF-8" the encoding is unspecified, historically
// ISO-8859-1), judged from the challenge and, with --try-encodings, from
// the same credentials sent in other encodings.
var Encoding = &diagnosis.Check{
	Name:   "encoding",
	Doc:    "report non-ASCII or percent-encoded user names and passwords that client and server encode differently",
	Causes: []catalog.ID{catalog.CredentialsEncoding},
	Run:    runEncoding,
}

func runEncoding(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || e.Response.Status != http.StatusUnauthorized {
		return nil
	}
	sent := p.Evidence.Facts.Sent()
	basic := strings.EqualFold(sent.Scheme, "Basic") || sent.Where == "url-userinfo"
	if !basic || !(sent.NonASCII || sent.PercentEncoded) {
		return nil
	}
	r := e.Response
	cs := p.Evidence.Facts.Challenges(r)
	if !offers(cs, "Basic") {
		return nil // another scheme: Scheme explains it
	}
	charset := ""
	for _, c := range cs {
		if c.Is("Basic") {
			charset = c.Info().Charset
		}
	}
	ev := []string{line(e), challengeLine(r, cs)}
	sentAs := "ASCII with %XX escapes"
	switch {
	case sent.Latin1:
		sentAs = "ISO-8859-1 (Latin-1) bytes"
	case sent.NonASCII:
		sentAs = "UTF-8 bytes"
	}
	ev = append(ev, "the user name or password holds non-ASCII or escaped characters, sent as "+sentAs)
	if sent.Where == "url-userinfo" || slices.Contains(sent.Places, "url-userinfo") || targetHasUserinfo(p.Evidence.Probe.Target) {
		ev = append(ev, "the credentials came from the URL (user:pass@host): curl, Go and Python requests percent-decode them into Basic credentials; browsers refuse URLs with credentials in fetch() and for subresources")
	}

	// --try-encodings: the same credentials in other encodings.
	tried := p.Evidence.Facts.Trials(evidence.Encoding)
	var worked, refused []string
	for _, t := range tried {
		f := t.Final()
		if f != nil && f.Response != nil && ok(f.Response.Status) {
			worked = append(worked, t.Label)
		} else {
			refused = append(refused, fmt.Sprintf("%s → %s", t.Label, statusWord(f)))
		}
	}
	if len(worked) > 0 {
		ev = append(ev, fmt.Sprintf("--try-encodings: the same credentials sent as %s succeeded", strings.Join(worked, ", ")))
		if len(refused) > 0 {
			ev = append(ev, "also tried: "+strings.Join(refused, ", "))
		}
		p.Reportf(catalog.CredentialsEncoding, finding.Certain, ev, "The credentials are right but encoded differently: the server accepts them as %s", worked[0])
		return nil
	}
	if len(tried) > 0 {
		ev = append(ev, "--try-encodings: the other encodings were refused too ("+strings.Join(refused, ", ")+"): the encoding is probably not the problem")
		p.Reportf(catalog.CredentialsEncoding, finding.Suspicion-0.1, ev, "Non-ASCII credentials were refused in every encoding tried")
		return nil
	}
	conf := finding.Likely - 0.05
	title := "Non-ASCII characters in the user name or password may be encoded differently by the server"
	switch {
	case strings.EqualFold(charset, "UTF-8") && sent.Latin1:
		conf = finding.Strong - 0.02
		title = "The server asks for UTF-8 (charset=\"UTF-8\") but the credentials were sent as Latin-1"
		ev = append(ev, `the challenge announces charset="UTF-8"`)
	case strings.EqualFold(charset, "UTF-8"):
		conf = finding.Suspicion + 0.05 // UTF-8 both ways: a plain wrong password is likelier
		ev = append(ev, `the challenge announces charset="UTF-8" and UTF-8 was sent`)
	case sent.PercentEncoded && !sent.NonASCII:
		conf = finding.Likely
		title = "The user name or password holds %XX escapes: URL-encoded text was sent as the literal credential"
	default:
		ev = append(ev, "the challenge does not announce a charset, so the server may read the bytes as ISO-8859-1 (RFC 7617 §2.1)")
	}
	ev = append(ev, "run again with --try-encodings to test other encodings (costs extra credentialed requests)")
	p.Reportf(catalog.CredentialsEncoding, conf, ev, "%s", title)
	return nil
}

func statusWord(e *evidence.Exchange) string {
	if e == nil {
		return "not sent"
	}
	if e.Response != nil {
		return fmt.Sprint(e.Response.Status)
	}
	return e.Err
}

// targetHasUserinfo reports whether the URL as the user gave it carries
// user:pass@ (the probe moves it into an Authorization header).
func targetHasUserinfo(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.User != nil && u.User.Username() != ""
}
