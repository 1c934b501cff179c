/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One RX queue's AF_XDP state: its UMEM, its socket and their rings. Setup
 * and teardown live here; the packet loop that runs the rings is in rx.c,
 * one thread per queue.
 */
#ifndef XSKMAP_XSK_QUEUE_H
#define XSKMAP_XSK_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>


#ifdef __cplusplus
extern "C" {
#endif

enum bind_mode {
	BIND_AUTO = 0,		/* the kernel picks zero-copy if it can */
	BIND_COPY,
	BIND_ZEROCOPY,
};

struct xsk_queue_cfg {
	__u32 frames;		/* UMEM frames; also the fill ring size */
	__u32 frame_size;
	__u32 ring_size;	/* RX (and completion) ring size */
	enum bind_mode bind;
	bool need_wakeup;
};

struct xsk_queue {
	__u32 queue_id;
	bool zerocopy;			/* what the kernel actually bound */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_ring_cons rx;
	void *area;			/* frames * frame_size bytes, mmap()ed */
	size_t area_size;
	__u32 frame_size;
	__u32 nr_frames;
	/* Written by the queue's thread only, read by the stats printer. */
	__u64 rx_packets __attribute__((aligned(64)));	/* kept (--count) */
	__u64 rx_bytes;
	__u64 rx_past_count;		/* taken off the ring once --count was reached */
};

/*
 * Create the UMEM and the socket bound to ifname/queue_id, and stock the
 * fill ring with every frame. On failure returns -errno with a one-line
 * message in err (cause and fix) and leaves q empty.
 */
int xsk_queue_create(struct xsk_queue *q, const char *ifname, __u32 queue_id,
		     const struct xsk_queue_cfg *cfg, char *err, size_t errlen);
void xsk_queue_destroy(struct xsk_queue *q);

static inline int xsk_queue_fd(const struct xsk_queue *q)
{
	return xsk_socket__fd(q->xsk);
}

/* XDP_STATISTICS of the socket: 0 or -errno. */
int xsk_queue_stats(const struct xsk_queue *q, struct xdp_statistics *st);

#ifdef __cplusplus
}
#endif
#endif
