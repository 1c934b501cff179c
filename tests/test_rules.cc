// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Steering rules in userspace: the rule language, rule sets, the reference
// classifier, and the compiled bit-vector tables checked against it on
// random rule sets and frames (seed printed; XSKMAP_SEED=N replays a run).
#include <linux/types.h>
#include <bpf/bpf_endian.h>

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parse.h"
#include "packet.h"
#include "ruleset.h"

namespace {

struct Parsed {
	int rc;
	xsk_rule r;
	std::string err;
};

Parsed parse(const std::string &text)
{
	Parsed p;
	char err[512] = "";

	p.rc = rule_parse(text.c_str(), &p.r, err, sizeof(err));
	p.err = err;
	return p;
}

std::string format(const xsk_rule &r)
{
	char buf[RULE_FORMAT_MAX];

	rule_format(&r, buf, sizeof(buf));
	return buf;
}

std::array<uint8_t, 16> a4(const char *s)
{
	std::array<uint8_t, 16> a{};
	EXPECT_EQ(inet_pton(AF_INET, s, a.data()), 1) << s;
	return a;
}

std::array<uint8_t, 16> a6(const char *s)
{
	std::array<uint8_t, 16> a{};
	EXPECT_EQ(inet_pton(AF_INET6, s, a.data()), 1) << s;
	return a;
}

TEST(RuleParse, IssueExamples)
{
	Parsed p = parse("udp dport 4789 -> queue");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.fields, (__u32)(XSK_F_PROTO | XSK_F_DPORT));
	EXPECT_EQ(p.r.l4_proto, XK_IPPROTO_UDP);
	EXPECT_EQ(p.r.dport_lo, 4789);
	EXPECT_EQ(p.r.dport_hi, 4789);
	EXPECT_EQ(p.r.action, XSK_ACT_QUEUE);

	p = parse("ip6 tcp dport 22 -> pass");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.fields, (__u32)(XSK_F_IPVER | XSK_F_PROTO | XSK_F_DPORT));
	EXPECT_EQ(p.r.ip_version, 6);
	EXPECT_EQ(p.r.l4_proto, XK_IPPROTO_TCP);
	EXPECT_EQ(p.r.dport_lo, 22);
	EXPECT_EQ(p.r.action, XSK_ACT_PASS);

	p = parse("src 198.18.0.0/15 -> drop");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.fields, (__u32)XSK_F_SRC);
	EXPECT_EQ(p.r.family, 4);
	EXPECT_EQ(p.r.ip_version, 0);	// a prefix sets the family only
	EXPECT_EQ(p.r.src_len, 15);
	EXPECT_EQ(0, memcmp(p.r.src, a4("198.18.0.0").data(), 16));
	EXPECT_EQ(p.r.action, XSK_ACT_DROP);
}

TEST(RuleParse, MoreForms)
{
	Parsed p = parse("-> drop");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.fields, 0u);

	p = parse("vlan 100 ipv4 udp sport 1000-2000 dport 53 -> index 7");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.fields, (__u32)(XSK_F_VLAN | XSK_F_IPVER | XSK_F_PROTO | XSK_F_SPORT |
				       XSK_F_DPORT));
	EXPECT_EQ(p.r.vlan_id, 100);
	EXPECT_EQ(p.r.ip_version, 4);
	EXPECT_EQ(p.r.sport_lo, 1000);
	EXPECT_EQ(p.r.sport_hi, 2000);
	EXPECT_EQ(p.r.action, XSK_ACT_INDEX);
	EXPECT_EQ(p.r.index, 7u);

	p = parse("ipv6 dst 2001:db8::/32 src 2001:db8::1 -> queue");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.family, 6);
	EXPECT_EQ(p.r.dst_len, 32);
	EXPECT_EQ(p.r.src_len, 128);
	EXPECT_EQ(0, memcmp(p.r.src, a6("2001:db8::1").data(), 16));
	EXPECT_EQ(0, memcmp(p.r.dst, a6("2001:db8::").data(), 16));

	p = parse("ip dst 10.1.2.3 -> pass");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.ip_version, 4);
	EXPECT_EQ(p.r.dst_len, 32);

	p = parse("icmp type 8 code 0 -> drop");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.l4_proto, XK_IPPROTO_ICMP);
	EXPECT_EQ(p.r.dport_lo, 8);	// type is the destination port
	EXPECT_EQ(p.r.sport_lo, 0);
	EXPECT_EQ(p.r.fields, (__u32)(XSK_F_PROTO | XSK_F_SPORT | XSK_F_DPORT));

	p = parse("  icmp6\ttype 128-129  ->   pass ");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.l4_proto, XK_IPPROTO_ICMPV6);
	EXPECT_EQ(p.r.dport_lo, 128);
	EXPECT_EQ(p.r.dport_hi, 129);

	p = parse("udp->drop");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.action, XSK_ACT_DROP);

	p = parse("proto 47 -> drop");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.l4_proto, 47);

	// Ports without a protocol match any frame that has ports.
	p = parse("dport 0-65535 sport 7 -> queue");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.dport_hi, 65535);

	p = parse("src 0.0.0.0/0 dst ::/0 -> queue");
	EXPECT_NE(p.rc, 0);	// v4 and v6 together
	p = parse("src ::/0 dst ::/0 -> queue");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.r.src_len, 0);
}

TEST(RuleParse, ExactMessage)
{
	Parsed p = parse("udp dport 99999 -> queue");
	ASSERT_EQ(p.rc, -1);
	EXPECT_EQ(p.err, "rule 'udp dport 99999 -> queue': '99999' (word 3) is not a port 0-65535");
}

struct BadRule {
	const char *text;
	const char *names;	// must appear in the message: the offending word
	const char *says;	// and this
};

