// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xskmap gen: a traffic generator. The frame (pktbuild.h) is built once;
 * the xsk engine copies it into every TX frame of each queue's UMEM at
 * start and then patches only the ports, the pktgen sequence and time and
 * the UDP checksum per frame; the xdp engine (gen_xdp.c) has the XDP
 * program do the same patching on the kernel's copies.
 *
 * xsk: one TX-only AF_XDP socket per queue (no RX ring, so no XDP program
 * is needed: the kernel only requires the UMEM's fill and completion rings
 * to exist, and the fill ring stays empty). Every UMEM frame is in the
 * free pool; a frame goes on the TX ring, comes back on the completion
 * ring, and returns to the pool. A frame counts as sent once it is
 * completed: -c N ends when N completions came back.
 */
#include <errno.h>
#include <sys/prctl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/bpf.h>

#include "cmd.h"
#include "gen.h"
#include "kernel_features.h"
#include "iface.h"
#include "json_out.h"
#include "log.h"
#include "opts.h"
#include "util.h"

static volatile sig_atomic_t gen_stop_flag;

static void gen_on_signal(int sig)
{
	(void)sig;
	gen_stop_flag = 1;
}

__u32 gen_take(struct gen_state *g, __u32 want, __u64 *seq)
{
	__u64 base;

	if (__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE))
		return 0;
	base = __atomic_fetch_add(&g->taken, want, __ATOMIC_RELAXED);
	if (g->o.count) {
		if (base >= g->o.count)
			return 0;
		if (want > g->o.count - base)
			want = g->o.count - base;
	}
	*seq = base;
	return want;
}

void gen_pace_init(struct gen_pace *p, double rate, double min, double cap)
{
	p->rate = rate;
	p->min = min < 1 ? 1 : min;
	p->cap = cap;
	if (p->cap < 2 * p->min)
		p->cap = 2 * p->min;
	p->tokens = p->min;
	p->last_ns = mono_ns();
}

__u32 gen_pace_take(struct gen_pace *p, __u32 max)
{
	struct timespec ts = { 0, 0 };
	__u64 now;
	double need;

	if (!p->rate)
		return max;
	now = mono_ns();
	p->tokens += (now - p->last_ns) * p->rate / 1e9;
	p->last_ns = now;
	if (p->tokens > p->cap)
		p->tokens = p->cap;
	if (p->tokens >= p->min)
		return p->tokens < max ? (__u32)p->tokens : max;
	/* Sleep until the slice is due (at most 0.1 s: stops stay prompt). */
	need = (p->min - p->tokens) / p->rate * 1e9;
	if (need > 100000000)
		need = 100000000;
	p->wait_ns = need;
	if (p->no_sleep)
		return 0;
	if (need >= 20000) {
		ts.tv_nsec = need;
		nanosleep(&ts, NULL);
	}
	return 0;
}

void gen_pace_spent(struct gen_pace *p, __u32 n)
{
	if (p->rate)
		p->tokens -= n;
}

int gen_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) ? (errno = EINVAL, -1) : 0;
}

static void add_u64(__u64 *p, __u64 n)
{
	__atomic_store_n(p, *p + n, __ATOMIC_RELAXED);
}

/*
 * Chains: a slot is free again, and its frame sent, when its last buffer
 * completes (the kernel completes a frame's buffers in order, and never a
 * later frame's before). Returns the buffers taken off the ring.
 */
static __u32 gen_xsk_complete_chains(struct gen_thread *t, __u32 *frames)
{
	struct xskmap_umem *u = &t->umem;
	__u32 bufs = t->g->bufs, idx = 0, n, i, f = 0;

	n = xsk_ring_cons__peek(t->sock.cq, t->g->o.ring_size, &idx);
	for (i = 0; i < n; i++) {
		__u64 chunk = xsk_umem__extract_addr(*xsk_ring_cons__comp_addr(t->sock.cq, idx + i)) /
			      u->frame_size;

		if (chunk % bufs == bufs - 1) {
			xskmap_umem_free(u, (chunk - (bufs - 1)) * u->frame_size);
			f++;
		}
	}
	if (n)
		xsk_ring_cons__release(t->sock.cq, n);
	*frames = f;
	return n;
}

