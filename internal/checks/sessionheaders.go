package checks

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/credential"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/redact"
)

// SessionHeaders reads the credential headers of a browser session's
// refused requests: a header sent with nothing in it (`token:`, an empty
// Authorization, `Bearer` alone), most often after earlier requests
// carried a value, because the variable holding it was empty at that
// point; and a header of the wrong shape (`Bearer undefined`, quotes, no
// space after the scheme).
var SessionHeaders = &SessionCheck{
	Name:   "sessionheaders",
	Doc:    "report refused browser-session requests whose credential header was sent empty or malformed, and which earlier requests carried well",
	Causes: []catalog.ID{catalog.CredentialsMissing, catalog.CredentialsMalformed},
	Run:    runSessionHeaders,
}

func runSessionHeaders(p *SessionPass) error {
	f := p.Evidence.Flow
	carried := map[string][]int{} // header -> steps that carried a well-formed value, in order
	done := map[catalog.ID]bool{}
	for i := range f.Steps {
		fs := &f.Steps[i]
		h := fs.Entry.Exchange.Request.Header
		names := credentialHeaders(h)
		if f.Refused(i) {
			for _, name := range names {
				a := credential.Analyze(http.Header{name: h[name]}, "")
				if !a.Malformed() {
					continue
				}
				id := catalog.CredentialsMalformed
				if a.Has(credential.KindEmpty) {
					id = catalog.CredentialsMissing
				}
				if done[id] {
					continue
				}
				done[id] = true
				shown := strings.TrimSpace(redact.Header(name, strings.Join(h[name], ", ")))
				if shown == "" {
					shown = "(empty)"
				}
				ev := []string{fmt.Sprintf("%s with %s: %s", stepLine(fs), name, shown)}
				for _, pr := range a.Problems {
					ev = append(ev, pr.Kind+": "+pr.Detail)
				}
				before := carried[name]
				conf := finding.Likely
				if len(before) > 0 {
					last := &f.Steps[before[len(before)-1]]
					ev = append(ev, fmt.Sprintf("%d earlier request(s) carried %s with a value, the last %s", len(before), name, stepLine(last)))
					conf = finding.Strong
				}
				if id == catalog.CredentialsMissing {
					ev = append(ev, "the app sent the header before its value was set, or after it was cleared: the variable holding the credential was empty here")
					p.Reportf(id, conf, ev, "The %s header was sent empty", name)
				} else {
					p.Reportf(id, conf, ev, "The %s header is malformed", name)
				}
			}
		}
		for _, name := range names {
			if !credential.Analyze(http.Header{name: h[name]}, "").Malformed() {
				carried[name] = append(carried[name], i)
			}
		}
	}
	return nil
}

// credentialHeaders lists the credential headers of a request (not
// Cookie), sorted.
func credentialHeaders(h http.Header) []string {
	var out []string
	for name := range h {
		if name != "Cookie" && redact.IsSecretHeader(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
