/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Types and constants shared by the XDP program (bpf/xsk_redirect.bpf.c)
 * and userspace. The includer provides __u32/__u64: vmlinux.h on the BPF
 * side, <linux/types.h> in userspace.
 */
#ifndef XSKMAP_XSK_REDIRECT_H
#define XSKMAP_XSK_REDIRECT_H

/*
 * Reasons a frame was handled the way it was; index of the per-CPU
 * xsk_stats array. Keep xsk_stat_names[] in user/stats.c in sync.
 */
enum xsk_stat_reason {
	XSK_STAT_REDIRECTED = 0,	/* handed to the socket in xsks_map */
	XSK_STAT_NOT_MATCHED,		/* no rule matched, default pass/drop */
	XSK_STAT_NO_SOCKET,		/* no socket at the slot: fallback verdict */
	XSK_STAT_MALFORMED,		/* headers truncated or invalid: XDP_PASS */
	XSK_STAT_RULE_PASS,		/* a rule said pass */
	XSK_STAT_RULE_DROP,		/* a rule said drop */
	XSK_STAT_MAX,
};

struct xsk_stat {
	__u64 packets;
	__u64 bytes;
};

/*
 * In front of a redirected frame when cfg_rx_timestamp is set (the loader
 * sets it when it captures): bpf_xdp_adjust_meta() room that AF_XDP copies
 * into the UMEM with the frame, so userspace finds it at the frame's
 * address minus sizeof(struct xsk_rx_meta).
 */
struct xsk_rx_meta {
	__u64 rx_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 magic;		/* XSK_RX_META_MAGIC when rx_ns is this frame's */
};

#define XSK_RX_META_MAGIC 0x31305354524b5358ULL	/* "XSKRTS01" */

/*
 * The object's two programs (bpf_object__find_program_by_name(), xdp-loader
 * -n): one buffer per frame, and the xdp.frags flavour for multi-buffer
 * frames (attach it at an MTU above a page; bind the sockets with
 * XDP_USE_SG, Linux 6.6, and read chains of XDP_PKT_CONTD descriptors).
 */
#define XSK_REDIRECT_PROG "xsk_redirect"
#define XSK_REDIRECT_PROG_MB "xsk_redirect_mb"

/*
 * What the --metadata flavour of the program (built from the same source
 * with XSKMAP_RX_METADATA, loaded device-bound) puts in front of a
 * redirected frame instead: what the driver offered through the XDP
 * RX-metadata kfuncs, a flag word saying which of it is valid, and the
 * software receive time as above. 32 bytes, the most bpf_xdp_adjust_meta()
 * allows; the last 16 are a struct xsk_rx_meta, so a reader that knows
 * only that one still finds its time.
 */
struct xsk_rx_meta_ext {
	__u64 hw_ns;		/* bpf_xdp_metadata_rx_timestamp(), with XSK_META_TIMESTAMP */
	__u32 hash;		/* bpf_xdp_metadata_rx_hash(), with XSK_META_HASH */
	__u8 hash_type;		/* enum xdp_rss_hash_type (it fits 8 bits) */
	__u8 flags;		/* XSK_META_* */
	__u16 vlan_tci;		/* bpf_xdp_metadata_rx_vlan_tag(), host order, with XSK_META_VLAN */
	struct xsk_rx_meta base;
};

#define XSK_META_TIMESTAMP	0x01	/* hw_ns is the driver's, non-zero */
#define XSK_META_HASH		0x02	/* hash and hash_type are the driver's */
#define XSK_META_VLAN		0x04	/* vlan_tci is the tag the driver took off */
#define XSK_META_VLAN_AD	0x08	/* ... with TPID 802.1ad (0x88a8), else 802.1Q */

/* Default number of xsks_map slots when the object is used by other tools. */
#define XSK_MAP_DEFAULT_ENTRIES 64

#endif /* XSKMAP_XSK_REDIRECT_H */
