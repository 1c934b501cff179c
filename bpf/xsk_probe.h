/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What bpf/xsk_probe.bpf.c reports for each slot of an XSKMAP, shared with
 * `xskmap status` (user/xsk_probe.c). The includer provides __u32/__u64.
 */
#ifndef XSKMAP_XSK_PROBE_H
#define XSKMAP_XSK_PROBE_H

/* Slots one BPF_PROG_TEST_RUN looks up (the verifier walks each). */
#define XSK_PROBE_BATCH 64

/* The test run's input frame: the slots [first, first + count) to look up. */
struct xsk_probe_req {
	__u32 first;
	__u32 count;
	__u32 seq;		/* copied into each result: proves the slot was visited */
	__u32 pad;
	__u8 eth_pad[16];	/* BPF_PROG_TEST_RUN wants at least an Ethernet header */
};

enum xsk_probe_flags {
	XSK_PROBE_SOCKET = 1 << 0,	/* a socket is in the slot */
	XSK_PROBE_IFINDEX = 1 << 1,	/* ifindex read (xs->dev->ifindex) */
	XSK_PROBE_INODE = 1 << 2,	/* inode of the socket read */
	XSK_PROBE_ZC = 1 << 3,		/* bound zero-copy (xs->zc) */
};

/* One slot; the result array is indexed by slot. */
struct xsk_probe_slot {
	__u32 seq;		/* the request's seq once looked up */
	__u32 flags;		/* enum xsk_probe_flags */
	__u32 queue_id;		/* the queue the socket is bound to */
	__u32 ifindex;		/* the device it is bound to */
	__u64 inode;		/* its socket inode, as /proc/PID/fd and ss show it */
};

#endif /* XSKMAP_XSK_PROBE_H */
