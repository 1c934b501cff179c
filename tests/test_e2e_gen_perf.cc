// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap gen`'s performance options (--busy-poll, --poll, --batch, --cpus)
// end to end: gen runs on A's end of a veth pair in namespaces the test
// makes, and what reaches B's end is read by the test's own AF_PACKET
// socket (WireCapture, never xskmap) and checked by tests/gen_check.h.
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "gen_check.h"
#include "json_reader.h"
#include "netns.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif

using namespace xt;

namespace {

class E2EGenPerf : public TopologyTest {
protected:
	std::vector<std::string> argv_of(const std::vector<std::string> &args) const
	{
		return ns_cmd(t->ns_a, XSKMAP_BIN, "gen", args, t->if_a);
	}

	Result gen(const std::vector<std::string> &args, milliseconds timeout = milliseconds(30000))
	{
		return run(argv_of(args), timeout);
	}

	/*
	 * gen -c n with extra: exit 0, exactly n frames on B's end, each valid
	 * and in sequence 0..n-1 (one queue), and the summary says n sent.
	 * The JSON summary into *v.
	 */
	void exactly_n(const std::vector<std::string> &extra, unsigned n, json::Value *v,
		       std::string *err_out = nullptr)
	{
		WireCapture cap(t->ns_b, t->if_b);
		ASSERT_TRUE(cap.ok()) << cap.error();
		std::vector<std::string> a = extra;

		a.insert(a.end(), { "-c", std::to_string(n), "--json" });
		Result r = gen(a);
		ASSERT_EQ(r.rc, 0) << r.err;
		std::string err;
		ASSERT_TRUE(json::parse_strict(r.out, *v, err)) << err << "\n" << r.out;
		std::vector<Bytes> wire = cap.settle();
		size_t ours = 0, bad = 0;
		std::string why;

		for (auto &f : wire) {
			gencheck::Frame p = gencheck::parse(f);

			if (!p.ok) {
				bad++;
				why = p.why + ": " + hexdump(f);
				continue;
			}
			EXPECT_EQ(p.seq, ours) << "frame " << ours << " out of sequence";
			if (p.seq != ours)
				break;
			ours++;
		}
		EXPECT_EQ(bad, 0u) << why;
		EXPECT_EQ(ours, n) << r.err;
		EXPECT_EQ(wire.size(), (size_t)n) << r.err;
		EXPECT_EQ((*v)["frames"].u64(), n) << r.out;
		EXPECT_EQ((*v)["not_sent"].u64(), 0u) << r.out;
		EXPECT_EQ((*v)["dropped"].u64(), 0u) << r.out;
		if (err_out)
			*err_out = r.err;
	}
};

/* --busy-poll: the sockets get the options, the start says what the interface needs. */
TEST_F(E2EGenPerf, BusyPollPutsExactlyNOnTheWire)
{
	json::Value v;
	std::string err;

	exactly_n({ "--busy-poll", "16" }, 3000, &v, &err);
	EXPECT_TRUE(has(err, "busy polling, budget 16"));
	EXPECT_TRUE(has(err, "/sys/class/net/" + t->if_a + "/napi_defer_hard_irqs"));
	/* Busy polling never sleeps: every wakeup is a sendto(), at least one a batch. */
	EXPECT_EQ(v["queues"][0]["poll"].u64(), 0u) << err;
	EXPECT_GE(v["queues"][0]["sendto"].u64(), 3000u / 64) << err;
}

/* The budget defaults to --batch, as on run. */
TEST_F(E2EGenPerf, BusyPollBudgetDefaultsToTheBatch)
{
	json::Value v;
	std::string err;

	exactly_n({ "--busy-poll", "--batch", "32" }, 1000, &v, &err);
	EXPECT_TRUE(has(err, "busy polling, budget 32"));
}

/* --poll: poll() before each batch, the kicks still sendto(). */
TEST_F(E2EGenPerf, PollPutsExactlyNOnTheWire)
{
	json::Value v;
	std::string err;

	exactly_n({ "--poll" }, 3000, &v, &err);
	EXPECT_TRUE(has(err, "--poll"));
	const json::Value &q = v["queues"][0];
	EXPECT_GE(q["poll"].u64(), 1u) << err;
	EXPECT_GE(q["sendto"].u64(), 1u) << err;
	EXPECT_EQ(q["wakeups"].u64(), q["poll"].u64() + q["sendto"].u64());
	EXPECT_EQ(v["wakeups"].u64(), q["wakeups"].u64());
}

/* --batch 1: one frame a batch, so at least one kick a frame (copy mode kicks every batch). */
TEST_F(E2EGenPerf, BatchOnePutsExactlyNOnTheWire)
{
	json::Value v;
	std::string err;

	exactly_n({ "--batch", "1" }, 500, &v, &err);
	EXPECT_TRUE(has(err, "batch 1"));
	EXPECT_GE(v["queues"][0]["sendto"].u64(), 500u) << err;
}

/*
 * --batch 256: many frames a kick (256 where the kernel has
 * XDP_MAX_TX_SKB_BUDGET, 32 a kick before it): at least 8 on average.
 */
TEST_F(E2EGenPerf, LargeBatchPutsExactlyNOnTheWireWithFewKicks)
{
	json::Value v;
	std::string err;

	exactly_n({ "--batch", "256" }, 8000, &v, &err);
	EXPECT_TRUE(has(err, "batch 256"));
	EXPECT_TRUE(has(err, "copy-mode TX")) << "the start names the TX budget";
	uint64_t kicks = v["queues"][0]["sendto"].u64();
	EXPECT_GE(kicks, 8000u / 256) << err;
	EXPECT_LE(kicks * 8, 8000u) << err;
}

/* The xdp engine takes --batch as BPF_PROG_RUN's batch_size. */
TEST_F(E2EGenPerf, XdpEngineBatchPutsExactlyNOnTheWire)
{
	json::Value v;

	pass_on_b();
	exactly_n({ "--engine", "xdp", "--batch", "8" }, 2000, &v);
	EXPECT_EQ(v["engine"].str, "xdp");
}

/* --cpus pins each queue's thread, in queue order; the main thread stays unpinned. */
TEST_F(E2EGenPerf, CpusPinsEachQueueThreadInOrder)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nq = online >= 2 ? 2 : 1;