TEST(RuleParse, Errors)
{
	static const BadRule bad[] = {
		{ "udp foo -> queue", "'foo' (word 2)", "not a match word" },
		{ "udp dport -> queue", "'dport' (word 2)", "needs a value" },
		{ "udp dport", "'dport' (word 2)", "needs a value" },
		{ "vlan x -> drop", "'x' (word 2)", "VLAN id 0-4095" },
		{ "vlan 4096 -> drop", "'4096' (word 2)", "VLAN id 0-4095" },
		{ "vlan -1 -> drop", "'-1' (word 2)", "VLAN id" },
		{ "proto 256 -> drop", "'256' (word 2)", "protocol number 0-255" },
		{ "udp dport 0x10 -> drop", "'0x10' (word 3)", "port" },
		{ "udp tcp -> drop", "'tcp' (word 2)", "repeats the protocol already given by 'udp' (word 1)" },
		{ "udp proto 17 -> drop", "'proto' (word 2)", "repeats" },
		{ "ip4 ip6 -> drop", "'ip6' (word 2)", "repeats" },
		{ "src 1.2.3.4 src 1.2.3.5 -> drop", "'src' (word 3)", "repeats" },
		{ "udp dport 1 dport 2 -> drop", "'dport' (word 4)", "repeats" },
		{ "icmp type 1 dport 2 -> drop", "'dport' (word 4)", "repeats" },
		{ "ip4 src 2001:db8::/32 -> drop", "'2001:db8::/32' (word 3)", "IPv6, but 'ip4' (word 1) is IPv4" },
		{ "src 2001:db8::/32 ip4 -> drop", "'ip4' (word 3)", "is IPv4, but '2001:db8::/32' (word 2) is IPv6" },
		{ "src 10.0.0.0/8 dst ::1 -> drop", "'::1' (word 4)", "is IPv6" },
		{ "ip6 dst 10.0.0.1 -> drop", "'10.0.0.1' (word 3)", "is IPv4" },
		{ "src 10.0.0.1/8 -> drop", "'10.0.0.1/8' (word 2)", "did you mean 10.0.0.0/8?" },
		{ "dst 2001:db8::1/32 -> drop", "'2001:db8::1/32' (word 2)", "did you mean 2001:db8::/32?" },
		{ "src 10.0.0.0/33 -> drop", "'10.0.0.0/33' (word 2)", "prefix length" },
		{ "src ::/129 -> drop", "'::/129' (word 2)", "prefix length" },
		{ "src 10.0.0 -> drop", "'10.0.0' (word 2)", "not an IPv4 or IPv6 prefix" },
		{ "src -> drop", "'src' (word 1)", "needs a value" },
		{ "udp dport 90-80 -> drop", "'90-80' (word 3)", "reversed" },
		{ "udp dport 1-x -> drop", "'1-x' (word 3)", "range" },
		{ "udp sport 1-65536 -> drop", "'1-65536' (word 3)", "range" },
		{ "type 8 -> drop", "'type' (word 1)", "needs icmp or icmp6" },
		{ "udp code 0 -> drop", "'code' (word 2)", "needs icmp or icmp6" },
		{ "icmp type 256 -> drop", "'256' (word 3)", "ICMP type 0-255" },
		{ "proto 47 dport 5 -> drop", "'dport' (word 3)", "protocol 47 has no ports" },
		{ "dport 5 proto 47 -> drop", "'dport' (word 1)", "protocol 47 has no ports" },
		{ "icmp dport 5 -> drop", "'dport' (word 2)", "use type and code" },
		{ "udp dport 53", "", "no '-> ACTION'" },
		{ "", "", "no '-> ACTION'" },
		{ "udp dport 53 queue", "'queue' (word 4)", "put '->' before it" },
		{ "udp -> forward", "'forward' (word 3)", "not an action" },
		{ "udp ->", "'->' (word 2)", "not followed by an action" },
		{ "udp -> drop now", "'now' (word 4)", "follows the action" },
		{ "-> drop -> pass", "'->' (word 3)", "follows the action" },
		{ "udp -> index", "'index' (word 3)", "needs a value" },
		{ "udp -> index x", "'x' (word 4)", "slot" },
		{ "udp -> index 4294967296", "'4294967296' (word 4)", "slot" },
	};

	for (const BadRule &b : bad) {
		Parsed p = parse(b.text);
		SCOPED_TRACE(b.text);
		ASSERT_EQ(p.rc, -1);
		EXPECT_EQ(p.err.rfind(std::string("rule '") + b.text + "': ", 0), 0u) << p.err;
		EXPECT_NE(p.err.find(b.names), std::string::npos) << p.err;
		EXPECT_NE(p.err.find(b.says), std::string::npos) << p.err;
	}
}

TEST(RuleParse, LongRuleIsRefused)
{
	std::string s;
	char err[128];
	xsk_rule r;

	for (int i = 0; i < 100; i++)
		s += "udp ";
	s += "-> drop";
	EXPECT_EQ(rule_parse(s.c_str(), &r, err, sizeof(err)), -1);
	s = std::string(RULE_TEXT_MAX + 1, ' ') + "-> drop";
	EXPECT_EQ(rule_parse(s.c_str(), &r, err, sizeof(err)), -1);
	EXPECT_STREQ(err, "rule of 520 characters: longer than the 512 allowed");
}

TEST(ActionParse, Words)
{
	struct {
		const char *text;
		__u32 action, index;
	} good[] = {
		{ "queue", XSK_ACT_QUEUE, 0 },
		{ "pass", XSK_ACT_PASS, 0 },
		{ "drop", XSK_ACT_DROP, 0 },
		{ "index 5", XSK_ACT_INDEX, 5 },
		{ " index  12 ", XSK_ACT_INDEX, 12 },
	};
	char err[256];

	for (auto &g : good) {
		__u32 a = 99, i = 99;

		ASSERT_EQ(action_parse(g.text, &a, &i, err, sizeof(err)), 0) << g.text << ": " << err;
		EXPECT_EQ(a, g.action) << g.text;
		EXPECT_EQ(i, g.index) << g.text;
	}
	static const BadRule bad[] = {
		{ "forward", "'forward' (word 1)", "not an action" },
		{ "index", "'index' (word 1)", "needs a value" },
		{ "index x", "'x' (word 2)", "slot" },
		{ "drop now", "'now' (word 2)", "follows the action" },
		{ "", "", "is empty" },
	};
	for (const BadRule &b : bad) {
		__u32 a, i;

		SCOPED_TRACE(b.text);
		ASSERT_EQ(action_parse(b.text, &a, &i, err, sizeof(err)), -1);
		std::string e = err;
		EXPECT_EQ(e.rfind(std::string("default action '") + b.text + "': ", 0), 0u) << e;
		EXPECT_NE(e.find(b.names), std::string::npos) << e;
		EXPECT_NE(e.find(b.says), std::string::npos) << e;
	}
}

TEST(RuleFormat, Canonical)
{
	static const char *const same[] = {
		"udp dport 4789 -> queue",
		"ip6 tcp dport 22 -> pass",
		"src 198.18.0.0/15 -> drop",
		"-> drop",
		"ip4 vlan 7 proto 47 src 10.0.0.0/8 dst 10.1.2.3 -> index 3",
		"icmp6 src 2001:db8::/32 dst ::1 code 0-3 type 128 -> pass",
		"sport 1-1024 dport 0 -> queue",
	};
	for (const char *s : same) {
		Parsed p = parse(s);
		ASSERT_EQ(p.rc, 0) << s << ": " << p.err;
		EXPECT_EQ(format(p.r), s);
	}
	Parsed p = parse("dport 80 udp ipv4 -> index 0");
	ASSERT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(format(p.r), "ip4 udp dport 80 -> index 0");
}

// Random rules valid in the language, drawn toward values frames will carry.
class RuleGen {
public:
	explicit RuleGen(std::mt19937_64 &rng) : rng_(rng) {}

	unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng_); }
	bool chance(unsigned pct) { return pick(100) < pct; }

	uint16_t port()
	{
		static const uint16_t pool[] = { 0, 1, 22, 53, 80, 443, 1024, 4789, 65534, 65535 };
		return chance(70) ? pool[pick(10)] : (uint16_t)pick(65536);
	}

	void range(unsigned max, uint16_t *lo, uint16_t *hi)
	{
		unsigned a = max == 255 ? pick(256) : port(), b;

		switch (pick(4)) {
		case 0: b = a; break;
		case 1: b = a + pick(16); break;
		case 2: b = a + pick(2000); break;
		default: b = pick(max + 1); break;
		}
		if (b > max)
			b = max;
		if (b < a)
			std::swap(a, b);
		*lo = a;
		*hi = b;
	}

	// A few base networks so that prefixes of different rules nest.
	void addr(uint8_t fam, uint8_t *a)
	{
		static const char *const v4[] = { "198.18.0.0", "10.0.0.0", "10.1.2.3", "0.0.0.0", "255.255.255.255" };
		static const char *const v6[] = { "2001:db8::", "2001:db8:0:1::1", "fe80::", "::", "ffff::" };

		if (chance(80))
			inet_pton(fam == 4 ? AF_INET : AF_INET6, fam == 4 ? v4[pick(5)] : v6[pick(5)], a);
		else
			for (int i = 0; i < 16; i++)
				a[i] = pick(256);
		if (fam == 4)
			memset(a + 4, 0, 12);
	}

	uint8_t prefix_len(uint8_t fam)
	{
		static const uint8_t l4[] = { 0, 8, 15, 16, 24, 31, 32 };
		static const uint8_t l6[] = { 0, 16, 32, 48, 64, 127, 128 };

		if (chance(70))
			return fam == 4 ? l4[pick(7)] : l6[pick(7)];
		return pick(fam == 4 ? 33 : 129);
	}

	void prefix(uint8_t fam, uint8_t *a, uint8_t *len)
	{
		addr(fam, a);
		*len = prefix_len(fam);
		for (unsigned bit = *len; bit < 128; bit++)
			a[bit / 8] &= ~(0x80 >> (bit % 8));
	}

	xsk_rule rule()
	{
		static const uint8_t protos[] = { 17, 6, 1, 58, 47, 0 };
		xsk_rule r{};
		uint8_t fam = chance(50) ? 4 : 6;

		if (chance(30)) {
			r.fields |= XSK_F_IPVER;
			r.ip_version = fam;
		}
		if (chance(25)) {
			r.fields |= XSK_F_VLAN;
			static const uint16_t vids[] = { 0, 1, 100, 4095 };
			r.vlan_id = chance(70) ? vids[pick(4)] : pick(4096);
		}
		if (chance(50)) {
			r.fields |= XSK_F_PROTO;
			r.l4_proto = chance(85) ? protos[pick(6)] : pick(256);
		}
		if (chance(35)) {
			r.fields |= XSK_F_SRC;
			r.family = fam;
			prefix(fam, r.src, &r.src_len);
		}
		if (chance(35)) {
			r.fields |= XSK_F_DST;
			r.family = fam;
			prefix(fam, r.dst, &r.dst_len);
		}
		bool icmp = (r.fields & XSK_F_PROTO) && (r.l4_proto == 1 || r.l4_proto == 58);
		bool ports = !(r.fields & XSK_F_PROTO) || r.l4_proto == 6 || r.l4_proto == 17 || icmp;
		if (ports && chance(35)) {
			r.fields |= XSK_F_SPORT;
			range(icmp ? 255 : 65535, &r.sport_lo, &r.sport_hi);
		}
		if (ports && chance(50)) {
			r.fields |= XSK_F_DPORT;
			range(icmp ? 255 : 65535, &r.dport_lo, &r.dport_hi);
		}
		r.action = pick(4);
		if (r.action == XSK_ACT_INDEX)
			r.index = chance(80) ? pick(64) : (uint32_t)rng_();
		return r;
	}

private:
	std::mt19937_64 &rng_;
};

uint64_t test_seed()
{
	const char *s = getenv("XSKMAP_SEED");

	return s && *s ? strtoull(s, nullptr, 0) : 0x5eed0003ULL;
}

std::string seed_note(uint64_t seed)
{
	return "seed " + std::to_string(seed) + " (replay: XSKMAP_SEED=" + std::to_string(seed) + ")";
}

TEST(RuleFormat, RandomRoundTrip)
{
	uint64_t seed = test_seed();
	SCOPED_TRACE(seed_note(seed));
	std::mt19937_64 rng(seed);
	RuleGen gen(rng);

	for (int i = 0; i < 20000; i++) {
		xsk_rule r = gen.rule();
		std::string text = format(r);
		Parsed p = parse(text);

		ASSERT_EQ(p.rc, 0) << text << ": " << p.err;
		ASSERT_EQ(0, memcmp(&p.r, &r, sizeof(r))) << text << " came back as " << format(p.r);
	}
}

xsk_rule rule_of(const char *text)
{
	Parsed p = parse(text);
	EXPECT_EQ(p.rc, 0) << text << ": " << p.err;
	return p.r;
}

TEST(RuleSet, AddDelIds)
{
	xsk_ruleset rs;
	char err[256];
	__u32 id;

	ruleset_init(&rs, XSK_ACT_PASS, 0);
	EXPECT_EQ(rs.nr_rules, 0u);
	EXPECT_EQ(rs.default_action, (__u32)XSK_ACT_PASS);

	xsk_rule a = rule_of("udp -> queue"), b = rule_of("tcp -> drop"), c = rule_of("-> pass");
	ASSERT_EQ(ruleset_add(&rs, &a, -1, &id, err, sizeof(err)), 0) << err;
	EXPECT_EQ(id, 0u);
	ASSERT_EQ(ruleset_add(&rs, &b, -1, &id, err, sizeof(err)), 0) << err;
	EXPECT_EQ(id, 1u);
	ASSERT_EQ(ruleset_add(&rs, &c, 0, &id, err, sizeof(err)), 0) << err;	// on top
	EXPECT_EQ(id, 2u);
	EXPECT_EQ(rs.nr_rules, 3u);
	EXPECT_EQ(ruleset_find(&rs, 2), 0);
	EXPECT_EQ(ruleset_find(&rs, 0), 1);
	EXPECT_EQ(ruleset_find(&rs, 1), 2);
	EXPECT_EQ(ruleset_find(&rs, 3), -1);
	EXPECT_EQ(rs.rules[1].l4_proto, XK_IPPROTO_UDP);

	EXPECT_EQ(ruleset_add(&rs, &a, 4, &id, err, sizeof(err)), -EINVAL);
	EXPECT_NE(std::string(err).find("position 4"), std::string::npos) << err;
	EXPECT_EQ(ruleset_add(&rs, &a, -2, &id, err, sizeof(err)), -EINVAL);

	EXPECT_EQ(ruleset_del(&rs, 0), 0);
	EXPECT_EQ(ruleset_del(&rs, 0), -ENOENT);
	EXPECT_EQ(ruleset_del(&rs, 63), -ENOENT);
	EXPECT_EQ(rs.nr_rules, 2u);
	EXPECT_EQ(ruleset_find(&rs, 1), 1);	// moved up
	xsk_rule zero{};
	EXPECT_EQ(0, memcmp(&rs.rules[2], &zero, sizeof(zero)));

	// The lowest free id is reused; appended at the end.
	ASSERT_EQ(ruleset_add(&rs, &a, 2, &id, err, sizeof(err)), 0) << err;
	EXPECT_EQ(id, 0u);
	EXPECT_EQ(ruleset_find(&rs, 0), 2);
}

