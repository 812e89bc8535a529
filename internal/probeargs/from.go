package probeargs

import (
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/why401/why401/internal/cli"
	"github.com/why401/why401/internal/importreq"
)

// addFromFlags defines --from and --env; with --from, --request (-X)
// names the request instead of the method.
func (o *Args) addFromFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.from, "from", "", "take the request from a Postman collection (v2.1) or a .http/.rest `FILE`; --request NAME picks one of several")
	fs.StringVar(&o.env, "env", "", "with --from: a Postman environment `FILE`, or the environment `NAME` in http-client.env.json")
}

// refusedWithFrom are the flags that describe the request itself, which
// --from takes from the file.
var refusedWithFrom = []string{"data", "user", "oauth2-bearer", "cookie"}

// finishFrom loads the request --from names and completes it with the
// transport flags (-k, --resolve, --cacert, timeouts, expectations …);
// -H adds or replaces headers, -A and -e replace the file's.
func (o *Args) finishFrom(fs *pflag.FlagSet) error {
	for _, name := range refusedWithFrom {
		if f := fs.Lookup(name); f != nil && f.Changed {
			flag := "--" + name
			if f.Shorthand != "" {
				flag = "-" + f.Shorthand
			}
			return cli.FlagErrorf("%s cannot be combined with --from: the request comes from %s (change it there, or through a variable)", flag, o.from)
		}
	}
	l, err := importreq.Load(o.from, importreq.Options{Request: o.method, Env: o.env, Now: o.Now})
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	o.method = ""
	if err := o.finish(l.Options.URL); err != nil {
		return err
	}
	p, lp := &o.Probe, l.Options
	flagHeaders := p.Header
	p.Method = lp.Method
	p.Header = http.Header{}
	for k, v := range lp.Header {
		p.Header[k] = v
	}
	for k, v := range flagHeaders {
		p.Header[k] = v
	}
	p.Data, p.HasData = lp.Data, lp.HasData
	p.User, p.Bearer, p.Cookie = lp.User, lp.Bearer, lp.Cookie
	p.HTTPAuth, p.EmptyHeader, p.Chunked = lp.HTTPAuth, lp.EmptyHeader, lp.Chunked
	if f := fs.Lookup("user-agent"); lp.UserAgent != "" && (f == nil || !f.Changed) {
		p.UserAgent = lp.UserAgent
	}
	if f := fs.Lookup("referer"); lp.Referer != "" && (f == nil || !f.Changed) {
		p.Referer = lp.Referer
	}
	if err := p.Validate(); err != nil {
		return &cli.UsageError{Err: fmt.Errorf("%s: request %q: %w", o.from, l.Request.Path, err)}
	}
	base := filepath.Base(o.from)
	o.Notes = append(o.Notes, fmt.Sprintf("request %q from %s", l.Request.Path, base))
	for _, n := range l.Notes {
		o.Notes = append(o.Notes, base+": "+n)
	}
	return nil
}
