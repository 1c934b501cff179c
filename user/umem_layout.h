/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where a UMEM's frames go (umem.h has the rest): plain arithmetic on the
 * configuration, without libxdp's headers, so that tests built against
 * libpcap (whose bpf.h clashes with the kernel's) can include it.
 */
#ifndef XSKMAP_UMEM_LAYOUT_H
#define XSKMAP_UMEM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xskmap_umem_cfg {
	__u32 frames;		/* frames in the area; also the fill ring size */
	__u32 frame_size;
	__u32 comp_size;	/* completion ring size */
	__u32 tx_frames;	/* of frames, kept in the free pool for TX, not filled */
	/*
	 * --unaligned: XDP_UMEM_UNALIGNED_CHUNK_FLAG, so frame_size need not
	 * be a power of 2 and frames sit where xskmap_umem_frame_addr() puts
	 * them, not on multiples of frame_size. --hugepages: the area in
	 * MAP_HUGETLB pages (the default huge page size).
	 */
	bool unaligned;
	bool hugepages;
};

/*
 * Frame i's address. Aligned chunks are at i * frame_size. Unaligned ones
 * never cross a page (4 KiB, or the huge page with --hugepages, where they
 * are packed): a zero-copy driver maps the pages one by one, and the
 * kernel refuses a fill address whose chunk crosses into a page that is
 * not contiguous with it.
 */
__u64 xskmap_umem_frame_addr(const struct xskmap_umem_cfg *cfg, __u32 i);
/* Bytes of area cfg needs (rounded up to the huge page with --hugepages). */
size_t xskmap_umem_area_size(const struct xskmap_umem_cfg *cfg);

/*
 * Before anything is attached: whether umems areas of cfg fit the free
 * huge pages. 0, or -1 with the one-line refusal (none reserved, or too
 * few free, and the 'sysctl vm.nr_hugepages=N' that makes room) in err.
 */
int xskmap_hugepages_check(const struct xskmap_umem_cfg *cfg, __u32 umems, char *err,
			   size_t errlen);
/* The default huge page size in bytes from /proc/meminfo, 0 when unknown. */
size_t xskmap_hugepage_size(void);

#ifdef __cplusplus
}
#endif
#endif
