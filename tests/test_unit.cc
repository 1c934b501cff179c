// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Layer 1: the userspace pieces that need no privileges and no kernel
// objects: option parsing, the shared --count budget, the per-CPU sum and
// the JSON summary.
#include <gtest/gtest.h>

#include <linux/bpf.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>

#include "cls_maps.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostmem.h"
#include "iface.h"
#include "json_reader.h"
#include "options.h"
#include "pcap_out.h"
#include "ruleset.h"
#include "worker.h"
#include "stats.h"
#include "text.h"

namespace {

// argv for run_opts_parse: argv[0] is "run" as in `xskmap run ...`. The
// strings stay alive as long as the object, because run_opts keeps
// pointers into argv (ifname, pcap_path).
class Args {
public:
	Args(std::initializer_list<const char *> args)
		: Args(std::vector<std::string>(args.begin(), args.end()))
	{
	}
	explicit Args(const std::vector<std::string> &args)
	{
		strs_.emplace_back("run");
		for (const auto &a : args)
			strs_.emplace_back(a);
		for (auto &s : strs_)
			argv_.push_back(&s[0]);
		argv_.push_back(nullptr);
	}
	int argc() const { return strs_.size(); }
	char **argv() { return argv_.data(); }
	std::string str() const
	{
		std::string s;
		for (auto &a : strs_)
			s += (s.empty() ? "" : " ") + a;
		return s;
	}

private:
	std::vector<std::string> strs_;
	std::vector<char *> argv_;
};

struct Parsed {
	int ret;
	struct run_opts o;
	std::string err;
};

// Keeps Args alive next to the result (run_opts points into it).
struct ParseCase {
	Args args;
	Parsed p;
	explicit ParseCase(std::initializer_list<const char *> a) : args(a)
	{
		char err[256];

		/* Poison: a message left from nothing must not pass for one. */
		memset(err, 0, sizeof(err));
		memset(&p.o, 0xa5, sizeof(p.o));
		p.ret = run_opts_parse(args.argc(), args.argv(), &p.o, err, sizeof(err));
		p.err = err;
	}
};

// ---------------------------------------------------------------- defaults

TEST(RunOpts, DefaultsMatchRunOptsDefault)
{
	ParseCase c({ "eth0" });
	struct run_opts d;

	ASSERT_EQ(c.p.ret, 0) << c.p.err;
	run_opts_default(&d);
	d.ifname = c.p.o.ifname;
	/* Field by field, so a failure says which default is off. */
	EXPECT_STREQ(c.p.o.ifname, "eth0");
	EXPECT_EQ(c.p.o.mode, ATTACH_AUTO);
	EXPECT_TRUE(c.p.o.all_queues);
	EXPECT_EQ(c.p.o.nr_queues, 0u);
	EXPECT_EQ(c.p.o.match, XSK_MATCH_ALL);
	EXPECT_FALSE(c.p.o.fixed);
	EXPECT_EQ(c.p.o.fallback, (__u32)XDP_PASS);
	EXPECT_EQ(c.p.o.pcap_path, nullptr);
	EXPECT_EQ(c.p.o.count, 0u);
	EXPECT_EQ(c.p.o.duration, 0.0);
	EXPECT_EQ(c.p.o.interval, 0.0);
	EXPECT_FALSE(c.p.o.json);
	/* The sizes --help documents as defaults. */
	EXPECT_EQ(c.p.o.frames, 4096u);
	EXPECT_EQ(c.p.o.frame_size, 4096u);
	EXPECT_EQ(c.p.o.ring_size, 2048u);
	EXPECT_EQ(c.p.o.batch, 64u);
	EXPECT_EQ(c.p.o.bind, BIND_AUTO);
	EXPECT_TRUE(c.p.o.need_wakeup);
	EXPECT_FALSE(c.p.o.force);
	EXPECT_EQ(c.p.o.verbose, 0);
	/* And nothing else: the poison must be gone from every byte. */
	EXPECT_EQ(memcmp(&c.p.o, &d, sizeof(d)), 0);
}

TEST(RunOpts, DefaultsAreConsistent)
{
	struct run_opts d;

	run_opts_default(&d);
	/* The defaults must pass the parser's own cross-checks. */
	EXPECT_LE(d.ring_size, d.frames);
	EXPECT_LE(d.batch, d.ring_size);
	EXPECT_LE(d.batch, (__u32)XSKMAP_MAX_BATCH);
}

// A second parse must not inherit anything from the first (getopt state,
// options left set).
TEST(RunOpts, ParsesTwiceFromScratch)
{
	ParseCase a({ "-c", "5", "--match", "udp", "-q", "1-3", "-v", "eth0" });
	ASSERT_EQ(a.p.ret, 0) << a.p.err;
	ParseCase b({ "eth1" });
	ASSERT_EQ(b.p.ret, 0) << b.p.err;
	EXPECT_EQ(b.p.o.count, 0u);
	EXPECT_EQ(b.p.o.match, XSK_MATCH_ALL);
	EXPECT_TRUE(b.p.o.all_queues);
	EXPECT_EQ(b.p.o.verbose, 0);
	EXPECT_STREQ(b.p.o.ifname, "eth1");
}

// ----------------------------------------------------------- every option

struct OptCase {
	const char *name;
	std::vector<const char *> args;		/* IFNAME "eth0" is appended */
	std::function<void(const struct run_opts &)> check;
};

void PrintTo(const OptCase &c, std::ostream *os) { *os << c.name; }

class RunOptsEach : public ::testing::TestWithParam<OptCase> {};

TEST_P(RunOptsEach, Parses)
{
	const OptCase &oc = GetParam();
	std::vector<std::string> v(oc.args.begin(), oc.args.end());
	struct run_opts o;
	char err[256] = "";
	std::vector<char *> argv;
	std::string run = "run", ifname = "eth0";

	v.push_back(ifname);
	argv.push_back(&run[0]);
	for (auto &s : v)
		argv.push_back(&s[0]);
	argv.push_back(nullptr);
	int ret = run_opts_parse(argv.size() - 1, argv.data(), &o, err, sizeof(err));
	ASSERT_EQ(ret, 0) << oc.name << ": " << err;
	EXPECT_STREQ(o.ifname, "eth0");
	oc.check(o);
}

const OptCase opt_cases[] = {
	{ "mode_long_native", { "--mode", "native" }, [](auto &o) { EXPECT_EQ(o.mode, ATTACH_NATIVE); } },
	{ "mode_short_native", { "-m", "native" }, [](auto &o) { EXPECT_EQ(o.mode, ATTACH_NATIVE); } },
	{ "mode_drv_alias", { "-m", "drv" }, [](auto &o) { EXPECT_EQ(o.mode, ATTACH_NATIVE); } },
	{ "mode_skb", { "--mode", "skb" }, [](auto &o) { EXPECT_EQ(o.mode, ATTACH_SKB); } },
	{ "mode_generic_alias", { "-m", "generic" }, [](auto &o) { EXPECT_EQ(o.mode, ATTACH_SKB); } },
	{ "mode_auto_after_skb", { "-m", "skb", "-m", "auto" }, [](auto &o) { EXPECT_EQ(o.mode, ATTACH_AUTO); } },
	{ "mode_equals_form", { "--mode=skb" }, [](auto &o) { EXPECT_EQ(o.mode, ATTACH_SKB); } },
	{ "queues_long", { "--queues", "3,1" }, [](auto &o) {
		EXPECT_FALSE(o.all_queues);
		ASSERT_EQ(o.nr_queues, 2u);
		EXPECT_EQ(o.queues[0], 1u);
		EXPECT_EQ(o.queues[1], 3u);
	} },
	{ "queues_short", { "-q", "0-2" }, [](auto &o) {
		EXPECT_FALSE(o.all_queues);
		ASSERT_EQ(o.nr_queues, 3u);
		for (__u32 i = 0; i < 3; i++)
			EXPECT_EQ(o.queues[i], i);
	} },
	{ "queues_all_after_list", { "-q", "1", "-q", "all" }, [](auto &o) { EXPECT_TRUE(o.all_queues); } },
	{ "match_udp", { "--match", "udp" }, [](auto &o) { EXPECT_EQ(o.match, XSK_MATCH_UDP); } },
	{ "match_all", { "--match", "udp", "--match", "all" }, [](auto &o) { EXPECT_EQ(o.match, XSK_MATCH_ALL); } },
	{ "fallback_drop", { "--fallback", "drop" }, [](auto &o) { EXPECT_EQ(o.fallback, (__u32)XDP_DROP); } },
	{ "fallback_pass", { "--fallback", "drop", "--fallback", "pass" }, [](auto &o) { EXPECT_EQ(o.fallback, (__u32)XDP_PASS); } },
	{ "write_long", { "--write", "out.pcap" }, [](auto &o) { EXPECT_STREQ(o.pcap_path, "out.pcap"); } },
	{ "write_short", { "-w", "x.pcap" }, [](auto &o) { EXPECT_STREQ(o.pcap_path, "x.pcap"); } },
	{ "count_long", { "--count", "1000" }, [](auto &o) { EXPECT_EQ(o.count, 1000u); } },
	{ "count_short_one", { "-c", "1" }, [](auto &o) { EXPECT_EQ(o.count, 1u); } },
	{ "count_max", { "-c", "18446744073709551615" }, [](auto &o) { EXPECT_EQ(o.count, UINT64_MAX); } },
	{ "duration_long", { "--duration", "2.5" }, [](auto &o) { EXPECT_DOUBLE_EQ(o.duration, 2.5); } },
	{ "duration_short", { "-d", "10" }, [](auto &o) { EXPECT_DOUBLE_EQ(o.duration, 10.0); } },
	{ "interval_long", { "--interval", "0.25" }, [](auto &o) { EXPECT_DOUBLE_EQ(o.interval, 0.25); } },
	{ "interval_short", { "-i", "1" }, [](auto &o) { EXPECT_DOUBLE_EQ(o.interval, 1.0); } },
	{ "json", { "--json" }, [](auto &o) { EXPECT_TRUE(o.json); } },
	{ "action_drop", { "--action", "drop" }, [](auto &o) { EXPECT_STREQ(o.action, "drop"); } },
	{ "action_count_short", { "-a", "count" }, [](auto &o) { EXPECT_STREQ(o.action, "count"); } },
	{ "frames", { "--frames", "8192" }, [](auto &o) { EXPECT_EQ(o.frames, 8192u); } },
	{ "frames_min", { "--frames", "64", "--ring-size", "64" }, [](auto &o) {
		EXPECT_EQ(o.frames, 64u);
		EXPECT_EQ(o.ring_size, 64u);
	} },
	{ "frame_size_2048", { "--frame-size", "2048" }, [](auto &o) { EXPECT_EQ(o.frame_size, 2048u); } },
	{ "ring_size", { "--ring-size", "512" }, [](auto &o) { EXPECT_EQ(o.ring_size, 512u); } },
	{ "ring_equals_frames", { "--frames", "1024", "--ring-size", "1024" }, [](auto &o) { EXPECT_EQ(o.ring_size, o.frames); } },
	{ "batch", { "--batch", "256" }, [](auto &o) { EXPECT_EQ(o.batch, 256u); } },
	{ "batch_one", { "--batch", "1" }, [](auto &o) { EXPECT_EQ(o.batch, 1u); } },
	{ "batch_equals_ring", { "--frames", "64", "--ring-size", "64", "--batch", "64" }, [](auto &o) { EXPECT_EQ(o.batch, 64u); } },
	{ "copy", { "--copy" }, [](auto &o) { EXPECT_EQ(o.bind, BIND_COPY); } },
	{ "zero_copy", { "--zero-copy" }, [](auto &o) { EXPECT_EQ(o.bind, BIND_ZEROCOPY); } },
	{ "no_need_wakeup", { "--no-need-wakeup" }, [](auto &o) { EXPECT_FALSE(o.need_wakeup); } },
	{ "force", { "--force" }, [](auto &o) { EXPECT_TRUE(o.force); } },
	{ "verbose_long", { "--verbose" }, [](auto &o) { EXPECT_EQ(o.verbose, 1); } },
	{ "verbose_twice_clustered", { "-vv" }, [](auto &o) { EXPECT_EQ(o.verbose, 2); } },
	{ "verbose_three", { "-v", "--verbose", "-v" }, [](auto &o) { EXPECT_EQ(o.verbose, 3); } },
	{ "cluster_with_value", { "-vc7" }, [](auto &o) {
		EXPECT_EQ(o.verbose, 1);
		EXPECT_EQ(o.count, 7u);
	} },
	{ "fixed_no_q", { "--fixed-index", "5" }, [](auto &o) {
		/* -q defaults to queue 0 with --fixed-index, not to all queues. */
		EXPECT_TRUE(o.fixed);
		EXPECT_EQ(o.fixed_index, 5u);
		EXPECT_FALSE(o.all_queues);
		ASSERT_EQ(o.nr_queues, 1u);
		EXPECT_EQ(o.queues[0], 0u);
	} },
	{ "fixed_q_all", { "-q", "all", "--fixed-index", "0" }, [](auto &o) {
		EXPECT_TRUE(o.fixed);
		EXPECT_FALSE(o.all_queues);
		ASSERT_EQ(o.nr_queues, 1u);
		EXPECT_EQ(o.queues[0], 0u);
	} },
	{ "fixed_single_q", { "--fixed-index", "255", "-q", "3" }, [](auto &o) {
		EXPECT_EQ(o.fixed_index, 255u);
		ASSERT_EQ(o.nr_queues, 1u);
		EXPECT_EQ(o.queues[0], 3u);
	} },
	{ "fixed_q_dups_collapse", { "--fixed-index", "1", "-q", "2,2-2" }, [](auto &o) {
		ASSERT_EQ(o.nr_queues, 1u);
		EXPECT_EQ(o.queues[0], 2u);
	} },
};

INSTANTIATE_TEST_SUITE_P(Options, RunOptsEach, ::testing::ValuesIn(opt_cases),
			 [](const auto &info) { return std::string(info.param.name); });

// GNU getopt permutes: options after IFNAME still count.
TEST(RunOpts, OptionsAfterIfname)
{
	ParseCase c({ "eth0", "-c", "9", "--json" });

	ASSERT_EQ(c.p.ret, 0) << c.p.err;
	EXPECT_STREQ(c.p.o.ifname, "eth0");
	EXPECT_EQ(c.p.o.count, 9u);
	EXPECT_TRUE(c.p.o.json);
}

/* drop never reads the frames: a capture would be empty, so -w is refused. */
TEST(RunOpts, ActionDropRefusesWrite)
{
	ParseCase d({ "--action", "drop", "-w", "x.pcap", "eth0" });

	EXPECT_EQ(d.p.ret, -1);
	EXPECT_NE(d.p.err.find("--action drop writes no capture"), std::string::npos) << d.p.err;
	ParseCase c({ "--action", "count", "-w", "x.pcap", "eth0" });
	EXPECT_EQ(c.p.ret, 0) << c.p.err;
	ParseCase def({ "eth0" });
	ASSERT_EQ(def.p.ret, 0) << def.p.err;
	EXPECT_STREQ(def.p.o.action, "count");
}

TEST(RunOpts, DoubleDashEndsOptions)
{
	ParseCase c({ "-c", "2", "--", "-weird0" });

	ASSERT_EQ(c.p.ret, 0) << c.p.err;
	EXPECT_STREQ(c.p.o.ifname, "-weird0");
}

TEST(RunOpts, HelpReturnsOne)
{
	for (const char *h : { "--help", "-h" }) {
		testing::internal::CaptureStdout();
		ParseCase c({ h });
		std::string out = testing::internal::GetCapturedStdout();

		EXPECT_EQ(c.p.ret, 1) << h;
		EXPECT_NE(out.find("Usage: xskmap run"), std::string::npos) << h;
		/* Every long option the parser knows is documented. */
		for (const char *opt : { "--mode", "--queues", "--force", "--match", "--fixed-index",
					 "--fallback", "--write", "--count", "--duration", "--interval",
					 "--json", "--frames", "--frame-size", "--ring-size", "--batch",
					 "--copy", "--zero-copy", "--no-need-wakeup", "--verbose", "--help" })
			EXPECT_NE(out.find(opt), std::string::npos) << opt << " missing from --help";
	}
}

// Help wins even when the rest of the line is wrong: the user asked for it.
TEST(RunOpts, HelpWithoutIfname)
{
	testing::internal::CaptureStdout();
	ParseCase c({ "-c", "3", "-h" });
	testing::internal::GetCapturedStdout();
	EXPECT_EQ(c.p.ret, 1);
}

// ------------------------------------------------------- invalid values

struct BadValue {
	const char *opt;
	const char *value;
};

void PrintTo(const BadValue &b, std::ostream *os) { *os << b.opt << " '" << b.value << "'"; }

class RunOptsBad : public ::testing::TestWithParam<BadValue> {};

// Each bad value: -1, and the message names the option and the bad value.
TEST_P(RunOptsBad, RefusedNamingValue)
{
	const BadValue &b = GetParam();
	std::string opt = b.opt, val = b.value, ifn = "eth0", run = "run";
	char *argv[] = { &run[0], &opt[0], &val[0], &ifn[0], nullptr };
	struct run_opts o;
	char err[256] = "";

	ASSERT_EQ(run_opts_parse(4, argv, &o, err, sizeof(err)), -1) << b.opt << " " << b.value;
	EXPECT_NE(std::string(err).find("'" + std::string(b.value) + "'"), std::string::npos)
		<< "message does not quote the value: " << err;
	/* Short forms are reported by their long name. */
	std::string lname = b.opt;
	static const std::pair<const char *, const char *> longs[] = {
		{ "-m", "--mode" }, { "-q", "--queues" }, { "-w", "--write" },
		{ "-c", "--count" }, { "-d", "--duration" }, { "-i", "--interval" },
	};
	for (auto &l : longs)
		if (lname == l.first)
			lname = l.second;
	EXPECT_NE(std::string(err).find(lname), std::string::npos)
		<< "message does not name " << lname << ": " << err;
}

const BadValue bad_values[] = {
	{ "--mode", "fast" }, { "-m", "NATIVE" }, { "-m", "" },
	{ "--queues", "x" }, { "-q", "1,a" }, { "-q", "3-1" }, { "-q", "256" }, { "-q", "" },
	{ "--match", "tcp" }, { "--match", "UDP" },
	{ "--action", "fwd2" }, { "--action", "" }, { "--action", "DROP" },
	{ "--fixed-index", "-1" }, { "--fixed-index", "256" }, { "--fixed-index", "1x" }, { "--fixed-index", "" },
	{ "--fallback", "abort" }, { "--fallback", "redirect" },
	{ "--count", "0" }, { "-c", "-5" }, { "-c", "+5" }, { "-c", "5k" }, { "-c", "18446744073709551616" },
	{ "-c", " -1" }, { "-c", " 5" }, { "-c", "0x10" },
	{ "--duration", "0" }, { "-d", "-1" }, { "-d", "nan" }, { "-d", "inf" }, { "-d", "1e8" }, { "-d", "5s" },
	{ "--interval", "0" }, { "-i", "abc" }, { "-i", "" },
	{ "--frames", "100" }, { "--frames", "32" }, { "--frames", "2097152" }, { "--frames", "0" },
	{ "--frame-size", "1024" }, { "--frame-size", "3000" }, { "--frame-size", "8192" },
	{ "--ring-size", "100" }, { "--ring-size", "32" }, { "--ring-size", "2097152" },
	{ "--batch", "0" }, { "--batch", "257" }, { "--batch", "-1" },
};

INSTANTIATE_TEST_SUITE_P(Options, RunOptsBad, ::testing::ValuesIn(bad_values));

TEST(RunOpts, EmptyWriteRefused)
{
	ParseCase c({ "-w", "", "eth0" });

	EXPECT_EQ(c.p.ret, -1);
	EXPECT_NE(c.p.err.find("--write"), std::string::npos) << c.p.err;
}

TEST(RunOpts, CopyAndZeroCopyExclusive)
{
	for (auto order : { std::make_pair("--copy", "--zero-copy"), std::make_pair("--zero-copy", "--copy") }) {
		ParseCase c({ order.first, order.second, "eth0" });

		EXPECT_EQ(c.p.ret, -1) << order.first << " " << order.second;
		EXPECT_NE(c.p.err.find("--copy"), std::string::npos) << c.p.err;
		EXPECT_NE(c.p.err.find("--zero-copy"), std::string::npos) << c.p.err;
	}
}

TEST(RunOpts, RingLargerThanFramesRefused)
{
	ParseCase c({ "--frames", "64", "--ring-size", "128", "eth0" });

	EXPECT_EQ(c.p.ret, -1);
	EXPECT_NE(c.p.err.find("128"), std::string::npos) << c.p.err;
	EXPECT_NE(c.p.err.find("64"), std::string::npos) << c.p.err;
}

// The default ring (2048) does not fit a smaller --frames on its own.
TEST(RunOpts, DefaultRingLargerThanFramesRefused)
{
	ParseCase c({ "--frames", "1024", "eth0" });

	EXPECT_EQ(c.p.ret, -1);
	EXPECT_NE(c.p.err.find("--ring-size"), std::string::npos) << c.p.err;
}

TEST(RunOpts, BatchLargerThanRingRefused)
{
	ParseCase c({ "--frames", "64", "--ring-size", "64", "--batch", "65", "eth0" });

	EXPECT_EQ(c.p.ret, -1);
	EXPECT_NE(c.p.err.find("--batch 65"), std::string::npos) << c.p.err;
	EXPECT_NE(c.p.err.find("64"), std::string::npos) << c.p.err;
}

TEST(RunOpts, FixedIndexWithSeveralQueuesRefused)
{
	for (const char *q : { "0,1", "0-3" }) {
		ParseCase c({ "--fixed-index", "7", "-q", q, "eth0" });

		EXPECT_EQ(c.p.ret, -1) << q;
		EXPECT_NE(c.p.err.find("--fixed-index"), std::string::npos) << c.p.err;
		EXPECT_NE(c.p.err.find("-q"), std::string::npos) << c.p.err;
	}
}

TEST(RunOpts, MissingIfname)
{
	ParseCase c({ "-c", "3" });

	EXPECT_EQ(c.p.ret, -1);
	EXPECT_NE(c.p.err.find("no interface"), std::string::npos) << c.p.err;
}

TEST(RunOpts, NothingAtAll)
{
	ParseCase c({});

	EXPECT_EQ(c.p.ret, -1);
	EXPECT_NE(c.p.err.find("no interface"), std::string::npos) << c.p.err;
}

TEST(RunOpts, ExtraArgumentNamed)
{
	ParseCase c({ "eth0", "eth1" });

	EXPECT_EQ(c.p.ret, -1);
	EXPECT_NE(c.p.err.find("'eth1'"), std::string::npos) << c.p.err;
	EXPECT_NE(c.p.err.find("'eth0'"), std::string::npos) << c.p.err;
}

TEST(RunOpts, IfnameLength)
{
	ParseCase ok({ "abcdefghijklmno" });	/* 15: IFNAMSIZ - 1 */
	ParseCase bad({ "abcdefghijklmnop" });	/* 16 */
	ParseCase empty({ "" });

	EXPECT_EQ(ok.p.ret, 0) << ok.p.err;
	EXPECT_EQ(bad.p.ret, -1);
	EXPECT_NE(bad.p.err.find("abcdefghijklmnop"), std::string::npos) << bad.p.err;
	EXPECT_EQ(empty.p.ret, -1);
}

TEST(RunOpts, MissingValueNamesOption)
{
	for (const char *opt : { "--match", "--count", "-c", "-q", "--fixed-index", "--batch" }) {
		ParseCase c({ "eth0", opt });

		EXPECT_EQ(c.p.ret, -1) << opt;
		EXPECT_NE(c.p.err.find(std::string("'") + opt + "'"), std::string::npos)
			<< opt << ": " << c.p.err;
	}
}

TEST(RunOpts, UnknownOptionNamed)
{
	struct { const char *arg, *named; } cases[] = {
		{ "--bogus", "--bogus" },
		{ "--bogus=3", "--bogus" },
		{ "-x", "-x" },
		/* Unknown letter first in a cluster: getopt has not moved on yet. */
		{ "-xv", "-x" },
		{ "-vx", "x" },
	};

	for (auto &k : cases) {
		ParseCase c({ "--json", k.arg, "eth0" });

		EXPECT_EQ(c.p.ret, -1) << k.arg;
		EXPECT_NE(c.p.err.find(k.named), std::string::npos) << k.arg << ": " << c.p.err;
		EXPECT_EQ(c.p.err.find("--json"), std::string::npos) << k.arg << ": " << c.p.err;
	}
}

// ------------------------------------------------------ parse_queue_list

struct QList {
	int ret;
	bool all;
	std::vector<__u32> q;
	std::string err;
};

QList qlist(const char *s, __u32 max = XSKMAP_MAX_QUEUES)
{
	std::vector<__u32> out(max + 1, 0xdeadbeef);	/* one past max: overrun guard */
	QList r = { 0, false, {}, "" };
	char err[256] = "";
	__u32 n = 12345;

	r.all = false;
	r.ret = parse_queue_list(s, &r.all, out.data(), max, &n, err, sizeof(err));
	r.err = err;
	EXPECT_EQ(out[max], 0xdeadbeefu) << "wrote past max for '" << s << "'";
	if (!r.ret && !r.all)
		r.q.assign(out.begin(), out.begin() + n);
	if (!r.ret && r.all) {
		EXPECT_EQ(n, 0u);
	}
	return r;
}

TEST(QueueList, All)
{
	QList r = qlist("all");

	EXPECT_EQ(r.ret, 0);
	EXPECT_TRUE(r.all);
}

TEST(QueueList, SingleAndList)
{
	QList r = qlist("0");
	EXPECT_EQ(r.ret, 0);
	EXPECT_FALSE(r.all);
	EXPECT_EQ(r.q, (std::vector<__u32>{ 0 }));

	r = qlist("0,2,4-7");
	EXPECT_EQ(r.ret, 0);
	EXPECT_EQ(r.q, (std::vector<__u32>{ 0, 2, 4, 5, 6, 7 }));
}

TEST(QueueList, SortedAndUnique)
{
	QList r = qlist("7,3,3,1-4,2");

	EXPECT_EQ(r.ret, 0) << r.err;
	EXPECT_EQ(r.q, (std::vector<__u32>{ 1, 2, 3, 4, 7 }));
}

TEST(QueueList, RangeOfOne)
{
	QList r = qlist("5-5");

	EXPECT_EQ(r.ret, 0);
	EXPECT_EQ(r.q, (std::vector<__u32>{ 5 }));
}

TEST(QueueList, FullRangeEdges)
{
	QList r = qlist("0-255");

	ASSERT_EQ(r.ret, 0) << r.err;
	ASSERT_EQ(r.q.size(), 256u);
	for (__u32 i = 0; i < 256; i++)
		EXPECT_EQ(r.q[i], i);
}

// Duplicates are not queues: 256 distinct ones fit however often some repeat.
TEST(QueueList, DuplicatesDoNotCountAgainstMax)
{
	QList r = qlist("0-255,0,255");
	EXPECT_EQ(r.ret, 0) << r.err;
	EXPECT_EQ(r.q.size(), 256u);

	r = qlist("1,1,1,1,1,1", 4);
	EXPECT_EQ(r.ret, 0) << r.err;
	EXPECT_EQ(r.q, (std::vector<__u32>{ 1 }));
}

TEST(QueueList, MoreThanMax)
{
	QList r = qlist("0-4", 4);

	EXPECT_EQ(r.ret, -1);
	EXPECT_NE(r.err.find("'0-4'"), std::string::npos) << r.err;
	EXPECT_EQ(qlist("0-3", 4).ret, 0);
}

TEST(QueueList, Backwards)
{
	QList r = qlist("1,5-3");

	EXPECT_EQ(r.ret, -1);
	EXPECT_NE(r.err.find("'1,5-3'"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("backwards"), std::string::npos) << r.err;
}

TEST(QueueList, OutOfRange)
{
	for (const char *s : { "256", "0-256", "1,300", "99999999999999999999" }) {
		QList r = qlist(s);

		EXPECT_EQ(r.ret, -1) << s;
		EXPECT_NE(r.err.find(std::string("'") + s + "'"), std::string::npos) << r.err;
	}
	EXPECT_EQ(qlist("255").ret, 0);
}

TEST(QueueList, Junk)
{
	for (const char *s : { "", ",", "a", "1,a", "1-", "-1", "1-2-3", "0x1", "1.5", "+1",
			       " 1", "1 ", "ALL", "all,1", "1-a", "--" }) {
		QList r = qlist(s);

		EXPECT_EQ(r.ret, -1) << "'" << s << "' accepted";
		EXPECT_NE(r.err.find(std::string("'") + s + "'"), std::string::npos)
			<< "'" << s << "': " << r.err;
	}
}

TEST(QueueList, TooLongInputRefused)
{
	std::string s;

	while (s.size() < 2000)
		s += "1,";
	s += "1";
	QList r = qlist(s.c_str());
	EXPECT_EQ(r.ret, -1);
	EXPECT_FALSE(r.err.empty());
}

// ----------------------------------------------------- parse_u64/seconds

TEST(ParseU64, Bounds)
{
	__u64 v = 0;

	EXPECT_EQ(parse_u64("5", 5, 5, &v), 0);
	EXPECT_EQ(v, 5u);
	EXPECT_EQ(parse_u64("4", 5, 10, &v), -1);
	EXPECT_EQ(parse_u64("11", 5, 10, &v), -1);
	EXPECT_EQ(parse_u64("10", 5, 10, &v), 0);
	EXPECT_EQ(v, 10u);
	EXPECT_EQ(parse_u64("0", 0, 0, &v), 0);
	EXPECT_EQ(v, 0u);
	EXPECT_EQ(parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	EXPECT_EQ(v, UINT64_MAX);
	EXPECT_EQ(parse_u64("007", 0, 10, &v), 0);	/* decimal, not octal */
	EXPECT_EQ(v, 7u);
	EXPECT_EQ(parse_u64("010", 0, 100, &v), 0);
	EXPECT_EQ(v, 10u);
}

TEST(ParseU64, RejectsAndLeavesOutAlone)
{
	for (const char *s : { "", "-1", "+1", " 1", " -1", "\t2", "1 ", "1x", "x1", "0x10", "1e3",
			       "1.0", "18446744073709551616", "99999999999999999999999" }) {
		__u64 v = 777;

		EXPECT_EQ(parse_u64(s, 0, UINT64_MAX, &v), -1) << "'" << s << "'";
		EXPECT_EQ(v, 777u) << "'" << s << "'";
	}
	__u64 v = 777;
	EXPECT_EQ(parse_u64(nullptr, 0, 1, &v), -1);
	EXPECT_EQ(v, 777u);
}

TEST(ParseSeconds, Accepts)
{
	struct { const char *s; double v; } ok[] = {
		{ "1", 1 }, { "0.5", 0.5 }, { "10", 10 }, { "1e-3", 0.001 }, { "1e7", 1e7 }, { ".25", 0.25 },
	};

	for (auto &k : ok) {
		double v = -1;

		EXPECT_EQ(parse_seconds(k.s, &v), 0) << k.s;
		EXPECT_DOUBLE_EQ(v, k.v) << k.s;
	}
}

TEST(ParseSeconds, Rejects)
{
	for (const char *s : { "", "0", "0.0", "-1", "-0.5", "nan", "NAN", "inf", "-inf", "1e8",
			       "1e400", "1s", "abc", "1,5", " 1", "+1", "0x1p3", "1x" }) {
		double v = -42;

		EXPECT_EQ(parse_seconds(s, &v), -1) << "'" << s << "'";
		EXPECT_EQ(v, -42) << "'" << s << "'";
	}
	double v = -42;
	EXPECT_EQ(parse_seconds(nullptr, &v), -1);
}

// ------------------------------------------------------ stats_sum_percpu

TEST(StatsSum, RandomValues)
{
	std::mt19937_64 rng(12345);

	for (int ncpus : { 1, 2, 3, 64, 513 }) {
		std::vector<struct xsk_stat> v(ncpus + 1);
		__u64 p = 0, b = 0;

		for (int i = 0; i < ncpus; i++) {
			v[i].packets = rng() >> 20;
			v[i].bytes = rng() >> 12;
			p += v[i].packets;
			b += v[i].bytes;
		}
		/* Past the last CPU: must not be read. */
		v[ncpus].packets = v[ncpus].bytes = 0x1111111111111111ull;
		struct xsk_stat s = stats_sum_percpu(v.data(), ncpus);
		EXPECT_EQ(s.packets, p) << ncpus;
		EXPECT_EQ(s.bytes, b) << ncpus;
	}
}

TEST(StatsSum, NoCpusIsZero)
{
	struct xsk_stat one = { 5, 6 };
	struct xsk_stat s = stats_sum_percpu(&one, 0);

	EXPECT_EQ(s.packets, 0u);
	EXPECT_EQ(s.bytes, 0u);
}

TEST(StatsSum, PacketsAndBytesNotMixed)
{
	struct xsk_stat v[2] = { { 1, 100 }, { 2, 200 } };
	struct xsk_stat s = stats_sum_percpu(v, 2);

	EXPECT_EQ(s.packets, 3u);
	EXPECT_EQ(s.bytes, 300u);
}

TEST(StatsNames, OnePerReasonAndDistinct)
{
	for (int i = 0; i < XSK_STAT_MAX; i++) {
		ASSERT_NE(xsk_stat_names[i], nullptr) << i;
		EXPECT_GT(strlen(xsk_stat_names[i]), 0u);
		for (int j = 0; j < i; j++)
			EXPECT_STRNE(xsk_stat_names[i], xsk_stat_names[j]);
	}
	/* The JSON keys the README and scripts rely on. */
	EXPECT_STREQ(xsk_stat_names[XSK_STAT_REDIRECTED], "redirected");
	EXPECT_STREQ(xsk_stat_names[XSK_STAT_NOT_MATCHED], "not_matched");
	EXPECT_STREQ(xsk_stat_names[XSK_STAT_NO_SOCKET], "no_socket");
	EXPECT_STREQ(xsk_stat_names[XSK_STAT_MALFORMED], "malformed");
}

// --------------------------------------------------------- rx_budget_take

TEST(RxBudget, UnlimitedTakesAll)
{
	struct rx_budget b = { 0, 0 };

	for (__u32 n : { 0u, 1u, 64u, 256u, 0xffffffffu })
		EXPECT_EQ(rx_budget_take(&b, n), n);
	EXPECT_FALSE(rx_budget_spent(&b));
}

TEST(RxBudget, ExactLimit)
{
	struct rx_budget b = { 10, 0 };

	EXPECT_FALSE(rx_budget_spent(&b));
	EXPECT_EQ(rx_budget_take(&b, 4), 4u);
	EXPECT_EQ(rx_budget_take(&b, 0), 0u);
	EXPECT_FALSE(rx_budget_spent(&b));
	EXPECT_EQ(rx_budget_take(&b, 4), 4u);
	EXPECT_FALSE(rx_budget_spent(&b));
	EXPECT_EQ(rx_budget_take(&b, 4), 2u);	/* only 2 left */
	EXPECT_TRUE(rx_budget_spent(&b));
	EXPECT_EQ(rx_budget_take(&b, 4), 0u);
	EXPECT_EQ(rx_budget_take(&b, 1), 0u);
	EXPECT_TRUE(rx_budget_spent(&b));
}

TEST(RxBudget, OneBatchExactlyTheLimit)
{
	struct rx_budget b = { 64, 0 };

	EXPECT_EQ(rx_budget_take(&b, 64), 64u);
	EXPECT_TRUE(rx_budget_spent(&b));
	EXPECT_EQ(rx_budget_take(&b, 64), 0u);
}

TEST(RxBudget, LimitOne)
{
	struct rx_budget b = { 1, 0 };

	EXPECT_EQ(rx_budget_take(&b, 256), 1u);
	EXPECT_TRUE(rx_budget_spent(&b));
	EXPECT_EQ(rx_budget_take(&b, 256), 0u);
}

// Two workers race for the budget with random batch sizes: together they
// must keep exactly `limit` frames, never more, never fewer.
TEST(RxBudget, TwoThreadsTakeExactlyLimit)
{
	std::random_device rd;
	const unsigned seed = rd();

	SCOPED_TRACE("seed " + std::to_string(seed));
	std::mt19937 rng(seed);
	for (int round = 0; round < 50; round++) {
		const __u64 limit = 1 + rng() % 200000;
		struct rx_budget b = { limit, 0 };
		std::atomic<int> ready{ 0 };
		__u64 got[2] = { 0, 0 };
		bool over[2] = { false, false };
		unsigned seeds[2] = { (unsigned)rng(), (unsigned)rng() };

		auto worker = [&](int id) {
			std::mt19937 r(seeds[id]);

			/* Start together, or one thread may take it all alone. */
			ready++;
			while (ready.load() < 2)
				;
			while (!rx_budget_spent(&b)) {
				__u32 n = 1 + r() % XSKMAP_MAX_BATCH;
				__u32 k = rx_budget_take(&b, n);

				if (k > n)
					over[id] = true;
				got[id] += k;
			}
		};
		std::thread t0(worker, 0), t1(worker, 1);
		t0.join();
		t1.join();
		ASSERT_FALSE(over[0] || over[1]) << "took more than asked";
		ASSERT_EQ(got[0] + got[1], limit) << "round " << round << " limit " << limit
						  << " got " << got[0] << "+" << got[1];
		EXPECT_EQ(rx_budget_take(&b, 1), 0u);
	}
}

// --------------------------------------------------------- report_json

// report_json's output must be JSON to the letter: the tests' own reader
// (the e2e tests read the loader's summary with it) in its strict mode says
// so, or where it broke.
::testing::AssertionResult strict_json(const std::string &s)
{
	xt::json::Value v;
	std::string err;

	if (xt::json::parse_strict(s, v, err))
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << err;
}

std::string json_of(const struct run_report &r)
{
	return xt::written_by([&](FILE *f) { report_json(f, &r); });
}

struct ReportFixture {
	struct queue_report q[3];
	struct run_report r;

	ReportFixture()
	{
		memset(q, 0, sizeof(q));
		memset(&r, 0, sizeof(r));
		q[0].queue_id = 0;
		q[0].rx_packets = 1000;
		q[0].rx_bytes = 64000;
		q[0].xdp.rx_dropped = 3;
		q[0].xdp.rx_ring_full = 4;
		q[1].queue_id = 5;
		q[1].rx_packets = 234;
		q[1].rx_bytes = 20000;
		q[1].xdp.rx_fill_ring_empty_descs = 9;
		q[1].xdp.rx_invalid_descs = 11;
		q[2].queue_id = 7;
		q[2].rx_packets = 1ull << 40;	/* past 32 bits */
		q[2].rx_bytes = (1ull << 40) * 1500;
		r.ifname = "eth0";
		r.attach_mode = "native";
		r.bind_mode = "copy";
		r.seconds = 12.5;
		r.nr_queues = 3;
		r.queues = q;
		r.bpf[XSK_STAT_REDIRECTED] = { 1234, 56789 };
		r.bpf[XSK_STAT_NOT_MATCHED] = { 17, 1700 };
		r.bpf[XSK_STAT_NO_SOCKET] = { 2, 128 };
		r.bpf[XSK_STAT_MALFORMED] = { 5, 70 };
	}
};

bool has(const std::string &s, const std::string &sub) { return s.find(sub) != std::string::npos; }

TEST(ReportJson, WellFormedOneLine)
{
	ReportFixture f;
	std::string s = json_of(f.r);

	ASSERT_FALSE(s.empty());
	EXPECT_TRUE(strict_json(s));
	/* One object, one line: scripts read it with a line reader. */
	EXPECT_EQ(s.back(), '\n');
	EXPECT_EQ(s.find('\n'), s.size() - 1) << s;
	/* The checker must refuse what it is here to catch, or a pass proves nothing. */
	for (const char *bad : { "{\"a\":1,}", "[1,]", "{\"a\" 1}", "{\"a\":1", "{\"a\":1}}",
				 "[\"\\x\"]", "[\"\\u12\"]", "[\"a\tb\"]", "{} x", "[01]", "[1.]",
				 "[.5]", "[+1]", "[1e]" })
		EXPECT_FALSE(strict_json(bad)) << "accepted: " << bad;
	/* Nor too strict: escapes and numbers the writer may emit one day. */
	EXPECT_TRUE(strict_json("[\"\\u00e9\\n\\/\",-0.5e+3,0,1E2,true,false,null,{}]\n"));
}

TEST(ReportJson, Fields)
{
	ReportFixture f;
	std::string s = json_of(f.r);
	__u64 pkts = 0, bytes = 0;

	for (auto &q : f.q) {
		pkts += q.rx_packets;
		bytes += q.rx_bytes;
	}
	EXPECT_TRUE(has(s, "\"interface\":\"eth0\"")) << s;
	EXPECT_TRUE(has(s, "\"attach_mode\":\"native\"")) << s;
	EXPECT_TRUE(has(s, "\"bind_mode\":\"copy\"")) << s;
	EXPECT_TRUE(has(s, "\"seconds\":12.5")) << s;
	/* Totals are the sum of the queues. */
	EXPECT_TRUE(has(s, "\"rx_packets\":" + std::to_string(pkts) + ",")) << s;
	EXPECT_TRUE(has(s, "\"rx_bytes\":" + std::to_string(bytes) + ",")) << s;
	for (auto &q : f.q) {
		std::string head = "{\"queue\":" + std::to_string(q.queue_id) +
				   ",\"rx_packets\":" + std::to_string(q.rx_packets) +
				   ",\"rx_bytes\":" + std::to_string(q.rx_bytes);
		EXPECT_TRUE(has(s, head)) << head << " in " << s;
	}
	EXPECT_TRUE(has(s, "\"rx_dropped\":3,")) << s;
	EXPECT_TRUE(has(s, "\"rx_ring_full\":4,")) << s;
	EXPECT_TRUE(has(s, "\"rx_fill_ring_empty_descs\":9,")) << s;
	EXPECT_TRUE(has(s, "\"rx_invalid_descs\":11,")) << s;
	for (int i = 0; i < XSK_STAT_MAX; i++) {
		std::string kv = std::string("\"") + xsk_stat_names[i] + "\":{\"packets\":" +
				 std::to_string(f.r.bpf[i].packets) + ",\"bytes\":" +
				 std::to_string(f.r.bpf[i].bytes) + "}";
		EXPECT_TRUE(has(s, kv)) << kv << " in " << s;
	}
	/* Queues in the order given. */
	EXPECT_LT(s.find("\"queue\":0"), s.find("\"queue\":5"));
	EXPECT_LT(s.find("\"queue\":5"), s.find("\"queue\":7"));
}

TEST(ReportJson, NoQueues)
{
	ReportFixture f;
	f.r.nr_queues = 0;
	std::string s = json_of(f.r);

	EXPECT_TRUE(strict_json(s));
	EXPECT_TRUE(has(s, "\"queues\":[]")) << s;
	EXPECT_TRUE(has(s, "\"rx_packets\":0,")) << s;
}

TEST(ReportJson, IfnameEscaped)
{
	ReportFixture f;
	f.r.ifname = "a\"b\\c";
	std::string s = json_of(f.r);

	EXPECT_TRUE(strict_json(s));
	EXPECT_TRUE(has(s, "\"interface\":\"a\\\"b\\\\c\"")) << s;
}

TEST(ReportJson, SecondsKeepMilliseconds)
{
	ReportFixture f;
	f.r.seconds = 1.23456;
	std::string s = json_of(f.r);

	EXPECT_TRUE(has(s, "\"seconds\":1.235,")) << s;
}

} // namespace

// run_opts_ruleset: the rule set a run starts with, from -r, --default,
// --match and --fixed-index.
namespace {

struct Built {
	int ret;
	struct xsk_ruleset rs;
	std::string err;
};

Built build_rules(Args &&a)
{
	Built b{};
	struct run_opts o;
	char err[512] = "";

	if (run_opts_parse(a.argc(), a.argv(), &o, err, sizeof(err)) != 0) {
		b.ret = -2;
		b.err = err;
		return b;
	}
	b.ret = run_opts_ruleset(&o, &b.rs, err, sizeof(err));
	b.err = err;
	return b;
}

std::string rule_text(const struct xsk_rule &r)
{
	char buf[RULE_FORMAT_MAX];

	rule_format(&r, buf, sizeof(buf));
	return buf;
}

} // namespace

TEST(RunRuleset, DefaultsToNoRulesAndQueue)
{
	Built b = build_rules({ "eth0" });
	ASSERT_EQ(b.ret, 0) << b.err;
	EXPECT_EQ(b.rs.nr_rules, 0u);
	EXPECT_EQ(b.rs.default_action, (__u32)XSK_ACT_QUEUE);
}

TEST(RunRuleset, MatchUdpIsOneRuleWithDefaultPass)
{
	Built b = build_rules({ "--match", "udp", "eth0" });
	ASSERT_EQ(b.ret, 0) << b.err;
	ASSERT_EQ(b.rs.nr_rules, 1u);
	EXPECT_EQ(rule_text(b.rs.rules[0]), "udp -> queue");
	EXPECT_EQ(b.rs.default_action, (__u32)XSK_ACT_PASS);
}

TEST(RunRuleset, RulesKeepCommandLineOrderAndMatchUdpComesLast)
{
	Built b = build_rules({ "-r", "tcp dport 22 -> pass", "--rule", "src 198.18.0.0/15 -> drop",
				"--match", "udp", "--default", "drop", "eth0" });
	ASSERT_EQ(b.ret, 0) << b.err;
	ASSERT_EQ(b.rs.nr_rules, 3u);
	EXPECT_EQ(rule_text(b.rs.rules[0]), "tcp dport 22 -> pass");
	EXPECT_EQ(rule_text(b.rs.rules[1]), "src 198.18.0.0/15 -> drop");
	EXPECT_EQ(rule_text(b.rs.rules[2]), "udp -> queue");
	// An explicit --default wins over --match udp's implied pass.
	EXPECT_EQ(b.rs.default_action, (__u32)XSK_ACT_DROP);
	for (__u32 i = 0; i < b.rs.nr_rules; i++)
		EXPECT_EQ(b.rs.rules[i].id, i) << "ids are handed out in order";
}

TEST(RunRuleset, FixedIndexTurnsEveryQueueActionIntoIndex)
{
	Built b = build_rules({ "--fixed-index", "5", "-r", "udp dport 53 -> queue",
				"-r", "tcp -> index 2", "-r", "icmp -> pass", "eth0" });
	ASSERT_EQ(b.ret, 0) << b.err;
	ASSERT_EQ(b.rs.nr_rules, 3u);
	EXPECT_EQ(b.rs.rules[0].action, (__u32)XSK_ACT_INDEX);
	EXPECT_EQ(b.rs.rules[0].index, 5u);
	EXPECT_EQ(b.rs.rules[1].action, (__u32)XSK_ACT_INDEX);
	EXPECT_EQ(b.rs.rules[1].index, 2u) << "an explicit index stays";
	EXPECT_EQ(b.rs.rules[2].action, (__u32)XSK_ACT_PASS);
	EXPECT_EQ(b.rs.default_action, (__u32)XSK_ACT_INDEX);
	EXPECT_EQ(b.rs.default_index, 5u);
}

TEST(RunRuleset, BadRuleOrDefaultNamesTheWord)
{
	Built b = build_rules({ "-r", "udp dport 99999 -> queue", "eth0" });
	EXPECT_EQ(b.ret, -1);
	EXPECT_NE(b.err.find("'99999'"), std::string::npos) << b.err;

	b = build_rules({ "--default", "redirect", "eth0" });
	EXPECT_EQ(b.ret, -1);
	EXPECT_NE(b.err.find("redirect"), std::string::npos) << b.err;
}

TEST(RunRuleset, SixtyFifthRuleIsRefused)
{
	std::vector<std::string> args;

	for (int i = 0; i < XSK_MAX_RULES; i++) {
		args.push_back("-r");
		args.push_back("udp dport " + std::to_string(1000 + i) + " -> queue");
	}
	args.push_back("eth0");
	Built b = build_rules(Args(args));
	ASSERT_EQ(b.ret, 0) << "64 rules fit: " << b.err;
	EXPECT_EQ(b.rs.nr_rules, (__u32)XSK_MAX_RULES);

	// --match udp would be the 65th.
	args.insert(args.end() - 1, { "--match", "udp" });
	b = build_rules(Args(args));
	EXPECT_EQ(b.ret, -1);
	EXPECT_NE(b.err, "");
}

// --------------------------------------------- rules in the summary, text output

namespace {

/* Two rules (ids 0 and 1) with hits, and default pass. */
struct RulesReport : ReportFixture {
	struct xsk_ruleset rs;

	RulesReport()
	{
		char err[256];
		struct xsk_rule rule;
		__u32 id;

		ruleset_init(&rs, XSK_ACT_PASS, 0);
		for (const char *t : { "udp dport 4789 -> queue", "src 198.18.0.0/15 -> drop" }) {
			EXPECT_EQ(rule_parse(t, &rule, err, sizeof(err)), 0) << err;
			EXPECT_EQ(ruleset_add(&rs, &rule, -1, &id, err, sizeof(err)), 0) << err;
		}
		r.rules = &rs;
		r.hits[0] = { 1000, 64000 };
		r.hits[1] = { 7, 448 };
		r.hits[XSK_HITS_DEFAULT] = { 17, 1700 };
	}
};

} // namespace

TEST(ReportJson, RulesWithTheirHitsAndTheDefault)
{
	RulesReport f;
	std::string s = json_of(f.r);
	xt::json::Value j;
	std::string err;

	ASSERT_TRUE(xt::json::parse_strict(s, j, err)) << err << "\n" << s;
	ASSERT_EQ(j["rules"].size(), 2u) << s;
	EXPECT_EQ(j["rules"][0]["id"].u64(), 0u);
	EXPECT_EQ(j["rules"][0]["rule"].str, "udp dport 4789 -> queue");
	EXPECT_EQ(j["rules"][0]["packets"].u64(), 1000u);
	EXPECT_EQ(j["rules"][0]["bytes"].u64(), 64000u);
	EXPECT_EQ(j["rules"][1]["rule"].str, "src 198.18.0.0/15 -> drop");
	EXPECT_EQ(j["rules"][1]["packets"].u64(), 7u);
	EXPECT_EQ(j["default"]["action"].str, "pass");
	EXPECT_EQ(j["default"]["packets"].u64(), 17u);

	// Without a rule set (not readable), neither key appears.
	f.r.rules = nullptr;
	s = json_of(f.r);
	xt::json::Value plain;
	ASSERT_TRUE(xt::json::parse_strict(s, plain, err)) << err;
	EXPECT_FALSE(plain.has("rules")) << s;
	EXPECT_FALSE(plain.has("default")) << s;
}

TEST(ReportText, QueuesCountersAndRules)
{
	RulesReport f;
	std::string s = xt::written_by([&](FILE *out) { report_text(out, &f.r); });

	EXPECT_TRUE(has(s, "eth0 (native mode, copy)")) << s;
	// The total is the sum of the queues.
	EXPECT_TRUE(has(s, std::to_string(1000 + 234 + (1ull << 40)) + " frames")) << s;
	EXPECT_TRUE(has(s, "queue 5 ")) << s;
	EXPECT_TRUE(has(s, "dropped 3, rx ring full 4")) << s;
	EXPECT_TRUE(has(s, "redirected 1234 not_matched 17 no_socket 2 malformed 5")) << s;
	EXPECT_TRUE(has(s, "1000 hits  udp dport 4789 -> queue")) << s;
	EXPECT_TRUE(has(s, "17 hits  -> pass")) << s;
}

TEST(ReportInterval, RatesFromTheDifferenceOfTwoReports)
{
	ReportFixture a, b;

	a.r.seconds = 10;
	b.r.seconds = 12;	/* 2 s later */
	b.q[0].rx_packets = a.q[0].rx_packets + 2000000;
	b.q[0].rx_bytes = a.q[0].rx_bytes + 2000000 * 64;
	b.r.bpf[XSK_STAT_REDIRECTED].packets += 500;
	std::string out = xt::written_by([&](FILE *f) { report_interval(f, &b.r, &a.r); });

	// 2,000,000 frames in 2 s; 64 bytes of L2 frame, 8 bits: 512 Mbit/s.
	EXPECT_TRUE(has(out, " 1000000 ")) << out;
	EXPECT_TRUE(has(out, " 512.000 ")) << out;
	EXPECT_TRUE(has(out, "redirected 1734 (+500)")) << out;
	// Queues that did not move show 0 pps, one line per queue.
	EXPECT_TRUE(has(out, " q5 ")) << out;

	// A report no later than the previous one prints nothing.
	EXPECT_EQ(xt::written_by([&](FILE *f) { report_interval(f, &a.r, &a.r); }), "");
}

namespace {

std::vector<std::string> split_words(const std::string &line)
{
	std::vector<std::string> w;
	std::string cur;

	for (char c : line) {
		if (c == ' ') {
			if (!cur.empty())
				w.push_back(cur);
			cur.clear();
		} else {
			cur += c;
		}
	}
	if (!cur.empty())
		w.push_back(cur);
	return w;
}

std::vector<std::string> lines_of(const std::string &s)
{
	std::vector<std::string> v;
	size_t b = 0, e;

	while ((e = s.find('\n', b)) != std::string::npos) {
		v.push_back(s.substr(b, e - b));
		b = e + 1;
	}
	return v;
}

} // namespace

// The live view: a header naming the columns, one row per queue, an "all"
// row summing them, XDP_STATISTICS as per-second rates (not the totals the
// kernel keeps), L2 Mbit/s (no 24 bytes of preamble, gap and FCS added).
TEST(ReportInterval, HeaderTotalRowAndPerSecondXdpStatistics)
{
	ReportFixture a, b;

	a.r.seconds = 10;
	b.r.seconds = 14;	/* 4 s later */
	// Queue 0: 4000 frames of 100 bytes, 40 dropped, 8 ring full in 4 s.
	b.q[0].rx_packets = a.q[0].rx_packets + 4000;
	b.q[0].rx_bytes = a.q[0].rx_bytes + 4000 * 100;
	b.q[0].xdp.rx_dropped = a.q[0].xdp.rx_dropped + 40;
	b.q[0].xdp.rx_ring_full = a.q[0].xdp.rx_ring_full + 8;
	// Queue 5: 2000 frames of 50 bytes, 12 fill ring empty, 4 invalid.
	b.q[1].rx_packets = a.q[1].rx_packets + 2000;
	b.q[1].rx_bytes = a.q[1].rx_bytes + 2000 * 50;
	b.q[1].xdp.rx_fill_ring_empty_descs = a.q[1].xdp.rx_fill_ring_empty_descs + 12;
	b.q[1].xdp.rx_invalid_descs = a.q[1].xdp.rx_invalid_descs + 4;
	// Queue 0 also sent 2000 frames of 100 bytes, 8 not sent, in 400 + 200 system calls.
	b.q[0].tx_packets = a.q[0].tx_packets + 2000;
	b.q[0].tx_bytes = a.q[0].tx_bytes + 2000 * 100;
	b.q[0].tx_ring_full = a.q[0].tx_ring_full + 8;
	b.q[0].sendto_calls = a.q[0].sendto_calls + 400;
	b.q[0].poll_calls = a.q[0].poll_calls + 200;
	std::string out = xt::written_by([&](FILE *f) { report_interval(f, &b.r, &a.r); });
	std::vector<std::string> l = lines_of(out);

	// Header, three queues, all, prog.
	ASSERT_EQ(l.size(), 6u) << out;
	std::vector<std::string> h = split_words(l[0]);
	ASSERT_GE(h.size(), 5u) << l[0];
	EXPECT_EQ(h[0], "time") << l[0];
	EXPECT_TRUE(has(l[0], "L2 Mbit/s")) << l[0];
	EXPECT_TRUE(has(l[0], "dropped/s")) << l[0];
	EXPECT_TRUE(has(l[0], "ringfull/s")) << l[0];

	// time queue pps Mbit/s txpps txMbit/s notsent/s dropped/s ringfull/s fillempty/s
	// invalid/s txinvalid/s txempty/s wakeups/s wake/pkt frames
	auto row = [&](size_t i) { return split_words(l[i]); };
	std::vector<std::string> q0 = row(1), q5 = row(2), q7 = row(3), all = row(4);
	ASSERT_EQ(q0.size(), 16u) << l[1];
	EXPECT_EQ(q0[0], "14.00");
	EXPECT_EQ(q0[1], "q0");
	EXPECT_EQ(q0[2], "1000");		/* 4000 / 4 s */
	EXPECT_EQ(q0[3], "0.800");		/* 1000 x 100 x 8 */
	EXPECT_EQ(q0[7], "10");			/* 40 / 4 s, not the total 43 */
	EXPECT_EQ(q0[8], "2");			/* 8 / 4 s, not the total 12 */
	EXPECT_EQ(q0[9], "0");
	EXPECT_EQ(q0[10], "0");
	EXPECT_EQ(q0[15], std::to_string(1000 + 4000));	/* frames so far */
	EXPECT_EQ(q0[4], "500");		/* tx: 2000 / 4 s */
	EXPECT_EQ(q0[5], "0.400");
	EXPECT_EQ(q0[6], "2");			/* not sent: 8 / 4 s */
	EXPECT_EQ(q0[13], "150");		/* 600 calls / 4 s */
	EXPECT_EQ(q0[14], "0.100");		/* 600 calls for 4000 + 2000 frames */
	ASSERT_EQ(q5.size(), 16u) << l[2];
	EXPECT_EQ(q5[1], "q5");
	EXPECT_EQ(q5[2], "500");
	EXPECT_EQ(q5[3], "0.200");
	EXPECT_EQ(q5[9], "3");			/* 12 / 4 s, not the total 21 */
	EXPECT_EQ(q5[10], "1");
	ASSERT_EQ(q7.size(), 16u) << l[3];
	EXPECT_EQ(q7[1], "q7");
	EXPECT_EQ(q7[2], "0");
	ASSERT_EQ(all.size(), 16u) << l[4];
	EXPECT_EQ(all[1], "all");
	EXPECT_EQ(all[2], "1500");
	EXPECT_EQ(all[3], "1.000");
	EXPECT_EQ(all[7], "10");
	EXPECT_EQ(all[8], "2");
	EXPECT_EQ(all[9], "3");
	EXPECT_EQ(all[10], "1");
	EXPECT_EQ(all[15], std::to_string(1000 + 4000 + 234 + 2000 + (1ull << 40)));
	EXPECT_TRUE(has(l[5], "prog")) << l[5];
}

// ------------------------------------------------ issue 7: small ones

namespace {

// `xskmap rules ARGS...` through rules_args_parse; argv[0] is "rules".
struct RulesCase {
	std::vector<std::string> strs;
	std::vector<char *> argv;
	struct rules_args a;
	int ret;
	std::string err;

	explicit RulesCase(const std::vector<std::string> &args)
	{
		char e[1024] = "";

		strs.push_back("rules");
		strs.insert(strs.end(), args.begin(), args.end());
		for (auto &x : strs)
			argv.push_back(&x[0]);
		argv.push_back(nullptr);
		ret = rules_args_parse(strs.size(), argv.data(), &a, e, sizeof(e));
		err = e;
	}
	~RulesCase() { rules_args_free(&a); }
};

} // namespace

TEST(RulesArgs, OptionsBeforeOrAfterTheInterfaceAndTheVerb)
{
	for (auto args : std::vector<std::vector<std::string>>{
		     { "--json", "--pin-dir", "/x/y", "eth0", "list" },
		     { "eth0", "list", "--json", "--pin-dir", "/x/y" },
		     { "eth0", "--pin-dir", "/x/y", "list", "--json" },
		     { "--pin-dir", "/x/y", "eth0", "--json", "list" },
	     }) {
		RulesCase c(args);
		std::string line;

		for (auto &w : args)
			line += w + " ";
		ASSERT_EQ(c.ret, 0) << line << ": " << c.err;
		EXPECT_STREQ(c.a.ifname, "eth0") << line;
		EXPECT_EQ(c.a.verb, RULES_LIST) << line;
		EXPECT_TRUE(c.a.json) << line;
		ASSERT_NE(c.a.pin_dir, nullptr) << line;
		EXPECT_STREQ(c.a.pin_dir, "/x/y") << line;
	}
	// --at with add, before or after the rule words.
	RulesCase at1({ "eth0", "add", "--at", "3", "udp", "->", "drop" });
	ASSERT_EQ(at1.ret, 0) << at1.err;
	EXPECT_EQ(at1.a.at, 3);
	EXPECT_EQ(at1.a.verb, RULES_ADD);
	EXPECT_STREQ(at1.a.text, "udp -> drop");
	RulesCase at2({ "eth0", "add", "udp", "->", "drop", "--at", "0", "--pin-dir", "/p" });
	ASSERT_EQ(at2.ret, 0) << at2.err;
	EXPECT_EQ(at2.a.at, 0);
	EXPECT_STREQ(at2.a.text, "udp -> drop");
	RulesCase at3({ "eth0", "list", "--at", "0" });
	EXPECT_EQ(at3.ret, -1);
	EXPECT_TRUE(has(at3.err, "--at only goes with 'add'")) << at3.err;
	RulesCase unknown({ "eth0", "list", "--jsno" });
	EXPECT_EQ(unknown.ret, -1);
	EXPECT_TRUE(has(unknown.err, "unknown rules option '--jsno'")) << unknown.err;
	RulesCase novalue({ "eth0", "list", "--pin-dir" });
	EXPECT_EQ(novalue.ret, -1);
	EXPECT_TRUE(has(novalue.err, "'--pin-dir' needs a value")) << novalue.err;
	RulesCase noverb({ "--json", "eth0" });
	EXPECT_EQ(noverb.ret, -1);
	EXPECT_TRUE(has(noverb.err, "no command after 'eth0'")) << noverb.err;
}

TEST(RulesArgs, HelpAndVersionReturnOne)
{
	RulesCase h({ "eth0", "list", "--help" });
	EXPECT_EQ(h.ret, 1);
	RulesCase v({ "eth0", "--version" });
	EXPECT_EQ(v.ret, 1);
	RulesCase v2({ "--version" });
	EXPECT_EQ(v2.ret, 1);
}

TEST(Version, NamesTheProjectVersionAndTheLibraries)
{
	std::string v = xt::written_by([](FILE *f) { print_version(f); });

	// project(VERSION) of CMakeLists.txt, through the compile definition.
	EXPECT_EQ(v.rfind(std::string("xskmap ") + XSKMAP_VERSION + " (libbpf v", 0), 0u) << v;
	EXPECT_TRUE(has(v, ", libxdp " XSKMAP_LIBXDP_VERSION ")\n")) << v;
	unsigned maj, min, pat;
	EXPECT_EQ(sscanf(XSKMAP_VERSION, "%u.%u.%u", &maj, &min, &pat), 3) << XSKMAP_VERSION;

	ParseCase c({ "--version" });
	EXPECT_EQ(c.p.ret, 1) << "run --version is answered like --help";
	ParseCase c2({ "-q", "0", "--version", "eth0" });
	EXPECT_EQ(c2.p.ret, 1);
}

// `rules add` joins its words; a rule past RULE_TEXT_MAX must be refused
// with the message `run -r` gives, not cut to 512 characters and installed.
TEST(RulesArgs, LongRuleRefusedLikeRunRule)
{
	std::vector<std::string> words;
	std::string text;

	/*
	 * As the issue found it: cut at 511 characters, this became
	 * "udp ... -> index 12" and was installed.
	 */
	words.push_back("udp");
	words.push_back(std::string(497, ' ') + "->");
	words.push_back("index");
	words.push_back("12345");
	for (auto &w : words)
		text += (text.empty() ? "" : " ") + w;
	ASSERT_GT(text.size(), (size_t)RULE_TEXT_MAX);

	std::vector<std::string> args = { "eth0", "add" };
	args.insert(args.end(), words.begin(), words.end());
	RulesCase c(args);
	ASSERT_EQ(c.ret, -1) << "a " << text.size() << "-character rule was accepted";

	Args run({ "-r", text.c_str(), "eth0" });
	struct run_opts o;
	struct xsk_ruleset rs;
	char err[512];
	ASSERT_EQ(run_opts_parse(run.argc(), run.argv(), &o, err, sizeof(err)), 0) << err;
	ASSERT_EQ(run_opts_ruleset(&o, &rs, err, sizeof(err)), -1);
	EXPECT_EQ(c.err, err);
	EXPECT_EQ(c.err, "rule of " + std::to_string(text.size()) + " characters: longer than the 512 allowed");

	// The same for a default action made of many words.
	std::vector<std::string> dargs = { "eth0", "default", "index" };
	for (int i = 0; i < 200; i++)
		dargs.push_back("000");
	RulesCase d(dargs);
	EXPECT_EQ(d.ret, -1);
	EXPECT_TRUE(has(d.err, "longer than the 512 allowed")) << d.err;

	// Exactly 512 still parses: the limit is the same on both paths.
	std::string at_limit = "udp -> drop";
	at_limit = std::string(RULE_TEXT_MAX - at_limit.size(), ' ') + at_limit;
	RulesCase ok({ "eth0", "add", at_limit });
	EXPECT_EQ(ok.ret, 0) << ok.err;
}

TEST(WordsJoin, BlanksBetweenAndNothingLost)
{
	char a[] = "udp", b[] = "->", c[] = "index", d[] = "7";
	char *w[] = { a, b, c, d };
	char *s = words_join(4, w);

	ASSERT_NE(s, nullptr);
	EXPECT_STREQ(s, "udp -> index 7");
	free(s);
	s = words_join(0, w);
	ASSERT_NE(s, nullptr);
	EXPECT_STREQ(s, "");
	free(s);
}

// `rules IF add udp dport 53 -> queue` unquoted: the shell redirects to a
// file named queue and xskmap gets "udp dport 53 -". Say to quote it.
TEST(RulesArgs, UnquotedArrowSaysToQuote)
{
	RulesCase c({ "eth0", "add", "udp", "dport", "53", "-" });
	ASSERT_EQ(c.ret, -1);
	EXPECT_EQ(c.err.rfind("rule 'udp dport 53 -': ends in '-'", 0), 0u) << c.err;
	EXPECT_TRUE(has(c.err, "quote the whole rule")) << c.err;
	EXPECT_TRUE(has(c.err, "redirection")) << c.err;
	EXPECT_FALSE(has(c.err, "(word 4)")) << c.err;

	// No arrow at all ("->queue" lost as ">queue"): the same advice.
	RulesCase d({ "eth0", "add", "udp", "dport", "53" });
	ASSERT_EQ(d.ret, -1);
	EXPECT_TRUE(has(d.err, "quote the whole rule")) << d.err;

	// And with run -r.
	struct xsk_rule r;
	char err[512];
	ASSERT_EQ(rule_parse("udp dport 53 -", &r, err, sizeof(err)), -1);
	EXPECT_EQ(std::string(err), c.err);
	ASSERT_EQ(rule_parse("-", &r, err, sizeof(err)), -1);
	EXPECT_TRUE(has(err, "quote the whole rule")) << err;
}

// xsks_map has one slot per RX queue (or up to --fixed-index): an index past
// it can never hold a socket, so the rule would only ever give no_socket.
TEST(Slots, RunMapSizeFromQueuesAndFixedIndex)
{
	ParseCase plain({ "eth0" });
	ASSERT_EQ(plain.p.ret, 0) << plain.p.err;
	EXPECT_EQ(run_opts_slots(&plain.p.o, 1), 1u);
	EXPECT_EQ(run_opts_slots(&plain.p.o, 8), 8u);
	ParseCase fixed({ "--fixed-index", "9", "eth0" });
	ASSERT_EQ(fixed.p.ret, 0) << fixed.p.err;
	EXPECT_EQ(run_opts_slots(&fixed.p.o, 1), 10u);
	EXPECT_EQ(run_opts_slots(&fixed.p.o, 16), 16u);
}

TEST(Slots, IndexPastTheMapRefusedWithTheRange)
{
	struct xsk_ruleset rs;
	struct xsk_rule r;
	char err[512];
	__u32 id;

	ruleset_init(&rs, XSK_ACT_QUEUE, 0);
	ASSERT_EQ(rule_parse("udp -> index 0", &r, err, sizeof(err)), 0) << err;
	ASSERT_EQ(ruleset_add(&rs, &r, -1, &id, err, sizeof(err)), 0) << err;
	EXPECT_EQ(ruleset_check_slots(&rs, 1, "", err, sizeof(err)), 0);

	for (const char *t : { "udp -> index 200", "tcp -> index 4294967295", "-> index 1" }) {
		struct xsk_ruleset rs2 = rs;

		ASSERT_EQ(rule_parse(t, &r, err, sizeof(err)), 0) << err;
		ASSERT_EQ(ruleset_add(&rs2, &r, -1, &id, err, sizeof(err)), 0) << err;
		ASSERT_EQ(ruleset_check_slots(&rs2, 1, ", one per RX queue of eth0", err, sizeof(err)), -1) << t;
		std::string e = err;
		EXPECT_EQ(e.rfind(std::string("rule '") + t + "': index ", 0), 0u) << e;
		EXPECT_TRUE(has(e, "is out of range: xsks_map has 1 slot (0-0), one per RX queue of eth0; use an index 0-0")) << e;
	}
	// The default too.
	rs.default_action = XSK_ACT_INDEX;
	rs.default_index = 99999;
	ASSERT_EQ(ruleset_check_slots(&rs, 4, "", err, sizeof(err)), -1);
	EXPECT_TRUE(has(err, "default action: index 99999 is out of range: xsks_map has 4 slots (0-3)")) << err;
	rs.default_index = 3;
	EXPECT_EQ(ruleset_check_slots(&rs, 4, "", err, sizeof(err)), 0) << err;
	// Other actions never name a slot.
	EXPECT_EQ(action_check_slot(XSK_ACT_QUEUE, 500, 1, "x", "", err, sizeof(err)), 0);
	EXPECT_EQ(action_check_slot(XSK_ACT_DROP, 500, 1, "x", "", err, sizeof(err)), 0);
}

// ------------------------------------------- memory available for the UMEM

TEST(HostMem, MeminfoAvailable)
{
	__u64 v = 0;
	const char *mi = "MemTotal:       24578396 kB\n"
			 "MemFree:        22131412 kB\n"
			 "MemAvailable:   23631432 kB\n"
			 "Buffers:          123456 kB\n";

	ASSERT_EQ(hostmem_parse_meminfo(mi, &v), 0);
	EXPECT_EQ(v, 23631432ull * 1024);
	EXPECT_EQ(hostmem_parse_meminfo("MemTotal: 1 kB\nMemFree: 2 kB\n", &v), -1);
	EXPECT_EQ(hostmem_parse_meminfo("MemAvailable: lots\n", &v), -1);
	EXPECT_EQ(hostmem_parse_meminfo("", &v), -1);
	// MemAvailableX is no MemAvailable: only the whole key counts.
	ASSERT_EQ(hostmem_parse_meminfo("MemAvailable:        8 kB", &v), 0);
	EXPECT_EQ(v, 8192u);
}

TEST(HostMem, ProcSelfCgroupV1AndV2)
{
	char v2[256], v1[256];

	hostmem_parse_cgroup("0::/user.slice/user-0.slice/session-3.scope\n", v2, sizeof(v2), v1,
			     sizeof(v1));
	EXPECT_STREQ(v2, "/user.slice/user-0.slice/session-3.scope");
	EXPECT_STREQ(v1, "");
	// Hybrid (this VM): memory in v1, a v2 line with "/".
	hostmem_parse_cgroup("9:name=systemd:/\n8:pids:/\n4:memory:/process_api/0725\n"
			     "2:cpu,cpuacct:/a\n0::/\n",
			     v2, sizeof(v2), v1, sizeof(v1));
	EXPECT_STREQ(v2, "/");
	EXPECT_STREQ(v1, "/process_api/0725");
	// memory in a list; a path holding a colon.
	hostmem_parse_cgroup("3:cpuset,memory:/a:b/c\n", v2, sizeof(v2), v1, sizeof(v1));
	EXPECT_STREQ(v2, "");
	EXPECT_STREQ(v1, "/a:b/c");
	// "memory" inside another name is not the memory controller.
	hostmem_parse_cgroup("5:name=memoryish:/x", v2, sizeof(v2), v1, sizeof(v1));
	EXPECT_STREQ(v1, "");
}

TEST(HostMem, MountsFindTheHierarchies)
{
	char v2[256], v1[256];
	const char *m = "sysfs /sys sysfs rw,nosuid 0 0\n"
			"tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
			"cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
			"cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
			"cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";

	hostmem_parse_mounts(m, v2, sizeof(v2), v1, sizeof(v1));
	EXPECT_STREQ(v2, "/sys/fs/cgroup/unified");
	EXPECT_STREQ(v1, "/sys/fs/cgroup/memory");
	hostmem_parse_mounts("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n", v2, sizeof(v2), v1,
			     sizeof(v1));
	EXPECT_STREQ(v2, "/sys/fs/cgroup");
	EXPECT_STREQ(v1, "");
}

TEST(HostMem, LimitMinusUsage)
{
	__u64 room = 0;

	ASSERT_EQ(hostmem_parse_limit("max\n", "123\n", &room), 0);
	EXPECT_EQ(room, HOSTMEM_UNKNOWN);
	ASSERT_EQ(hostmem_parse_limit("1073741824\n", "73741824\n", &room), 0);
	EXPECT_EQ(room, 1000000000u);
	ASSERT_EQ(hostmem_parse_limit("100\n", "200\n", &room), 0);
	EXPECT_EQ(room, 0u) << "usage past the limit leaves no room, not 2^64 - 100";
	// cgroup v1's "no limit".
	ASSERT_EQ(hostmem_parse_limit("9223372036854771712\n", "76754944\n", &room), 0);
	EXPECT_EQ(room, HOSTMEM_UNKNOWN);
	EXPECT_EQ(hostmem_parse_limit("-1\n", "0\n", &room), -1);
	EXPECT_EQ(hostmem_parse_limit("12x\n", "0\n", &room), -1);
	EXPECT_EQ(hostmem_parse_limit("12\n", "\n", &room), -1);
}

// 1048576 frames x 4096 bytes is 2^32: a 32-bit product would be 0.
TEST(HostMem, UmemBytesDoNotWrapAt32Bits)
{
	__u64 one = hostmem_umem_bytes(1u << 20, 4096, 2048, 1);

	EXPECT_EQ(one, (1ull << 32) + (1ull << 20) * 8 + 2048 * 24 + 3 * 4096);
	EXPECT_EQ(hostmem_umem_bytes(1u << 20, 4096, 1u << 20, 256),
		  256 * ((1ull << 32) + (1ull << 20) * 8 + (1ull << 20) * 24 + 3 * 4096));
	EXPECT_EQ(hostmem_umem_bytes(4096, 4096, 2048, 0), 0u);
}

TEST(HostMem, CheckRefusesWithFiguresAndFix)
{
	struct hostmem m = {};
	char err[768] = "";

	m.mem_available = 1ull << 30;	/* 1 GiB */
	m.cgroup_room = HOSTMEM_UNKNOWN;
	// 8 queues x 1048576 x 4096: 32 GiB.
	ASSERT_EQ(hostmem_check(&m, 1u << 20, 4096, 2048, 8, err, sizeof(err)), -1);
	std::string e = err;
	EXPECT_EQ(e.rfind("the UMEM needs 32.1 GiB ", 0), 0u) << e;
	EXPECT_TRUE(has(e, "(8 queues x 1048576 frames x 4096 bytes, and the rings)")) << e;
	EXPECT_TRUE(has(e, "but 1.0 GiB is available (MemAvailable in /proc/meminfo)")) << e;
	// 8 x 16384 x 4096 = 512 MiB fits in 1 GiB; 32768 would need 1 GiB + rings.
	EXPECT_TRUE(has(e, "--frames 16384 fits; lower --frames")) << e;

	// The cgroup is tighter: it is named.
	m.cgroup_room = 100ull << 20;
	snprintf(m.cgroup_file, sizeof(m.cgroup_file), "/sys/fs/cgroup/a/memory.max");
	ASSERT_EQ(hostmem_check(&m, 4096, 4096, 2048, 8, err, sizeof(err)), -1);
	e = err;
	EXPECT_TRUE(has(e, "but 100.0 MiB is available (/sys/fs/cgroup/a/memory.max)")) << e;
	EXPECT_TRUE(has(e, "--frames 2048 fits")) << e;

	// Nothing fits even at 64 frames: no --frames hint, fewer queues.
	m.cgroup_room = 1u << 20;
	ASSERT_EQ(hostmem_check(&m, 4096, 4096, 2048, 8, err, sizeof(err)), -1);
	e = err;
	EXPECT_FALSE(has(e, "fits")) << e;
	EXPECT_TRUE(has(e, "open fewer queues with -q")) << e;

	// The ring must shrink with the frames.
	m.cgroup_room = 4ull << 20;
	ASSERT_EQ(hostmem_check(&m, 4096, 4096, 2048, 1, err, sizeof(err)), -1);
	EXPECT_TRUE(has(err, "--frames 512 --ring-size 512 fit")) << err;

	// Enough, or no figure at all: no refusal.
	m.mem_available = 64ull << 30;
	m.cgroup_room = HOSTMEM_UNKNOWN;
	EXPECT_EQ(hostmem_check(&m, 1u << 20, 4096, 2048, 8, err, sizeof(err)), 0);
	m.mem_available = HOSTMEM_UNKNOWN;
	EXPECT_EQ(hostmem_check(&m, 1u << 20, 4096, 2048, 256, err, sizeof(err)), 0);
}

// ----------------------------------------------- MTU against the frame size

TEST(FrameWarning, MtuPastWhatAFrameHolds)
{
	char buf[512] = "";

	EXPECT_EQ(iface_frame_room(4096), 3840u);
	EXPECT_EQ(iface_frame_room(2048), 1792u);
	// 1500 + 18 fits both sizes.
	EXPECT_EQ(iface_frame_warning("eth0", 1500, 2048, "off", buf, sizeof(buf)), 0);
	EXPECT_EQ(iface_frame_warning("eth0", 1500, 4096, "off", buf, sizeof(buf)), 0);
	// The largest MTU that fits 4096, and one more.
	EXPECT_EQ(iface_frame_warning("eth0", 3822, 4096, "off", buf, sizeof(buf)), 0);
	ASSERT_EQ(iface_frame_warning("eth0", 3823, 4096, "--multi-buffer off", buf, sizeof(buf)), 1);
	std::string w = buf;
	EXPECT_TRUE(has(w, "eth0 has MTU 3823, so frames of up to 3841 bytes can arrive")) << w;
	EXPECT_TRUE(has(w, "a 4096-byte UMEM frame holds 3840")) << w;
	EXPECT_TRUE(has(w, "rx_dropped")) << w;
	EXPECT_TRUE(has(w, "multi-buffer is off (--multi-buffer off)")) << w;
	EXPECT_TRUE(has(w, "lower the MTU to 3822 ('ip link set dev eth0 mtu 3822')")) << w;
	// Jumbo on 2048-byte frames: 4096 would do.
	ASSERT_EQ(iface_frame_warning("eth1", 3000, 2048, "off", buf, sizeof(buf)), 1);
	w = buf;
	EXPECT_TRUE(has(w, "use --frame-size 4096, or lower the MTU to 1774")) << w;
	ASSERT_EQ(iface_frame_warning("eth1", 9000, 2048, "off", buf, sizeof(buf)), 1);
	EXPECT_TRUE(has(buf, "lower the MTU to 1774")) << buf;
}

// ---- Pin directory checks (issue 7, section 4): refused before anything is touched.

TEST(PinDirCheck, RelativeOrDotDotPathsAreRefused)
{
	char real[PATH_MAX], err[1024];

	for (const char *d : { "pins", "./pins", "/sys/fs/bpf/../x", "/sys/fs/bpf/x/..", "/tmp/./x" }) {
		EXPECT_EQ(cls_pin_dir_check(d, real, sizeof(real), err, sizeof(err)), -EINVAL) << d;
		EXPECT_TRUE(has(err, "absolute path without '.' or '..'")) << d << ": " << err;
	}
}

TEST(PinDirCheck, NotOnBpffsIsRefusedWithTheMountCommand)
{
	char tmpl[] = "/tmp/xskmap-unit-XXXXXX", real[PATH_MAX], err[1024];

	ASSERT_NE(mkdtemp(tmpl), nullptr);
	std::string deep = std::string(tmpl) + "/not/yet/made";
	for (const std::string &d : { std::string(tmpl), deep }) {
		EXPECT_EQ(cls_pin_dir_check(d.c_str(), real, sizeof(real), err, sizeof(err)), -EXDEV) << d;
		EXPECT_TRUE(has(err, "is not on a bpf filesystem")) << err;
		EXPECT_TRUE(has(err, "mount -t bpf bpf DIR")) << err;
	}
	/* Nothing was made on the way. */
	EXPECT_NE(access((std::string(tmpl) + "/not").c_str(), F_OK), 0);
	rmdir(tmpl);
}

// ---------------------------------------------------------------------------
// The capture writer (user/pcap_out.c): no privileges, files in a private
// directory, FIFOs for the readers that stop reading.

namespace {

class PcapDir {
public:
	PcapDir()
	{
		char tmpl[] = "/tmp/xskmap-unit-pcap-XXXXXX";

		if (mkdtemp(tmpl))
			dir_ = tmpl;
	}
	~PcapDir()
	{
		for (auto &p : made_)
			unlink(p.c_str());
		if (!dir_.empty())
			rmdir(dir_.c_str());
	}
	bool ok() const { return !dir_.empty(); }
	std::string path(const std::string &name)
	{
		made_.push_back(dir_ + "/" + name);
		return made_.back();
	}

private:
	std::string dir_;
	std::vector<std::string> made_;
};

__u64 mono_now_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A frame whose bytes say its queue and number. */
std::vector<unsigned char> tagged(unsigned q, unsigned i, size_t len)
{
	std::vector<unsigned char> f(len, (unsigned char)(i * 7 + q));

	f[0] = q;
	f[1] = i >> 8;
	f[2] = i & 0xff;
	return f;
}

struct PcapRead {
	std::vector<__u64> ts;
	std::vector<std::vector<unsigned char>> frames;
	std::string err;
};

/*
 * The file by hand (libpcap's headers clash with linux/bpf.h here; the e2e
 * tests read captures with libpcap and tcpdump): whole records only.
 */
PcapRead read_pcap_file(const std::string &path)
{
	std::string s = xt::read_file(path);
	PcapRead r;
	size_t off = 24;
	__u32 w[4];

	if (s.size() < 24) {
		r.err = "no header";
		return r;
	}
	while (off < s.size()) {
		if (s.size() - off < 16) {
			r.err = "partial record header";
			return r;
		}
		memcpy(w, s.data() + off, 16);
		if (w[1] >= 1000000000u || w[2] != w[3] || s.size() - off - 16 < w[2]) {
			r.err = "bad or partial record at byte " + std::to_string(off);
			return r;
		}
		r.ts.push_back((__u64)w[0] * 1000000000ULL + w[1]);
		r.frames.emplace_back(s.begin() + off + 16, s.begin() + off + 16 + w[2]);
		off += 16 + w[2];
	}
	return r;
}

struct Opened {
	struct pcap_out *po = nullptr;
	int ret;
	std::string err;
	Opened(const std::string &path, __u32 queues, size_t ring = PCAP_RING_BYTES_DEFAULT)
	{
		char buf[512] = "";

		ret = pcap_out_open(&po, path.c_str(), queues, 4096, ring, nullptr, buf, sizeof(buf));
		err = buf;
	}
	~Opened() { pcap_out_free(po); }
};

} // namespace

TEST(PcapOut, NanosecondFileMergedByTimeInQueueOrder)
{
	PcapDir d;
	ASSERT_TRUE(d.ok());
	std::string path = d.path("a.pcap");
	Opened o(path, 2);
	ASSERT_EQ(o.ret, 0) << o.err;
	char err[512];
	ASSERT_EQ(pcap_out_start(o.po, err, sizeof(err)), 0) << err;

	/* Queue 0 at even times, queue 1 at odd ones: the file interleaves them. */
	const __u64 base = 1700000000ULL * 1000000000ULL + 123456789;
	for (unsigned i = 0; i < 100; i++) {
		auto f0 = tagged(0, i, 60 + i), f1 = tagged(1, i, 1514 - i);

		pcap_out_put(o.po, 0, base + 2 * i, f0.data(), f0.size());
		pcap_out_put(o.po, 1, base + 2 * i + 1, f1.data(), f1.size());
	}
	pcap_out_publish(o.po, 0);
	pcap_out_publish(o.po, 1);
	ASSERT_EQ(pcap_out_finish(o.po, mono_now_ns() + 2000000000ULL, err, sizeof(err)), 0) << err;
	struct pcap_out_stats st;
	pcap_out_get_stats(o.po, &st);
	EXPECT_EQ(st.written, 200u);
	EXPECT_EQ(st.ring_full + st.at_stop + st.after_error, 0u);

	std::string raw = xt::read_file(path);
	ASSERT_GE(raw.size(), 24u);
	__u32 magic;
	memcpy(&magic, raw.data(), 4);
	EXPECT_EQ(magic, PCAP_NSEC_MAGIC);
	__u32 snaplen, linktype;
	memcpy(&snaplen, raw.data() + 16, 4);
	memcpy(&linktype, raw.data() + 20, 4);
	EXPECT_EQ(snaplen, 4096u);
	EXPECT_EQ(linktype, 1u);
	PcapRead r = read_pcap_file(path);
	ASSERT_EQ(r.err, "");
	ASSERT_EQ(r.frames.size(), 200u);
	for (unsigned k = 0; k < 200; k++) {
		unsigned q = k % 2, i = k / 2;

		EXPECT_EQ(r.ts[k], base + k) << "record " << k;
		EXPECT_EQ(r.frames[k], q ? tagged(1, i, 1514 - i) : tagged(0, i, 60 + i)) << "record " << k;
	}
	/* The file is ours alone. */
	struct stat sb;
	ASSERT_EQ(stat(path.c_str(), &sb), 0);
	EXPECT_EQ(sb.st_mode & 0777, 0600u);
}

TEST(PcapOut, SymlinkRefusedAndItsTargetUntouched)
{
	PcapDir d;
	ASSERT_TRUE(d.ok());
	std::string target = d.path("target"), link = d.path("link.pcap");
	FILE *f = fopen(target.c_str(), "w");
	ASSERT_TRUE(f);
	fputs("keep", f);
	fclose(f);
	ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
	Opened o(link, 1);

	EXPECT_EQ(o.ret, -ELOOP);
	EXPECT_NE(o.err.find("it is a symbolic link"), std::string::npos) << o.err;
	EXPECT_EQ(o.err.find('\n'), std::string::npos) << o.err;
	EXPECT_EQ(xt::read_file(target), "keep");
}

TEST(PcapOut, OwnOldFileTruncatedAndMadePrivateWhateverTheUmask)
{
	PcapDir d;
	ASSERT_TRUE(d.ok());
	std::string old = d.path("old.pcap"), fresh = d.path("fresh.pcap");
	FILE *f = fopen(old.c_str(), "w");
	ASSERT_TRUE(f);
	fputs(std::string(10000, 'x').c_str(), f);
	fclose(f);
	ASSERT_EQ(chmod(old.c_str(), 0666), 0);
	mode_t mask = umask(0);
	{
		Opened a(old, 1), b(fresh, 1);

		EXPECT_EQ(a.ret, 0) << a.err;
		EXPECT_EQ(b.ret, 0) << b.err;
	}
	umask(mask);
	for (auto &p : { old, fresh }) {
		struct stat sb;

		ASSERT_EQ(stat(p.c_str(), &sb), 0);
		EXPECT_EQ(sb.st_mode & 0777, 0600u) << p;
		EXPECT_EQ(sb.st_size, 24) << p << ": the header only";
	}
}

TEST(PcapOut, FifoWithoutReaderRefusedAtOnce)
{
	PcapDir d;
	ASSERT_TRUE(d.ok());
	std::string fifo = d.path("noreader.fifo");
	ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
	Opened o(fifo, 1);

	EXPECT_EQ(o.ret, -ENXIO);
	EXPECT_NE(o.err.find("has no reader"), std::string::npos) << o.err;
}

TEST(PcapOut, FullDeviceFailsAtOpenNamingTheError)
{
	Opened o("/dev/full", 1);

	EXPECT_EQ(o.ret, -ENOSPC);
	EXPECT_NE(o.err.find("'/dev/full'"), std::string::npos) << o.err;
	EXPECT_NE(o.err.find("No space left on device"), std::string::npos) << o.err;
}

/* The reader goes away mid-run: the error is reported, every frame counted. */
TEST(PcapOut, ReaderGoneIsAnErrorAndNothingIsLostSilently)
{
	PcapDir d;
	ASSERT_TRUE(d.ok());
	std::string fifo = d.path("gone.fifo");
	ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
	int rfd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(rfd, 0);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);	/* as xskmap does */
	volatile sig_atomic_t stop = 0;
	struct pcap_out *po = nullptr;
	char err[512];
	ASSERT_EQ(pcap_out_open(&po, fifo.c_str(), 1, 4096, PCAP_RING_BYTES_DEFAULT, &stop, err,
				sizeof(err)), 0) << err;
	close(rfd);
	ASSERT_EQ(pcap_out_start(po, err, sizeof(err)), 0) << err;
	auto fr = tagged(0, 1, 500);
	for (int i = 0; i < 100; i++)
		pcap_out_put(po, 0, 1000 + i, fr.data(), fr.size());
	pcap_out_publish(po, 0);
	for (int i = 0; i < 500 && !stop; i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
	EXPECT_EQ(stop, 1) << "a failed write must stop the run";
	for (int i = 0; i < 10; i++)
		pcap_out_put(po, 0, 2000 + i, fr.data(), fr.size());
	pcap_out_publish(po, 0);
	EXPECT_EQ(pcap_out_finish(po, mono_now_ns() + 1000000000ULL, err, sizeof(err)), -1);
	EXPECT_NE(std::string(err).find("writing the capture to '" + fifo + "' failed: Broken pipe"),
		  std::string::npos) << err;
	struct pcap_out_stats st;
	pcap_out_get_stats(po, &st);
	EXPECT_EQ(st.error, EPIPE);
	EXPECT_EQ(st.written, 0u);
	EXPECT_EQ(st.after_error + st.ring_full + st.at_stop, 110u);
	EXPECT_EQ(st.after_error, 110u);
	pcap_out_free(po);
	signal(SIGPIPE, old);
}

/* Nobody reads: puts never wait, the ring overflows into a count, the stop is bounded. */
TEST(PcapOut, StalledReaderNeverBlocksAndTheStopIsBounded)
{
	PcapDir d;
	ASSERT_TRUE(d.ok());
	std::string fifo = d.path("stalled.fifo");
	ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
	int rfd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(rfd, 0);
	Opened o(fifo, 1, 1 << 16);
	ASSERT_EQ(o.ret, 0) << o.err;
	char err[512];
	ASSERT_EQ(pcap_out_start(o.po, err, sizeof(err)), 0) << err;
	auto fr = tagged(0, 2, 1000);
	const unsigned N = 2000;	/* 2 MB: the pipe takes 64 KiB, the ring 64 KiB */
	for (unsigned i = 0; i < N; i++) {
		pcap_out_put(o.po, 0, 5000 + i, fr.data(), fr.size());
		/* In batches, as the RX threads do, with time for the writer to take them. */
		if (i % 32 == 31) {
			pcap_out_publish(o.po, 0);
			std::this_thread::sleep_for(std::chrono::milliseconds(1));
		}
	}
	pcap_out_publish(o.po, 0);
	__u64 t0 = mono_now_ns();
	EXPECT_EQ(pcap_out_finish(o.po, t0 + 200000000ULL, err, sizeof(err)), 0) << err;
	double took = (mono_now_ns() - t0) / 1e9;
	struct pcap_out_stats st;
	pcap_out_get_stats(o.po, &st);
	EXPECT_GT(st.ring_full, 0u) << st.written << " " << st.at_stop;
	EXPECT_GT(st.at_stop, 0u) << st.written << " " << st.ring_full;
	EXPECT_EQ(st.written + st.ring_full + st.at_stop + st.after_error, N);
	EXPECT_LT(took, 2.0) << "the stop waited for the reader";
	/* What the reader can still read is a pcap of whole records, then one cut short at most. */
	close(rfd);
}

TEST(RunOpts, JsonAndStdoutCaptureExclusive)
{
	ParseCase c({ "--json", "-w", "-", "eth0" });

	EXPECT_EQ(c.p.ret, -1);
	EXPECT_NE(c.p.err.find("--json and -w - both write to stdout"), std::string::npos) << c.p.err;
	ParseCase ok({ "-w", "-", "eth0" });
	EXPECT_EQ(ok.p.ret, 0) << ok.p.err;
}

TEST(ReportJson, CaptureAndPastCountFields)
{
	struct queue_report q[2] = {};
	struct run_report r = {};
	struct capture_report c = {};

	q[0].queue_id = 0;
	q[0].rx_packets = 10;
	q[0].rx_past_count = 3;
	q[1].queue_id = 1;
	q[1].rx_past_count = 4;
	r.ifname = "eth0";
	r.attach_mode = "native";
	r.bind_mode = "copy";
	r.nr_queues = 2;
	r.queues = q;
	c.file = "/tmp/a \"b\"\\c\n.pcap";
	c.written = 5;
	c.ring_full = 2;
	c.at_stop = 2;
	c.after_error = 1;
	c.error = "No space left on device";
	r.capture = &c;
	std::string s = json_of(r);

	EXPECT_TRUE(strict_json(s)) << s;
	EXPECT_TRUE(has(s, "\"rx_past_count\":7,")) << s;
	EXPECT_TRUE(has(s, "\"rx_past_count\":3,")) << s;
	/* The file name's quotes, backslash and newline come back as they were. */
	xt::json::Value j;
	std::string perr;
	ASSERT_TRUE(xt::json::parse_strict(s, j, perr)) << perr << "\n" << s;
	const xt::json::Value &cap = j["capture"];
	EXPECT_EQ(cap["file"].str, "/tmp/a \"b\"\\c\n.pcap") << s;
	EXPECT_EQ(cap["frames_written"].u64(), 5u) << s;
	EXPECT_EQ(cap["frames_not_written"].u64(), 5u) << s;
	EXPECT_EQ(cap["not_written"]["writer_behind"].u64(), 2u) << s;
	EXPECT_EQ(cap["not_written"]["at_stop"].u64(), 2u) << s;
	EXPECT_EQ(cap["not_written"]["after_error"].u64(), 1u) << s;
	EXPECT_EQ(cap["not_written"].size(), 3u) << s;
	EXPECT_EQ(cap["error"].str, "No space left on device") << s;
	EXPECT_EQ(cap.size(), 5u) << s;
	EXPECT_TRUE(has(s, "\"capture\":{\"file\":")) << s;
	c.error = nullptr;
	EXPECT_TRUE(has(json_of(r), "\"error\":null}")) << json_of(r);
	std::string t = xt::written_by([&](FILE *f) { report_text(f, &r); });
	EXPECT_TRUE(has(t, "5 frames written, 5 not written (writer behind 2, at stop 2, after error 1)")) << t;
	EXPECT_TRUE(has(t, "3 more taken off the ring past --count")) << t;
	r.capture = nullptr;
	EXPECT_FALSE(has(json_of(r), "\"capture\"")) << json_of(r);
}

// ------------------------------------ issue 7 review, F4: option values

// --pin-dir must be absolute and plain: a usage error (exit 2) like every
// other bad value, for run, rules and detach alike (it was exit 1, found at
// the pin directory check after the interface lookup).
TEST(ReviewFixF4, PinDirRelativeIsAUsageError)
{
	for (const char *bad : { "relative", "x/y", "/a/../b", "/a/./b", "/a/.." }) {
		ParseCase run({ "--pin-dir", bad, "eth0" });
		EXPECT_EQ(run.p.ret, -1) << bad;
		EXPECT_TRUE(has(run.p.err, std::string("invalid --pin-dir '") + bad + "'")) << run.p.err;
		EXPECT_TRUE(has(run.p.err, "absolute path")) << run.p.err;
		RulesCase rules({ "eth0", "list", "--pin-dir", bad });
		EXPECT_EQ(rules.ret, -1) << bad;
		EXPECT_TRUE(has(rules.err, "absolute path")) << rules.err;
	}
	ParseCase ok({ "--pin-dir", "/sys/fs/bpf/x..y/.z", "eth0" });
	EXPECT_EQ(ok.p.ret, 0) << ok.p.err;
}

// `--` ends the options of rules add: what follows is rule words, even "->".
TEST(ReviewFixF4, RulesAddTakesDoubleDash)
{
	RulesCase c({ "eth0", "add", "--", "->", "drop" });
	ASSERT_EQ(c.ret, 0) << c.err;
	EXPECT_EQ(c.a.verb, RULES_ADD);
	EXPECT_STREQ(c.a.text, "-> drop");
	RulesCase d({ "eth0", "add", "--", "-> drop" });
	ASSERT_EQ(d.ret, 0) << d.err;
	EXPECT_STREQ(d.a.text, "-> drop");
	/* After "--", an option's name is a word too (and no rule word). */
	RulesCase j({ "eth0", "add", "--", "--json" });
	EXPECT_EQ(j.ret, -1);
	EXPECT_FALSE(j.a.json);
}

// A refused --duration or --interval says the limit, not just "> 0".
TEST(ReviewFixF4, DurationSaysTheLimit)
{
	ParseCase d({ "-d", "1e9", "eth0" });
	EXPECT_EQ(d.p.ret, -1);
	EXPECT_TRUE(has(d.p.err, "at most 10000000")) << d.p.err;
	ParseCase i({ "-i", "20000000", "eth0" });
	EXPECT_EQ(i.p.ret, -1);
	EXPECT_TRUE(has(i.p.err, "at most 10000000")) << i.p.err;
	ParseCase max({ "-d", "10000000", "eth0" });
	EXPECT_EQ(max.p.ret, 0) << max.p.err;
}

// A queue named twice is accepted (one socket) and warned about: the
// warning names the queue (queue_list_repeat), the list stays unique.
TEST(ReviewFixF4, DuplicateQueueNamed)
{
	EXPECT_EQ(queue_list_repeat("0,0"), 0);
	EXPECT_EQ(queue_list_repeat("0-3,2"), 2);
	EXPECT_EQ(queue_list_repeat("5,1-4,4"), 4);
	EXPECT_EQ(queue_list_repeat("0,1,2-7"), -1);
	EXPECT_EQ(queue_list_repeat("all"), -1);
	QList r = qlist("0,0");
	EXPECT_EQ(r.ret, 0) << r.err;
	EXPECT_EQ(r.q, (std::vector<__u32>{ 0 }));
}
