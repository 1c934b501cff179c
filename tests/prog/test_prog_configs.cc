// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Loader configurations: match all, a socket per queue, fixed index, timestamps, verifier cost, bad contexts.
#include "prog/fixture.h"

namespace xtp {
namespace {

// ------------------------------------------------------------ configs


// --match all: every frame, whatever it holds, goes to the slot; the
// fallback decides only when the slot is empty.
TEST_F(ProgTest, MatchAllEveryFrame)
{
	for (__u32 fb : { (__u32)XDP_PASS, (__u32)XDP_DROP }) {
		for (bool with_sock : { false, true }) {
			Prog prog;
			Cfg cfg;
			Ctx ctx;

			cfg.fallback = fb;
			ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
			if (with_sock) {
				ASSERT_NO_FATAL_FAILURE(prog.put_socket(0, g_net->lo_sock->fd()));
			}
			ctx.dev = DEV_LO;
			for (auto &f : all_frames()) {
				SCOPED_TRACE(f.first + (with_sock ? " socket" : " no socket") + " fallback " +
					     verdict_str(fb) + "\n" + xt::hexdump(f.second));
				Counters before = prog.stats();
				RunResult res = prog.run(f.second, ctx);

				ASSERT_EQ(res.err, 0);
				EXPECT_EQ(res.retval, with_sock ? (__u32)XDP_REDIRECT : fb) << verdict_str(res.retval);
				EXPECT_TRUE(counted_once(before, prog.stats(), with_sock ? REDIR : NOSOCK, f.second.size()));
			}
		}
	}
}

// One socket per queue at the slot of its queue, as `xskmap run` sets it
// up: each queue's frames find their socket; emptying one slot sends that
// queue's frames to the fallback and leaves the others alone.
TEST_F(ProgTest, SocketPerQueue)
{
	Prog prog;
	Cfg cfg;

	cfg.rules = { "udp -> queue" };
	cfg.dflt = "pass";
	ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
	for (__u32 q = 0; q < VETH_QUEUES; q++)
		ASSERT_NO_FATAL_FAILURE(prog.put_socket(q, g_net->veth_sock[q]->fd()));
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			ASSERT_NO_FATAL_FAILURE(prog.del_socket(2));
		}
		for (__u32 q = 0; q < VETH_QUEUES; q++) {
			SCOPED_TRACE("pass " + std::to_string(pass) + " rxq " + std::to_string(q));
			Ctx ctx;
			ctx.dev = DEV_VETH;
			ctx.rxq = q;
			Bytes pkt = qinq_udp4();
			bool hole = pass == 1 && q == 2;
			Counters before = prog.stats();
			RunResult res = prog.run(pkt, ctx);

			ASSERT_EQ(res.err, 0) << strerror(res.err);
			EXPECT_EQ(res.retval, hole ? (__u32)XDP_PASS : (__u32)XDP_REDIRECT) << verdict_str(res.retval);
			EXPECT_TRUE(counted_once(before, prog.stats(), hole ? NOSOCK : REDIR, pkt.size()));
		}
	}
}

// Fixed index: the slot never depends on the RX queue; the socket there
// takes the frames of its own queue only (AF_XDP would drop the others
// after XDP_REDIRECT, counted nowhere), the rest get the fallback verdict.
TEST_F(ProgTest, FixedIndexIgnoresQueue)
{
	for (__u32 idx : { 0u, 1u, 7u, (__u32)XSK_MAP_DEFAULT_ENTRIES - 1 }) {
		Prog prog;
		Cfg cfg;

		cfg.fixed = true;	/* no rule: the default queue becomes index idx */
		cfg.fixed_index = idx;
		ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
		/* The socket of queue 0: only queue 0's frames reach it. */
		ASSERT_NO_FATAL_FAILURE(prog.put_socket(idx, g_net->veth_sock[0]->fd()));
		for (__u32 q = 0; q < VETH_QUEUES; q++) {
			SCOPED_TRACE("fixed " + std::to_string(idx) + " rxq " + std::to_string(q));
			Ctx ctx;
			ctx.dev = DEV_VETH;
			ctx.rxq = q;
			Counters before = prog.stats();
			RunResult res = prog.run(udp6(), ctx);

			ASSERT_EQ(res.err, 0);
			EXPECT_EQ(res.retval, q == 0 ? (__u32)XDP_REDIRECT : (__u32)XDP_PASS)
				<< verdict_str(res.retval);
			EXPECT_TRUE(counted_once(before, prog.stats(), q == 0 ? REDIR : NOSOCK, udp6().size()));
		}
		/* Moved to the next slot: no frame finds it any more. */
		ASSERT_NO_FATAL_FAILURE(prog.del_socket(idx));
		if (idx + 1 < XSK_MAP_DEFAULT_ENTRIES) {
			ASSERT_NO_FATAL_FAILURE(prog.put_socket(idx + 1, g_net->veth_sock[1]->fd()));
		}
		Ctx ctx;
		ctx.dev = DEV_VETH;
		ctx.rxq = (idx + 1) % VETH_QUEUES;
		Counters before = prog.stats();
		RunResult res = prog.run(udp6(), ctx);
		ASSERT_EQ(res.err, 0);
		EXPECT_EQ(res.retval, (__u32)XDP_PASS) << "fixed " << idx << ": " << verdict_str(res.retval);
		EXPECT_TRUE(counted_once(before, prog.stats(), NOSOCK, udp6().size()));
	}
}

