// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The sock_diag AF_XDP answer as `xskmap status` and `doctor` read it. No
// kernel this project runs on lists AF_XDP sockets (CONFIG_XDP_SOCKETS_DIAG
// is off on the 6.18 host and in Debian's cloud 6.1), so the parser is fed
// the messages the kernel's net/xdp/xsk_diag.c builds, byte for byte: a
// header, struct xdp_diag_msg, then the attributes it puts.
#include <gtest/gtest.h>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/xdp_diag.h>

#include "xsk_diag.h"

namespace {

struct Msg {
	std::vector<uint8_t> b;

	explicit Msg(uint16_t type)
	{
		b.resize(NLMSG_HDRLEN);
		hdr()->nlmsg_type = type;
	}
	struct nlmsghdr *hdr() { return (struct nlmsghdr *)b.data(); }
	void put(const void *p, size_t n)
	{
		const uint8_t *c = (const uint8_t *)p;

		b.insert(b.end(), c, c + n);
		b.resize(NLMSG_ALIGN(b.size()));
	}
	void attr(uint16_t type, const void *p, size_t n)
	{
		struct nlattr a = { (uint16_t)(NLA_HDRLEN + n), type };

		put(&a, sizeof(a));
		b.resize(b.size() - NLMSG_ALIGN(sizeof(a)) + NLA_HDRLEN);
		put(p, n);
	}
	std::vector<uint8_t> done()
	{
		hdr()->nlmsg_len = b.size();
		return b;
	}
};

std::vector<uint8_t> sock_msg(uint32_t ino, uint32_t ifindex, uint32_t queue, uint32_t uid, bool zc)
{
	Msg m(SOCK_DIAG_BY_FAMILY);
	struct xdp_diag_msg dm = {};
	struct xdp_diag_info info = { ifindex, queue };
	struct xdp_diag_ring rx = { 2048 }, tx = { 512 };
	struct xdp_diag_umem um = {};

	dm.xdiag_family = 44;
	dm.xdiag_type = 3;	/* SOCK_RAW */
	dm.xdiag_ino = ino;
	m.put(&dm, sizeof(dm));
	m.attr(XDP_DIAG_INFO, &info, sizeof(info));
	m.attr(XDP_DIAG_UID, &uid, sizeof(uid));
	m.attr(XDP_DIAG_RX_RING, &rx, sizeof(rx));
	m.attr(XDP_DIAG_TX_RING, &tx, sizeof(tx));
	um.size = 16 << 20;
	um.id = 7;
	um.flags = zc ? XDP_DU_F_ZEROCOPY : 0;
	m.attr(XDP_DIAG_UMEM, &um, sizeof(um));
	return m.done();
}

TEST(Diag, SocketsAndTheirAttributesThenDone)
{
	std::vector<uint8_t> buf = sock_msg(1001, 5, 0, 0, false), b2 = sock_msg(1002, 5, 3, 1000, true);
	Msg end(NLMSG_DONE);
	std::vector<uint8_t> e = end.done();
	struct xskmap_diag_sock *v = nullptr;
	size_t n = 0, cap = 0;
	bool done = false;

	buf.insert(buf.end(), b2.begin(), b2.end());
	ASSERT_EQ(xskmap_diag_parse(buf.data(), buf.size(), &v, &n, &cap, &done), 0);
	EXPECT_FALSE(done);
	ASSERT_EQ(n, 2u);
	EXPECT_EQ(v[0].inode, 1001u);
	EXPECT_EQ(v[0].ifindex, 5u);
	EXPECT_EQ(v[0].queue_id, 0u);
	EXPECT_EQ(v[0].rx_entries, 2048u);
	EXPECT_EQ(v[0].tx_entries, 512u);
	EXPECT_FALSE(v[0].zero_copy);
	EXPECT_EQ(v[1].inode, 1002u);
	EXPECT_EQ(v[1].queue_id, 3u);
	EXPECT_EQ(v[1].uid, 1000u);
	EXPECT_TRUE(v[1].zero_copy);
	EXPECT_EQ(v[1].umem_size, 16u << 20);
	ASSERT_EQ(xskmap_diag_parse(e.data(), e.size(), &v, &n, &cap, &done), 0);
	EXPECT_TRUE(done);
	EXPECT_EQ(n, 2u);
	free(v);
}

TEST(Diag, ErrorsAndTruncatedInput)
{
	Msg err(NLMSG_ERROR);
	struct nlmsgerr ne = {};
	struct xskmap_diag_sock *v = nullptr;
	size_t n = 0, cap = 0;
	bool done = false;

	ne.error = -ENOENT;
	err.put(&ne, sizeof(ne));
	std::vector<uint8_t> e = err.done();
	EXPECT_EQ(xskmap_diag_parse(e.data(), e.size(), &v, &n, &cap, &done), -ENOENT);

	/* A message cut anywhere: nothing read past the buffer, no socket invented. */
	std::vector<uint8_t> s = sock_msg(9, 1, 1, 0, false);
	for (size_t cut = 0; cut < s.size(); cut++) {
		std::vector<uint8_t> part(s.begin(), s.begin() + cut);

		n = 0;
		ASSERT_EQ(xskmap_diag_parse(part.data(), part.size(), &v, &n, &cap, &done), 0) << cut;
		EXPECT_EQ(n, 0u) << cut;
	}
	/* An attribute whose length runs past its message is ignored. */
	struct nlattr *a = (struct nlattr *)(s.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct xdp_diag_msg)));
	a->nla_len = 4000;
	n = 0;
	ASSERT_EQ(xskmap_diag_parse(s.data(), s.size(), &v, &n, &cap, &done), 0);
	ASSERT_EQ(n, 1u);
	EXPECT_EQ(v[0].inode, 9u);
	EXPECT_EQ(v[0].ifindex, 0u);
	free(v);
}

} // namespace
