// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The frame builder and `xskmap gen`'s option checks, without privileges.
// Frames are read back by tests/gen_check.h: another parser, another
// checksum, nothing shared with user/pktbuild.c.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <random>
#include <string>
#include <vector>

#include "argv.h"
#include "gen_check.h"
#include "gen_opts.h"
#include "pktbuild.h"

namespace {

pkt_spec spec(int family, bool vlan, uint32_t size)
{
	pkt_spec s = {};

	memcpy(s.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memset(s.dst_mac, 0xff, 6);
	s.family = family;
	if (family == AF_INET) {
		inet_pton(AF_INET, "198.18.0.2", s.src_ip);
		inet_pton(AF_INET, "198.19.255.254", s.dst_ip);
	} else {
		inet_pton(AF_INET6, "2001:db8::2", s.src_ip);
		inet_pton(AF_INET6, "2001:db8:ffff::ffff", s.dst_ip);
	}
	s.vlan = vlan;
	s.vlan_id = 4094;
	s.size = size;
	return s;
}

TEST(GenFrame, MinimumSizes)
{
	pkt_spec a = spec(AF_INET, false, 0), b = spec(AF_INET, true, 0);
	pkt_spec c = spec(AF_INET6, false, 0), d = spec(AF_INET6, true, 0);

	EXPECT_EQ(pkt_min_size(&a), 60u);
	EXPECT_EQ(pkt_min_size(&b), 62u);
	EXPECT_EQ(pkt_min_size(&c), 78u);
	EXPECT_EQ(pkt_min_size(&d), 82u);
}

TEST(GenFrame, RefusesBelowMinimum)
{
	std::vector<uint8_t> buf(128);
	pkt_layout l;
	pkt_spec s = spec(AF_INET6, false, 77);

	EXPECT_NE(pkt_build(&s, buf.data(), &l), 0);
	s = spec(AF_INET, false, 59);
	EXPECT_NE(pkt_build(&s, buf.data(), &l), 0);
}

/* Every family, tag and size, stamped with random fields: the independent parser agrees. */
TEST(GenFrame, StampedFramesAreValid)
{
	std::mt19937 rng(12345);

	for (int family : { AF_INET, AF_INET6 })
		for (bool vlan : { false, true })
			for (uint32_t size : { 0u, 64u, 65u, 128u, 1500u, 1518u, 4096u }) {
				pkt_spec s = spec(family, vlan, size);

				if (!size)
					s.size = pkt_min_size(&s);
				if (s.size < pkt_min_size(&s))
					continue;
				std::vector<uint8_t> f(s.size);
				pkt_layout l;

				ASSERT_EQ(pkt_build(&s, f.data(), &l), 0);
				ASSERT_EQ(l.len, s.size);
				for (int i = 0; i < 2000; i++) {
					uint16_t sp = rng() % 65535 + 1, dp = rng() % 65535 + 1;
					uint32_t seq = i < 3 ? (uint32_t)i - 1 : rng();
					uint32_t sec = rng(), usec = rng() % 1000000;

					pkt_stamp(f.data(), &l, sp, dp, seq, sec, usec);
					gencheck::Frame r = gencheck::parse(f);
					ASSERT_TRUE(r.ok) << r.why << " family " << family << " vlan "
							  << vlan << " size " << s.size << " seq " << seq;
					EXPECT_EQ(r.v6, family == AF_INET6);
					EXPECT_EQ(r.vlan, vlan);
					EXPECT_EQ(r.vlan_id, vlan ? 4094 : 0);
					EXPECT_EQ(r.sport, sp);
					EXPECT_EQ(r.dport, dp);
					EXPECT_EQ(r.seq, seq);
					EXPECT_EQ(r.sec, sec);
					EXPECT_EQ(r.usec, usec);
					EXPECT_EQ(r.len, s.size);
				}
			}
}

/* A sum of 0 is sent as 0xffff (0 would mean "no checksum"): search for one. */
TEST(GenFrame, ZeroChecksumIsSentAsAllOnes)
{
	pkt_spec s = spec(AF_INET, false, 60);
	std::vector<uint8_t> f(60);
	pkt_layout l;
	bool seen = false;

	ASSERT_EQ(pkt_build(&s, f.data(), &l), 0);
	for (uint32_t seq = 0; seq < 200000 && !seen; seq++) {
		pkt_stamp(f.data(), &l, 9, 9, seq, 0, 0);
		uint16_t c = f[l.l4_off + 6] << 8 | f[l.l4_off + 7];

		ASSERT_NE(c, 0);
		if (c == 0xffff) {
			seen = true;
			EXPECT_TRUE(gencheck::parse(f).ok);
		}
	}
	EXPECT_TRUE(seen);
}

int parse(std::vector<std::string> args, gen_opts *o, std::string *err)
{
	return xt::parse_cmd(gen_opts_parse, "gen", std::move(args), o, err);
}

TEST(GenOpts, Defaults)
{
	gen_opts o;
	std::string err;
	pkt_spec s;
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	char ip[64];

	ASSERT_EQ(parse({ "eth0" }, &o, &err), 0) << err;
	EXPECT_EQ(o.engine, GEN_ENGINE_XSK);
	EXPECT_EQ(o.nr_queues, 1u);
	EXPECT_EQ(o.queues[0], 0u);
	char e[256];

	ASSERT_EQ(gen_opts_spec(&o, mac, &s, e, sizeof(e)), 0) << e;
	EXPECT_EQ(s.size, 64u);
	EXPECT_EQ(memcmp(s.src_mac, mac, 6), 0);
	EXPECT_EQ(memcmp(s.dst_mac, "\xff\xff\xff\xff\xff\xff", 6), 0);
	EXPECT_STREQ(inet_ntop(AF_INET, s.src_ip, ip, sizeof(ip)), "198.18.0.2");
	EXPECT_STREQ(inet_ntop(AF_INET, s.dst_ip, ip, sizeof(ip)), "198.18.0.1");
	EXPECT_EQ(o.sport_lo, 9);
	EXPECT_EQ(o.dport_hi, 9);
}

TEST(GenOpts, Ipv6DefaultSizeAndRefusals)
{
	gen_opts o;
	std::string err;
	pkt_spec s;
	uint8_t mac[6] = {};
	char e[256];

	ASSERT_EQ(parse({ "--src", "2001:db8::5", "eth0" }, &o, &err), 0) << err;
	ASSERT_EQ(gen_opts_spec(&o, mac, &s, e, sizeof(e)), 0) << e;
	EXPECT_EQ(s.family, AF_INET6);
	EXPECT_EQ(s.size, 78u);
	ASSERT_EQ(parse({ "--dst", "2001:db8::5", "--vlan", "7", "-s", "80", "eth0" }, &o, &err), 0);
	EXPECT_NE(gen_opts_spec(&o, mac, &s, e, sizeof(e)), 0);
	EXPECT_NE(std::string(e).find("at least 82"), std::string::npos) << e;
}

TEST(GenOpts, UsageErrors)
{
	const std::vector<std::pair<std::vector<std::string>, const char *>> cases = {
		{ { "-s", "59", "eth0" }, "at least 60" },
		{ { "--src", "198.18.0.1", "--dst", "2001:db8::1", "eth0" }, "different families" },
		{ { "--engine", "pktgen", "eth0" }, "use xsk or xdp" },
		{ { "--sport", "200-100", "eth0" }, "backwards" },
		{ { "--sport", "0", "eth0" }, "1-65535" },
		{ { "--dport", "70000", "eth0" }, "1-65535" },
		{ { "--vlan", "4095", "eth0" }, "1-4094" },
		{ { "--vlan", "0", "eth0" }, "1-4094" },
		{ { "--rate", "0", "eth0" }, "--rate" },
		{ { "-c", "0", "eth0" }, "--count" },
		{ { "--dst-mac", "ff:ff:ff:ff:ff", "eth0" }, "six hex bytes" },
		{ { "--src", "198.18.0.300", "eth0" }, "IPv4 or IPv6" },
		{ { "--engine", "xdp", "-q", "1", "eth0" }, "-q is for --engine xsk" },
		{ { "-q", "0-1", "--cpus", "0", "eth0" }, "one CPU per queue" },
		{ { "--cpus", "1,1", "eth0" }, "twice" },
		{ { "-q", "all", "eth0" }, "name the TX queues" },
		{ {}, "missing interface" },
		{ { "eth0", "eth1" }, "unexpected argument" },
		{ { "--bogus", "eth0" }, "unknown gen option" },
	};

	for (auto &c : cases) {
		gen_opts o;
		std::string err, line;

		for (auto &a : c.first)
			line += a + " ";
		EXPECT_EQ(parse(c.first, &o, &err), -1) << line;
		EXPECT_NE(err.find(c.second), std::string::npos) << line << ": " << err;
	}
}

TEST(GenOpts, RangesAndCpus)
{
	gen_opts o;
	std::string err;

	ASSERT_EQ(parse({ "--sport", "1000-1007", "--dport", "53", "-q", "0-2", "--cpus", "1,0,3",
			  "--rate", "20000", "-c", "5", "-d", "1.5", "eth0" }, &o, &err), 0) << err;
	EXPECT_EQ(o.sport_lo, 1000);
	EXPECT_EQ(o.sport_hi, 1007);
	EXPECT_EQ(o.dport_lo, 53);
	EXPECT_EQ(o.dport_hi, 53);
	EXPECT_EQ(o.nr_queues, 3u);
	ASSERT_EQ(o.perf.nr_cpus, 3u);
	EXPECT_EQ(o.perf.cpus[0], 1u);
	EXPECT_EQ(o.perf.cpus[1], 0u);
	EXPECT_EQ(o.perf.cpus[2], 3u);
	EXPECT_EQ(o.rate, 20000);
	EXPECT_EQ(o.count, 5u);
	EXPECT_DOUBLE_EQ(o.duration, 1.5);
}

} // namespace
