package checks_test

import (
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
)

// TestSymmetricRanking: the credentials got the anonymous answer behind a
// proxy (Via). With every credential-free experiment answered as no
// credentials, rejected and stripped rank close, rejected first; when a
// malformed header gets another answer from the same producer, the
// header arrives: stripped is not reported and rejected keeps its
// strength.
func TestSymmetricRanking(t *testing.T) {
	challenge := []string{"WWW-Authenticate", `Basic realm="x"`, "Via", "1.1 edge-proxy"}
	sep := func(label string, status int, resp []string) evidence.Trial {
		tr := trial(evidence.Separate, hop("GET", "https://api.test/x", status, []string{"Authorization", "Basic why401!not,a=credential"}, resp))
		tr.Label = label
		return tr
	}
	base := func(extra ...evidence.Trial) *evidence.Probe {
		return probeOf(basicAlice, append([]evidence.Trial{
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, challenge)),
			trial(evidence.NoCredentials, hop("GET", "https://api.test/x", 401, nil, challenge)),
		}, extra...)...)
	}
	conf := func(fs []diagnosis.Finding, id catalog.ID) (float64, string) {
		for _, f := range fs {
			if f.Cause == id {
				return f.Confidence, f.Detail + "\n" + strings.Join(f.Evidence, "\n")
			}
		}
		return 0, ""
	}
	run := func(p *evidence.Probe) []diagnosis.Finding {
		fs, err := diagnosis.Run([]*diagnosis.Check{checks.Rejected, checks.Stripped}, p, t0)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}

	fs := run(base(sep("malformed", 401, challenge), sep("different scheme", 401, challenge), sep("made-up credentials", 401, challenge)))
	rc, rtext := conf(fs, catalog.CredentialsRejected)
	sc, stext := conf(fs, catalog.ProxyHeaderStripped)
	if rc <= sc || rc-sc > 0.1+1e-9 || sc == 0 {
		t.Errorf("symmetric: rejected %.2f, stripped %.2f", rc, sc)
	}
	for _, text := range []string{rtext, stext} {
		if !strings.Contains(text, "what separates them") || !strings.Contains(text, "answers each experiment exactly as no credentials") {
			t.Errorf("symmetric text:\n%s", text)
		}
	}

	fs = run(base(sep("malformed", 400, []string{"Via", "1.1 edge-proxy"}), sep("made-up credentials", 401, challenge)))
	rc, rtext = conf(fs, catalog.CredentialsRejected)
	if sc, _ := conf(fs, catalog.ProxyHeaderStripped); sc != 0 || rc < 0.85 {
		t.Errorf("told apart: rejected %.2f, stripped %.2f", rc, sc)
	}
	if !strings.Contains(rtext, "malformed → 400") || !strings.Contains(rtext, "tells apart from no credentials: malformed") {
		t.Errorf("told apart text:\n%s", rtext)
	}

	// No proxy shows: as before, rejected strong and stripped a suspicion.
	plain := []string{"WWW-Authenticate", `Basic realm="x"`}
	fs = run(probeOf(basicAlice,
		trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, plain)),
		trial(evidence.NoCredentials, hop("GET", "https://api.test/x", 401, nil, plain))))
	rc, _ = conf(fs, catalog.CredentialsRejected)
	sc, _ = conf(fs, catalog.ProxyHeaderStripped)
	if rc < 0.85 || sc > 0.25 {
		t.Errorf("no proxy: rejected %.2f, stripped %.2f", rc, sc)
	}
}
