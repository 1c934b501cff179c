// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "kernel_features.h"
#include "sock.h"
#include "uapi_compat.h"

/* How long one busy-polling call may spin on the NAPI, in us. */
#define XSKMAP_BUSY_POLL_US 20

static void explain_bind_error(int err, const char *ifname, __u32 qid,
			       const struct xskmap_sock_cfg *cfg, char *buf, size_t len)
{
	const char *why = strerror(err);

	switch (err) {
	case EBUSY:
		snprintf(buf, len, "queue %u of %s already has an AF_XDP socket bound (%s): stop the other AF_XDP program or pick other queues with -q",
			 qid, ifname, why);
		break;
	case EINVAL:
		if (cfg->multi_buffer) {
			char need[160];

			features_missing_msg(FEAT_XSK_MULTI_BUFFER, need, sizeof(need));
			snprintf(buf, len, "cannot bind an AF_XDP socket to %s queue %u with XDP_USE_SG (%s): %s, or the driver refuses it; use --multi-buffer off",
				 ifname, qid, why, need);
			break;
		}
		goto other;
	case EOPNOTSUPP:
		if (cfg->bind == BIND_ZEROCOPY) {
			snprintf(buf, len, "zero-copy bind to %s queue %u failed: the driver does not support it (%s); drop --zero-copy to use copy mode",
				 ifname, qid, why);
			break;
		}
		/* fall through */
	default:
other:
		snprintf(buf, len, "cannot bind an AF_XDP socket to %s queue %u: %s",
			 ifname, qid, why);
	}
}

int xskmap_sock_create(struct xskmap_sock *s, const char *ifname, __u32 queue_id,
		       struct xskmap_umem *u, const struct xskmap_sock_cfg *cfg, char *err,
		       size_t errlen)
{
	struct xsk_socket_config scfg = {
		.rx_size = cfg->rx_size,
		.tx_size = cfg->tx_size,
		/* Our program and our xsks_map: never libxdp's default one. */
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = 0,
	};
	struct xdp_options xopts = {};
	socklen_t optlen = sizeof(xopts);
	int ret;

	memset(s, 0, sizeof(*s));
	s->queue_id = queue_id;
	s->umem = u;
	s->map_fd = -1;
	if (cfg->bind == BIND_COPY)
		scfg.bind_flags |= XDP_COPY;
	else if (cfg->bind == BIND_ZEROCOPY)
		scfg.bind_flags |= XDP_ZEROCOPY;
	if (cfg->need_wakeup)
		scfg.bind_flags |= XDP_USE_NEED_WAKEUP;
	if (cfg->multi_buffer)
		scfg.bind_flags |= XDP_USE_SG;

	if (!u->nr_socks) {
		s->fq = &u->fq;
		s->cq = &u->cq;
		ret = xsk_socket__create(&s->xsk, ifname, queue_id, u->umem,
					 cfg->rx_size ? &s->rx : NULL,
					 cfg->tx_size ? &s->tx : NULL, &scfg);
	} else {
		s->fq = &s->own_fq;
		s->cq = &s->own_cq;
		ret = xsk_socket__create_shared(&s->xsk, ifname, queue_id, u->umem,
						cfg->rx_size ? &s->rx : NULL,
						cfg->tx_size ? &s->tx : NULL, s->fq, s->cq, &scfg);
	}
	if (ret) {
		s->xsk = NULL;
		explain_bind_error(-ret, ifname, queue_id, cfg, err, errlen);
		return ret;
	}
	u->nr_socks++;
	s->need_wakeup = cfg->need_wakeup;
	s->multi_buffer = cfg->multi_buffer;
	if (!getsockopt(xsk_socket__fd(s->xsk), SOL_XDP, XDP_OPTIONS, &xopts, &optlen))
		s->zerocopy = xopts.flags & XDP_OPTIONS_ZEROCOPY;
	return 0;
}

void xskmap_sock_destroy(struct xskmap_sock *s)
{
	xskmap_sock_remove(s);
	if (s->xsk) {
		xsk_socket__delete(s->xsk);
		s->umem->nr_socks--;
	}
	s->xsk = NULL;
}

