// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xsk_redirect: steer frames from XDP into AF_XDP sockets.
 *
 * Each frame that matches is redirected to the socket in xsks_map at the
 * slot of its RX queue (or at a fixed slot). A frame whose slot holds no
 * socket gets the fallback verdict (XDP_PASS unless configured otherwise),
 * so the kernel keeps whatever no socket takes. Frames that do not match,
 * and malformed frames, always go to the kernel with XDP_PASS.
 *
 * The object is usable on its own: xdp-loader, `ip link set dev IF xdp obj`
 * or any libbpf tool can load it with the defaults below and fill xsks_map.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>

#include "xsk_redirect.h"
#include "parse.h"

/* Configuration: set through the skeleton's rodata before load. */
const volatile __u32 cfg_target = XSK_TARGET_RX_QUEUE;
const volatile __u32 cfg_fixed_index = 0;
const volatile __u32 cfg_match = XSK_MATCH_ALL;
const volatile __u32 cfg_fallback = XDP_PASS;

/* Key: RX queue index (or the fixed slot); value: AF_XDP socket fd. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XSK_MAP_DEFAULT_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* Per-CPU so the fast path needs no atomics; userspace sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XSK_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xsk_stat);
} xsk_stats SEC(".maps");

/* For libxdp's dispatcher: run early, and let later programs see XDP_PASS. */
struct {
	__uint(priority, 20);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xsk_redirect);

static __always_inline int count(enum xsk_stat_reason reason, __u64 len, int verdict)
{
	__u32 key = reason;
	struct xsk_stat *st = bpf_map_lookup_elem(&xsk_stats, &key);

	if (st) {
		st->packets++;
		st->bytes += len;
	}
	return verdict;
}

SEC("xdp")
int xsk_redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	/* Only PASS or DROP may come back from a failed lookup, never ABORTED. */
	__u64 fallback = cfg_fallback == XDP_DROP ? XDP_DROP : XDP_PASS;
	__u32 slot;
	int verdict;

	if (cfg_match == XSK_MATCH_UDP) {
		struct xk_pkt pkt = {};

		if (xk_parse(data, data_end, &pkt) < 0)
			return count(XSK_STAT_MALFORMED, len, XDP_PASS);
		if (!xk_is_udp(&pkt))
			return count(XSK_STAT_NOT_MATCHED, len, XDP_PASS);
	}

	slot = cfg_target == XSK_TARGET_FIXED ? cfg_fixed_index : ctx->rx_queue_index;
	/* The low bits of flags are what bpf_redirect_map returns on a miss. */
	verdict = bpf_redirect_map(&xsks_map, slot, fallback);
	if (verdict == XDP_REDIRECT)
		return count(XSK_STAT_REDIRECTED, len, verdict);
	return count(XSK_STAT_NO_SOCKET, len, verdict);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
