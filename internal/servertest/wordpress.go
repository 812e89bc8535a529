package servertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/random"
)

// WordPressSource is where Debian's wordpress package installs WordPress.
const WordPressSource = "/usr/share/wordpress"

// WordPressSite is a WordPress site started by WordPress: MariaDB on a
// Unix socket (no TCP at all), PHP-FPM on 127.0.0.1 and Apache httpd in
// front of it, with one administrator and application passwords.
type WordPressSite struct {
	// Apache is the web server; the site answers on every port it has.
	Apache *Server
	// Dir holds the copy of WordPress that is served, with its own
	// wp-config.php.
	Dir string
	// User and LoginPassword are the administrator's login.
	User, LoginPassword string
	// AppPassword is a current application password of User, in the
	// grouped form WordPress shows ("abcd EFGH ..."); DeletedAppPassword
	// was created and then deleted.
	AppPassword, DeletedAppPassword string
	// PHPErrors returns the PHP-FPM error log.
	PHPErrors func() string
}

// WordPressVHost is one Apache virtual host in front of the site.
type WordPressVHost struct {
	// PassAuth sets CGIPassAuth On, so PHP sees the Authorization header;
	// without it Apache withholds the header from PHP-FPM, as a default
	// Apache + PHP-FPM setup does.
	PassAuth bool
	// Environment is WordPress's environment type (WP_ENVIRONMENT_TYPE):
	// "local" allows application passwords over plain http, "production"
	// (the default) requires HTTPS for them.
	Environment string
	// Env holds more environment variables for PHP (SetEnv), which
	// must-use plugins of WordPressOptions may read.
	Env map[string]string
}

// WordPressOptions describe the site WordPress sets up.
type WordPressOptions struct {
	// VHosts are Apache's virtual hosts, the first on the main port; none
	// means one with the zero WordPressVHost.
	VHosts []WordPressVHost
	// MUPlugins are must-use plugins, file name to PHP source, installed
	// in wp-content/mu-plugins.
	MUPlugins map[string]string
}

