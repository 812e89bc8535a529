package curlcmd

import (
	"fmt"
	"strings"

	"github.com/why401/why401/internal/clip"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// ParsePOSIX parses a command in bash/POSIX shell syntax. It takes one
// simple command (a trailing newline, comments and backslash-newline
// continuations are fine); pipes, lists, redirections, assignments and
// any expansion are refused with an error naming the first one.
func ParsePOSIX(text string) (*Command, error) {
	if len(text) > MaxLen {
		return nil, fmt.Errorf("command longer than %d bytes", MaxLen)
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(false)).Parse(strings.NewReader(text), "")
	if err != nil {
		return nil, fmt.Errorf("shell syntax: %s", oneLine(err.Error()))
	}
	if len(f.Stmts) != 1 {
		if len(f.Stmts) == 0 {
			return nil, fmt.Errorf("empty command: paste a command starting with curl")
		}
		return nil, fmt.Errorf("%d commands: paste one curl command", len(f.Stmts))
	}
	st := f.Stmts[0]
	if st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 {
		return nil, fmt.Errorf("%s: only a plain curl command is supported (no redirections, &, !)", st.Pos())
	}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok {
		return nil, fmt.Errorf("%s: not a simple command: paste one curl command (no pipes, && or ;)", st.Pos())
	}
	if len(call.Assigns) > 0 {
		return nil, fmt.Errorf("%s: variable assignments before curl are not supported", call.Assigns[0].Pos())
	}
	words := make([]string, 0, len(call.Args))
	for _, w := range call.Args {
		if err := literalOnly(w); err != nil {
			return nil, err
		}
		s, err := expand.Literal(nil, w)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", w.Pos(), oneLine(err.Error()))
		}
		words = append(words, s)
	}
	return fromArgs(POSIX, words)
}

// literalOnly refuses any part of w that the user's shell would expand.
func literalOnly(w *syntax.Word) error {
	var bad syntax.Node
	syntax.Walk(w, func(n syntax.Node) bool {
		if bad != nil {
			return false
		}
		switch n := n.(type) {
		case *syntax.ParamExp, *syntax.CmdSubst, *syntax.ArithmExp, *syntax.ProcSubst, *syntax.ExtGlob, *syntax.BraceExp:
			bad = n
			return false
		case *syntax.Lit:
			// Unquoted globs and a leading tilde would be expanded too.
			if strings.ContainsAny(n.Value, "*?[") && !insideQuotes(w, n) {
				bad = n
				return false
			}
		}
		return true
	})
	if bad != nil {
		return fmt.Errorf("%s: %s would be expanded by the shell: paste the command as the browser copied it, or quote it", bad.Pos(), clip.String(printNode(bad), 60))
	}
	return nil
}

// insideQuotes reports whether lit is inside a quoted part of w.
func insideQuotes(w *syntax.Word, lit *syntax.Lit) bool {
	for _, p := range w.Parts {
		if p == syntax.WordPart(lit) {
			return false
		}
	}
	return true
}

func printNode(n syntax.Node) string {
	var b strings.Builder
	if err := syntax.NewPrinter().Print(&b, n); err != nil {
		return "an expansion"
	}
	return b.String()
}

// oneLine flattens a multi-line message.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
