// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap run --action fwd` and the performance options (--busy-poll,
// --cpus, --poll, the live view's TX and wakeup columns), end to end: both
// ends of the veth are in namespaces the test creates; what comes back is
// captured on the peer by an AF_PACKET socket of the test's own, never by
// xskmap (WireCapture).
#include <gtest/gtest.h>
#include <dirent.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "frames.h"
#include "json_reader.h"
#include "netns.h"
#include "packet.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

const milliseconds READY_TIMEOUT(10000), EXIT_TIMEOUT(20000);
constexpr uint16_t PORT_FWD = 41001, PORT_KERNEL = 41002;

/* UDP from B to A, "XTF1" + sequence, mixed sizes. */
std::vector<Bytes> frames_mixed(const Topology &t, size_t n, uint32_t seed,
				std::vector<uint16_t> ports = { PORT_FWD })
{
	return xt::frames_mixed(t.mac_a, t.mac_b, 0x58544631, n, seed, ports);
}

class E2EFwd : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(geteuid(), 0u) << "e2e_tests need root: run them as root";
		ASSERT_EQ(access(XSKMAP_BIN, X_OK), 0) << XSKMAP_BIN;
	}
	void TearDown() override
	{
		for (auto &p : procs_)
			p->kill_wait();
		procs_.clear();
		topo_.reset();
	}

	Topology &topology(unsigned queues = 1)
	{
		topo_ = std::make_unique<Topology>(queues);
		return *topo_;
	}

	/* `xskmap run ARGS... IF_A` inside A, not waited for. */
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

	::testing::AssertionResult ready(Proc &p, const char *verb = "forwarding")
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
		return send_frames(s);
	}

	std::unique_ptr<Topology> topo_;
	std::vector<std::unique_ptr<Proc>> procs_;
};

#define ASSERT_TOPOLOGY(t) ASSERT_TRUE((t).ok()) << (t).error()

/*
 * Every counter of the accounting identity of a fwd run: every kept frame
 * went on the TX ring or was counted not sent, every frame on the ring came
 * back or was counted not completed.
 */
void expect_tx_identity(const json::Value &j, const std::string &out)
{
	EXPECT_EQ(j["rx_packets"].u64(), j["tx_packets"].u64() + j["tx_ring_full"].u64()) << out;
	EXPECT_EQ(j["tx_packets"].u64(), j["tx_completed"].u64() + j["tx_not_completed"].u64()) << out;
	EXPECT_EQ(j["tx_not_sent"].u64(),
		  j["tx_ring_full"].u64() + j["tx_not_completed"].u64() + j["tx_dropped"].u64()) << out;
}

/* Mixed sizes at a paced rate: every frame back, byte for byte but the swapped addresses, in order. */
TEST_F(E2EFwd, ReturnsEveryFrameSwappedByteForByteInOrder)
{
	constexpr size_t N = 2000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = frames_mixed(t, N, 0xF0D1), want;

	for (auto &f : frames)
		want.push_back(swapped(f));
	Proc &ld = loader({ "--action", "fwd", "-c", std::to_string(N), "-d", "15", "--json" });
	ASSERT_TRUE(ready(ld));
	WireCapture cap(t.ns_b, t.if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();
	SendResult s = send(frames);
	ASSERT_EQ(s.err, "");
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	const std::vector<Bytes> got = cap.collect(N, milliseconds(20000));

	EXPECT_TRUE(same_frames(want, only_port(got, PORT_FWD)));
	json::Value j = json_of(ld.out());
	EXPECT_EQ(j["rx_packets"].u64(), N) << ld.out();
	EXPECT_EQ(j["tx_packets"].u64(), N) << ld.out();
	EXPECT_EQ(j["tx_completed"].u64(), N) << ld.out();
	EXPECT_EQ(j["tx_not_sent"].u64(), 0u) << ld.out();
	EXPECT_EQ(j["tx_kick_errors"].u64(), 0u) << ld.out();
	EXPECT_EQ(j["queues"][0]["tx_packets"].u64(), N) << ld.out();
	EXPECT_GT(j["wakeups"]["sendto"].u64(), 0u) << ld.out();
	/* One kick a batch at most, plus one per 32 frames where the kernel caps a kick. */
	EXPECT_LE(j["wakeups"]["sendto"].u64(), 2 * N) << ld.out();
	expect_tx_identity(j, ld.out());
	EXPECT_TRUE(has(ld.err(), "workers unpinned"));
	/* XDP_MAX_TX_SKB_BUDGET came with 6.17: used there, named as missing before. */
	if (kernel_version() >= 6017)
		EXPECT_TRUE(has(ld.err(), "copy-mode TX budget raised to the TX ring"));
	else
		EXPECT_TRUE(has(ld.err(), "this kernel has no XDP_MAX_TX_SKB_BUDGET (Linux 6.17)"));
}

/* Without need_wakeup the kernel sends nothing unasked: every batch is still kicked. */
TEST_F(E2EFwd, WithoutNeedWakeupEveryFrameStillGoesBack)
{
	constexpr size_t N = 500;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = frames_mixed(t, N, 0xF0D2), want;

	for (auto &f : frames)
		want.push_back(swapped(f));
	Proc &ld = loader({ "--action", "fwd", "--no-need-wakeup", "-c", std::to_string(N), "-d",
			    "15", "--json" });
	ASSERT_TRUE(ready(ld));
	WireCapture cap(t.ns_b, t.if_b);
	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(same_frames(want, only_port(cap.collect(N, milliseconds(20000)), PORT_FWD)));
	json::Value j = json_of(ld.out());
	EXPECT_EQ(j["tx_completed"].u64(), N) << ld.out();
	expect_tx_identity(j, ld.out());
}

/* With rules: the matched frames come back, the others go to A's kernel (which drops them). */
TEST_F(E2EFwd, WithRulesOnlyMatchedFramesComeBack)
{
	constexpr size_t N = 1000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	/* The last frame is a matched one: when -c is reached every other one has arrived. */
	std::vector<Bytes> frames = frames_mixed(t, N, 0xF0D3, { PORT_KERNEL, PORT_FWD }), want;

	for (auto &f : only_port(frames, PORT_FWD))
		want.push_back(swapped(f));
	Proc &ld = loader({ "--action", "fwd", "-r", "udp dport " + std::to_string(PORT_FWD) + " -> queue",
			    "--default", "pass", "-d", "15", "-c", std::to_string(want.size()),
			    "--json" });
	ASSERT_TRUE(ready(ld));
	WireCapture cap(t.ns_b, t.if_b);
	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	const std::vector<Bytes> got = cap.settle();
	EXPECT_TRUE(same_frames(want, only_port(got, PORT_FWD)));
	EXPECT_TRUE(only_port(got, PORT_KERNEL).empty());
	json::Value j = json_of(ld.out());
	EXPECT_EQ(j["tx_completed"].u64(), want.size()) << ld.out();
	EXPECT_EQ(j["default"]["packets"].u64(), N - want.size()) << ld.out();
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), want.size()) << ld.out();
	expect_tx_identity(j, ld.out());
}

