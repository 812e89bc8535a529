// Package tail follows log files as they grow, across rotation and
// truncation, for why401 logs --follow.
package tail

import (
	"bytes"
	"errors"
	"io"
	"os"
	"syscall"
)

// Tailer follows one file by path: it reads what is appended, reopens the
// path when the file was rotated (a new inode: the rest of the old file
// is read first) and starts over when it was truncated (copytruncate).
type Tailer struct {
	path    string
	f       *os.File
	ino     uint64
	off     int64
	partial []byte
	buf     []byte // read buffer, kept across polls
	fromEnd bool   // the first open starts at the end
}

// New returns a tailer of path; fromEnd starts it at the file's end, so
// that only what is appended from then on is read.
func New(path string, fromEnd bool) *Tailer { return &Tailer{path: path, fromEnd: fromEnd} }

// Path is the file followed.
func (t *Tailer) Path() string { return t.path }

// Start opens the file now when it exists, at its end if the tailer
// starts there, so that what is written from the return on is read; a
// file that appears later is read whole.
func (t *Tailer) Start() error {
	if _, err := os.Stat(t.path); err != nil {
		t.fromEnd = false
		return nil
	}
	if !t.fromEnd {
		return nil
	}
	_, err := t.Poll()
	return err
}

const maxRead = 8 << 20 // per poll and file

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}

// Poll returns the complete lines appended since the last poll; a last
// line without its newline waits for the next one.
func (t *Tailer) Poll() ([]byte, error) {
	fi, err := os.Stat(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // between rotation and the new file
	}
	if err != nil {
		return nil, err
	}
	var data []byte
	switch {
	case t.f == nil:
		if err := t.open(fi, t.fromEnd); err != nil {
			return nil, err
		}
		t.fromEnd = false
	case inode(fi) != t.ino:
		// Rotated: finish the old file, then start the new one (an old
		// file that can no longer be read is left as it is).
		if rest, err := t.read(); err == nil {
			data = append(data, rest...)
		}
		t.f.Close()
		t.f = nil
		if err := t.open(fi, false); err != nil {
			return nil, err
		}
	case fi.Size() < t.off:
		// Truncated (copytruncate): start over.
		t.off = 0
		t.partial = nil
	}
	more, err := t.read()
	if err != nil {
		return nil, err
	}
	data = append(data, more...)
	if len(t.partial) > 0 {
		data = append(t.partial, data...)
		t.partial = nil
	}
	cut := bytes.LastIndexByte(data, '\n') + 1
	if cut < len(data) {
		t.partial = append([]byte(nil), data[cut:]...)
		if len(t.partial) > 1<<20 { // a runaway line: drop it
			t.partial = nil
		}
	}
	return data[:cut], nil
}

func (t *Tailer) open(fi os.FileInfo, atEnd bool) error {
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	t.f, t.ino, t.off = f, inode(fi), 0
	if atEnd {
		t.off = fi.Size()
	}
	return nil
}

func (t *Tailer) read() ([]byte, error) {
	if t.buf == nil {
		t.buf = make([]byte, 256<<10)
	}
	var out []byte
	for len(out) < maxRead {
		n, err := t.f.ReadAt(t.buf, t.off)
		out = append(out, t.buf[:n]...)
		t.off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		if n == 0 {
			break
		}
	}
	return out, nil
}

// Reason is err without the operation and path of an *os.PathError,
// for messages that name the file already.
func Reason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Close closes the file.
func (t *Tailer) Close() {
	if t.f != nil {
		t.f.Close()
	}
}
