package checks

import (
	"fmt"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/jwt"
)

// Clock compares the local clock with the server's Date header.
var Clock = &diagnosis.Check{
	Name:   "clock",
	Doc:    "report a difference between the local clock and the server's Date that breaks time-limited credentials",
	Causes: []catalog.ID{catalog.ClockSkew},
	Run:    runClock,
}

// skewReported is the smallest difference worth reporting: Date has a
// resolution of one second and responses take time to arrive.
const skewReported = time.Minute

func runClock(p *diagnosis.Pass) error {
	e := final(p, evidence.AsGiven)
	if e == nil || e.Response == nil || ok(e.Response.Status) {
		return nil
	}
	r := e.Response
	date, has := diagnosis.ServerDate(r)
	if !has {
		return nil
	}
	skew := date.Sub(r.Received).Round(time.Second)
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	if abs < skewReported {
		return nil
	}
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	ev := []string{
		line(e),
		fmt.Sprintf("server Date: %s; local clock when it arrived: %s", r.Header.Get("Date"), r.Received.UTC().Format(time.RFC1123)),
		fmt.Sprintf("the server's clock is %s %s this machine's", abs, dir),
	}
	conf := finding.Suspicion + 0.1
	if tok, _ := p.Evidence.Facts.Token(); tok != nil {
		local, remote := byBothClocks(tok, p.Now, skew)
		timeKinds := []jwt.ProblemKind{jwt.Expired, jwt.NotYetValid, jwt.IssuedInFuture}
		for _, k := range timeKinds {
			if local[k] != remote[k] {
				conf = finding.Certain - 0.02
				ev = append(ev, "the token's validity differs between the two clocks ("+string(k)+" by one, not by the other)")
				break
			}
		}
		if conf < finding.Certain-0.02 && (tok.ExpiresAt != nil || tok.NotBefore != nil) && abs > 5*time.Minute {
			conf = finding.Likely
		}
	} else if abs > 5*time.Minute && p.Evidence.Facts.Sent().Present {
		conf = finding.Likely - 0.1
	}
	p.Reportf(catalog.ClockSkew, conf, ev, "The server's clock is %s %s this machine's", abs, dir)
	return nil
}
