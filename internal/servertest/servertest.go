// Package servertest starts real web servers (nginx and Apache httpd from
// the system's packages) for tests, each in its own temporary directory with
// a generated configuration, listening on 127.0.0.1 only.
//
// A test asks for a server with a configuration fragment; the package fills
// in the rest (pid file, logs, temp paths, modules), checks the result with
// the server's own syntax test, starts the server in the foreground as a
// child process, waits until its port accepts connections and stops it when
// the test ends. On failure the server's error log is written to the test
// log. Fragments are Go text/template text: {{.Port}}, {{.Addr}},
// {{.Dir}} and {{index .Ports N}} name the server's ports and directory.
//
// Tests that need a real server skip in -short mode and when the binary is
// missing, except that with CI=true a missing binary fails the test: run
// scripts/install-deps.sh to install what is needed.
package servertest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// Server is one running server started by Nginx or Apache. Its fields are
// read-only; it stops when the test that started it ends.
type Server struct {
	// Kind is "nginx" or "apache".
	Kind string
	// Dir is the server's private temporary directory (its prefix or
	// ServerRoot). It and its parents are readable by the worker user.
	Dir string
	// ConfigPath is the generated configuration file.
	ConfigPath string
	// Port is the main port, listening on 127.0.0.1.
	Port int
	// Ports are the extra ports reserved with ExtraPorts, in order.
	Ports []int

	errorLog  string
	accessLog string
	stderr    string
	cmd       *exec.Cmd
	done      chan struct{}
	waitErr   error
	stopOnce  sync.Once
}

// URL returns the base URL of the main port: "http://127.0.0.1:PORT".
func (s *Server) URL() string { return "http://" + loopbackAddr(s.Port) }

// ExtraURL returns the base URL of the i-th extra port. It panics if i is
// out of range, like an index expression.
func (s *Server) ExtraURL(i int) string { return "http://" + loopbackAddr(s.Ports[i]) }

// ErrorLog returns the current contents of the server's error log, with
// anything the server wrote to its standard error appended. It returns ""
// when neither exists yet.
func (s *Server) ErrorLog() string {
	b, _ := os.ReadFile(s.errorLog)
	e, _ := os.ReadFile(s.stderr)
	if len(e) > 0 {
		b = append(b, e...)
	}
	return string(b)
}

// AccessLog returns the current contents of the server's access log (the
// combined format), or "" when nothing has been logged.
func (s *Server) AccessLog() string {
	b, _ := os.ReadFile(s.accessLog)
	return string(b)
}

// Stop stops the server and waits for it to exit: a fast shutdown signal
// first, then SIGKILL to its whole process group after a grace period. It
// is safe to call more than once; the test's cleanup calls it too.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		select {
		case <-s.done:
			return
		default:
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	})
}

// TemplateData is what a configuration fragment's template sees.
type TemplateData struct {
	Port  int    // the main port
	Addr  string // "127.0.0.1:PORT" for the main port
	Ports []int  // the extra ports reserved with ExtraPorts
	Dir   string // the server's directory, absolute, no trailing slash
}

// Option changes how Nginx or Apache set up a server.
type Option func(*options)

type options struct {
	extraPorts int
	user       string
	timeout    time.Duration
	files      []file
	modules    []string
	mainConf   string
	env        []string
}

type file struct{ name, content string }

// ExtraPorts reserves n more free ports on 127.0.0.1, available to the
// template as {{index .Ports 0}} and so on and later as Server.Ports. The
// configuration must listen on them itself.
func ExtraPorts(n int) Option { return func(o *options) { o.extraPorts = n } }

// User sets the unprivileged user the server's workers run as when the test
// runs as root. The default is www-data, or nobody when www-data does not
// exist. It has no effect for other users: the server then runs as the
// test's user.
func User(name string) Option { return func(o *options) { o.user = name } }

// StartTimeout sets how long to wait for the server's port to accept
// connections. The default is 10 seconds.
func StartTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// File writes content to name, relative to the server's directory, before
// the server starts. The content is a template like the configuration, so
// it may name {{.Dir}} and the ports. Parent directories are created; the
// file is readable by the worker user.
func File(name, content string) Option {
	return func(o *options) { o.files = append(o.files, file{name, content}) }
}

// Modules loads more Apache modules by name ("cgi", "session"), besides the
// default set, when their .so exists. Nginx ignores it.
func Modules(names ...string) Option {
	return func(o *options) { o.modules = append(o.modules, names...) }
}