int xskmap_sock_insert(struct xskmap_sock *s, int map_fd, __u32 slot, char *err, size_t errlen)
{
	int fd = xskmap_sock_fd(s);

	if (bpf_map_update_elem(map_fd, &slot, &fd, BPF_ANY)) {
		int ret = -errno;

		snprintf(err, errlen, "cannot put the socket of queue %u into xsks_map slot %u: %s",
			 s->queue_id, slot, strerror(-ret));
		return ret;
	}
	s->map_fd = map_fd;
	s->slot = slot;
	return 0;
}

void xskmap_sock_remove(struct xskmap_sock *s)
{
	if (s->map_fd < 0)
		return;
	bpf_map_delete_elem(s->map_fd, &s->slot);
	s->map_fd = -1;
}

int xskmap_sock_stats(const struct xskmap_sock *s, struct xdp_statistics *st)
{
	socklen_t len = sizeof(*st);

	memset(st, 0, sizeof(*st));
	if (getsockopt(xskmap_sock_fd(s), SOL_XDP, XDP_STATISTICS, st, &len))
		return -errno;
	return 0;
}

int xskmap_sock_sendto(struct xskmap_sock *s)
{
	if (sendto(xskmap_sock_fd(s), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return 0;
	return -errno;
}

int xskmap_sock_tx_wakeup(struct xskmap_sock *s)
{
	/*
	 * Without XDP_USE_NEED_WAKEUP the flag is never set and the kernel
	 * sends nothing until asked: every batch needs its kick.
	 */
	if (s->need_wakeup && !xsk_ring_prod__needs_wakeup(&s->tx))
		return 1;
	return xskmap_sock_sendto(s);
}

static int sock_set_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) ? -errno : 0;
}

int xskmap_sock_busy_poll(struct xskmap_sock *s, __u32 budget, char *err, size_t errlen)
{
	int fd = xskmap_sock_fd(s), ret;
	const char *what = "SO_PREFER_BUSY_POLL";

	ret = sock_set_int(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1);
	if (!ret) {
		what = "SO_BUSY_POLL";
		ret = sock_set_int(fd, SOL_SOCKET, SO_BUSY_POLL, XSKMAP_BUSY_POLL_US);
	}
	if (!ret) {
		what = "SO_BUSY_POLL_BUDGET";
		ret = sock_set_int(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, budget);
	}
	if (!ret)
		return 0;
	if (ret == -ENOPROTOOPT) {
		char msg[200];

		features_missing_msg(FEAT_BUSY_POLL, msg, sizeof(msg));
		snprintf(err, errlen, "--busy-poll: %s (setsockopt(%s) is refused with ENOPROTOOPT); run without --busy-poll",
			 msg, what);
	} else {
		snprintf(err, errlen, "--busy-poll: setsockopt(%s) on the socket of queue %u failed: %s%s",
			 what, s->queue_id, strerror(-ret),
			 ret == -EPERM ? "; it needs CAP_NET_ADMIN past net.core.busy_poll" : "");
	}
	return ret;
}

int xskmap_busy_poll_check(char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;
	char msg[200];

	if (fd < 0)
		return 0;	/* nothing to try it on: the sockets will say */
	ret = sock_set_int(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1);
	if (!ret)
		ret = sock_set_int(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, 8);
	close(fd);
	if (ret != -ENOPROTOOPT)
		return 0;
	features_missing_msg(FEAT_BUSY_POLL, msg, sizeof(msg));
	snprintf(err, errlen, "--busy-poll: %s, and this kernel refuses it (ENOPROTOOPT): run without --busy-poll",
		 msg);
	return ret;
}

int xskmap_sock_tx_budget(struct xskmap_sock *s, __u32 frames)
{
	return sock_set_int(xskmap_sock_fd(s), SOL_XDP, XDP_MAX_TX_SKB_BUDGET, frames);
}

const char *xskmap_sock_tx_budget_raise(struct xskmap_sock *s, __u32 frames)
{
	int r;

	if (s->zerocopy)
		return NULL;
	r = xskmap_sock_tx_budget(s, frames);
	return !r ? "copy-mode TX budget raised to the TX ring (XDP_MAX_TX_SKB_BUDGET)" :
	       r == -ENOPROTOOPT ? "copy-mode TX sends at most 32 frames a kick: this kernel has no XDP_MAX_TX_SKB_BUDGET (Linux 6.17)" :
	       "copy-mode TX budget left at the kernel's default: XDP_MAX_TX_SKB_BUDGET refused";
}
