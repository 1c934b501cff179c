/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The netdev generic netlink family (Linux 6.3): what a device says it can
 * do for XDP and AF_XDP (NETDEV_A_DEV_XDP_FEATURES, and since 6.6
 * NETDEV_A_DEV_XDP_ZC_MAX_SEGS), as `ynl --family netdev --do dev-get`
 * shows it. Bookworm's headers predate it: the constants are ours.
 */
#ifndef XSKMAP_NETDEV_NL_H
#define XSKMAP_NETDEV_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* enum netdev_xdp_act */
#define XSKMAP_XDP_ACT_BASIC		(1ULL << 0)
#define XSKMAP_XDP_ACT_REDIRECT		(1ULL << 1)
#define XSKMAP_XDP_ACT_NDO_XMIT		(1ULL << 2)
#define XSKMAP_XDP_ACT_XSK_ZEROCOPY	(1ULL << 3)
#define XSKMAP_XDP_ACT_HW_OFFLOAD	(1ULL << 4)
#define XSKMAP_XDP_ACT_RX_SG		(1ULL << 5)
#define XSKMAP_XDP_ACT_NDO_XMIT_SG	(1ULL << 6)

struct netdev_xdp_info {
	__u64 xdp_features;
	bool has_zc_max_segs;
	__u32 zc_max_segs;	/* 1: zero-copy takes single-buffer frames only */
};

/*
 * Ask the kernel about ifindex. 0; -ENOENT when the kernel has no netdev
 * family (before 6.3); else -errno.
 */
int netdev_xdp_query(int ifindex, struct netdev_xdp_info *out);

#ifdef __cplusplus
}
#endif
#endif
