// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The live metrics' pieces without a device: --prometheus parsing (run and
// gen), the exposition format's escaping, the interval deltas and the
// rendered text of a made-up report; no privileges.
#include <gtest/gtest.h>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "gen_opts.h"
#include "metrics.h"
#include "options.h"
#include "prom_out.h"

namespace {

/* argv that outlives the call: the options keep pointers into it. */
std::vector<char *> argv_of(const std::vector<std::string> &args)
{
	static std::vector<std::vector<std::string>> keep;
	std::vector<char *> argv;

	keep.push_back(args);
	for (auto &s : keep.back())
		argv.push_back(&s[0]);
	argv.push_back(nullptr);
	return argv;
}

TEST(MetricsOpts, PrometheusIsParsedByRunAndGen)
{
	struct run_opts ro;
	struct gen_opts go;
	char err[512] = "";
	auto a = argv_of({ "run", "--prometheus", "/tmp/x.prom", "eth0" });
	auto b = argv_of({ "gen", "--prometheus", "/tmp/y.prom", "eth0" });

	ASSERT_EQ(run_opts_parse(a.size() - 1, a.data(), &ro, err, sizeof(err)), 0) << err;
	EXPECT_STREQ(ro.prometheus, "/tmp/x.prom");
	ASSERT_EQ(gen_opts_parse(b.size() - 1, b.data(), &go, err, sizeof(err)), 0) << err;
	EXPECT_STREQ(go.prometheus, "/tmp/y.prom");
	auto c = argv_of({ "run", "eth0" });
	ASSERT_EQ(run_opts_parse(c.size() - 1, c.data(), &ro, err, sizeof(err)), 0) << err;
	EXPECT_EQ(ro.prometheus, nullptr);
}

TEST(MetricsOpts, EmptyPrometheusIsRefusedWithTheFix)
{
	struct run_opts ro;
	char err[512] = "";
	auto a = argv_of({ "run", "--prometheus", "", "eth0" });

	EXPECT_EQ(run_opts_parse(a.size() - 1, a.data(), &ro, err, sizeof(err)), -1);
	EXPECT_NE(std::string(err).find(".prom"), std::string::npos) << err;
}

std::string rendered(void (*fn)(FILE *, void *), void *ctx)
{
	char *buf = nullptr;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, ctx);
	fclose(f);
	std::string s(buf, len);
	free(buf);
	return s;
}

TEST(PromOut, LabelValuesEscapeBackslashQuoteNewline)
{
	struct Ctx {
		const char *v;
	} c = { "a\"b\\c\nd" };
	std::string s = rendered([](FILE *f, void *p) {
		struct prom_label l[] = { { "x", ((Ctx *)p)->v }, { nullptr, nullptr } };

		prom_family(f, "m_total", "counter", "help with \\ and\nnewline");
		prom_sample(f, "m_total", l, 7);
	}, &c);

	EXPECT_EQ(s, "# HELP m_total help with \\\\ and\\nnewline\n# TYPE m_total counter\n"
		     "m_total{x=\"a\\\"b\\\\c\\nd\"} 7\n");
}

struct Reports {
	struct queue_report now_q[2], prev_q[2], d_q[2];
	struct run_report now, prev, d;
	struct capture_report dc;
	struct meta_report dm;

	Reports()
	{
		memset(this, 0, sizeof(*this));
		for (int i = 0; i < 2; i++) {
			now_q[i].queue_id = prev_q[i].queue_id = 4 + i;
			now_q[i].rx_packets = 100 + i;
			prev_q[i].rx_packets = 40;
			now_q[i].xdp.rx_ring_full = 9;
			prev_q[i].xdp.rx_ring_full = 2;
			now_q[i].poll_calls = 30;
			prev_q[i].poll_calls = 10;
			now_q[i].tx_kick_errno = 19;
		}
		now.ifname = prev.ifname = "eth0";
		now.nr_queues = prev.nr_queues = 2;
		now.queues = now_q;
		prev.queues = prev_q;
		now.seconds = 3.5;
		prev.seconds = 2.5;
		now.bpf[XSK_STAT_REDIRECTED].packets = 201;
		prev.bpf[XSK_STAT_REDIRECTED].packets = 80;
		/* A rule replaced since: its hits went back. */
		now.hits[0].packets = 3;
		prev.hits[0].packets = 50;
	}
};

