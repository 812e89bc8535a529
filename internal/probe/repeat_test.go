package probe

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/why401/why401/internal/evidence"
)

// TestRepeat: an affinity cookie makes the probe resend a GET three times,
// each counted as a credentialed attempt; a POST is not resent unasked;
// --repeat N resends N times without any sign; a negative value never.
func TestRepeat(t *testing.T) {
	var n atomic.Int64
	s, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		node := "a"
		if n.Add(1)%2 == 0 {
			node = "b"
		}
		if r.URL.Path == "/sticky" {
			w.Header().Add("Set-Cookie", "AWSALB="+node+"; Path=/")
		}
		basicWall(w, r)
	}))
	count := func(p *evidence.Probe) int { return len(trialsOf(p, evidence.Repeat)) }
	p := probeRun(t, Options{URL: s.URL + "/sticky", User: "alice:secret", NoDiscovery: true})
	if count(p) != defaultRepeats || !hasNote(p, "AWSALB") {
		t.Errorf("%d repeats, notes %q", count(p), p.Notes)
	}
	for _, tr := range trialsOf(p, evidence.Repeat) {
		if !tr.Credentialed {
			t.Error("a repeat without the credentials")
		}
	}
	if p.CredentialedAttempts != 1+defaultRepeats {
		t.Errorf("attempts %d, want %d", p.CredentialedAttempts, 1+defaultRepeats)
	}
	p = probeRun(t, Options{URL: s.URL + "/sticky", User: "alice:secret", Data: []byte("a=1"), NoDiscovery: true})
	if count(p) != 0 || !hasNote(p, "not safe to resend") {
		t.Errorf("POST: %d repeats, notes %q", count(p), p.Notes)
	}
	if p = probeRun(t, Options{URL: s.URL + "/plain", User: "alice:secret", NoDiscovery: true}); count(p) != 0 {
		t.Errorf("no sign: %d repeats", count(p))
	}
	if p = probeRun(t, Options{URL: s.URL + "/plain", User: "alice:secret", Repeat: 2, NoDiscovery: true}); count(p) != 2 || p.CredentialedAttempts != 3 {
		t.Errorf("--repeat 2: %d repeats, %d attempts", count(p), p.CredentialedAttempts)
	}
	if p = probeRun(t, Options{URL: s.URL + "/sticky", User: "alice:secret", Repeat: -1, NoDiscovery: true}); count(p) != 0 {
		t.Errorf("--repeat -1: %d repeats", count(p))
	}
}
