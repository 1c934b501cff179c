// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// TX kicks that fail, end to end: the interface or its peer set down while
// `gen --engine xsk` or `run --action fwd` transmits, and a queue without a
// TX queue. What a user counts on: one line naming the interface, the
// queue and the errno; every frame not sent counted in the summary; no
// hang; gen fails (its frames could not leave), a forwarding run goes on
// across a link flap and sends what waited once the link is back.
#include <gtest/gtest.h>
#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include "gen_check.h"
#include "frames.h"
#include "json_reader.h"
#include "netns.h"
#include "packet.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif

using namespace xt;

namespace {

size_t count_of(const std::string &text, const std::string &needle)
{
	size_t n = 0;

	for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
		n++;
	return n;
}

/* Generated frames among what B received. */
size_t gen_frames(const std::vector<Bytes> &wire)
{
	size_t n = 0;

	for (auto &f : wire)
		n += gencheck::parse(f).ok;
	return n;
}

/*
 * A counter of ifname's in ns as the kernel keeps it (ip -s -j link): the
 * device's own count of what it handed its peer, which no capture races.
 */
uint64_t link_stat(const std::string &ns, const std::string &ifname, const char *dir, const char *what)
{
	Result r = ip({ "-n", ns, "-s", "-j", "link", "show", "dev", ifname });
	json::Value v;
	std::string err;

	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_TRUE(json::parse_strict(r.out, v, err)) << err << "\n" << r.out;
	return v[0]["stats64"][dir][what].u64();
}

/*
 * SIGSTOP, then until every thread of pid is stopped ('T' in its stat): a
 * thread running on another CPU stops only when it next leaves the kernel.
 */
::testing::AssertionResult stop_all(Proc &p)
{
	std::string dir = "/proc/" + std::to_string(p.pid()) + "/task";
	auto deadline = Clock::now() + milliseconds(5000);

	p.signal(SIGSTOP);
	while (Clock::now() < deadline) {
		bool all = true;

		for (auto &tid : list_dir(dir)) {
			std::string st = read_file(dir + "/" + tid + "/stat");
			size_t close_paren = st.rfind(')');

			if (close_paren == std::string::npos || close_paren + 2 >= st.size() ||
			    st[close_paren + 2] != 'T')
				all = false;
		}
		if (all)
			return ::testing::AssertionSuccess();
		std::this_thread::sleep_for(milliseconds(5));
	}
	return ::testing::AssertionFailure() << "pid " << p.pid() << " did not stop";
}

class E2ETxErrors : public TopologyTest {
protected:
	std::vector<std::string> xskmap(const std::string &cmd, const std::vector<std::string> &args) const
	{
		return ns_cmd(t->ns_a, XSKMAP_BIN, cmd, args, t->if_a);
	}

	void link(const std::string &ns, const std::string &ifname, const char *state)
	{
		Result r = ip({ "-n", ns, "link", "set", "dev", ifname, state });
		ASSERT_EQ(r.rc, 0) << r.err;
	}
};

/*
 * A's end set down while gen sends: the next kick fails with ENETDOWN, gen
 * stops at once with one line naming the interface, the queue and the
 * errno, exits 1, and its summary counts exactly what reached the wire.
 */
TEST_F(E2ETxErrors, GenStopsWhenTheInterfaceIsSetDownNamingTheErrno)
{
	WireCapture cap(t->ns_b, t->if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();
	Proc p;
	ASSERT_TRUE(p.start(xskmap("gen", { "--rate", "2000", "-d", "30", "--json" }), "gen"));
	ASSERT_TRUE(p.wait_stderr("Ctrl-C stops", milliseconds(10000))) << p.err();
	std::this_thread::sleep_for(milliseconds(500));
	link(t->ns_a, t->if_a, "down");
	auto t0 = Clock::now();
	int rc = p.wait_exit(milliseconds(10000));
	auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();

	EXPECT_EQ(rc, 1) << p.err();
	EXPECT_LT(took, 3000) << "gen noticed the interface down late";
	std::string line = "TX on " + t->if_a + " queue 0 failed: Network is down (ENETDOWN)";
	EXPECT_EQ(count_of(p.err(), line), 1u) << p.err();
	EXPECT_TRUE(has(p.err(), "ip link set dev " + t->if_a + " up"));
	json::Value v = json_of(p.out());
	EXPECT_GT(v["frames"].u64(), 0u) << p.out();
	EXPECT_TRUE(has(v["not_sent_reason"].str, "ENETDOWN")) << p.out();
	/* Nothing lost silently: what gen counts as sent is what B got. */
	EXPECT_EQ(gen_frames(cap.settle()), v["frames"].u64()) << p.out();
}

/* Down before it starts: refused at once, nothing made. */
TEST_F(E2ETxErrors, GenRefusesAnInterfaceThatIsDown)
{
	link(t->ns_a, t->if_a, "down");
	Result r = run(xskmap("gen", { "-c", "10" }));
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, t->if_a + " is down: nothing can be sent; set it up ('ip link set dev " +
			       t->if_a + " up')"));
}