TEST(RuleSet, Full)
{
	xsk_ruleset rs;
	xsk_rule r = rule_of("udp -> queue");
	char err[256];
	__u32 id;

	ruleset_init(&rs, XSK_ACT_DROP, 0);
	for (__u32 i = 0; i < XSK_MAX_RULES; i++) {
		ASSERT_EQ(ruleset_add(&rs, &r, i % 2 ? 0 : -1, &id, err, sizeof(err)), 0) << err;
		EXPECT_EQ(id, i);
	}
	EXPECT_EQ(ruleset_add(&rs, &r, -1, &id, err, sizeof(err)), -ENOSPC);
	EXPECT_NE(std::string(err).find("full"), std::string::npos) << err;
	ASSERT_EQ(ruleset_del(&rs, 17), 0);
	ASSERT_EQ(ruleset_add(&rs, &r, -1, &id, err, sizeof(err)), 0) << err;
	EXPECT_EQ(id, 17u);
	EXPECT_EQ(ruleset_find(&rs, 17), XSK_MAX_RULES - 1);
}

struct RuleList {
	std::vector<const char *> rules;
	__u32 def;
};

xsk_ruleset make_set(const std::vector<const char *> &rules, __u32 def_action, __u32 def_index = 0)
{
	xsk_ruleset rs;
	char err[256];
	__u32 id;

	ruleset_init(&rs, def_action, def_index);
	for (const char *t : rules) {
		xsk_rule r = rule_of(t);
		EXPECT_EQ(ruleset_add(&rs, &r, -1, &id, err, sizeof(err)), 0) << err;
	}
	return rs;
}

xk_pkt parsed(const xt::Bytes &frame)
{
	xk_pkt p;

	EXPECT_EQ(ref_parse_frame(frame.data(), frame.size(), &p), 0) << xt::hexdump(frame);
	return p;
}

// Both classifiers on one frame; they must agree, and give RANK.
void expect_class(const xsk_ruleset &rs, const xk_pkt &p, int rank, __u32 action, __u32 index,
		  const char *what)
{
	auto t = std::make_unique<cls_tables>();
	__u32 a = 99, i = 99;

	SCOPED_TRACE(what);
	EXPECT_EQ(ref_classify(&rs, &p, &a, &i), rank);
	EXPECT_EQ(a, action);
	EXPECT_EQ(i, index);
	cls_compile(&rs, t.get());
	a = i = 99;
	EXPECT_EQ(cls_eval(t.get(), &p, &a, &i), rank);
	EXPECT_EQ(a, action);
	EXPECT_EQ(i, index);
}

TEST(RefClassify, FirstMatchWinsThenDefault)
{
	xsk_ruleset rs = make_set({
		"udp dport 4789 -> queue",		// 0
		"src 198.18.0.0/15 -> index 9",		// 1
		"ip6 tcp dport 22 -> pass",		// 2
		"vlan 100 -> drop",			// 3
		"icmp type 8 -> pass",			// 4
		"proto 47 -> drop",			// 5
	}, XSK_ACT_INDEX, 3);
	using xt::Packet;

	expect_class(rs, parsed(Packet().ipv4(xt::IP_UDP).udp(1, 4789).build()), 0, XSK_ACT_QUEUE, 0,
		     "vxlan from 198.18.0.2: rule 0 before rule 1");
	expect_class(rs, parsed(Packet().ipv4(xt::IP_UDP).udp(1, 4790).build()), 1, XSK_ACT_INDEX, 9,
		     "other udp from 198.18.0.2");
	expect_class(rs, parsed(Packet().ipv4(xt::IP_UDP, 0x0A000001).udp(1, 4790).build()), -1,
		     XSK_ACT_INDEX, 3, "udp from 10.0.0.1: default");
	expect_class(rs, parsed(Packet().ipv6(xt::IP_TCP).tcp(1000, 22).build()), 2, XSK_ACT_PASS, 0,
		     "ssh over IPv6");
	expect_class(rs, parsed(Packet().ipv4(xt::IP_TCP, 0x0A000001).tcp(1000, 22).build()), -1,
		     XSK_ACT_INDEX, 3, "ssh over IPv4");
	expect_class(rs, parsed(Packet().vlan(xt::ETH_8021Q, 100).ipv6(xt::IP_UDP).udp(1, 2).build()),
		     3, XSK_ACT_DROP, 0, "vlan 100");
	expect_class(rs, parsed(Packet().vlan(xt::ETH_8021AD, 100).vlan(xt::ETH_8021Q, 5)
				.ipv6(xt::IP_UDP).udp(1, 4789).build()), 0, XSK_ACT_QUEUE, 0,
		     "QinQ: vxlan first");
	expect_class(rs, parsed(Packet().vlan(xt::ETH_8021AD, 5).vlan(xt::ETH_8021Q, 100)
				.ipv6(xt::IP_UDP).udp(1, 2).build()), -1, XSK_ACT_INDEX, 3,
		     "QinQ: only the outer tag counts");
	expect_class(rs, parsed(Packet().ipv4(xt::IP_ICMP, 0x0A000001).icmp_echo(8).build()), 4,
		     XSK_ACT_PASS, 0, "ping");
	expect_class(rs, parsed(Packet().ipv4(xt::IP_ICMP, 0x0A000001).icmp_echo(0).build()), -1,
		     XSK_ACT_INDEX, 3, "pong");
	expect_class(rs, parsed(Packet().ipv4(47, 0x0A000001).payload({ 0, 0, 8, 0 }).build()), 5,
		     XSK_ACT_DROP, 0, "gre");
	// A non-first fragment of UDP to 4789: no ports, no protocol.
	expect_class(rs, parsed(Packet().ipv4(xt::IP_UDP, 0x0A000001, xt::IP4_A, 0, 100)
				.udp(1, 4789).build()), -1, XSK_ACT_INDEX, 3, "fragment");
	expect_class(rs, parsed(xt::arp_request()), -1, XSK_ACT_INDEX, 3, "arp");
}

