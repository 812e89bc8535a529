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
	"github.com/why401/why401/internal/htmlreport"
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
	// HTML is --html: also write the report as a page to this file ("-":
	// standard output, instead of the text); HTMLSecrets lets it carry
	// what --show-secrets shows.
	HTML        string
	HTMLSecrets bool
	// Adjust is the factory's Probe hook.
	Adjust func(*probe.Options)

	headers               []string
	maxTime, connectTimeo time.Duration
	data                  []string
	method                string
	basic, digest, any    bool
	ntlm, negotiate       bool

	// from, env and fromNotes: --from FILE and --env (from.go).
	from, env string
	fromNotes []string
}

// NewCmdProbe builds the command; runF, when set, replaces the run for
// tests of flag parsing.
func NewCmdProbe(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Now: f.Now, Version: f.Version, Adjust: f.Probe}
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
			if err := htmlreport.CheckFlags(o.HTML, o.ShowSecrets, o.HTMLSecrets, o.JSON); err != nil {
				return cli.FlagErrorf("%v", err)
			}
			if o.Adjust != nil {
				o.Adjust(&o.Probe)
			}
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
	AddHTMLFlags(cmd.Flags(), &o.HTML, &o.HTMLSecrets)
	return cmd
}

// AddHTMLFlags defines --html and --html-secrets, as every command with a
// page report has them.
func AddHTMLFlags(fs *pflag.FlagSet, html *string, secrets *bool) {
	fs.StringVar(html, "html", "", "also write the report as a self-contained HTML page to `FILE` (- for standard output, instead of the text)")
	fs.BoolVar(secrets, "html-secrets", false, "let --show-secrets put passwords and tokens in the --html page too")
}

