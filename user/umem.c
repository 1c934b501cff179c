// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "iface.h"
#include "umem.h"

int xskmap_umem_create(struct xskmap_umem *u, const struct xskmap_umem_cfg *cfg, __u32 id,
		       char *err, size_t errlen)
{
	struct xsk_umem_config ucfg = {
		.fill_size = cfg->frames,
		.comp_size = cfg->comp_size,
		.frame_size = cfg->frame_size,
		.frame_headroom = XSK_UMEM__DEFAULT_FRAME_HEADROOM,
		.flags = 0,
	};
	__u32 parts = cfg->parts ? cfg->parts : 1;
	__u32 fill = cfg->frames - cfg->tx_frames, idx, i, n;
	char what[48];
	int ret;

	memset(u, 0, sizeof(*u));
	u->frame_size = cfg->frame_size;
	u->nr_frames = cfg->frames * parts;
	u->part_frames = cfg->frames;
	u->nr_parts = parts;
	u->area_size = (size_t)u->nr_frames * cfg->frame_size;
	if (cfg->parts)
		snprintf(what, sizeof(what), "the shared UMEM (%u part%s)", parts,
			 parts == 1 ? "" : "s");
	else
		snprintf(what, sizeof(what), "queue %u", id);

	u->area = mmap(NULL, u->area_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (u->area == MAP_FAILED) {
		ret = -errno;
		u->area = NULL;
		snprintf(err, errlen, "cannot map %zu MiB of UMEM for %s: %s; lower --frames",
			 u->area_size >> 20, what, strerror(-ret));
		return ret;
	}
	if (cfg->tx_frames) {
		u->free_frames = calloc(cfg->tx_frames, sizeof(*u->free_frames));
		if (!u->free_frames) {
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory for the TX frames of queue %u", id);
			goto err;
		}
	}

	ret = xsk_umem__create(&u->umem, u->area, u->area_size, &u->fq, &u->cq, &ucfg);
	if (ret) {
		if (ret == -ENOBUFS || ret == -EPERM || ret == -ENOMEM)
			snprintf(err, errlen, "cannot register %zu MiB of UMEM for %s: %s; %s",
				 u->area_size >> 20, what, strerror(-ret),
				 have_ipc_lock() ? "lower --frames" :
				 "it counts against RLIMIT_MEMLOCK without CAP_IPC_LOCK: grant CAP_IPC_LOCK or lower --frames");
		else
			snprintf(err, errlen, "cannot create the UMEM for %s: %s",
				 what, strerror(-ret));
		u->umem = NULL;
		goto err;
	}

	/* Shared: each socket's fill ring gets its part once the socket exists. */
	if (cfg->parts)
		return 0;
	/*
	 * The receive frames start in the fill ring, whose size is the frame
	 * count, so the reservation cannot come up short; the rest wait in
	 * the pool for TX.
	 */
	n = xsk_ring_prod__reserve(&u->fq, fill, &idx);
	if (n != fill) {
		ret = -ENOSPC;
		snprintf(err, errlen, "fill ring of queue %u took %u of %u frames", id, n, fill);
		goto err;
	}
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&u->fq, idx + i) = (__u64)i * cfg->frame_size;
	xsk_ring_prod__submit(&u->fq, n);
	for (i = fill; i < cfg->frames; i++)
		xskmap_umem_free(u, (__u64)i * cfg->frame_size);
	return 0;

err:
	xskmap_umem_destroy(u);
	return ret;
}

int xskmap_umem_fill_part(struct xskmap_umem *u, struct xsk_ring_prod *fq, __u32 part)
{
	__u64 base = (__u64)part * u->part_frames * u->frame_size;
	__u32 idx = 0, i;

	if (part >= u->nr_parts ||
	    xsk_ring_prod__reserve(fq, u->part_frames, &idx) != u->part_frames)
		return -ENOSPC;
	for (i = 0; i < u->part_frames; i++)
		*xsk_ring_prod__fill_addr(fq, idx + i) = base + (__u64)i * u->frame_size;
	xsk_ring_prod__submit(fq, u->part_frames);
	return 0;
}

void xskmap_umem_destroy(struct xskmap_umem *u)
{
	if (u->umem)
		xsk_umem__delete(u->umem);
	if (u->area)
		munmap(u->area, u->area_size);
	free(u->free_frames);
	u->umem = NULL;
	u->area = NULL;
	u->free_frames = NULL;
	u->nr_free = 0;
}

__u32 xskmap_umem_complete(struct xskmap_umem *u, struct xsk_ring_cons *cq,
			   struct xsk_ring_prod *fq, __u32 max, bool to_fill)
{
	__u32 idx_cq = 0, idx_fq = 0, n, i;

	n = xsk_ring_cons__peek(cq, max, &idx_cq);
	if (!n)
		return 0;
	/* The fill ring holds every frame of the UMEM: this cannot come up short. */
	if (to_fill)
		xsk_ring_prod__reserve(fq, n, &idx_fq);
	for (i = 0; i < n; i++) {
		__u64 addr = *xsk_ring_cons__comp_addr(cq, idx_cq + i);

		if (to_fill)
			*xsk_ring_prod__fill_addr(fq, idx_fq + i) = addr;
		else
			xskmap_umem_free(u, addr);
	}
	if (to_fill)
		xsk_ring_prod__submit(fq, n);
	xsk_ring_cons__release(cq, n);
	return n;
}
