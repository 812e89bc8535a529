package analysis

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
)

// Result is everything one analysis found; renderers only render it.
type Result struct {
	Files []FileStat `json:"files"`
	// LinesRead counts every line read (blank lines, directives and
	// malformed lines too); LinesParsed, also written as "lines" for
	// readers of earlier versions, counts the access-log records.
	LinesRead   int64 `json:"lines_read"`
	LinesParsed int64 `json:"lines_parsed"`
	Lines       int64 `json:"lines"`
	Bytes       int64 `json:"bytes"`
	Malformed   int64 `json:"malformed"`
	// OutOfOrder counts records older than a record before them: the
	// analysis sorts them into time order per block of the input and
	// judges round trips and windows by time, so it says how many there
	// were.
	OutOfOrder int64 `json:"out_of_order"`
	// FormFailures counts login forms answered again with 200 (failed
	// WordPress logins), authentication failures that are no 4xx.
	FormFailures int64         `json:"login_form_failures"`
	BadExamples  []badExample  `json:"malformed_examples,omitempty"`
	From         time.Time     `json:"from"`
	To           time.Time     `json:"to"`
	Failures     map[int]int64 `json:"failures"` // by status, challenge round trips excluded
	// Challenges counts 401s that were challenge round trips.
	Challenges int64    `json:"challenge_round_trips"`
	Step       int      `json:"timeline_step_minutes"`
	Timeline   []Bucket `json:"timeline"`
	// Patterns are what the analysis found, most failures first, with
	// their evidence tables; the document's findings (Diagnosis) are
	// made from them.
	Findings []Finding `json:"patterns"`
	Tables   []Table   `json:"tables"`
	BanList  []string  `json:"ban_list"`
	Verdict  string    `json:"-"` // "ok" or "findings"
	// Counters are the failures by status, cause and path class, as
	// --metrics exports them. A failure's cause is the one its own line
	// shows (sub-status, 429, static asset, crawler, 403, 407) or the
	// attack its source was found in by an earlier result; "" otherwise.
	Counters []Counter `json:"counters"`
	// SubStatuses are the IIS sub-statuses (sc-substatus) of the 401s
	// and 403s, each named; SubStatus holds the 401 ones by number, as
	// earlier versions wrote them.
	SubStatuses []SubStatus   `json:"iis_substatus,omitempty"`
	SubStatus   map[int]int64 `json:"iis_401_substatus,omitempty"`
	// Software names the servers the log formats belong to, when a
	// format is one server's own (catalog fix tags); it selects fixes.
	Software []string `json:"-"`
}

// Counter is one failure count by status, cause and path class.
type Counter struct {
	Status    int        `json:"status"`
	Cause     catalog.ID `json:"cause,omitempty"`
	PathClass string     `json:"path_class"`
	Count     int64      `json:"count"`
}

// FileStat is one input's line counts: LinesRead (also written as
// "lines" for readers of earlier versions) counts every line,
// LinesParsed the access-log records. Format is the format its lines were
// read in, as --format names it (detected or given).
type FileStat struct {
	Name        string `json:"name"`
	Format      string `json:"format,omitempty"`
	LinesRead   int    `json:"lines_read"`
	LinesParsed int    `json:"lines_parsed"`
	Lines       int    `json:"lines"`
}

// Bucket is one step of the timeline.
type Bucket struct {
	Start   time.Time `json:"start"`
	Total   int64     `json:"requests"`
	F401    int64     `json:"401"`
	F403    int64     `json:"403"`
	F407    int64     `json:"407"`
	F429    int64     `json:"429"`
	Noise   int64     `json:"challenges"`
	Lockout int64     `json:"lockouts"`
}

