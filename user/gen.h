/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `xskmap gen`: its two engines over one state. cmd_gen.c checks the
 * command line and the interface, builds the frame, runs the engine's
 * threads and reports; the engines are the AF_XDP TX path (cmd_gen.c,
 * over umem.h and sock.h) and the live-frames path (gen_xdp.c).
 *
 * Frames are given out from one counter (taken): a thread takes k frames
 * at once, which are the k next sequence numbers and, with --count, part
 * of the budget; so -c N sends exactly N whatever the number of threads,
 * and the sequence numbers of all of them together are 0..N-1.
 */
#ifndef XSKMAP_GEN_H
#define XSKMAP_GEN_H

#include <pthread.h>
#include <stdbool.h>
#include <linux/types.h>

#include "gen_opts.h"
#include "pktbuild.h"
#include "prog.h"
#include "rtt_hist.h"
#include "sock.h"
#include "umem.h"

struct gen_state;

/*
 * Per thread: written by the thread, read by the main thread (__atomic).
 * xsk: every frame taken is put on the TX ring (submitted); of those, each
 * comes back through the completion ring (completed) or has not by the end
 * of the stop's wait; of the completed ones, those the kernel dropped
 * before the wire (dropped: a copy-mode kick answered EBUSY, one frame
 * each) are not sent, the others are (frames).
 */
struct gen_counters {
	__u64 frames;		/* left: sent (xsk) or transmitted by the program (xdp) */
	__u64 submitted;	/* put on the TX ring (xsk) */
	__u64 completed;	/* back through the completion ring (xsk) */
	__u64 dropped;		/* completed unsent (xsk) */
	__u64 sendto;		/* sendto() kicks (xsk) */
	__u64 poll;		/* poll() calls (xsk, --poll) */
	__u64 wakeups;		/* system calls: sendto() + poll() (xsk), BPF_PROG_RUN (xdp) */
};

/*
 * --rtt, per receiving thread (written by it, read by the main thread
 * once the threads are joined). A frame read back is ours when it has the
 * layout's length, the pktgen magic, a sequence number sent in the last
 * GEN_RTT_WINDOW frames and a send time between the start and now;
 * anything else on the socket is not_ours. Of ours, a sequence number seen
 * before is a duplicate; one below the highest this thread saw is
 * out_of_order (and received); one sent more than GEN_RTT_WINDOW frames
 * before the newest is late (its slot in the window is reused): lost.
 */
struct gen_rtt_counters {
	__u64 received;		/* distinct frames back, each a sample */
	__u64 duplicates;
	__u64 out_of_order;
	__u64 late;
	__u64 not_ours;
	__u64 polls;		/* ppoll()/recvfrom() wakeups of the RX side */
};

/* The sequence numbers a frame may come back with: the last 2^22 sent (512 KiB of bits). */
#define GEN_RTT_WINDOW (1u << 22)

struct gen_thread {
	struct gen_state *g;
	__u32 idx;
	__u32 queue_id;			/* xsk */
	int cpu;			/* -1: unpinned */
	struct xskmap_umem umem;	/* xsk */
	struct xskmap_sock sock;	/* xsk */
	bool umem_made, sock_made, started;
	pthread_t th;
	int error;			/* errno that ended the thread, 0: none */
	char errmsg[512];
	bool done;			/* the thread has ended (__atomic) */
	/* The thread's own TX state (xsk), no atomics. */
	bool rekick;			/* the last kick left frames on the ring */
	__u32 drops_pending;		/* dropped frames whose completion is still to come */
	bool drop_said;			/* the main thread has warned about drops */
	struct gen_counters c __attribute__((aligned(64)));
	/* --rtt */
	struct gen_rtt_counters rc;
	struct xskmap_hist *hist;	/* preallocated at setup */
	__u32 hi_seq;			/* the highest sequence received */
	bool any_rx;
	__u64 last_send_ns;		/* when this thread stopped sending */
};

