// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Multi-buffer chains on an RX ring (user/rx_chain.c), without a kernel: a
// ring laid out in memory as libxdp's xsk_ring_cons sees a mapped one, the
// test as the producer. A batch must end at the end of a frame, whatever
// the batch size, the chain lengths and where the ring wraps.
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "options.h"
#include "rx_chain.h"

namespace {

/* A ring of size entries whose indices start at start (to place the wrap). */
class FakeRx {
public:
	FakeRx(uint32_t size, uint32_t start) : descs_(size)
	{
		prod_ = cons_ = start;
		ring.cached_prod = ring.cached_cons = start;
		ring.mask = size - 1;
		ring.size = size;
		ring.producer = &prod_;
		ring.consumer = &cons_;
		ring.ring = descs_.data();
		ring.flags = &flags_;
	}

	/* One frame of the given buffer lengths, published at once as the kernel does. */
	void frame(std::vector<uint32_t> lens)
	{
		for (size_t i = 0; i < lens.size(); i++)
			put(lens[i], i + 1 < lens.size());
		publish();
	}
	/* A descriptor not yet published. */
	void put(uint32_t len, bool contd)
	{
		struct xdp_desc &d = descs_[pending_ & ring.mask];

		d.addr = (uint64_t)(pending_ & ring.mask) * 4096 + 256;
		d.len = len;
		d.options = contd ? XDP_PKT_CONTD : 0;
		pending_++;
	}
	void publish() { __atomic_store_n(&prod_, pending_, __ATOMIC_RELEASE); }
	void init_pending() { pending_ = prod_; }

	/* Peek, check, release: the descriptors' lengths as the frames they make. */
	std::vector<std::vector<uint32_t>> take(uint32_t batch, uint32_t *descs = nullptr)
	{
		std::vector<std::vector<uint32_t>> out;
		uint32_t idx = 0, frames = 0, n = xskmap_rx_peek(&ring, batch, true, &idx, &frames);
		uint32_t i = 0;

		while (i < n) {
			__u64 len = 0, sum = 0;
			uint32_t k = xskmap_rx_frame(&ring, idx, i, n, &len);
			std::vector<uint32_t> f;

			for (uint32_t j = 0; j < k; j++) {
				f.push_back(xsk_ring_cons__rx_desc(&ring, idx + i + j)->len);
				sum += f.back();
			}
			EXPECT_EQ(len, sum);
			out.push_back(f);
			i += k;
		}
		EXPECT_EQ(out.size(), frames);
		if (n)
			xsk_ring_cons__release(&ring, n);
		if (descs)
			*descs = n;
		return out;
	}

