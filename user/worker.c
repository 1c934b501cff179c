// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include "rx_chain.h"
#include "rx_meta.h"
#include "util.h"
#include "worker.h"

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

void xskmap_worker_recycle_rx(struct xskmap_worker *w, __u32 idx_rx, __u32 n)
{
	struct xskmap_sock *s = w->sock;
	__u32 idx_fq = 0, i;

	/*
	 * The fill ring holds as many entries as the UMEM has frames, so this
	 * reservation cannot come up short.
	 */
	xsk_ring_prod__reserve(s->fq, n, &idx_fq);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx_rx + i);

		*xsk_ring_prod__fill_addr(s->fq, idx_fq + i) = xsk_umem__extract_addr(d->addr);
	}
	xsk_ring_prod__submit(s->fq, n);
	xsk_ring_cons__release(&s->rx, n);
}

void xskmap_worker_account(struct xskmap_worker *w, __u32 kept, __u32 past, __u64 bytes)
{
	/* One writer: plain sums, published whole for the reader. */
	__atomic_store_n(&w->c.rx_packets, w->c.rx_packets + kept, __ATOMIC_RELAXED);
	__atomic_store_n(&w->c.rx_bytes, w->c.rx_bytes + bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&w->c.rx_past_count, w->c.rx_past_count + past, __ATOMIC_RELAXED);
}