TEST(RefClassify, NonIpAndAbsentFields)
{
	xsk_ruleset rs = make_set({
		"proto 0 -> drop",		// never a non-IP frame
		"ip4 -> index 1",
		"dport 0-65535 -> index 2",	// needs ports
		"vlan 0 -> index 3",		// needs a tag
		"src ::/0 -> index 4",		// any IPv6 source
		"-> queue",
	}, XSK_ACT_DROP);
	xk_pkt p{};

	expect_class(rs, p, 5, XSK_ACT_QUEUE, 0, "non-IP, untagged");
	p.nr_vlans = 1;
	expect_class(rs, p, 3, XSK_ACT_INDEX, 3, "non-IP, vlan 0");
	p = {};
	p.ip_version = 6;
	p.l4_proto = 0;
	expect_class(rs, p, 0, XSK_ACT_DROP, 0, "IPv6 hop-by-hop");
	p.l4_proto = 17;
	expect_class(rs, p, 4, XSK_ACT_INDEX, 4, "IPv6 without ports");
	p.has_l4 = 1;
	expect_class(rs, p, 2, XSK_ACT_INDEX, 2, "IPv6 with ports");
	p.ip_version = 4;
	expect_class(rs, p, 1, XSK_ACT_INDEX, 1, "IPv4");

	xsk_ruleset empty = make_set({}, XSK_ACT_INDEX, 5);
	expect_class(empty, p, -1, XSK_ACT_INDEX, 5, "no rules");
}

TEST(ClsCompile, TablesAndHeader)
{
	xsk_ruleset rs = make_set({
		"src 10.0.0.0/8 -> drop",
		"src 10.1.0.0/16 udp -> index 4",
		"src 0.0.0.0/0 -> pass",
		"dst 2001:db8::/32 -> queue",
		"udp dport 10-20 -> pass",
	}, XSK_ACT_DROP, 1);
	auto t = std::make_unique<cls_tables>();
	cls_compile(&rs, t.get());

	EXPECT_EQ(t->hdr.nr_rules, 5u);
	EXPECT_EQ(t->hdr.all_rules, 0x1full);
	EXPECT_EQ(t->hdr.used_fields, (__u32)(XSK_F_SRC | XSK_F_DST | XSK_F_PROTO | XSK_F_DPORT));
	EXPECT_EQ(t->hdr.wild_src, 0x18ull);
	EXPECT_EQ(t->hdr.wild_dst, 0x17ull);
	EXPECT_EQ(t->hdr.default_action, (__u32)XSK_ACT_DROP);
	EXPECT_EQ(t->hdr.default_index, 1u);
	EXPECT_EQ(t->act[1].action, (__u32)XSK_ACT_INDEX);
	EXPECT_EQ(t->act[1].index, 4u);
	EXPECT_EQ(t->act[4].id, 4u);

	EXPECT_EQ(t->proto[17], 0x1full);
	EXPECT_EQ(t->proto[6], 0x0dull);
	EXPECT_EQ(t->proto[XSK_PROTO_NONE], 0x0dull);
	EXPECT_EQ(t->dport[9], 0x0full);
	EXPECT_EQ(t->dport[10], 0x1full);
	EXPECT_EQ(t->dport[20], 0x1full);
	EXPECT_EQ(t->dport[XSK_PORT_NONE], 0x0full);
	EXPECT_EQ(t->vlan[XSK_VLAN_NONE], 0x1full);

	// /0 (wild | the /0 rule), /8, /16.
	ASSERT_EQ(t->src4.count, 3u);
	EXPECT_EQ(t->src4.e[0].len, 0);
	EXPECT_EQ(t->src4.e[0].bits, 0x18ull | 0x4);
	EXPECT_EQ(t->src4.e[1].len, 8);
	EXPECT_EQ(t->src4.e[1].bits, 0x18ull | 0x5);
	EXPECT_EQ(t->src4.e[2].len, 16);
	EXPECT_EQ(t->src4.e[2].bits, 0x18ull | 0x7);
	ASSERT_EQ(t->src6.count, 1u);
	EXPECT_EQ(t->src6.e[0].bits, 0x18ull);	// no v4 rule for an IPv6 source
	ASSERT_EQ(t->dst6.count, 2u);
	EXPECT_EQ(t->dst6.e[0].bits, 0x17ull);
	EXPECT_EQ(t->dst6.e[1].bits, 0x1full);
	ASSERT_EQ(t->dst4.count, 1u);
	EXPECT_EQ(t->dst4.e[0].bits, 0x17ull);
}

TEST(ClsCompile, SixtyFourRules)
{
	std::vector<const char *> rules(XSK_MAX_RULES, "udp dport 7 -> drop");
	rules[XSK_MAX_RULES - 1] = "-> index 63";
	xsk_ruleset rs = make_set(rules, XSK_ACT_PASS);
	auto t = std::make_unique<cls_tables>();
	xk_pkt p{};
	__u32 a, i;

	cls_compile(&rs, t.get());
	EXPECT_EQ(t->hdr.all_rules, ~0ull);
	EXPECT_EQ(cls_eval(t.get(), &p, &a, &i), 63);
	EXPECT_EQ(i, 63u);
	EXPECT_EQ(ref_classify(&rs, &p, &a, &i), 63);
}

// A frame drawn toward the values of a random rule of the set, then mutated.
class PktGen {
public:
	/* The generator draws from g, which holds the shared engine. */
	PktGen(std::mt19937_64 &, RuleGen &g) : g_(g) {}

	uint16_t near(uint16_t lo, uint16_t hi, unsigned max)
	{
		switch (g_.pick(6)) {
		case 0: return lo;
		case 1: return hi;
		case 2: return lo ? lo - 1 : lo;
		case 3: return hi < max ? hi + 1 : hi;
		case 4: return lo + g_.pick(hi - lo + 1);
		default: return g_.pick(max + 1);
		}
	}

	void addr_near(const xsk_rule *r, bool dst, uint8_t fam, uint8_t *a)
	{
		if (r && (r->fields & (dst ? XSK_F_DST : XSK_F_SRC)) && r->family == fam && g_.chance(80)) {
			unsigned len = dst ? r->dst_len : r->src_len, bits = fam == 4 ? 32 : 128;

			memcpy(a, dst ? r->dst : r->src, 16);
			// Host bits at random, sometimes a flip inside the prefix.
			for (unsigned b = len; b < bits; b++)
				if (g_.chance(50))
					a[b / 8] ^= 0x80 >> (b % 8);
			if (len && g_.chance(15)) {
				unsigned b = g_.pick(len);
				a[b / 8] ^= 0x80 >> (b % 8);
			}
		} else {
			g_.addr(fam, a);
			if (g_.chance(50))
				for (unsigned b = g_.pick(fam == 4 ? 32 : 128); b < (fam == 4 ? 32u : 128u); b++)
					if (g_.chance(50))
						a[b / 8] ^= 0x80 >> (b % 8);
		}
		if (fam == 4)
			memset(a + 4, 0, 12);
	}

