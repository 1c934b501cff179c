#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Benchmark of xskmap's AF_XDP paths over veth against the kernel's XDP_DROP
# ceiling. Prints figures; asserts nothing; not run by ctest.
#
# Usage: tests/bench/xsk.sh [-r ROUNDS] [-t SEC] [-s 'SIZES'] [-c 'CASES'] [-o FILE] [BUILD_DIR]
#        as root; defaults -r 5 -t 2 -s '64 512 1500' -o build/bench-xsk.json;
#        [-p 'LEVELS'] [-u NAME='RUN OPTIONS']...
#        CASES from: ceil gen-xsk drop drop-bp fwd rtt (fwd brings its paced runs,
#        at LEVELS percent, default '10 25 50 75 100'), and fwd2 (two ports,
#        not in the default list). Each -u is a variant:
#        the cases that run xskmap run once per variant, named CASE:NAME,
#        with those options (e.g. -u f4k='--frames 4096 --frame-size 4096').
#        Installs what is missing (.ci/setup, and gnuplot-nox for the PNG
#        chart, FILE with .png).
#
# Two namespaces (xbk<pid>a, xbk<pid>b) and a veth pair made here, removed on
# any exit. The generator runs in B on CPU 0, xskmap in A on CPU 1. Cases,
# rotated round by round, ratios taken within a round and frame size:
#   ceil     gen --engine xdp from B, XDP_DROP on A: frames A's XDP saw/s
#   gen-xdp  the same run: gen's own rate
#   gen-xsk  gen --engine xsk from B into the same XDP_DROP
#   drop     run --action drop on A (copy mode), gen xdp from B
#   drop-bp  the same with --busy-poll
#   fwd      run --action fwd on A, gen xdp unpaced, XDP_DROP on B counts
#            what comes back; fwd10/25/50/75/100: gen --rate at that share of
#            what fwd returned in this round's unpaced run, from gen --engine xsk
#            (paced batch by batch; the xdp engine paces in 20 ms slices, whose
#            bursts would overflow the rings and measure the generator);
#            loss = 1 - back/sent
#   fwd2     run --action fwd --out A2 on A (two ports, one shared UMEM): a
#            third namespace (xbk<pid>c) and veth pair A2 <-> C, made only
#            when the case is asked for; gen xdp unpaced from B into A, what
#            crosses counted by XDP_DROP on C: compare with fwd's unpaced row
#   rtt      latency of fwd at 10% load: gen --rtt from B at 10% of what fwd
#            returned unpaced (this round's fwd case, else measured here),
#            against run --action fwd on A with the default loop (rtt),
#            --poll (rtt-poll) and --busy-poll (rtt-bp, with A's
#            napi_defer_hard_irqs 2 and gro_flush_timeout 200 us, as run
#            --busy-poll asks at start; reset after); frames of at least
#            66 bytes (the send time needs 8 more than 64). gen and that
#            run at nice -20: on a shared machine other tasks then preempt
#            them less (a spinning --busy-poll worker at nice 0 waits for
#            its turn behind every runnable task). A second table: medians
#            over the rounds of each percentile, in us.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=5 secs=2 sizes="64 512 1500" cases="ceil gen-xsk drop drop-bp fwd rtt" out= levels="10 25 50 75 100"
vnames=("") vopts=("")
while getopts "r:t:s:c:o:p:u:h" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	s) sizes=$OPTARG ;;
	c) cases=$OPTARG ;;
	o) out=$OPTARG ;;
	p) levels=$OPTARG ;;
	u) [ -n "${vnames[0]}" ] || { vnames=() vopts=(); }
	   vnames+=("${OPTARG%%=*}") vopts+=("${OPTARG#*=}") ;;
 	*) sed -n '5,15p' "$0" | sed 's/^# \{0,1\}//'; [ "$opt" = h ]; exit ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-build}
out=${out:-$build/bench-xsk.json}

. tests/bench/lib.sh
bench_require xsk.sh "run .ci/setup" ip ethtool taskset awk cmake
[ -x "$build/user/xskmap" ] || QUIET=1 .ci/setup
if ! command -v gnuplot >/dev/null; then
	echo "xsk.sh: installing gnuplot-nox for the chart (apt-get)" >&2
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null ||
		echo "xsk.sh: gnuplot-nox could not be installed: no PNG, the table and JSON still follow" >&2
