package producers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// TestInfluxDB1Auth: InfluxDB 1.6 with auth-enabled and one admin,
// alice:secret (the first user may be created without credentials). It
// checks Basic (or u and p in the query). An InfluxDB 2.x style API token
// (Authorization: Token ...) is not a 1.x credential: it answers "unable
// to parse authentication credentials", as to none, which is the wrong
// scheme, not a wrong password; a wrong password is "authorization
// failed": credentials.rejected. Control: alice's password gets 200.
func TestInfluxDB1Auth(t *testing.T) {
	s := servertest.InfluxDB(t, "auth-enabled = true")
	create, _ := http.NewRequest(http.MethodPost, s.URL()+"/query",
		strings.NewReader(url.Values{"q": {"CREATE USER alice WITH PASSWORD 'secret' WITH ALL PRIVILEGES"}}.Encode()))
	create.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sanity(t, "create the admin", create, 200)
	q := s.URL() + "/query?q=SHOW+DATABASES"
	sanity(t, "anonymous", get(t, q), 401)

	token := http.Header{"Authorization": {"Token 3kD8xXq0bTz0vR1mNq7wYtHc2Lp9sVf4aJ6gUe5iOo=="}}
	r := run(t, probe.Options{URL: q, Header: token})
	expect(t, r, "InfluxDB", catalog.CredentialsWrongScheme)
	expect(t, run(t, probe.Options{URL: q, User: "alice:wrong"}), "InfluxDB", catalog.CredentialsRejected)
	ok := run(t, probe.Options{URL: q, User: "alice:secret"})
	if ok.Status != 200 || len(ok.Findings) != 0 {
		t.Errorf("control: status %d, findings %v", ok.Status, ok.Findings)
	}
}
