// Package curlcmd parses a curl command line as browsers copy it ("Copy
// as cURL" in Chrome's and Firefox's network panels, in the bash/POSIX
// form or the Windows cmd form) into probe options.
//
// The POSIX form is parsed with a real shell parser
// (mvdan.cc/sh/v3/syntax): quoting, $'…' strings, line continuations and
// comments work as in bash, while expansions ($VAR, $(…), globs) are
// refused because a pasted command must not depend on the user's shell.
// The cmd form undoes cmd.exe's caret escapes, then splits arguments as
// the Microsoft C runtime does. Every flag the browsers emit is mapped; an
// unknown flag is a one-line error naming it.
package curlcmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/why401/why401/internal/clip"
	"github.com/why401/why401/internal/probe"
)

// Form names the shell syntax of a command.
type Form string

// Forms.
const (
	POSIX Form = "posix" // bash, zsh, sh: Chrome's and Firefox's "Copy as cURL (bash)"
	Cmd   Form = "cmd"   // Windows cmd.exe: "Copy as cURL (cmd)" / "(Windows)"
)

// Command is a parsed curl command.
type Command struct {
	Form Form
	// Args are the command's arguments after shell unquoting, without the
	// leading "curl".
	Args []string
	// Options is the probe that sends what curl would have sent.
	Options probe.Options
	// Notes say what was dropped or changed on the way (a header the
	// probe sets itself, a flag without effect on the diagnosis).
	Notes []string

	// stdin is what a redirection in the pasted command feeds curl's
	// standard input (< file, <<< word), for @- and -T -.
	stdin    []byte
	hasStdin bool
}

// MaxLen bounds the length of a command.
const MaxLen = 1 << 20

// Parse parses a pasted command in either form: the cmd form when the
// text shows cmd.exe's marks (a ^" quote, a caret at a line's end, curl.exe
// as the program), POSIX otherwise.
func Parse(text string) (*Command, error) {
	if DetectForm(text) == Cmd {
		return ParseCmd(text)
	}
	return ParsePOSIX(text)
}

// DetectForm guesses the shell form of a pasted command.
func DetectForm(text string) Form {
	t := strings.TrimSpace(text)
	lower := strings.ToLower(t)
	if strings.HasPrefix(lower, "curl.exe") || strings.Contains(t, `^"`) || strings.Contains(t, "^\n") || strings.Contains(t, "^\r\n") {
		return Cmd
	}
	return POSIX
}

// fromArgs checks the program name and maps the arguments.
func fromArgs(form Form, words []string) (*Command, error) {
	return fromArgsStdin(form, words, nil, false)
}

// fromArgsStdin is fromArgs with what a redirection feeds standard input.
func fromArgsStdin(form Form, words []string, stdin []byte, hasStdin bool) (*Command, error) {
	if len(words) == 0 {
		return nil, errors.New("empty command: paste a command starting with curl")
	}
	prog := words[0]
	base := strings.ToLower(prog[strings.LastIndexAny(prog, `/\`)+1:])
	if base != "curl" && base != "curl.exe" {
		if strings.EqualFold(prog, "Invoke-WebRequest") || strings.EqualFold(prog, "Invoke-RestMethod") || strings.HasPrefix(prog, "$session") {
			return nil, fmt.Errorf("%s: PowerShell is not supported: use Copy as cURL (bash) or (cmd)", clip.String(prog, 60))
		}
		return nil, fmt.Errorf("%s: not a curl command", clip.String(prog, 60))
	}
	c := &Command{Form: form, Args: words[1:], stdin: stdin, hasStdin: hasStdin}
	if err := c.mapFlags(); err != nil {
		return nil, err
	}
	return c, nil
}
