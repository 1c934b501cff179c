// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Multi-buffer (issue 10, part 1), end to end over a veth pair at MTU 9000,
// both ends in namespaces the test creates: frames longer than a UMEM frame
// arrive whole and byte-exact in the capture (sent by the test's own
// AF_PACKET socket on the peer, not by xskmap), come back whole through
// fwd (captured on the peer by the test), and `gen -s 9000` puts whole
// frames on the wire. Whether the kernel has AF_XDP multi-buffer (6.6) is
// decided by the test's own XDP_USE_SG bind; without it every test asserts
// the refusal or the warning instead.
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gen_check.h"
#include "frames.h"
#include "json_reader.h"
#include "netns.h"
#include "packet.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

const milliseconds READY_TIMEOUT(15000), EXIT_TIMEOUT(30000);
constexpr uint16_t PORT_XSK = 41101, PORT_KERNEL = 41102;
constexpr int MTU = 9000;
constexpr size_t MAX_FRAME = MTU + 14;	/* what AF_PACKET sends without a tag */
const char *const NEEDS_66 = "AF_XDP multi-buffer (XDP_USE_SG) needs Linux 6.6";

/* UDP from B to A, "XTM1" + sequence, pseudo-random filler to len bytes. */
Bytes frame(const Topology &t, uint32_t seq, size_t len, uint16_t dport, uint32_t &rng)
{
	return seq_frame(t.mac_a, t.mac_b, { 0x58544d31, seq }, len, 30000, dport, rng);
}

/*
 * The sizes around the buffer boundaries of a UMEM frame of frame_size
 * bytes (it holds frame_size - 256 of a frame: the kernel's XDP headroom):
 * one short of, at and one past each multiple that fits the MTU, the
 * longest frame, and a small one. (The receive time the program puts in
 * front of a frame when xskmap captures goes into the headroom: the
 * boundaries stay where they are.)
 */
std::vector<size_t> boundary_sizes(size_t frame_size)
{
	size_t room = frame_size - 256;
	std::vector<size_t> v = { 60 };

	for (size_t k = 1; k * room + 1 <= MAX_FRAME; k++)
		for (size_t len : { k * room - 1, k * room, k * room + 1 })
			v.push_back(len);
	v.push_back(MAX_FRAME);
	return v;
}

