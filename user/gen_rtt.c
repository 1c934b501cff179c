// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xskmap gen --rtt: the frames come back. Each carries its monotonic send
 * time after the pktgen header (pktbuild.h); a peer running `xskmap run
 * --action fwd` swaps the MAC addresses and sends it back out, and it
 * arrives on the same interface. To take it off the wire gen attaches
 * xsk_redirect to IFNAME, as `run` does, with one rule that matches only
 * what gen sent (addresses, ports, tag) and sends it to the socket of the
 * queue it arrives on; every other frame goes to the kernel.
 *
 * Each socket then has an RX ring and half its UMEM in the fill ring (the
 * other half is the TX pool: the halves never mix). The sending thread
 * reads its RX ring between sends and never sleeps in the pacing: it waits
 * in ppoll() on the socket until a frame lands or the next send is due
 * (--spin: it spins), so the receive time is read when the frame lands,
 * not when the next send is due.
 * A round trip is the receive time, read once per RX batch, less the send
 * time, read once per TX batch just before the kick: both CLOCK_MONOTONIC,
 * one clock for every CPU.
 *
 * Samples go into a preallocated histogram per thread (rtt_hist.h), merged
 * at the end; which sequence numbers came back is a bit window shared by
 * the threads (a frame may come back on another queue than it left on).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/bpf.h>

#include "cls_maps.h"
#include "gen.h"
#include "iface.h"
#include "json_out.h"
#include "log.h"
#include "ruleset.h"
#include "util.h"

/* The rule that steers what comes back: "src A dst B udp sport ... -> queue". */
static int gen_rtt_rule(const struct gen_state *g, char *buf, size_t len)
{
	const struct gen_opts *o = &g->o;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], vlan[16] = "";

	inet_ntop(g->spec.family, g->spec.src_ip, src, sizeof(src));
	inet_ntop(g->spec.family, g->spec.dst_ip, dst, sizeof(dst));
	if (o->vlan)
		snprintf(vlan, sizeof(vlan), "vlan %u ", o->vlan_id);
	return snprintf(buf, len, "%ssrc %s dst %s udp sport %u-%u dport %u-%u -> queue", vlan, src,
			dst, o->sport_lo, o->sport_hi, o->dport_lo, o->dport_hi) >= (int)len ? -1 : 0;
}

