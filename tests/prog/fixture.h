/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
// The prog tests' shared fixture: the private network namespace and its
// AF_XDP sockets, the program under BPF_PROG_TEST_RUN (class Prog), the
// frame builders. One file of tests per area includes it (test_prog_*.cc).
//
// Layer 2: the xsk_redirect XDP program run by the kernel on canned frames
// (BPF_PROG_TEST_RUN), through the skeleton the loader uses, with its rule
// maps written by cls_apply() as `xskmap run` writes them.
//
// The whole binary lives in a private network namespace, entered before
// the first test (NetnsEnv below): it holds `lo`, a veth pair with four RX
// queues (xtp0/xtp1) and the AF_XDP sockets bound to them, and vanishes
// with the process. No interface of the root namespace is touched.
//
// Needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN for unshare).
// XSKMAP_SEED=N replays the random tests with seed N (XT_SEED still works
// for the random-frame test).
#pragma once

#include <gtest/gtest.h>

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_endian.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "packet.h"
#include "parse.h"
#include "ruleset.h"
#include "cls_maps.h"
#include "xsk_redirect.h"
#include "xsk_redirect.skel.h"
#include "sock.h"
#include "umem.h"


namespace xtp {


using xt::Bytes;
using xt::Packet;

/* BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header. */
constexpr size_t ETH_HLEN_MIN = 14;
constexpr __u32 VETH_QUEUES = 4;

// ------------------------------------------------------------ sockets

// One AF_XDP socket in copy mode with a small UMEM, through the product's
// own UMEM and socket layer (user/umem.h, user/sock.h). The program under
// test only needs its fd in xsks_map: BPF_PROG_TEST_RUN returns
// XDP_REDIRECT without delivering, so the rings are never serviced.
class XskSock {
public:
	XskSock() { sock_.map_fd = -1; /* in no xsks_map: destroy deletes nothing */ }
	XskSock(const XskSock &) = delete;
	XskSock &operator=(const XskSock &) = delete;
	~XskSock()
	{
		xskmap_sock_destroy(&sock_);
		xskmap_umem_destroy(&umem_);
	}