class E2EMbuf : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(geteuid(), 0u) << "e2e_tests need root: run them as root";
		ASSERT_EQ(access(XSKMAP_BIN, X_OK), 0) << XSKMAP_BIN;
		topo_ = std::make_unique<Topology>();
		ASSERT_TRUE(topo_->ok()) << topo_->error();
		/* Jumbo on both ends: on veth the peer's MTU decides what arrives. */
		ASSERT_EQ(ip({ "-n", topo_->ns_a, "link", "set", topo_->if_a, "mtu", std::to_string(MTU) }).rc, 0);
		ASSERT_EQ(ip({ "-n", topo_->ns_b, "link", "set", topo_->if_b, "mtu", std::to_string(MTU) }).rc, 0);
		std::string why;
		int e = sg_bind_errno(topo_->ns_a, topo_->if_a, why);
		ASSERT_TRUE(why.empty()) << why;
		ASSERT_TRUE(e == 0 || e == EINVAL) << "XDP_USE_SG bind: " << strerror(e);
		sg_ = e == 0;
	}
	void TearDown() override
	{
		for (auto &p : procs_)
			p->kill_wait();
		procs_.clear();
		topo_.reset();
	}

	Proc &loader(std::vector<std::string> args)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", topo_->ns_a, XSKMAP_BIN,
						  "run" };

		argv.insert(argv.end(), args.begin(), args.end());
		argv.push_back(topo_->if_a);
		procs_.push_back(std::make_unique<Proc>());
		EXPECT_TRUE(procs_.back()->start(argv, "xskmap"));
		return *procs_.back();
	}

	::testing::AssertionResult ready(Proc &p, const char *verb)
	{
		if (p.wait_stderr(std::string(verb) + " on " + topo_->if_a, READY_TIMEOUT))
			return ::testing::AssertionSuccess();
		return ::testing::AssertionFailure() << p.cmdline() << " did not get ready:\n" << p.err();
	}

	SendResult send(const std::vector<Bytes> &frames)
	{
		SendSpec s;

		s.ns = topo_->ns_b;
		s.ifname = topo_->if_b;
		s.frames = &frames;
		s.burst = 4;
		s.pause_us = 2000;
		return send_frames(s);
	}

	Result gen(const std::vector<std::string> &args)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", topo_->ns_a, XSKMAP_BIN, "gen" };

		argv.insert(argv.end(), args.begin(), args.end());
		argv.push_back(topo_->if_a);
		return run(argv, EXIT_TIMEOUT);
	}

	/*
	 * Capture case: every boundary size for this frame size and batch,
	 * sent twice (so chains also start where the ring and the batches put
	 * them), whole and byte-exact in the pcap, counted once each; frames
	 * to PORT_KERNEL go to the kernel by rule, classified from the first
	 * buffer of their chain.
	 */
	void capture_case(size_t frame_size, const std::string &batch)
	{
		Topology &t = *topo_;
		std::vector<Bytes> frames, want;
		uint32_t rng = 0x4d42 + frame_size;
		uint64_t bytes = 0, too_long = 0;
		uint32_t seq = 0;

		for (int round = 0; round < 2; round++)
			for (size_t len : boundary_sizes(frame_size)) {
				frames.push_back(frame(t, seq, len, PORT_XSK, rng));
				/* Without multi-buffer only what fits one UMEM frame arrives. */
				if (sg_ || len <= frame_size - 256) {
					want.push_back(frames.back());
					bytes += len;
				} else {
					too_long++;
				}
				frames.push_back(frame(t, seq++, len, PORT_KERNEL, rng));
			}
		std::string pcap = scratch_file("mbuf" + std::to_string(frame_size) + ".pcap");
		std::vector<std::string> args = { "-r", "udp dport " + std::to_string(PORT_XSK) + " -> queue",
						  "--default", "pass", "--frame-size", std::to_string(frame_size),
						  "--batch", batch, "-w", pcap, "--json" };
		/* Without multi-buffer the dropped frames must all be counted: a time limit, not -c. */
		for (const std::string &a : sg_ ? std::vector<std::string>{ "-c", std::to_string(want.size()), "-d", "20" } :
						  std::vector<std::string>{ "-d", "6" })
			args.push_back(a);
		Proc &ld = loader(args);
		ASSERT_TRUE(ready(ld, "receiving"));
		std::string e = ld.err();
		if (sg_) {
			EXPECT_TRUE(has(e, "multi-buffer on: " + t.if_a + " has MTU 9000, so frames of up to 9018 bytes can arrive"));
			EXPECT_TRUE(has(e, "--multi-buffer off turns it off"));
			EXPECT_TRUE(has(e, "attached xsk_redirect_mb to " + t.if_a + " in native mode"))
				<< "veth has multi-buffer native XDP";
		} else {
			EXPECT_TRUE(has(e, std::string("multi-buffer is off (") + NEEDS_66));
			EXPECT_TRUE(has(e, "attached xsk_redirect to " + t.if_a));
		}
		SendResult s = send(frames);
		ASSERT_EQ(s.err, "");
		ASSERT_EQ(s.sent, frames.size()) << strerror(s.last_errno);
		ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
		json::Value j = json_of(ld.out());
		EXPECT_EQ(j["multi_buffer"].b, sg_) << ld.out();
		EXPECT_EQ(j["rx_packets"].u64(), want.size()) << ld.out();
		EXPECT_EQ(j["rx_bytes"].u64(), bytes) << ld.out();
		EXPECT_EQ(j["queues"][0]["xdp_statistics"]["rx_dropped"].u64(), too_long) << ld.out();
		EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), want.size() + too_long) << ld.out();
		if (sg_) {
			EXPECT_EQ(j["bpf"]["redirected"]["bytes"].u64(), bytes) << "the program counts whole frames";
		}
		EXPECT_EQ(j["bpf"]["malformed"]["packets"].u64(), 0u) << ld.out();
		EXPECT_EQ(j["bpf"]["not_matched"]["packets"].u64(), frames.size() / 2) << ld.out();
		std::vector<Bytes> got;
		std::string err;
		ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
		EXPECT_TRUE(same_frames(want, got));
	}

	bool sg_ = false;
	std::unique_ptr<Topology> topo_;
	std::vector<std::unique_ptr<Proc>> procs_;
};

/*
 * Chains of up to 3 buffers of 3840 bytes; a batch of 2 cuts many of them.
 * Without multi-buffer: exactly the frames that fit arrive, the others are
 * rx_dropped, one each.
 */
TEST_F(E2EMbuf, JumboFramesArriveWholeInTheCapture4096)
{
	capture_case(4096, "2");
}

