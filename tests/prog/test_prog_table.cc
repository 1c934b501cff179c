// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Fixture tables: a frame, its context, the verdict and counters expected; rules and lengths.
#include "prog/fixture.h"

namespace xtp {
namespace {

// ------------------------------------------------------------ the table

/* The expected rule_hits entry is derived from the row (see expected_hit). */
constexpr int HIT_AUTO = -2;

struct Row {
	std::string name;
	Bytes pkt;
	Ctx ctx;
	Cfg cfg;
	int sock_slot = -1;		/* -1: xsks_map stays empty */
	Dev sock_dev = DEV_LO;		/* the socket put there */
	__u32 sock_q = 0;
	__u32 verdict = XDP_PASS;
	int reason = XSK_STAT_MAX;
	int hit = HIT_AUTO;

	Row(std::string n, Bytes p) : name(std::move(n)), pkt(std::move(p)) {}
	/* --match udp, as run_opts_ruleset() makes it. */
	Row &udp() { cfg.rules = { "udp -> queue" }; cfg.dflt = "pass"; return *this; }
	Row &fixed(__u32 i) { cfg.fixed = true; cfg.fixed_index = i; return *this; }
	Row &fallback(__u32 v) { cfg.fallback = v; return *this; }
	Row &drop() { return fallback(XDP_DROP); }
	Row &rules(std::vector<std::string> r) { cfg.rules = std::move(r); return *this; }
	Row &at(std::vector<int> a) { cfg.at = std::move(a); return *this; }
	Row &dflt(std::string a) { cfg.dflt = std::move(a); return *this; }
	Row &on(Dev d, __u32 q = 0) { ctx.dev = d; ctx.rxq = q; return *this; }
	Row &sock(__u32 slot, Dev d = DEV_LO, __u32 q = 0)
	{
		sock_slot = slot; sock_dev = d; sock_q = q;
		return *this;
	}
	Row &expect(__u32 v, int r) { verdict = v; reason = r; return *this; }
	Row &expect(__u32 v, int r, int id) { verdict = v; reason = r; hit = id; return *this; }
};

void PrintTo(const Row &r, std::ostream *os) { *os << r.name; }


/*
 * The rows migrated from the rodata API say no hit id: a malformed frame
 * moves no entry, a configuration without rules (--match all) or a frame
 * no rule took counts for the default, and otherwise the one rule of
 * --match udp (id 0) took it.
 */
int expected_hit(const Row &r)
{
	if (r.hit != HIT_AUTO)
		return r.hit;
	if (r.reason == MALF)
		return NO_HIT;
	if (r.cfg.rules.empty() || r.reason == NOMATCH)
		return DFLT;
	return 0;
}

std::string describe(const Row &r)
{
	std::string s = "row " + r.name + ": rules {";

	for (size_t i = 0; i < r.cfg.rules.size(); i++) {
		s += (i ? "; " : "") + r.cfg.rules[i];
		if (i < r.cfg.at.size())
			s += " @" + std::to_string(r.cfg.at[i]);
	}
	s += "}, default " + r.cfg.dflt;
	s += r.cfg.fixed ? ", fixed " + std::to_string(r.cfg.fixed_index) : "";
	s += ", fallback " + std::string(verdict_str(r.cfg.fallback));
	s += ", ctx ifindex " + std::to_string(ifindex_of(r.ctx.dev)) + " rxq " + std::to_string(r.ctx.rxq);
	s += r.sock_slot < 0 ? ", no socket" : ", socket at slot " + std::to_string(r.sock_slot);
	s += "\nframe (" + std::to_string(r.pkt.size()) + " bytes):\n" + xt::hexdump(r.pkt);
	return s;
}

// The rows of the rodata API, migrated: the configurations map to rule sets
// with the same behaviour, so no expectation changed.
std::vector<Row> table()
{
	using R = Row;
	std::vector<Row> t;

	/* --match udp, empty map: what matches reaches the fallback. */
	t.push_back(R("udp4", udp4()).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp6", udp6()).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("vlan_udp4", vlan_udp4()).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("vlan_udp6", vlan_udp6()).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("qinq_udp4", qinq_udp4()).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("qinq_udp6", qinq_udp6()).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("double_8021q_udp4", Packet().vlan(xt::ETH_8021Q, 1).vlan(xt::ETH_8021Q, 2)
		      .ipv4(xt::IP_UDP).udp(1, 2).build()).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp4_options_8", opts_udp4(8)).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp4_options_40", opts_udp4(40)).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp4_no_payload",
		      Packet().ipv4(xt::IP_UDP).udp(1, 2).build()).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp4_first_frag_mf",
		      frag_udp4(0x2000, udp_first_frag(16))).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp4_df", frag_udp4(0x4000, udp_hdr_and(16))).udp().expect(XDP_PASS, NOSOCK));
	/* Full 1500-byte MTU frame. */
	t.push_back(R("udp4_1514",
		      Packet().ipv4(xt::IP_UDP).udp(1, 2, pl(1472)).build()).udp().expect(XDP_PASS, NOSOCK));

	/* --match udp: not UDP, or no UDP header to be had. */
	t.push_back(R("three_vlans_udp4", three_vlans_udp4()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("udp4_nonfirst_frag",
		      frag_udp4(0x0001, udp_hdr_and(16))).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("udp4_nonfirst_frag_mf",
		      frag_udp4(0x2000 | 185, pl(24))).udp().expect(XDP_PASS, NOMATCH));
	/* Offset != 0 and nothing after the IP header: still not malformed. */
	t.push_back(R("udp4_nonfirst_frag_empty", frag_udp4(0x0010, {})).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("tcp4", tcp4()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("icmp4", icmp4()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("arp", xt::arp_request()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("tcp6", tcp6()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("icmp6", icmp6()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("icmp4_under_ipv6",
		      Packet().ipv6(xt::IP_ICMP).payload(pl(2)).build()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("icmp6_under_ipv4",
		      Packet().ipv4(xt::IP_ICMPV6).payload(pl(2)).build()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("tcp6_after_dstopts",
		      ipv6_chain({ { 60, 0 } }, xt::IP_TCP, tcp_hdr())).udp().expect(XDP_PASS, NOMATCH));
	/* IPv6 non-first fragment: no UDP header follows the fragment header. */
	t.push_back(R("udp6_nonfirst_frag",
		      ipv6_chain({ { 44, 185 << 3 } }, xt::IP_UDP, pl(32))).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("udp6_nonfirst_frag_empty",
		      ipv6_chain({ { 44, (1 << 3) | 1 } }, xt::IP_UDP, {})).udp().expect(XDP_PASS, NOMATCH));

	/* IPv6 extension headers are walked to the UDP header. */
	t.push_back(R("udp6_after_hop_by_hop",
		      ipv6_chain({ { 0, 0 } }, xt::IP_UDP, udp_hdr_and(10))).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp6_after_hbh_routing_dstopts",
		      ipv6_chain({ { 0, 1 }, { 43, 0 }, { 60, 2 } }, xt::IP_UDP, udp_hdr_and(4))).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp6_after_ah",
		      ipv6_chain({ { 51, 4 } }, xt::IP_UDP, udp_hdr_and(4))).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp6_first_frag_mf",
		      ipv6_chain({ { 44, 1 } }, xt::IP_UDP, udp_first_frag(40))).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp6_after_8_ext",
		      ipv6_chain(std::vector<Ext>(8, { 60, 0 }), xt::IP_UDP, udp_hdr_and(4))).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("other_ethertype", other_ether()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(R("eth_header_only_arp", cut(xt::arp_request(), 14)).udp().expect(XDP_PASS, NOMATCH));

	/* --match udp: malformed headers. */
	t.push_back(R("eth_header_only_ipv4", cut(udp4(), 14)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("vlan_tag_cut", cut(vlan_udp4(), 16)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("ipv4_ihl_4", ihl4(4, 18)).udp().expect(XDP_PASS, MALF));
	/* The builder reads IHL 0 as "no override": patch the byte. */
	t.push_back(R("ipv4_ihl_0", with_byte(udp4(), 14, 0x40)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("ipv4_ihl_15_past_end", ihl4(15, 0)).udp().expect(XDP_PASS, MALF));
	/* IHL 6 fits, but then the UDP header runs past the end. */
	t.push_back(R("ipv4_ihl_6_udp_cut", ihl4(6, 0)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("ipv4_version_6", with_byte(udp4(), 14, 0x65)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("ipv4_version_0", with_byte(udp4(), 14, 0x05)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("ipv6_version_4", with_byte(udp6(), 14, 0x40)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("vlan_ipv4_version_6", with_byte(vlan_udp4(), 18, 0x65)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("udp6_header_cut", cut(udp6(), 14 + 40 + 7)).udp().expect(XDP_PASS, MALF));
	/* TCP and ICMP headers are parsed too (for the classifier): cut ones are malformed. */
	t.push_back(R("tcp4_header_cut", cut(tcp4(), 14 + 20 + 19)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("tcp4_no_l4", cut(tcp4(), 14 + 20)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("tcp6_header_cut", cut(tcp6(), 14 + 40 + 8)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("icmp4_header_cut", cut(icmp4(), 14 + 20 + 3)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("icmp6_header_cut", cut(icmp6(), 14 + 40 + 3)).udp().expect(XDP_PASS, MALF));
	/* More than 8 extension headers: refused rather than guessed at. */
	t.push_back(R("udp6_after_9_ext",
		      ipv6_chain(std::vector<Ext>(9, { 60, 0 }), xt::IP_UDP, udp_hdr_and(4))).udp().expect(XDP_PASS, MALF));
	t.push_back(R("ipv6_ext_header_cut",
		      cut(ipv6_chain({ { 0, 0 } }, xt::IP_UDP, udp_hdr_and(4)), 14 + 40 + 7)).udp().expect(XDP_PASS, MALF));
	/* hdrlen 200 claims 1608 bytes the frame does not have. */
	t.push_back(R("ipv6_ext_len_past_end",
		      with_byte(ipv6_chain({ { 60, 0 } }, xt::IP_UDP, udp_hdr_and(4)), 14 + 40 + 1, 200)).udp().expect(XDP_PASS, MALF));
	t.push_back(R("ipv6_frag_header_cut",
		      cut(ipv6_chain({ { 44, 0 } }, xt::IP_UDP, udp_hdr_and(4)), 14 + 40 + 6)).udp().expect(XDP_PASS, MALF));

	/* --match udp with a socket at the queue's slot. */
	t.push_back(R("udp4_to_socket", udp4()).udp().on(DEV_LO).sock(0).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("qinq_udp6_to_socket",
		      qinq_udp6()).udp().on(DEV_LO).sock(0).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("tcp4_socket_not_used", tcp4()).udp().on(DEV_LO).sock(0).expect(XDP_PASS, NOMATCH));
	t.push_back(R("malformed_socket_not_used",
		      ihl4(4, 18)).udp().on(DEV_LO).sock(0).expect(XDP_PASS, MALF));
	t.push_back(R("udp4_socket_other_slot", udp4()).udp().on(DEV_LO).sock(1).expect(XDP_PASS, NOSOCK));

	/* --fallback drop applies to the empty slot only. */
	t.push_back(R("drop_udp4_no_socket", udp4()).udp().drop().expect(XDP_DROP, NOSOCK));
	t.push_back(R("drop_tcp4_passes", tcp4()).udp().drop().expect(XDP_PASS, NOMATCH));
	t.push_back(R("drop_malformed_passes", ihl4(4, 18)).udp().drop().expect(XDP_PASS, MALF));
	t.push_back(R("drop_udp4_socket",
		      udp4()).udp().drop().on(DEV_LO).sock(0).expect(XDP_REDIRECT, REDIR));

	/* Only PASS or DROP may come from the fallback, whatever rodata says. */
	t.push_back(R("fallback_aborted_is_pass", udp4()).fallback(XDP_ABORTED).expect(XDP_PASS, NOSOCK));
	t.push_back(R("fallback_tx_is_pass", udp4()).fallback(XDP_TX).expect(XDP_PASS, NOSOCK));
	t.push_back(R("fallback_redirect_is_pass", udp4()).fallback(XDP_REDIRECT).expect(XDP_PASS, NOSOCK));
	t.push_back(R("fallback_junk_is_pass", udp4()).fallback(0xdead).expect(XDP_PASS, NOSOCK));

	/* --match all: every frame goes for the slot, parsed or not. */
	t.push_back(R("all_arp_no_socket", xt::arp_request()).expect(XDP_PASS, NOSOCK));
	t.push_back(R("all_arp_socket", xt::arp_request()).on(DEV_LO).sock(0).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("all_malformed_socket", ihl4(4, 18)).on(DEV_LO).sock(0).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("all_14_bytes_socket", cut(udp4(), 14)).on(DEV_LO).sock(0).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("all_three_vlans_socket",
		      three_vlans_udp4()).on(DEV_LO).sock(0).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("all_drop_no_socket", tcp4()).drop().expect(XDP_DROP, NOSOCK));
	/* No ingress device: rx_queue_index 0, slot 0. */
	t.push_back(R("all_no_ctx_dev_socket", tcp6()).sock(0).expect(XDP_REDIRECT, REDIR));

	/* RX queue target: slot = ctx->rx_queue_index. */
	t.push_back(R("rxq3_socket_at_3",
		      udp4()).on(DEV_VETH, 3).sock(3, DEV_VETH, 3).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("rxq3_socket_at_2",
		      udp4()).on(DEV_VETH, 3).sock(2, DEV_VETH, 2).expect(XDP_PASS, NOSOCK));
	t.push_back(R("rxq1_udp_socket_at_1",
		      vlan_udp6()).udp().on(DEV_VETH, 1).sock(1, DEV_VETH, 1).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("rxq2_drop_socket_at_0",
		      udp4()).drop().on(DEV_VETH, 2).sock(0, DEV_VETH, 0).expect(XDP_DROP, NOSOCK));

	/* Fixed target: slot = cfg_fixed_index, whatever the queue. */
	t.push_back(R("fixed5_socket_at_5", udp4()).fixed(5).on(DEV_LO).sock(5).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("fixed5_socket_at_0", udp4()).fixed(5).on(DEV_LO).sock(0).expect(XDP_PASS, NOSOCK));
	/* The socket at 5 is bound to queue 0: the kernel would drop a frame of queue 3, uncounted. */
	t.push_back(R("fixed5_rxq3_socket_of_queue0_is_no_socket",
		      udp4()).fixed(5).on(DEV_VETH, 3).sock(5, DEV_VETH, 0).expect(XDP_PASS, NOSOCK));
	t.push_back(R("fixed5_rxq3_socket_of_queue3_at_5",
		      udp4()).fixed(5).on(DEV_VETH, 3).sock(5, DEV_VETH, 3).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("fixed0_rxq2_socket_at_0",
		      udp4()).fixed(0).on(DEV_VETH, 2).sock(0, DEV_VETH, 2).expect(XDP_REDIRECT, REDIR));
	t.push_back(R("fixed63_last_slot",
		      udp4()).fixed(XSK_MAP_DEFAULT_ENTRIES - 1).sock(XSK_MAP_DEFAULT_ENTRIES - 1).expect(XDP_REDIRECT, REDIR));
	/* Past the map's end: a failed lookup, never ABORTED. */
	t.push_back(R("fixed_past_map_end", udp4()).fixed(XSK_MAP_DEFAULT_ENTRIES).expect(XDP_PASS, NOSOCK));
	t.push_back(R("fixed_past_map_end_drop", udp4()).fixed(1000000).drop().expect(XDP_DROP, NOSOCK));
	t.push_back(R("fixed_udp_tcp_not_matched", tcp4()).udp().fixed(5).sock(5).expect(XDP_PASS, NOMATCH));
	return t;
}

// Rule fixtures: each row a rule set and a frame chosen to hit (or just
// miss) one rule; the verdict, the reason and the rule_hits entry of the
// expected rule id are all asserted.
std::vector<Row> rule_table()
{
	using R = Row;
	std::vector<Row> t;
	const std::vector<std::string> p4 = {
		"src 10.1.2.0/24 -> drop", "src 10.1.0.0/16 -> pass", "src 10.0.0.0/8 -> index 5",
		"src 0.0.0.0/0 -> index 1",
	};
	const std::vector<std::string> p4_short_first = { "src 10.0.0.0/8 -> pass", "src 10.1.2.0/24 -> drop" };
	const std::vector<std::string> p4_edges = {
		"dst 198.18.0.0/31 -> drop", "dst 198.18.0.2/32 -> pass", "dst 198.18.0.0/15 -> index 2",
	};
	const std::vector<std::string> p6 = {
		"src 2001:db8::2/128 -> drop", "src 2001:db8::/64 -> pass", "src 2001:db8::/32 -> index 7",
		"src ::/0 -> queue",
	};
	const std::vector<std::string> ports = { "udp dport 1000-2000 -> drop", "udp sport 5000 -> pass" };
	const std::vector<std::string> port_ends = { "sport 0 -> drop", "dport 65535 -> pass" };
	const std::vector<std::string> six_ext = { "ip6 udp dport 2 -> index 3" };

	/* VLAN tags: the outermost id is the one rules see. */
	t.push_back(R("vlan_8021q", vlan_udp4()).rules({ "vlan 100 -> drop" }).dflt("pass").expect(XDP_DROP, RDROP, 0));
	t.push_back(R("vlan_other_id", vlan_udp4()).rules({ "vlan 101 -> drop" }).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("vlan_untagged", udp4()).rules({ "vlan 0 -> drop" }).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("vlan_0_priority_tag", Packet().vlan(xt::ETH_8021Q, 0).ipv4(xt::IP_UDP).udp(1, 2).build())
		    .rules({ "vlan 0 -> drop" }).dflt("pass").expect(XDP_DROP, RDROP, 0));
	t.push_back(R("vlan_qinq_outer_id", qinq_udp4()).rules({ "vlan 20 -> drop", "vlan 10 -> pass" })
		    .dflt("drop").expect(XDP_PASS, RPASS, 1));
	t.push_back(R("vlan_qinq_inner_not_seen", qinq_udp6()).rules({ "vlan 20 -> drop" }).dflt("pass")
		    .expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("vlan_double_8021q", Packet().vlan(xt::ETH_8021Q, 1).vlan(xt::ETH_8021Q, 2)
		      .ipv4(xt::IP_UDP).udp(1, 2).build()).rules({ "vlan 1 udp -> drop" }).expect(XDP_DROP, RDROP, 0));
	/* A third tag leaves the frame non-IP, but its outer id still counts. */
	t.push_back(R("vlan_three_tags_vlan_only", three_vlans_udp4()).rules({ "ip4 -> drop", "vlan 1 -> pass" })
		    .expect(XDP_PASS, RPASS, 1));
	t.push_back(R("vlan_three_tags_no_l4", three_vlans_udp4()).rules({ "udp -> drop", "sport 1 -> drop" })
		    .dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("vlan_4095_ip6_tcp", Packet().vlan(xt::ETH_8021Q, 4095).ipv6(xt::IP_TCP).tcp(5, 6).build())
		    .rules({ "vlan 4095 ip6 tcp sport 5 dport 6 -> drop" }).expect(XDP_DROP, RDROP, 0));

	/* IPv4 options are skipped to the UDP header. */
	t.push_back(R("ip4_options_40", opts_udp4(40))
		    .rules({ "ip4 udp sport 1 dport 2 src 198.18.0.2 dst 198.18.0.1 -> drop" }).expect(XDP_DROP, RDROP, 0));
	t.push_back(R("ip4_options_past_end", ihl4(15, 0)).rules({ "-> drop" }).expect(XDP_PASS, MALF, NO_HIT));

	/* IPv6: each extension header is walked to the UDP ports. */
	t.push_back(R("ip6_hop_by_hop", ipv6_chain({ { 0, 0 } }, xt::IP_UDP, udp_hdr_and(4)))
		    .rules(six_ext).sock(3).expect(XDP_REDIRECT, REDIR, 0));
	t.push_back(R("ip6_routing", ipv6_chain({ { 43, 1 } }, xt::IP_UDP, udp_hdr_and(4)))
		    .rules(six_ext).sock(3).expect(XDP_REDIRECT, REDIR, 0));
	t.push_back(R("ip6_dstopts", ipv6_chain({ { 60, 2 } }, xt::IP_UDP, udp_hdr_and(4)))
		    .rules(six_ext).sock(3).expect(XDP_REDIRECT, REDIR, 0));
	t.push_back(R("ip6_ah", ipv6_chain({ { 51, 1 } }, xt::IP_UDP, udp_hdr_and(4)))
		    .rules(six_ext).sock(3).expect(XDP_REDIRECT, REDIR, 0));
	t.push_back(R("ip6_frag_first", ipv6_chain({ { 44, 0 } }, xt::IP_UDP, udp_hdr_and(4)))
		    .rules(six_ext).sock(3).expect(XDP_REDIRECT, REDIR, 0));
	t.push_back(R("ip6_frag_first_mf", ipv6_chain({ { 44, 1 } }, xt::IP_UDP, udp_first_frag(4)))
		    .rules(six_ext).sock(3).expect(XDP_REDIRECT, REDIR, 0));
	t.push_back(R("ip6_8_ext_mixed", ipv6_chain({ { 0, 0 }, { 43, 0 }, { 60, 0 }, { 51, 1 }, { 60, 1 }, { 43, 0 },
						     { 60, 0 }, { 44, 0 } }, xt::IP_UDP, udp_hdr_and(4)))
		    .rules(six_ext).sock(3).expect(XDP_REDIRECT, REDIR, 0));
	t.push_back(R("ip6_9_ext_malformed", ipv6_chain(std::vector<Ext>(9, { 60, 0 }), xt::IP_UDP, udp_hdr_and(4)))
		    .rules({ "-> drop" }).expect(XDP_PASS, MALF, NO_HIT));
	/* No rule: the default without parsing, malformed or not (new semantics). */
	t.push_back(R("ip6_9_ext_no_rules", ipv6_chain(std::vector<Ext>(9, { 60, 0 }), xt::IP_UDP, udp_hdr_and(4)))
		    .dflt("drop").expect(XDP_DROP, NOMATCH, DFLT));
	t.push_back(R("no_rules_malformed_ip4", ihl4(4, 18)).dflt("drop").expect(XDP_DROP, NOMATCH, DFLT));
	t.push_back(R("no_rules_arp_pass", xt::arp_request()).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("no_rules_index_socket", tcp6()).dflt("index 3").sock(3).expect(XDP_REDIRECT, REDIR, DFLT));

	/* Fragments: a non-first one has addresses but no L4 protocol or ports. */
	t.push_back(R("ip4_first_frag", frag_udp4(0x2000, udp_first_frag(16))).rules({ "udp dport 2 -> drop" })
		    .expect(XDP_DROP, RDROP, 0));
	t.push_back(R("ip4_nonfirst_frag", frag_udp4(0x0001, udp_hdr_and(16)))
		    .rules({ "udp -> drop", "proto 17 -> drop", "dport 0-65535 -> drop", "ip4 src 198.18.0.2 -> pass" })
		    .expect(XDP_PASS, RPASS, 3));
	t.push_back(R("ip6_nonfirst_frag", ipv6_chain({ { 44, 185 << 3 } }, xt::IP_UDP, pl(32)))
		    .rules({ "udp -> drop", "proto 44 -> drop", "sport 0-65535 -> drop", "ip6 dst 2001:db8::1 -> pass" })
		    .expect(XDP_PASS, RPASS, 3));
	t.push_back(R("ip6_first_frag_l4_after", ipv6_chain({ { 44, 1 } }, xt::IP_UDP, udp_first_frag(8)))
		    .rules({ "proto 44 -> drop", "udp sport 1 -> pass" }).expect(XDP_PASS, RPASS, 1));

	/* L4: ports, ICMP type and code, protocol numbers. */
	t.push_back(R("tcp_ports", tcp4_ports(40000, 80)).rules({ "udp dport 80 -> drop", "tcp dport 80 sport 40000 -> pass" })
		    .expect(XDP_PASS, RPASS, 1));
	t.push_back(R("ports_any_proto_tcp6", tcp6()).rules({ "dport 80 -> drop" }).expect(XDP_DROP, RDROP, 0));
	t.push_back(R("icmp_type_code", icmp4_tc(8, 0))
		    .rules({ "icmp type 0 -> drop", "icmp6 type 8 -> drop", "icmp type 8 code 0 -> pass" })
		    .expect(XDP_PASS, RPASS, 2));
	t.push_back(R("icmp_code_range", icmp4_tc(3, 13))
		    .rules({ "icmp type 3 code 0-12 -> drop", "icmp type 3 code 13-15 -> pass" }).expect(XDP_PASS, RPASS, 1));
	t.push_back(R("icmp6_type", icmp6_tc(128, 0))
		    .rules({ "icmp type 128 -> drop", "icmp6 type 129 -> drop", "icmp6 type 128-129 -> pass" })
		    .expect(XDP_PASS, RPASS, 2));
	/* bpf/rules.h: for ICMP the type is the destination port. */
	t.push_back(R("icmp_type_is_dport", icmp4_tc(8, 0)).rules({ "dport 8 -> drop" }).expect(XDP_DROP, RDROP, 0));
	t.push_back(R("icmp6_code_is_sport", icmp6_tc(1, 4)).rules({ "sport 4 -> drop" }).expect(XDP_DROP, RDROP, 0));
	/* Protocol 1 under IPv6 is not ICMP for the parser: no type, no code. */
	t.push_back(R("icmp_under_ipv6", Packet().ipv6(xt::IP_ICMP).payload({ 8, 0, 0, 0 }).build())
		    .rules({ "icmp type 8 -> drop", "dport 8 -> drop", "proto 1 -> pass" }).expect(XDP_PASS, RPASS, 2));
	t.push_back(R("proto_47", ipv4_proto(47)).rules({ "proto 46 -> drop", "proto 47 -> pass" }).expect(XDP_PASS, RPASS, 1));
	t.push_back(R("proto_0_ipv4", ipv4_proto(0)).rules({ "proto 0 -> drop" }).expect(XDP_DROP, RDROP, 0));
	t.push_back(R("proto_132_ipv6", Packet().ipv6(132).payload(pl(12)).build())
		    .rules({ "ip4 proto 132 -> drop", "ip6 proto 132 -> pass" }).expect(XDP_PASS, RPASS, 1));
	t.push_back(R("arp_no_ip_field_matches", xt::arp_request())
		    .rules({ "ip4 -> drop", "proto 0 -> drop", "src 0.0.0.0/0 -> drop", "dst ::/0 -> drop",
			     "sport 0-65535 -> drop", "vlan 0 -> drop" })
		    .dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("arp_catch_all", xt::arp_request()).rules({ "ip6 -> drop", "-> pass" }).expect(XDP_PASS, RPASS, 1));

	/* Port ranges: lo - 1, lo, hi, hi + 1, and the ends of the port space. */
	t.push_back(R("dport_lo_minus_1", udp4_ports(7, 999)).rules(ports).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("dport_lo", udp4_ports(7, 1000)).rules(ports).dflt("pass").expect(XDP_DROP, RDROP, 0));
	t.push_back(R("dport_hi", udp4_ports(7, 2000)).rules(ports).dflt("pass").expect(XDP_DROP, RDROP, 0));
	t.push_back(R("dport_hi_plus_1", udp4_ports(7, 2001)).rules(ports).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("sport_below", udp4_ports(4999, 3)).rules(ports).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("sport_exact", udp4_ports(5000, 3)).rules(ports).dflt("pass").expect(XDP_PASS, RPASS, 1));
	t.push_back(R("sport_above", udp4_ports(5001, 3)).rules(ports).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("tcp_not_udp_range", tcp4_ports(7, 1500)).rules(ports).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("sport_0", udp4_ports(0, 9)).rules(port_ends).dflt("pass").expect(XDP_DROP, RDROP, 0));
	t.push_back(R("dport_65535", udp4_ports(7, 65535)).rules(port_ends).dflt("pass").expect(XDP_PASS, RPASS, 1));
	t.push_back(R("ports_swapped_miss", tcp4_ports(65535, 0)).rules(port_ends).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));

	/* Priority: the first match wins, whatever the specificity. */
	t.push_back(R("first_match_general", udp4()).rules({ "udp -> drop", "udp dport 4789 -> pass" }).expect(XDP_DROP, RDROP, 0));
	t.push_back(R("first_match_specific", udp4()).rules({ "udp dport 4789 -> pass", "udp -> drop" }).expect(XDP_PASS, RPASS, 0));
	t.push_back(R("first_match_falls_through", udp4_ports(1, 2)).rules({ "udp dport 4789 -> pass", "udp -> drop" })
		    .expect(XDP_DROP, RDROP, 1));
	/* Inserted at rank 0, the second rule (id 1) outranks the first: hits go by id. */
	t.push_back(R("hit_by_id_not_rank", udp4()).rules({ "udp -> drop", "udp -> pass" }).at({ -1, 0 })
		    .expect(XDP_PASS, RPASS, 1));
	std::vector<std::string> last(XSK_MAX_RULES - 1, "udp dport 1 -> drop");
	last.push_back("udp dport 2 -> pass");
	t.push_back(R("rules_64_last_wins", udp4_ports(7, 2)).rules(last).expect(XDP_PASS, RPASS, 63));
	std::vector<std::string> all(XSK_MAX_RULES, "-> drop");
	all[0] = "-> pass";
	t.push_back(R("rules_64_all_match", udp4()).rules(all).expect(XDP_PASS, RPASS, 0));

	/* IPv4 prefixes: nested ones, longest first, then the shorter containing ones. */
	t.push_back(R("p4_24", udp4_at("10.1.2.3", "198.18.0.1")).rules(p4).dflt("drop").on(DEV_LO).sock(5)
		    .expect(XDP_DROP, RDROP, 0));
	t.push_back(R("p4_16", udp4_at("10.1.3.3", "198.18.0.1")).rules(p4).dflt("drop").on(DEV_LO).sock(5)
		    .expect(XDP_PASS, RPASS, 1));
	t.push_back(R("p4_8", udp4_at("10.2.0.1", "198.18.0.1")).rules(p4).dflt("drop").on(DEV_LO).sock(5)
		    .expect(XDP_REDIRECT, REDIR, 2));
	t.push_back(R("p4_0", udp4_at("11.0.0.1", "198.18.0.1")).rules(p4).dflt("drop").on(DEV_LO).sock(5)
		    .expect(XDP_PASS, NOSOCK, 3));
	t.push_back(R("p4_v6_frame", udp6()).rules(p4).dflt("drop").on(DEV_LO).sock(5).expect(XDP_DROP, NOMATCH, DFLT));
	t.push_back(R("p4_short_first_inside_long", udp4_at("10.1.2.3", "198.18.0.1")).rules(p4_short_first)
		    .expect(XDP_PASS, RPASS, 0));
	t.push_back(R("p4_short_first_outside_long", udp4_at("10.9.9.9", "198.18.0.1")).rules(p4_short_first)
		    .expect(XDP_PASS, RPASS, 0));
	t.push_back(R("p4_31_in", udp4_at("1.1.1.1", "198.18.0.1")).rules(p4_edges).dflt("pass").expect(XDP_DROP, RDROP, 0));
	t.push_back(R("p4_31_out_32_in", udp4_at("1.1.1.1", "198.18.0.2")).rules(p4_edges).dflt("pass")
		    .expect(XDP_PASS, RPASS, 1));
	t.push_back(R("p4_15_last", udp4_at("1.1.1.1", "198.19.255.255")).rules(p4_edges).dflt("pass")
		    .expect(XDP_PASS, NOSOCK, 2));
	t.push_back(R("p4_15_above", udp4_at("1.1.1.1", "198.20.0.0")).rules(p4_edges).dflt("pass")
		    .expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("p4_15_below", udp4_at("1.1.1.1", "198.17.255.255")).rules(p4_edges).dflt("pass")
		    .expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("p4_src_and_dst", udp4_at("10.1.1.1", "10.2.2.2")).rules({ "src 10.0.0.0/8 dst 10.0.0.0/8 -> drop" })
		    .dflt("pass").expect(XDP_DROP, RDROP, 0));
	t.push_back(R("p4_src_not_dst", udp4_at("10.1.1.1", "11.2.2.2")).rules({ "src 10.0.0.0/8 dst 10.0.0.0/8 -> drop" })
		    .dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("p4_host_bare", udp4_at("192.0.2.7", "198.18.0.1")).rules({ "src 192.0.2.6 -> drop", "src 192.0.2.7 -> pass" })
		    .expect(XDP_PASS, RPASS, 1));

	/* IPv6 prefixes. */
	t.push_back(R("p6_128", udp6_at("2001:db8::2", "2001:db8::1")).rules(p6).dflt("drop").expect(XDP_DROP, RDROP, 0));
	t.push_back(R("p6_64", udp6_at("2001:db8::3", "2001:db8::1")).rules(p6).dflt("drop").expect(XDP_PASS, RPASS, 1));
	t.push_back(R("p6_32", udp6_at("2001:db8:1::1", "2001:db8::1")).rules(p6).dflt("drop").expect(XDP_PASS, NOSOCK, 2));
	t.push_back(R("p6_0", udp6_at("fe80::1", "2001:db8::1")).rules(p6).dflt("drop").drop().expect(XDP_DROP, NOSOCK, 3));
	t.push_back(R("p6_v4_frame", udp4()).rules(p6).dflt("drop").expect(XDP_DROP, NOMATCH, DFLT));
	t.push_back(R("p6_127_in", udp6_at("::1", "2001:db8::1")).rules({ "dst 2001:db8::/127 -> drop" }).dflt("pass")
		    .expect(XDP_DROP, RDROP, 0));
	t.push_back(R("p6_127_out", udp6_at("::1", "2001:db8::2")).rules({ "dst 2001:db8::/127 -> drop" }).dflt("pass")
		    .expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("p6_1_in", udp6_at("8000::", "::1")).rules({ "src 8000::/1 -> drop" }).dflt("pass").expect(XDP_DROP, RDROP, 0));
	t.push_back(R("p6_1_out", udp6_at("7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::1")).rules({ "src 8000::/1 -> drop" })
		    .dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("p4_0_not_v6", udp6()).rules({ "src 0.0.0.0/0 -> drop" }).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("p6_0_not_v4", udp4()).rules({ "dst ::/0 -> drop" }).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("p6_vlan_prefix", Packet().vlan(xt::ETH_8021Q, 9).ipv6(xt::IP_UDP).udp(1, 2).build())
		    .rules({ "vlan 9 src 2001:db8::/48 dst 2001:db8::1 udp -> drop" }).expect(XDP_DROP, RDROP, 0));

	/* Each action, with and without a socket where it points. */
	t.push_back(R("act_queue_socket", udp4()).rules({ "udp -> queue" }).dflt("drop").on(DEV_VETH, 2).sock(2, DEV_VETH, 2)
		    .expect(XDP_REDIRECT, REDIR, 0));
	t.push_back(R("act_queue_no_socket_drop", udp4()).rules({ "udp -> queue" }).dflt("pass").drop().on(DEV_VETH, 2)
		    .sock(1, DEV_VETH, 1).expect(XDP_DROP, NOSOCK, 0));
	t.push_back(R("act_index_socket", udp4()).rules({ "udp -> index 9" }).on(DEV_LO).sock(9).expect(XDP_REDIRECT, REDIR, 0));
	t.push_back(R("act_index_no_socket", udp4()).rules({ "udp -> index 9" }).on(DEV_LO).sock(8).expect(XDP_PASS, NOSOCK, 0));
	t.push_back(R("act_index_past_map", udp4()).rules({ "udp -> index 64" }).drop().expect(XDP_DROP, NOSOCK, 0));
	t.push_back(R("act_index_u32_max", udp4()).rules({ "udp -> index 4294967295" }).expect(XDP_PASS, NOSOCK, 0));
	t.push_back(R("act_pass_socket_unused", udp4()).rules({ "udp -> pass" }).on(DEV_LO).sock(0).expect(XDP_PASS, RPASS, 0));
	t.push_back(R("act_drop_socket_unused", udp4()).rules({ "udp -> drop" }).on(DEV_LO).sock(0).expect(XDP_DROP, RDROP, 0));
	t.push_back(R("act_fixed_rule_queue", udp4()).rules({ "udp -> queue", "tcp -> pass" }).fixed(6).on(DEV_VETH, 1)
		    .sock(6, DEV_VETH, 1).expect(XDP_REDIRECT, REDIR, 0));

	/* The default action when rules exist but none matches. */
	t.push_back(R("dflt_queue_socket", udp4()).rules({ "tcp -> drop" }).on(DEV_LO).sock(0).expect(XDP_REDIRECT, REDIR, DFLT));
	t.push_back(R("dflt_queue_no_socket", udp4()).rules({ "tcp -> drop" }).drop().expect(XDP_DROP, NOSOCK, DFLT));
	t.push_back(R("dflt_index_socket", udp4()).rules({ "tcp -> drop" }).dflt("index 4").on(DEV_LO).sock(4)
		    .expect(XDP_REDIRECT, REDIR, DFLT));
	t.push_back(R("dflt_index_no_socket", udp4()).rules({ "tcp -> drop" }).dflt("index 4").drop().expect(XDP_DROP, NOSOCK, DFLT));
	t.push_back(R("dflt_pass", udp4()).rules({ "tcp -> drop" }).dflt("pass").expect(XDP_PASS, NOMATCH, DFLT));
	t.push_back(R("dflt_drop", udp4()).rules({ "tcp -> drop" }).dflt("drop").expect(XDP_DROP, NOMATCH, DFLT));
	return t;
}

// Length fields, as the kernel's input path checks them: each base frame
// (IPv4 and IPv6, untagged and 802.1Q, UDP and TCP) consistent, padded,
// cut, and with each length field (IP total or payload length, UDP length,
// TCP data offset) too short, too long or edge values. UDP frames run
// under --match udp; TCP ones under {"tcp -> drop"; default pass}, so a
// well-formed one is dropped by rule 0 and a malformed one passes uncounted
// by any rule.
struct LenBase {
	const char *name;
	Bytes pkt;
	int ver;
	size_t ip_off;
	bool tcp;
};

std::vector<LenBase> len_bases()
{
	Packet v;

	v.vlan(xt::ETH_8021Q, 7);
	return {
		{ "udp4", Packet().ipv4(xt::IP_UDP).udp(1, 2, pl(12)).build(), 4, 14, false },
		{ "vlan_udp4", Packet(v).ipv4(xt::IP_UDP).udp(1, 2, pl(12)).build(), 4, 18, false },
		{ "udp6", Packet().ipv6(xt::IP_UDP).udp(1, 2, pl(12)).build(), 6, 14, false },
		{ "vlan_udp6", Packet(v).ipv6(xt::IP_UDP).udp(1, 2, pl(12)).build(), 6, 18, false },
		{ "tcp4", Packet().ipv4(xt::IP_TCP).tcp(1, 2, pl(12)).build(), 4, 14, true },
		{ "vlan_tcp4", Packet(v).ipv4(xt::IP_TCP).tcp(1, 2, pl(12)).build(), 4, 18, true },
		{ "tcp6", Packet().ipv6(xt::IP_TCP).tcp(1, 2, pl(12)).build(), 6, 14, true },
		{ "vlan_tcp6", Packet(v).ipv6(xt::IP_TCP).tcp(1, 2, pl(12)).build(), 6, 18, true },
	};
}

Bytes with16(Bytes b, size_t off, uint16_t v)
{
	xt::set16(b, off, v);
	return b;
}

Bytes padded(Bytes b, size_t n)
{
	b.resize(b.size() + n, 0);
	return b;
}

// First fragments (more fragments follow, offset 0): IPv4 with MF, IPv6
// with a fragment header with M, untagged and 802.1Q, UDP and TCP. The IP
// length is this fragment's; the UDP length is the whole datagram's, which
// the kernel checks only after reassembly, so only the L4 header has to lie
// inside the fragment. Without MF (a whole datagram, also an IPv6 atomic
// fragment) the full check applies.
void first_frag_rows(std::vector<Row> &t)
{
	for (int ver : { 4, 6 }) {
		for (bool tag : { false, true }) {
			for (bool tcp : { false, true }) {
				Packet p;
				size_t ip = tag ? 18 : 14, l4 = ip + (ver == 4 ? 20 : 48);
				size_t lenf = ver == 4 ? ip + 2 : ip + 4, fragf = ver == 4 ? ip + 6 : ip + 42;
				Bytes l4b = udp_first_frag(16), f;

				if (tag)
					p.vlan(xt::ETH_8021Q, 7);
				if (tcp) {
					l4b = tcp_hdr();
					Bytes more = pl(16);
					l4b.insert(l4b.end(), more.begin(), more.end());
				}
				uint8_t proto = tcp ? xt::IP_TCP : xt::IP_UDP;
				if (ver == 4)
					f = p.ipv4(proto, xt::IP4_B, xt::IP4_A, 0, 0x2000).payload(l4b).build();
				else
					f = p.ipv6(44).payload(ext_body({ { 44, 1 } }, proto, l4b)).build();
				std::string n = std::string(tag ? "vlan_" : "") + (tcp ? "tcp" : "udp") +
						std::to_string(ver) + "_first_frag_";
				size_t dgram = f.size() - (ver == 4 ? ip : ip + 40);
				auto add = [&](const std::string &what, Bytes pkt, bool ok) {
					Row r(n + what, std::move(pkt));

					if (tcp)
						r.rules({ "tcp -> drop" }).dflt("pass");
					else
						r.udp();
					if (!ok)
						r.expect(XDP_PASS, MALF);
					else if (tcp)
						r.expect(XDP_DROP, RDROP);
					else
						r.expect(XDP_PASS, NOSOCK);
					t.push_back(r);
				};

				add("consistent", f, true);
				add("padded_18", padded(f, 18), true);
				add("cut_1_payload_byte", cut(f, f.size() - 1), false);
				add("iplen_plus_1", with16(f, lenf, dgram + 1), false);
				/* The IP length ends inside the L4 header; the frame still holds it. */
				add("l4_header_outside", with16(f, lenf, (ver == 4 ? 20 : 8) + 4), false);
				if (tcp) {
					/* 40 header bytes, 36 in the fragment: the options run past it. */
					add("doff_10_past_datagram",
					    padded(with_byte(f, l4 + 12, 0xa0 | (f[l4 + 12] & 0x0f)), 40), false);
					add("doff_9_whole_fragment", with_byte(f, l4 + 12, 0x90 | (f[l4 + 12] & 0x0f)), true);
					continue;
				}
				/* The old fixtures' shape: the UDP length of this fragment alone. */
				add("udplen_of_this_fragment", with16(f, l4 + 4, f.size() - l4), true);
				add("udplen_max", with16(f, l4 + 4, 0xFFFF), true);
				add("udplen_7", with16(f, l4 + 4, 7), false);
				add("udplen_0", with16(f, l4 + 4, 0), ver == 6);
				/* No more fragments: a whole datagram, the UDP length must fit. */
				add("without_more_fragments", with16(f, fragf, 0), false);
				add("without_more_fragments_udplen_fits", with16(with16(f, fragf, 0), l4 + 4, f.size() - l4), true);
				if (ver == 4)
					add("df_not_mf", with16(f, fragf, 0x4000), false);
			}
		}
	}
}

std::vector<Row> length_table()
{
	std::vector<Row> t;

	for (const LenBase &lb : len_bases()) {
		const Bytes &f = lb.pkt;
		size_t ip = lb.ip_off, iphl = lb.ver == 4 ? 20 : 40, l4 = ip + iphl;
		size_t lenf = lb.ver == 4 ? ip + 2 : ip + 4;	/* IP length field */
		size_t base = lb.ver == 4 ? ip : ip + 40;	/* what it counts from */
		size_t dgram = f.size() - base;			/* its consistent value */
		std::string n = lb.name;
		auto add = [&](const std::string &what, Bytes pkt, bool ok) {
			Row r(n + "_" + what, std::move(pkt));

			if (lb.tcp)
				r.rules({ "tcp -> drop" }).dflt("pass");
			else
				r.udp();
			if (!ok)
				r.expect(XDP_PASS, MALF);
			else if (lb.tcp)
				r.expect(XDP_DROP, RDROP);
			else
				r.expect(XDP_PASS, NOSOCK);
			t.push_back(r);
		};

		add("consistent", f, true);
		/* Ethernet padding: a short frame is padded to 60 bytes, or more. */
		add("padded_to_60", padded(f, f.size() < 60 ? 60 - f.size() : 0), true);
		add("padded_18", padded(f, 18), true);
		add("cut_1_payload_byte", cut(f, f.size() - 1), false);
		add("cut_to_l4_header", cut(f, l4 + (lb.tcp ? 20 : 8)), false);
		/* The IP length field. */
		add("iplen_plus_1", with16(f, lenf, dgram + 1), false);
		add("iplen_plus_1_padded", padded(with16(f, lenf, dgram + 1), 1), true);
		add("iplen_max", with16(f, lenf, 0xFFFF), false);
		/* Shorter than the L4 header: it lies in the frame, not in the datagram. */
		add("iplen_l4_header_outside", padded(with16(f, lenf, (lb.ver == 4 ? 20 : 0) + 4), 0), false);
		add("iplen_0", with16(f, lenf, 0), false);
		if (lb.ver == 4) {
			add("totlen_below_ihl", with16(f, lenf, 19), false);
			add("totlen_ihl_only", with16(f, lenf, 20), false);
			/* An empty non-first fragment with its IP length checked too. */
			add("nonfirst_frag_totlen_past_end",
			    with16(with16(f, ip + 6, 0x0010), lenf, dgram + 8), false);
		}
		if (lb.tcp) {
			size_t doff = l4 + 12;

			add("doff_4", with_byte(f, doff, 0x40 | (f[doff] & 0x0f)), false);
			add("doff_0", with_byte(f, doff, f[doff] & 0x0f), false);
			/* 6 words: 4 option bytes, in the datagram (the payload). */
			add("doff_6", with_byte(f, doff, 0x60 | (f[doff] & 0x0f)), true);
			add("doff_8_all_payload", with_byte(f, doff, 0x80 | (f[doff] & 0x0f)), true);
			/* 9 words: 36 bytes, past the datagram, inside the padded frame. */
			add("doff_9_past_datagram", padded(with_byte(f, doff, 0x90 | (f[doff] & 0x0f)), 40), false);
			add("doff_15_past_frame", with_byte(f, doff, 0xF0 | (f[doff] & 0x0f)), false);
		} else {
			size_t ulen = l4 + 4, udp_len = f.size() - l4;

			add("udplen_7", with16(f, ulen, 7), false);
			add("udplen_8_shorter_than_ip", with16(f, ulen, 8), true);
			add("udplen_minus_1", with16(f, ulen, udp_len - 1), true);
			add("udplen_plus_1", with16(f, ulen, udp_len + 1), false);
			add("udplen_plus_1_padded", padded(with16(f, ulen, udp_len + 1), 1), false);
			/* udp6 reads 0 as "the whole payload" (jumbograms); udp4 refuses it. */
			add("udplen_0", with16(f, ulen, 0), lb.ver == 6);
			/* A consistent datagram of the bare UDP header, padded after it. */
			add("header_only_datagram_padded",
			    padded(with16(with16(cut(f, l4 + 8), ulen, 8), lenf, l4 + 8 - base), 30), true);
		}
	}
	/* IPv6 jumbogram claim: payload length 0 and a hop-by-hop header. */
	t.push_back(Row("ip6_jumbo_claim", with16(ipv6_chain({ { 0, 0 } }, xt::IP_UDP, udp_hdr_and(4)), 14 + 4, 0))
		    .udp().expect(XDP_PASS, MALF));
	/* An extension header past the payload length, inside the frame. */
	t.push_back(Row("ip6_ext_past_datagram", padded(with16(ipv6_chain({ { 60, 1 } }, xt::IP_UDP, udp_hdr_and(4)),
								 14 + 4, 8), 16))
		    .udp().expect(XDP_PASS, MALF));
	/* Payload length 0 and nothing after the header: no L4, not malformed. */
	t.push_back(Row("ip6_no_next_header_empty", Packet().ipv6(59).build()).udp().expect(XDP_PASS, NOMATCH));
	t.push_back(Row("icmp4_outside_datagram", padded(with16(icmp4(), 14 + 2, 22), 8))
		    .udp().expect(XDP_PASS, MALF));
	first_frag_rows(t);
	return t;
}

// elastic-style fixture: the skeleton is opened, configured and loaded in
// SetUp from the row, and destroyed with the fixture.
class ProgTable : public ::testing::TestWithParam<Row> {
protected:
	Prog prog;

	void SetUp() override
	{
		const Row &r = GetParam();

		ASSERT_NO_FATAL_FAILURE(prog.load(r.cfg));
		if (r.sock_slot >= 0) {
			ASSERT_NO_FATAL_FAILURE(prog.put_socket(r.sock_slot, socket_of(r.sock_dev, r.sock_q).fd()));
		}
	}
};

TEST_P(ProgTable, VerdictAndCounters)
{
	const Row &r = GetParam();
	SCOPED_TRACE(describe(r));

	Counters before = prog.stats();
	Hits hbefore = prog.hits();
	RunResult res = prog.run(r.pkt, r.ctx);
	Counters after = prog.stats();
	Hits hafter = prog.hits();

	ASSERT_EQ(res.err, 0) << "BPF_PROG_TEST_RUN: " << strerror(res.err);
	EXPECT_EQ(res.retval, r.verdict) << verdict_str(res.retval) << " instead of " << verdict_str(r.verdict);
	EXPECT_TRUE(counted_once(before, after, r.reason, r.pkt.size()));
	EXPECT_TRUE(hit_once(hbefore, hafter, expected_hit(r), r.pkt.size()));
	/* The program only looks: the frame comes back as it went in. */
	EXPECT_EQ(res.out, r.pkt) << "frame modified:\n" << xt::hexdump(res.out);
}

INSTANTIATE_TEST_SUITE_P(Frames, ProgTable, ::testing::ValuesIn(table()),
			 [](const auto &info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(Rules, ProgTable, ::testing::ValuesIn(rule_table()),
			 [](const auto &info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(Lengths, ProgTable, ::testing::ValuesIn(length_table()),
			 [](const auto &info) { return info.param.name; });


// ==== review of issue 7 (hostile tester): findings (F1, fixed: enabled) ====

// A real first fragment: MF set, offset 0, and a UDP length that covers the
// whole datagram, so longer than this fragment's IP payload. The kernel
// checks the UDP length only after reassembly (ip_defrag / ipv6_frag_rcv
// come before __udp4_lib_rcv / __udp6_lib_rcv), so the fragment is well
// formed: it must match "udp" as the first fragments above do, not count as
// malformed. Found by sending a 3000-byte UDP datagram over a 1500-byte MTU:
// bpf.malformed counted every first fragment.
Bytes review_udp_hdr_len(uint16_t ulen, size_t n)
{
	Bytes b = udp_hdr_and(n);

	b[4] = ulen >> 8;
	b[5] = ulen & 0xff;
	return b;
}

std::vector<Row> review_frag_table()
{
	using R = Row;
	std::vector<Row> t;

	t.push_back(R("udp4_first_frag_udp_len_of_whole_datagram",
		      frag_udp4(0x2000, review_udp_hdr_len(3008, 16))).udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("udp6_first_frag_udp_len_of_whole_datagram",
		      ipv6_chain({ { 44, 1 } }, xt::IP_UDP, review_udp_hdr_len(3008, 16)))
		    .udp().expect(XDP_PASS, NOSOCK));
	t.push_back(R("ip4_first_frag_whole_len_matches_dport",
		      frag_udp4(0x2000, review_udp_hdr_len(3008, 16)))
		    .rules({ "udp dport 2 -> drop" }).expect(XDP_DROP, RDROP, 0));
	return t;
}

INSTANTIATE_TEST_SUITE_P(ReviewFragments, ProgTable, ::testing::ValuesIn(review_frag_table()),
			 [](const auto &info) { return info.param.name; });

// ==== end of the review block ====

} // namespace
} // namespace xtp
