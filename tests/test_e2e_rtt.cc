// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap gen --rtt` end to end: gen in B sends paced frames to A, where
// `xskmap run --action fwd` returns them; gen takes them back on B's end
// and reports round trips and loss. No latency value is asserted (machine
// speed varies): only what must hold on any machine, the percentiles
// ordered, above zero and below the run's own wall time.
#include <gtest/gtest.h>
#include <unistd.h>
#include <chrono>
#include <string>
#include <vector>

#include "json_reader.h"
#include "netns.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

const milliseconds READY_TIMEOUT(10000), EXIT_TIMEOUT(30000);

class E2ERtt : public ::testing::Test {
protected:
	std::unique_ptr<Topology> t;
	std::vector<std::unique_ptr<Proc>> procs;

	void SetUp() override
	{
		ASSERT_EQ(geteuid(), 0u) << "e2e_tests need root";
		ASSERT_EQ(access(XSKMAP_BIN, X_OK), 0) << XSKMAP_BIN;
		topology(1);
	}
	void topology(unsigned queues)
	{
		t.reset();
		t = std::make_unique<Topology>(queues);
		ASSERT_TRUE(t->ok()) << t->error();
	}
	void TearDown() override
	{
		for (auto &p : procs)
			p->kill_wait();
		procs.clear();
		t.reset();
	}

	/* `xskmap run --action fwd ARGS IF_A` in A, ready to forward. */
	::testing::AssertionResult forwarder(std::vector<std::string> args = {})
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", t->ns_a, XSKMAP_BIN, "run",
						  "--action", "fwd", "-d", "60" };

		argv.insert(argv.end(), args.begin(), args.end());
		argv.push_back(t->if_a);
		procs.push_back(std::make_unique<Proc>());
		Proc &p = *procs.back();
		if (!p.start(argv, "fwd"))
			return ::testing::AssertionFailure() << "cannot start " << XSKMAP_BIN;
		if (p.wait_stderr("forwarding on " + t->if_a, READY_TIMEOUT))
			return ::testing::AssertionSuccess();
		return ::testing::AssertionFailure() << "fwd did not get ready:\n" << p.err();
	}

	/* `xskmap gen --rtt ARGS IF_B` in B, to A's MAC; *wall_ns: how long it ran. */
	Result gen(std::vector<std::string> args, uint64_t *wall_ns = nullptr)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", t->ns_b, XSKMAP_BIN, "gen",
						  "--rtt", "--dst-mac", Topology::mac_str(t->mac_a) };

		argv.insert(argv.end(), args.begin(), args.end());
		argv.push_back(t->if_b);
		auto t0 = Clock::now();
		Result r = run(argv, EXIT_TIMEOUT);
		if (wall_ns)
			*wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
		return r;
	}

	bool xdp_on_b() const
	{
		return ip({ "-n", t->ns_b, "-d", "link", "show", "dev", t->if_b }).out.find("prog/xdp") !=
		       std::string::npos;
	}
};

json::Value parsed(const std::string &out)
{
	json::Value v;
	std::string err;

	EXPECT_TRUE(json::parse_strict(out, v, err)) << err << "\n" << out;
	return v;
}

/* min <= p50 <= p90 <= p99 <= p99.9 <= max, all > 0 and below the wall time. */
void expect_plausible(const json::Value &ns, uint64_t wall_ns, const std::string &out)
{
	const char *order[] = { "min", "p50", "p90", "p99", "p99_9", "max" };
	uint64_t prev = 0;

	for (const char *k : order) {
		uint64_t v = ns[k].u64();

		ASSERT_NE(v, UINT64_MAX) << k << " is not a count of ns: " << out;
		EXPECT_GT(v, 0u) << k << ": " << out;
		EXPECT_GE(v, prev) << k << " below the percentile before it: " << out;
		EXPECT_LT(v, wall_ns) << k << " longer than the whole run (" << wall_ns << " ns): " << out;
		prev = v;
	}
	EXPECT_EQ(ns["mean"].type, json::Value::NUM) << out;
	EXPECT_GE(ns["mean"].num, (double)ns["min"].u64()) << out;
	EXPECT_LE(ns["mean"].num, (double)ns["max"].u64()) << out;
}

TEST_F(E2ERtt, EveryFrameBackThroughFwdWithOrderedPercentiles)
{
	constexpr uint64_t N = 2000;
	uint64_t wall = 0;

	ASSERT_TRUE(forwarder({ "--json" }));
	Result r = gen({ "-c", std::to_string(N), "--json" }, &wall);
	ASSERT_EQ(r.rc, 0) << r.err << r.out;
	json::Value j = parsed(r.out), rt = j["rtt"];

	EXPECT_EQ(j["frames"].u64(), N) << r.out;
	EXPECT_EQ(j["size"].u64(), 66u) << "IPv4 with the 8-byte send time: " << r.out;
	EXPECT_DOUBLE_EQ(j["rate_asked"].num, 10000) << "the default rate: " << r.out;
	EXPECT_EQ(rt["sent"].u64(), N) << r.out;
	EXPECT_EQ(rt["received"].u64(), N) << r.out;
	EXPECT_EQ(rt["lost"].u64(), 0u) << r.out;
	EXPECT_EQ(rt["duplicates"].u64(), 0u) << r.out;
	/* One queue each way, one thread each side: veth keeps the order. */
	EXPECT_EQ(rt["out_of_order"].u64(), 0u) << r.out;
	EXPECT_EQ(rt["late"].u64(), 0u) << r.out;
	EXPECT_EQ(rt["not_ours"].u64(), 0u) << r.out;
	EXPECT_EQ(rt["wait"].str, "poll") << r.out;
	expect_plausible(rt["ns"], wall, r.out);
	EXPECT_FALSE(xdp_on_b()) << "gen left its program on " << t->if_b;
	EXPECT_NE(r.err.find("--rtt: attached xsk_redirect to " + t->if_b), std::string::npos) << r.err;

	/* The forwarder's own count: every one of them went through it. */
	procs.back()->signal(SIGINT);
	Result f = finish(*procs.back(), EXIT_TIMEOUT);
	ASSERT_EQ(f.rc, 0) << f.err;
	json::Value fj = parsed(f.out);
	EXPECT_EQ(fj["tx_completed"].u64(), N) << f.out;
}

