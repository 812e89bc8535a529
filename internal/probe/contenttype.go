package probe

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/why401/why401/internal/evidence"
)

// contentTypeTrial runs, when Options.TryContentType is set and the
// request as given sent a body that was refused (400, 401, 403 or 415),
// the same request once more with the body converted: a form as a JSON
// object, a flat JSON object as a form. It carries the user's credentials
// (often in the body itself); those in headers are counted as a
// credentialed attempt.
func (p *run) contentTypeTrial(ctx context.Context, asGiven *evidence.Trial) []evidence.Trial {
	if !p.cfg.o.TryContentType {
		return nil
	}
	final := asGiven.Final()
	if final == nil || final.Response == nil {
		return nil
	}
	switch final.Response.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusUnsupportedMediaType:
	default:
		p.note("--try-content-type: nothing tried, the request as given was not refused")
		return nil
	}
	if len(p.base.body) == 0 {
		p.note("--try-content-type: nothing tried, the request has no body")
		return nil
	}
	ct, body, ok := convertBody(p.base.header.Get("Content-Type"), p.base.body)
	if !ok {
		p.note("--try-content-type: nothing tried, the body is neither a form nor a flat JSON object")
		return nil
	}
	h := p.base.header.Clone()
	h.Set("Content-Type", ct)
	plan := trialPlan{variant: evidence.ContentType, method: p.base.method, body: body, header: h, creds: true, cookies: true, noHops: true}
	t := p.trial(ctx, plan)
	t.Label = ct
	p.note("--try-content-type: 1 extra request sent, the same body and credentials as %s", ct)
	return []evidence.Trial{t}
}

// convertBody turns a form into a JSON object or a flat JSON object into a
// form, and returns the new Content-Type and body.
func convertBody(contentType string, body []byte) (string, []byte, bool) {
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := strings.TrimSpace(string(body))
	if strings.Contains(mt, "json") || mt == "" && strings.HasPrefix(trimmed, "{") {
		var obj map[string]any
		if json.Unmarshal(body, &obj) != nil || len(obj) == 0 {
			return "", nil, false
		}
		form := url.Values{}
		for k, v := range obj {
			switch v := v.(type) {
			case string:
				form.Set(k, v)
			case float64, bool:
				b, _ := json.Marshal(v)
				form.Set(k, string(b))
			default:
				return "", nil, false // nested values have no form equivalent
			}
		}
		return "application/x-www-form-urlencoded", []byte(form.Encode()), true
	}
	if mt != "" && mt != "application/x-www-form-urlencoded" && mt != "text/plain" {
		return "", nil, false
	}
	form, err := url.ParseQuery(trimmed)
	if err != nil || len(form) == 0 {
		return "", nil, false
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		if k == "" {
			return "", nil, false
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	obj := make(map[string]string, len(form))
	for _, k := range keys {
		obj[k] = form.Get(k)
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return "", nil, false
	}
	return "application/json", b, true
}
