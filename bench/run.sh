#!/usr/bin/env bash
# bench/run.sh: the benchmark of `why401 logs` (not part of CI).
#
#   bench/run.sh [SIZE]      SIZE like 1G (default) or 200M
#
# Generates a deterministic combined log of SIZE with planted episodes of
# every pattern (bench/genlog, ground truth beside it), warms the page
# cache, then runs side by side on the same file:
#   why401 logs --json FILE
#   LC_ALL=C grep -c ' 401 ' FILE
#   goaccess FILE --log-format=COMBINED -o report.json   (GoAccess from Debian)
# each under /usr/bin/time, and prints wall time, the ratio to grep, CPU
# time and peak memory (maximum resident set size), then checks the report
# against the ground truth (bench/compare). GoAccess is installed with
# apt-get when missing and the script runs as root; otherwise it is
# skipped (also with GOACCESS=0, for a quick rerun). Files go to $BENCH_DIR
# (default /tmp/why401-bench); the log is kept between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-1G}
dir=${BENCH_DIR:-/tmp/why401-bench}
mkdir -p "$dir"
log="$dir/access-$size.log"
truth="$dir/truth-$size.json"

go build -o "$dir/why401" ./cmd/why401
if [ ! -s "$log" ] || [ ! -s "$truth" ]; then
	echo "generating $log"
	go run ./bench/genlog -size "$size" -out "$log" -truth "$truth"
fi
if [ "${GOACCESS:-1}" != 0 ] && ! command -v goaccess >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing goaccess (Debian) for the comparison"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends goaccess >/dev/null
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench: /usr/bin/time is missing (Debian package time)"; exit 1
fi

bytes=$(stat -c %s "$log")
echo "log: $log, $bytes bytes, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$log" > /dev/null # warm the page cache

# measure NAME CMD...: run CMD under /usr/bin/time; stdout to $dir/NAME.out
declare -A wall rss cpu
measure() {
	local name=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o "$dir/$name.time" "$@" > "$dir/$name.out" 2> "$dir/$name.err" || true
	read -r w m u s < <(tail -1 "$dir/$name.time")
	wall[$name]=$w
	rss[$name]=$m
	cpu[$name]=$(echo "$u + $s" | bc)
}

measure grep env LC_ALL=C grep -c ' 401 ' "$log"
measure why401 "$dir/why401" logs --json --no-progress "$log"
have_goaccess=""
if [ "${GOACCESS:-1}" != 0 ] && command -v goaccess >/dev/null 2>&1; then
	have_goaccess=1
	measure goaccess goaccess "$log" --log-format=COMBINED -o "$dir/goaccess-report.json"
fi

printf '\n%-10s %10s %12s %10s %12s %10s\n' tool "wall s" "x grep" "CPU s" "peak MB" "MB/s"
row() {
	local n=$1
	printf '%-10s %10.2f %12.2f %10.2f %12.1f %10.0f\n' "$n" "${wall[$n]}" \
		"$(echo "${wall[$n]} / ${wall[grep]}" | bc -l)" "${cpu[$n]}" \
		"$(echo "${rss[$n]} / 1024" | bc -l)" "$(echo "$bytes / 1048576 / ${wall[$n]}" | bc -l)"
}
row grep
row why401
if [ -n "$have_goaccess" ]; then
	row goaccess
	printf '\nwhy401 logs is %.1fx faster than GoAccess\n' "$(echo "${wall[goaccess]} / ${wall[why401]}" | bc -l)"
fi
echo
echo "grep counted $(cat "$dir/grep.out") lines with ' 401 '"
go run ./bench/compare "$truth" "$dir/why401.out"
