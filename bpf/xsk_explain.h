/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the redirect-failure tracer (bpf/xsk_explain.bpf.c) counts and
 * userspace reads: frames the XDP program gave XDP_REDIRECT into the run's
 * XSKMAP that the kernel then refused, by queue and errno. The includer
 * provides __u32/__u64 (vmlinux.h on the BPF side, <linux/types.h> in
 * userspace).
 */
#ifndef XSKMAP_XSK_EXPLAIN_H
#define XSKMAP_XSK_EXPLAIN_H

/* The map's name, as `xskmap status` finds it among the program's maps. */
#define XSK_EXPLAIN_MAP "xsk_explain"
/* Distinct (queue, errno, flags) a run can count: far more than queues x reasons. */
#define XSK_EXPLAIN_ENTRIES 1024

/* key.flags */
#define XSK_EXPLAIN_OTHER_DEV	0x1	/* the socket is bound to another device than the frame's */

struct xsk_explain_key {
	__u32 queue;	/* the socket's queue (that is the frame's: see the tracer) */
	__u32 err;	/* positive errno the kernel returned */
	__u32 flags;	/* XSK_EXPLAIN_* */
};

struct xsk_explain_val {
	__u64 packets;
};

#endif /* XSKMAP_XSK_EXPLAIN_H */
