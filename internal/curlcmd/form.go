package curlcmd

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/why401/why401/internal/clip"
)

// formPart is one -F part.
type formPart struct {
	name     string
	hasName  bool
	content  []byte
	kind     byte   // '@' a file sent as a file, '<' a file's text, 0 text
	path     string // the file read for '@' and '<' ("-": standard input)
	filename string
	hasFile  bool   // a filename parameter is sent
	ctype    string // ;type=, as written
	encoder  string // ;encoder=
	headers  []string
}

// formSpace is what curl's -F parser skips as white space.
const formSpace = " \t\n\v\f\r"

// formPart reads one -F (or --form-string) argument as curl 7.88.1 does:
// name=text, name=@file (sent as a file), name=<file (the file's text as
// the value). The value and each parameter may be double-quoted (\" and
// \\ escape inside); unquoted, surrounding white space goes. Parameters
// follow after semicolons: ;type= (kept as written, with anything up to
// the next known parameter), ;filename=, ;headers= (a header, or @file of
// headers), ;encoder=; an unknown one is skipped, as curl skips it.
// --form-string takes the value literally.
func (c *Command) formPart(flag, v string, literal bool, note func(string)) (formPart, error) {
	name, val, ok := strings.Cut(v, "=")
	if !ok {
		return formPart{}, fmt.Errorf("%s %s: want name=content (curl refuses it too)", flag, clip.String(v, 60))
	}
	p := formPart{name: name, hasName: name != ""}
	if literal {
		p.content = []byte(val)
		return p, nil
	}
	if strings.HasPrefix(val, "(") || val == ")" && name == "" {
		return formPart{}, fmt.Errorf("%s %s: nested multiparts are not reproduced", flag, clip.String(v, 60))
	}
	if val != "" && (val[0] == '@' || val[0] == '<') {
		p.kind, val = val[0], val[1:]
	}
	stop := ";"
	if p.kind == '@' {
		stop = ";," // curl reads name=@a,b as two files
	}
	s := &formScan{s: val, stop: stop}
	s.skipSpace()
	first := s.word()
	typeStart, typeEnd := -1, -1
	endType := func() {
		if typeEnd >= 0 {
			p.ctype = val[typeStart:typeEnd]
			typeEnd = -1
		}
	}
	for s.at(';') {
		s.i++
		s.skipSpace()
		switch {
		case typeEnd < 0 && s.prefix("type="):
			s.i += len("type=")
			s.skipSpace()
			typeStart = s.i
			n := mimeTypeLen(val[s.i:])
			if n == 0 {
				return formPart{}, fmt.Errorf("%s %s: ;type= wants type/subtype (curl refuses it too)", flag, clip.String(v, 60))
			}
			s.i += n
			typeEnd = s.i
			s.typeRest(&typeEnd)
		case s.prefix("filename="):
			endType()
			s.i += len("filename=")
			s.skipSpace()
			fn := s.word()
			if p.kind == '<' {
				note(fmt.Sprintf("%s %s: ;filename= ignored for a <file part, as curl ignores it", flag, clip.String(v, 60)))
				continue
			}
			p.filename, p.hasFile = fn, true
		case s.prefix("headers="):
			endType()
			s.i += len("headers=")
			if s.at('@') || s.at('<') {
				s.i++
				s.skipSpace()
				hs, err := c.readFormHeaders(flag+" "+name+"=…;headers=@", s.word())
				if err != nil {
					return formPart{}, err
				}
				p.headers = append(p.headers, hs...)
				continue
			}
			s.skipSpace()
			if h := s.word(); h != "" {
				p.headers = append(p.headers, h)
			}
		case s.prefix("encoder="):
			endType()
			s.i += len("encoder=")
			s.skipSpace()
			p.encoder = s.word()
		case typeEnd >= 0:
			// Still the content type: curl keeps "type=a/b; charset=c".
			typeEnd = s.i
			s.typeRest(&typeEnd)
		default:
			if u := s.word(); u != "" {
				note(fmt.Sprintf("%s: ;%s skipped, as curl skips a parameter it does not know", flag, clip.String(u, 60)))
			}
		}
	}
	endType()
	if s.at(',') {
		return formPart{}, fmt.Errorf("%s %s: several files in one part (multipart/mixed) are not reproduced", flag, clip.String(v, 60))
	}
	switch strings.ToLower(p.encoder) {
	case "", "binary", "8bit", "base64":
	case "7bit":
		// curl fails the transfer on an 8-bit byte; checked below.
	default:
		return formPart{}, fmt.Errorf("%s %s: ;encoder=%s is not reproduced", flag, clip.String(v, 60), clip.String(p.encoder, 60))
	}
	switch p.kind {
	case '@', '<':
		b, err := c.readFile(flag+" "+name+"="+string(p.kind), first)
		if err != nil {
			return formPart{}, err
		}
		p.content, p.path = b, first
		if p.kind == '@' && !p.hasFile {
			p.filename, p.hasFile = baseName(first), true
		}
	default:
		p.content = []byte(first)
	}
	if strings.EqualFold(p.encoder, "7bit") {
		for _, b := range p.content {
			if b > 0x7f {
				return formPart{}, fmt.Errorf("%s %s: ;encoder=7bit with 8-bit data: curl fails the transfer", flag, clip.String(v, 60))
			}
		}
	}
	return p, nil
}

