#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Multi-buffer (jumbo frames) against single-buffer, over veth: run
# --action drop and --action fwd on A, fed by gen --engine xsk from B
# (unpaced; the xdp engine takes no frames above a page). Prints figures,
# asserts nothing; not run by ctest. Hold /work/bench.lock (flock) on a
# shared machine.
#
# Usage: tests/bench/mbuf.sh [-r ROUNDS] [-t SEC] [-c 'MTU:SIZE ...'] [BUILD_DIR]
#        as root; defaults -r 3 -t 3 -c '1500:1500 9000:1500 9000:4000 9000:9000'.
#        At MTU 9000 xskmap turns multi-buffer on (auto): 1500-byte frames
#        then cost the xdp.frags program and XDP_USE_SG sockets on one
#        descriptor, 4000 and 9000 bytes two and three 4096-byte UMEM frames.
#
# Two namespaces and a veth pair made here, removed on any exit; gen on
# CPU 0, xskmap on CPU 1, copy mode. Per case and round: frames/s and
# Gbit/s (L2 bytes) that xskmap received (drop) or sent back (fwd:
# tx_completed), and what gen offered (gen_pps), medians over rounds. Where
# pps is close to gen_pps the generator, not xskmap, set the figure.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 secs=3 cases="1500:1500 9000:1500 9000:4000 9000:9000"
while getopts "r:t:c:h" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	c) cases=$OPTARG ;;
	*) sed -n '9,13p' "$0" | sed 's/^# \{0,1\}//'; [ "$opt" = h ]; exit ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-build}
[ "$(id -u)" = 0 ] || { echo "mbuf.sh: run as root" >&2; exit 1; }
[ -x "$build/user/xskmap" ] || { echo "mbuf.sh: build first (.ci/setup)" >&2; exit 1; }
xskmap=$build/user/xskmap

a=xbm$$a b=xbm$$b
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$a"
ip netns add "$b"
ip link add "$a" netns "$a" type veth peer name "$b" netns "$b"
ip -n "$a" link set "$a" up
ip -n "$b" link set "$b" up
mac_a=$(ip -n "$a" -br link show dev "$a" | awk '{print $3}')
mac_b=$(ip -n "$b" -br link show dev "$b" | awk '{print $3}')
jnum() { local s=${1#*\""$2"\":}; s=${s%%[,\}]*}; echo "${s// /}"; }

one() { # ACTION SIZE: "pps gbps gen_pps" of xskmap, and what gen sent
	ip netns exec "$a" taskset -c 1 timeout -s INT $((secs + 30)) "$xskmap" run --json --copy \
		--cpus 1 -d $((secs + 25)) --action "$1" "$a" >"$tmp/json" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		ip -n "$a" link show dev "$a" | grep -q ' xdp' && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.5
	ip netns exec "$b" taskset -c 0 "$xskmap" gen --cpus 0 -d "$secs" -s "$2" --json \
		--src-mac "$mac_b" --dst-mac "$mac_a" "$b" >"$tmp/gen" 2>"$tmp/generr" ||
		{ cat "$tmp/generr" >&2; exit 1; }
	kill -INT "$pid"; wait "$pid" || { cat "$tmp/err" >&2; exit 1; }
	pid=
	local j g n; j=$(cat "$tmp/json") g=$(cat "$tmp/gen")
	if [ "$1" = fwd ]; then n=$(jnum "$j" tx_completed); else n=$(jnum "$j" rx_packets); fi
	awk -v n="$n" -v s="$(jnum "$g" seconds)" -v z="$2" -v f="$(jnum "$g" frames)" \
		'BEGIN{printf "%.0f %.2f %.0f", n/s, n*z*8/s/1e9, f/s}'
}

med() { sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

printf '%-6s %-5s %-7s %10s %8s %10s  %s\n' mtu size action pps Gbit/s gen_pps multi_buffer
for c in $cases; do
	mtu=${c%:*} sz=${c#*:}
	ip -n "$a" link set "$a" mtu "$mtu"
	ip -n "$b" link set "$b" mtu "$mtu"
	for act in drop fwd; do
		: >"$tmp/r"
		for _ in $(seq "$rounds"); do one "$act" "$sz" >>"$tmp/r"; echo >>"$tmp/r"; done
		mb=$(jnum "$(cat "$tmp/json")" multi_buffer)
		printf '%-6s %-5s %-7s %10s %8s %10s  %s\n' "$mtu" "$sz" "$act" \
			"$(awk 'NF{print $1}' "$tmp/r" | med)" "$(awk 'NF{print $2}' "$tmp/r" | med)" \
			"$(awk 'NF{print $3}' "$tmp/r" | med)" "$mb"
	done
done
