// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Why a frame did not arrive (issue 11, part 4), end to end over veth: the
// frames the kernel refuses after the program returned XDP_REDIRECT, made
// for real and counted by the run's tracer of xdp:xdp_redirect_err, exact
// and in words in the summary (JSON and text), the live view and `status`.
#include <gtest/gtest.h>
#include <signal.h>
#include <string>
#include <thread>
#include <vector>

#include "json_reader.h"
#include "netns.h"
#include "packet.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

const milliseconds READY_TIMEOUT(15000), EXIT_TIMEOUT(30000);

/* UDP frames from B to A's MAC of total length len (Ethernet header on). */
std::vector<Bytes> udp_frames(const Topology &t, int n, size_t len)
{
	std::vector<Bytes> v;

	for (int i = 0; i < n; i++) {
		Packet p;
		Bytes payload(len - 14 - 20 - 8, (uint8_t)i);

		memcpy(p.dst_mac, t.mac_a, 6);
		memcpy(p.src_mac, t.mac_b, 6);
		v.push_back(p.ipv4(IP_UDP).udp(30000, 9, payload).build());
	}
	return v;
}

void send_all(const Topology &t, const std::vector<Bytes> &frames)
{
	SendSpec spec;
	spec.ns = t.ns_b;
	spec.ifname = t.if_b;
	spec.frames = &frames;
	SendResult sr = send_frames(spec);
	ASSERT_TRUE(sr.err.empty()) << sr.err;
	ASSERT_EQ(sr.sent, frames.size());
}

struct ExplainRun {
	Proc p;

	bool start(const Topology &t, std::vector<std::string> args)
	{
		return p.start(ns_cmd(t.ns_a, XSKMAP_BIN, "run", args, t.if_a), "explain-run") &&
		       p.wait_stderr("; Ctrl-C stops", READY_TIMEOUT);
	}
	Result stop()
	{
		p.signal(SIGINT);
		return finish(p, EXIT_TIMEOUT);
	}
};

Result status(const Topology &t, const std::vector<std::string> &args)
{
	std::vector<std::string> argv = { ip_bin(), "netns", "exec", t.ns_a, XSKMAP_BIN, "status" };

	argv.insert(argv.end(), args.begin(), args.end());
	argv.push_back(t.if_a);
	return run(argv, milliseconds(30000));
}

/* The count of reason on queue q in a redirect_failures object, 0 when absent. */
uint64_t failures(const json::Value &rf, const std::string &reason, uint64_t q)
{
	uint64_t n = 0;

	for (size_t i = 0; i < rf["failures"].size(); i++) {
		const json::Value &e = rf["failures"][i];

		if (e["reason"].str == reason && e["queue"].u64() == q)
			n += e["packets"].u64();
	}
	return n;
}

/* Wait until the program has seen n frames (status reads them while the run lives). */
json::Value status_when_redirected(const Topology &t, uint64_t n)
{
	json::Value v;
	std::string err;
	auto deadline = Clock::now() + milliseconds(5000);

	do {
		Result r = status(t, { "--json" });
		EXPECT_TRUE(json::parse_strict(r.out, v, err)) << err << r.out << r.err;
		if (v["interfaces"][0]["xdp"][0]["bpf"]["redirected"]["packets"].u64() >= n)
			break;
		std::this_thread::sleep_for(milliseconds(50));
	} while (Clock::now() < deadline);
	return v;
}

class E2EExplain : public TopologyTest {};

/*
 * RX ring full: a 64-entry RX ring and a stopped consumer (SIGSTOP); 200
 * frames, 64 fit, 136 are refused with ENOBUFS. The same 136 as the
 * socket's own rx_ring_full, in words in status (while stopped), the live
 * view (after SIGCONT) and the summary.
 */
TEST_F(E2EExplain, RxRingFullCountedByQueueInWordsEverywhere)
{
	ExplainRun r;
	ASSERT_TRUE(r.start(*t, { "--ring-size", "64", "--json", "-i", "0.2" })) << r.p.err();
	ASSERT_EQ(kill(r.p.pid(), SIGSTOP), 0);
	std::vector<Bytes> frames = udp_frames(*t, 200, 100);
	send_all(*t, frames);

	json::Value sv = status_when_redirected(*t, frames.size());
	const json::Value &prog = sv["interfaces"][0]["xdp"][0];
	EXPECT_TRUE(prog["redirect_failures"]["explained"].b);
	EXPECT_EQ(failures(prog["redirect_failures"], "rx_ring_full", 0), 136u);
	Result st = status(*t, {});
	EXPECT_TRUE(has(st.out, "refused by the kernel after XDP_REDIRECT:\n    queue 0: RX ring full: 136 (ENOBUFS: the consumer is behind: raise --ring-size or use more queues)"))
		<< st.out;

	ASSERT_EQ(kill(r.p.pid(), SIGCONT), 0);
	/* -i with --json: the live view is JSON lines on stdout, the summary the last. */
	auto deadline = Clock::now() + milliseconds(5000);
	while (!has(r.p.out(), "\"reason\":\"rx_ring_full\",\"errno\":\"ENOBUFS\",\"packets\":136") &&
	       Clock::now() < deadline)
		std::this_thread::sleep_for(milliseconds(50));
	Result res = r.stop();
	ASSERT_EQ(res.rc, 0) << res.err;
	std::vector<json::Value> lines;
	std::string err;
	for (size_t b = 0, e; (e = res.out.find('\n', b)) != std::string::npos; b = e + 1) {
		json::Value l;

		ASSERT_TRUE(json::parse_strict(res.out.substr(b, e - b), l, err)) << err << res.out;
		lines.push_back(l);
	}
	ASSERT_FALSE(lines.empty());
	const json::Value &v = lines.back();
	ASSERT_EQ(v["type"].str, "summary");
	/* One interval saw the 136 arrive (+136), as the text view says it. */
	uint64_t seen = 0;
	for (size_t i = 0; i + 1 < lines.size(); i++)
		seen += failures(lines[i]["delta"]["redirect_failures"], "rx_ring_full", 0);
	EXPECT_EQ(seen, 136u) << res.out;
	EXPECT_EQ(v["rx_packets"].u64(), 64u);
	EXPECT_EQ(v["queues"][0]["xdp_statistics"]["rx_ring_full"].u64(), 136u);
	EXPECT_EQ(failures(v["redirect_failures"], "rx_ring_full", 0), 136u);
	EXPECT_EQ(v["redirect_failures"]["failures"].size(), 1u) << res.out;
	EXPECT_EQ(v["redirect_failures"]["failures"][0]["errno"].str, "ENOBUFS");
}

