// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// gen's performance options parsed through run's shared table entries
// (--busy-poll, --poll, --cpus, --batch), the kick answers a TX path
// retries, the errno names in messages, and gen's summary: no privileges.
#include <gtest/gtest.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "argv.h"
#include "gen_opts.h"
#include "json_reader.h"
#include "options.h"
#include "sock.h"
#include "stats.h"
#include "text.h"
#include "util.h"

namespace {

int gen_parse(std::vector<std::string> args, gen_opts *o, std::string *err)
{
	return xt::parse_cmd(gen_opts_parse, "gen", std::move(args), o, err);
}

int run_parse(std::vector<std::string> args, run_opts *o, std::string *err)
{
	return xt::parse_cmd(run_opts_parse, "run", std::move(args), o, err);
}

TEST(GenPerfOpts, DefaultsBatch64NothingElse)
{
	gen_opts o;
	std::string err;

	ASSERT_EQ(gen_parse({ "eth0" }, &o, &err), 0) << err;
	EXPECT_EQ(o.batch, 64u);
	EXPECT_FALSE(o.perf.busy_poll);
	EXPECT_FALSE(o.perf.poll);
	EXPECT_EQ(o.perf.nr_cpus, 0u);
}

TEST(GenPerfOpts, BusyPollBudgetGivenOrTheBatch)
{
	gen_opts o;
	std::string err;

	ASSERT_EQ(gen_parse({ "--busy-poll", "24", "eth0" }, &o, &err), 0) << err;
	EXPECT_TRUE(o.perf.busy_poll);
	EXPECT_EQ(o.perf.busy_budget, 24u);
	ASSERT_EQ(gen_parse({ "--batch", "128", "--busy-poll", "eth0" }, &o, &err), 0) << err;
	EXPECT_EQ(o.perf.busy_budget, 128u);
	EXPECT_EQ(o.batch, 128u);
	/* The budget is the next word only when it is a number. */
	ASSERT_EQ(gen_parse({ "--busy-poll", "eth0" }, &o, &err), 0) << err;
	EXPECT_STREQ(o.ifname, "eth0");
	EXPECT_EQ(o.perf.busy_budget, 64u);
}

TEST(GenPerfOpts, PollAndXdpBatch)
{
	gen_opts o;
	std::string err;

	ASSERT_EQ(gen_parse({ "--poll", "eth0" }, &o, &err), 0) << err;
	EXPECT_TRUE(o.perf.poll);
	ASSERT_EQ(gen_parse({ "--engine", "xdp", "--batch", "256", "--cpus", "0,1", "eth0" }, &o, &err),
		  0) << err;
	EXPECT_EQ(o.batch, 256u);
	EXPECT_EQ(o.perf.nr_cpus, 2u);
}

/* The same words as run's for the same mistakes: one parser. */
TEST(GenPerfOpts, RefusalsAreRunsWords)
{
	const std::vector<std::vector<std::string>> same = {
		{ "--batch", "0" }, { "--batch", "257" }, { "--busy-poll=0" },
		{ "--busy-poll=70000" }, { "--busy-poll", "--poll" }, { "--cpus", "1,1" },
		{ "--cpus", "256" }, { "--cpus", "3-1" }, { "--cpus", "" },
	};

	for (auto &args : same) {
		gen_opts g;
		run_opts r;
		std::string eg, er, line;
		std::vector<std::string> a = args;

		for (auto &w : args)
			line += w + " ";
		a.push_back("eth0");
		EXPECT_EQ(gen_parse(a, &g, &eg), -1) << line;
		EXPECT_EQ(run_parse(a, &r, &er), -1) << line;
		EXPECT_EQ(eg, er) << line;
		EXPECT_FALSE(eg.empty()) << line;
	}
}

TEST(GenPerfOpts, XdpEngineRefusesSocketOptions)
{
	gen_opts o;
	std::string err;

	EXPECT_EQ(gen_parse({ "--engine", "xdp", "--busy-poll", "eth0" }, &o, &err), -1);
	EXPECT_NE(err.find("--busy-poll is for --engine xsk"), std::string::npos) << err;
	EXPECT_EQ(gen_parse({ "--poll", "--engine", "xdp", "eth0" }, &o, &err), -1);
	EXPECT_NE(err.find("--poll is for --engine xsk"), std::string::npos) << err;
}

TEST(GenPerfOpts, CpusOnePerQueueForXskAnyForXdp)
{
	gen_opts o;
	std::string err;

	EXPECT_EQ(gen_parse({ "-q", "0-2", "--cpus", "0,1", "eth0" }, &o, &err), -1);
	EXPECT_EQ(err, "--cpus gives 2 CPUs for 3 queues: give one CPU per queue, in queue order");
	EXPECT_EQ(gen_parse({ "--engine", "xdp", "--cpus", "0-3", "eth0" }, &o, &err), 0) << err;
	EXPECT_EQ(o.perf.nr_cpus, 4u);
}

TEST(GenPerfOpts, HelpListsThem)
{
	gen_opts o;
	std::string err;
	char *buf = nullptr;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ASSERT_NE(f, nullptr);
	FILE *saved = stdout;

	stdout = f;
	EXPECT_EQ(gen_parse({ "--help" }, &o, &err), 1);
	stdout = saved;
	fclose(f);
	std::string help(buf, len);
	free(buf);
	for (const char *opt : { "--busy-poll [N]", "--poll", "--batch N", "--cpus LIST" })
		EXPECT_NE(help.find(opt), std::string::npos) << opt << " in:\n" << help;
}

TEST(KickAnswers, TransientOnesAreRetried)
{
	EXPECT_TRUE(xskmap_kick_transient(-EAGAIN));
	EXPECT_TRUE(xskmap_kick_transient(-EBUSY));
	EXPECT_TRUE(xskmap_kick_transient(-ENOBUFS));
	EXPECT_FALSE(xskmap_kick_transient(-ENETDOWN));
	EXPECT_FALSE(xskmap_kick_transient(-ENXIO));
	EXPECT_FALSE(xskmap_kick_transient(-EINVAL));
	EXPECT_FALSE(xskmap_kick_transient(0));
}

TEST(StrerrorNamed, MessageAndName)
{
	char buf[128];

	EXPECT_STREQ(strerror_named(ENETDOWN, buf, sizeof(buf)), "Network is down (ENETDOWN)");
	EXPECT_STREQ(strerror_named(ENXIO, buf, sizeof(buf)), "No such device or address (ENXIO)");
	EXPECT_NE(std::string(strerror_named(99999, buf, sizeof(buf))).find("99999"), std::string::npos);
}

std::string gen_summary(const gen_report &r, bool json)
{
	return xt::written_by([&](FILE *f) { report_gen(f, &r, json); });
}

/* Two queues: the totals are the sums, "wakeups" a number before "queues". */
TEST(ReportGen, JsonTotalsAndPerQueue)
{
	gen_queue_report q[2] = {};
	q[0] = { 0, 1, 1000, 5, 3, 0, 20, 4, 24 };
	q[1] = { 1, -1, 500, 0, 0, 1, 10, 0, 10 };
	gen_report r = {};
	r.ifname = "eth0";
	r.xsk = true;
	r.size = 64;
	r.seconds = 2;
	r.not_sent = 8;
	r.why = "dropped by the kernel before the wire (sendto: EBUSY)";
	r.nr_queues = 2;
	r.queues = q;
	std::string s = gen_summary(r, true), err;
	xt::json::Value v;

	ASSERT_TRUE(xt::json::parse_strict(s, v, err)) << err << s;
	EXPECT_EQ(v["frames"].u64(), 1500u);
	EXPECT_EQ(v["bytes"].u64(), 1500u * 64);
	EXPECT_EQ(v["dropped"].u64(), 3u);
	EXPECT_EQ(v["not_completed"].u64(), 5u);
	EXPECT_EQ(v["tx_invalid_descs"].u64(), 1u);
	EXPECT_EQ(v["wakeups"].u64(), 34u);
	EXPECT_EQ(v["not_sent"].u64(), 8u);
	EXPECT_EQ(v["not_sent_reason"].str, r.why);
	EXPECT_DOUBLE_EQ(v["pps"].num, 750);
	EXPECT_LT(s.find("\"wakeups\""), s.find("\"queues\""));
	ASSERT_EQ(v["queues"].size(), 2u);
	EXPECT_EQ(v["queues"][0]["cpu"].u64(), 1u);
	EXPECT_EQ(v["queues"][1]["cpu"].type, xt::json::Value::NUL);
	EXPECT_EQ(v["queues"][0]["sendto"].u64(), 20u);
	EXPECT_EQ(v["queues"][0]["poll"].u64(), 4u);
	EXPECT_EQ(v["queues"][1]["queue"].u64(), 1u);
	std::string text = gen_summary(r, false);
	EXPECT_NE(text.find("1500 frames"), std::string::npos) << text;
	EXPECT_NE(text.find("not sent: 8 (dropped by the kernel"), std::string::npos) << text;
	EXPECT_NE(text.find("sendto 30, poll 4"), std::string::npos) << text;
}

/* The xdp engine: no queue, "prog_runs" per CPU. */
TEST(ReportGen, XdpHasProgRunsAndNoQueue)
{
	gen_queue_report q = { 0, 3, 100, 0, 0, 0, 0, 0, 2 };
	gen_report r = {};
	r.ifname = "eth0";
	r.size = 64;
	r.seconds = 1;
	r.nr_queues = 1;
	r.queues = &q;
	std::string s = gen_summary(r, true), err;
	xt::json::Value v;

	ASSERT_TRUE(xt::json::parse_strict(s, v, err)) << err << s;
	EXPECT_EQ(v["engine"].str, "xdp");
	EXPECT_FALSE(v["queues"][0].has("queue"));
	EXPECT_EQ(v["queues"][0]["prog_runs"].u64(), 2u);
	EXPECT_EQ(v["not_sent_reason"].type, xt::json::Value::NUL);
}

} // namespace
