/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A UMEM: the frame area, its fill and completion rings, and the pool of
 * free frames that transmit paths take their frames from. The sockets that
 * use it are in sock.h. One thread runs a UMEM's rings and its pool: none
 * of them is locked.
 *
 * Frame ownership: a frame is at any time in exactly one place: the fill
 * ring (the kernel's, to receive into), an RX descriptor (ours, until a
 * handler gives it back), the TX ring (the kernel's, until it shows up in
 * the completion ring) or the free pool (ours). xskmap_umem_complete()
 * moves completed frames to the pool or, for a path that forwards what it
 * received, back to the fill ring.
 */
#ifndef XSKMAP_UMEM_H
#define XSKMAP_UMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <xdp/xsk.h>

#include "umem_layout.h"

#ifdef __cplusplus
extern "C" {
#endif


struct xskmap_umem {
	struct xsk_umem *umem;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	void *area;			/* frames * frame_size bytes, mmap()ed */
	size_t area_size;
	__u32 frame_size;
	__u32 nr_frames;
	__u32 nr_socks;			/* sockets created on it (sock.c) */
	bool unaligned, hugepages;
	/* The free pool: a stack of frame addresses, nr_free on it. */
	__u64 *free_frames;
	__u32 nr_free;
};

/*
 * Map and register the area (id names it in messages: the queue it is
 * for), put every frame but cfg->tx_frames into the fill ring and those
 * into the free pool. -errno with a one-line message (cause and fix) in
 * err, u left empty.
 */
int xskmap_umem_create(struct xskmap_umem *u, const struct xskmap_umem_cfg *cfg, __u32 id,
		       char *err, size_t errlen);
/* After every socket on it is gone. Idempotent. */
void xskmap_umem_destroy(struct xskmap_umem *u);

/*
 * The data a descriptor's addr points at. In unaligned mode the kernel
 * gives the chunk's address in the low 48 bits and the data's offset in
 * it in the high 16 (XSK_UNALIGNED_BUF_OFFSET_SHIFT); in aligned mode the
 * high bits are 0 and addr is the data's address: one formula for both.
 * A fill or free-pool address is xsk_umem__extract_addr() of it.
 */
static inline void *xskmap_umem_data(const struct xskmap_umem *u, __u64 addr)
{
	return xsk_umem__get_data(u->area, xsk_umem__add_offset_to_addr(addr));
}


/* A free frame for TX: true and its address, false when the pool is empty. */
static inline bool xskmap_umem_alloc(struct xskmap_umem *u, __u64 *addr)
{
	if (!u->nr_free)
		return false;
	*addr = u->free_frames[--u->nr_free];
	return true;
}

/* Back to the pool (a frame that was never handed to the kernel). */
static inline void xskmap_umem_free(struct xskmap_umem *u, __u64 addr)
{
	u->free_frames[u->nr_free++] = xsk_umem__extract_addr(addr);
}

/*
 * Up to max completed TX frames off the completion ring cq (the UMEM's,
 * or a shared socket's own): into the free pool, or with to_fill into the
 * fill ring fq. Returns how many.
 */
__u32 xskmap_umem_complete(struct xskmap_umem *u, struct xsk_ring_cons *cq,
			   struct xsk_ring_prod *fq, __u32 max, bool to_fill);

#ifdef __cplusplus
}
#endif
#endif
