//go:build !linux

package htpasswd

import (
	"errors"
	"io"
	"os"
)

// readNoEcho is only implemented on Linux; elsewhere use --stdin.
func readNoEcho(*os.File, io.Writer, string) (string, error) {
	return "", errors.New("reading a password from the terminal is not supported on this system: use --stdin")
}
