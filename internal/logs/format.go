package logs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Kind names a family of log formats.
type Kind string

// The format kinds.
const (
	KindCombined Kind = "combined" // NCSA common or combined (Apache, nginx, lighttpd, Traefik, ingress-nginx)
	KindTemplate Kind = "template" // an Apache LogFormat or nginx log_format string
	KindJSON     Kind = "json"     // JSON lines (nginx, Caddy, Traefik, Cloudflare Logpush)
	KindW3C      Kind = "w3c"      // W3C extended (IIS, CloudFront)
	KindHAProxy  Kind = "haproxy"  // HAProxy's HTTP log, with or without syslog framing
	KindAWS      Kind = "aws-lb"   // AWS Application and Classic Load Balancer
	KindEnvoy    Kind = "envoy"    // Envoy's default access log
	KindNPM      Kind = "npm"      // Nginx Proxy Manager's proxy-host format
	KindSquid    Kind = "squid"    // Squid's native access log
	KindUvicorn  Kind = "uvicorn"  // uvicorn (Python ASGI servers)
	KindIISCSV   Kind = "iis-csv"  // IIS's comma-separated log file format
)

// Format says how to parse a log. The zero value is unusable; build one
// with ParseFormat, Detect or FromTemplate.
type Format struct {
	Kind     Kind
	Template *Template // for KindTemplate
	// Name names a built-in template (npmplus, couchdb); "" otherwise.
	Name string
	// Fallbacks are tried, in order, on a line the format does not
	// parse: detection adds the other formats it saw in the file.
	Fallbacks []Format
}

// String names the format as --format accepts it.
func (f Format) String() string {
	if f.Kind == KindTemplate && f.Name != "" {
		return f.Name
	}
	if f.Kind == KindTemplate && f.Template != nil {
		return "template " + f.Template.String()
	}
	return string(f.Kind)
}

// NewParser returns a fresh parser; each goroutine needs its own.
func (f Format) NewParser() Parser {
	p := f.newParser()
	if len(f.Fallbacks) == 0 {
		return p
	}
	fp := &fallbackParser{primary: p}
	for _, o := range f.Fallbacks {
		fp.others = append(fp.others, o.newParser())
	}
	return fp
}

func (f Format) newParser() Parser {
	switch f.Kind {
	case KindTemplate:
		return f.Template.NewParser()
	case KindJSON:
		return &jsonParser{}
	case KindW3C:
		return &w3cParser{}
	case KindHAProxy:
		return &haproxyParser{}
	case KindAWS:
		return &awsLBParser{}
	case KindEnvoy:
		return &envoyParser{}
	case KindNPM:
		return &npmParser{}
	case KindSquid:
		return &squidParser{}
	case KindUvicorn:
		return &uvicornParser{}
	case KindIISCSV:
		return &iisCSVParser{}
	}
	return &clfParser{}
}

// fallbackParser parses a line with its primary parser and, when that
// fails, with the others in turn: a file that mixes formats (an access
// log with error-log lines, two log formats over a configuration change)
// loses only the lines no format reads.
type fallbackParser struct {
	primary Parser
	others  []Parser
}

func (p *fallbackParser) Parse(line []byte, r *Record) error {
	err := p.primary.Parse(line, r)
	if err == nil || errors.Is(err, ErrDirective) {
		return err
	}
	for _, o := range p.others {
		if o.Parse(line, r) == nil {
			return nil
		}
	}
	r.Reset()
	return err
}

func (p *fallbackParser) SetFields(line []byte) {
	if fs, ok := p.primary.(FieldsSetter); ok {
		fs.SetFields(line)
	}
}

// Built-in templates for servers whose format is a fixed log_format.
var builtinTemplates = []struct{ name, format string }{
	// NPMplus (a Nginx Proxy Manager fork)
	{"npmplus", `[$time_local] $host $remote_addr $request_time "$request" $status $body_bytes_sent $request_length $http_referer $http_user_agent`},
	// CouchDB's request log
	{"couchdb", `[$level] $time_iso8601 $node $pid $request_id $host $remote_addr $remote_user $request_method $request_uri $status $ok $request_time`},
}

func builtin(name string) (Format, bool) {
	for _, b := range builtinTemplates {
		if b.name == name {
			t, err := compileTemplate(b.format)
			if err != nil {
				panic(err)
			}
			return Format{Kind: KindTemplate, Template: t, Name: name}, true
		}
	}
	return Format{}, false
}

// FormatNames are the names --format accepts, for help and messages.
const FormatNames = "auto, combined (common, traefik-clf, upstreaminfo), json (caddy, traefik, cloudflare), w3c (iis, cloudfront), haproxy, alb (elb), envoy, npm, npmplus, couchdb, squid, uvicorn, iis-csv"

// ParseFormat returns the format named by --format (see FormatNames).
// "auto" and "" return false (detect instead).
func ParseFormat(name string) (Format, bool, error) {
	n := strings.ToLower(name)
	switch n {
	case "", "auto":
		return Format{}, false, nil
	case "combined", "common", "clf", "ncsa", "traefik-clf", "upstreaminfo", "ingress-nginx":
		return Format{Kind: KindCombined}, true, nil
	case "json", "jsonl", "caddy", "traefik", "traefik-json", "cloudflare", "logpush":
		return Format{Kind: KindJSON}, true, nil
	case "w3c", "iis", "cloudfront":
		return Format{Kind: KindW3C}, true, nil
	case "haproxy":
		return Format{Kind: KindHAProxy}, true, nil
	case "alb", "elb", "aws", "aws-lb":
		return Format{Kind: KindAWS}, true, nil
	case "envoy":
		return Format{Kind: KindEnvoy}, true, nil
	case "npm", "nginx-proxy-manager":
		return Format{Kind: KindNPM}, true, nil
	case "squid":
		return Format{Kind: KindSquid}, true, nil
	case "uvicorn":
		return Format{Kind: KindUvicorn}, true, nil
	case "iis-csv", "iis-native":
		return Format{Kind: KindIISCSV}, true, nil
	}
	if f, ok := builtin(n); ok {
		return f, true, nil
	}
	return Format{}, false, fmt.Errorf("unknown format %q (want %s)", name, FormatNames)
}

