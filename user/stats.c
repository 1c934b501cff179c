// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stats.h"

const char *const xsk_stat_names[XSK_STAT_MAX] = {
	[XSK_STAT_REDIRECTED] = "redirected",
	[XSK_STAT_NOT_MATCHED] = "not_matched",
	[XSK_STAT_NO_SOCKET] = "no_socket",
	[XSK_STAT_MALFORMED] = "malformed",
	[XSK_STAT_RULE_PASS] = "rule_pass",
	[XSK_STAT_RULE_DROP] = "rule_drop",
};

struct xsk_stat stats_sum_percpu(const struct xsk_stat *percpu, int ncpus)
{
	struct xsk_stat sum = { 0, 0 };
	int i;

	for (i = 0; i < ncpus; i++) {
		sum.packets += percpu[i].packets;
		sum.bytes += percpu[i].bytes;
	}
	return sum;
}

int stats_read_bpf(int map_fd, struct xsk_stat out[XSK_STAT_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 key;

	if (ncpus < 0)
		return ncpus;
	{
		struct xsk_stat percpu[ncpus];	/* bounded by the CPU count */

		for (key = 0; key < XSK_STAT_MAX; key++) {
			if (bpf_map_lookup_elem(map_fd, &key, percpu))
				return -errno;
			out[key] = stats_sum_percpu(percpu, ncpus);
		}
	}
	return 0;
}

static void json_xdp_stats(FILE *f, const struct xdp_statistics *x)
{
	fprintf(f, "{\"rx_dropped\":%llu,\"rx_invalid_descs\":%llu,\"rx_ring_full\":%llu,"
		"\"rx_fill_ring_empty_descs\":%llu,\"tx_invalid_descs\":%llu,\"tx_ring_empty_descs\":%llu}",
		(unsigned long long)x->rx_dropped, (unsigned long long)x->rx_invalid_descs,
		(unsigned long long)x->rx_ring_full, (unsigned long long)x->rx_fill_ring_empty_descs,
		(unsigned long long)x->tx_invalid_descs, (unsigned long long)x->tx_ring_empty_descs);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static __u64 capture_not_written(const struct capture_report *c)
{
	return c->ring_full + c->at_stop + c->after_error;
}

static void json_capture(FILE *f, const struct capture_report *c)
{
	fputs(",\"capture\":{\"file\":", f);
	json_string(f, c->file);
	fprintf(f, ",\"frames_written\":%llu,\"frames_not_written\":%llu,"
		"\"not_written\":{\"writer_behind\":%llu,\"at_stop\":%llu,\"after_error\":%llu},"
		"\"error\":",
		(unsigned long long)c->written, (unsigned long long)capture_not_written(c),
		(unsigned long long)c->ring_full, (unsigned long long)c->at_stop,
		(unsigned long long)c->after_error);
	if (c->error)
		json_string(f, c->error);
	else
		fputs("null", f);
	fputc('}', f);
}

static __u64 past_count(const struct run_report *r)
{
	__u64 n = 0;

	for (__u32 i = 0; i < r->nr_queues; i++)
		n += r->queues[i].rx_past_count;
	return n;
}

static void totals(const struct run_report *r, __u64 *pkts, __u64 *bytes)
{
	__u32 i;

	*pkts = *bytes = 0;
	for (i = 0; i < r->nr_queues; i++) {
		*pkts += r->queues[i].rx_packets;
		*bytes += r->queues[i].rx_bytes;
	}
}

void report_json(FILE *f, const struct run_report *r)
{
	__u64 pkts, bytes;
	__u32 i;

	totals(r, &pkts, &bytes);
	/* Interface names are [^/\s"] in practice, but escape the two that matter. */
	fputs("{\"interface\":\"", f);
	for (const char *c = r->ifname; *c; c++) {
		if (*c == '"' || *c == '\\')
			fputc('\\', f);
		fputc(*c, f);
	}
	fprintf(f, "\",\"attach_mode\":\"%s\",\"bind_mode\":\"%s\",\"seconds\":%.3f,"
		"\"rx_packets\":%llu,\"rx_bytes\":%llu,\"rx_past_count\":%llu,\"queues\":[",
		r->attach_mode, r->bind_mode, r->seconds,
		(unsigned long long)pkts, (unsigned long long)bytes, (unsigned long long)past_count(r));
	for (i = 0; i < r->nr_queues; i++) {
		const struct queue_report *q = &r->queues[i];

		fprintf(f, "%s{\"queue\":%u,\"rx_packets\":%llu,\"rx_bytes\":%llu,\"rx_past_count\":%llu,"
			"\"xdp_statistics\":",
			i ? "," : "", q->queue_id, (unsigned long long)q->rx_packets,
			(unsigned long long)q->rx_bytes, (unsigned long long)q->rx_past_count);
		json_xdp_stats(f, &q->xdp);
		fputc('}', f);
	}
	fputs("],\"bpf\":{", f);
	for (i = 0; i < XSK_STAT_MAX; i++)
		fprintf(f, "%s\"%s\":{\"packets\":%llu,\"bytes\":%llu}", i ? "," : "",
			xsk_stat_names[i], (unsigned long long)r->bpf[i].packets,
			(unsigned long long)r->bpf[i].bytes);
	fputc('}', f);
	if (r->rules) {
		char text[RULE_FORMAT_MAX];

		fputs(",\"rules\":[", f);
		for (i = 0; i < r->rules->nr_rules; i++) {
			const struct xsk_rule *rule = &r->rules->rules[i];

			rule_format(rule, text, sizeof(text));
			fprintf(f, "%s{\"id\":%u,\"rule\":\"%s\",\"packets\":%llu,\"bytes\":%llu}",
				i ? "," : "", rule->id, text,
				(unsigned long long)r->hits[rule->id].packets,
				(unsigned long long)r->hits[rule->id].bytes);
		}
		action_format(r->rules->default_action, r->rules->default_index, text, sizeof(text));
		fprintf(f, "],\"default\":{\"action\":\"%s\",\"packets\":%llu,\"bytes\":%llu}", text,
			(unsigned long long)r->hits[XSK_HITS_DEFAULT].packets,
			(unsigned long long)r->hits[XSK_HITS_DEFAULT].bytes);
	}
	if (r->capture)
		json_capture(f, r->capture);
	fputs("}\n", f);
	fflush(f);
}

void report_text(FILE *f, const struct run_report *r)
{
	__u64 pkts, bytes;
	__u32 i;

	totals(r, &pkts, &bytes);
	fprintf(f, "xskmap: %s (%s mode, %s): %llu frames, %llu bytes in %.2f s\n",
		r->ifname, r->attach_mode, r->bind_mode, (unsigned long long)pkts,
		(unsigned long long)bytes, r->seconds);
	for (i = 0; i < r->nr_queues; i++) {
		const struct queue_report *q = &r->queues[i];

		fprintf(f, "  queue %-3u rx %llu frames %llu bytes; dropped %llu, rx ring full %llu, fill ring empty %llu, invalid %llu\n",
			q->queue_id, (unsigned long long)q->rx_packets, (unsigned long long)q->rx_bytes,
			(unsigned long long)q->xdp.rx_dropped, (unsigned long long)q->xdp.rx_ring_full,
			(unsigned long long)q->xdp.rx_fill_ring_empty_descs,
			(unsigned long long)q->xdp.rx_invalid_descs);
		if (q->rx_past_count)
			fprintf(f, "            %llu more taken off the ring past --count, not kept\n",
				(unsigned long long)q->rx_past_count);
	}
	fputs("  program:", f);
	for (i = 0; i < XSK_STAT_MAX; i++)
		fprintf(f, " %s %llu", xsk_stat_names[i], (unsigned long long)r->bpf[i].packets);
	fputc('\n', f);
	if (r->rules) {
		char text[RULE_FORMAT_MAX];

		for (i = 0; i < r->rules->nr_rules; i++) {
			const struct xsk_rule *rule = &r->rules->rules[i];

			rule_format(rule, text, sizeof(text));
			fprintf(f, "  rule %-3u %12llu hits  %s\n", rule->id,
				(unsigned long long)r->hits[rule->id].packets, text);
		}
		action_format(r->rules->default_action, r->rules->default_index, text, sizeof(text));
		fprintf(f, "  default  %12llu hits  -> %s\n",
			(unsigned long long)r->hits[XSK_HITS_DEFAULT].packets, text);
	}
	if (r->capture) {
		const struct capture_report *c = r->capture;

		fprintf(f, "  capture %s: %llu frames written, %llu not written",
			c->file, (unsigned long long)c->written,
			(unsigned long long)capture_not_written(c));
		if (capture_not_written(c))
			fprintf(f, " (writer behind %llu, at stop %llu, after error %llu)",
				(unsigned long long)c->ring_full, (unsigned long long)c->at_stop,
				(unsigned long long)c->after_error);
		if (c->error)
			fprintf(f, "; %s", c->error);
		fputc('\n', f);
	}
}

/* Per second, from a counter's two readings (a counter never goes back). */
static double per_sec(__u64 now, __u64 prev, double dt)
{
	return now >= prev ? (now - prev) / dt : 0;
}

static void interval_row(FILE *f, double t, const char *name, const struct queue_report *a,
			 const struct queue_report *b, double dt)
{
	/* L2: the frame from the Ethernet header on, no FCS, as rx_bytes counts it. */
	fprintf(f, "%8.2f %-5s %12.0f %11.3f %11.0f %11.0f %11.0f %11.0f %14llu\n", t, name,
		per_sec(a->rx_packets, b->rx_packets, dt),
		per_sec(a->rx_bytes, b->rx_bytes, dt) * 8 / 1e6,
		per_sec(a->xdp.rx_dropped, b->xdp.rx_dropped, dt),
		per_sec(a->xdp.rx_ring_full, b->xdp.rx_ring_full, dt),
		per_sec(a->xdp.rx_fill_ring_empty_descs, b->xdp.rx_fill_ring_empty_descs, dt),
		per_sec(a->xdp.rx_invalid_descs, b->xdp.rx_invalid_descs, dt),
		(unsigned long long)a->rx_packets);
}

static void queue_add(struct queue_report *sum, const struct queue_report *q)
{
	sum->rx_packets += q->rx_packets;
	sum->rx_bytes += q->rx_bytes;
	sum->xdp.rx_dropped += q->xdp.rx_dropped;
	sum->xdp.rx_ring_full += q->xdp.rx_ring_full;
	sum->xdp.rx_fill_ring_empty_descs += q->xdp.rx_fill_ring_empty_descs;
	sum->xdp.rx_invalid_descs += q->xdp.rx_invalid_descs;
}

void report_interval(FILE *f, const struct run_report *now, const struct run_report *prev)
{
	double dt = now->seconds - prev->seconds;
	struct queue_report sum_now, sum_prev;
	char name[16];
	__u32 i;

	if (dt <= 0)
		return;
	memset(&sum_now, 0, sizeof(sum_now));
	memset(&sum_prev, 0, sizeof(sum_prev));
	/* Per second but the last column; dropped..invalid are XDP_STATISTICS. */
	fprintf(f, "%8s %-5s %12s %11s %11s %11s %11s %11s %14s\n", "time", "queue", "pps",
		"L2 Mbit/s", "dropped/s", "ringfull/s", "fillempty/s", "invalid/s", "frames");
	for (i = 0; i < now->nr_queues; i++) {
		snprintf(name, sizeof(name), "q%u", now->queues[i].queue_id);
		interval_row(f, now->seconds, name, &now->queues[i], &prev->queues[i], dt);
		queue_add(&sum_now, &now->queues[i]);
		queue_add(&sum_prev, &prev->queues[i]);
	}
	interval_row(f, now->seconds, "all", &sum_now, &sum_prev, dt);
	fprintf(f, "%8.2f prog ", now->seconds);
	for (i = 0; i < XSK_STAT_MAX; i++)
		fprintf(f, " %s %llu (+%llu)", xsk_stat_names[i],
			(unsigned long long)now->bpf[i].packets,
			(unsigned long long)(now->bpf[i].packets - prev->bpf[i].packets));
	fputc('\n', f);
}
