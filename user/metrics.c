// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errno.h>

#include "json_out.h"
#include "log.h"
#include "metrics.h"
#include "prom_out.h"

/*
 * Every __u64 counter of struct queue_report, once: the delta of the JSON
 * lines and the Prometheus families both walk this table. Rows of one
 * family follow each other and differ by label (wakeups by syscall).
 */
struct queue_counter {
	size_t off;
	const char *family;
	const char *help;
	const char *label, *label_value;	/* NULL: none */
};

#define QC(field, fam, text) { offsetof(struct queue_report, field), (fam), (text), NULL, NULL }
#define QCL(field, fam, text, l, v) { offsetof(struct queue_report, field), (fam), (text), (l), (v) }

static const struct queue_counter queue_counters[] = {
	QC(rx_packets, "xskmap_rx_packets_total",
	   "Frames taken off the RX ring and kept (within --count)."),
	QC(rx_bytes, "xskmap_rx_bytes_total",
	   "Bytes of the kept frames, from the Ethernet header on, no FCS."),
	QC(rx_past_count, "xskmap_rx_past_count_packets_total",
	   "Frames taken off the RX ring after --count was reached, not kept."),
	QC(tx_packets, "xskmap_tx_packets_total", "Frames put on the TX ring."),
	QC(tx_bytes, "xskmap_tx_bytes_total", "Bytes of the frames put on the TX ring."),
	QC(tx_completed, "xskmap_tx_completed_packets_total",
	   "Frames back through the completion ring."),
	QC(tx_ring_full, "xskmap_tx_ring_full_packets_total",
	   "Frames not sent: no room on the TX ring."),
	QC(tx_not_completed, "xskmap_tx_not_completed_packets_total",
	   "Frames put on the TX ring and not back when the stop's wait ended."),
	QC(tx_dropped, "xskmap_tx_dropped_packets_total",
	   "Completed frames the kernel dropped before the wire (sendto EBUSY)."),
	QC(tx_busy, "xskmap_tx_busy_total", "TX kicks that got EBUSY."),
	QC(tx_kick_errors, "xskmap_tx_kick_errors_total",
	   "TX kicks that failed otherwise (ENETDOWN, ENXIO...)."),
	QCL(sendto_calls, "xskmap_wakeups_total", "The worker's wakeup system calls.",
	    "syscall", "sendto"),
	QCL(recvfrom_calls, "xskmap_wakeups_total", NULL, "syscall", "recvfrom"),
	QCL(poll_calls, "xskmap_wakeups_total", NULL, "syscall", "poll"),
	QC(xdp.rx_dropped, "xskmap_xdp_rx_dropped_total",
	   "XDP_STATISTICS rx_dropped: frames the kernel dropped for the socket."),
	QC(xdp.rx_invalid_descs, "xskmap_xdp_rx_invalid_descs_total",
	   "XDP_STATISTICS rx_invalid_descs."),
	QC(xdp.rx_ring_full, "xskmap_xdp_rx_ring_full_total",
	   "XDP_STATISTICS rx_ring_full: frames dropped, the RX ring was full."),
	QC(xdp.rx_fill_ring_empty_descs, "xskmap_xdp_rx_fill_ring_empty_descs_total",
	   "XDP_STATISTICS rx_fill_ring_empty_descs (part of rx_dropped)."),
	QC(xdp.tx_invalid_descs, "xskmap_xdp_tx_invalid_descs_total",
	   "XDP_STATISTICS tx_invalid_descs."),
	QC(xdp.tx_ring_empty_descs, "xskmap_xdp_tx_ring_empty_descs_total",
	   "XDP_STATISTICS tx_ring_empty_descs."),
};

#define NR_QUEUE_COUNTERS (sizeof(queue_counters) / sizeof(queue_counters[0]))

/* What a counter gained: a counter that went back started again from 0. */
static __u64 gained(__u64 now, __u64 prev)
{
	return now >= prev ? now - prev : now;
}

