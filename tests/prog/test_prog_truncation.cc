// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Every truncation of a frame against a model of what the parser may read.
#include "prog/fixture.h"

namespace xtp {
namespace {

// ------------------------------------------------------------ truncation



// Every length from 0 to full - 1 of a frame whose UDP header ends at
// l4_end, then the whole frame with up to 40 bytes of padding. Below 14
// bytes BPF_PROG_TEST_RUN refuses the frame (EINVAL) and the program never
// runs: asserted, not skipped. From 14 on, a cut inside any header
// (Ethernet, VLAN, IP, UDP) is malformed, and so is a cut inside the
// payload: the IP length claims bytes that are not there (the kernel's
// ip_rcv_core/ipv6_rcv drop it). Padding after the datagram matches.
void check_truncations(const char *what, const Bytes &full, size_t l4_end)
{
	const size_t pad_max = 40;

	ASSERT_EQ(model_udp(full), C_MATCHED) << what;
	ASSERT_LT(l4_end, full.size()) << what << ": want payload bytes to cut too";

	for (bool with_sock : { false, true }) {
		Cfg cfg;
		Prog prog;
		Ctx ctx;

		cfg.rules = { "udp -> queue" };
		cfg.dflt = "pass";
		ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
		if (with_sock) {
			ASSERT_NO_FATAL_FAILURE(prog.put_socket(0, g_net->lo_sock->fd()));
			ctx.dev = DEV_LO;
		}
		for (size_t len = 0; len <= full.size() + pad_max; len++) {
			Bytes pkt(full.begin(), full.begin() + std::min(len, full.size()));
			pkt.resize(len, 0);	/* padding, as a NIC pads a short frame */
			SCOPED_TRACE(std::string(what) + (with_sock ? " with socket" : " no socket") +
				     (len > full.size() ? ", padded to " : ", cut to ") + std::to_string(len) +
				     " bytes:\n" + xt::hexdump(pkt));
			Counters before = prog.stats();
			Hits hbefore = prog.hits();
			RunResult res = prog.run(pkt, ctx);
			Counters after = prog.stats();
			Hits hafter = prog.hits();

			if (len < ETH_HLEN_MIN) {
				EXPECT_EQ(res.err, EINVAL) << "the kernel ran a " << len << "-byte XDP frame";
				EXPECT_TRUE(unchanged(before, after));
				EXPECT_TRUE(hit_once(hbefore, hafter, NO_HIT, 0));
				continue;
			}
			ASSERT_EQ(res.err, 0) << strerror(res.err);
			bool matched = len >= full.size();
			int reason = !matched ? MALF : with_sock ? REDIR : NOSOCK;
			__u32 verdict = matched && with_sock ? XDP_REDIRECT : XDP_PASS;

			/* The model must agree with the offsets, or the frame is not what we think. */
			EXPECT_EQ(model_udp(pkt), matched ? C_MATCHED : C_MALFORMED);
			EXPECT_EQ(res.retval, verdict) << verdict_str(res.retval);
			EXPECT_TRUE(counted_once(before, after, reason, len));
			/* The udp rule (id 0) took it, or nothing did. */
			EXPECT_TRUE(hit_once(hbefore, hafter, matched ? 0 : NO_HIT, len));
		}
	}
}

TEST_F(ProgTest, TruncatedIpv4Udp)
{
	check_truncations("ipv4/udp", udp4(), 14 + 20 + 8);
}

TEST_F(ProgTest, TruncatedVlanIpv6Udp)
{
	check_truncations("802.1Q ipv6/udp", vlan_udp6(), 14 + 4 + 40 + 8);
}

TEST_F(ProgTest, TruncatedQinqIpv4OptionsUdp)
{
	Bytes f = Packet().vlan(xt::ETH_8021AD, 7).vlan(xt::ETH_8021Q, 8)
		.ipv4(xt::IP_UDP, xt::IP4_B, xt::IP4_A, 12).udp(1, 2, pl(5)).build();

	check_truncations("QinQ ipv4+options/udp", f, 14 + 8 + 32 + 8);
}

// --match all (no rule, default queue) parses nothing: every length the
// kernel accepts is redirected, and counted for the default.
TEST_F(ProgTest, TruncatedMatchAllAlwaysRedirects)
{
	Prog prog;
	Bytes full = vlan_udp6();
	Ctx ctx;

	ASSERT_NO_FATAL_FAILURE(prog.load(Cfg()));
	ASSERT_NO_FATAL_FAILURE(prog.put_socket(0, g_net->lo_sock->fd()));
	ctx.dev = DEV_LO;
	for (size_t len = ETH_HLEN_MIN; len <= full.size(); len++) {
		Bytes pkt(full.begin(), full.begin() + len);
		SCOPED_TRACE("cut to " + std::to_string(len) + ":\n" + xt::hexdump(pkt));
		Counters before = prog.stats();
		Hits hbefore = prog.hits();
		RunResult res = prog.run(pkt, ctx);

		ASSERT_EQ(res.err, 0) << strerror(res.err);
		EXPECT_EQ(res.retval, (__u32)XDP_REDIRECT) << verdict_str(res.retval);
		EXPECT_TRUE(counted_once(before, prog.stats(), REDIR, len));
		EXPECT_TRUE(hit_once(hbefore, prog.hits(), DFLT, len));
	}
}


} // namespace
} // namespace xtp
