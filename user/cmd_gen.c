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
#include <poll.h>
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
#include "stats.h"
#include "log.h"
#include "metrics.h"
#include "prom_out.h"
#include "opts.h"
#include "perf.h"
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
	memset(p, 0, sizeof(*p));
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

static void add_u64(__u64 *p, __u64 n)
{
	__atomic_store_n(p, *p + n, __ATOMIC_RELAXED);
}

/* How long --poll sleeps at most before it kicks to hear what poll() does not say. */
#define GEN_POLL_MS 100

/*
 * Chains: a slot is free again, and its frame sent, when its last buffer
 * completes (the kernel completes a frame's buffers in order, and never a
 * later frame's before). Returns the buffers taken off the ring.
 */
static __u32 gen_xsk_complete_chains(struct gen_thread *t, __u32 max, __u32 *frames)
{
	struct xskmap_umem *u = &t->umem;
	__u32 bufs = t->g->bufs, idx = 0, n, i, f = 0;

	n = xsk_ring_cons__peek(t->sock.cq, max, &idx);
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

/*
 * Up to max frames' completions back to the pool. Those of frames the
 * kernel dropped (drops_pending) are not sent; every other one is.
 * Returns the descriptors taken off the ring.
 */
static __u32 gen_xsk_complete(struct gen_thread *t, __u32 max)
{
	__u32 n, frames, d;

	if (t->g->bufs > 1) {
		n = gen_xsk_complete_chains(t, max * t->g->bufs, &frames);
	} else {
		n = xskmap_umem_complete(&t->umem, t->sock.cq, t->sock.fq, max, false);
		frames = n;
	}
	if (!frames)
		return n;
	d = frames < t->drops_pending ? frames : t->drops_pending;
	t->drops_pending -= d;
	add_u64(&t->c.completed, frames);
	add_u64(&t->c.frames, frames - d);
	return n;
}

/*
 * One kick: sendto() when the ring asks for it (copy mode always does),
 * busy polling every time (the call drives the NAPI), or forced (frames a
 * kick left behind). A transient answer (xskmap_kick_transient) leaves
 * frames on the ring for the next kick; EBUSY in copy mode is one frame
 * the device path dropped (no carrier...), completed unsent. Anything else
 * (ENETDOWN, ENXIO) ends the thread: a generator whose frames cannot leave
 * has no rate to measure. 0, or -errno when the thread must stop.
 */
static int gen_xsk_kick(struct gen_thread *t, bool force)
{
	const char *ifname = t->g->o.ifname;
	char why[128];
	int ret;

	if (!force && !t->g->o.perf.busy_poll && !xsk_ring_prod__needs_wakeup(&t->sock.tx))
		return 0;
	add_u64(&t->c.sendto, 1);
	add_u64(&t->c.wakeups, 1);
	ret = xskmap_sock_sendto(&t->sock);
	t->rekick = false;
	if (!ret)
		return 0;
	if (xskmap_kick_transient(ret)) {
		t->rekick = true;
		if (ret == -EBUSY && !t->sock.zerocopy) {
			t->drops_pending++;
			add_u64(&t->c.dropped, 1);
		}
		return 0;
	}
	t->error = -ret;
	snprintf(t->errmsg, sizeof(t->errmsg), "TX on %s queue %u failed: %s%s%s%s", ifname,
		 t->queue_id, strerror_named(-ret, why, sizeof(why)),
		 ret == -ENETDOWN ? ": the interface is down ('ip link set dev " : "",
		 ret == -ENETDOWN ? ifname : ret == -ENXIO ? ": the socket is no longer bound (the interface went away)" : "",
		 ret == -ENETDOWN ? " up')" : "");
	return ret;
}

/*
 * --poll, before each batch: sleep in poll() until the TX ring has room
 * (POLLOUT: at most half full), unless there is work at once (completions
 * waiting). Frames a kick left on the ring are kicked again with sendto()
 * first, so that its answer is seen: poll() reports no error, and in copy
 * mode it sends too, where a frame the device dropped would go uncounted.
 * A poll() that times out is followed by a kick, which names what stopped
 * the ring (the interface down). 0, or -errno when the thread must stop.
 */
static int gen_xsk_poll(struct gen_thread *t)
{
	struct pollfd pfd = { .fd = xskmap_sock_fd(&t->sock), .events = POLLOUT };

	if (t->rekick && gen_xsk_kick(t, true))
		return -1;
	if (xsk_cons_nb_avail(t->sock.cq, 1))
		return 0;
	add_u64(&t->c.poll, 1);
	add_u64(&t->c.wakeups, 1);
	if (poll(&pfd, 1, GEN_POLL_MS) == 0)
		return gen_xsk_kick(t, true);
	return 0;
}

static bool gen_stopping(const struct gen_state *g)
{
	return __atomic_load_n(&g->stop, __ATOMIC_ACQUIRE);
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
		bool tx_left = t->c.completed < t->c.submitted && now < tx_end;
		bool rx_left = g->o.rtt && now < rtt_end && !gen_rtt_all_back(g);
		bool progress = false;

		if (!tx_left && !rx_left)
			break;
		if (tx_left) {
			if (gen_xsk_complete(t, g->o.ring_size))
				progress = true;
			else if (t->error ||
				 ((t->rekick || t->sock.zerocopy) && gen_xsk_kick(t, t->rekick)))
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

	if (g->o.rate)
		prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	gen_pace_init(&pace, g->o.rate / g->nr_threads, 1, g->o.rate / g->nr_threads / 200);
	/* --rtt reads its RX ring while it waits: the pacing must not sleep. */
	pace.no_sleep = rtt;
	for (;;) {
		struct timespec now;
		__u32 n, i, idx = 0;
		__u64 seq, ns = 0;

		gen_xsk_complete(t, batch);
		if (rtt)
			gen_rtt_rx(t);
		n = gen_pace_take(&pace, batch);
		if (!n) {
			if (gen_stopping(g))
				break;
			if (rtt)
				gen_rtt_idle(t, pace.wait_ns);
			continue;
		}
		if (g->o.perf.poll && gen_xsk_poll(t))
			break;
		if (n > t->umem.nr_free)
			n = t->umem.nr_free;
		/* A frame takes bufs descriptors; never a chain cut by the ring. */
		if (xsk_prod_nb_free(&t->sock.tx, n * bufs) < n * bufs)
			n = xsk_prod_nb_free(&t->sock.tx, n * bufs) / bufs;
		if (!n) {
			/* Ring or pool full: what is on the ring has to go first. */
			if (gen_xsk_kick(t, t->rekick) || gen_stopping(g))
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
		if (gen_xsk_kick(t, t->rekick))
			break;
	}
	gen_xsk_drain(t);
	__atomic_store_n(&t->done, true, __ATOMIC_RELEASE);
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
	char err[512];
	unsigned int flags = IFF_UP;
	__u32 max, i;
	int mtu, nq, ret;

	/* --rtt loads xsk_redirect, the xdp engine xsk_gen: both need CAP_PERFMON (EACCES without). */
	ret = cmd_check_iface(o->ifname, &g->ifindex, o->rtt || o->engine == GEN_ENGINE_XDP);
	if (ret)
		return ret;
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
	if ((o->unaligned || o->hugepages) && o->engine == GEN_ENGINE_XDP) {
		pr_err("--%s lays out the UMEM of --engine xsk; --engine xdp has none: drop it\n",
		       o->unaligned ? "unaligned" : "hugepages");
		return EXIT_USAGE;
	}
	if (o->hugepages) {
		struct xskmap_umem_cfg ucfg = {
			.frames = o->frames, .frame_size = o->frame_size,
			.unaligned = o->unaligned, .hugepages = true,
		};

		/* Before a socket is made: a refusal changes nothing. */
		if (xskmap_hugepages_check(&ucfg, o->nr_queues ? o->nr_queues : 1, err, sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_FAIL;
		}
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
	if (o->engine == GEN_ENGINE_XSK && g->spec.size > o->frame_size && o->unaligned) {
		pr_err("invalid --size %u with --unaligned: a frame longer than a UMEM frame (%u) goes over several, which gen lays out in aligned frames only; drop --unaligned or lower -s\n",
		       g->spec.size, o->frame_size);
		return EXIT_USAGE;
	}
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
		/*
		 * AF_XDP sends nothing, and says nothing (sendto() returns 0),
		 * from a socket whose queue is past the device's TX queues.
		 */
		nq = iface_tx_queues(o->ifname);
		if (nq <= 0)
			nq = iface_rx_queues(o->ifname);
		if (nq <= 0) {
			pr_err("cannot read the queue count of %s: %s\n", o->ifname,
			       strerror(nq ? -nq : ENOENT));
			return EXIT_FAIL;
		}
		for (i = 0; i < o->nr_queues; i++)
			if (o->queues[i] >= (__u32)nq) {
				pr_err("queue %u is out of range: %s has %d TX queue%s (0-%d); fix -q\n",
				       o->queues[i], o->ifname, nq, nq == 1 ? "" : "s", nq - 1);
				return EXIT_USAGE;
			}
	}
	/* run's checks and words: one CPU per queue (xsk), each online. */
	if (perf_check_cpus(&o->perf, o->engine == GEN_ENGINE_XSK ? o->nr_queues : 0, err,
			    sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_USAGE;
	}
	if (o->perf.busy_poll && xskmap_busy_poll_check(err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	/* A kick on a down interface fails with ENETDOWN: say it before anything is made. */
	if (!iface_flags(o->ifname, &flags) && !(flags & IFF_UP)) {
		pr_err("%s is down: nothing can be sent; set it up ('ip link set dev %s up')\n",
		       o->ifname, o->ifname);
		return EXIT_FAIL;
	}
	if (!iface_carrier(o->ifname))
		pr_warn("%s has no carrier (its link or its peer is down): the kernel drops what is sent until it has one, and gen counts those as not sent\n",
			o->ifname);
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
		.unaligned = o->unaligned,
		.hugepages = o->hugepages,
	};
	struct xskmap_sock_cfg scfg = {
		.rx_size = o->rtt ? o->ring_size : 0,
		.tx_size = o->ring_size,
		.bind = BIND_AUTO,
		.need_wakeup = true,
		.multi_buffer = g->bufs > 1,
	};
	const char *msg;
	char err[512];
	__u32 i, j;

	g->wall_off_ns = cmd_wall_offset_ns();
	g->nr_threads = o->engine == GEN_ENGINE_XSK ? o->nr_queues :
			o->perf.nr_cpus ? o->perf.nr_cpus : 1;
	g->t = calloc(g->nr_threads, sizeof(*g->t));
	if (!g->t) {
		pr_err("out of memory\n");
		return EXIT_FAIL;
	}
	for (i = 0; i < g->nr_threads; i++) {
		g->t[i].g = g;
		g->t[i].idx = i;
		g->t[i].cpu = i < o->perf.nr_cpus ? (int)o->perf.cpus[i] : -1;
	}
	raise_memlock();
	if (o->engine == GEN_ENGINE_XDP) {
		/*
		 * The program numbers frames per CPU: a thread must stay on one.
		 * Without --cpus the one thread stays where it starts.
		 */
		if (!o->perf.nr_cpus)
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
		if (o->perf.busy_poll &&
		    xskmap_sock_busy_poll(&t->sock, o->perf.busy_budget, err, sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_FAIL;
		}
		/* A kick sends a whole ring's worth where the kernel allows it, as in run. */
		msg = xskmap_sock_tx_budget_raise(&t->sock, o->ring_size);
		if (i == 0 && msg)
			pr_info("%s\n", msg);
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
		struct gen_thread *t = &g->t[i];
		pthread_attr_t attr;

		/* Pinned before it runs (as run's workers): its first frame goes out from its CPU. */
		ret = pthread_attr_init(&attr);
		if (!ret && t->cpu >= 0)
			ret = perf_pin_attr(&attr, t->cpu);
		if (!ret)
			ret = pthread_create(&t->th, &attr,
					     g->o.engine == GEN_ENGINE_XSK ? gen_xsk_thread : gen_xdp_thread,
					     t);
		pthread_attr_destroy(&attr);
		if (ret) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			if (t->cpu >= 0)
				pr_err("cannot start the thread of %s %u on CPU %d: %s; fix --cpus\n",
				       g->o.engine == GEN_ENGINE_XSK ? "queue" : "CPU",
				       g->o.engine == GEN_ENGINE_XSK ? t->queue_id : (__u32)t->cpu,
				       t->cpu, strerror(ret));
			else
				pr_err("cannot start a sending thread: %s\n", strerror(ret));
			return EXIT_FAIL;
		}
		t->started = true;
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
	const __u64 *src = (const __u64 *)&t->c;
	__u64 *dst = (__u64 *)c;
	size_t i;

	for (i = 0; i < sizeof(*c) / sizeof(__u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

static bool gen_all_done(struct gen_state *g)
{
	__u64 frames = 0;
	bool all_ended = true;
	__u32 i;

	for (i = 0; i < g->nr_threads; i++) {
		struct gen_counters c;

		if (!g->t[i].started)
			continue;
		/* A thread that ended on an error ends the run. */
		if (__atomic_load_n(&g->t[i].done, __ATOMIC_ACQUIRE)) {
			if (g->t[i].error)
				return true;
		} else {
			all_ended = false;
		}
		gen_read(&g->t[i], &c);
		frames += c.frames;
	}
	/* -c N: N sent, or every thread ended (frames dropped: fewer). */
	return all_ended || (g->o.count && frames >= g->o.count);
}

/* Frames the kernel dropped before the wire: said once per queue when they start. */
static void gen_watch_drops(struct gen_state *g)
{
	char why[128];
	__u32 i;

	for (i = 0; i < g->nr_threads; i++) {
		struct gen_thread *t = &g->t[i];

		if (t->drop_said || !__atomic_load_n(&t->c.dropped, __ATOMIC_RELAXED))
			continue;
		t->drop_said = true;
		pr_warn("TX on %s queue %u: the kernel dropped frames before the wire (sendto: %s)%s; gen counts them as not sent\n",
			g->o.ifname, t->queue_id, strerror_named(EBUSY, why, sizeof(why)),
			!iface_carrier(g->o.ifname) ? ": the interface has no carrier (its link or its peer is down)" : "");
	}
}

/*
 * The threads' counters now, into r and its rows qr (nr_threads): what
 * the summary, the JSON lines and --prometheus show. not_completed is what
 * is on the TX rings and not back yet (at the stop: never back).
 */
static void gen_collect(struct gen_state *g, struct gen_report *r, struct gen_queue_report *qr,
			double seconds)
{
	__u32 i;

	*r = (struct gen_report){
		.ifname = g->o.ifname,
		.xsk = g->o.engine == GEN_ENGINE_XSK,
		.size = g->lay.len,
		.buffers_per_frame = g->o.engine == GEN_ENGINE_XSK ? g->bufs : 1,
		.seconds = seconds,
		.rate_asked = g->o.rate,
		.nr_queues = g->nr_threads,
		.queues = qr,
	};
	for (i = 0; i < g->nr_threads; i++) {
		struct gen_thread *t = &g->t[i];
		struct xdp_statistics st = {};
		struct gen_counters c;

		gen_read(t, &c);
		if (t->sock_made)
			xskmap_sock_stats(&t->sock, &st);
		qr[i] = (struct gen_queue_report){
			.queue_id = t->queue_id,
			.cpu = t->cpu,
			.frames = c.frames,
			.not_completed = r->xsk ? c.submitted - c.completed : 0,
			.dropped = c.dropped,
			.tx_invalid_descs = st.tx_invalid_descs,
			.sendto_calls = c.sendto,
			.poll_calls = c.poll,
			.wakeups = c.wakeups,
		};
	}
}

/* -i --json and --prometheus: the last line's report and the file. */
struct gen_live {
	struct gen_report prev;
	struct gen_queue_report *prev_q, *now_q;
	struct prom_out prom;
	bool prom_on;
	double start_wall;
	bool lines_failed;		/* stdout failed, said */
};

static void gen_prom(struct gen_live *lv, const struct gen_report *r, bool running)
{
	struct metrics_prom_ctx c = { .gen = r, .start_time = lv->start_wall, .running = running };

	prom_out_update(&lv->prom, metrics_prom_render, &c, !running);
}

/* --prometheus without -i: the file is replaced every second. */
#define GEN_PROM_DEFAULT_S 1.0

static void gen_interval(struct gen_state *g, struct gen_counters *prev, double dt)
{
	__u64 tot = 0, wake = 0;
	__u32 i;

	for (i = 0; i < g->nr_threads; i++) {
		struct gen_counters c;
		__u64 d, w;

		gen_read(&g->t[i], &c);
		d = c.frames - prev[i].frames;
		w = c.wakeups - prev[i].wakeups;
		tot += d;
		wake += w;
		if (g->nr_threads > 1)
			fprintf(stderr, "  %s %u: %.0f pps %.1f Mbit/s, %.0f wakeups/s\n",
				g->o.engine == GEN_ENGINE_XSK ? "queue" : "cpu",
				g->o.engine == GEN_ENGINE_XSK ? g->t[i].queue_id : (__u32)g->t[i].cpu,
				d / dt, d * g->lay.len * 8 / dt / 1e6, w / dt);
		prev[i] = c;
	}
	fprintf(stderr, "gen %s: %.0f pps %.1f Mbit/s, %.0f wakeups/s (%.4f a frame)\n", g->o.ifname,
		tot / dt, tot * g->lay.len * 8 / dt / 1e6, wake / dt, tot ? (double)wake / tot : 0.0);
}

static int gen_loop(struct gen_state *g, struct gen_live *lv)
{
	struct gen_counters *prev = calloc(g->nr_threads, sizeof(*prev));
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	double next = g->o.interval, last = 0;
	double prom_every = g->o.interval ? g->o.interval : GEN_PROM_DEFAULT_S;
	double prom_next = prom_every;
	struct gen_report now;

	g->start = mono_sec();
	/*
	 * The first line counts from zero (the threads may have sent already:
	 * the report's delta against itself): the lines add up to the totals.
	 */
	if (lv->prev_q) {
		gen_collect(g, &lv->prev, lv->prev_q, 0);
		metrics_gen_delta(&lv->prev, &lv->prev, &lv->prev, lv->prev_q);
	}
	if (lv->prom_on && lv->now_q) {
		gen_collect(g, &now, lv->now_q, 0);
		gen_prom(lv, &now, true);
	}
	while (!gen_stop_flag) {
		double t = mono_sec() - g->start;

		if ((g->o.duration && t >= g->o.duration) || gen_all_done(g))
			break;
		if (g->o.engine == GEN_ENGINE_XSK)
			gen_watch_drops(g);
		if (lv->prom_on && lv->now_q && t >= prom_next) {
			gen_collect(g, &now, lv->now_q, t);
			gen_prom(lv, &now, true);
			prom_next += prom_every;
		}
		if (g->o.interval && prev && t >= next) {
			if (g->o.json && lv->prev_q && lv->now_q) {
				/* One line on stdout, from this thread: never a sender's. */
				gen_collect(g, &now, lv->now_q, t);
				errno = 0;
				metrics_gen_json(stdout, &now, &lv->prev);
				metrics_lines_check(stdout, &lv->lines_failed);
				memcpy(lv->prev_q, lv->now_q, g->nr_threads * sizeof(*lv->prev_q));
				lv->prev = now;
				lv->prev.queues = lv->prev_q;
			} else {
				gen_interval(g, prev, t - last);
			}
			last = t;
			next += g->o.interval;
		}
		nanosleep(&tick, NULL);
	}
	free(prev);
	gen_stop_threads(g);
	g->end = mono_sec();
	if (g->o.engine == GEN_ENGINE_XSK)
		gen_watch_drops(g);
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

/* --rtt's part of the summary (gen_rtt.c), through report_gen()'s hook. */
struct gen_rtt_ctx {
	struct gen_state *g;
	__u64 sent;
};

static bool gen_report_rtt(void *ctx, struct json_object *root)
{
	struct gen_rtt_ctx *c = ctx;

	return gen_rtt_report(c->g, c->sent, root);
}

/*
 * The summary; EXIT_FAIL when a thread failed (already said here, one
 * line each), when the kernel dropped frames before the wire, or with -c
 * when fewer than N left (unless a signal stopped it first).
 */
static int gen_report(struct gen_state *g, struct gen_live *lv)
{
	struct gen_queue_report *qr = calloc(g->nr_threads, sizeof(*qr));
	struct gen_report r;
	__u64 frames = 0, unfinished = 0, dropped = 0;
	FILE *out = g->o.json ? stdout : stderr;
	char carrier[160] = "";
	struct gen_rtt_ctx rtt;
	bool lost = false;
	int ret = EXIT_OK;
	__u32 i;

	if (!qr) {
		pr_err("out of memory\n");
		return EXIT_FAIL;
	}
	gen_collect(g, &r, qr, g->end - g->start);
	/* -i --json: a last interval line up to the stop, then the summary, marked. */
	if (g->o.json && g->o.interval && lv->prev_q) {
		metrics_gen_json(stdout, &r, &lv->prev);
		r.json_type = "summary";
	}
	for (i = 0; i < g->nr_threads; i++) {
		struct gen_thread *t = &g->t[i];

		frames += qr[i].frames;
		unfinished += qr[i].not_completed;
		dropped += qr[i].dropped;
		if (t->error) {
			pr_err("%s\n", t->errmsg);
			r.why = t->errmsg;
			ret = EXIT_FAIL;
		}
	}
	/* With --count, what was asked for and did not leave is not sent. */
	r.not_sent = g->o.count ? (g->o.count > frames ? g->o.count - frames : 0) :
		     unfinished + dropped;
	if (dropped) {
		if (!iface_carrier(g->o.ifname))
			snprintf(carrier, sizeof(carrier), ", %s has no carrier", g->o.ifname);
		if (!r.why)
			r.why = carrier[0] ? "dropped by the kernel before the wire (sendto: EBUSY): the interface has no carrier" :
				"dropped by the kernel before the wire (sendto: EBUSY)";
		pr_err("%llu frame%s dropped by the kernel before the wire (sendto: EBUSY)%s: not sent\n",
		       (unsigned long long)dropped, dropped == 1 ? "" : "s", carrier);
		ret = EXIT_FAIL;
	}
	if (!r.why && r.not_sent)
		r.why = unfinished ? "submitted but not completed within 1 s of the stop" :
			gen_stop_flag ? "stopped by a signal" : "not sent";
	if (g->o.count && r.not_sent && !gen_stop_flag)
		ret = EXIT_FAIL;
	if (g->o.rtt) {
		rtt.g = g;
		rtt.sent = frames;
		r.extra = gen_report_rtt;
		r.extra_ctx = &rtt;
	}
	errno = 0;
	lost = report_gen(out, &r, g->o.json);
	if (lv->prom_on) {
		struct metrics_prom_ctx pc = { .gen = &r, .start_time = lv->start_wall };

		if (prom_out_update(&lv->prom, metrics_prom_render, &pc, true))
			ret = EXIT_FAIL;
	}
	free(qr);
	if (report_flush(out, g->o.json))
		return EXIT_FAIL;
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
	struct gen_live live = { 0 };
	char err[4200];
	int ret;

	if (!g)
		return EXIT_FAIL;
	ret = opts_exit_code(gen_opts_parse(argc, argv, &g->o, err, sizeof(err)), err);
	if (ret >= 0) {
		free(g);
		return ret;
	}
	log_init(g->o.verbose);
	if (cmd_check_json_stdout(g->o.json, "gen.json")) {
		free(g);
		return EXIT_FAIL;
	}
	ret = gen_check(g);
	if (ret) {
		free(g);
		return ret;
	}
	if (g->o.prometheus) {
		if (prom_out_open(&live.prom, g->o.prometheus, err, sizeof(err))) {
			fprintf(stderr, "xskmap: error: %s\n", err);
			free(g);
			return EXIT_USAGE;
		}
		live.prom_on = true;
	}
	live.start_wall = metrics_wall_time();
	cmd_stop_signals(gen_on_signal);

	ret = gen_setup(g);
	/* As run: the sending threads start with no capability (privs.h). */
	if (!ret)
		ret = cmd_drop_privs();
	if (!ret)
		ret = gen_start(g);
	if (!ret) {
		if (g->bufs > 1)
			pr_info("multi-buffer: each %u-byte frame goes over %u descriptors of %u-byte UMEM frames (XDP_USE_SG)\n",
				g->lay.len, g->bufs, g->o.frame_size);
		if (g->o.perf.busy_poll)
			perf_say_busy_poll(stderr, g->o.ifname, g->o.perf.busy_budget);
		else if (g->o.perf.poll)
			pr_info("threads sleep in poll() until the TX ring has room (--poll)\n");
		if (g->o.engine == GEN_ENGINE_XSK)
			perf_say_pinning(stderr, &g->o.perf, g->o.queues, g->nr_threads);
		pr_info("sending %u-byte frames on %s, engine %s, %u thread%s%s, batch %u; Ctrl-C stops\n",
			g->lay.len, g->o.ifname, gen_engine_name(g), g->nr_threads,
			g->nr_threads == 1 ? "" : "s", g->o.perf.nr_cpus ? " pinned" : "", g->o.batch);
		if (g->o.rtt)
			pr_info("--rtt: %.0f frames/s, waiting for what comes back by %s; a frame not back %g s after the last send is lost\n",
				g->o.rate, g->o.spin ? "spinning (--spin)" : "ppoll()",
				g->o.rtt_timeout);
		live.prev_q = calloc(g->nr_threads ? g->nr_threads : 1, sizeof(*live.prev_q));
		live.now_q = calloc(g->nr_threads ? g->nr_threads : 1, sizeof(*live.now_q));
		gen_loop(g, &live);
		ret = gen_report(g, &live);
	}
	gen_teardown(g);
	if (live.prom_on)
		prom_out_close(&live.prom);
	free(live.prev_q);
	free(live.now_q);
	free(g);
	return ret;
}
