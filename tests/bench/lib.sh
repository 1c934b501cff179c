# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Shared by the benchmarks in tests/bench/ (sourced from the repository's
# root, not run): the checks before anything is made, and the two
# namespaces with their veth pair, removed on any exit.

# bench_require NAME HINT TOOL...: root, and every TOOL on PATH, else one
# line (NAME: what is missing: HINT) and exit 1.
bench_require() {
	local name=$1 hint=$2 t
	shift 2
	[ "$(id -u)" = 0 ] || { echo "$name: run as root (namespaces, XDP, AF_XDP)" >&2; exit 1; }
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$name: $t not found: $hint" >&2; exit 1; }
	done
}

# bench_pair PREFIX: namespaces PREFIXa and PREFIXb, a veth pair with one
# end in each named as its namespace, 198.18.0.1/24 on A's and .2 on B's,
# both up. Sets a, b (the names), mac_a, mac_b, tmp (a scratch directory)
# and pid (empty; a benchmark keeps its background process's pid there),
# and traps EXIT to kill $pid and remove all of it, whatever the exit, with
# the namespaces a benchmark adds to bench_extra_ns.
bench_extra_ns=()
bench_pair() {
	a=${1}a b=${1}b
	tmp=$(mktemp -d)
	pid=
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$a"
	ip netns add "$b"
	ip link add "$a" netns "$a" type veth peer name "$b" netns "$b"
	ip -n "$a" addr add 198.18.0.1/24 dev "$a"
	ip -n "$b" addr add 198.18.0.2/24 dev "$b"
	ip -n "$a" link set "$a" up
	ip -n "$b" link set "$b" up
	mac_a=$(ip -n "$a" -br link show dev "$a" | awk '{print $3}')
	mac_b=$(ip -n "$b" -br link show dev "$b" | awk '{print $3}')
}

bench_cleanup() {
	if [ -n "${pid:-}" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
	for n in "${bench_extra_ns[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$tmp"
}
