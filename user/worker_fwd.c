// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fwd: every kept frame goes back out of the queue it came in on, its
 * Ethernet source and destination swapped, from the UMEM frame it arrived
 * in (the RX descriptor's address becomes the TX descriptor's: no copy).
 * With --out it goes out of the worker's TX socket on the other device
 * instead, unchanged, from the same frame of the shared UMEM. Completed
 * frames go back to the receiving socket's fill ring. A batch costs one
 * reservation on the TX ring, one on the fill ring for what could not be
 * sent, and at most one kick.
 *
 * A multi-buffer frame (a chain of RX descriptors, XDP_PKT_CONTD on all
 * but the last) goes out as it came: the same buffers, in the same order,
 * each TX descriptor with the RX one's XDP_PKT_CONTD (the socket is bound
 * with XDP_USE_SG, which TX needs too). The addresses are in the first
 * buffer. The TX reservation is all or nothing, so a chain is never cut.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "rx_chain.h"
#include "util.h"
#include "worker.h"

/* How long the stop waits for frames handed to the kernel to complete. */
#define FWD_DRAIN_NS (250 * 1000 * 1000ULL)

static void fwd_swap_macs(unsigned char *data, __u32 len)
{
	unsigned char tmp[6];

	/* A runt shorter than two addresses goes back as it came. */
	if (len < 12)
		return;
	memcpy(tmp, data, 6);
	memcpy(data, data + 6, 6);
	memcpy(data + 6, tmp, 6);
}

/* After a kick that failed (the interface down...): how soon to try again. */
#define FWD_RETRY_NS (10 * 1000 * 1000ULL)

/*
 * One kick, accounted as xsk_sendmsg() answers it. EAGAIN (the kernel's
 * per-call budget ran out, or the device queue was busy), EBUSY and
 * ENOBUFS leave frames on the TX ring: the next turn kicks again. EBUSY in
 * copy mode is also one frame the device path dropped (no carrier, say):
 * it comes back through the completion ring unsent, counted as dropped.
 * Other errors (ENETDOWN: the interface is down; ENXIO) are counted with
 * the last one named, and the frames stay on the ring: the worker kicks
 * again every FWD_RETRY_NS, so they leave once the interface is up, and
 * the stop counts those that never did. A link that goes down is the
 * network's state, not the run's failure: the run goes on (the main thread
 * says so once per episode).
 */
static void fwd_kick(struct xskmap_worker *w)
{
	int ret = xskmap_worker_kick_tx(w);

	w->tx_rekick = false;
	if (ret >= 0) {
		w->tx_retry_ns = 0;
		return;
	}
	if (xskmap_kick_transient(ret)) {
		w->tx_rekick = true;
		w->tx_retry_ns = 0;
		if (ret == -EBUSY) {
			xskmap_worker_add(w, tx_busy, 1);
			if (!w->sock->zerocopy)
				xskmap_worker_add(w, tx_dropped, 1);
		}
		return;
	}
	w->tx_retry_ns = mono_ns() + FWD_RETRY_NS;
	xskmap_worker_add(w, tx_kick_errors, 1);
	__atomic_store_n(&w->c.tx_kick_errno, (__u64)-ret, __ATOMIC_RELAXED);
}

/*
 * Multi-buffer: up to max completed buffers to the fill ring; a frame is
 * complete when its last buffer is (the kernel may complete a frame's
 * buffers in one go, never a later frame's before). Returns buffers, the
 * frames in *frames.
 */
static __u32 fwd_complete_chains(struct xskmap_worker *w, __u32 max, __u32 *frames)
{
	struct xskmap_sock *s = w->sock;
	struct xsk_ring_cons *cq = w->tx_sock->cq;
	struct xskmap_umem *u = s->umem;
	__u32 idx_cq = 0, idx_fq = 0, n, i, f = 0;

	n = xsk_ring_cons__peek(cq, max, &idx_cq);
	if (!n) {
		*frames = 0;
		return 0;
	}
	/* The fill ring holds every frame of the UMEM: this cannot come up short. */
	xsk_ring_prod__reserve(s->fq, n, &idx_fq);
	for (i = 0; i < n; i++) {
		__u64 addr = xsk_umem__extract_addr(*xsk_ring_cons__comp_addr(cq, idx_cq + i));
		__u8 *end = &w->tx_ends[addr / u->frame_size];

		f += *end;
		*end = 0;
		*xsk_ring_prod__fill_addr(s->fq, idx_fq + i) = addr;
	}
	xsk_ring_prod__submit(s->fq, n);
	xsk_ring_cons__release(cq, n);
	*frames = f;
	return n;
}

