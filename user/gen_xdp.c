// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xskmap gen --engine xdp`: BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES
 * (Linux 5.18) runs xsk_gen_tx (bpf/xsk_gen.bpf.c) on `repeat` copies of
 * the frame as if they had arrived on IFNAME, and its XDP_TX transmits each
 * one out of IFNAME: one system call sends thousands of frames, with no
 * socket and no copy from userspace. On veth the frames go to the peer
 * through ndo_xdp_xmit, which needs an XDP program on the peer (or GRO).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "gen.h"
#include "kernel_features.h"
#include "log.h"
#include "util.h"
#include "xsk_gen.skel.h"

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

/*
 * A call should last about this long: stops stay prompt, and the fixed
 * cost of a call (a page pool made and destroyed, with an RCU grace period
 * on recent kernels: tens of ms on a loaded machine) stays small.
 */
#define GEN_XDP_CALL_NS 200000000ULL
#define GEN_XDP_MIN_CHUNK 65536

struct gen_xdp {
	struct xsk_gen *skel;
	int prog_fd;
};

int gen_xdp_setup(struct gen_state *g)
{
	struct gen_xdp *x = calloc(1, sizeof(*x));
	int ret;

	if (!x) {
		pr_err("out of memory\n");
		return EXIT_FAIL;
	}
	g->xdp = x;
	x->skel = xsk_gen__open();
	if (!x->skel) {
		pr_err("cannot open the gen program: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	x->skel->rodata->gen_len = g->lay.len;
	x->skel->rodata->gen_l4_off = g->lay.l4_off;
	x->skel->rodata->gen_base_sum = g->lay.base_sum;
	x->skel->rodata->gen_sport_lo = g->o.sport_lo;
	x->skel->rodata->gen_nsport = g->o.sport_hi - g->o.sport_lo + 1;
	x->skel->rodata->gen_dport_lo = g->o.dport_lo;
	x->skel->rodata->gen_ndport = g->o.dport_hi - g->o.dport_lo + 1;
	x->skel->rodata->gen_wall_off_ns = g->wall_off_ns;
	x->skel->rodata->gen_hdr_len = g->lay.pg_off + PKTGEN_HDR_LEN;
	memcpy((void *)x->skel->rodata->gen_hdr, g->frame, g->lay.pg_off + PKTGEN_HDR_LEN);
	ret = xsk_gen__load(x->skel);
	if (ret) {
		char why[200];

		/* Its helper bpf_xdp_store_bytes() came with live frames, in 5.18. */
		features_missing_msg(FEAT_LIVE_FRAMES, why, sizeof(why));
		pr_err("cannot load the gen program: %s; if this kernel lacks it: %s; use --engine xsk ('xskmap features' says what is there)\n",
		       strerror(-ret), why);
		return EXIT_FAIL;
	}
	x->prog_fd = bpf_program__fd(x->skel->progs.xsk_gen_tx);
	return EXIT_OK;
}

void gen_xdp_destroy(struct gen_state *g)
{
	if (!g->xdp)
		return;
	xsk_gen__destroy(g->xdp->skel);
	free(g->xdp);
	g->xdp = NULL;
}

static void gen_xdp_fail(struct gen_thread *t, int err)
{
	char why[200];

	t->error = err;
	if (err == EINVAL || err == EOPNOTSUPP) {
		features_missing_msg(FEAT_LIVE_FRAMES, why, sizeof(why));
		snprintf(t->errmsg, sizeof(t->errmsg),
			 "BPF_PROG_RUN refuses live frames on %s (%s): %s; use --engine xsk",
			 t->g->o.ifname, strerror(err), why);
	} else {
		snprintf(t->errmsg, sizeof(t->errmsg), "BPF_PROG_RUN (live frames) on %s failed: %s",
			 t->g->o.ifname, strerror(err));
	}
}

void *gen_xdp_thread(void *arg)
{
	struct gen_thread *t = arg;
	struct gen_state *g = t->g;
	struct xdp_md ctx = { .data_end = g->lay.len, .ingress_ifindex = g->ifindex };
	__u32 slot = t->cpu & 255, chunk = GEN_XDP_MIN_CHUNK;
	struct gen_pace pace;

	/*
	 * Paced in 20 ms slices: each BPF_PROG_RUN call has a fixed cost of
	 * about 20 ms here (the run's page pool is set up and torn down, an RCU
	 * grace period), so finer slices cannot keep the rate. --engine xsk
	 * paces batch by batch where bursts matter.
	 */
	gen_pace_init(&pace, g->o.rate / g->nr_threads, g->o.rate / g->nr_threads / 50,
		      g->o.rate / g->nr_threads / 4);
	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = g->frame, .data_size_in = g->lay.len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = g->o.batch);
		__u64 seq, t0 = mono_ns(), dt;
		__u32 n = gen_pace_take(&pace, chunk);

		if (!n)
			continue;
		n = gen_take(g, n, &seq);
		if (!n)
			break;
		/* The program numbers this run's frames from seq on, on this CPU. */
		__atomic_store_n(&g->xdp->skel->bss->gen_next[slot], (__u32)seq, __ATOMIC_RELEASE);
		topts.repeat = n;
		if (bpf_prog_test_run_opts(g->xdp->prog_fd, &topts)) {
			gen_xdp_fail(t, errno);
			break;
		}
		gen_pace_spent(&pace, n);
		__atomic_store_n(&t->c.frames, t->c.frames + n, __ATOMIC_RELAXED);
		__atomic_store_n(&t->c.submitted, t->c.submitted + n, __ATOMIC_RELAXED);
		__atomic_store_n(&t->c.wakeups, t->c.wakeups + 1, __ATOMIC_RELAXED);
		/* Aim the next call at GEN_XDP_CALL_NS. */
		dt = mono_ns() - t0;
		if (dt)
			chunk = (double)n * GEN_XDP_CALL_NS / dt;
		if (chunk < GEN_XDP_MIN_CHUNK)
			chunk = GEN_XDP_MIN_CHUNK;
		if (chunk > (1U << 22))
			chunk = 1U << 22;
	}
	__atomic_store_n(&t->done, true, __ATOMIC_RELEASE);
	return NULL;
}