	struct xsk_ring_cons ring = {};

private:
	std::vector<struct xdp_desc> descs_;
	uint32_t prod_, cons_, flags_ = 0, pending_ = 0;
};

using Frames = std::vector<std::vector<uint32_t>>;

TEST(RxChain, WithoutChainsEveryDescriptorIsAFrame)
{
	FakeRx r(8, 0);
	uint32_t idx, frames;

	r.init_pending();
	r.frame({ 60 });
	r.frame({ 1514 });
	r.frame({ 3840 });
	EXPECT_EQ(xskmap_rx_peek(&r.ring, 2, false, &idx, &frames), 2u);
	EXPECT_EQ(frames, 2u);
	EXPECT_EQ(idx, 0u);
}

TEST(RxChain, WholeChainsInOneBatch)
{
	FakeRx r(16, 0);

	r.init_pending();
	r.frame({ 60 });
	r.frame({ 3840, 3840, 1338 });
	r.frame({ 3840, 1 });
	EXPECT_EQ(r.take(64), (Frames{ { 60 }, { 3840, 3840, 1338 }, { 3840, 1 } }));
	EXPECT_EQ(r.take(64), Frames{});
}

/* The batch ends inside a chain: the chain waits, whole, for the next peek. */
TEST(RxChain, ABatchBoundaryInsideAChainIsLeftForTheNextPeek)
{
	FakeRx r(16, 0);
	uint32_t n;

	r.init_pending();
	r.frame({ 100 });
	r.frame({ 3840, 3840, 7 });
	r.frame({ 200 });
	EXPECT_EQ(r.take(3, &n), (Frames{ { 100 } }));
	EXPECT_EQ(n, 1u);
	EXPECT_EQ(r.take(3, &n), (Frames{ { 3840, 3840, 7 } }));
	EXPECT_EQ(n, 3u);
	EXPECT_EQ(r.take(3), (Frames{ { 200 } }));
}

/* A chain longer than the batch is still taken whole (the window grows). */
TEST(RxChain, AChainLongerThanTheBatchIsTakenWhole)
{
	FakeRx r(16, 0);

	r.init_pending();
	r.frame({ 1792, 1792, 1792, 1792, 1792, 54 });
	r.frame({ 60 });
	EXPECT_EQ(r.take(1), (Frames{ { 1792, 1792, 1792, 1792, 1792, 54 } }));
	EXPECT_EQ(r.take(1), (Frames{ { 60 } }));
	r.frame({ 1792, 1792, 1 });
	r.frame({ 1792, 2 });
	/* Batch 2: the first chain grows to 3, the next frame is not taken with it. */
	EXPECT_EQ(r.take(2), (Frames{ { 1792, 1792, 1 } }));
	EXPECT_EQ(r.take(2), (Frames{ { 1792, 2 } }));
}

/* A chain whose tail the producer has not published: nothing is taken, nothing lost. */
TEST(RxChain, AnUnfinishedChainWaitsForItsTail)
{
	FakeRx r(8, 0);
	uint32_t n = 99;

	r.init_pending();
	r.put(3840, true);
	r.put(3840, true);
	r.publish();
	EXPECT_EQ(r.take(64, &n), Frames{});
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(*r.ring.consumer, 0u) << "nothing may be released";
	r.put(9, false);
	r.publish();
	EXPECT_EQ(r.take(64), (Frames{ { 3840, 3840, 9 } }));
	EXPECT_EQ(*r.ring.consumer, 3u);
}

/* Across the end of the ring: the indices wrap, the chain does not break. */
TEST(RxChain, AChainAcrossTheRingsEnd)
{
	for (uint32_t start = 0; start < 8; start++) {
		FakeRx r(8, 0xfffffff8u + start);	/* the 32-bit indices wrap too */

		r.init_pending();
		r.frame({ 10 });
		r.frame({ 3840, 3840, 30 });
		r.frame({ 3840, 40 });
		for (uint32_t batch : { 1u, 2u, 3u, 64u }) {
			Frames got, want = { { 10 }, { 3840, 3840, 30 }, { 3840, 40 } };

			while (got.size() < want.size()) {
				Frames f = r.take(batch);

				ASSERT_FALSE(f.empty()) << "start " << start << " batch " << batch;
				got.insert(got.end(), f.begin(), f.end());
			}
			EXPECT_EQ(got, want) << "start " << start << " batch " << batch;
			r.frame({ 10 });
			r.frame({ 3840, 3840, 30 });
			r.frame({ 3840, 40 });
		}
	}
}

/* A chain without an end filling the whole ring (no kernel makes one) cannot block it. */
TEST(RxChain, ARingLongChainWithoutAnEndIsOneFrame)
{
	FakeRx r(4, 0);
	uint32_t n;

	r.init_pending();
	for (int i = 0; i < 4; i++)
		r.put(100, true);
	r.publish();
	EXPECT_EQ(r.take(2, &n).size(), 1u);
	EXPECT_EQ(n, 4u);
}

TEST(RxChain, DescriptorsOfTheFirstFrames)
{
	FakeRx r(16, 0);
	uint32_t idx, frames;

	r.init_pending();
	r.frame({ 1 });
	r.frame({ 2, 2, 2 });
	r.frame({ 3, 3 });
	ASSERT_EQ(xskmap_rx_peek(&r.ring, 16, true, &idx, &frames), 6u);
	EXPECT_EQ(frames, 3u);
	EXPECT_EQ(xskmap_rx_frames_descs(&r.ring, idx, 6, 0), 0u);
	EXPECT_EQ(xskmap_rx_frames_descs(&r.ring, idx, 6, 1), 1u);
	EXPECT_EQ(xskmap_rx_frames_descs(&r.ring, idx, 6, 2), 4u);
	EXPECT_EQ(xskmap_rx_frames_descs(&r.ring, idx, 6, 3), 6u);
}

/* --multi-buffer: auto by default, on/off as given, anything else refused with the choices. */
TEST(MultiBufferOption, ParsedAndRefused)
{
	struct {
		std::vector<std::string> args;
		int ret;
		enum xskmap_mbuf_mode mode;
	} cases[] = {
		{ {}, 0, MBUF_AUTO },
		{ { "--multi-buffer", "on" }, 0, MBUF_ON },
		{ { "--multi-buffer=off" }, 0, MBUF_OFF },
		{ { "--multi-buffer", "off", "--multi-buffer", "auto" }, 0, MBUF_AUTO },
		{ { "--multi-buffer", "yes" }, -1, MBUF_AUTO },
	};

	for (auto &c : cases) {
		struct run_opts o;
		char err[512] = "";
		std::vector<std::string> v = { "run" };
		std::vector<char *> argv;

		v.insert(v.end(), c.args.begin(), c.args.end());
		v.push_back("eth0");
		for (auto &s : v)
			argv.push_back(&s[0]);
		argv.push_back(nullptr);
		EXPECT_EQ(run_opts_parse(argv.size() - 1, argv.data(), &o, err, sizeof(err)), c.ret) << err;
		if (c.ret)
			EXPECT_STREQ(err, "invalid --multi-buffer 'yes': use auto, on or off");
		else
			EXPECT_EQ(o.multi_buffer, c.mode);
	}
}

} // namespace