	xk_pkt pkt(const xsk_ruleset &rs)
	{
		static const uint8_t protos[] = { 17, 6, 1, 58, 0, 47 };
		const xsk_rule *r = rs.nr_rules && g_.chance(85) ? &rs.rules[g_.pick(rs.nr_rules)] : nullptr;
		xk_pkt p{};

		if (r && (r->fields & XSK_F_IPVER) && g_.chance(80))
			p.ip_version = r->ip_version;
		else if (r && (r->fields & (XSK_F_SRC | XSK_F_DST)) && g_.chance(80))
			p.ip_version = r->family;
		else
			p.ip_version = g_.chance(15) ? 0 : g_.chance(50) ? 4 : 6;

		p.nr_vlans = g_.pick(3);
		if (p.nr_vlans) {
			p.vlan_id[0] = r && (r->fields & XSK_F_VLAN) && g_.chance(70) ?
				       near(r->vlan_id, r->vlan_id, 4095) : g_.pick(4096);
			if (p.nr_vlans > 1)
				p.vlan_id[1] = g_.pick(4096);
		}
		if (p.ip_version) {
			if (r && (r->fields & XSK_F_PROTO) && g_.chance(75))
				p.l4_proto = r->l4_proto;
			else
				p.l4_proto = protos[g_.pick(6)];
			p.nonfirst_frag = g_.chance(10);
			bool ports = p.l4_proto == 17 || p.l4_proto == 6 ||
				     (p.l4_proto == 1 && p.ip_version == 4) ||
				     (p.l4_proto == 58 && p.ip_version == 6);
			p.has_l4 = ports && !p.nonfirst_frag;
			addr_near(r, false, p.ip_version, p.saddr);
			addr_near(r, true, p.ip_version, p.daddr);
		}
		if (p.has_l4) {
			bool icmp = p.l4_proto == 1 || p.l4_proto == 58;
			unsigned max = icmp ? 255 : 65535;

			p.sport = r && (r->fields & XSK_F_SPORT) && g_.chance(75) ?
				  near(r->sport_lo, r->sport_hi, max) : icmp ? g_.pick(256) : g_.port();
			p.dport = r && (r->fields & XSK_F_DPORT) && g_.chance(75) ?
				  near(r->dport_lo, r->dport_hi, max) : icmp ? g_.pick(256) : g_.port();
		}
		// Now and then a struct the parser would not produce: the two
		// classifiers must still agree on it.
		if (g_.chance(3))
			p.has_l4 ^= 1;
		if (g_.chance(2))
			p.nonfirst_frag ^= 1;
		if (g_.chance(2))
			p.l4_proto = g_.pick(256);
		return p;
	}

private:
	RuleGen &g_;
};

std::string describe(const xsk_ruleset &rs)
{
	char def[32];
	std::string s;

	for (__u32 i = 0; i < rs.nr_rules; i++)
		s += "  [" + std::to_string(i) + "] id " + std::to_string(rs.rules[i].id) + ": " +
		     format(rs.rules[i]) + "\n";
	action_format(rs.default_action, rs.default_index, def, sizeof(def));
	return s + "  default " + def + "\n";
}

std::string describe(const xk_pkt &p)
{
	char s[INET6_ADDRSTRLEN] = "-", d[INET6_ADDRSTRLEN] = "-", buf[512];

	if (p.ip_version == 4 || p.ip_version == 6) {
		inet_ntop(p.ip_version == 4 ? AF_INET : AF_INET6, p.saddr, s, sizeof(s));
		inet_ntop(p.ip_version == 4 ? AF_INET : AF_INET6, p.daddr, d, sizeof(d));
	}
	snprintf(buf, sizeof(buf), "ipv%u vlans %u [%u %u] proto %u nonfirst_frag %u has_l4 %u "
		 "sport %u dport %u src %s dst %s", p.ip_version, p.nr_vlans, p.vlan_id[0],
		 p.vlan_id[1], p.l4_proto, p.nonfirst_frag, p.has_l4, p.sport, p.dport, s, d);
	return buf;
}

TEST(ClsEval, AgreesWithReference)
{
	const int sets = 500, frames_per_set = 500;	// 250,000 frames
	uint64_t seed = test_seed();
	SCOPED_TRACE(seed_note(seed));
	std::mt19937_64 rng(seed);
	RuleGen rgen(rng);
	PktGen pgen(rng, rgen);
	auto t = std::make_unique<cls_tables>();
	long hits = 0, deep_hits = 0, total = 0;
	char err[256];

	for (int s = 0; s < sets; s++) {
		xsk_ruleset rs;
		unsigned n = s % 8 == 0 ? XSK_MAX_RULES : rgen.pick(XSK_MAX_RULES + 1);
		__u32 id;

		ruleset_init(&rs, rgen.pick(4), rgen.pick(64));
		for (unsigned i = 0; i < n; i++) {
			xsk_rule r = rgen.rule();
			ASSERT_EQ(ruleset_add(&rs, &r, rgen.chance(20) ? (int)rgen.pick(rs.nr_rules + 1) : -1,
					      &id, err, sizeof(err)), 0) << err;
		}
		// Some deletions, so ids and ranks differ.
		for (unsigned i = 0; n && i < 3; i++)
			ruleset_del(&rs, rgen.pick(n));
		cls_compile(&rs, t.get());

		for (int f = 0; f < frames_per_set; f++) {
			xk_pkt p = pgen.pkt(rs);
			__u32 ra = 99, ri = 99, ca = 98, ci = 98;
			int rr = ref_classify(&rs, &p, &ra, &ri);
			int cr = cls_eval(t.get(), &p, &ca, &ci);

			total++;
			if (rr >= 0)
				hits++;
			if (rr >= 8)
				deep_hits++;
			ASSERT_TRUE(rr == cr && ra == ca && ri == ci)
				<< "set " << s << " frame " << f << ": reference rank " << rr
				<< " action " << ra << "/" << ri << ", tables rank " << cr << " action "
				<< ca << "/" << ci << "\nframe: " << describe(p) << "\nrules:\n"
				<< describe(rs);
			if (cr >= 0) {
				ASSERT_EQ(t->act[cr].id, rs.rules[cr].id);
			}
		}
	}
	EXPECT_GE(total, 200000);
	// Not a vacuous test: rules are hit, also deep in the set.
	EXPECT_GT(hits, total / 4) << hits << " of " << total;
	EXPECT_GT(deep_hits, total / 50) << deep_hits << " of " << total;
	RecordProperty("frames", std::to_string(total));
	RecordProperty("rule_hits", std::to_string(hits));
}

} // namespace

// ------------------------------------------------------------ parser vs reference

