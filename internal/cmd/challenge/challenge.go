// Package challenge is the `why401 challenge` command: explain a
// WWW-Authenticate or Proxy-Authenticate value.
package challenge

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/cli"
)

// Options are the command's flags.
type Options struct {
	IO     *cli.IOStreams
	Values []string
	JSON   bool
}

// NewCmdChallenge builds the command.
func NewCmdChallenge(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "challenge 'HEADER VALUE'... | -",
		Short: "Explain a WWW-Authenticate (or Proxy-Authenticate) header",
		Long: `Challenge parses WWW-Authenticate or Proxy-Authenticate values as RFC 9110
defines them (several challenges per value, quoted strings, token68) and
explains each: the scheme, every parameter, error codes, and whether curl
and browsers can answer it. Each argument is one header line; "-" reads
lines from standard input. A leading "WWW-Authenticate:" is ignored.
Exit 0 when the values are well formed, 1 when they break the RFCs, 2 when
nothing could be parsed.`,
		Example: `  why401 challenge 'Bearer realm="api", error="invalid_token", error_description="Jwt expired"'
  why401 challenge 'Negotiate' 'NTLM'
  curl -sI https://example.com/ | grep -i www-authenticate | why401 challenge -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Values = args
			if runF != nil {
				return runF(o)
			}
			return run(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	return cmd
}

type jsonChallenge struct {
	Challenge string         `json:"challenge"`
	Info      challenge.Info `json:"info"`
	Explain   []string       `json:"explanation"`
}

func run(o *Options) error {
	var values []string
	for _, v := range o.Values {
		if v == "-" {
			b, err := io.ReadAll(o.IO.In)
			if err != nil {
				return &cli.UsageError{Err: fmt.Errorf("standard input: %w", err)}
			}
			values = append(values, strings.Split(strings.TrimSpace(string(b)), "\n")...)
			continue
		}
		values = append(values, v)
	}
	for i, v := range values {
		v = strings.TrimSpace(v)
		for _, prefix := range []string{"www-authenticate:", "proxy-authenticate:"} {
			if len(v) >= len(prefix) && strings.EqualFold(v[:len(prefix)], prefix) {
				v = strings.TrimSpace(v[len(prefix):])
			}
		}
		values[i] = v
	}
	cs, perr := challenge.ParseAll(values)
	if len(cs) == 0 {
		if perr == nil {
			perr = fmt.Errorf("empty value")
		}
		return &cli.UsageError{Err: fmt.Errorf("%q: no challenge: %v", strings.Join(values, ", "), perr)}
	}
	problems := perr != nil
	if o.JSON {
		out := make([]jsonChallenge, len(cs))
		for i, c := range cs {
			info := c.Info()
			problems = problems || len(info.Warnings) > 0
			out[i] = jsonChallenge{c.String(), info, challenge.Explain(c)}
		}
		if err := cli.WriteJSON(o.IO.Out, map[string]any{"challenges": out, "syntax_error": errString(perr)}); err != nil {
			return err
		}
	} else {
		var b strings.Builder
		for i, c := range cs {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%d. %s\n", i+1, c.String())
			for _, l := range challenge.Explain(c) {
				fmt.Fprintf(&b, "   - %s\n", l)
			}
			problems = problems || len(c.Info().Warnings) > 0
		}
		if perr != nil {
			fmt.Fprintf(&b, "\nsyntax: %v\n", perr)
		}
		if _, err := io.WriteString(o.IO.Out, b.String()); err != nil {
			return err
		}
	}
	if problems {
		return cli.Exit(cli.ExitFindings)
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