static __u64 *qfield(struct queue_report *q, size_t off)
{
	return (__u64 *)((char *)q + off);
}

static __u64 qget(const struct queue_report *q, size_t off)
{
	return *(const __u64 *)((const char *)q + off);
}

static void stat_delta(struct xsk_stat *d, const struct xsk_stat *now, const struct xsk_stat *prev,
		       int n)
{
	for (int i = 0; i < n; i++) {
		d[i].packets = gained(now[i].packets, prev[i].packets);
		d[i].bytes = gained(now[i].bytes, prev[i].bytes);
	}
}

void metrics_run_delta(const struct run_report *now, const struct run_report *prev,
		       struct run_report *d, struct queue_report *dq, struct capture_report *dc,
		       struct meta_report *dm)
{
	__u32 i;

	*d = *now;
	d->seconds = now->seconds - prev->seconds;
	d->queues = dq;
	for (i = 0; i < now->nr_queues; i++) {
		dq[i] = now->queues[i];
		if (i >= prev->nr_queues)
			continue;
		for (size_t c = 0; c < NR_QUEUE_COUNTERS; c++)
			*qfield(&dq[i], queue_counters[c].off) =
				gained(qget(&now->queues[i], queue_counters[c].off),
				       qget(&prev->queues[i], queue_counters[c].off));
	}
	stat_delta(d->bpf, now->bpf, prev->bpf, XSK_STAT_MAX);
	stat_delta(d->hits, now->hits, prev->hits, XSK_MAX_RULES + 1);
	stat_delta(d->out_bpf, now->out_bpf, prev->out_bpf, XSK_STAT_MAX);
	stat_delta(d->out_hits, now->out_hits, prev->out_hits, XSK_MAX_RULES + 1);
	/* Redirect failures by (queue, errno, flags): what each entry gained. */
	for (i = 0; i < now->explain.n; i++) {
		const struct explain_entry *e = &now->explain.e[i];
		__u64 before = 0;

		for (__u32 j = 0; j < prev->explain.n; j++)
			if (prev->explain.e[j].queue == e->queue && prev->explain.e[j].err == e->err &&
			    prev->explain.e[j].flags == e->flags)
				before = prev->explain.e[j].packets;
		d->explain.e[i].packets = gained(e->packets, before);
	}
	d->explain.other = gained(now->explain.other, prev->explain.other);
	if (now->capture) {
		*dc = *now->capture;
		if (prev->capture) {
			dc->written = gained(now->capture->written, prev->capture->written);
			dc->ring_full = gained(now->capture->ring_full, prev->capture->ring_full);
			dc->at_stop = gained(now->capture->at_stop, prev->capture->at_stop);
			dc->after_error = gained(now->capture->after_error,
						 prev->capture->after_error);
		}
		d->capture = dc;
	}
	if (now->meta) {
		*dm = *now->meta;
		if (prev->meta) {
			dm->frames = gained(now->meta->frames, prev->meta->frames);
			dm->timestamp = gained(now->meta->timestamp, prev->meta->timestamp);
			dm->hash = gained(now->meta->hash, prev->meta->hash);
			dm->vlan = gained(now->meta->vlan, prev->meta->vlan);
			dm->distinct_hashes = gained(now->meta->distinct_hashes,
						     prev->meta->distinct_hashes);
			dm->kept = gained(now->meta->kept, prev->meta->kept);
		}
		d->meta = dm;
	}
}

void metrics_gen_delta(const struct gen_report *now, const struct gen_report *prev,
		       struct gen_report *d, struct gen_queue_report *dq)
{
	__u32 i;

	*d = *now;
	d->seconds = now->seconds - prev->seconds;
	d->queues = dq;
	for (i = 0; i < now->nr_queues; i++) {
		const struct gen_queue_report *a = &now->queues[i], *b = &prev->queues[i];

		dq[i] = *a;
		if (i >= prev->nr_queues)
			continue;
		dq[i].frames = gained(a->frames, b->frames);
		dq[i].dropped = gained(a->dropped, b->dropped);
		dq[i].tx_invalid_descs = gained(a->tx_invalid_descs, b->tx_invalid_descs);
		dq[i].sendto_calls = gained(a->sendto_calls, b->sendto_calls);
		dq[i].poll_calls = gained(a->poll_calls, b->poll_calls);
		dq[i].wakeups = gained(a->wakeups, b->wakeups);
		/* not_completed is a level (frames in flight), the same in both. */
	}
}

