// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xsk_explain: count the frames the kernel refused after xsk_redirect
 * returned XDP_REDIRECT into the run's XSKMAP, by queue and errno.
 *
 * xdp_do_redirect() (native) and xdp_do_generic_redirect() (skb mode) call
 * __xsk_map_redirect() / xsk_generic_rcv() for an XSKMAP target, and a
 * failure there fires the xdp:xdp_redirect_err tracepoint with the map's
 * id, the slot and the errno (xdp_redirect_map_err is declared but no
 * longer fired: include/trace/events/xdp.h). The flush into the RX ring
 * (xsk_flush) cannot fail, so every refusal at the socket is seen here.
 * Not seen: a multi-buffer frame on a kernel without AF_XDP multi-buffer
 * (6.1's xdp_do_redirect() returns -EOPNOTSUPP before any tracepoint).
 *
 * The queue is the socket's (xs->queue_id): xsk_redirect redirects only to
 * a socket bound to the frame's RX queue, so it is the frame's too. The
 * program runs only on a failure: the success path costs nothing (raw
 * tracepoint, no BTF argument checks, so the same object loads on 6.1).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "xsk_explain.h"

/* The run's XSKMAP: only its failures are counted. Set before load. */
const volatile __u32 cfg_map_id = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XSK_EXPLAIN_ENTRIES);
	__type(key, struct xsk_explain_key);
	__type(value, struct xsk_explain_val);
} xsk_explain SEC(".maps");

/* args: dev, xdp prog, tgt, err, map_type, map_id, index (TP_PROTO of xdp_redirect_template). */
SEC("raw_tp/xdp_redirect_err")
int xsk_explain_err(struct bpf_raw_tracepoint_args *ctx)
{
	const struct net_device *dev = (const void *)ctx->args[0];
	const struct xdp_sock *xs = (const void *)ctx->args[2];
	int err = (int)ctx->args[3];
	struct xsk_explain_key k = {};
	struct xsk_explain_val one = { .packets = 1 }, *v;
	const struct net_device *xdev;

	if ((__u32)ctx->args[5] != cfg_map_id || (__u32)ctx->args[4] != BPF_MAP_TYPE_XSKMAP)
		return 0;
	k.queue = (__u32)ctx->args[6];
	k.err = err < 0 ? -err : err;
	if (xs) {
		k.queue = BPF_CORE_READ(xs, queue_id);
		xdev = BPF_CORE_READ(xs, dev);
		if (xdev && dev && xdev != dev)
			k.flags |= XSK_EXPLAIN_OTHER_DEV;
	}
	v = bpf_map_lookup_elem(&xsk_explain, &k);
	if (v) {
		v->packets++;
		return 0;
	}
	/* A new key; another CPU may have made it meanwhile (per-CPU values: add ours). */
	if (bpf_map_update_elem(&xsk_explain, &k, &one, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&xsk_explain, &k);
		if (v)
			v->packets++;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
