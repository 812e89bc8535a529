// Package probe is the `why401 probe` command: curl's flags in, a ranked
// diagnosis out.
package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/diagnose"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
)

// Options are the command's flags and dependencies.
type Options struct {
	IO      *cli.IOStreams
	Now     func() time.Time
	Version string

	Probe       probe.Options
	JSON        bool
	ShowSecrets bool
	Verbose     bool

	headers               []string
	maxTime, connectTimeo float64
	data                  []string
	method                string

	// from, env and fromNotes: --from FILE and --env (from.go).
	from, env string
	fromNotes []string
}

// NewCmdProbe builds the command; runF, when set, replaces the run for
// tests of flag parsing.
func NewCmdProbe(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Now: f.Now, Version: f.Version}
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
  why401 probe https://example.com/api -b 'sid=abc' -H 'Origin: https://app.example.com'
  why401 probe https://example.com/ --resolve example.com:443:10.0.0.1,10.0.0.2 --json
  why401 probe --from api.postman_collection.json --request 'Users/Get me' --env staging.postman_environment.json
  why401 probe --from requests.http --request me --env dev`,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.env != "" && o.from == "" {
				return cli.FlagErrorf("--env needs --from FILE")
			}
			if o.from != "" {
				if len(args) > 0 {
					return cli.FlagErrorf("--from %s gives the URL: drop the URL argument", o.from)
				}
				return nil
			}
			if len(args) != 1 {
				return cli.FlagErrorf("probe takes exactly one URL, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.from != "" {
				if err := o.finishFrom(cmd.Flags()); err != nil {
					return err
				}
			} else if err := o.finish(args[0]); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return Run(cmd.Context(), o)
		},
	}
	AddFlags(cmd.Flags(), o)
	addFromFlags(cmd.Flags(), o)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&o.ShowSecrets, "show-secrets", false, "do not redact passwords, tokens and cookies in the output")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "show every exchange and every fix")
	return cmd
}

// AddFlags defines curl's request flags and the probe's expectations on fs.
func AddFlags(fs *pflag.FlagSet, o *Options) {
	p := &o.Probe
	fs.StringVarP(&o.method, "request", "X", "", "request `method` (with --from: the name of the request to run)")
	fs.StringArrayVarP(&o.headers, "header", "H", nil, "extra header `\"Name: value\"` (repeatable; \"Name:\" removes one)")
	fs.StringArrayVarP(&o.data, "data", "d", nil, "request body (implies POST); repeated values are joined with &")
	fs.StringVarP(&p.User, "user", "u", "", "`user:password` for Basic (or Digest, when the server asks)")
	fs.StringVar(&p.Bearer, "oauth2-bearer", "", "bearer `token` to send")
	fs.StringArrayVarP(&p.Cookie, "cookie", "b", nil, "cookies `\"a=1; b=2\"`, or a Netscape cookie file")
	fs.StringVarP(&p.UserAgent, "user-agent", "A", "", "User-Agent `string`")
	fs.StringVarP(&p.Referer, "referer", "e", "", "Referer `URL`")
	fs.BoolVarP(&p.Insecure, "insecure", "k", false, "do not verify the server's certificate (it is still reported)")
	fs.StringVarP(&p.Proxy, "proxy", "x", "", "use this `proxy` URL")
	fs.StringVarP(&p.ProxyUser, "proxy-user", "U", "", "`user:password` for the proxy")
	fs.StringArrayVar(&p.Resolve, "resolve", nil, "pin `host:port:addr[,addr…]` (repeatable)")
	fs.StringVar(&p.CACert, "cacert", "", "CA certificates `file` (PEM) to trust")
	fs.StringVarP(&p.Cert, "cert", "E", "", "client certificate `file` (PEM)")
	fs.StringVar(&p.Key, "key", "", "client key `file` (PEM)")
	fs.Float64VarP(&o.maxTime, "max-time", "m", 30, "maximum `seconds` for each request")
	fs.Float64Var(&o.connectTimeo, "connect-timeout", 10, "maximum `seconds` to connect")
	fs.BoolVarP(&p.FollowRedirects, "location", "L", false, "follow redirects (the probe always follows them to diagnose; this says you expect to)")
	fs.IntVar(&p.MaxRedirs, "max-redirs", 10, "maximum redirects to follow")
	fs.BoolVar(&p.LocationTrusted, "location-trusted", false, "send credentials to other hosts on redirect too")
	fs.StringArrayVar(&p.ExpectAudience, "expect-aud", nil, "audience the token must have (repeatable)")
	fs.StringArrayVar(&p.ExpectIssuer, "expect-iss", nil, "issuer the token must have (repeatable)")
	fs.StringArrayVar(&p.ExpectScope, "expect-scope", nil, "scope the token must have (repeatable)")
	fs.StringVar(&p.JWKS, "jwks", "", "verify the token's signature with this JWKS `file or URL`")
	fs.StringVar(&p.OIDCIssuer, "oidc-issuer", "", "take the JWKS from this OpenID `issuer`'s discovery document")
	fs.BoolVar(&p.NoDiscovery, "no-discovery", false, "do not fetch OAuth metadata (RFC 9728, RFC 8414) to learn expectations")
	fs.BoolVar(&p.TryEncodings, "try-encodings", false, "resend non-ASCII or %XX-escaped Basic credentials in other encodings (up to 3 extra credentialed requests)")
	fs.BoolVar(&p.TryContentType, "try-content-type", false, "resend a refused form body as JSON, or a JSON body as a form (1 extra credentialed request)")
}

