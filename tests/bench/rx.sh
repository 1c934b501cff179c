#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Benchmark: the receive path of `xskmap run` over veth against the kernel's
# own ceiling, in one run. Prints figures; asserts nothing; not run by ctest.
#
# Usage: tests/bench/rx.sh [-r ROUNDS] [-t SEC] [-x 'XSKMAP OPTIONS'] [BUILD_DIR]
#        (as root; BUILD_DIR defaults to build/, missing targets are built)
#
# A veth pair, each end in a namespace made here (xbn<pid>a, xbn<pid>b) and
# removed on exit, whatever the exit. `xskmap gen --engine xdp` sends
# 64-byte UDP frames from B at kernel speed: BPF_PROG_TEST_RUN, live frames,
# XDP_TX, so each frame goes through veth's ndo_xdp_xmit into A's XDP
# program. On veth all kernel work of both ends (the generator, A's XDP
# program, the copy into the UMEM) runs on the sender's CPU: the generator is
# pinned to one CPU and xskmap to the other, where it only runs its rings.
#
# Configurations on A, interleaved round by round because the machine's
# noise (+-20%) would otherwise decide the ranking; ratios are taken within
# a round, medians over the rounds are printed:
#   drop      trivial XDP_DROP program: the kernel's ceiling
#   obj-drop  xskmap --default drop: its object, no rules, no parsing
#   xsk       xskmap run: every frame to the AF_XDP socket (copy mode)
#   udp       xskmap run --match udp: one rule, the frame parsed
#   64rules   64 rules, the frame matching the last one
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 secs=4 extra=
while getopts "r:t:x:h" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	x) extra=$OPTARG ;;
	*) sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//'; [ "$opt" = h ]; exit ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-build}

. tests/bench/lib.sh
bench_require rx.sh "apt-get install iproute2 ethtool util-linux gawk" ip ethtool taskset awk

# Build what is missing; an up-to-date build costs nothing and never lets
# a stale binary be measured.
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" >/dev/null
cmake --build "$build" --target xskmap xdpgen -j"$(nproc)" >/dev/null
xskmap=$build/user/xskmap
# xdpgen only attaches the XDP_DROP ceiling (--attach-drop); gen sends.
xdpgen=$build/tests/xdpgen

# Generator on CPU 0; xskmap (all its threads inherit the mask) on CPU 1.
gen_cpu=0 rx_cpu=1
[ "$(nproc)" -ge 2 ] || { rx_cpu=0; echo "rx.sh: one CPU only: generator and xskmap share it" >&2; }

bench_pair "xbn$$"
ia=$a ib=$b

# 63 rules the frame (UDP 198.18.0.2:12345 -> 198.18.0.1:9) does not match,
# ports, prefixes and protocols mixed, then the one it does.
rules64=()
for i in $(seq 0 62); do
	case $((i % 3)) in
	0) rules64+=(-r "udp dport $((6000 + i)) -> queue") ;;
	1) rules64+=(-r "src 198.19.$((10 + i)).0/24 -> pass") ;;
	2) rules64+=(-r "tcp dport $((1000 + i * 10))-$((1005 + i * 10)) -> drop") ;;
	esac
done
rules64+=(-r "ip4 udp src 198.18.0.0/24 dport 9 -> queue" --default pass)

configs=(drop obj-drop xsk udp 64rules)
xsk_args() {
	case $1 in
	obj-drop) echo "--default drop" ;;
	xsk) ;;
	udp) echo "--match udp" ;;
	esac
}

# One counter of veth's `ethtool -S` in a namespace.
vstat() {
	ip netns exec "$1" ethtool -S "$2" | awk -v k="$3:" '$1 == k { print $2 }'
}

