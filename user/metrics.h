/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The live metrics of `run` and `gen`: with -i SEC --json one JSON object
 * per interval on stdout (JSON lines), and with --prometheus FILE the
 * counters in the Prometheus text format (prom_out.h). Both are rendered
 * from the reports stats.h collects, so a counter added there is one more
 * row of a table here. They are written by the main thread, never by a
 * worker: output that blocks delays the next line, never a packet.
 */
#ifndef XSKMAP_METRICS_H
#define XSKMAP_METRICS_H

#include <stdbool.h>
#include <stdio.h>

#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * d = now - prev, counter by counter (a counter that went back, as rule
 * hits do when a rule is replaced, counts from 0: d = now); names,
 * queue ids and the rules are now's. dq holds now->nr_queues rows; dc and
 * dm back d->capture and d->meta when now has them.
 */
void metrics_run_delta(const struct run_report *now, const struct run_report *prev,
		       struct run_report *d, struct queue_report *dq, struct capture_report *dc,
		       struct meta_report *dm);
void metrics_gen_delta(const struct gen_report *now, const struct gen_report *prev,
		       struct gen_report *d, struct gen_queue_report *dq);

/*
 * One JSON line: {"type":"interval","time":UNIX,"seconds":S,"interval":DT,
 * "total":{the summary's shape},"delta":{the same over the interval},
 * "rates":{...}} (gen: no "rates"; its objects have pps and bps).
 */
void metrics_run_json(FILE *f, const struct run_report *now, const struct run_report *prev);
void metrics_gen_json(FILE *f, const struct gen_report *now, const struct gen_report *prev);

/*
 * After a line: a stdout that failed (a closed pipe, a full disk) is said
 * once, as a warning; the command goes on, and its summary fails the exit.
 */
void metrics_lines_check(FILE *f, bool *said);

/* The Prometheus text of a run or a gen, for prom_out_write(). */
struct metrics_prom_ctx {
	const struct run_report *run;	/* one of the two */
	const struct gen_report *gen;
	double start_time;		/* Unix time of the start */
	bool running;			/* false: the final values, written at the stop */
};
void metrics_prom_render(FILE *f, void *ctx);

/* Unix time now, in seconds. */
double metrics_wall_time(void);

#ifdef __cplusplus
}
#endif
#endif
