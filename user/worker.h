/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One worker thread per queue runs its socket's rings. The loop (waiting,
 * the adaptive spin, the stop and the drain) is the same for every path;
 * what is done with a batch of received frames is the action's handler:
 * count (and capture with -w), drop, fwd (worker_fwd.c). A handler owns the n descriptors it
 * is given: it must release them from the RX ring and give every frame
 * somewhere (the fill ring, the TX ring, the free pool), and it accounts
 * for them in the worker's counters.
 *
 * A new path is one struct xskmap_action added to xskmap_actions[] in
 * worker.c (--action finds it by name). What the TX paths use:
 * - forward: put each RX descriptor's addr on w->sock->tx (the same UMEM
 *   frame, no copy: xsk_ring_prod__reserve/tx_desc/submit), release the
 *   RX descriptors, xskmap_worker_kick_tx() once per batch; in tick(),
 *   xskmap_umem_complete(umem, sock->cq, sock->fq, batch, true) gives the
 *   sent frames back to the fill ring. The socket needs tx_size.
 * - generate: the UMEM keeps cfg.tx_frames out of the fill ring, in its
 *   free pool; xskmap_umem_alloc() takes one, the frame is written at
 *   xskmap_umem_data(), put on the TX ring; in tick(),
 *   xskmap_umem_complete(..., false) returns completed frames to the pool.
 * xskmap_worker_run() is the loop of the paths that receive: it always
 * reads the RX ring and sleeps in poll() when it is empty. A transmit-only
 * path (rx_size 0) needs a loop of its own over the same UMEM and socket
 * calls, or a flag here that skips the RX ring and never sleeps.
 */
#ifndef XSKMAP_WORKER_H
#define XSKMAP_WORKER_H

#include <stdbool.h>
#include <linux/types.h>

#include "pcap_out.h"
#include "sock.h"
#include "xsk_redirect.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Shared by all queues: --count, counted across every queue exactly. */
struct rx_budget {
	__u64 limit;		/* 0: unlimited */
	__u64 taken;		/* atomically advanced by the workers */
};

/* How many of n frames this batch may keep (n when unlimited). */
__u32 rx_budget_take(struct rx_budget *b, __u32 n);
bool rx_budget_spent(const struct rx_budget *b);

struct xskmap_worker;

struct xskmap_action {
	const char *name;	/* as --action would take it */
	/*
	 * n descriptors on w->sock's RX ring from idx_rx on, forming frames
	 * whole frames (n of them, but for a socket bound with XDP_USE_SG:
	 * see rx_chain.h).
	 */
	void (*rx_batch)(struct xskmap_worker *w, __u32 idx_rx, __u32 n, __u32 frames);
	/* Once per loop turn, before the RX ring is read (TX completions); NULL: none. */
	void (*tick)(struct xskmap_worker *w);
	/* After the RX ring's last drain at stop (outstanding TX, bounded); NULL: none. */
	void (*finish)(struct xskmap_worker *w);
	bool tx;		/* the socket needs a TX ring */
};

/* The actions, by name; NULL ends it. */
extern const struct xskmap_action *const xskmap_actions[];
const struct xskmap_action *xskmap_action_find(const char *name);

/*
 * Counters: written by the worker only, read by the stats printer
 * (__atomic), every member a __u64 (xskmap_worker_read() copies them as
 * an array). For fwd, every kept frame is either put on the TX ring
 * (tx_packets) or not (tx_ring_full), and every frame put on it either
 * came back through the completion ring (tx_completed) or had not by the
 * end of the stop's wait (tx_not_completed); of the completed ones, those
 * the kernel dropped before the wire are tx_dropped. A multi-buffer frame
 * counts once in each (a frame, not its buffers), its bytes whole.
 */
struct xskmap_worker_counters {
	__u64 rx_packets;		/* kept (--count) */
	__u64 rx_bytes;
	__u64 rx_past_count;		/* taken off the ring once --count was reached */
	__u64 tx_packets;		/* put on the TX ring: handed to the kernel */
	__u64 tx_bytes;
	__u64 tx_completed;		/* back through the completion ring */
	__u64 tx_ring_full;		/* not sent: no room on the TX ring, refilled */
	__u64 tx_not_completed;		/* handed over, not back when the stop's wait ended */
	__u64 tx_busy;			/* kicks that got EBUSY */
	__u64 tx_dropped;		/* of tx_completed, dropped unsent (copy mode: one per EBUSY) */
	__u64 tx_kick_errors;		/* kicks that failed otherwise (ENETDOWN, ENXIO...) */
	__u64 tx_kick_errno;		/* the last of those errors */
	/* The worker's system calls: its wakeups of the kernel. */
	__u64 sendto_calls;
	__u64 recvfrom_calls;
	__u64 poll_calls;
	/* --metadata: kept frames with the program's metadata, and what the driver gave. */
	__u64 meta_frames;
	__u64 meta_timestamp;		/* with the driver's timestamp (the capture's time) */
	__u64 meta_hash;
	__u64 meta_vlan;
	__u64 meta_distinct_hashes;	/* RSS hash values seen, up to XSKMAP_HASH_SET / 2 */
};

