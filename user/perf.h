/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The performance options every data path takes (`run`, `gen`): busy
 * polling, CPU pinning, poll() instead of the spin. A command embeds one
 * struct xskmap_perf_opts and adds the options with OPT_BUSY_POLL,
 * OPT_CPUS, OPT_POLL (opts.h), one line each; the socket side of busy
 * polling is xskmap_sock_busy_poll() (sock.h), the thread side
 * perf_pin_attr() here.
 */
#ifndef XSKMAP_PERF_H
#define XSKMAP_PERF_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XSKMAP_PERF_MAX_CPUS 256
/*
 * --batch: descriptors per ring operation. 256 is also the kernel's bound on
 * a live-frames batch (TEST_XDP_MAX_BATCH), gen --engine xdp's --batch.
 */
#define XSKMAP_MAX_BATCH 256

struct xskmap_perf_opts {
	bool busy_poll;
	__u32 busy_budget;		/* 0: the command's --batch */
	bool poll;			/* --poll */
	__u32 cpus[XSKMAP_PERF_MAX_CPUS];	/* --cpus, in the order given */
	__u32 nr_cpus;			/* 0: unpinned */
};

/* "2,3,5-7" in the order given, no repeats. 0 or -1 + err. */
int perf_parse_cpu_list(const char *s, __u32 *out, __u32 max, __u32 *n, char *err,
			size_t errlen);

/*
 * What a run checks once it knows its queue count: one CPU per queue
 * (nr_queues 0: any number, one thread per CPU), each online. 0, or -1 with
 * the message (a usage error) in err.
 */
int perf_check_cpus(const struct xskmap_perf_opts *p, __u32 nr_queues, char *err, size_t errlen);
/* Only the count: one CPU per queue, or none given. 0 or -1 + err. */
int perf_check_cpu_count(const struct xskmap_perf_opts *p, __u32 nr_queues, char *err,
			 size_t errlen);

/* attr pins its thread to cpu: 0 or an errno. */
int perf_pin_attr(pthread_attr_t *attr, __u32 cpu);

/*
 * One line on f for the start: which CPU each queue's worker runs on, or
 * that they are unpinned and how to pin them.
 */
void perf_say_pinning(FILE *f, const struct xskmap_perf_opts *p, const __u32 *queue_ids,
		      __u32 nr_queues);

/*
 * What busy polling wants of the interface: napi_defer_hard_irqs > 0 and
 * gro_flush_timeout > 0 (/sys/class/net/IFNAME/), else the interrupts keep
 * running the NAPI and the loop's polls find its work done. A line on f
 * saying whether they are set, and how to set them when not.
 */
void perf_say_busy_poll(FILE *f, const char *ifname, __u32 budget);

#ifdef __cplusplus
}
#endif
#endif