	/* 0, or -errno with what failed in *why. */
	int create(const char *ifname, __u32 queue, std::string *why)
	{
		struct xskmap_umem_cfg ucfg = {};
		struct xskmap_sock_cfg scfg = {};
		char err[512];
		int ret;

		ucfg.frames = 64;
		ucfg.frame_size = 4096;
		ucfg.comp_size = 64;
		scfg.rx_size = 64;
		scfg.bind = BIND_COPY;

		ret = xskmap_umem_create(&umem_, &ucfg, queue, err, sizeof(err));
		if (!ret)
			ret = xskmap_sock_create(&sock_, ifname, queue, &umem_, &scfg, err,
						 sizeof(err));
		if (ret)
			*why = err;
		return ret;
	}
	int fd() const { return xskmap_sock_fd(&sock_); }

private:
	struct xskmap_umem umem_ = {};
	struct xskmap_sock sock_ = {};
};

enum Dev { DEV_NONE, DEV_LO, DEV_VETH };

struct NetState {
	int lo_ifindex = 0;
	int veth_ifindex = 0;
	std::unique_ptr<XskSock> lo_sock;			/* lo queue 0 */
	std::unique_ptr<XskSock> veth_sock[VETH_QUEUES];	/* xtp0 queue i */
};
inline NetState *g_net;

inline int libbpf_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

// A global setup that fails ends the binary here, loudly and non-zero:
// gtest would otherwise report every test as skipped (exit 0 for
// GTEST_SKIP), which reads like a green run.
[[noreturn]] inline void setup_failed(const std::string &why)
{
	fprintf(stderr, "prog_tests: global setup failed, no test can run: %s\n", why.c_str());
	fflush(stderr);
	_exit(1);
}

inline void setup_run(const char *cmd)
{
	int st = system(cmd);

	if (st != 0)
		setup_failed(std::string("'") + cmd + "' " +
			     (st < 0 ? std::string("could not run: ") + strerror(errno) :
			      WIFEXITED(st) ? "exited " + std::to_string(WEXITSTATUS(st)) : "was killed") +
			     " (its own message is above)");
}

// Enter a private network namespace before any test, and any thread, runs:
// unshare(CLONE_NEWNET) moves only the calling thread, and gtest runs every
// test on this one.
class NetnsEnv : public ::testing::Environment {
public:
	void SetUp() override
	{
		std::string why;
		int ret;

		/* Warnings only: the skeleton's info lines would drown the report. */
		libbpf_set_print(libbpf_warnings);
		if (geteuid() != 0)
			setup_failed("prog_tests need root (BPF_PROG_TEST_RUN, AF_XDP sockets, a private "
				     "network namespace): run them as root (sudo build/tests/prog_tests, or ctest as root)");
		/* Only after this succeeds may anything touch an interface. */
		if (unshare(CLONE_NEWNET))
			setup_failed(std::string("unshare(CLONE_NEWNET): ") + strerror(errno));
		setup_run("ip link set lo up");
		setup_run("ip link add xtp0 numtxqueues 4 numrxqueues 4 type veth "
			  "peer name xtp1 numtxqueues 4 numrxqueues 4");
		setup_run("ip link set xtp1 up && ip link set xtp0 up");

		g_net = new NetState;
		g_net->lo_ifindex = if_nametoindex("lo");
		g_net->veth_ifindex = if_nametoindex("xtp0");
		if (g_net->lo_ifindex <= 0 || g_net->veth_ifindex <= 0)
			setup_failed(std::string("if_nametoindex(lo/xtp0): ") + strerror(errno));

		g_net->lo_sock.reset(new XskSock);
		ret = g_net->lo_sock->create("lo", 0, &why);
		if (ret)
			setup_failed(why + ": " + strerror(-ret));
		for (__u32 q = 0; q < VETH_QUEUES; q++) {
			g_net->veth_sock[q].reset(new XskSock);
			ret = g_net->veth_sock[q]->create("xtp0", q, &why);
			if (ret)
				setup_failed(why + ": " + strerror(-ret));
		}
	}
	void TearDown() override
	{
		/* Sockets before the namespace goes with the process. */
		delete g_net;
		g_net = nullptr;
	}
};

// ------------------------------------------------------------ the program

// A configuration of the loader, as the rule set run_opts_ruleset() makes
// of it: `--match udp` is {"udp -> queue"; default pass}, `--match all` no
// rule and default queue (the defaults here), a fixed index turns every
// queue action into "index N".
struct Cfg {
	std::vector<std::string> rules;	/* rule texts, highest priority first */
	std::vector<int> at;		/* rank each rule is inserted at; none: appended */
	std::string dflt = "queue";	/* the default action */
	bool fixed = false;
	__u32 fixed_index = 0;
	__u32 fallback = XDP_PASS;	/* rodata cfg_fallback */
	bool rx_timestamp = false;	/* rodata cfg_rx_timestamp */
	bool mb = false;		/* run the xdp.frags flavour, xsk_redirect_mb */
};

// Build the rule set of C through the rule language, as the loader does.
inline ::testing::AssertionResult build_ruleset(const Cfg &c, struct xsk_ruleset *rs)
{
	char err[512] = "";
	__u32 action, index, id;

	if (action_parse(c.dflt.c_str(), &action, &index, err, sizeof(err)))
		return ::testing::AssertionFailure() << err;
	ruleset_init(rs, action, index);
	for (size_t i = 0; i < c.rules.size(); i++) {
		struct xsk_rule r;
		int pos = i < c.at.size() ? c.at[i] : -1;

		if (rule_parse(c.rules[i].c_str(), &r, err, sizeof(err)) ||
		    ruleset_add(rs, &r, pos, &id, err, sizeof(err)))
			return ::testing::AssertionFailure() << err;
	}
	if (c.fixed) {
		for (__u32 i = 0; i < rs->nr_rules; i++) {
			if (rs->rules[i].action == XSK_ACT_QUEUE) {
				rs->rules[i].action = XSK_ACT_INDEX;
				rs->rules[i].index = c.fixed_index;
			}
		}
		if (rs->default_action == XSK_ACT_QUEUE) {
			rs->default_action = XSK_ACT_INDEX;
			rs->default_index = c.fixed_index;
		}
	}
	return ::testing::AssertionSuccess();
}

// Where the frame "arrived": ingress device and RX queue of struct xdp_md.
struct Ctx {
	Dev dev = DEV_NONE;
	__u32 rxq = 0;
};

using Counters = std::array<struct xsk_stat, XSK_STAT_MAX>;
using Hits = std::array<struct xsk_stat, XSK_MAX_RULES + 1>;

/* Expected rule_hits entry: none moves (malformed frame). */
constexpr int NO_HIT = -1;

struct RunResult {
	int err;		/* errno of BPF_PROG_TEST_RUN, 0 if it ran */
	__u32 retval;
	Bytes out;
};

inline const char *verdict_str(__u32 v)
{
	switch (v) {
	case XDP_ABORTED: return "XDP_ABORTED";
	case XDP_DROP: return "XDP_DROP";
	case XDP_PASS: return "XDP_PASS";
	case XDP_TX: return "XDP_TX";
	case XDP_REDIRECT: return "XDP_REDIRECT";
	}
	return "XDP_?";
}

inline const char *reason_str(int r)
{
	switch (r) {
	case XSK_STAT_REDIRECTED: return "redirected";
	case XSK_STAT_NOT_MATCHED: return "not_matched";
	case XSK_STAT_NO_SOCKET: return "no_socket";
	case XSK_STAT_MALFORMED: return "malformed";
	case XSK_STAT_RULE_PASS: return "rule_pass";
	case XSK_STAT_RULE_DROP: return "rule_drop";
	}
	return "?";
}

inline std::string hit_str(int id)
{
	if (id == NO_HIT)
		return "no rule_hits entry";
	return id == XSK_HITS_DEFAULT ? "default" : "rule id " + std::to_string(id);
}

inline int ifindex_of(Dev d)
{
	switch (d) {
	case DEV_LO: return g_net->lo_ifindex;
	case DEV_VETH: return g_net->veth_ifindex;
	default: return 0;
	}
}

inline XskSock &socket_of(Dev d, __u32 q)
{
	return d == DEV_VETH ? *g_net->veth_sock[q] : *g_net->lo_sock;
}

// One loaded skeleton: open, set rodata, load, write the rule set; freed
// with the object. The program is never attached: BPF_PROG_TEST_RUN only.
class Prog {
public:
	Prog() = default;
	Prog(const Prog &) = delete;
	Prog &operator=(const Prog &) = delete;
	~Prog() { xsk_redirect__destroy(skel_); }

