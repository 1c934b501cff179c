// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "json_out.h"
#include "log.h"
#include "stats.h"
#include "util.h"

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

static __u64 capture_not_written(const struct capture_report *c)
{
	return c->ring_full + c->at_stop + c->after_error;
}

static json_object *json_stat(const struct xsk_stat *st)
{
	json_object *o = json_object_new_object();

	jput_u64(o, "packets", st->packets);
	jput_u64(o, "bytes", st->bytes);
	return o;
}

static json_object *json_xdp_stats(const struct xdp_statistics *x)
{
	json_object *o = json_object_new_object();

	jput_u64(o, "rx_dropped", x->rx_dropped);
	jput_u64(o, "rx_invalid_descs", x->rx_invalid_descs);
	jput_u64(o, "rx_ring_full", x->rx_ring_full);
	jput_u64(o, "rx_fill_ring_empty_descs", x->rx_fill_ring_empty_descs);
	jput_u64(o, "tx_invalid_descs", x->tx_invalid_descs);
	jput_u64(o, "tx_ring_empty_descs", x->tx_ring_empty_descs);
	return o;
}

static json_object *json_capture(const struct capture_report *c)
{
	json_object *o = json_object_new_object(), *nw = json_object_new_object();

	jput_str(o, "file", c->file);
	jput_u64(o, "frames_written", c->written);
	jput_u64(o, "frames_not_written", capture_not_written(c));
	jput_u64(nw, "writer_behind", c->ring_full);
	jput_u64(nw, "at_stop", c->at_stop);
	jput_u64(nw, "after_error", c->after_error);
	jput(o, "not_written", nw);
	jput_str(o, "error", c->error);
	return o;
}

/*
 * The rules with their hits, the one shape both `run --json` and `rules
 * list --json` give: "rules": [{id, rank, rule, packets, bytes}...],
 * "default": {action, packets, bytes}, added to o.
 */
void report_rules_json(json_object *o, const struct xsk_ruleset *rs, const struct xsk_stat *hits)
{
	json_object *arr = json_object_new_array(), *def;
	char text[RULE_FORMAT_MAX];
	__u32 i;

	for (i = 0; i < rs->nr_rules; i++) {
		const struct xsk_rule *rule = &rs->rules[i];
		json_object *r = json_object_new_object();

		rule_format(rule, text, sizeof(text));
		jput_u64(r, "id", rule->id);
		jput_u64(r, "rank", i);
		jput_str(r, "rule", text);
		jput_u64(r, "packets", hits[rule->id].packets);
		jput_u64(r, "bytes", hits[rule->id].bytes);
		json_object_array_add(arr, r);
	}
	jput(o, "rules", arr);
	action_format(rs->default_action, rs->default_index, text, sizeof(text));
	def = json_object_new_object();
	jput_str(def, "action", text);
	jput_u64(def, "packets", hits[XSK_HITS_DEFAULT].packets);
	jput_u64(def, "bytes", hits[XSK_HITS_DEFAULT].bytes);
	jput(o, "default", def);
}

static __u64 past_count(const struct run_report *r)
{
	__u64 n = 0;

	for (__u32 i = 0; i < r->nr_queues; i++)
		n += r->queues[i].rx_past_count;
	return n;
}

static __u64 wakeups(const struct queue_report *q)
{
	return q->sendto_calls + q->recvfrom_calls + q->poll_calls;
}

/* Frames a transmitting path could not send (or not see sent). */
static __u64 tx_not_sent(const struct queue_report *q)
{
	return q->tx_ring_full + q->tx_not_completed + q->tx_dropped;
}

/* The TX and wakeup members of q into o: the same names per queue and in total. */
static void json_tx(json_object *o, const struct queue_report *q)
{
	json_object *w = json_object_new_object();

	jput_u64(o, "tx_packets", q->tx_packets);
	jput_u64(o, "tx_bytes", q->tx_bytes);
	jput_u64(o, "tx_completed", q->tx_completed);
	jput_u64(o, "tx_not_sent", tx_not_sent(q));
	jput_u64(o, "tx_ring_full", q->tx_ring_full);
	jput_u64(o, "tx_not_completed", q->tx_not_completed);
	jput_u64(o, "tx_dropped", q->tx_dropped);
	jput_u64(o, "tx_busy", q->tx_busy);
	jput_u64(o, "tx_kick_errors", q->tx_kick_errors);
	jput_str(o, "tx_kick_error", q->tx_kick_errno ? strerror(q->tx_kick_errno) : NULL);
	jput_u64(w, "sendto", q->sendto_calls);
	jput_u64(w, "recvfrom", q->recvfrom_calls);
	jput_u64(w, "poll", q->poll_calls);
	jput_u64(w, "total", wakeups(q));
	jput(o, "wakeups", w);
}

