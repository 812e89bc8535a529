// Package loggen writes deterministic, realistic combined access logs with
// planted episodes of every pattern why401 logs looks for (brute force,
// credential stuffing, spray, a 401 spike, a lockout wave, clients whose
// token ran out, 401s on static assets and for a crawler, challenge round
// trips) and returns their ground truth. The same size and seed always
// give the same bytes. Tests and the benchmark under bench/ use it.
package loggen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Write generates about target bytes of log to out and returns the
// ground truth. Logs under about 600 kB are too short for every episode.
func Write(out io.Writer, target int64, seed uint64) (Truth, error) {
	g := &gen{w: bufio.NewWriterSize(out, 1<<20), r: rand.New(rand.NewPCG(seed, 0x401))}
	r := g.r
	const avgLine = 216
	lines := target / avgLine
	span := int64(86400)
	if lines/5 < span {
		span = max(lines/5, 3*3600)
	}
	rate := float64(lines) / float64(span) // background lines a second
	start := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	end := start.Add(time.Duration(span) * time.Second)
	at := func(frac float64) int64 { return int64(frac * float64(span)) }
	dur := func(d, frac float64) int64 { return int64(min(d, frac*float64(span))) }

	visitors := make([]client, 20000)
	for i := range visitors {
		visitors[i] = client{ip(r), browsers[r.IntN(len(browsers))]}
	}
	apis := make([]client, 300)
	for i := range apis {
		apis[i] = client{ip(r), fmt.Sprintf("acme-sync/2.%d (python-requests/2.31)", i%7)}
	}
	google := client{"66.249.66.1", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}

	// Episode windows, in seconds from start.
	bruteFrom, bruteTo := at(0.15), at(0.15)+dur(1800, 1.0/12)
	stuffFrom, stuffTo := at(0.30), at(0.30)+dur(1800, 1.0/12)
	sprayFrom, sprayTo := at(0.45), at(0.45)+dur(7200, 1.0/6)
	spikeFrom, spikeTo := at(0.60), at(0.60)+dur(900, 1.0/24)
	lockFrom, lockTo := at(0.80), at(0.80)+dur(600, 1.0/24)
	expiredFrom := at(0.85)

	brute := client{"203.0.113.10", "python-requests/2.31.0"}
	stuff := client{"198.51.100.23", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0 Safari/537.36"}
	var sprayers []client
	for i := 0; i < 80; i++ {
		sprayers = append(sprayers, client{fmt.Sprintf("192.0.2.%d", 10+i), browsers[i%len(browsers)]})
	}
	// Each sprayer's attempts, spread over the spray window.
	type shot struct {
		t    int64
		c    client
		user string
	}
	var shots []shot
	for i, c := range sprayers {
		k := 2 + i%2
		for j := 0; j < k; j++ {
			shots = append(shots, shot{sprayFrom + r.Int64N(sprayTo-sprayFrom), c, fmt.Sprintf("%s%d", firstNames[(i*3+j)%len(firstNames)], 1+j)})
		}
	}
	sortShots := func() {
		for i := 1; i < len(shots); i++ {
			for j := i; j > 0 && shots[j].t < shots[j-1].t; j-- {
				shots[j], shots[j-1] = shots[j-1], shots[j]
			}
		}
	}
	sortShots()
	expired := []client{
		{"100.70.1.11", "acme-mobile/5.1 (iOS 17.4)"},
		{"100.70.1.12", "acme-mobile/5.1 (Android 14)"},
		{"100.70.1.13", "inventory-cron/1.0 Go-http-client/1.1"},
	}

	acc := 0.0
	si := 0
	for sec := int64(0); sec < span; sec++ {
		t := start.Add(time.Duration(sec) * time.Second)
		acc += rate
		n := int(acc)
		acc -= float64(n)
		for k := 0; k < n; k++ {
			p := r.IntN(1000)
			switch {
			case p < 540:
				v := visitors[r.IntN(len(visitors))]
				g.line(t, v, "", "GET", pages[r.IntN(len(pages))], 200, 2000+r.IntN(30000), "https://www.example.com/")
			case p < 780:
				v := visitors[r.IntN(len(visitors))]
				st := 200
				if r.IntN(3) == 0 {
					st = 304
				}
				g.line(t, v, "", "GET", assets[r.IntN(len(assets))], st, 500+r.IntN(9000), "https://www.example.com/")
			case p < 900:
				c := apis[r.IntN(len(apis))]
				path := fmt.Sprintf("/api/v1/items/%d", r.IntN(5000))
				if sec >= spikeFrom && sec < spikeTo {
					g.line(t, c, "", "GET", path, 401, 58, "")
				} else {
					g.line(t, c, "", "GET", path, 200, 300+r.IntN(3000), "")
				}
			case p < 950:
				// The Basic-auth admin area: challenge, then success.
				v := visitors[r.IntN(len(visitors))]
				g.line(t, v, "", "GET", "/admin/", 401, 381, "https://www.example.com/")
				g.line(t, v, "editor", "GET", "/admin/", 200, 5120, "https://www.example.com/")
			case p < 960:
				// Visitors who cancel the password prompt.
				v := visitors[r.IntN(len(visitors))]
				g.line(t, v, "", "GET", "/admin/", 401, 381, "https://www.example.com/")
			case p < 965:
				// Protected area covering public assets all along.
				v := visitors[r.IntN(len(visitors))]
				g.line(t, v, "", "GET", portalAssets[r.IntN(len(portalAssets))], 401, 381, "https://www.example.com/portal/")
			case p < 970:
				if r.IntN(3) == 0 {
					g.line(t, google, "", "GET", fmt.Sprintf("/members/profile/%d", r.IntN(40)), 401, 381, "")
				} else {
					g.line(t, google, "", "GET", pages[r.IntN(len(pages))], 200, 8000, "")
				}
			default:
				v := visitors[r.IntN(len(visitors))]
				g.line(t, v, "", "GET", "/old-page-"+fmt.Sprint(r.IntN(100)), 404, 162, "")
			}
		}
		if sec >= bruteFrom && sec < bruteTo && sec%2 == 0 {
			g.line(t, brute, "admin", "GET", "/admin/", 401, 381, "")
		}
		if sec >= stuffFrom && sec < stuffTo && sec%3 == 0 {
			u := fmt.Sprintf("%s.%s%d", firstNames[int(sec/3)%len(firstNames)], lastNames[int(sec/7)%len(lastNames)], sec%97)
			g.line(t, stuff, u, "GET", "/admin/", 401, 381, "")
		}
		for si < len(shots) && shots[si].t == sec {
			g.line(t, shots[si].c, shots[si].user, "POST", "/api/auth/login", 401, 74, "")
			si++
		}
		if sec >= lockFrom && sec < lockTo && sec%2 == 0 {
			v := visitors[r.IntN(200)]
			g.line(t, v, "", "POST", "/api/auth/login", 429, 120, "https://www.example.com/login")
		}
		if sec%20 == 0 {
			for _, c := range expired {
				if sec >= expiredFrom {
					g.line(t, c, "", "GET", "/api/v1/sync", 401, 58, "")
				} else {
					g.line(t, c, "", "GET", "/api/v1/sync", 200, 912, "")
				}
			}
		}
	}
	if err := g.w.Flush(); err != nil {
		return Truth{}, err
	}
	ts := func(s int64) time.Time { return start.Add(time.Duration(s) * time.Second) }
	var sprayIPs []string
	for _, c := range sprayers {
		sprayIPs = append(sprayIPs, c.ip)
	}
	var expiredIPs []string
	for _, c := range expired {
		expiredIPs = append(expiredIPs, c.ip)
	}
	return Truth{
		Lines: g.lines, Bytes: g.bytes, Start: start, End: end,
		Episodes: []Episode{
			{Cause: "attack.brute-force", From: ts(bruteFrom), To: ts(bruteTo), Sources: []string{brute.ip}, Note: "one source, user admin, every 2 s on /admin/"},
			{Cause: "attack.credential-stuffing", From: ts(stuffFrom), To: ts(stuffTo), Sources: []string{stuff.ip}, Note: "one source, a new user name every 3 s"},
			{Cause: "attack.spray", From: ts(sprayFrom), To: ts(sprayTo), Sources: sprayIPs, Note: "80 sources, 2-3 tries each on POST /api/auth/login"},
			{Cause: "spike.401", From: ts(spikeFrom), To: ts(spikeTo), Note: "every API client gets 401 (a deploy broke token checks)"},
			{Cause: "ratelimit.lockout", From: ts(lockFrom), To: ts(lockTo), Note: "429 on POST /api/auth/login"},
			{Cause: "token.expired", From: ts(expiredFrom), To: end, Sources: expiredIPs, Note: "three clients: successes, then only 401 to the end"},
			{Cause: "server.auth-scope", From: start, To: end, Note: "401 on /portal/assets/* all along; Googlebot gets 401 on /members/*"},
			{Cause: "noise.challenge", From: start, To: end, Note: "Basic-auth admin area: 401 then 200 in the same second"},
		},
	}, nil
}

var portalAssets = []string{"/portal/assets/portal.css", "/portal/assets/portal.js", "/portal/assets/logo.png"}

var firstNames = []string{"james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth", "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen"}
var lastNames = []string{"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson"}

// Episode is one planted pattern.
type Episode struct {
	Cause   string    `json:"cause"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Sources []string  `json:"sources,omitempty"`
	Note    string    `json:"note"`
}

// Truth is what the log holds.
type Truth struct {
	Lines    int64     `json:"lines"`
	Bytes    int64     `json:"bytes"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Episodes []Episode `json:"episodes"`
}

var browsers = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
}