double metrics_wall_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static json_object *jdouble3(double v)
{
	char s[48];

	snprintf(s, sizeof(s), "%.3f", v);
	return json_object_new_double_s(v, s);
}

static json_object *interval_head(double seconds, double dt)
{
	json_object *o = json_object_new_object();

	jput_str(o, "type", "interval");
	jput(o, "time", jdouble3(metrics_wall_time()));
	jput(o, "seconds", jdouble3(seconds));
	jput(o, "interval", jdouble3(dt));
	return o;
}

/* Per second over the interval: frames and L2 Mbit/s each way, wakeups. */
static json_object *run_rates(const struct queue_report *q, double dt)
{
	json_object *o = json_object_new_object();

	jput(o, "rx_pps", jdouble3(q->rx_packets / dt));
	jput(o, "rx_l2_mbps", jdouble3(q->rx_bytes * 8 / dt / 1e6));
	jput(o, "tx_pps", jdouble3(q->tx_packets / dt));
	jput(o, "tx_l2_mbps", jdouble3(q->tx_bytes * 8 / dt / 1e6));
	jput(o, "wakeups_per_s",
	     jdouble3((q->sendto_calls + q->recvfrom_calls + q->poll_calls) / dt));
	return o;
}

void metrics_run_json(FILE *f, const struct run_report *now, const struct run_report *prev)
{
	struct queue_report *dq = calloc(now->nr_queues ? now->nr_queues : 1, sizeof(*dq));
	struct queue_report sum;
	struct capture_report dc;
	struct meta_report dm;
	struct run_report d;
	json_object *o, *rates, *qs;
	double dt;
	__u32 i;

	if (!dq)
		return;
	metrics_run_delta(now, prev, &d, dq, &dc, &dm);
	dt = d.seconds > 0 ? d.seconds : 1e-9;
	o = interval_head(now->seconds, d.seconds);
	d.json_type = NULL;
	jput(o, "total", report_run_object(now));
	jput(o, "delta", report_run_object(&d));
	memset(&sum, 0, sizeof(sum));
	qs = json_object_new_array();
	for (i = 0; i < d.nr_queues; i++) {
		json_object *q = run_rates(&dq[i], dt);

		/* The id first, as in "queues" of the summary. */
		json_object *row = json_object_new_object();

		jput_u64(row, "queue", dq[i].queue_id);
		if (dq[i].rx_ifname)
			jput_str(row, "interface", dq[i].rx_ifname);
		json_object_object_foreach(q, k, v)
			jput(row, k, json_object_get(v));
		json_object_put(q);
		json_object_array_add(qs, row);
		for (size_t c = 0; c < NR_QUEUE_COUNTERS; c++)
			*qfield(&sum, queue_counters[c].off) += qget(&dq[i], queue_counters[c].off);
	}
	rates = run_rates(&sum, dt);
	jput(rates, "queues", qs);
	jput(o, "rates", rates);
	free(dq);
	json_out_print(f, o);
}

void metrics_gen_json(FILE *f, const struct gen_report *now, const struct gen_report *prev)
{
	struct gen_queue_report *dq = calloc(now->nr_queues ? now->nr_queues : 1, sizeof(*dq));
	struct gen_report d;
	json_object *o;

	if (!dq)
		return;
	metrics_gen_delta(now, prev, &d, dq);
	o = interval_head(now->seconds, d.seconds);
	jput(o, "total", report_gen_object(now));
	jput(o, "delta", report_gen_object(&d));
	free(dq);
	json_out_print(f, o);
}