// WordPress sets up and starts a WordPress site from Debian's packages
// (wordpress, mariadb-server, php-fpm with php-mysql, php-cli, apache2):
// a private MariaDB data directory listening on a Unix socket only, a
// PHP-FPM pool on 127.0.0.1, a copy of WordPress installed with WP's own
// wp_install, an administrator with an application password (and one that
// was deleted), the must-use plugins of o, and Apache with one virtual
// host per entry of o.VHosts, the first on Apache.Port and the others on
// Apache.Ports in order. Each
// vhost routes /wp-json/... to index.php?rest_route=... as pretty
// permalinks would. WordPress makes no outgoing requests
// (WP_HTTP_BLOCK_EXTERNAL). Everything stops when the test ends.
// WordPress skips the test like Require when a piece is missing and fails
// it when setting up fails. It takes several seconds.
func WordPress(t testing.TB, o WordPressOptions) *WordPressSite {
	t.Helper()
	vhosts := o.VHosts
	if len(vhosts) == 0 {
		vhosts = []WordPressVHost{{}}
	}
	mariadbd := Require(t, "mariadbd")
	installDB := Require(t, "mariadb-install-db")
	client := Require(t, "mariadb")
	php := Require(t, "php")
	fpm := phpFPMBinary(t)
	if _, err := os.Stat(filepath.Join(WordPressSource, "wp-load.php")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("wordpress not installed: run scripts/install-deps.sh")
		}
		t.Skipf("wordpress not installed: run scripts/install-deps.sh to run this test")
	}

	dir := TempDir(t)
	sock := startMariaDB(t, dir, mariadbd, installDB)
	dbPass := random.Hex(12)
	sql := "CREATE DATABASE wordpress; CREATE USER 'wordpress'@'localhost' IDENTIFIED BY '" + dbPass + "'; GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';"
	if out, err := exec.Command(client, "--no-defaults", "-S", sock, "-u", "root", "-e", sql).CombinedOutput(); err != nil {
		t.Fatalf("servertest: wordpress: creating the database: %v\n%s", err, out)
	}

	site := filepath.Join(dir, "wp")
	if out, err := exec.Command("cp", "-a", WordPressSource+"/.", site).CombinedOutput(); err != nil {
		t.Fatalf("servertest: wordpress: copying %s: %v\n%s", WordPressSource, err, out)
	}
	os.Remove(filepath.Join(site, ".htaccess")) // Debian's points into /etc
	for name, src := range o.MUPlugins {
		if strings.ContainsAny(name, "/\\") || !strings.HasSuffix(name, ".php") {
			t.Fatalf("servertest: wordpress: must-use plugin %q: want a plain file name ending in .php", name)
		}
		mu := filepath.Join(site, "wp-content", "mu-plugins")
		if err := os.MkdirAll(mu, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mu, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(site, "wp-config.php"), []byte(wpConfig(sock, dbPass)), 0o644); err != nil {
		t.Fatal(err)
	}
	login := "login-" + random.Hex(8)
	setup := filepath.Join(dir, "setup.php")
	if err := os.WriteFile(setup, []byte(wpSetupScript(site, login)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(php, setup).CombinedOutput()
	if err != nil {
		t.Fatalf("servertest: wordpress: install: %v\n%s", err, out)
	}
	var creds struct{ App, Deleted string }
	printed := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(printed, '\n'); json.Unmarshal([]byte(printed[i+1:]), &creds) != nil || creds.App == "" {
		t.Fatalf("servertest: wordpress: install printed %q", out)
	}
	if err := MakeReadable(site); err != nil {
		t.Fatal(err)
	}
	if err := filepath.Walk(site, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return nil // Debian links some libraries to other packages
		}
		mode := fi.Mode().Perm() | 0o004
		if fi.IsDir() {
			mode |= 0o001
		}
		return os.Chmod(p, mode)
	}); err != nil {
		t.Fatal(err)
	}

	fpmSrv := start(t, phpFPMFlavor(fpm), "", nil)
	phpLog := filepath.Join(fpmSrv.Dir, "logs", "php-error.log")

	var conf strings.Builder
	for i, v := range vhosts {
		port := "{{.Port}}"
		if i > 0 {
			port = fmt.Sprintf("{{index .Ports %d}}", i-1)
			fmt.Fprintf(&conf, "Listen 127.0.0.1:%s\n", port)
		}
		env := v.Environment
		if env == "" {
			env = "production"
		}
		var extra strings.Builder
		keys := make([]string, 0, len(v.Env))
		for k := range v.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&extra, "\tSetEnv %s %q\n", k, v.Env[k])
		}
		pass := ""
		if v.PassAuth {
			pass = "\t\tCGIPassAuth On\n"
		}
		fmt.Fprintf(&conf, `<VirtualHost 127.0.0.1:%s>
	DocumentRoot "%s"
	SetEnv WP_ENVIRONMENT_TYPE %s
%s	<Directory "%s">
		Require all granted
		AllowOverride None
		DirectoryIndex index.php
%s	</Directory>
	RewriteEngine On
	RewriteRule "^/wp-json/?(.*)$" "/index.php?rest_route=/$1" [QSA,PT,L]
	<FilesMatch "\.php$">
		SetHandler "proxy:fcgi://127.0.0.1:%d"
	</FilesMatch>
</VirtualHost>
`, port, site, env, extra.String(), site, pass, fpmSrv.Port)
	}
	ap := Apache(t, conf.String(), Modules("proxy_fcgi"), ExtraPorts(len(vhosts)-1))
	return &WordPressSite{
		Apache: ap, Dir: site, User: "admin", LoginPassword: login,
		AppPassword: creds.App, DeletedAppPassword: creds.Deleted,
		PHPErrors: func() string { b, _ := os.ReadFile(phpLog); return string(b) },
	}
}

// URL returns the base URL of the i-th virtual host: "http://127.0.0.1:PORT".
func (w *WordPressSite) URL(i int) string {
	if i == 0 {
		return w.Apache.URL()
	}
	return w.Apache.ExtraURL(i - 1)
}

// phpFPMBinary finds Debian's versioned php-fpm binary (php-fpm8.2).
func phpFPMBinary(t testing.TB) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/sbin/php-fpm*")
	if len(matches) == 0 {
		return Require(t, "php-fpm")
	}
	return Require(t, matches[len(matches)-1])
}

