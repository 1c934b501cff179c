/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reading what the XDP program put in front of a received frame: struct
 * xsk_rx_meta (the software receive time, with -w) or, with --metadata,
 * struct xsk_rx_meta_ext (what the driver offered: timestamp, RSS hash,
 * VLAN tag). Plain functions of the bytes, so the unit tests feed them.
 */
#ifndef XSKMAP_RX_META_H
#define XSKMAP_RX_META_H

#include <stdbool.h>
#include <string.h>
#include <linux/types.h>

#include "xsk_redirect.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xskmap_rx_meta_view {
	bool found;		/* the program's metadata is in front of this frame */
	__u8 flags;		/* XSK_META_*: what of the driver's is valid (ext only) */
	__u64 rx_ns;		/* bpf_ktime_get_ns() in XDP, CLOCK_MONOTONIC */
	__u64 hw_ns;		/* the driver's timestamp, with XSK_META_TIMESTAMP */
	__u32 hash;		/* with XSK_META_HASH */
	__u8 hash_type;
	__u16 vlan_tci;		/* with XSK_META_VLAN */
};

/*
 * The metadata in front of data (ext: the --metadata layout), into v. The
 * magic is cleared once read: the buffer is reused, and a later frame
 * without metadata (a driver with no room for it) must not inherit this
 * one's. memcpy: nothing promises the frame's address is 8-aligned (an
 * unaligned UMEM chunk can start anywhere).
 */
static inline void xskmap_rx_meta_take(unsigned char *data, bool ext, struct xskmap_rx_meta_view *v)
{
	struct xsk_rx_meta_ext m;
	size_t len = ext ? sizeof(m) : sizeof(m.base);
	unsigned char *at = data - len;

	memset(v, 0, sizeof(*v));
	if (ext)
		memcpy(&m, at, sizeof(m));
	else
		memcpy(&m.base, at, sizeof(m.base));
	if (m.base.magic != XSK_RX_META_MAGIC)
		return;
	memset(data - sizeof(m.base.magic), 0, sizeof(m.base.magic));
	v->found = true;
	v->rx_ns = m.base.rx_ns;
	if (!ext)
		return;
	v->flags = m.flags;
	v->hw_ns = m.hw_ns;
	v->hash = m.hash;
	v->hash_type = m.hash_type;
	v->vlan_tci = m.vlan_tci;
}

/*
 * The capture's time for the frame, ns since the epoch: the driver's
 * timestamp where there is one (as the driver gives it: a NIC's clock,
 * which PTP usually keeps on TAI), else the program's receive time on the
 * wall clock (wall_offset_ns: CLOCK_REALTIME - CLOCK_MONOTONIC at start),
 * else now_wall_ns, the time the worker read it.
 */
static inline __u64 xskmap_rx_meta_time(const struct xskmap_rx_meta_view *v,
					__s64 wall_offset_ns, __u64 now_wall_ns)
{
	if (!v->found)
		return now_wall_ns;
	if (v->flags & XSK_META_TIMESTAMP)
		return v->hw_ns;
	return v->rx_ns + wall_offset_ns;
}

#ifdef __cplusplus
}
#endif
#endif