/*
 * The peer down: A has no carrier, the kernel drops every frame before the
 * wire (sendto: EBUSY, the frame completed unsent). gen warns at start,
 * counts each one as dropped and not sent, ends (no hang) and exits 1.
 */
TEST_F(E2ETxErrors, GenCountsEveryFrameDroppedWithoutCarrier)
{
	link(t->ns_b, t->if_b, "down");
	Result r = run(xskmap("gen", { "-c", "500", "--json" }), milliseconds(20000));
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, t->if_a + " has no carrier"));
	EXPECT_TRUE(has(r.err, "500 frames dropped by the kernel before the wire (sendto: EBUSY)"));
	json::Value v = json_of(r.out);
	EXPECT_EQ(v["frames"].u64(), 0u) << r.out;
	EXPECT_EQ(v["dropped"].u64(), 500u) << r.out;
	EXPECT_EQ(v["not_sent"].u64(), 500u) << r.out;
	EXPECT_TRUE(has(v["not_sent_reason"].str, "EBUSY")) << r.out;
}

/*
 * The peer set down and up again while gen runs: said once, counted, the
 * rest sent. What reached B is A's own count of what it handed its peer: a
 * capture on B misses the frames that arrive while B comes up, before its
 * packet socket's hook is back (a dozen at 5000/s, seen under 6.1), so the
 * capture only checks the frames are gen's and none appeared from nowhere.
 * IPv6 is off in both namespaces: A sends nothing of its own.
 */