void metrics_lines_check(FILE *f, bool *said)
{
	if (*said || !ferror(f))
		return;
	*said = true;
	pr_warn("writing the JSON lines to stdout failed (%s): no more lines arrive; xskmap goes on, and exits 1 at the stop\n",
		strerror(errno ? errno : EIO));
}

/* ---- Prometheus ---- */

#define MAX_LABELS 8

/* A label list: base's labels, then up to two more (NULL name: none). */
static void labels(struct prom_label *out, const struct prom_label *base, const char *n1,
		   const char *v1, const char *n2, const char *v2)
{
	int i = 0;

	for (; base && base[i].name && i < MAX_LABELS - 3; i++)
		out[i] = base[i];
	if (n1)
		out[i++] = (struct prom_label){ n1, v1 };
	if (n2)
		out[i++] = (struct prom_label){ n2, v2 };
	out[i] = (struct prom_label){ NULL, NULL };
}

/* gen's engine is a label too: an xsk and an xdp gen on one device are two series. */
static void prom_state(FILE *f, const char *command, const char *ifname, const char *engine,
		       const struct metrics_prom_ctx *c)
{
	struct prom_label l[] = { { "command", command }, { "interface", ifname },
				  { engine ? "engine" : NULL, engine }, { NULL, NULL } };

	prom_family(f, "xskmap_running", "gauge",
		    "1 while the command runs; 0 in the file it leaves at the stop (final values).");
	prom_sample(f, "xskmap_running", l, c->running);
	prom_family(f, "xskmap_start_time_seconds", "gauge", "Unix time the command started.");
	prom_sample_double(f, "xskmap_start_time_seconds", l, c->start_time);
}

/* The program's counters by reason, and its rules' hits, on ifname. */
static void prom_program(FILE *f, const char *ifname, const struct xsk_stat bpf[XSK_STAT_MAX],
			 bool bytes)
{
	struct prom_label base[] = { { "interface", ifname }, { NULL, NULL } }, l[MAX_LABELS];

	for (int i = 0; i < XSK_STAT_MAX; i++) {
		labels(l, base, "reason", xsk_stat_names[i], NULL, NULL);
		prom_sample(f, bytes ? "xskmap_program_bytes_total" : "xskmap_program_packets_total",
			    l, bytes ? bpf[i].bytes : bpf[i].packets);
	}
}

static void prom_rules(FILE *f, const char *ifname, const struct xsk_ruleset *rs,
		       const struct xsk_stat *hits, bool bytes)
{
	struct prom_label base[] = { { "interface", ifname }, { NULL, NULL } }, l[MAX_LABELS];
	const char *name = bytes ? "xskmap_rule_bytes_total" : "xskmap_rule_packets_total";
	char text[RULE_FORMAT_MAX], act[40], id[16];

	for (__u32 i = 0; i < rs->nr_rules; i++) {
		const struct xsk_rule *r = &rs->rules[i];

		rule_format(r, text, sizeof(text));
		snprintf(id, sizeof(id), "%u", r->id);
		labels(l, base, "id", id, "rule", text);
		prom_sample(f, name, l, bytes ? hits[r->id].bytes : hits[r->id].packets);
	}
	action_format(rs->default_action, rs->default_index, act, sizeof(act));
	snprintf(text, sizeof(text), "default -> %s", act);
	labels(l, base, "id", "default", "rule", text);
	prom_sample(f, name, l, bytes ? hits[XSK_HITS_DEFAULT].bytes : hits[XSK_HITS_DEFAULT].packets);
}