// formScan reads a -F value from left to right.
type formScan struct {
	s    string
	i    int
	stop string // the bytes that end a word
}

func (f *formScan) at(c byte) bool { return f.i < len(f.s) && f.s[f.i] == c }

func (f *formScan) skipSpace() {
	for f.i < len(f.s) && strings.IndexByte(formSpace, f.s[f.i]) >= 0 {
		f.i++
	}
}

// prefix reports whether the rest starts with p, ignoring case.
func (f *formScan) prefix(p string) bool {
	return len(f.s)-f.i >= len(p) && strings.EqualFold(f.s[f.i:f.i+len(p)], p)
}

func (f *formScan) toStop() {
	for f.i < len(f.s) && strings.IndexByte(f.stop, f.s[f.i]) < 0 {
		f.i++
	}
}

// word reads a word up to the next stop byte. A double-quoted word loses
// its quotes and the backslashes of \" and \\, and what follows the
// closing quote up to the stop is dropped; a quote never closed is read
// as an unquoted word, whose trailing white space goes.
func (f *formScan) word() string {
	start := f.i
	if f.at('"') {
		var b strings.Builder
		for j := f.i + 1; j < len(f.s); j++ {
			c := f.s[j]
			if c == '\\' && j+1 < len(f.s) && (f.s[j+1] == '\\' || f.s[j+1] == '"') {
				j++
				b.WriteByte(f.s[j])
				continue
			}
			if c == '"' {
				f.i = j + 1
				f.toStop()
				return b.String()
			}
			b.WriteByte(c)
		}
	}
	f.toStop()
	return strings.TrimRight(f.s[start:f.i], formSpace)
}

// typeRest extends a content type to the next stop, up to its last
// non-space byte.
func (f *formScan) typeRest(end *int) {
	for ; f.i < len(f.s) && strings.IndexByte(f.stop, f.s[f.i]) < 0; f.i++ {
		if strings.IndexByte(formSpace, f.s[f.i]) < 0 {
			*end = f.i + 1
		}
	}
}

// mimeTypeLen is the length of the type/subtype at the start of s, or 0
// when there is none: a type of anything but / and space, a subtype of
// anything but ; , space and line feed, each at most 127 bytes.
func mimeTypeLen(s string) int {
	major := strings.IndexAny(s, "/ ")
	if major <= 0 || major > 127 || s[major] != '/' {
		return 0
	}
	rest := s[major+1:]
	minor := strings.IndexAny(rest, ";, \n")
	if minor < 0 {
		minor = len(rest)
	}
	if minor == 0 || minor > 127 {
		return 0
	}
	return major + 1 + minor
}