func phpFPMFlavor(bin string) flavor {
	return flavor{
		kind:   "php-fpm",
		binary: bin,
		build: func(_ string, data TemplateData, o *options) (string, error) {
			dir := data.Dir
			u, g := workerUser(o.user)
			var b strings.Builder
			fmt.Fprintf(&b, "; Generated by servertest for a test; deleted when it ends.\n[global]\n")
			fmt.Fprintf(&b, "pid = %s\nerror_log = %s\ndaemonize = no\n", filepath.Join(dir, "php-fpm.pid"), filepath.Join(dir, "logs", "fpm.log"))
			fmt.Fprintf(&b, "[www]\nlisten = %s\npm = static\npm.max_children = 4\nclear_env = no\ncatch_workers_output = yes\n", data.Addr)
			if u != "" {
				fmt.Fprintf(&b, "user = %s\ngroup = %s\n", u, g)
			}
			fmt.Fprintf(&b, "php_admin_value[error_log] = %s\nphp_admin_flag[log_errors] = on\n", filepath.Join(dir, "logs", "php-error.log"))
			return b.String(), nil
		},
		testArgs: func(dir, conf string) []string { return []string{"-t", "-y", conf} },
		runArgs:  func(dir, conf string) []string { return []string{"-F", "-y", conf} },
		env:      func(string, *options) []string { return nil },
		errorLog: "logs/fpm.log",
		access:   "logs/fpm.log",
		subdirs:  []string{"logs"},
	}
}

// startMariaDB initialises a data directory in dir and runs mariadbd on a
// Unix socket only (skip-networking); it returns the socket's path.
func startMariaDB(t testing.TB, dir, mariadbd, installDB string) string {
	t.Helper()
	data := filepath.Join(dir, "db")
	run := filepath.Join(dir, "run")
	for _, d := range []string{data, run} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"--no-defaults", "--datadir=" + data, "--skip-test-db"}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("mysql")
		if err != nil {
			t.Fatalf("servertest: mariadb: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, d := range []string{data, run} {
			if err := os.Chown(d, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		args = append(args, "--user=mysql")
	}
	if out, err := exec.Command(installDB, args...).CombinedOutput(); err != nil {
		t.Fatalf("servertest: mariadb-install-db: %v\n%s", err, out)
	}
	sock := filepath.Join(run, "mysqld.sock")
	errLog := filepath.Join(run, "mysqld.err")
	srvArgs := []string{"--no-defaults", "--datadir=" + data, "--socket=" + sock, "--skip-networking",
		"--pid-file=" + filepath.Join(run, "mysqld.pid"), "--log-error=" + errLog, "--skip-log-bin",
		"--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M"}
	if os.Geteuid() == 0 {
		srvArgs = append(srvArgs, "--user=mysql")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, mariadbd, srvArgs...)
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("servertest: mariadbd: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }() //nolint:errcheck // the exit is observed through done
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt) //nolint:errcheck // it may have exited
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("unix", sock, 200*time.Millisecond); err == nil {
			c.Close()
			return sock
		}
		select {
		case <-done:
			b, _ := os.ReadFile(errLog)
			t.Fatalf("servertest: mariadbd exited:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(errLog)
			t.Fatalf("servertest: mariadbd did not open %s within 30s:\n%s", sock, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wpConfig is the site's wp-config.php.
func wpConfig(sock, dbPass string) string {
	var keys strings.Builder
	for _, k := range []string{"AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"} {
		fmt.Fprintf(&keys, "define('%s', '%s');\n", k, random.Hex(24))
	}
	return `<?php
// Generated by servertest for a test; deleted when it ends.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', '` + dbPass + `');
define('DB_HOST', 'localhost:` + sock + `');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
` + keys.String() + `$table_prefix = 'wp_';
$why401_host = isset($_SERVER['HTTP_HOST']) ? $_SERVER['HTTP_HOST'] : '127.0.0.1';
define('WP_HOME', 'http://' . $why401_host);
define('WP_SITEURL', 'http://' . $why401_host);
define('WP_CONTENT_DIR', __DIR__ . '/wp-content');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
define('WP_DEBUG', false);
if (!defined('ABSPATH')) {
	define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
`
}

// wpSetupScript installs WordPress and prints the application passwords
// as JSON on its last line.
func wpSetupScript(site, login string) string {
	return `<?php
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
// No mail during the install.
function wp_new_blog_notification() {}
require '` + site + `/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$r = wp_install('why401 test site', 'admin', 'admin@example.invalid', false, '', '` + login + `');
if (is_wp_error($r)) { fwrite(STDERR, $r->get_error_message()); exit(1); }
$user = get_user_by('login', 'admin');
$app = WP_Application_Passwords::create_new_application_password($user->ID, array('name' => 'why401'));
$gone = WP_Application_Passwords::create_new_application_password($user->ID, array('name' => 'deleted'));
if (is_wp_error($app) || is_wp_error($gone)) { fwrite(STDERR, "application password\n"); exit(1); }
WP_Application_Passwords::delete_application_password($user->ID, $gone[1]['uuid']);
echo "\n" . json_encode(array(
	'App' => WP_Application_Passwords::chunk_password($app[0]),
	'Deleted' => WP_Application_Passwords::chunk_password($gone[0]),
)) . "\n";
`
}
