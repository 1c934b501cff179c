// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap attach` options: the program options of `run`, from the same
// table entries, and nothing of a run's sockets or output.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "options.h"

namespace {

struct AttachParse {
	std::vector<std::string> strs;
	std::vector<char *> argv;
	struct run_opts o;
	std::string err;
	int ret;

	explicit AttachParse(std::initializer_list<const char *> args)
	{
		char e[512] = "";

		strs.emplace_back("attach");
		for (auto a : args)
			strs.emplace_back(a);
		for (auto &s : strs)
			argv.push_back(&s[0]);
		argv.push_back(nullptr);
		memset(&o, 0xa5, sizeof(o));
		ret = attach_opts_parse(strs.size(), argv.data(), &o, e, sizeof(e));
		err = e;
	}
};

std::string help_of(void (*usage)(FILE *))
{
	char *buf = nullptr;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	usage(f);
	fclose(f);
	std::string s(buf, len);
	free(buf);
	return s;
}

/* The option line of --name in a --help text (one starting with "-"), "" if absent. */
std::string line_of(const std::string &text, const std::string &name)
{
	size_t pos = 0;

	while (pos < text.size()) {
		size_t eol = text.find('\n', pos);
		std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
		size_t first = line.find_first_not_of(' ');

		pos = eol == std::string::npos ? text.size() : eol + 1;
		if (first != std::string::npos && line[first] == '-' &&
		    (line.find("--" + name + " ") != std::string::npos ||
		     (line.size() >= name.size() + 2 &&
		      line.compare(line.size() - name.size() - 2, std::string::npos, "--" + name) == 0)))
			return line;
	}
	return "";
}

TEST(AttachOpts, TakesTheProgramOptionsOfRun)
{
	AttachParse p({ "-m", "skb", "-r", "udp dport 4789 -> queue", "--default", "pass",
			"--fallback", "drop", "--force", "--pin-dir", "/sys/fs/bpf/x", "-v", "eth0" });

	ASSERT_EQ(p.ret, 0) << p.err;
	EXPECT_STREQ(p.o.ifname, "eth0");
	EXPECT_EQ(p.o.mode, ATTACH_SKB);
	ASSERT_EQ(p.o.nr_rules, 1u);
	EXPECT_STREQ(p.o.rules[0], "udp dport 4789 -> queue");
	EXPECT_STREQ(p.o.default_action, "pass");
	EXPECT_EQ(p.o.fallback, (__u32)XDP_DROP);
	EXPECT_TRUE(p.o.force);
	EXPECT_STREQ(p.o.pin_dir, "/sys/fs/bpf/x");
	EXPECT_EQ(p.o.verbose, 1);
	EXPECT_FALSE(p.o.fixed);
}

TEST(AttachOpts, FixedIndexSizesTheMapPastTheQueues)
{
	AttachParse p({ "--fixed-index", "5", "--match", "udp", "eth0" });

	ASSERT_EQ(p.ret, 0) << p.err;
	EXPECT_TRUE(p.o.fixed);
	EXPECT_EQ(run_opts_slots(&p.o, 2), 6u);
	EXPECT_EQ(run_opts_slots(&p.o, 8), 8u);
}

TEST(AttachOpts, RefusesWhatOnlyARunHasAndBadValuesAsRunDoes)
{
	for (auto *opt : { "-q", "--count", "--write", "--action", "--frames" }) {
		AttachParse p({ opt, "1", "eth0" });

		EXPECT_EQ(p.ret, -1) << opt;
		EXPECT_NE(p.err.find("xskmap attach --help"), std::string::npos) << opt << ": " << p.err;
	}
	AttachParse bad({ "--mode", "fast", "eth0" });
	EXPECT_EQ(bad.ret, -1);
	EXPECT_NE(bad.err.find("invalid --mode 'fast': use native, skb or auto"), std::string::npos)
		<< bad.err;
	AttachParse none({});
	EXPECT_EQ(none.ret, -1);
	EXPECT_NE(none.err.find("no interface given: xskmap attach"), std::string::npos) << none.err;
	AttachParse rel({ "--pin-dir", "rel/dir", "eth0" });
	EXPECT_EQ(rel.ret, -1);
}

/* One declaration: the shared options read the same in both --help texts. */
TEST(AttachOpts, SharedOptionsHaveRunsHelpLines)
{
	std::string run = help_of(run_usage), att = help_of(attach_usage);

	for (auto *name : { "mode", "force", "rule", "default", "match", "fallback" }) {
		EXPECT_NE(line_of(att, name), "") << name;
		EXPECT_EQ(line_of(att, name), line_of(run, name)) << name;
	}
	EXPECT_NE(att.find("default " ATTACH_PIN_ROOT "/IFNAME"), std::string::npos) << att;
	EXPECT_EQ(line_of(att, "queues"), "");
}

} // namespace