var pages = []string{"/", "/about", "/blog/", "/blog/2024/05/release-notes", "/pricing", "/docs/getting-started", "/docs/api", "/contact", "/search?q=401", "/products/widget-3000"}
var assets = []string{"/static/css/site.css", "/static/js/app.js", "/static/img/logo.svg", "/favicon.ico", "/static/fonts/inter.woff2"}

type client struct {
	ip, ua string
}

type gen struct {
	w     *bufio.Writer
	r     *rand.Rand
	lines int64
	bytes int64
	buf   []byte
}

func (g *gen) line(t time.Time, c client, user, method, path string, status, size int, ref string) {
	b := g.buf[:0]
	b = append(b, c.ip...)
	b = append(b, " - "...)
	if user == "" {
		user = "-"
	}
	b = append(b, user...)
	b = append(b, " ["...)
	b = t.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] \""...)
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\" "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, " \""...)
	if ref == "" {
		ref = "-"
	}
	b = append(b, ref...)
	b = append(b, "\" \""...)
	b = append(b, c.ua...)
	b = append(b, "\"\n"...)
	g.buf = b
	g.w.Write(b)
	g.lines++
	g.bytes += int64(len(b))
}

func ip(r *rand.Rand) string {
	for {
		a := 1 + r.IntN(222)
		if a == 10 || a == 127 || a == 192 || a == 198 || a == 203 || a == 172 || a == 100 {
			continue
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
}
