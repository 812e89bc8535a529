package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/why401/why401/internal/htmlreport"
	"github.com/why401/why401/internal/netguard"
	"github.com/why401/why401/internal/probe"
)

// Runner runs one why401 command line in-process with stdin and returns
// what it printed on standard output, its exit code and its error message
// ("" when none). adjust is applied to every probe the command runs. The
// command packages stay the one pipeline: the API answers exactly their
// --json documents.
type Runner func(ctx context.Context, args []string, stdin io.Reader, adjust func(*probe.Options)) (out []byte, code int, msg string)

// kind is one form and API endpoint.
type kind struct {
	Name  string
	Title string
	// local kinds read files of this machine (a checklist's credentials
	// and CA file) and reach the URLs it names: offered only on a loopback
	// server. An audit is not one: it reads the upload alone (audit
	// --root).
	Local bool
	// args turns a request into a command line and its standard input;
	// dir is a private temporary directory for uploads, removed after.
	Args func(in *input, dir string) (args []string, stdin []byte, err error)
}

// input is what a request carried, from a JSON API body or a form.
type input struct {
	body     []byte            // the API body, or the form's file or text
	name     string            // the uploaded file's name, when known
	fields   map[string]string // form fields
	fromForm bool
}

func (in *input) field(name string) string { return strings.TrimSpace(in.fields[name]) }

var kinds = []*kind{
	{Name: "probe", Title: "Probe a URL", Args: probeArgs},
	{Name: "curl", Title: "Paste a Copy as cURL", Args: func(in *input, _ string) ([]string, []byte, error) {
		if len(bytes.TrimSpace(in.body)) == 0 {
			return nil, nil, errors.New("no command: paste a command copied with Copy as cURL")
		}
		return []string{"curl", "--json", "-"}, in.body, nil
	}},
	{Name: "har", Title: "Drop a HAR file", Args: func(in *input, _ string) ([]string, []byte, error) {
		if len(bytes.TrimSpace(in.body)) == 0 {
			return nil, nil, errors.New("no HAR: drop a file exported from the browser's network panel")
		}
		return []string{"har", "--json", "-"}, in.body, nil
	}},
	{Name: "audit", Title: "Audit a server configuration", Args: auditArgs},
	{Name: "logs", Title: "Read an access log", Args: func(in *input, _ string) ([]string, []byte, error) {
		if len(in.body) == 0 {
			return nil, nil, errors.New("no log: drop an access log (plain or gzip)")
		}
		return []string{"logs", "--json", "--no-progress", "-"}, in.body, nil
	}},
	{Name: "check", Title: "Run a checklist", Local: true, Args: func(in *input, dir string) ([]string, []byte, error) {
		if len(bytes.TrimSpace(in.body)) == 0 {
			return nil, nil, errors.New("no checklist: drop a checklist file (see docs/checklist.md)")
		}
		p := dir + "/checklist.yaml"
		if err := os.WriteFile(p, in.body, 0o600); err != nil {
			return nil, nil, err
		}
		return []string{"check", "--json", p}, nil, nil
	}},
}

// probeRequest is the body of POST /api/probe.
type probeRequest struct {
	URL  string   `json:"url"`
	Args []string `json:"args"`
}

func probeArgs(in *input, _ string) ([]string, []byte, error) {
	var pr probeRequest
	if in.fromForm {
		var err error
		if pr, err = probeForm(in); err != nil {
			return nil, nil, err
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(in.body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&pr); err != nil {
			return nil, nil, fmt.Errorf("body: want {\"url\": \"https://…\", \"args\": [curl flags]}: %v", err)
		}
	}
	u, err := url.Parse(pr.URL)
	if pr.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("url %q: want an http:// or https:// URL", pr.URL)
	}
	for _, a := range pr.Args {
		if a == "--show-secrets" || strings.HasPrefix(a, "--html") || a == "--json" {
			return nil, nil, fmt.Errorf("args: %s is not taken here: the answer is the JSON document, secrets redacted", a)
		}
	}
	return append([]string{"probe", "--json", pr.URL}, pr.Args...), nil, nil
}

