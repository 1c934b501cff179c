/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The xsk_redirect program: configure, load, attach, detach. */
#ifndef XSKMAP_PROG_H
#define XSKMAP_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "options.h"
#include "xsk_redirect.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XSKMAP_PROG_NAME "xsk_redirect"

struct xsk_redirect;	/* the skeleton */

struct prog_cfg {
	__u32 fallback;		/* XDP_PASS or XDP_DROP */
	__u32 map_entries;	/* xsks_map max_entries */
	bool rx_timestamp;	/* stamp redirected frames (struct xsk_rx_meta) */
};

struct prog {
	struct xsk_redirect *skel;
	int ifindex;
	__u32 xdp_flags;	/* mode flag it was attached with, 0 if not */
	enum attach_mode mode;	/* the mode in use once attached */
};

/*
 * Open the skeleton, set rodata and the map size, load. The rule tables
 * start empty: no rules, default action queue (see cls_apply()).
 * 0 or -errno + err.
 */
int prog_load(struct prog *p, const struct prog_cfg *cfg, char *err, size_t errlen);

/*
 * Attach to ifindex. ATTACH_AUTO tries native, then skb. An XDP program
 * already on the interface is refused unless force. 0 or -errno + err.
 */
int prog_attach(struct prog *p, int ifindex, const char *ifname,
		enum attach_mode mode, bool force, char *err, size_t errlen);

/* Detach if still ours (never someone else's), then free. Idempotent. */
void prog_detach(struct prog *p);
void prog_destroy(struct prog *p);

int prog_xsks_map_fd(const struct prog *p);
int prog_stats_map_fd(const struct prog *p);

const char *attach_mode_str(enum attach_mode m);

/*
 * `xskmap detach`: remove xsk_redirect programs attached to ifindex in any
 * mode. Describes what it did (or why it refused) in msg. Returns the
 * number removed (>= 0), or -errno.
 */
int prog_detach_leftover(int ifindex, const char *ifname, char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif
#endif
