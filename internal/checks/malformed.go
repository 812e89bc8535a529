package checks

import (
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Malformed reports an Authorization header whose shape is broken.
var Malformed = &diagnosis.Check{
	Name:   "malformed",
	Doc:    "report an Authorization header that is malformed (spacing, base64, colon, quotes, newline, truncation)",
	Causes: []catalog.ID{catalog.CredentialsMalformed},
	Run:    runMalformed,
}

func runMalformed(p *diagnosis.Pass) error {
	sent := p.Evidence.Facts.Sent()
	if !sent.Malformed() {
		return nil
	}
	e := final(p, evidence.AsGiven)
	code := status(e)
	if code != 0 && ok(code) {
		return nil
	}
	ev := []string{}
	if e != nil {
		ev = append(ev, line(e))
	}
	conf := finding.Strong
	onlyTruncatedJWT := true
	for _, pr := range sent.Problems {
		if pr.Kind == "scheme-case" {
			continue
		}
		ev = append(ev, pr.Kind+": "+pr.Detail)
		if pr.Kind != "truncated" {
			onlyTruncatedJWT = false
		}
	}
	if onlyTruncatedJWT && strings.HasPrefix(sent.Token, "eyJ") {
		conf = finding.Suspicion + 0.1 // the token check names the token's own shape
	}
	p.Reportf(catalog.CredentialsMalformed, conf, ev, "The Authorization header is malformed")
	return nil
}
