package diagnosis

import (
	"strings"

	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/producer"
	"github.com/why401/why401/internal/redact"
)

// Producers is IdentifyProducers, for checks.
func (f *Facts) Producers(e *evidence.Exchange) producer.Result {
	return IdentifyProducers(e)
}

// IdentifyProducers names who produced the response of e (web server,
// CDN, WAF, gateway, framework, application) with the markers that showed
// it and what each producer's codes and messages mean, judging rules that
// depend on credentials by whether e's request carried any. A nil
// exchange or one without a response names none. It is pure and cheap
// enough to call from several checks and the report.
func IdentifyProducers(e *evidence.Exchange) producer.Result {
	if e == nil || e.Response == nil {
		return producer.Result{Producers: []producer.Match{}}
	}
	return producer.Identify(e.Response, producer.Input{Sent: SentAnyCredential(e.Request)})
}

// SentAnyCredential reports whether a request carried any credential: an
// Authorization or Cookie header, or an API-key-like header.
func SentAnyCredential(r evidence.Request) bool {
	if SentCredentials(r) {
		return true
	}
	for name := range r.Header {
		if redact.IsSecretHeader(name) && !strings.EqualFold(name, "Proxy-Authorization") {
			return true
		}
	}
	return false
}