	void load(const Cfg &c)
	{
		struct xsk_ruleset rs;

		skel_ = xsk_redirect__open();
		ASSERT_NE(skel_, nullptr) << "xsk_redirect__open: " << strerror(errno);
		/* rodata is frozen by load: set between open and load. */
		skel_->rodata->cfg_fallback = c.fallback;
		skel_->rodata->cfg_rx_timestamp = c.rx_timestamp;
		mb_ = c.mb;
		/* One flavour, as the loader does: verifying both doubles each load (TCG: seconds). */
		bpf_program__set_autoload(skel_->progs.xsk_redirect, !c.mb);
		bpf_program__set_autoload(skel_->progs.xsk_redirect_mb, c.mb);
		int ret = xsk_redirect__load(skel_);
		ASSERT_EQ(ret, 0) << "xsk_redirect__load: " << strerror(-ret);
		cls_fds_from_skel(skel_, &fds_);
		ASSERT_TRUE(build_ruleset(c, &rs));
		ASSERT_NO_FATAL_FAILURE(apply(rs));
	}

	void apply(const struct xsk_ruleset &rs)
	{
		char err[512] = "";
		int ret = cls_apply(&fds_, &rs, err, sizeof(err));

		ASSERT_EQ(ret, 0) << "cls_apply: " << err;
	}