fi
cmake --build "$build" --target xskmap xdpgen -j"$(nproc)" >/dev/null
xskmap=$build/user/xskmap xdpgen=$build/tests/xdpgen
gen_cpu=0 rx_cpu=1
[ "$(nproc)" -ge 2 ] || rx_cpu=0

bench_pair "xbk$$"
nc=xbk$$c a2=xbk$$a2
case " $cases " in *" fwd2 "*)
	bench_extra_ns+=("$nc")	# before it exists: a signal in between still removes it
	ip netns add "$nc"
	ip link add "$a2" netns "$a" type veth peer name "$nc" netns "$nc"
	ip -n "$a" link set "$a2" up
	ip -n "$nc" link set "$nc" up ;;
esac

vstat() { ip netns exec "$1" ethtool -S "$1" | awk -v k="$2:" '$1 == k { print $2 }'; }
# First "KEY":N in JSON text (top-level keys come before "queues").
jnum() { local s=${1#*\""$2"\":}; s=${s%%[,\}]*}; echo "${s// /}"; }

gen() { # SIZE ENGINE [RATE]: JSON of gen from B to A
	local r=()
	[ -z "${3:-}" ] || r=(--rate "$3")
	timeout $((secs + 20)) ip netns exec "$b" taskset -c $gen_cpu "$xskmap" gen --engine "$2" --cpus $gen_cpu \
		-d "$secs" -s "$1" --json --src-mac "$mac_b" --dst-mac "$mac_a" ${r[@]+"${r[@]}"} "$b" 2>"$tmp/generr" ||
		{ cat "$tmp/generr" >&2; echo "xsk.sh: gen failed" >&2; return 1; }
}

xopts=() vs=
pre=()	# what start_run puts in front of xskmap (rtt: nice -n -20)
start_run() { # ARGS...: xskmap run on A, pinned, with the variant's options
	ip netns exec "$a" ${pre[@]+"${pre[@]}"} taskset -c $rx_cpu timeout -s INT $((secs + 30)) "$xskmap" run --json --copy \
		--cpus $rx_cpu -d $((secs + 25)) ${xopts[@]+"${xopts[@]}"} "$@" "$a" >"$tmp/json" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		ip -n "$a" link show dev "$a" | grep -q ' xdp' && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.5
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; echo "xsk.sh: xskmap run did not start" >&2; exit 1; }
}
stop_run() {
	kill -INT "$pid"; wait "$pid" || { cat "$tmp/err" >&2; echo "xsk.sh: xskmap run failed" >&2; exit 1; }
	pid=
}

# Each line of results: round size case pps syscalls_per_pkt sent returned [offered_pps]
emit() { set -- "$1$vs" "${@:2}"; echo "$r $sz $*" >>"$tmp/results"; printf '  round %d size %4d %-8s %s\n' "$r" "$sz" "$1" "${*:2}" >&2; }

m_ceil() {
	"$xdpgen" --attach-drop --netns "$a" "$a"
	local a0 a1 g; a0=$(vstat "$a" rx_queue_0_xdp_packets)
	g=$(gen "$sz" xdp); a1=$(vstat "$a" rx_queue_0_xdp_packets)
	ip -n "$a" link set dev "$a" xdp off
	local s; s=$(jnum "$g" seconds)
	emit ceil "$(awk -v n=$((a1 - a0)) -v s="$s" 'BEGIN{printf "%.0f", n/s}')" - - -
	emit gen-xdp "$(jnum "$g" pps | awk '{printf "%.0f", $1}')" - "$(jnum "$g" frames)" -
}
m_gen_xsk() {
	"$xdpgen" --attach-drop --netns "$a" "$a"
	local g; g=$(gen "$sz" xsk)
	ip -n "$a" link set dev "$a" xdp off
	emit gen-xsk "$(jnum "$g" pps | awk '{printf "%.0f", $1}')" \
		"$(awk -v w="$(jnum "$g" wakeups)" -v f="$(jnum "$g" frames)" 'BEGIN{printf "%.4f", f ? w/f : 0}')" "$(jnum "$g" frames)" -
}
m_drop() { # CASE ARGS...
	local c=$1; shift
	start_run --action drop "$@"
	local g; g=$(gen "$sz" xdp); stop_run
	local j; j=$(cat "$tmp/json")
	local rx; rx=$(jnum "$j" rx_packets)
	emit "$c" "$(awk -v n="$rx" -v s="$(jnum "$g" seconds)" 'BEGIN{printf "%.0f", n/s}')" \
		"$(awk -v w="$(jnum "$j" total)" -v n="$rx" 'BEGIN{printf "%.4f", n ? w/n : 0}')" "$(jnum "$g" frames)" "$rx"
}
fwd_one() { # CASE [RATE [ENGINE]]: sets $back_pps
	start_run --action fwd
	local b0 b1 g j rx s; b0=$(vstat "$b" rx_queue_0_xdp_packets)
	g=$(gen "$sz" "${3:-xdp}" "${2:-}"); sleep 0.3; stop_run
	b1=$(vstat "$b" rx_queue_0_xdp_packets)
	j=$(cat "$tmp/json"); rx=$(jnum "$j" rx_packets); s=$(jnum "$g" seconds)
	back_pps=$(awk -v n=$((b1 - b0)) -v s="$s" 'BEGIN{printf "%.0f", n/s}')
	emit "$1" "$back_pps" "$(awk -v w="$(jnum "$j" total)" -v n="$rx" 'BEGIN{printf "%.4f", n ? w/n : 0}')" \
		"$(jnum "$g" frames)" $((b1 - b0)) "$(jnum "$g" pps | awk '{printf "%.0f", $1}')"
}
declare -A fwd_full
m_fwd() {
	"$xdpgen" --attach-drop --netns "$b" "$b"
	fwd_one fwd
	local full=$back_pps p
	fwd_full[$sz$vs]=$full
	for p in $levels; do
		fwd_one fwd$p $((full * p / 100 > 1000 ? full * p / 100 : 1000)) xsk
	done
	ip -n "$b" link set dev "$b" xdp off
}

m_fwd2() {
	"$xdpgen" --attach-drop --netns "$nc" "$nc"
	start_run --action fwd --out "$a2"
	local c0 c1 g j rx s; c0=$(vstat "$nc" rx_queue_0_xdp_packets)
	g=$(gen "$sz" xdp); sleep 0.3; stop_run
	c1=$(vstat "$nc" rx_queue_0_xdp_packets)
	ip -n "$nc" link set dev "$nc" xdp off
	j=$(cat "$tmp/json"); rx=$(jnum "$j" rx_packets); s=$(jnum "$g" seconds)
	emit fwd2 "$(awk -v n=$((c1 - c0)) -v s="$s" 'BEGIN{printf "%.0f", n/s}')" \
		"$(awk -v w="$(jnum "$j" total)" -v n="$rx" 'BEGIN{printf "%.4f", n ? w/n : 0}')" \
		"$(jnum "$g" frames)" $((c1 - c0)) "$(jnum "$g" pps | awk '{printf "%.0f", $1}')"
}

gen_rtt() { # SIZE RATE: JSON of gen --rtt from B to A and back (exit 1 on loss is a figure, not a failure)
	timeout $((secs + 20)) ip netns exec "$b" nice -n -20 taskset -c $gen_cpu "$xskmap" gen --rtt --cpus $gen_cpu \
		-d "$secs" -s "$1" --rate "$2" --json --src-mac "$mac_b" --dst-mac "$mac_a" "$b" 2>"$tmp/generr" ||
		[ $? = 1 ] || { cat "$tmp/generr" >&2; echo "xsk.sh: gen --rtt failed" >&2; return 1; }
}
napi_defer() { # COUNT NS: A's napi_defer_hard_irqs and gro_flush_timeout (what run --busy-poll asks for)
	ip netns exec "$a" sh -c "echo $1 >/sys/class/net/$a/napi_defer_hard_irqs && echo $2 >/sys/class/net/$a/gro_flush_timeout"
}
# Each line of $tmp/rtt: round size case rate sent received lost min p50 p90 p99 p99.9 max mean (ns)
m_rtt() {
	local full=${fwd_full[$sz$vs]:-} rs=$((sz < 66 ? 66 : sz)) rate c g k v line
	if [ -z "$full" ]; then
		"$xdpgen" --attach-drop --netns "$b" "$b"
		start_run --action fwd
		local b0 b1; b0=$(vstat "$b" rx_queue_0_xdp_packets)
		g=$(gen "$sz" xdp); sleep 0.3; stop_run
		b1=$(vstat "$b" rx_queue_0_xdp_packets)
		ip -n "$b" link set dev "$b" xdp off
		full=$(awk -v n=$((b1 - b0)) -v s="$(jnum "$g" seconds)" 'BEGIN{printf "%.0f", n/s}')
		fwd_full[$sz$vs]=$full
	fi
	rate=$((full / 10 > 1000 ? full / 10 : 1000))
	pre=(nice -n -20)
	for c in rtt rtt-poll rtt-bp; do
		case $c in
		rtt) start_run --action fwd ;;
		rtt-poll) start_run --action fwd --poll ;;
		rtt-bp) napi_defer 2 200000; start_run --action fwd --busy-poll ;;
		esac
		g=$(gen_rtt "$rs" "$rate"); stop_run
		napi_defer 0 0
		line="$r $rs $c$vs $rate"
		for k in sent received lost min p50 p90 p99 p99_9 max mean; do
			v=$(jnum "$g" $k); line+=" ${v:-null}"
		done
		echo "$line" >>"$tmp/rtt"
		printf '  round %d size %4d %-8s rate %d: %s\n' "$r" "$rs" "$c$vs" "$rate" "${line#* * * * }" >&2
	done
	pre=()
}

