// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap gen` on a veth pair whose ends are in namespaces the test makes:
// gen runs on A's end, and B's end is read by an AF_PACKET socket of the
// test (WireCapture, not xskmap) that keeps every frame. Each frame is checked by
// tests/gen_check.h's own parser and checksum.
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <map>
#include <set>
#include <string>
#include "gen_check.h"
#include "json_reader.h"
#include "netns.h"

using namespace xt;

namespace {

class E2EGen : public TopologyTest {
protected:
	Result gen(const std::vector<std::string> &args, milliseconds timeout = milliseconds(30000))
	{
		return run(ns_cmd(t->ns_a, XSKMAP_BIN, "gen", args, t->if_a), timeout);
	}

	/* The generated frames among what B received (nothing else should come). */
	static std::vector<gencheck::Frame> ours(const std::vector<Bytes> &frames, size_t *bad,
						 std::string *why)
	{
		std::vector<gencheck::Frame> out;

		*bad = 0;
		for (auto &f : frames) {
			gencheck::Frame r = gencheck::parse(f);

			if (r.ok) {
				out.push_back(r);
			} else {
				(*bad)++;
				*why = r.why + ": " + hexdump(f);
			}
		}
		return out;
	}

	void exact_count(const std::vector<std::string> &args, unsigned n, bool v6, bool vlan,
			 size_t size)
	{
		WireCapture cap(t->ns_b, t->if_b);
		ASSERT_TRUE(cap.ok()) << cap.error();
		std::vector<std::string> a = args;

		a.push_back("-c");
		a.push_back(std::to_string(n));
		Result r = gen(a);
		ASSERT_EQ(r.rc, 0) << r.err;
		size_t bad;
		std::string why;
		auto got = ours(cap.settle(), &bad, &why);

		EXPECT_EQ(bad, 0u) << why;
		ASSERT_EQ(got.size(), n) << r.err;
		for (unsigned i = 0; i < n; i++) {
			EXPECT_EQ(got[i].seq, i) << "frame " << i;
			EXPECT_EQ(got[i].v6, v6);
			EXPECT_EQ(got[i].vlan, vlan);
			EXPECT_EQ(got[i].len, size);
			if (got[i].seq != i || got[i].len != size)
				break;
		}
		/* The send time is the wall clock's, to within a minute. */
		EXPECT_LT(std::abs((long long)got[0].sec - (long long)time(nullptr)), 60);
		EXPECT_NE(r.err.find(std::to_string(n) + " frames"), std::string::npos) << r.err;
	}

	/* 20 kpps over 2 s: within 10% on the wire, and gen's own figure agrees. */
	void rate_case(const std::vector<std::string> &extra)
	{
		WireCapture cap(t->ns_b, t->if_b);
		ASSERT_TRUE(cap.ok()) << cap.error();
		std::vector<std::string> a = { "--rate", "20000", "-d", "2", "--json" };

		a.insert(a.end(), extra.begin(), extra.end());
		Result r = gen(a, milliseconds(30000));
		ASSERT_EQ(r.rc, 0) << r.err;
		json::Value v;
		std::string err;
		ASSERT_TRUE(json::parse_strict(r.out, v, err)) << err << r.out;
		double frames = v["frames"].num, secs = v["seconds"].num;
		size_t wire = cap.settle().size();

		EXPECT_NEAR(secs, 2.0, 0.5);
		EXPECT_NEAR(frames / secs, 20000, 2000) << r.out;
		EXPECT_NEAR((double)wire, frames, frames * 0.01) << r.out;
		EXPECT_NEAR(wire / 2.0, 20000, 2000) << r.out;
	}

	/* Unpaced and unbounded: SIGINT ends it within a second with its summary. */
	void sigint_case(const std::vector<std::string> &extra)
	{
		Proc p;
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", t->ns_a, XSKMAP_BIN,
						  "gen", "--json" };

		argv.insert(argv.end(), extra.begin(), extra.end());
		argv.push_back(t->if_a);
		ASSERT_TRUE(p.start(argv, "gen"));
		ASSERT_TRUE(p.wait_stderr("Ctrl-C stops", milliseconds(10000))) << p.err();
		std::this_thread::sleep_for(milliseconds(500));
		auto t0 = Clock::now();
		p.signal(SIGINT);
		int rc = p.wait_exit(milliseconds(3000));
		auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();

