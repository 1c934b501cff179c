/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Who is in each slot of an XSKMAP. The kernel refuses to look up an
 * XSKMAP's values from userspace, so bpf/xsk_probe.bpf.c does it from XDP,
 * run with BPF_PROG_TEST_RUN against the very map (any map of the machine:
 * libxdp's, a DPDK process's, xskmap's own), a batch of slots per run.
 */
#ifndef XSKMAP_XSK_SLOTS_H
#define XSKMAP_XSK_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "xsk_probe.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xskmap_slots {
	__u32 nr;			/* the map's max_entries */
	struct xsk_probe_slot *slot;	/* nr of them, by slot */
	bool ext;			/* device and inode read too (CAP_PERFMON) */
	char ext_why[600];		/* when not ext: why only the queue is known */
};

/*
 * Look up every slot of the XSKMAP map_fd. 0, or -errno with one line in
 * err saying why the map cannot be reached (which capability, or why the
 * kernel refused the probe). free with xskmap_slots_free().
 */
int xskmap_slots_probe(int map_fd, struct xskmap_slots *out, char *err, size_t errlen);
void xskmap_slots_free(struct xskmap_slots *s);

#ifdef __cplusplus
}
#endif
#endif
