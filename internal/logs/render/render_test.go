package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/logs/analysis"
)

func sample() *analysis.Result {
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	return &analysis.Result{
		Files:     []analysis.FileStat{{Name: "access.log", LinesRead: 100, LinesParsed: 100, Lines: 100}},
		LinesRead: 100, LinesParsed: 100, Lines: 100, From: t0, To: t0.Add(3 * time.Minute),
		Failures: map[int]int64{401: 40, 429: 5}, Challenges: 7, Step: 1,
		Timeline: []analysis.Bucket{
			{Start: t0, Total: 50, F401: 0}, {Start: t0.Add(time.Minute), Total: 50, F401: 40, F429: 5},
		},
		Findings: []analysis.Finding{
			{Cause: catalog.AttackBruteForce, Title: "1 source(s) tried passwords", From: t0, To: t0.Add(time.Minute), Count: 40,
				Columns: []string{"source", "main path"}, Rows: [][]string{{"203.0.113.10", `/login"><script>alert(1)</script>`}},
				Sources: []string{"203.0.113.10", "not-an-ip\ndeny all"}, Key: "brute"},
			{Cause: catalog.NoiseChallenge, Title: "7 round trips", Count: 7},
		},
		BanList: []string{"203.0.113.10", "not-an-ip\ndeny all"},
		Verdict: "findings",
		Counters: []analysis.Counter{
			{Status: 401, Cause: catalog.AttackBruteForce, PathClass: "login", Count: 40},
			{Status: 429, PathClass: `we"ird\`, Count: 5},
		},
	}
}

func TestSparkline(t *testing.T) {
	if got := sparkline([]int64{0, 1, 4, 8}, 0); got != " ▁▄█" {
		t.Errorf("sparkline = %q", got)
	}
	if got := sparkline([]int64{1, 1, 1, 1, 8, 8}, 3); got != "▁▁█" {
		t.Errorf("folded sparkline = %q", got)
	}
	if got := sparkline([]int64{0, 0}, 0); got != "  " {
		t.Errorf("all zero = %q", got)
	}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, sample(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"why401 logs: 100 lines from access.log", "401 40 · 403 0 · 407 0 · 429 5 · challenge round trips (not failures) 7",
		"1. attack.brute-force  1 source(s) tried passwords", "203.0.113.10", "fix: ", "verdict: fail: 1 finding"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour without Color")
	}
	r := sample()
	r.Findings[0].Rows[0][1] = "evil\x1b]0;pwned\x07agent"
	b.Reset()
	Text(&b, r, TextOptions{})
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Errorf("a control character from the log reached the terminal: %q", b.String())
	}
}

// TestTextTimelineAndBanSentence: the sparkline's ends carry the date
// when the timeline spans days and only the date when a step is a day;
// no sparkline is drawn when nothing failed; one ban is "it".
func TestTextTimelineAndBanSentence(t *testing.T) {
	text := func(r *analysis.Result) string {
		var b bytes.Buffer
		if err := Text(&b, r, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	r := sample()
	out := text(r)
	if !strings.Contains(out, "failures per minute: 10:00│ █│10:01\n") || !strings.Contains(out, "2 attacking sources broke fail2ban's rule; --ban-list FORMAT prints them") {
		t.Errorf("one day:\n%s", out)
	}
	r.BanList = r.BanList[:1]
	if out := text(r); !strings.Contains(out, "1 attacking source broke fail2ban's rule; --ban-list FORMAT prints it for") {
		t.Errorf("one ban:\n%s", out)
	}
	t0 := time.Date(2023, 9, 4, 12, 0, 0, 0, time.UTC)
	r.Step = 720
	r.Timeline = []analysis.Bucket{{Start: t0, F401: 1}, {Start: t0.Add(12 * time.Hour)}, {Start: t0.Add(24 * time.Hour), F401: 3}}
	if out := text(r); !strings.Contains(out, "failures per 12h: 2023-09-04 12:00│▃ █│2023-09-05 12:00\n") {
		t.Errorf("days:\n%s", out)
	}
	r.Step = 1440
	if out := text(r); !strings.Contains(out, "failures per day: 2023-09-04│▃ █│2023-09-05\n") {
		t.Errorf("daily steps:\n%s", out)
	}
	r.Step = 10080
	r.Timeline = []analysis.Bucket{{Start: t0, Total: 3}, {Start: t0.Add(7 * 24 * time.Hour), Total: 2}}
	if out := text(r); strings.Contains(out, "failures per") {
		t.Errorf("a sparkline of nothing:\n%s", out)
	}
}

// TestTextUntimedAndMalformed: lines without time stamps show no 1970
// and no timeline but say what that means; malformed lines are counted
// beside the parsed ones, and those beyond the examples are counted.
func TestTextUntimedAndMalformed(t *testing.T) {
	r := sample()
	r.From, r.To, r.Timeline = time.Time{}, time.Time{}, []analysis.Bucket{}
	r.Malformed = 5
	r.BadExamples = nil
	var b bytes.Buffer
	if err := Text(&b, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"why401 logs: 100 lines from access.log (plus 5 malformed)\n", "  no time stamps in the lines: they all count as one moment"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "1970") || strings.Contains(out, "failures per") || strings.Contains(out, "more malformed") {
		t.Errorf("untimed:\n%s", out)
	}
	var h bytes.Buffer
	if err := HTML(&h, r); err != nil {
		t.Fatalf("HTML of an untimed result: %v", err)
	}
}

func TestBanListSkipsWhatIsNotAnAddress(t *testing.T) {
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	for format, want := range map[string]string{
		"plain":    "203.0.113.10\n",
		"nginx":    "deny 203.0.113.10; # attack.brute-force\n",
		"apache":   "    Require not ip 203.0.113.10\n",
		"fail2ban": "2026-05-04 12:00:00 203.0.113.10 why401 attack.brute-force\n",
	} {
		var b bytes.Buffer
		if err := BanList(&b, sample(), format, now); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s: %q lacks %q", format, b.String(), want)
		}
		if strings.Contains(b.String(), "deny all") {
			t.Errorf("%s: a source that is not an address reached the configuration: %q", format, b.String())
		}
	}
	if err := BanList(&bytes.Buffer{}, sample(), "iptables", now); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestMetricsExposition(t *testing.T) {
	var b bytes.Buffer
	if err := Metrics(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"# TYPE why401_log_failures_total counter\n",
		`why401_log_failures_total{status="401",cause="attack.brute-force",path_class="login"} 40` + "\n",
		`why401_log_failures_total{status="429",cause="unclassified",path_class="we\"ird\\"} 5` + "\n",
		`why401_log_attack_sources{cause="attack.brute-force"} 2` + "\n",
		`why401_log_findings{cause="noise.challenge"} 1` + "\n",
		"why401_log_challenge_round_trips_total 7\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q:\n%s", want, out)
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, sample()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script>alert(1)") {
		t.Error("a logged path reached the page unescaped")
	}
	for _, want := range []string{`id="total-401">40<`, `id="total-challenges">7<`, `data-cause="attack.brute-force"`, `class="r401"`, `class="r429"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestJSONHasTheCommonHead(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Command  string `json:"command"`
		Verdict  string `json:"verdict"`
		Summary  string `json:"summary"`
		Findings []struct {
			Cause, Title, Detail, Check, Doc string
			Evidence                         []string
			Fixes                            map[string][]struct{ Text string }
		} `json:"findings"`
		Patterns []struct {
			Cause string `json:"cause"`
		} `json:"patterns"`
		LinesRead   int `json:"lines_read"`
		LinesParsed int `json:"lines_parsed"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Command != "logs" || doc.Verdict != "fail" || !strings.Contains(doc.Summary, "1 failure pattern in 100 lines") {
		t.Errorf("head %+v", doc)
	}
	if len(doc.Findings) != 2 || len(doc.Patterns) != 2 || doc.LinesRead != 100 || doc.LinesParsed != 100 {
		t.Fatalf("findings %+v, patterns %+v", doc.Findings, doc.Patterns)
	}
	f := doc.Findings[0]
	if f.Cause != "attack.brute-force" || f.Check != "logs.attacks" || f.Title == "" || f.Detail != "1 source(s) tried passwords" ||
		!strings.HasSuffix(f.Doc, "docs/causes.md#attack.brute-force") || len(f.Fixes["owner"]) == 0 || len(f.Evidence) != 2 || !strings.Contains(f.Evidence[1], "source 203.0.113.10") {
		t.Errorf("finding %+v", f)
	}
	r := sample()
	r.Findings = r.Findings[1:]
	b.Reset()
	JSON(&b, r)
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || doc.Verdict != "ok" {
		t.Errorf("only round trips: verdict %q, %v", doc.Verdict, err)
	}
}