/* Chains of up to 6 buffers of 1792 bytes, longer than the batch of 4. */
TEST_F(E2EMbuf, JumboFramesArriveWholeInTheCapture2048)
{
	if (!sg_) {
		/* The same frames are refused whole: --multi-buffer on exits with the reason. */
		Proc &ld = loader({ "--multi-buffer", "on", "--frame-size", "2048", "-d", "1" });
		EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 1) << ld.err();
		EXPECT_TRUE(has(ld.err(), NEEDS_66));
		EXPECT_FALSE(topo_->xdp_on_a()) << topo_->link_a();
		return;
	}
	capture_case(2048, "4");
}

/* fwd: each chain goes back out as it came, whole, byte for byte but the swapped addresses. */
TEST_F(E2EMbuf, JumboFramesComeBackWholeThroughFwd)
{
	Topology &t = *topo_;

	if (!sg_) {
		Proc &ld = loader({ "--action", "fwd", "--multi-buffer", "on", "-d", "1" });
		EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 1) << ld.err();
		EXPECT_TRUE(has(ld.err(), NEEDS_66));
		return;
	}
	for (const char *fsize : { "4096", "2048" }) {
		std::vector<Bytes> frames, want;
		uint32_t rng = 0xF3D, seq = 0;
		uint64_t bytes = 0;

		for (int round = 0; round < 2; round++)
			for (size_t len : boundary_sizes(atoi(fsize))) {
				frames.push_back(frame(t, seq++, len, PORT_XSK, rng));
				want.push_back(swapped(frames.back()));
				bytes += len;
			}
		Proc &ld = loader({ "--action", "fwd", "--frame-size", fsize, "--batch", "3",
				    "-c", std::to_string(frames.size()), "-d", "20", "--json" });
		ASSERT_TRUE(ready(ld, "forwarding"));
		WireCapture cap(t.ns_b, t.if_b);
		ASSERT_TRUE(cap.ok()) << cap.error();
		SendResult s = send(frames);
		ASSERT_EQ(s.sent, frames.size()) << strerror(s.last_errno);
		ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
		EXPECT_TRUE(same_frames(want, only_port(cap.collect(frames.size(), milliseconds(25000)), PORT_XSK))) << "--frame-size " << fsize;
		json::Value j = json_of(ld.out());
		EXPECT_EQ(j["rx_packets"].u64(), frames.size()) << ld.out();
		EXPECT_EQ(j["rx_bytes"].u64(), bytes) << ld.out();
		EXPECT_EQ(j["tx_packets"].u64(), frames.size()) << ld.out();
		EXPECT_EQ(j["tx_bytes"].u64(), bytes) << ld.out();
		EXPECT_EQ(j["tx_completed"].u64(), frames.size()) << "frames, not buffers: " << ld.out();
		EXPECT_EQ(j["tx_not_sent"].u64(), 0u) << ld.out();
		EXPECT_EQ(j["queues"][0]["xdp_statistics"]["tx_invalid_descs"].u64(), 0u) << ld.out();
	}
}

/* gen -s 9000 -c N: N whole 9000-byte frames on the wire, numbered 0..N-1, checksums valid. */
TEST_F(E2EMbuf, GenPutsWholeJumboFramesOnTheWire)
{
	constexpr unsigned N = 300;
	Topology &t = *topo_;

	/* Live frames have no multi-buffer mode on any kernel: refused, with the way out. */
	Result x = gen({ "--engine", "xdp", "-s", "9000", "-c", "1" });
	EXPECT_EQ(x.rc, 2) << x.err;
	EXPECT_TRUE(has(x.err, "use --engine xsk for larger frames"));
	if (!sg_) {
		Result r = gen({ "-s", "9000", "-c", "1" });
		EXPECT_EQ(r.rc, 1) << r.err;
		EXPECT_TRUE(has(r.err, NEEDS_66));
		return;
	}
	for (const char *fsize : { "4096", "2048" }) {
		WireCapture cap(t.ns_b, t.if_b);
		ASSERT_TRUE(cap.ok()) << cap.error();
		Result r = gen({ "-s", "9000", "-c", std::to_string(N), "--rate", "5000",
				 "--frame-size", fsize, "--json" });
		ASSERT_EQ(r.rc, 0) << r.err;
		json::Value j = json_of(r.out);
		EXPECT_EQ(j["frames"].u64(), N) << r.out;
		EXPECT_EQ(j["buffers_per_frame"].u64(), 9000u / atoi(fsize) + 1) << r.out;
		EXPECT_TRUE(has(r.err, "multi-buffer: each 9000-byte frame goes over"));
		std::vector<Bytes> got = cap.collect(N, milliseconds(25000));
		std::vector<gencheck::Frame> ok;
		for (auto &f : got) {
			gencheck::Frame g = gencheck::parse(f);

			EXPECT_TRUE(g.ok) << g.why;
			if (g.ok)
				ok.push_back(g);
		}
		ASSERT_EQ(ok.size(), N) << "--frame-size " << fsize;
		for (unsigned i = 0; i < N; i++) {
			EXPECT_EQ(ok[i].seq, i);
			EXPECT_EQ(ok[i].len, 9000u);
			if (ok[i].seq != i || ok[i].len != 9000u)
				break;
		}
	}
}

