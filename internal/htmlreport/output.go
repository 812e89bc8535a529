package htmlreport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
)

// CheckFlags is the rule of --html and --show-secrets shared by every
// command with --html: a page is meant to be forwarded, so it carries
// unredacted secrets only when --html-secrets says so too. html is the
// --html value ("" when not given); json is --json, which cannot share
// standard output with --html -.
func CheckFlags(html string, showSecrets, htmlSecrets, json bool) error {
	switch {
	case html == "" && htmlSecrets:
		return errors.New("--html-secrets only applies to --html")
	case html != "" && showSecrets && !htmlSecrets:
		return errors.New("--show-secrets with --html would put passwords and tokens in a page meant to be forwarded; add --html-secrets if that is what you want")
	case html == "-" && json:
		return errors.New("--html - and --json both write to standard output; give --html a file name")
	}
	return nil
}

// Write renders the --json document that writeJSON writes as a page to
// path, "-" meaning out: the page of a command's --html.
func Write(path string, out io.Writer, writeJSON func(io.Writer) error) error {
	var doc bytes.Buffer
	if err := writeJSON(&doc); err != nil {
		return err
	}
	return WriteFile(path, out, doc.Bytes())
}

// WriteFile renders a command's --json document as a page to path, "-"
// meaning out.
func WriteFile(path string, out io.Writer, doc []byte) error {
	if path == "-" {
		bw := bufio.NewWriter(out)
		if err := RenderJSON(bw, doc, Options{}); err != nil {
			return err
		}
		return bw.Flush()
	}
	f, err := os.Create(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("--html %s: %v", path, err)
	}
	bw := bufio.NewWriter(f)
	if err := RenderJSON(bw, doc, Options{}); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("--html %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--html %s: %v", path, err)
	}
	return nil
}

// AddFlags defines --html and --html-secrets, as every command with a
// page report has them.
func AddFlags(fs *pflag.FlagSet, html *string, secrets *bool) {
	fs.StringVar(html, "html", "", "also write the report as a self-contained HTML page to `FILE` (- for standard output, instead of the text)")
	fs.BoolVar(secrets, "html-secrets", false, "let --show-secrets put passwords and tokens in the --html page too")
}
