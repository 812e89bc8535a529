package render

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/logs/analysis"
)

// HTML writes a self-contained report: no external assets, no scripts;
// the timeline is an inline SVG stacked bar chart (401, 403, 407, 429 per
// step, with challenge round trips apart), then the findings with their
// evidence and fixes, then the top tables. The layout reads on a phone.
func HTML(w io.Writer, r *analysis.Result) error {
	return htmlTmpl.Execute(w, htmlData(r))
}

type bar struct {
	X, W                   float64
	Y401, H401, Y403, H403 float64
	Y429, H429, Y407, H407 float64
	Title                  string
}

type htmlFinding struct {
	analysis.Finding
	Fix     string
	Command string
	Tone    string
}

type page struct {
	R        *analysis.Result
	Bars     []bar
	Peak     int64
	Width    float64
	Height   float64
	Labels   []axisLabel
	Findings []htmlFinding
	Files    string
	Count    int
}

type axisLabel struct {
	X    float64
	Text string
}

func htmlData(r *analysis.Result) page {
	p := page{R: r, Width: 960, Height: 220}
	var names []string
	for _, f := range r.Files {
		names = append(names, f.Name)
	}
	p.Files = strings.Join(names, ", ")
	for _, b := range r.Timeline {
		p.Peak = max(p.Peak, b.F401+b.F403+b.F407+b.F429)
	}
	n := len(r.Timeline)
	if n > 0 {
		bw := p.Width / float64(n)
		scale := 0.0
		if p.Peak > 0 {
			scale = (p.Height - 20) / float64(p.Peak)
		}
		for i, b := range r.Timeline {
			x := float64(i) * bw
			y := p.Height
			seg := func(v int64) (float64, float64) {
				h := float64(v) * scale
				y -= h
				return y, h
			}
			br := bar{X: x, W: max(bw-0.5, 0.5)}
			br.Y401, br.H401 = seg(b.F401)
			br.Y403, br.H403 = seg(b.F403)
			br.Y407, br.H407 = seg(b.F407)
			br.Y429, br.H429 = seg(b.F429)
			br.Title = fmt.Sprintf("%s UTC: 401 %d, 403 %d, 407 %d, 429 %d, challenge round trips %d, requests %d",
				b.Start.Format("2006-01-02 15:04"), b.F401, b.F403, b.F407, b.F429, b.Noise, b.Total)
			p.Bars = append(p.Bars, br)
		}
		layout := "15:04"
		if r.To.Sub(r.From) >= 24*time.Hour {
			layout = "01-02 15:04"
		}
		for k := 0; k < 5; k++ {
			i := k * (n - 1) / 4
			p.Labels = append(p.Labels, axisLabel{X: float64(i) * bw, Text: r.Timeline[i].Start.Format(layout)})
		}
	}
	p.Count = failureFindings(r)
	fixes := siteFixes(r)
	for i, f := range r.Findings {
		hf := htmlFinding{Finding: f, Tone: "bad"}
		if f.Cause == catalog.NoiseChallenge {
			hf.Tone = "info"
		}
		if fix, ok := fixes[i]; ok {
			hf.Fix, hf.Command = fix.Text, fix.Command
		}
		p.Findings = append(p.Findings, hf)
	}
	return p
}

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"n":   thousands,
	"f":   func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"utc": func(t interface{ Format(string) string }) string { return t.Format("2006-01-02 15:04") },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>why401 logs report</title>
