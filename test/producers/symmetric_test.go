package producers_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
	"github.com/why401/why401/internal/servertest"
)

// proxiedApache starts Apache guarding a page with Basic auth for
// alice:secret, and nginx in front of it passing every request on, with
// extra inside its location (a proxy_set_header line, or nothing).
func proxiedApache(t *testing.T, extra string) *servertest.Server {
	t.Helper()
	pw := filepath.Join(servertest.TempDir(t), "htpasswd")
	servertest.Htpasswd(t, pw, "alice", "secret", "-B")
	app := servertest.Apache(t, `
<Directory "{{.Dir}}/htdocs">
	AuthType Basic
	AuthName "Reports"
	AuthBasicProvider file
	AuthUserFile "`+pw+`"
	Require valid-user
</Directory>`, servertest.File("htdocs/index.html", "reports\n"))
	return servertest.Nginx(t, fmt.Sprintf(`
server {
	listen {{.Addr}};
	location / {
		proxy_pass http://127.0.0.1:%d;
		%s
	}
}`, app.Port, extra))
}

// rankOf returns the rank (0 first) and confidence of cause, or -1.
func rankOf(r *report.Report, cause catalog.ID) (int, float64) {
	for i, f := range r.Findings {
		if f.Cause == cause {
			return i, f.Confidence
		}
	}
	return -1, 0
}

// TestSymmetricBehindProxy: nginx in front of Apache's Basic auth. When
// nginx drops the Authorization header (proxy_set_header Authorization
// "") and when the password is simply wrong, Apache answers exactly as to
// no credentials, and so does it to a malformed header, to a Bearer token
// and to a made-up user: from outside the two faults are the same. Both
// are reported close together (credentials.rejected first, as the more
// common one, proxy.header-stripped within 0.1), each saying what
// separates them, and the experiments cost no credentialed attempt.
// With the password right and the header passed, nothing is reported.
func TestSymmetricBehindProxy(t *testing.T) {
	for _, tt := range []struct {
		name, extra, pass string
	}{
		{"stripped", `proxy_set_header Authorization "";`, "secret"},
		{"wrong password", "", "wrong"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := proxiedApache(t, tt.extra)
			sanity(t, "anonymous", get(t, s.URL()+"/"), 401)
			r := run(t, probe.Options{URL: s.URL() + "/", User: "alice:" + tt.pass})
			expect(t, r, r.AnsweredBy, catalog.CredentialsRejected)
			ri, rc := rankOf(r, catalog.CredentialsRejected)
			si, sc := rankOf(r, catalog.ProxyHeaderStripped)
			if ri != 0 || si != 1 || rc-sc > 0.1+1e-9 || rc-sc < 0.05 {
				t.Errorf("ranks: rejected %d (%.2f), stripped %d (%.2f); want 0 and 1, within 0.1", ri, rc, si, sc)
				for _, f := range r.Findings {
					t.Logf("%s %.2f %s %q", f.Cause, f.Confidence, f.Title, f.Evidence)
				}
			}
			if si >= 0 {
				f := r.Findings[si]
				text := strings.Join(f.Evidence, "\n")
				for _, want := range []string{"what separates them", "proxy_set_header Authorization", "malformed, different scheme, made-up credentials", "answers each experiment exactly as no credentials"} {
					if !strings.Contains(text, want) {
						t.Errorf("stripped evidence lacks %q:\n%s", want, text)
					}
				}
			}
			seps := 0
			for _, x := range r.Exchanges {
				if x.Variant == string(evidence.Separate) {
					seps++
				}
			}
			if seps != 3 || r.CredentialedAttempts != 1 {
				t.Errorf("%d separate requests, %d credentialed attempts (want 3 and 1)", seps, r.CredentialedAttempts)
			}
		})
	}
	// Control: passed on, right password.
	r := run(t, probe.Options{URL: proxiedApache(t, "").URL() + "/", User: "alice:secret"})
	if r.Status != 200 || len(r.Findings) != 0 {
		t.Errorf("control: %d, %v", r.Status, r.Findings)
	}
}