// finish turns the raw flag values into probe options and validates them.
func (o *Options) finish(url string) error {
	p := &o.Probe
	p.URL = url
	p.Method = strings.ToUpper(o.method)
	if len(o.data) > 0 {
		parts := make([]string, len(o.data))
		for i, d := range o.data {
			if name, ok := strings.CutPrefix(d, "@"); ok {
				b, err := o.readData(name)
				if err != nil {
					return &cli.UsageError{Err: fmt.Errorf("-d @%s: %w", name, err)}
				}
				// curl -d strips carriage returns and newlines from files.
				d = strings.NewReplacer("\r", "", "\n", "").Replace(string(b))
			}
			parts[i] = d
		}
		p.Data = []byte(strings.Join(parts, "&"))
		p.HasData = true
	}
	p.Header = http.Header{}
	for _, h := range o.headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return cli.FlagErrorf("-H %q: want \"Name: value\"", h)
		}
		p.Header[http.CanonicalHeaderKey(name)] = append(p.Header[http.CanonicalHeaderKey(name)], strings.TrimSpace(value))
	}
	if o.maxTime <= 0 || o.connectTimeo <= 0 {
		return cli.FlagErrorf("--max-time and --connect-timeout must be positive")
	}
	p.MaxTime = time.Duration(o.maxTime * float64(time.Second))
	p.ConnectTimeout = time.Duration(o.connectTimeo * float64(time.Second))
	switch {
	case p.MaxRedirs == 0:
		p.MaxRedirs = -1 // --max-redirs 0: follow none (the probe reads 0 as its default)
	case p.MaxRedirs < 0:
		p.MaxRedirs = 50 // curl's -1, unlimited: the probe's own ceiling
	}
	if p.UserAgent == "" {
		p.UserAgent = "why401/" + o.Version
	}
	if o.Now != nil {
		p.Now = o.Now
	}
	if err := p.Validate(); err != nil {
		return &cli.UsageError{Err: err}
	}
	return nil
}

// readData reads a -d @file argument; "-" is standard input.
func (o *Options) readData(name string) ([]byte, error) {
	if name == "-" {
		if o.IO == nil || o.IO.In == nil {
			return nil, fmt.Errorf("no standard input")
		}
		return io.ReadAll(io.LimitReader(o.IO.In, 16<<20))
	}
	return os.ReadFile(name)
}

// ParseArgs parses a probe command line (URL and curl flags, as a
// scenario or a pasted command gives them) into options.
func ParseArgs(f *cli.Factory, args []string) (*Options, error) {
	var got *Options
	cmd := NewCmdProbe(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil {
		return nil, err
	}
	return got, nil
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
	r.Notes = append(r.Notes, o.fromNotes...)
	if o.JSON {
		err = report.WriteJSON(o.IO.Out, r)
	} else {
		err = report.WriteText(o.IO.Out, r, report.Style{Color: o.IO.Color, Verbose: o.Verbose})
	}
	if err != nil {
		return err
	}
	return cli.Exit(diagnose.ExitCode(r.Verdict))
}
