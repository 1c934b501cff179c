/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Command-line options of `xskmap run`, parsed without side effects. */
#ifndef XSKMAP_OPTIONS_H
#define XSKMAP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "xsk_redirect.h"
#include "opts.h"
#include "prog.h"
#include "ruleset.h"
#include "util.h"
#include "sock.h"
#include "perf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XSKMAP_MAX_QUEUES 256

enum xsk_match {
	XSK_MATCH_ALL = 0,	/* no implicit rule */
	XSK_MATCH_UDP,		/* shorthand for --rule 'udp -> queue' --default pass */
};

struct run_opts {
	const char *ifname;
	enum attach_mode mode;
	bool all_queues;			/* else queues[] */
	__u32 queues[XSKMAP_MAX_QUEUES];	/* sorted, unique */
	__u32 nr_queues;
	enum xsk_match match;
	const char *rules[XSK_MAX_RULES];	/* --rule texts, in priority order */
	__u32 nr_rules;
	const char *default_action;		/* --default, NULL: queue */
	const char *pin_dir;			/* --pin-dir, NULL: the default */
	bool fixed;				/* --fixed-index given */
	__u32 fixed_index;
	__u32 fallback;				/* XDP_PASS or XDP_DROP */
	const char *action;			/* --action: count (default), drop or fwd */
	const char *pcap_path;
	__u64 count;				/* 0: no limit */
	double duration;			/* seconds, 0: no limit */
	double interval;			/* seconds, 0: no live stats */
	bool json;
	const char *prometheus;			/* --prometheus FILE, NULL: none */
	__u32 frames;				/* UMEM frames per queue */
	__u32 frame_size;
	__u32 ring_size;			/* RX ring; fill ring holds all frames */
	__u32 batch;
	enum bind_mode bind;
	bool need_wakeup;
	enum xskmap_mbuf_mode multi_buffer;	/* --multi-buffer auto|on|off */
	bool unaligned;				/* --unaligned: XDP_UMEM_UNALIGNED_CHUNK_FLAG */
	bool hugepages;				/* --hugepages: the UMEMs in MAP_HUGETLB pages */
	bool metadata;				/* --metadata: the driver's RX metadata, device-bound */
	int explain;				/* --explain 1, --no-explain -1, default 0: if it can */
	bool force;
	bool shared_umem;			/* --shared-umem (implied by --out) */
	const char *out_ifname;			/* --out: fwd to this device, NULL: none */
	bool bridge;				/* --bridge: and IFNAME2's frames back out of IFNAME */
	int verbose;
	struct xskmap_perf_opts perf;		/* --busy-poll, --cpus, --poll */
};

void run_opts_default(struct run_opts *o);

/*
 * Parse `xskmap run` arguments (argv[0] is "run"). Returns 0 on success,
 * 1 if --help or --version was printed to stdout, -1 with a one-line
 * message in err.
 */
int run_opts_parse(int argc, char **argv, struct run_opts *o, char *err, size_t errlen);

/* "all" sets *all; else "0,2,4-7" into out[] sorted and unique. 0 or -1 + err. */
/* The first queue a --queues list names twice ("0,0", "0-3,2"), -1: none. */
int queue_list_repeat(const char *s);
int parse_queue_list(const char *s, bool *all, __u32 *out, __u32 max, __u32 *n,
		     char *err, size_t errlen);

void run_usage(FILE *f);

/*
 * Where `xskmap attach` pins by default: ATTACH_PIN_ROOT/IFNAME, the
 * directory DPDK's af_xdp PMD reads (use_pinned_map=1 without dp_path)
 * and the AF_XDP device plugin for Kubernetes mounts a bpffs on.
 */
#define ATTACH_PIN_ROOT "/tmp/afxdp_dp"

/*
 * Parse `xskmap attach` arguments (argv[0] is "attach") into the fields a
 * run's program uses (mode, force, rules, default, match, fixed-index,
 * fallback, pin-dir, verbose): the same table entries as run's. Returns as
 * run_opts_parse().
 */
int attach_opts_parse(int argc, char **argv, struct run_opts *o, char *err, size_t errlen);
void attach_usage(FILE *f);

enum rules_verb { RULES_LIST, RULES_ADD, RULES_DEL, RULES_DEFAULT };

/* An `xskmap rules` command line, checked in full before any map is touched. */
struct rules_args {
	const char *ifname;
	const char *pin_dir;		/* --pin-dir, NULL: the default */
	bool json;
	enum rules_verb verb;
	int at;				/* add: rank, -1 = append */
	bool at_given;			/* --at was given */
	__u32 id;			/* del */
	struct xsk_rule rule;		/* add */
	__u32 action, index;		/* default */
	char *text;			/* add, default: the words joined, malloc()ed */
};

/*
 * Parse `xskmap rules` arguments (argv[0] is "rules"). Options (--json,
 * --pin-dir DIR, --help, --version; --at RANK with add) may come anywhere,
 * before or after IFNAME and the verb: a rule word never starts with "--".
 * Returns 0, 1 if --help or --version was printed to stdout, -1 with a
 * one-line message in err. rules_args_free() in every case.
 */
int rules_args_parse(int argc, char **argv, struct rules_args *a, char *err, size_t errlen);
void rules_args_free(struct rules_args *a);
void rules_usage(FILE *f);

/*
 * The words joined by blanks, in a malloc()ed string (NULL without
 * memory): a rule typed without quotes reads as the same rule, and a long
 * one reaches rule_parse() whole, to be refused there as with --rule.
 */
char *words_join(int n, char *const *words);

/*
 * Slots of xsks_map a run makes: one per RX queue of the device (a socket
 * bound to queue q goes into slot q), or up to --fixed-index. An `index N`
 * past them can never hold a socket.
 */
__u32 run_opts_slots(const struct run_opts *o, __u32 dev_queues);

/*
 * The rule set a run starts with: --rule in order, then --match udp's rule;
 * --default, else pass with --match udp, else queue; --fixed-index turns
 * every queue action into index N. 0, or -1 with a message in err.
 */
int run_opts_ruleset(const struct run_opts *o, struct xsk_ruleset *rs, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
