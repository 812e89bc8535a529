package audit

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/finding"
)

// corpus runs the audit over every fixture, fires and near misses, and
// returns the findings with the server each fixture configures.
func corpus(t *testing.T) (fs []Finding, servers []Kind) {
	t.Helper()
	add := func(server Kind, path string) {
		got, _ := auditFixture(t, server, path)
		for range got {
			servers = append(servers, server)
		}
		fs = append(fs, got...)
	}
	for _, server := range []Kind{KindNginx, KindApache} {
		for _, path := range fixtures(t, server) {
			add(server, path)
		}
	}
	for _, tree := range panelTrees {
		add(tree.kind, filepath.Join("testdata", "panel", tree.main))
	}
	if len(fs) == 0 {
		t.Fatal("the fixtures yield no findings")
	}
	return fs, servers
}

// TestSeverityPolicy enforces the written policy on every finding the
// fixtures yield: an error is of a kind errorKinds justifies, and the
// confidence band fits the severity (error certain, warning strong or
// likely, info suspicion).
func TestSeverityPolicy(t *testing.T) {
	fs, _ := corpus(t)
	used := map[int]bool{}
	for i := range fs {
		f := &fs[i]
		at := f.Location.String()
		switch f.Severity {
		case catalog.Error:
			k := errorKindOf(f)
			if k == nil {
				t.Errorf("%s: error %s matches no kind the severity policy allows (add its reason to errorKinds, or lower it): %s", at, f.Cause, f.Text())
				continue
			}
			used[slices.IndexFunc(errorKinds, func(e errorKind) bool { return e.Cause == k.Cause && e.Detail == k.Detail })] = true
			if f.Band != finding.BandCertain {
				t.Errorf("%s: error %s in band %s, want certain", at, f.Cause, f.Band)
			}
		case catalog.Warning:
			if f.Band != finding.BandStrong && f.Band != finding.BandLikely {
				t.Errorf("%s: warning %s in band %s, want strong or likely", at, f.Cause, f.Band)
			}
		case catalog.Info:
			if f.Band != finding.BandSuspicion {
				t.Errorf("%s: info %s in band %s, want suspicion", at, f.Cause, f.Band)
			}
		default:
			t.Errorf("%s: %s has severity %q", at, f.Cause, f.Severity)
		}
		if f.Confidence == 0 {
			t.Errorf("%s: %s has no confidence", at, f.Cause)
		}
	}
	// Every reason is written for something a fixture shows, except the
	// file facts the fixtures cannot hold (unreadable files and
	// directories, tested on files the tests make; an empty file and a
	// server without mod_auth_digest, TestPolicyKindsOutsideFixtures).
	for i, k := range errorKinds {
		d := k.Detail.String()
		elsewhere := strings.Contains(d, "cannot be read") || strings.Contains(d, "is a directory") || strings.Contains(d, "is not readable by") ||
			strings.Contains(d, "lists no users") || strings.Contains(d, "mod_auth_digest is not loaded") // TestPolicyKindsOutsideFixtures
		if !used[i] && !elsewhere {
			t.Errorf("errorKinds[%d] (%s %q) is shown by no fixture: add one or drop the kind", i, k.Cause, k.Detail)
		}
	}
	// Each reason is one the policy names.
	for _, k := range errorKinds {
		if !strings.Contains(k.Why, "every") && !strings.Contains(k.Why, "no ") && !strings.Contains(k.Why, "without") {
			t.Errorf("%s %q: the reason %q says neither that every request fails nor that none is asked", k.Cause, k.Detail, k.Why)
		}
	}
}

// serverTags is the layer of catalog tags naming the software that
// answers HTTP, of which a configuration's fixes may name only its own.
var serverTags = []string{"nginx", "apache", "iis", "caddy", "lighttpd", "haproxy", "traefik", "envoy", "squid",
	"cloudflare", "cloudfront", "akamai", "fastly", "sucuri", "imperva"}

// TestFixesFitTheSoftware: every fix a fixture's finding shows is for the
// software of that configuration or for none in particular: no IIS
// appcmd for nginx address rules, no CDN purge for an nginx cache, no
// Apache directive for nginx.
func TestFixesFitTheSoftware(t *testing.T) {
	fs, servers := corpus(t)
	for i, f := range fs {
		if f.Server != servers[i] {
			t.Errorf("%s: %s names server %q in a %s configuration", f.Location, f.Cause, f.Server, servers[i])
		}
		for aud, fixes := range f.Fixes {
			for _, fx := range fixes {
				for _, tag := range fx.Tags() {
					if slices.Contains(serverTags, tag) && tag != f.Server {
						t.Errorf("%s: %s shows the %s fix %q for %s (%s)", f.Location, f.Cause, aud, fx.Text, tag, f.Server)
					}
				}
			}
		}
	}
}