/* --busy-poll: the sockets get the options, the loop drives the NAPI with recvfrom(), byte-exact. */
TEST_F(E2EFwd, BusyPollReceivesByteExactAndSaysWhatTheInterfaceNeeds)
{
	constexpr size_t N = 1000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = frames_mixed(t, N, 0xB057), want;

	for (auto &f : frames)
		want.push_back(swapped(f));
	Proc &ld = loader({ "--action", "fwd", "--busy-poll", "32", "-c", std::to_string(N), "-d",
			    "15", "--json" });
	ASSERT_TRUE(ready(ld));
	WireCapture cap(t.ns_b, t.if_b);
	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(same_frames(want, only_port(cap.collect(N, milliseconds(20000)), PORT_FWD)));
	EXPECT_TRUE(has(ld.err(), "busy polling, budget 32"));
	/* A veth leaves both at 0: the message says so and how to set them. */
	EXPECT_TRUE(has(ld.err(), "/sys/class/net/" + t.if_a + "/napi_defer_hard_irqs"));
	json::Value j = json_of(ld.out());
	EXPECT_GT(j["wakeups"]["recvfrom"].u64(), 0u) << ld.out();
	EXPECT_EQ(j["wakeups"]["poll"].u64(), 0u) << "busy polling never sleeps in poll():\n" << ld.out();
}

/* --poll: byte-exact too, the worker sleeping in poll() between batches. */
TEST_F(E2EFwd, PollModeForwardsByteExact)
{
	constexpr size_t N = 1000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = frames_mixed(t, N, 0x9011), want;

	for (auto &f : frames)
		want.push_back(swapped(f));
	Proc &ld = loader({ "--action", "fwd", "--poll", "-c", std::to_string(N), "-d", "15",
			    "--json" });
	ASSERT_TRUE(ready(ld));
	EXPECT_TRUE(has(ld.err(), "--poll"));
	WireCapture cap(t.ns_b, t.if_b);
	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(same_frames(want, only_port(cap.collect(N, milliseconds(20000)), PORT_FWD)));
	json::Value j = json_of(ld.out());
	EXPECT_GT(j["wakeups"]["poll"].u64(), 0u) << ld.out();
	EXPECT_EQ(j["wakeups"]["recvfrom"].u64(), 0u) << ld.out();
}