/*
 * Without the kernel's support (6.1): auto warns at start that longer
 * frames are dropped and why, and such a frame shows in rx_dropped; with
 * it, --multi-buffer off does the same, naming the option.
 */
TEST_F(E2EMbuf, RefusedOrWarnedWithoutKernelSupport)
{
	Topology &t = *topo_;
	uint32_t rng = 5;
	std::vector<Bytes> f = { frame(t, 0, MAX_FRAME, PORT_XSK, rng), frame(t, 1, 200, PORT_XSK, rng),
				 frame(t, 2, 3840, PORT_XSK, rng) };
	std::vector<std::string> args = { "-m", "skb", "-c", "2", "-d", "15", "--json" };

	if (sg_)
		args.push_back("--multi-buffer"), args.push_back("off");
	Proc &ld = loader(args);
	ASSERT_TRUE(ready(ld, "receiving"));
	std::string e = ld.err();
	EXPECT_TRUE(has(e, "xskmap: warning: " + t.if_a + " has MTU 9000, so frames of up to 9018 bytes can arrive, "
			   "but a 4096-byte UMEM frame holds 3840 (256 of XDP headroom) and multi-buffer is off (" +
			   (sg_ ? std::string("--multi-buffer off") : std::string(NEEDS_66))));
	EXPECT_TRUE(has(e, "counted only as rx_dropped"));
	EXPECT_FALSE(has(e, "multi-buffer on"));
	SendResult s = send(f);
	EXPECT_EQ(s.sent, f.size()) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	json::Value j = json_of(ld.out());
	EXPECT_FALSE(j["multi_buffer"].b) << ld.out();
	EXPECT_EQ(j["rx_packets"].u64(), 2u) << ld.out();
	EXPECT_EQ(j["queues"][0]["xdp_statistics"]["rx_dropped"].u64(), 1u) << ld.out();

	if (!sg_) {
		/* Asked for, it is refused before anything is attached. */
		Proc &on = loader({ "--multi-buffer", "on", "-d", "1" });
		EXPECT_EQ(on.wait_exit(EXIT_TIMEOUT), 1) << on.err();
		EXPECT_TRUE(has(on.err(), std::string("--multi-buffer on: ") + NEEDS_66));
		EXPECT_FALSE(has(on.err(), "attached"));
		EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	}
}

/* At MTU 1500 auto stays single-buffer and says nothing; on forces it, and frames still arrive. */
TEST_F(E2EMbuf, AutoOnlyWhenTheMtuNeedsIt)
{
	Topology &t = *topo_;

	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", t.if_a, "mtu", "1500" }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_b, "link", "set", t.if_b, "mtu", "1500" }).rc, 0);
	Proc &ld = loader({ "-d", "0.3", "--json" });
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_FALSE(has(ld.err(), "multi-buffer")) << ld.err();
	EXPECT_TRUE(has(ld.err(), "attached xsk_redirect to "));
	EXPECT_FALSE(json_of(ld.out())["multi_buffer"].b);
	if (!sg_)
		return;
	uint32_t rng = 9;
	std::vector<Bytes> f = { frame(t, 0, 1514, PORT_XSK, rng), frame(t, 1, 60, PORT_XSK, rng) };
	Proc &on = loader({ "--multi-buffer", "on", "-c", "2", "-d", "15", "--json" });
	ASSERT_TRUE(ready(on, "receiving"));
	EXPECT_TRUE(has(on.err(), "multi-buffer on (--multi-buffer on)"));
	EXPECT_TRUE(has(on.err(), "attached xsk_redirect_mb to "));
	SendResult s = send(f);
	EXPECT_EQ(s.sent, f.size());
	ASSERT_EQ(on.wait_exit(EXIT_TIMEOUT), 0) << on.err();
	json::Value j = json_of(on.out());
	EXPECT_TRUE(j["multi_buffer"].b);
	EXPECT_EQ(j["rx_packets"].u64(), 2u) << on.out();
	EXPECT_EQ(j["rx_bytes"].u64(), 1514u + 60u) << on.out();
}

} // namespace
