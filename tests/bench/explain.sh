#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What the redirect-failure tracer (run's default; --no-explain turns it off)
# costs. Prints figures; asserts nothing; not run by ctest.
#
# Usage: tests/bench/explain.sh [-r ROUNDS] [-t SEC] [BUILD_DIR]
#        as root; defaults -r 5 -t 2. Take `flock /work/bench.lock` around it.
#
# Two namespaces (xpl<pid>a, xpl<pid>b) and a veth pair at MTU 3000, removed
# on any exit; gen --engine xdp from B on CPU 0, xskmap run --copy in A on
# CPU 1. Cases, rotated round by round, each with the tracer (-x) and
# without (--no-explain):
#   drop   run --action drop, 64-byte frames: every frame reaches the socket,
#          the tracer never runs (the success path); frames kept/s
#   big    run --frame-size 2048 --multi-buffer off, 2500-byte frames: the
#          kernel refuses every frame (ENOSPC), the tracer runs for each;
#          frames the program redirected/s
# Then the median of each case and, per round, the ratio with/without.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=5 secs=2
while getopts "r:t:h" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	*) sed -n '5,6p' "$0" | sed 's/^# \{0,1\}//'; [ "$opt" = h ]; exit ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-build}

. tests/bench/lib.sh
bench_require explain.sh "run .ci/setup" ip taskset awk cmake
[ -x "$build/user/xskmap" ] || QUIET=1 .ci/setup
cmake --build "$build" --target xskmap -j"$(nproc)" >/dev/null
xskmap=$build/user/xskmap
gen_cpu=0 rx_cpu=1
[ "$(nproc)" -ge 2 ] || rx_cpu=0

bench_pair "xpl$$"
ip -n "$a" link set "$a" mtu 3000
ip -n "$b" link set "$b" mtu 3000

# The first number after "KEY": in JSON text.
jget() { grep -o "\"$2\":[{\"a-z:]*[0-9.]*" <<<"$1" | head -1 | grep -o '[0-9.]*$'; }

one() { # CASE XOPT: one measurement, appended to results
	local c=$1 x=$2 size args=(--action drop)
	if [ "$c" = big ]; then size=2500 args=(--frame-size 2048 --multi-buffer off); else size=64; fi
	ip netns exec "$a" taskset -c $rx_cpu timeout -s INT $((secs + 30)) "$xskmap" run --json --copy \
		--cpus $rx_cpu -d $((secs + 25)) "${args[@]}" $x "$a" >"$tmp/json" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q 'Ctrl-C stops' "$tmp/err" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; echo "explain.sh: xskmap run did not start" >&2; exit 1; }
	local g; g=$(timeout $((secs + 20)) ip netns exec "$b" taskset -c $gen_cpu "$xskmap" gen --engine xdp \
		--cpus $gen_cpu -d "$secs" -s "$size" --json --src-mac "$mac_b" --dst-mac "$mac_a" "$b" 2>"$tmp/generr") ||
		{ cat "$tmp/generr" >&2; echo "explain.sh: gen failed" >&2; exit 1; }
	kill -INT "$pid"; wait "$pid" || { cat "$tmp/err" >&2; echo "explain.sh: xskmap run failed" >&2; exit 1; }
	pid=
	local j n s; j=$(cat "$tmp/json"); s=$(jget "$g" seconds)
	if [ "$c" = big ]; then n=$(jget "$j" redirected); else n=$(jget "$j" rx_packets); fi
	local name=$c; [ -z "$x" ] && name=$c-x
	local pps; pps=$(awk -v n="$n" -v s="$s" 'BEGIN{printf "%.0f", n/s}')
	echo "$r $name $pps" >>"$tmp/results"
	printf '  round %d %-7s %10s /s  (refused, explained: %s)\n' "$r" "$name" "$pps" \
		"$(grep -o '"packets":[0-9]*,"what"' <<<"$j" | grep -o '[0-9]*' | head -1)" >&2
}

: >"$tmp/results"
list=("drop -" "drop --no-explain" "big -" "big --no-explain")
for r in $(seq "$rounds"); do
	# Rotate the order each round: no case always runs first or last.
	for k in $(seq 0 3); do
		set -- ${list[$(((k + r) % 4))]}
		one "$1" "$([ "$2" = - ] && echo "" || echo "$2")"
	done
done

awk '
{ v[$2, $1] = $3; names[$2] = 1; rounds[$1] = 1 }
function median(a, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
END {
	printf "%-8s %14s %14s %10s %22s\n", "case", "with tracer/s", "without/s", "ratio", "ratio min..max (rounds)"
	split("drop big", cs, " ")
	for (c = 1; c <= 2; c++) {
		n = 0; delete w; delete o; delete q
		for (r in rounds) { n++; w[n] = v[cs[c] "-x", r]; o[n] = v[cs[c], r]; q[n] = o[n] ? w[n] / o[n] : 0 }
		mw = median(w, n); mo = median(o, n); mq = median(q, n)
		printf "%-8s %14.0f %14.0f %10.3f %11.3f..%.3f (%d)\n", cs[c], mw, mo, mq, q[1], q[n], n
	}
}' "$tmp/results"