	void put_socket(__u32 slot, int fd)
	{
		int ret = bpf_map__update_elem(skel_->maps.xsks_map, &slot, sizeof(slot),
					       &fd, sizeof(fd), BPF_ANY);
		ASSERT_EQ(ret, 0) << "xsks_map[" << slot << "] = fd " << fd << ": " << strerror(-ret);
	}

	void del_socket(__u32 slot)
	{
		int ret = bpf_map__delete_elem(skel_->maps.xsks_map, &slot, sizeof(slot), 0);
		ASSERT_EQ(ret, 0) << "delete xsks_map[" << slot << "]: " << strerror(-ret);
	}

	// One entry of a per-CPU xsk_stat map summed over the CPUs, read
	// independently of user/stats.c and cls_hits_read().
	struct xsk_stat sum(struct bpf_map *map, __u32 key)
	{
		static const int ncpus = libbpf_num_possible_cpus();
		std::vector<struct xsk_stat> percpu(ncpus > 0 ? ncpus : 1);
		struct xsk_stat s = {};

		EXPECT_GT(ncpus, 0);
		int ret = bpf_map__lookup_elem(map, &key, sizeof(key), percpu.data(),
					       percpu.size() * sizeof(percpu[0]), 0);
		EXPECT_EQ(ret, 0) << bpf_map__name(map) << "[" << key << "]: " << strerror(-ret);
		for (auto &c : percpu) {
			s.packets += c.packets;
			s.bytes += c.bytes;
		}
		return s;
	}

	struct xsk_stat stat(__u32 reason) { return sum(skel_->maps.xsk_stats, reason); }
	struct xsk_stat hit(__u32 id) { return sum(skel_->maps.rule_hits, id); }

	Counters stats()
	{
		Counters c{};

		for (__u32 key = 0; key < XSK_STAT_MAX; key++)
			c[key] = stat(key);
		return c;
	}

	Hits hits()
	{
		Hits h{};

		for (__u32 id = 0; id <= XSK_MAX_RULES; id++)
			h[id] = hit(id);
		return h;
	}

