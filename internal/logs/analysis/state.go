package analysis

import (
	"sort"
	"time"

	"github.com/why401/why401/internal/catalog"
)

// Config tunes the analysis; the zero value takes the defaults.
type Config struct {
	// ChallengeWindow is how soon a success must follow a 401 from the
	// same client for the 401 to count as a challenge round trip
	// (noise.challenge). Default 5s.
	ChallengeWindow time.Duration
	// Rows is how many evidence rows a finding or table shows. Default 10.
	Rows int
	// ClientSlots bounds the per-client table (IP + user agent). Default
	// 1<<18; memory is about 48 bytes a slot.
	ClientSlots int
	// TopK bounds each space-saving table. Default 2048.
	TopK int
	// Threshold is how many authentication failures (401, 407, a login
	// form answered again) one source must reach within Window to be
	// reported as an attack and put on the ban list: fail2ban's maxretry
	// and findtime. Defaults 5 and 10 minutes, as fail2ban's. Threshold is
	// at most MaxThreshold.
	Threshold int
	Window    time.Duration
	// Stuffing is the least distinct user names from one source for
	// attack.credential-stuffing. Default 10.
	Stuffing int
	// SpraySources is the least distinct sources on one path for
	// attack.spray. Default 25.
	SpraySources int
	// SpikeMin is the least 401s in a minute to call it a spike.
	// Default 20.
	SpikeMin int
	// SpikeFactor is how many times the rolling baseline a minute must
	// reach. Default 5.
	SpikeFactor float64
	// ExpiredFailures is the least consecutive failures after successes
	// for token.expired. Default 5.
	ExpiredFailures int
}

func (c Config) withDefaults() Config {
	if c.ChallengeWindow <= 0 {
		c.ChallengeWindow = 5 * time.Second
	}
	if c.Rows <= 0 {
		c.Rows = 10
	}
	if c.ClientSlots <= 0 {
		c.ClientSlots = 1 << 18
	}
	if c.TopK <= 0 {
		c.TopK = 2048
	}
	if c.Threshold <= 0 {
		c.Threshold = 5
	}
	c.Threshold = min(c.Threshold, MaxThreshold)
	if c.Window <= 0 {
		c.Window = 10 * time.Minute
	}
	if c.Stuffing <= 0 {
		c.Stuffing = 10
	}
	if c.SpraySources <= 0 {
		c.SpraySources = 25
	}
	if c.SpikeMin <= 0 {
		c.SpikeMin = 20
	}
	if c.SpikeFactor <= 0 {
		c.SpikeFactor = 5
	}
	if c.ExpiredFailures <= 0 {
		c.ExpiredFailures = 5
	}
	return c
}

// MaxThreshold bounds Config.Threshold: each failing source keeps the
// times of its last Threshold failures.
const MaxThreshold = 1000

// clientSlot is the per-client state, in a fixed table indexed by hash;
// a client that collides with another replaces it (bounded memory). It
// is 64 bytes, one cache line: the table is read once per request.
type clientSlot struct {
	key         uint64
	lastSuccess int64
	firstFail   int64 // first failure since the last success
	succ        uint32
	failsSince  uint32
	// pending are the low 32 bits of the sequence numbers of the
	// client's unresolved 401s (0 for none), so a success can close one
	// of them. Six, because Apache's threads write a request's line after
	// its answer: under load a client's 401 lines come several ahead of
	// the successes that answer them.
	pending [6]uint32
	// lastPath is the path of the last success; credit counts recent
	// successes that closed no 401, which a 401 logged just after them
	// may still pair with.
	lastPath uint32 // low bits of the path hash
	credit   uint8
}

// pendingFail is a 401 waiting to learn whether a success follows.
type pendingFail struct {
	seq  uint64
	ev   event
	slot uint32
	done bool
}

