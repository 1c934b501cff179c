// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "iface.h"
#include "umem.h"

#define XSKMAP_PAGE 4096u

static bool meminfo_kb(const char *key, __u64 *kb)
{
	char line[256];
	size_t klen = strlen(key);
	bool found = false;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			found = sscanf(line + klen + 1, "%llu", (unsigned long long *)kb) == 1;
	fclose(f);
	return found;
}

size_t xskmap_hugepage_size(void)
{
	__u64 kb;

	return meminfo_kb("Hugepagesize", &kb) ? (size_t)kb << 10 : 0;
}

/*
 * The page no chunk may cross, and how many chunks one holds (0: packed,
 * the aligned layout). Unaligned chunks stay inside their page: 4 KiB, or
 * the huge page with --hugepages (two huge pages need not be contiguous).
 */
static __u32 frames_per_page(const struct xskmap_umem_cfg *cfg, size_t *page)
{
	*page = cfg->hugepages ? xskmap_hugepage_size() : XSKMAP_PAGE;
	if (!cfg->unaligned || !*page || cfg->frame_size > *page)
		return 0;
	return *page / cfg->frame_size;
}

__u64 xskmap_umem_frame_addr(const struct xskmap_umem_cfg *cfg, __u32 i)
{
	size_t page;
	__u32 pp = frames_per_page(cfg, &page);

	if (!pp)
		return (__u64)i * cfg->frame_size;
	return (__u64)(i / pp) * page + (__u64)(i % pp) * cfg->frame_size;
}

size_t xskmap_umem_area_size(const struct xskmap_umem_cfg *cfg)
{
	size_t page;
	__u32 pp = frames_per_page(cfg, &page);
	size_t len = pp ? (size_t)((cfg->frames + pp - 1) / pp) * page :
		     (size_t)cfg->frames * cfg->frame_size;
	size_t hp = cfg->hugepages ? xskmap_hugepage_size() : 0;

	if (hp)
		len = (len + hp - 1) / hp * hp;
	return len;
}

int xskmap_hugepages_check(const struct xskmap_umem_cfg *cfg, __u32 umems, char *err,
			   size_t errlen)
{
	__u64 total, nfree, need, hp = xskmap_hugepage_size();

	if (!hp || !meminfo_kb("HugePages_Total", &total) || !meminfo_kb("HugePages_Free", &nfree)) {
		snprintf(err, errlen, "--hugepages: this kernel shows no huge pages in /proc/meminfo (CONFIG_HUGETLBFS): run without --hugepages");
		return -1;
	}
	need = (__u64)umems * (xskmap_umem_area_size(cfg) / hp);
	if (need <= nfree)
		return 0;
	if (!total)
		snprintf(err, errlen, "--hugepages: no huge pages are reserved (vm.nr_hugepages is 0); this run needs %llu of %llu kB: reserve them with 'sysctl vm.nr_hugepages=%llu', or run without --hugepages",
			 (unsigned long long)need, (unsigned long long)hp >> 10,
			 (unsigned long long)need);
	else
		snprintf(err, errlen, "--hugepages: this run needs %llu huge pages of %llu kB but only %llu of the %llu reserved are free: reserve more with 'sysctl vm.nr_hugepages=%llu', or run without --hugepages",
			 (unsigned long long)need, (unsigned long long)hp >> 10,
			 (unsigned long long)nfree, (unsigned long long)total,
			 (unsigned long long)(total - nfree + need));
	return -1;
}

int xskmap_umem_create(struct xskmap_umem *u, const struct xskmap_umem_cfg *cfg, __u32 id,
		       char *err, size_t errlen)
{
	struct xsk_umem_config ucfg = {
		.fill_size = cfg->frames,
		.comp_size = cfg->comp_size,
		.frame_size = cfg->frame_size,
		.frame_headroom = XSK_UMEM__DEFAULT_FRAME_HEADROOM,
		.flags = cfg->unaligned ? XDP_UMEM_UNALIGNED_CHUNK_FLAG : 0,
	};
	__u32 fill = cfg->frames - cfg->tx_frames, idx, i, n;
	int ret;

	memset(u, 0, sizeof(*u));
	u->frame_size = cfg->frame_size;
	u->nr_frames = cfg->frames;
	u->unaligned = cfg->unaligned;
	u->hugepages = cfg->hugepages;
	u->area_size = xskmap_umem_area_size(cfg);

	u->area = mmap(NULL, u->area_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE |
		       (cfg->hugepages ? MAP_HUGETLB : 0), -1, 0);
	if (u->area == MAP_FAILED) {
		ret = -errno;
		u->area = NULL;
		if (cfg->hugepages)
			snprintf(err, errlen, "cannot map %zu MiB of UMEM in huge pages for queue %u: %s; reserve more ('sysctl vm.nr_hugepages=N') or run without --hugepages",
				 u->area_size >> 20, id, strerror(-ret));
		else
			snprintf(err, errlen, "cannot map %zu MiB of UMEM for queue %u: %s; lower --frames",
				 u->area_size >> 20, id, strerror(-ret));
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
			snprintf(err, errlen, "cannot register %zu MiB of UMEM for queue %u: %s; %s",
				 u->area_size >> 20, id, strerror(-ret),
				 have_ipc_lock() ? "lower --frames" :
				 "it counts against RLIMIT_MEMLOCK without CAP_IPC_LOCK: grant CAP_IPC_LOCK or lower --frames");
		else if (ret == -EINVAL && cfg->unaligned)
			snprintf(err, errlen, "cannot create the UMEM for queue %u: %s; unaligned UMEM chunks (XDP_UMEM_UNALIGNED_CHUNK_FLAG) need Linux 5.4: run without --unaligned",
				 id, strerror(-ret));
		else
			snprintf(err, errlen, "cannot create the UMEM for queue %u: %s",
				 id, strerror(-ret));
		u->umem = NULL;
		goto err;
	}

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
		*xsk_ring_prod__fill_addr(&u->fq, idx + i) = xskmap_umem_frame_addr(cfg, i);
	xsk_ring_prod__submit(&u->fq, n);
	for (i = fill; i < cfg->frames; i++)
		xskmap_umem_free(u, xskmap_umem_frame_addr(cfg, i));
	return 0;

err:
	xskmap_umem_destroy(u);
	return ret;
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

		/* A forwarded frame completes with its RX address: the chunk's is below it. */
		if (to_fill)
			*xsk_ring_prod__fill_addr(fq, idx_fq + i) = xsk_umem__extract_addr(addr);
		else
			xskmap_umem_free(u, addr);
	}
	if (to_fill)
		xsk_ring_prod__submit(fq, n);
	xsk_ring_cons__release(cq, n);
	return n;
}
