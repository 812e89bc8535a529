// Package hargen writes a deterministic HAR file of a long single-page-app
// session, as Chrome exports it with sensitive data, for benchmarks: a
// form login, then a page that polls and calls an API with a session
// cookie and a bearer token, loads scripts and images, sends CORS
// preflights to an API host, refreshes its token now and then, gets a 401
// answered by a refresh and a retry, and at the end loses its session
// (the last tenth of the API calls are refused).
package hargen

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"
)

// Start is the start time of the generated session.
var Start = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

// Write writes a HAR of n entries (at least 4) to w.
func Write(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	g := &gen{w: bw, at: Start}
	fmt.Fprint(bw, `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[{"startedDateTime":"`+stamp(Start)+`","id":"page_1","title":"https://app.example.test/app","pageTimings":{}}],"entries":[`)
	g.login()
	expireAt := n - n/10
	expireAt += expireAt % 2 // the first call after the end is a poll
	token := jwtFor(1)
	for i := 3; i < n; i++ {
		switch {
		case i >= expireAt && i%2 == 0:
			g.poll(i == expireAt)
		case i >= expireAt:
			g.asset(i)
		case i%997 == 0:
			// An expired token refused, a refresh, then the retry works.
			g.api("GET", "https://app.example.test/api/items", 401, token, `{"error":"token expired"}`)
			token = jwtFor(i)
			g.refresh(token)
			g.api("GET", "https://app.example.test/api/items", 200, token, items(i))
			i += 2
		case i%7 == 0:
			g.preflight(i)
		case i%5 == 0:
			g.asset(i)
		default:
			g.api("GET", fmt.Sprintf("https://app.example.test/api/items?page=%d", i%50), 200, token, items(i))
		}
	}
	fmt.Fprint(bw, "]}}\n")
	return bw.Flush()
}

type gen struct {
	w     *bufio.Writer
	at    time.Time
	count int
}

func stamp(t time.Time) string { return t.Format("2006-01-02T15:04:05.000Z") }

// jwtFor builds an unsigned-looking JWT valid for a day from the session
// start, distinct per seed.
func jwtFor(seed int) string {
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	p := enc.EncodeToString([]byte(fmt.Sprintf(`{"sub":"u1","iat":%d,"exp":%d,"n":%d}`, Start.Unix(), Start.Add(24*time.Hour).Unix(), seed)))
	return h + "." + p + "." + enc.EncodeToString([]byte(fmt.Sprintf("sig-%08d", seed)))
}

func items(i int) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for k := 0; k < 6; k++ {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","owner":"u1","tags":["a","b"],"updated":"2026-05-01T09:00:00Z"}`, i*10+k, i*10+k)
	}
	b.WriteString(`],"next":null}`)
	return b.String()
}

type nv [2]string

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func headers(hs []nv) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = `{"name":` + quote(h[0]) + `,"value":` + quote(h[1]) + `}`
	}
	return "[" + strings.Join(parts, ",") + "]"
}

