// Package causes is the `why401 causes` command: the cause catalog.
package causes

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/cli"
)

// Options are the command's flags.
type Options struct {
	IO   *cli.IOStreams
	ID   string
	JSON bool
}

// NewCmdCauses builds the command.
func NewCmdCauses(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "causes [ID]",
		Short: "List the causes why401 can name, or explain one",
		Example: `  why401 causes
  why401 causes proxy.header-stripped
  why401 causes --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.ID = args[0]
			}
			if runF != nil {
				return runF(o)
			}
			return run(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	return cmd
}

type jsonCause struct {
	ID          catalog.ID                         `json:"id"`
	Title       string                             `json:"title"`
	Explanation string                             `json:"explanation"`
	Recognition string                             `json:"recognition"`
	Severity    catalog.Severity                   `json:"severity"`
	Fixes       map[catalog.Audience][]catalog.Fix `json:"fixes"`
}

func toJSON(c *catalog.Cause) jsonCause {
	return jsonCause{c.ID, c.Title, c.Explanation, c.Recognition, c.Severity, c.Fixes}
}

func run(o *Options) error {
	if o.ID != "" {
		c, ok := catalog.Lookup(catalog.ID(o.ID))
		if !ok {
			return &cli.UsageError{Err: fmt.Errorf("%s: no such cause (see why401 causes)", o.ID)}
		}
		if o.JSON {
			return cli.WriteJSON(o.IO.Out, toJSON(c))
		}
		_, err := fmt.Fprint(o.IO.Out, Describe(c))
		return err
	}
	all := catalog.All()
	if o.JSON {
		out := make([]jsonCause, len(all))
		for i, c := range all {
			out[i] = toJSON(c)
		}
		return cli.WriteJSON(o.IO.Out, out)
	}
	var b strings.Builder
	group := ""
	for _, c := range all {
		g, _, _ := strings.Cut(string(c.ID), ".")
		if g != group {
			if group != "" {
				b.WriteString("\n")
			}
			group = g
		}
		fmt.Fprintf(&b, "%-28s %s\n", c.ID, c.Title)
	}
	_, err := fmt.Fprint(o.IO.Out, b.String())
	return err
}

// Describe renders one cause in full.
func Describe(c *catalog.Cause) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n", c.ID, c.Title)
	fmt.Fprintf(&b, "%s\n\n", wrap(c.Explanation, 78))
	fmt.Fprintf(&b, "How it is recognised:\n%s\n", indent(wrap(c.Recognition, 74), "  "))
	for _, a := range catalog.Audiences {
		fs := c.Fixes[a]
		if len(fs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nFix (%s):\n", a)
		for _, f := range fs {
			fmt.Fprintf(&b, "  - %s\n", strings.ReplaceAll(wrap(f.Text, 72), "\n", "\n    "))
			if f.Command != "" {
				b.WriteString(indent(f.Command, "      ") + "\n")
			}
		}
	}
	return b.String()
}

func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if n+1+len(w) > width {
				b.WriteString("\n")
				n = 0
			} else {
				b.WriteString(" ")
				n++
			}
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}
