// Package root assembles why401's command tree and maps what commands
// return to exit codes, in one place.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/cli"
	auditcmd "github.com/why401/why401/internal/cmd/audit"
	causescmd "github.com/why401/why401/internal/cmd/causes"
	challengecmd "github.com/why401/why401/internal/cmd/challenge"
	checkcmd "github.com/why401/why401/internal/cmd/check"
	curlcmd "github.com/why401/why401/internal/cmd/curl"
	democmd "github.com/why401/why401/internal/cmd/demo"
	harcmd "github.com/why401/why401/internal/cmd/har"
	htpasswdcmd "github.com/why401/why401/internal/cmd/htpasswd"
	jwtcmd "github.com/why401/why401/internal/cmd/jwt"
	labcmd "github.com/why401/why401/internal/cmd/lab"
	logscmd "github.com/why401/why401/internal/cmd/logs"
	probecmd "github.com/why401/why401/internal/cmd/probe"
	"github.com/why401/why401/internal/report"
)

// Version is set at build time with -ldflags "-X ...root.Version=v1.2.3".
var Version = "dev"

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "why401 <command>",
		Short: "Find out why an HTTP request gets 401 Unauthorized, and how to fix it",
		Long: `why401 finds out why an HTTP request is refused with 401 Unauthorized (or
403, 407) and says how to fix it: it probes the URL with curl's flags, reads
every clue, and ranks the causes with evidence and fixes.

Exit codes: 0 authenticated fine, nothing wrong; 1 findings; 2 bad usage or
input; 3 the target could not be reached at all.`,
		Example: `  why401 demo
  why401 probe https://api.example.com/me -H "Authorization: Bearer $TOKEN"
  why401 jwt "$TOKEN" --server https://api.example.com
  why401 challenge 'Bearer realm="api", error="invalid_token"'
  why401 causes token.expired`,
		Version:       Version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetIn(f.IO.In)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &cli.FlagError{Err: err} })
	cmd.AddCommand(
		probecmd.NewCmdProbe(f, nil),
		curlcmd.NewCmdCurl(f, nil),
		harcmd.NewCmdHar(f, nil),
		challengecmd.NewCmdChallenge(f, nil),
		jwtcmd.NewCmdJWT(f, nil),
		causescmd.NewCmdCauses(f, nil),
		labcmd.NewCmdLab(f, nil),
		democmd.NewCmdDemo(f, nil),
		logscmd.NewCmdLogs(f, nil),
		checkcmd.NewCmdCheck(f, nil),
		auditcmd.NewCmdAudit(f, nil),
		htpasswdcmd.NewCmdHtpasswd(f, nil),
	)
	return cmd
}

// Main runs why401 with args on the process's streams and returns the
// exit code.
func Main(args []string) int {
	return MainIO(args, cli.System())
}

// MainIO is Main on the given streams (tests use buffers).
func MainIO(args []string, io *cli.IOStreams) int {
	f := &cli.Factory{IO: io, Now: time.Now, Version: Version}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err != nil && !isExit(err) {
		// Unknown commands and flags come from cobra as plain errors.
		if c, _, ferr := cmd.Find(args); ferr != nil || c == cmd && len(args) > 0 && !isFlag(args[0]) {
			err = &cli.FlagError{Err: err}
		}
	}
	code, msg := cli.Code(err)
	if msg != "" {
		fmt.Fprintf(io.ErrOut, "why401: %s\n", msg)
		if name, ok := jsonCommand(cmd, args); ok && !isExit(err) {
			first, _, _ := strings.Cut(msg, "\n")
			_ = cli.WriteJSON(io.Out, report.ErrorDocument(name, first))
		}
	}
	return code
}

// diagnosing are the commands whose --json follows the report schema.
var diagnosing = []string{"probe", "curl", "har", "audit", "logs", "check", "jwt"}

// jsonCommand reports whether args ran a diagnosing command with --json,
// and which: its failures then print an error document on standard output
// as well, so a program reading the JSON always gets one.
func jsonCommand(root *cobra.Command, args []string) (string, bool) {
	c, _, err := root.Find(args)
	if err != nil || c == root || !slices.Contains(diagnosing, c.Name()) {
		return "", false
	}
	f := c.Flags().Lookup("json")
	return c.Name(), f != nil && f.Changed && f.Value.String() == "true"
}

// isExit reports whether err carries a *cli.ExitError, as cli.Code finds
// it.
func isExit(err error) bool {
	var ee *cli.ExitError
	return errors.As(err, &ee)
}

func isFlag(s string) bool { return len(s) > 0 && s[0] == '-' }
