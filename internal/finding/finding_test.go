package finding

import (
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
)

type ev struct{}

func TestValidate(t *testing.T) {
	run := func(*Pass[ev]) error { return nil }
	ok := []catalog.ID{catalog.TokenExpired}
	tests := []struct {
		name   string
		checks []*Check[ev]
		want   string // substring of the error; "" = valid
	}{
		{"valid", []*Check[ev]{{Name: "a", Doc: "d", Causes: ok, Run: run}}, ""},
		{"bad name", []*Check[ev]{{Name: "A-b", Doc: "d", Causes: ok, Run: run}}, "bad name"},
		{"duplicate", []*Check[ev]{{Name: "a", Doc: "d", Causes: ok, Run: run}, {Name: "a", Doc: "d", Causes: ok, Run: run}}, "duplicate"},
		{"no doc", []*Check[ev]{{Name: "a", Causes: ok, Run: run}}, "no doc"},
		{"no run", []*Check[ev]{{Name: "a", Doc: "d", Causes: ok}}, "no Run"},
		{"no causes", []*Check[ev]{{Name: "a", Doc: "d", Run: run}}, "declares no causes"},
		{"unknown cause", []*Check[ev]{{Name: "a", Doc: "d", Causes: []catalog.ID{"token.made-up"}, Run: run}}, "unknown cause"},
		{"nil", []*Check[ev]{nil}, "nil"},
	}
	for _, tt := range tests {
		err := Validate(tt.checks)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestRankMergesAndOrders(t *testing.T) {
	fs := Rank([]Finding{
		{Cause: catalog.CredentialsRejected, Confidence: 0.4, Evidence: []string{"a"}, Check: "x"},
		{Cause: catalog.TokenExpired, Confidence: 0.95, Evidence: []string{"b"}},
		{Cause: catalog.CredentialsRejected, Confidence: 0.8, Evidence: []string{"c", "a"}, Check: "y"},
		{Cause: catalog.ClockSkew, Confidence: 0.7, Evidence: []string{"d"}},
	}, Context{})
	if len(fs) != 3 {
		t.Fatalf("got %d findings, want 3 (merged by cause)", len(fs))
	}
	if fs[0].Cause != catalog.TokenExpired || fs[1].Cause != catalog.CredentialsRejected || fs[2].Cause != catalog.ClockSkew {
		t.Errorf("order %s, %s, %s; want token.expired, credentials.rejected, clock.skew", fs[0].Cause, fs[1].Cause, fs[2].Cause)
	}
	if fs[1].Check != "y" || fs[1].Confidence != 0.8 || strings.Join(fs[1].Evidence, ",") != "c,a" {
		t.Errorf("merge kept %+v; want the stronger report with evidence c,a", fs[1])
	}
	f := fs[0]
	if f.Title != catalog.MustLookup(catalog.TokenExpired).Title || len(f.Fixes) == 0 || f.Band != BandCertain ||
		f.Doc != "docs/causes.md#token.expired" || f.Severity == "" {
		t.Errorf("catalog words not attached: %+v", f)
	}
}

// The written tie rule: within NearTie, the specific defect ranks above
// the generic symptom it explains, whatever the catalog order; beyond
// NearTie the numbers decide.
func TestRankSpecificBeforeGeneric(t *testing.T) {
	tests := []struct {
		name  string
		in    []Finding
		first catalog.ID
	}{
		{"no challenge explains no credentials", []Finding{
			{Cause: catalog.CredentialsMissing, Confidence: 0.9},
			{Cause: catalog.ChallengeMissing, Confidence: 0.87},
		}, catalog.ChallengeMissing},
		{"equal confidence", []Finding{
			{Cause: catalog.CredentialsRejected, Confidence: 0.8},
			{Cause: catalog.ProxyHeaderStripped, Confidence: 0.8},
		}, catalog.ProxyHeaderStripped},
		{"too far apart", []Finding{
			{Cause: catalog.CredentialsMissing, Confidence: 0.95},
			{Cause: catalog.ChallengeMissing, Confidence: 0.6},
		}, catalog.CredentialsMissing},
		{"unrelated causes keep the numbers", []Finding{
			{Cause: catalog.TokenScope, Confidence: 0.9},
			{Cause: catalog.CredentialsMissing, Confidence: 0.88},
		}, catalog.TokenScope},
		{"through a chain", []Finding{
			{Cause: catalog.CredentialsRejected, Confidence: 0.9},
			{Cause: catalog.TokenExpired, Confidence: 0.88},
			{Cause: catalog.ClockSkew, Confidence: 0.86},
		}, catalog.ClockSkew},
	}
	for _, tt := range tests {
		fs := Rank(tt.in, Context{})
		if fs[0].Cause != tt.first {
			var got []string
			for _, f := range fs {
				got = append(got, string(f.Cause))
			}
			t.Errorf("%s: order %v, want %s first", tt.name, got, tt.first)
		}
	}
}

func TestExplainsHasNoCycle(t *testing.T) {
	for _, a := range catalog.All() {
		for _, b := range catalog.All() {
			if catalog.Explains(a.ID, b.ID) && catalog.Explains(b.ID, a.ID) {
				t.Errorf("%s and %s explain each other", a.ID, b.ID)
			}
		}
		if catalog.Explains(a.ID, a.ID) {
			t.Errorf("%s explains itself", a.ID)
		}
	}
}

func TestBandOf(t *testing.T) {
	for c, want := range map[float64]Band{Certain: BandCertain, 0.95: BandCertain, Strong: BandStrong, 0.85: BandStrong,
		Likely: BandLikely, 0.55: BandLikely, Suspicion: BandSuspicion, 0: BandSuspicion, 1: BandCertain} {
		if got := BandOf(c); got != want {
			t.Errorf("BandOf(%v) = %s, want %s", c, got, want)
		}
	}
	// Each band's named value lies in its own band.
	if BandOf(Certain) != BandCertain || BandOf(Strong) != BandStrong || BandOf(Likely) != BandLikely || BandOf(Suspicion) != BandSuspicion {
		t.Error("a band's constant is outside its band")
	}
}

func TestReportRejectsUndeclaredCause(t *testing.T) {
	c := &Check[ev]{Name: "a", Doc: "d", Causes: []catalog.ID{catalog.TokenExpired}, Run: func(p *Pass[ev]) error {
		p.Reportf(catalog.ClockSkew, 1, nil, "nope")
		return nil
	}}
	defer func() {
		if recover() == nil {
			t.Error("reporting an undeclared cause did not panic")
		}
	}()
	_, _ = Run([]*Check[ev]{c}, ev{}, time.Now())
}

func TestConfidenceClampedAndDetailKept(t *testing.T) {
	c := &Check[ev]{Name: "a", Doc: "d", Causes: []catalog.ID{catalog.TokenExpired}, Run: func(p *Pass[ev]) error {
		p.Reportf(catalog.TokenExpired, 7, nil, "expired %d h ago", 2)
		return nil
	}}
	fs, err := Run([]*Check[ev]{c}, ev{}, time.Now())
	if err != nil || len(fs) != 1 || fs[0].Confidence != 1 || fs[0].Check != "a" || fs[0].Detail != "expired 2 h ago" {
		t.Fatalf("got %+v, %v", fs, err)
	}
}

func TestSortByPlaceWithoutRepeats(t *testing.T) {
	fs := Sort([]Finding{
		{Cause: catalog.ServerHtpasswdFile, Location: Location{File: "b.conf", Line: 3}, Detail: "x"},
		{Cause: catalog.ServerHtpasswdFile, Location: Location{File: "a.conf", Line: 9}, Detail: "x"},
		{Cause: catalog.ServerHtpasswdFile, Location: Location{File: "a.conf", Line: 2}, Detail: "x"},
		{Cause: catalog.ServerHtpasswdFile, Location: Location{File: "a.conf", Line: 9}, Detail: "x"},
	}, Context{})
	var got []string
	for _, f := range fs {
		got = append(got, f.Location.String())
	}
	if strings.Join(got, " ") != "a.conf:2 a.conf:9 b.conf:3" {
		t.Errorf("sorted %v", got)
	}
}

// Fixes fit the context: what answered, whose configuration it is, and
// the credential sent.
func TestFixesFitContext(t *testing.T) {
	has := func(fs map[catalog.Audience][]catalog.Fix, word string) bool {
		for _, list := range fs {
			for _, f := range list {
				if strings.Contains(strings.ToLower(f.Text+" "+f.Command), strings.ToLower(word)) {
					return true
				}
			}
		}
		return false
	}
	cached := catalog.MustLookup(catalog.CacheCached401)
	if !has(cached.FixesFor(catalog.FixContext{}), "cloudflare") {
		t.Skip("the catalog's cache.cached-401 fixes no longer mention Cloudflare")
	}
	if has(cached.FixesFor(catalog.FixContext{Software: []string{"nginx"}}), "cloudflare") {
		t.Error("an nginx cache is given a Cloudflare purge")
	}
	if !has(cached.FixesFor(catalog.FixContext{Software: []string{"cloudflare", "nginx"}}), "cloudflare") {
		t.Error("Cloudflare in front lost its purge")
	}
	var f Finding
	f.Cause, f.Server = catalog.CacheCached401, "nginx"
	Attach(&f, Context{})
	if has(f.Fixes, "cloudflare") {
		t.Error("a finding about nginx configuration kept a Cloudflare fix")
	}
	bearer := catalog.Fix{Text: "Send it as a header:", Command: `curl -H "Authorization: Bearer $TOKEN" URL`, For: []string{"bearer"}}
	if bearer.Fits(catalog.FixContext{Scheme: "basic"}) || !bearer.Fits(catalog.FixContext{Scheme: "bearer"}) || !bearer.Fits(catalog.FixContext{}) {
		t.Error("a Bearer fix is not chosen by the scheme sent")
	}
	iis := catalog.Fix{Text: "Allow the address in IIS:", Command: "appcmd set config"}
	if iis.Fits(catalog.FixContext{Software: []string{"nginx"}}) || !iis.Fits(catalog.FixContext{Software: []string{"iis"}}) {
		t.Error("an appcmd fix is not chosen by the server")
	}
	wp := catalog.Fix{Text: "In WordPress, open Users → Profile"}
	if !wp.Fits(catalog.FixContext{Software: []string{"apache"}}) {
		t.Error("an application's fix was dropped because of the server in front of it")
	}
}
