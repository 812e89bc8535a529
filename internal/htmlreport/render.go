package htmlreport

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

// Options change how a page is rendered.
type Options struct {
	// DocBase is prefixed to a cause's doc reference
	// ("docs/causes.md#token-expired"); DefaultDocBase when empty.
	DocBase string
	// Fragment renders only the report's <article>, for a page that
	// already carries CSS (why401 serve).
	Fragment bool
	// Downloads, when set, adds links to the report as HTML and JSON
	// (data: URLs, so nothing is stored on a server).
	Downloads bool
	// JSON is the document itself, for the JSON download.
	JSON []byte
}

// DefaultDocBase is where the causes' documentation lives.
const DefaultDocBase = "https://github.com/why401/why401/blob/main/"

//go:embed report.css
var CSS string

//go:embed report.html.tmpl
var pageTmpl string

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"dict": func(v *view, f any, top bool) findingView {
		switch x := f.(type) {
		case *Finding:
			return findingView{V: v, F: x, Top: top}
		case Finding:
			return findingView{V: v, F: &x, Top: top}
		}
		return findingView{V: v, F: &Finding{}, Top: top}
	},
	"pct":      func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"band":     band,
	"variant":  variantLabel,
	"creds":    credentials,
	"headers":  sortedHeaders,
	"value":    renderValue,
	"title":    sectionTitle,
	"add":      func(a, b int) int { return a + b },
	"duration": func(ns int64) string { return time.Duration(ns).Round(time.Millisecond).String() },
	"audience": func(a string) string {
		switch a {
		case "visitor":
			return "If you are visiting the site"
		case "developer":
			return "If you write or run the client"
		case "owner":
			return "If you run the site"
		}
		return a
	},
	"statusClass": func(code int) string {
		switch {
		case code == 0:
			return "s-none"
		case code < 300:
			return "s-ok"
		case code < 400:
			return "s-redir"
		}
		return "s-fail"
	},
}).Parse(pageTmpl))

type view struct {
	*Doc
	O       Options
	CSS     template.CSS
	Top     *Finding
	Others  []Finding
	Groups  []group
	Extra   []section
	DocBase string
	HTMLURL template.URL
	JSONURL template.URL
}

type findingView struct {
	V   *view
	F   *Finding
	Top bool
}

type group struct {
	Variant   string
	Exchanges []Exchange
}

type section struct {
	Name string
	Body template.HTML
}

// RenderJSON parses a --json document and renders it.
func RenderJSON(w io.Writer, data []byte, o Options) error {
	d, err := Parse(data)
	if err != nil {
		return err
	}
	if o.JSON == nil {
		o.JSON = data
	}
	return Render(w, d, o)
}

// Render writes the page of d.
func Render(w io.Writer, d *Doc, o Options) error {
	v := &view{Doc: d, O: o, CSS: template.CSS(CSS), DocBase: o.DocBase}
	if v.DocBase == "" {
		v.DocBase = DefaultDocBase
	}
	if len(d.Findings) > 0 {
		v.Top = &d.Findings[0]
		v.Others = d.Findings[1:]
	}
	for _, x := range d.Exchanges {
		if n := len(v.Groups); n > 0 && v.Groups[n-1].Variant == x.Variant && x.Hop > 0 {
			v.Groups[n-1].Exchanges = append(v.Groups[n-1].Exchanges, x)
			continue
		}
		v.Groups = append(v.Groups, group{Variant: x.Variant, Exchanges: []Exchange{x}})
	}
	names := make([]string, 0, len(d.Sections))
	for k := range d.Sections {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		raw := d.Sections[k]
		if t := strings.TrimSpace(string(raw)); t == "null" || t == "[]" || t == "{}" || t == `""` {
			continue
		}
		v.Extra = append(v.Extra, section{Name: k, Body: renderValue(raw)})
	}
	if o.Downloads && !o.Fragment {
		// The page's own download link would have to contain itself; only
		// the fragment form (in why401 serve) offers the HTML download.
		o.Downloads = false
	}
	if o.Downloads {
		var page bytes.Buffer
		po := o
		po.Fragment, po.Downloads = false, false
		if err := Render(&page, d, po); err != nil {
			return err
		}
		v.HTMLURL = template.URL("data:text/html;charset=utf-8;base64," + b64(page.Bytes()))
		if len(o.JSON) > 0 {
			v.JSONURL = template.URL("data:application/json;base64," + b64(o.JSON))
		}
	}
	name := "page"
	if o.Fragment {
		name = "report"
	}
	return tmpl.ExecuteTemplate(w, name, v)
}

func band(f Finding) string {
	if f.Band != "" {
		return f.Band
	}
	switch c := f.Confidence; {
	case c == 0:
		return ""
	case c >= 0.9:
		return "certain"
	case c >= 0.7:
		return "strong"
	case c >= 0.4:
		return "likely"
	}
	return "suspicion"
}

var variants = map[string]string{
	"as-given":       "The request as given",
	"no-credentials": "Without credentials (to see what the server asks for)",
	"no-cookies":     "Without cookies",
	"other-scheme":   "Over the other scheme (http/https)",
	"preflight":      "CORS preflight (OPTIONS), as a browser sends it",
	"nearby":         "A nearby URL (to tell a wrong path from a refusal)",
	"address":        "To one resolved address",
	"encoding":       "Credentials in another encoding",
	"content-type":   "The body in the other content type",
}