// FromTemplate compiles an Apache LogFormat or nginx log_format string.
func FromTemplate(s string) (Format, error) {
	t, err := compileTemplate(s)
	if err != nil {
		return Format{}, err
	}
	return Format{Kind: KindTemplate, Template: t}, nil
}

// Candidate is one format detection tried and how many sampled lines it
// parsed.
type Candidate struct {
	Format Format
	Parsed int
}

// Detection is what Detect made of a sample.
type Detection struct {
	// Format is the format chosen, with the other formats that parsed
	// sampled lines as its fallbacks; valid when OK.
	Format Format
	OK     bool
	// Lines is how many sampled lines were judged (blank lines and "#"
	// comments left out); Candidates are the formats that parsed at
	// least one, best first.
	Lines      int
	Candidates []Candidate
}

// Confidence is the share of sampled lines the chosen format parsed.
func (d Detection) Confidence() float64 {
	if d.Lines == 0 || len(d.Candidates) == 0 {
		return 0
	}
	return float64(d.Candidates[0].Parsed) / float64(d.Lines)
}

// detectOrder is the order formats are tried in; on a tie the earlier
// wins.
func detectOrder() []Format {
	fs := []Format{{Kind: KindCombined}, {Kind: KindJSON}, {Kind: KindHAProxy}, {Kind: KindAWS}, {Kind: KindEnvoy}, {Kind: KindNPM}}
	for _, b := range builtinTemplates {
		f, _ := builtin(b.name)
		fs = append(fs, f)
	}
	return append(fs, Format{Kind: KindSquid}, Format{Kind: KindUvicorn}, Format{Kind: KindIISCSV})
}

// MinShare is the least share of sampled lines a format must parse to be
// chosen: below it the file is taken for something else than an access
// log (an error log with a stray request line in it).
const MinShare = 0.1

// Detect guesses the format of sample, lines from a log (its head, or
// SampleLines from across the file). W3C when a "#Version", "#Software"
// or "#Fields" directive is there; otherwise each format parses every
// sampled line and the one that parses most wins, with the other formats
// that parsed some line as fallbacks. It fails when no format parses at
// least MinShare of the lines; lines starting with "#" (comments some
// tools add) and blank lines do not count.
func Detect(sample []byte) (Format, bool) {
	d := DetectLines(splitSample(sample))
	return d.Format, d.OK
}

// splitSample cuts a head of a file into lines, leaving out the last one
// (it may be cut short) unless the sample ends with a line break.
func splitSample(sample []byte) [][]byte {
	lines := bytes.Split(sample, []byte("\n"))
	if len(lines) > 1 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// DetectLines is Detect on lines already cut.
func DetectLines(lines [][]byte) Detection {
	var judged [][]byte
	for _, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if l[0] == '#' {
			if bytes.HasPrefix(l, []byte("#Software:")) || bytes.HasPrefix(l, []byte("#Version:")) || bytes.HasPrefix(l, []byte("#Fields:")) {
				return Detection{Format: Format{Kind: KindW3C}, OK: true, Lines: len(lines),
					Candidates: []Candidate{{Format: Format{Kind: KindW3C}, Parsed: len(lines)}}}
			}
			continue
		}
		judged = append(judged, l)
	}
	d := Detection{Lines: len(judged)}
	if len(judged) == 0 {
		return d
	}
	var r Record
	buf := make([]byte, 0, 4096)
	for _, f := range detectOrder() {
		p := f.NewParser()
		n := 0
		for _, l := range judged {
			buf = append(buf[:0], l...) // parsers may rewrite bytes
			if p.Parse(buf, &r) == nil {
				n++
			}
		}
		if n > 0 {
			d.Candidates = append(d.Candidates, Candidate{Format: f, Parsed: n})
		}
	}
	sort.SliceStable(d.Candidates, func(i, j int) bool { return d.Candidates[i].Parsed > d.Candidates[j].Parsed })
	if len(d.Candidates) == 0 || float64(d.Candidates[0].Parsed) < MinShare*float64(len(judged)) {
		return d
	}
	d.OK = true
	d.Format = d.Candidates[0].Format
	for _, c := range d.Candidates[1:] {
		d.Format.Fallbacks = append(d.Format.Fallbacks, c.Format)
	}
	return d
}

// Refusal explains a failed detection in one line, naming the best
// candidates and the --format to try.
func (d Detection) Refusal() string {
	if d.Lines == 0 {
		return "no log lines to judge the format by"
	}
	if len(d.Candidates) == 0 {
		return fmt.Sprintf("cannot tell the log format: none of %d sampled lines parses as an access log in a format known; give --format, --log-format or --server-config", d.Lines)
	}
	var parts []string
	for i, c := range d.Candidates {
		if i == 3 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", c.Format, c.Parsed))
	}
	return fmt.Sprintf("cannot tell the log format: of %d sampled lines, too few parse (%s); if it is an access log, try --format %s, or give --log-format",
		d.Lines, strings.Join(parts, ", "), d.Candidates[0].Format)
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
