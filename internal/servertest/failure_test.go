package servertest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB whose Fatalf and Skipf record the message and
// end the calling goroutine, so a test can watch the harness fail.
type recorder struct {
	*testing.T
	msg     string
	fatal   bool
	skipped bool
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.msg, r.fatal = fmt.Sprintf(format, args...), true
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.msg, r.skipped = fmt.Sprintf(format, args...), true
	runtime.Goexit()
}

// attempt runs f with a recorder in its own goroutine and returns it.
func attempt(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{T: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestStartFailures(t *testing.T) {
	Require(t, "nginx")
	Require(t, "apache2")
	t.Parallel()
	cases := []struct {
		name  string
		start func(tb testing.TB)
		want  []string
	}{
		{"nginx without listen", func(tb testing.TB) {
			Nginx(tb, "server { location / { return 200; } }")
		}, []string{"server block without listen"}},
		{"nginx on all addresses", func(tb testing.TB) {
			Nginx(tb, "server { listen 0.0.0.0:{{.Port}}; }")
		}, []string{"127.0.0.1:PORT only"}},
		{"nginx unknown directive", func(tb testing.TB) {
			Nginx(tb, "server { listen {{.Addr}}; no_such_directive on; }")
		}, []string{"config test failed", `unknown directive "no_such_directive"`, "no_such_directive on;"}},
		{"nginx bad template", func(tb testing.TB) {
			Nginx(tb, "server { listen {{.Nope}}; }")
		}, []string{"Nope"}},
		{"nginx missing extra port", func(tb testing.TB) {
			Nginx(tb, "server { listen 127.0.0.1:{{index .Ports 0}}; }")
		}, []string{"index"}},
		{"apache on all addresses", func(tb testing.TB) {
			Apache(tb, "Listen {{index .Ports 0}}", ExtraPorts(1))
		}, []string{"127.0.0.1:PORT only"}},
		{"apache bad directive", func(tb testing.TB) {
			Apache(tb, "NoSuchDirective on")
		}, []string{"config test failed", "NoSuchDirective"}},
		{"file outside the directory", func(tb testing.TB) {
			Nginx(tb, "server { listen {{.Addr}}; }", File("../escape", "x"))
		}, []string{"must be relative"}},
	}
	for _, tc := range cases {
		r := attempt(t, tc.start)
		t.Logf("%s: %s", tc.name, r.msg)
		if !r.fatal {
			t.Errorf("%s: harness did not fail (skipped=%v %q)", tc.name, r.skipped, r.msg)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.msg, w) {
				t.Errorf("%s: failure message lacks %q:\n%s", tc.name, w, r.msg)
			}
		}
	}
}

func TestRequireMissingBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("Require skips everything in -short mode")
	}
	t.Setenv("CI", "")
	r := attempt(t, func(tb testing.TB) { Require(tb, "why401-no-such-server") })
	if !r.skipped || !strings.Contains(r.msg, "not installed") {
		t.Errorf("without CI: skipped=%v fatal=%v %q; want a skip", r.skipped, r.fatal, r.msg)
	}
	t.Setenv("CI", "true")
	r = attempt(t, func(tb testing.TB) { Require(tb, "why401-no-such-server") })
	if !r.fatal || !strings.Contains(r.msg, "why401-no-such-server not installed: run scripts/install-deps.sh") {
		t.Errorf("with CI=true: skipped=%v fatal=%v %q; want a failure", r.skipped, r.fatal, r.msg)
	}
}