/* --cpus: each worker pinned to its CPU, in queue order; a wrong list is a usage error. */
TEST_F(E2EFwd, CpusPinsEachWorkerInOrder)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nq = online >= 2 ? 2 : 1;
	Topology &t = topology(nq);
	ASSERT_TOPOLOGY(t);
	/* Reversed: queue 0 on the last CPU, so the order given is what is checked. */
	std::string list = nq == 2 ? "1,0" : "0";

	Proc &ld = loader({ "--action", "drop", "--cpus", list, "-d", "15" });
	ASSERT_TRUE(ready(ld, "receiving"));
	EXPECT_TRUE(has(ld.err(), nq == 2 ? "queue 0 on CPU 1, queue 1 on CPU 0" : "queue 0 on CPU 0"));
	auto th = task_cpus(ld.pid());
	/* The main thread, then one worker per queue in creation (queue) order. */
	ASSERT_EQ(th.size(), 1 + nq) << ld.err();
	EXPECT_EQ(th[1].second, nq == 2 ? "1" : "0");
	if (nq == 2) {
		EXPECT_EQ(th[2].second, "0");
	}
	EXPECT_NE(th[0].second, th[1].second) << "the main thread is not pinned";
	ld.signal(SIGINT);
	EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();

	/* One CPU too many, and a CPU that is not online: usage errors, nothing attached. */
	Proc &bad = loader({ "--cpus", nq == 2 ? "0,1,0" : "0,0", "-d", "1" });
	EXPECT_EQ(bad.wait_exit(EXIT_TIMEOUT), 2) << bad.err();
	Proc &many = loader({ "-q", "0", "--cpus", nq == 2 ? "0,1" : "0-1", "-d", "1" });
	EXPECT_EQ(many.wait_exit(EXIT_TIMEOUT), 2) << many.err();
	EXPECT_TRUE(has(many.err(), "one CPU per queue"));
	Proc &off = loader({ "-q", "0", "--cpus", "255", "-d", "1" });
	EXPECT_EQ(off.wait_exit(EXIT_TIMEOUT), 2) << off.err();
	EXPECT_TRUE(has(off.err(), "CPU 255 is not online"));
	EXPECT_FALSE(t.xdp_on_a());
}

/* -i: the live view has the TX and wakeup columns, and they move under fwd traffic. */
TEST_F(E2EFwd, LiveViewShowsTxAndWakeups)
{
	constexpr size_t N = 3000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = frames_mixed(t, N, 0x11FE);

	Proc &ld = loader({ "--action", "fwd", "-i", "0.2", "-c", std::to_string(N), "-d", "20" });
	ASSERT_TRUE(ready(ld));
	SendSpec spec;
	spec.ns = t.ns_b;
	spec.ifname = t.if_b;
	spec.frames = &frames;
	spec.pause_us = 2000;	/* over a second or more: several live blocks see traffic */
	SendResult s = send_frames(spec);
	ASSERT_EQ(s.sent, N);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	std::string err = ld.err();
	EXPECT_TRUE(has(err, "tx pps"));
	EXPECT_TRUE(has(err, "wakeups/s"));
	EXPECT_TRUE(has(err, "wake/pkt"));
	EXPECT_TRUE(has(err, "notsent/s"));
	/* Some "all" row shows frames sent and wakeups, per second. */
	bool moving = false;
	size_t b = 0, e;
	while ((e = err.find('\n', b)) != std::string::npos) {
		std::string line = err.substr(b, e - b);
		std::vector<std::string> w;
		size_t p = 0, q;

		b = e + 1;
		while ((p = line.find_first_not_of(' ', p)) != std::string::npos) {
			q = line.find(' ', p);
			w.push_back(line.substr(p, q == std::string::npos ? q : q - p));
			p = q;
		}
		if (w.size() == 16 && w[1] == "all" && atof(w[4].c_str()) > 0 && atof(w[13].c_str()) > 0)
			moving = true;
	}
	EXPECT_TRUE(moving) << err;
	/* The summary's TX line. */
	EXPECT_TRUE(has(err, "tx " + std::to_string(N) + " frames"));
	EXPECT_TRUE(has(err, "wakeups: sendto"));
}

/*
 * AF_XDP sends nothing, and says nothing (sendto() returns 0), from a
 * socket whose queue is past the device's TX queues: fwd on such a queue
 * is refused at start (exit 2), naming the queue and the fix; the same
 * queue still receives with count.
 */
TEST_F(E2EFwd, QueueWithoutATxQueueIsRefusedNamingIt)
{
	topo_ = std::make_unique<Topology>(2, false, 1);
	Topology &t = *topo_;
	ASSERT_TOPOLOGY(t);

	Result r = run({ ip_bin(), "netns", "exec", t.ns_a, XSKMAP_BIN, "run", "--action", "fwd",
			 "-d", "1", t.if_a }, EXIT_TIMEOUT);
	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_TRUE(has(r.err, "queue 1 of " + t.if_a + " has no TX queue"));
	EXPECT_TRUE(has(r.err, "-q"));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	/* Queue 0 has its TX queue: fwd starts on it. */
	Result ok = run({ ip_bin(), "netns", "exec", t.ns_a, XSKMAP_BIN, "run", "--action", "fwd",
			  "-q", "0", "-d", "0.5", t.if_a }, EXIT_TIMEOUT);
	EXPECT_EQ(ok.rc, 0) << ok.err;
}

} // namespace