		EXPECT_EQ(rc, 0) << p.err();
		EXPECT_LT(took, 1000);
		json::Value v;
		std::string err;
		ASSERT_TRUE(json::parse_strict(p.out(), v, err)) << err << p.out();
		EXPECT_GT(v["frames"].num, 0);
	}
};

TEST_F(E2EGen, CountIpv4ExactlyNConsecutive)
{
	exact_count({}, 2000, false, false, 64);
}

TEST_F(E2EGen, CountIpv6ExactlyNConsecutive)
{
	exact_count({ "--src", "2001:db8::2", "--dst", "2001:db8::1" }, 2000, true, false, 78);
}

TEST_F(E2EGen, CountIpv4Vlan)
{
	exact_count({ "--vlan", "42" }, 1000, false, true, 64);
}

TEST_F(E2EGen, CountIpv6Vlan)
{
	exact_count({ "--vlan", "42", "--dst", "2001:db8::1", "-s", "100" }, 1000, true, true, 100);
}

TEST_F(E2EGen, Sizes60And1500)
{
	exact_count({ "-s", "60" }, 300, false, false, 60);
	t = std::make_unique<Topology>();
	ASSERT_TRUE(t->ok()) << t->error();
	exact_count({ "-s", "1514" }, 300, false, false, 1514);
	t = std::make_unique<Topology>();
	ASSERT_TRUE(t->ok()) << t->error();
	exact_count({ "-s", "1500", "--dst", "2001:db8::1" }, 300, true, false, 1500);
}