// readFormHeaders reads ;headers=@file: one header a line; a line that
// starts with white space continues the previous one, a line starting
// with # is a comment, carriage returns and trailing white space go.
func (c *Command) readFormHeaders(flag, path string) ([]string, error) {
	b, err := c.readFile(flag, path)
	if err != nil {
		return nil, err
	}
	var out []string
	var cur strings.Builder
	flush := func() {
		if h := strings.TrimRight(cur.String(), formSpace); h != "" {
			out = append(out, h)
		}
		cur.Reset()
	}
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\r", ""), "\n") {
		if line != "" && strings.IndexByte(formSpace, line[0]) < 0 {
			flush()
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return out, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// typeByName is the type curl gives a file name by its extension, or "".
func typeByName(name string) string {
	ext := strings.ToLower(name)
	if i := strings.LastIndexByte(ext, '.'); i >= 0 {
		ext = ext[i:]
	} else {
		return ""
	}
	switch ext {
	case ".gif":
		return "image/gif"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".svg":
		return "image/svg+xml"
	case ".txt":
		return "text/plain"
	case ".htm", ".html":
		return "text/html"
	case ".pdf":
		return "application/pdf"
	case ".xml":
		return "application/xml"
	}
	return ""
}

// contentType is the Content-Type curl sends for the part: the one given,
// else one guessed from the file name, then from the path of a file read,
// with application/octet-stream for a named file (not standard input);
// a guessed text/plain is left out for a part without a file name.
func (p formPart) contentType() string {
	if p.ctype != "" {
		return p.ctype
	}
	t := ""
	if p.hasFile {
		t = typeByName(p.filename)
	}
	if t == "" && p.kind != 0 && p.path != "-" {
		t = typeByName(p.path)
		if t == "" && p.hasFile {
			t = "application/octet-stream"
		}
	}
	if t == "text/plain" && !p.hasFile {
		return ""
	}
	return t
}

// hasHeader reports whether the part's own headers name h.
func (p formPart) hasHeader(h string) bool {
	for _, l := range p.headers {
		if n, _, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(n), h) {
			return true
		}
	}
	return false
}

// formEscape escapes a name or filename in Content-Disposition as curl
// does by default.
func formEscape(s string) string {
	return strings.NewReplacer(`"`, "%22", "\r", "%0D", "\n", "%0A").Replace(s)
}

// isFormData reports whether a multipart Content-Type is
// multipart/form-data (then the parts' disposition is form-data, else
// attachment, as in curl).
func isFormData(ct string) bool {
	const t = "multipart/form-data"
	return len(ct) >= len(t) && strings.EqualFold(ct[:len(t)], t) &&
		(len(ct) == len(t) || strings.IndexByte("; \t", ct[len(t)]) >= 0)
}

// buildMultipart renders the parts as curl does, with a boundary of 24
// dashes and 16 random hex digits (curl's is random too, so no two
// requests carry the same one). ct is the request's Content-Type.
func buildMultipart(parts []formPart, ct string) ([]byte, string) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	boundary := strings.Repeat("-", 24) + hex.EncodeToString(rnd[:])
	disposition := "attachment"
	if isFormData(ct) {
		disposition = "form-data"
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n")
		if !p.hasHeader("Content-Disposition") && (disposition == "form-data" || p.hasName || p.hasFile) {
			b.WriteString("Content-Disposition: " + disposition)
			if p.hasName {
				b.WriteString(`; name="` + formEscape(p.name) + `"`)
			}
			if p.hasFile {
				b.WriteString(`; filename="` + formEscape(p.filename) + `"`)
			}
			b.WriteString("\r\n")
		}
		if t := p.contentType(); t != "" && !p.hasHeader("Content-Type") {
			b.WriteString("Content-Type: " + t + "\r\n")
		}
		content := p.content
		if p.encoder != "" && !p.hasHeader("Content-Transfer-Encoding") {
			b.WriteString("Content-Transfer-Encoding: " + strings.ToLower(p.encoder) + "\r\n")
		}
		if strings.EqualFold(p.encoder, "base64") {
			content = base64Lines(content)
		}
		for _, h := range p.headers {
			b.WriteString(h + "\r\n")
		}
		b.WriteString("\r\n")
		b.Write(content)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return []byte(b.String()), boundary
}

// base64Lines is b in base64, in lines of 76 characters ended by CRLF
// (none after the last).
func base64Lines(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(enc) > 76 {
		out.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	out.WriteString(enc)
	return []byte(out.String())
}