namespace {

// bpf/parse.h as the program runs it, on a buffer of exactly LEN bytes.
int bpf_side_parse(const xt::Bytes &f, xk_pkt *p)
{
	/* A copy of the exact size: ASan builds see any read past the end. */
	std::unique_ptr<uint8_t[]> buf(new uint8_t[f.size() ? f.size() : 1]);

	if (!f.empty())
		memcpy(buf.get(), f.data(), f.size());
	memset(p, 0, sizeof(*p));
	return xk_parse(buf.get(), buf.get() + f.size(), p);
}

std::string pkt_fields(const xk_pkt &p)
{
	char s[256];

	snprintf(s, sizeof(s), "l3 %04x vlans %u [%u %u] ipv%u l4 %u frag %u has_l4 %u ports %u>%u",
		 p.l3_proto, p.nr_vlans, p.vlan_id[0], p.vlan_id[1], p.ip_version, p.l4_proto,
		 p.nonfirst_frag, p.has_l4, p.sport, p.dport);
	return s;
}

::testing::AssertionResult parsers_agree(const xt::Bytes &f)
{
	xk_pkt a, b;
	int ra = bpf_side_parse(f, &a), rb = ref_parse_frame(f.data(), f.size(), &b);

	if (ra != rb)
		return ::testing::AssertionFailure()
		       << "bpf/parse.h says " << (ra ? "malformed" : "well formed") << ", the reference "
		       << (rb ? "malformed" : "well formed") << "\n" << xt::hexdump(f);
	if (ra == 0 && memcmp(&a, &b, sizeof(a)))
		return ::testing::AssertionFailure() << "fields differ:\n  parse.h   " << pkt_fields(a)
						     << "\n  reference " << pkt_fields(b) << "\n" << xt::hexdump(f);
	return ::testing::AssertionSuccess() << (ra ? "malformed" : "well formed");
}

xt::Bytes random_parser_frame(std::mt19937 &rng)
{
	auto pick = [&](size_t n) { return (size_t)(rng() % n); };
	static const uint8_t protos[] = { xt::IP_UDP, xt::IP_TCP, xt::IP_ICMP, xt::IP_ICMPV6, 47, 59 };
	static const uint8_t exts[] = { 0, 43, 60, 51, 44 };
	xt::Packet p;
	xt::Bytes payload(pick(40)), f;
	uint8_t proto = protos[pick(sizeof(protos))];

	/* Mostly none or one tag; two, and now and then three (not IP then). */
	for (size_t i = std::max<long>(0, (long)pick(9) - 5); i; i--)
		p.vlan(pick(2) ? xt::ETH_8021Q : xt::ETH_8021AD, pick(4096));
	for (auto &x : payload)
		x = rng();
	size_t kind = pick(8);

	switch (kind < 4 ? 0 : kind < 7 ? 1 : 2) {
	case 0:
		p.ipv4(proto, rng(), rng(), 4 * pick(3), pick(4) ? 0 : (uint16_t)pick(0x4000));
		break;
	case 1: {
		xt::Bytes body;
		uint8_t first = proto;

		/* A chain of extension headers now and then; 44 arg: offset|M. */
		for (size_t i = pick(3) ? 0 : 1 + pick(9); i; i--) {
			uint8_t t = exts[pick(sizeof(exts))];
			xt::Bytes h = { first, (uint8_t)(t == 44 ? 0 : pick(2)) };

			if (t == 44) {
				xt::put16(h, pick(3) ? pick(2) : pick(65536));
				xt::put32(h, 1);
			} else {
				h.resize(t == 51 ? (h[1] + 2) * 4 : (h[1] + 1) * 8, 0);
			}
			body.insert(body.begin(), h.begin(), h.end());
			first = t;
		}
		p.ipv6(first);
		if (!body.empty()) {
			xt::Packet q = p;
			/* The L4 part goes after the chain: build it as raw payload. */
			xt::Bytes l4 = xt::Packet().ipv4(proto).udp(rng(), rng(), payload).build();

			if (proto == xt::IP_TCP)
				l4 = xt::Packet().ipv4(proto).tcp(rng(), rng(), payload).build();
			body.insert(body.end(), l4.begin() + 34, l4.end());
			f = q.payload(body).build();
		}
		break;
	}
	default:
		f = p.ether(pick(2) ? xt::ETH_ARP : rng(), payload).build();
		break;
	}
	if (f.empty()) {
		if (proto == xt::IP_UDP)
			p.udp(rng(), rng(), payload);
		else if (proto == xt::IP_TCP)
			p.tcp(rng(), rng(), payload);
		else
			p.payload(payload);
		f = p.build();
	}
	for (size_t n = pick(3) ? pick(2) : 2; n; n--)
		xt::mutate_lengths(f, pick);
	for (size_t n = pick(4) ? 0 : 1 + pick(4); n; n--)
		f[pick(std::min<size_t>(f.size(), 80))] = rng();
	if (!pick(6))
		f.resize(pick(f.size() + 1));
	return f;
}

} // namespace

// ------------------------------------------------ issue 7: rule switches

namespace {

xsk_ruleset set_of(std::initializer_list<const char *> rules, __u32 def_action)
{
	xsk_ruleset rs;
	char err[512];
	__u32 id;

	ruleset_init(&rs, def_action, 0);
	for (const char *t : rules) {
		xsk_rule r = {};
		EXPECT_EQ(rule_parse(t, &r, err, sizeof(err)), 0) << t << ": " << err;
		EXPECT_EQ(ruleset_add(&rs, &r, -1, &id, err, sizeof(err)), 0) << err;
	}
	return rs;
}

} // namespace

// The parser of the XDP program and the reference parser of ruleset.c,
// written apart, must agree on every frame: the same verdict (well formed
// or malformed) and the same fields. Random frames, with the length fields
// rewritten (consistent, short, long), cut and padded; XSKMAP_SEED replays.
TEST(ParserVsReference, RandomFrames)
{
	const char *env = getenv("XSKMAP_SEED");
	unsigned seed = env && *env ? strtoul(env, nullptr, 0) : 0x5eed0007;
	std::mt19937 rng(seed);
	long malformed = 0, l4 = 0, total = 200000;

	SCOPED_TRACE("seed " + std::to_string(seed));
	for (long i = 0; i < total; i++) {
		xt::Bytes f = random_parser_frame(rng);
		::testing::AssertionResult r = parsers_agree(f);

		ASSERT_TRUE(r) << "frame " << i;
		malformed += std::string(r.message()) == "malformed";
		xk_pkt p;
		l4 += ref_parse_frame(f.data(), f.size(), &p) == 0 && p.has_l4;
	}
	/* Both outcomes, often: otherwise the test proves little. */
	EXPECT_GT(malformed, total / 10);
	EXPECT_GT(l4, total / 6);
	RecordProperty("malformed", std::to_string(malformed));
	RecordProperty("with_l4", std::to_string(l4));
	printf("parser vs reference: %ld frames, %ld malformed, %ld with ports or ICMP type\n", total, malformed, l4);
}

