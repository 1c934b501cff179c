/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Steering rules: the rule format shared by the XDP program and userspace,
 * and the layout of the tables the program classifies with.
 *
 * Semantics (the reference, implemented in plain C by user/rules.c):
 * rules are kept in priority order; the first rule whose every given field
 * matches decides the action; when none matches the default action applies.
 * Malformed frames never reach the rules: they go to the kernel.
 *
 * A rule matches a frame when, for each field in rule.fields:
 *   XSK_F_IPVER  the frame is IPv4 (4) or IPv6 (6) as rule.ip_version;
 *   XSK_F_VLAN   the frame's outermost VLAN tag has id rule.vlan_id;
 *   XSK_F_PROTO  the frame's L4 protocol (after IPv6 extension headers) is
 *                rule.l4_proto; a non-first fragment has no L4 protocol;
 *   XSK_F_SRC/DST the source/destination address is in the prefix (an IPv4
 *                prefix never matches IPv6 frames and vice versa);
 *   XSK_F_SPORT/DPORT the frame has ports (UDP, TCP; for ICMP and ICMPv6 the
 *                type is the destination port and the code the source port)
 *                and the port lies in [lo, hi].
 *
 * Classification in the program is a bit-vector search: bit r of a bitmap
 * stands for the rule of rank r (0 = highest priority). For each field, a
 * table maps the frame's value to the bitmap of rules that accept it (rules
 * that do not constrain the field accept every value). The AND of the
 * bitmaps holds the matching rules; the lowest set bit is the winner. The
 * cost is a fixed number of lookups, whatever the number of rules.
 *
 * Every table exists twice, for generations 0 and 1. Userspace fills the
 * generation not in use, then flips cls_active: a frame reads the active
 * generation once, so it is classified by one rule set or the other, never
 * a mix, and no frame is lost or classified twice during a change.
 */
#ifndef XSKMAP_RULES_H
#define XSKMAP_RULES_H

#define XSK_MAX_RULES		64	/* one bit each in a __u64 */

enum xsk_action {
	XSK_ACT_QUEUE = 0,	/* redirect to the slot of the RX queue */
	XSK_ACT_INDEX = 1,	/* redirect to slot rule.index */
	XSK_ACT_PASS = 2,	/* to the kernel */
	XSK_ACT_DROP = 3,
};

enum xsk_rule_field {
	XSK_F_IPVER = 1 << 0,
	XSK_F_VLAN = 1 << 1,
	XSK_F_PROTO = 1 << 2,
	XSK_F_SRC = 1 << 3,
	XSK_F_DST = 1 << 4,
	XSK_F_SPORT = 1 << 5,
	XSK_F_DPORT = 1 << 6,
};

struct xsk_rule {
	__u32 id;		/* stable, shown to users; < XSK_MAX_RULES */
	__u32 fields;		/* enum xsk_rule_field bits */
	__u8 ip_version;	/* 4 or 6 (also implied by a prefix) */
	__u8 l4_proto;
	__u16 vlan_id;		/* 0-4095 */
	__u8 src_len;		/* prefix lengths, bits */
	__u8 dst_len;
	__u8 action;		/* enum xsk_action */
	__u8 family;		/* 4 or 6 when SRC or DST is set, else 0 */
	__u32 index;		/* xsks_map slot for XSK_ACT_INDEX */
	__u16 sport_lo, sport_hi;
	__u16 dport_lo, dport_hi;
	__u8 src[16];		/* network order, masked; IPv4 in src[0..3] */
	__u8 dst[16];
};

/* The whole rule set as userspace keeps it (cls_ruleset map, one entry). */
struct xsk_ruleset {
	__u32 nr_rules;
	__u32 default_action;	/* enum xsk_action */
	__u32 default_index;
	__u32 next_id_hint;
	struct xsk_rule rules[XSK_MAX_RULES];	/* priority order */
};

/*
 * Table geometry. Indexes of the per-field ARRAY tables are
 * gen * XSK_T_<FIELD> + value, with these reserved values:
 */
#define XSK_T_IPVER	3		/* 0 non-IP, 1 IPv4, 2 IPv6 */
#define XSK_T_PROTO	257		/* 0-255, 256 = no L4 protocol */
#define XSK_PROTO_NONE	256
#define XSK_T_VLAN	4097		/* 0-4095, 4096 = untagged */
#define XSK_VLAN_NONE	4096
#define XSK_T_PORT	65537		/* 0-65535, 65536 = no ports */
#define XSK_PORT_NONE	65536

/* Per generation: what the program needs besides the field tables. */
struct xsk_cls_hdr {
	__u32 nr_rules;
	__u32 default_action;
	__u32 default_index;
	__u32 used_fields;	/* union of rules' fields: others are skipped */
	__u64 all_rules;	/* bits of every rule */
	__u64 wild_src;		/* rules accepting any source (non-IP frames) */
	__u64 wild_dst;
};

/* By rank: what a winning rule does (gen * XSK_MAX_RULES + rank). */
struct xsk_cls_act {
	__u32 id;
	__u32 action;
	__u32 index;
};

/* LPM keys: the generation byte first, so /8 is a generation's catch-all. */
struct xsk_lpm4_key {
	__u32 prefixlen;	/* 8 + prefix length */
	__u8 gen;
	__u8 addr[4];
};

struct xsk_lpm6_key {
	__u32 prefixlen;
	__u8 gen;
	__u8 addr[16];
};

/* rule_hits has one entry per rule id, and this one for the default. */
#define XSK_HITS_DEFAULT	XSK_MAX_RULES

#endif /* XSKMAP_RULES_H */
