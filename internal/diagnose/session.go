package diagnose

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/har"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
)

// LoadHAR reads and converts the HAR named by file ("-" is r). repairs
// says what the reader repaired or skipped in it. Errors name the input.
func LoadHAR(file string, r io.Reader) (s *evidence.Session, repairs []string, err error) {
	var in io.Reader = r
	name := file
	if file == "-" {
		name = "standard input"
		if r == nil {
			return nil, nil, fmt.Errorf("standard input: not available")
		}
	} else {
		fh, err := os.Open(file)
		if err != nil {
			if pe, ok := err.(*os.PathError); ok {
				return nil, nil, fmt.Errorf("%s: %v", file, pe.Err)
			}
			return nil, nil, err
		}
		defer fh.Close()
		in = fh
	}
	l, err := har.Read(in)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return l.Session(name), l.Repairs, nil
}

// SessionOptions change how a recorded session is diagnosed.
type SessionOptions struct {
	// Now is the clock the session is judged by (nil: time.Now).
	Now         func() time.Time
	ShowSecrets bool
	// All lists every entry in the timeline, static assets included.
	All bool
	// Replay sends the breaking request again through the probe (the one
	// step that goes over the network), with these probe options adjusted
	// by Adjust when set; Version names why401 in the User-Agent.
	Replay  bool
	Version string
	Adjust  func(*probe.Options)
}

// Session replays the session once through the browser's rules, runs the
// session checks over it and builds the report; with o.Replay it then
// probes the breaking request and attaches that report.
func Session(ctx context.Context, s *evidence.Session, o SessionOptions) (*report.Session, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	ev := checks.NewSessionEvidence(s)
	findings, err := checks.RunSession(checks.Session, ev, now())
	if err != nil {
		return nil, fmt.Errorf("diagnosis: %w", err)
	}
	r := report.BuildSession(s, ev.Flow, findings, o.ShowSecrets, o.All)
	if !o.Replay {
		return r, nil
	}
	if r.BreakingIndex < 0 {
		r.Notes = append(r.Notes, "--replay: no refused request to replay")
		return r, nil
	}
	po, err := ReplayOptions(&s.Entries[r.BreakingIndex], o.Version)
	if err != nil {
		r.Notes = append(r.Notes, "--replay: "+err.Error())
		return r, nil
	}
	po.Now = o.Now
	if o.Adjust != nil {
		o.Adjust(&po)
	}
	rr, err := Probe(ctx, po, Options{ShowSecrets: o.ShowSecrets})
	if err != nil {
		return nil, fmt.Errorf("replaying #%d: %w", r.BreakingPoint, err)
	}
	r.Replay = rr
	return r, nil
}

// hopHeaders are not carried over to a replay.
var hopHeaders = map[string]bool{"Connection": true, "Keep-Alive": true, "Content-Length": true, "Accept-Encoding": true, "Host": true, "Transfer-Encoding": true, "Te": true, "Upgrade": true}

// ReplayOptions turns a recorded request into probe options that send it
// again as the browser did (method, headers, cookies, body).
func ReplayOptions(e *evidence.SessionEntry, version string) (probe.Options, error) {
	req := e.Exchange.Request
	po := probe.Options{URL: req.URL, Method: req.Method, Header: http.Header{}, UserAgent: "why401/" + version}
	for k, vs := range req.Header {
		switch {
		case hopHeaders[k]:
		case k == "Cookie":
			for _, v := range vs {
				if strings.TrimSpace(v) != "" {
					po.Cookie = append(po.Cookie, v)
				}
			}
		case k == "User-Agent":
			if len(vs) > 0 {
				po.UserAgent = vs[0]
			}
		default:
			po.Header[k] = append([]string(nil), vs...)
		}
	}
	if len(req.Body) > 0 {
		po.Data, po.HasData = req.Body, true
	}
	if err := po.Validate(); err != nil {
		return probe.Options{}, err
	}
	return po, nil
}
