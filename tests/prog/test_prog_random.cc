// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Random frames: never XDP_ABORTED.
#include "prog/fixture.h"

namespace xtp {
namespace {

// ------------------------------------------------------------ random frames

// Frames from every base above, mutated: bytes overwritten in the header
// region, length fields rewritten, cut anywhere from 14 bytes on, padded,
// or replaced by random bytes behind an interesting ethertype.
Bytes random_frame(std::mt19937 &rng)
{
	static const std::vector<std::pair<std::string, Bytes>> bases = all_frames();
	static const uint16_t types[] = { xt::ETH_IP, xt::ETH_IPV6, xt::ETH_8021Q, xt::ETH_8021AD, xt::ETH_ARP };
	auto pick = [&](size_t n) { return (size_t)(rng() % n); };
	Bytes b;

	if (pick(8) == 0) {
		b.resize(ETH_HLEN_MIN + pick(120));
		for (auto &x : b)
			x = rng();
		if (pick(4)) {
			uint16_t t = types[pick(5)];
			b[12] = t >> 8;
			b[13] = t & 0xff;
			/* Often a plausible IP version and IHL right after, if there is a byte for it. */
			if (b.size() > ETH_HLEN_MIN && t == xt::ETH_IP && pick(2))
				b[14] = 0x40 | pick(16);
			if (b.size() > ETH_HLEN_MIN && t == xt::ETH_IPV6 && pick(2))
				b[14] = 0x60 | pick(16);
		}
		return b;
	}
	b = bases[pick(bases.size())].second;
	for (size_t n = pick(5); n; n--) {
		size_t off = 12 + pick(std::min<size_t>(b.size() - 12, 60));
		/* Half the time a value parse.h branches on. */
		static const uint8_t hot[] = { 0x81, 0x00, 0x88, 0xa8, 0x08, 0x86, 0xdd, 0x45, 0x4f, 0x60, 17, 6, 0x20, 0x1f };
		b[off] = pick(2) ? hot[pick(sizeof(hot))] : (uint8_t)rng();
	}
	if (pick(3) == 0)
		xt::mutate_lengths(b, pick);
	if (pick(3) == 0)
		b.resize(ETH_HLEN_MIN + pick(b.size() - ETH_HLEN_MIN + 1));
	if (pick(10) == 0)
		for (size_t n = pick(64); n; n--)
			b.push_back(rng());
	return b;
}

// No frame may ever get XDP_ABORTED; with --match udp the reason must be
// what the independent model says, and every run is counted exactly once.
TEST_F(ProgTest, RandomFramesNeverAborted)
{
	const int runs = 5000;
	unsigned seed;
	const char *env = getenv("XSKMAP_SEED");

	/* A new seed each run unless told: this test is meant to roam. */
	if (!env || !*env)
		env = getenv("XT_SEED");
	seed = env && *env ? strtoul(env, NULL, 0) : std::random_device()();
	SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun with XSKMAP_SEED=" + std::to_string(seed) + ")");
	std::mt19937 rng(seed);

	struct Setup {
		const char *name;
		bool udp = false;
		Cfg cfg;
		int sock_slot;		/* socket of xtp0 queue 2 there, or -1 */
		Prog prog;
		__u64 runs = 0, bytes = 0;
		__u64 hits_rule = 0, hits_default = 0;	/* expected rule_hits */
	};
	Setup setups[5];
	/* udp: --match udp, {"udp -> queue"; default pass}; all: no rule, default queue. */
	auto init = [](Setup &s, const char *name, bool udp, __u32 fb, bool fixed, int slot) {
		s.name = name;
		s.udp = udp;
		if (udp) {
			s.cfg.rules = { "udp -> queue" };
			s.cfg.dflt = "pass";
		}
		s.cfg.fallback = fb;
		s.cfg.fixed = fixed;
		s.cfg.fixed_index = 2;
		s.sock_slot = slot;
	};
	init(setups[0], "udp/pass/socket@2", true, XDP_PASS, false, 2);
	init(setups[1], "udp/drop/empty", true, XDP_DROP, false, -1);
	init(setups[2], "all/pass/empty", false, XDP_PASS, false, -1);
	init(setups[3], "all/drop/socket@2", false, XDP_DROP, false, 2);
	init(setups[4], "udp/drop/fixed2/socket@2", true, XDP_DROP, true, 2);
	for (auto &s : setups) {
		ASSERT_NO_FATAL_FAILURE(s.prog.load(s.cfg));
		if (s.sock_slot >= 0) {
			ASSERT_NO_FATAL_FAILURE(s.prog.put_socket(s.sock_slot, g_net->veth_sock[2]->fd()));
		}
	}