static void queue_add(struct queue_report *sum, const struct queue_report *q);

static void totals(const struct run_report *r, __u64 *pkts, __u64 *bytes)
{
	__u32 i;

	*pkts = *bytes = 0;
	for (i = 0; i < r->nr_queues; i++) {
		*pkts += r->queues[i].rx_packets;
		*bytes += r->queues[i].rx_bytes;
	}
}

const char *meta_timestamps_word(const struct meta_report *m)
{
	if (m->kept && m->timestamp == m->kept)
		return "driver";
	return m->timestamp ? "mixed" : "software";
}

static json_object *json_umem(const struct umem_report *u, bool shared)
{
	json_object *o = json_object_new_object();

	jput_str(o, "sharing", shared ? "shared" : "per-queue");

	jput_str(o, "chunks", u->unaligned ? "unaligned" : "aligned");
	jput(o, "hugepages", json_object_new_boolean(u->hugepages));
	jput_u64(o, "frames", u->frames);
	jput_u64(o, "frame_size", u->frame_size);
	jput_u64(o, "bytes", u->bytes);
	return o;
}

static json_object *json_meta(const struct meta_report *m)
{
	json_object *o = json_object_new_object();

	jput_str(o, "timestamps", meta_timestamps_word(m));
	jput_u64(o, "frames", m->frames);
	jput_u64(o, "driver_timestamps", m->timestamp);
	jput_u64(o, "hash", m->hash);
	jput_u64(o, "vlan", m->vlan);
	jput_u64(o, "distinct_hashes", m->distinct_hashes);
	return o;
}

json_object *report_bpf_json(const struct xsk_stat bpf[XSK_STAT_MAX])
{
	json_object *o = json_object_new_object();

	for (int i = 0; i < XSK_STAT_MAX; i++)
		jput(o, xsk_stat_names[i], json_stat(&bpf[i]));
	return o;
}

void report_bpf_text(FILE *f, const struct xsk_stat bpf[XSK_STAT_MAX])
{
	for (int i = 0; i < XSK_STAT_MAX; i++)
		fprintf(f, " %s %llu", xsk_stat_names[i], (unsigned long long)bpf[i].packets);
}

json_object *report_run_object(const struct run_report *r)
{
	json_object *o = json_object_new_object(), *queues = json_object_new_array();
	struct queue_report sum;
	char secs[32];
	__u64 pkts, bytes;
	__u32 i;

	totals(r, &pkts, &bytes);
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < r->nr_queues; i++)
		queue_add(&sum, &r->queues[i]);
	if (r->json_type)
		jput_str(o, "type", r->json_type);
	jput_str(o, "interface", r->ifname);
	jput_str(o, "attach_mode", r->attach_mode);
	jput_str(o, "bind_mode", r->bind_mode);
	jput(o, "multi_buffer", json_object_new_boolean(r->multi_buffer));
	snprintf(secs, sizeof(secs), "%.3f", r->seconds);
	jput(o, "seconds", json_object_new_double_s(r->seconds, secs));
	jput_u64(o, "rx_packets", pkts);
	jput_u64(o, "rx_bytes", bytes);
	jput_u64(o, "rx_past_count", past_count(r));
	json_tx(o, &sum);
	for (i = 0; i < r->nr_queues; i++) {
		const struct queue_report *q = &r->queues[i];
		json_object *jq = json_object_new_object();

		jput_u64(jq, "queue", q->queue_id);
		if (q->rx_ifname) {
			jput_str(jq, "interface", q->rx_ifname);
			jput_str(jq, "out", q->tx_ifname);
		}
		jput_u64(jq, "rx_packets", q->rx_packets);
		jput_u64(jq, "rx_bytes", q->rx_bytes);
		jput_u64(jq, "rx_past_count", q->rx_past_count);
		json_tx(jq, q);
		jput(jq, "xdp_statistics", json_xdp_stats(&q->xdp));
		json_object_array_add(queues, jq);
	}
	jput(o, "queues", queues);
	jput(o, "bpf", report_bpf_json(r->bpf));
	jput(o, "redirect_failures", explain_json(&r->explain));
	if (r->rules)
		report_rules_json(o, r->rules, r->hits);
	if (r->capture)
		jput(o, "capture", json_capture(r->capture));
	if (r->umem)
		jput(o, "umem", json_umem(r->umem, r->shared_umem));
	if (r->meta)
		jput(o, "metadata", json_meta(r->meta));
	if (r->out_ifname) {
		json_object *out = json_object_new_object();

		jput_str(out, "interface", r->out_ifname);
		jput(out, "bridge", json_object_new_boolean(r->bridge));
		if (r->bridge) {
			jput_str(out, "attach_mode", r->out_attach_mode);
			jput(out, "bpf", report_bpf_json(r->out_bpf));
			if (r->out_rules)
				report_rules_json(out, r->out_rules, r->out_hits);
		}
		jput(o, "out", out);
	}
	return o;
}

