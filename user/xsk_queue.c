// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "iface.h"
#include "xsk_queue.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

static void explain_bind_error(int err, const char *ifname, __u32 qid,
			       const struct xsk_queue_cfg *cfg, char *buf, size_t len)
{
	const char *why = strerror(err);

	switch (err) {
	case EBUSY:
		snprintf(buf, len, "queue %u of %s already has an AF_XDP socket bound (%s): stop the other AF_XDP program or pick other queues with -q",
			 qid, ifname, why);
		break;
	case EOPNOTSUPP:
		if (cfg->bind == BIND_ZEROCOPY) {
			snprintf(buf, len, "zero-copy bind to %s queue %u failed: the driver does not support it (%s); drop --zero-copy to use copy mode",
				 ifname, qid, why);
			break;
		}
		/* fall through */
	default:
		snprintf(buf, len, "cannot bind an AF_XDP socket to %s queue %u: %s",
			 ifname, qid, why);
	}
}

int xsk_queue_create(struct xsk_queue *q, const char *ifname, __u32 queue_id,
		     const struct xsk_queue_cfg *cfg, char *err, size_t errlen)
{
	struct xsk_umem_config ucfg = {
		.fill_size = cfg->frames,
		.comp_size = cfg->ring_size,
		.frame_size = cfg->frame_size,
		.frame_headroom = XSK_UMEM__DEFAULT_FRAME_HEADROOM,
		.flags = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = cfg->ring_size,
		.tx_size = 0,
		/* Our program and our xsks_map: never libxdp's default one. */
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = 0,
	};
	struct xdp_options xopts = {};
	socklen_t optlen = sizeof(xopts);
	__u32 idx, i, n;
	int ret;

	memset(q, 0, sizeof(*q));
	q->queue_id = queue_id;
	q->frame_size = cfg->frame_size;
	q->nr_frames = cfg->frames;
	q->area_size = (size_t)cfg->frames * cfg->frame_size;

	q->area = mmap(NULL, q->area_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (q->area == MAP_FAILED) {
		ret = -errno;
		q->area = NULL;
		snprintf(err, errlen, "cannot map %zu MiB of UMEM for queue %u: %s; lower --frames",
			 q->area_size >> 20, queue_id, strerror(-ret));
		return ret;
	}

	ret = xsk_umem__create(&q->umem, q->area, q->area_size, &q->fq, &q->cq, &ucfg);
	if (ret) {
		if (ret == -ENOBUFS || ret == -EPERM || ret == -ENOMEM)
			snprintf(err, errlen, "cannot register %zu MiB of UMEM for queue %u: %s; %s",
				 q->area_size >> 20, queue_id, strerror(-ret),
				 have_ipc_lock() ? "lower --frames" :
				 "it counts against RLIMIT_MEMLOCK without CAP_IPC_LOCK: grant CAP_IPC_LOCK or lower --frames");
		else
			snprintf(err, errlen, "cannot create the UMEM for queue %u: %s",
				 queue_id, strerror(-ret));
		q->umem = NULL;
		goto err;
	}

	if (cfg->bind == BIND_COPY)
		scfg.bind_flags |= XDP_COPY;
	else if (cfg->bind == BIND_ZEROCOPY)
		scfg.bind_flags |= XDP_ZEROCOPY;
	if (cfg->need_wakeup)
		scfg.bind_flags |= XDP_USE_NEED_WAKEUP;

	ret = xsk_socket__create(&q->xsk, ifname, queue_id, q->umem, &q->rx, NULL, &scfg);
	if (ret) {
		q->xsk = NULL;
		explain_bind_error(-ret, ifname, queue_id, cfg, err, errlen);
		goto err;
	}
	if (!getsockopt(xsk_socket__fd(q->xsk), SOL_XDP, XDP_OPTIONS, &xopts, &optlen))
		q->zerocopy = xopts.flags & XDP_OPTIONS_ZEROCOPY;

	/* Every frame starts in the fill ring; its size equals the frame count. */
	n = xsk_ring_prod__reserve(&q->fq, cfg->frames, &idx);
	if (n != cfg->frames) {
		ret = -ENOSPC;
		snprintf(err, errlen, "fill ring of queue %u took %u of %u frames", queue_id, n, cfg->frames);
		goto err;
	}
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fq, idx + i) = (__u64)i * cfg->frame_size;
	xsk_ring_prod__submit(&q->fq, n);
	return 0;

err:
	xsk_queue_destroy(q);
	return ret;
}

void xsk_queue_destroy(struct xsk_queue *q)
{
	/* Socket before UMEM: the UMEM is busy while a socket uses it. */
	if (q->xsk)
		xsk_socket__delete(q->xsk);
	if (q->umem)
		xsk_umem__delete(q->umem);
	if (q->area)
		munmap(q->area, q->area_size);
	q->xsk = NULL;
	q->umem = NULL;
	q->area = NULL;
}

int xsk_queue_stats(const struct xsk_queue *q, struct xdp_statistics *st)
{
	socklen_t len = sizeof(*st);

	memset(st, 0, sizeof(*st));
	if (getsockopt(xsk_queue_fd(q), SOL_XDP, XDP_STATISTICS, st, &len))
		return -errno;
	return 0;
}