/* Completions back to the pool, counted as sent. */
static __u32 gen_xsk_complete(struct gen_thread *t)
{
	__u32 n, frames;

	if (t->g->bufs > 1) {
		n = gen_xsk_complete_chains(t, &frames);
	} else {
		n = xskmap_umem_complete(&t->umem, t->sock.cq, t->sock.fq, t->g->o.ring_size, false);
		frames = n;
	}
	if (frames)
		add_u64(&t->c.frames, frames);
	return n;
}

static int gen_xsk_kick(struct gen_thread *t)
{
	int ret;

	if (!xsk_ring_prod__needs_wakeup(&t->sock.tx))
		return 0;
	add_u64(&t->c.wakeups, 1);
	ret = xskmap_sock_kick_tx(&t->sock);
	if (ret) {
		t->error = -ret;
		snprintf(t->errmsg, sizeof(t->errmsg), "TX on %s queue %u failed: %s",
			 t->g->o.ifname, t->queue_id, strerror(-ret));
	}
	return ret;
}

/*
 * After the last send: what is on the TX ring until it is completed (a
 * second at most) and, with --rtt, what comes back until every frame sent
 * is back or --timeout has passed since the last send.
 */
static void gen_xsk_drain(struct gen_thread *t)
{
	struct gen_state *g = t->g;
	__u64 now = mono_ns(), tx_end = now + 1000000000ULL, rtt_end;

	t->last_send_ns = now;
	rtt_end = now + (__u64)(g->o.rtt_timeout * 1e9);
	if (g->o.rtt)
		__atomic_add_fetch(&g->senders_done, 1, __ATOMIC_RELEASE);
	for (;;) {
		bool tx_left = t->c.frames < t->c.submitted && now < tx_end;
		bool rx_left = g->o.rtt && now < rtt_end && !gen_rtt_all_back(g);
		bool progress = false;

		if (!tx_left && !rx_left)
			break;
		if (tx_left) {
			if (gen_xsk_complete(t))
				progress = true;
			else if (t->error || gen_xsk_kick(t))
				tx_end = 0;	/* a TX error: nothing more will complete */
		}
		if (rx_left && gen_rtt_rx(t))
			progress = true;
		if (!progress) {
			if (rx_left && !tx_left)
				gen_rtt_idle(t, rtt_end - now);
			else
				sched_yield();
		}
		now = mono_ns();
	}
}

static void *gen_xsk_thread(void *arg)
{
	struct gen_thread *t = arg;
	struct gen_state *g = t->g;
	__u32 batch = g->o.batch, len = g->lay.len, bufs = g->bufs, fs = g->o.frame_size;
	bool rtt = g->o.rtt;
	struct gen_pace pace;

	if (t->cpu >= 0 && gen_pin(t->cpu)) {
		t->error = errno;
		snprintf(t->errmsg, sizeof(t->errmsg), "cannot pin queue %u's thread to CPU %d; fix --cpus",
			 t->queue_id, t->cpu);
		if (rtt)
			__atomic_add_fetch(&g->senders_done, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	if (g->o.rate)
		prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	gen_pace_init(&pace, g->o.rate / g->nr_threads, 1, g->o.rate / g->nr_threads / 200);
	/* --rtt reads its RX ring while it waits: the pacing must not sleep. */
	pace.no_sleep = rtt;
	for (;;) {
		struct timespec now;
		__u32 n, i, idx = 0;
		__u64 seq, ns = 0;

		gen_xsk_complete(t);
		if (rtt)
			gen_rtt_rx(t);
		n = gen_pace_take(&pace, batch);
		if (!n) {
			if (__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE))
				break;
			if (rtt)
				gen_rtt_idle(t, pace.wait_ns);
			continue;
		}
		if (n > t->umem.nr_free)
			n = t->umem.nr_free;
		/* A frame takes bufs descriptors; never a chain cut by the ring. */
		if (xsk_prod_nb_free(&t->sock.tx, n * bufs) < n * bufs)
			n = xsk_prod_nb_free(&t->sock.tx, n * bufs) / bufs;
		if (!n) {
			/* Ring or pool full: what is on the ring has to go first. */
			if (gen_xsk_kick(t))
				break;
			if (__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE))
				break;
			continue;
		}
		n = gen_take(g, n, &seq);
		if (!n)
			break;
		xsk_ring_prod__reserve(&t->sock.tx, n * bufs, &idx);
		clock_gettime(CLOCK_REALTIME, &now);
		/* The send time of a round trip: once per batch, just before the kick. */
		if (rtt)
			ns = mono_ns();
		for (i = 0; i < n; i++) {
			__u16 sport, dport;
			__u64 addr = 0;
			__u32 j;

			xskmap_umem_alloc(&t->umem, &addr);
			gen_ports(&g->o, seq + i, &sport, &dport);
			if (rtt)
				gen_rtt_forget(g, (__u32)(seq + i));
			/* Every field stamped lies in the first buffer. */
			pkt_stamp_rtt(xskmap_umem_data(&t->umem, addr), &g->lay, sport, dport,
				      (__u32)(seq + i), now.tv_sec, now.tv_nsec / 1000, ns);
			for (j = 0; j < bufs; j++) {
				struct xdp_desc *d = xsk_ring_prod__tx_desc(&t->sock.tx,
									   idx + i * bufs + j);

				d->addr = addr + (__u64)j * fs;
				d->len = j + 1 < bufs ? fs : len - (bufs - 1) * fs;
				d->options = j + 1 < bufs ? XDP_PKT_CONTD : 0;
			}
		}
		xsk_ring_prod__submit(&t->sock.tx, n * bufs);
		add_u64(&t->c.submitted, n);
		gen_pace_spent(&pace, n);
		if (gen_xsk_kick(t))
			break;
	}
	gen_xsk_drain(t);
	return NULL;
}

