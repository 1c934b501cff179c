/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An AF_XDP socket on one queue: its RX and TX rings over a UMEM
 * (umem.h), and its slot in xsks_map, which this layer alone puts it in
 * and takes it out of. The first socket of a UMEM uses the UMEM's fill
 * and completion rings (xsk_socket__create); a further one, on another
 * queue, gets its own pair (xsk_socket__create_shared) in the socket.
 */
#ifndef XSKMAP_SOCK_H
#define XSKMAP_SOCK_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "umem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Newer than bookworm's linux-libc-dev 6.1: include/uapi/linux/if_xdp.h (6.6). */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif
/* In an RX or TX descriptor's options: the frame goes on in the next one. */
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif

/* --multi-buffer: frames larger than a UMEM frame over several (XDP_USE_SG). */
enum xskmap_mbuf_mode {
	MBUF_AUTO = 0,		/* when the MTU lets in frames a UMEM frame cannot hold */
	MBUF_ON,
	MBUF_OFF,
};

enum bind_mode {
	BIND_AUTO = 0,		/* the kernel picks zero-copy if it can */
	BIND_COPY,
	BIND_ZEROCOPY,
};

struct xskmap_sock_cfg {
	__u32 rx_size;		/* RX ring entries, 0: no RX ring */
	__u32 tx_size;		/* TX ring entries, 0: no TX ring */
	enum bind_mode bind;
	bool need_wakeup;
	bool multi_buffer;	/* XDP_USE_SG: frames over several descriptors (6.6) */
};

struct xskmap_sock {
	__u32 queue_id;
	bool zerocopy;			/* what the kernel actually bound */
	bool need_wakeup;		/* bound with XDP_USE_NEED_WAKEUP */
	bool multi_buffer;		/* bound with XDP_USE_SG */
	struct xsk_socket *xsk;
	struct xskmap_umem *umem;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	/* The fill and completion rings this socket's queue uses. */
	struct xsk_ring_prod *fq;
	struct xsk_ring_cons *cq;
	struct xsk_ring_prod own_fq;	/* a shared UMEM's further sockets */
	struct xsk_ring_cons own_cq;
	int map_fd;			/* xsks_map, -1: not in it */
	__u32 slot;
};

/*
 * Create the socket bound to ifname/queue_id over u. -errno with a
 * one-line message (cause and fix) in err, s left empty.
 */
int xskmap_sock_create(struct xskmap_sock *s, const char *ifname, __u32 queue_id,
		       struct xskmap_umem *u, const struct xskmap_sock_cfg *cfg, char *err,
		       size_t errlen);
/* Out of xsks_map (if in), then closed. Idempotent; the UMEM stays. */
void xskmap_sock_destroy(struct xskmap_sock *s);

/* Into xsks_map (map_fd) at slot: 0, or -errno with the message in err. */
int xskmap_sock_insert(struct xskmap_sock *s, int map_fd, __u32 slot, char *err, size_t errlen);
/* Out of xsks_map: from now on the program finds no socket at its slot. */
void xskmap_sock_remove(struct xskmap_sock *s);

static inline int xskmap_sock_fd(const struct xskmap_sock *s)
{
	return xsk_socket__fd(s->xsk);
}

/* XDP_STATISTICS of the socket: 0 or -errno. */
int xskmap_sock_stats(const struct xskmap_sock *s, struct xdp_statistics *st);

/*
 * The TX kick: sendto(MSG_DONTWAIT) on the socket, whatever the ring
 * says. 0, or -errno as xsk_sendmsg() gives it: -EAGAIN (its per-call
 * budget ran out, the completion ring is full, or the device queue was
 * busy: the rest is still on the ring), -EBUSY (copy mode: the device path
 * dropped one frame, NET_XMIT_DROP, e.g. no carrier; it is completed
 * unsent and the rest is still on the ring), -ENOBUFS (no memory for an
 * skb), -ENETDOWN (the interface is down), -ENXIO (the socket is no
 * longer bound: its device went away).
 */
int xskmap_sock_sendto(struct xskmap_sock *s);

/*
 * The kick a TX path pays once per batch: 1 when the ring does not ask for
 * one (no system call made; copy mode always asks, and without
 * XDP_USE_NEED_WAKEUP every batch is kicked), else xskmap_sock_sendto().
 */
int xskmap_sock_tx_wakeup(struct xskmap_sock *s);

/*
 * Whether a kick's answer leaves the frames on the ring for the next kick
 * to send (-EAGAIN, -EBUSY, -ENOBUFS), rather than an error that sends
 * nothing until it is cured (-ENETDOWN, -ENXIO, anything else).
 */
static inline bool xskmap_kick_transient(int ret)
{
	return ret == -EAGAIN || ret == -EBUSY || ret == -ENOBUFS;
}

/*
 * Preferred busy polling on the socket: SO_PREFER_BUSY_POLL,
 * SO_BUSY_POLL (how long one recvfrom()/sendto() may poll, us) and
 * SO_BUSY_POLL_BUDGET (frames per NAPI poll). 0, or -errno with a one-line
 * message in err (a kernel without them gets the features refusal).
 */
int xskmap_sock_busy_poll(struct xskmap_sock *s, __u32 budget, char *err, size_t errlen);

/*
 * Before anything is set up: whether this kernel has preferred busy
 * polling (on a throwaway UDP socket). 0, or -errno with the refusal in err.
 */
int xskmap_busy_poll_check(char *err, size_t errlen);

/*
 * XDP_MAX_TX_SKB_BUDGET (Linux 6.17): how many frames one copy-mode
 * sendto() sends (32 without it). 0, -ENOPROTOOPT where the kernel lacks
 * it, or another -errno.
 */
int xskmap_sock_tx_budget(struct xskmap_sock *s, __u32 frames);

/*
 * For a TX path at start: raise a copy-mode socket's per-kick budget to
 * frames (a whole ring's worth, so one kick takes a batch and what a
 * previous kick left). The line to say at start about it, NULL for a
 * zero-copy socket (the driver sends; no budget applies).
 */
const char *xskmap_sock_tx_budget_raise(struct xskmap_sock *s, __u32 frames);

#ifdef __cplusplus
}
#endif
#endif
