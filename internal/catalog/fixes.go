package catalog

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// FixContext is what is known about the request or configuration a fix
// would be applied to. The zero value knows nothing and keeps every fix.
type FixContext struct {
	// Software names what answered or whose configuration was read, in
	// lowercase ("nginx", "apache", "cloudflare", "wordpress").
	Software []string
	// Scheme is the kind of credential the request carried ("basic",
	// "bearer", "digest", "cookie"), "" when none or unknown.
	Scheme string
}

// Tag layers: a fix written for one member of a layer is kept when the
// context names that member, or names no member of the layer at all.
var tagLayers = [][]string{
	// Who answers HTTP: servers, proxies, CDNs and WAFs in front.
	{"nginx", "apache", "iis", "caddy", "lighttpd", "haproxy", "traefik", "envoy", "squid",
		"cloudflare", "cloudfront", "akamai", "fastly", "sucuri", "imperva"},
	// The application behind.
	{"wordpress"},
	// The credential the request carried.
	{"basic", "bearer", "digest", "cookie"},
}

// PanelTags name the hosting control panels whose own screens and files
// some fixes are written for. Unlike the layers above, a fix for a panel
// fits only where the context names that very panel: nothing but the
// panel's own files shows that one manages the server, and a screen of a
// panel the site does not have is no fix at all.
var PanelTags = []string{"cpanel", "directadmin", "plesk"}

// tagRules derive a fix's tags from its words when the entry gives none
// (Fix.For). Each rule names one tag and the words that show it.
var tagRules = []struct {
	tag string
	re  *regexp.Regexp
}{
	{"nginx", regexp.MustCompile(`(?i)\bnginx\b|\bauth_basic|\bproxy_(set_header|pass|cache)|\bngx_`)},
	{"apache", regexp.MustCompile(`(?i)\bapache|\.htaccess\b|\bAuthUserFile\b|\bCGIPassAuth\b|\ba2enmod\b|\bAuthType\b|\bRequire (valid-user|all|ip)`)},
	{"iis", regexp.MustCompile(`(?i)\bIIS\b|\bappcmd\b|\bweb\.config\b`)},
	{"cloudflare", regexp.MustCompile(`(?i)\bcloudflare\b`)},
	{"cloudfront", regexp.MustCompile(`(?i)\bcloudfront\b`)},
	{"akamai", regexp.MustCompile(`(?i)\bakamai\b`)},
	{"fastly", regexp.MustCompile(`(?i)\bfastly\b`)},
	{"sucuri", regexp.MustCompile(`(?i)\bsucuri\b`)},
	{"wordpress", regexp.MustCompile(`(?i)\bwordpress\b|\bwp-(admin|json|login|config)\b`)},
	{"cpanel", regexp.MustCompile(`(?i)\bcpanel\b`)},
	{"directadmin", regexp.MustCompile(`(?i)\bdirectadmin\b`)},
	{"plesk", regexp.MustCompile(`(?i)\bplesk\b`)},
}

// Tags returns the fix's tags: For when the entry names them, otherwise
// those its words show.
func (f Fix) Tags() []string {
	if f.For != nil {
		return f.For
	}
	s := f.Text + "\n" + f.Command
	if t, ok := wordTags.Load(s); ok {
		return t.([]string)
	}
	var out []string
	for _, r := range tagRules {
		if r.re.MatchString(s) {
			out = append(out, r.tag)
		}
	}
	out = slices.Clip(out)
	wordTags.Store(s, out)
	return out
}

// wordTags remembers the tags read from a fix's words: the catalog's
// fixes are few and fixed, while an audit of a hosting server attaches
// them to tens of thousands of findings.
var wordTags sync.Map

// Fits reports whether the fix applies in ctx: for each layer of tags,
// either the fix names none of it, or ctx names none of it, or they share
// one. A fix for Apache does not fit an nginx configuration; a Cloudflare
// purge does not fit an answer nobody but nginx gave; Bearer advice does
// not fit a Basic request. A fix for a hosting panel (PanelTags) fits only
// where ctx names that panel.
func (f Fix) Fits(ctx FixContext) bool {
	tags := f.Tags()
	if len(tags) == 0 {
		return true
	}
	known := ctx.Software
	if ctx.Scheme != "" {
		known = append(slices.Clip(known), ctx.Scheme)
	}
	for _, layer := range tagLayers {
		fixHas, ctxHas, shared := false, false, false
		for _, t := range layer {
			inFix, inCtx := slices.Contains(tags, t), containsFold(known, t)
			fixHas = fixHas || inFix
			ctxHas = ctxHas || inCtx
			shared = shared || (inFix && inCtx)
		}
		if fixHas && ctxHas && !shared {
			return false
		}
	}
	panel, named := false, false
	for _, t := range PanelTags {
		if slices.Contains(tags, t) {
			panel = true
			named = named || containsFold(ctx.Software, t)
		}
	}
	return !panel || named
}

// FixesFor returns the cause's fixes that fit ctx, by audience; an
// audience none of whose fixes fit is left out. The result is never nil.
func (c *Cause) FixesFor(ctx FixContext) map[Audience][]Fix {
	out := make(map[Audience][]Fix, len(c.Fixes))
	for a, fixes := range c.Fixes {
		var kept []Fix
		for _, f := range fixes {
			if f.Fits(ctx) {
				kept = append(kept, f)
			}
		}
		if len(kept) > 0 {
			out[a] = kept
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