// Env adds "NAME=value" entries to the server's environment (such as
// NTLM_USER_FILE for gss-ntlmssp, or KRB5_CONFIG), after the test's own.
func Env(kv ...string) Option { return func(o *options) { o.env = append(o.env, kv...) } }

// MainConf adds directives to nginx's main (top-level) context, such as
// load_module or a stream block. Apache ignores it: its fragment is already
// top-level.
func MainConf(directives string) Option { return func(o *options) { o.mainConf = directives } }

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago: it
// binds port 0, notes the port the kernel chose and closes the listener.
// Another process may take the port before the caller binds it; Nginx and
// Apache retry with fresh ports when that happens.
func FreePort(t testing.TB) int {
	t.Helper()
	p, err := freePort()
	if err != nil {
		t.Fatalf("servertest: free port: %v", err)
	}
	return p
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Require returns the path of binary, searched in PATH and in /usr/sbin and
// /sbin (where Debian installs servers, often not in a user's PATH). In
// -short mode it skips the test, since real servers are slow. When the
// binary is missing it skips the test, unless the environment variable CI
// is "true", in which case the test fails with a hint to run
// scripts/install-deps.sh.
func Require(t testing.TB, binary string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("%s: real servers are skipped in -short mode", binary)
	}
	path, err := lookBinary(binary)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed: run scripts/install-deps.sh", binary)
		}
		t.Skipf("%s not installed: run scripts/install-deps.sh to run this test", binary)
	}
	return path
}

func lookBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if strings.ContainsRune(name, '/') {
		return "", fmt.Errorf("%s: not found", name)
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found", name)
}

// TempDir returns a new temporary directory, removed when the test ends,
// that a server's unprivileged worker can read: unlike t.TempDir, it and
// its parents inside the system temp directory are made world-searchable
// and readable. Put files a server must read (htpasswd files, documents)
// here or in Server.Dir.
func TempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := MakeReadable(dir); err != nil {
		t.Fatalf("servertest: %v", err)
	}
	return dir
}

// MakeReadable makes path readable by other users (o+r, and o+x for
// directories) and every parent directory of it searchable (o+x), walking
// up while the parent lies inside the system temp directory and belongs to
// the current user. Nothing outside the temp directory is changed.
func MakeReadable(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return err
	}
	mode := fi.Mode().Perm() | 0o004
	if fi.IsDir() {
		mode |= 0o001
	}
	if err := os.Chmod(abs, mode); err != nil {
		return err
	}
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		tmp = filepath.Clean(os.TempDir())
	}
	realAbs, err := filepath.EvalSymlinks(abs)
	if err != nil {
		realAbs = abs
	}
	uid := os.Getuid()
	for dir := filepath.Dir(realAbs); within(dir, tmp); dir = filepath.Dir(dir) {
		di, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if st, ok := di.Sys().(*syscall.Stat_t); ok && int(st.Uid) != uid {
			break
		}
		if di.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(dir, di.Mode().Perm()|0o001); err != nil {
				return err
			}
		}
	}
	return nil
}

// within reports whether dir lies strictly inside root.
func within(dir, root string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, "../")
}

func loopbackAddr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// workerUser returns the user and group the server's workers should switch
// to, or "", "" when the test does not run as root.
func workerUser(name string) (string, string) {
	if os.Geteuid() != 0 {
		return "", ""
	}
	candidates := []string{"www-data", "nobody"}
	if name != "" {
		candidates = []string{name}
	}
	for _, c := range candidates {
		u, err := user.Lookup(c)
		if err != nil {
			continue
		}
		if g, err := user.LookupGroupId(u.Gid); err == nil {
			return u.Username, g.Name
		}
		return u.Username, u.Gid
	}
	// Fall back to the name; the server will report an unknown user.
	return candidates[0], candidates[0]
}

