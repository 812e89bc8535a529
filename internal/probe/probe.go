// Package probe gathers evidence about why a request gets 401: it sends
// the user's request as given and a set of controlled variants of it
// (without credentials, without cookies, over the other scheme, pinned to
// each address, a CORS preflight, the credentials answering the server's
// own challenge), follows redirects hop by hop, and fetches the discovery
// documents that say what a token must look like. It records what it saw
// in an evidence.Probe and never decides a diagnosis.
//
// Every connection is fresh, certificate chains are recorded whether or
// not they verify, and the user's credentials are sent at most once per
// variant's first hop, forwarded on redirects only where curl would
// forward them.
package probe

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/why401/why401/internal/cookie"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/redirect"
)

// Run runs the experiment the options describe and returns what it
// observed. It returns an error only for bad options (see Validate) or when
// ctx is cancelled; an unreachable or failing target is evidence
// (Exchange.Err and ErrKind), not an error.
func Run(ctx context.Context, o Options) (*evidence.Probe, error) {
	cfg, err := o.compile()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("probe cancelled: %w", err)
	}
	p := newRun(cfg)
	p.run(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("probe cancelled: %w", err)
	}
	return p.ev, nil
}

// run is one execution of the experiment.
type run struct {
	*runner
	base     *base
	ev       *evidence.Probe
	attempts atomic.Int64
	progMu   sync.Mutex
	notesMu  sync.Mutex
}

func newRun(cfg *config) *run {
	p := &run{runner: &runner{cfg: cfg}}
	p.base = buildBase(cfg)
	p.ev = &evidence.Probe{
		Target:          cfg.o.URL,
		Started:         cfg.now(),
		Credentials:     p.base.credentialKinds(),
		Insecure:        cfg.o.Insecure,
		FollowRedirects: cfg.o.FollowRedirects,
		LocationTrusted: cfg.o.LocationTrusted,
		ClientCert:      clientCertEvidence(cfg.clientCert),
	}
	first := p.firstHeader(trialPlan{creds: true, cookies: true}, p.base.url)
	p.ev.Request = recordRequest(hopRequest{Method: p.base.method, URL: p.base.url, Header: first, Body: p.base.body}, cfg.proxy)
	if p.base.challengeUser {
		p.ev.Request.Auth = cfg.o.HTTPAuth
		p.ev.Request.AuthUser, p.ev.Request.AuthPassword, _ = strings.Cut(cfg.user, ":")
	}
	return p
}

func (p *run) progress(format string, args ...any) {
	if p.cfg.o.Progress == nil {
		return
	}
	p.progMu.Lock()
	defer p.progMu.Unlock()
	p.cfg.o.Progress(fmt.Sprintf(format, args...))
}

func (p *run) note(format string, args ...any) {
	p.notesMu.Lock()
	p.ev.Notes = append(p.ev.Notes, fmt.Sprintf(format, args...))
	p.notesMu.Unlock()
}

// trialPlan says how to run one variant.
type trialPlan struct {
	variant evidence.Variant
	address string // pin every connection to the target to this IP
	method  string
	url     *url.URL
	body    []byte
	// creds sends Authorization and API-key headers; cookies the user's
	// cookies; both only where curl would forward them.
	creds, cookies bool
	// firstAuth replaces the Authorization header on the first hop only
	// (the anyauth answer); later hops carry no Authorization.
	firstAuth string
	// header, when set, replaces the request's non-secret headers.
	header  http.Header
	noHops  bool // first hop only
	timeout time.Duration
}

