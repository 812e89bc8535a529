package checks

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/producer"
)

// symmetry is what is known when the user's credentials got exactly the
// answer of no credentials: a header that never reaches the application
// and a password it refuses look the same from outside.
type symmetry struct {
	// front names what stands in front of the application ("nginx in
	// front of Apache httpd", "Via: 1.1 varnish"), "" when nothing shows.
	front string
	// tried are the Separate experiments sent; told those whose answer
	// differed from the anonymous one, by the same producer, with what
	// it answered.
	tried, told []string
	// lines record, per producer, which experiments its answers tell
	// apart from no credentials.
	lines []string
}

// proxied reports whether a proxy or gateway stands in front and nothing
// the experiments sent was told apart: the case where the ranking must
// say it cannot choose.
func (s symmetry) proxied() bool { return s.front != "" && len(s.told) == 0 }

// readSymmetry gathers the symmetry of the request as given, whose final
// answer e equals the no-credentials one.
func readSymmetry(p *diagnosis.Pass, e *evidence.Exchange, none *evidence.Exchange) symmetry {
	var s symmetry
	prod := diagnosis.IdentifyProducers(e)
	s.front = inFront(prod, e.Response)
	who := cmp.Or(prod.Summary(), "the server")
	byProducer := map[string][]string{}
	var order []string
	for _, t := range p.Evidence.Facts.Trials(evidence.Separate) {
		f := t.Final()
		if f == nil || f.Response == nil {
			continue
		}
		s.tried = append(s.tried, t.Label)
		answerer := cmp.Or(diagnosis.IdentifyProducers(f).Summary(), "the server")
		if _, ok := byProducer[answerer]; !ok {
			order = append(order, answerer)
			byProducer[answerer] = nil
		}
		if sameAnswer(f.Response, none.Response) {
			continue
		}
		byProducer[answerer] = append(byProducer[answerer], t.Label)
		if answerer == who {
			s.told = append(s.told, fmt.Sprintf("%s → %d", t.Label, f.Response.Status))
		}
	}
	for _, a := range order {
		if told := byProducer[a]; len(told) > 0 {
			s.lines = append(s.lines, a+" tells apart from no credentials: "+strings.Join(told, ", "))
		} else {
			s.lines = append(s.lines, a+" answers each experiment exactly as no credentials")
		}
	}
	return s
}

// inFront names the proxy, gateway or other layer in front of the
// application that the answer shows, or "".
func inFront(prod producer.Result, r *evidence.Response) string {
	if len(prod.Producers) > 1 {
		return prod.Producers[0].Name // outermost first
	}
	for _, m := range prod.Producers {
		switch m.Kind {
		case producer.KindProxy, producer.KindGateway, producer.KindCDN, producer.KindWAF, producer.KindIdentity:
			return m.Name
		}
	}
	if v := headerLine(r.Header, "Via"); v != "" {
		return v
	}
	return ""
}

// separatingSteps says what tells a stripped header from a refused
// password when the answers cannot.
const separatingSteps = "what separates them: whether the proxy passes the header on (nginx: a proxy_set_header Authorization line, or uwsgi_param/fastcgi_param HTTP_AUTHORIZATION; Apache: RequestHeader unset Authorization, or CGIPassAuth for PHP/CGI), " +
	"the application's own log of the request (did it see an Authorization header?), or the same request sent to the application directly, bypassing the proxy"

// experimentLines words what the experiments showed.
func (s symmetry) experimentLines() []string {
	if len(s.tried) == 0 {
		return nil
	}
	return []string{"credential-free experiments (" + strings.Join(s.tried, ", ") + "), sent once each: " + strings.Join(s.lines, "; ")}
}
