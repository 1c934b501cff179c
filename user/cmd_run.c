// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xskmap run: steer packets from XDP into AF_XDP sockets.
 *
 * `run` owns, in order of setup: the pcap file, the program (loaded, then
 * attached), one UMEM + socket per queue (inserted into xsks_map), one
 * thread per queue. Teardown is the reverse, through one path for success,
 * errors and signals: threads, sockets, UMEMs, detach, skeleton.
 *
 * With --shared-umem one UMEM serves every socket, a part of its frames
 * each (umem.h). With --out IFNAME2 (fwd) each selected queue q also has
 * a socket on IFNAME2's queue q over the same UMEM, and queue q's worker
 * sends what it receives out of that socket; with --bridge IFNAME2 gets
 * its own program and record too, and a second worker per queue sends
 * IFNAME2's frames out of the socket on IFNAME. Sockets: socks[q] on
 * IFNAME, socks[nr_queues + q] on IFNAME2; workers: workers[q] receive on
 * IFNAME, workers[nr_queues + q] (--bridge) on IFNAME2.
 */
#include <errno.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include "cls_maps.h"
#include "explain.h"
#include "hostmem.h"
#include "kernel_features.h"
#include "iface.h"
#include "kernel_features.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "perf.h"
#include "pcap_out.h"
#include "prog.h"
#include "prom_out.h"
#include "privs.h"
#include "run_owner.h"
#include "stats.h"
#include "sock.h"
#include "umem.h"
#include "worker.h"
#include "cmd.h"
#include "util.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct run_state {
	struct run_opts opts;
	int ifindex;
	/* What the fault check last saw of the device (run_watch()). */
	char ifname_now[IF_NAMESIZE];
	bool seen_down;
	__u32 seen_queues;
	__u32 nr_dev_queues;		/* RX queues of the device */
	__u32 queue_ids[XSKMAP_MAX_QUEUES];
	__u32 nr_queues;		/* the selected ones */
	struct prog prog;
	/* --out: the device, its queues, and with --bridge its program and record. */
	int out_ifindex;
	__u32 nr_out_rx_queues;
	struct prog prog2;
	struct run_owner own2;
	struct xsk_ruleset ruleset2;	/* what the --bridge program has, as last read */
	/* Allocated once at setup: one UMEM per queue, or one shared. */
	struct xskmap_umem *umems;
	struct xskmap_sock *socks;	/* nr_socks */
	struct xskmap_worker *workers;	/* nr_workers */
	__u32 nr_socks, nr_workers;
	__u32 nr_umems;			/* UMEMs created */
	pthread_t *threads;
	__u32 nr_created;		/* sockets created */
	__u32 nr_started;		/* threads started */
	struct pcap_out *pcap;		/* NULL: no -w */
	struct capture_report capture;
	struct umem_report umem_rep;
	struct meta_report meta_rep;
	bool meta_vlan;			/* --metadata: the kernel has the VLAN-tag kfunc */
	int rx_stop;			/* the workers' stop: see run_quiesce() */
	__s64 wall_offset_ns;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	struct rx_budget budget;
	struct queue_report *reports;
	double start;
	struct xsk_ruleset ruleset;	/* what the run starts with */
	struct run_owner own;		/* the interface's record, the pins */
	/* What run_watch_tx() last saw of each queue's TX trouble. */
	struct {
		__u64 kick_errors, dropped;
		double kick_said, drop_said;	/* when an episode was last said (s) */
	} tx_seen[XSKMAP_MAX_QUEUES];
	bool mbuf;			/* multi-buffer: XDP_USE_SG, the xdp.frags program */
	/* -i: the last interval's report (the first counts from zero), its own copies. */
	struct run_report live_prev;
	struct queue_report *live_prev_q;
	struct capture_report live_prev_cap;
	struct meta_report live_prev_meta;
	bool lines_failed;		/* -i --json: stdout failed, said */
	/* --prometheus */
	struct prom_out prom;
	bool prom_on;
	double start_wall;		/* Unix time of the start */
	struct explain explain;		/* the redirect-failure tracer, skel NULL: none */
	char explain_off[600];		/* why there is none */
};

