// Package diagnose is why401's pipeline: a request goes in, the probe
// gathers evidence (package probe), the checks turn it into findings
// (packages checks and diagnosis), the findings are ranked and the report
// is built (package report). Command packages call it and render what it
// returns; so do the checklist runner, the HAR replay and the lab demo.
package diagnose

import (
	"context"
	"fmt"
	"time"

	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
)

// Options change how a diagnosis is reported.
type Options struct {
	// Command names the command the report is for ("probe", "curl");
	// empty means "probe".
	Command string
	// ShowSecrets leaves passwords, tokens and cookies unredacted.
	ShowSecrets bool
}

// Probe runs the probe's experiment for po, runs the default suite of
// checks over what it observed and returns the report. An error means
// the probe could not run at all (bad options); an unreachable target is
// a report with verdict "unreachable".
func Probe(ctx context.Context, po probe.Options, o Options) (*report.Report, error) {
	now := time.Now
	if po.Now != nil {
		now = po.Now
	}
	start := now()
	ev, err := probe.Run(ctx, po)
	if err != nil {
		return nil, err
	}
	findings, err := diagnosis.Run(checks.All, ev, now())
	if err != nil {
		return nil, fmt.Errorf("diagnosis: %w", err)
	}
	r := report.Build(ev, findings, report.Options{ShowSecrets: o.ShowSecrets, Duration: now().Sub(start)})
	if o.Command != "" {
		r.Command = o.Command
	}
	return r, nil
}

// ExitCode maps a verdict to the process exit code: ok 0, fail 1,
// unreachable 3, error 2.
func ExitCode(verdict string) int {
	switch verdict {
	case report.OK:
		return cli.ExitOK
	case report.Unreachable:
		return cli.ExitUnreachable
	case report.Error:
		return cli.ExitUsage
	}
	return cli.ExitFindings
}