// ipStats is the per-source state of the failing-IP table.
type ipStats struct {
	first, last int64
	succ        int64
	users       distinct
	paths       distinct
	login       int64
	s401, s403  int64
	s429        int64
	form        int64 // login forms answered again (failed logins logged as 200)
	// recent holds the times of the source's last Threshold
	// authentication failures (a ring at next); reached is when the
	// source first had Threshold of them within Window (when fail2ban
	// would have banned it), 0 if never.
	recent      []int64
	next        int
	reached     int64
	lastUser    string
	topPath     string // majority vote (Boyer-Moore) over failing paths
	topPathHash uint64
	votes       int64
	ua          string
	crawler     bool // the first failure came from a search crawler
}

type pathStats struct {
	first, last int64
	ips         distinct
	users       distinct
	login       bool
	static      bool
}

// loginPath tracks the sources failing on one login-like path, for
// attack.spray; bounded to maxLoginSources sources.
type loginPath struct {
	label       string
	first, last int64
	fails       int64
	users       distinct
	sources     map[uint64]*sprayer
	full        bool
}

type sprayer struct {
	ip, user string
	n        int64
	first    int64
}

const (
	maxLoginPaths   = 64
	maxLoginSources = 8192
)

type userStats struct {
	ips         distinct
	first, last int64
}

type crawlerStats struct {
	bot, path   string
	first, last int64
}

// expiredClient is a client that had successes and then only failures.
type expiredClient struct {
	slot                 uint32
	key, ipKey           uint64
	ip, ua, user, path   string
	lastSuccess, firstAt int64
	lastAt               int64
	succ                 uint32
	fails                uint32
}

// minuteState is the timeline of one minute. It is kept for every minute
// the log spans (about 220 bytes a minute, 120 MB for a year), so it
// holds no pointers and only small sketches.
type minuteState struct {
	minuteCounts
	f401, f403, f407, f429, noise int64
	lockout                       int64
	ips                           [4]uint64 // linear-counting bitmap of 401 sources
	heavy                         [4]heavyIP
}

// heavyIP is one of a minute's heaviest 401 sources (space-saving over
// four slots), so spikes can discount attack sources afterwards.
type heavyIP struct {
	ip uint64
	n  int64
}

func (m *minuteState) addHeavy(ip uint64) {
	low := 0
	for i := range m.heavy {
		h := &m.heavy[i]
		if h.ip == ip && h.n > 0 {
			h.n++
			return
		}
		if h.n < m.heavy[low].n {
			low = i
		}
	}
	m.heavy[low] = heavyIP{ip: ip, n: m.heavy[low].n + 1}
}

type badExample struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
	Err  string `json:"error"`
}

// analyzer consumes events in time order; not safe for concurrent use.
type analyzer struct {
	cfg    Config
	window int64

	files     map[string]int    // lines seen per file
	parsed    map[string]int    // records parsed per file
	formats   map[string]string // the format each file is read in
	fileMax   map[string]int64  // newest record time per file so far
	fileOrder []string
	lines     int64
	bytes     int64
	bad       int64
	examples  []badExample
	first     int64
	last      int64 // latest event time seen

	clients []clientSlot
	mask    uint64
	queue   []pendingFail // FIFO of unresolved 401s
	qhead   int
	seq     uint64

	minutes  map[int64]*minuteState
	status   map[int]int64 // confirmed failures by status
	sub      map[int]int64 // IIS 401 and 403 sub-statuses by subKey
	noise    int64
	requests int64
	// unordered counts events older than one merged before them;
	// formFails counts login forms answered again (failed logins).
	unordered int64
	formFails int64

	ips       *topK[*ipStats]
	paths     *topK[*pathStats]
	users     *topK[*userStats]
	agents    *topK[struct{}]
	crawl     *topK[*crawlerStats]
	static    *topK[struct{}]
	lockIPs   *topK[struct{}]
	static401 int64
	crawl401  int64
	expired   map[uint64]*expiredClient
	logins    map[uint64]*loginPath
	counters  map[counterKey]int64
	// ipSeen has a bit set for every source that ever failed, so the
	// success of a source that never did skips the table lookup.
	ipSeen []uint64
	// flagged are attack sources found by the last result (follow mode).
	flagged map[uint64]catalog.ID
}

const ipSeenBits = 1 << 20