static int gen_if_mac(const char *ifname, __u8 *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		ret = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* The interface and the frame, checked before anything is made. */
static int gen_check(struct gen_state *g)
{
	struct gen_opts *o = &g->o;
	__u8 mac[6] = {};
	char err[256], caps[128];
	__u32 max, i;
	int mtu, nq;

	if (check_caps(caps, sizeof(caps))) {
		pr_err("missing %s: run as root, or grant them with 'setcap cap_net_admin,cap_net_raw,cap_bpf,cap_ipc_lock+ep xskmap'\n",
		       caps);
		return EXIT_FAIL;
	}
	g->ifindex = if_nametoindex(o->ifname);
	if (!g->ifindex) {
		pr_err("interface '%s' does not exist: check the name with 'ip link show'\n", o->ifname);
		return EXIT_USAGE;
	}
	if (!o->src_mac_set && gen_if_mac(o->ifname, mac)) {
		pr_err("cannot read the MAC address of %s: %s; give --src-mac\n", o->ifname,
		       strerror(errno));
		return EXIT_FAIL;
	}
	if (gen_opts_spec(o, mac, &g->spec, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_USAGE;
	}
	mtu = iface_mtu(o->ifname);
	if (mtu > 0 && g->spec.size > (__u32)mtu + pkt_l2_len(&g->spec)) {
		pr_err("invalid --size %u: the MTU of %s (%d) allows frames of at most %u bytes%s; lower -s or raise the MTU\n",
		       g->spec.size, o->ifname, mtu, mtu + pkt_l2_len(&g->spec),
		       o->vlan ? " with the 802.1Q tag" : "");
		return EXIT_USAGE;
	}
	/*
	 * BPF_PROG_RUN's live-frames mode refuses data larger than its page
	 * (EINVAL, net/bpf/test_run.c): no multi-buffer frames there.
	 */
	if (o->engine == GEN_ENGINE_XDP && g->spec.size > GEN_XDP_MAX_FRAME) {
		pr_err("invalid --size %u: --engine xdp sends frames of at most %u bytes: BPF_PROG_RUN's live-frames mode runs each frame on one page and takes no multi-buffer frames; use --engine xsk for larger frames\n",
		       g->spec.size, GEN_XDP_MAX_FRAME);
		return EXIT_USAGE;
	}
	max = o->engine == GEN_ENGINE_XDP ? GEN_XDP_MAX_FRAME : GEN_MAX_FRAME;
	if (g->spec.size > max) {
		pr_err("invalid --size %u: gen sends frames of at most %u bytes\n", g->spec.size, max);
		return EXIT_USAGE;
	}
	g->bufs = 1;
	if (o->engine == GEN_ENGINE_XSK && g->spec.size > o->frame_size) {
		char msg[512];
		enum feat_state st = features_check(FEAT_XSK_MULTI_BUFFER, msg, sizeof(msg));

		/* A frame longer than a UMEM frame goes as a chain of descriptors. */
		if (st != FEAT_AVAILABLE) {
			pr_err("--size %u is longer than a %u-byte UMEM frame, so each frame would go over several descriptors, but %s; lower -s to %u\n",
			       g->spec.size, o->frame_size,
			       st == FEAT_MISSING ? msg : "this kernel's AF_XDP multi-buffer could not be probed",
			       o->frame_size);
			return EXIT_FAIL;
		}
		g->bufs = (g->spec.size + o->frame_size - 1) / o->frame_size;
		if (o->frames < g->bufs) {
			pr_err("--frames %u is less than the %u UMEM frames one %u-byte frame takes: raise --frames\n",
			       o->frames, g->bufs, g->spec.size);
			return EXIT_USAGE;
		}
	}
	/* What comes back lands behind the kernel's XDP headroom in a UMEM frame. */
	if (o->rtt && g->spec.size > o->frame_size - XDP_PACKET_HEADROOM) {
		pr_err("invalid --size %u with --rtt: a frame coming back must fit a UMEM frame less the %u bytes of XDP headroom (%u)\n",
		       g->spec.size, XDP_PACKET_HEADROOM, o->frame_size - XDP_PACKET_HEADROOM);
		return EXIT_USAGE;
	}
	if (pkt_build(&g->spec, g->frame, &g->lay)) {
		pr_err("cannot build a %u-byte frame\n", g->spec.size);
		return EXIT_USAGE;
	}
	if (o->engine == GEN_ENGINE_XSK) {
		nq = iface_rx_queues(o->ifname);
		if (nq <= 0) {
			pr_err("cannot read the queue count of %s: %s\n", o->ifname,
			       strerror(nq ? -nq : ENOENT));
			return EXIT_FAIL;
		}
		for (i = 0; i < o->nr_queues; i++)
			if (o->queues[i] >= (__u32)nq) {
				pr_err("queue %u is out of range: %s has %d queue%s (0-%d); fix -q\n",
				       o->queues[i], o->ifname, nq, nq == 1 ? "" : "s", nq - 1);
				return EXIT_USAGE;
			}
	}
	for (i = 0; i < o->nr_cpus; i++)
		if (o->cpus[i] >= CPU_SETSIZE || (o->engine == GEN_ENGINE_XDP && o->cpus[i] > 255)) {
			pr_err("invalid --cpus: CPU %d is past what gen can pin (%d)\n", o->cpus[i],
			       o->engine == GEN_ENGINE_XDP ? 255 : CPU_SETSIZE - 1);
			return EXIT_USAGE;
		}
	return EXIT_OK;
}

/* Chains: the pool holds the head of each slot of g->bufs consecutive frames. */
static void gen_slots(struct gen_state *g, struct xskmap_umem *u)
{
	__u32 slots = u->nr_frames / g->bufs, i;

	u->nr_free = 0;
	for (i = 0; i < slots; i++)
		xskmap_umem_free(u, (__u64)i * g->bufs * u->frame_size);
}

/* The template into the frame (or the slot's frames) at addr. */
static void gen_fill_template(struct gen_state *g, struct xskmap_umem *u, __u64 addr)
{
	__u32 off, j;

	for (j = 0, off = 0; j < g->bufs; j++, off += u->frame_size) {
		__u32 n = g->lay.len - off < u->frame_size ? g->lay.len - off : u->frame_size;

		memcpy(xskmap_umem_data(u, addr + off), g->frame + off, n);
	}
}

static int gen_setup(struct gen_state *g)
{
	struct gen_opts *o = &g->o;
	struct xskmap_umem_cfg ucfg = {
		.frames = o->frames,
		.frame_size = o->frame_size,
		.comp_size = o->ring_size,
		/* --rtt: half of the UMEM receives what comes back, half sends. */
		.tx_frames = o->rtt ? o->frames / 2 : o->frames,
	};
	struct xskmap_sock_cfg scfg = {
		.rx_size = o->rtt ? o->ring_size : 0,
		.tx_size = o->ring_size,
		.bind = BIND_AUTO,
		.need_wakeup = true,
		.multi_buffer = g->bufs > 1,
	};
	struct timespec real, mono;
	char err[512];
	__u32 i, j;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	g->wall_off_ns = ((__s64)real.tv_sec - mono.tv_sec) * 1000000000LL +
			 ((__s64)real.tv_nsec - mono.tv_nsec);
	g->nr_threads = o->engine == GEN_ENGINE_XSK ? o->nr_queues : o->nr_cpus ? o->nr_cpus : 1;
	g->t = calloc(g->nr_threads, sizeof(*g->t));
	if (!g->t) {
		pr_err("out of memory\n");
		return EXIT_FAIL;
	}
	for (i = 0; i < g->nr_threads; i++) {
		g->t[i].g = g;
		g->t[i].idx = i;
		g->t[i].cpu = i < o->nr_cpus ? o->cpus[i] : -1;
	}
	raise_memlock();
	if (o->engine == GEN_ENGINE_XDP) {
		/*
		 * The program numbers frames per CPU: a thread must stay on one.
		 * Without --cpus the one thread stays where it starts.
		 */
		if (!o->nr_cpus)
			g->t[0].cpu = sched_getcpu() >= 0 ? sched_getcpu() : 0;
		return gen_xdp_setup(g);
	}
	if (o->rtt && gen_rtt_setup(g))
		return EXIT_FAIL;
	for (i = 0; i < g->nr_threads && !gen_stop_flag; i++) {
		struct gen_thread *t = &g->t[i];

		t->queue_id = o->queues[i];
		if (xskmap_umem_create(&t->umem, &ucfg, t->queue_id, err, sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_FAIL;
		}
		t->umem_made = true;
		if (xskmap_sock_create(&t->sock, o->ifname, t->queue_id, &t->umem, &scfg, err,
				       sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_FAIL;
		}
		t->sock_made = true;
		if (g->bufs > 1)
			gen_slots(g, &t->umem);
		/* Every TX frame holds the template from now on: per frame, only patches. */
		for (j = 0; j < t->umem.nr_free; j++)
			gen_fill_template(g, &t->umem, t->umem.free_frames[j]);
	}
	if (!gen_stop_flag && o->rtt && gen_rtt_insert(g))
		return EXIT_FAIL;
	return gen_stop_flag ? EXIT_FAIL : EXIT_OK;
}

static int gen_start(struct gen_state *g)
{
	sigset_t all, old;
	__u32 i;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < g->nr_threads; i++) {
		ret = pthread_create(&g->t[i].th, NULL,
				     g->o.engine == GEN_ENGINE_XSK ? gen_xsk_thread : gen_xdp_thread,
				     &g->t[i]);
		if (ret) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			pr_err("cannot start a sending thread: %s\n", strerror(ret));
			return EXIT_FAIL;
		}
		g->t[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return EXIT_OK;
}

static void gen_stop_threads(struct gen_state *g)
{
	__u32 i;

	__atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < g->nr_threads; i++)
		if (g->t[i].started) {
			pthread_join(g->t[i].th, NULL);
			g->t[i].started = false;
		}
}

static void gen_teardown(struct gen_state *g)
{
	__u32 i;

	gen_stop_threads(g);
	for (i = 0; g->t && i < g->nr_threads; i++) {
		if (g->t[i].sock_made)
			xskmap_sock_destroy(&g->t[i].sock);
		if (g->t[i].umem_made)
			xskmap_umem_destroy(&g->t[i].umem);
	}
	/* After the sockets: they leave xsks_map before the program goes. */
	gen_rtt_destroy(g);
	gen_xdp_destroy(g);
	free(g->t);
	g->t = NULL;
}

static void gen_read(const struct gen_thread *t, struct gen_counters *c)
{
	c->frames = __atomic_load_n(&t->c.frames, __ATOMIC_RELAXED);
	c->submitted = __atomic_load_n(&t->c.submitted, __ATOMIC_RELAXED);
	c->wakeups = __atomic_load_n(&t->c.wakeups, __ATOMIC_RELAXED);
}

static bool gen_all_done(struct gen_state *g)
{
	__u64 frames = 0;
	__u32 i;

	for (i = 0; i < g->nr_threads; i++) {
		struct gen_counters c;

		if (!g->t[i].started)
			continue;
		gen_read(&g->t[i], &c);
		frames += c.frames;
		/* A thread that ended on an error ends the run. */
		if (g->t[i].error)
			return true;
	}
	return g->o.count && frames >= g->o.count;
}

static void gen_interval(struct gen_state *g, struct gen_counters *prev, double dt)
{
	__u64 tot = 0;
	__u32 i;

	for (i = 0; i < g->nr_threads; i++) {
		struct gen_counters c;
		__u64 d;

		gen_read(&g->t[i], &c);
		d = c.frames - prev[i].frames;
		tot += d;
		if (g->nr_threads > 1)
			fprintf(stderr, "  %s %u: %.0f pps %.1f Mbit/s\n",
				g->o.engine == GEN_ENGINE_XSK ? "queue" : "cpu",
				g->o.engine == GEN_ENGINE_XSK ? g->t[i].queue_id : (__u32)g->t[i].cpu,
				d / dt, d * g->lay.len * 8 / dt / 1e6);
		prev[i] = c;
	}
	fprintf(stderr, "gen %s: %.0f pps %.1f Mbit/s\n", g->o.ifname, tot / dt,
		tot * g->lay.len * 8 / dt / 1e6);
}

static int gen_loop(struct gen_state *g)
{
	struct gen_counters *prev = calloc(g->nr_threads, sizeof(*prev));
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	double next = g->o.interval, last = 0;

	g->start = mono_sec();
	while (!gen_stop_flag) {
		double t = mono_sec() - g->start;

		if ((g->o.duration && t >= g->o.duration) || gen_all_done(g))
			break;
		if (g->o.interval && prev && t >= next) {
			gen_interval(g, prev, t - last);
			last = t;
			next += g->o.interval;
		}
		nanosleep(&tick, NULL);
	}
	free(prev);
	gen_stop_threads(g);
	g->end = mono_sec();
	if (g->o.rtt) {
		__u64 last = 0;
		__u32 i;

		/* Rates are over the sending: the wait for what comes back is not in them. */
		for (i = 0; i < g->nr_threads; i++)
			if (g->t[i].last_send_ns > last)
				last = g->t[i].last_send_ns;
		if (last)
			g->end = last / 1e9;
	}
	return EXIT_OK;
}

static const char *gen_engine_name(const struct gen_state *g)
{
	return g->o.engine == GEN_ENGINE_XSK ? "xsk" : "xdp";
}

/* The summary; EXIT_FAIL when a thread failed or frames were not sent. */
static int gen_report(struct gen_state *g)
{
	double secs = g->end - g->start;
	__u64 frames = 0, submitted = 0, invalid = 0;
	const char *why = NULL;
	json_object *root = NULL, *qs = NULL;
	bool lost = false;
	int ret = EXIT_OK;
	__u32 i;

	if (secs <= 0)
		secs = 1e-9;
	if (g->o.json) {
		root = json_object_new_object();
		qs = json_object_new_array();
	}
	for (i = 0; i < g->nr_threads; i++) {
		struct gen_thread *t = &g->t[i];
		struct xdp_statistics st = {};
		struct gen_counters c;

		gen_read(t, &c);
		frames += c.frames;
		submitted += c.submitted;
		if (t->sock_made && !xskmap_sock_stats(&t->sock, &st))
			invalid += st.tx_invalid_descs;
		if (t->error) {
			pr_err("%s\n", t->errmsg);
			why = t->errmsg;
			ret = EXIT_FAIL;
		}
		if (root) {
			json_object *q = json_object_new_object();

			if (g->o.engine == GEN_ENGINE_XSK)
				jput_u64(q, "queue", t->queue_id);
			if (t->cpu >= 0)
				jput_u64(q, "cpu", t->cpu);
			else
				jput(q, "cpu", NULL);
			jput_u64(q, "frames", c.frames);
			jput_u64(q, "bytes", c.frames * g->lay.len);
			jput_u64(q, "not_completed", c.submitted - c.frames);
			jput_u64(q, "tx_invalid_descs", st.tx_invalid_descs);
			jput_u64(q, g->o.engine == GEN_ENGINE_XSK ? "wakeups" : "prog_runs", c.wakeups);
			json_object_array_add(qs, q);
		} else if (g->nr_threads > 1) {
			fprintf(stderr, "  %s %u: %llu frames, %llu bytes\n",
				g->o.engine == GEN_ENGINE_XSK ? "queue" : "cpu",
				g->o.engine == GEN_ENGINE_XSK ? t->queue_id : (__u32)t->cpu,
				(unsigned long long)c.frames,
				(unsigned long long)(c.frames * g->lay.len));
		}
	}
	/* With --count, what was asked for and did not leave is not sent. */
	__u64 not_sent = g->o.count > frames ? g->o.count - frames : submitted - frames;

	if (!why && not_sent)
		why = submitted > frames ? "submitted but not completed within 1 s of the stop" :
		      gen_stop_flag ? "stopped by a signal" : "not sent";
	if (g->o.count && not_sent && ret == EXIT_OK && !gen_stop_flag)
		ret = EXIT_FAIL;
	if (root) {
		jput_str(root, "ifname", g->o.ifname);
		jput_str(root, "engine", gen_engine_name(g));
		jput_u64(root, "size", g->lay.len);
		/* UMEM frames (descriptors) per frame: > 1 is multi-buffer. */
		jput_u64(root, "buffers_per_frame", g->o.engine == GEN_ENGINE_XSK ? g->bufs : 1);
		jput_u64(root, "frames", frames);
		jput_u64(root, "bytes", frames * g->lay.len);
		jput(root, "seconds", json_object_new_double(secs));
		jput(root, "pps", json_object_new_double(frames / secs));
		jput(root, "bps", json_object_new_double(frames * g->lay.len * 8 / secs));
		if (g->o.rate)
			jput(root, "rate_asked", json_object_new_double(g->o.rate));
		else
			jput(root, "rate_asked", NULL);
		jput_u64(root, "not_sent", not_sent);
		jput_str(root, "not_sent_reason", not_sent ? why : NULL);
		jput_u64(root, "tx_invalid_descs", invalid);
		jput(root, "queues", qs);
		if (g->o.rtt)
			lost = gen_rtt_report(g, frames, root);
		json_out_print(stdout, root);
	} else {
		fprintf(stderr, "gen %s (engine %s): %llu frames, %llu bytes in %.3f s: %.0f pps, %.1f Mbit/s\n",
			g->o.ifname, gen_engine_name(g), (unsigned long long)frames,
			(unsigned long long)(frames * g->lay.len), secs, frames / secs,
			frames * g->lay.len * 8 / secs / 1e6);
		if (not_sent || invalid)
			fprintf(stderr, "  not sent: %llu (%s); invalid TX descriptors: %llu\n",
				(unsigned long long)not_sent, why ? why : "-",
				(unsigned long long)invalid);
		if (g->o.rtt)
			lost = gen_rtt_report(g, frames, NULL);
	}
	/* A round trip that did not come back is the measurement failing: like ping, say so. */
	if (lost) {
		pr_err("--rtt: frames sent did not all come back within %g s of the last send (lost: see the summary); is 'xskmap run --action fwd' running on the peer?\n",
		       g->o.rtt_timeout);
		if (ret == EXIT_OK)
			ret = EXIT_FAIL;
	}
	return ret;
}

int cmd_gen(int argc, char **argv)
{
	struct gen_state *g = calloc(1, sizeof(*g));
	struct sigaction sa = { .sa_handler = gen_on_signal };
	char err[512];
	int ret;

	if (!g)
		return EXIT_FAIL;
	ret = opts_exit_code(gen_opts_parse(argc, argv, &g->o, err, sizeof(err)), err);
	if (ret >= 0) {
		free(g);
		return ret;
	}
	log_init(g->o.verbose);
	ret = gen_check(g);
	if (ret) {
		free(g);
		return ret;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ret = gen_setup(g);
	if (!ret)
		ret = gen_start(g);
	if (!ret) {
		if (g->bufs > 1)
			pr_info("multi-buffer: each %u-byte frame goes over %u descriptors of %u-byte UMEM frames (XDP_USE_SG)\n",
				g->lay.len, g->bufs, g->o.frame_size);
		pr_info("sending %u-byte frames on %s, engine %s, %u thread%s%s; Ctrl-C stops\n",
			g->lay.len, g->o.ifname, gen_engine_name(g), g->nr_threads,
			g->nr_threads == 1 ? "" : "s", g->o.nr_cpus ? " pinned" : "");
		if (g->o.rtt)
			pr_info("--rtt: %.0f frames/s, waiting for what comes back by %s; a frame not back %g s after the last send is lost\n",
				g->o.rate, g->o.spin ? "spinning (--spin)" : "ppoll()",
				g->o.rtt_timeout);
		gen_loop(g);
		ret = gen_report(g);
	}
	gen_teardown(g);
	free(g);
	return ret;
}
