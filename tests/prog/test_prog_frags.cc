// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The xdp.frags flavour (xsk_redirect_mb) under BPF_PROG_TEST_RUN: a frame
// longer than the test run's linear part arrives as a multi-buffer
// xdp_buff (first buffer + page fragments, Linux 5.18), as a jumbo frame
// does from a multi-buffer driver. Headers come from the first buffer,
// lengths are checked and bytes counted against the whole frame; on frames
// that fit one buffer it must agree with the single-buffer flavour.
#include "prog/fixture.h"

namespace xtp {
namespace {

Bytes udp_of(size_t len, uint16_t dport)
{
	Bytes payload;
	xt::Packet p;

	for (size_t i = 0; 14 + 20 + 8 + payload.size() < len; i++)
		payload.push_back(i * 7);
	return p.ipv4(xt::IP_UDP).udp(1000, dport, payload).build();
}

// A 9000-byte datagram matches by its ports and is counted whole.
TEST_F(ProgTest, FragsJumboFrameIsClassifiedAndCountedWhole)
{
	for (size_t len : { (size_t)9000, (size_t)9014, (size_t)5000, (size_t)64 }) {
		SCOPED_TRACE("len " + std::to_string(len));
		Prog prog;
		Cfg cfg;
		Ctx ctx;

		cfg.mb = true;
		cfg.rules = { "udp dport 53 -> drop", "udp dport 54 -> pass" };
		cfg.dflt = "queue";
		ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
		ctx.dev = DEV_LO;
		Counters before = prog.stats();
		RunResult r = prog.run(udp_of(len, 53), ctx);
		ASSERT_EQ(r.err, 0) << strerror(r.err);
		EXPECT_EQ(r.retval, (__u32)XDP_DROP) << verdict_str(r.retval);
		EXPECT_TRUE(counted_once(before, prog.stats(), RDROP, len));
		EXPECT_EQ(prog.hit(0).bytes, len);
		before = prog.stats();
		r = prog.run(udp_of(len, 54), ctx);
		ASSERT_EQ(r.err, 0);
		EXPECT_EQ(r.retval, (__u32)XDP_PASS);
		EXPECT_TRUE(counted_once(before, prog.stats(), RPASS, len));
		EXPECT_EQ(r.out, udp_of(len, 54)) << "the frame passes unchanged, every fragment";
	}
}

// Lengths still count against the whole frame: one byte short is malformed.
TEST_F(ProgTest, FragsLengthsAreCheckedAgainstTheWholeFrame)
{
	Prog prog;
	Cfg cfg;
	Ctx ctx;

	cfg.mb = true;
	cfg.rules = { "udp -> drop" };
	cfg.dflt = "pass";
	ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
	ctx.dev = DEV_LO;
	Bytes f = udp_of(9000, 53);
	f.pop_back();	/* IP and UDP lengths now claim one byte more than there is */
	Counters before = prog.stats();
	RunResult r = prog.run(f, ctx);
	ASSERT_EQ(r.err, 0);
	EXPECT_EQ(r.retval, (__u32)XDP_PASS);
	EXPECT_TRUE(counted_once(before, prog.stats(), MALF, f.size()));
}

// On frames of one buffer both flavours give the same verdict and counters.
TEST_F(ProgTest, FragsFlavourAgreesOnSingleBufferFrames)
{
	Prog mb, plain;
	Cfg cfg;
	Ctx ctx;

	cfg.rules = { "udp dport 53 -> drop", "tcp -> pass", "icmp -> queue" };
	cfg.dflt = "pass";
	ASSERT_NO_FATAL_FAILURE(plain.load(cfg));
	cfg.mb = true;
	ASSERT_NO_FATAL_FAILURE(mb.load(cfg));
	ctx.dev = DEV_LO;
	for (auto &f : all_frames()) {
		SCOPED_TRACE(f.first + "\n" + xt::hexdump(f.second));
		Counters a0 = mb.stats(), b0 = plain.stats();
		RunResult a = mb.run(f.second, ctx), b = plain.run(f.second, ctx);
		Counters a1 = mb.stats(), b1 = plain.stats();

		ASSERT_EQ(a.err, 0);
		ASSERT_EQ(b.err, 0);
		EXPECT_EQ(a.retval, b.retval);
		for (int k = 0; k < XSK_STAT_MAX; k++) {
			EXPECT_EQ(a1[k].packets - a0[k].packets, b1[k].packets - b0[k].packets) << reason_str(k);
			EXPECT_EQ(a1[k].bytes - a0[k].bytes, b1[k].bytes - b0[k].bytes) << reason_str(k);
		}
	}
}

// The frags flavour verifies at the same cost bound as the plain one
// (VerifierCostBounded); the figure is printed for the README.
TEST_F(ProgTest, FragsVerifierCostBounded)
{
	struct xsk_redirect *skel = xsk_redirect__open_and_load();
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);

	ASSERT_TRUE(skel) << "xsk_redirect did not load: " << strerror(errno);
	ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.xsk_redirect_mb), &info, &ilen), 0)
		<< strerror(errno);
	printf("verifier (xsk_redirect_mb): %u instructions (xlated), %u processed\n",
	       info.xlated_prog_len / 8, info.verified_insns);
	EXPECT_GT(info.verified_insns, 0u);
	EXPECT_LT(info.verified_insns, 250000u) << "the parser got much more expensive to verify";
	xsk_redirect__destroy(skel);
}

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

/*
 * Why `gen --engine xdp` refuses frames above a page: the kernel's live
 * frames mode takes no multi-buffer frame even from an xdp.frags program
 * (EINVAL), where the plain test run makes one of it.
 */
TEST_F(ProgTest, FragsLiveFramesRefuseJumboFrames)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0,
		  .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0 },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .prog_flags = BPF_F_XDP_HAS_FRAGS);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xte_frags", "GPL", insns, 2, &lo);
	ASSERT_GE(fd, 0) << "an xdp.frags program: " << strerror(errno);
	for (size_t len : { (size_t)3000, (size_t)9000 }) {
		Bytes f = udp_of(len, 9);
		for (bool live : { false, true }) {
			SCOPED_TRACE(std::to_string(len) + (live ? " live" : " plain"));
			LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f.data(), .data_size_in = (__u32)f.size(),
				    .repeat = 1, .flags = live ? BPF_F_TEST_XDP_LIVE_FRAMES : 0);
			int ret = bpf_prog_test_run_opts(fd, &t) ? errno : 0;

			if (live && len > 4096)
				EXPECT_EQ(ret, EINVAL) << strerror(ret);
			else
				EXPECT_EQ(ret, 0) << strerror(ret);
		}
	}
	close(fd);
}

} // namespace
} // namespace xtp