type counterKey struct {
	status int
	cause  catalog.ID
	class  string
}

func newAnalyzer(cfg Config) *analyzer {
	cfg = cfg.withDefaults()
	n := 1
	for n < cfg.ClientSlots {
		n <<= 1
	}
	return &analyzer{
		cfg:      cfg,
		window:   cfg.ChallengeWindow.Milliseconds(),
		files:    map[string]int{},
		parsed:   map[string]int{},
		formats:  map[string]string{},
		fileMax:  map[string]int64{},
		clients:  make([]clientSlot, n),
		mask:     uint64(n - 1),
		minutes:  map[int64]*minuteState{},
		status:   map[int]int64{},
		sub:      map[int]int64{},
		ips:      newTopK[*ipStats](cfg.TopK),
		paths:    newTopK[*pathStats](cfg.TopK),
		users:    newTopK[*userStats](cfg.TopK),
		agents:   newTopK[struct{}](cfg.TopK / 4),
		crawl:    newTopK[*crawlerStats](cfg.TopK / 4),
		static:   newTopK[struct{}](cfg.TopK / 4),
		lockIPs:  newTopK[struct{}](cfg.TopK / 4),
		expired:  map[uint64]*expiredClient{},
		logins:   map[uint64]*loginPath{},
		counters: map[counterKey]int64{},
		ipSeen:   make([]uint64, ipSeenBits/64),
		flagged:  map[uint64]catalog.ID{},
	}
}

// chunk takes a chunk's order-free counts and malformed-line examples.
func (a *analyzer) chunk(file string, res *chunkResult) {
	base, seen := a.files[file]
	if !seen {
		a.fileOrder = append(a.fileOrder, file)
	}
	a.files[file] = base + res.all
	a.parsed[file] += res.lines
	a.lines += int64(res.lines)
	a.bytes += res.bytes
	a.bad += int64(res.bad)
	// Records older than a record of an earlier chunk of the file are out
	// of order too; the chunk's events are in time order, so they are its
	// first k (those the worker found late are counted already).
	prev := a.fileMax[file]
	a.unordered += int64(res.unordered)
	k := sort.Search(len(res.events), func(i int) bool { return res.events[i].t >= prev })
	for i := 0; i < k; i++ {
		if !res.events[i].late {
			a.unordered++
		}
	}
	a.fileMax[file] = max(prev, res.maxT)
	for _, b := range res.examples {
		if len(a.examples) < 10 {
			a.examples = append(a.examples, badExample{File: file, Line: base + b.line, Text: b.text, Err: b.err})
		}
	}
	for m, c := range res.minutes {
		ms := a.minute(m)
		ms.total += c.total
		ms.ok += c.ok
		ms.redirect += c.redirect
		ms.clientErr += c.clientErr
		ms.serverErr += c.serverErr
		a.requests += c.total
	}
}

func (a *analyzer) minute(m int64) *minuteState {
	ms := a.minutes[m]
	if ms == nil {
		ms = &minuteState{}
		a.minutes[m] = ms
	}
	return ms
}

func (a *analyzer) slot(key uint64) (uint32, *clientSlot) {
	i := uint32(key & a.mask)
	s := &a.clients[i]
	if s.key != key {
		*s = clientSlot{key: key}
	}
	return i, s
}