func (p *run) run(ctx context.Context) {
	b := p.base
	p.resolve(ctx)

	plans := []trialPlan{{variant: evidence.AsGiven, creds: true, cookies: true}}
	hasCreds := len(p.ev.Credentials) > 0
	if hasCreds {
		plans = append(plans, trialPlan{variant: evidence.NoCredentials, url: withoutQueryToken(b.url)})
	} else {
		p.note("no-credentials variant skipped: the request carries no credentials, so the request as given is already the anonymous one")
	}
	switch {
	case b.hasCookies() && b.hasNonCookieCredential():
		plans = append(plans, trialPlan{variant: evidence.NoCookies, creds: true})
	case b.hasCookies():
		p.note("no-cookies variant skipped: cookies are the only credential, so the no-credentials variant is the private-window test")
	}
	plans = append(plans, trialPlan{variant: evidence.OtherScheme, url: withoutQueryToken(otherScheme(b.url)), noHops: true, timeout: otherSchemeTimeout})
	plans = append(plans, p.addressPlans()...)
	if pf, ok := p.preflightPlan(); ok {
		plans = append(plans, pf)
	}

	trials := make([]evidence.Trial, len(plans))
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxConcurrent)
	asGivenDone := make(chan struct{})
	for i := range plans {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			trials[i] = p.trial(ctx, plans[i])
			if plans[i].variant == evidence.AsGiven {
				close(asGivenDone)
			}
		}(i)
	}
	// AnyAuth only needs the AsGiven answer; start it as soon as that is in.
	var anyauth *evidence.Trial
	var anyWG sync.WaitGroup
	anyWG.Add(1)
	go func() {
		defer anyWG.Done()
		select {
		case <-asGivenDone:
		case <-ctx.Done():
			return
		}
		if plan, ok := p.anyAuthPlan(&trials[0]); ok {
			t := p.trial(ctx, plan)
			anyauth = &t
		}
	}()
	wg.Wait()
	anyWG.Wait()
	if anyauth != nil {
		trials = append(trials, *anyauth)
	}
	trials = append(trials, p.repeatTrials(ctx, trials)...)
	trials = append(trials, p.encodingTrials(ctx, &trials[0])...)
	trials = append(trials, p.nearbyTrials(ctx, &trials[0])...)
	trials = append(trials, p.bogusTrial(ctx, trials)...)
	trials = append(trials, p.separateTrials(ctx, trials)...)
	trials = append(trials, p.contentTypeTrial(ctx, &trials[0])...)
	trials = append(trials, p.differentials(ctx, trials)...)
	p.ev.Trials = trials
	if ctx.Err() != nil {
		return
	}
	p.discover(ctx)
	p.ev.CredentialedAttempts = int(p.attempts.Load())
}