var browserHeaders = []nv{
	{"sec-ch-ua", `"Chromium";v="149", "Not.A/Brand";v="24"`},
	{"sec-ch-ua-mobile", "?0"},
	{"sec-ch-ua-platform", `"Linux"`},
	{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/149.0.0.0 Safari/537.36"},
	{"Accept-Language", "en-GB,en;q=0.9"},
	{"Accept-Encoding", "gzip, deflate, br, zstd"},
}

var serverHeaders = []nv{
	{"server", "nginx"},
	{"date", "Fri, 01 May 2026 09:00:00 GMT"},
	{"cache-control", "no-store"},
	{"strict-transport-security", "max-age=31536000"},
	{"x-request-id", "0b7c2f9e-5d1a-4c3e-9f6b-1a2b3c4d5e6f"},
}

// entry writes one entry; the clock advances 150 ms per entry.
func (g *gen) entry(typ, method, url string, reqH []nv, body string, status int, respH []nv, mime, text string) {
	if g.count > 0 {
		g.w.WriteByte(',')
	}
	g.count++
	g.at = g.at.Add(150 * time.Millisecond)
	reqH = append(append([]nv{}, reqH...), browserHeaders...)
	respH = append(append([]nv{}, respH...), serverHeaders...)
	post := ""
	if body != "" {
		post = `,"postData":{"mimeType":"application/x-www-form-urlencoded","text":` + quote(body) + `}`
	}
	fmt.Fprintf(g.w, `{"_initiator":{"type":"script","stack":{"callFrames":[{"functionName":"fetchJSON","scriptId":"42","url":"https://app.example.test/static/app.js","lineNumber":1201,"columnNumber":17}]}},"_priority":"High","_resourceType":%q,"cache":{},"connection":"443","pageref":"page_1","request":{"method":%q,"url":%s,"httpVersion":"http/2.0","headers":%s,"queryString":[],"cookies":[],"headersSize":-1,"bodySize":%d%s},"response":{"status":%d,"statusText":"","httpVersion":"http/2.0","headers":%s,"cookies":[],"content":{"size":%d,"mimeType":%q,"text":%s},"redirectURL":"","headersSize":-1,"bodySize":-1,"_transferSize":%d,"_error":null},"serverIPAddress":"192.0.2.10","startedDateTime":%q,"time":42.5,"timings":{"blocked":1.2,"dns":-1,"ssl":-1,"connect":-1,"send":0.1,"wait":40.1,"receive":1.1,"_blocked_queueing":0.8}}`,
		typ, method, quote(url), headers(reqH), len(body), post, status, headers(respH), len(text), mime, quote(text), len(text)+300, stamp(g.at))
}

func (g *gen) login() {
	g.entry("document", "GET", "https://app.example.test/login", []nv{{"Accept", "text/html"}, {"Sec-Fetch-Mode", "navigate"}}, "", 200, []nv{{"content-type", "text/html"}}, "text/html", "<html><form method=post></form></html>")
	g.entry("document", "POST", "https://app.example.test/login", []nv{{"Accept", "text/html"}, {"Sec-Fetch-Mode", "navigate"}, {"Origin", "https://app.example.test"}}, "user=u1&password=hunter2", 302,
		[]nv{{"location", "/app"}, {"set-cookie", "sid=4f1c2d3e5a6b7c8d; Path=/; Secure; HttpOnly; SameSite=Lax"}}, "text/html", "")
	g.entry("document", "GET", "https://app.example.test/app", []nv{{"Accept", "text/html"}, {"Sec-Fetch-Mode", "navigate"}, {"Cookie", "sid=4f1c2d3e5a6b7c8d"}, {"Referer", "https://app.example.test/login"}}, "", 200,
		[]nv{{"content-type", "text/html"}}, "text/html", `<html><script>window.__TOKEN__="`+jwtFor(1)+`"</script></html>`)
}

func (g *gen) api(method, url string, status int, token, text string) {
	g.entry("fetch", method, url, []nv{{"Accept", "application/json"}, {"Authorization", "Bearer " + token}, {"Cookie", "sid=4f1c2d3e5a6b7c8d; theme=dark"}, {"Referer", "https://app.example.test/app"}, {"Sec-Fetch-Mode", "cors"}}, "", status,
		[]nv{{"content-type", "application/json"}}, "application/json", text)
}

// poll is a call after the session ended on the server's side: refused,
// the first answer deleting the session cookie.
func (g *gen) poll(first bool) {
	cookie, resp := "theme=dark", []nv{{"content-type", "application/json"}}
	if first {
		cookie = "sid=4f1c2d3e5a6b7c8d; theme=dark"
		resp = append(resp, nv{"set-cookie", "sid=; Path=/; Max-Age=0; Secure; HttpOnly"})
	}
	g.entry("fetch", "GET", "https://app.example.test/api/poll", []nv{{"Accept", "application/json"}, {"Cookie", cookie}, {"Referer", "https://app.example.test/app"}, {"Sec-Fetch-Mode", "cors"}}, "", 401,
		resp, "application/json", `{"error":"session expired"}`)
}

func (g *gen) refresh(token string) {
	g.entry("fetch", "POST", "https://app.example.test/oauth/token", []nv{{"Accept", "application/json"}, {"Cookie", "sid=4f1c2d3e5a6b7c8d; theme=dark"}, {"Origin", "https://app.example.test"}}, "grant_type=refresh_token&refresh_token=r1", 200,
		[]nv{{"content-type", "application/json"}}, "application/json", `{"access_token":"`+token+`","token_type":"Bearer","expires_in":3600}`)
}

func (g *gen) preflight(i int) {
	url := fmt.Sprintf("https://api.example.test/v1/events?n=%d", i%20)
	g.entry("preflight", "OPTIONS", url, []nv{{"Accept", "*/*"}, {"Access-Control-Request-Method", "POST"}, {"Access-Control-Request-Headers", "authorization,content-type"}, {"Origin", "https://app.example.test"}}, "", 204,
		[]nv{{"access-control-allow-origin", "https://app.example.test"}, {"access-control-allow-methods", "GET, POST"}, {"access-control-allow-headers", "authorization, content-type"}, {"access-control-max-age", "5"}}, "text/plain", "")
}

func (g *gen) asset(i int) {
	g.entry("image", "GET", fmt.Sprintf("https://app.example.test/static/img/%d.png", i%300), []nv{{"Accept", "image/avif,image/webp,*/*"}, {"Cookie", "sid=4f1c2d3e5a6b7c8d; theme=dark"}, {"Referer", "https://app.example.test/app"}}, "", 200,
		[]nv{{"content-type", "image/png"}, {"etag", fmt.Sprintf(`"%x"`, i%300)}}, "image/png", "")
}
