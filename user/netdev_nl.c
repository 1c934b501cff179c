// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The netdev genetlink family's dev-get, by hand (see netdev_nl.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "netdev_nl.h"

/* include/uapi/linux/netdev.h, Linux 6.3 and 6.6 */
#define NETDEV_FAMILY_NAME		"netdev"
#define NETDEV_CMD_DEV_GET		1
#define NETDEV_A_DEV_IFINDEX		1
#define NETDEV_A_DEV_XDP_FEATURES	3
#define NETDEV_A_DEV_XDP_ZC_MAX_SEGS	4

struct nl_req {
	struct nlmsghdr nh;
	struct genlmsghdr g;
	char attrs[64];
};

static void put_attr(struct nl_req *r, __u16 type, const void *data, __u16 len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Send r, read one answer into buf: its genl payload's attributes, or -errno. */
static int transact(int fd, struct nl_req *r, char *buf, size_t buflen, struct nlattr **attrs, int *alen)
{
	struct nlmsghdr *h;
	ssize_t len;

	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	len = recv(fd, buf, buflen, 0);
	if (len < 0)
		return -errno;
	h = (struct nlmsghdr *)buf;
	if (len < (ssize_t)sizeof(*h) || h->nlmsg_len < sizeof(*h) || h->nlmsg_len > (size_t)len)
		return -EIO;
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(h);

		return e->error ? e->error : -EIO;
	}
	*attrs = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	*alen = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	return 0;
}

#define for_each_attr(a, start, len)						\
	for (a = (start); len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&	\
	     (int)a->nla_len <= len; len -= NLA_ALIGN(a->nla_len),		\
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

int netdev_xdp_query(int ifindex, struct netdev_xdp_info *out)
{
	struct nl_req r = {};
	char buf[4096];
	struct nlattr *attrs, *a;
	int fd, ret, len;
	__u16 family = 0;
	__u32 idx = ifindex;

	memset(out, 0, sizeof(*out));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	r.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.nh.nlmsg_type = GENL_ID_CTRL;
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.nh.nlmsg_seq = 1;
	r.g.cmd = CTRL_CMD_GETFAMILY;
	r.g.version = 1;
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME, sizeof(NETDEV_FAMILY_NAME));
	ret = transact(fd, &r, buf, sizeof(buf), &attrs, &len);
	if (ret)
		goto out;
	for_each_attr(a, attrs, len)
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			family = *(__u16 *)((char *)a + NLA_HDRLEN);
	if (!family) {
		ret = -ENOENT;
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.nh.nlmsg_type = family;
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.nh.nlmsg_seq = 2;
	r.g.cmd = NETDEV_CMD_DEV_GET;
	r.g.version = 1;
	put_attr(&r, NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx));
	ret = transact(fd, &r, buf, sizeof(buf), &attrs, &len);
	if (ret)
		goto out;
	for_each_attr(a, attrs, len) {
		void *p = (char *)a + NLA_HDRLEN;

		if (a->nla_type == NETDEV_A_DEV_XDP_FEATURES && a->nla_len >= NLA_HDRLEN + 8)
			memcpy(&out->xdp_features, p, 8);
		else if (a->nla_type == NETDEV_A_DEV_XDP_ZC_MAX_SEGS && a->nla_len >= NLA_HDRLEN + 4) {
			memcpy(&out->zc_max_segs, p, 4);
			out->has_zc_max_segs = true;
		}
	}
out:
	close(fd);
	return ret;
}