void report_json(FILE *f, const struct run_report *r)
{
	json_out_print(f, report_run_object(r));
}

void report_rules(FILE *f, const struct xsk_ruleset *rs, const struct xsk_stat *hits, bool json)
{
	char text[RULE_FORMAT_MAX], act[32];
	__u32 i;

	if (json) {
		json_object *o = json_object_new_object();

		report_rules_json(o, rs, hits);
		json_out_print(f, o);
		return;
	}
	action_format(rs->default_action, rs->default_index, act, sizeof(act));
	fprintf(f, "%-4s %-4s %14s %16s  %s\n", "id", "rank", "packets", "bytes", "rule");
	for (i = 0; i < rs->nr_rules; i++) {
		const struct xsk_rule *r = &rs->rules[i];

		rule_format(r, text, sizeof(text));
		fprintf(f, "%-4u %-4u %14llu %16llu  %s\n", r->id, i,
			(unsigned long long)hits[r->id].packets,
			(unsigned long long)hits[r->id].bytes, text);
	}
	fprintf(f, "%-9s %14llu %16llu  -> %s\n", "default",
		(unsigned long long)hits[XSK_HITS_DEFAULT].packets,
		(unsigned long long)hits[XSK_HITS_DEFAULT].bytes, act);
}

void report_text(FILE *f, const struct run_report *r)
{
	__u64 pkts, bytes;
	__u32 i;

	totals(r, &pkts, &bytes);
	fprintf(f, "xskmap: %s (%s mode, %s%s): %llu frames, %llu bytes in %.2f s\n",
		r->ifname, r->attach_mode, r->bind_mode, r->multi_buffer ? ", multi-buffer" : "",
		(unsigned long long)pkts,
		(unsigned long long)bytes, r->seconds);
	for (i = 0; i < r->nr_queues; i++) {
		const struct queue_report *q = &r->queues[i];

		if (q->rx_ifname)
			fprintf(f, "  %s -> %s\n", q->rx_ifname, q->tx_ifname);
		fprintf(f, "  queue %-3u rx %llu frames %llu bytes; dropped %llu, rx ring full %llu, fill ring empty %llu, invalid %llu\n",
			q->queue_id, (unsigned long long)q->rx_packets, (unsigned long long)q->rx_bytes,
			(unsigned long long)q->xdp.rx_dropped, (unsigned long long)q->xdp.rx_ring_full,
			(unsigned long long)q->xdp.rx_fill_ring_empty_descs,
			(unsigned long long)q->xdp.rx_invalid_descs);
		if (q->rx_past_count)
			fprintf(f, "            %llu more taken off the ring past --count, not kept\n",
				(unsigned long long)q->rx_past_count);
		if (r->tx) {
			fprintf(f, "            tx %llu frames %llu bytes, %llu completed; not sent %llu (tx ring full %llu, not completed at stop %llu, dropped by the device %llu); tx invalid %llu; kicks busy %llu, failed %llu%s%s\n",
				(unsigned long long)q->tx_packets, (unsigned long long)q->tx_bytes,
				(unsigned long long)q->tx_completed, (unsigned long long)tx_not_sent(q),
				(unsigned long long)q->tx_ring_full,
				(unsigned long long)q->tx_not_completed,
				(unsigned long long)q->tx_dropped,
				(unsigned long long)q->xdp.tx_invalid_descs,
				(unsigned long long)q->tx_busy, (unsigned long long)q->tx_kick_errors,
				q->tx_kick_errno ? ": " : "",
				q->tx_kick_errno ? strerror(q->tx_kick_errno) : "");
		}
		fprintf(f, "            wakeups: sendto %llu, recvfrom %llu, poll %llu\n",
			(unsigned long long)q->sendto_calls, (unsigned long long)q->recvfrom_calls,
			(unsigned long long)q->poll_calls);
	}
	fputs("  program:", f);
	report_bpf_text(f, r->bpf);
	fputc('\n', f);
	fputs("  refused by the kernel after XDP_REDIRECT:\n", f);
	explain_text(f, &r->explain, "    ");
	if (r->out_ifname && r->bridge) {
		fprintf(f, "  program on %s (%s mode):", r->out_ifname, r->out_attach_mode);
		report_bpf_text(f, r->out_bpf);
		fputc('\n', f);
	}
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
	if (r->umem && (r->umem->unaligned || r->umem->hugepages))
		fprintf(f, "  umem: %s chunks of %u bytes%s, %llu bytes a queue\n",
			r->umem->unaligned ? "unaligned" : "aligned", r->umem->frame_size,
			r->umem->hugepages ? " in huge pages" : "",
			(unsigned long long)r->umem->bytes);
	if (r->meta)
		fprintf(f, "  metadata: timestamps %s; of %llu frames with metadata, driver timestamp %llu, hash %llu (%llu distinct), vlan %llu\n",
			meta_timestamps_word(r->meta), (unsigned long long)r->meta->frames,
			(unsigned long long)r->meta->timestamp, (unsigned long long)r->meta->hash,
			(unsigned long long)r->meta->distinct_hashes,
			(unsigned long long)r->meta->vlan);
}

