// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "rx.h"
#include "util.h"

/* An idle queue sleeps in poll(); this bounds how late it notices *stop. */
#define RX_IDLE_POLL_MS 100
/*
 * A busy queue (one that filled a batch since it last slept) that finds its
 * RX ring empty spins this long before it sleeps. Sleeping under load is
 * what costs: the kernel then wakes the thread at every flush
 * (sock_def_readable, an IPI), paid by the CPU that runs the receive path;
 * on veth in copy mode that CPU does all the work. tests/bench/rx.sh measured
 * 4.3 -> 8.1 Mpps. Under load two flushes are microseconds apart; 50 us
 * covers that, and a queue that goes idle sleeps after it.
 */
#define RX_BUSY_SPIN_NS 50000

__u32 rx_budget_take(struct rx_budget *b, __u32 n)
{
	__u64 before;

	if (!b->limit)
		return n;
	before = __atomic_fetch_add(&b->taken, n, __ATOMIC_RELAXED);
	if (before >= b->limit)
		return 0;
	return b->limit - before < n ? b->limit - before : n;
}

bool rx_budget_spent(const struct rx_budget *b)
{
	return b->limit && __atomic_load_n(&b->taken, __ATOMIC_RELAXED) >= b->limit;
}

/*
 * The frame's receive time, wall clock in ns. Best: the time the XDP
 * program stamped in front of the frame (struct xsk_rx_meta, copied into
 * the UMEM with the frame in copy mode as in zero-copy); else the time it
 * is read here. The magic is cleared once read: the buffer is reused, and
 * a later frame without metadata must not inherit this one's time.
 */
static __u64 rx_frame_time(const struct rx_worker *w, unsigned char *data)
{
	struct xsk_rx_meta m;
	unsigned char *at = data - sizeof(m);

	if (w->meta_time) {
		/* memcpy: nothing promises the frame's address is 8-aligned. */
		memcpy(&m, at, sizeof(m));
		if (m.magic == XSK_RX_META_MAGIC) {
			memset(at + offsetof(struct xsk_rx_meta, magic), 0, sizeof(m.magic));
			return m.rx_ns + w->wall_offset_ns;
		}
	}
	return mono_ns() + w->wall_offset_ns;
}

void *rx_worker_run(void *arg)
{
	struct rx_worker *w = arg;
	struct xsk_queue *q = w->q;
	struct pollfd pfd = { .fd = xsk_queue_fd(q), .events = POLLIN };
	__u64 packets = q->rx_packets, bytes = q->rx_bytes, past = q->rx_past_count;
	/*
	 * busy: a full batch was seen since the last sleep, so frames come
	 * faster than one batch per wakeup; spin_end: when a spin on an empty
	 * ring gives up (0: not spinning). A trickle never fills a batch and
	 * never spins.
	 */
	__u64 spin_end = 0;
	bool busy = false;

	for (;;) {
		/*
		 * Read before the peek: once the main thread says stop, nothing
		 * new can reach the ring (the socket left xsks_map a grace period
		 * ago), so the loop drains what is there and ends on empty.
		 */
		bool last = __atomic_load_n(w->stop, __ATOMIC_ACQUIRE);
		__u32 idx_rx = 0, idx_fq = 0, n, keep, i;

		n = xsk_ring_cons__peek(&q->rx, w->batch, &idx_rx);
		if (!n && last)
			break;
		if (!n && busy) {
			__u64 t = mono_ns();

			if (!spin_end)
				spin_end = t + RX_BUSY_SPIN_NS;
			if (t < spin_end) {
				/* A zero-copy driver may wait for a kick meanwhile. */
				if (xsk_ring_prod__needs_wakeup(&q->fq))
					poll(&pfd, 1, 0);
				continue;
			}
			busy = false;
		}
		if (!n) {
			/*
			 * Nothing to do: sleep until frames arrive. poll() is also
			 * the wakeup the kernel asks for when the fill ring has the
			 * need_wakeup flag; it is the only blocking call of the loop.
			 */
			spin_end = 0;
			poll(&pfd, 1, RX_IDLE_POLL_MS);
			continue;
		}
		spin_end = 0;
		if (n == w->batch)
			busy = true;

		/* Past --count a frame is taken off the ring and counted, not kept. */
		keep = rx_budget_take(w->budget, n);
		for (i = 0; i < keep; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx_rx + i);

			bytes += d->len;
			if (w->pcap) {
				unsigned char *data = xsk_umem__get_data(q->area, d->addr);

				/* Copied out before the frame goes back to the kernel. */
				pcap_out_put(w->pcap, w->pcap_queue, rx_frame_time(w, data), data, d->len);
			}
		}
		if (w->pcap && keep)
			pcap_out_publish(w->pcap, w->pcap_queue);

		/*
		 * Recycle the batch. The fill ring holds as many entries as the
		 * UMEM has frames, so this reservation cannot come up short.
		 */
		xsk_ring_prod__reserve(&q->fq, n, &idx_fq);
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx_rx + i);

			*xsk_ring_prod__fill_addr(&q->fq, idx_fq + i) = xsk_umem__extract_addr(d->addr);
		}
		xsk_ring_prod__submit(&q->fq, n);
		xsk_ring_cons__release(&q->rx, n);

		packets += keep;
		past += n - keep;
		__atomic_store_n(&q->rx_packets, packets, __ATOMIC_RELAXED);
		__atomic_store_n(&q->rx_bytes, bytes, __ATOMIC_RELAXED);
		__atomic_store_n(&q->rx_past_count, past, __ATOMIC_RELAXED);
	}
	return NULL;
}
