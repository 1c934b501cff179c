/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The receive loop: one thread per queue runs its fill and RX rings. */
#ifndef XSKMAP_RX_H
#define XSKMAP_RX_H

#include <stdbool.h>
#include <linux/types.h>

#include "pcap_out.h"
#include "xsk_redirect.h"
#include "xsk_queue.h"

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

struct rx_worker {
	struct xsk_queue *q;
	__u32 batch;
	struct pcap_out *pcap;		/* NULL: no capture */
	__u32 pcap_queue;		/* this worker's ring in pcap */
	bool meta_time;			/* the program stamps struct xsk_rx_meta */
	__s64 wall_offset_ns;		/* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
	struct rx_budget *budget;
	const int *stop;		/* set by the main thread (__atomic) */
};

/*
 * Thread body: runs until *stop, then drains the RX ring and returns NULL.
 * Set *stop only once no frame can reach the ring any more.
 */
void *rx_worker_run(void *arg);

#ifdef __cplusplus
}
#endif
#endif