	RunResult run(const Bytes &pkt, const Ctx &ctx)
	{
		struct xdp_md md = {};
		struct bpf_test_run_opts o = {};
		RunResult r = { 0, 0, Bytes(mb_ ? 65536 : 4096) };

		/* The kernel wants data_end == the frame size and no metadata. */
		md.data = 0;
		md.data_end = pkt.size();
		md.ingress_ifindex = ifindex_of(ctx.dev);
		md.rx_queue_index = ctx.rxq;
		o.sz = sizeof(o);
		o.data_in = pkt.data();
		o.data_size_in = pkt.size();
		o.data_out = r.out.data();
		o.data_size_out = r.out.size();
		o.ctx_in = &md;
		o.ctx_size_in = sizeof(md);
		o.repeat = 1;
		if (bpf_prog_test_run_opts(bpf_program__fd(mb_ ? skel_->progs.xsk_redirect_mb :
							       skel_->progs.xsk_redirect), &o) < 0) {
			r.err = errno;
			r.out.clear();
			return r;
		}
		r.retval = o.retval;
		r.out.resize(o.data_size_out);
		return r;
	}

private:
	struct xsk_redirect *skel_ = nullptr;
	struct cls_fds fds_ = {};
	bool mb_ = false;
};

// The entries of a counter array moved by exactly one frame of len bytes,
// at index `once` only (-1: none may move).
template <size_t N>
inline ::testing::AssertionResult moved_once(const std::array<struct xsk_stat, N> &before,
				      const std::array<struct xsk_stat, N> &after, int once, size_t len,
				      std::string (*name)(int))
{
	std::string moved;
	bool ok = true;

	for (int i = 0; i < (int)N; i++) {
		__u64 dp = after[i].packets - before[i].packets, db = after[i].bytes - before[i].bytes;
		__u64 wp = i == once ? 1 : 0, wb = i == once ? len : 0;

		if (dp != wp || db != wb)
			ok = false;
		if (dp || db || i == once)
			moved += " " + name(i) + " +" + std::to_string(dp) + "/+" + std::to_string(db) + "B";
	}
	if (ok)
		return ::testing::AssertionSuccess();
	if (once < 0)
		return ::testing::AssertionFailure() << "nothing should move; moved:" << moved;
	return ::testing::AssertionFailure() << "expected " << name(once) << " +1/+" << len
					     << "B only; moved:" << moved;
}

inline std::string reason_name(int r) { return reason_str(r); }

inline ::testing::AssertionResult counted_once(const Counters &before, const Counters &after, int reason,
					size_t len)
{
	return moved_once(before, after, reason, len, reason_name);
}

inline ::testing::AssertionResult hit_once(const Hits &before, const Hits &after, int id, size_t len)
{
	return moved_once(before, after, id, len, hit_str);
}

inline ::testing::AssertionResult unchanged(const Counters &before, const Counters &after)
{
	return counted_once(before, after, -1, 0);
}

// ------------------------------------------------------------ frames

inline Bytes pl(size_t n)
{
	Bytes b(n);

	for (size_t i = 0; i < n; i++)
		b[i] = 0xa0 + i;
	return b;
}

// Frames from the builder in packet.h; UDP ports and payloads are arbitrary.
inline Bytes udp4()
{
	return Packet().ipv4(xt::IP_UDP).udp(40000, 4789, pl(18)).build();
}

inline Bytes udp6()
{
	return Packet().ipv6(xt::IP_UDP).udp(40000, 4789, pl(18)).build();
}

inline Bytes vlan_udp4()
{
	return Packet().vlan(xt::ETH_8021Q, 100).ipv4(xt::IP_UDP).udp(1, 2, pl(18)).build();
}

inline Bytes vlan_udp6()
{
	return Packet().vlan(xt::ETH_8021Q, 100).ipv6(xt::IP_UDP).udp(1, 2, pl(10)).build();
}

inline Bytes qinq_udp4()
{
	return Packet().vlan(xt::ETH_8021AD, 10).vlan(xt::ETH_8021Q, 20)
		.ipv4(xt::IP_UDP).udp(1, 2, pl(18)).build();
}

inline Bytes qinq_udp6()
{
	return Packet().vlan(xt::ETH_8021AD, 10).vlan(xt::ETH_8021Q, 20)
		.ipv6(xt::IP_UDP).udp(1, 2, pl(18)).build();
}

inline Bytes three_vlans_udp4()
{
	return Packet().vlan(xt::ETH_8021AD, 1).vlan(xt::ETH_8021Q, 2).vlan(xt::ETH_8021Q, 3)
		.ipv4(xt::IP_UDP).udp(1, 2, pl(18)).build();
}

inline Bytes opts_udp4(size_t optlen)
{
	return Packet().ipv4(xt::IP_UDP, xt::IP4_B, xt::IP4_A, optlen).udp(1, 2, pl(18)).build();
}

// IPv4 UDP with the given fragment field and raw bytes after the IP header.
inline Bytes frag_udp4(uint16_t frag_off, Bytes l4)
{
	return Packet().ipv4(xt::IP_UDP, xt::IP4_B, xt::IP4_A, 0, frag_off).payload(std::move(l4)).build();
}

// IPv4 UDP whose header says IHL ihl, whatever its real length.
inline Bytes ihl4(uint8_t ihl, size_t payload)
{
	return Packet().ipv4(xt::IP_UDP, xt::IP4_B, xt::IP4_A, 0, 0, ihl).udp(1, 2, pl(payload)).build();
}

inline Bytes tcp4()
{
	return Packet().ipv4(xt::IP_TCP).tcp(40000, 80).build();
}

inline Bytes tcp6()
{
	return Packet().ipv6(xt::IP_TCP).tcp(40000, 80).build();
}

inline Bytes icmp4()
{
	return Packet().ipv4(xt::IP_ICMP).icmp_echo().build();
}

inline Bytes icmp6()
{
	return Packet().ipv6(xt::IP_ICMPV6).icmp_echo(128).build();
}

inline Bytes other_ether()
{
	return Packet().ether(0x88B5, pl(46)).build();
}

// Raw L4 bytes for hand-made chains: a UDP header and n payload bytes.
inline Bytes udp_hdr_and(size_t n)
{
	Bytes b, p = pl(n);

	xt::put16(b, 1);
	xt::put16(b, 2);
	xt::put16(b, 8 + n);
	xt::put16(b, 0);
	b.insert(b.end(), p.begin(), p.end());
	return b;
}

// The head of a fragmented UDP datagram: a UDP header whose length is the
// whole datagram's (as a real stack writes it, the sum of all fragments),
// and the n payload bytes this first fragment carries.
inline Bytes udp_first_frag(size_t n, uint16_t whole = 3008)
{
	Bytes b = udp_hdr_and(n);

	xt::set16(b, 4, whole);
	return b;
}

// A bare TCP header (SYN, no options).
inline Bytes tcp_hdr()
{
	Bytes b = tcp4();

	return Bytes(b.begin() + 14 + 20, b.end());
}

// IPv6 with extension headers. For 44 (fragment) arg is the fragment
// offset field (offset << 3 | M); for 51 (AH) and the option headers
// (0, 43, 60) it is hdrlen.
struct Ext {
	uint8_t type;
	uint16_t arg;
};


// The bytes of an IPv6 extension header chain ending in protocol last,
// followed by l4.
inline Bytes ext_body(const std::vector<Ext> &ext, uint8_t last, const Bytes &l4)
{
	Bytes body;

	for (size_t i = 0; i < ext.size(); i++) {
		uint8_t next = i + 1 < ext.size() ? ext[i + 1].type : last;
		size_t start = body.size(), len;

		body.push_back(next);
		if (ext[i].type == 44) {
			body.push_back(0);
			xt::put16(body, ext[i].arg);
			xt::put32(body, 0x12345678);
			continue;
		}
		body.push_back(ext[i].arg);
		len = ext[i].type == 51 ? (ext[i].arg + 2) * 4 : (ext[i].arg + 1) * 8;
		/* One PadN option filling the rest. */
		while (body.size() < start + len)
			body.push_back(body.size() == start + 2 ? 1 : 0);
	}
	body.insert(body.end(), l4.begin(), l4.end());
	return body;
}

inline Bytes ipv6_chain(std::vector<Ext> ext, uint8_t last, Bytes l4)
{
	return Packet().ipv6(ext.empty() ? last : ext[0].type).payload(ext_body(ext, last, l4)).build();
}

inline Bytes with_byte(Bytes b, size_t off, uint8_t v)
{
	b.at(off) = v;
	return b;
}

inline Bytes cut(Bytes b, size_t n)
{
	b.resize(n);
	return b;
}

// Rule fixtures need frames with chosen addresses and ports.
inline uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return ntohl(a.s_addr);
}