# A number from xskmap's JSON summary: the first "KEY":N after the text AFTER.
jnum() {
	local s=${1#*"$2"}
	s=${s#*\""$3"\":}
	echo "${s%%[!0-9]*}"
}

# measure CONFIG: one run of the generator; writes "offered_pps at_a_pps
# sock_pps redirected no_socket rx_dropped ring_full fq_empty xmit_err" to
# $tmp/line. Not run in a subshell, so that cleanup knows xskmap's pid.
measure() {
	local cfg=$1 out gen frames gsec a0 a1 e0 e1 json=
	if [ "$cfg" = drop ]; then
		"$xdpgen" --attach-drop --netns "$a" "$ia"
	else
		local args
		if [ "$cfg" = 64rules ]; then
			args=("${rules64[@]}")
		else
			read -ra args <<<"$(xsk_args "$cfg")"
		fi
		# shellcheck disable=SC2086
		ip netns exec "$a" taskset -c $rx_cpu "$xskmap" run --json -d $((secs + 30)) \
			${args[@]+"${args[@]}"} $extra "$ia" >"$tmp/json" 2>"$tmp/err" &
		pid=$!
		for _ in $(seq 100); do
			grep -q "receiving on" "$tmp/err" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		grep -q "receiving on" "$tmp/err" || { cat "$tmp/err" >&2; echo "rx.sh: xskmap did not start ($cfg)" >&2; exit 1; }
	fi
	a0=$(vstat "$a" "$ia" rx_queue_0_xdp_packets)
	e0=$(vstat "$b" "$ib" tx_queue_0_xdp_xmit_errors)
	gen=$(ip netns exec "$b" "$xskmap" gen --engine xdp --cpus $gen_cpu -d "$secs" --json \
		--src-mac "$mac_b" --dst-mac "$mac_a" "$ib" 2>"$tmp/generr") ||
		{ cat "$tmp/generr" >&2; echo "rx.sh: xskmap gen failed ($cfg)" >&2; exit 1; }
	a1=$(vstat "$a" "$ia" rx_queue_0_xdp_packets)
	e1=$(vstat "$b" "$ib" tx_queue_0_xdp_xmit_errors)
	frames=${gen#*\"frames\":}; frames=${frames%%[!0-9]*}
	gsec=${gen#*\"seconds\":}; gsec=${gsec%%[,\}]*}
	if [ "$cfg" = drop ]; then
		ip -n "$a" link set dev "$ia" xdp off
	else
		kill -INT "$pid"
		wait "$pid" || { cat "$tmp/err" >&2; echo "rx.sh: xskmap failed ($cfg)" >&2; exit 1; }
		pid=
		json=$(cat "$tmp/json")
	fi
	if [ -n "$json" ]; then
		out="$(jnum "$json" '"queues"' rx_packets) $(jnum "$json" '"redirected"' packets)"
		out+=" $(jnum "$json" '"no_socket"' packets) $(jnum "$json" xdp_statistics rx_dropped)"
		out+=" $(jnum "$json" xdp_statistics rx_ring_full) $(jnum "$json" xdp_statistics rx_fill_ring_empty_descs)"
	else
		out="- - - - - -"
	fi
	awk -v f="$frames" -v s="$gsec" -v a=$((a1 - a0)) -v e=$((e1 - e0)) -v o="$out" 'BEGIN {
		split(o, v, " ")
		printf "%.0f %.0f %s %s %s %s %s %s %d\n", f / s, a / s,
			v[1] == "-" ? "-" : sprintf("%.0f", v[1] / s), v[2], v[3], v[4], v[5], v[6], e
	}' >"$tmp/line"
}

echo "xskmap rx over veth: ${rounds} rounds x ${#configs[@]} configurations x ${secs} s;" \
	"generator on CPU $gen_cpu, xskmap on CPU $rx_cpu; kernel $(uname -r)"
[ -z "$extra" ] || echo "xskmap options added: $extra"
for r in $(seq "$rounds"); do
	# Rotate the order too, so no configuration always runs first.
	for k in $(seq 0 $((${#configs[@]} - 1))); do
		cfg=${configs[$(((k + r - 1) % ${#configs[@]}))]}
		measure "$cfg"
		line=$(cat "$tmp/line")
		echo "$r $cfg $line" >>"$tmp/results"
		printf '  round %d %-9s %s\n' "$r" "$cfg" "$line" >&2
	done
done

# Medians over rounds; "vs drop" is taken per round (each round has its own
# ceiling), then the median of those ratios.
awk -v order="${configs[*]}" '
function median(list,    n, v, i, j, t) {
	n = split(list, v, " ")
	if (!n || v[1] == "-")
		return "-"
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function mpps(x) { return x == "-" ? "-" : sprintf("%.2f", x / 1e6) }
function mcount(x) { return x == "-" ? "-" : sprintf("%.2fM", x / 1e6) }
{
	r = $1; c = $2
	for (i = 3; i <= NF; i++)
		col[c, i] = col[c, i] " " $i
	# What reached the end: the XDP program of A where it drops, else the socket.
	got[r, c] = (c ~ /drop$/) ? $4 : $5
	if (c == "drop")
		ceil[r] = $4
	rounds[r] = 1
}
END {
	for (r in rounds)
		for (k = split(order, cs, " "); k > 0; k--)
			if (ceil[r] > 0 && (r, cs[k]) in got)
				ratio[cs[k]] = ratio[cs[k]] " " got[r, cs[k]] / ceil[r]
	printf "\n%-9s %8s %8s %8s %7s | %10s %9s %10s %9s %9s %8s\n",
		"config", "offered", "at XDP", "socket", "vs drop",
		"redirected", "no_socket", "rx_dropped", "ring_full", "fq_empty", "xmit_err"
	printf "%-9s %8s %8s %8s %7s | %10s %9s %10s %9s %9s %8s\n",
		"", "Mpps", "Mpps", "Mpps", "", "", "", "", "", "", ""
	n = split(order, cs, " ")
	for (k = 1; k <= n; k++) {
		c = cs[k]
		rt = median(ratio[c])
		printf "%-9s %8s %8s %8s %7s | %10s %9s %10s %9s %9s %8s\n", c,
			mpps(median(col[c, 3])), mpps(median(col[c, 4])), mpps(median(col[c, 5])),
			rt == "-" ? "-" : sprintf("%.2f", rt),
			mcount(median(col[c, 6])), mcount(median(col[c, 7])), mcount(median(col[c, 8])),
			mcount(median(col[c, 9])), mcount(median(col[c, 10])), mcount(median(col[c, 11]))
	}
}' "$tmp/results"
cat <<'EOF'

offered: frames xskmap gen sent per second; at XDP: frames A's XDP program saw
(veth rx_queue_0_xdp_packets); socket: frames xskmap took from its RX ring
(JSON rx_packets), per second of generator time; vs drop: what reached the
end (socket, else A's XDP) over the same round's XDP_DROP ceiling. The
counters are per run: the program's redirected/no_socket, the socket's
XDP_STATISTICS, and B's xdp_xmit_errors (frames veth could not queue to A).
EOF
