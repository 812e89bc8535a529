package report

import (
	"io"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/htmlreport"
)

// Output prints a probe's report as `why401 probe` and `why401 curl` do:
// as JSON or text on standard output, and as a page to html when given
// (rendered from the JSON document, so it holds the same data; "-" puts
// the page on standard output instead).
func Output(st *cli.IOStreams, r *Report, asJSON bool, html string, verbose bool) error {
	if html != "" {
		if err := htmlreport.Write(html, st.Out, func(w io.Writer) error { return WriteJSON(w, r) }); err != nil {
			return &cli.UsageError{Err: err}
		}
		if html == "-" {
			return nil
		}
	}
	if asJSON {
		return WriteJSON(st.Out, r)
	}
	return WriteText(st.Out, r, Style{Color: st.Color, Verbose: verbose})
}