/* IPv6 in a VLAN, spinning, the text summary: the same accounting. */
TEST_F(E2ERtt, Ipv6VlanSpinningTextSummary)
{
	constexpr uint64_t N = 500;
	uint64_t wall = 0;

	ASSERT_TRUE(forwarder());
	Result r = gen({ "-c", std::to_string(N), "--src", "2001:db8::2", "--dst", "2001:db8::1",
			 "--vlan", "100", "--spin", "--rate", "5000" }, &wall);
	ASSERT_EQ(r.rc, 0) << r.err;
	std::string want = "rtt: " + std::to_string(N) + " sent, " + std::to_string(N) +
			   " received, 0 lost (0.00%), 0 out of order, 0 duplicates";
	EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("rtt us: min "), std::string::npos) << r.err;
	EXPECT_NE(r.err.find(" p99.9 "), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("spinning (--spin)"), std::string::npos) << r.err;
	EXPECT_FALSE(xdp_on_b());
	(void)wall;
}

/*
 * Two queues, a thread and a socket each: the sequence numbers come from
 * one counter, the window that says which came back is shared, and the
 * histograms of the threads are merged: still N back, none twice.
 */
TEST_F(E2ERtt, TwoQueuesOneAccount)
{
	constexpr uint64_t N = 2000;
	uint64_t wall = 0;

	topology(2);
	ASSERT_TRUE(forwarder());
	Result r = gen({ "-q", "0-1", "-c", std::to_string(N), "--json" }, &wall);
	ASSERT_EQ(r.rc, 0) << r.err << r.out;
	json::Value j = parsed(r.out), rt = j["rtt"];

	ASSERT_EQ(j["queues"].size(), 2u) << r.out;
	EXPECT_EQ(j["queues"][0]["frames"].u64() + j["queues"][1]["frames"].u64(), N) << r.out;
	EXPECT_EQ(rt["sent"].u64(), N) << r.out;
	EXPECT_EQ(rt["received"].u64(), N) << r.out;
	EXPECT_EQ(rt["lost"].u64(), 0u) << r.out;
	EXPECT_EQ(rt["duplicates"].u64(), 0u) << r.out;
	EXPECT_EQ(rt["not_ours"].u64(), 0u) << r.out;
	expect_plausible(rt["ns"], wall, r.out);
	EXPECT_FALSE(xdp_on_b());
}

/* Nobody forwards: every frame is lost after the timeout, and the exit status says so. */
TEST_F(E2ERtt, WithoutForwarderAllLostAndExit1)
{
	constexpr uint64_t N = 300;
	uint64_t wall = 0;

	Result r = gen({ "-c", std::to_string(N), "--timeout", "0.3", "--json" }, &wall);
	EXPECT_EQ(r.rc, 1) << r.err;
	json::Value j = parsed(r.out), rt = j["rtt"];

	EXPECT_EQ(j["frames"].u64(), N) << r.out;
	EXPECT_EQ(rt["sent"].u64(), N) << r.out;
	EXPECT_EQ(rt["received"].u64(), 0u) << r.out;
	EXPECT_EQ(rt["lost"].u64(), N) << r.out;
	EXPECT_DOUBLE_EQ(rt["timeout"].num, 0.3) << r.out;
	for (const char *k : { "min", "p50", "p90", "p99", "p99_9", "max", "mean" })
		EXPECT_EQ(rt["ns"][k].type, json::Value::NUL) << k << ": " << r.out;
	EXPECT_NE(r.err.find("did not all come back within 0.3 s"), std::string::npos) << r.err;
	/* The wait after the last send is the timeout, not more than a few times it. */
	EXPECT_GE(wall, 300000000u);
	EXPECT_FALSE(xdp_on_b());
}

/* Another program on the interface: refused before anything is sent, and it stays. */
TEST_F(E2ERtt, RefusedWhenTheInterfaceHasAProgram)
{
	Result a = ip({ "-n", t->ns_b, "link", "set", "dev", t->if_b, "xdpdrv", "obj", XTE_PASS_OBJ,
			"sec", "xdp" });
	ASSERT_EQ(a.rc, 0) << a.err;
	Result r = gen({ "-c", "10" });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_NE(r.err.find("already has XDP program"), std::string::npos) << r.err;
	EXPECT_EQ(r.err.find("sending"), std::string::npos) << r.err;
	EXPECT_TRUE(xdp_on_b()) << "the other program must stay";
	Result u = gen({ "--engine", "xdp", "-c", "10" });
	EXPECT_EQ(u.rc, 2) << u.err;
	EXPECT_NE(u.err.find("--rtt needs --engine xsk"), std::string::npos) << u.err;
}

} // namespace
