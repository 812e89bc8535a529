package checks

import (
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Underscore settles a credential header with an underscore in its name
// with the hyphenated variant.
var Underscore = &diagnosis.Check{
	Name:   "underscore",
	Doc:    "report a credential header dropped for the underscore in its name, shown by a hyphenated bogus retry",
	Causes: []catalog.ID{catalog.ProxyHeaderStripped},
	Run:    runUnderscore,
}

func runUnderscore(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	hy := final(p, evidence.Hyphenated)
	none := final(p, evidence.NoCredentials)
	if e == nil || e.Response == nil || hy == nil || hy.Response == nil || none == nil || none.Response == nil {
		return nil
	}
	if !sameAnswer(e.Response, none.Response) || sameAnswer(hy.Response, none.Response) {
		return nil
	}
	var name string
	for k, vs := range hy.Request.Header {
		if strings.Contains(k, "-") && len(vs) == 1 && vs[0] == bogusKey {
			name = k
		}
	}
	ev := []string{
		"with the key under its underscore name: " + line(e) + ", the same answer as without credentials: " + line(none),
		"a bogus value under the hyphenated name " + name + ": " + line(hy) + ", a different answer: the hyphenated name reaches the application",
	}
	if b := snippet(hy.Response.Body, 120); b != "" {
		ev = append(ev, "hyphenated answer: "+b)
	}
	p.Reportf(catalog.ProxyHeaderStripped, finding.Strong+0.03, ev, "A proxy drops the credential header because of the underscore in its name")
	return nil
}

// bogusKey is the value the hyphenated variant sends (see package probe).
const bogusKey = "why401-not-a-real-key"
