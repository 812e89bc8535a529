package probe

import (
	"context"
	"net/http"
	"net/url"

	"github.com/why401/why401/internal/evidence"
)

// Client sends single requests as the probe sends each hop: a fresh
// connection per exchange, the server's certificate chain recorded and
// verified against the system roots and --cacert (a failed verification
// stops the exchange unless Insecure), the client certificate offered
// when asked, timings taken and failures classified, and the answer kept
// as evidence. Front ends that run their own sequences of requests (the
// checklist) send through it, so that every request why401 makes is
// observed the same way.
type Client struct{ r *runner }

// NewClient prepares a client from o's connection settings: URL (the
// site; --resolve entries apply to it), Insecure, CACert, Cert and Key,
// Proxy and ProxyUser, Resolve, ConnectTimeout and Now. Request settings
// (method, headers, credentials) are ignored: each Do gives its own.
func NewClient(o Options) (*Client, error) {
	cfg, err := o.compile()
	if err != nil {
		return nil, err
	}
	return &Client{r: &runner{cfg: cfg}}, nil
}

// Do sends one request with exactly the given headers (a Host entry sets
// the Host line; no User-Agent is added) and returns the exchange. It does
// not follow redirects. Failures are in the exchange (Err, ErrKind), never
// returned.
func (c *Client) Do(ctx context.Context, method string, u *url.URL, header http.Header, body []byte) evidence.Exchange {
	return c.r.exchange(ctx, hopRequest{Method: method, URL: u, Header: header, Body: body})
}
