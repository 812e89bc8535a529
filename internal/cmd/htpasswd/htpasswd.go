// Package htpasswd is the `why401 htpasswd` command: create password
// files, add, update, delete and verify users, and list users with their
// hash type and whether nginx and Apache can check it.
package htpasswd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/htpasswd"
)

// Options are the command's flags and dependencies.
type Options struct {
	IO *cli.IOStreams
	// ReadSecret reads a password without echo from the terminal; nil
	// means the system's. Tests replace it.
	ReadSecret func(prompt string) (string, error)

	Action string // create, add, delete, verify, list
	File   string
	User   string
	Hash   string
	Cost   int
	Stdin  bool
	Force  bool
	JSON   bool
}

// NewCmdHtpasswd builds the command and its subcommands; runF, when set,
// replaces the run for tests of flag parsing.
func NewCmdHtpasswd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "htpasswd <command>",
		Short: "Create and check password files for nginx and Apache",
		Long: `Manage password files in Apache's htpasswd format, which nginx's
auth_basic_user_file reads too. Passwords are read from the terminal without
echo, or as one line from standard input with --stdin (or when standard input
is not a terminal); they never go on the command line. Writes are atomic
(a temporary file renamed over the old one), keep the file's mode and owner,
and never touch other users' lines.

Hashes: bcrypt (default; --cost), apr1 (Apache MD5), sha1 ({SHA}, unsalted:
avoid), crypt (DES: only 8 characters count; avoid) and plain (checked by
neither server on Linux; for tests only). verify also checks md5-crypt,
{SSHA} and {PLAIN}.`,
		Example: `  why401 htpasswd create /etc/nginx/.htpasswd alice
  why401 htpasswd add /etc/nginx/.htpasswd bob --hash apr1
  printf '%s\n' "$PASS" | why401 htpasswd add users.htpasswd ci --stdin
  why401 htpasswd verify /etc/nginx/.htpasswd alice
  why401 htpasswd list /etc/nginx/.htpasswd
  why401 htpasswd delete /etc/nginx/.htpasswd bob`,
	}
	sub := func(use, short string, nargs cobra.PositionalArgs, setup func(*cobra.Command, *Options)) *cobra.Command {
		o := &Options{IO: f.IO}
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  nargs,
			RunE: func(c *cobra.Command, args []string) error {
				o.Action = c.Name()
				o.File = args[0]
				if len(args) > 1 {
					o.User = args[1]
				}
				if runF != nil {
					return runF(o)
				}
				return Run(o)
			},
		}
		if setup != nil {
			setup(c, o)
		}
		return c
	}
	hashFlags := func(c *cobra.Command, o *Options) {
		c.Flags().StringVar(&o.Hash, "hash", "bcrypt", "hash `type`: bcrypt, apr1, sha1, crypt or plain")
		c.Flags().IntVar(&o.Cost, "cost", htpasswd.DefaultCost, "bcrypt `cost` (4-31; each step doubles the work)")
		c.Flags().BoolVar(&o.Stdin, "stdin", false, "read the password as one line from standard input")
	}
	args := func(n int, what string) cobra.PositionalArgs {
		return func(c *cobra.Command, a []string) error {
			if len(a) != n {
				return cli.FlagErrorf("%s takes %s", c.Name(), what)
			}
			return nil
		}
	}
	cmd.AddCommand(
		sub("create FILE [USER]", "Create a new password file, optionally with a first user", cobra.RangeArgs(1, 2), func(c *cobra.Command, o *Options) {
			hashFlags(c, o)
			c.Flags().BoolVar(&o.Force, "force", false, "replace an existing file")
		}),
		sub("add FILE USER", "Add a user or change a user's password (creates the file if missing)", args(2, "FILE USER"), hashFlags),
		sub("delete FILE USER", "Remove a user", args(2, "FILE USER"), nil),
		sub("verify FILE USER", "Check a user's password (exit 0 if it matches, 1 if not)", args(2, "FILE USER"), func(c *cobra.Command, o *Options) {
			c.Flags().BoolVar(&o.Stdin, "stdin", false, "read the password as one line from standard input")
		}),
		sub("list FILE", "List users with their hash type and problems", args(1, "FILE"), func(c *cobra.Command, o *Options) {
			c.Flags().BoolVar(&o.JSON, "json", false, "print as JSON")
		}),
	)
	return cmd
}