static void collect(struct run_state *s, struct run_report *r, struct queue_report *qr)
{
	__u32 i;

	memset(r, 0, sizeof(*r));
	r->ifname = s->ifname_now[0] ? s->ifname_now : s->opts.ifname;
	r->attach_mode = attach_mode_str(s->prog.mode);
	r->multi_buffer = s->mbuf;
	r->bind_mode = "copy";
	for (i = 0; i < s->nr_created; i++)
		if (s->socks[i].zerocopy)
			r->bind_mode = "zero-copy";
	r->seconds = mono_sec() - s->start;
	r->tx = xskmap_action_find(s->opts.action)->tx;
	r->shared_umem = s->opts.shared_umem;
	r->out_ifname = s->opts.out_ifname;
	r->bridge = s->opts.bridge;
	r->nr_queues = s->nr_workers;
	r->queues = qr;
	if (s->nr_umems) {
		s->umem_rep = (struct umem_report){
			.unaligned = s->opts.unaligned,
			.hugepages = s->opts.hugepages,
			.frames = s->opts.frames,
			.frame_size = s->opts.frame_size,
			.bytes = s->umems[0].area_size,
		};
		r->umem = &s->umem_rep;
	}
	if (s->opts.metadata) {
		memset(&s->meta_rep, 0, sizeof(s->meta_rep));
		r->meta = &s->meta_rep;
	}
	for (i = 0; i < s->nr_workers; i++) {
		const struct xskmap_worker *w = &s->workers[i];
		struct xskmap_worker_counters c;

		xskmap_worker_read(w, &c);
		if (s->opts.metadata) {
			s->meta_rep.frames += c.meta_frames;
			s->meta_rep.timestamp += c.meta_timestamp;
			s->meta_rep.hash += c.meta_hash;
			s->meta_rep.vlan += c.meta_vlan;
			s->meta_rep.distinct_hashes += c.meta_distinct_hashes;
			s->meta_rep.kept += c.rx_packets;
		}
		qr[i].queue_id = w->sock->queue_id;
		qr[i].second = i >= s->nr_queues;
		qr[i].rx_ifname = qr[i].tx_ifname = NULL;
		if (s->opts.out_ifname) {
			qr[i].rx_ifname = qr[i].second ? s->opts.out_ifname : r->ifname;
			qr[i].tx_ifname = qr[i].second ? r->ifname : s->opts.out_ifname;
		}
		qr[i].rx_packets = c.rx_packets;
		qr[i].rx_bytes = c.rx_bytes;
		qr[i].rx_past_count = c.rx_past_count;
		qr[i].tx_packets = c.tx_packets;
		qr[i].tx_bytes = c.tx_bytes;
		qr[i].tx_completed = c.tx_completed;
		qr[i].tx_ring_full = c.tx_ring_full;
		qr[i].tx_not_completed = c.tx_not_completed;
		qr[i].tx_busy = c.tx_busy;
		qr[i].tx_dropped = c.tx_dropped;
		qr[i].tx_kick_errors = c.tx_kick_errors;
		qr[i].tx_kick_errno = (int)c.tx_kick_errno;
		qr[i].sendto_calls = c.sendto_calls;
		qr[i].recvfrom_calls = c.recvfrom_calls;
		qr[i].poll_calls = c.poll_calls;
		xskmap_sock_stats(w->sock, &qr[i].xdp);
		/* The TX side of the row is the socket it sends out of. */
		if (w->tx_sock && w->tx_sock != w->sock) {
			struct xdp_statistics t;

			if (!xskmap_sock_stats(w->tx_sock, &t)) {
				qr[i].xdp.tx_invalid_descs = t.tx_invalid_descs;
				qr[i].xdp.tx_ring_empty_descs = t.tx_ring_empty_descs;
			}
		}
	}
	if (s->pcap) {
		struct pcap_out_stats ps;

		pcap_out_get_stats(s->pcap, &ps);
		s->capture = (struct capture_report){
			.file = pcap_out_name(s->pcap),
			.written = ps.written,
			.ring_full = ps.ring_full,
			.at_stop = ps.at_stop,
			.after_error = ps.after_error,
			.error = ps.error ? strerror(ps.error) : NULL,
		};
		r->capture = &s->capture;
	}
	if (s->prog.skel && stats_read_bpf(prog_stats_map_fd(&s->prog), r->bpf))
		memset(r->bpf, 0, sizeof(r->bpf));
	if (!s->explain.skel || explain_read(explain_map_fd(&s->explain), &r->explain)) {
		memset(&r->explain, 0, sizeof(r->explain));
		r->explain.off_why = s->explain.skel ? "the tracer's map cannot be read" : s->explain_off;
	}
	if (s->prog.skel) {
		struct cls_fds f;

		cls_fds_from_skel(s->prog.skel, &f);
		/* Rules may have changed since start: report the live set. */
		if (!cls_ruleset_read(&f, &s->ruleset) && !cls_hits_read(&f, r->hits))
			r->rules = &s->ruleset;
	}
	if (s->prog2.skel) {
		struct cls_fds f;

		r->out_attach_mode = attach_mode_str(s->prog2.mode);
		if (stats_read_bpf(prog_stats_map_fd(&s->prog2), r->out_bpf))
			memset(r->out_bpf, 0, sizeof(r->out_bpf));
		cls_fds_from_skel(s->prog2.skel, &f);
		if (!cls_ruleset_read(&f, &s->ruleset2) && !cls_hits_read(&f, r->out_hits))
			r->out_rules = &s->ruleset2;
	}
}

/*
 * Stop receiving so that every frame the program redirected is accounted
 * for. The sockets leave xsks_map first: from then on a frame gets the
 * fallback verdict and counts as no_socket. A frame already redirected is
 * in the kernel's receive path, inside an RCU read-side section (XDP runs
 * in NAPI or under rcu_read_lock, up to the flush into the RX ring), so
 * after a grace period it is in an RX ring or counted in rx_dropped or
 * rx_ring_full. membarrier(MEMBARRIER_CMD_GLOBAL) is synchronize_rcu();
 * where it is refused (nohz_full CPUs) a wait far longer than a NAPI poll
 * stands in. Then the workers drain their rings and end.
 */
static void run_quiesce(struct run_state *s)
{
	struct timespec wait = { 0, 100 * 1000 * 1000 };
	__u32 i;

	if (!s->nr_started)
		return;
	for (i = 0; i < s->nr_created; i++)
		xskmap_sock_remove(&s->socks[i]);
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
		nanosleep(&wait, NULL);
	__atomic_store_n(&s->rx_stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < s->nr_started; i++)
		pthread_join(s->threads[i], NULL);
	s->nr_started = 0;
}

/* The one teardown path: threads, sockets, UMEMs, detach, skeleton, file. */
static int run_teardown(struct run_state *s)
{
	int ret = 0;
	__u32 i;

	stop_flag = 1;
	run_quiesce(s);
	/* Sockets before UMEMs: a UMEM is busy while a socket uses it. */
	for (i = 0; i < s->nr_created; i++)
		xskmap_sock_destroy(&s->socks[i]);
	s->nr_created = 0;
	for (i = 0; i < s->nr_umems; i++)
		xskmap_umem_destroy(&s->umems[i]);
	s->nr_umems = 0;
	explain_close(&s->explain);
	prog_destroy(&s->prog);
	prog_destroy(&s->prog2);
	/* After the link is closed: no record while the program is still on. */
	run_owner_release(&s->own);
	run_owner_release(&s->own2);
	pcap_out_free(s->pcap);
	s->pcap = NULL;
	free(s->umems);
	free(s->socks);
	for (i = 0; s->workers && i < s->nr_workers; i++)
		free(s->workers[i].tx_ends);
	free(s->workers);
	free(s->threads);
	free(s->reports);
	return ret;
}

/*
 * Multi-buffer, decided before anything is attached. auto: on when the MTU
 * lets in frames longer than a UMEM frame holds (they would be dropped
 * otherwise) and the kernel can (AF_XDP multi-buffer, 6.6), and the start
 * says so; without the kernel's support, the warning that those frames
 * are dropped. on: the kernel must have it (exit 1 otherwise). off: the
 * warning when the MTU needs it.
 */