read -ra cs <<<"$cases"
echo "xskmap AF_XDP paths over veth: $rounds rounds x sizes ($sizes) x cases ($cases) x $secs s;" \
	"gen on CPU $gen_cpu, xskmap on CPU $rx_cpu; kernel $(uname -r)"
: >"$tmp/results"
: >"$tmp/rtt"
for r in $(seq "$rounds"); do
	for sz in $sizes; do
		for k in $(seq 0 $((${#cs[@]} - 1))); do
			c=${cs[$(((k + r - 1) % ${#cs[@]}))]}
			for v in "${!vnames[@]}"; do
				vs=${vnames[$v]:+:${vnames[$v]}}
				read -ra xopts <<<"${vopts[$v]}"
				case $c in
				ceil) if [ "$v" = 0 ]; then vs=; m_ceil; fi ;;
				gen-xsk) if [ "$v" = 0 ]; then vs=; m_gen_xsk; fi ;;
				drop) m_drop drop ;;
				drop-bp) m_drop drop-bp --busy-poll ;;
				fwd) m_fwd ;;
				fwd2) m_fwd2 ;;
				rtt) m_rtt ;;
				*) echo "xsk.sh: unknown case $c" >&2; exit 2 ;;
				esac
			done
		done
	done
done
cp "$tmp/results" "$tmp/res"

# Per case and size: median, min, max of Mpps; median ratio to the same
# round's and size's ceil; median syscalls/pkt; fwd: median loss.
awk -v out="$out" -v dat="$tmp/plot" '
function med(l,  n, v, i, j, t) { n = split(l, v, " "); if (!n) return "-"
	for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
	lo = v[1]; hi = v[n]; return n % 2 ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2 }
{ R[NR] = $0; if ($3 == "ceil") ceil[$1, $2] = $4
  key = $3 " " $2; if (!(key in seen)) { seen[key] = 1; keys[++nk] = key } }
END {
	for (i = 1; i <= NR; i++) { split(R[i], f, " "); key = f[3] " " f[2]
		pps[key] = pps[key] " " f[4]
		if (ceil[f[1], f[2]] > 0) rat[key] = rat[key] " " f[4] / ceil[f[1], f[2]]
		if (f[5] != "-") sys[key] = sys[key] " " f[5]
		if (f[7] != "-" && f[6] > 0) loss[key] = loss[key] " " 1 - f[7] / f[6]
		if (f[8] != "") off[key] = off[key] " " f[8] }
	printf "\n%-8s %5s %8s %17s %7s %9s %7s %8s\n", "case", "size", "Mpps", "min-max", "vs ceil", "sysc/pkt", "loss", "offered"
	printf "{\"results\":[" >out; sep = ""
	for (k = 1; k <= nk; k++) { split(keys[k], f, " ")
		m = med(pps[keys[k]]); l = lo; h = hi; rt = med(rat[keys[k]]); sc = med(sys[keys[k]]); ls = med(loss[keys[k]])
		of = med(off[keys[k]])
		printf "%-8s %5d %8.3f %8.3f-%-8.3f %7s %9s %7s %8s\n", f[1], f[2], m/1e6, l/1e6, h/1e6,
			rt == "-" ? "-" : sprintf("%.2f", rt), sc, ls == "-" ? "-" : sprintf("%.3f", ls), of == "-" ? "-" : sprintf("%.3f", of/1e6)
		printf("%s{\"case\":\"%s\",\"size\":%d,\"mpps_median\":%.4f,\"mpps_min\":%.4f,\"mpps_max\":%.4f,\"ratio_to_ceiling\":%s,\"syscalls_per_pkt\":%s,\"loss\":%s,\"offered_mpps\":%s}",
			sep, f[1], f[2], m/1e6, l/1e6, h/1e6, (rt == "-" ? "null" : rt), (sc == "-" ? "null" : sc), (ls == "-" ? "null" : ls), (of == "-" ? "null" : of/1e6)) >out
		sep = ","
		printf "%s %d %.4f\n", f[1], f[2], m/1e6 >dat }
	printf "],\"runs\":[" >out
	for (i = 1; i <= NR; i++) { split(R[i], f, " ")
		printf("%s{\"round\":%d,\"size\":%d,\"case\":\"%s\",\"pps\":%s,\"syscalls_per_pkt\":%s,\"sent\":%s,\"returned\":%s}",
			(i > 1 ? "," : ""), f[1], f[2], f[3], f[4], (f[5] == "-" ? "null" : f[5]), (f[6] == "-" ? "null" : f[6]), (f[7] == "-" ? "null" : f[7])) >out }
	printf "]" >out
}' "$tmp/res"

# Latency: per case and size, the median over the rounds of each figure.
awk -v out="$out" '
function med(l,  n, v, i, j, t) { n = split(l, v, " "); if (!n) return "null"
	for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
	return n % 2 ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2 }
function us(x) { return x == "null" ? "-" : sprintf("%.1f", x / 1000) }
{ key = $3 " " $2; if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
  rate[key] = rate[key] " " $4; lost[key] = lost[key] " " $7; sent[key] = sent[key] " " $5
  for (i = 8; i <= 14; i++) if ($i != "null") f[key, i] = f[key, i] " " $i }
END {
	printf ",\"latency\":[" >>out
	if (nk) {
		printf "\nfwd latency at 10%% load (gen --rtt, round trip B -> A -> B), us, medians over the rounds\n"
		printf "%-8s %5s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "case", "size", "rate", "min", "p50", "p90", "p99", "p99.9", "max", "mean", "lost"
	}
	for (k = 1; k <= nk; k++) { split(keys[k], kk, " ")
		for (i = 8; i <= 14; i++) m[i] = med(f[keys[k], i])
		printf "%-8s %5d %8.0f %8s %8s %8s %8s %8s %8s %8s %8.0f\n", kk[1], kk[2], med(rate[keys[k]]),
			us(m[8]), us(m[9]), us(m[10]), us(m[11]), us(m[12]), us(m[13]), us(m[14]), med(lost[keys[k]])
		printf("%s{\"case\":\"%s\",\"size\":%d,\"rate\":%s,\"sent\":%s,\"lost\":%s,\"ns\":{\"min\":%s,\"p50\":%s,\"p90\":%s,\"p99\":%s,\"p99_9\":%s,\"max\":%s,\"mean\":%s}}",
			(k > 1 ? "," : ""), kk[1], kk[2], med(rate[keys[k]]), med(sent[keys[k]]), med(lost[keys[k]]),
			m[8], m[9], m[10], m[11], m[12], m[13], m[14]) >>out }
	print "]}" >>out
}' "$tmp/rtt"
echo "JSON: $out"
if command -v gnuplot >/dev/null && [ -s "$tmp/plot" ]; then
	png=${out%.json}.png
	plots=
	# The paths; gen-xdp is the ceiling's own run, the paced fwd runs are in the table.
	for c in $(awk '$1 !~ /^fwd[0-9]/ && $1 != "gen-xdp" {print $1}' "$tmp/plot" | sort -u); do
		awk -v c="$c" '$1 == c {print $2, $3}' "$tmp/plot" | sort -n >"$tmp/p.$c"
		plots+="${plots:+, }'$tmp/p.$c' with linespoints title '$c'"
	done
	gnuplot -e "set terminal png size 800,500; set output '$png'; set title 'xskmap over veth, copy mode, $(uname -r)'; set xlabel 'frame size (bytes)'; set ylabel 'Mpps'; set yrange [0:*]; set key outside; plot $plots" && echo "PNG: $png"
fi
