// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* AF_XDP sockets through sock_diag, and their holders through /proc. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/xdp_diag.h>

#include "util.h"
#include "xsk_diag.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

static void parse_attrs(struct xskmap_diag_sock *s, struct nlattr *a, int len)
{
	for (; len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) && (int)a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		void *p = (char *)a + NLA_HDRLEN;
		size_t plen = a->nla_len - NLA_HDRLEN;

		switch (a->nla_type & NLA_TYPE_MASK) {
		case XDP_DIAG_INFO:
			if (plen >= sizeof(struct xdp_diag_info)) {
				struct xdp_diag_info *i = p;

				s->ifindex = i->ifindex;
				s->queue_id = i->queue_id;
			}
			break;
		case XDP_DIAG_UID:
			if (plen >= sizeof(__u32))
				s->uid = *(__u32 *)p;
			break;
		case XDP_DIAG_RX_RING:
			if (plen >= sizeof(struct xdp_diag_ring))
				s->rx_entries = ((struct xdp_diag_ring *)p)->entries;
			break;
		case XDP_DIAG_TX_RING:
			if (plen >= sizeof(struct xdp_diag_ring))
				s->tx_entries = ((struct xdp_diag_ring *)p)->entries;
			break;
		case XDP_DIAG_UMEM:
			if (plen >= sizeof(struct xdp_diag_umem)) {
				struct xdp_diag_umem *u = p;

				s->zero_copy = u->flags & XDP_DU_F_ZEROCOPY;
				s->umem_size = u->size;
				s->umem_id = u->id;
			}
			break;
		}
	}
}

int xskmap_diag_parse(const void *buf, size_t len, struct xskmap_diag_sock **v, size_t *n,
		      size_t *cap, bool *done)
{
	const struct nlmsghdr *h;
	int left = len;

	/* NLMSG_OK() by hand: its u32-against-int test trips -Wsign-compare. */
	for (h = buf; left >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) && (int)h->nlmsg_len <= left;
	     left -= NLMSG_ALIGN(h->nlmsg_len), h = (const struct nlmsghdr *)((const char *)h + NLMSG_ALIGN(h->nlmsg_len))) {
		const struct xdp_diag_msg *m = NLMSG_DATA(h);
		struct xskmap_diag_sock *s;

		if (h->nlmsg_type == NLMSG_DONE) {
			*done = true;
			return 0;
		}
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EIO;
			return e->error ? e->error : -EIO;
		}
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			struct xskmap_diag_sock *nv = realloc(*v, ncap * sizeof(**v));

			if (!nv)
				return -ENOMEM;
			*v = nv;
			*cap = ncap;
		}
		s = &(*v)[(*n)++];
		memset(s, 0, sizeof(*s));
		s->inode = m->xdiag_ino;
		parse_attrs(s, (struct nlattr *)((char *)m + NLMSG_ALIGN(sizeof(*m))),
			    h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m))));
	}
	return 0;
}

int xskmap_diag_socks(struct xskmap_diag_sock **out, size_t *n, char *err, size_t errlen)
{
	struct {
		struct nlmsghdr nh;
		struct xdp_diag_req r;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.r = { .sdiag_family = AF_XDP,
		       .xdiag_show = XDP_SHOW_INFO | XDP_SHOW_RING_CFG | XDP_SHOW_UMEM },
	};
	struct xskmap_diag_sock *v = NULL;
	size_t cnt = 0, cap = 0;
	static char buf[32768];
	int fd, ret = 0;
	bool done = false;

	*out = NULL;
	*n = 0;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return ret = -errno, errf(err, errlen, "cannot open a sock_diag socket: %s", strerror(-ret)), ret;
	if (send(fd, &req, sizeof(req), 0) < 0)
		ret = -errno;
	while (!ret && !done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);

		if (len < 0)
			ret = -errno;
		else if (!len)
			break;
		else
			ret = xskmap_diag_parse(buf, len, &v, &cnt, &cap, &done);
	}
	close(fd);
	if (ret) {
		free(v);
		if (ret == -ENOENT)
			return errf(err, errlen, "this kernel cannot list AF_XDP sockets (ENOENT: no CONFIG_XDP_SOCKETS_DIAG, or its module xsk_diag is missing)"),
			       ret;
		return errf(err, errlen, "listing AF_XDP sockets (sock_diag) failed: %s", strerror(-ret)), ret;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static void owners_add(struct xskmap_fd_owners *o, int pid, const char *comm, __u64 ino, __u32 link)
{
	struct xskmap_fd_owner *e;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct xskmap_fd_owner *nv = realloc(o->v, cap * sizeof(*nv));

		if (!nv)
			return;
		o->v = nv;
		o->cap = cap;
	}
	e = &o->v[o->n++];
	e->pid = pid;
	snprintf(e->comm, sizeof(e->comm), "%s", comm);
	e->inode = ino;
	e->link_id = link;
}

/* link_id of a BPF link fd, from its fdinfo; 0 if none. */
static __u32 fdinfo_link_id(int pid, const char *fd)
{
	char path[300], line[128];
	__u32 id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "link_id: %u", &id) == 1)
			break;
	fclose(f);
	return id;
}

void xskmap_fd_owners_scan(struct xskmap_fd_owners *o)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;

	memset(o, 0, sizeof(*o));
	if (!proc)
		return;
	while ((pe = readdir(proc))) {
		char path[300], comm[32] = "?", target[64];
		struct dirent *fe;
		int pid = atoi(pe->d_name);
		DIR *fds;
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			unsigned long long ino;
			ssize_t len;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, fe->d_name);
			len = readlink(path, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = '\0';
			if (sscanf(target, "socket:[%llu]", &ino) == 1)
				owners_add(o, pid, comm, ino, 0);
			else if (!strcmp(target, "anon_inode:bpf_link")) {
				__u32 id = fdinfo_link_id(pid, fe->d_name);

				if (id)
					owners_add(o, pid, comm, 0, id);
			}
		}
		closedir(fds);
	}
	closedir(proc);
}

void xskmap_fd_owners_free(struct xskmap_fd_owners *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

const struct xskmap_fd_owner *xskmap_owner_of_socket(const struct xskmap_fd_owners *o, __u64 inode)
{
	for (size_t i = 0; inode && i < o->n; i++)
		if (o->v[i].inode == inode)
			return &o->v[i];
	return NULL;
}

const struct xskmap_fd_owner *xskmap_owner_of_link(const struct xskmap_fd_owners *o, __u32 link_id)
{
	for (size_t i = 0; link_id && i < o->n; i++)
		if (o->v[i].link_id == link_id)
			return &o->v[i];
	return NULL;
}
