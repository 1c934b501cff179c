/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The xsk_redirect program: configure, load, attach, detach. */
#ifndef XSKMAP_PROG_H
#define XSKMAP_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "xsk_redirect.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XSKMAP_PROG_NAME XSK_REDIRECT_PROG
/* The xdp.frags flavour, for multi-buffer frames (BPF names: 15 characters). */
#define XSKMAP_PROG_NAME_MB XSK_REDIRECT_PROG_MB

enum attach_mode {
	ATTACH_AUTO = 0,	/* native, else skb */
	ATTACH_NATIVE,
	ATTACH_SKB,
};

struct xsk_redirect;	/* the skeleton */

struct prog_cfg {
	__u32 fallback;		/* XDP_PASS or XDP_DROP */
	__u32 map_entries;	/* xsks_map max_entries */
	bool rx_timestamp;	/* stamp redirected frames (struct xsk_rx_meta) */
	bool multi_buffer;	/* load and attach the xdp.frags flavour */
	/*
	 * --metadata: load the flavour that stores the driver's RX metadata
	 * (struct xsk_rx_meta_ext), device-bound to this interface (0: the
	 * default program); meta_vlan with the VLAN-tag kfunc (Linux 6.8).
	 */
	int meta_ifindex;
	bool meta_vlan;
};

struct prog {
	struct xsk_redirect *skel;
	int ifindex;
	/*
	 * The BPF link that attaches the program (-1: not attached). The kernel
	 * detaches it when the last fd closes, so even a SIGKILL leaves nothing
	 * on the interface, and while it lives nobody can detach or replace
	 * the program through netlink (`ip link set ... xdp off` gets EBUSY).
	 */
	int link_fd;
	__u32 link_id, prog_id;
	enum attach_mode mode;	/* the mode in use once attached */
	bool multi_buffer;	/* the xdp.frags flavour is the one loaded */
};

/* The name of the flavour loaded, as the kernel lists it. */
const char *prog_name(const struct prog *p);

/*
 * Open the skeleton, set rodata and the map size, load. The rule tables
 * start empty: no rules, default action queue (see cls_apply()).
 * 0 or -errno + err.
 */
int prog_load(struct prog *p, const struct prog_cfg *cfg, char *err, size_t errlen);

/*
 * Attach to ifindex through a BPF link. ATTACH_AUTO tries native, then skb
 * (and says why native failed). An XDP program already on the interface
 * is refused unless force; a program held by another BPF link is refused
 * even then (the kernel does not let anyone replace it). 0 or -errno + err.
 */
int prog_attach(struct prog *p, int ifindex, const char *ifname,
		enum attach_mode mode, bool force, char *err, size_t errlen);

/* Close the link (the kernel detaches), then free. Idempotent. */
void prog_detach(struct prog *p);
void prog_destroy(struct prog *p);

int prog_xsks_map_fd(const struct prog *p);
int prog_stats_map_fd(const struct prog *p);

const char *attach_mode_str(enum attach_mode m);

/*
 * Whether the link still attaches the program to our interface: 0, or
 * -ENODEV when it was detached (another tool, or the device went away),
 * or -errno when the link cannot be read.
 */
int prog_link_check(const struct prog *p);

/*
 * `xskmap detach`: describe each XDP program on ifindex, who holds it and
 * how its owner removes it; nothing is removed (xskmap's own runs attach
 * through links, which die with them). Returns how many programs there
 * are (>= 0), or -errno with the reason in msg.
 */
int prog_describe_attached(int ifindex, const char *ifname, char *msg, size_t msglen);

/*
 * The BPF link holding an xsk_redirect program on ifindex (its program id
 * in *prog_id), 0: none. What a run that took no record (not root: no
 * /run/xskmap) leaves for `rules` to find.
 */
__u32 prog_link_held(int ifindex, __u32 *prog_id);

#ifdef __cplusplus
}
#endif
#endif
