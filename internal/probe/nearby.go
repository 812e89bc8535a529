package probe

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/random"
)

// maxNearby bounds the Nearby requests: a few cheap GETs, never with
// credentials.
const maxNearby = 3

// nearbyTrials asks, when the request as given was refused (401, 403) or
// not found, a few URLs next to the target without any credentials: the
// path without its first segment ("without-prefix": /admin/docs/x ->
// /docs/x) and the parent directory, for paths of two or more segments;
// when the twin answers 2xx, also a path next to it that cannot exist
// ("nonexistent"), to tell a real public page from a catch-all. A public neighbour of
// a protected URL is how a wrong or stale URL shows.
func (p *run) nearbyTrials(ctx context.Context, asGiven *evidence.Trial) []evidence.Trial {
	final := asGiven.Final()
	if final == nil || final.Response == nil {
		return nil
	}
	switch final.Response.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
	default:
		return nil
	}
	cands := nearbyURLs(p.base.url)
	if len(cands) == 0 {
		return nil
	}
	out := make([]evidence.Trial, len(cands))
	var wg sync.WaitGroup
	for i, c := range cands {
		wg.Add(1)
		go func(i int, c nearbyURL) {
			defer wg.Done()
			h := p.base.header.Clone()
			h.Del("Content-Type")
			plan := trialPlan{variant: evidence.Nearby, method: http.MethodGet, url: c.url, header: h, noHops: true, timeout: otherSchemeTimeout}
			out[i] = p.trial(ctx, plan)
			out[i].Label = c.label
		}(i, c)
	}
	wg.Wait()
	// A public twin only means something if the site does not answer 200
	// to every path (a single-page app's catch-all): ask once for a path
	// next to it that cannot exist.
	for _, t := range out {
		f := t.Final()
		if t.Label != "without-prefix" || f == nil || f.Response == nil || f.Response.Status/100 != 2 {
			continue
		}
		u, err := url.Parse(f.Request.URL)
		if err != nil {
			break
		}
		u.Path = strings.TrimSuffix(u.Path, "/") + "-why401-" + random.Hex(4)
		u.RawPath = ""
		h := p.base.header.Clone()
		h.Del("Content-Type")
		c := p.trial(ctx, trialPlan{variant: evidence.Nearby, method: http.MethodGet, url: u, header: h, noHops: true, timeout: otherSchemeTimeout})
		c.Label = "nonexistent"
		out = append(out, c)
		break
	}
	return out
}

type nearbyURL struct {
	label string
	url   *url.URL
}

// nearbyURLs lists the neighbours of u worth asking, without query or
// fragment and without duplicates or u itself.
func nearbyURLs(u *url.URL) []nearbyURL {
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if len(segs) < 2 {
		return nil // no prefix to drop; the root alone says little
	}
	mk := func(path string) *url.URL {
		v := &url.URL{Scheme: u.Scheme, Host: u.Host}
		if p, err := url.PathUnescape(path); err == nil {
			v.Path = p
			if p != path {
				v.RawPath = path
			}
		} else {
			v.Path = path
		}
		return v
	}
	var out []nearbyURL
	seen := map[string]bool{u.Scheme + "://" + u.Host + u.EscapedPath(): true}
	add := func(label, path string) {
		v := mk(path)
		if k := v.Scheme + "://" + v.Host + v.EscapedPath(); !seen[k] && len(out) < maxNearby {
			seen[k] = true
			out = append(out, nearbyURL{label, v})
		}
	}
	trailing := strings.HasSuffix(u.EscapedPath(), "/")
	rest := "/" + strings.Join(segs[1:], "/")
	if trailing {
		rest += "/"
	}
	add("without-prefix", rest)
	add("parent", "/"+strings.Join(segs[:len(segs)-1], "/")+"/")
	return out
}