// IPv6 addresses into the header at ip_off (after Ethernet and tags).
inline Bytes with_ip6(Bytes b, size_t ip_off, const char *src, const char *dst)
{
	if (inet_pton(AF_INET6, src, &b.at(ip_off + 8)) != 1 ||
	    inet_pton(AF_INET6, dst, &b.at(ip_off + 24)) != 1)
		abort();
	return b;
}

inline Bytes udp4_at(const char *src, const char *dst, uint16_t sport = 1, uint16_t dport = 2)
{
	return Packet().ipv4(xt::IP_UDP, ip4(src), ip4(dst)).udp(sport, dport, pl(8)).build();
}

inline Bytes udp6_at(const char *src, const char *dst, uint16_t sport = 1, uint16_t dport = 2)
{
	return with_ip6(Packet().ipv6(xt::IP_UDP).udp(sport, dport, pl(8)).build(), 14, src, dst);
}

inline Bytes udp4_ports(uint16_t sport, uint16_t dport)
{
	return Packet().ipv4(xt::IP_UDP).udp(sport, dport, pl(8)).build();
}

inline Bytes tcp4_ports(uint16_t sport, uint16_t dport)
{
	return Packet().ipv4(xt::IP_TCP).tcp(sport, dport).build();
}

inline Bytes icmp4_tc(uint8_t type, uint8_t code)
{
	return Packet().ipv4(xt::IP_ICMP).payload({ type, code, 0, 0, 0, 1, 0, 1 }).build();
}

