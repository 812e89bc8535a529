package logs

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
)

// Input is one opened log: a name for messages ("-" is standard input),
// the decompressed content and the size on disk (0 when unknown).
type Input struct {
	Name string
	R    io.Reader
	Size int64
	// Read counts bytes consumed from the underlying file (compressed
	// bytes for gzip), for progress; safe to load concurrently.
	Read  *atomic.Int64
	close func() error
	// file is the uncompressed file behind R, for sampling across it;
	// nil for standard input and gzip.
	file *os.File
}

// SampleLines returns lines for format detection: the whole lines of
// head (the start of R, peeked by the caller) and, for an uncompressed
// file larger than head, lines from a quarter, half, three quarters of
// the way and the end, so a format change or a run of foreign lines
// after the head is seen too.
func (in *Input) SampleLines(head []byte) [][]byte {
	lines := splitSample(head)
	if len(lines) > 200 {
		lines = lines[:200]
	}
	if in.file == nil || in.Size <= int64(len(head)) {
		return lines
	}
	const span = 16 << 10
	for _, frac := range []int64{1, 2, 3, 4} {
		off := in.Size * frac / 4
		if frac == 4 {
			off = in.Size - span
		}
		if off <= int64(len(head)) {
			continue
		}
		buf := make([]byte, span)
		n, _ := in.file.ReadAt(buf, off)
		part := splitSample(buf[:n])
		if n < len(buf) {
			// The end of the file: its last line is whole.
			part = bytes.Split(bytes.TrimRight(buf[:n], "\n"), []byte("\n"))
		}
		if len(part) > 1 {
			part = part[1:] // the first is cut
		}
		if len(part) > 40 {
			part = part[len(part)-40:]
		}
		lines = append(lines, part...)
	}
	return lines
}

// Close closes the underlying file.
func (in *Input) Close() error {
	if in.close == nil {
		return nil
	}
	return in.close()
}

// ExpandArgs turns command-line arguments into file names: globs are
// expanded (sorted), "-" stays as standard input. A glob matching nothing
// is an error.
func ExpandArgs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if a == "-" || !strings.ContainsAny(a, "*?[") {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", a, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s: no files match", a)
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}

// Open opens name ("-" for stdin) and unwraps gzip when the content starts
// with gzip's magic bytes, whatever the file is called.
func Open(name string, stdin io.Reader) (*Input, error) {
	in := &Input{Name: name, Read: new(atomic.Int64)}
	var raw io.Reader
	if name == "-" {
		raw = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, pathErr(err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, pathErr(err)
		}
		if st.IsDir() {
			f.Close()
			return nil, fmt.Errorf("%s: is a directory", name)
		}
		in.Size = st.Size()
		in.close = f.Close
		raw = f
	}
	br := bufio.NewReaderSize(&countingReader{r: raw, n: in.Read}, 256*1024)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			in.Close()
			return nil, fmt.Errorf("%s: gzip: %v", name, err)
		}
		in.R = zr
	} else {
		in.R = br
		if f, ok := raw.(*os.File); ok && name != "-" {
			in.file = f
		}
	}
	return in, nil
}

// pathErr shortens *PathError to "name: reason".
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Chunk is a run of whole lines cut from one input.
type Chunk struct {
	Seq  int    // 0, 1, 2 ... per input
	Data []byte // whole lines, each ending in '\n' (the last may not)
	// Fields is the W3C "#Fields:" line in effect at the chunk's start
	// (nil when none was seen).
	Fields []byte
	// LongLines counts lines longer than the chunk size, dropped whole.
	LongLines int
}

// Chunker cuts a reader into Chunks at line boundaries.
type Chunker struct {
	r        io.Reader
	size     int
	carry    []byte
	seq      int
	fields   []byte
	skipping bool
	long     int
	eof      bool
	// TrackFields makes Next carry W3C "#Fields:" lines into
	// Chunk.Fields; set it for W3C logs only (it costs a scan).
	TrackFields bool
}

// NewChunker returns a Chunker reading r in chunks of about size bytes.
func NewChunker(r io.Reader, size int) *Chunker {
	if size < 4096 {
		size = 4096
	}
	return &Chunker{r: r, size: size}
}

// Next fills buf (reused when its capacity is at least the chunk size)
// and returns the next chunk, or io.EOF after the last one.
func (c *Chunker) Next(buf []byte) (Chunk, error) {
	for {
		if c.eof && len(c.carry) == 0 {
			return Chunk{}, io.EOF
		}
		if cap(buf) < c.size {
			buf = make([]byte, c.size)
		}
		buf = buf[:c.size]
		n := copy(buf, c.carry)
		c.carry = c.carry[:0]
		for n < len(buf) && !c.eof {
			m, err := c.r.Read(buf[n:])
			n += m
			if err == io.EOF {
				c.eof = true
			} else if err != nil {
				return Chunk{}, err
			}
		}
		data := buf[:n]
		if c.skipping {
			i := indexByte(data, '\n')
			if i < 0 {
				if c.eof {
					c.skipping = false
				}
				continue
			}
			c.skipping = false
			data = data[i+1:]
		}
		cut := len(data)
		if !c.eof {
			cut = lastIndexByte(data, '\n') + 1
			if cut == 0 {
				// One line fills the whole buffer: drop it.
				c.long++
				c.skipping = true
				continue
			}
		}
		c.carry = append(c.carry, data[cut:]...)
		data = data[:cut]
		if len(data) == 0 {
			continue
		}
		ch := Chunk{Seq: c.seq, Data: data, Fields: c.fields, LongLines: c.long}
		c.long = 0
		c.seq++
		if !c.TrackFields {
			return ch, nil
		}
		if f := lastFields(data); f != nil {
			c.fields = append([]byte(nil), f...)
		}
		return ch, nil
	}
}

// lastFields returns the last "#Fields:" line in data, without its line
// ending, or nil.
func lastFields(data []byte) []byte {
	const key = "#Fields:"
	for end := len(data); end > 0; {
		i := bytes.LastIndex(data[:end], []byte(key))
		if i < 0 {
			return nil
		}
		if i == 0 || data[i-1] == '\n' {
			line := data[i:]
			if j := indexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			return trimCR(line)
		}
		end = i
	}
	return nil
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// FieldsSetter is implemented by parsers whose layout comes from a header
// (W3C): the pipeline hands each chunk's Fields to the parser first.
type FieldsSetter interface{ SetFields(line []byte) }

var _ FieldsSetter = (*w3cParser)(nil)