// render fills a configuration fragment's template.
func render(name, text string, data TemplateData) (string, error) {
	tmpl, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// flavor is what differs between nginx and Apache.
type flavor struct {
	kind   string
	binary string
	// build returns the full configuration for data.
	build func(fragment string, data TemplateData, o *options) (string, error)
	// testArgs and runArgs are the syntax test and foreground run.
	testArgs func(dir, conf string) []string
	runArgs  func(dir, conf string) []string
	env      func(dir string, o *options) []string
	errorLog string // relative to dir
	access   string // relative to dir
	subdirs  []string
}

// errAddrInUse marks a start that failed because a port was taken between
// FreePort and the server's bind; start then retries with fresh ports.
var errAddrInUse = errors.New("address already in use")

const attempts = 3

// start runs the shared life cycle: directory, config, syntax test, run,
// wait for the port, cleanup.
func start(t testing.TB, fl flavor, fragment string, opts []Option) *Server {
	t.Helper()
	bin := Require(t, fl.binary)
	o := &options{timeout: 10 * time.Second}
	for _, opt := range opts {
		opt(o)
	}
	var lastErr error
	for i := 0; i < attempts; i++ {
		s, err := try(t, bin, fl, fragment, o)
		if err == nil {
			return s
		}
		lastErr = err
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	t.Fatalf("servertest: %s: %v", fl.kind, lastErr)
	return nil
}

func try(t testing.TB, bin string, fl flavor, fragment string, o *options) (*Server, error) {
	t.Helper()
	dir := TempDir(t)
	for _, sub := range fl.subdirs {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("free port: %w", err)
	}
	data := TemplateData{Port: port, Addr: loopbackAddr(port), Dir: dir}
	for i := 0; i < o.extraPorts; i++ {
		p, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		data.Ports = append(data.Ports, p)
	}
	if hasDuplicate(append([]int{port}, data.Ports...)) {
		return nil, fmt.Errorf("free port: kernel returned a port twice: %w", errAddrInUse)
	}
	for _, f := range o.files {
		if err := writeFile(dir, f, data); err != nil {
			return nil, err
		}
	}
	conf, err := fl.build(fragment, data, o)
	if err != nil {
		return nil, err
	}
	confPath := filepath.Join(dir, fl.kind+".conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	s := &Server{
		Kind:       fl.kind,
		Dir:        dir,
		ConfigPath: confPath,
		Port:       port,
		Ports:      data.Ports,
		errorLog:   filepath.Join(dir, fl.errorLog),
		accessLog:  filepath.Join(dir, fl.access),
		stderr:     filepath.Join(dir, "stderr.log"),
		done:       make(chan struct{}),
	}

	test := exec.Command(bin, fl.testArgs(dir, confPath)...)
	test.Dir = dir
	test.Env = append(append(os.Environ(), fl.env(dir, o)...), o.env...)
	if out, err := test.CombinedOutput(); err != nil {
		return nil, classify(fmt.Errorf("config test failed: %v\n%s\n--- %s ---\n%s", err, out, confPath, numbered(conf)), string(out))
	}

	errf, err := os.Create(s.stderr)
	if err != nil {
		return nil, err
	}
	defer errf.Close()
	cmd := exec.Command(bin, fl.runArgs(dir, confPath)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), fl.env(dir, o)...), o.env...)
	cmd.Stdout = errf
	cmd.Stderr = errf
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	s.cmd = cmd
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()

	if err := s.waitReady(o.timeout); err != nil {
		s.Stop()
		log := s.ErrorLog()
		return nil, classify(fmt.Errorf("%v\n--- error log ---\n%s--- %s ---\n%s", err, log, confPath, numbered(conf)), log)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("servertest: %s on %s error log:\n%s", s.Kind, s.URL(), s.ErrorLog())
		}
	})
	return s, nil
}

// waitReady waits until every port accepts connections, the process exits
// or the timeout passes.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	ports := append([]int{s.Port}, s.Ports...)
	for _, p := range ports {
		for {
			c, err := net.DialTimeout("tcp", loopbackAddr(p), 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-s.done:
				return fmt.Errorf("server exited before port %d accepted connections: %v", p, s.waitErr)
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("port %d did not accept connections within %v: %v", p, timeout, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A listener may belong to someone else if the server lost the race
	// for the port and is on its way out; make sure it still runs.
	select {
	case <-s.done:
		return fmt.Errorf("server exited after start: %v", s.waitErr)
	case <-time.After(50 * time.Millisecond):
	}
	return nil
}

func classify(err error, output string) error {
	if strings.Contains(output, "Address already in use") || strings.Contains(output, "could not bind") {
		return fmt.Errorf("%w: %w", errAddrInUse, err)
	}
	return err
}

func hasDuplicate(ports []int) bool {
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] {
			return true
		}
		seen[p] = true
	}
	return false
}

func writeFile(dir string, f file, data TemplateData) error {
	name := filepath.Clean(f.name)
	if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
		return fmt.Errorf("%s: file name must be relative to the server directory", f.name)
	}
	content, err := render(f.name, f.content, data)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), fs.FileMode(0o644))
}

// numbered returns text with line numbers, as servers report them.
func numbered(text string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, line)
	}
	return b.String()
}