TEST(MetricsDelta, CountersSubtractedIdentityKept)
{
	Reports r;

	metrics_run_delta(&r.now, &r.prev, &r.d, r.d_q, &r.dc, &r.dm);
	EXPECT_DOUBLE_EQ(r.d.seconds, 1.0);
	ASSERT_EQ(r.d.nr_queues, 2u);
	EXPECT_EQ(r.d.queues, r.d_q);
	EXPECT_EQ(r.d_q[0].queue_id, 4u);
	EXPECT_EQ(r.d_q[1].queue_id, 5u);
	EXPECT_EQ(r.d_q[0].rx_packets, 60u);
	EXPECT_EQ(r.d_q[1].rx_packets, 61u);
	EXPECT_EQ(r.d_q[0].xdp.rx_ring_full, 7u);
	EXPECT_EQ(r.d_q[0].poll_calls, 20u);
	EXPECT_EQ(r.d_q[0].tx_kick_errno, 19);
	EXPECT_EQ(r.d.bpf[XSK_STAT_REDIRECTED].packets, 121u);
	EXPECT_EQ(r.d.hits[0].packets, 3u);	/* from 0 again */
	EXPECT_EQ(r.d.capture, nullptr);
	/* Against itself: all zero, the names left. */
	metrics_run_delta(&r.now, &r.now, &r.d, r.d_q, &r.dc, &r.dm);
	EXPECT_EQ(r.d_q[1].rx_packets, 0u);
	EXPECT_EQ(r.d_q[1].queue_id, 5u);
	EXPECT_STREQ(r.d.ifname, "eth0");
}

TEST(MetricsProm, RunFamiliesOnceEachQueueLabelled)
{
	Reports r;
	struct metrics_prom_ctx c = {};

	c.run = &r.now;
	c.start_time = 1700000000.5;
	c.running = true;
	std::string s = rendered(metrics_prom_render, &c);

	EXPECT_NE(s.find("xskmap_running{command=\"run\",interface=\"eth0\"} 1\n"), std::string::npos) << s;
	EXPECT_NE(s.find("xskmap_rx_packets_total{interface=\"eth0\",queue=\"4\"} 100\n"
			 "xskmap_rx_packets_total{interface=\"eth0\",queue=\"5\"} 101\n"), std::string::npos) << s;
	EXPECT_NE(s.find("xskmap_xdp_rx_ring_full_total{interface=\"eth0\",queue=\"5\"} 9\n"), std::string::npos) << s;
	EXPECT_NE(s.find("xskmap_program_packets_total{interface=\"eth0\",reason=\"redirected\"} 201\n"), std::string::npos) << s;
	/* One TYPE line per family, even for a family of several rows (wakeups by syscall). */
	for (const char *fam : { "xskmap_wakeups_total", "xskmap_rx_packets_total", "xskmap_program_packets_total" }) {
		std::string t = std::string("# TYPE ") + fam + " counter\n";
		size_t at = s.find(t);

		ASSERT_NE(at, std::string::npos) << fam;
		EXPECT_EQ(s.find(t, at + 1), std::string::npos) << fam;
	}
	/* Redirect failures: one series per queue and reason, errno by name. */
	r.now.explain.on = true;
	r.now.explain.n = 1;
	r.now.explain.e[0] = { 5, ENOBUFS, 0, 136 };
	s = rendered(metrics_prom_render, &c);
	EXPECT_NE(s.find("xskmap_redirect_failures_total{interface=\"eth0\",queue=\"5\",reason=\"rx_ring_full\",errno=\"ENOBUFS\"} 136\n"),
		  std::string::npos) << s;
	/* No rules known: no rule family. */
	EXPECT_EQ(s.find("xskmap_rule_packets_total"), std::string::npos);
}

}  // namespace