// Run performs o.Action.
func Run(o *Options) error {
	switch o.Action {
	case "create":
		return create(o)
	case "add":
		return add(o)
	case "delete":
		return del(o)
	case "verify":
		return verify(o)
	case "list":
		return list(o)
	}
	return fmt.Errorf("unknown action %q", o.Action)
}

func kind(o *Options) (htpasswd.Kind, error) {
	for _, k := range htpasswd.Kinds {
		if strings.EqualFold(o.Hash, string(k)) {
			return k, nil
		}
	}
	return "", cli.FlagErrorf("--hash %q: want bcrypt, apr1, sha1, crypt or plain", o.Hash)
}

// secret reads a password: from the terminal without echo (twice when
// confirm is set), or one line from standard input.
func secret(o *Options, confirm bool) (string, error) {
	if !o.Stdin && (o.ReadSecret != nil || isTerminal(o.IO.In)) {
		read := o.ReadSecret
		if read == nil {
			read = func(prompt string) (string, error) { return readNoEcho(o.IO.In.(*os.File), o.IO.ErrOut, prompt) }
		}
		p, err := read("Password: ")
		if err != nil {
			return "", err
		}
		if confirm {
			again, err := read("Again: ")
			if err != nil {
				return "", err
			}
			if again != p {
				return "", &cli.UsageError{Err: errors.New("the passwords differ")}
			}
		}
		return p, nil
	}
	line, err := bufio.NewReader(o.IO.In).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", &cli.UsageError{Err: errors.New("standard input: no password line")}
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newHash(o *Options) (string, error) {
	k, err := kind(o)
	if err != nil {
		return "", err
	}
	pass, err := secret(o, true)
	if err != nil {
		return "", err
	}
	if pass == "" {
		return "", &cli.UsageError{Err: errors.New("empty password")}
	}
	h, err := htpasswd.Hash(k, pass, htpasswd.Options{Cost: o.Cost})
	if err != nil {
		return "", &cli.UsageError{Err: err}
	}
	switch k {
	case htpasswd.Plain:
		fmt.Fprintln(o.IO.ErrOut, "warning: plain text is checked by neither nginx nor Apache on Linux; use it only for tests")
	case htpasswd.SHA1:
		fmt.Fprintln(o.IO.ErrOut, "warning: {SHA} is unsalted SHA-1 and quick to crack; prefer bcrypt")
	case htpasswd.Crypt:
		fmt.Fprintln(o.IO.ErrOut, "warning: DES crypt uses only the first 8 characters; prefer bcrypt")
	}
	return h, nil
}

func create(o *Options) error {
	if _, err := os.Stat(o.File); err == nil && !o.Force {
		return &cli.UsageError{Err: fmt.Errorf("%s: already exists (use add, or --force to replace it)", o.File)}
	}
	f := &htpasswd.File{}
	if o.User != "" {
		if err := htpasswd.ValidUser(o.User); err != nil {
			return &cli.UsageError{Err: err}
		}
		h, err := newHash(o)
		if err != nil {
			return err
		}
		if _, err := f.Set(o.User, h); err != nil {
			return &cli.UsageError{Err: err}
		}
	}
	err := htpasswd.Update(o.File, true, func(old *htpasswd.File) error {
		if len(old.Entries()) > 0 && !o.Force {
			return fmt.Errorf("%s: already exists (use add, or --force to replace it)", o.File)
		}
		*old = *f
		return nil
	})
	if err != nil {
		return fileErr(o.File, err)
	}
	fmt.Fprintf(o.IO.ErrOut, "created %s\n", o.File)
	return nil
}

func load(path string, missingOK bool) (*htpasswd.File, error) {
	f, err := htpasswd.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && missingOK {
		return &htpasswd.File{}, nil
	}
	if err != nil {
		return nil, fileErr(path, err)
	}
	return f, nil
}

func add(o *Options) error {
	if err := htpasswd.ValidUser(o.User); err != nil {
		return &cli.UsageError{Err: err}
	}
	if _, err := load(o.File, true); err != nil {
		return err // unreadable: say so before asking for a password
	}
	h, err := newHash(o)
	if err != nil {
		return err
	}
	existed := false
	err = htpasswd.Update(o.File, true, func(f *htpasswd.File) error {
		var err error
		existed, err = f.Set(o.User, h)
		return err
	})
	if err != nil {
		return fileErr(o.File, err)
	}
	verb := "added"
	if existed {
		verb = "updated"
	}
	fmt.Fprintf(o.IO.ErrOut, "%s %s in %s\n", verb, o.User, o.File)
	return nil
}

// fileErr turns an error about path into a one-line usage error.
func fileErr(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = fmt.Errorf("%s: %w", path, pe.Err)
	}
	return &cli.UsageError{Err: err}
}