// probeForm turns the probe form's fields into curl flags.
func probeForm(in *input) (probeRequest, error) {
	pr := probeRequest{URL: in.field("url")}
	if m := strings.ToUpper(in.field("method")); m != "" && m != "GET" {
		pr.Args = append(pr.Args, "-X", m)
	}
	for _, line := range strings.Split(in.fields["headers"], "\n") {
		if line = strings.TrimSpace(line); line != "" {
			pr.Args = append(pr.Args, "-H", line)
		}
	}
	if u := in.field("user"); u != "" {
		pr.Args = append(pr.Args, "-u", u+":"+in.fields["password"])
	}
	if t := in.field("bearer"); t != "" {
		pr.Args = append(pr.Args, "--oauth2-bearer", t)
	}
	if c := in.field("cookie"); c != "" {
		if !strings.Contains(c, "=") {
			return pr, fmt.Errorf("cookie: want name=value pairs, like sid=abc; theme=dark")
		}
		pr.Args = append(pr.Args, "-b", c)
	}
	if d := in.fields["data"]; d != "" {
		if strings.HasPrefix(d, "@") {
			return pr, fmt.Errorf("body: give the body itself, not @file")
		}
		pr.Args = append(pr.Args, "-d", d)
	}
	for _, o := range []struct{ field, flag string }{
		{"follow", "-L"}, {"insecure", "-k"}, {"no_discovery", "--no-discovery"},
		{"try_encodings", "--try-encodings"}, {"try_content_type", "--try-content-type"},
	} {
		if in.fields[o.field] != "" {
			pr.Args = append(pr.Args, o.flag)
		}
	}
	for _, o := range []struct{ field, flag string }{{"expect_aud", "--expect-aud"}, {"expect_iss", "--expect-iss"}, {"expect_scope", "--expect-scope"}, {"jwks", "--jwks"}} {
		if v := in.field(o.field); v != "" {
			pr.Args = append(pr.Args, o.flag, v)
		}
	}
	return pr, nil
}

// run is one diagnosis: the command's JSON document, or an API error.
type run struct {
	doc    []byte
	status int
	reason string
	msg    string
}

// execute runs kind k for in, with the guard, the time limit and progress.
func (s *Server) execute(ctx context.Context, k *kind, in *input, progress func(string)) run {
	if k.Local && s.cfg.Exposed {
		s.metrics.refusal("local-only")
		return run{status: http.StatusForbidden, reason: "local-only", msg: fmt.Sprintf("%s reads files of the machine running why401 (a checklist's credentials) and reaches the URLs it names, so it is only offered on a loopback server; run why401 %s yourself", k.Name, k.Name)}
	}
	dir, err := os.MkdirTemp("", "why401-serve-")
	if err != nil {
		return run{status: http.StatusInternalServerError, msg: "cannot make a temporary directory: " + err.Error()}
	}
	defer os.RemoveAll(dir)
	args, stdin, err := k.Args(in, dir)
	if err != nil {
		var re *requestError
		if errors.As(err, &re) {
			return run{status: re.status, reason: re.reason, msg: re.Error()}
		}
		return run{status: http.StatusBadRequest, msg: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()

	// The guard of this request: the first refusal is remembered, so the
	// answer names it even when the probe wrapped it in an exchange error.
	var mu sync.Mutex
	var refused error
	var guard *netguard.Policy
	if s.guard != nil {
		g := *s.guard
		g.OnRefuse = func(reason string) { s.metrics.refusal("address-" + reason) }
		guard = &g
	}
	control := func(network, address string, c syscall.RawConn) error {
		if guard == nil {
			return nil
		}
		err := guard.Control(network, address, c)
		if err != nil {
			mu.Lock()
			if refused == nil {
				refused = err
			}
			mu.Unlock()
		}
		return err
	}
	if k.Name == "probe" && guard != nil {
		// The early, friendly check: refuse before anything is sent.
		if host, port, ok := targetOf(args); ok {
			if err := guard.CheckHost(ctx, s.cfg.Resolver, host, port); err != nil {
				var re *netguard.RefusedError
				if errors.As(err, &re) {
					return run{status: http.StatusForbidden, reason: "address-" + re.Reason, msg: err.Error()}
				}
				return run{status: http.StatusBadRequest, msg: err.Error()}
			}
		}
	}
	adjust := func(po *probe.Options) {
		po.NoLocalFiles = true
		po.Resolver = s.cfg.Resolver
		if guard != nil {
			po.Control = control
		}
		if progress != nil {
			po.Progress = progress
		}
	}
	var r io.Reader
	if stdin != nil {
		r = bytes.NewReader(stdin)
	}
	out, code, msg := s.cfg.Runner(ctx, args, r, adjust)
	mu.Lock()
	ref := refused
	mu.Unlock()
	switch {
	case ref != nil:
		var re *netguard.RefusedError
		reason := "address"
		if errors.As(ref, &re) {
			reason = "address-" + re.Reason
		}
		return run{status: http.StatusForbidden, reason: reason, msg: strings.Replace(ref.Error(), "refused: ", "refused: a connection the probe made (a redirect hop, a discovery document, another address of the name) went to ", 1)}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return run{status: http.StatusGatewayTimeout, reason: "time-limit", msg: fmt.Sprintf("the diagnosis took longer than this server allows (%s)", s.cfg.RequestTimeout)}
	case msg != "" && code != 0 && !json.Valid(out):
		first, _, _ := strings.Cut(msg, "\n")
		first = strings.ReplaceAll(strings.ReplaceAll(first, dir+"/tree/", ""), dir+"/", "")
		return run{status: http.StatusBadRequest, msg: first}
	case len(out) == 0:
		return run{status: http.StatusInternalServerError, msg: "the command printed nothing"}
	}
	// Uploads live in dir: their paths are shown relative to it.
	out = bytes.ReplaceAll(out, []byte(dir+"/tree/"), nil)
	out = bytes.ReplaceAll(out, []byte(dir+"/"), nil)
	return run{status: http.StatusOK, doc: out}
}

// targetOf finds the URL of a probe command line (its third word) and
// the host and port it names.
func targetOf(args []string) (string, uint16, bool) {
	if len(args) < 3 {
		return "", 0, false
	}
	u, err := url.Parse(args[2])
	if err != nil {
		return "", 0, false
	}
	port := uint16(80)
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err == nil && n > 0 && n < 65536 {
			port = uint16(n)
		}
	}
	return u.Hostname(), port, true
}

// requestError is a bad request with its own status and reason.
type requestError struct {
	status int
	reason string
	msg    string
}

func (e *requestError) Error() string { return e.msg }

// diagnosis serves POST /api/KIND (the JSON API) and POST /form/KIND (the
// page's forms: a whole page back, or server-sent events when the page's
// script asks for text/event-stream).
func (s *Server) diagnosis(k *kind, form bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, err := s.readInput(w, r, k, form)
		if err != nil {
			if form && errors.Is(err, errCSRF) {
				s.refuse(w, r, http.StatusForbidden, "csrf", "the form's token is missing or stale: reload the page and send it again")
				return
			}
			s.bodyError(w, r, err)
			return
		}
		stream := form && strings.Contains(r.Header.Get("Accept"), "text/event-stream")
		release, ok := s.acquire(w, r)
		if !ok {
			return
		}
		defer release()
		start := time.Now()
		if !stream {
			res := s.execute(r.Context(), k, in, nil)
			s.metrics.diagnosis(k.Name, res, time.Since(start))
			switch {
			case res.status != http.StatusOK && form:
				w.WriteHeader(res.status)
				s.renderPage(w, r, k.Name, nil, res.msg)
			case res.status != http.StatusOK:
				s.fail(w, r, res.status, res.reason, "%s", res.msg)
			case form:
				s.renderPage(w, r, k.Name, res.doc, "")
			default:
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.Write(res.doc)
			}
			return
		}
		s.streamDiagnosis(w, r, k, in, start)
	}
}