/*
 * A frame longer than a UMEM frame holds, multi-buffer off: MTU 3000 (a
 * single-buffer program still attaches natively on veth), frame size 2048
 * (1792 after the headroom): 5 frames of 2500 bytes refused with ENOSPC,
 * 3 short ones kept. In words in the text summary.
 */
TEST_F(E2EExplain, FrameLargerThanFrameSize)
{
	ASSERT_EQ(ip({ "-n", t->ns_a, "link", "set", t->if_a, "mtu", "3000" }).rc, 0);
	ASSERT_EQ(ip({ "-n", t->ns_b, "link", "set", t->if_b, "mtu", "3000" }).rc, 0);
	ExplainRun r;
	ASSERT_TRUE(r.start(*t, { "--frame-size", "2048", "--multi-buffer", "off", "--json" })) << r.p.err();
	std::vector<Bytes> big = udp_frames(*t, 5, 2500), small = udp_frames(*t, 3, 100);
	send_all(*t, big);
	send_all(*t, small);
	status_when_redirected(*t, 8);
	Result res = r.stop();
	ASSERT_EQ(res.rc, 0) << res.err;
	json::Value v;
	std::string err;
	ASSERT_TRUE(json::parse_strict(res.out, v, err)) << err << res.out;
	EXPECT_EQ(v["bpf"]["redirected"]["packets"].u64(), 8u);
	EXPECT_EQ(v["rx_packets"].u64(), 3u);
	EXPECT_EQ(v["queues"][0]["xdp_statistics"]["rx_dropped"].u64(), 5u);
	EXPECT_EQ(failures(v["redirect_failures"], "frame_too_big", 0), 5u) << res.out;
	EXPECT_EQ(v["redirect_failures"]["failures"][0]["errno"].str, "ENOSPC");
	EXPECT_EQ(v["redirect_failures"]["failures"][0]["what"].str, "frame larger than the frame size");

	/* The text summary says it the same way. */
	ExplainRun r2;
	ASSERT_TRUE(r2.start(*t, { "--frame-size", "2048", "--multi-buffer", "off" })) << r2.p.err();
	send_all(*t, big);
	status_when_redirected(*t, 5);
	Result res2 = r2.stop();
	ASSERT_EQ(res2.rc, 0) << res2.err;
	EXPECT_TRUE(has(res2.err, "  refused by the kernel after XDP_REDIRECT:\n    queue 0: frame larger than the frame size: 5 (ENOSPC: raise --frame-size, use --multi-buffer on (Linux 6.6) or lower the MTU)\n"))
		<< res2.err;
}

/* Nothing refused: the summary and status say "none"; no_socket stays the program's. */
TEST_F(E2EExplain, NothingRefusedSaysNone)
{
	ExplainRun r;
	ASSERT_TRUE(r.start(*t, {})) << r.p.err();
	std::vector<Bytes> frames = udp_frames(*t, 10, 100);
	send_all(*t, frames);
	status_when_redirected(*t, frames.size());
	Result st = status(*t, {});
	EXPECT_TRUE(has(st.out, "refused by the kernel after XDP_REDIRECT:\n    none\n")) << st.out;
	Result res = r.stop();
	ASSERT_EQ(res.rc, 0) << res.err;
	EXPECT_TRUE(has(res.err, "refused by the kernel after XDP_REDIRECT:\n    none\n")) << res.err;
}

/* --no-explain: no tracer; the summary and status say it is not explained, and why. */
TEST_F(E2EExplain, NoExplainSaysNotExplained)
{
	ExplainRun r;
	ASSERT_TRUE(r.start(*t, { "--no-explain", "--json" })) << r.p.err();
	Result st = status(*t, {});
	EXPECT_TRUE(has(st.out, "refused by the kernel after XDP_REDIRECT:\n    not explained: no tracer bound to the program"))
		<< st.out;
	Result res = r.stop();
	ASSERT_EQ(res.rc, 0) << res.err;
	json::Value v;
	std::string err;
	ASSERT_TRUE(json::parse_strict(res.out, v, err)) << err << res.out;
	EXPECT_FALSE(v["redirect_failures"]["explained"].b);
	EXPECT_EQ(v["redirect_failures"]["why_not"].str, "--no-explain");
}

}  // namespace
