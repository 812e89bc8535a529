// Package producer names who produced an HTTP response — web server, CDN
// or WAF, API gateway, identity proxy, framework or application — and what
// that producer means by it.
//
// The knowledge lives in one embedded data file, signatures.json: one
// entry per producer with the markers that show it (headers, challenge
// realms and parameters, body text, JSON fields), the rules that map its
// codes and messages to why401 causes, and notes. Identify matches a
// response against every entry; it is pure and safe for concurrent use.
//
// A response usually carries the marks of several producers: a CDN's
// headers around a web server's stock page, a web server's Server header
// around an application's JSON. Result lists them outermost first, so
// Result.Summary reads "Cloudflare in front of nginx".
package producer

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/challenge"
	"github.com/why401/why401/internal/clip"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/redact"
)

//go:embed signatures.json
var signaturesJSON []byte

// Kinds of producers, outermost first: the order Result lists them in.
const (
	KindCDN       = "cdn"        // CDN or edge network (Cloudflare, Akamai, CloudFront)
	KindWAF       = "waf"        // web application firewall (ModSecurity, Sucuri)
	KindGateway   = "gateway"    // API gateway or load balancer (API Gateway, ALB, Kong, Envoy)
	KindProxy     = "proxy"      // reverse or forward proxy (HAProxy, Squid, Traefik)
	KindIdentity  = "identity"   // identity-aware proxy or identity server (oauth2-proxy, Keycloak)
	KindServer    = "web-server" // web server (nginx, Apache, IIS, lighttpd, Caddy)
	KindFramework = "framework"  // application framework (Spring, DRF, Express)
	KindApp       = "app"        // application or its plugin (WordPress, Grafana, GitHub)
)

var kindOrder = map[string]int{
	KindCDN: 0, KindWAF: 1, KindGateway: 2, KindProxy: 3, KindIdentity: 4,
	KindServer: 5, KindFramework: 6, KindApp: 7,
}

// Signature is one producer's entry in the data file.
type Signature struct {
	ID      string   `json:"id"`   // lowercase identifier, unique
	Name    string   `json:"name"` // as people write it: "Cloudflare", "Apache httpd"
	Kind    string   `json:"kind"` // one of the Kind constants
	Markers []Marker `json:"markers"`
	// Rules map the producer's codes and messages to causes, most
	// specific first; every matching rule yields a Meaning.
	Rules []Rule `json:"rules,omitempty"`
	Notes string `json:"notes,omitempty"`
	// Verified says how the entry was checked: "live: ..." (a real server
	// in why401's tests) or "fixture: <source>" (a response written from
	// the producer's public documentation or source).
	Verified string `json:"verified"`
}

// Marker is one observable trait of a response. In says where to look:
//
//   - "header": the values of header Name, joined with ", "; with neither
//     Contains nor Regex, the header's presence is the marker.
//   - "body": the body (first evidence.MaxBody bytes).
//   - "json": the string or number at dotted path Name of a JSON body
//     ("code", "errors.0.code", "data.status").
//   - "realm": the realm of any challenge, or of challenges of scheme
//     Name when Name is set.
//   - "challenge": auth-param Name of any challenge ("error_description").
//   - "scheme": the scheme of any challenge (Contains or Regex on it).
//   - "status": the status code as text.
//
// Contains is a case-sensitive substring, Regex a Go regular expression;
// a marker with both needs both.
type Marker struct {
	In       string `json:"in"`
	Name     string `json:"name,omitempty"`
	Contains string `json:"contains,omitempty"`
	Regex    string `json:"regex,omitempty"`
	// Weight is how much the marker counts toward naming the producer; a
	// producer is named when its matched markers weigh 1 or more. 0 in
	// the file means 1. Weak hints (X-Powered-By, an empty body) weigh
	// less.
	Weight float64 `json:"weight,omitempty"`
	// Show is how the marker is quoted in evidence; "" quotes what
	// matched.
	Show string `json:"show,omitempty"`

	re *regexp.Regexp
}

// Rule maps one code or message of a producer to a cause.
type Rule struct {
	// Status, when not empty, is the set of statuses the rule applies to.
	Status []int `json:"status,omitempty"`
	// When are markers that must all match.
	When []Marker `json:"when"`
	// Sent, when set, limits the rule to requests that carried
	// credentials ("yes") or did not ("no").
	Sent       string     `json:"sent,omitempty"`
	Cause      catalog.ID `json:"cause"`
	Confidence float64    `json:"confidence"`
	// Meaning says in why401's words what the producer means.
	Meaning string `json:"meaning"`
}

// file is the data file's shape.
type file struct {
	Producers []*Signature `json:"producers"`
}