static int run_check_mbuf(struct run_state *s, int mtu)
{
	const struct run_opts *o = &s->opts;
	bool needed = mtu > 0 && (__u32)mtu + IFACE_L2_OVERHEAD > iface_frame_room(o->frame_size);
	char msg[512], why[600], warn[1024];
	enum feat_state st;

	if (o->multi_buffer == MBUF_OFF || (o->multi_buffer == MBUF_AUTO && !needed)) {
		if (needed && iface_frame_warning(o->ifname, mtu, o->frame_size,
						  "--multi-buffer off", warn, sizeof(warn)))
			pr_warn("%s\n", warn);
		return EXIT_OK;
	}
	st = features_check(FEAT_XSK_MULTI_BUFFER, msg, sizeof(msg));
	if (st == FEAT_AVAILABLE) {
		s->mbuf = true;
		if (o->multi_buffer == MBUF_ON)
			pr_info("multi-buffer on (--multi-buffer on): frames longer than a %u-byte UMEM frame holds (%u) come over several (XDP_USE_SG, program %s)\n",
				o->frame_size, iface_frame_room(o->frame_size), XSKMAP_PROG_NAME_MB);
		else
			pr_info("multi-buffer on: %s has MTU %d, so frames of up to %u bytes can arrive, longer than a %u-byte UMEM frame holds (%u); they come over several (XDP_USE_SG, program %s); --multi-buffer off turns it off\n",
				o->ifname, mtu, (__u32)mtu + IFACE_L2_OVERHEAD, o->frame_size,
				iface_frame_room(o->frame_size), XSKMAP_PROG_NAME_MB);
		return EXIT_OK;
	}
	if (o->multi_buffer == MBUF_ON) {
		pr_err("--multi-buffer on: %s; run without it (frames longer than a UMEM frame are then dropped)\n",
		       st == FEAT_MISSING ? msg : "cannot tell whether this kernel has AF_XDP multi-buffer");
		if (st != FEAT_MISSING && msg[0])
			pr_err("the probe: %s\n", msg);
		return EXIT_FAIL;
	}
	if (st == FEAT_MISSING)
		snprintf(why, sizeof(why), "%s", msg);
	else
		snprintf(why, sizeof(why), "AF_XDP multi-buffer could not be probed%s%s",
			 msg[0] ? ": " : "", msg);
	if (iface_frame_warning(o->ifname, mtu, o->frame_size, why, warn, sizeof(warn)))
		pr_warn("%s\n", warn);
	return EXIT_OK;
}

/*
 * What the device and the machine allow, before anything is allocated:
 * index actions within xsks_map, the UMEM within the memory available,
 * and a word on the frames the MTU lets in that a UMEM frame cannot hold.
 */
