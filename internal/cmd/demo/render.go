package demo

import (
	"io"

	"github.com/why401/why401/internal/report"
)

func writeReport(w io.Writer, r *report.Report) error {
	return report.WriteText(w, r, report.Style{})
}
