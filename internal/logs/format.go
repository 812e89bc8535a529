package logs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// Kind names a family of log formats.
type Kind string

// The format kinds.
const (
	KindCombined Kind = "combined" // NCSA common or combined (Apache, nginx, lighttpd)
	KindTemplate Kind = "template" // an Apache LogFormat or nginx log_format string
	KindJSON     Kind = "json"     // JSON lines
	KindW3C      Kind = "w3c"      // W3C extended (IIS)
)

// Format says how to parse a log. The zero value is unusable; build one
// with ParseFormat, Detect or FromTemplate.
type Format struct {
	Kind     Kind
	Template *Template // for KindTemplate
}

// String names the format as --format accepts it.
func (f Format) String() string {
	if f.Kind == KindTemplate && f.Template != nil {
		return "template " + f.Template.String()
	}
	return string(f.Kind)
}

// NewParser returns a fresh parser; each goroutine needs its own.
func (f Format) NewParser() Parser {
	switch f.Kind {
	case KindTemplate:
		return f.Template.NewParser()
	case KindJSON:
		return &jsonParser{}
	case KindW3C:
		return &w3cParser{}
	}
	return &clfParser{}
}

// ParseFormat returns the format named by --format: combined, common,
// json, w3c or iis. "auto" and "" return false (detect instead).
func ParseFormat(name string) (Format, bool, error) {
	switch strings.ToLower(name) {
	case "", "auto":
		return Format{}, false, nil
	case "combined", "common", "clf", "ncsa":
		return Format{Kind: KindCombined}, true, nil
	case "json", "jsonl", "caddy", "traefik":
		return Format{Kind: KindJSON}, true, nil
	case "w3c", "iis":
		return Format{Kind: KindW3C}, true, nil
	}
	return Format{}, false, fmt.Errorf("unknown format %q (want auto, combined, common, json, w3c or iis)", name)
}

// FromTemplate compiles an Apache LogFormat or nginx log_format string.
func FromTemplate(s string) (Format, error) {
	t, err := compileTemplate(s)
	if err != nil {
		return Format{}, err
	}
	return Format{Kind: KindTemplate, Template: t}, nil
}

// Detect guesses the format of sample, the first lines of a log: W3C when
// it starts with a "#" directive, JSON when lines are objects, combined
// when most lines parse as such. It returns false when nothing fits.
func Detect(sample []byte) (Format, bool) {
	lines := bytes.Split(sample, []byte("\n"))
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last may be cut short
	}
	var nonEmpty [][]byte
	for _, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) > 0 {
			nonEmpty = append(nonEmpty, l)
		}
		if len(nonEmpty) == 50 {
			break
		}
	}
	if len(nonEmpty) == 0 {
		return Format{}, false
	}
	first := nonEmpty[0]
	if bytes.HasPrefix(first, []byte("#Software:")) || bytes.HasPrefix(first, []byte("#Version:")) || bytes.HasPrefix(first, []byte("#Fields:")) {
		return Format{Kind: KindW3C}, true
	}
	for _, f := range []Format{{Kind: KindJSON}, {Kind: KindCombined}} {
		p := f.NewParser()
		var r Record
		ok := 0
		for _, l := range nonEmpty {
			if p.Parse(append([]byte(nil), l...), &r) == nil {
				ok++
			}
		}
		if ok*5 >= len(nonEmpty)*4 {
			return f, true
		}
	}
	return Format{}, false
}

// ConfigFormats reads the named formats a server configuration defines:
// nginx log_format directives (with their multi-line string parts joined)
// and Apache LogFormat directives with a nickname. It returns them by
// name. Included files are not followed. Errors name the file, and the
// line ("nginx.conf:3: unterminated quote").
func ConfigFormats(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, pathErr(err)
	}
	defs, err := configFormats(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	return defs, nil
}

// configFormats is ConfigFormats on the configuration's text; its errors
// open with the line number ("3: unterminated quote").
func configFormats(conf string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(conf))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var pending []string // words of an nginx log_format being continued
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if pending == nil && (line == "" || line[0] == '#') {
			continue
		}
		if pending == nil {
			lower := strings.ToLower(line)
			switch {
			case strings.HasPrefix(lower, "logformat "):
				words, err := configWords(line)
				if err != nil {
					return nil, fmt.Errorf("%d: %v", lineNo, err)
				}
				if len(words) == 3 {
					out[words[2]] = words[1]
				}
				continue
			case strings.HasPrefix(lower, "log_format "):
				pending = []string{}
			default:
				continue
			}
		}
		words, err := configWords(strings.TrimSuffix(line, ";"))
		if err != nil {
			return nil, fmt.Errorf("%d: %v", lineNo, err)
		}
		pending = append(pending, words...)
		if strings.HasSuffix(line, ";") {
			// log_format NAME [escape=...] 'part' 'part' ...
			if len(pending) >= 3 {
				name := pending[1]
				parts := pending[2:]
				if strings.HasPrefix(parts[0], "escape=") {
					parts = parts[1:]
				}
				out[name] = strings.Join(parts, "")
			}
			pending = nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%d: %v", lineNo+1, err)
	}
	return out, nil
}

// configWords splits a configuration line into words, honouring single and
// double quotes and backslash escapes inside them; comments end the line.
func configWords(s string) ([]string, error) {
	var words []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '#':
			return words, nil
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && j+1 < len(s) && (s[j+1] == c || s[j+1] == '\\') {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated quote")
			}
			words = append(words, b.String())
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			words = append(words, s[i:j])
			i = j
		}
	}
	return words, nil
}
