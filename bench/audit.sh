#!/usr/bin/env bash
# bench/audit.sh: the hosting-scale benchmark of `why401 audit` (not part
# of CI).
#
#   bench/audit.sh [SIZES...]     default: 1000 10000 50000
#
# For nginx and Apache, generates a configuration of SIZE virtual hosts
# (bench/genvhosts: one include file per host, each with a protected
# /admin/, a reverse proxy and assets; every tenth names a missing
# password file), then runs `why401 audit --json` on it under
# /usr/bin/time and prints wall time, the time per 1,000 virtual hosts,
# peak memory (maximum resident set size) and, as the in-run anchor, the
# ratio to `cat` reading the same files. A linear audit keeps the time per
# 1,000 hosts flat across sizes. It also checks that no finding relates
# two virtual hosts ("protected again ... first at" another host's file).
# Files go to $BENCH_DIR (default /tmp/why401-bench-audit).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${BENCH_DIR:-/tmp/why401-bench-audit}
mkdir -p "$dir"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 50000)
if [ ! -x /usr/bin/time ]; then
	echo "bench: /usr/bin/time is missing (Debian package time)"; exit 1
fi
go build -o "$dir/why401" ./cmd/why401
echo "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %7s %9s %14s %9s %8s %9s\n' server vhosts wall_s ms/1000vhosts peak_MB x-cat findings
for kind in nginx apache; do
	for n in "${sizes[@]}"; do
		tree="$dir/$kind-$n"
		if [ ! -d "$tree/sites" ]; then
			go run ./bench/genvhosts -kind "$kind" -n "$n" -out "$tree" > /dev/null
		fi
		main="$tree/nginx.conf"
		[ "$kind" = apache ] && main="$tree/apache2.conf"
		find "$tree/sites" -type f -exec cat {} + > /dev/null # warm the page cache
		/usr/bin/time -f "%e %M" -o "$dir/cat.time" sh -c "find '$tree/sites' -type f -exec cat {} + > /dev/null"
		read -r cw _ < <(tail -1 "$dir/cat.time")
		/usr/bin/time -f "%e %M" -o "$dir/audit.time" "$dir/why401" audit --json --fail-on never --server "$kind" "$main" > "$dir/$kind-$n.json"
		read -r w m < <(tail -1 "$dir/audit.time")
		count=$(grep -c '"cause":' "$dir/$kind-$n.json" || true)
		if grep -q 'protected again' "$dir/$kind-$n.json"; then
			echo "bench: $kind $n: a finding relates sections of different virtual hosts"; exit 1
		fi
		per=$(echo "scale=1; $w * 1000 * 1000 / $n" | bc)
		ratio=$(echo "scale=1; $w / ($cw + 0.001)" | bc)
		printf '%-7s %7d %9s %14s %9d %8s %9d\n' "$kind" "$n" "$w" "$per" $((m / 1024)) "$ratio" "$count"
	done
done
