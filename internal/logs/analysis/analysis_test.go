package analysis

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/logs"
	"github.com/why401/why401/internal/logs/loggen"
)

var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// clf formats one combined line at t0+sec.
func clf(sec float64, ip, user, method, path string, status int, ua string) string {
	if user == "" {
		user = "-"
	}
	t := t0.Add(time.Duration(sec * float64(time.Second)))
	return fmt.Sprintf("%s - %s [%s] \"%s %s HTTP/1.1\" %d 100 \"-\" \"%s\"\n", ip, user, t.Format("02/Jan/2006:15:04:05 -0700"), method, path, status, ua)
}

func source(name, text string) Source {
	return Source{Input: &logs.Input{Name: name, R: strings.NewReader(text), Read: new(atomic.Int64)}, Format: logs.Format{Kind: logs.KindCombined}}
}

func analyse(t *testing.T, texts ...string) *Result {
	t.Helper()
	var srcs []Source
	for i, s := range texts {
		srcs = append(srcs, source(fmt.Sprintf("log%d", i+1), s))
	}
	res, err := Run(context.Background(), srcs, Config{}, 4096)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func causes(r *Result) map[catalog.ID]*Finding {
	m := map[catalog.ID]*Finding{}
	for i := range r.Findings {
		if _, ok := m[r.Findings[i].Cause]; !ok {
			m[r.Findings[i].Cause] = &r.Findings[i]
		}
	}
	return m
}

func background(b *strings.Builder, from, to float64) {
	// Normal traffic: many visitors, pages and assets, all 200.
	i := 0
	for s := from; s < to; s += 0.5 {
		i++
		fmt.Fprint(b, clf(s, fmt.Sprintf("10.0.%d.%d", i%50, i%200), "", "GET", fmt.Sprintf("/page/%d", i%30), 200, "Mozilla/5.0"))
	}
}

func TestChallengeRoundTripIsNotAFailure(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 50; i++ {
		s := float64(i * 10)
		ip := fmt.Sprintf("10.9.0.%d", i)
		b.WriteString(clf(s, ip, "", "GET", "/admin/", 401, "Mozilla/5.0"))
		b.WriteString(clf(s+1, ip, "alice", "GET", "/admin/", 200, "Mozilla/5.0"))
	}
	// A 401 whose success comes too late, and one answered on another path.
	b.WriteString(clf(600, "10.9.1.1", "", "GET", "/admin/", 401, "curl"))
	b.WriteString(clf(620, "10.9.1.1", "bob", "GET", "/admin/", 200, "curl"))
	b.WriteString(clf(700, "10.9.1.2", "", "GET", "/admin/", 401, "curl"))
	b.WriteString(clf(701, "10.9.1.2", "", "GET", "/", 200, "curl"))
	r := analyse(t, b.String())
	if r.Challenges != 50 || r.Failures[401] != 2 {
		t.Errorf("challenges %d, 401 failures %d; want 50, 2", r.Challenges, r.Failures[401])
	}
	c := causes(r)
	if c[catalog.NoiseChallenge] == nil || c[catalog.NoiseChallenge].Count != 50 {
		t.Errorf("no noise.challenge finding of 50: %+v", r.Findings)
	}
	if r.Verdict != "ok" {
		t.Errorf("verdict %q, want ok (round trips are not failures): %+v", r.Verdict, r.Findings)
	}
}

func TestBruteForceAndStuffing(t *testing.T) {
	var b strings.Builder
	background(&b, 0, 1200)
	for i := 0; i < 120; i++ {
		b.WriteString(clf(float64(100+i*2), "203.0.113.10", "admin", "POST", "/wp-login.php", 401, "python-requests/2.31"))
		b.WriteString(clf(float64(101+i*3), "198.51.100.23", fmt.Sprintf("user%d", i), "GET", "/admin/", 401, "Mozilla/5.0"))
	}
	r := analyse(t, sortLines(b.String()))
	c := causes(r)
	bf := c[catalog.AttackBruteForce]
	if bf == nil || len(bf.Sources) != 1 || bf.Sources[0] != "203.0.113.10" || bf.Count != 120 {
		t.Errorf("brute force: %+v", bf)
	}
	cs := c[catalog.AttackCredentialStuffing]
	if cs == nil || len(cs.Sources) != 1 || cs.Sources[0] != "198.51.100.23" {
		t.Errorf("stuffing: %+v", cs)
	}
	if len(r.BanList) != 2 {
		t.Errorf("ban list %q", r.BanList)
	}
	if c[catalog.Spike401] != nil {
		t.Errorf("spike reported for attacks: %+v", c[catalog.Spike401])
	}
}

func TestSprayAndLockout(t *testing.T) {
	var b strings.Builder
	background(&b, 0, 3600)
	for i := 0; i < 60; i++ {
		for j := 0; j < 2; j++ {
			b.WriteString(clf(float64(60+i*50+j*7), fmt.Sprintf("192.0.2.%d", i+1), fmt.Sprintf("u%d", i*2+j), "POST", "/api/auth/login", 401, "Mozilla/5.0"))
		}
	}
	for i := 0; i < 200; i++ {
		b.WriteString(clf(float64(2000+i), fmt.Sprintf("10.7.0.%d", i%40), "", "POST", "/api/auth/login", 429, "app/1.0"))
	}
	r := analyse(t, sortLines(b.String()))
	c := causes(r)
	sp := c[catalog.AttackSpray]
	if sp == nil || len(sp.Sources) != 60 || sp.Count != 120 {
		t.Errorf("spray: %+v", sp)
	}
	lo := c[catalog.RateLimitLockout]
	if lo == nil || lo.Count != 200 || !lo.From.Equal(t0.Add(2000*time.Second).Truncate(time.Minute)) {
		t.Fatalf("lockout: %+v", lo)
	}
	// The rows are waves (a start time in the first column); the clients
	// locked out most are named in the title, not as rows under the
	// wave columns.
	if len(lo.Rows) != 1 || !strings.HasPrefix(lo.Rows[0][0], "2026-05-04 10:33") || !strings.Contains(lo.Title, "most to 10.7.0.") {
		t.Errorf("lockout rows %q, title %q", lo.Rows, lo.Title)
	}
	for _, s := range r.BanList {
		if strings.HasPrefix(s, "10.7.") {
			t.Errorf("locked-out client %s in the ban list", s)
		}
	}
}

func TestExpiredTokenStaticCrawlerSpike(t *testing.T) {
	var b strings.Builder
	background(&b, 0, 7200)
	// A client that worked, then only failed to the end.
	for s := 0; s < 7200; s += 30 {
		st := 200
		if s >= 5000 {
			st = 401
		}
		b.WriteString(clf(float64(s), "100.70.1.11", "", "GET", "/api/v1/sync", st, "acme-mobile/5.1"))
	}
	// A client that failed for a while and recovered: not expired.
	for s := 0; s < 7200; s += 30 {
		st := 200
		if s >= 3000 && s < 3600 {
			st = 401
		}
		b.WriteString(clf(float64(s+1), "100.70.1.12", "", "GET", "/api/v1/sync", st, "acme-mobile/5.1"))
	}
	// A client that worked, then met six forbidden answers in the same
	// second and the log ended: a burst, no credential that ran out.
	for i := 0; i < 6; i++ {
		b.WriteString(clf(7190, "100.70.1.13", "", "GET", "/", 200, "browser/1"))
	}
	for i := 0; i < 6; i++ {
		b.WriteString(clf(7190, "100.70.1.13", "", "GET", "/forbidden", 403, "browser/1"))
	}
	for i := 0; i < 40; i++ {
		b.WriteString(clf(float64(i*150), fmt.Sprintf("10.8.0.%d", i), "", "GET", "/portal/assets/app.css", 401, "Mozilla/5.0"))
		b.WriteString(clf(float64(i*150+3), "66.249.66.1", "", "GET", fmt.Sprintf("/members/%d", i%5), 401, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"))
	}
	// A spike: 10 minutes in which many clients get 401.
	for s := 4000; s < 4600; s++ {
		b.WriteString(clf(float64(s), fmt.Sprintf("10.6.%d.%d", s%7, s%97), "", "GET", fmt.Sprintf("/api/v2/x/%d", s), 401, "sdk/3"))
	}
	r := analyse(t, sortLines(b.String()))
	c := causes(r)
	ex := c[catalog.TokenExpired]
	if ex == nil || len(ex.Rows) != 1 || ex.Rows[0][0] != "100.70.1.11" {
		t.Errorf("token.expired: %+v", ex)
	}
	var static, crawler *Finding
	for i, f := range r.Findings {
		if f.Cause == catalog.ServerAuthScope && strings.Contains(f.Title, "static") {
			static = &r.Findings[i]
		}
		if f.Cause == catalog.ServerAuthScope && strings.Contains(f.Title, "crawlers") {
			crawler = &r.Findings[i]
		}
	}
	if static == nil || static.Count != 40 || static.Rows[0][0] != "/portal/assets/app.css" {
		t.Errorf("static: %+v", static)
	}
	if crawler == nil || crawler.Count != 40 || crawler.Rows[0][0] != "Googlebot" || len(crawler.Rows) != 5 {
		t.Errorf("crawler: %+v", crawler)
	}
	sp := c[catalog.Spike401]
	if sp == nil || !sp.From.Equal(t0.Add(4000*time.Second).Truncate(time.Minute)) {
		t.Errorf("spike: %+v", sp)
	}
	if c[catalog.AttackBruteForce] != nil {
		t.Errorf("brute force invented: %+v", c[catalog.AttackBruteForce])
	}
}

func TestIISSubStatuses(t *testing.T) {
	log := `#Software: Microsoft Internet Information Services 10.0
#Fields: date time c-ip cs-username cs-method cs-uri-stem sc-status sc-substatus
2026-05-04 10:00:00 192.168.1.20 - GET /a 401 2
2026-05-04 10:00:01 192.168.1.20 CONTOSO\jdoe GET /a 401 1
2026-05-04 10:00:30 192.168.1.21 CONTOSO\amy GET /r 401 3
2026-05-04 10:01:00 192.168.1.22 - GET /r 401 503
`
	src := Source{Input: &logs.Input{Name: "u_ex260504.log", R: strings.NewReader(log), Read: new(atomic.Int64)}, Format: logs.Format{Kind: logs.KindW3C}}
	r, err := Run(context.Background(), []Source{src}, Config{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := causes(r)
	for _, id := range []catalog.ID{catalog.CredentialsRejected, catalog.ServerACL, catalog.IPDenied} {
		if c[id] == nil || c[id].Count != 1 {
			t.Errorf("%s: %+v", id, c[id])
		}
	}
	// 401.2 followed by 401.1 is the Negotiate/NTLM handshake failing, not
	// a round trip: both count.
	if r.Failures[401] != 4 || r.SubStatus[2] != 1 {
		t.Errorf("failures %v, sub-statuses %v", r.Failures, r.SubStatus)
	}
}

func TestMergeInTimeOrderAndBadLines(t *testing.T) {
	// Two servers' logs, interleaved in time; the round trip spans files.
	a := clf(0, "10.1.1.1", "", "GET", "/admin/", 401, "x") + "garbage line\n" + clf(10, "10.1.1.2", "", "GET", "/", 200, "x")
	b := clf(2, "10.1.1.1", "al", "GET", "/admin/", 200, "x") + clf(4, "10.1.1.3", "", "GET", "/", 200, "x") + "\n" + `1.2.3.4 - - [bad time] "GET / HTTP/1.1" 200 1` + "\n"
	r := analyse(t, a, b)
	if r.Challenges != 1 || r.Failures[401] != 0 {
		t.Errorf("challenges %d, failures %v: the files were not merged in time order", r.Challenges, r.Failures)
	}
	if r.Malformed != 2 || len(r.BadExamples) != 2 {
		t.Fatalf("malformed %d, examples %+v", r.Malformed, r.BadExamples)
	}
	if e := r.BadExamples[0]; e.File != "log1" || e.Line != 2 {
		t.Errorf("first example at %s:%d, want log1:2", e.File, e.Line)
	}
	if e := r.BadExamples[1]; e.File != "log2" || e.Line != 4 {
		t.Errorf("second example at %s:%d, want log2:4", e.File, e.Line)
	}
	if r.Lines != 4 {
		t.Errorf("lines %d, want 4", r.Lines)
	}
}

func TestGeneratedLogGroundTruth(t *testing.T) {
	size := int64(40 << 20)
	if testing.Short() {
		size = 6 << 20
	}
	var buf bytes.Buffer
	truth, err := loggen.Write(&buf, size, 401)
	if err != nil {
		t.Fatal(err)
	}
	src := Source{Input: &logs.Input{Name: "gen.log", R: &buf, Read: new(atomic.Int64)}, Format: logs.Format{Kind: logs.KindCombined}}
	r, err := Run(context.Background(), []Source{src}, Config{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Lines != truth.Lines || r.Malformed != 0 {
		t.Errorf("lines %d (malformed %d), generated %d", r.Lines, r.Malformed, truth.Lines)
	}
	want := map[catalog.ID]loggen.Episode{}
	for _, e := range truth.Episodes {
		want[catalog.ID(e.Cause)] = e
	}
	got := causes(r)
	for id, e := range want {
		f := got[id]
		if f == nil {
			t.Errorf("episode %s (%s) not found", id, e.Note)
			continue
		}
		// The finding's window must overlap the episode's.
		if f.To.Before(e.From.Add(-2*time.Minute)) || f.From.After(e.To.Add(2*time.Minute)) {
			t.Errorf("%s: found %v–%v, planted %v–%v", id, f.From, f.To, e.From, e.To)
		}
		if len(e.Sources) > 0 && id != catalog.TokenExpired {
			found := map[string]bool{}
			for _, s := range f.Sources {
				found[s] = true
			}
			for _, s := range e.Sources {
				if !found[s] {
					t.Errorf("%s: source %s missing", id, s)
				}
			}
			if len(f.Sources) != len(e.Sources) {
				t.Errorf("%s: %d sources, planted %d", id, len(f.Sources), len(e.Sources))
			}
		}
	}
	for id, f := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("invented finding %s: %s", id, f.Title)
		}
	}
}

// sortLines orders combined lines by their time stamp (stable).
func sortLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	key := func(l string) int64 {
		i := strings.IndexByte(l, '[')
		if i < 0 || len(l) < i+27 {
			return 0
		}
		t, _ := time.Parse("02/Jan/2006:15:04:05 -0700", l[i+1:i+27])
		return t.Unix()
	}
	type kl struct {
		k int64
		l string
	}
	var ks []kl
	for _, l := range lines {
		if l != "" {
			ks = append(ks, kl{key(l), l})
		}
	}
	for i := 1; i < len(ks); i++ { // insertion sort is fine: nearly sorted
		for j := i; j > 0 && ks[j].k < ks[j-1].k; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	var b strings.Builder
	for _, x := range ks {
		b.WriteString(x.l)
	}
	return b.String()
}

var _ = io.EOF

func TestStrayTimeStampsCostNothing(t *testing.T) {
	var b strings.Builder
	b.WriteString(`10.0.0.1 - - [01/Jan/1971:00:00:00 +0000] "GET / HTTP/1.1" 401 1 "-" "x"` + "\n")
	background(&b, 0, 600)
	b.WriteString(`10.0.0.1 - - [31/Dec/9999:23:59:59 +0000] "GET / HTTP/1.1" 429 1 "-" "x"` + "\n")
	start := time.Now()
	r := analyse(t, b.String())
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if len(r.Timeline) > 722 || r.Lines != 1202 {
		t.Errorf("%d buckets, %d lines", len(r.Timeline), r.Lines)
	}
}

func FuzzRun(f *testing.F) {
	f.Add(clf(0, "10.0.0.1", "", "GET", "/admin/", 401, "x") + clf(1, "10.0.0.1", "a", "GET", "/admin/", 200, "x"))
	f.Add(`10.0.0.1 - - [01/Jan/1971:00:00:00 +0000] "GET / HTTP/1.1" 401 1 "-" "x"` + "\n" + `10.0.0.1 - - [31/Dec/9999:23:59:59 +0000] "GET / HTTP/1.1" 429 1 "-" "x"`)
	f.Add("garbage\n\n\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		src := source("fuzz", text)
		r, err := Run(context.Background(), []Source{src}, Config{ClientSlots: 1024, TopK: 64}, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if r.Lines+r.Malformed > int64(strings.Count(text, "\n")+1) {
			t.Fatalf("%d lines and %d malformed from %d lines", r.Lines, r.Malformed, strings.Count(text, "\n")+1)
		}
		if len(r.Timeline) > 722 {
			t.Fatalf("%d buckets", len(r.Timeline))
		}
	})
}

// TestRoundTripsLoggedAheadOfTheirSuccesses: Apache's threads write a
// request's line after sending its answer, so under load one client's
// challenges and logins come out bunched, all in the same second: here
// five 401s ahead of the five successes that answer them, then a success
// ahead of its 401. Each is still a round trip, and the guesses of another
// client in the same second stay failures.
func TestRoundTripsLoggedAheadOfTheirSuccesses(t *testing.T) {
	var b strings.Builder
	ip := "127.0.0.1"
	b.WriteString(clf(5, ip, "", "GET", "/private/", 401, "browser-sim/1.0"))
	b.WriteString(clf(5, ip, "alice", "GET", "/private/", 200, "browser-sim/1.0"))
	for i := 0; i < 5; i++ {
		b.WriteString(clf(5, ip, "", "GET", "/private/", 401, "browser-sim/1.0"))
	}
	for i := 0; i < 5; i++ {
		b.WriteString(clf(5, ip, "alice", "GET", "/private/", 200, "browser-sim/1.0"))
	}
	b.WriteString(clf(5, ip, "alice", "GET", "/private/", 200, "browser-sim/1.0"))
	b.WriteString(clf(5, ip, "", "GET", "/private/", 401, "browser-sim/1.0"))
	for i := 0; i < 8; i++ {
		b.WriteString(clf(5, "127.0.0.2", "alice", "GET", "/private/", 401, "python-requests/2.31.0"))
	}
	r := analyse(t, b.String())
	if r.Challenges != 7 || r.Failures[401] != 8 {
		t.Errorf("round trips %d, 401 failures %d; want 7 and 8", r.Challenges, r.Failures[401])
	}
	if bf := causes(r)[catalog.AttackBruteForce]; bf == nil || len(bf.Sources) != 1 || bf.Sources[0] != "127.0.0.2" {
		t.Errorf("brute force: %+v", r.Findings)
	}
}