<style>
:root { --fg:#1d2330; --muted:#5b6475; --bg:#fff; --line:#e3e6ec; --c401:#d6453d; --c403:#e89a2c; --c407:#8a63d2; --c429:#2c7be5; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6e9ef; --muted:#9aa3b5; --bg:#14171d; --line:#2b303a; } }
* { box-sizing: border-box; }
body { margin:0; padding:1rem; font:15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
main { max-width: 1000px; margin: 0 auto; }
h1 { font-size:1.4rem; margin:.2rem 0; } h2 { font-size:1.15rem; margin-top:1.6rem; }
.muted { color:var(--muted); }
p, h1, h2 { overflow-wrap:anywhere; }
.kpis { display:flex; flex-wrap:wrap; gap:.6rem; margin:1rem 0; }
.kpi { border:1px solid var(--line); border-radius:8px; padding:.5rem .8rem; min-width:7rem; }
.kpi b { display:block; font-size:1.3rem; }
.chart { width:100%; overflow:hidden; border:1px solid var(--line); border-radius:8px; padding:.4rem; }
svg { width:100%; height:auto; display:block; }
.r401 { fill:var(--c401); } .r403 { fill:var(--c403); } .r407 { fill:var(--c407); } .r429 { fill:var(--c429); }
.axis { fill:var(--muted); font-size:11px; }
.axis-labels { display:flex; justify-content:space-between; font-size:.75rem; padding-top:.2rem; }
.legend span { display:inline-block; margin-right:1rem; } .legend i { display:inline-block; width:.8rem; height:.8rem; border-radius:2px; margin-right:.3rem; vertical-align:-1px; }
.finding { border:1px solid var(--line); border-left:5px solid var(--c401); border-radius:8px; padding:.6rem .9rem; margin:.8rem 0; }
.finding.info { border-left-color: var(--muted); }
.cause { font-family: ui-monospace, monospace; font-weight:600; }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:.9rem; }
th, td { text-align:left; padding:.25rem .5rem; border-bottom:1px solid var(--line); white-space:nowrap; }
td { max-width: 28rem; overflow:hidden; text-overflow:ellipsis; }
code, pre { font-family: ui-monospace, monospace; font-size:.85rem; }
pre { white-space: pre-wrap; background: rgba(127,127,127,.1); padding:.4rem; border-radius:6px; }
.verdict-ok { color:#1f8a4c; } .verdict-findings { color:var(--c401); }
</style>
</head>
<body>
<main>
<h1>why401 logs: <span id="verdict" class="verdict-{{.R.Verdict}}">{{if eq .R.Verdict "ok"}}no failure pattern found{{else}}{{.Count}} finding{{if ne .Count 1}}s{{end}}{{end}}</span></h1>
<p class="muted">{{n .R.Lines}} lines from {{.Files}}{{if not .R.From.IsZero}}, {{utc .R.From}} – {{utc .R.To}} UTC{{end}}{{if .R.Malformed}}; {{n .R.Malformed}} malformed{{end}}</p>
<div class="kpis">
<div class="kpi"><span class="muted">401</span><b id="total-401">{{n (index .R.Failures 401)}}</b></div>
<div class="kpi"><span class="muted">403</span><b id="total-403">{{n (index .R.Failures 403)}}</b></div>
<div class="kpi"><span class="muted">407</span><b id="total-407">{{n (index .R.Failures 407)}}</b></div>
<div class="kpi"><span class="muted">429</span><b id="total-429">{{n (index .R.Failures 429)}}</b></div>
<div class="kpi"><span class="muted">challenge round trips</span><b id="total-challenges">{{n .R.Challenges}}</b></div>
</div>
{{- if .R.SubStatuses}}
<h2>IIS sub-statuses</h2>
<div class="scroll"><table id="substatus"><thead><tr><th>sub-status</th><th>meaning</th><th>cause</th><th>responses</th></tr></thead><tbody>
{{- range .R.SubStatuses}}<tr><td>{{.Code}}</td><td>{{.Name}}</td><td>{{.Cause}}</td><td>{{n .Count}}</td></tr>{{end}}
</tbody></table></div>
{{- end}}
<h2>Failures over time</h2>
<div class="chart">
<svg id="timeline" viewBox="0 0 {{f .Width}} {{f (.Height)}}" role="img" aria-label="failures per {{.R.Step}} minute{{if ne .R.Step 1}}s{{end}}, peak {{.Peak}}" preserveAspectRatio="none">
{{- range .Bars}}
<g class="bar"><title>{{.Title}}</title>{{if .H401}}<rect class="r401" x="{{f .X}}" y="{{f .Y401}}" width="{{f .W}}" height="{{f .H401}}"/>{{end}}{{if .H403}}<rect class="r403" x="{{f .X}}" y="{{f .Y403}}" width="{{f .W}}" height="{{f .H403}}"/>{{end}}{{if .H407}}<rect class="r407" x="{{f .X}}" y="{{f .Y407}}" width="{{f .W}}" height="{{f .H407}}"/>{{end}}{{if .H429}}<rect class="r429" x="{{f .X}}" y="{{f .Y429}}" width="{{f .W}}" height="{{f .H429}}"/>{{end}}</g>
{{- end}}
<text class="axis" x="4" y="12">peak {{.Peak}} per {{.R.Step}} min</text>
</svg>
<div class="axis-labels muted">{{range .Labels}}<span>{{.Text}}</span>{{end}}</div>
</div>
<p class="legend muted"><span><i style="background:var(--c401)"></i>401</span><span><i style="background:var(--c403)"></i>403</span><span><i style="background:var(--c407)"></i>407</span><span><i style="background:var(--c429)"></i>429</span></p>
<h2>Findings</h2>
{{- if not .Findings}}<p>No failure pattern found.</p>{{end}}
{{- range .Findings}}
<section class="finding {{.Tone}}" data-cause="{{.Cause}}">
<div><span class="cause">{{.Cause}}</span> · <span class="count">{{n .Count}}</span></div>
<p>{{.Title}}</p>
<p class="muted">{{utc .From}} – {{utc .To}} UTC</p>
{{- if .Rows}}
<div class="scroll"><table><thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{- range .Rows}}<tr>{{range .}}<td title="{{.}}">{{.}}</td>{{end}}</tr>{{end}}
</tbody></table></div>
{{- end}}
{{- if .Fix}}<p><b>Fix:</b> {{.Fix}}</p>{{if .Command}}<pre>{{.Command}}</pre>{{end}}{{end}}
</section>
{{- end}}
{{- range .R.Tables}}
{{- if .Rows}}
<h2>{{.Title}}</h2>
<div class="scroll"><table><thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{- range .Rows}}<tr>{{range .}}<td title="{{.}}">{{.}}</td>{{end}}</tr>{{end}}
</tbody></table></div>
{{- end}}
{{- end}}
{{- if .R.BadExamples}}
<h2>Malformed lines</h2>
<ul>{{range .R.BadExamples}}<li><code>{{.File}}:{{.Line}}</code> {{.Err}}</li>{{end}}</ul>
{{- end}}
<p class="muted">Made by why401 logs. Challenge round trips (a 401 answered by a success from the same client within seconds) are not counted as failures.</p>
</main>
</body>
</html>
`))