void xskmap_worker_read(const struct xskmap_worker *w, struct xskmap_worker_counters *out)
{
	const __u64 *src = (const __u64 *)&w->c;
	__u64 *dst = (__u64 *)out;
	size_t i;

	for (i = 0; i < sizeof(*out) / sizeof(__u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

int xskmap_worker_kick_tx(struct xskmap_worker *w)
{
	int ret = xskmap_sock_tx_wakeup(w->sock);

	if (ret > 0)
		return ret;
	xskmap_worker_add(w, sendto_calls, 1);
	return ret;
}

static int worker_poll(struct xskmap_worker *w, struct pollfd *pfd, int timeout_ms)
{
	xskmap_worker_add(w, poll_calls, 1);
	return poll(pfd, 1, timeout_ms);
}

/*
 * Busy polling: a non-blocking recvfrom() runs the queue's NAPI on this
 * thread (sk_busy_loop) within SO_BUSY_POLL's time, and returns.
 */
static void worker_busy_poll(struct xskmap_worker *w)
{
	xskmap_worker_add(w, recvfrom_calls, 1);
	recvfrom(xskmap_sock_fd(w->sock), NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/* A hash not seen before on this queue: one more flow told apart (bounded). */
static void note_hash(struct xskmap_worker *w, __u32 hash)
{
	__u32 i, slot;

	if (!hash || w->c.meta_distinct_hashes >= XSKMAP_HASH_SET / 2)
		return;
	for (i = 0; i < XSKMAP_HASH_SET; i++) {
		slot = (hash + i) & (XSKMAP_HASH_SET - 1);
		if (w->hash_set[slot] == hash)
			return;
		if (!w->hash_set[slot])
			break;
	}
	w->hash_set[slot] = hash;
	xskmap_worker_add(w, meta_distinct_hashes, 1);
}

/*
 * The frame's receive time, wall clock in ns (rx_meta.h): the driver's
 * timestamp with --metadata where it gave one, else the time the XDP
 * program stamped in front of the frame (copied into the UMEM with the
 * frame in copy mode as in zero-copy), else the time it is read here.
 */
static __u64 rx_frame_time(struct xskmap_worker *w, unsigned char *data,
			   struct xskmap_rx_meta_view *v)
{
	memset(v, 0, sizeof(*v));
	if (w->meta_time || w->meta_ext)
		xskmap_rx_meta_take(data, w->meta_ext, v);
	if (w->meta_ext && v->found) {
		xskmap_worker_add(w, meta_frames, 1);
		if (v->flags & XSK_META_TIMESTAMP)
			xskmap_worker_add(w, meta_timestamp, 1);
		if (v->flags & XSK_META_HASH) {
			xskmap_worker_add(w, meta_hash, 1);
			note_hash(w, v->hash);
		}
		if (v->flags & XSK_META_VLAN)
			xskmap_worker_add(w, meta_vlan, 1);
	}
	return xskmap_rx_meta_time(v, w->wall_offset_ns,
				   v->found ? 0 : mono_ns() + w->wall_offset_ns);
}

/*
 * A tag the driver took off (VLAN offload) goes back into the capture
 * after the MAC addresses, as libpcap does from PACKET_AUXDATA: the file
 * shows the frame as it was on the wire.
 */
static void capture_put(struct xskmap_worker *w, __u64 t, const unsigned char *data, __u32 len,
			const struct xskmap_rx_meta_view *v)
{
	unsigned char *b = w->vlan_buf;

	if (!(v->flags & XSK_META_VLAN) || len < 12 || len + 4 > sizeof(w->vlan_buf)) {
		pcap_out_put(w->pcap, w->pcap_queue, t, data, len);
		return;
	}
	memcpy(b, data, 12);
	b[12] = v->flags & XSK_META_VLAN_AD ? 0x88 : 0x81;
	b[13] = v->flags & XSK_META_VLAN_AD ? 0xa8 : 0x00;
	b[14] = v->vlan_tci >> 8;
	b[15] = v->vlan_tci & 0xff;
	memcpy(b + 16, data + 12, len - 12);
	pcap_out_put(w->pcap, w->pcap_queue, t, b, len + 4);
}

/*
 * A frame of k descriptors from idx, len bytes in all: its metadata (in
 * front of the first buffer) counted, and with -w the frame into the
 * capture, whole. A chain's VLAN tag taken off by the driver is not put
 * back (only single-buffer frames get it).
 */
static void capture_frame(struct xskmap_worker *w, __u32 idx, __u32 k, __u64 len)
{
	struct xskmap_sock *s = w->sock;
	const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx);
	unsigned char *data = xskmap_umem_data(s->umem, d->addr), *dst;
	struct xskmap_rx_meta_view v;
	__u64 t = rx_frame_time(w, data, &v);
	__u32 j;

	if (!w->pcap)
		return;
	/* Copied out before the frame goes back to the kernel. */
	if (k == 1) {
		capture_put(w, t, data, d->len, &v);
		return;
	}
	dst = pcap_out_reserve(w->pcap, w->pcap_queue, t, (__u32)len);
	for (j = 0; dst && j < k; j++) {
		d = xsk_ring_cons__rx_desc(&s->rx, idx + j);
		memcpy(dst, xskmap_umem_data(s->umem, d->addr), d->len);
		dst += d->len;
	}
}

/* count: keep (and with -w capture) up to --count, count the rest, recycle all. */
static void action_count_rx(struct xskmap_worker *w, __u32 idx_rx, __u32 n, __u32 frames)
{
	struct xskmap_sock *s = w->sock;
	__u64 bytes = 0, len;
	__u32 keep, i = 0, f, k;

	/* Past --count a frame is taken off the ring and counted, not kept. */
	keep = rx_budget_take(w->budget, frames);
	for (f = 0; f < keep; f++) {
		k = xskmap_rx_frame(&s->rx, idx_rx, i, n, &len);
		bytes += len;
		if (w->pcap || w->meta_ext)
			capture_frame(w, idx_rx + i, k, len);
		i += k;
	}
	if (w->pcap && keep)
		pcap_out_publish(w->pcap, w->pcap_queue);
	xskmap_worker_recycle_rx(w, idx_rx, n);
	xskmap_worker_account(w, keep, frames - keep, bytes);
}

/*
 * drop: the frames go straight back to the fill ring; the frame data is
 * never read, so a frame costs its two descriptors. --count still ends
 * the run, and rx_bytes is still the sum of the lengths.
 */
static void action_drop_rx(struct xskmap_worker *w, __u32 idx_rx, __u32 n, __u32 frames)
{
	struct xskmap_sock *s = w->sock;
	__u64 bytes = 0;
	__u32 keep, kept_descs, i;

	keep = rx_budget_take(w->budget, frames);
	/* The descriptors of the kept frames: all of them but past --count. */
	kept_descs = keep == frames ? n : xskmap_rx_frames_descs(&s->rx, idx_rx, n, keep);
	for (i = 0; i < kept_descs; i++)
		bytes += xsk_ring_cons__rx_desc(&s->rx, idx_rx + i)->len;
	xskmap_worker_recycle_rx(w, idx_rx, n);
	xskmap_worker_account(w, keep, frames - keep, bytes);
}

static const struct xskmap_action action_count = {
	.name = "count",
	.rx_batch = action_count_rx,
};

static const struct xskmap_action action_drop = {
	.name = "drop",
	.rx_batch = action_drop_rx,
};

const struct xskmap_action *const xskmap_actions[] = {
	&action_count,
	&action_drop,
	&xskmap_action_fwd,
	NULL,
};

const struct xskmap_action *xskmap_action_find(const char *name)
{
	const struct xskmap_action *const *a;

	for (a = xskmap_actions; *a; a++)
		if (!strcmp((*a)->name, name))
			return *a;
	return NULL;
}

void *xskmap_worker_run(void *arg)
{
	struct xskmap_worker *w = arg;
	struct xskmap_sock *s = w->sock;
	const struct xskmap_action *act = w->action ? w->action : &action_count;
	struct pollfd pfd = { .fd = xskmap_sock_fd(s), .events = POLLIN };
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
		__u32 idx_rx = 0, n, frames;

		if (act->tick)
			act->tick(w);
		n = xskmap_rx_peek(&s->rx, w->batch, s->multi_buffer, &idx_rx, &frames);
		if (!n && last)
			break;
		/* Frames left on the TX ring by the last kick: kick again before any sleep. */
		if (!n && w->tx_rekick)
			continue;
		if (!n && w->wait == XSKMAP_WAIT_BUSY_POLL) {
			/* The loop is the NAPI's poller: it never sleeps. */
			worker_busy_poll(w);
			continue;
		}
		if (!n && busy) {
			__u64 t = mono_ns();

			if (!spin_end)
				spin_end = t + RX_BUSY_SPIN_NS;
			if (t < spin_end) {
				/* A zero-copy driver may wait for a kick meanwhile. */
				if (xsk_ring_prod__needs_wakeup(s->fq))
					worker_poll(w, &pfd, 0);
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
			worker_poll(w, &pfd, RX_IDLE_POLL_MS);
			continue;
		}
		spin_end = 0;
		if (n >= w->batch && w->wait == XSKMAP_WAIT_SPIN)
			busy = true;
		act->rx_batch(w, idx_rx, n, frames);
	}
	if (act->finish)
		act->finish(w);
	return NULL;
}
