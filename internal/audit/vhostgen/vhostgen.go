// Package vhostgen writes configurations the size of a shared-hosting
// server for the audit's scale benchmark: N virtual hosts (nginx server
// blocks or Apache <VirtualHost>s), one include file each, every one with
// a password-protected /admin/ location, a reverse proxy and static
// assets, as hosting panels generate them. The same protected path in
// every virtual host must never be related across hosts.
package vhostgen

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
)

// Kind is "nginx" or "apache".
type Kind = string

// Write creates dir/nginx.conf or dir/apache2.conf with n virtual hosts
// included from dir/sites/, and the password file they share, and
// returns the main file's path. Every tenth host names a password file
// that does not exist, so the audit has findings to report at scale.
func Write(dir string, kind Kind, n int) (string, error) {
	sites := filepath.Join(dir, "sites")
	if err := os.MkdirAll(sites, 0o755); err != nil {
		return "", err
	}
	pw := filepath.Join(dir, "htpasswd")
	// "secret" hashed with apr1, so the file checks clean.
	if err := os.WriteFile(pw, []byte("admin:$apr1$NuRS5IbN$pcQPP5resooH1jyrMqHkF0\n"), 0o644); err != nil {
		return "", err
	}
	var main, ext string
	switch kind {
	case "nginx":
		main, ext = filepath.Join(dir, "nginx.conf"), ".conf"
		body := "events {}\nhttp {\n    include sites/*.conf;\n}\n"
		if err := os.WriteFile(main, []byte(body), 0o644); err != nil {
			return "", err
		}
	case "apache":
		main, ext = filepath.Join(dir, "apache2.conf"), ".conf"
		body := fmt.Sprintf("ServerRoot %q\nListen 80\nIncludeOptional sites/*.conf\n", dir)
		if err := os.WriteFile(main, []byte(body), 0o644); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("vhostgen: unknown kind %q", kind)
	}
	for i := 0; i < n; i++ {
		file := pw
		if i%10 == 9 {
			file = filepath.Join(dir, "missing", fmt.Sprintf("site%d.htpasswd", i))
		}
		path := filepath.Join(sites, fmt.Sprintf("site%06d%s", i, ext))
		if err := writeSite(path, kind, i, file); err != nil {
			return "", err
		}
	}
	return main, nil
}

func writeSite(path string, kind Kind, i int, pw string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	host := fmt.Sprintf("site%d.example", i)
	port := 8000 + i%1000
	if kind == "nginx" {
		fmt.Fprintf(w, `server {
    listen 80;
    server_name %[1]s www.%[1]s;
    root /srv/www/%[1]s/public;
    location / {
        proxy_pass http://127.0.0.1:%[2]d;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
    location /admin/ {
        auth_basic "Admin of %[1]s";
        auth_basic_user_file %[3]s;
        proxy_pass http://127.0.0.1:%[2]d;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
    location /static/ {
        expires 7d;
    }
}
`, host, port, pw)
	} else {
		fmt.Fprintf(w, `<VirtualHost *:80>
    ServerName %[1]s
    ServerAlias www.%[1]s
    DocumentRoot /srv/www/%[1]s/public
    ProxyPass /app/ http://127.0.0.1:%[2]d/
    ProxyPassReverse /app/ http://127.0.0.1:%[2]d/
    <Location /admin>
        AuthType Basic
        AuthName "Admin of %[1]s"
        AuthUserFile %[3]s
        Require valid-user
    </Location>
    <Directory /srv/www/%[1]s/public>
        AllowOverride None
        Require all granted
    </Directory>
</VirtualHost>
`, host, port, pw)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
