#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Benchmark: does the UMEM layout (--unaligned, --hugepages) change the rate
# of `xskmap run` over veth? Prints figures; asserts nothing; not run by ctest.
#
# Usage: tests/bench/umem.sh [-r ROUNDS] [-t SEC] [-a 'ACTIONS'] [BUILD_DIR]
#        as root, under `flock /work/bench.lock` on a shared machine;
#        defaults -r 5 -t 3 -a 'drop fwd'. Reserves the huge pages it needs
#        (vm.nr_hugepages) and puts the old value back on any exit.
#
# A veth pair in two namespaces made here (xbu<pid>a, xbu<pid>b). `xskmap gen
# --engine xdp` sends 64-byte frames from B (CPU 0) at kernel speed; xskmap
# runs on A (CPU 1) with each layout, rotated round by round; with fwd, B
# has an XDP_DROP program that takes what comes back. The rate is xskmap's
# own: rx_packets (drop) or tx_completed (fwd) per second of its run.
#   default      4096 frames x 4096 bytes, aligned, 4 KiB pages
#   huge         the same in huge pages
#   unaligned    --unaligned, 4096 x 4096 (the flag alone)
#   unal-2176    --unaligned --frame-size 2176: 4096 x 2176 bytes, 1 a page
#   unal-2176-hp --unaligned --frame-size 2176 --hugepages: packed, 8.5 MiB
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=5 secs=3 actions="drop fwd"
while getopts "r:t:a:h" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	a) actions=$OPTARG ;;
	*) sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//'; [ "$opt" = h ]; exit ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-build}

[ "$(id -u)" = 0 ] || { echo "umem.sh: run as root (namespaces, XDP, AF_XDP, vm.nr_hugepages)" >&2; exit 1; }
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" >/dev/null
cmake --build "$build" --target xskmap xdpgen -j2 >/dev/null
xskmap=$build/user/xskmap xdpgen=$build/tests/xdpgen
gen_cpu=0 rx_cpu=1
[ "$(nproc)" -ge 2 ] || rx_cpu=0

a=xbu$$a b=xbu$$b
tmp=$(mktemp -d)
pid=
hp_orig=$(cat /proc/sys/vm/nr_hugepages)
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
	echo "$hp_orig" >/proc/sys/vm/nr_hugepages
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 16 MiB of UMEM at most: 8 huge pages, twice (the kernel frees a closed
# UMEM from a work item, after the next run may start), on top of others'.
used=$(awk '/^HugePages_Total/ { t = $2 } /^HugePages_Free/ { f = $2 } END { print t - f }' /proc/meminfo)
echo $((used + 16)) >/proc/sys/vm/nr_hugepages

ip netns add "$a"
ip netns add "$b"
ip link add "$a" netns "$a" type veth peer name "$b" netns "$b"
ip -n "$a" link set "$a" up
ip -n "$b" link set "$b" up
mac_a=$(ip -n "$a" -br link show dev "$a" | awk '{print $3}')
mac_b=$(ip -n "$b" -br link show dev "$b" | awk '{print $3}')

layouts=(default huge unaligned unal-2176 unal-2176-hp)
layout_args() {
	case $1 in
	huge) echo "--hugepages" ;;
	unaligned) echo "--unaligned" ;;
	unal-2176) echo "--unaligned --frame-size 2176" ;;
	unal-2176-hp) echo "--unaligned --frame-size 2176 --hugepages" ;;
	esac
}

