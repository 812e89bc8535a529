package producer

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/why401/why401/internal/evidence"
)

// FuzzIdentify feeds arbitrary statuses, header values and bodies, seeded
// from the fixtures: Identify must not panic, must name producers
// outermost first, and must quote every match as valid, bounded text.
func FuzzIdentify(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		h := fx.resp.Header
		f.Add(fx.resp.Status, h.Get("Server"), h.Get("WWW-Authenticate"), h.Get("Link"), string(fx.resp.Body), fx.sent)
	}
	set := mustDefault(f)
	f.Fuzz(func(t *testing.T, status int, server, challenge, link, body string, sent bool) {
		r := &evidence.Response{Status: status, Header: http.Header{}, Body: []byte(body)}
		if server != "" {
			r.Header.Set("Server", server)
		}
		if challenge != "" {
			r.Header.Set("WWW-Authenticate", challenge)
			r.Header.Set("Proxy-Authenticate", challenge)
		}
		if link != "" {
			r.Header.Set("Link", link)
		}
		res := set.Identify(r, Input{Sent: sent})
		last := -1
		for _, m := range res.Producers {
			if kindOrder[m.Kind] < last {
				t.Fatalf("producers out of order: %v", res.Names())
			}
			last = kindOrder[m.Kind]
			if m.Score < 1-1e-9 || len(m.Markers) == 0 {
				t.Fatalf("%s named with score %v, markers %q", m.ID, m.Score, m.Markers)
			}
			for _, q := range m.Markers {
				if !utf8.ValidString(q) && !strings.HasPrefix(q, "Server: ") && !strings.HasPrefix(q, "Link: ") {
					t.Fatalf("invalid UTF-8 in quote %q", q)
				}
			}
			for _, mm := range m.Meanings {
				if mm.Producer != m.ID || mm.Rule < 1 || mm.Confidence <= 0 || mm.Confidence > 1 {
					t.Fatalf("bad meaning %+v", mm)
				}
			}
		}
		if (res.Summary() == "") != (len(res.Producers) == 0) {
			t.Fatalf("summary %q for %d producers", res.Summary(), len(res.Producers))
		}
	})
}

// FuzzLoad feeds arbitrary signature files: Load must return a set or an
// error, never panic, and a loaded set must identify without panicking.
func FuzzLoad(f *testing.F) {
	f.Add(string(signaturesJSON))
	f.Add(`{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"json","name":"x.0.y","regex":"^z"}],"rules":[{"status":[401],"when":[{"in":"realm"}],"cause":"waf.block","confidence":0.5,"meaning":"m"}],"verified":"fixture: x"}]}`)
	f.Add(`{"producers":[{"id":"a","name":"A","kind":"app","markers":[{"in":"header","name":"X"}],"verified":"live: x"}]}`)
	f.Add(`{"producers":[null]}`)
	f.Fuzz(func(t *testing.T, data string) {
		s, err := Load([]byte(data))
		if err != nil {
			if s != nil {
				t.Fatal("set and error both returned")
			}
			if strings.Contains(err.Error(), "\n") && !strings.Contains(data, "\n") {
				// joined errors are one per line; each must name the file
				for _, l := range strings.Split(err.Error(), "\n") {
					if !strings.HasPrefix(l, "signatures: ") {
						t.Fatalf("error line %q does not start with signatures:", l)
					}
				}
			}
			return
		}
		s.Identify(&evidence.Response{Status: 401, Header: http.Header{"X": {"z"}, "Www-Authenticate": {`Basic realm="r"`}}, Body: []byte(`{"x":[{"y":"z"}]}`)}, Input{Sent: true})
	})
}
