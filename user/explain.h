/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Why a frame did not arrive after XDP_REDIRECT: the tracer of the
 * xdp:xdp_redirect_err tracepoint (bpf/xsk_explain.bpf.c), its counters by
 * queue and errno, and the words for each errno.
 */
#ifndef XSKMAP_EXPLAIN_H
#define XSKMAP_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "xsk_explain.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

/* Entries a report holds (queues x reasons seen); more are summed in `other`. */
#define EXPLAIN_REPORT_MAX 64

struct explain_entry {
	__u32 queue;
	__u32 err;		/* positive errno */
	__u32 flags;		/* XSK_EXPLAIN_* */
	__u64 packets;
};

struct explain_report {
	bool on;			/* the tracer counts the failures */
	const char *off_why;		/* !on: why not, NULL: not known */
	__u32 n;			/* by queue, then errno */
	struct explain_entry e[EXPLAIN_REPORT_MAX];
	__u64 other;			/* of entries past EXPLAIN_REPORT_MAX */
};

/* What an errno from the XSKMAP redirect means: a JSON name, words, the fix. */
struct explain_words {
	const char *name;	/* "rx_ring_full", ...; "other" for an errno not listed */
	const char *what;	/* "RX ring full" */
	const char *fix;	/* "the consumer is behind: ..." */
};

struct explain_words explain_words(__u32 err, __u32 flags);

/* Sum the per-CPU counters of an xsk_explain map into r (r->on set). 0 or -errno. */
int explain_read(int map_fd, struct explain_report *r);

/* The packets of one reason (name) over all queues, or of one queue (queue >= 0). */
__u64 explain_count(const struct explain_report *r, const char *name, long queue);

struct xsk_explain;

struct explain {
	struct xsk_explain *skel;
	struct bpf_link *link;
};

/*
 * Load and attach the tracer for the XSKMAP map_id of the XDP program
 * xdp_prog_fd, and bind its map to that program (BPF_PROG_BIND_MAP) so
 * that `xskmap status` finds it among the program's maps. 0 or -errno and
 * err (-EPERM/-EACCES: the capabilities it needs).
 */
int explain_open(struct explain *x, __u32 map_id, int xdp_prog_fd, char *err, size_t errlen);
int explain_map_fd(const struct explain *x);
void explain_close(struct explain *x);

/* Text: one line per entry, each starting with indent; "none" when empty. */
void explain_text(FILE *f, const struct explain_report *r, const char *indent);
/* Entries whose count grew since prev, with the growth: the live view's lines. */
void explain_interval(FILE *f, double t, const struct explain_report *now,
		      const struct explain_report *prev);
/* {"explained":bool,"why_not":str|null,"failures":[...],"other":N} */
struct json_object *explain_json(const struct explain_report *r);

#ifdef __cplusplus
}
#endif

#endif /* XSKMAP_EXPLAIN_H */
