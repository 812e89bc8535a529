package checks

import (
	"fmt"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Backends reports addresses of one name that answer the same request
// differently.
var Backends = &diagnosis.Check{
	Name:   "backends",
	Doc:    "report servers behind one name that answer the same request differently",
	Causes: []catalog.ID{catalog.BackendInconsistent},
	Run:    runBackends,
}

func runBackends(p *diagnosis.Pass) error {
	ts := p.Evidence.Facts.Trials(evidence.Address)
	if len(ts) < 2 {
		return nil
	}
	var ev []string
	statuses := map[int]bool{}
	anyFailed, anyOK := false, false
	for _, t := range ts {
		e := t.Final()
		code := status(e)
		statuses[code] = true
		anyFailed = anyFailed || failed(code)
		anyOK = anyOK || ok(code)
		desc := "no answer"
		if e != nil {
			desc = line(e)
			if e.Response != nil {
				for _, h := range []string{"X-Served-By", "X-Backend", "X-Backend-Server", "X-Upstream", "Server"} {
					if v := e.Response.Header.Get(h); v != "" {
						desc += fmt.Sprintf(" (%s: %s)", h, v)
						break
					}
				}
			}
		}
		ev = append(ev, t.Address+": "+desc)
	}
	if len(statuses) < 2 || !anyFailed {
		return nil
	}
	conf := finding.Certain - 0.02
	if !anyOK {
		conf = finding.Likely
	}
	p.Reportf(catalog.BackendInconsistent, conf, ev, "The servers behind this name disagree: some accept the request, some refuse it")
	return nil
}
