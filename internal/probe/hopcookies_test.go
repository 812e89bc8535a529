package probe

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/why401/why401/internal/evidence"
)

// TestHopCookies: each hop records which of the chain's cookies it sent,
// which it held back and why, and what became of its Set-Cookie lines.
func TestHopCookies(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "narrow=1; Path=/login")
		w.Header().Add("Set-Cookie", "wide=2; Path=/")
		w.Header().Add("Set-Cookie", "sec=3; Path=/; Secure")
		w.Header().Add("Set-Cookie", "foreign=4; Domain=elsewhere.example")
		http.Redirect(w, r, "/app", http.StatusFound)
	})
	mux.HandleFunc("/app", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("narrow"); err == nil {
			t.Error("a cookie outside its Path was sent")
		}
		if _, err := r.Cookie("wide"); err != nil {
			t.Error("the Path=/ cookie was not sent")
		}
		w.WriteHeader(http.StatusUnauthorized)
	})
	s, _ := serve(t, mux)
	u, _ := url.Parse(s.URL)
	// A name, not a loopback address: Secure cookies over http are refused.
	p := probeRun(t, Options{URL: "http://app.test:" + u.Port() + "/login", Resolve: []string{"app.test:" + u.Port() + ":127.0.0.1"}, NoDiscovery: true})
	tr := one(t, p, evidence.AsGiven)
	if len(tr.Hops) != 2 {
		t.Fatalf("%d hops", len(tr.Hops))
	}
	first := tr.Hops[0].Cookies
	if first == nil || len(first.Stored) != 4 {
		t.Fatalf("hop 0 cookies %+v", first)
	}
	reasons := map[string]string{}
	for _, v := range first.Stored {
		reasons[v.Name] = v.Reason
	}
	if reasons["narrow"] != "" || reasons["wide"] != "" || reasons["sec"] != "SecureOnly" || reasons["foreign"] != "InvalidDomain" {
		t.Errorf("store verdicts %v", reasons)
	}
	last := tr.Hops[1].Cookies
	if last == nil || strings.Join(last.Sent, ",") != "wide" || len(last.Withheld) != 1 {
		t.Fatalf("hop 1 cookies %+v", last)
	}
	if w := last.Withheld[0]; w.Name != "narrow" || w.Reason != "NotOnPath" || w.Path != "/login" || w.SetAt != 0 {
		t.Errorf("withheld %+v", w)
	}
	if h := tr.Hops[1].Request.Header.Get("Cookie"); h != "wide=2" {
		t.Errorf("Cookie sent: %q", h)
	}
}
