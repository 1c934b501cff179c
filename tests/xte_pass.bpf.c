// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Somebody else's XDP program, for the e2e tests: xskmap must refuse to
 * replace it without --force. It passes every frame.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xte_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
