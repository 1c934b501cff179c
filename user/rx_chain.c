// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "rx_chain.h"

static bool ends_frame(const struct xsk_ring_cons *rx, __u32 idx)
{
	return !(xsk_ring_cons__rx_desc(rx, idx)->options & XDP_PKT_CONTD);
}

__u32 xskmap_rx_peek(struct xsk_ring_cons *rx, __u32 batch, bool chains, __u32 *idx,
		     __u32 *frames)
{
	__u32 n = xsk_ring_cons__peek(rx, batch, idx), i, f = 0, more, next;

	if (!chains || !n) {
		*frames = n;
		return n;
	}
	/*
	 * No frame ends in the window: one chain longer than it. Peek on
	 * (the window stays contiguous: each peek starts where the last one
	 * stopped) until it ends or the ring has nothing more yet.
	 */
	while (!ends_frame(rx, *idx + n - 1)) {
		for (i = n - 1; i > 0 && !ends_frame(rx, *idx + i - 1); i--)
			;
		if (i) {
			/* Whole frames up to i: the cut chain waits on the ring. */
			xsk_ring_cons__cancel(rx, n - i);
			n = i;
			break;
		}
		if (n >= rx->size)
			break;
		more = xsk_ring_cons__peek(rx, rx->size - n < batch ? rx->size - n : batch, &next);
		if (!more) {
			/* The chain's tail is not there yet: all of it waits. */
			xsk_ring_cons__cancel(rx, n);
			*frames = 0;
			return 0;
		}
		n += more;
	}
	for (i = 0; i < n; i++)
		f += ends_frame(rx, *idx + i);
	/* The ring-long chain without an end: one frame. */
	*frames = f ? f : 1;
	return n;
}