// Finding is one diagnosed pattern with its evidence rows.
type Finding struct {
	Cause      catalog.ID `json:"cause"`
	Title      string     `json:"title"`
	Confidence float64    `json:"confidence"`
	From       time.Time  `json:"from"`
	To         time.Time  `json:"to"`
	Count      int64      `json:"count"`
	Columns    []string   `json:"columns"`
	Rows       [][]string `json:"rows"`
	// Sources are the client addresses behind an attack; Bans are those
	// of them that broke fail2ban's rule (Config.Threshold within
	// Config.Window), which --ban-list prints.
	Sources []string `json:"sources,omitempty"`
	Bans    []string `json:"-"`
	// Key identifies the finding across follow-mode rounds.
	Key string `json:"-"`
}

// Table is a top-N table among failures.
type Table struct {
	Title   string     `json:"title"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

func ms(t int64) time.Time { return time.UnixMilli(t).UTC() }

func hhmm(t int64) string { return ms(t).Format("2006-01-02 15:04") }

func hms(t int64) string { return ms(t).Format("2006-01-02 15:04:05") }

func n(v int64) string { return strconv.FormatInt(v, 10) }

// plural writes "1 source" or "3 sources".
func plural(v int, one, many string) string {
	if v == 1 {
		return "1 " + one
	}
	return strconv.Itoa(v) + " " + many
}

// dur writes a window as people say it: "10 min", "1h", "90s".
func dur(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return d.String()
}

// finish flushes pending state and builds the result.
func (a *analyzer) finish() *Result {
	a.flush(0)
	return a.result()
}

// result builds the result from the current state without changing it
// (pending 401s stay pending), so follow mode can ask again later.
func (a *analyzer) result() *Result {
	cfg := a.cfg
	r := &Result{
		Lines: a.lines, Bytes: a.bytes, Malformed: a.bad, BadExamples: a.examples,
		Failures: map[int]int64{}, Challenges: a.noise, BanList: []string{},
	}
	for _, f := range a.fileOrder {
		r.Files = append(r.Files, FileStat{Name: f, Format: a.formats[f], LinesRead: a.files[f], LinesParsed: a.parsed[f], Lines: a.files[f]})
		r.LinesRead += int64(a.files[f])
	}
	r.LinesParsed = a.lines
	r.OutOfOrder = a.unordered
	r.FormFailures = a.formFails
	for k, v := range a.status {
		r.Failures[k] = v
	}
	r.SubStatuses = a.subStatuses()
	for _, s := range r.SubStatuses {
		if s.Status == 401 {
			if r.SubStatus == nil {
				r.SubStatus = map[int]int64{}
			}
			r.SubStatus[s.SubStatus] = s.Count
		}
	}
	r.Step, r.Timeline = a.timeline()
	if a.lines > 0 && a.last != 0 {
		r.From, r.To = ms(a.first), ms(a.last)
	} else {
		// No line has a time (uvicorn's access log): no dates to show and
		// no timeline, rather than 1970.
		r.Timeline = []Bucket{}
	}

	var fs []Finding
	expiredIPs := map[uint64]bool{}
	expired := a.expiredFindings(expiredIPs)
	attackIPs := map[uint64]bool{}
	fs = append(fs, a.attacks(attackIPs, expiredIPs)...)
	fs = append(fs, expired...)
	fs = append(fs, a.spikes(attackIPs)...)
	fs = append(fs, a.staticFinding()...)
	fs = append(fs, a.crawlerFinding()...)
	fs = append(fs, a.lockoutFinding()...)
	fs = append(fs, a.subStatusFindings()...)
	if c := a.status[407]; c >= 10 {
		fs = append(fs, Finding{Cause: catalog.ProxyAuthRequired, Title: fmt.Sprintf("%d responses were 407 Proxy Authentication Required", c),
			Confidence: 0.7, From: r.From, To: r.To, Count: c, Key: "407"})
	}
	if a.noise > 0 {
		fs = append(fs, Finding{Cause: catalog.NoiseChallenge, Confidence: 0.9, From: r.From, To: r.To, Count: a.noise, Key: "noise",
			Title: fmt.Sprintf("%s followed within %s by a success from the same client: the normal challenge round trip, not counted as failures", plural(int(a.noise), "401 was", "401s were"), cfg.ChallengeWindow)})
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if (fs[i].Cause == catalog.NoiseChallenge) != (fs[j].Cause == catalog.NoiseChallenge) {
			return fs[j].Cause == catalog.NoiseChallenge
		}
		return fs[i].Count > fs[j].Count
	})
	r.Findings = fs
	r.Verdict = "ok"
	ban := map[string]bool{}
	for _, f := range fs {
		if f.Cause != catalog.NoiseChallenge {
			r.Verdict = "findings"
		}
		for _, s := range f.Bans {
			if !ban[s] {
				ban[s] = true
				r.BanList = append(r.BanList, s)
			}
		}
	}
	sort.Strings(r.BanList)
	r.Tables = a.tables()
	a.flagged = map[uint64]catalog.ID{}
	for _, f := range fs {
		switch f.Cause {
		case catalog.AttackBruteForce, catalog.AttackCredentialStuffing, catalog.AttackSpray:
			for _, s := range f.Sources {
				a.flagged[hashString(s)] = f.Cause
			}
		}
	}
	for k, v := range a.counters {
		r.Counters = append(r.Counters, Counter{Status: k.status, Cause: k.cause, PathClass: k.class, Count: v})
	}
	sort.Slice(r.Counters, func(i, j int) bool {
		x, y := r.Counters[i], r.Counters[j]
		if x.Status != y.Status {
			return x.Status < y.Status
		}
		if x.Cause != y.Cause {
			return x.Cause < y.Cause
		}
		return x.PathClass < y.PathClass
	})
	return r
}

// sortedMinutes returns the minutes that saw requests, in order. Loops
// walk these rather than every minute between the first and the last, so
// a stray time stamp years away costs nothing.
func (a *analyzer) sortedMinutes() []int64 {
	keys := make([]int64, 0, len(a.minutes))
	for m := range a.minutes {
		keys = append(keys, m)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// timeline buckets the minutes so there are at most about 720 buckets.
func (a *analyzer) timeline() (int, []Bucket) {
	keys := a.sortedMinutes()
	if len(keys) == 0 {
		return 1, nil
	}
	first, last := keys[0], keys[len(keys)-1]
	span := last - first + 1
	step := int64(0)
	for _, s := range []int64{1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440, 10080} {
		if span/s <= 720 {
			step = s
			break
		}
	}
	if step == 0 { // more than 720 weeks: whole weeks
		step = (span + 720*10080 - 1) / (720 * 10080) * 10080
	}
	start := first - first%step
	n := (last-start)/step + 1
	out := make([]Bucket, n)
	for i := range out {
		out[i].Start = ms((start + int64(i)*step) * 60000)
	}
	for _, k := range keys {
		st := a.minutes[k]
		b := &out[(k-start)/step]
		b.Total += st.total
		b.F401 += st.f401
		b.F403 += st.f403
		b.F407 += st.f407
		b.F429 += st.f429
		b.Noise += st.noise
		b.Lockout += st.lockout
	}
	return int(step), out
}

// spikes finds minutes whose 401s rise far above a rolling baseline (an
// exponentially weighted mean over about 30 minutes, fed only by
// non-spike minutes) and groups them into episodes.
//
// The 401s of attack sources (per minute, from each minute's heaviest
// sources) are left out first: an attack is reported as such.
func (a *analyzer) spikes(attack map[uint64]bool) []Finding {
	if a.lines == 0 {
		return nil
	}
	cfg := a.cfg
	keys := a.sortedMinutes()
	if len(keys) == 0 {
		return nil
	}
	first := keys[0]
	count := func(m int64) int64 {
		st := a.minutes[m]
		if st == nil {
			return 0
		}
		c := st.f401
		for _, h := range st.heavy {
			if h.n > 0 && attack[h.ip] {
				c -= h.n
			}
		}
		return max(c, 0)
	}
	// Warm up on the median of the first 30 minutes (minutes without
	// requests count as zero).
	warm := make([]int64, min(30, keys[len(keys)-1]-first+1))
	for _, m := range keys {
		if m >= first+int64(len(warm)) {
			break
		}
		warm[m-first] = count(m)
	}
	sort.Slice(warm, func(i, j int) bool { return warm[i] < warm[j] })
	base := float64(warm[len(warm)/2])
	type episode struct {
		start, end  int64
		total, peak int64
		peakAt      int64
		base        float64
		ips         distinct
	}
	var eps []*episode
	var cur *episode
	prev := first - 1
	for _, m := range keys {
		if gap := m - prev - 1; gap > 0 {
			// Minutes without requests: zeros for the baseline.
			base *= math.Pow(29.0/30, float64(min(gap, 1<<20)))
		}
		prev = m
		c := count(m)
		thr := max(float64(cfg.SpikeMin), cfg.SpikeFactor*max(base, 1))
		if float64(c) >= thr {
			if cur == nil || m-cur.end > 2 {
				cur = &episode{start: m, base: base, ips: newDistinct(4)}
				eps = append(eps, cur)
			}
			cur.end = m
			cur.total += c
			if c > cur.peak {
				cur.peak, cur.peakAt = c, m
			}
			if st := a.minutes[m]; st != nil {
				for i, w := range st.ips {
					cur.ips.bits[i] |= w
				}
			}
			continue
		}
		base += (float64(c) - base) / 30
	}
	var out []Finding
	for _, e := range eps {
		if e.ips.Estimate() <= 3 {
			continue // one or two sources: an attack, reported as such
		}
		f := Finding{
			Cause:      catalog.Spike401,
			Confidence: 0.8,
			From:       ms(e.start * 60000),
			To:         ms((e.end+1)*60000 - 1),
			Count:      e.total,
			Key:        "spike " + n(e.start),
			Title: fmt.Sprintf("401s rose to %d a minute from %s UTC (baseline %.1f a minute), about %d sources",
				e.peak, hhmm(e.start*60000), e.base, e.ips.Estimate()),
			Columns: []string{"minute (UTC)", "401s"},
		}
		for m := e.start; m <= e.end && len(f.Rows) < cfg.Rows; m++ {
			f.Rows = append(f.Rows, []string{hhmm(m * 60000), n(count(m))})
		}
		out = append(out, f)
	}
	return out
}

// attacks finds brute force, credential stuffing and spray; attack IPs
// are marked in seen.
func (a *analyzer) attacks(seen, expired map[uint64]bool) []Finding {
	cfg := a.cfg
	var brute, stuff []*item[*ipStats]
	for _, it := range a.ips.Top(-1) {
		s := it.V
		fails := it.Count - it.Err
		// fail2ban's rule: Threshold authentication failures within
		// Window. Left out: sources whose failures are mostly 403 or 429
		// (no password guessing), clients with at least as many successes
		// as failures (a working client having a bad moment, such as the
		// clients of a 401 spike), clients whose token ran out and search
		// crawlers (reported as server.auth-scope: banning them drops the
		// site from search). Failures from one source within the window
		// are what fail2ban counts, so --ban-list holds exactly these.
		if s == nil || s.reached == 0 || expired[it.Key] || s.crawler || s.s401+s.form < fails/2 || s.succ >= fails {
			continue
		}
		// A new path with nearly every failure is a scan for files
		// (/.env, /.git, ...), not password guessing; no cause here.
		if fails >= 4 && int64(s.paths.Estimate()) >= fails*3/4 {
			continue
		}
		seen[it.Key] = true
		if s.users.Estimate() >= cfg.Stuffing {
			stuff = append(stuff, it)
		} else {
			brute = append(brute, it)
		}
	}
	var out []Finding
	ipRows := func(items []*item[*ipStats]) Finding {
		f := Finding{Columns: []string{"source", "failures", "user names", "successes", "main path", fmt.Sprintf("%d in %s at (UTC)", cfg.Threshold, dur(cfg.Window)), "first (UTC)", "last (UTC)"}}
		for i, it := range items {
			s := it.V
			if i == 0 || s.first < f.From.UnixMilli() {
				f.From = ms(s.first)
			}
			if s.last > f.To.UnixMilli() {
				f.To = ms(s.last)
			}
			f.Count += it.Count - it.Err
			f.Sources = append(f.Sources, it.Label)
			f.Bans = append(f.Bans, it.Label)
			if len(f.Rows) < cfg.Rows {
				f.Rows = append(f.Rows, []string{it.Label, n(it.Count - it.Err), strconv.Itoa(s.users.Estimate()), n(s.succ), s.topPath, hms(s.reached), hms(s.first), hms(s.last)})
			}
		}
		return f
	}
	rule := fmt.Sprintf("at least %d authentication failures within %s", cfg.Threshold, dur(cfg.Window))
	if len(brute) > 0 {
		f := ipRows(brute)
		f.Cause, f.Confidence, f.Key = catalog.AttackBruteForce, finding.Strong-0.05, "brute"
		f.Title = fmt.Sprintf("%s tried passwords again and again (%s): %s, few or no successes",
			plural(len(brute), "source", "sources"), rule, plural(int(f.Count), "failure", "failures"))
		out = append(out, f)
	}
	if len(stuff) > 0 {
		f := ipRows(stuff)
		f.Cause, f.Confidence, f.Key = catalog.AttackCredentialStuffing, finding.Strong-0.05, "stuffing"
		f.Title = fmt.Sprintf("%s tried many different user names (%s, %d or more names): %s",
			plural(len(stuff), "source", "sources"), rule, cfg.Stuffing, plural(int(f.Count), "failure", "failures"))
		out = append(out, f)
	}
	// Spray: one login path, many sources, a few failures each.
	keys := make([]uint64, 0, len(a.logins))
	for k := range a.logins {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return a.logins[keys[i]].label < a.logins[keys[j]].label })
	for _, k := range keys {
		lp := a.logins[k]
		var srcs []*sprayer
		var fails int64
		for ipk, sp := range lp.sources {
			if sp.n <= 10 && !seen[ipk] && !expired[ipk] {
				srcs = append(srcs, sp)
				fails += sp.n
			}
		}
		if len(srcs) < cfg.SpraySources || fails < int64(2*cfg.SpraySources) || float64(fails)/float64(len(srcs)) > 5 {
			continue
		}
		sort.Slice(srcs, func(i, j int) bool {
			if srcs[i].n != srcs[j].n {
				return srcs[i].n > srcs[j].n
			}
			return srcs[i].ip < srcs[j].ip
		})
		more := ""
		if lp.full {
			more = " or more"
		}
		f := Finding{Cause: catalog.AttackSpray, Confidence: 0.75, From: ms(lp.first), To: ms(lp.last), Count: fails, Key: "spray " + lp.label,
			Title:   fmt.Sprintf("%d%s sources failed on %s a few times each (%d failures, about %d user names)", len(srcs), more, lp.label, fails, lp.users.Estimate()),
			Columns: []string{"source", "failures", "last user", "first (UTC)"}}
		for _, sp := range srcs {
			f.Sources = append(f.Sources, sp.ip)
			if len(f.Rows) < cfg.Rows {
				f.Rows = append(f.Rows, []string{sp.ip, n(sp.n), sp.user, hhmm(sp.first)})
			}
		}
		for ipk := range lp.sources {
			if lp.sources[ipk].n <= 10 {
				seen[ipk] = true
			}
		}
		out = append(out, f)
	}
	return out
}

// expiredFindings reports token.expired and marks the clients' addresses
// in ips.
func (a *analyzer) expiredFindings(ips map[uint64]bool) []Finding {
	var list []*expiredClient
	for _, e := range a.expired {
		s := &a.clients[e.slot]
		// Failures that stop within the challenge window of the last
		// success are a burst (a page's forbidden links, a rate limit),
		// not a credential that ran out and is retried.
		if s.key != e.key || s.failsSince < uint32(a.cfg.ExpiredFailures) || e.lastAt-e.lastSuccess <= a.window {
			continue
		}
		list = append(list, e)
		ips[e.ipKey] = true
	}
	if len(list) == 0 {
		return nil
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].fails != list[j].fails {
			return list[i].fails > list[j].fails
		}
		return list[i].ip < list[j].ip
	})
	f := Finding{Cause: catalog.TokenExpired, Confidence: 0.7, Key: "expired",
		Columns: []string{"client", "user agent", "user", "successes", "last success (UTC)", "failing since (UTC)", "failures since"}}
	for i, e := range list {
		if i == 0 || e.firstAt < f.From.UnixMilli() {
			f.From = ms(e.firstAt)
		}
		if e.lastAt > f.To.UnixMilli() {
			f.To = ms(e.lastAt)
		}
		f.Count += int64(e.fails)
		if len(f.Rows) < a.cfg.Rows {
			f.Rows = append(f.Rows, []string{e.ip, e.ua, e.user, strconv.Itoa(int(e.succ)), hhmm(e.lastSuccess), hhmm(e.firstAt), strconv.Itoa(int(e.fails))})
		}
	}
	f.Title = fmt.Sprintf("%s had successes, then only failures to the end of the log: a token or session ran out and was never refreshed", plural(len(list), "client", "clients"))
	return []Finding{f}
}

func (a *analyzer) staticFinding() []Finding {
	if a.static401 < 10 {
		return nil
	}
	f := Finding{Cause: catalog.ServerAuthScope, Confidence: 0.7, Count: a.static401, Key: "static",
		From: ms(a.first), To: ms(a.last),
		Title:   fmt.Sprintf("%d 401s on static assets (stylesheets, scripts, images): protection covers files that are usually public", a.static401),
		Columns: []string{"asset", "401s"}}
	for _, it := range a.static.Top(a.cfg.Rows) {
		f.Rows = append(f.Rows, []string{it.Label, n(it.Count)})
	}
	return []Finding{f}
}

func (a *analyzer) crawlerFinding() []Finding {
	if a.crawl401 < 5 {
		return nil
	}
	f := Finding{Cause: catalog.ServerAuthScope, Confidence: 0.6, Count: a.crawl401, Key: "crawlers",
		Title:   fmt.Sprintf("search crawlers got %s: pages that keep answering 401 to crawlers drop out of search indexes", plural(int(a.crawl401), "401", "401s")),
		Columns: []string{"crawler", "URL", "401s", "first (UTC)", "last (UTC)"}}
	for i, it := range a.crawl.Top(a.cfg.Rows) {
		c := it.V
		if i == 0 || c.first < f.From.UnixMilli() {
			f.From = ms(c.first)
		}
		if c.last > f.To.UnixMilli() {
			f.To = ms(c.last)
		}
		f.Rows = append(f.Rows, []string{c.bot, c.path, n(it.Count), hhmm(c.first), hhmm(c.last)})
	}
	return []Finding{f}
}

// lockoutFinding groups minutes with lockout answers (429, IIS
// 401.501/401.502) into waves.
func (a *analyzer) lockoutFinding() []Finding {
	if a.lines == 0 {
		return nil
	}
	type wave struct{ start, end, total int64 }
	var waves []*wave
	var cur *wave
	var total int64
	for _, m := range a.sortedMinutes() {
		st := a.minutes[m]
		if st.lockout < 5 {
			continue
		}
		if cur == nil || m-cur.end > 2 {
			cur = &wave{start: m}
			waves = append(waves, cur)
		}
		cur.end = m
		cur.total += st.lockout
		total += st.lockout
	}
	if len(waves) == 0 {
		return nil
	}
	// The rows are the waves; the clients locked out most are named in
	// the title (over the whole log: they are not counted per wave).
	var most []string
	for _, it := range a.lockIPs.Top(3) {
		most = append(most, fmt.Sprintf("%s (%d)", it.Label, it.Count))
	}
	who := ""
	if len(most) > 0 {
		who = ", most to " + strings.Join(most, ", ")
	}
	f := Finding{Cause: catalog.RateLimitLockout, Confidence: 0.75, Count: total, Key: "lockout",
		From: ms(waves[0].start * 60000), To: ms((waves[len(waves)-1].end+1)*60000 - 1),
		Title: fmt.Sprintf("%s: %s (429, IIS 401.501/502)%s; waiting or a lower retry rate fixes them",
			plural(len(waves), "lockout wave", "lockout waves"), plural(int(total), "rate-limit or lockout answer", "rate-limit or lockout answers"), who),
		Columns: []string{"wave start (UTC)", "end (UTC)", "lockouts"}}
	for _, w := range waves {
		if len(f.Rows) < a.cfg.Rows {
			f.Rows = append(f.Rows, []string{hhmm(w.start * 60000), hhmm(w.end*60000 + 59999), n(w.total)})
		}
	}
	return []Finding{f}
}

// subStatusFindings reports the IIS sub-statuses that name a cause by
// themselves (401.1 logon failed, 403.6 address denied, 403.14 directory
// listing, ...), one finding per cause; 403.x only from five responses.
// Lockouts (401.501/502,
// 403.501/502) are reported as lockout waves instead.
func (a *analyzer) subStatusFindings() []Finding {
	byCause := map[catalog.ID][]SubStatus{}
	var order []catalog.ID
	for _, s := range a.subStatuses() {
		// A 403.x here and there is the web's background (a scanner
		// asking for /); five make a pattern. Every 401.x counts.
		if s.Cause == "" || s.Cause == catalog.RateLimitLockout || s.Status == 403 && s.Count < 5 {
			continue
		}
		if byCause[s.Cause] == nil {
			order = append(order, s.Cause)
		}
		byCause[s.Cause] = append(byCause[s.Cause], s)
	}
	var out []Finding
	for _, id := range order {
		subs := byCause[id]
		var total int64
		var rows [][]string
		for _, s := range subs {
			total += s.Count
			rows = append(rows, []string{s.Code, s.Name, n(s.Count)})
		}
		words := subs[0].Code + " " + subs[0].Name
		if len(subs) > 1 {
			codes := make([]string, len(subs))
			for i, s := range subs {
				codes[i] = s.Code
			}
			words = strings.Join(codes, ", ") + ", first " + words
		}
		out = append(out, Finding{Cause: id, Confidence: finding.Strong, Count: total, From: ms(a.first), To: ms(a.last),
			Key: "iis " + string(id), Title: fmt.Sprintf("IIS %s (%s)", words, plural(int(total), "response", "responses")),
			Columns: []string{"sub-status", "meaning", "responses"}, Rows: rows})
	}
	return out
}

func (a *analyzer) tables() []Table {
	rows := a.cfg.Rows
	var out []Table
	t := Table{Title: "paths with the most 401s", Columns: []string{"path", "401s", "sources", "user names"}}
	for _, it := range a.paths.Top(rows) {
		t.Rows = append(t.Rows, []string{it.Label, n(it.Count), strconv.Itoa(it.V.ips.Estimate()), strconv.Itoa(it.V.users.Estimate())})
	}
	out = append(out, t)
	t = Table{Title: "sources with the most failures", Columns: []string{"source", "failures", "401", "403", "429", "successes"}}
	for _, it := range a.ips.Top(rows) {
		t.Rows = append(t.Rows, []string{it.Label, n(it.Count), n(it.V.s401), n(it.V.s403), n(it.V.s429), n(it.V.succ)})
	}
	out = append(out, t)
	t = Table{Title: "user names with the most 401s", Columns: []string{"user", "401s", "sources"}}
	for _, it := range a.users.Top(rows) {
		t.Rows = append(t.Rows, []string{it.Label, n(it.Count), strconv.Itoa(it.V.ips.Estimate())})
	}
	out = append(out, t)
	t = Table{Title: "user agents with the most 401s", Columns: []string{"user agent", "401s"}}
	for _, it := range a.agents.Top(rows) {
		t.Rows = append(t.Rows, []string{it.Label, n(it.Count)})
	}
	out = append(out, t)
	return out
}
