/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Counters: the program's per-CPU reasons, the sockets' rings, and output. */
#ifndef XSKMAP_STATS_H
#define XSKMAP_STATS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include <linux/if_xdp.h>

#include "xsk_redirect.h"
#include "ruleset.h"
#include "explain.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

extern const char *const xsk_stat_names[XSK_STAT_MAX];

/* Sum one reason's per-CPU values (ncpus entries). */
struct xsk_stat stats_sum_percpu(const struct xsk_stat *percpu, int ncpus);

/* Read and sum every reason of the xsk_stats map. 0 or -errno. */
int stats_read_bpf(int map_fd, struct xsk_stat out[XSK_STAT_MAX]);

/* One queue's figures, as the summary and the live lines show them. */
struct queue_report {
	__u32 queue_id;
	/* With --out: the device this row receives on and the one it sends out of; else NULL. */
	const char *rx_ifname;
	const char *tx_ifname;
	bool second;			/* --bridge: a row of frames received on the --out device */
	__u64 rx_packets;		/* kept: taken off the RX ring within --count */
	__u64 rx_bytes;
	__u64 rx_past_count;		/* taken off the RX ring past --count, not kept */
	/* TX (fwd): see struct xskmap_worker_counters for what each means. */
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 tx_completed;
	__u64 tx_ring_full;
	__u64 tx_not_completed;
	__u64 tx_busy;
	__u64 tx_dropped;
	__u64 tx_kick_errors;
	int tx_kick_errno;		/* the last kick error, 0: none */
	/* The worker's wakeup system calls. */
	__u64 sendto_calls;
	__u64 recvfrom_calls;
	__u64 poll_calls;
	struct xdp_statistics xdp;
};

/* The capture file (-w): every kept frame is written or not written. */
struct capture_report {
	const char *file;		/* path, or "stdout" */
	__u64 written;
	__u64 ring_full;		/* not written: the writer was behind */
	__u64 at_stop;			/* not written: left when the stop's flush time ran out */
	__u64 after_error;		/* not written: kept after a write failed */
	const char *error;		/* NULL, or what failed */
};

/* How the UMEMs are laid out (the same for every queue). */
struct umem_report {
	bool unaligned;			/* --unaligned */
	bool hugepages;			/* --hugepages */
	__u32 frames;			/* per queue */
	__u32 frame_size;
	__u64 bytes;			/* the (first) area, as mapped: all queues' when shared */
};

/* --metadata: over all queues, of the kept frames. */
struct meta_report {
	__u64 frames;			/* with the program's metadata in front */
	__u64 timestamp;		/* with the driver's timestamp */
	__u64 hash;			/* with the driver's RSS hash */
	__u64 vlan;			/* with a VLAN tag the driver took off */
	__u64 distinct_hashes;		/* hash values told apart, summed over queues */
	__u64 kept;			/* rx_packets: the frames the capture times */
};

/* "driver", "software" or "mixed": where the capture's times came from. */
const char *meta_timestamps_word(const struct meta_report *m);

struct run_report {
	const char *ifname;
	const char *attach_mode;	/* "native" / "skb" */
	const char *bind_mode;		/* "copy" / "zero-copy" */
	bool multi_buffer;		/* XDP_USE_SG sockets, the xdp.frags program */
	double seconds;
	__u32 nr_queues;
	const struct queue_report *queues;
	struct xsk_stat bpf[XSK_STAT_MAX];
	/* The frames the kernel refused after XDP_REDIRECT, by queue and errno. */
	struct explain_report explain;
	const struct xsk_ruleset *rules;	/* NULL: not known */
	struct xsk_stat hits[XSK_MAX_RULES + 1];	/* by rule id, then default */
	const struct capture_report *capture;	/* NULL: no -w */
	const struct umem_report *umem;		/* NULL: not known */
	const struct meta_report *meta;		/* NULL: no --metadata */
	bool tx;				/* a path that transmits: TX figures shown */
	bool shared_umem;			/* one UMEM for every socket */
	/* --out: the device frames go out of; with --bridge its program's figures too. */
	const char *out_ifname;			/* NULL: no --out */
	bool bridge;
	const char *out_attach_mode;
	struct xsk_stat out_bpf[XSK_STAT_MAX];
	const struct xsk_ruleset *out_rules;	/* NULL: not known */
	struct xsk_stat out_hits[XSK_MAX_RULES + 1];
	/* JSON: the object's first member "type" (-i --json: "summary"), NULL: none. */
	const char *json_type;
};

