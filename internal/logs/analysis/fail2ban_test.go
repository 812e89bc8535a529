package analysis

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
)

func analyseWith(t *testing.T, cfg Config, text string) *Result {
	t.Helper()
	res, err := Run(context.Background(), []Source{source("log1", text)}, cfg, 4096)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestFail2banScale: fail2ban's default rule, five failures within ten
// minutes from one source, is an attack; four are not, nor five spread
// over an hour, nor challenge round trips, nor a working client's bad
// minute.
func TestFail2banScale(t *testing.T) {
	var b strings.Builder
	background(&b, 0, 3600)
	// Six 401s in one second (CrowdSec's basic-auth samples look so).
	for i := 0; i < 6; i++ {
		b.WriteString(clf(100+float64(i)*0.1, "203.0.113.7", "", "GET", "/", 401, "curl/8.5.0"))
	}
	// Four in a minute: below the threshold.
	for i := 0; i < 4; i++ {
		b.WriteString(clf(200+float64(i)*10, "203.0.113.8", "bob", "POST", "/api/login", 401, "app/1.0"))
	}
	// Five over an hour: never five within ten minutes.
	for i := 0; i < 5; i++ {
		b.WriteString(clf(300+float64(i)*700, "203.0.113.9", "carol", "POST", "/api/login", 401, "app/1.0"))
	}
	// Round trips: 401 then 200 a moment later, ten times in a minute.
	for i := 0; i < 10; i++ {
		b.WriteString(clf(400+float64(i)*5, "198.51.100.5", "", "GET", "/admin/", 401, "Firefox"))
		b.WriteString(clf(400.5+float64(i)*5, "198.51.100.5", "dave", "GET", "/admin/", 200, "Firefox"))
	}
	// A working client: many successes, then five 401s in a minute.
	for i := 0; i < 50; i++ {
		b.WriteString(clf(500+float64(i)*10, "198.51.100.6", "", "GET", "/api/items", 200, "sync/2.0"))
	}
	for i := 0; i < 5; i++ {
		b.WriteString(clf(1100+float64(i)*10, "198.51.100.6", "", "GET", "/api/items", 401, "sync/2.0"))
	}
	// Four sources, 13 to 16 failed logins each in fifteen minutes.
	for s := 0; s < 4; s++ {
		for i := 0; i < 13+s; i++ {
			b.WriteString(clf(1800+float64(i*60+s), fmt.Sprintf("192.0.2.%d", 50+s), "admin", "POST", "/api/login", 401, "python-requests/2.31"))
		}
	}
	r := analyse(t, sortLines(b.String()))
	bf := causes(r)[catalog.AttackBruteForce]
	want := []string{"192.0.2.50", "192.0.2.51", "192.0.2.52", "192.0.2.53", "203.0.113.7"}
	if bf == nil {
		t.Fatalf("no brute force: %+v", r.Findings)
	}
	got := slices.Sorted(slices.Values(bf.Sources))
	if !slices.Equal(got, want) || !slices.Equal(r.BanList, want) {
		t.Errorf("brute-force sources %q, ban list %q; want %q", got, r.BanList, want)
	}
	for _, row := range bf.Rows {
		if row[0] == "203.0.113.7" && (row[1] != "6" || row[5] != "2026-05-04 10:01:40" || row[6] != "2026-05-04 10:01:40" || row[7] != "2026-05-04 10:01:40") {
			t.Errorf("203.0.113.7's evidence %q: want 6 failures, the threshold reached, first and last at 10:01:40", row)
		}
	}
	if r.Challenges != 10 {
		t.Errorf("round trips %d, want 10", r.Challenges)
	}

	// --threshold and --window change the rule: 4 within a minute now
	// counts, the six-in-a-second source too; five in an hour still not.
	r = analyseWith(t, Config{Threshold: 4, Window: time.Minute}, sortLines(b.String()))
	if !slices.Contains(r.BanList, "203.0.113.8") || !slices.Contains(r.BanList, "203.0.113.7") || slices.Contains(r.BanList, "203.0.113.9") {
		t.Errorf("threshold 4 in 1m: ban list %q", r.BanList)
	}
	r = analyseWith(t, Config{Threshold: 7}, sortLines(b.String()))
	if slices.Contains(r.BanList, "203.0.113.7") {
		t.Errorf("threshold 7: six failures banned: %q", r.BanList)
	}
}

// TestWordPressFormLogins: WordPress answers a failed login with the form
// again (200) and a good one with a redirect; nine POSTs answered 200 in
// a second are a brute force, and none of them is counted as a 401.
func TestWordPressFormLogins(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 9; i++ {
		b.WriteString(clf(10, "81.150.104.130", "", "POST", "/wp-login.php", 200, "Mozilla/5.0"))
	}
	// A visitor who logs in: POST answered 302, then the dashboard.
	b.WriteString(clf(20, "198.51.100.9", "", "POST", "/wp-login.php", 302, "Mozilla/5.0"))
	b.WriteString(clf(21, "198.51.100.9", "", "GET", "/wp-admin/", 200, "Mozilla/5.0"))
	r := analyse(t, b.String())
	bf := causes(r)[catalog.AttackBruteForce]
	if bf == nil || !slices.Equal(bf.Sources, []string{"81.150.104.130"}) || bf.Count != 9 {
		t.Fatalf("brute force: %+v", bf)
	}
	if r.Failures[401] != 0 || r.FormFailures != 9 {
		t.Errorf("401s %d, form failures %d; want 0, 9", r.Failures[401], r.FormFailures)
	}
}

// TestOutOfOrder: in a file whose lines are not in time order, a 401 and
// a success nine days apart are no round trip, a 401 logged after its
// success in the same second still is, and the report says how many lines
// were out of order.
func TestOutOfOrder(t *testing.T) {
	day := 86400.0
	var b strings.Builder
	b.WriteString(clf(9*day, "10.1.0.1", "", "GET", "/admin/", 401, "curl"))
	b.WriteString(clf(0, "10.1.0.1", "al", "GET", "/admin/", 200, "curl"))
	b.WriteString(clf(3*day+1, "10.1.0.2", "bo", "GET", "/admin/", 200, "Firefox"))
	b.WriteString(clf(3*day, "10.1.0.2", "", "GET", "/admin/", 401, "Firefox"))
	b.WriteString(clf(5*day, "10.1.0.3", "", "GET", "/", 200, "Firefox"))
	r := analyse(t, b.String())
	if r.Challenges != 1 || r.Failures[401] != 1 {
		t.Errorf("round trips %d, 401 failures %d; want 1 and 1", r.Challenges, r.Failures[401])
	}
	if r.OutOfOrder != 4 { // older than the line at nine days before them
		t.Errorf("out of order %d, want 4", r.OutOfOrder)
	}
	// Across chunks too (a chunk is 4 KiB here): the success comes two
	// chunks after the 401 it is nine days older than.
	var c strings.Builder
	c.WriteString(clf(9*day, "10.1.0.1", "", "GET", "/admin/", 401, "curl"))
	for c.Len() < 2*4096 {
		c.WriteString(clf(9*day+1, "10.2.0.1", "", "GET", "/", 200, "Firefox"))
	}
	c.WriteString(clf(0, "10.1.0.1", "al", "GET", "/admin/", 200, "curl"))
	c.WriteString(clf(9*day+2, "10.2.0.1", "", "GET", "/", 200, "Firefox"))
	r = analyse(t, c.String())
	if r.Challenges != 0 || r.Failures[401] != 1 || r.OutOfOrder != 1 {
		t.Errorf("across chunks: round trips %d, 401s %d, out of order %d; want 0, 1, 1", r.Challenges, r.Failures[401], r.OutOfOrder)
	}
}

// TestScanIsNoBruteForce: six 401s on six different files in a second
// (/.env, /.git, ...) are a scan for files, not password guessing.
func TestScanIsNoBruteForce(t *testing.T) {
	var b strings.Builder
	for _, p := range []string{"/.env", "/foo.sql", "/.passwd", "/.ssh", "/.git", "/.config"} {
		b.WriteString(clf(5, "192.168.9.163", "", "GET", p, 401, "Mozilla/5.0"))
	}
	if r := analyse(t, b.String()); len(r.Findings) != 0 || len(r.BanList) != 0 {
		t.Errorf("a file scan reported: %+v", r.Findings)
	}
}