// event takes the next event in time order.
func (a *analyzer) event(ev *event) {
	t := ev.t
	if t == 0 {
		t = a.last
		ev.t = t
	}
	if a.first == 0 || t < a.first {
		a.first = t
	}
	idx, s := a.slot(ev.client)
	if t > a.last {
		a.last = t
	}
	a.expire(a.last)
	switch {
	case ev.fail != nil && ev.fail.form:
		a.formFail(ev)
	case ev.status < 400:
		if ev.status >= 200 {
			if s.lastPath != uint32(ev.path) || t-s.lastSuccess > 1000 {
				s.credit = 0
			}
			if !a.closeRoundTrip(s, ev) && s.credit < 4 {
				s.credit++
			}
			s.lastPath = uint32(ev.path)
			if s.failsSince > 0 {
				delete(a.expired, s.key)
			}
			s.succ++
			s.lastSuccess = t
			s.failsSince = 0
			if a.ipSeen[ev.ip&(ipSeenBits-1)>>6]&(1<<(ev.ip&63)) != 0 {
				if st := a.ips.Get(ev.ip); st != nil {
					st.V.succ++
				}
			}
		}
	case ev.fail == nil:
	case (ev.status == 401 || ev.status == 407) && s.credit > 0 && s.lastPath == uint32(ev.path) && t-s.lastSuccess <= 1000 && s.lastSuccess-t <= a.window:
		// Servers write a request's line when it ends, stamped with its
		// start (Apache) or end (nginx), and threads race: the success of
		// a round trip may come first in the log, in the same second.
		s.credit--
		a.noise++
		a.minute(t/60000).noise++
	case ev.status == 401 || ev.status == 407:
		a.seq++
		if uint32(a.seq) == 0 { // 0 marks an empty pending entry
			a.seq++
		}
		a.queue = append(a.queue, pendingFail{seq: a.seq, ev: *ev, slot: idx})
		oldest := 0
		for i, p := range s.pending {
			if p == 0 {
				oldest = i
				break
			}
			if uint32(a.seq)-p > uint32(a.seq)-s.pending[oldest] {
				oldest = i
			}
		}
		s.pending[oldest] = uint32(a.seq) // a full ring forgets its oldest
		if len(a.queue)-a.qhead > 1<<20 { // bound the queue: confirm early
			a.flush(1 << 19)
		}
	default:
		a.confirm(ev, idx)
	}
}

// expire confirms pending 401s whose window has passed by now.
func (a *analyzer) expire(now int64) {
	for a.qhead < len(a.queue) {
		p := &a.queue[a.qhead]
		if p.ev.t+a.window >= now {
			break
		}
		if !p.done {
			p.done = true
			a.confirm(&p.ev, p.slot)
			a.clients[p.slot].forget(p.seq)
		}
		p.ev = event{}
		a.qhead++
	}
	a.compact()
}

// flush confirms the oldest pending 401s until at most keep remain.
func (a *analyzer) flush(keep int) {
	for len(a.queue)-a.qhead > keep {
		p := &a.queue[a.qhead]
		if !p.done {
			p.done = true
			a.confirm(&p.ev, p.slot)
			a.clients[p.slot].forget(p.seq)
		}
		p.ev = event{}
		a.qhead++
	}
	a.compact()
}

func (a *analyzer) compact() {
	if a.qhead > 4096 && a.qhead*2 > len(a.queue) {
		n := copy(a.queue, a.queue[a.qhead:])
		clear(a.queue[n:])
		a.queue = a.queue[:n]
		a.qhead = 0
	}
}

// lineCause names the cause a single failure shows by itself, or the
// attack its source belongs to; "" when it shows none.
func (a *analyzer) lineCause(ev *event) catalog.ID {
	f := ev.fail
	switch {
	case ev.status == 429:
		return catalog.RateLimitLockout
	}
	if c := subCause(ev.status, ev.sub); c != "" {
		return c
	}
	if c, ok := a.flagged[ev.ip]; ok {
		return c
	}
	switch {
	case ev.status == 407:
		return catalog.ProxyAuthRequired
	case ev.status == 403:
		return catalog.StatusForbidden
	case f.static || f.crawler != "":
		return catalog.ServerAuthScope
	}
	return ""
}

// forget drops seq from the slot's pending 401s.
func (s *clientSlot) forget(seq uint64) {
	for i, p := range s.pending {
		if p == uint32(seq) {
			s.pending[i] = 0
		}
	}
}