// Every cut and every padding of well-formed frames of each kind.
TEST(ParserVsReference, EveryCutAndPadding)
{
	xt::Packet v;
	v.vlan(xt::ETH_8021Q, 5).vlan(xt::ETH_8021Q, 6);
	const xt::Bytes frames[] = {
		xt::Packet().ipv4(xt::IP_UDP).udp(1, 2, { 1, 2, 3 }).build(),
		xt::Packet(v).ipv4(xt::IP_TCP, xt::IP4_A, xt::IP4_B, 8).tcp(3, 4, { 5 }).build(),
		xt::Packet().ipv6(xt::IP_UDP).udp(1, 2, { 1, 2, 3 }).build(),
		xt::Packet(v).ipv6(xt::IP_TCP).tcp(3, 4).build(),
		xt::Packet().ipv4(xt::IP_ICMP).icmp_echo().build(),
		xt::Packet().ipv6(xt::IP_ICMPV6).icmp_echo(128).build(),
		xt::arp_request(),
	};

	for (const auto &full : frames) {
		xk_pkt p;

		ASSERT_EQ(ref_parse_frame(full.data(), full.size(), &p), 0) << xt::hexdump(full);
		for (size_t len = 0; len <= full.size() + 30; len++) {
			xt::Bytes f(full.begin(), full.begin() + std::min(len, full.size()));
			f.resize(len, 0xee);
			::testing::AssertionResult r = parsers_agree(f);

			ASSERT_TRUE(r);
			/* IP frames: a cut is malformed, the whole one or padded is not. */
			bool ok = len >= 14 && (full == xt::arp_request() || len >= full.size());

			EXPECT_EQ(std::string(r.message()), ok ? "well formed" : "malformed")
				<< len << " of " << full.size() << "\n" << xt::hexdump(f);
		}
	}
}

/*
 * The two rule sets the e2e test BackToBackRuleSwitchesUnderTrafficNeverMixTwoSets
 * flips between, S2 being S1 plus a rule added at rank 0. A frame
 * classified with the tables of one generation partly rewritten for the
 * other (header, protocol, port, source prefix and action tables each
 * from either set, the prefix table possibly empty mid-rewrite) either
 * ends as one whole set would send it, by the same rule (the mix did not
 * matter), or is dropped: it reaches neither the kernel nor the sockets,
 * and the e2e test sees it lost. No mix sends it anywhere else.
 */
TEST(ClsEval, MixedGenerationsOfTheSwitchTestAreDetectable)
{
	xsk_ruleset s1 = set_of({ "tcp -> drop", "udp dport 7001 -> pass" }, XSK_ACT_DROP);
	xsk_ruleset s2 = s1;
	xsk_rule add = {};
	char err[512];
	__u32 add_id;
	ASSERT_EQ(rule_parse("src 198.18.0.2 -> queue", &add, err, sizeof(err)), 0) << err;
	ASSERT_EQ(ruleset_add(&s2, &add, 0, &add_id, err, sizeof(err)), 0) << err;
	ASSERT_EQ(add_id, 2u) << "as in the e2e test, which deletes id 2";
	auto t1 = std::make_unique<cls_tables>(), t2 = std::make_unique<cls_tables>();
	auto mix = std::make_unique<cls_tables>();
	cls_compile(&s1, t1.get());
	cls_compile(&s2, t2.get());
	xt::Packet pk;
	xk_pkt p = parsed(pk.ipv4(xt::IP_UDP).udp(30040, 7001, xt::Bytes(20, 0)).build());
	__u32 a, i;
	int r;

	ASSERT_EQ(cls_eval(t1.get(), &p, &a, &i), 1);
	ASSERT_EQ(a, (__u32)XSK_ACT_PASS);
	ASSERT_EQ(t1->act[1].id, 1u);
	ASSERT_EQ(cls_eval(t2.get(), &p, &a, &i), 0);
	ASSERT_EQ(a, (__u32)XSK_ACT_QUEUE);
	ASSERT_EQ(t2->act[0].id, add_id);

	/* bit 0 hdr, 1 proto, 2 dport, 3 act from S2 (else S1); src4: S1, S2, empty. */
	unsigned dropped = 0, as_s1 = 0, as_s2 = 0;
	for (unsigned m = 0; m < 16; m++) {
		for (unsigned src = 0; src < 3; src++) {
			*mix = *t1;
			if (m & 1)
				mix->hdr = t2->hdr;
			if (m & 2)
				memcpy(mix->proto, t2->proto, sizeof(mix->proto));
			if (m & 4)
				memcpy(mix->dport, t2->dport, sizeof(mix->dport));
			if (m & 8)
				memcpy(mix->act, t2->act, sizeof(mix->act));
			if (src == 1)
				mix->src4 = t2->src4;
			if (src == 2)
				mix->src4.count = 0;
			r = cls_eval(mix.get(), &p, &a, &i);
			__u32 id = r >= 0 ? mix->act[r].id : XSK_HITS_DEFAULT;
			SCOPED_TRACE("mix " + std::to_string(m) + " src4 " + std::to_string(src));
			if (a == XSK_ACT_DROP)
				dropped++;
			else if (a == XSK_ACT_PASS && id == 1)
				as_s1++;
			else if (a == XSK_ACT_QUEUE && id == add_id)
				as_s2++;
			else
				ADD_FAILURE() << "action " << a << " by rule id " << id
					      << ": neither set's, and not a drop";
		}
	}
	/* The pure ones among them; most mixes drop. */
	EXPECT_GE(as_s1, 1u);
	EXPECT_GE(as_s2, 1u);
	EXPECT_GT(dropped, as_s1 + as_s2 - 2);
	printf("  48 table mixes: %u dropped (seen as lost), %u as S1, %u as S2 (same rule, same place)\n",
	       dropped, as_s1, as_s2);
}

// ==== review of issue 7 (hostile tester): findings, disabled until fixed ====
namespace {

// A first fragment (MF, offset 0) carries the UDP header of the whole
// datagram: its length is the reassembled one, more than this fragment
// holds. The kernel reassembles before it checks the UDP length, so both
// parsers must take the fragment as well formed, with its ports.
TEST(ReviewParser, DISABLED_FirstFragmentWithTheWholeDatagramsUdpLengthIsWellFormed)
{
	for (int v6 = 0; v6 < 2; v6++) {
		xt::Bytes udp = { 0x04, 0xd2, 0x1e, 0x61, 0x0b, 0xc0, 0, 0 };	/* 1234 > 7777, len 3008 */
		xt::Bytes f;

		udp.resize(8 + 16, 'x');
		if (!v6) {
			f = xt::Packet().ipv4(xt::IP_UDP, xt::IP4_B, xt::IP4_A, 0, 0x2000).payload(udp).build();
		} else {
			xt::Bytes body = { xt::IP_UDP, 0, 0, 1, 0, 0, 0, 9 };	/* offset 0, M */

			body.insert(body.end(), udp.begin(), udp.end());
			f = xt::Packet().ipv6(44).payload(body).build();
		}
		SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
		xk_pkt a, b;

		EXPECT_EQ(bpf_side_parse(f, &a), 0) << "bpf/parse.h calls it malformed\n" << xt::hexdump(f);
		EXPECT_EQ(ref_parse_frame(f.data(), f.size(), &b), 0) << "the reference calls it malformed";
		EXPECT_TRUE(a.has_l4 && a.dport == 7777) << pkt_fields(a);
	}
}

} // namespace
// ==== end of the review block ====
