// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The UMEM-layout and two-port options of `run` (--shared-umem, --out,
// --bridge) as the option table parses them; no privileges.
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "options.h"

namespace {

struct Parsed {
	int ret;
	struct run_opts o;
	std::string err;
};

Parsed parse(std::vector<std::string> args)
{
	static std::vector<std::vector<std::string>> keep;
	std::vector<std::string> strs = { "run" };
	std::vector<char *> argv;
	char err[512] = "";
	Parsed p;

	strs.insert(strs.end(), args.begin(), args.end());
	/* run_opts keeps pointers into argv: these outlive the call. */
	keep.push_back(strs);
	for (auto &s : keep.back())
		argv.push_back(&s[0]);
	argv.push_back(nullptr);
	p.ret = run_opts_parse(argv.size() - 1, argv.data(), &p.o, err, sizeof(err));
	p.err = err;
	return p;
}

TEST(UmemOpts, DefaultsPerQueueNoOut)
{
	Parsed p = parse({ "eth0" });

	ASSERT_EQ(p.ret, 0) << p.err;
	EXPECT_FALSE(p.o.shared_umem);
	EXPECT_EQ(p.o.out_ifname, nullptr);
	EXPECT_FALSE(p.o.bridge);
}

TEST(UmemOpts, SharedUmemWithEveryAction)
{
	for (const char *a : { "count", "drop", "fwd" }) {
		Parsed p = parse({ "--shared-umem", "-a", a, "eth0" });

		ASSERT_EQ(p.ret, 0) << a << ": " << p.err;
		EXPECT_TRUE(p.o.shared_umem) << a;
	}
}

TEST(UmemOpts, OutImpliesSharedUmem)
{
	Parsed p = parse({ "-a", "fwd", "--out", "eth1", "eth0" });

	ASSERT_EQ(p.ret, 0) << p.err;
	EXPECT_STREQ(p.o.out_ifname, "eth1");
	EXPECT_TRUE(p.o.shared_umem);
	EXPECT_FALSE(p.o.bridge);
	Parsed b = parse({ "eth0", "--bridge", "--out", "eth1", "-a", "fwd" });
	ASSERT_EQ(b.ret, 0) << b.err;
	EXPECT_TRUE(b.o.bridge);
}

TEST(UmemOpts, OutRefusals)
{
	struct {
		std::vector<std::string> args;
		const char *says;
	} cases[] = {
		{ { "--out", "eth1", "eth0" }, "needs --action fwd" },
		{ { "-a", "drop", "--out", "eth1", "eth0" }, "needs --action fwd" },
		{ { "-a", "fwd", "--out", "eth0", "eth0" }, "--out names eth0" },
		{ { "-a", "fwd", "--bridge", "eth0" }, "give --out IFNAME2" },
		{ { "-a", "fwd", "--out", "", "eth0" }, "" },
		{ { "-a", "fwd", "--out", "a-name-longer-than-15", "eth0" }, "" },
		{ { "-a", "fwd", "eth0", "--out" }, "--out" },
	};
	for (auto &c : cases) {
		Parsed p = parse(c.args);

		EXPECT_EQ(p.ret, -1) << c.args[c.args.size() - 1];
		EXPECT_NE(p.err.find(c.says), std::string::npos) << p.err;
	}
}

} // namespace