// With cfg_rx_timestamp a redirected frame carries struct xsk_rx_meta in
// front of it (BPF_PROG_TEST_RUN returns the metadata before the frame):
// the receive time, taken while the program ran. Without it, or for a
// frame that is not redirected, the frame comes back as it went in.
TEST_F(ProgTest, RxTimestampInFrontOfRedirectedFramesOnlyWhenAsked)
{
	for (bool stamp : { true, false }) {
		SCOPED_TRACE(stamp ? "cfg_rx_timestamp 1" : "cfg_rx_timestamp 0");
		Prog prog;
		Cfg cfg;

		cfg.rx_timestamp = stamp;
		ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
		ASSERT_NO_FATAL_FAILURE(prog.put_socket(1, g_net->veth_sock[1]->fd()));
		Bytes pkt = udp4();
		Ctx ctx;
		ctx.dev = DEV_VETH;
		ctx.rxq = 1;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		RunResult res = prog.run(pkt, ctx);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ASSERT_EQ(res.err, 0) << strerror(res.err);
		ASSERT_EQ(res.retval, (__u32)XDP_REDIRECT) << verdict_str(res.retval);
		size_t meta = stamp ? sizeof(struct xsk_rx_meta) : 0;
		ASSERT_EQ(res.out.size(), pkt.size() + meta);
		EXPECT_EQ(Bytes(res.out.begin() + meta, res.out.end()), pkt);
		if (stamp) {
			struct xsk_rx_meta m;
			__u64 lo = (__u64)t0.tv_sec * 1000000000ULL + t0.tv_nsec;
			__u64 hi = (__u64)t1.tv_sec * 1000000000ULL + t1.tv_nsec;

			memcpy(&m, res.out.data(), sizeof(m));
			EXPECT_EQ(m.magic, XSK_RX_META_MAGIC);
			EXPECT_GE(m.rx_ns, lo);
			EXPECT_LE(m.rx_ns, hi);
		}
		/* Queue 2 has no socket: passed to the kernel, unstamped. */
		ctx.rxq = 2;
		res = prog.run(pkt, ctx);
		ASSERT_EQ(res.err, 0);
		EXPECT_EQ(res.retval, (__u32)XDP_PASS);
		EXPECT_EQ(res.out, pkt);
	}
}

// The parser's checks cost verifier work: keep it far from the kernel's
// limit of 1,000,000 processed instructions, so a kernel whose verifier
// explores more (older ones prune less) still loads the program. The
// figure is printed for the README.
TEST_F(ProgTest, VerifierCostBounded)
{
	struct xsk_redirect *skel = xsk_redirect__open_and_load();
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);

	ASSERT_TRUE(skel) << "xsk_redirect did not load: " << strerror(errno);
	ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.xsk_redirect), &info, &ilen), 0)
		<< strerror(errno);
	printf("verifier: %u instructions (xlated), %u processed\n", info.xlated_prog_len / 8,
	       info.verified_insns);
	EXPECT_GT(info.verified_insns, 0u);
	EXPECT_LT(info.verified_insns, 250000u) << "the parser got much more expensive to verify";
	xsk_redirect__destroy(skel);
}

// What the harness relies on from the kernel (as in the selftests'
// xdp_context_test_run): bad contexts are refused before the program runs.
TEST_F(ProgTest, KernelRefusesBadContext)
{
	Prog prog;
	Bytes pkt = udp4();

	ASSERT_NO_FATAL_FAILURE(prog.load(Cfg()));
	Counters before = prog.stats();
	struct { const char *what; Dev dev; __u32 rxq; int err; } bad[] = {
		{ "rx queue without an ingress device", DEV_NONE, 1, EINVAL },
		{ "lo has one RX queue", DEV_LO, 1, EINVAL },
		{ "xtp0 has four RX queues", DEV_VETH, VETH_QUEUES, EINVAL },
	};
	for (auto &b : bad) {
		Ctx ctx;
		ctx.dev = b.dev;
		ctx.rxq = b.rxq;
		RunResult res = prog.run(pkt, ctx);
		EXPECT_EQ(res.err, b.err) << b.what << ": " << strerror(res.err);
	}
	EXPECT_TRUE(unchanged(before, prog.stats()));
}


} // namespace
} // namespace xtp
