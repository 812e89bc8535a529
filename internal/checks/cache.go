package checks

import (
	"strconv"
	"strings"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

// Cache reports a 401 that a cache served from storage.
var Cache = &diagnosis.Check{
	Name:   "cache",
	Doc:    "report a 401 served by a cache (Age, X-Cache, X-Cache-Status, CF-Cache-Status)",
	Causes: []catalog.ID{catalog.CacheCached401},
	Run:    runCache,
}

// cacheHeaders are headers by which caches say a response came from storage.
var cacheHeaders = []string{"X-Cache", "X-Cache-Status", "CF-Cache-Status", "X-Proxy-Cache", "X-Cache-Lookup", "X-Drupal-Cache", "X-Varnish-Cache", "Cache-Status"}

// cachedHit returns the evidence that r came from a cache, or "".
func cachedHit(r *evidence.Response) string {
	if r == nil {
		return ""
	}
	for _, h := range cacheHeaders {
		for _, v := range r.Header.Values(h) {
			u := strings.ToUpper(v)
			if strings.Contains(u, "HIT") || strings.HasPrefix(u, "STALE") || strings.HasPrefix(u, "UPDATING") {
				return h + ": " + v
			}
		}
	}
	if age, err := strconv.Atoi(strings.TrimSpace(r.Header.Get("Age"))); err == nil && age > 0 {
		return "Age: " + strconv.Itoa(age) + " (seconds the answer spent in a cache)"
	}
	return ""
}

func runCache(p *diagnosis.Pass) error {
	for _, v := range []evidence.Variant{evidence.AsGiven, evidence.NoCredentials} {
		e := final(p, v)
		if e == nil || e.Response == nil || !failed(e.Response.Status) {
			continue
		}
		hit := cachedHit(e.Response)
		if hit == "" {
			continue
		}
		ev := []string{line(e), hit}
		for _, h := range []string{"Age", "Cache-Control", "Vary", "Server", "Via"} {
			if l := headerLine(e.Response.Header, h); l != "" && !strings.HasPrefix(hit, h+":") {
				ev = append(ev, l)
			}
		}
		conf := finding.Certain - 0.02
		if v != evidence.AsGiven || !diagnosis.SentCredentials(e.Request) {
			conf = finding.Likely + 0.1
		}
		p.Reportf(catalog.CacheCached401, conf, ev, "A cache served a stored %d; the server did not check these credentials", e.Response.Status)
		return nil
	}
	return nil
}