	for (int i = 0; i < runs; i++) {
		Setup &s = setups[rng() % 5];
		Bytes pkt = random_frame(rng);
		Ctx ctx;
		ctx.dev = DEV_VETH;
		ctx.rxq = rng() % VETH_QUEUES;

		Counters before = s.prog.stats();
		RunResult res = s.prog.run(pkt, ctx);
		Counters after = s.prog.stats();
		auto where = [&] {
			return std::string("run ") + std::to_string(i) + ", " + s.name + ", rxq " +
			       std::to_string(ctx.rxq) + ", " + std::to_string(pkt.size()) + " bytes:\n" +
			       xt::hexdump(pkt);
		};

		ASSERT_EQ(res.err, 0) << strerror(res.err) << "\n" << where();
		ASSERT_TRUE(res.retval == XDP_PASS || res.retval == XDP_DROP || res.retval == XDP_REDIRECT)
			<< verdict_str(res.retval) << "\n" << where();

		/* What should have happened, from the model and the setup. */
		Class cls = s.udp ? model_udp(pkt) : C_MATCHED;
		__u32 slot = s.cfg.fixed ? s.cfg.fixed_index : ctx.rxq;
		/* The socket is queue 2's: AF_XDP takes no frame of another queue. */
		bool has_sock = s.sock_slot >= 0 && slot == (__u32)s.sock_slot && ctx.rxq == 2;
		int reason = cls == C_MALFORMED ? MALF : cls == C_NOT_MATCHED ? NOMATCH : has_sock ? REDIR : NOSOCK;
		__u32 verdict = reason == REDIR ? (__u32)XDP_REDIRECT : reason == NOSOCK ? s.cfg.fallback : (__u32)XDP_PASS;

		ASSERT_EQ(res.retval, verdict) << verdict_str(res.retval) << " instead of " << verdict_str(verdict)
					       << " (model: " << class_str(cls) << ")\n" << where();
		ASSERT_TRUE(counted_once(before, after, reason, pkt.size())) << where();
		/* The udp rule (id 0) took it, or the default, or nothing (malformed). */
		if (cls == C_MATCHED && s.udp)
			s.hits_rule++;
		else if (cls != C_MALFORMED)
			s.hits_default++;
		s.runs++;
		s.bytes += pkt.size();
	}

	/* Every run counted once, under exactly one reason. */
	__u64 all = 0;
	for (auto &s : setups) {
		Counters c = s.prog.stats();
		__u64 p = 0, b = 0;

		for (auto &r : c) {
			p += r.packets;
			b += r.bytes;
		}
		EXPECT_EQ(p, s.runs) << s.name;
		EXPECT_EQ(b, s.bytes) << s.name;
		Hits h = s.prog.hits();
		for (int id = 0; id <= XSK_MAX_RULES; id++) {
			__u64 want = id == 0 ? s.hits_rule : id == DFLT ? s.hits_default : 0;
			EXPECT_EQ(h[id].packets, want) << s.name << ": " << hit_str(id);
		}
		all += p;
	}
	EXPECT_EQ(all, (__u64)runs);
}


} // namespace
} // namespace xtp
