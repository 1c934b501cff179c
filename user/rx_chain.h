/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Multi-buffer frames on an RX ring (XDP_USE_SG, Linux 6.6): a frame larger
 * than a UMEM frame comes as a chain of descriptors, each but the last with
 * XDP_PKT_CONTD in its options. A handler must see whole chains: it counts
 * a frame once, captures it whole, forwards it whole, and gives its buffers
 * back together.
 *
 * A batch can end inside a chain (it has --batch descriptors, the chain
 * does not care), and a chain can wrap past the end of the ring (the ring
 * indices do; xsk_ring_cons__rx_desc() masks them). The partial chain's
 * state is the ring itself: its descriptors are peeked, then given back to
 * the ring's cached consumer (xsk_ring_cons__cancel()) unreleased, so the
 * next peek starts with them, the rest of the chain after them. Nothing is
 * copied aside, and the handlers only ever see whole frames.
 *
 * The kernel publishes a frame's descriptors together (one producer update
 * after the whole chain: __xsk_rcv() reserves them all, or drops the frame
 * when the fill ring or the RX ring cannot take it all), so the tail of a
 * cut chain is normally already on the ring: a chain longer than the batch
 * is taken whole by peeking further.
 */
#ifndef XSKMAP_RX_CHAIN_H
#define XSKMAP_RX_CHAIN_H

#include <stdbool.h>
#include <linux/types.h>
#include <xdp/xsk.h>

#include "sock.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Peek up to batch descriptors from rx (more when one chain is longer than
 * the batch), ending at the end of a frame: the first index in *idx, the
 * number of whole frames in *frames; returns the number of descriptors.
 * What follows the last whole frame is left on the ring for the next peek.
 * Without chains (socket not bound with XDP_USE_SG) every descriptor is a
 * frame: a plain peek. A chain that fills the whole ring without an end
 * (the kernel never makes one: it checks the room first) is taken as one
 * frame rather than left to block the ring.
 */
__u32 xskmap_rx_peek(struct xsk_ring_cons *rx, __u32 batch, bool chains, __u32 *idx,
		     __u32 *frames);

/*
 * The frame at descriptor i of the n from idx: how many descriptors it
 * has (1 without chains) and, in *len, its length (their sum).
 */
static inline __u32 xskmap_rx_frame(const struct xsk_ring_cons *rx, __u32 idx, __u32 i, __u32 n,
				    __u64 *len)
{
	__u32 k = i;
	__u64 l = 0;

	for (;;) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(rx, idx + k);

		l += d->len;
		k++;
		if (!(d->options & XDP_PKT_CONTD) || k >= n)
			break;
	}
	*len = l;
	return k - i;
}

/* Descriptors of the first frames frames of the n from idx. */
static inline __u32 xskmap_rx_frames_descs(const struct xsk_ring_cons *rx, __u32 idx, __u32 n,
					   __u32 frames)
{
	__u32 i = 0, f;
	__u64 len;

	for (f = 0; f < frames && i < n; f++)
		i += xskmap_rx_frame(rx, idx, i, n, &len);
	return i;
}

#ifdef __cplusplus
}
#endif
#endif