/* The distinct hashes a worker tells apart (a flow count; more are not told). */
#define XSKMAP_HASH_SET 512

/* How a worker waits when its RX ring is empty. */
enum xskmap_wait {
	XSKMAP_WAIT_SPIN = 0,	/* default: spin a moment after a busy batch, then poll() */
	XSKMAP_WAIT_POLL,	/* --poll: poll() at once */
	XSKMAP_WAIT_BUSY_POLL,	/* --busy-poll: recvfrom() drives the NAPI, never sleeps */
};

struct xskmap_worker {
	struct xskmap_sock *sock;	/* the one this worker receives on */
	/*
	 * fwd: where its frames go out, and whose completion ring it drains
	 * (into sock's fill ring): sock itself, or with --out a socket on the
	 * other device sharing the UMEM. This worker is the only producer of
	 * tx_sock's TX ring and the only consumer of its completion ring.
	 */
	struct xskmap_sock *tx_sock;
	bool swap_macs;			/* fwd: swap the Ethernet addresses (same port only) */
	const struct xskmap_action *action;
	__u32 batch;
	struct pcap_out *pcap;		/* count: NULL, or -w's capture */
	__u32 pcap_queue;		/* this worker's ring in pcap */
	bool meta_time;			/* the program stamps struct xsk_rx_meta */
	bool meta_ext;			/* ... struct xsk_rx_meta_ext (--metadata) */
	__s64 wall_offset_ns;		/* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
	struct rx_budget *budget;
	const int *stop;		/* set by the main thread (__atomic) */
	enum xskmap_wait wait;
	/* TX state of the forward path: the worker's own, no atomics. */
	__u32 tx_outstanding;		/* descriptors on the TX ring or in flight, not yet completed */
	__u32 tx_outstanding_frames;	/* the frames they make */
	/*
	 * Multi-buffer fwd: by UMEM frame (addr / frame size), 1 when the
	 * frame is the last buffer of a chain on the TX ring, so a completion
	 * counts a frame when its last buffer comes back. NULL: every
	 * descriptor is a frame. Allocated with the worker, never per frame.
	 */
	__u8 *tx_ends;
	bool tx_rekick;			/* the last kick left frames on the ring */
	__u64 tx_retry_ns;		/* after a failed kick: when to kick again, 0: none due */
	struct xskmap_worker_counters c __attribute__((aligned(64)));
	/* --metadata: the RSS hashes seen (open addressing, 0 = empty). */
	__u32 hash_set[XSKMAP_HASH_SET];
	/* --metadata: a frame with its VLAN tag put back, for the capture. */
	unsigned char vlan_buf[4096 + 4];
};

/*
 * Thread body: runs until *stop, then drains the RX ring and returns NULL.
 * Set *stop only once no frame can reach the ring any more.
 */
void *xskmap_worker_run(void *arg);

/*
 * For handlers: give n RX descriptors from idx_rx back to the fill ring,
 * release them (whole chains: a handler is given only those).
 */
void xskmap_worker_recycle_rx(struct xskmap_worker *w, __u32 idx_rx, __u32 n);
/* For handlers: publish the counters after a batch. */
void xskmap_worker_account(struct xskmap_worker *w, __u32 kept, __u32 past, __u64 bytes);
/* For handlers: counter += v, published for the reader. */
#define xskmap_worker_add(w, field, v)						\
	__atomic_store_n(&(w)->c.field, (w)->c.field + (v), __ATOMIC_RELAXED)
/* For handlers: the counted wakeups (system calls) of the TX socket. */
int xskmap_worker_kick_tx(struct xskmap_worker *w);

extern const struct xskmap_action xskmap_action_fwd;

/* The stats printer's copy of w's counters. */
void xskmap_worker_read(const struct xskmap_worker *w, struct xskmap_worker_counters *out);

#ifdef __cplusplus
}
#endif
#endif
