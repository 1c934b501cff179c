/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Who holds what: the AF_XDP sockets of this network namespace as
 * `ss --xdp` lists them (NETLINK_SOCK_DIAG, family AF_XDP), and the
 * processes holding a socket inode or a BPF link (from /proc/PID/fd and
 * fdinfo), for `xskmap status` and `xskmap doctor`.
 */
#ifndef XSKMAP_XSK_DIAG_H
#define XSKMAP_XSK_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xskmap_diag_sock {
	__u64 inode;
	__u32 ifindex;		/* 0: not bound */
	__u32 queue_id;
	__u32 uid;
	__u32 rx_entries, tx_entries;	/* ring sizes, 0: none */
	bool zero_copy;		/* its UMEM is bound zero-copy */
	__u64 umem_size;
	__u32 umem_id;
};

/*
 * Every AF_XDP socket of the caller's network namespace into *out (n of
 * them; free() it). 0 or -errno with one line in err (a kernel without
 * CONFIG_XDP_SOCKETS_DIAG answers ENOENT).
 */
int xskmap_diag_socks(struct xskmap_diag_sock **out, size_t *n, char *err, size_t errlen);

/*
 * One datagram of a sock_diag AF_XDP dump (len bytes of netlink messages):
 * each socket appended to *v (n used, cap allocated), *done at NLMSG_DONE.
 * 0 or -errno (the kernel's NLMSG_ERROR, -ENOMEM).
 */
int xskmap_diag_parse(const void *buf, size_t len, struct xskmap_diag_sock **v, size_t *n,
		      size_t *cap, bool *done);

/* A process and what it holds. */
struct xskmap_fd_owner {
	int pid;
	char comm[32];
	__u64 inode;		/* a socket inode, 0 for a link */
	__u32 link_id;		/* a BPF link id, 0 for a socket */
};

struct xskmap_fd_owners {
	struct xskmap_fd_owner *v;
	size_t n, cap;
};

/* Scan /proc for sockets and BPF links (root sees every process). */
void xskmap_fd_owners_scan(struct xskmap_fd_owners *o);
void xskmap_fd_owners_free(struct xskmap_fd_owners *o);
/* The first process holding socket inode / link id, NULL if none seen. */
const struct xskmap_fd_owner *xskmap_owner_of_socket(const struct xskmap_fd_owners *o, __u64 inode);
const struct xskmap_fd_owner *xskmap_owner_of_link(const struct xskmap_fd_owners *o, __u32 link_id);

#ifdef __cplusplus
}
#endif
#endif