/* Per second, from a counter's two readings (a counter never goes back). */
static double per_sec(__u64 now, __u64 prev, double dt)
{
	return now >= prev ? (now - prev) / dt : 0;
}

static void interval_row(FILE *f, double t, const char *name, const struct queue_report *a,
			 const struct queue_report *b, double dt)
{
	double pkts = per_sec(a->rx_packets, b->rx_packets, dt) +
		      per_sec(a->tx_packets, b->tx_packets, dt);
	double wake = per_sec(wakeups(a), wakeups(b), dt);

	/* L2: the frame from the Ethernet header on, no FCS, as rx_bytes counts it. */
	fprintf(f, "%8.2f %-5s %12.0f %11.3f %11.0f %11.3f %10.0f %11.0f %11.0f %11.0f %11.0f %11.0f %11.0f %10.0f %9.3f %14llu\n",
		t, name,
		per_sec(a->rx_packets, b->rx_packets, dt),
		per_sec(a->rx_bytes, b->rx_bytes, dt) * 8 / 1e6,
		per_sec(a->tx_packets, b->tx_packets, dt),
		per_sec(a->tx_bytes, b->tx_bytes, dt) * 8 / 1e6,
		per_sec(tx_not_sent(a), tx_not_sent(b), dt),
		per_sec(a->xdp.rx_dropped, b->xdp.rx_dropped, dt),
		per_sec(a->xdp.rx_ring_full, b->xdp.rx_ring_full, dt),
		per_sec(a->xdp.rx_fill_ring_empty_descs, b->xdp.rx_fill_ring_empty_descs, dt),
		per_sec(a->xdp.rx_invalid_descs, b->xdp.rx_invalid_descs, dt),
		per_sec(a->xdp.tx_invalid_descs, b->xdp.tx_invalid_descs, dt),
		per_sec(a->xdp.tx_ring_empty_descs, b->xdp.tx_ring_empty_descs, dt),
		wake, pkts > 0 ? wake / pkts : 0.0,
		(unsigned long long)a->rx_packets);
}

