package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// ParseDuration reads a duration as every why401 flag takes one: a bare
// number is seconds, as curl's --max-time reads it ("30", "2.5"), and
// anything else is a Go duration ("30s", "1m30s", "500ms"). It refuses a
// negative duration.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f > float64(1<<63-1)/float64(time.Second) {
			return 0, fmt.Errorf("%q: too long", s)
		}
		d = time.Duration(f * float64(time.Second))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q: want seconds (30, 2.5) or a duration (30s, 1m30s, 500ms)", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("%q: must not be negative", s)
	}
	return d, nil
}

// durationValue is the pflag.Value of ParseDuration's durations.
type durationValue struct{ p *time.Duration }

func (v durationValue) Set(s string) error {
	d, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*v.p = d
	return nil
}

func (v durationValue) String() string { return v.p.String() }

// Type is the placeholder help shows when the usage names none.
func (v durationValue) Type() string { return "DURATION" }

// DurationVar defines a duration flag that takes "30" or "30s" alike (see
// ParseDuration); every duration flag of why401 is one.
func DurationVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	DurationVarP(fs, p, name, "", value, usage)
}

// DurationVarP is DurationVar with a one-letter shorthand.
func DurationVarP(fs *pflag.FlagSet, p *time.Duration, name, shorthand string, value time.Duration, usage string) {
	*p = value
	fs.VarP(durationValue{p}, name, shorthand, usage)
}

// WriteOutput writes what a file-writing flag names: standard output
// for "-", otherwise the file at path, replaced whole (written beside it
// and renamed, so a reader never sees half of it) with mode 0644. Every
// flag that writes a file (--sarif, --junit, ...) takes a path this way.
// An error names the flag ("" for a file named by an argument) and the
// path.
func WriteOutput(flag, path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	fail := func(err error) error {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		if flag != "" {
			return &UsageError{Err: fmt.Errorf("--%s %s: %w", flag, path, err)}
		}
		return &UsageError{Err: fmt.Errorf("%s: %w", path, err)}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fail(err)
	}
	name := tmp.Name()
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return fail(err)
	}
	return nil
}
