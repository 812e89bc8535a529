// Package probe is the `why401 probe` command: curl's flags in, a ranked
// diagnosis out.
package probe

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/htmlreport"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/probeargs"
	"github.com/why401/why401/internal/report"
)

// Options are the command's flags and dependencies.
type Options struct {
	IO *cli.IOStreams
	// Args are curl's request flags; Args.Probe the probe options they
	// make.
	probeargs.Args
	JSON        bool
	ShowSecrets bool
	Verbose     bool
	// HTML is --html: also write the report as a page to this file ("-":
	// standard output, instead of the text); HTMLSecrets lets it carry
	// what --show-secrets shows.
	HTML        string
	HTMLSecrets bool
	// Adjust is the factory's Probe hook.
	Adjust func(*probe.Options)
}

// NewCmdProbe builds the command; runF, when set, replaces the run for
// tests of flag parsing.
func NewCmdProbe(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Args: probeargs.Args{Stdin: f.IO.In, Now: f.Now, Version: f.Version}, Adjust: f.Probe}
	cmd := &cobra.Command{
		Use:   "probe (URL | --from FILE) [curl flags]",
		Short: "Find out why a request gets 401, with curl's flags",
		Long: `Probe sends the request as curl would and runs a small experiment around it:
the request as given, without credentials, without cookies, over the other
scheme, once per resolved address, a CORS preflight when an Origin is given,
and redirects followed hop by hop. It reads every clue (challenges, tokens,
clocks, caches, certificates) and prints the causes ranked, with evidence and
fixes. It never makes more than one attempt with your credentials per
variant, and says how many it made.

--negotiate sends a Kerberos token (SPNEGO) for HTTP/host from the ticket
of kinit (KRB5CCNAME, KRB5_CONFIG), and says why when there is none;
--ntlm -u 'DOMAIN\USER:PASS' runs NTLMv2's handshake on one connection.

With --from FILE the request comes from a Postman collection (v2.0/v2.1:
folders, auth basic, bearer, apikey, digest, oauth2 with a saved token, and
its inheritance; collection variables) or a .http/.rest file (JetBrains HTTP
Client, VS Code REST Client: ###, # @name, @var = value). --request NAME
(or -X NAME) picks one of several, by name or Folder/Name; --env gives a
Postman environment file, or the environment of http-client.env.json.
Transport flags (-k, --resolve, --cacert, -x, timeouts, --expect-*) apply;
-H adds headers.`,
		Example: `  why401 probe https://api.example.com/me -H "Authorization: Bearer $TOKEN"
  why401 probe https://staging.example.com/ -u alice:secret
  kinit alice@CORP.EXAMPLE && why401 probe https://intranet.corp.example/ --negotiate
  why401 probe https://example.com/api -b 'sid=abc' -H 'Origin: https://app.example.com'
  why401 probe https://example.com/ --resolve example.com:443:10.0.0.1,10.0.0.2 --json
  why401 probe --from api.postman_collection.json --request 'Users/Get me' --env staging.postman_environment.json
  why401 probe --from requests.http --request me --env dev`,
		Args: func(cmd *cobra.Command, args []string) error { return o.Check(args) },
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := htmlreport.CheckFlags(o.HTML, o.ShowSecrets, o.HTMLSecrets, o.JSON); err != nil {
				return cli.FlagErrorf("%v", err)
			}
			if o.Adjust != nil {
				o.Adjust(&o.Probe)
			}
			if err := o.Finish(cmd.Flags(), args); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return Run(cmd.Context(), o)
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&o.ShowSecrets, "show-secrets", false, "do not redact passwords, tokens and cookies in the output")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "show every exchange and every fix")
	htmlreport.AddFlags(cmd.Flags(), &o.HTML, &o.HTMLSecrets)
	return cmd
}

// Run probes and prints.
func Run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.IO.ErrTTY && !o.JSON {
		o.Probe.Progress = func(s string) { fmt.Fprintf(o.IO.ErrOut, "\r\x1b[K%s", s) }
	}
	r, err := diagnose.Probe(ctx, o.Probe, diagnose.Options{ShowSecrets: o.ShowSecrets})
	if o.Probe.Progress != nil {
		fmt.Fprint(o.IO.ErrOut, "\r\x1b[K")
	}
	if err != nil {
		return err
	}
	r.Notes = append(r.Notes, o.Notes...)
	if err := report.Output(o.IO, r, o.JSON, o.HTML, o.Verbose); err != nil {
		return err
	}
	return cli.Exit(diagnose.ExitCode(r.Verdict))
}
