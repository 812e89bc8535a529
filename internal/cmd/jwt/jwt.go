// Package jwt is the `why401 jwt` command: decode a token and say what is
// wrong with it, against the local clock and optionally a server's.
package jwt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/finding"
	"github.com/why401/why401/internal/jwt"
	"github.com/why401/why401/internal/redact"
	"github.com/why401/why401/internal/report"
)

// Options are the command's flags.
type Options struct {
	IO      *cli.IOStreams
	Now     func() time.Time
	Token   string
	Server  string
	JWKS    string
	Expect  jwt.Expect
	Leeway  time.Duration
	JSON    bool
	Show    bool
	Timeout time.Duration
}

// NewCmdJWT builds the command.
func NewCmdJWT(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "jwt TOKEN | -",
		Short: "Decode a JWT and report what would make a server refuse it",
		Long: `Jwt decodes a JSON Web Token (without trusting it) and reports expiry,
not-before and issued-at against the local clock — and, with --server, against
that server's clock read from its Date header — plus audience, issuer and
scope against what you expect, and the signature against a JWKS.
"-" reads the token from standard input; a leading "Bearer " is ignored.
Exit 0 when nothing is wrong, 1 when something is, 2 when it is not a token.`,
		Example: `  why401 jwt "$TOKEN"
  why401 jwt "$TOKEN" --server https://api.example.com --expect-aud https://api.example.com
  why401 jwt - --jwks https://login.example.com/.well-known/jwks.json < token.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Token = args[0]
			if runF != nil {
				return runF(o)
			}
			return run(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Server, "server", "", "also judge the token by this `URL`'s clock (its Date header)")
	fl.StringVar(&o.JWKS, "jwks", "", "verify the signature with this JWKS `file or URL`")
	fl.StringArrayVar(&o.Expect.Audience, "expect-aud", nil, "audience the token must have (repeatable)")
	fl.StringArrayVar(&o.Expect.Issuer, "expect-iss", nil, "issuer the token must have (repeatable)")
	fl.StringArrayVar(&o.Expect.Scope, "expect-scope", nil, "scope the token must have (repeatable)")
	fl.DurationVar(&o.Leeway, "leeway", 30*time.Second, "clock leeway allowed for exp, nbf and iat")
	fl.BoolVar(&o.JSON, "json", false, "print as JSON")
	fl.BoolVar(&o.Show, "show-secrets", false, "print the signature and the raw token")
	fl.DurationVar(&o.Timeout, "timeout", 10*time.Second, "timeout for --server and a --jwks URL")
	return cmd
}

type problem struct {
	Kind   jwt.ProblemKind `json:"kind"`
	Detail string          `json:"detail"`
}

func problems(ps []jwt.Problem) []problem {
	out := make([]problem, len(ps))
	for i, p := range ps {
		out[i] = problem{p.Kind, p.Detail}
	}
	return out
}

type result struct {
	report.Head
	Header      map[string]any `json:"header"`
	Claims      map[string]any `json:"claims"`
	Description []string       `json:"description"`
	Problems    []problem      `json:"problems"`
	ServerDate  string         `json:"server_date,omitempty"`
	ServerSkew  string         `json:"server_skew,omitempty"`
	Signature   string         `json:"signature"` // "verified", "not checked", or the error
	Raw         string         `json:"raw,omitempty"`
}

func run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	raw := o.Token
	if raw == "-" {
		b, err := io.ReadAll(io.LimitReader(o.IO.In, 1<<20))
		if err != nil {
			return &cli.UsageError{Err: fmt.Errorf("standard input: %w", err)}
		}
		raw = string(b)
	}
	raw = strings.TrimSpace(raw)
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	tok, err := jwt.Parse(raw)
	if err != nil {
		return &cli.UsageError{Err: fmt.Errorf("token %s: %v", redact.Mask(raw), err)}
	}
	now := o.Now()
	o.Expect.Leeway = o.Leeway
	res := result{Header: tok.Header, Claims: tok.Claims, Description: jwt.Describe(tok, now), Signature: "not checked (no --jwks)"}
	res.Problems = problems(tok.Check(o.Expect, now))
	if o.Server != "" {
		date, err := serverDate(ctx, o.Server, o.Timeout)
		if err != nil {
			return &cli.ExitError{Code: cli.ExitUnreachable, Msg: fmt.Sprintf("--server %s: %v", o.Server, err)}
		}
		skew := date.Sub(now).Round(time.Second)
		res.ServerDate = date.UTC().Format(http.TimeFormat)
		res.ServerSkew = skew.String()
		for _, p := range tok.Check(jwt.Expect{Leeway: o.Leeway}, date) {
			if p.Kind == jwt.Expired || p.Kind == jwt.NotYetValid || p.Kind == jwt.IssuedInFuture {
				if !slices.ContainsFunc(res.Problems, func(q problem) bool { return q.Kind == p.Kind }) {
					p.Detail = "by the server's clock (" + skew.String() + " from this one): " + p.Detail
					res.Problems = append(res.Problems, problem{p.Kind, p.Detail})
				}
			}
		}
	}
	tev := &checks.TokenEvidence{Token: tok, Expect: o.Expect}
	if res.ServerDate != "" {
		tev.ServerDate, _ = http.ParseTime(res.ServerDate)
	}
	if o.JWKS != "" {
		set, err := load(ctx, o.JWKS, o.Timeout)
		if err != nil {
			return &cli.UsageError{Err: fmt.Errorf("--jwks %s: %v", o.JWKS, err)}
		}
		tev.JWKS, tev.JWKSSource = set, o.JWKS
		if err := jwt.Verify(tok, set); err != nil {
			res.Signature = err.Error()
			res.Problems = append(res.Problems, problem{Kind: "signature", Detail: err.Error()})
		} else {
			res.Signature = "verified with " + o.JWKS
		}
	}
	if o.Show {
		res.Raw = raw
	}
	if res.Problems == nil {
		res.Problems = []problem{}
	}
	all, err := finding.Run(checks.TokenSuite, tev, now)
	if err != nil {
		return err
	}
	fs := finding.Rank(all, finding.Context{Scheme: "bearer"})
	switch {
	case len(fs) > 0:
		res.Head = report.NewHead("jwt", report.Fail, report.MostLikely(fs[0]), fs)
	case len(res.Problems) > 0:
		res.Head = report.NewHead("jwt", report.Fail, fmt.Sprintf("%d problem%s with this token, none a cause of 401 by itself", len(res.Problems), map[bool]string{true: "", false: "s"}[len(res.Problems) == 1]), nil)
	default:
		res.Head = report.NewHead("jwt", report.OK, "nothing wrong with this token", nil)
	}
	if o.JSON {
		if err := cli.WriteJSON(o.IO.Out, res); err != nil {
			return err
		}
	} else {
		var b strings.Builder
		for _, l := range res.Description {
			fmt.Fprintf(&b, "%s\n", l)
		}
		if res.ServerDate != "" {
			fmt.Fprintf(&b, "server clock: %s (%s from this machine's)\n", res.ServerDate, res.ServerSkew)
		}
		fmt.Fprintf(&b, "signature: %s\n", res.Signature)
		if len(res.Problems) == 0 {
			b.WriteString("\n✓ nothing wrong with this token\n")
		} else {
			b.WriteString("\nProblems:\n")
			for _, p := range res.Problems {
				fmt.Fprintf(&b, "  ✗ %s: %s\n", p.Kind, p.Detail)
			}
		}
		if o.Show {
			fmt.Fprintf(&b, "\nraw: %s\n", raw)
		}
		if _, err := io.WriteString(o.IO.Out, b.String()); err != nil {
			return err
		}
	}
	if len(res.Problems) > 0 {
		return cli.Exit(cli.ExitFindings)
	}
	return nil
}

// serverDate asks url for its Date header with a HEAD request (GET when
// HEAD is refused), without credentials.
func serverDate(ctx context.Context, url string, timeout time.Duration) (time.Time, error) {
	c := &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, m := range []string{http.MethodHead, http.MethodGet} {
		req, err := http.NewRequestWithContext(ctx, m, url, nil)
		if err != nil {
			return time.Time{}, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return time.Time{}, err
		}
		resp.Body.Close()
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			return d, nil
		}
	}
	return time.Time{}, errors.New("no Date header in the answer")
}

// load reads a file or fetches an http(s) URL, at most 1 MiB.
func load(ctx context.Context, src string, timeout time.Duration) ([]byte, error) {
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		c := &http.Client{Timeout: timeout}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	}
	return os.ReadFile(src)
}