// Set is a loaded, validated signature file.
type Set struct {
	sigs []*Signature
}

// Signatures returns the set's entries in file order. The caller must not
// modify them.
func (s *Set) Signatures() []*Signature { return s.sigs }

// idRE is the form of a signature's id.
var idRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// Load parses and validates a signature file: unique lowercase IDs, known
// kinds and causes, compilable regular expressions, known marker places,
// confidences within (0, 1]. Errors name the entry ("signatures:
// cloudflare: rule 2: unknown cause \"waf.blok\"").
func Load(data []byte) (*Set, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("signatures: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	for i, s := range f.Producers {
		if s == nil {
			errs = append(errs, fmt.Errorf("signatures: entry %d is null", i))
			continue
		}
		where := "signatures: " + s.ID
		if !idRE.MatchString(s.ID) {
			errs = append(errs, fmt.Errorf("signatures: entry %d: bad id %q", i, s.ID))
			where = fmt.Sprintf("signatures: entry %d", i)
		}
		if seen[s.ID] {
			errs = append(errs, fmt.Errorf("%s: duplicate id", where))
		}
		seen[s.ID] = true
		if strings.TrimSpace(s.Name) == "" {
			errs = append(errs, fmt.Errorf("%s: no name", where))
		}
		if _, ok := kindOrder[s.Kind]; !ok {
			errs = append(errs, fmt.Errorf("%s: unknown kind %q", where, s.Kind))
		}
		if len(s.Markers) == 0 {
			errs = append(errs, fmt.Errorf("%s: no markers", where))
		}
		if strings.TrimSpace(s.Verified) == "" {
			errs = append(errs, fmt.Errorf("%s: no verified note", where))
		}
		for j := range s.Markers {
			if err := s.Markers[j].compile(); err != nil {
				errs = append(errs, fmt.Errorf("%s: marker %d: %w", where, j+1, err))
			}
		}
		for j := range s.Rules {
			r := &s.Rules[j]
			rw := fmt.Sprintf("%s: rule %d", where, j+1)
			if _, ok := catalog.Lookup(r.Cause); !ok {
				errs = append(errs, fmt.Errorf("%s: unknown cause %q", rw, r.Cause))
			}
			if r.Confidence <= 0 || r.Confidence > 1 {
				errs = append(errs, fmt.Errorf("%s: confidence %v not in (0, 1]", rw, r.Confidence))
			}
			if r.Sent != "" && r.Sent != "yes" && r.Sent != "no" {
				errs = append(errs, fmt.Errorf("%s: sent must be \"yes\", \"no\" or empty, not %q", rw, r.Sent))
			}
			if strings.TrimSpace(r.Meaning) == "" {
				errs = append(errs, fmt.Errorf("%s: no meaning", rw))
			}
			if len(r.When) == 0 && len(r.Status) == 0 {
				errs = append(errs, fmt.Errorf("%s: no condition", rw))
			}
			for k := range r.When {
				if err := r.When[k].compile(); err != nil {
					errs = append(errs, fmt.Errorf("%s: marker %d: %w", rw, k+1, err))
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Set{sigs: f.Producers}, nil
}

func (m *Marker) compile() error {
	switch m.In {
	case "header", "json", "challenge":
		if m.Name == "" {
			return fmt.Errorf("%s marker without a name", m.In)
		}
	case "body", "realm", "scheme", "status":
	default:
		return fmt.Errorf("unknown place %q", m.In)
	}
	if m.In != "header" && m.Contains == "" && m.Regex == "" && m.In != "realm" {
		return fmt.Errorf("%s marker needs contains or regex", m.In)
	}
	if m.Weight < 0 || m.Weight > 1 {
		return fmt.Errorf("weight %v not in [0, 1]", m.Weight)
	}
	if m.Regex != "" {
		re, err := regexp.Compile(m.Regex)
		if err != nil {
			return fmt.Errorf("regex %q: %w", m.Regex, err)
		}
		m.re = re
	}
	return nil
}

// weight is the marker's weight with the file's 0 meaning 1.
func (m *Marker) weight() float64 {
	if m.Weight == 0 {
		return 1
	}
	return m.Weight
}

var (
	defaultOnce sync.Once
	defaultSet  *Set
	defaultErr  error
)

// Default returns the embedded signature set. A broken embedded file is a
// build defect that the package's tests catch; Default then returns the
// error so callers degrade instead of panicking.
func Default() (*Set, error) {
	defaultOnce.Do(func() { defaultSet, defaultErr = Load(signaturesJSON) })
	return defaultSet, defaultErr
}

// Causes lists every cause a rule of the embedded signature file maps to,
// in file order without repeats, or none when the file does not decode.
// It reads only the causes, without validating the file or compiling its
// patterns as Default does, so it is cheap enough for a package-level
// variable.
func Causes() []catalog.ID {
	var f struct {
		Producers []struct {
			Rules []struct {
				Cause catalog.ID `json:"cause"`
			} `json:"rules"`
		} `json:"producers"`
	}
	if json.Unmarshal(signaturesJSON, &f) != nil {
		return nil
	}
	seen := map[catalog.ID]bool{}
	var out []catalog.ID
	for _, p := range f.Producers {
		for _, r := range p.Rules {
			if !seen[r.Cause] {
				seen[r.Cause] = true
				out = append(out, r.Cause)
			}
		}
	}
	return out
}

// Match is one producer named for a response.
type Match struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Score is the summed weight of the matched markers (1 or more).
	Score float64 `json:"score"`
	// Markers quote what showed it: "Server: nginx/1.22.1", "cf-ray
	// header", "JSON code \"rest_not_logged_in\"".
	Markers []string `json:"markers"`
	// Meanings are the rules of the producer that matched the response.
	Meanings []Meaning `json:"meanings,omitempty"`
}

// Meaning is what a producer's code or message means, as a cause.
type Meaning struct {
	Cause      catalog.ID `json:"cause"`
	Confidence float64    `json:"confidence"`
	Meaning    string     `json:"meaning"`
	// Evidence quotes the markers of the rule that matched.
	Evidence []string `json:"evidence"`
	// Producer is the ID of the producer whose rule matched, and Rule
	// the rule's 1-based position in its entry.
	Producer string `json:"producer"`
	Rule     int    `json:"rule"`
}

// Result is every producer named for one response, outermost first (CDN,
// WAF, gateway, proxy, identity proxy, web server, framework, app).
type Result struct {
	Producers []Match `json:"producers"`
}

// Has reports whether the producer with id was named.
func (r Result) Has(id string) bool {
	_, ok := r.Get(id)
	return ok
}

// Get returns the match of producer id.
func (r Result) Get(id string) (Match, bool) {
	for _, m := range r.Producers {
		if m.ID == id {
			return m, true
		}
	}
	return Match{}, false
}

// Names lists the producers' names, outermost first.
func (r Result) Names() []string {
	out := make([]string, len(r.Producers))
	for i, m := range r.Producers {
		out[i] = m.Name
	}
	return out
}

// Summary words the chain of producers, outermost first: "Cloudflare in
// front of nginx"; "" when none was named.
func (r Result) Summary() string {
	return strings.Join(r.Names(), " in front of ")
}

// Meanings returns every matched rule of every producer, most confident
// first.
func (r Result) Meanings() []Meaning {
	var out []Meaning
	for _, m := range r.Producers {
		out = append(out, m.Meanings...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	return out
}

// Input is what Identify looks at besides the response.
type Input struct {
	// Sent is whether the request carried credentials (Authorization, an
	// API-key header or a cookie); rules with Sent set depend on it.
	Sent bool
}

// Identify names the producers of r. A nil response names none.
func (s *Set) Identify(r *evidence.Response, in Input) Result {
	res := Result{Producers: []Match{}}
	if s == nil || r == nil {
		return res
	}
	v := newView(r)
	for _, sig := range s.sigs {
		var score float64
		var shown []string
		for i := range sig.Markers {
			m := &sig.Markers[i]
			if q, ok := v.match(m); ok {
				score += m.weight()
				shown = append(shown, q)
			}
		}
		if score < 1-1e-9 {
			continue
		}
		match := Match{ID: sig.ID, Name: sig.Name, Kind: sig.Kind, Score: score, Markers: shown}
		for i := range sig.Rules {
			rule := &sig.Rules[i]
			if ev, ok := v.rule(rule, in); ok {
				match.Meanings = append(match.Meanings, Meaning{Cause: rule.Cause, Confidence: rule.Confidence, Meaning: rule.Meaning, Evidence: ev, Producer: sig.ID, Rule: i + 1})
			}
		}
		res.Producers = append(res.Producers, match)
	}
	sort.SliceStable(res.Producers, func(i, j int) bool {
		return kindOrder[res.Producers[i].Kind] < kindOrder[res.Producers[j].Kind]
	})
	return res
}

// Identify names the producers of r with the embedded signatures; see
// Set.Identify. With a broken embedded file it names none.
func Identify(r *evidence.Response, in Input) Result {
	s, err := Default()
	if err != nil {
		return Result{Producers: []Match{}}
	}
	return s.Identify(r, in)
}

// view is a response prepared for matching: challenges parsed and the JSON
// body decoded once.
type view struct {
	r          *evidence.Response
	challenges []challenge.Challenge
	json       any
	jsonOK     bool
}

func newView(r *evidence.Response) *view {
	v := &view{r: r}
	name := "WWW-Authenticate"
	if r.Status == http.StatusProxyAuthRequired {
		name = "Proxy-Authenticate"
	}
	v.challenges, _ = challenge.ParseAll(r.Header.Values(name))
	body := strings.TrimSpace(string(r.Body))
	if strings.HasPrefix(body, "{") || strings.HasPrefix(body, "[") {
		if err := json.Unmarshal([]byte(body), &v.json); err == nil {
			v.jsonOK = true
		}
	}
	return v
}

// rule reports whether every condition of rule holds, with evidence.
func (v *view) rule(rule *Rule, in Input) ([]string, bool) {
	if len(rule.Status) > 0 && !slices.Contains(rule.Status, v.r.Status) {
		return nil, false
	}
	switch rule.Sent {
	case "yes":
		if !in.Sent {
			return nil, false
		}
	case "no":
		if in.Sent {
			return nil, false
		}
	}
	var ev []string
	for i := range rule.When {
		q, ok := v.match(&rule.When[i])
		if !ok {
			return nil, false
		}
		ev = append(ev, q)
	}
	return ev, true
}

// maxQuote bounds how much of a matched value evidence quotes.
const maxQuote = 120

// match tests one marker and quotes what matched.
func (v *view) match(m *Marker) (string, bool) {
	// test applies Contains and Regex to s and returns what matched; a
	// marker with neither matches any s.
	test := func(s string) (string, bool) {
		if m.Contains != "" && !strings.Contains(s, m.Contains) {
			return "", false
		}
		if m.re != nil {
			loc := m.re.FindStringIndex(s)
			if loc == nil {
				return "", false
			}
			if m.Contains == "" {
				return s[loc[0]:loc[1]], true
			}
		}
		if m.Contains != "" {
			return m.Contains, true
		}
		return s, true
	}
	var q string
	var ok bool
	switch m.In {
	case "header":
		vals := v.r.Header.Values(m.Name)
		if len(vals) == 0 {
			return "", false
		}
		if _, ok = test(strings.Join(vals, ", ")); ok {
			shown := make([]string, len(vals))
			for i, v := range vals {
				shown[i] = redact.Header(m.Name, v)
			}
			q = http.CanonicalHeaderKey(m.Name) + ": " + clip.Line(strings.Join(shown, ", "), maxQuote)
		}
	case "body":
		var hit string
		if hit, ok = test(string(v.r.Body)); ok {
			q = "body: " + strconv.Quote(clip.Line(hit, maxQuote))
		}
	case "json":
		if !v.jsonOK {
			return "", false
		}
		val, found := lookup(v.json, m.Name)
		if !found {
			return "", false
		}
		if _, ok = test(val); ok {
			q = "JSON " + m.Name + " " + strconv.Quote(clip.Line(val, maxQuote))
		}
	case "realm":
		for _, c := range v.challenges {
			if m.Name != "" && !c.Is(m.Name) {
				continue
			}
			realm, has := c.Param("realm")
			if !has {
				continue
			}
			if _, ok = test(realm); ok {
				q = c.Scheme + ` realm="` + clip.Line(realm, maxQuote) + `"`
				break
			}
		}
	case "challenge":
		for _, c := range v.challenges {
			val, has := c.Param(m.Name)
			if !has {
				continue
			}
			if _, ok = test(val); ok {
				q = c.Scheme + " " + m.Name + `="` + clip.Line(val, maxQuote) + `"`
				break
			}
		}
	case "scheme":
		for _, c := range v.challenges {
			if _, ok = test(c.Scheme); ok {
				q = "challenge scheme " + c.Scheme
				break
			}
		}
	case "status":
		if _, ok = test(strconv.Itoa(v.r.Status)); ok {
			q = "status " + strconv.Itoa(v.r.Status)
		}
	}
	if !ok {
		return "", false
	}
	if m.Show != "" {
		q = m.Show
	}
	return q, true
}

// lookup follows a dotted path ("errors.0.code") in decoded JSON and
// returns a string or number found there as text.
func lookup(doc any, path string) (string, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[part]
			if !ok {
				return "", false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return "", false
			}
			cur = c[i]
		default:
			return "", false
		}
	}
	switch c := cur.(type) {
	case string:
		return c, true
	case float64:
		return strconv.FormatFloat(c, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(c), true
	}
	return "", false
}
