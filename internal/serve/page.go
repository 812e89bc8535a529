package serve

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"sort"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/htmlreport"
)

//go:embed page.html.tmpl
var pageText string

//go:embed app.js
var appJS string

//go:embed app.css
var pageCSS string

// appCSS is the report's style and the page's own, one file (the CSP
// allows no inline style).
var appCSS = htmlreport.CSS + "\n" + pageCSS

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"pair": func(d *pageData, k *kind) struct {
		D *pageData
		K *kind
	} {
		return struct {
			D *pageData
			K *kind
		}{d, k}
	},
	"list": func(s ...string) []string { return s },
}).Parse(pageText))

func mac(key []byte, s string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) asset(contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		w.Write([]byte(body))
	}
}

type pageData struct {
	Title   string
	CSRF    string
	Kinds   []*kind
	Open    string // the form to show open
	Exposed bool
	Report  template.HTML
	Error   string
	Login   bool
	Version string
	Limits  struct{ Upload string }
	Causes  []*catalog.Cause
}

func (s *Server) data(w http.ResponseWriter, r *http.Request) *pageData {
	d := &pageData{Title: "why401", CSRF: s.csrfToken(w, r), Exposed: s.cfg.Exposed, Version: s.cfg.Version, Open: "probe"}
	for _, k := range kinds {
		if !k.Local || !s.cfg.Exposed {
			d.Kinds = append(d.Kinds, k)
		}
	}
	d.Limits.Upload = size(s.cfg.MaxUpload)
	return d
}

func (s *Server) write(w http.ResponseWriter, name string, d *pageData) {
	var b bytes.Buffer
	if err := pageTmpl.ExecuteTemplate(&b, name, d); err != nil {
		http.Error(w, "rendering the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// page is GET /: the forms.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	s.write(w, "page", s.data(w, r))
}

// renderPage answers a form sent without the page's script: the page
// again, with the report (or the error) under the form.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, kind string, doc []byte, msg string) {
	d := s.data(w, r)
	d.Open, d.Error = kind, msg
	if doc != nil {
		var b bytes.Buffer
		if err := htmlreport.RenderJSON(&b, doc, htmlreport.Options{Fragment: true, Downloads: true, DocBase: "/"}); err != nil {
			d.Error = "rendering the report: " + err.Error()
		} else {
			d.Report = template.HTML(b.String())
		}
	}
	s.write(w, "page", d)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, msg string) {
	d := s.data(w, r)
	d.Login, d.Error = true, msg
	s.write(w, "login", d)
}

// causes is GET /docs/causes.md: the cause reference the reports link
// to, from the catalog (the anchors are the cause IDs).
func (s *Server) causes(w http.ResponseWriter, r *http.Request) {
	d := s.data(w, r)
	d.Title = "why401 causes"
	d.Causes = catalog.All()
	sort.Slice(d.Causes, func(i, j int) bool { return d.Causes[i].ID < d.Causes[j].ID })
	s.write(w, "causes", d)
}
