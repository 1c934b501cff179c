/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Steering rules in userspace: the rule language, rule sets, the reference
 * classifier and the compiler to the bit-vector tables of bpf/rules.h.
 *
 * The rule language, one rule per --rule:
 *
 *   [MATCH ...] -> ACTION
 *
 *   MATCH   ip4 | ipv4 | ip        IPv4 frames
 *           ip6 | ipv6             IPv6 frames
 *           vlan N                 outermost VLAN id N (0-4095)
 *           udp | tcp | icmp | icmp6 | proto N   L4 protocol (N 0-255)
 *           src PREFIX | dst PREFIX   a.b.c.d[/len] or IPv6[/len]; a bare
 *                                  address is a host prefix
 *           sport P[-P] | dport P[-P] port or range (udp, tcp or no
 *                                  protocol given)
 *           type N[-N] | code N[-N]   ICMP/ICMPv6 type and code (0-255;
 *                                  need icmp or icmp6)
 *   ACTION  queue                  the socket of the frame's RX queue
 *           index N                xsks_map slot N
 *           pass | drop
 *
 * Words are separated by blanks; "->" need not be. No match word at all
 * ("-> drop") matches every frame.
 *
 * What rule_parse() stores, field by field (rule.fields says which):
 * ip4/ip6 set XSK_F_IPVER and ip_version. A prefix sets XSK_F_SRC/DST, the
 * address, its length and rule.family, and nothing else: an IPv4 prefix
 * never matches an IPv6 frame anyway, so the IP version it implies needs
 * no table lookup of its own; ip_version stays 0 unless ip4/ip6 was given.
 * icmp/icmp6 type and code are stored as dport and sport (bpf/rules.h).
 * Fields not given stay zero, so two rules parsed from the same text are
 * byte-for-byte equal (ids aside).
 *
 * This header includes neither parse.h nor anything BPF-only, so C++ tests
 * can include it; callers of the classifiers include parse.h themselves.
 */
#ifndef XSKMAP_RULESET_H
#define XSKMAP_RULESET_H

#include <stddef.h>
#include <linux/types.h>

/*
 * bpf/rules.h by its path: "rules.h" from here would be this file, whose
 * name it shares.
 */
#include "rules.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xk_pkt;

#define RULE_TEXT_MAX	512	/* longest rule text rule_parse() takes */
#define RULE_FORMAT_MAX	256	/* enough for any rule_format() output */

/* Parse TEXT into R (id 0). 0, or -1 with a message in ERR. */
int rule_parse(const char *text, struct xsk_rule *r, char *err, size_t errlen);

/*
 * Parse a default action: "queue", "pass", "drop" or "index N" (one
 * string, or the words of argv joined by a blank). 0, or -1 with ERR set.
 */
int action_parse(const char *text, __u32 *action, __u32 *index, char *err, size_t errlen);

/* Canonical text of R: rule_parse() of it gives R back (but for the id). */
void rule_format(const struct xsk_rule *r, char *buf, size_t len);

/*
 * An `index N` action must name a slot of xsks_map, which has SLOTS: 0, or
 * -1 with "WHAT: index N is out of range: xsks_map has SLOTS slots
 * (0-SLOTS-1)WHY; ..." in ERR. Other actions always pass.
 */
int action_check_slot(__u32 action, __u32 index, __u32 slots, const char *what,
		      const char *why, char *err, size_t errlen);

/* action_check_slot() of every rule and of the default. */
int ruleset_check_slots(const struct xsk_ruleset *rs, __u32 slots, const char *why,
			char *err, size_t errlen);

/* "queue", "pass", "drop" or "index N". */
void action_format(__u32 action, __u32 index, char *buf, size_t len);

/* An empty rule set with the given default action. */
void ruleset_init(struct xsk_ruleset *rs, __u32 default_action, __u32 default_index);

/*
 * Insert a copy of R at rank POS (0 = highest priority; -1 appends, lowest
 * priority) under the lowest id not in use, returned in *ID. 0, -ENOSPC
 * when the set is full or -EINVAL for a bad POS, with ERR set.
 */
int ruleset_add(struct xsk_ruleset *rs, const struct xsk_rule *r, int pos, __u32 *id,
		char *err, size_t errlen);

/* Remove the rule with this id: 0 or -ENOENT. Ranks below it move up. */
int ruleset_del(struct xsk_ruleset *rs, __u32 id);

/* Rank of the rule with this id, or -1. */
int ruleset_find(const struct xsk_ruleset *rs, __u32 id);

/*
 * The reference classifier: the semantics of bpf/rules.h as a linear
 * first-match scan. Returns the rank of the winning rule, or -1 when the
 * default applies; *ACTION and *INDEX are filled in both cases. P is what
 * xk_parse() made of a well-formed frame.
 */
int ref_classify(const struct xsk_ruleset *rs, const struct xk_pkt *p, __u32 *action,
		 __u32 *index);

/*
 * xk_parse() of bpf/parse.h from a zeroed *P, for callers that cannot
 * include parse.h (C++: it converts void pointers implicitly). Returns 0 or
 * XK_MALFORMED (-1).
 */
int ref_parse_frame(const void *data, size_t len, struct xk_pkt *p);

/* One prefix of an LPM table and the rules it stands for. */
struct cls_lpm_entry {
	__u8 addr[16];		/* network order, masked; IPv4 in [0..3] */
	__u8 len;		/* prefix length in bits, without the gen byte */
	__u64 bits;
};

struct cls_lpm_list {
	__u32 count;
	struct cls_lpm_entry e[XSK_MAX_RULES + 1];	/* /0 + one per rule */
};

/*
 * One generation of the classifier tables, as userspace builds it before
 * writing it to the maps: field tables indexed by value (the reserved
 * XSK_*_NONE values included), the four LPM tables as lists, the header
 * and the actions by rank. About 1 MiB: allocate it, do not put it on the
 * stack.
 */
struct cls_tables {
	__u64 ipver[XSK_T_IPVER];
	__u64 proto[XSK_T_PROTO];
	__u64 vlan[XSK_T_VLAN];
	__u64 sport[XSK_T_PORT];
	__u64 dport[XSK_T_PORT];
	struct cls_lpm_list src4, dst4, src6, dst6;
	struct xsk_cls_hdr hdr;
	struct xsk_cls_act act[XSK_MAX_RULES];
};

/* Compile RS (ranks as they stand) into T, overwriting all of it. */
void cls_compile(const struct xsk_ruleset *rs, struct cls_tables *t);

/*
 * Classify P with the compiled tables exactly as the XDP program does;
 * the program must mirror this function step by step (see rules.c).
 * Returns the rank of the winning rule or -1 for the default, and fills
 * *ACTION and *INDEX.
 */
int cls_eval(const struct cls_tables *t, const struct xk_pkt *p, __u32 *action, __u32 *index);

#ifdef __cplusplus
}
#endif

#endif /* XSKMAP_RULESET_H */