func del(o *Options) error {
	errNoUser := fmt.Errorf("%s: no user %q", o.File, o.User)
	err := htpasswd.Update(o.File, false, func(f *htpasswd.File) error {
		if !f.Delete(o.User) {
			return errNoUser
		}
		return nil
	})
	if err != nil {
		return fileErr(o.File, err)
	}
	fmt.Fprintf(o.IO.ErrOut, "deleted %s from %s\n", o.User, o.File)
	return nil
}

func verify(o *Options) error {
	f, err := load(o.File, false)
	if err != nil {
		return err
	}
	e, ok := f.Lookup(o.User)
	if !ok {
		fmt.Fprintf(o.IO.Out, "%s: no user %q\n", o.File, o.User)
		return cli.Exit(cli.ExitFindings)
	}
	pass, err := secret(o, false)
	if err != nil {
		return err
	}
	good, err := htpasswd.Verify(e.Hash, pass)
	if err != nil {
		return &cli.UsageError{Err: fmt.Errorf("%s:%d: %w", o.File, e.Line, err)}
	}
	k := e.Kind()
	if k == htpasswd.Plain {
		fmt.Fprintf(o.IO.ErrOut, "warning: %s:%d: %s's password is stored as plain text, which neither nginx nor Apache on Linux accepts\n", o.File, e.Line, o.User)
	}
	if !good {
		fmt.Fprintf(o.IO.Out, "password for %s does not match (%s hash, line %d)\n", o.User, k, e.Line)
		return cli.Exit(cli.ExitFindings)
	}
	fmt.Fprintf(o.IO.Out, "password for %s matches (%s hash, line %d)\n", o.User, k, e.Line)
	return nil
}

type listEntry struct {
	User   string        `json:"user"`
	Line   int           `json:"line"`
	Hash   htpasswd.Kind `json:"hash"`
	Nginx  bool          `json:"nginx"`
	Apache bool          `json:"apache"`
}

type listOut struct {
	File     string      `json:"file"`
	Users    []listEntry `json:"users"`
	Problems []string    `json:"problems"`
}

func list(o *Options) error {
	f, err := load(o.File, false)
	if err != nil {
		return err
	}
	out := listOut{File: o.File, Users: []listEntry{}, Problems: []string{}}
	problems := f.Problems()
	for _, e := range f.Entries() {
		k := e.Kind()
		nginx, apache := htpasswd.Supported(htpasswd.Nginx, k), htpasswd.Supported(htpasswd.Apache, k)
		out.Users = append(out.Users, listEntry{e.User, e.Line, k, nginx, apache})
		// A password neither server can check refuses every login.
		if !nginx && !apache {
			problems = append(problems, htpasswd.Problem{Line: e.Line, Msg: fmt.Sprintf("user %q has a %s password that neither nginx nor Apache can check, so every login fails (hash it: why401 htpasswd add %s %s)", e.User, k, o.File, e.User)})
		}
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	for _, p := range problems {
		out.Problems = append(out.Problems, fmt.Sprintf("%s:%d: %s", o.File, p.Line, p.Msg))
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LINE\tUSER\tHASH\tNGINX\tAPACHE")
		yes := map[bool]string{true: "ok", false: "NO"}
		for _, u := range out.Users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.Line, u.User, u.Hash, yes[u.Nginx], yes[u.Apache])
		}
		tw.Flush()
		for _, p := range out.Problems {
			fmt.Fprintln(o.IO.Out, p)
		}
	}
	if len(out.Problems) > 0 {
		return cli.Exit(cli.ExitFindings)
	}
	return nil
}