// streamDiagnosis answers server-sent events: "progress" lines while the
// diagnosis runs, then one "report" (the page fragment and the JSON) or
// one "failure".
func (s *Server) streamDiagnosis(w http.ResponseWriter, r *http.Request, k *kind, in *input, start time.Time) {
	fl, _ := w.(http.Flusher)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var mu sync.Mutex
	send := func(event string, v any) {
		b, _ := json.Marshal(v)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		if fl != nil {
			fl.Flush()
		}
	}
	send("progress", map[string]string{"step": "started " + k.Name})
	res := s.execute(r.Context(), k, in, func(step string) { send("progress", map[string]string{"step": step}) })
	s.metrics.diagnosis(k.Name, res, time.Since(start))
	if res.status != http.StatusOK {
		send("failure", apiError{Error: res.msg, Reason: res.reason, Status: res.status})
		return
	}
	var frag bytes.Buffer
	if err := htmlreport.RenderJSON(&frag, res.doc, htmlreport.Options{Fragment: true, Downloads: true, DocBase: "/"}); err != nil {
		send("failure", apiError{Error: "rendering the report: " + err.Error(), Status: http.StatusInternalServerError})
		return
	}
	send("report", map[string]any{"html": frag.String(), "json": json.RawMessage(res.doc)})
}

var errCSRF = errors.New("csrf")

// readInput reads a request within the upload limit: the body of an API
// call, or a form (urlencoded or multipart, with its CSRF token).
func (s *Server) readInput(w http.ResponseWriter, r *http.Request, k *kind, form bool) (*input, error) {
	if r.ContentLength > s.cfg.MaxUpload {
		return nil, errTooLarge
	}
	if !form {
		b, err := s.readBody(w, r)
		if err != nil {
			return nil, err
		}
		return &input{body: b, name: r.URL.Query().Get("name")}, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	in := &input{fields: map[string]string{}, fromForm: true}
	ct := r.Header.Get("Content-Type")
	var err error
	if strings.HasPrefix(ct, "multipart/form-data") {
		err = r.ParseMultipartForm(s.cfg.MaxUpload)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || strings.Contains(err.Error(), "too large") {
			return nil, errTooLarge
		}
		return nil, err
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	for name, vs := range r.PostForm {
		if len(vs) > 0 {
			in.fields[name] = vs[0]
		}
	}
	if r.MultipartForm != nil {
		for name, vs := range r.MultipartForm.Value {
			if len(vs) > 0 {
				in.fields[name] = vs[0]
			}
		}
	}
	if !s.checkCSRF(r, in.fields["csrf"]) {
		return nil, errCSRF
	}
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			b, err := readPart(fhs[0])
			if err != nil {
				return nil, err
			}
			in.body, in.name = b, fhs[0].Filename
		}
	}
	if in.body == nil {
		in.body = []byte(in.fields["text"])
		in.name = in.field("name")
	}
	return in, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
