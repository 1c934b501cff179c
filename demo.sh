#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Set up (install, build), then show xskmap on a throwaway veth pair: both
# ends in namespaces made here and removed on exit. `xskmap run --match udp`
# runs on one end; the other end sends known UDP datagrams and pings. The
# UDP datagrams arrive in the AF_XDP sockets (written to a pcap and shown);
# ping, and the ARP under it, still reach the kernel.
set -euo pipefail
cd "$(dirname "$0")"
QUIET=1 .ci/setup

count=${COUNT:-200}
a=xskdemo$$a b=xskdemo$$b
ia=xd$$a ib=xd$$b
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ip netns add "$a"
ip netns add "$b"
ip link add "$ia" netns "$a" type veth peer name "$ib" netns "$b"
ip -n "$a" addr add 198.18.0.1/24 dev "$ia"
ip -n "$b" addr add 198.18.0.2/24 dev "$ib"
ip -n "$a" link set "$ia" up
ip -n "$b" link set "$ib" up

echo "== xskmap run --match udp -c $count $ia (namespace $a)"
ip netns exec "$a" build/user/xskmap run --match udp -c "$count" -d 20 --json \
	-w "$tmp/udp.pcap" "$ia" >"$tmp/summary.json" 2>"$tmp/stderr" &
pid=$!
for _ in $(seq 100); do
	grep -q "receiving on" "$tmp/stderr" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
cat "$tmp/stderr"
grep -q "receiving on" "$tmp/stderr" || { echo "demo: xskmap did not start" >&2; exit 1; }

echo "== from $b: ping 198.18.0.1 (ARP and ICMP are not UDP: the kernel answers)"
ip netns exec "$b" ping -c 3 -i 0.2 -W 2 198.18.0.1 | tail -2
echo "== from $b: $count UDP datagrams to 198.18.0.1:7777"
ip netns exec "$b" bash -c 'for i in $(seq '"$count"'); do echo "xskmap demo datagram $i" >/dev/udp/198.18.0.1/7777; done'

wait "$pid" && rc=0 || rc=$?
pid=
echo "== xskmap exited with $rc; its summary:"
cat "$tmp/summary.json"
echo "== first frames the AF_XDP sockets received (from the pcap):"
# -c, not a pipe into head: under pipefail, head closing the pipe would
# make tcpdump's SIGPIPE the script's status.
tcpdump -nn -A -c 2 -r "$tmp/udp.pcap" 2>/dev/null
received=$(grep -o '"rx_packets":[0-9]*' "$tmp/summary.json" | head -n 1 | cut -d: -f2 || true)
echo "== after exit, $ia has no XDP program:"
link=$(ip -n "$a" link show dev "$ia")
echo "${link%%$'\n'*}"
if [ "$rc" -ne 0 ]; then
	echo "demo: xskmap exited with $rc" >&2
	exit "$rc"
fi
if [ "${received:-0}" != "$count" ]; then
	echo "demo: the sockets received ${received:-0} frames, expected $count" >&2
	exit 1
fi
if grep -q ' xdp' <<<"$link"; then
	echo "demo: an XDP program is still attached to $ia" >&2
	exit 1
fi
echo "== demo: OK ($count UDP datagrams in the AF_XDP sockets, the kernel answered ping, nothing left attached)"