// resolve looks the target's host name up once, unless a proxy is used,
// and records the answer.
func (p *run) resolve(ctx context.Context) {
	cfg := p.cfg
	host := cfg.target.Hostname()
	if cfg.proxy != nil {
		p.note("DNS not resolved and address variant skipped: the request goes through proxy %s", hostOnly(cfg.proxy))
		return
	}
	if addrs, ok := cfg.resolve[cfg.targetKey]; ok {
		p.ev.DNS = &evidence.DNS{Host: host, Addresses: append([]string(nil), addrs...), Override: cfg.resolveRaw[cfg.targetKey]}
		return
	}
	p.progress("resolving %s", host)
	lctx, cancel := context.WithTimeout(ctx, cfg.connectTO)
	defer cancel()
	start := time.Now()
	res := net.DefaultResolver
	if cfg.o.Resolver != nil {
		res = cfg.o.Resolver
	}
	ips, err := res.LookupIPAddr(lctx, host)
	p.dnsTook = time.Since(start)
	p.dnsHost = host
	d := &evidence.DNS{Host: host}
	if err != nil {
		d.Err = oneLine(err.Error())
		p.dnsErr = err
	}
	for _, ip := range ips {
		d.Addresses = append(d.Addresses, ip.String())
	}
	if err == nil && len(d.Addresses) == 0 {
		d.Err = "no addresses"
		p.dnsErr = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	p.dnsAddrs = d.Addresses
	p.ev.DNS = d
}

// addressPlans returns one AsGiven-like plan per resolved address when
// there is more than one.
func (p *run) addressPlans() []trialPlan {
	d := p.ev.DNS
	if d == nil || len(d.Addresses) < 2 {
		if d != nil && len(d.Addresses) == 1 {
			p.note("address variant skipped: %s has a single address", d.Host)
		}
		return nil
	}
	addrs := d.Addresses
	if len(addrs) > maxAddressTrials {
		p.note("address variant: only the first %d of %d addresses tried (%s not tried)", maxAddressTrials, len(addrs), strings.Join(addrs[maxAddressTrials:], ", "))
		addrs = addrs[:maxAddressTrials]
	}
	var out []trialPlan
	for _, a := range addrs {
		out = append(out, trialPlan{variant: evidence.Address, address: a, creds: true, cookies: true})
	}
	return out
}

// preflightPlan returns the CORS preflight a browser would send first.
func (p *run) preflightPlan() (trialPlan, bool) {
	b := p.base
	origin := b.header.Get("Origin")
	hasOrigin := origin != ""
	credHeader := len(b.secret) > 0
	names := b.preflightHeaders()
	nonSimple := !corsSimpleMethod(b.method) || len(names) > 0
	if !(hasOrigin || nonSimple) || !(hasOrigin || credHeader) {
		p.note("preflight variant skipped: no Origin header was given and no credential travels in a header")
		return trialPlan{}, false
	}
	if !hasOrigin {
		// A page on another site, as far as the server can tell; the
		// recorded Origin "null" tells checks that none was given.
		origin = "null"
	}
	h := http.Header{}
	h.Set("Origin", origin)
	h.Set("Access-Control-Request-Method", b.method)
	if len(names) > 0 {
		h.Set("Access-Control-Request-Headers", strings.Join(names, ","))
	}
	h.Set("Accept", "*/*")
	if ua := b.header.Get("User-Agent"); ua != "" {
		h.Set("User-Agent", ua)
	}
	return trialPlan{variant: evidence.Preflight, method: http.MethodOptions, url: withoutQueryToken(b.url), header: h, noHops: true}, true
}

// anyAuthPlan decides whether the user's -u credentials should answer the
// challenge AsGiven ended with, as curl --anyauth would, and how.
func (p *run) anyAuthPlan(asGiven *evidence.Trial) (trialPlan, bool) {
	cfg := p.cfg
	final := asGiven.Final()
	if !cfg.hasUser || final == nil || final.Response == nil || final.Response.Status != http.StatusUnauthorized {
		return trialPlan{}, false
	}
	fu, err := url.Parse(final.Request.URL)
	if err != nil {
		return trialPlan{}, false
	}
	if !cfg.o.LocationTrusted && !redirect.SameOrigin(p.base.url, fu) {
		p.note("anyauth variant skipped: the 401 came from %s, another origin than the target, where the credentials are not sent", hostOnly(fu))
		return trialPlan{}, false
	}
	cs, _ := parseChallenges(final.Response.Header.Values("Www-Authenticate"))
	offersBasic := false
	for _, c := range cs {
		if c.is("Basic") {
			offersBasic = true
		}
	}
	dc, offersDigest := pickDigest(cs)
	sent, _, _ := strings.Cut(strings.TrimSpace(final.Request.Header.Get("Authorization")), " ")
	sent = strings.ToLower(sent)
	var auth string
	switch {
	case sent == "basic" && offersDigest && !offersBasic:
		auth, err = digestAuthorization(dc, cfg.user, final.Request.Method, requestTarget(fu), final.Request.Body, "")
	case sent == "basic" || sent == "digest":
		return trialPlan{}, false
	case offersDigest:
		auth, err = digestAuthorization(dc, cfg.user, final.Request.Method, requestTarget(fu), final.Request.Body, "")
	case offersBasic:
		auth = basicAuthorization(cfg.user)
	default:
		if len(cs) > 0 {
			p.note("anyauth variant skipped: the server offers neither Basic nor a Digest algorithm the probe can answer")
		}
		return trialPlan{}, false
	}
	if err != nil {
		p.note("anyauth variant skipped: %v", err)
		return trialPlan{}, false
	}
	return trialPlan{
		variant: evidence.AnyAuth, method: final.Request.Method, url: fu, body: final.Request.Body,
		creds: true, cookies: true, firstAuth: auth,
	}, true
}

// trial runs one plan: the first request and, unless the plan says
// otherwise, the redirects after it.
func (p *run) trial(ctx context.Context, plan trialPlan) evidence.Trial {
	cfg := p.cfg
	b := p.base
	timeout := cfg.maxTime
	if plan.timeout > 0 && plan.timeout < timeout {
		timeout = plan.timeout
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	t := evidence.Trial{Variant: plan.variant, Address: plan.address}
	method := plan.method
	if method == "" {
		method = b.method
	}
	cur := plan.url
	if cur == nil {
		cur = b.url
	}
	body := plan.body
	usersBody := plan.body == nil && plan.method == ""
	if usersBody {
		body = b.body
	}
	if method == http.MethodOptions && plan.variant == evidence.Preflight {
		body = nil
	}
	jar := newHopJar(cfg.now)
	var keeps map[string]bool
	maxHops := cfg.maxRedirs
	if plan.noHops {
		maxHops = 0
	}
	where := cur.String()
	if plan.address != "" {
		where += " via " + plan.address
	}
	p.progress("%s: %s %s", plan.variant, method, where)
	droppedBody := false
	var ch challengeState
	for hop := 0; ; hop++ {
		fromJar, hc := jar.send(cur, method)
		h, credentialed := p.hopHeader(plan, cur, hop, fromJar, droppedBody)
		answers := ""
		if ch.answer != "" {
			h.Set("Authorization", ch.answer)
			credentialed, ch.answer, answers = true, "", ch.scheme
			t.Credentialed = true
		}
		if hop == 0 {
			t.Credentialed = credentialed
		} else if r := t.Hops[hop-1].Redirect; r != nil {
			r.Forwarded = credentialed
		}
		if credentialed {
			p.attempts.Add(1)
		}
		chunked := cfg.o.Chunked && usersBody && body != nil
		ex := p.exchange(tctx, hopRequest{Method: method, URL: cur, Header: h, Body: body, Chunked: chunked, Pin: plan.address})
		if ex.Response != nil {
			hc = jar.store(cur, method, ex.Response.Header.Values("Set-Cookie"), hop, hc)
		}
		ex.Cookies = hc
		ex.Answers = answers
		t.Hops = append(t.Hops, ex)
		last := &t.Hops[len(t.Hops)-1]
		if plan.creds && p.base.challengeUser && p.forwardOK(cur) && p.challengeAnswer(&ch, plan, ex, method, cur, body) {
			continue // the same request again, answering the challenge
		}
		if ex.Response == nil || !redirect.Status(ex.Response.Status) || ex.ErrKind != "" {
			break
		}
		loc := ex.Response.Header.Get("Location")
		if loc == "" {
			t.Stopped = "redirect without Location"
			break
		}
		next, err := cur.Parse(loc)
		if err != nil {
			t.Stopped = "redirect to an unparsable Location: " + oneLine(urlErrText(err))
			break
		}
		next.Scheme = strings.ToLower(next.Scheme)
		next.Fragment, next.RawFragment = "", ""
		if next.Scheme != "http" && next.Scheme != "https" || next.Host == "" {
			t.Stopped = fmt.Sprintf("redirect to a non-HTTP location %q", loc)
			break
		}
		keeps = redirect.After(keeps, b.url, cur, next)
		r := &evidence.Redirect{
			From:       cur.String(),
			To:         next.String(),
			Status:     ex.Response.Status,
			CrossHost:  redirect.CrossHost(cur, next),
			CrossPort:  redirect.CrossPort(cur, next),
			SchemeFrom: cur.Scheme,
			SchemeTo:   next.Scheme,
			KeepsAuth:  maps.Clone(keeps),
		}
		if cfg.o.LocationTrusted {
			r.KeepsAuth[redirect.Curl] = true
		}
		// What the next hop carries settles Forwarded; this is the rule's
		// answer for a redirect not followed.
		carries := (plan.creds && len(b.secret) > 0) || (plan.cookies && (b.cookie != "" || len(b.cookieLines) > 0))
		r.Forwarded = carries && p.forwardOK(next) && plan.firstAuth == ""
		last.Redirect = r
		if plan.noHops {
			break
		}
		if hop-ch.answers >= maxHops { // answers to challenges are no redirects
			t.Stopped = fmt.Sprintf("max redirects (%d) reached", maxHops)
			break
		}
		st := ex.Response.Status
		if st == http.StatusSeeOther && method != http.MethodHead ||
			(st == http.StatusMovedPermanently || st == http.StatusFound) && method == http.MethodPost {
			method, body, droppedBody = http.MethodGet, nil, true
		}
		cur = next
	}
	return t
}

// forwardOK reports whether why401 sends the user's credentials to u: as
// curl does, only to the original scheme, host and port, unless
// --location-trusted.
func (p *run) forwardOK(u *url.URL) bool {
	return p.cfg.o.LocationTrusted || redirect.SameOrigin(p.base.url, u)
}

// firstHeader is the header of the request as given to u, before any hop.
func (p *run) firstHeader(plan trialPlan, u *url.URL) http.Header {
	h, _ := p.hopHeader(plan, u, 0, nil, false)
	return h
}

// hopHeader builds the header of one hop and reports whether it carries
// the user's secret.
func (p *run) hopHeader(plan trialPlan, u *url.URL, hop int, fromJar []cookie.Verdict, droppedBody bool) (http.Header, bool) {
	b := p.base
	var h http.Header
	if plan.header != nil {
		h = plan.header.Clone()
	} else {
		h = b.header.Clone()
	}
	if droppedBody {
		h.Del("Content-Type")
	}
	if !redirect.SameOrigin(b.url, u) {
		h.Del("Host") // a custom Host header is for the original server only
	}
	credentialed := false
	forward := p.forwardOK(u)
	if plan.creds && forward {
		for k, v := range b.secret {
			h[k] = append([]string(nil), v...)
			credentialed = true
		}
	}
	if plan.firstAuth != "" {
		if hop == 0 {
			h.Set("Authorization", plan.firstAuth)
			credentialed = true
		} else {
			h.Del("Authorization")
		}
	}
	if plan.variant != evidence.NoCredentials && plan.variant != evidence.OtherScheme && plan.variant != evidence.Preflight && hop == 0 && hasQueryToken(u) {
		credentialed = true
	}
	// Cookies: the user's literal ones where credentials go, the user's
	// cookie files where their domains match, and what responses set.
	var parts []string
	seen := map[string]bool{}
	if len(fromJar) > 0 {
		parts = append(parts, cookie.Header(fromJar))
		for _, v := range fromJar {
			seen[v.Cookie.Name] = true
		}
	}
	if plan.cookies {
		if b.userJar != nil {
			for _, c := range b.userJar.Cookies(u) {
				if !seen[c.Name] {
					parts = append(parts, c.Name+"="+c.Value)
					seen[c.Name] = true
					credentialed = true
				}
			}
		}
		if b.cookie != "" && forward {
			// After the cookies of the jars, as curl sends -b's string
			// after what its cookie engine holds.
			parts = append(parts, b.cookie)
			credentialed = true
		}
	}
	if len(parts) > 0 {
		h.Set("Cookie", strings.Join(parts, "; "))
	}
	if plan.cookies && forward && len(b.cookieLines) > 0 {
		// The user's own Cookie headers, after the engine's line.
		h["Cookie"] = append(h["Cookie"], b.cookieLines...)
		credentialed = true
	}
	return h, credentialed
}

// basicAuthorization is the Authorization value that sends userPass
// ("user:password", any bytes) with the Basic scheme.
func basicAuthorization(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}
