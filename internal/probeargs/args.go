// Package probeargs reads curl's request flags into probe options: the
// flags of `why401 probe`, and the arguments a lab scenario, a pasted
// command's replay or a test gives as a command line. It is the one place
// that knows what -u, -H, -d, --digest, --resolve … mean for the probe.
package probeargs

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/probe"
)

// Args are the raw values of the request flags and what they become.
type Args struct {
	// Probe is what the flags set; Finish completes and validates it.
	Probe probe.Options
	// Stdin is read by -d @-; Version names why401 in the default
	// User-Agent; Now, when set, is the probe's clock.
	Stdin   io.Reader
	Version string
	Now     func() time.Time
	// Notes say where a --from request came from and what its reader
	// noticed, for the report.
	Notes []string

	headers               []string
	maxTime, connectTimeo time.Duration
	data                  []string
	method                string
	basic, digest, any    bool
	ntlm, negotiate       bool

	// from and env: --from FILE and --env (from.go).
	from, env string
}

// From is the --from FILE given, "" when none.
func (o *Args) From() string { return o.from }

// Check says whether the positional arguments fit the flags: one URL, or
// none with --from.
func (o *Args) Check(args []string) error {
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
}

// Finish turns the parsed flags and the positional arguments (already
// held to Check) into validated probe options in o.Probe.
func (o *Args) Finish(fs *pflag.FlagSet, args []string) error {
	if o.from != "" {
		return o.finishFrom(fs)
	}
	return o.finish(args[0])
}

// Parse reads a probe command line (a URL and curl's flags, as a lab
// scenario or a test gives them) into validated probe options; adjust,
// when set, changes the options before they are validated, as the
// command's factory hook does.
func Parse(args []string, version string, adjust func(*probe.Options)) (probe.Options, error) {
	o := &Args{Version: version}
	fs := pflag.NewFlagSet("probe", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return probe.Options{}, cli.FlagErrorf("%v", err)
	}
	if err := o.Check(fs.Args()); err != nil {
		return probe.Options{}, err
	}
	if adjust != nil {
		adjust(&o.Probe)
	}
	if err := o.Finish(fs, fs.Args()); err != nil {
		return probe.Options{}, err
	}
	return o.Probe, nil
}

// AddFlags defines curl's request flags, --from and --env, and the
// probe's expectations on fs.
func (o *Args) AddFlags(fs *pflag.FlagSet) {
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
	o.addFromFlags(fs)
	fs.BoolVar(&p.TryContentType, "try-content-type", false, "resend a refused form body as JSON, or a JSON body as a form (1 extra credentialed request)")
}

// finish turns the raw flag values into probe options and validates them.
func (o *Args) finish(url string) error {
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
func (o *Args) readData(name string) ([]byte, error) {
	if name == "-" {
		if o.Stdin == nil {
			return nil, fmt.Errorf("no standard input")
		}
		return io.ReadAll(io.LimitReader(o.Stdin, 16<<20))
	}
	return os.ReadFile(name)
}
