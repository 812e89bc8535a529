package producers_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// nginxNode starts one nginx node guarding a page with auth_basic and a
// password file holding alice with pass.
func nginxNode(t *testing.T, name, pass string) *servertest.Server {
	t.Helper()
	pw := filepath.Join(servertest.TempDir(t), "htpasswd")
	servertest.Htpasswd(t, pw, "alice", pass, "-B")
	return servertest.Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/htdocs;
	location / {
		auth_basic "Intranet";
		auth_basic_user_file `+pw+`;
	}
}`, servertest.File("htdocs/index.html", name+"\n"))
}

// balance starts HAProxy balancing round robin over the nodes, with an
// inserted SERVERID affinity cookie, as its documentation sets it up.
func balance(t *testing.T, nodes ...*servertest.Server) *servertest.Server {
	t.Helper()
	var servers strings.Builder
	for i, n := range nodes {
		fmt.Fprintf(&servers, "  server web%d 127.0.0.1:%d cookie web%d\n", i+1, n.Port, i+1)
	}
	return servertest.HAProxy(t, `
frontend web
  bind {{.Addr}}
  default_backend nodes

backend nodes
  balance roundrobin
  cookie SERVERID insert indirect nocache
`+servers.String())
}

// TestBalancerStaleNode: HAProxy in front of two nginx nodes, one with a
// password file from before alice's password change. Behind one address
// the answers alternate; the probe sees the affinity cookie, resends the
// request a stated number of times and names backend.inconsistent, whether
// the first answer was a success or not. With both files current it
// reports nothing.
func TestBalancerStaleNode(t *testing.T) {
	fresh := nginxNode(t, "web1", "secret")
	stale := nginxNode(t, "web2", "old-secret")
	lb := balance(t, fresh, stale)
	for _, want := range []int{200, 401} { // round robin: web1, then web2
		req := get(t, lb.URL()+"/")
		req.SetBasicAuth("alice", "secret")
		sanity(t, "alice via the balancer", req, want)
	}
	for range 2 { // the first answer a success one time, a refusal the other
		r := run(t, probe.Options{URL: lb.URL() + "/", User: "alice:secret"})
		expect(t, r, "nginx", catalog.BackendInconsistent)
		repeats := 0
		for _, x := range r.Exchanges {
			if x.Variant == string(evidence.Repeat) {
				repeats++
			}
		}
		if repeats != 3 {
			t.Errorf("%d repeats, want 3", repeats)
		}
		if r.CredentialedAttempts > 6 {
			t.Errorf("%d credentialed attempts", r.CredentialedAttempts)
		}
	}

	// Control: both nodes current.
	other := nginxNode(t, "web2", "secret")
	lb2 := balance(t, fresh, other)
	r := run(t, probe.Options{URL: lb2.URL() + "/", User: "alice:secret"})
	if len(r.Findings) != 0 || r.Status != 200 {
		t.Errorf("control: status %d, findings %v", r.Status, r.Findings)
	}
	// --repeat -1: no resend, and the first answer stands alone.
	r = run(t, probe.Options{URL: lb.URL() + "/", User: "alice:secret", Repeat: -1})
	for _, x := range r.Exchanges {
		if x.Variant == string(evidence.Repeat) {
			t.Fatal("resent with --repeat -1")
		}
	}
}