// TestPolicyKindsOutsideFixtures shows the error kinds that need files
// the fixture tree does not hold (an empty password file, a server
// without mod_auth_digest), on a tree the test writes.
func TestPolicyKindsOutsideFixtures(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("empty.htpasswd", "")
	write("staff.htdigest", "ann:Staff:0e8ed3fe4a3c0c5c2f1e6fbd2a9f4d77\n")
	conf := write("httpd.conf", `LoadModule auth_basic_module modules/mod_auth_basic.so
<Location "/empty">
    AuthType Basic
    AuthName "Staff"
    AuthUserFile empty.htpasswd
    Require valid-user
</Location>
<Location "/digest">
    AuthType Digest
    AuthName "Staff"
    AuthUserFile staff.htdigest
    Require valid-user
</Location>
`)
	ev, err := Load([]Input{{Path: conf, Kind: KindApache, ServerRoot: dir}})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Run(All, ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lists no users", "mod_auth_digest is not loaded"} {
		found := false
		for i := range fs {
			f := &fs[i]
			if strings.Contains(f.Text(), want) {
				found = true
				if f.Severity != catalog.Error || errorKindOf(f) == nil || f.Band != finding.BandCertain {
					t.Errorf("%q: severity %s, band %s, kind %v", want, f.Severity, f.Band, errorKindOf(f))
				}
			}
		}
		if !found {
			t.Errorf("no finding says %q: %v", want, fs)
		}
	}
}

// TestSeverityCases pins the severities the policy changed, each on a
// small configuration the real server accepts: the same directive is an
// error, a warning or info depending on what the configuration shows.
func TestSeverityCases(t *testing.T) {
	tests := []struct {
		name, conf string
		cause      catalog.ID
		want       catalog.Severity
		band       finding.Band
	}{
		{"error_page to a URL under auth_basic", `location / { auth_basic "x"; auth_basic_user_file /dev/null; error_page 401 https://login.example.com/; }`,
			catalog.ChallengeMissing, catalog.Error, finding.BandCertain},
		{"error_page to a URL under auth_request", `location / { auth_request /auth; error_page 401 https://login.example.com/; } location = /auth { internal; proxy_pass http://127.0.0.1:9000; proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header Host $host; }`,
			catalog.ChallengeMissing, catalog.Warning, finding.BandLikely},
		{"return 401 everywhere", `location /api/ { return 401; }`,
			catalog.ChallengeMissing, catalog.Error, finding.BandCertain},
		{"return 401 on a condition", `location /api/ { if ($http_authorization = "") { return 401; } return 204; }`,
			catalog.ChallengeMissing, catalog.Warning, finding.BandLikely},
		{"Authorization removed before an upstream", `location / { proxy_pass http://127.0.0.1:9000; proxy_set_header Host $host; proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header Authorization ""; }`,
			catalog.ProxyHeaderStripped, catalog.Warning, finding.BandStrong},
		{"Authorization kept from the upstream where nginx checks the password", `location / { auth_basic "x"; auth_basic_user_file /dev/null; proxy_pass http://127.0.0.1:9000; proxy_set_header Host $host; proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header Authorization ""; }`,
			catalog.ProxyHeaderStripped, catalog.Info, finding.BandSuspicion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nginx.conf")
			text := "events {}\nhttp {\n  server {\n    listen 127.0.0.1:8080;\n    " + tt.conf + "\n  }\n}\n"
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			if !testing.Short() {
				acceptedByServer(t, KindNginx, path)
			}
			ev, err := Load([]Input{{Path: path, Kind: KindNginx}})
			if err != nil {
				t.Fatal(err)
			}
			fs, err := Run(All, ev)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range fs {
				if f.Cause != tt.cause {
					continue
				}
				found = true
				if f.Severity != tt.want || f.Band != tt.band {
					t.Errorf("%s: %s in band %s, want %s in %s: %s", f.Cause, f.Severity, f.Band, tt.want, tt.band, f.Text())
				}
			}
			if !found {
				t.Errorf("no %s finding: %v", tt.cause, fs)
			}
		})
	}
}