TEST_F(E2ETxErrors, GenPeerFlapIsSaidOnceAndCounted)
{
	WireCapture cap(t->ns_b, t->if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();
	uint64_t tx0 = link_stat(t->ns_a, t->if_a, "tx", "packets");
	Proc p;
	ASSERT_TRUE(p.start(xskmap("gen", { "--rate", "5000", "-d", "3", "--json" }), "gen"));
	ASSERT_TRUE(p.wait_stderr("Ctrl-C stops", milliseconds(10000))) << p.err();
	std::this_thread::sleep_for(milliseconds(700));
	link(t->ns_b, t->if_b, "down");
	std::this_thread::sleep_for(milliseconds(500));
	link(t->ns_b, t->if_b, "up");
	EXPECT_EQ(p.wait_exit(milliseconds(15000)), 1) << p.err();
	std::string warn = "TX on " + t->if_a + " queue 0: the kernel dropped frames before the wire";
	EXPECT_EQ(count_of(p.err(), warn), 1u) << p.err();
	json::Value v = json_of(p.out());
	EXPECT_GT(v["dropped"].u64(), 0u) << p.out();
	EXPECT_GT(v["frames"].u64(), 0u) << p.out();
	EXPECT_EQ(v["not_sent"].u64(), v["dropped"].u64() + v["not_completed"].u64()) << p.out();
	EXPECT_EQ(link_stat(t->ns_a, t->if_a, "tx", "packets") - tx0, v["frames"].u64()) << p.out();
	std::vector<Bytes> wire = cap.settle();
	EXPECT_EQ(gen_frames(wire), wire.size()) << "B got frames gen did not make";
	EXPECT_LE(wire.size(), v["frames"].u64()) << p.out();
	EXPECT_GT(wire.size(), v["frames"].u64() / 2) << p.out();
}

/*
 * run --action fwd across a link flap, made deterministic: the run is
 * stopped (SIGSTOP) while B sends, so the frames wait in its RX ring; A is
 * set down and the run continued: its kick fails with ENETDOWN. The run
 * says so in one line, keeps the frames on the TX ring and retries; once A
 * is up they go out, byte for byte with the addresses swapped. A flap is
 * the network's state, not the run's failure: exit 0, and the summary has
 * the failed kicks with the errno.
 */
TEST_F(E2ETxErrors, FwdKeepsFramesAcrossALinkFlapAndSendsThemOnceUp)
{
	constexpr size_t N = 200;
	std::vector<Bytes> frames, want;

	for (size_t i = 0; i < N; i++) {
		Packet pk;
		Bytes payload = { 'X', 'T', 'E', (uint8_t)(i >> 8), (uint8_t)i };

		memcpy(pk.dst_mac, t->mac_a, 6);
		memcpy(pk.src_mac, t->mac_b, 6);
		frames.push_back(pk.ipv4(IP_UDP).udp(30000, 41003, payload).build());
		Bytes w = frames.back();
		std::swap_ranges(w.begin(), w.begin() + 6, w.begin() + 6);
		want.push_back(w);
	}
	Proc ld;
	ASSERT_TRUE(ld.start(xskmap("run", { "--action", "fwd", "-d", "60", "--json" }), "run"));
	ASSERT_TRUE(ld.wait_stderr("forwarding on " + t->if_a, milliseconds(10000))) << ld.err();
	WireCapture cap(t->ns_b, t->if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();

	ASSERT_TRUE(stop_all(ld));
	SendSpec s;
	s.ns = t->ns_b;
	s.ifname = t->if_b;
	s.frames = &frames;
	SendResult sr = send_frames(s);
	EXPECT_EQ(sr.sent, N) << sr.err << strerror(sr.last_errno);
	std::this_thread::sleep_for(milliseconds(200));
	link(t->ns_a, t->if_a, "down");
	ld.signal(SIGCONT);
	std::string line = "TX on " + t->if_a + " queue 0 failed: Network is down (ENETDOWN)";
	EXPECT_TRUE(ld.wait_stderr(line, milliseconds(5000))) << ld.err();
	std::this_thread::sleep_for(milliseconds(500));
	link(t->ns_a, t->if_a, "up");
	/* Back up, the frames that waited are sent: B gets every one. */
	auto deadline = Clock::now() + milliseconds(10000);
	while (cap.count() < N && Clock::now() < deadline)
		std::this_thread::sleep_for(milliseconds(20));
	std::vector<Bytes> got;
	for (auto &f : cap.settle())
		if (f.size() >= 38 && f[36] == (41003 >> 8) && f[37] == (41003 & 0xff))
			got.push_back(f);
	ld.signal(SIGINT);
	ASSERT_EQ(ld.wait_exit(milliseconds(10000)), 0) << ld.err();
	EXPECT_EQ(got, want);
	EXPECT_EQ(count_of(ld.err(), line), 1u) << ld.err();
	EXPECT_TRUE(has(ld.err(), t->if_a + " was set down"));
	json::Value v = json_of(ld.out());
	EXPECT_EQ(v["rx_packets"].u64(), N) << ld.out();
	EXPECT_EQ(v["tx_completed"].u64(), N) << ld.out();
	EXPECT_EQ(v["tx_not_sent"].u64(), 0u) << ld.out();
	EXPECT_GE(v["tx_kick_errors"].u64(), 1u) << ld.out();
	EXPECT_EQ(v["tx_kick_error"].str, "Network is down") << ld.out();
	EXPECT_EQ(v["queues"][0]["tx_kick_errors"].u64(), v["tx_kick_errors"].u64());
}

/* Still down at the stop: the frames that waited are counted as not sent. */
TEST_F(E2ETxErrors, FwdCountsWhatNeverLeftWhenStoppedWhileDown)
{
	constexpr size_t N = 100;
	std::vector<Bytes> frames;

	for (size_t i = 0; i < N; i++) {
		Packet pk;

		memcpy(pk.dst_mac, t->mac_a, 6);
		memcpy(pk.src_mac, t->mac_b, 6);
		frames.push_back(pk.ipv4(IP_UDP).udp(30000, 41003, Bytes(20, (uint8_t)i)).build());
	}
	Proc ld;
	ASSERT_TRUE(ld.start(xskmap("run", { "--action", "fwd", "-d", "60", "--json" }), "run"));
	ASSERT_TRUE(ld.wait_stderr("forwarding on " + t->if_a, milliseconds(10000))) << ld.err();
	ASSERT_TRUE(stop_all(ld));
	SendSpec s;
	s.ns = t->ns_b;
	s.ifname = t->if_b;
	s.frames = &frames;
	EXPECT_EQ(send_frames(s).sent, N);
	std::this_thread::sleep_for(milliseconds(200));
	link(t->ns_a, t->if_a, "down");
	ld.signal(SIGCONT);
	EXPECT_TRUE(ld.wait_stderr("Network is down (ENETDOWN)", milliseconds(5000))) << ld.err();
	ld.signal(SIGINT);
	auto t0 = Clock::now();
	ASSERT_EQ(ld.wait_exit(milliseconds(10000)), 0) << ld.err();
	EXPECT_LT(std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count(), 3000);
	json::Value v = json_of(ld.out());
	EXPECT_EQ(v["rx_packets"].u64(), N) << ld.out();
	EXPECT_EQ(v["tx_packets"].u64(), N) << ld.out();
	EXPECT_EQ(v["tx_not_completed"].u64(), N) << ld.out();
	EXPECT_EQ(v["tx_not_sent"].u64(), N) << ld.out();
	EXPECT_EQ(v["tx_completed"].u64(), 0u) << ld.out();
}

/*
 * A TX queue the device does not have: AF_XDP would take the frames and
 * send none without an error (sendto() returns 0), so gen refuses the
 * queue at start, as run --action fwd does.
 */
TEST_F(E2ETxErrors, GenRefusesAQueueWithoutATxQueue)
{
	t = std::make_unique<Topology>(2, false, 1);
	ASSERT_TRUE(t->ok()) << t->error();
	Result r = run(xskmap("gen", { "-q", "1", "-c", "10" }));
	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_TRUE(has(r.err, "queue 1 is out of range: " + t->if_a + " has 1 TX queue (0-0); fix -q"));
	Result ok = run(xskmap("gen", { "-q", "0", "-c", "10" }));
	EXPECT_EQ(ok.rc, 0) << ok.err;
}

} // namespace
