package curlcmd

import "github.com/why401/why401/internal/clip"

// FromArgs maps curl arguments, without the program name, as a command
// line would give them after shell unquoting: the path a request read
// from another tool's file takes to become probe options.
func FromArgs(args []string) (*Command, error) {
	return fromArgs(POSIX, append([]string{"curl"}, args...))
}

// Clip shortens s for a one-line error message, as this package's own
// errors quote arguments.
func Clip(s string) string { return clip.String(s, 60) }