	t = std::make_unique<Topology>(nq);
	ASSERT_TRUE(t->ok()) << t->error();
	Proc p;
	ASSERT_TRUE(p.start(argv_of({ "-q", nq == 2 ? "0-1" : "0", "--cpus", nq == 2 ? "1,0" : "0",
				      "--rate", "1000", "-d", "20" }),
			    "gen"));
	ASSERT_TRUE(p.wait_stderr("Ctrl-C stops", milliseconds(10000))) << p.err();
	EXPECT_TRUE(has(p.err(), nq == 2 ? "queue 0 on CPU 1, queue 1 on CPU 0" : "queue 0 on CPU 0"));
	auto th = task_cpus(p.pid());
	ASSERT_EQ(th.size(), 1 + nq) << p.err();
	EXPECT_EQ(th[1].second, nq == 2 ? "1" : "0");
	if (nq == 2) {
		EXPECT_EQ(th[2].second, "0");
	}
	if (online >= 2) {
		EXPECT_NE(th[0].second, th[1].second) << "the main thread is not pinned";
	}
	p.signal(SIGINT);
	EXPECT_EQ(p.wait_exit(milliseconds(5000)), 0) << p.err();
}

/* Unpinned by default, and the start says so. */
TEST_F(E2EGenPerf, UnpinnedByDefaultAndSaysSo)
{
	Proc p;
	ASSERT_TRUE(p.start(argv_of({ "--rate", "1000", "-d", "20" }), "gen"));
	ASSERT_TRUE(p.wait_stderr("Ctrl-C stops", milliseconds(10000))) << p.err();
	EXPECT_TRUE(has(p.err(), "workers unpinned"));
	auto th = task_cpus(p.pid());
	ASSERT_EQ(th.size(), 2u) << p.err();
	EXPECT_EQ(th[1].second, th[0].second) << "the sending thread keeps the process's CPUs";
	p.signal(SIGINT);
	EXPECT_EQ(p.wait_exit(milliseconds(5000)), 0) << p.err();
}

/* The xdp engine: one thread per CPU listed, each on its CPU. */
TEST_F(E2EGenPerf, XdpEngineCpusPinsItsThread)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	std::string cpu = online >= 2 ? "1" : "0";

	pass_on_b();
	Proc p;
	ASSERT_TRUE(p.start(argv_of({ "--engine", "xdp", "--cpus", cpu, "--rate", "1000", "-d", "20" }),
			    "gen"));
	ASSERT_TRUE(p.wait_stderr("Ctrl-C stops", milliseconds(10000))) << p.err();
	auto th = task_cpus(p.pid());
	ASSERT_EQ(th.size(), 2u) << p.err();
	EXPECT_EQ(th[1].second, cpu);
	p.signal(SIGINT);
	EXPECT_EQ(p.wait_exit(milliseconds(5000)), 0) << p.err();
}

/* Bad values: exit 2, one line naming the option and the fix, nothing sent. */
TEST_F(E2EGenPerf, BadValuesRefusedWithExitCodeAndMessage)
{
	const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
		{ { "--batch", "0" }, "invalid --batch '0': use 1 to 256" },
		{ { "--batch", "257" }, "invalid --batch '257': use 1 to 256" },
		{ { "--batch", "x" }, "invalid --batch 'x'" },
		{ { "--busy-poll=0" }, "invalid --busy-poll budget '0': use 1 to 65535" },
		{ { "--busy-poll", "--poll" }, "--busy-poll and --poll exclude each other" },
		{ { "--engine", "xdp", "--busy-poll" }, "--busy-poll is for --engine xsk" },
		{ { "--engine", "xdp", "--poll" }, "--poll is for --engine xsk" },
		{ { "--cpus", "0,0" }, "CPU 0 is given twice" },
		{ { "--cpus", "0-1" }, "--cpus gives 2 CPUs for 1 queue: give one CPU per queue" },
		{ { "--cpus", "300" }, "invalid --cpus '300': CPUs are numbers 0-255" },
		{ { "--cpus", "255" }, "--cpus: CPU 255 is not online" },
		{ { "--cpus", "" }, "invalid --cpus ''" },
	};
	WireCapture cap(t->ns_b, t->if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();

	for (auto &c : cases) {
		std::vector<std::string> a = c.first;
		std::string line;

		for (auto &w : a)
			line += w + " ";
		a.insert(a.end(), { "-c", "10" });
		Result r = gen(a);
		EXPECT_EQ(r.rc, 2) << line << ": " << r.err;
		EXPECT_TRUE(has(r.err, "error: ")) << line;
		EXPECT_TRUE(has(r.err, c.second)) << line;
		EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << line << ": " << r.err;
	}
	EXPECT_EQ(cap.settle(milliseconds(200)).size(), 0u) << "a refused gen sent frames";
}

} // namespace
