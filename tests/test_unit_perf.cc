// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The performance options of `run` (--busy-poll [N], --cpus, --poll,
// --action fwd) as the shared option macros parse them; no privileges.
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "options.h"
#include "perf.h"

namespace {

struct Parsed {
	int ret;
	struct run_opts o;
	std::string err;
};

Parsed parse(std::vector<std::string> args)
{
	std::vector<std::string> strs = { "run" };
	std::vector<char *> argv;
	char err[512] = "";
	Parsed p;

	strs.insert(strs.end(), args.begin(), args.end());
	/* run_opts keeps pointers into argv: these live as long as this call. */
	static std::vector<std::vector<std::string>> keep;
	keep.push_back(strs);
	for (auto &s : keep.back())
		argv.push_back(&s[0]);
	argv.push_back(nullptr);
	p.ret = run_opts_parse(argv.size() - 1, argv.data(), &p.o, err, sizeof(err));
	p.err = err;
	return p;
}

TEST(PerfOpts, DefaultsUnpinnedSpinNoBusyPoll)
{
	Parsed p = parse({ "eth0" });
	ASSERT_EQ(p.ret, 0) << p.err;
	EXPECT_FALSE(p.o.perf.busy_poll);
	EXPECT_FALSE(p.o.perf.poll);
	EXPECT_EQ(p.o.perf.nr_cpus, 0u);
	EXPECT_STREQ(p.o.action, "count");
}

TEST(PerfOpts, BusyPollBudgetOptionalAsNextWordOrAfterEquals)
{
	Parsed a = parse({ "--busy-poll", "eth0" });
	ASSERT_EQ(a.ret, 0) << a.err;
	EXPECT_TRUE(a.o.perf.busy_poll);
	EXPECT_EQ(a.o.perf.busy_budget, 64u);	/* --batch's default */
	EXPECT_STREQ(a.o.ifname, "eth0");

	Parsed b = parse({ "eth0", "--busy-poll", "16", "-d", "1" });
	ASSERT_EQ(b.ret, 0) << b.err;
	EXPECT_EQ(b.o.perf.busy_budget, 16u);
	EXPECT_STREQ(b.o.ifname, "eth0");
	EXPECT_EQ(b.o.duration, 1.0);

	Parsed c = parse({ "--busy-poll=200", "eth0" });
	ASSERT_EQ(c.ret, 0) << c.err;
	EXPECT_EQ(c.o.perf.busy_budget, 200u);

	Parsed d = parse({ "--batch", "32", "--busy-poll", "eth0" });
	ASSERT_EQ(d.ret, 0) << d.err;
	EXPECT_EQ(d.o.perf.busy_budget, 32u);
}

TEST(PerfOpts, BadBusyPollBudgetAndPollTogetherRefused)
{
	for (auto *v : { "0", "65536", "1x" }) {
		Parsed p = parse({ std::string("--busy-poll=") + v, "eth0" });
		EXPECT_EQ(p.ret, -1) << v;
		EXPECT_NE(p.err.find("invalid --busy-poll budget"), std::string::npos) << p.err;
	}
	Parsed p = parse({ "--busy-poll", "--poll", "eth0" });
	EXPECT_EQ(p.ret, -1);
	EXPECT_NE(p.err.find("exclude each other"), std::string::npos) << p.err;
}

TEST(PerfOpts, CpusKeepTheOrderGiven)
{
	Parsed p = parse({ "--cpus", "3,1,4-6,0", "eth0" });
	ASSERT_EQ(p.ret, 0) << p.err;
	std::vector<__u32> want = { 3, 1, 4, 5, 6, 0 };
	ASSERT_EQ(p.o.perf.nr_cpus, want.size());
	for (size_t i = 0; i < want.size(); i++)
		EXPECT_EQ(p.o.perf.cpus[i], want[i]) << i;
}

TEST(PerfOpts, BadCpuListsRefusedNamingTheCause)
{
	struct {
		const char *list, *why;
	} bad[] = {
		{ "", "expected a list" },
		{ "1,1", "given twice" },
		{ "0-2,2", "given twice" },
		{ "3-1", "backwards" },
		{ "x", "CPUs are numbers" },
		{ "256", "CPUs are numbers" },
	};
	for (auto &b : bad) {
		Parsed p = parse({ "--cpus", b.list, "eth0" });
		EXPECT_EQ(p.ret, -1) << b.list;
		EXPECT_NE(p.err.find(b.why), std::string::npos) << b.list << ": " << p.err;
	}
}

TEST(PerfOpts, CpuCountMustMatchTheQueues)
{
	struct xskmap_perf_opts p = {};
	char err[256];

	EXPECT_EQ(perf_check_cpus(&p, 4, err, sizeof(err)), 0);	/* unpinned */
	p.nr_cpus = 2;
	p.cpus[0] = 0;
	p.cpus[1] = 1;
	EXPECT_EQ(perf_check_cpus(&p, 3, err, sizeof(err)), -1);
	EXPECT_NE(std::string(err).find("2 CPUs for 3 queues"), std::string::npos) << err;
	p.nr_cpus = 1;
	p.cpus[0] = 255;	/* no machine here has 256 CPUs online */
	EXPECT_EQ(perf_check_cpus(&p, 1, err, sizeof(err)), -1);
	EXPECT_NE(std::string(err).find("CPU 255 is not online"), std::string::npos) << err;
}

TEST(PerfOpts, ActionFwdAndItsConflicts)
{
	Parsed p = parse({ "--action", "fwd", "eth0" });
	ASSERT_EQ(p.ret, 0) << p.err;
	EXPECT_STREQ(p.o.action, "fwd");
	Parsed w = parse({ "--action", "fwd", "-w", "x.pcap", "eth0" });
	EXPECT_EQ(w.ret, -1);
	EXPECT_NE(w.err.find("--action fwd writes no capture"), std::string::npos) << w.err;
	Parsed u = parse({ "--action", "bounce", "eth0" });
	EXPECT_NE(u.err.find("use count, drop or fwd"), std::string::npos) << u.err;
}

} // namespace