static void queue_add(struct queue_report *sum, const struct queue_report *q)
{
	sum->rx_packets += q->rx_packets;
	sum->rx_bytes += q->rx_bytes;
	sum->rx_past_count += q->rx_past_count;
	sum->tx_packets += q->tx_packets;
	sum->tx_bytes += q->tx_bytes;
	sum->tx_completed += q->tx_completed;
	sum->tx_ring_full += q->tx_ring_full;
	sum->tx_not_completed += q->tx_not_completed;
	sum->tx_busy += q->tx_busy;
	sum->tx_dropped += q->tx_dropped;
	sum->tx_kick_errors += q->tx_kick_errors;
	if (q->tx_kick_errno)
		sum->tx_kick_errno = q->tx_kick_errno;
	sum->sendto_calls += q->sendto_calls;
	sum->recvfrom_calls += q->recvfrom_calls;
	sum->poll_calls += q->poll_calls;
	sum->xdp.tx_invalid_descs += q->xdp.tx_invalid_descs;
	sum->xdp.tx_ring_empty_descs += q->xdp.tx_ring_empty_descs;
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
	/*
	 * Per second but the last two columns: RX then TX frames and L2
	 * Mbit/s, the frames not sent, the six XDP_STATISTICS, the worker's
	 * wakeup system calls and those per frame (RX + TX), frames so far.
	 */
	fprintf(f, "%8s %-5s %12s %11s %11s %11s %10s %11s %11s %11s %11s %11s %11s %10s %9s %14s\n",
		"time", "queue", "pps", "L2 Mbit/s", "tx pps", "tx Mbit/s", "notsent/s", "dropped/s",
		"ringfull/s", "fillempty/s", "invalid/s", "txinvalid/s", "txempty/s", "wakeups/s",
		"wake/pkt", "frames");
	for (i = 0; i < now->nr_queues; i++) {
		/* --bridge: the rows of frames received on the --out device are 2:qN. */
		snprintf(name, sizeof(name), "%sq%u", now->queues[i].second ? "2:" : "",
			 now->queues[i].queue_id);
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
	explain_interval(f, now->seconds, &now->explain, &prev->explain);
	if (now->out_ifname && now->bridge) {
		fprintf(f, "%8.2f prog2", now->seconds);
		for (i = 0; i < XSK_STAT_MAX; i++)
			fprintf(f, " %s %llu (+%llu)", xsk_stat_names[i],
				(unsigned long long)now->out_bpf[i].packets,
				(unsigned long long)(now->out_bpf[i].packets - prev->out_bpf[i].packets));
		fputc('\n', f);
	}
}

/* gen: the sums over the queues, in the order report_gen() gives them. */
struct gen_sums {
	__u64 frames, not_completed, dropped, invalid, wakeups, sendto, poll;
};

static void gen_sum(const struct gen_report *r, struct gen_sums *t)
{
	__u32 i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < r->nr_queues; i++) {
		const struct gen_queue_report *q = &r->queues[i];

		t->frames += q->frames;
		t->not_completed += q->not_completed;
		t->dropped += q->dropped;
		t->invalid += q->tx_invalid_descs;
		t->wakeups += q->wakeups;
		t->sendto += q->sendto_calls;
		t->poll += q->poll_calls;
	}
}

