// Package labtest starts the lab for tests: on a free loopback port,
// closed when the test ends.
package labtest

import (
	"testing"

	"github.com/why401/why401/internal/lab"
)

// Open starts a lab with opts on a free loopback port when opts.Addr is
// empty; the caller closes it. It is for setups without a testing.TB
// (a sync.Once shared by tests, a testscript Setup).
func Open(opts lab.Options) (*lab.Lab, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	l, err := lab.New(opts)
	if err != nil {
		return nil, err
	}
	if err := l.Start(); err != nil {
		return nil, err
	}
	return l, nil
}

// Start is Open for one test: it fails the test when the lab does not
// start and closes the lab at cleanup, failing the test if closing does.
func Start(t testing.TB, opts ...lab.Options) *lab.Lab {
	t.Helper()
	var o lab.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	l, err := Open(o)
	if err != nil {
		t.Fatalf("starting the lab: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("closing the lab: %v", err)
		}
	})
	return l
}