int gen_rtt_setup(struct gen_state *g)
{
	struct prog_cfg pcfg = { .fallback = XDP_PASS };
	struct xsk_ruleset *rs = calloc(1, sizeof(*rs));
	char text[RULE_TEXT_MAX], err[512];
	struct cls_fds fds;
	struct xsk_rule r;
	__u32 i, id;
	int nq;

	g->rtt_seen = calloc(GEN_RTT_WINDOW / 64, sizeof(*g->rtt_seen));
	g->rtt_total = malloc(sizeof(*g->rtt_total));
	for (i = 0; i < g->nr_threads; i++)
		g->t[i].hist = malloc(sizeof(*g->t[i].hist));
	for (i = 0; i < g->nr_threads; i++)
		if (!g->t[i].hist)
			break;
	if (!rs || !g->rtt_seen || !g->rtt_total || i < g->nr_threads) {
		free(rs);
		pr_err("out of memory for the --rtt histograms\n");
		return EXIT_FAIL;
	}
	xskmap_hist_init(g->rtt_total);
	for (i = 0; i < g->nr_threads; i++)
		xskmap_hist_init(g->t[i].hist);

	ruleset_init(rs, XSK_ACT_PASS, 0);
	if (gen_rtt_rule(g, text, sizeof(text)) || rule_parse(text, &r, err, sizeof(err)) ||
	    ruleset_add(rs, &r, -1, &id, err, sizeof(err))) {
		free(rs);
		pr_err("--rtt: cannot make the rule that takes the frames back: %s\n", err);
		return EXIT_FAIL;
	}
	nq = iface_rx_queues(g->o.ifname);
	pcfg.map_entries = nq > 0 ? nq : 1;
	if (prog_load(&g->prog, &pcfg, err, sizeof(err))) {
		free(rs);
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	cls_fds_from_skel(g->prog.skel, &fds);
	if (cls_apply(&fds, rs, err, sizeof(err))) {
		free(rs);
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	free(rs);
	if (prog_attach(&g->prog, g->ifindex, g->o.ifname, ATTACH_AUTO, false, err, sizeof(err))) {
		pr_err("--rtt: %s\n", err);
		return EXIT_FAIL;
	}
	pr_info("--rtt: attached %s to %s in %s mode (BPF link %u) for '%s'\n", XSKMAP_PROG_NAME,
		g->o.ifname, attach_mode_str(g->prog.mode), g->prog.link_id, text);
	return EXIT_OK;
}

int gen_rtt_insert(struct gen_state *g)
{
	char err[256];
	__u32 i;

	for (i = 0; i < g->nr_threads; i++)
		if (xskmap_sock_insert(&g->t[i].sock, prog_xsks_map_fd(&g->prog), g->t[i].queue_id,
				       err, sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_FAIL;
		}
	g->rtt_t0_ns = mono_ns();
	return EXIT_OK;
}

static void gen_rtt_frame(struct gen_thread *t, const __u8 *data, __u32 len, __u64 now)
{
	struct gen_state *g = t->g;
	__u64 taken = __atomic_load_n(&g->taken, __ATOMIC_RELAXED), sent, bit, old;
	__u32 seq, dist, i;

	/* Sequence numbers are 32 bits: distances are taken modulo 2^32. */
	if (!pkt_rtt_read(data, len, &g->lay, &seq, &sent) || sent < g->rtt_t0_ns || sent > now ||
	    (taken <= 0xffffffffULL && seq >= taken) || !(dist = (__u32)taken - seq)) {
		t->rc.not_ours++;
		return;
	}
	if (dist > GEN_RTT_WINDOW) {
		t->rc.late++;
		return;
	}
	i = seq % GEN_RTT_WINDOW;
	bit = 1ULL << (i % 64);
	old = __atomic_fetch_or(&g->rtt_seen[i / 64], bit, __ATOMIC_RELAXED);
	if (old & bit) {
		t->rc.duplicates++;
		return;
	}
	if (t->any_rx && (__s32)(seq - t->hi_seq) < 0)
		t->rc.out_of_order++;
	else
		t->hi_seq = seq;
	t->any_rx = true;
	t->rc.received++;
	xskmap_hist_add(t->hist, now - sent);
}

__u32 gen_rtt_rx(struct gen_thread *t)
{
	struct xskmap_sock *s = &t->sock;
	__u32 idx_rx = 0, idx_fq = 0, n, i;
	__u64 before = t->rc.received, now;

	n = xsk_ring_cons__peek(&s->rx, t->g->o.batch, &idx_rx);
	if (!n) {
		/* A zero-copy driver waits for a wakeup to refill: it wants a recvfrom(). */
		if (xsk_ring_prod__needs_wakeup(s->fq)) {
			t->rc.polls++;
			recvfrom(xskmap_sock_fd(s), NULL, 0, MSG_DONTWAIT, NULL, NULL);
		}
		return 0;
	}
	now = mono_ns();
	/* The fill ring holds every RX frame of the UMEM: this cannot come up short. */
	xsk_ring_prod__reserve(s->fq, n, &idx_fq);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx_rx + i);

		gen_rtt_frame(t, xskmap_umem_data(s->umem, d->addr), d->len, now);
		*xsk_ring_prod__fill_addr(s->fq, idx_fq + i) = xsk_umem__extract_addr(d->addr);
	}
	xsk_ring_prod__submit(s->fq, n);
	xsk_ring_cons__release(&s->rx, n);
	if (t->rc.received > before)
		__atomic_add_fetch(&t->g->rtt_received, t->rc.received - before, __ATOMIC_RELEASE);
	return n;
}

void gen_rtt_idle(struct gen_thread *t, __u64 wait_ns)
{
	struct pollfd pfd = { .fd = xskmap_sock_fd(&t->sock), .events = POLLIN };
	struct timespec ts;

	if (t->g->o.spin)
		return;	/* the caller looks at the ring and the clock again */
	/* At most 100 ms: a stop stays prompt. */
	if (wait_ns > 100000000ULL)
		wait_ns = 100000000ULL;
	ts.tv_sec = 0;
	ts.tv_nsec = wait_ns;
	t->rc.polls++;
	ppoll(&pfd, 1, &ts, NULL);
}

bool gen_rtt_all_back(struct gen_state *g)
{
	__u64 sent = 0;
	__u32 i;

	if (__atomic_load_n(&g->senders_done, __ATOMIC_ACQUIRE) < g->nr_threads)
		return false;
	for (i = 0; i < g->nr_threads; i++)
		sent += __atomic_load_n(&g->t[i].c.frames, __ATOMIC_RELAXED);
	return __atomic_load_n(&g->rtt_received, __ATOMIC_ACQUIRE) >= sent;
}

static json_object *jns(__u64 v, bool have)
{
	return have ? json_object_new_uint64(v) : NULL;
}

bool gen_rtt_report(struct gen_state *g, __u64 sent, json_object *root)
{
	static const struct {
		const char *key, *text;
		double pct;
	} pcts[] = {
		{ "p50", "p50", 50 }, { "p90", "p90", 90 }, { "p99", "p99", 99 },
		{ "p99_9", "p99.9", 99.9 },
	};
	struct xskmap_hist *h = g->rtt_total;
	struct gen_rtt_counters c = {};
	__u64 lost, v[4];
	bool have;
	__u32 i;

	for (i = 0; i < g->nr_threads; i++) {
		const struct gen_rtt_counters *tc = &g->t[i].rc;

		c.received += tc->received;
		c.duplicates += tc->duplicates;
		c.out_of_order += tc->out_of_order;
		c.late += tc->late;
		c.not_ours += tc->not_ours;
		c.polls += tc->polls;
		if (g->t[i].hist)
			xskmap_hist_merge(h, g->t[i].hist);
	}
	lost = sent > c.received ? sent - c.received : 0;
	have = h->count > 0;
	for (i = 0; i < 4; i++)
		v[i] = xskmap_hist_percentile(h, pcts[i].pct);
	if (root) {
		json_object *r = json_object_new_object(), *ns = json_object_new_object();

		jput_u64(r, "sent", sent);
		jput_u64(r, "received", c.received);
		jput_u64(r, "lost", lost);
		jput_u64(r, "out_of_order", c.out_of_order);
		jput_u64(r, "duplicates", c.duplicates);
		jput_u64(r, "late", c.late);
		jput_u64(r, "not_ours", c.not_ours);
		jput(r, "timeout", json_object_new_double(g->o.rtt_timeout));
		jput_str(r, "wait", g->o.spin ? "spin" : "poll");
		jput(ns, "min", jns(h->min, have));
		for (i = 0; i < 4; i++)
			jput(ns, pcts[i].key, jns(v[i], have));
		jput(ns, "max", jns(h->max, have));
		jput(ns, "mean", have ? json_object_new_double((double)h->sum / h->count) : NULL);
		jput(r, "ns", ns);
		/* What a percentile can be off by: the upper edge of a 1/128-wide bucket. */
		jput(r, "resolution", json_object_new_double(1.0 / XSKMAP_HIST_SUB));
		jput(root, "rtt", r);
	} else {
		fprintf(stderr, "  rtt: %llu sent, %llu received, %llu lost (%.2f%%), %llu out of order, %llu duplicates",
			(unsigned long long)sent, (unsigned long long)c.received,
			(unsigned long long)lost, sent ? 100.0 * lost / sent : 0.0,
			(unsigned long long)c.out_of_order, (unsigned long long)c.duplicates);
		if (c.late || c.not_ours)
			fprintf(stderr, ", %llu late, %llu not ours", (unsigned long long)c.late,
				(unsigned long long)c.not_ours);
		fputc('\n', stderr);
		if (have) {
			fprintf(stderr, "  rtt us: min %.3f", h->min / 1e3);
			for (i = 0; i < 4; i++)
				fprintf(stderr, " %s %.3f", pcts[i].text, v[i] / 1e3);
			fprintf(stderr, " max %.3f mean %.3f\n", h->max / 1e3,
				(double)h->sum / h->count / 1e3);
		}
	}
	return lost > 0;
}

void gen_rtt_destroy(struct gen_state *g)
{
	__u32 i;

	prog_destroy(&g->prog);
	for (i = 0; g->t && i < g->nr_threads; i++) {
		free(g->t[i].hist);
		g->t[i].hist = NULL;
	}
	free(g->rtt_seen);
	free(g->rtt_total);
	g->rtt_seen = NULL;
	g->rtt_total = NULL;
}