inline Bytes icmp6_tc(uint8_t type, uint8_t code)
{
	return Packet().ipv6(xt::IP_ICMPV6).payload({ type, code, 0, 0, 0, 1, 0, 1 }).build();
}

inline Bytes ipv4_proto(uint8_t proto)
{
	return Packet().ipv4(proto).payload(pl(20)).build();
}

/* The counter a frame is expected in, and the default's hit slot. */
constexpr int REDIR = XSK_STAT_REDIRECTED, NOMATCH = XSK_STAT_NOT_MATCHED;
constexpr int NOSOCK = XSK_STAT_NO_SOCKET, MALF = XSK_STAT_MALFORMED;
constexpr int RPASS = XSK_STAT_RULE_PASS, RDROP = XSK_STAT_RULE_DROP;
constexpr int DFLT = XSK_HITS_DEFAULT;

// An independent model of what --match udp should do with a frame, written
// from the rules bpf/parse.h documents (two VLAN tags, IPv4 options and
// fragments, IPv6 extension headers, UDP/TCP/ICMP header lengths, the
// kernel's checks of the IP, UDP and TCP length fields) rather than from
// its code. end is where the IP datagram ends: every header above IP must
// fit before it.
enum Class { C_MALFORMED, C_NOT_MATCHED, C_MATCHED };

inline const char *class_str(Class c)
{
	return c == C_MALFORMED ? "malformed" : c == C_NOT_MATCHED ? "not matched" : "matched";
}