static void prom_run(FILE *f, const struct metrics_prom_ctx *c)
{
	const struct run_report *r = c->run;
	struct prom_label l[MAX_LABELS];
	const char *prev_family = NULL;
	char qid[16];

	prom_state(f, "run", r->ifname, NULL, c);
	for (size_t k = 0; k < NR_QUEUE_COUNTERS; k++) {
		const struct queue_counter *qc = &queue_counters[k];

		if (!prev_family || strcmp(prev_family, qc->family))
			prom_family(f, qc->family, "counter", qc->help);
		prev_family = qc->family;
		for (__u32 i = 0; i < r->nr_queues; i++) {
			const struct queue_report *q = &r->queues[i];
			struct prom_label base[] = {
				{ "interface", q->rx_ifname ? q->rx_ifname : r->ifname },
				{ "queue", qid }, { NULL, NULL } };

			snprintf(qid, sizeof(qid), "%u", q->queue_id);
			labels(l, base, qc->label, qc->label_value, NULL, NULL);
			prom_sample(f, qc->family, l, qget(q, qc->off));
		}
	}
	prom_family(f, "xskmap_program_packets_total", "counter",
		    "Frames the XDP program saw, by what it did with them (reason).");
	prom_program(f, r->ifname, r->bpf, false);
	if (r->out_ifname && r->bridge)
		prom_program(f, r->out_ifname, r->out_bpf, false);
	prom_family(f, "xskmap_program_bytes_total", "counter",
		    "Bytes of the frames the XDP program saw, by reason.");
	prom_program(f, r->ifname, r->bpf, true);
	if (r->out_ifname && r->bridge)
		prom_program(f, r->out_ifname, r->out_bpf, true);
	if (r->explain.on) {
		struct prom_label base[] = { { "interface", r->ifname }, { NULL, NULL } };
		char qid[16], eno[16];

		prom_family(f, "xskmap_redirect_failures_total", "counter",
			    "Frames the kernel refused after XDP_REDIRECT (--explain), by queue, reason and errno.");
		for (__u32 i = 0; i < r->explain.n; i++) {
			const struct explain_entry *e = &r->explain.e[i];
			struct explain_words w = explain_words(e->err, e->flags);

			snprintf(qid, sizeof(qid), "%u", e->queue);
			const char *en = strerrorname_np((int)e->err);

			snprintf(eno, sizeof(eno), "%s", en ? en : "?");
			labels(l, base, "queue", qid, "reason", w.name);
			l[3] = (struct prom_label){ "errno", eno };
			l[4] = (struct prom_label){ NULL, NULL };
			prom_sample(f, "xskmap_redirect_failures_total", l, e->packets);
		}
		if (r->explain.other) {
			labels(l, base, "queue", "other", "reason", "other");
			prom_sample(f, "xskmap_redirect_failures_total", l, r->explain.other);
		}
	}
	if (r->rules || (r->bridge && r->out_rules)) {
		for (int bytes = 0; bytes < 2; bytes++) {
			prom_family(f, bytes ? "xskmap_rule_bytes_total" : "xskmap_rule_packets_total",
				    "counter", bytes ? "Bytes of the frames a steering rule matched (id default: none did)." :
				    "Frames a steering rule matched (id default: none did).");
			if (r->rules)
				prom_rules(f, r->ifname, r->rules, r->hits, bytes);
			if (r->bridge && r->out_rules)
				prom_rules(f, r->out_ifname, r->out_rules, r->out_hits, bytes);
		}
	}
	if (r->capture) {
		const struct capture_report *cp = r->capture;
		struct prom_label base[] = { { "interface", r->ifname }, { NULL, NULL } };

		prom_family(f, "xskmap_capture_written_packets_total", "counter",
			    "Kept frames written to the -w capture.");
		prom_sample(f, "xskmap_capture_written_packets_total", base, cp->written);
		prom_family(f, "xskmap_capture_not_written_packets_total", "counter",
			    "Kept frames not written to the -w capture, by reason.");
		labels(l, base, "reason", "writer_behind", NULL, NULL);
		prom_sample(f, "xskmap_capture_not_written_packets_total", l, cp->ring_full);
		labels(l, base, "reason", "at_stop", NULL, NULL);
		prom_sample(f, "xskmap_capture_not_written_packets_total", l, cp->at_stop);
		labels(l, base, "reason", "after_error", NULL, NULL);
		prom_sample(f, "xskmap_capture_not_written_packets_total", l, cp->after_error);
	}
}

