#!/usr/bin/env bash
# install-deps.sh: install the real servers and tools that why401's
# real-server tests (test/realserver, internal/servertest) start: nginx,
# Apache httpd, htpasswd (apache2-utils) and curl, from Debian packages;
# also headless Chromium and its driver (chromium, chromium-driver) and
# Firefox ESR (firefox-esr), which
# test/browser drives to record real HAR files.
#
# Idempotent: it does nothing but check when everything is present, and runs
# `apt-get update` at most once, only when something has to be installed.
# The tests start their own servers on 127.0.0.1 with temporary configs, so
# the packages' own services are stopped and kept from starting at boot.
# Must run as root (or with sudo available) on Debian or a derivative.
set -euo pipefail

log() { printf 'install-deps: %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		log "not root and no sudo: run as root"
		exit 1
	fi
fi

# Binary each package provides; the package is missing when its binary is.
# /usr/sbin is searched explicitly because a non-root PATH may lack it.
have() {
	command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]
}

# apt_install installs packages without letting their scripts start the
# services, where invoke-rc.d honours policy-rc.d (exit 101 = action
# forbidden; only written when no policy exists, and removed again
# afterwards). It runs apt-get update at most once per run.
updated=""
apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	local policy=/usr/sbin/policy-rc.d made_policy="" rc=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
		$SUDO chmod 0755 "$policy"
		made_policy=1
	fi
	if [ -z "$updated" ]; then
		log "running apt-get update"
		$SUDO apt-get update || rc=$?
		updated=1
	fi
	if [ "$rc" -eq 0 ]; then
		$SUDO apt-get install -y --no-install-recommends "$@" || rc=$?
	fi
	if [ -n "$made_policy" ]; then $SUDO rm -f "$policy"; fi
	if [ "$rc" -ne 0 ]; then
		log "apt-get install $* failed"
		exit 1
	fi
}

missing=()
have nginx || missing+=(nginx)
have apache2 || missing+=(apache2)
have htpasswd || missing+=(apache2-utils)
have curl || missing+=(curl)
have prometheus || missing+=(prometheus)
have chromium || missing+=(chromium)
have chromedriver || missing+=(chromium-driver)
# Headless Firefox (ESR), which test/browser drives over WebDriver BiDi
# and Marionette to record the same flows and read its cookie prefs.
have firefox-esr || missing+=(firefox-esr)
# Producers identified by test/producers (haproxy, squid, the Docker
# registry) and its WordPress stack (MariaDB, PHP-FPM with mysqli, PHP CLI).
have haproxy || missing+=(haproxy)
have squid || missing+=(squid)
have docker-registry || missing+=(docker-registry)
have mariadbd || missing+=(mariadb-server)
compgen -G '/usr/sbin/php-fpm*' >/dev/null || missing+=(php-fpm)
have php || missing+=(php-cli)
[ -e /usr/share/wordpress/wp-load.php ] || missing+=(wordpress)
/usr/bin/python3 -c 'import rest_framework' >/dev/null 2>&1 || missing+=(python3-djangorestframework)
# Servers whose access logs test/logsreal parses (why401 logs).
have lighttpd || missing+=(lighttpd)
have caddy || missing+=(caddy)

if [ "${#missing[@]}" -eq 0 ]; then
	log "every package the tests need is already installed"
else
	if ! command -v apt-get >/dev/null 2>&1; then
		log "missing ${missing[*]} and apt-get is not available: install them by hand"
		exit 1
	fi
	log "installing nginx apache2 apache2-utils curl prometheus chromium chromium-driver firefox-esr haproxy squid docker-registry mariadb-server php-fpm php-mysql php-cli wordpress lighttpd caddy python3-djangorestframework (missing: ${missing[*]})"
	apt_install nginx apache2 apache2-utils curl prometheus chromium chromium-driver firefox-esr haproxy squid docker-registry mariadb-server php-fpm php-mysql php-cli wordpress lighttpd caddy python3-djangorestframework
fi

# Stop and disable the packages' own services so nothing is left listening
# on port 80. Each step may fail harmlessly (no systemd, not running).
log "stopping the nginx and apache2 services (failures are ignored)"
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	$SUDO systemctl disable --now nginx.service >/dev/null 2>&1 || true
	$SUDO systemctl disable --now apache2.service >/dev/null 2>&1 || true
	$SUDO systemctl disable --now prometheus.service >/dev/null 2>&1 || true
	for svc in haproxy squid docker-registry mariadb php8.2-fpm lighttpd caddy; do
		$SUDO systemctl disable --now "$svc.service" >/dev/null 2>&1 || true
	done
fi
if command -v service >/dev/null 2>&1; then
	$SUDO service nginx stop >/dev/null 2>&1 || true
	$SUDO service apache2 stop >/dev/null 2>&1 || true
	$SUDO service prometheus stop >/dev/null 2>&1 || true
	for svc in haproxy squid docker-registry mariadb php8.2-fpm lighttpd caddy; do
		$SUDO service "$svc" stop >/dev/null 2>&1 || true
	done
fi
if command -v update-rc.d >/dev/null 2>&1; then
	$SUDO update-rc.d nginx disable >/dev/null 2>&1 || true
	$SUDO update-rc.d apache2 disable >/dev/null 2>&1 || true
	$SUDO update-rc.d prometheus disable >/dev/null 2>&1 || true
fi
if have apache2ctl; then
	$SUDO apache2ctl stop >/dev/null 2>&1 || true
fi
# A package-started nginx writes its pid here; stop it directly when the
# service tools above could not.
if [ -s /run/nginx.pid ] && have nginx; then
	$SUDO nginx -s quit >/dev/null 2>&1 || true
