package checks_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// hop builds one exchange; reqHdr and respHdr alternate names and values.
func hop(method, url string, status int, reqHdr, respHdr []string) evidence.Exchange {
	e := evidence.Exchange{Request: evidence.Request{Method: method, URL: url, Header: hdr(reqHdr)}}
	if status != 0 {
		e.Response = &evidence.Response{Status: status, Header: hdr(respHdr), Received: t0}
	} else {
		e.Err, e.ErrKind = "connection refused", "connect"
	}
	return e
}

func hdr(kv []string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func trial(v evidence.Variant, hops ...evidence.Exchange) evidence.Trial {
	return evidence.Trial{Variant: v, Hops: hops}
}

func probeOf(req []string, trials ...evidence.Trial) *evidence.Probe {
	p := &evidence.Probe{Target: "https://api.test/x", Started: t0, Trials: trials,
		Request: evidence.Request{Method: "GET", URL: "https://api.test/x", Header: hdr(req)}}
	if h := p.Request.Header; h.Get("Authorization") != "" {
		p.Credentials = append(p.Credentials, "authorization")
	}
	if p.Request.Header.Get("Cookie") != "" {
		p.Credentials = append(p.Credentials, "cookie")
	}
	return p
}

var basicAlice = []string{"Authorization", "Basic YWxpY2U6d29uZGVybGFuZA=="}

// TestFixtures pairs each check with evidence that must fire it and a near
// miss that must not (gixy's NAME / NAME_fp rule), for what the lab does
// not reproduce or where the boundary matters.
func TestFixtures(t *testing.T) {
	date := func(d time.Duration) string { return t0.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name  string
		check *diagnosis.Check
		probe *evidence.Probe
		want  catalog.ID // "" = no finding
	}{
		{"clock fires at 10m", checks.Clock, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"Date", date(10 * time.Minute), "WWW-Authenticate", `Basic realm="x"`}))), catalog.ClockSkew},
		{"clock quiet at 20s", checks.Clock, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"Date", date(20 * time.Second)}))), ""},
		{"clock quiet on success", checks.Clock, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 200, basicAlice, []string{"Date", date(time.Hour)}))), ""},
		{"cache fires on CF HIT", checks.Cache, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"CF-Cache-Status", "HIT"}))), catalog.CacheCached401},
		{"cache quiet on MISS", checks.Cache, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"X-Cache", "MISS", "Age", "0"}))), ""},
		{"cache quiet on CloudFront error", checks.Cache, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"X-Cache", "Error from cloudfront"}))), ""},
		{"ratelimit fires on Retry-After 401", checks.RateLimit, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"Retry-After", "120"}))), catalog.RateLimitLockout},
		{"ratelimit quiet on plain 401", checks.RateLimit, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"WWW-Authenticate", `Basic realm="x"`}))), ""},
		{"proxyauth quiet on 401", checks.ProxyAuth, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"WWW-Authenticate", `Basic realm="x"`}))), ""},
		{"challenge quiet with Basic", checks.Challenge, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"WWW-Authenticate", `Basic realm="x"`}))), ""},
		{"challenge unsupported Digest algorithm", checks.Challenge, probeOf(basicAlice,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, basicAlice, []string{"WWW-Authenticate", `Digest realm="x", nonce="n", algorithm=SHA3-512`}))), catalog.ChallengeUnsupported},
		{"forbidden quiet on insufficient_scope", checks.Forbidden, probeOf([]string{"Authorization", "Bearer abc.def.ghi"},
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 403, []string{"Authorization", "Bearer abc.def.ghi"}, []string{"WWW-Authenticate", `Bearer error="insufficient_scope", scope="admin"`}))), ""},
		{"backends quiet when all refuse alike", checks.Backends, probeOf(basicAlice,
			evidence.Trial{Variant: evidence.Address, Address: "192.0.2.1", Hops: []evidence.Exchange{hop("GET", "https://api.test/x", 401, basicAlice, nil)}},
			evidence.Trial{Variant: evidence.Address, Address: "192.0.2.2", Hops: []evidence.Exchange{hop("GET", "https://api.test/x", 401, basicAlice, nil)}}), ""},
		{"redirect same host forwarded and working", checks.Redirects, probeOf(basicAlice,
			trial(evidence.AsGiven,
				withRedirect(hop("GET", "https://api.test/x", 302, basicAlice, []string{"Location", "/y"}), &evidence.Redirect{From: "https://api.test/x", To: "https://api.test/y", Status: 302, SchemeFrom: "https", SchemeTo: "https", Forwarded: true, KeepsAuth: map[string]bool{"browser": true, "curl": true, "go": true, "python": true}}),
				hop("GET", "https://api.test/y", 200, basicAlice, nil))), ""},
		{"redirect https to http with cookies", checks.Redirects, probeOf([]string{"Cookie", "sid=1"},
			trial(evidence.AsGiven,
				withRedirect(hop("GET", "https://api.test/x", 302, []string{"Cookie", "sid=1"}, []string{"Location", "http://api.test/y"}), &evidence.Redirect{From: "https://api.test/x", To: "http://api.test/y", Status: 302, SchemeFrom: "https", SchemeTo: "http", Forwarded: true, KeepsAuth: map[string]bool{}}),
				hop("GET", "http://api.test/y", 401, nil, nil))), catalog.RedirectScheme},
		{"cookies quiet when the private window fails too", checks.Cookies, probeOf([]string{"Cookie", "sid=1"},
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, []string{"Cookie", "sid=1"}, nil)),
			trial(evidence.NoCredentials, hop("GET", "https://api.test/x", 401, nil, nil))), ""},
		{"stripped quiet when the server names the token's problem", checks.Stripped, probeOf([]string{"Authorization", "Bearer opaque-token-123"},
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, []string{"Authorization", "Bearer opaque-token-123"}, []string{"WWW-Authenticate", `Bearer realm="x", error="invalid_token"`})),
			trial(evidence.NoCredentials, hop("GET", "https://api.test/x", 401, nil, []string{"WWW-Authenticate", `Bearer realm="x"`}))), ""},
		{"stripped underscore header", checks.Stripped, probeOf([]string{"Api_key", "k-123456"},
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, []string{"Api_key", "k-123456"}, []string{"WWW-Authenticate", `Key realm="kong"`}))), catalog.ProxyHeaderStripped},
		{"missing quiet on 200", checks.Missing, probeOf(nil,
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 200, nil, nil))), ""},
		{"tlscert quiet without a verify error", checks.TLSCert, probeOf(nil,
			trial(evidence.AsGiven, withTLS(hop("GET", "https://api.test/x", 200, nil, nil), &evidence.TLS{Version: "TLS 1.3"}))), ""},
		{"malformed fires on a newline", checks.Malformed, probeOf([]string{"Authorization", "Basic YWxpY2U6d29uZGVybGFuZA==\n"},
			trial(evidence.AsGiven, hop("GET", "https://api.test/x", 401, nil, []string{"WWW-Authenticate", `Basic realm="x"`}))), catalog.CredentialsMalformed},
		{"scheme token in query", checks.Scheme, &evidence.Probe{Target: "https://api.test/x?access_token=abc", Started: t0,
			Request: evidence.Request{Method: "GET", URL: "https://api.test/x?access_token=abc", Header: http.Header{}},
			Trials:  []evidence.Trial{trial(evidence.AsGiven, hop("GET", "https://api.test/x?access_token=abc", 401, nil, []string{"WWW-Authenticate", `Bearer realm="x"`}))}}, catalog.CredentialsWrongScheme},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := diagnosis.Run([]*diagnosis.Check{tt.check}, tt.probe, t0)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == "" && len(fs) > 0:
				t.Errorf("want no finding, got %v", causes(fs))
			case tt.want != "" && !has(fs, tt.want):
				t.Errorf("want %s, got %v", tt.want, causes(fs))
			}
		})
	}
}

func withRedirect(e evidence.Exchange, r *evidence.Redirect) evidence.Exchange {
	e.Redirect = r
	return e
}

func withTLS(e evidence.Exchange, s *evidence.TLS) evidence.Exchange {
	e.TLS = s
	return e
}