# A number from xskmap's JSON: the first "KEY":N after the text AFTER.
jnum() {
	local s=${1#*"$2"}
	s=${s#*\""$3"\":}
	echo "${s%%[!0-9.]*}"
}

# measure ACTION LAYOUT: the rate into $tmp/line; not in a subshell, so that
# cleanup knows xskmap's pid (and a subshell's exit would run the trap).
measure() {
	local act=$1 lay=$2 json key
	# shellcheck disable=SC2046
	ip netns exec "$a" taskset -c $rx_cpu "$xskmap" run --json -d $((secs + 30)) --action "$act" \
		$(layout_args "$lay") "$a" >"$tmp/json" 2>"$tmp/err" &
	pid=$!
	# A loaded machine can take seconds to start a run: up to 30.
	for _ in $(seq 300); do
		grep -Eq "(receiving|forwarding) on" "$tmp/err" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -Eq "(receiving|forwarding) on" "$tmp/err"; then
		local rc=0
		wait "$pid" || rc=$?
		pid=
		cat "$tmp/err" >&2
		echo "umem.sh: xskmap did not start ($act $lay, exit $rc): $(grep HugePages_Free /proc/meminfo)" >&2
		return 1
	fi
	ip netns exec "$b" "$xskmap" gen --engine xdp --cpus $gen_cpu -d "$secs" --json \
		--src-mac "$mac_b" --dst-mac "$mac_a" "$b" >/dev/null 2>"$tmp/generr" ||
		{ cat "$tmp/generr" >&2; echo "umem.sh: gen failed" >&2; exit 1; }
	kill -INT "$pid"
	wait "$pid" || { cat "$tmp/err" >&2; echo "umem.sh: xskmap failed ($act $lay)" >&2; exit 1; }
	pid=
	json=$(cat "$tmp/json")
	key=rx_packets
	[ "$act" = fwd ] && key=tx_completed
	# The run lasts secs + the start; the generator's secs are what carried frames.
	awk -v n="$(jnum "$json" '"interface"' "$key")" -v s="$secs" 'BEGIN { printf "%.0f\n", n / s }' >"$tmp/line"
}

echo "xskmap UMEM layouts over veth: ${rounds} rounds x ${#layouts[@]} layouts x ${secs} s, 64-byte frames;" \
	"gen xdp on CPU $gen_cpu, xskmap on CPU $rx_cpu; kernel $(uname -r)"
for act in $actions; do
	if [ "$act" = fwd ]; then
		"$xdpgen" --attach-drop --netns "$b" "$b"
	fi
	for r in $(seq "$rounds"); do
		for k in $(seq 0 $((${#layouts[@]} - 1))); do
			lay=${layouts[$(((k + r - 1) % ${#layouts[@]}))]}
			# A run that ends as it starts (seen rarely on the loaded VM) is retried.
			measure "$act" "$lay" || measure "$act" "$lay" || measure "$act" "$lay" || exit 1
			pps=$(cat "$tmp/line")
			echo "$act $lay $r $pps" >>"$tmp/results"
			printf '  %s round %d %-13s %s pps\n' "$act" "$r" "$lay" "$pps" >&2
		done
	done
	[ "$act" = fwd ] && ip -n "$b" link set dev "$b" xdp off
done

# Medians over rounds, and each layout's median ratio to default in the same round.
awk -v order="${layouts[*]}" -v acts="$actions" '
function median(list,    n, v, i, j, t) {
	n = split(list, v, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{ pps[$1, $2, $3] = $4; rs[$3] = 1; all[$1, $2] = all[$1, $2] " " $4 }
END {
	n = split(order, lay, " ")
	m = split(acts, act, " ")
	printf "\n| action | layout | Mpps (median) | min-max | vs default (same round, median) |\n|---|---|---|---|---|\n"
	for (x = 1; x <= m; x++)
		for (i = 1; i <= n; i++) {
			lo = ""; hi = ""; rat = ""
			split(all[act[x], lay[i]], v, " ")
			for (k in v) {
				if (lo == "" || v[k] + 0 < lo) lo = v[k] + 0
				if (hi == "" || v[k] + 0 > hi) hi = v[k] + 0
			}
			for (r in rs)
				if (pps[act[x], "default", r] > 0)
					rat = rat " " pps[act[x], lay[i], r] / pps[act[x], "default", r]
			printf "| %s | %s | %.2f | %.2f-%.2f | %.2f |\n", act[x], lay[i],
				median(all[act[x], lay[i]]) / 1e6, lo / 1e6, hi / 1e6, median(rat)
		}
}' "$tmp/results"