/* One thread of `xskmap gen`: a TX queue (xsk) or a CPU (xdp). */
struct gen_queue_report {
	__u32 queue_id;			/* xsk */
	int cpu;			/* -1: unpinned */
	__u64 frames;			/* sent */
	__u64 not_completed;		/* put on the TX ring, not back within the stop's wait */
	__u64 dropped;			/* completed unsent: dropped before the wire */
	__u64 tx_invalid_descs;
	__u64 sendto_calls, poll_calls;	/* xsk */
	__u64 wakeups;			/* system calls: sendto + poll (xsk), BPF_PROG_RUN (xdp) */
};

/* The summary of `xskmap gen`. */
struct gen_report {
	const char *ifname;
	bool xsk;			/* --engine xsk, else xdp */
	__u32 size;			/* frame length */
	__u32 buffers_per_frame;	/* UMEM frames (descriptors) a frame takes: > 1 multi-buffer */
	double seconds;
	double rate_asked;		/* 0: as fast as possible */
	__u64 not_sent;			/* -c N: N - frames; else not completed + dropped */
	const char *why;		/* why not_sent, NULL: nothing was left unsent */
	__u32 nr_queues;
	const struct gen_queue_report *queues;
	/*
	 * More of the summary (gen --rtt), NULL: none: members into root for
	 * JSON, or text after the rest when root is NULL. What it returns,
	 * report_gen() returns.
	 */
	bool (*extra)(void *ctx, struct json_object *root);
	void *extra_ctx;
	/* JSON: the object's first member "type" (-i --json: "summary"), NULL: none. */
	const char *json_type;
};

void report_json(FILE *f, const struct run_report *r);
/* The object report_json() prints (json-c, the caller's to put), and gen's without r->extra. */
struct json_object *report_run_object(const struct run_report *r);
struct json_object *report_gen_object(const struct gen_report *r);
/* gen's summary: one JSON object, or the text lines; false, or what r->extra said. */
bool report_gen(FILE *f, const struct gen_report *r, bool json);
/*
 * A summary (run's or gen's) written to f, which must not lose it: 0, or
 * -1 after saying in one line what failed (stdout on a full disk, a closed
 * pipe). The summary is the command's result: the caller fails with it.
 */
int report_flush(FILE *f, bool json);
/*
 * `rules list`: a table, or with json the object whose "rules" and
 * "default" have the shape report_json() gives them.
 */
void report_rules(FILE *f, const struct xsk_ruleset *rs, const struct xsk_stat *hits, bool json);
void report_text(FILE *f, const struct run_report *r);

/*
 * The pieces `xskmap status` shares with the summary, in the same shape:
 * "rules" and "default" added to o (struct json_object *, json-c), the
 * "bpf" object of the program's counters, and the counters as text
 * (" redirected N not_matched N ...", no newline).
 */
struct json_object;
void report_rules_json(struct json_object *o, const struct xsk_ruleset *rs,
		       const struct xsk_stat *hits);
struct json_object *report_bpf_json(const struct xsk_stat bpf[XSK_STAT_MAX]);
void report_bpf_text(FILE *f, const struct xsk_stat bpf[XSK_STAT_MAX]);

/*
 * One live block: a header, a row per queue and an "all" row, each with
 * frames and L2 Mbit/s (frame bytes from the Ethernet header on, no FCS,
 * no preamble or gap: what rx_bytes counts) and the XDP_STATISTICS as
 * per-second rates, from the difference of two reports, and the running
 * total of frames; then the program's counters, total (+ this interval).
 */
void report_interval(FILE *f, const struct run_report *now, const struct run_report *prev);

#ifdef __cplusplus
}
#endif
#endif