inline Class model_udp(const Bytes &b)
{
	auto be16 = [&](size_t o) { return (uint16_t)(b[o] << 8 | b[o + 1]); };
	auto is_ext = [](uint8_t nh) { return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60; };
	size_t off = 14, end;
	bool more = false;	/* a fragment, more follow: the UDP length covers them too */
	uint16_t proto;
	uint8_t l4;

	if (b.size() < off)
		return C_MALFORMED;
	proto = be16(12);
	/* At most two tags, 802.1ad or 802.1Q in either place. */
	for (int i = 0; i < 2 && (proto == xt::ETH_8021Q || proto == xt::ETH_8021AD); i++) {
		if (b.size() < off + 4)
			return C_MALFORMED;
		proto = be16(off + 2);
		off += 4;
	}
	if (proto == xt::ETH_IP) {
		if (b.size() < off + 20 || b[off] >> 4 != 4)
			return C_MALFORMED;
		size_t ihl = (b[off] & 0xf) * 4;
		/* ip_rcv_core(): IHL*4 <= total length <= the bytes present. */
		end = off + be16(off + 2);
		if (ihl < 20 || end < off + ihl || end > b.size())
			return C_MALFORMED;
		l4 = b[off + 9];
		bool nonfirst = be16(off + 6) & 0x1fff;
		more = be16(off + 6) & 0x2000;
		off += ihl;
		/* Fragment payload is not a header: nothing more to check. */
		if (nonfirst)
			return C_NOT_MATCHED;
		if (l4 == xt::IP_ICMP && end < off + 4)
			return C_MALFORMED;
	} else if (proto == xt::ETH_IPV6) {
		if (b.size() < off + 40 || b[off] >> 4 != 6)
			return C_MALFORMED;
		/* ipv6_rcv(): 40 + payload length <= the bytes present. */
		end = off + 40 + be16(off + 4);
		if (end > b.size())
			return C_MALFORMED;
		l4 = b[off + 6];
		off += 40;
		/* Up to 8 extension headers; a ninth is malformed. */
		int n;
		for (n = 0; n < 8 && is_ext(l4); n++) {
			if (end < off + 8)
				return C_MALFORMED;
			if (l4 == 44) {
				bool nonfirst = be16(off + 2) & 0xfff8;
				more = more || (be16(off + 2) & 1);
				l4 = b[off];
				off += 8;
				if (nonfirst)
					return C_NOT_MATCHED;
				continue;
			}
			size_t len = l4 == 51 ? (b[off + 1] + 2) * 4 : (b[off + 1] + 1) * 8;
			if (end < off + len)
				return C_MALFORMED;
			l4 = b[off];
			off += len;
		}
		if (is_ext(l4))
			return C_MALFORMED;
		if (l4 == xt::IP_ICMPV6 && end < off + 4)
			return C_MALFORMED;
	} else {
		return C_NOT_MATCHED;
	}
	/* TCP and ICMP headers are parsed too: a cut one is malformed. */
	if (l4 == xt::IP_TCP) {
		/* tcp_v4_rcv(): data offset >= 5 words, all of them in the datagram. */
		if (end < off + 20 || b[off + 12] >> 4 < 5 || end < off + (b[off + 12] >> 4) * 4)
			return C_MALFORMED;
		return C_NOT_MATCHED;
	}
	if (l4 != xt::IP_UDP)
		return C_NOT_MATCHED;
	if (end < off + 8)
		return C_MALFORMED;
	/*
	 * __udp4_lib_rcv(): 8 <= length <= IP payload; udp6: 0 means all of it.
	 * A first fragment's length is checked after reassembly: not its end.
	 */
	size_t ulen = be16(off + 4);
	if (ulen == 0 && proto == xt::ETH_IPV6)
		ulen = end - off;
	return ulen < 8 || (!more && end < off + ulen) ? C_MALFORMED : C_MATCHED;
}

inline std::vector<std::pair<std::string, Bytes>> all_frames()
{
	return {
		{ "udp4", udp4() }, { "udp6", udp6() }, { "vlan_udp4", vlan_udp4() },
		{ "qinq_udp6", qinq_udp6() }, { "three_vlans", three_vlans_udp4() },
		{ "tcp4", tcp4() }, { "icmp4", icmp4() }, { "arp", xt::arp_request() },
		{ "tcp6", tcp6() }, { "ihl4", ihl4(4, 18) }, { "ihl15", ihl4(15, 0) },
		{ "nonfirst_frag", frag_udp4(1, pl(30)) }, { "other", other_ether() },
		{ "eth_only", cut(udp4(), 14) },
		{ "udp6_hbh_routing", ipv6_chain({ { 0, 0 }, { 43, 1 } }, xt::IP_UDP, udp_hdr_and(6)) },
		{ "udp6_frag_first", ipv6_chain({ { 44, 1 } }, xt::IP_UDP, udp_first_frag(6)) },
		{ "udp4_frag_first", frag_udp4(0x2000, udp_first_frag(24)) },
		{ "udp6_frag_nonfirst", ipv6_chain({ { 44, 8 << 3 } }, xt::IP_UDP, pl(16)) },
		{ "udp6_ah_dstopts", ipv6_chain({ { 51, 1 }, { 60, 0 } }, xt::IP_UDP, udp_hdr_and(6)) },
		{ "udp6_8_ext", ipv6_chain(std::vector<Ext>(8, { 0, 0 }), xt::IP_UDP, udp_hdr_and(2)) },
		{ "icmp6", icmp6() },
	};
}

class ProgTest : public ::testing::Test {};

} // namespace xtp