/* Addresses, MACs and ports as given; the source MAC by default the interface's. */
TEST_F(E2EGen, FieldsAsGiven)
{
	WireCapture cap(t->ns_b, t->if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();
	Result r = gen({ "-c", "10", "--src", "198.19.1.2", "--dst", "198.19.3.4", "--dport", "4789",
			 "--dst-mac", Topology::mac_str(t->mac_b) });
	ASSERT_EQ(r.rc, 0) << r.err;
	auto frames = cap.settle();
	ASSERT_EQ(frames.size(), 10u);
	for (auto &f : frames) {
		EXPECT_EQ(memcmp(f.data(), t->mac_b, 6), 0);
		EXPECT_EQ(memcmp(f.data() + 6, t->mac_a, 6), 0);
		EXPECT_EQ(hexdump(Bytes(f.begin() + 26, f.begin() + 34)),
			  hexdump(Bytes{ 198, 19, 1, 2, 198, 19, 3, 4 }));
		auto p = gencheck::parse(f);
		EXPECT_TRUE(p.ok) << p.why;
		EXPECT_EQ(p.dport, 4789);
		EXPECT_EQ(p.sport, 9);
	}
}

TEST_F(E2EGen, SizeRefusals)
{
	Result r = gen({ "-s", "59", "-c", "1" });
	EXPECT_EQ(r.rc, 2);
	EXPECT_NE(r.err.find("at least 60"), std::string::npos) << r.err;
	/* veth's MTU is 1500: 1514 bytes of frame. */
	r = gen({ "-s", "1515", "-c", "1" });
	EXPECT_EQ(r.rc, 2);
	EXPECT_NE(r.err.find("at most 1514"), std::string::npos) << r.err;
	r = gen({ "-s", "1515", "--vlan", "3", "-c", "1" });
	EXPECT_EQ(r.rc, 0) << r.err;
	ASSERT_EQ(ip({ "-n", t->ns_a, "link", "set", "dev", t->if_a, "mtu", "9000" }).rc, 0);
	/* Longer than a UMEM frame is multi-buffer, or its refusal: test_e2e_mbuf.cc. */
	r = gen({ "-s", "3521", "-c", "1", "--engine", "xdp" });
	EXPECT_EQ(r.rc, 2);
	EXPECT_NE(r.err.find("3520"), std::string::npos) << r.err;
	r = gen({ "--dst", "2001:db8::1", "-s", "64", "-c", "1" });
	EXPECT_EQ(r.rc, 2);
	EXPECT_NE(r.err.find("at least 78"), std::string::npos) << r.err;
}

TEST_F(E2EGen, SourcePortRangeSpreadsOverExactlyThoseFlows)
{
	WireCapture cap(t->ns_b, t->if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();
	Result r = gen({ "-c", "800", "--sport", "1000-1007" });
	ASSERT_EQ(r.rc, 0) << r.err;
	size_t bad;
	std::string why;
	auto got = ours(cap.settle(), &bad, &why);
	std::map<uint16_t, int> ports;

	EXPECT_EQ(bad, 0u) << why;
	ASSERT_EQ(got.size(), 800u);
	for (auto &f : got)
		ports[f.sport]++;
	ASSERT_EQ(ports.size(), 8u);
	EXPECT_EQ(ports.begin()->first, 1000);
	EXPECT_EQ(ports.rbegin()->first, 1007);
	for (auto &p : ports)
		EXPECT_EQ(p.second, 100) << "port " << p.first;
}

TEST_F(E2EGen, RateXskWithinTenPercent)
{
	rate_case({});
}

TEST_F(E2EGen, RateXdpWithinTenPercent)
{
	pass_on_b();
	rate_case({ "--engine", "xdp" });
}

TEST_F(E2EGen, XdpEngineExactlyNConsecutive)
{
	pass_on_b();
	exact_count({ "--engine", "xdp", "--sport", "7-9" }, 5000, false, false, 64);
}

TEST_F(E2EGen, XdpEngineIpv6Vlan)
{
	pass_on_b();
	exact_count({ "--engine", "xdp", "--vlan", "9", "--dst", "2001:db8::9" }, 1000, true, true, 82);
}

/* Two queues, each pinned: -c N is N in total, the sequence numbers 0..N-1 once each. */
TEST_F(E2EGen, TwoQueuesShareCountAndSequence)
{
	t = std::make_unique<Topology>(2);
	ASSERT_TRUE(t->ok()) << t->error();
	WireCapture cap(t->ns_b, t->if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();
	Result r = gen({ "-c", "3001", "-q", "0-1", "--cpus", "1,0", "--json" });
	ASSERT_EQ(r.rc, 0) << r.err;
	json::Value v;
	std::string err;
	ASSERT_TRUE(json::parse_strict(r.out, v, err)) << err << r.out;
	ASSERT_EQ(v["queues"].size(), 2u);
	EXPECT_EQ(v["queues"][0]["frames"].num + v["queues"][1]["frames"].num, 3001);
	EXPECT_EQ(v["queues"][0]["cpu"].num, 1);
	EXPECT_EQ(v["queues"][1]["cpu"].num, 0);
	size_t bad;
	auto got = ours(cap.settle(), &bad, &err);
	std::set<uint32_t> seqs;

	EXPECT_EQ(bad, 0u) << err;
	ASSERT_EQ(got.size(), 3001u);
	for (auto &f : got)
		seqs.insert(f.seq);
	EXPECT_EQ(seqs.size(), 3001u);
	EXPECT_EQ(*seqs.rbegin(), 3000u);
}

TEST_F(E2EGen, JsonSummaryPerQueue)
{
	Result r = gen({ "-c", "100", "--json", "-s", "128" });
	ASSERT_EQ(r.rc, 0) << r.err;
	json::Value v;
	std::string err;
	ASSERT_TRUE(json::parse_strict(r.out, v, err)) << err << r.out;
	EXPECT_EQ(v["frames"].num, 100);
	EXPECT_EQ(v["bytes"].num, 12800);
	EXPECT_EQ(v["not_sent"].num, 0);
	EXPECT_EQ(v["engine"].str, "xsk");
	ASSERT_EQ(v["queues"].size(), 1u);
	EXPECT_EQ(v["queues"][0]["queue"].num, 0);
	EXPECT_EQ(v["queues"][0]["frames"].num, 100);
}

TEST_F(E2EGen, SigintStopsWithinASecondXsk)
{
	sigint_case({});
}

TEST_F(E2EGen, SigintStopsWithinASecondXdp)
{
	pass_on_b();
	sigint_case({ "--engine", "xdp" });
}

TEST_F(E2EGen, UsageErrors)
{
	for (auto args : std::vector<std::vector<std::string>>{
		     { "--engine", "foo" },
		     { "--src", "198.18.0.1", "--dst", "2001:db8::1" },
		     { "--rate", "fast" },
		     { "-q", "5" },	/* one queue on this veth */
	     }) {
		Result r = gen(args);
		EXPECT_EQ(r.rc, 2) << args[0] << ": " << r.err;
		EXPECT_NE(r.err.find("error:"), std::string::npos) << r.err;
	}
	Result r = run({ ip_bin(), "netns", "exec", t->ns_a, XSKMAP_BIN, "gen", "-c", "1", "nosuchif0" });
	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

} // namespace
