package cli

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer collects a stream's output; it is safe for concurrent use (a
// command's progress goroutine and its result both write to stderr).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// WriteString appends s.
func (b *Buffer) WriteString(s string) (int, error) { return b.Write([]byte(s)) }

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Test returns streams for running a command in a test: standard input
// reads stdin, standard output and error collect into the returned
// buffers, no color and no terminal.
func Test(stdin string) (ios *IOStreams, out, errOut *Buffer) {
	out, errOut = &Buffer{}, &Buffer{}
	return &IOStreams{In: strings.NewReader(stdin), Out: out, ErrOut: errOut}, out, errOut
}