fi

for bin in nginx apache2 htpasswd curl prometheus promtool chromium chromedriver firefox-esr haproxy squid docker-registry mariadbd php lighttpd caddy; do
	if ! have "$bin"; then
		log "$bin is still missing after the install"
		exit 1
	fi
done

# More real products for test/producers (issue 15): each is started by
# the tests on 127.0.0.1 with a temporary config and data directory, never
# as the package's service. Installed in one apt-get call, only when one is
# missing; their services are then stopped and disabled.
products=()
have gunicorn || products+=(gunicorn)                 # Django REST Framework under Gunicorn
[ -x /usr/lib/cgi-bin/nagios4/tac.cgi ] || products+=(nagios4-cgi)  # Nagios 4's CGIs under Apache (Digest)
have radicale || products+=(radicale)                 # CalDAV/CardDAV with an htpasswd file
have transmission-daemon || products+=(transmission-daemon)  # Transmission's RPC (409 handshake)
have cupsd || products+=(cups-daemon)                 # the CUPS scheduler's admin pages
have influxd || products+=(influxdb)                  # InfluxDB 1.x with auth-enabled
if [ "${#products[@]}" -gt 0 ]; then
	log "installing products for test/producers: ${products[*]}"
	apt_install "${products[@]}"
	for svc in radicale transmission-daemon cups cups-browsed influxdb; do
		if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
			$SUDO systemctl disable --now "$svc.service" >/dev/null 2>&1 || true
		fi
		if command -v service >/dev/null 2>&1; then
			$SUDO service "$svc" stop >/dev/null 2>&1 || true
		fi
	done
fi
for bin in gunicorn /usr/lib/cgi-bin/nagios4/tac.cgi radicale transmission-daemon cupsd influxd; do
	if ! have "$bin" && [ ! -x "$bin" ]; then
		log "$bin is still missing after the install"
		exit 1
	fi
done

# Kerberos and NTLM for the probe's --negotiate and --ntlm tests
# (test/producers/negotiate_test.go): a real MIT KDC and its admin tools
# (krb5kdc, kdb5_util, kadmin.local), kinit (krb5-user), Apache's
# mod_auth_gssapi, and gss-ntlmssp, which makes mod_auth_gssapi an NTLM
# server. The tests run their own KDC on 127.0.0.1; the packages' services
# are stopped.
krb_missing=()
have krb5kdc || krb_missing+=(krb5-kdc)
have kadmin.local || krb_missing+=(krb5-admin-server)
have kinit || krb_missing+=(krb5-user)
[ -e /usr/lib/apache2/modules/mod_auth_gssapi.so ] || krb_missing+=(libapache2-mod-auth-gssapi)
[ -e /etc/gss/mech.d/mech.ntlmssp.conf ] || krb_missing+=(gss-ntlmssp)
if [ "${#krb_missing[@]}" -gt 0 ]; then
	log "installing Kerberos and NTLM for test/producers: ${krb_missing[*]}"
	apt_install "${krb_missing[@]}"
	for bin in krb5kdc kdb5_util kadmin.local kinit /usr/lib/apache2/modules/mod_auth_gssapi.so /etc/gss/mech.d/mech.ntlmssp.conf; do
		if ! have "$bin" && [ ! -e "$bin" ]; then
			log "$bin is still missing after the install"
			exit 1
		fi
	done
fi
for svc in krb5-kdc krb5-admin-server; do
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now "$svc.service" >/dev/null 2>&1 || true
	fi
	if command -v service >/dev/null 2>&1; then
		$SUDO service "$svc" stop >/dev/null 2>&1 || true
	fi
done

# OpenLDAP for Apache's mod_authnz_ldap test (test/producers/ldap_test.go):
# slapd and its tools (slapadd, ldapsearch from ldap-utils). The test runs
# its own slapd on 127.0.0.1 with a temporary config and database; the
# package's service is stopped.
ldap_missing=()
have slapd || ldap_missing+=(slapd)
have ldapsearch || ldap_missing+=(ldap-utils)
if [ "${#ldap_missing[@]}" -gt 0 ]; then
	log "installing OpenLDAP for test/producers: ${ldap_missing[*]}"
	apt_install "${ldap_missing[@]}"
	for bin in slapd slapadd ldapsearch; do
		if ! have "$bin"; then
			log "$bin is still missing after the install"
			exit 1
		fi
	done
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	$SUDO systemctl disable --now slapd.service >/dev/null 2>&1 || true
fi
if command -v service >/dev/null 2>&1; then
	$SUDO service slapd stop >/dev/null 2>&1 || true
fi

# The official SARIF 2.1.0 JSON schema, for internal/sarif's validation
# test: shipped in the npm package @microsoft/jest-sarif (pinned).
SARIF_SCHEMA=/usr/local/share/why401/sarif-schema-2.1.0.json
SARIF_PKG=@microsoft/jest-sarif@1.0.0-beta.0
if [ ! -s "$SARIF_SCHEMA" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		log "installing npm to fetch the SARIF schema"
		$SUDO apt-get install -y --no-install-recommends npm
	fi
	tmp=$(mktemp -d)
	log "fetching the SARIF 2.1.0 schema from $SARIF_PKG"
	(cd "$tmp" && npm pack --silent "$SARIF_PKG" >/dev/null && tar xzf ./*.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json)
	$SUDO mkdir -p "$(dirname "$SARIF_SCHEMA")"
	$SUDO cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$SARIF_SCHEMA"
	rm -rf "$tmp"
fi
log "done"
