// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap features` rendering: what a user reads for an available, a
// missing, an unknown and an unprobed capability, in text and in JSON.
#include <gtest/gtest.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include "json_reader.h"
#include "kernel_features.h"
#include "text.h"

using namespace xt;

namespace {

/* The line of the text report that starts with a feature's title. */
std::string line_of(const std::string &text, enum feat_id id)
{
	std::string title = std::string("  ") + feat_defs[id].title + " ";
	size_t p = text.find(title);

	if (p == std::string::npos)
		return "";
	return text.substr(p, text.find('\n', p) - p);
}

struct Results {
	struct feat_result r[FEAT_COUNT] = {};

	Results()
	{
		for (int i = 0; i < FEAT_COUNT; i++)
			r[i].state = FEAT_AVAILABLE;
		r[FEAT_XSK_MULTI_BUFFER].state = FEAT_MISSING;
		snprintf(r[FEAT_XSK_MULTI_BUFFER].detail, sizeof(r[0].detail),
			 "bind() refuses XDP_USE_SG (EINVAL)");
		r[FEAT_TX_SKB_BUDGET].state = FEAT_UNKNOWN;
		snprintf(r[FEAT_TX_SKB_BUDGET].detail, sizeof(r[0].detail), "a \"quoted\" reason");
		r[FEAT_NATIVE_XDP].state = FEAT_NOT_PROBED;
		r[FEAT_ZEROCOPY].state = FEAT_NOT_PROBED;
	}
};

TEST(Features, EveryCapabilityHasKeyTitleAndNeeds)
{
	for (int i = 0; i < FEAT_COUNT; i++) {
		ASSERT_NE(feat_defs[i].key, nullptr) << i;
		EXPECT_GT(strlen(feat_defs[i].title), 3u) << feat_defs[i].key;
		EXPECT_GT(strlen(feat_defs[i].needs), 3u) << feat_defs[i].key;
		for (int j = 0; j < i; j++)
			EXPECT_STRNE(feat_defs[i].key, feat_defs[j].key);
	}
}

/* The guides that say 5.11 confuse it with busy polling. */
TEST(Features, MissingMessageNamesWhatItNeeds)
{
	char msg[256];

	features_missing_msg(FEAT_XSK_MULTI_BUFFER, msg, sizeof(msg));
	EXPECT_STREQ(msg, "AF_XDP multi-buffer (XDP_USE_SG) needs Linux 6.6");
	features_missing_msg(FEAT_RX_METADATA, msg, sizeof(msg));
	EXPECT_NE(strstr(msg, "needs Linux 6.3"), nullptr) << msg;
	features_missing_msg(FEAT_BUSY_POLL, msg, sizeof(msg));
	EXPECT_NE(strstr(msg, "needs Linux 5.11"), nullptr) << msg;
}

TEST(Features, TextSaysYesNoUnknownAndWhy)
{
	Results res;
	std::string t = written_by([&](FILE *f) { features_print_text(f, res.r, nullptr, "6.1.0-test"); });

	EXPECT_NE(t.find("kernel 6.1.0-test"), std::string::npos) << t;
	EXPECT_NE(line_of(t, FEAT_NEED_WAKEUP).find(" yes"), std::string::npos) << t;
	std::string mb = line_of(t, FEAT_XSK_MULTI_BUFFER);
	EXPECT_NE(mb.find(" no "), std::string::npos) << mb;
	EXPECT_NE(mb.find("needs Linux 6.6"), std::string::npos) << mb;
	EXPECT_NE(mb.find("bind() refuses XDP_USE_SG"), std::string::npos) << mb;
	EXPECT_NE(line_of(t, FEAT_TX_SKB_BUDGET).find(" unknown "), std::string::npos) << t;
	EXPECT_NE(line_of(t, FEAT_ZEROCOPY).find("xskmap features IFNAME"), std::string::npos) << t;
	/* One line per capability plus the header. */
	EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), FEAT_COUNT + 1) << t;
}

TEST(Features, JsonCarriesStateMessageAndEscapes)
{
	Results res;
	std::string s = written_by([&](FILE *f) { features_print_json(f, res.r, "eth\"0", "6.1.0-test"); });
	json::Value v;
	std::string err;

	ASSERT_TRUE(json::parse_strict(s, v, err)) << err << "\n" << s;
	EXPECT_EQ(v["kernel"].str, "6.1.0-test");
	EXPECT_EQ(v["interface"].str, "eth\"0");
	const json::Value &f = v["features"];
	ASSERT_EQ(f.size(), (size_t)FEAT_COUNT);
	EXPECT_EQ(f["need_wakeup"]["available"].type, json::Value::BOOL);
	EXPECT_TRUE(f["need_wakeup"]["available"].b);
	EXPECT_FALSE(f["need_wakeup"].has("message"));
	EXPECT_EQ(f["xsk_multi_buffer"]["available"].type, json::Value::BOOL);
	EXPECT_FALSE(f["xsk_multi_buffer"]["available"].b);
	EXPECT_EQ(f["xsk_multi_buffer"]["needs"].str, "Linux 6.6");
	EXPECT_EQ(f["xsk_multi_buffer"]["message"].str, "AF_XDP multi-buffer (XDP_USE_SG) needs Linux 6.6");
	EXPECT_EQ(f["tx_skb_budget"]["available"].type, json::Value::NUL);
	EXPECT_EQ(f["tx_skb_budget"]["detail"].str, "a \"quoted\" reason");
	EXPECT_EQ(f["zero_copy"]["available"].type, json::Value::NUL);
	EXPECT_FALSE(f["zero_copy"]["detail"].str.empty());
}

TEST(Features, JsonWithoutInterfaceIsNull)
{
	Results res;
	std::string s = written_by([&](FILE *f) { features_print_json(f, res.r, nullptr, "x"); });
	json::Value v;
	std::string err;

	ASSERT_TRUE(json::parse_strict(s, v, err)) << err << "\n" << s;
	EXPECT_TRUE(v.has("interface"));
	EXPECT_EQ(v["interface"].type, json::Value::NUL);
}

} // namespace
