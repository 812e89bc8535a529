package curlcmd

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// formPart is one -F part.
type formPart struct {
	name     string
	content  []byte
	filename string // "" for a text part
	hasFile  bool   // a filename parameter is sent
	ctype    string
	headers  []string
}

// formPart reads one -F (or --form-string) argument as curl does:
// name=text, name=@file (sent as a file), name=<file (the file's text as
// the value), each with ;type=, ;filename= and ;headers= parameters;
// --form-string takes the value literally.
func (c *Command) formPart(flag, v string, literal bool) (formPart, error) {
	name, val, ok := strings.Cut(v, "=")
	if !ok {
		return formPart{}, fmt.Errorf("%s %s: want name=content (curl refuses it too)", flag, clip(v))
	}
	p := formPart{name: name}
	if literal {
		p.content = []byte(val)
		return p, nil
	}
	var kind byte
	if val != "" && (val[0] == '@' || val[0] == '<') {
		kind, val = val[0], val[1:]
	}
	first, params := splitFormParams(val)
	for _, prm := range params {
		k, pv, _ := strings.Cut(prm, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "type":
			p.ctype = pv
		case "filename":
			p.filename, p.hasFile = pv, true
		case "headers":
			p.headers = append(p.headers, pv)
		case "encoder":
			return formPart{}, fmt.Errorf("%s %s: ;encoder= is not reproduced", flag, clip(v))
		default:
			if kind == 0 {
				// Not a parameter curl knows: part of the text.
				first += ";" + prm
				continue
			}
			return formPart{}, fmt.Errorf("%s %s: unknown ;%s parameter", flag, clip(v), clip(k))
		}
	}
	switch kind {
	case '@':
		if strings.Contains(first, ",") && !strings.HasPrefix(val, `"`) {
			return formPart{}, fmt.Errorf("%s %s: several files in one part (multipart/mixed) are not reproduced", flag, clip(v))
		}
		b, err := c.readFile(flag+" "+name+"=@", first)
		if err != nil {
			return formPart{}, err
		}
		p.content = b
		if !p.hasFile {
			p.filename, p.hasFile = baseName(first), true
		}
		if p.ctype == "" {
			p.ctype = contentTypeFor(p.filename)
		}
	case '<':
		b, err := c.readFile(flag+" "+name+"=<", first)
		if err != nil {
			return formPart{}, err
		}
		p.content = b
	default:
		p.content = []byte(first)
	}
	return p, nil
}

// splitFormParams splits "value;k=v;k=v" at semicolons outside double
// quotes; a double-quoted first word loses its quotes and backslashes.
func splitFormParams(s string) (string, []string) {
	var words []string
	var cur strings.Builder
	inQ := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && (cur.Len() == 0 || inQ):
			inQ = !inQ
		case c == '\\' && inQ && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == ';' && !inQ:
			words = append(words, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	words = append(words, cur.String())
	return words[0], words[1:]
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// contentTypeFor is the type curl gives a file part by its extension.
func contentTypeFor(name string) string {
	ext := strings.ToLower(name)
	if i := strings.LastIndexByte(ext, '.'); i >= 0 {
		ext = ext[i:]
	} else {
		ext = ""
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
	return "application/octet-stream"
}

// formEscape escapes a name or filename in Content-Disposition as curl
// does by default.
func formEscape(s string) string {
	return strings.NewReplacer(`"`, "%22", "\r", "%0D", "\n", "%0A").Replace(s)
}

// buildMultipart renders the parts as curl does, with a boundary of 24
// dashes and 16 random hex digits (curl's is random too, so no two
// requests carry the same one).
func buildMultipart(parts []formPart) ([]byte, string) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	boundary := strings.Repeat("-", 24) + hex.EncodeToString(rnd[:])
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString(`Content-Disposition: form-data; name="` + formEscape(p.name) + `"`)
		if p.hasFile {
			b.WriteString(`; filename="` + formEscape(p.filename) + `"`)
		}
		b.WriteString("\r\n")
		for _, h := range p.headers {
			b.WriteString(h + "\r\n")
		}
		if p.ctype != "" {
			b.WriteString("Content-Type: " + p.ctype + "\r\n")
		}
		b.WriteString("\r\n")
		b.Write(p.content)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return []byte(b.String()), boundary
}
