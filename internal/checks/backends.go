package checks

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cookie"
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
	repeats(p)
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
		ev = append(ev, t.Address+": "+nodeLine(e))
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

// nodeLine describes an answer with what names the node that gave it.
func nodeLine(e *evidence.Exchange) string {
	if e == nil {
		return "no answer"
	}
	desc := line(e)
	if e.Response == nil {
		return desc
	}
	for _, sc := range e.Response.Header.Values("Set-Cookie") {
		name, rest, _ := strings.Cut(sc, "=")
		val, _, _ := strings.Cut(rest, ";")
		if name = strings.TrimSpace(name); cookie.IsAffinity(name) {
			if len(val) > 32 {
				val = val[:12] + "…"
			}
			desc += fmt.Sprintf(" (affinity cookie %s=%s)", name, val)
			break
		}
	}
	for _, h := range []string{"X-Served-By", "X-Backend", "X-Backend-Server", "X-Upstream", "X-Node", "Server"} {
		if v := e.Response.Header.Get(h); v != "" {
			desc += fmt.Sprintf(" (%s: %s)", h, v)
			break
		}
	}
	return desc
}

// repeats compares the request as given with its repeats: one address,
// several answers. Some refused and some accepted is a node that
// disagrees, whichever came first.
func repeats(p *diagnosis.Pass) {
	reps := p.Evidence.Facts.Trials(evidence.Repeat)
	first := p.Evidence.Facts.Trial(evidence.AsGiven)
	if len(reps) == 0 || first == nil {
		return
	}
	all := append([]*evidence.Trial{first}, reps...)
	statuses := map[int]int{}
	anyFailed, anyOK := false, false
	var ev, codes []string
	for i := range all {
		e := all[i].Final()
		code := status(e)
		if statuses[code] == 0 {
			codes = append(codes, fmt.Sprint(code))
		}
		statuses[code]++
		anyFailed = anyFailed || failed(code)
		anyOK = anyOK || ok(code)
		ev = append(ev, fmt.Sprintf("send %d: %s", i+1, nodeLine(e)))
	}
	if len(statuses) < 2 || !anyFailed {
		return
	}
	conf := finding.Certain - 0.02
	if !anyOK {
		conf = finding.Likely
	}
	ev = append(ev, "the same request, one address, sent one after the other: the nodes behind it disagree (a stale password file, user store or key set on one of them)")
	p.Reportf(catalog.BackendInconsistent, conf, ev, "The nodes behind this address disagree: the same request got %s", strings.Join(codes, " and "))
}
