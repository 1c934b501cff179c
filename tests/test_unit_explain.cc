// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The words for the errnos the kernel returns when it refuses a frame after
// XDP_REDIRECT into an XSKMAP (user/explain.c), and how a report renders.
#include <gtest/gtest.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <json-c/json.h>

#include "explain.h"

namespace {

std::string name(__u32 err, __u32 flags = 0)
{
	return explain_words(err, flags).name;
}

TEST(UnitExplain, EachKernelErrnoHasItsReason)
{
	EXPECT_EQ(name(ENOBUFS), "rx_ring_full");
	EXPECT_EQ(name(ENOMEM), "fill_ring_empty");
	EXPECT_EQ(name(ENOSPC), "frame_too_big");
	EXPECT_EQ(name(EMSGSIZE), "frame_too_big");
	EXPECT_EQ(name(EINVAL), "other_queue");
	EXPECT_EQ(name(EINVAL, XSK_EXPLAIN_OTHER_DEV), "other_device");
	EXPECT_EQ(name(ENXIO), "not_bound");
	EXPECT_EQ(name(EOPNOTSUPP), "not_supported");
	EXPECT_EQ(name(EPERM), "other");
	EXPECT_STREQ(explain_words(ENOBUFS, 0).what, "RX ring full");
	EXPECT_STREQ(explain_words(ENOSPC, 0).what, "frame larger than the frame size");
	EXPECT_NE(std::string(explain_words(ENOBUFS, 0).fix).find("--ring-size"), std::string::npos);
	EXPECT_NE(std::string(explain_words(ENOSPC, 0).fix).find("--frame-size"), std::string::npos);
}

std::string text(const explain_report &r)
{
	char *buf = nullptr;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	explain_text(f, &r, "  ");
	fclose(f);
	std::string s(buf, len);
	free(buf);
	return s;
}

TEST(UnitExplain, TextAndJsonOfAReport)
{
	explain_report r = {};

	r.on = true;
	EXPECT_EQ(text(r), "  none\n");
	r.n = 2;
	r.e[0] = { 0, ENOSPC, 0, 12 };
	r.e[1] = { 3, EPERM, 0, 1 };
	EXPECT_EQ(text(r), "  queue 0: frame larger than the frame size: 12 (ENOSPC: raise --frame-size, use --multi-buffer on (Linux 6.6) or lower the MTU)\n"
			   "  queue 3: refused by the kernel: 1 (EPERM, Operation not permitted)\n");
	EXPECT_EQ(explain_count(&r, "frame_too_big", -1), 12u);
	EXPECT_EQ(explain_count(&r, "frame_too_big", 3), 0u);

	json_object *o = explain_json(&r);
	std::string js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	json_object_put(o);
	EXPECT_NE(js.find("\"queue\":0,\"reason\":\"frame_too_big\",\"errno\":\"ENOSPC\",\"packets\":12"),
		  std::string::npos) << js;

	explain_report off = {};
	off.off_why = "--no-explain";
	EXPECT_EQ(text(off), "  not explained: --no-explain\n");
}

TEST(UnitExplain, LiveLinesOnlyForWhatGrew)
{
	explain_report a = {}, b = {};
	char *buf = nullptr;
	size_t len = 0;

	a.on = b.on = true;
	a.n = b.n = 1;
	a.e[0] = b.e[0] = { 1, ENOBUFS, 0, 5 };
	b.e[0].packets = 9;
	FILE *f = open_memstream(&buf, &len);
	explain_interval(f, 2.0, &a, &a);
	explain_interval(f, 3.0, &b, &a);
	fclose(f);
	std::string s(buf, len);
	free(buf);
	EXPECT_EQ(s, "    3.00 failed after redirect: queue 1: RX ring full: 9 (ENOBUFS: the consumer is behind: raise --ring-size or use more queues) (+4)\n");
}

}  // namespace