/* Up to max completions (--batch a turn, as every ring operation) to the fill ring. */
static void fwd_complete(struct xskmap_worker *w, __u32 max)
{
	struct xskmap_sock *s = w->sock;
	__u32 n, frames;

	if (!w->tx_outstanding)
		return;
	/* What went out of tx_sock was received on s: back to s's fill ring. */
	if (w->tx_ends) {
		n = fwd_complete_chains(w, max, &frames);
	} else {
		n = xskmap_umem_complete(s->umem, w->tx_sock->cq, s->fq, max, true);
		frames = n;
	}
	if (n) {
		w->tx_outstanding -= n;
		w->tx_outstanding_frames -= frames;
		if (frames)
			xskmap_worker_add(w, tx_completed, frames);
	}
}

static void fwd_rx(struct xskmap_worker *w, __u32 idx_rx, __u32 n, __u32 frames)
{
	struct xskmap_sock *s = w->sock, *o = w->tx_sock;
	__u32 keep, kept_descs, sent = 0, sent_frames, idx_tx = 0, idx_fq = 0, i;
	__u64 bytes = 0, tx_bytes = 0;
	bool first = true;

	keep = rx_budget_take(w->budget, frames);
	kept_descs = keep == frames ? n : xskmap_rx_frames_descs(&s->rx, idx_rx, n, keep);
	if (kept_descs)
		sent = xsk_ring_prod__reserve(&o->tx, kept_descs, &idx_tx);
	sent_frames = sent ? keep : 0;
	for (i = 0; i < kept_descs; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx_rx + i);
		__u32 contd = d->options & XDP_PKT_CONTD;

		bytes += d->len;
		if (i < sent) {
			struct xdp_desc *t = xsk_ring_prod__tx_desc(&o->tx, idx_tx + i);

			if (first && w->swap_macs)
				fwd_swap_macs(xskmap_umem_data(s->umem, d->addr), d->len);
			t->addr = d->addr;
			t->len = d->len;
			t->options = contd;
			tx_bytes += d->len;
			if (w->tx_ends && !contd)
				w->tx_ends[xsk_umem__extract_addr(d->addr) / s->umem->frame_size] = 1;
		}
		first = !contd;
	}
	/*
	 * Not sent (the TX ring full) and past --count: back to the fill ring,
	 * which holds every frame of the UMEM, so this cannot come up short.
	 */
	if (n > sent) {
		xsk_ring_prod__reserve(s->fq, n - sent, &idx_fq);
		for (i = sent; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx_rx + i);

			*xsk_ring_prod__fill_addr(s->fq, idx_fq + i - sent) =
				xsk_umem__extract_addr(d->addr);
		}
		xsk_ring_prod__submit(s->fq, n - sent);
	}
	xsk_ring_cons__release(&s->rx, n);
	xskmap_worker_account(w, keep, frames - keep, bytes);
	if (keep > sent_frames)
		xskmap_worker_add(w, tx_ring_full, keep - sent_frames);
	if (!sent)
		return;
	xsk_ring_prod__submit(&o->tx, sent);
	w->tx_outstanding += sent;
	w->tx_outstanding_frames += sent_frames;
	xskmap_worker_add(w, tx_packets, sent_frames);
	xskmap_worker_add(w, tx_bytes, tx_bytes);
	fwd_kick(w);
}

static void fwd_tick(struct xskmap_worker *w)
{
	fwd_complete(w, w->batch);
	/*
	 * A zero-copy driver that went to sleep with frames on the ring wants
	 * its wakeup; copy mode sends within the kick, so only a kick that left
	 * frames behind is repeated.
	 */
	if (w->tx_outstanding &&
	    (w->tx_rekick || (w->tx_retry_ns && mono_ns() >= w->tx_retry_ns) ||
	     (w->tx_sock->zerocopy && w->tx_sock->need_wakeup &&
	      xsk_ring_prod__needs_wakeup(&w->tx_sock->tx))))
		fwd_kick(w);
}

/*
 * At stop, after the last RX drain: give what is in flight a bounded time
 * to complete, kicking what is still on the ring, and count the rest.
 */
static void fwd_finish(struct xskmap_worker *w)
{
	struct timespec pause = { 0, 1000 * 1000 };
	__u64 end = mono_ns() + FWD_DRAIN_NS;

	for (;;) {
		fwd_complete(w, w->tx_outstanding);
		if (!w->tx_outstanding || mono_ns() >= end)
			break;
		if (w->tx_rekick || (w->tx_retry_ns && mono_ns() >= w->tx_retry_ns))
			fwd_kick(w);
		nanosleep(&pause, NULL);
	}
	if (w->tx_outstanding_frames)
		xskmap_worker_add(w, tx_not_completed, w->tx_outstanding_frames);
}

const struct xskmap_action xskmap_action_fwd = {
	.name = "fwd",
	.rx_batch = fwd_rx,
	.tick = fwd_tick,
	.finish = fwd_finish,
	.tx = true,
};
