// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The two XDP programs of the rx benchmark (tests/bench/rx.sh).
 *
 * xdpgen_tx is the traffic generator: BPF_PROG_TEST_RUN in live-frames mode
 * runs it on the frame xdpgen builds, and XDP_TX makes the kernel transmit
 * each copy out of the ingress device for real; on veth that is
 * ndo_xdp_xmit into the peer's XDP program. Nothing is parsed or counted:
 * the generator must cost as little as possible.
 *
 * xdpgen_drop is the kernel's ceiling on the receiving end: the cheapest
 * thing an XDP program can do with a frame.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdpgen_tx(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

SEC("xdp")
int xdpgen_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
