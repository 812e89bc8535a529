package curlcmd

import (
	"fmt"
	"os"
	"path/filepath"
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
	if st.Negated || st.Background || st.Coprocess {
		return nil, fmt.Errorf("%s: only a plain curl command is supported (no &, !)", st.Pos())
	}
	stdin, hasStdin, notes, err := redirections(st.Redirs)
	if err != nil {
		return nil, err
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
		s, err := word(w)
		if err != nil {
			return nil, err
		}
		words = append(words, s)
	}
	c, err := fromArgsStdin(POSIX, words, stdin, hasStdin)
	if err != nil {
		return nil, err
	}
	c.Notes = append(notes, c.Notes...)
	return c, nil
}

// redirections reads the command's redirections: output ones (> file,
// 2>&1) are ignored, since why401 writes nothing; < file and <<< 'word'
// give what curl would read from standard input (for @- and -T -). A
// here-document, or a redirection whose word the shell would expand, is
// refused.
func redirections(rs []*syntax.Redirect) (stdin []byte, has bool, notes []string, err error) {
	for _, r := range rs {
		if r.N != nil && r.N.Value != "0" && r.N.Value != "1" && r.N.Value != "2" {
			return nil, false, nil, fmt.Errorf("%s: redirection of file descriptor %s is not supported", r.Pos(), r.N.Value)
		}
		in := r.N == nil || r.N.Value == "0"
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.RdrClob:
			notes = append(notes, "output redirection ignored: why401 writes no files")
			continue
		case syntax.DplOut:
			continue // 2>&1
		case syntax.RdrIn, syntax.WordHdoc:
			if !in {
				return nil, false, nil, fmt.Errorf("%s: redirection not supported", r.Pos())
			}
		default:
			return nil, false, nil, fmt.Errorf("%s: here-documents and other redirections are not supported: paste one curl command", r.Pos())
		}
		if err := literalOnly(r.Word); err != nil {
			return nil, false, nil, err
		}
		w, err := word(r.Word)
		if err != nil {
			return nil, false, nil, err
		}
		if r.Op == syntax.WordHdoc {
			stdin, has = []byte(w+"\n"), true
			continue
		}
		b, err := (&Command{}).readFile("< ", w)
		if err != nil {
			return nil, false, nil, err
		}
		stdin, has = b, true
	}
	return stdin, has, notes, nil
}

// word is w after the shell's quote removal (backslash escapes included)
// and tilde expansion (~/ is the user's home, as in the user's shell).
// An unquoted {a,b} or {1..3} would make several arguments of one word
// (bash's brace expansion): refused, since the request would then depend
// on which of them curl takes as what.
func word(w *syntax.Word) (string, error) {
	fs, err := expand.Fields(&expand.Config{Env: expand.ListEnviron("HOME=" + os.Getenv("HOME"))}, w)
	if err != nil {
		return "", fmt.Errorf("%s: %s", w.Pos(), oneLine(err.Error()))
	}
	if len(fs) != 1 {
		var b strings.Builder
		syntax.NewPrinter().Print(&b, w)
		return "", fmt.Errorf("%s: %s would be expanded by the shell into %d arguments (brace expansion): quote it", w.Pos(), clip.String(b.String(), 60), len(fs))
	}
	return fs[0], nil
}

// literalOnly refuses any part of w that the user's shell would expand.
func literalOnly(w *syntax.Word) error {
	var bad, glob syntax.Node
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
			if strings.ContainsAny(n.Value, "*?[") && !insideQuotes(w, n) && glob == nil {
				glob = n
			}
		}
		return true
	})
	if bad == nil && glob != nil {
		// bash leaves a pattern that matches no file as it is.
		if s, err := word(w); err == nil {
			if m, err := filepath.Glob(s); err == nil && len(m) == 0 {
				return nil
			}
		}
		bad = glob
	}
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