/* gen's threads: xsk by TX queue, xdp by thread (one a CPU). */
struct gen_counter {
	size_t off;
	const char *family, *help;
	const char *label, *label_value;
	bool xsk_only;
};

#define GC(field, fam, text, xsk) { offsetof(struct gen_queue_report, field), (fam), (text), NULL, NULL, (xsk) }

static const struct gen_counter gen_counters[] = {
	GC(frames, "xskmap_gen_packets_total", "Frames gen sent.", false),
	GC(dropped, "xskmap_gen_dropped_packets_total",
	   "Completed frames the kernel dropped before the wire (sendto EBUSY).", true),
	GC(tx_invalid_descs, "xskmap_gen_tx_invalid_descs_total", "XDP_STATISTICS tx_invalid_descs.",
	   true),
	{ offsetof(struct gen_queue_report, sendto_calls), "xskmap_gen_wakeups_total",
	  "The sending thread's wakeup system calls.", "syscall", "sendto", true },
	{ offsetof(struct gen_queue_report, poll_calls), "xskmap_gen_wakeups_total", NULL,
	  "syscall", "poll", true },
	GC(wakeups, "xskmap_gen_prog_runs_total", "BPF_PROG_RUN calls (engine xdp).", false),
};

static __u64 gget(const struct gen_queue_report *q, size_t off)
{
	return *(const __u64 *)((const char *)q + off);
}

static void prom_gen(FILE *f, const struct metrics_prom_ctx *c)
{
	const struct gen_report *r = c->gen;
	const char *prev_family = NULL;
	struct prom_label l[MAX_LABELS];
	char id[16];

	prom_state(f, "gen", r->ifname, r->xsk ? "xsk" : "xdp", c);
	for (size_t k = 0; k < sizeof(gen_counters) / sizeof(gen_counters[0]); k++) {
		const struct gen_counter *gc = &gen_counters[k];
		bool prog_runs = !strcmp(gc->family, "xskmap_gen_prog_runs_total");

		if ((gc->xsk_only && !r->xsk) || (prog_runs && r->xsk))
			continue;
		if (!prev_family || strcmp(prev_family, gc->family))
			prom_family(f, gc->family, "counter", gc->help);
		prev_family = gc->family;
		for (__u32 i = 0; i < r->nr_queues; i++) {
			struct prom_label base[] = { { "interface", r->ifname },
						     { r->xsk ? "queue" : "thread", id }, { NULL, NULL } };

			snprintf(id, sizeof(id), "%u", r->xsk ? r->queues[i].queue_id : i);
			labels(l, base, gc->label, gc->label_value, NULL, NULL);
			prom_sample(f, gc->family, l, gget(&r->queues[i], gc->off));
		}
	}
	prom_family(f, "xskmap_gen_bytes_total", "counter", "Bytes of the frames gen sent.");
	for (__u32 i = 0; i < r->nr_queues; i++) {
		struct prom_label base[] = { { "interface", r->ifname },
					     { r->xsk ? "queue" : "thread", id }, { NULL, NULL } };

		snprintf(id, sizeof(id), "%u", r->xsk ? r->queues[i].queue_id : i);
		prom_sample(f, "xskmap_gen_bytes_total", base, r->queues[i].frames * r->size);
	}
	if (r->xsk) {
		prom_family(f, "xskmap_gen_in_flight_packets", "gauge",
			    "Frames on the TX ring not completed yet (at the stop: never completed).");
		for (__u32 i = 0; i < r->nr_queues; i++) {
			struct prom_label base[] = { { "interface", r->ifname }, { "queue", id },
						     { NULL, NULL } };

			snprintf(id, sizeof(id), "%u", r->queues[i].queue_id);
			prom_sample(f, "xskmap_gen_in_flight_packets", base, r->queues[i].not_completed);
		}
	}
}

void metrics_prom_render(FILE *f, void *ctx)
{
	const struct metrics_prom_ctx *c = ctx;

	if (c->run)
		prom_run(f, c);
	else if (c->gen)
		prom_gen(f, c);
}
