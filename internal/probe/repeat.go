package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/producer"
	"github.com/why401/why401/internal/redirect"
)

// Repeats of the request as given, to see whether the nodes behind one
// address agree.
const (
	defaultRepeats = 3  // when the answers show a balancer
	maxRepeats     = 10 // --repeat is capped here
)

var (
	// nodeHeaders name the node or hop that answered; different values
	// across the probe's answers mean different nodes.
	nodeHeaders = []string{"Server", "Via", "X-Served-By", "X-Backend-Server", "X-Backend", "X-Upstream", "X-Server", "X-Node"}
	// balancerProducers are internal/producer IDs of balancers.
	balancerProducers = []string{"haproxy", "aws-alb", "envoy"}
)

// repeatTrials resends the request as given, sequentially, when the user
// asked (--repeat N) or, up to defaultRepeats times, when the answers so
// far show a balancer, so that nodes behind one address that disagree
// (one with a stale password file) show. Every repeat carries the user's
// credentials and counts as an attempt. Automatic repeats are for safe
// methods only and never after a sign of rate limiting.
func (p *run) repeatTrials(ctx context.Context, trials []evidence.Trial) []evidence.Trial {
	o := p.cfg.o
	if o.Repeat < 0 || len(trials) == 0 {
		return nil
	}
	first := trials[0].Final()
	if first == nil || first.Response == nil {
		return nil
	}
	if st := first.Response.Status; st == http.StatusTooManyRequests || first.Response.Header.Get("Retry-After") != "" {
		p.note("repeat variant skipped: the server signals rate limiting (%d, Retry-After %q); more attempts could lock the account", st, first.Response.Header.Get("Retry-After"))
		return nil
	}
	n := min(o.Repeat, maxRepeats)
	var why []string
	if n == 0 {
		why = p.balancerSigns(trials)
		if len(why) == 0 {
			return nil
		}
		if m := p.base.method; m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions {
			p.note("repeat variant skipped: signs of a balancer (%s), but %s is not safe to resend unasked; --repeat N resends it", strings.Join(why, "; "), m)
			return nil
		}
		n = defaultRepeats
	} else {
		why = []string{fmt.Sprintf("--repeat %d", o.Repeat)}
		if o.Repeat > maxRepeats {
			why[0] += fmt.Sprintf(" (capped at %d)", maxRepeats)
		}
	}
	plan := trialPlan{variant: evidence.Repeat, creds: true, cookies: true}
	before := p.attempts.Load()
	var out []evidence.Trial
	for i := 0; i < n && ctx.Err() == nil; i++ {
		t := p.trial(ctx, plan)
		t.Label = fmt.Sprint(i + 2)
		out = append(out, t)
	}
	p.note("repeat variant: the request as given sent %d more times (%d with your credentials), because of %s", len(out), p.attempts.Load()-before, strings.Join(why, "; "))
	return out
}

// balancerSigns lists what, in the answers from the target's origin, shows
// a balancer in front of several nodes.
func (p *run) balancerSigns(trials []evidence.Trial) []string {
	var why []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			why = append(why, s)
		}
	}
	values := map[string]map[string]bool{}
	type shape struct {
		status int
		size   int
	}
	etags := map[shape]map[string]bool{}
	for _, t := range trials {
		if t.Variant == evidence.Address {
			continue // answers of different addresses differ by design; the address variant compares them
		}
		for i := range t.Hops {
			e := &t.Hops[i]
			r := e.Response
			if r == nil {
				continue
			}
			u, err := url.Parse(e.Request.URL)
			if err != nil || !redirect.SameOrigin(p.base.url, u) {
				continue
			}
			for _, sc := range r.Header.Values("Set-Cookie") {
				name, _, _ := strings.Cut(sc, "=")
				if name = strings.TrimSpace(name); cookie.IsAffinity(name) {
					add("Set-Cookie " + name + " (a balancer's affinity cookie)")
				}
			}
			for _, h := range nodeHeaders {
				for _, v := range r.Header.Values(h) {
					if values[h] == nil {
						values[h] = map[string]bool{}
					}
					values[h][v] = true
				}
			}
			if et := r.Header.Get("ETag"); et != "" {
				k := shape{r.Status, len(r.Body)}
				if etags[k] == nil {
					etags[k] = map[string]bool{}
				}
				etags[k][et] = true
			}
			for _, m := range producer.Identify(r, producer.Input{}).Producers {
				if slices.Contains(balancerProducers, m.ID) {
					add(m.Name + " answered")
				}
			}
		}
	}
	for _, h := range nodeHeaders {
		if len(values[h]) > 1 {
			add(fmt.Sprintf("%s varies (%s)", h, strings.Join(sortedKeys(values[h]), ", ")))
		}
	}
	for k, tags := range etags {
		if len(tags) > 1 {
			add(fmt.Sprintf("ETag varies between identical %d answers", k.status))
		}
	}
	return why
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