func variantLabel(v string) string {
	if l, ok := variants[v]; ok {
		return l
	}
	return v
}

// chip is one line of "what went along with this request".
type chip struct {
	Name, State, Why string
	Sent             bool
}

// credentials says which credentials and cookies went with exchange i of
// a group, and why not when they did not.
func credentials(g group, i int) []chip {
	x := g.Exchanges[i]
	var prev *Exchange
	if i > 0 {
		prev = &g.Exchanges[i-1]
	}
	var out []chip
	for _, h := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
		vals := header(x.Request, h)
		if len(vals) > 0 {
			out = append(out, chip{Name: h, State: "sent", Why: strings.Join(vals, "; "), Sent: true})
			continue
		}
		if h == "Proxy-Authorization" {
			continue
		}
		c := chip{Name: h, State: "not sent"}
		switch {
		case x.Variant == "no-credentials" && h == "Authorization", x.Variant == "no-credentials" && h == "Cookie":
			c.Why = "left out on purpose by this variant"
		case x.Variant == "no-cookies" && h == "Cookie":
			c.Why = "left out on purpose by this variant"
		case prev != nil && prev.Redirect != nil && len(header(prev.Request, h)) > 0 && !prev.Redirect.Forwarded:
			switch {
			case prev.Redirect.CrossHost:
				c.Why = "dropped on the redirect to another host, as curl and browsers do"
			case prev.Redirect.CrossPort:
				c.Why = "dropped on the redirect to another port"
			case prev.Redirect.SchemeTo != "" && !strings.HasPrefix(x.URL, prev.Redirect.SchemeTo):
				c.Why = "dropped on the redirect to another scheme"
			default:
				c.Why = "dropped on the redirect"
			}
		}
		out = append(out, c)
	}
	if sc := header(x.Response, "Set-Cookie"); len(sc) > 0 {
		var names []string
		for _, v := range sc {
			n, _, _ := strings.Cut(v, "=")
			names = append(names, strings.TrimSpace(n))
		}
		out = append(out, chip{Name: "Set-Cookie", State: "set by the answer", Why: strings.Join(names, ", "), Sent: true})
	}
	return out
}

func header(h map[string][]string, name string) []string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

type kv struct{ K, V string }

func sortedHeaders(h map[string][]string) []kv {
	var out []kv
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, kv{k, v})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].K) < strings.ToLower(out[j].K) })
	return out
}

func sectionTitle(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// renderValue renders any JSON value: objects as definition lists,
// arrays of flat objects as tables, other arrays as lists.
func renderValue(raw json.RawMessage) template.HTML {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return ""
	}
	var b strings.Builder
	writeValue(&b, v, 0)
	return template.HTML(b.String())
}

func writeValue(b *strings.Builder, v any, depth int) {
	esc := html.EscapeString
	if depth > 6 {
		js, _ := json.Marshal(v)
		b.WriteString("<code>" + esc(string(js)) + "</code>")
		return
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("<dl class=\"kv\">")
		for _, k := range keys {
			b.WriteString("<dt>" + esc(sectionTitle(k)) + "</dt><dd>")
			writeValue(b, x[k], depth+1)
			b.WriteString("</dd>")
		}
		b.WriteString("</dl>")
	case []any:
		if len(x) == 0 {
			b.WriteString("<span class=\"muted\">none</span>")
			return
		}
		if cols, ok := flatObjects(x); ok {
			b.WriteString("<div class=\"scroll\"><table><thead><tr>")
			for _, c := range cols {
				b.WriteString("<th>" + esc(sectionTitle(c)) + "</th>")
			}
			b.WriteString("</tr></thead><tbody>")
			for _, row := range x {
				b.WriteString("<tr>")
				for _, c := range cols {
					b.WriteString("<td>")
					if cell, ok := row.(map[string]any)[c]; ok {
						writeValue(b, cell, depth+1)
					}
					b.WriteString("</td>")
				}
				b.WriteString("</tr>")
			}
			b.WriteString("</tbody></table></div>")
			return
		}
		b.WriteString("<ul>")
		for _, e := range x {
			b.WriteString("<li>")
			writeValue(b, e, depth+1)
			b.WriteString("</li>")
		}
		b.WriteString("</ul>")
	case nil:
		b.WriteString("<span class=\"muted\">—</span>")
	case string:
		b.WriteString(esc(x))
	default:
		b.WriteString(esc(fmt.Sprint(x)))
	}
}

// flatObjects reports whether list holds objects with scalar (or
// scalar-list) values only, and their columns in first-seen order.
func flatObjects(list []any) ([]string, bool) {
	var cols []string
	seen := map[string]bool{}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch val := m[k].(type) {
			case map[string]any:
				return nil, false
			case []any:
				for _, inner := range val {
					if _, isObj := inner.(map[string]any); isObj {
						return nil, false
					}
				}
			}
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	return cols, len(cols) > 0 && len(cols) <= 12
}
