package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// refused returns the error of a GET to a 127.0.0.1 port nothing listens
// on any more.
func refused(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = http.Get("http://" + addr + "/jwks.json")
	if err == nil {
		t.Fatalf("GET %s succeeded", addr)
	}
	return err
}

func TestCode(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, listenErr := net.Listen("tcp", busy.Addr().String())
	if listenErr == nil {
		t.Fatal("listening twice on one port succeeded")
	}
	dial := refused(t)
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"exit error", &ExitError{Code: ExitFindings}, ExitFindings},
		{"exit error over a network failure", fmt.Errorf("x: %w", &ExitError{Code: ExitFindings, Msg: fmt.Sprint(dial)}), ExitFindings},
		{"flag error", FlagErrorf("--max-time: bad"), ExitUsage},
		{"usage error", &UsageError{Err: errors.New("token.txt: not a JWT")}, ExitUsage},
		{"plain error", errors.New("config.yaml: line 3: bad"), ExitUsage},
		{"connection refused", dial, ExitUnreachable},
		{"connection refused inside a usage error", &UsageError{Err: fmt.Errorf("--jwks URL: %w", dial)}, ExitUnreachable},
		{"network error", &NetworkError{Err: errors.New("no answer")}, ExitUnreachable},
		{"DNS failure", fmt.Errorf("--init: %w", &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}), ExitUnreachable},
		{"deadline", fmt.Errorf("--init: %w", context.DeadlineExceeded), ExitUnreachable},
		{"closed before an answer", &url.Error{Op: "Get", URL: "http://127.0.0.1:1/", Err: io.EOF}, ExitUnreachable},
		{"unsupported scheme", &url.Error{Op: "Get", URL: "ftp://x/", Err: errors.New(`unsupported protocol scheme "ftp"`)}, ExitUsage},
		{"listen failure", listenErr, ExitUsage},
	}
	for _, tt := range tests {
		if got, _ := Code(tt.err); got != tt.want {
			t.Errorf("%s: Code(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestCodeTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Accept and never answer.
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	c := &http.Client{Timeout: 50 * time.Millisecond}
	_, err = c.Get("http://" + l.Addr().String() + "/")
	if err == nil {
		t.Fatal("GET succeeded")
	}
	if got, _ := Code(&UsageError{Err: fmt.Errorf("--jwks: %w", err)}); got != ExitUnreachable {
		t.Errorf("Code(%v) = %d, want %d", err, got, ExitUnreachable)
	}
}

func TestTestStreams(t *testing.T) {
	ios, out, errOut := Test("in")
	b := make([]byte, 2)
	if n, _ := ios.In.Read(b); string(b[:n]) != "in" {
		t.Fatalf("stdin read %q", b[:n])
	}
	done := make(chan bool)
	go func() { fmt.Fprint(ios.ErrOut, "progress "); done <- true }()
	fmt.Fprint(ios.Out, "result")
	<-done
	if out.String() != "result" || errOut.String() != "progress " || ios.Color || ios.ErrTTY {
		t.Fatalf("out %q, err %q, color %v", out, errOut, ios.Color)
	}
}
