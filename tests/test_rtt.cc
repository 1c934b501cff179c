// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `gen --rtt` without privileges: the latency histogram against exact
// percentiles of the same samples, the frame's send time and checksum read
// back by the test's own sum (tests/gen_check.h), and the options.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "gen_check.h"
#include "gen_opts.h"
#include "pktbuild.h"
#include "rtt_hist.h"

namespace {

TEST(RttHist, BucketsCoverEveryValueWithBoundedWidth)
{
	std::mt19937_64 rng(7);
	std::vector<uint64_t> vals = { 0, 1, 127, 128, 255, 256, 257, 511, 512, 1000, 65535,
				       1ULL << 40, (1ULL << 63) - 1, 1ULL << 63, ~0ULL };

	for (int i = 0; i < 200000; i++)
		vals.push_back(rng() >> (rng() % 64));
	for (uint64_t v : vals) {
		uint32_t i = xskmap_hist_index(v);

		ASSERT_LT(i, (uint32_t)XSKMAP_HIST_BUCKETS) << v;
		ASSERT_LE(xskmap_hist_lowest(i), v) << v;
		ASSERT_GE(xskmap_hist_highest(i), v) << v;
		/* Exact below 256; above, a bucket is at most 1/128 of its lowest value wide. */
		uint64_t w = xskmap_hist_highest(i) - xskmap_hist_lowest(i) + 1;
		if (v < 256)
			ASSERT_EQ(w, 1u) << v;
		else
			ASSERT_LE(w, xskmap_hist_lowest(i) / XSKMAP_HIST_SUB) << v;
	}
	/* Buckets follow each other without gaps or overlaps. */
	for (uint32_t i = 1; i < XSKMAP_HIST_BUCKETS; i++)
		ASSERT_EQ(xskmap_hist_lowest(i), xskmap_hist_highest(i - 1) + 1) << i;
	EXPECT_EQ(xskmap_hist_highest(XSKMAP_HIST_BUCKETS - 1), ~0ULL);
}

/* The true percentile: the ceil(p * n)-th smallest sample. */
uint64_t exact(std::vector<uint64_t> v, double p)
{
	std::sort(v.begin(), v.end());
	size_t rank = (size_t)std::ceil(p / 100 * v.size() - 1e-9);

	return v[std::max<size_t>(rank, 1) - 1];
}

TEST(RttHist, PercentilesWithinTheResolution)
{
	std::mt19937_64 rng(11);
	/* Latency-like: most around 20 us, a tail to 10 ms. */
	std::lognormal_distribution<double> d(std::log(20000.0), 0.6);
	struct xskmap_hist *h = new xskmap_hist, *a = new xskmap_hist, *b = new xskmap_hist;
	std::vector<uint64_t> v;
	uint64_t sum = 0;

	xskmap_hist_init(h);
	xskmap_hist_init(a);
	xskmap_hist_init(b);
	for (int i = 0; i < 100000; i++) {
		uint64_t x = (uint64_t)d(rng) + (i % 1000 == 0 ? 10000000 : 0);

		v.push_back(x);
		sum += x;
		xskmap_hist_add(h, x);
		xskmap_hist_add(i % 2 ? a : b, x);
	}
	xskmap_hist_merge(a, b);
	EXPECT_EQ(h->count, v.size());
	EXPECT_EQ(h->sum, sum);
	EXPECT_EQ(h->min, *std::min_element(v.begin(), v.end()));
	EXPECT_EQ(h->max, *std::max_element(v.begin(), v.end()));
	uint64_t prev = h->min;
	for (double p : { 1.0, 50.0, 90.0, 99.0, 99.9, 99.99 }) {
		uint64_t want = exact(v, p), got = xskmap_hist_percentile(h, p);

		EXPECT_GE(got, want) << "p" << p;
		EXPECT_LE(got, want + want / XSKMAP_HIST_SUB) << "p" << p;
		EXPECT_GE(got, prev) << "p" << p;
		EXPECT_EQ(xskmap_hist_percentile(a, p), got) << "merged, p" << p;
		prev = got;
	}
	EXPECT_LE(prev, h->max);
	EXPECT_EQ(xskmap_hist_percentile(h, 100), h->max);
	EXPECT_EQ(xskmap_hist_percentile(h, 0), h->min);
	delete h;
	delete a;
	delete b;
}

TEST(RttHist, EmptyAndSingleSample)
{
	struct xskmap_hist *h = new xskmap_hist;

	xskmap_hist_init(h);
	EXPECT_EQ(xskmap_hist_percentile(h, 50), 0u);
	xskmap_hist_add(h, 123457);
	for (double p : { 0.0, 50.0, 99.9, 100.0 })
		EXPECT_EQ(xskmap_hist_percentile(h, p), 123457u) << p;
	/* 99.9% of 1000 samples is the 999th, not the 1000th. */
	xskmap_hist_init(h);
	for (uint64_t i = 1; i <= 1000; i++)
		xskmap_hist_add(h, i < 1000 ? 100 : 200);
	EXPECT_EQ(xskmap_hist_percentile(h, 99.9), 100u);
	delete h;
}

pkt_spec spec(int family, bool vlan, uint32_t size)
{
	pkt_spec s = {};

	memcpy(s.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memset(s.dst_mac, 0xff, 6);
	s.family = family;
	if (family == AF_INET) {
		inet_pton(AF_INET, "198.18.0.2", s.src_ip);
		inet_pton(AF_INET, "198.18.0.1", s.dst_ip);
	} else {
		inet_pton(AF_INET6, "2001:db8::2", s.src_ip);
		inet_pton(AF_INET6, "2001:db8::1", s.dst_ip);
	}
	s.vlan = vlan;
	s.vlan_id = 100;
	s.size = size;
	s.rtt = true;
	return s;
}

/* The UDP checksum of f, summed by gen_check.h's own code: 0xffff when right. */
uint16_t udp_sum(const std::vector<uint8_t> &f, const pkt_layout &l, bool v6)
{
	size_t ulen = f.size() - l.l4_off;
	uint32_t s = v6 ? gencheck::sum16(&f[l.l3_off + 8], 32) : gencheck::sum16(&f[l.l3_off + 12], 8);

	s += 17 + ulen;
	return gencheck::fold(gencheck::sum16(&f[l.l4_off], ulen, s));
}

TEST(RttFrame, SendTimeAfterThePktgenHeaderInTheChecksum)
{
	std::mt19937_64 rng(3);

	for (int fam : { AF_INET, AF_INET6 })
		for (bool vlan : { false, true }) {
			pkt_spec s = spec(fam, vlan, 0);
			uint32_t min = (vlan ? 18 : 14) + (fam == AF_INET ? 20 : 40) + 8 + 16 + 8;

			EXPECT_EQ(pkt_min_size(&s), std::max(min, 60u));
			s.size = pkt_min_size(&s);
			std::vector<uint8_t> f(s.size);
			pkt_layout l;

			ASSERT_EQ(pkt_build(&s, f.data(), &l), 0);
			ASSERT_EQ(l.rtt_off, l.pg_off + 16);
			for (int i = 0; i < 2000; i++) {
				uint64_t ns = rng();
				uint32_t seq = rng(), got_seq = 0;
				__u64 got_ns = 0;

				pkt_stamp_rtt(f.data(), &l, 9, 9, seq, 1, 2, ns);
				ASSERT_EQ(udp_sum(f, l, fam == AF_INET6), 0xffff) << i;
				for (int b = 0; b < 8; b++)
					ASSERT_EQ(f[l.rtt_off + b], (uint8_t)(ns >> (56 - 8 * b)));
				/* What fwd sends back (MACs swapped) reads the same. */
				std::swap_ranges(f.begin(), f.begin() + 6, f.begin() + 6);
				ASSERT_TRUE(pkt_rtt_read(f.data(), f.size(), &l, &got_seq, &got_ns));
				EXPECT_EQ(got_seq, seq);
				EXPECT_EQ(got_ns, ns);
			}
			uint32_t q;
			__u64 n;

			EXPECT_FALSE(pkt_rtt_read(f.data(), f.size() - 1, &l, &q, &n)) << "short";
			f[l.pg_off] ^= 1;
			EXPECT_FALSE(pkt_rtt_read(f.data(), f.size(), &l, &q, &n)) << "no magic";
		}
}

int parse(std::vector<std::string> args, gen_opts *o, std::string *err)
{
	std::vector<char *> argv;
	char buf[512] = "";

	args.insert(args.begin(), "gen");
	for (auto &a : args)
		argv.push_back(&a[0]);
	int r = gen_opts_parse(argv.size(), argv.data(), o, buf, sizeof(buf));
	*err = buf;
	return r;
}

TEST(RttOpts, DefaultsAndRefusals)
{
	gen_opts o;
	std::string err;
	pkt_spec s;
	uint8_t mac[6] = {};
	char e[256];

	ASSERT_EQ(parse({ "--rtt", "eth0" }, &o, &err), 0) << err;
	EXPECT_TRUE(o.rtt);
	EXPECT_EQ(o.rate, GEN_RTT_DEFAULT_RATE);
	EXPECT_DOUBLE_EQ(o.rtt_timeout, 1.0);
	EXPECT_FALSE(o.spin);
	ASSERT_EQ(gen_opts_spec(&o, mac, &s, e, sizeof(e)), 0) << e;
	EXPECT_EQ(s.size, 66u);
	ASSERT_EQ(parse({ "--rtt", "--rate", "500", "--timeout", "0.25", "--spin", "eth0" }, &o, &err), 0)
		<< err;
	EXPECT_EQ(o.rate, 500);
	EXPECT_DOUBLE_EQ(o.rtt_timeout, 0.25);
	EXPECT_TRUE(o.spin);
	ASSERT_EQ(parse({ "--rtt", "-s", "64", "eth0" }, &o, &err), 0) << err;
	EXPECT_NE(gen_opts_spec(&o, mac, &s, e, sizeof(e)), 0);
	EXPECT_NE(std::string(e).find("at least 66"), std::string::npos) << e;

	const std::vector<std::pair<std::vector<std::string>, const char *>> bad = {
		{ { "--rtt", "--engine", "xdp", "eth0" }, "--rtt needs --engine xsk" },
		{ { "--timeout", "1", "eth0" }, "--timeout is for --rtt" },
		{ { "--spin", "eth0" }, "--spin is for --rtt" },
		{ { "--rtt", "--timeout", "0", "eth0" }, "invalid --timeout" },
	};
	for (auto &c : bad) {
		EXPECT_EQ(parse(c.first, &o, &err), -1) << c.second;
		EXPECT_NE(err.find(c.second), std::string::npos) << err;
	}
}

} // namespace
