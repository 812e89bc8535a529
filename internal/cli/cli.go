// Package cli holds what every command shares: the I/O streams, the
// factory of dependencies, and the typed errors that Main maps to exit
// codes in one place.
package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/why401/why401/internal/probe"
)

// Exit codes, documented in the README.
const (
	ExitOK          = 0 // the request is authenticated fine and nothing is wrong
	ExitFindings    = 1 // findings (the cause of a failure, or a problem found)
	ExitUsage       = 2 // bad usage or bad input
	ExitUnreachable = 3 // the target could not be reached at all
)

// IOStreams are a command's standard streams and what it knows of them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// Color is true when Out is a terminal and NO_COLOR is not set.
	Color bool
	// ErrTTY is true when ErrOut is a terminal (progress may be drawn).
	ErrTTY bool
}

// System returns the process's streams.
func System() *IOStreams {
	return &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		Color:  isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb",
		ErrTTY: isTerminal(os.Stderr),
	}
}

// WriteJSON writes v to w as JSON indented by two spaces, the form of
// every command's --json output.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Factory offers dependencies to commands; tests replace its fields.
type Factory struct {
	IO  *IOStreams
	Now func() time.Time
	// Version is the program's version, for User-Agent and --version.
	Version string
	// Probe, when set, adjusts the options of every probe a command runs
	// (probe, curl, har --replay, check) once its flags are read and
	// before anything is read or sent: why401 serve sets the address
	// guard, the resolver, NoLocalFiles and a progress callback there.
	Probe func(*probe.Options)
}

// ExitError ends a command with Code. An empty Msg prints nothing: the
// command already said what it had to.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Msg
}

// Exit returns a silent ExitError with code.
func Exit(code int) error { return &ExitError{Code: code} }

// FlagError is a usage error: Main prints it with a hint to --help and
// exits ExitUsage.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf formats a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// UsageError marks bad input (a file that does not parse, a token that is
// not one): exit ExitUsage without a usage hint.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// NetworkError marks a server that could not be reached (DNS, connect,
// timeout, TLS handshake, a connection closed before an answer): exit
// ExitUnreachable. Code also recognises such failures from the standard
// library without this wrapper, so a command only has to keep the chain
// (%w) for the exit code to come out right.
type NetworkError struct{ Err error }

func (e *NetworkError) Error() string { return e.Err.Error() }
func (e *NetworkError) Unwrap() error { return e.Err }

// Unreachable reports whether err is, or wraps, a failure to reach a
// server: a NetworkError, a dial, read or write error, a DNS failure, a
// timeout, a failed TLS handshake, or an HTTP request whose connection
// closed before an answer. Failing to listen on a local address is not one.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var ne *NetworkError
	var op *net.OpError
	var dns *net.DNSError
	var ue *url.Error
	var rh tls.RecordHeaderError
	var alert tls.AlertError
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ne):
		return true
	case errors.As(err, &op):
		return op.Op != "listen"
	case errors.As(err, &dns), errors.As(err, &rh), errors.As(err, &alert), errors.As(err, &cv):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return true
	case errors.As(err, &ue):
		return ue.Timeout() || errors.Is(ue.Err, io.EOF) || errors.Is(ue.Err, io.ErrUnexpectedEOF)
	}
	return false
}

// Code maps an error returned by a command to an exit code and the line
// to print on stderr ("" for none): an ExitError's own code, ExitUsage for
// a FlagError, ExitUnreachable for a network failure (see Unreachable),
// even inside a UsageError, and ExitUsage for anything else.
func Code(err error) (int, string) {
	if err == nil {
		return ExitOK, ""
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code, ee.Msg
	}
	var fe *FlagError
	if errors.As(err, &fe) {
		return ExitUsage, fe.Error() + "\n(see --help)"
	}
	if Unreachable(err) {
		return ExitUnreachable, err.Error()
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage, ue.Error()
	}
	return ExitUsage, err.Error()
}