static int run_check_limits(struct run_state *s)
{
	const struct run_opts *o = &s->opts;
	__u32 slots = run_opts_slots(o, s->nr_dev_queues);
	char err[768], why[128];
	struct hostmem mem;
	int mtu;

	/*
	 * A socket bound to queue q sits in slot q (or at --fixed-index), and
	 * AF_XDP takes only frames of its own queue: a slot past them can
	 * never hold a socket, and its frames would all be no_socket.
	 */
	snprintf(why, sizeof(why), ", one per RX queue of %s%s", o->ifname,
		 o->fixed ? " or up to --fixed-index" : "");
	if (ruleset_check_slots(&s->ruleset, slots, why, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_USAGE;
	}
	/* --bridge: the same rules steer IFNAME2's frames, through its own xsks_map. */
	if (o->bridge) {
		snprintf(why, sizeof(why), ", one per RX queue of %s (--bridge)%s", o->out_ifname,
			 o->fixed ? " or up to --fixed-index" : "");
		if (ruleset_check_slots(&s->ruleset, run_opts_slots(o, s->nr_out_rx_queues), why,
					err, sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_USAGE;
		}
	}
	/*
	 * The kernel's OOM killer would end the run half set up, program
	 * attached. Every receiving socket has --frames of its own, shared
	 * UMEM or not. Huge pages are reserved apart from MemAvailable: with
	 * --hugepages only the rings count there, and the areas must fit the
	 * free huge pages.
	 */
	hostmem_read(&mem);
	if (hostmem_check(&mem, o->frames, o->hugepages ? 0 : o->frame_size, o->ring_size,
			  s->nr_queues * (o->bridge ? 2 : 1), err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	if (o->hugepages) {
		struct xskmap_umem_cfg ucfg = {
			.frames = o->frames, .frame_size = o->frame_size,
			.unaligned = o->unaligned, .hugepages = true,
		};

		if (xskmap_hugepages_check(&ucfg, s->nr_queues * (o->bridge ? 2 : 1), err, sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_FAIL;
		}
	}
	/*
	 * Without CAP_IPC_LOCK the UMEMs are charged to RLIMIT_MEMLOCK: refused
	 * here, naming the capability, rather than by the kernel after attach.
	 */
	raise_memlock();
	{
		struct xskmap_umem_cfg ucfg = {
			.frames = o->frames, .frame_size = o->frame_size,
			.unaligned = o->unaligned, .hugepages = o->hugepages,
		};
		__u32 nr_workers = s->nr_queues * (o->bridge ? 2 : 1);
		__u64 bytes;

		if (o->shared_umem) {
			ucfg.frames = o->frames * nr_workers;
			bytes = xskmap_umem_area_size(&ucfg);
		} else {
			bytes = (__u64)s->nr_queues * xskmap_umem_area_size(&ucfg);
		}
		if (privs_check_memlock(bytes, o->frames, o->frame_size, err, sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_FAIL;
		}
	}
	mtu = iface_mtu(o->ifname);
	if (o->out_ifname) {
		int mtu2 = iface_mtu(o->out_ifname);

		if (mtu > 0 && mtu2 > 0 && mtu2 != mtu)
			pr_warn("%s has MTU %d and %s %d: a frame longer than the smaller one's MTU + 14 bytes crosses to the device that cannot send it, which drops it; give both the same MTU\n",
				o->ifname, mtu, o->out_ifname, mtu2);
	}
	return run_check_mbuf(s, mtu);
}

/*
 * --out IFNAME2: it exists, and has the queues the run maps onto it: RX
 * queue q of IFNAME goes out of TX queue q of IFNAME2 (one socket, so one
 * owner, per TX ring: a modulo mapping would put two workers on one ring),
 * and with --bridge IFNAME2's RX queue q comes back the same way.
 */
static int run_check_out(struct run_state *s)
{
	const struct run_opts *o = &s->opts;
	int ntx, nrx;
	__u32 i;

	s->out_ifindex = if_nametoindex(o->out_ifname);
	if (!s->out_ifindex) {
		pr_err("--out interface '%s' does not exist: check the name with 'ip link show'\n",
		       o->out_ifname);
		return EXIT_USAGE;
	}
	if (s->out_ifindex == s->ifindex) {
		pr_err("--out %s is %s itself (another name of the same device): give another device, or leave out --out to send frames back out of %s\n",
		       o->out_ifname, o->ifname, o->ifname);
		return EXIT_USAGE;
	}
	ntx = iface_tx_queues(o->out_ifname);
	nrx = iface_rx_queues(o->out_ifname);
	if (nrx <= 0) {
		pr_err("cannot read the RX queue count of %s: %s\n", o->out_ifname,
		       strerror(nrx ? -nrx : ENOENT));
		return EXIT_FAIL;
	}
	s->nr_out_rx_queues = nrx > XSKMAP_MAX_QUEUES ? XSKMAP_MAX_QUEUES : nrx;
	for (i = 0; i < s->nr_queues; i++) {
		__u32 q = s->queue_ids[i];

		if (ntx > 0 && q >= (__u32)ntx) {
			pr_err("queue %u of %s has no TX queue %u on %s (%s has %d TX queue%s): --out sends RX queue q out of TX queue q; select queues below %d with -q, or give %s more TX queues (ethtool -L)\n",
			       q, o->ifname, q, o->out_ifname, o->out_ifname, ntx, ntx == 1 ? "" : "s",
			       ntx, o->out_ifname);
			return EXIT_USAGE;
		}
		if (o->bridge && q >= (__u32)nrx) {
			pr_err("--bridge receives on queue %u of %s too, and %s has %d RX queue%s: select queues below %d with -q, or give %s more RX queues (ethtool -L)\n",
			       q, o->out_ifname, o->out_ifname, nrx, nrx == 1 ? "" : "s", nrx,
			       o->out_ifname);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

/* Validate the environment and the queue list before anything is changed. */
static int run_check(struct run_state *s)
{
	struct run_opts *o = &s->opts;
	char err[512];
	int nq, ret;
	__u32 i;

	ret = cmd_check_iface(o->ifname, &s->ifindex, true);
	if (ret)
		return ret;
	nq = iface_rx_queues(o->ifname);
	if (nq <= 0) {
		pr_err("cannot read the RX queue count of %s: %s\n", o->ifname, strerror(nq ? -nq : ENOENT));
		return EXIT_FAIL;
	}
	if (nq > XSKMAP_MAX_QUEUES)
		nq = XSKMAP_MAX_QUEUES;
	s->nr_dev_queues = nq;
	if (o->all_queues) {
		for (i = 0; i < (__u32)nq; i++)
			s->queue_ids[i] = i;
		s->nr_queues = nq;
	} else {
		for (i = 0; i < o->nr_queues; i++) {
			if (o->queues[i] >= (__u32)nq) {
				pr_err("queue %u is out of range: %s has %d RX queue%s (0-%d); fix -q\n",
				       o->queues[i], o->ifname, nq, nq == 1 ? "" : "s", nq - 1);
				return EXIT_USAGE;
			}
			s->queue_ids[i] = o->queues[i];
		}
		s->nr_queues = o->nr_queues;
	}
	if (o->out_ifname) {
		int ret = run_check_out(s);

		if (ret)
			return ret;
	}
	/*
	 * fwd sends out of the queue a frame came in on: a queue past the
	 * device's TX queues would take every frame and send none, silently.
	 * With --out it goes out of IFNAME2 (run_check_out()), and only with
	 * --bridge does IFNAME send.
	 */
	if (xskmap_action_find(o->action)->tx && (!o->out_ifname || o->bridge)) {
		int ntx = iface_tx_queues(o->ifname);

		for (i = 0; ntx > 0 && i < s->nr_queues; i++) {
			if (s->queue_ids[i] < (__u32)ntx)
				continue;
			pr_err("queue %u of %s has no TX queue (%s has %d TX queue%s): --action %s sends out of the queue a frame came in on; select queues below %d with -q, or give the device more TX queues (ethtool -L)\n",
			       s->queue_ids[i], o->ifname, o->ifname, ntx, ntx == 1 ? "" : "s",
			       o->action, ntx);
			return EXIT_USAGE;
		}
	}
	/* --bridge: the two workers of a queue share its CPU. */
	if (perf_check_cpus(&o->perf, s->nr_queues, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_USAGE;
	}
	/* Refused before anything is attached: the interface stays as it was. */
	if (o->perf.busy_poll && xskmap_busy_poll_check(err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	if (o->metadata) {
		struct feat_result rx, vlan;

		features_probe_rx_metadata(&rx, &vlan);
		if (rx.state != FEAT_AVAILABLE) {
			char msg[200];

			features_missing_msg(FEAT_RX_METADATA, msg, sizeof(msg));
			pr_err("--metadata: %s%s%s: run without --metadata\n", msg,
			       rx.detail[0] ? "; " : "", rx.detail);
			return EXIT_FAIL;
		}
		s->meta_vlan = vlan.state == FEAT_AVAILABLE;
	}
	return run_check_limits(s);
}

/*
 * The program on one device: load with the run's configuration, the rules
 * in place before attach, attach, record and pin. EXIT_OK or the exit code
 * after a message.
 */
static int run_attach(struct run_state *s, struct prog *p, struct run_owner *own,
		      const struct prog_cfg *cfg, int ifindex, const char *ifname)
{
	const struct run_opts *o = &s->opts;
	struct cls_fds fds;
	char err[512];

	if (prog_load(p, cfg, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	/* Rules in place before attach: the first frame already obeys them. */
	cls_fds_from_skel(p->skel, &fds);
	if (cls_apply(&fds, &s->ruleset, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	/* A device-bound program attaches in native mode only: no skb fallback. */
	if (prog_attach(p, ifindex, ifname, cfg->meta_ifindex ? ATTACH_NATIVE : o->mode, o->force,
			err, sizeof(err))) {
		pr_err("%s%s\n", cfg->meta_ifindex ? "--metadata needs native XDP: " : "", err);
		return EXIT_FAIL;
	}
	pr_info("attached %s to %s in %s mode (BPF link %u)\n", prog_name(p), ifname,
		attach_mode_str(p->mode), p->link_id);
	if (cfg->meta_ifindex)
		pr_info("--metadata: the program is bound to %s and stores the driver's RX timestamp, RSS hash%s in front of each frame\n",
			ifname, cfg->meta_vlan ? " and VLAN tag" : " (this kernel has no VLAN-tag kfunc: Linux 6.8)");
	/* Attached: clean what a dead run left, pin, write the record. */
	if (run_owner_commit(own, p))
		return EXIT_FAIL;
	return EXIT_OK;
}

/*
 * One socket: created over u, given its part of a shared UMEM, set up for
 * busy polling and TX, and put into map_fd (>= 0) at slot. The socket is
 * counted in nr_created as soon as it exists, so the teardown closes it.
 */
static int run_socket(struct run_state *s, struct xskmap_sock *sk, const char *ifname, __u32 qid,
		      struct xskmap_umem *u, const struct xskmap_sock_cfg *scfg, int part,
		      int map_fd, __u32 slot)
{
	const struct run_opts *o = &s->opts;
	static bool said_budget;
	char err[512];

	if (xskmap_sock_create(sk, ifname, qid, u, scfg, err, sizeof(err))) {
		/* The kernel binds a socket sharing a UMEM in the first one's mode. */
		if (u->nr_socks && s->socks[0].zerocopy)
			pr_err("%s (a socket sharing a UMEM binds zero-copy as the first one did, which %s may lack: try --copy)\n",
			       err, ifname);
		else
			pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	s->nr_created++;
	if (part >= 0 && xskmap_umem_fill_part(u, sk->fq, part)) {
		pr_err("the fill ring of %s queue %u took less than its %u frames of the shared UMEM\n",
		       ifname, qid, u->part_frames);
		return EXIT_FAIL;
	}
	if (o->perf.busy_poll &&
	    xskmap_sock_busy_poll(sk, o->perf.busy_budget, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	/*
	 * Copy-mode TX sends 32 frames a kick unless told more (Linux 6.17):
	 * a whole ring's worth, so one kick takes a batch.
	 */
	if (scfg->tx_size) {
		const char *msg = xskmap_sock_tx_budget_raise(sk, o->ring_size);

		if (!said_budget && msg)
			pr_info("%s\n", msg);
		said_budget = true;
	}
	if (map_fd >= 0 && xskmap_sock_insert(sk, map_fd, slot, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * The tracer of the frames the kernel refuses after XDP_REDIRECT into the
 * program's XSKMAP (bpf/xsk_explain.bpf.c), attached in setup, before the
 * first socket: it needs CAP_BPF and CAP_PERFMON. Default: where it can,
 * with one warning where not; --explain: required (exit 1 without it);
 * --no-explain: none.
 */
static int run_explain(struct run_state *s)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	char err[512];
	int fd, ret;

	if (s->opts.explain < 0) {
		snprintf(s->explain_off, sizeof(s->explain_off), "--no-explain");
		return EXIT_OK;
	}
	fd = bpf_prog_get_fd_by_id(s->prog.prog_id);
	if (fd < 0 || bpf_obj_get_info_by_fd(prog_xsks_map_fd(&s->prog), &mi, &len)) {
		ret = -errno;
		snprintf(err, sizeof(err), "cannot read the program's XSKMAP: %s", strerror(-ret));
	} else {
		ret = explain_open(&s->explain, mi.id, fd, err, sizeof(err));
	}
	if (fd >= 0)
		close(fd);
	if (!ret)
		return EXIT_OK;
	if (s->opts.explain > 0) {
		pr_err("--explain: %s\n", err);
		return EXIT_FAIL;
	}
	snprintf(s->explain_off, sizeof(s->explain_off), "%s", err);
	pr_warn("%s: frames the kernel refuses after XDP_REDIRECT (RX ring full, frame too big) are counted only in xdp_statistics, without the reason (--no-explain silences this)\n",
		err);
	return EXIT_OK;
}

static int run_setup(struct run_state *s)
{
	struct run_opts *o = &s->opts;
	const struct xskmap_action *act = xskmap_action_find(o->action);
	__u32 nr_umems = o->shared_umem ? 1 : s->nr_queues;
	struct xskmap_umem_cfg ucfg = {
		.frames = o->frames,
		.frame_size = o->frame_size,
		.comp_size = o->ring_size,
		.unaligned = o->unaligned,
		.hugepages = o->hugepages,
	};
	/*
	 * The sockets on IFNAME receive; they send with fwd, unless --out
	 * sends elsewhere (then only --bridge's way back sends on them). The
	 * sockets on IFNAME2 send, and receive with --bridge. A TX ring as
	 * large as the RX one: fwd sends from the frames it received.
	 */
	struct xskmap_sock_cfg scfg = {
		.rx_size = o->ring_size,
		.tx_size = act->tx && (!o->out_ifname || o->bridge) ? o->ring_size : 0,
		.bind = o->bind,
		.need_wakeup = o->need_wakeup,
		.multi_buffer = s->mbuf,
	};
	struct xskmap_sock_cfg scfg2 = scfg;
	struct prog_cfg pcfg = { .fallback = o->fallback, .multi_buffer = s->mbuf };
	char err[512];
	__u32 i;
	int ret;

	scfg2.rx_size = o->bridge ? o->ring_size : 0;
	scfg2.tx_size = o->ring_size;
	s->nr_socks = s->nr_queues * (o->out_ifname ? 2 : 1);
	s->nr_workers = s->nr_queues * (o->bridge ? 2 : 1);
	ucfg.parts = o->shared_umem ? s->nr_workers : 0;

	/* Who owns the interfaces and the pin directory, before anything changes. */
	if (run_owner_claim(&s->own, s->ifindex, o->ifname, o->pin_dir))
		return EXIT_FAIL;
	/* IFNAME2's maps (--bridge) are pinned at its default place; --pin-dir is IFNAME's. */
	if (o->bridge && run_owner_claim(&s->own2, s->out_ifindex, o->out_ifname, NULL))
		return EXIT_FAIL;
	if (o->out_ifname && !o->bridge &&
	    run_owner_claim_tx(&s->own2, s->out_ifindex, o->out_ifname))
		return EXIT_FAIL;

	s->umems = calloc(nr_umems, sizeof(*s->umems));
	s->socks = calloc(s->nr_socks, sizeof(*s->socks));
	s->workers = calloc(s->nr_workers, sizeof(*s->workers));
	s->threads = calloc(s->nr_workers, sizeof(*s->threads));
	s->reports = calloc(s->nr_workers, sizeof(*s->reports));
	if (!s->umems || !s->socks || !s->workers || !s->threads || !s->reports) {
		pr_err("out of memory\n");
		return EXIT_FAIL;
	}

	/* Checked and opened before anything is attached: a refusal changes nothing. */
	if (o->pcap_path) {
		/* A multi-buffer frame is captured whole: tcpdump's largest snap length. */
		if (pcap_out_open(&s->pcap, o->pcap_path, s->nr_workers,
				  s->mbuf ? 262144 : o->frame_size,
				  PCAP_RING_BYTES_DEFAULT, &stop_flag, err, sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_FAIL;
		}
		pcfg.rx_timestamp = true;
	}

	raise_memlock();
	/* One slot per device queue (or up to --fixed-index): run_check() checked the rules. */
	pcfg.map_entries = run_opts_slots(o, s->nr_dev_queues);
	if (o->metadata) {
		pcfg.meta_ifindex = s->ifindex;
		pcfg.meta_vlan = s->meta_vlan;
	}
	ret = run_attach(s, &s->prog, &s->own, &pcfg, s->ifindex, o->ifname);
	if (!ret)
		ret = run_explain(s);
	if (ret)
		return ret;
	if (o->bridge) {
		pcfg.meta_ifindex = 0;	/* --metadata is refused with --out */
		pcfg.map_entries = run_opts_slots(o, s->nr_out_rx_queues);
		ret = run_attach(s, &s->prog2, &s->own2, &pcfg, s->out_ifindex, o->out_ifname);
		if (ret)
			return ret;
	} else if (o->out_ifname && run_owner_commit(&s->own2, NULL)) {
		return EXIT_FAIL;
	}

	if (o->shared_umem) {
		if (xskmap_umem_create(&s->umems[0], &ucfg, s->queue_ids[0], err, sizeof(err))) {
			pr_err("%s\n", err);
			return EXIT_FAIL;
		}
		s->nr_umems = 1;
	}
	/* IFNAME's sockets first: the first socket of a UMEM sets the bind mode of all. */
	for (i = 0; i < s->nr_queues && !stop_flag; i++) {
		__u32 slot = o->fixed ? o->fixed_index : s->queue_ids[i];
		struct xskmap_umem *u = &s->umems[o->shared_umem ? 0 : i];

		if (!o->shared_umem) {
			if (xskmap_umem_create(u, &ucfg, s->queue_ids[i], err, sizeof(err))) {
				pr_err("%s\n", err);
				return EXIT_FAIL;
			}
			s->nr_umems++;
		}
		ret = run_socket(s, &s->socks[i], o->ifname, s->queue_ids[i], u, &scfg,
				 o->shared_umem ? (int)i : -1, prog_xsks_map_fd(&s->prog), slot);
		if (ret)
			return ret;
	}
	for (i = 0; o->out_ifname && i < s->nr_queues && !stop_flag; i++) {
		__u32 slot = o->fixed ? o->fixed_index : s->queue_ids[i];

		ret = run_socket(s, &s->socks[s->nr_queues + i], o->out_ifname, s->queue_ids[i],
				 &s->umems[0], &scfg2, o->bridge ? (int)(s->nr_queues + i) : -1,
				 o->bridge ? prog_xsks_map_fd(&s->prog2) : -1, slot);
		if (ret)
			return ret;
	}
	/* A signal during setup: run (and report) only what has every socket it needs. */
	if (s->nr_created < s->nr_socks)
		s->nr_workers = o->out_ifname ? 0 : s->nr_created;
	return EXIT_OK;
}

static int run_start_threads(struct run_state *s)
{
	pthread_attr_t attr;
	sigset_t all, old;
	char err[512];
	__u32 i;
	int ret;

	/* Frame times are CLOCK_MONOTONIC (the kernel's); the pcap wants wall clock. */
	s->wall_offset_ns = cmd_wall_offset_ns();

	/* Workers never take signals: the main thread handles them. */
	if (pthread_attr_init(&attr)) {
		pr_err("cannot set up the worker threads\n");
		return EXIT_FAIL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (s->pcap && pcap_out_start(s->pcap, err, sizeof(err))) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	for (i = 0; i < s->nr_workers; i++) {
		const struct xskmap_perf_opts *p = &s->opts.perf;
		__u32 q = i % s->nr_queues;
		bool out = s->opts.out_ifname != NULL;
		__u8 *tx_ends = NULL;

		/*
		 * Multi-buffer fwd: which UMEM frames end a chain on the TX ring,
		 * by frame index in the worker's UMEM (the whole area when shared:
		 * the worker marks only its own part's frames).
		 */
		if (s->mbuf && xskmap_action_find(s->opts.action)->tx) {
			tx_ends = calloc(s->socks[i].umem->nr_frames, 1);
			if (!tx_ends) {
				pthread_sigmask(SIG_SETMASK, &old, NULL);
				pthread_attr_destroy(&attr);
				pr_err("out of memory\n");
				return EXIT_FAIL;
			}
		}
		/*
		 * Worker q: IFNAME's queue q, out of IFNAME2's (--out) or its own;
		 * worker nr_queues + q (--bridge): IFNAME2's queue q, out of IFNAME's.
		 */
		s->workers[i] = (struct xskmap_worker){
			.sock = &s->socks[i],
			.tx_sock = !out ? &s->socks[i] : i < s->nr_queues ? &s->socks[s->nr_queues + q] :
				   &s->socks[q],
			/* A frame going back out of its own port is sent back to its sender. */
			.swap_macs = !out,
			.action = xskmap_action_find(s->opts.action),
			.batch = s->opts.batch,
			.pcap = s->pcap,
			.pcap_queue = i,
			.meta_time = s->pcap != NULL,
			.meta_ext = s->opts.metadata,
			.wall_offset_ns = s->wall_offset_ns,
			.budget = &s->budget,
			.stop = &s->rx_stop,
			.wait = p->busy_poll ? XSKMAP_WAIT_BUSY_POLL :
				p->poll ? XSKMAP_WAIT_POLL : XSKMAP_WAIT_SPIN,
			.tx_ends = tx_ends,
		};
		/* --bridge: both workers of queue q on its CPU. */
		ret = p->nr_cpus ? perf_pin_attr(&attr, p->cpus[q]) : 0;
		if (ret) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			pthread_attr_destroy(&attr);
			pr_err("cannot pin the thread of queue %u to CPU %u: %s\n",
			       s->socks[i].queue_id, p->cpus[q], strerror(ret));
			return EXIT_FAIL;
		}
		ret = pthread_create(&s->threads[i], &attr, xskmap_worker_run, &s->workers[i]);
		if (ret) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			pthread_attr_destroy(&attr);
			pr_err("cannot start the thread of queue %u: %s\n", s->socks[i].queue_id,
			       strerror(ret));
			return EXIT_FAIL;
		}
		s->nr_started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return EXIT_OK;
}

/*
 * Faults that end a run: the interface gone (deleted, moved, or its
 * namespace with it), the program detached behind our back (the link says
 * where it is attached: 0 once detached), a socket in error (the kernel
 * sets ENETDOWN on the sockets when the device unregisters). One line in
 * msg, and true, when the run must stop.
 */
static bool run_fault(struct run_state *s, char *msg, size_t len)
{
	char name[IF_NAMESIZE];
	__u32 i;
	int ret;

	if (!if_indextoname(s->ifindex, name)) {
		snprintf(msg, len, "%s disappeared (deleted, moved to another namespace, or its namespace went away): stopping",
			 s->opts.ifname);
		return true;
	}
	ret = prog_link_check(&s->prog);
	if (ret == -ENODEV) {
		if (!if_indextoname(s->ifindex, name))
			snprintf(msg, len, "%s disappeared: stopping", s->opts.ifname);
		else
			snprintf(msg, len, "the XDP program was detached from %s by another tool (link id %u): stopping",
				 s->opts.ifname, s->prog.link_id);
		return true;
	}
	if (s->opts.out_ifname && !if_indextoname(s->out_ifindex, name)) {
		snprintf(msg, len, "%s (--out) disappeared (deleted, moved to another namespace, or its namespace went away): stopping",
			 s->opts.out_ifname);
		return true;
	}
	if (s->prog2.skel && prog_link_check(&s->prog2) == -ENODEV) {
		snprintf(msg, len, "the XDP program was detached from %s by another tool (link id %u): stopping",
			 s->opts.out_ifname, s->prog2.link_id);
		return true;
	}
	for (i = 0; i < s->nr_created; i++) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		/* Read the error itself: reading it does not depend on what poll() reports. */
		if (getsockopt(xskmap_sock_fd(&s->socks[i]), SOL_SOCKET, SO_ERROR, &soerr, &sl) || !soerr)
			continue;
		snprintf(msg, len, "the AF_XDP socket of %s queue %u failed (%s): stopping",
			 i < s->nr_queues ? s->opts.ifname : s->opts.out_ifname, s->socks[i].queue_id,
			 strerror(soerr));
		return true;
	}
	return false;
}

/*
 * Changes that do not end a run but change what it sees, one warning each
 * when they happen: the interface renamed (followed by its index; the
 * summary names it as it is now), set down (nothing arrives until it is
 * up), or given another number of RX queues (frames of a queue without a
 * socket here are no_socket; a removed queue's socket receives nothing).
 */
static void run_watch(struct run_state *s)
{
	char name[IF_NAMESIZE];
	unsigned int flags;
	int nq;

	if (!if_indextoname(s->ifindex, name))
		return;	/* gone: run_fault() says so */
	if (!s->ifname_now[0])
		snprintf(s->ifname_now, sizeof(s->ifname_now), "%s", s->opts.ifname);
	if (strcmp(name, s->ifname_now)) {
		pr_warn("%s was renamed to %s; the run goes on with it (the summary names it %s; 'xskmap rules' and 'detach' take the new name)\n",
			s->ifname_now, name, name);
		snprintf(s->ifname_now, sizeof(s->ifname_now), "%s", name);
	}
	if (!iface_flags(name, &flags)) {
		bool down = !(flags & IFF_UP);

		if (down && !s->seen_down)
			pr_warn("%s was set down: nothing arrives until it is up again ('ip link set dev %s up')\n",
				name, name);
		else if (!down && s->seen_down)
			pr_info("%s is up again\n", name);
		s->seen_down = down;
	}
	if (!s->seen_queues)
		s->seen_queues = s->nr_dev_queues;
	nq = iface_rx_queues(name);
	if (nq > 0 && (__u32)nq != s->seen_queues) {
		if ((__u32)nq > s->seen_queues)
			pr_warn("%s now has %d RX queues (was %u): the new ones have no socket of this run, so their frames count as no_socket; restart the run to receive on them\n",
				name, nq, s->seen_queues);
		else
			pr_warn("%s now has %d RX queues (was %u): the sockets of the removed queues receive nothing\n",
				name, nq, s->seen_queues);
		s->seen_queues = nq;
	}
}

/* A TX problem is said again only after this long without it. */
#define RUN_TX_QUIET_S 1.0

/*
 * TX trouble of a forwarding run, one line per queue and episode (the
 * workers never print): kicks that failed (ENETDOWN while the interface is
 * down...), and frames the kernel dropped before the wire (EBUSY: no
 * carrier). Neither ends the run: the frames are counted, the failed ones
 * retried, and the summary has the figures.
 */
static void run_watch_tx(struct run_state *s, double t)
{
	const char *ifname = s->ifname_now[0] ? s->ifname_now : s->opts.ifname;
	char why[128];
	__u32 i;

	for (i = 0; i < s->nr_started && i < XSKMAP_MAX_QUEUES; i++) {
		struct xskmap_worker_counters c;

		xskmap_worker_read(&s->workers[i], &c);
		if (c.tx_kick_errors > s->tx_seen[i].kick_errors) {
			if (!s->tx_seen[i].kick_said || t - s->tx_seen[i].kick_said > RUN_TX_QUIET_S)
				pr_warn("TX on %s queue %u failed: %s; its frames stay on the TX ring and are sent again every 10 ms (the summary counts those never sent as tx_not_completed)\n",
					ifname, s->socks[i].queue_id,
					strerror_named((int)c.tx_kick_errno, why, sizeof(why)));
			s->tx_seen[i].kick_said = t;
			s->tx_seen[i].kick_errors = c.tx_kick_errors;
		}
		if (c.tx_dropped > s->tx_seen[i].dropped) {
			if (!s->tx_seen[i].drop_said || t - s->tx_seen[i].drop_said > RUN_TX_QUIET_S)
				pr_warn("TX on %s queue %u: the kernel dropped frames before the wire (sendto: %s)%s; counted as tx_dropped\n",
					ifname, s->socks[i].queue_id,
					strerror_named(EBUSY, why, sizeof(why)),
					!iface_carrier(ifname) ? ": the interface has no carrier (its link or its peer is down)" : "");
			s->tx_seen[i].drop_said = t;
			s->tx_seen[i].dropped = c.tx_dropped;
		}
	}
}

/* now as the last interval's report, in the state's own storage. */
static void run_keep_prev(struct run_state *s, const struct run_report *now)
{
	memcpy(s->live_prev_q, now->queues, now->nr_queues * sizeof(*s->live_prev_q));
	s->live_prev = *now;
	s->live_prev.queues = s->live_prev_q;
	if (now->capture) {
		s->live_prev_cap = *now->capture;
		s->live_prev.capture = &s->live_prev_cap;
	}
	if (now->meta) {
		s->live_prev_meta = *now->meta;
		s->live_prev.meta = &s->live_prev_meta;
	}
}

/* --prometheus: the file from r (running: not the final values). */
static int run_prom(struct run_state *s, const struct run_report *r, bool running)
{
	struct metrics_prom_ctx c = { .run = r, .start_time = s->start_wall, .running = running };

	return prom_out_update(&s->prom, metrics_prom_render, &c, !running);
}

/* --prometheus without -i: the file is replaced every second. */
#define RUN_PROM_DEFAULT_S 1.0

/* Until a stop condition; EXIT_FAIL when a fault ended it (already said). */
static int run_loop(struct run_state *s)
{
	const struct run_opts *o = &s->opts;
	struct run_report now;
	double next = o->interval;
	double prom_every = o->interval ? o->interval : RUN_PROM_DEFAULT_S, prom_next = prom_every;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	/* Faults are looked for every 100 ms: noticed well within a second. */
	double next_check = 0;
	char fault[256];
	int ret = EXIT_OK;

	s->live_prev_q = calloc(s->nr_workers ? s->nr_workers : 1, sizeof(*s->live_prev_q));
	if (!s->live_prev_q) {
		pr_err("out of memory\n");
		return EXIT_FAIL;
	}
	collect(s, &now, s->reports);
	if (s->prom_on)
		run_prom(s, &now, true);
	/*
	 * The first interval counts from zero at the start (its own delta
	 * against itself): the intervals' deltas add up to the totals.
	 */
	run_keep_prev(s, &now);
	metrics_run_delta(&s->live_prev, &s->live_prev, &s->live_prev, s->live_prev_q,
			  &s->live_prev_cap, &s->live_prev_meta);
	while (!stop_flag) {
		double t = mono_sec() - s->start;

		if ((o->duration && t >= o->duration) || rx_budget_spent(&s->budget))
			break;
		if (t >= next_check) {
			next_check = t + 0.1;
			if (run_fault(s, fault, sizeof(fault))) {
				pr_err("%s\n", fault);
				ret = EXIT_FAIL;
				break;
			}
			run_watch(s);
			run_watch_tx(s, t);
		}
		if ((o->interval && t >= next) || (s->prom_on && t >= prom_next)) {
			collect(s, &now, s->reports);
			if (s->prom_on && t >= prom_next) {
				run_prom(s, &now, true);
				prom_next += prom_every;
			}
			if (o->interval && t >= next) {
				/* With --json the lines go to stdout from this thread: never a worker's. */
				if (o->json) {
					errno = 0;
					metrics_run_json(stdout, &now, &s->live_prev);
					metrics_lines_check(stdout, &s->lines_failed);
				} else
					report_interval(stderr, &now, &s->live_prev);
				run_keep_prev(s, &now);
				next += o->interval;
			}
		}
		nanosleep(&tick, NULL);	/* EINTR on a signal: loop re-checks */
	}
	return ret;
}

/*
 * The summary is the run's result: a lost one (stdout on a full disk, a
 * closed pipe) fails the run, as a failed capture write does.
 */
static int run_summary(struct run_state *s, struct run_report *rep, int ret)
{
	FILE *out = s->opts.json ? stdout : stderr;

	errno = 0;
	if (s->opts.json)
		report_json(out, rep);
	else
		report_text(out, rep);
	if (!report_flush(out, s->opts.json))
		return ret;
	return ret ? ret : EXIT_FAIL;
}

int cmd_run(int argc, char **argv)
{
	struct run_state *s = calloc(1, sizeof(*s));
	struct run_report rep;
	bool capture_failed = false;
	__u64 stop_ns;
	char err[512];
	int ret;

	if (!s)
		return EXIT_FAIL;
	ret = opts_exit_code(run_opts_parse(argc, argv, &s->opts, err, sizeof(err)), err);
	if (ret >= 0) {
		free(s);
		return ret;
	}
	log_init(s->opts.verbose);
	if (cmd_check_json_stdout(s->opts.json, "run.json")) {
		free(s);
		return EXIT_FAIL;
	}
	s->budget.limit = s->opts.count;
	if (run_opts_ruleset(&s->opts, &s->ruleset, err, sizeof(err))) {
		fprintf(stderr, "xskmap: error: %s\n", err);
		free(s);
		return EXIT_USAGE;
	}

	ret = run_check(s);
	if (ret) {
		free(s);
		return ret;
	}
	if (s->opts.prometheus) {
		if (prom_out_open(&s->prom, s->opts.prometheus, err, sizeof(err))) {
			fprintf(stderr, "xskmap: error: %s\n", err);
			free(s);
			return EXIT_USAGE;
		}
		s->prom_on = true;
	}
	s->start_wall = metrics_wall_time();
	cmd_stop_signals(on_signal);

	s->start = mono_sec();
	ret = run_setup(s);
	/* Before any thread that outlives setup: they all start with no capability. */
	if (!ret)
		ret = cmd_drop_privs();
	if (!ret)
		ret = run_start_threads(s);
	if (!ret) {
		if (s->opts.perf.busy_poll)
			perf_say_busy_poll(stderr, s->opts.ifname, s->opts.perf.busy_budget);
		else if (s->opts.perf.poll)
			pr_info("workers sleep in poll() whenever their RX ring is empty (--poll)\n");
		perf_say_pinning(stderr, &s->opts.perf, s->queue_ids, s->nr_queues);
		if (s->opts.out_ifname)
			pr_info("forwarding on %s out of %s%s, %u queue%s, one shared UMEM; Ctrl-C stops\n",
				s->opts.ifname, s->opts.out_ifname,
				s->opts.bridge ? " and back (--bridge)" : "", s->nr_queues,
				s->nr_queues == 1 ? "" : "s");
		else
			pr_info("%s on %s, %u queue%s%s; Ctrl-C stops\n",
				!strcmp(s->opts.action, "fwd") ? "forwarding" : "receiving",
				s->opts.ifname, s->nr_created, s->nr_created == 1 ? "" : "s",
				s->opts.shared_umem ? ", one shared UMEM" : "");
		s->start = mono_sec();
		ret = run_loop(s);
		stop_flag = 1;
		stop_ns = (__u64)(mono_sec() * 1e9);
		run_quiesce(s);
		/* The writer gets what is left of half a second; the stop stays under one. */
		if (s->pcap && pcap_out_finish(s->pcap, stop_ns + 500000000ULL, err, sizeof(err)))
			capture_failed = true;
		collect(s, &rep, s->reports);
		/* -i --json: a last interval line up to the stop, then the summary, marked. */
		if (s->opts.json && s->opts.interval && s->live_prev_q) {
			metrics_run_json(stdout, &rep, &s->live_prev);
			rep.json_type = "summary";
		}
		ret = run_summary(s, &rep, ret);
		if (s->prom_on && run_prom(s, &rep, false))
			ret = EXIT_FAIL;
		if (capture_failed) {
			pr_err("%s; %llu frame%s not written\n", err,
			       (unsigned long long)(s->capture.ring_full + s->capture.at_stop +
						    s->capture.after_error),
			       s->capture.ring_full + s->capture.at_stop + s->capture.after_error == 1 ?
			       "" : "s");
			ret = EXIT_FAIL;
		}
	}
	if (run_teardown(s) && !ret)
		ret = EXIT_FAIL;
	if (s->prom_on)
		prom_out_close(&s->prom);
	free(s->live_prev_q);
	free(s);
	return ret;
}