// closeRoundTrip pairs a success with the client's oldest unresolved 401
// on the same path within the window, marking it a challenge round trip.
func (a *analyzer) closeRoundTrip(s *clientSlot, ev *event) bool {
	var best *pendingFail
	bi := -1
	for i, low := range s.pending {
		if low == 0 {
			continue
		}
		// The queue holds far fewer than 2³² 401s, so the low bits name
		// one of them; a stale entry may name another client's, hence
		// the key check.
		p := a.queued(a.seq - uint64(uint32(a.seq)-low))
		if p != nil && p.ev.client != s.key {
			p = nil
		}
		// A success may be logged before the 401 it answers, but not by
		// more than a second; lines out of time order never pair across
		// more than the window.
		if p == nil || p.done || ev.t-p.ev.t > a.window || ev.t-p.ev.t < -1000 {
			s.pending[i] = 0 // resolved or too old: forget it
			continue
		}
		if p.ev.path == ev.path && (best == nil || p.seq < best.seq) {
			best, bi = p, i
		}
	}
	if best == nil {
		return false
	}
	s.pending[bi] = 0
	best.done = true
	a.noise++
	a.minute(best.ev.t/60000).noise++
	return true
}

// queued finds the pending 401 seq in the queue, or nil.
func (a *analyzer) queued(seq uint64) *pendingFail {
	// The queue is ordered by seq: binary search.
	lo, hi := a.qhead, len(a.queue)
	for lo < hi {
		m := (lo + hi) / 2
		if a.queue[m].seq < seq {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(a.queue) && a.queue[lo].seq == seq {
		return &a.queue[lo]
	}
	return nil
}

// confirm counts a failure that is not a challenge round trip.
func (a *analyzer) confirm(ev *event, idx uint32) {
	f := ev.fail
	t := ev.t
	st := int(ev.status)
	a.status[st]++
	a.counters[counterKey{st, a.lineCause(ev), f.class}]++
	ms := a.minute(t / 60000)
	switch st {
	case 401:
		ms.f401++
		b := (ev.ip >> 7) % 256
		ms.ips[b/64] |= 1 << (b % 64)
		ms.addHeavy(ev.ip)
	case 403:
		ms.f403++
	case 407:
		ms.f407++
	case 429:
		ms.f429++
	}
	if k := subKey(ev.status, ev.sub); k != 0 && (st == 401 || st == 403) {
		a.sub[k]++
	}
	lock := st == 429 || (st == 401 || st == 403) && (ev.sub == 501 || ev.sub == 502)
	if lock {
		ms.lockout++
		a.lockIPs.Add(ev.ip, 1, func() string { return f.ip })
	}

	is := a.failingSource(ev)
	is.first = min(is.first, t)
	is.last = max(is.last, t)
	if f.userHash != 0 {
		is.users.Add(f.userHash)
		is.lastUser = f.user
	}
	is.paths.Add(f.pathHash)
	if f.login {
		is.login++
	}
	switch st {
	case 401, 407:
		is.s401++
		a.authFail(is, t)
	case 403:
		is.s403++
	case 429:
		is.s429++
	}
	if is.votes == 0 {
		is.topPath, is.topPathHash, is.votes = f.path, f.pathHash, 1
	} else if is.topPathHash == f.pathHash {
		is.votes++
	} else {
		is.votes--
	}

	if st == 401 || st == 407 {
		p := a.paths.Add(f.pathHash, 1, func() string { return f.path })
		if p.V == nil {
			p.V = &pathStats{first: t, ips: newDistinct(16), users: newDistinct(8), login: f.login, static: f.static}
		}
		p.V.last = t
		p.V.ips.Add(ev.ip)
		if f.userHash != 0 {
			p.V.users.Add(f.userHash)
		}
		if f.userHash != 0 {
			u := a.users.Add(f.userHash, 1, func() string { return f.user })
			if u.V == nil {
				u.V = &userStats{first: t, ips: newDistinct(4)}
			}
			u.V.last = t
			u.V.ips.Add(ev.ip)
		}
		if f.login {
			a.loginFail(ev, t)
		}
		if f.ua != "" {
			a.agents.Add(hashString(f.ua), 1, func() string { return f.ua })
		}
		if f.static {
			a.static401++
			a.static.Add(f.pathHash, 1, func() string { return f.path })
		}
		if f.crawler != "" {
			a.crawl401++
			key := f.pathHash ^ hashString(f.crawler)
			c := a.crawl.Add(key, 1, func() string { return f.crawler + " " + f.path })
			if c.V == nil {
				c.V = &crawlerStats{bot: f.crawler, path: f.path, first: t}
			}
			c.V.last = t
		}
	}

	// token.expired: a client whose successes stopped and failures go on.
	s := &a.clients[idx]
	if s.key != ev.client {
		return
	}
	if s.failsSince == 0 {
		s.firstFail = t
	}
	s.failsSince++
	if s.succ >= 2 && (st == 401 || st == 403) && int(s.failsSince) >= a.cfg.ExpiredFailures {
		e := a.expired[s.key]
		if e == nil {
			if len(a.expired) >= 10000 {
				return
			}
			e = &expiredClient{slot: idx, key: s.key, ipKey: ev.ip, ip: f.ip, ua: f.ua, user: f.user, path: f.path,
				lastSuccess: s.lastSuccess, firstAt: s.firstFail, succ: s.succ}
			a.expired[s.key] = e
		}
		e.lastAt = t
		e.fails = s.failsSince
	}
}

// loginFail records a 401 on a login-like path by source.
func (a *analyzer) loginFail(ev *event, t int64) {
	f := ev.fail
	lp := a.logins[f.pathHash]
	if lp == nil {
		if len(a.logins) >= maxLoginPaths {
			return
		}
		lp = &loginPath{label: f.path, first: t, users: newDistinct(16), sources: map[uint64]*sprayer{}}
		a.logins[f.pathHash] = lp
	}
	lp.last = t
	lp.fails++
	if f.userHash != 0 {
		lp.users.Add(f.userHash)
	}
	sp := lp.sources[ev.ip]
	if sp == nil {
		if len(lp.sources) >= maxLoginSources {
			lp.full = true
			return
		}
		sp = &sprayer{ip: f.ip, first: t}
		lp.sources[ev.ip] = sp
	}
	sp.n++
	if f.user != "" {
		sp.user = f.user
	}
}

// failingSource returns the failing-source table's entry for the event's
// source, made on first use.
func (a *analyzer) failingSource(ev *event) *ipStats {
	f := ev.fail
	ip := a.ips.Add(ev.ip, 1, func() string { return f.ip })
	a.ipSeen[ev.ip&(ipSeenBits-1)>>6] |= 1 << (ev.ip & 63)
	if ip.V == nil {
		ip.V = &ipStats{first: ev.t, users: newDistinct(8), paths: newDistinct(4), ua: f.ua, crawler: f.crawler != ""}
	}
	return ip.V
}

// formFail records a login form answered again instead of redirecting
// (WordPress answers a failed POST /wp-login.php with 200 and the form; a
// login redirects): an authentication failure that is no 4xx.
func (a *analyzer) formFail(ev *event) {
	f := ev.fail
	a.formFails++
	is := a.failingSource(ev)
	is.first = min(is.first, ev.t)
	is.last = max(is.last, ev.t)
	if f.userHash != 0 {
		is.users.Add(f.userHash)
		is.lastUser = f.user
	}
	is.form++
	is.paths.Add(f.pathHash)
	if is.votes == 0 || is.topPathHash == f.pathHash {
		is.topPath, is.topPathHash = f.path, f.pathHash
		is.votes++
	} else {
		is.votes--
	}
	a.authFail(is, ev.t)
}

// authFail adds one authentication failure of a source at t and applies
// fail2ban's rule: Threshold failures within Window. Lines out of time
// order count by their distance in time, in either direction.
func (a *analyzer) authFail(is *ipStats, t int64) {
	th := a.cfg.Threshold
	if len(is.recent) < th {
		is.recent = append(is.recent, t)
	} else {
		is.recent[is.next] = t
		is.next = (is.next + 1) % th
	}
	win := a.cfg.Window.Milliseconds()
	in := 0
	for _, x := range is.recent {
		if d := t - x; d <= win && -d <= win {
			in++
		}
	}
	if in >= th && is.reached == 0 {
		is.reached = t
	}
}
