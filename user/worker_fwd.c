// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fwd: every kept frame goes back out of the queue it came in on, its
 * Ethernet source and destination swapped, from the UMEM frame it arrived
 * in (the RX descriptor's address becomes the TX descriptor's: no copy).
 * Completed frames go back to the fill ring. A batch costs one reservation
 * on the TX ring, one on the fill ring for what could not be sent, and at
 * most one kick.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

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

/* Up to max completions (--batch a turn, as every ring operation) to the fill ring. */
static void fwd_complete(struct xskmap_worker *w, __u32 max)
{
	struct xskmap_sock *s = w->sock;
	__u32 n;

	if (!w->tx_outstanding)
		return;
	n = xskmap_umem_complete(s->umem, s->cq, s->fq, max, true);
	if (n) {
		w->tx_outstanding -= n;
		xskmap_worker_add(w, tx_completed, n);
	}
}

static void fwd_rx(struct xskmap_worker *w, __u32 idx_rx, __u32 n)
{
	struct xskmap_sock *s = w->sock;
	__u32 keep, sent = 0, idx_tx = 0, idx_fq = 0, i;
	__u64 bytes = 0, tx_bytes = 0;

	keep = rx_budget_take(w->budget, n);
	if (keep)
		sent = xsk_ring_prod__reserve(&s->tx, keep, &idx_tx);
	for (i = 0; i < keep; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx_rx + i);

		bytes += d->len;
		if (i < sent) {
			struct xdp_desc *t = xsk_ring_prod__tx_desc(&s->tx, idx_tx + i);

			fwd_swap_macs(xskmap_umem_data(s->umem, d->addr), d->len);
			t->addr = d->addr;
			t->len = d->len;
			t->options = 0;
			tx_bytes += d->len;
		}
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
	xskmap_worker_account(w, keep, n - keep, bytes);
	if (keep > sent)
		xskmap_worker_add(w, tx_ring_full, keep - sent);
	if (!sent)
		return;
	xsk_ring_prod__submit(&s->tx, sent);
	w->tx_outstanding += sent;
	xskmap_worker_add(w, tx_packets, sent);
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
	     (w->sock->zerocopy && w->sock->need_wakeup &&
	      xsk_ring_prod__needs_wakeup(&w->sock->tx))))
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
	if (w->tx_outstanding)
		xskmap_worker_add(w, tx_not_completed, w->tx_outstanding);
}

const struct xskmap_action xskmap_action_fwd = {
	.name = "fwd",
	.rx_batch = fwd_rx,
	.tick = fwd_tick,
	.finish = fwd_finish,
	.tx = true,
};