// AddFlags defines curl's request flags and the probe's expectations on fs.
func AddFlags(fs *pflag.FlagSet, o *Options) {
	p := &o.Probe
	fs.StringVarP(&o.method, "request", "X", "", "request `METHOD` (with --from: the name of the request to run)")
	fs.StringArrayVarP(&o.headers, "header", "H", nil, "extra header `\"NAME: VALUE\"` (repeatable; \"NAME:\" removes one)")
	fs.StringArrayVarP(&o.data, "data", "d", nil, "request body `DATA` (implies POST; @FILE reads a file); repeated values are joined with &")
	fs.StringVarP(&p.User, "user", "u", "", "`USER:PASS` for Basic (or Digest, when the server asks)")
	fs.StringVar(&p.Bearer, "oauth2-bearer", "", "bearer `TOKEN` to send")
	fs.BoolVar(&o.basic, "basic", false, "send -u with Basic at once (the default)")
	fs.BoolVar(&o.digest, "digest", false, "send -u only when a 401 challenges, answering with Digest (RFC 7616), as curl --digest")
	fs.BoolVar(&o.any, "anyauth", false, "send -u only when a 401 challenges, answering with Digest or Basic, as curl --anyauth")
	fs.BoolVar(&o.ntlm, "ntlm", false, "NTLMv2 with -u 'DOMAIN\\USER:PASS', as curl --ntlm: the three-message handshake on one kept-alive connection")
	fs.BoolVar(&o.negotiate, "negotiate", false, "Negotiate (SPNEGO/Kerberos, RFC 4559) as curl --negotiate -u : with the ticket of kinit (KRB5CCNAME, KRB5_CONFIG); says why when there is none")
	fs.StringArrayVarP(&p.Cookie, "cookie", "b", nil, "cookies `\"NAME=VALUE; ...\"|FILE` (a Netscape cookie file)")
	fs.StringVarP(&p.UserAgent, "user-agent", "A", "", "User-Agent header `VALUE`")
	fs.StringVarP(&p.Referer, "referer", "e", "", "Referer `URL`")
	fs.BoolVarP(&p.Insecure, "insecure", "k", false, "do not verify the server's certificate (it is still reported)")
	fs.StringVarP(&p.Proxy, "proxy", "x", "", "use this proxy `URL`")
	fs.StringVarP(&p.ProxyUser, "proxy-user", "U", "", "`USER:PASS` for the proxy")
	fs.StringArrayVar(&p.Resolve, "resolve", nil, "pin `HOST:PORT:ADDR[,ADDR...]` (repeatable)")
	fs.StringVar(&p.CACert, "cacert", "", "CA certificates `FILE` (PEM) to trust")
	fs.StringVarP(&p.Cert, "cert", "E", "", "client certificate `FILE` (PEM)")
	fs.StringVar(&p.Key, "key", "", "client key `FILE` (PEM)")
	cli.DurationVarP(fs, &o.maxTime, "max-time", "m", 30*time.Second, "maximum time for each request (seconds, as curl's: 30, 2.5; or 30s, 1m)")
	cli.DurationVar(fs, &o.connectTimeo, "connect-timeout", 10*time.Second, "maximum time to connect (30 or 30s)")
	fs.BoolVarP(&p.FollowRedirects, "location", "L", false, "follow redirects (the probe always follows them to diagnose; this says you expect to)")
	fs.IntVar(&p.MaxRedirs, "max-redirs", 10, "follow at most `N` redirects")
	fs.BoolVar(&p.LocationTrusted, "location-trusted", false, "send credentials to other hosts on redirect too")
	fs.StringArrayVar(&p.ExpectAudience, "expect-aud", nil, "`AUDIENCE` the token must have (repeatable)")
	fs.StringArrayVar(&p.ExpectIssuer, "expect-iss", nil, "`ISSUER` the token must have (repeatable)")
	fs.StringArrayVar(&p.ExpectScope, "expect-scope", nil, "`SCOPE` the token must have (repeatable)")
	fs.StringVar(&p.JWKS, "jwks", "", "verify the token's signature with this JWKS `FILE|URL`")
	fs.StringVar(&p.OIDCIssuer, "oidc-issuer", "", "take the JWKS from the discovery document of this OpenID issuer `URL`")
	fs.BoolVar(&p.NoDiscovery, "no-discovery", false, "do not fetch OAuth metadata (RFC 9728, RFC 8414) to learn expectations")
	fs.BoolVar(&p.TryEncodings, "try-encodings", false, "resend non-ASCII or %XX-escaped Basic credentials in other encodings (up to 3 extra credentialed requests)")
	fs.IntVar(&p.Repeat, "repeat", 0, "send the request as given `N` more times, each with your credentials, to see whether the nodes behind one address agree (0: up to 3 times when a balancer shows; -1: never)")
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
				if p.NoLocalFiles {
					return &cli.UsageError{Err: fmt.Errorf("-d @%s: reading files of the machine that runs why401 is not allowed here; give the body itself", name)}
				}
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
	switch {
	case o.negotiate && o.ntlm:
		return cli.FlagErrorf("--ntlm and --negotiate: pick one (curl would pick one for you after a challenge; the probe wants to know which you mean)")
	case o.negotiate:
		p.HTTPAuth = "negotiate"
	case o.ntlm:
		p.HTTPAuth = "ntlm"
	case o.any || o.digest && o.basic:
		p.HTTPAuth = "anyauth" // curl: more than one scheme is picking one
	case o.digest:
		p.HTTPAuth = "digest"
	case o.basic:
		p.HTTPAuth = "basic"
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
	p.MaxTime = o.maxTime
	p.ConnectTimeout = o.connectTimeo
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
	if err := Write(o.IO, r, o.JSON, o.HTML, o.Verbose); err != nil {
		return err
	}
	return cli.Exit(diagnose.ExitCode(r.Verdict))
}

// Write prints a probe's report: as JSON or text on standard output, and
// as a page to html when given (rendered from the JSON document, so it
// holds the same data; "-" puts the page on standard output instead).
func Write(st *cli.IOStreams, r *report.Report, asJSON bool, html string, verbose bool) error {
	if html != "" {
		if err := htmlreport.Write(html, st.Out, func(w io.Writer) error { return report.WriteJSON(w, r) }); err != nil {
			return &cli.UsageError{Err: err}
		}
		if html == "-" {
			return nil
		}
	}
	if asJSON {
		return report.WriteJSON(st.Out, r)
	}
	return report.WriteText(st.Out, r, report.Style{Color: st.Color, Verbose: verbose})
}