struct gen_state {
	struct gen_opts o;
	int ifindex;
	struct pkt_spec spec;
	struct pkt_layout lay;
	__u8 frame[GEN_MAX_FRAME];	/* the template, sequence 0 */
	/*
	 * UMEM frames a frame takes (xsk): 1, or more for a frame longer than
	 * --frame-size, sent as a chain of descriptors (XDP_PKT_CONTD on all
	 * but the last; the socket bound with XDP_USE_SG). The UMEM is then
	 * cut in slots of bufs consecutive frames, each holding the template
	 * once; the free pool holds slot heads only.
	 */
	__u32 bufs;
	__s64 wall_off_ns;
	__u64 taken;			/* frames given out to threads (__atomic) */
	int stop;			/* the threads stop taking frames (__atomic) */
	struct gen_thread *t;
	__u32 nr_threads;
	double start, end;
	struct gen_xdp *xdp;		/* gen_xdp.c's, --engine xdp */
	/* --rtt (gen_rtt.c) */
	struct prog prog;		/* xsk_redirect on IFNAME, loaded when prog.skel */
	__u64 *rtt_seen;		/* GEN_RTT_WINDOW bits: sequence seq % window came back */
	__u64 rtt_t0_ns;		/* CLOCK_MONOTONIC before the first send */
	__u32 senders_done;		/* threads past their last send (__atomic) */
	__u64 rtt_received;		/* over all threads (__atomic) */
	struct xskmap_hist *rtt_total;	/* the merged histogram, at the report */
};

/*
 * Up to want frames for a thread: the first sequence number in *seq and
 * how many it may send (0: the budget is spent or the run stops).
 */
__u32 gen_take(struct gen_state *g, __u32 want, __u64 *seq);

/* The ports of frame seq: source cycled per frame, destination when it wraps. */
static inline void gen_ports(const struct gen_opts *o, __u64 seq, __u16 *sport, __u16 *dport)
{
	__u32 ns = o->sport_hi - o->sport_lo + 1, nd = o->dport_hi - o->dport_lo + 1;

	*sport = o->sport_lo + seq % ns;
	*dport = o->dport_lo + (seq / ns) % nd;
}

/*
 * Pacing: a token bucket on CLOCK_MONOTONIC, per thread, its share of
 * --rate. Frames go out in slices of at least min (1 for xsk: every frame
 * on time; xdp: 1/50 s worth, since a BPF_PROG_RUN call has a fixed cost),
 * and the bucket holds at most cap (xsk: 10 ms worth; xdp: 1/4 s, since a
 * call can take that long on a slow or emulated machine, and what came due
 * during it goes in the next one): a thread held up catches up that much
 * at once, never a second's.
 */
struct gen_pace {
	double rate;		/* frames per second, 0: unpaced */
	double tokens, cap, min;
	__u64 last_ns;
	bool no_sleep;		/* --rtt: return 0 at once, the wait in wait_ns */
	__u64 wait_ns;		/* when take returned 0: until the next frame is due */
};

void gen_pace_init(struct gen_pace *p, double rate, double min, double cap);
/* How many frames may go now, at most max; sleeps until some may when none. */
__u32 gen_pace_take(struct gen_pace *p, __u32 max);
void gen_pace_spent(struct gen_pace *p, __u32 n);

/*
 * --rtt (gen_rtt.c): attach xsk_redirect to IFNAME with one rule that
 * steers the frames coming back (their addresses, ports and tag) to the
 * sockets and passes everything else to the kernel; allocate the window
 * and the histograms. 0, or an exit code with the message said.
 */
int gen_rtt_setup(struct gen_state *g);
/* Sockets into xsks_map (after they exist): 0 or an exit code, said. */
int gen_rtt_insert(struct gen_state *g);
/* Before a frame with sequence seq is put on the TX ring: its slot forgets it. */
static inline void gen_rtt_forget(struct gen_state *g, __u32 seq)
{
	__u32 i = seq % GEN_RTT_WINDOW;

	__atomic_fetch_and(&g->rtt_seen[i / 64], ~(1ULL << (i % 64)), __ATOMIC_RELAXED);
}
/* Read up to --batch frames off t's RX ring: how many were there. */
__u32 gen_rtt_rx(struct gen_thread *t);
/* Nothing due for wait_ns: spin on the RX ring, or ppoll() it with --poll. */
void gen_rtt_idle(struct gen_thread *t, __u64 wait_ns);
/* Whether every frame sent came back (all threads done sending). */
bool gen_rtt_all_back(struct gen_state *g);
/* The summary's rtt part: JSON into root, or text on stderr; true when frames were lost. */
struct json_object;
bool gen_rtt_report(struct gen_state *g, __u64 sent, struct json_object *root);
void gen_rtt_destroy(struct gen_state *g);

/* --engine xdp: load (0, or an exit code with the message said), threads, unload. */
int gen_xdp_setup(struct gen_state *g);
void *gen_xdp_thread(void *arg);
void gen_xdp_destroy(struct gen_state *g);

#endif