static json_object *gen_object(const struct gen_report *r, const struct gen_sums *t, double secs)
{
	json_object *root = json_object_new_object(), *qs = json_object_new_array();
	__u32 i;

	if (r->json_type)
		jput_str(root, "type", r->json_type);
	jput_str(root, "ifname", r->ifname);
	jput_str(root, "engine", r->xsk ? "xsk" : "xdp");
	jput_u64(root, "size", r->size);
	/* UMEM frames (descriptors) per frame: > 1 is multi-buffer. */
	jput_u64(root, "buffers_per_frame", r->buffers_per_frame ? r->buffers_per_frame : 1);
	jput_u64(root, "frames", t->frames);
	jput_u64(root, "bytes", t->frames * r->size);
	jput(root, "seconds", json_object_new_double(secs));
	jput(root, "pps", json_object_new_double(t->frames / secs));
	jput(root, "bps", json_object_new_double(t->frames * r->size * 8 / secs));
	jput(root, "rate_asked", r->rate_asked ? json_object_new_double(r->rate_asked) : NULL);
	jput_u64(root, "not_sent", r->not_sent);
	jput_str(root, "not_sent_reason", r->not_sent ? r->why : NULL);
	jput_u64(root, "not_completed", t->not_completed);
	jput_u64(root, "dropped", t->dropped);
	jput_u64(root, "tx_invalid_descs", t->invalid);
	/* A number, before "queues": the bench's first "wakeups" is the total. */
	jput_u64(root, "wakeups", t->wakeups);
	for (i = 0; i < r->nr_queues; i++) {
		const struct gen_queue_report *q = &r->queues[i];
		json_object *o = json_object_new_object();

		if (r->xsk)
			jput_u64(o, "queue", q->queue_id);
		jput(o, "cpu", q->cpu >= 0 ? json_object_new_uint64(q->cpu) : NULL);
		jput_u64(o, "frames", q->frames);
		jput_u64(o, "bytes", q->frames * r->size);
		jput_u64(o, "not_completed", q->not_completed);
		jput_u64(o, "dropped", q->dropped);
		jput_u64(o, "tx_invalid_descs", q->tx_invalid_descs);
		jput_u64(o, r->xsk ? "wakeups" : "prog_runs", q->wakeups);
		if (r->xsk) {
			jput_u64(o, "sendto", q->sendto_calls);
			jput_u64(o, "poll", q->poll_calls);
		}
		json_object_array_add(qs, o);
	}
	jput(root, "queues", qs);
	return root;
}

json_object *report_gen_object(const struct gen_report *r)
{
	struct gen_sums t;

	gen_sum(r, &t);
	return gen_object(r, &t, r->seconds > 0 ? r->seconds : 1e-9);
}

static bool report_gen_json(FILE *f, const struct gen_report *r, const struct gen_sums *t,
			    double secs)
{
	json_object *root = gen_object(r, t, secs);
	bool ret = false;

	if (r->extra)
		ret = r->extra(r->extra_ctx, root);
	json_out_print(f, root);
	return ret;
}

bool report_gen(FILE *f, const struct gen_report *r, bool json)
{
	double secs = r->seconds > 0 ? r->seconds : 1e-9;
	struct gen_sums t;
	__u32 i;

	gen_sum(r, &t);
	if (json)
		return report_gen_json(f, r, &t, secs);
	if (r->nr_queues > 1)
		for (i = 0; i < r->nr_queues; i++) {
			const struct gen_queue_report *q = &r->queues[i];

			fprintf(f, "  %s %u: %llu frames, %llu bytes, %llu wakeups\n",
				r->xsk ? "queue" : "cpu", r->xsk ? q->queue_id : (__u32)q->cpu,
				(unsigned long long)q->frames,
				(unsigned long long)(q->frames * r->size),
				(unsigned long long)q->wakeups);
		}
	fprintf(f, "gen %s (engine %s): %llu frames, %llu bytes in %.3f s: %.0f pps, %.1f Mbit/s\n",
		r->ifname, r->xsk ? "xsk" : "xdp", (unsigned long long)t.frames,
		(unsigned long long)(t.frames * r->size), secs, t.frames / secs,
		t.frames * r->size * 8 / secs / 1e6);
	if (r->xsk)
		fprintf(f, "  wakeups: sendto %llu, poll %llu (%.4f a frame)\n",
			(unsigned long long)t.sendto, (unsigned long long)t.poll,
			t.frames ? (double)t.wakeups / t.frames : 0.0);
	else
		fprintf(f, "  BPF_PROG_RUN calls: %llu\n", (unsigned long long)t.wakeups);
	if (r->not_sent || t.invalid)
		fprintf(f, "  not sent: %llu (%s); not completed %llu, dropped before the wire %llu; invalid TX descriptors: %llu\n",
			(unsigned long long)r->not_sent, r->why ? r->why : "-",
			(unsigned long long)t.not_completed, (unsigned long long)t.dropped,
			(unsigned long long)t.invalid);
	return r->extra ? r->extra(r->extra_ctx, NULL) : false;
}

int report_flush(FILE *f, bool json)
{
	int e;

	if (fflush(f) != EOF && !ferror(f))
		return 0;
	e = errno ? errno : EIO;
	pr_err("writing the %s summary to %s failed: %s\n", json ? "JSON" : "text",
	       f == stdout ? "stdout" : "stderr", strerror(e));
	if (f == stdout)
		stdout_error_said();
	return -1;
}
