// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
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

namespace {

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
		const struct xskmap_umem_cfg ucfg = { .frames = 64, .frame_size = 4096,
						      .comp_size = 64, .tx_frames = 0 };
		const struct xskmap_sock_cfg scfg = { .rx_size = 64, .tx_size = 0,
						      .bind = BIND_COPY, .need_wakeup = false };
		char err[512];
		int ret;

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
NetState *g_net;

int libbpf_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

// A global setup that fails ends the binary here, loudly and non-zero:
// gtest would otherwise report every test as skipped (exit 0 for
// GTEST_SKIP), which reads like a green run.
[[noreturn]] void setup_failed(const std::string &why)
{
	fprintf(stderr, "prog_tests: global setup failed, no test can run: %s\n", why.c_str());
	fflush(stderr);
	_exit(1);
}

void setup_run(const char *cmd)
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
::testing::Environment *const netns_env = ::testing::AddGlobalTestEnvironment(new NetnsEnv);

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
};

// Build the rule set of C through the rule language, as the loader does.
::testing::AssertionResult build_ruleset(const Cfg &c, struct xsk_ruleset *rs)
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

const char *verdict_str(__u32 v)
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

const char *reason_str(int r)
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

std::string hit_str(int id)
{
	if (id == NO_HIT)
		return "no rule_hits entry";
	return id == XSK_HITS_DEFAULT ? "default" : "rule id " + std::to_string(id);
}

int ifindex_of(Dev d)
{
	switch (d) {
	case DEV_LO: return g_net->lo_ifindex;
	case DEV_VETH: return g_net->veth_ifindex;
	default: return 0;
	}
}

XskSock &socket_of(Dev d, __u32 q)
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
		RunResult r = { 0, 0, Bytes(4096) };

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
		if (bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.xsk_redirect), &o) < 0) {
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
};

// The entries of a counter array moved by exactly one frame of len bytes,
// at index `once` only (-1: none may move).
template <size_t N>
::testing::AssertionResult moved_once(const std::array<struct xsk_stat, N> &before,
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

std::string reason_name(int r) { return reason_str(r); }

::testing::AssertionResult counted_once(const Counters &before, const Counters &after, int reason,
					size_t len)
{
	return moved_once(before, after, reason, len, reason_name);
}

::testing::AssertionResult hit_once(const Hits &before, const Hits &after, int id, size_t len)
{
	return moved_once(before, after, id, len, hit_str);
}

::testing::AssertionResult unchanged(const Counters &before, const Counters &after)
{
	return counted_once(before, after, -1, 0);
}

// ------------------------------------------------------------ frames

Bytes pl(size_t n)
{
	Bytes b(n);

	for (size_t i = 0; i < n; i++)
		b[i] = 0xa0 + i;
	return b;
}

// Frames from the builder in packet.h; UDP ports and payloads are arbitrary.
Bytes udp4()
{
	return Packet().ipv4(xt::IP_UDP).udp(40000, 4789, pl(18)).build();
}

Bytes udp6()
{
	return Packet().ipv6(xt::IP_UDP).udp(40000, 4789, pl(18)).build();
}

Bytes vlan_udp4()
{
	return Packet().vlan(xt::ETH_8021Q, 100).ipv4(xt::IP_UDP).udp(1, 2, pl(18)).build();
}

Bytes vlan_udp6()
{
	return Packet().vlan(xt::ETH_8021Q, 100).ipv6(xt::IP_UDP).udp(1, 2, pl(10)).build();
}

Bytes qinq_udp4()
{
	return Packet().vlan(xt::ETH_8021AD, 10).vlan(xt::ETH_8021Q, 20)
		.ipv4(xt::IP_UDP).udp(1, 2, pl(18)).build();
}

Bytes qinq_udp6()
{
	return Packet().vlan(xt::ETH_8021AD, 10).vlan(xt::ETH_8021Q, 20)
		.ipv6(xt::IP_UDP).udp(1, 2, pl(18)).build();
}

Bytes three_vlans_udp4()
{
	return Packet().vlan(xt::ETH_8021AD, 1).vlan(xt::ETH_8021Q, 2).vlan(xt::ETH_8021Q, 3)
		.ipv4(xt::IP_UDP).udp(1, 2, pl(18)).build();
}

Bytes opts_udp4(size_t optlen)
{
	return Packet().ipv4(xt::IP_UDP, xt::IP4_B, xt::IP4_A, optlen).udp(1, 2, pl(18)).build();
}

// IPv4 UDP with the given fragment field and raw bytes after the IP header.
Bytes frag_udp4(uint16_t frag_off, Bytes l4)
{
	return Packet().ipv4(xt::IP_UDP, xt::IP4_B, xt::IP4_A, 0, frag_off).payload(std::move(l4)).build();
}

// IPv4 UDP whose header says IHL ihl, whatever its real length.
Bytes ihl4(uint8_t ihl, size_t payload)
{
	return Packet().ipv4(xt::IP_UDP, xt::IP4_B, xt::IP4_A, 0, 0, ihl).udp(1, 2, pl(payload)).build();
}

Bytes tcp4()
{
	return Packet().ipv4(xt::IP_TCP).tcp(40000, 80).build();
}

Bytes tcp6()
{
	return Packet().ipv6(xt::IP_TCP).tcp(40000, 80).build();
}

Bytes icmp4()
{
	return Packet().ipv4(xt::IP_ICMP).icmp_echo().build();
}

Bytes icmp6()
{
	return Packet().ipv6(xt::IP_ICMPV6).icmp_echo(128).build();
}

Bytes other_ether()
{
	return Packet().ether(0x88B5, pl(46)).build();
}

// Raw L4 bytes for hand-made chains: a UDP header and n payload bytes.
Bytes udp_hdr_and(size_t n)
{
	Bytes b, p = pl(n);

	xt::put16(b, 1);
	xt::put16(b, 2);
	xt::put16(b, 8 + n);
	xt::put16(b, 0);
	b.insert(b.end(), p.begin(), p.end());
	return b;
}

// A bare TCP header (SYN, no options).
Bytes tcp_hdr()
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
Bytes ext_body(const std::vector<Ext> &ext, uint8_t last, const Bytes &l4)
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

Bytes ipv6_chain(std::vector<Ext> ext, uint8_t last, Bytes l4)
{
	return Packet().ipv6(ext.empty() ? last : ext[0].type).payload(ext_body(ext, last, l4)).build();
}

Bytes with_byte(Bytes b, size_t off, uint8_t v)
{
	b.at(off) = v;
	return b;
}

Bytes cut(Bytes b, size_t n)
{
	b.resize(n);
	return b;
}

// Rule fixtures need frames with chosen addresses and ports.
uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return ntohl(a.s_addr);
}

// IPv6 addresses into the header at ip_off (after Ethernet and tags).
Bytes with_ip6(Bytes b, size_t ip_off, const char *src, const char *dst)
{
	if (inet_pton(AF_INET6, src, &b.at(ip_off + 8)) != 1 ||
	    inet_pton(AF_INET6, dst, &b.at(ip_off + 24)) != 1)
		abort();
	return b;
}

Bytes udp4_at(const char *src, const char *dst, uint16_t sport = 1, uint16_t dport = 2)
{
	return Packet().ipv4(xt::IP_UDP, ip4(src), ip4(dst)).udp(sport, dport, pl(8)).build();
}

Bytes udp6_at(const char *src, const char *dst, uint16_t sport = 1, uint16_t dport = 2)
{
	return with_ip6(Packet().ipv6(xt::IP_UDP).udp(sport, dport, pl(8)).build(), 14, src, dst);
}

Bytes udp4_ports(uint16_t sport, uint16_t dport)
{
	return Packet().ipv4(xt::IP_UDP).udp(sport, dport, pl(8)).build();
}

Bytes tcp4_ports(uint16_t sport, uint16_t dport)
{
	return Packet().ipv4(xt::IP_TCP).tcp(sport, dport).build();
}

Bytes icmp4_tc(uint8_t type, uint8_t code)
{
	return Packet().ipv4(xt::IP_ICMP).payload({ type, code, 0, 0, 0, 1, 0, 1 }).build();
}

Bytes icmp6_tc(uint8_t type, uint8_t code)
{
	return Packet().ipv6(xt::IP_ICMPV6).payload({ type, code, 0, 0, 0, 1, 0, 1 }).build();
}

Bytes ipv4_proto(uint8_t proto)
{
	return Packet().ipv4(proto).payload(pl(20)).build();
}

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

constexpr int REDIR = XSK_STAT_REDIRECTED, NOMATCH = XSK_STAT_NOT_MATCHED;
constexpr int NOSOCK = XSK_STAT_NO_SOCKET, MALF = XSK_STAT_MALFORMED;
constexpr int RPASS = XSK_STAT_RULE_PASS, RDROP = XSK_STAT_RULE_DROP;
constexpr int DFLT = XSK_HITS_DEFAULT;

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
		      frag_udp4(0x2000, udp_hdr_and(16))).udp().expect(XDP_PASS, NOSOCK));
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
		      ipv6_chain({ { 44, 1 } }, xt::IP_UDP, udp_hdr_and(40))).udp().expect(XDP_PASS, NOSOCK));
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
	t.push_back(R("ip6_frag_first_mf", ipv6_chain({ { 44, 1 } }, xt::IP_UDP, udp_hdr_and(4)))
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
	t.push_back(R("ip4_first_frag", frag_udp4(0x2000, udp_hdr_and(16))).rules({ "udp dport 2 -> drop" })
		    .expect(XDP_DROP, RDROP, 0));
	t.push_back(R("ip4_nonfirst_frag", frag_udp4(0x0001, udp_hdr_and(16)))
		    .rules({ "udp -> drop", "proto 17 -> drop", "dport 0-65535 -> drop", "ip4 src 198.18.0.2 -> pass" })
		    .expect(XDP_PASS, RPASS, 3));
	t.push_back(R("ip6_nonfirst_frag", ipv6_chain({ { 44, 185 << 3 } }, xt::IP_UDP, pl(32)))
		    .rules({ "udp -> drop", "proto 44 -> drop", "sport 0-65535 -> drop", "ip6 dst 2001:db8::1 -> pass" })
		    .expect(XDP_PASS, RPASS, 3));
	t.push_back(R("ip6_first_frag_l4_after", ipv6_chain({ { 44, 1 } }, xt::IP_UDP, udp_hdr_and(8)))
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

// ------------------------------------------------------------ truncation

// An independent model of what --match udp should do with a frame, written
// from the rules bpf/parse.h documents (two VLAN tags, IPv4 options and
// fragments, IPv6 extension headers, UDP/TCP/ICMP header lengths, the
// kernel's checks of the IP, UDP and TCP length fields) rather than from
// its code. end is where the IP datagram ends: every header above IP must
// fit before it.
enum Class { C_MALFORMED, C_NOT_MATCHED, C_MATCHED };

const char *class_str(Class c)
{
	return c == C_MALFORMED ? "malformed" : c == C_NOT_MATCHED ? "not matched" : "matched";
}

Class model_udp(const Bytes &b)
{
	auto be16 = [&](size_t o) { return (uint16_t)(b[o] << 8 | b[o + 1]); };
	auto is_ext = [](uint8_t nh) { return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60; };
	size_t off = 14, end;
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
	/* __udp4_lib_rcv(): 8 <= length <= IP payload; udp6: 0 means all of it. */
	size_t ulen = be16(off + 4);
	if (ulen == 0 && proto == xt::ETH_IPV6)
		ulen = end - off;
	return ulen < 8 || end < off + ulen ? C_MALFORMED : C_MATCHED;
}

class ProgTest : public ::testing::Test {};

// Every length from 0 to full - 1 of a frame whose UDP header ends at
// l4_end, then the whole frame with up to 40 bytes of padding. Below 14
// bytes BPF_PROG_TEST_RUN refuses the frame (EINVAL) and the program never
// runs: asserted, not skipped. From 14 on, a cut inside any header
// (Ethernet, VLAN, IP, UDP) is malformed, and so is a cut inside the
// payload: the IP length claims bytes that are not there (the kernel's
// ip_rcv_core/ipv6_rcv drop it). Padding after the datagram matches.
void check_truncations(const char *what, const Bytes &full, size_t l4_end)
{
	const size_t pad_max = 40;

	ASSERT_EQ(model_udp(full), C_MATCHED) << what;
	ASSERT_LT(l4_end, full.size()) << what << ": want payload bytes to cut too";

	for (bool with_sock : { false, true }) {
		Cfg cfg;
		Prog prog;
		Ctx ctx;

		cfg.rules = { "udp -> queue" };
		cfg.dflt = "pass";
		ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
		if (with_sock) {
			ASSERT_NO_FATAL_FAILURE(prog.put_socket(0, g_net->lo_sock->fd()));
			ctx.dev = DEV_LO;
		}
		for (size_t len = 0; len <= full.size() + pad_max; len++) {
			Bytes pkt(full.begin(), full.begin() + std::min(len, full.size()));
			pkt.resize(len, 0);	/* padding, as a NIC pads a short frame */
			SCOPED_TRACE(std::string(what) + (with_sock ? " with socket" : " no socket") +
				     (len > full.size() ? ", padded to " : ", cut to ") + std::to_string(len) +
				     " bytes:\n" + xt::hexdump(pkt));
			Counters before = prog.stats();
			Hits hbefore = prog.hits();
			RunResult res = prog.run(pkt, ctx);
			Counters after = prog.stats();
			Hits hafter = prog.hits();

			if (len < ETH_HLEN_MIN) {
				EXPECT_EQ(res.err, EINVAL) << "the kernel ran a " << len << "-byte XDP frame";
				EXPECT_TRUE(unchanged(before, after));
				EXPECT_TRUE(hit_once(hbefore, hafter, NO_HIT, 0));
				continue;
			}
			ASSERT_EQ(res.err, 0) << strerror(res.err);
			bool matched = len >= full.size();
			int reason = !matched ? MALF : with_sock ? REDIR : NOSOCK;
			__u32 verdict = matched && with_sock ? XDP_REDIRECT : XDP_PASS;

			/* The model must agree with the offsets, or the frame is not what we think. */
			EXPECT_EQ(model_udp(pkt), matched ? C_MATCHED : C_MALFORMED);
			EXPECT_EQ(res.retval, verdict) << verdict_str(res.retval);
			EXPECT_TRUE(counted_once(before, after, reason, len));
			/* The udp rule (id 0) took it, or nothing did. */
			EXPECT_TRUE(hit_once(hbefore, hafter, matched ? 0 : NO_HIT, len));
		}
	}
}

TEST_F(ProgTest, TruncatedIpv4Udp)
{
	check_truncations("ipv4/udp", udp4(), 14 + 20 + 8);
}

TEST_F(ProgTest, TruncatedVlanIpv6Udp)
{
	check_truncations("802.1Q ipv6/udp", vlan_udp6(), 14 + 4 + 40 + 8);
}

TEST_F(ProgTest, TruncatedQinqIpv4OptionsUdp)
{
	Bytes f = Packet().vlan(xt::ETH_8021AD, 7).vlan(xt::ETH_8021Q, 8)
		.ipv4(xt::IP_UDP, xt::IP4_B, xt::IP4_A, 12).udp(1, 2, pl(5)).build();

	check_truncations("QinQ ipv4+options/udp", f, 14 + 8 + 32 + 8);
}

// --match all (no rule, default queue) parses nothing: every length the
// kernel accepts is redirected, and counted for the default.
TEST_F(ProgTest, TruncatedMatchAllAlwaysRedirects)
{
	Prog prog;
	Bytes full = vlan_udp6();
	Ctx ctx;

	ASSERT_NO_FATAL_FAILURE(prog.load(Cfg()));
	ASSERT_NO_FATAL_FAILURE(prog.put_socket(0, g_net->lo_sock->fd()));
	ctx.dev = DEV_LO;
	for (size_t len = ETH_HLEN_MIN; len <= full.size(); len++) {
		Bytes pkt(full.begin(), full.begin() + len);
		SCOPED_TRACE("cut to " + std::to_string(len) + ":\n" + xt::hexdump(pkt));
		Counters before = prog.stats();
		Hits hbefore = prog.hits();
		RunResult res = prog.run(pkt, ctx);

		ASSERT_EQ(res.err, 0) << strerror(res.err);
		EXPECT_EQ(res.retval, (__u32)XDP_REDIRECT) << verdict_str(res.retval);
		EXPECT_TRUE(counted_once(before, prog.stats(), REDIR, len));
		EXPECT_TRUE(hit_once(hbefore, prog.hits(), DFLT, len));
	}
}

// ------------------------------------------------------------ configs

std::vector<std::pair<std::string, Bytes>> all_frames()
{
	return {
		{ "udp4", udp4() }, { "udp6", udp6() }, { "vlan_udp4", vlan_udp4() },
		{ "qinq_udp6", qinq_udp6() }, { "three_vlans", three_vlans_udp4() },
		{ "tcp4", tcp4() }, { "icmp4", icmp4() }, { "arp", xt::arp_request() },
		{ "tcp6", tcp6() }, { "ihl4", ihl4(4, 18) }, { "ihl15", ihl4(15, 0) },
		{ "nonfirst_frag", frag_udp4(1, pl(30)) }, { "other", other_ether() },
		{ "eth_only", cut(udp4(), 14) },
		{ "udp6_hbh_routing", ipv6_chain({ { 0, 0 }, { 43, 1 } }, xt::IP_UDP, udp_hdr_and(6)) },
		{ "udp6_frag_first", ipv6_chain({ { 44, 1 } }, xt::IP_UDP, udp_hdr_and(6)) },
		{ "udp6_frag_nonfirst", ipv6_chain({ { 44, 8 << 3 } }, xt::IP_UDP, pl(16)) },
		{ "udp6_ah_dstopts", ipv6_chain({ { 51, 1 }, { 60, 0 } }, xt::IP_UDP, udp_hdr_and(6)) },
		{ "udp6_8_ext", ipv6_chain(std::vector<Ext>(8, { 0, 0 }), xt::IP_UDP, udp_hdr_and(2)) },
		{ "icmp6", icmp6() },
	};
}

// --match all: every frame, whatever it holds, goes to the slot; the
// fallback decides only when the slot is empty.
TEST_F(ProgTest, MatchAllEveryFrame)
{
	for (__u32 fb : { (__u32)XDP_PASS, (__u32)XDP_DROP }) {
		for (bool with_sock : { false, true }) {
			Prog prog;
			Cfg cfg;
			Ctx ctx;

			cfg.fallback = fb;
			ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
			if (with_sock) {
				ASSERT_NO_FATAL_FAILURE(prog.put_socket(0, g_net->lo_sock->fd()));
			}
			ctx.dev = DEV_LO;
			for (auto &f : all_frames()) {
				SCOPED_TRACE(f.first + (with_sock ? " socket" : " no socket") + " fallback " +
					     verdict_str(fb) + "\n" + xt::hexdump(f.second));
				Counters before = prog.stats();
				RunResult res = prog.run(f.second, ctx);

				ASSERT_EQ(res.err, 0);
				EXPECT_EQ(res.retval, with_sock ? (__u32)XDP_REDIRECT : fb) << verdict_str(res.retval);
				EXPECT_TRUE(counted_once(before, prog.stats(), with_sock ? REDIR : NOSOCK, f.second.size()));
			}
		}
	}
}

// One socket per queue at the slot of its queue, as `xskmap run` sets it
// up: each queue's frames find their socket; emptying one slot sends that
// queue's frames to the fallback and leaves the others alone.
TEST_F(ProgTest, SocketPerQueue)
{
	Prog prog;
	Cfg cfg;

	cfg.rules = { "udp -> queue" };
	cfg.dflt = "pass";
	ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
	for (__u32 q = 0; q < VETH_QUEUES; q++)
		ASSERT_NO_FATAL_FAILURE(prog.put_socket(q, g_net->veth_sock[q]->fd()));
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			ASSERT_NO_FATAL_FAILURE(prog.del_socket(2));
		}
		for (__u32 q = 0; q < VETH_QUEUES; q++) {
			SCOPED_TRACE("pass " + std::to_string(pass) + " rxq " + std::to_string(q));
			Ctx ctx;
			ctx.dev = DEV_VETH;
			ctx.rxq = q;
			Bytes pkt = qinq_udp4();
			bool hole = pass == 1 && q == 2;
			Counters before = prog.stats();
			RunResult res = prog.run(pkt, ctx);

			ASSERT_EQ(res.err, 0) << strerror(res.err);
			EXPECT_EQ(res.retval, hole ? (__u32)XDP_PASS : (__u32)XDP_REDIRECT) << verdict_str(res.retval);
			EXPECT_TRUE(counted_once(before, prog.stats(), hole ? NOSOCK : REDIR, pkt.size()));
		}
	}
}

// Fixed index: the slot never depends on the RX queue; the socket there
// takes the frames of its own queue only (AF_XDP would drop the others
// after XDP_REDIRECT, counted nowhere), the rest get the fallback verdict.
TEST_F(ProgTest, FixedIndexIgnoresQueue)
{
	for (__u32 idx : { 0u, 1u, 7u, (__u32)XSK_MAP_DEFAULT_ENTRIES - 1 }) {
		Prog prog;
		Cfg cfg;

		cfg.fixed = true;	/* no rule: the default queue becomes index idx */
		cfg.fixed_index = idx;
		ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
		/* The socket of queue 0: only queue 0's frames reach it. */
		ASSERT_NO_FATAL_FAILURE(prog.put_socket(idx, g_net->veth_sock[0]->fd()));
		for (__u32 q = 0; q < VETH_QUEUES; q++) {
			SCOPED_TRACE("fixed " + std::to_string(idx) + " rxq " + std::to_string(q));
			Ctx ctx;
			ctx.dev = DEV_VETH;
			ctx.rxq = q;
			Counters before = prog.stats();
			RunResult res = prog.run(udp6(), ctx);

			ASSERT_EQ(res.err, 0);
			EXPECT_EQ(res.retval, q == 0 ? (__u32)XDP_REDIRECT : (__u32)XDP_PASS)
				<< verdict_str(res.retval);
			EXPECT_TRUE(counted_once(before, prog.stats(), q == 0 ? REDIR : NOSOCK, udp6().size()));
		}
		/* Moved to the next slot: no frame finds it any more. */
		ASSERT_NO_FATAL_FAILURE(prog.del_socket(idx));
		if (idx + 1 < XSK_MAP_DEFAULT_ENTRIES) {
			ASSERT_NO_FATAL_FAILURE(prog.put_socket(idx + 1, g_net->veth_sock[1]->fd()));
		}
		Ctx ctx;
		ctx.dev = DEV_VETH;
		ctx.rxq = (idx + 1) % VETH_QUEUES;
		Counters before = prog.stats();
		RunResult res = prog.run(udp6(), ctx);
		ASSERT_EQ(res.err, 0);
		EXPECT_EQ(res.retval, (__u32)XDP_PASS) << "fixed " << idx << ": " << verdict_str(res.retval);
		EXPECT_TRUE(counted_once(before, prog.stats(), NOSOCK, udp6().size()));
	}
}

// With cfg_rx_timestamp a redirected frame carries struct xsk_rx_meta in
// front of it (BPF_PROG_TEST_RUN returns the metadata before the frame):
// the receive time, taken while the program ran. Without it, or for a
// frame that is not redirected, the frame comes back as it went in.
TEST_F(ProgTest, RxTimestampInFrontOfRedirectedFramesOnlyWhenAsked)
{
	for (bool stamp : { true, false }) {
		SCOPED_TRACE(stamp ? "cfg_rx_timestamp 1" : "cfg_rx_timestamp 0");
		Prog prog;
		Cfg cfg;

		cfg.rx_timestamp = stamp;
		ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
		ASSERT_NO_FATAL_FAILURE(prog.put_socket(1, g_net->veth_sock[1]->fd()));
		Bytes pkt = udp4();
		Ctx ctx;
		ctx.dev = DEV_VETH;
		ctx.rxq = 1;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		RunResult res = prog.run(pkt, ctx);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ASSERT_EQ(res.err, 0) << strerror(res.err);
		ASSERT_EQ(res.retval, (__u32)XDP_REDIRECT) << verdict_str(res.retval);
		size_t meta = stamp ? sizeof(struct xsk_rx_meta) : 0;
		ASSERT_EQ(res.out.size(), pkt.size() + meta);
		EXPECT_EQ(Bytes(res.out.begin() + meta, res.out.end()), pkt);
		if (stamp) {
			struct xsk_rx_meta m;
			__u64 lo = (__u64)t0.tv_sec * 1000000000ULL + t0.tv_nsec;
			__u64 hi = (__u64)t1.tv_sec * 1000000000ULL + t1.tv_nsec;

			memcpy(&m, res.out.data(), sizeof(m));
			EXPECT_EQ(m.magic, XSK_RX_META_MAGIC);
			EXPECT_GE(m.rx_ns, lo);
			EXPECT_LE(m.rx_ns, hi);
		}
		/* Queue 2 has no socket: passed to the kernel, unstamped. */
		ctx.rxq = 2;
		res = prog.run(pkt, ctx);
		ASSERT_EQ(res.err, 0);
		EXPECT_EQ(res.retval, (__u32)XDP_PASS);
		EXPECT_EQ(res.out, pkt);
	}
}

// The parser's checks cost verifier work: keep it far from the kernel's
// limit of 1,000,000 processed instructions, so a kernel whose verifier
// explores more (older ones prune less) still loads the program. The
// figure is printed for the README.
TEST_F(ProgTest, VerifierCostBounded)
{
	struct xsk_redirect *skel = xsk_redirect__open_and_load();
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);

	ASSERT_TRUE(skel) << "xsk_redirect did not load: " << strerror(errno);
	ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.xsk_redirect), &info, &ilen), 0)
		<< strerror(errno);
	printf("verifier: %u instructions (xlated), %u processed\n", info.xlated_prog_len / 8,
	       info.verified_insns);
	EXPECT_GT(info.verified_insns, 0u);
	EXPECT_LT(info.verified_insns, 250000u) << "the parser got much more expensive to verify";
	xsk_redirect__destroy(skel);
}

// What the harness relies on from the kernel (as in the selftests'
// xdp_context_test_run): bad contexts are refused before the program runs.
TEST_F(ProgTest, KernelRefusesBadContext)
{
	Prog prog;
	Bytes pkt = udp4();

	ASSERT_NO_FATAL_FAILURE(prog.load(Cfg()));
	Counters before = prog.stats();
	struct { const char *what; Dev dev; __u32 rxq; int err; } bad[] = {
		{ "rx queue without an ingress device", DEV_NONE, 1, EINVAL },
		{ "lo has one RX queue", DEV_LO, 1, EINVAL },
		{ "xtp0 has four RX queues", DEV_VETH, VETH_QUEUES, EINVAL },
	};
	for (auto &b : bad) {
		Ctx ctx;
		ctx.dev = b.dev;
		ctx.rxq = b.rxq;
		RunResult res = prog.run(pkt, ctx);
		EXPECT_EQ(res.err, b.err) << b.what << ": " << strerror(res.err);
	}
	EXPECT_TRUE(unchanged(before, prog.stats()));
}

// ------------------------------------------------------------ random frames

// Frames from every base above, mutated: bytes overwritten in the header
// region, length fields rewritten, cut anywhere from 14 bytes on, padded,
// or replaced by random bytes behind an interesting ethertype.
Bytes random_frame(std::mt19937 &rng)
{
	static const std::vector<std::pair<std::string, Bytes>> bases = all_frames();
	static const uint16_t types[] = { xt::ETH_IP, xt::ETH_IPV6, xt::ETH_8021Q, xt::ETH_8021AD, xt::ETH_ARP };
	auto pick = [&](size_t n) { return (size_t)(rng() % n); };
	Bytes b;

	if (pick(8) == 0) {
		b.resize(ETH_HLEN_MIN + pick(120));
		for (auto &x : b)
			x = rng();
		if (pick(4)) {
			uint16_t t = types[pick(5)];
			b[12] = t >> 8;
			b[13] = t & 0xff;
			/* Often a plausible IP version and IHL right after, if there is a byte for it. */
			if (b.size() > ETH_HLEN_MIN && t == xt::ETH_IP && pick(2))
				b[14] = 0x40 | pick(16);
			if (b.size() > ETH_HLEN_MIN && t == xt::ETH_IPV6 && pick(2))
				b[14] = 0x60 | pick(16);
		}
		return b;
	}
	b = bases[pick(bases.size())].second;
	for (size_t n = pick(5); n; n--) {
		size_t off = 12 + pick(std::min<size_t>(b.size() - 12, 60));
		/* Half the time a value parse.h branches on. */
		static const uint8_t hot[] = { 0x81, 0x00, 0x88, 0xa8, 0x08, 0x86, 0xdd, 0x45, 0x4f, 0x60, 17, 6, 0x20, 0x1f };
		b[off] = pick(2) ? hot[pick(sizeof(hot))] : (uint8_t)rng();
	}
	if (pick(3) == 0)
		xt::mutate_lengths(b, pick);
	if (pick(3) == 0)
		b.resize(ETH_HLEN_MIN + pick(b.size() - ETH_HLEN_MIN + 1));
	if (pick(10) == 0)
		for (size_t n = pick(64); n; n--)
			b.push_back(rng());
	return b;
}

// No frame may ever get XDP_ABORTED; with --match udp the reason must be
// what the independent model says, and every run is counted exactly once.
TEST_F(ProgTest, RandomFramesNeverAborted)
{
	const int runs = 5000;
	unsigned seed;
	const char *env = getenv("XSKMAP_SEED");

	/* A new seed each run unless told: this test is meant to roam. */
	if (!env || !*env)
		env = getenv("XT_SEED");
	seed = env && *env ? strtoul(env, NULL, 0) : std::random_device()();
	SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun with XSKMAP_SEED=" + std::to_string(seed) + ")");
	std::mt19937 rng(seed);

	struct Setup {
		const char *name;
		bool udp = false;
		Cfg cfg;
		int sock_slot;		/* socket of xtp0 queue 2 there, or -1 */
		Prog prog;
		__u64 runs = 0, bytes = 0;
		__u64 hits_rule = 0, hits_default = 0;	/* expected rule_hits */
	};
	Setup setups[5];
	/* udp: --match udp, {"udp -> queue"; default pass}; all: no rule, default queue. */
	auto init = [](Setup &s, const char *name, bool udp, __u32 fb, bool fixed, int slot) {
		s.name = name;
		s.udp = udp;
		if (udp) {
			s.cfg.rules = { "udp -> queue" };
			s.cfg.dflt = "pass";
		}
		s.cfg.fallback = fb;
		s.cfg.fixed = fixed;
		s.cfg.fixed_index = 2;
		s.sock_slot = slot;
	};
	init(setups[0], "udp/pass/socket@2", true, XDP_PASS, false, 2);
	init(setups[1], "udp/drop/empty", true, XDP_DROP, false, -1);
	init(setups[2], "all/pass/empty", false, XDP_PASS, false, -1);
	init(setups[3], "all/drop/socket@2", false, XDP_DROP, false, 2);
	init(setups[4], "udp/drop/fixed2/socket@2", true, XDP_DROP, true, 2);
	for (auto &s : setups) {
		ASSERT_NO_FATAL_FAILURE(s.prog.load(s.cfg));
		if (s.sock_slot >= 0) {
			ASSERT_NO_FATAL_FAILURE(s.prog.put_socket(s.sock_slot, g_net->veth_sock[2]->fd()));
		}
	}

	for (int i = 0; i < runs; i++) {
		Setup &s = setups[rng() % 5];
		Bytes pkt = random_frame(rng);
		Ctx ctx;
		ctx.dev = DEV_VETH;
		ctx.rxq = rng() % VETH_QUEUES;

		Counters before = s.prog.stats();
		RunResult res = s.prog.run(pkt, ctx);
		Counters after = s.prog.stats();
		auto where = [&] {
			return std::string("run ") + std::to_string(i) + ", " + s.name + ", rxq " +
			       std::to_string(ctx.rxq) + ", " + std::to_string(pkt.size()) + " bytes:\n" +
			       xt::hexdump(pkt);
		};

		ASSERT_EQ(res.err, 0) << strerror(res.err) << "\n" << where();
		ASSERT_TRUE(res.retval == XDP_PASS || res.retval == XDP_DROP || res.retval == XDP_REDIRECT)
			<< verdict_str(res.retval) << "\n" << where();

		/* What should have happened, from the model and the setup. */
		Class cls = s.udp ? model_udp(pkt) : C_MATCHED;
		__u32 slot = s.cfg.fixed ? s.cfg.fixed_index : ctx.rxq;
		/* The socket is queue 2's: AF_XDP takes no frame of another queue. */
		bool has_sock = s.sock_slot >= 0 && slot == (__u32)s.sock_slot && ctx.rxq == 2;
		int reason = cls == C_MALFORMED ? MALF : cls == C_NOT_MATCHED ? NOMATCH : has_sock ? REDIR : NOSOCK;
		__u32 verdict = reason == REDIR ? (__u32)XDP_REDIRECT : reason == NOSOCK ? s.cfg.fallback : (__u32)XDP_PASS;

		ASSERT_EQ(res.retval, verdict) << verdict_str(res.retval) << " instead of " << verdict_str(verdict)
					       << " (model: " << class_str(cls) << ")\n" << where();
		ASSERT_TRUE(counted_once(before, after, reason, pkt.size())) << where();
		/* The udp rule (id 0) took it, or the default, or nothing (malformed). */
		if (cls == C_MATCHED && s.udp)
			s.hits_rule++;
		else if (cls != C_MALFORMED)
			s.hits_default++;
		s.runs++;
		s.bytes += pkt.size();
	}

	/* Every run counted once, under exactly one reason. */
	__u64 all = 0;
	for (auto &s : setups) {
		Counters c = s.prog.stats();
		__u64 p = 0, b = 0;

		for (auto &r : c) {
			p += r.packets;
			b += r.bytes;
		}
		EXPECT_EQ(p, s.runs) << s.name;
		EXPECT_EQ(b, s.bytes) << s.name;
		Hits h = s.prog.hits();
		for (int id = 0; id <= XSK_MAX_RULES; id++) {
			__u64 want = id == 0 ? s.hits_rule : id == DFLT ? s.hits_default : 0;
			EXPECT_EQ(h[id].packets, want) << s.name << ": " << hit_str(id);
		}
		all += p;
	}
	EXPECT_EQ(all, (__u64)runs);
}

// ------------------------------------------------------------ differential

// The issue's acceptance test: the userspace reference classifier (the
// same plain-C parser, bpf/parse.h, and the rule semantics as a linear
// first-match scan, ref_classify) and the XDP program must agree on the
// action and on the matching rule, frame after frame, over random rule
// sets written as text and random or mutated frames drawn toward the
// values of those rules. No frame may get XDP_ABORTED.

constexpr int DIFF_SETS = 250;			/* rule sets */
constexpr int DIFF_FRAMES_PER_SET = 400;	/* 100,000 frames in all */
constexpr __u32 DIFF_SLOTS[] = { 0, 1, 2, 5, 63 };	/* where sockets may be */

uint64_t diff_seed()
{
	const char *s = getenv("XSKMAP_SEED");

	/* Fixed by default so that a red run is red again. */
	return s && *s ? strtoull(s, nullptr, 0) : 0x5eed0005ULL;
}

class DiffGen {
public:
	explicit DiffGen(uint64_t seed) : rng_(seed) {}

	unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng_); }
	bool chance(unsigned pct) { return pick(100) < pct; }
	uint32_t u32() { return (uint32_t)rng_(); }
	template <typename T, size_t N>
	T of(const T (&a)[N]) { return a[pick(N)]; }

	// ---- rules, as text

	uint16_t port()
	{
		static const uint16_t pool[] = { 0, 1, 2, 22, 53, 80, 443, 1000, 2000, 4789, 40000, 65534, 65535 };

		return chance(70) ? of(pool) : (uint16_t)pick(65536);
	}

	uint8_t icmp_value()
	{
		static const uint8_t pool[] = { 0, 1, 3, 8, 11, 128, 129, 135, 255 };

		return chance(70) ? of(pool) : (uint8_t)pick(256);
	}

	uint16_t vid()
	{
		static const uint16_t pool[] = { 0, 1, 2, 10, 20, 100, 4094, 4095 };

		return chance(80) ? of(pool) : (uint16_t)pick(4096);
	}

	uint8_t proto()
	{
		static const uint8_t pool[] = { 17, 6, 1, 58, 47, 0, 132, 255, 43, 44 };

		return chance(80) ? of(pool) : (uint8_t)pick(256);
	}

	std::string range_text(bool icmp)
	{
		unsigned max = icmp ? 255 : 65535, a = icmp ? icmp_value() : port(), b;

		switch (pick(4)) {
		case 0: b = a; break;
		case 1: b = a + pick(4); break;
		case 2: b = a + pick(icmp ? 30 : 3000); break;
		default: b = pick(max + 1); break;
		}
		b = std::min(b, max);
		if (b < a)
			std::swap(a, b);
		if (a == b && chance(70))
			return std::to_string(a);
		return std::to_string(a) + "-" + std::to_string(b);
	}

	// A few base addresses, so that prefixes of different rules nest.
	void addr(int fam, uint8_t *a)
	{
		static const char *const v4[] = { "198.18.0.1", "198.18.0.2", "10.0.0.0", "10.1.2.3", "0.0.0.0",
						  "255.255.255.255", "192.0.2.128" };
		static const char *const v6[] = { "2001:db8::1", "2001:db8::2", "2001:db8:0:1::1", "fe80::1", "::",
						  "ffff::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" };

		memset(a, 0, 16);
		if (chance(80))
			inet_pton(fam == 4 ? AF_INET : AF_INET6, fam == 4 ? of(v4) : of(v6), a);
		else
			for (int i = 0; i < (fam == 4 ? 4 : 16); i++)
				a[i] = pick(256);
	}

	std::string prefix_text(int fam)
	{
		static const unsigned l4[] = { 0, 1, 8, 15, 16, 24, 31, 32 };
		static const unsigned l6[] = { 0, 1, 16, 32, 48, 64, 127, 128 };
		unsigned full = fam == 4 ? 32 : 128;
		unsigned len = chance(70) ? (fam == 4 ? of(l4) : of(l6)) : pick(full + 1);
		uint8_t a[16];
		char buf[INET6_ADDRSTRLEN];

		addr(fam, a);
		/* The language refuses host bits: mask them. */
		for (unsigned bit = len; bit < full; bit++)
			a[bit / 8] &= ~(0x80 >> (bit % 8));
		inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, buf, sizeof(buf));
		if (len == full && chance(50))
			return buf;
		return std::string(buf) + "/" + std::to_string(len);
	}

	std::string action_text()
	{
		static const uint32_t slots[] = { 0, 1, 2, 5, 63, 64, 100, 1000000, 4294967295u };

		switch (pick(4)) {
		case 0: return "queue";
		case 1: return "index " + std::to_string(chance(90) ? of(slots) : u32());
		case 2: return "pass";
		default: return "drop";
		}
	}

	// A rule valid in the language, match words in any order.
	std::string rule_text()
	{
		static const char *const v4w[] = { "ip4", "ipv4", "ip" }, *const v6w[] = { "ip6", "ipv6" };
		static const char *const arrows[] = { " -> ", "->", " ->", "-> " };
		std::vector<std::string> w;
		int fam = chance(50) ? 4 : 6, proto = -1;
		std::string s;

		if (chance(25))
			w.push_back(fam == 4 ? of(v4w) : of(v6w));
		if (chance(20))
			w.push_back("vlan " + std::to_string(vid()));
		if (chance(55)) {
			switch (pick(6)) {
			case 0: proto = 17; w.push_back("udp"); break;
			case 1: proto = 6; w.push_back("tcp"); break;
			case 2: proto = 1; w.push_back("icmp"); break;
			case 3: proto = 58; w.push_back("icmp6"); break;
			default: proto = this->proto(); w.push_back("proto " + std::to_string(proto)); break;
			}
		}
		if (chance(30))
			w.push_back("src " + prefix_text(fam));
		if (chance(30))
			w.push_back("dst " + prefix_text(fam));
		if (proto == 1 || proto == 58) {
			if (chance(45))
				w.push_back("type " + range_text(true));
			if (chance(30))
				w.push_back("code " + range_text(true));
		} else if (proto < 0 || proto == 6 || proto == 17) {
			if (chance(30))
				w.push_back("sport " + range_text(false));
			if (chance(45))
				w.push_back("dport " + range_text(false));
		}
		/* A catch-all hides every rule below it: keep them rare. */
		if (w.empty() && chance(80))
			return rule_text();
		if (chance(50))
			std::shuffle(w.begin(), w.end(), rng_);
		for (auto &x : w)
			s += (s.empty() ? "" : " ") + x;
		return s + of(arrows) + action_text();
	}

	// ---- frames

	struct Spec {
		std::vector<std::pair<uint16_t, uint16_t>> vlans;
		int fam = 4;			/* 4, 6, or 0: ethertype below */
		uint16_t ethertype = xt::ETH_ARP;
		uint8_t proto = xt::IP_UDP;
		uint8_t src[16] = {}, dst[16] = {};
		std::vector<Ext> ext;		/* IPv6 extension headers */
		uint16_t frag4 = 0;		/* IPv4 fragment field */
		size_t opt4 = 0;		/* IPv4 option bytes */
		uint16_t sport = 1, dport = 2;
	};

	Spec random_spec(bool aimed)
	{
		static const uint16_t ethertypes[] = { xt::ETH_ARP, 0x88B5, 0x8847, 0x0000, 0xFFFF, 0x88CC };
		static const uint8_t ext_types[] = { 0, 43, 60, 51, 44 };
		Spec s;
		unsigned n;

		n = pick(100);
		s.fam = n < 45 ? 4 : n < 90 ? 6 : 0;
		s.ethertype = of(ethertypes);
		n = pick(100);
		n = n < 60 ? 0 : n < 85 ? 1 : n < 95 ? 2 : 3;
		for (unsigned i = 0; i < n; i++)
			s.vlans.push_back({ chance(60) ? xt::ETH_8021Q : xt::ETH_8021AD, vid() });
		s.proto = chance(70) ? of({ (uint8_t)17, (uint8_t)6, (uint8_t)(s.fam == 6 ? 58 : 1) }) : proto();
		addr(s.fam == 6 ? 6 : 4, s.src);
		addr(s.fam == 6 ? 6 : 4, s.dst);
		s.sport = chance(50) ? port() : icmp_value();
		s.dport = chance(50) ? port() : icmp_value();
		if (s.fam == 6 && chance(aimed ? 15 : 30)) {
			/* Up to ten: chains of 8 are fine, of 9 and more malformed. */
			for (unsigned i = pick(11); i; i--) {
				uint8_t t = of(ext_types);
				uint16_t arg = t == 44 ? (chance(70) ? pick(2) : (uint16_t)(pick(8192) << 3 | pick(2)))
						       : pick(3);
				s.ext.push_back({ t, arg });
			}
		}
		if (s.fam == 4 && chance(aimed ? 8 : 15))
			s.frag4 = chance(50) ? 0x2000 : (uint16_t)(pick(0x2000) | (chance(50) ? 0x2000 : 0));
		if (s.fam == 4 && chance(15))
			s.opt4 = 4 * pick(11);
		return s;
	}

	// A value at or near the edges of [lo, hi], or inside.
	uint16_t near(uint16_t lo, uint16_t hi)
	{
		switch (pick(6)) {
		case 0: return lo - 1;
		case 1: return lo;
		case 2: return hi;
		case 3: return hi + 1;
		default: return lo + pick(hi - lo + 1);
		}
	}

	void in_prefix(const uint8_t *pfx, unsigned len, unsigned full, uint8_t *a)
	{
		for (unsigned bit = 0; bit < full; bit++) {
			uint8_t m = 0x80 >> (bit % 8);
			bool v = bit < len ? pfx[bit / 8] & m : chance(50);

			a[bit / 8] = v ? a[bit / 8] | m : a[bit / 8] & ~m;
		}
		/* Now and then the last bit of the prefix flipped: just outside. */
		if (len && chance(15))
			a[(len - 1) / 8] ^= 0x80 >> ((len - 1) % 8);
	}

	// A frame meant to match rule r, mostly.
	Spec aimed_spec(const struct xsk_rule &r)
	{
		Spec s = random_spec(true);

		if (r.fields & XSK_F_IPVER)
			s.fam = chance(90) ? r.ip_version : s.fam;
		if (r.fields & (XSK_F_SRC | XSK_F_DST))
			s.fam = chance(90) ? r.family : s.fam;
		if (s.fam == 0 && chance(50))
			s.fam = chance(50) ? 4 : 6;
		if (r.fields & XSK_F_VLAN) {
			if (s.vlans.empty() && chance(90))
				s.vlans.push_back({ xt::ETH_8021Q, 0 });
			if (!s.vlans.empty())
				s.vlans[0].second = chance(85) ? r.vlan_id : (r.vlan_id + (chance(50) ? 1 : 4095)) & 0xFFF;
		}
		if (r.fields & XSK_F_PROTO)
			s.proto = chance(90) ? r.l4_proto : s.proto;
		else if (r.fields & (XSK_F_SPORT | XSK_F_DPORT))
			s.proto = of({ (uint8_t)17, (uint8_t)6, (uint8_t)(s.fam == 6 ? 58 : 1) });
		if (s.fam == 4 || s.fam == 6) {
			unsigned full = s.fam == 4 ? 32 : 128;

			/* A prefix of the other family leaves the address random. */
			if ((r.fields & XSK_F_SRC) && r.family == s.fam)
				in_prefix(r.src, r.src_len, full, s.src);
			if ((r.fields & XSK_F_DST) && r.family == s.fam)
				in_prefix(r.dst, r.dst_len, full, s.dst);
		}
		if (r.fields & XSK_F_SPORT)
			s.sport = near(r.sport_lo, r.sport_hi);
		if (r.fields & XSK_F_DPORT)
			s.dport = near(r.dport_lo, r.dport_hi);
		return s;
	}

	Bytes l4_bytes(const Spec &s)
	{
		Bytes b;

		switch (s.proto) {
		case xt::IP_UDP:
			xt::put16(b, s.sport);
			xt::put16(b, s.dport);
			xt::put16(b, 8 + 6);
			xt::put16(b, 0);
			b.resize(b.size() + 6, 0xab);
			return b;
		case xt::IP_TCP:
			return tcp_l4(s);
		case xt::IP_ICMP:
		case xt::IP_ICMPV6:
			/* Type and code: the dport and sport of the rules. */
			return { (uint8_t)s.dport, (uint8_t)s.sport, 0, 0, 0, 1, 0, 1 };
		}
		b.resize(pick(24), 0xcd);
		return b;
	}

	Bytes tcp_l4(const Spec &s)
	{
		Bytes f = Packet().ipv4(xt::IP_TCP).tcp(s.sport, s.dport).build();

		return Bytes(f.begin() + 14 + 20, f.end());
	}

	Bytes build(const Spec &s)
	{
		Packet p;
		Bytes l4 = l4_bytes(s);
		uint32_t src4 = (uint32_t)s.src[0] << 24 | s.src[1] << 16 | s.src[2] << 8 | s.src[3];
		uint32_t dst4 = (uint32_t)s.dst[0] << 24 | s.dst[1] << 16 | s.dst[2] << 8 | s.dst[3];
		size_t ip_off = 14 + 4 * s.vlans.size();
		Bytes b;

		for (auto &v : s.vlans)
			p.vlan(v.first, v.second);
		if (s.fam == 4)
			return p.ipv4(s.proto, src4, dst4, s.opt4, s.frag4).payload(l4).build();
		if (s.fam == 6) {
			b = p.ipv6(s.ext.empty() ? s.proto : s.ext[0].type).payload(ext_body(s.ext, s.proto, l4)).build();
			memcpy(&b[ip_off + 8], s.src, 16);
			memcpy(&b[ip_off + 24], s.dst, 16);
			return b;
		}
		return p.ether(s.ethertype, pl(28 + pick(20))).build();
	}

	// Byte flips, truncations, random ethertypes and protocols.
	void mutate(Bytes &b, size_t ip_off, int fam)
	{
		static const uint8_t hot[] = { 0x81, 0x00, 0x88, 0xa8, 0x08, 0x86, 0xdd, 0x45, 0x46, 0x4f, 0x60,
					       17, 6, 1, 58, 0, 43, 44, 51, 60, 0xff };

		if (chance(30)) {
			for (unsigned n = 1 + pick(4); n; n--) {
				size_t off = pick(std::min<size_t>(b.size(), 96));

				b[off] = chance(50) ? of(hot) : (uint8_t)pick(256);
			}
		}
		if (chance(8)) {
			uint16_t t = chance(50) ? of({ xt::ETH_IP, xt::ETH_IPV6, xt::ETH_8021Q, xt::ETH_8021AD })
						: (uint16_t)pick(65536);
			size_t off = ip_off - 2;	/* the ethertype the IP header follows */

			b[off] = t >> 8;
			b[off + 1] = t & 0xff;
		}
		if (chance(8) && fam && b.size() > ip_off + 9)
			b[ip_off + (fam == 4 ? 9 : 6)] = chance(50) ? of(hot) : (uint8_t)pick(256);
		/* The length fields: consistent, too short, too long, padded. */
		if (chance(25))
			xt::mutate_lengths(b, [this](size_t n) { return (size_t)pick(n); });
		if (chance(12))
			b.resize(ETH_HLEN_MIN + pick(b.size() - ETH_HLEN_MIN + 1));
		if (chance(4))
			for (unsigned n = 1 + pick(40); n; n--)
				b.push_back(pick(256));
	}

	Bytes frame(const struct xsk_ruleset &rs)
	{
		Spec s;
		Bytes b;

		if (chance(3)) {
			/* Noise behind a random header. */
			b.resize(ETH_HLEN_MIN + pick(120));
			for (auto &x : b)
				x = pick(256);
			return b;
		}
		s = rs.nr_rules && chance(80) ? aimed_spec(rs.rules[pick(rs.nr_rules)]) : random_spec(false);
		b = build(s);
		mutate(b, 14 + 4 * s.vlans.size(), s.fam);
		return b;
	}

	std::mt19937_64 rng_;
};

std::string pkt_str(const struct xk_pkt &p)
{
	char a[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	std::string s = "parsed: l3 0x";
	char h[8];

	snprintf(h, sizeof(h), "%04x", p.l3_proto);
	s += h;
	s += " vlans " + std::to_string(p.nr_vlans);
	if (p.nr_vlans)
		s += " (outer " + std::to_string(p.vlan_id[0]) + ")";
	s += " ipv" + std::to_string(p.ip_version) + " l4 " + std::to_string(p.l4_proto) +
	     (p.nonfirst_frag ? " nonfirst-frag" : "");
	if (p.ip_version) {
		inet_ntop(p.ip_version == 4 ? AF_INET : AF_INET6, p.saddr, a, sizeof(a));
		inet_ntop(p.ip_version == 4 ? AF_INET : AF_INET6, p.daddr, d, sizeof(d));
		s += std::string(" ") + a + " > " + d;
	}
	if (p.has_l4)
		s += " ports " + std::to_string(p.sport) + " > " + std::to_string(p.dport);
	return s;
}

std::string ruleset_str(const struct xsk_ruleset &rs, const std::vector<std::string> &text_by_id)
{
	char buf[RULE_FORMAT_MAX];
	std::string s;

	action_format(rs.default_action, rs.default_index, buf, sizeof(buf));
	s = std::to_string(rs.nr_rules) + " rules, default " + buf + "\n";
	for (__u32 i = 0; i < rs.nr_rules; i++) {
		rule_format(&rs.rules[i], buf, sizeof(buf));
		s += "  rank " + std::to_string(i) + " id " + std::to_string(rs.rules[i].id) + ": " + buf +
		     "   (from '" + text_by_id.at(rs.rules[i].id) + "')\n";
	}
	return s;
}

TEST_F(ProgTest, DifferentialAgainstReference)
{
	const uint64_t seed = diff_seed();
	SCOPED_TRACE("seed " + std::to_string(seed) + " (replay: XSKMAP_SEED=" + std::to_string(seed) +
		     " prog_tests --gtest_filter='*Differential*')");
	DiffGen g(seed);
	auto t0 = std::chrono::steady_clock::now();
	std::unique_ptr<struct cls_tables, decltype(&free)> tables(
		(struct cls_tables *)calloc(1, sizeof(struct cls_tables)), free);
	ASSERT_TRUE(tables);

	/* Two programs: the fallback verdict is rodata, fixed at load. */
	struct Side {
		__u32 fallback;
		Prog prog;
		bool sock[XSK_MAP_DEFAULT_ENTRIES] = {};
		std::array<__u64, XSK_MAX_RULES + 1> hits{}, hit_bytes{};	/* expected */
		std::array<__u64, XSK_STAT_MAX> stats{}, stat_bytes{};
	} sides[2];
	sides[0].fallback = XDP_PASS;
	sides[1].fallback = XDP_DROP;
	for (auto &sd : sides) {
		Cfg cfg;

		cfg.fallback = sd.fallback;
		ASSERT_NO_FATAL_FAILURE(sd.prog.load(cfg));
	}

	/* lo, queue 0: a queue action means slot 0. */
	Ctx ctx;
	ctx.dev = DEV_LO;
	ctx.rxq = 0;
	__u64 frames = 0, rule_hit = 0, malformed = 0, redirected = 0, aborted = 0, no_rules = 0;
	__u64 rules_total = 0, catch_all_hit = 0, rank_sum = 0;

	for (int set = 0; set < DIFF_SETS; set++) {
		Side &sd = sides[g.pick(2)];
		struct xsk_ruleset rs;
		std::vector<std::string> text_by_id(XSK_MAX_RULES);
		char err[512] = "";
		__u32 action, index, id;
		unsigned n, r = g.pick(100);

		/* 0 to 64 rules, the ends included on purpose. */
		n = r < 5 ? 0 : r < 15 ? XSK_MAX_RULES : r < 35 ? 1 + g.pick(4) : 1 + g.pick(XSK_MAX_RULES);
		ASSERT_EQ(action_parse(g.action_text().c_str(), &action, &index, err, sizeof(err)), 0) << err;
		ruleset_init(&rs, action, index);
		auto add = [&](void) {
			std::string text = g.rule_text();
			struct xsk_rule rule;
			int pos = g.chance(70) ? -1 : (int)g.pick(rs.nr_rules + 1);

			ASSERT_EQ(rule_parse(text.c_str(), &rule, err, sizeof(err)), 0) << err;
			ASSERT_EQ(ruleset_add(&rs, &rule, pos, &id, err, sizeof(err)), 0) << err;
			text_by_id.at(id) = text;
		};
		while (rs.nr_rules < n)
			ASSERT_NO_FATAL_FAILURE(add());
		/* Now and then delete a few and add others: ids apart from ranks. */
		if (n && g.chance(25)) {
			for (unsigned k = 1 + g.pick(3); k && rs.nr_rules; k--)
				ASSERT_EQ(ruleset_del(&rs, rs.rules[g.pick(rs.nr_rules)].id), 0);
			for (unsigned k = g.pick(4); k && rs.nr_rules < XSK_MAX_RULES; k--)
				ASSERT_NO_FATAL_FAILURE(add());
		}
		rules_total += rs.nr_rules;
		cls_compile(&rs, tables.get());
		ASSERT_NO_FATAL_FAILURE(sd.prog.apply(rs));
		for (__u32 slot : DIFF_SLOTS) {
			bool want = g.chance(50);

			if (want && !sd.sock[slot]) {
				ASSERT_NO_FATAL_FAILURE(sd.prog.put_socket(slot, g_net->lo_sock->fd()));
			} else if (!want && sd.sock[slot]) {
				ASSERT_NO_FATAL_FAILURE(sd.prog.del_socket(slot));
			}
			sd.sock[slot] = want;
		}
		auto where = [&](int i, const Bytes &pkt) {
			std::string s = "rule set " + std::to_string(set) + ", frame " + std::to_string(i) +
					", fallback " + verdict_str(sd.fallback) + ", sockets at";

			for (__u32 slot : DIFF_SLOTS)
				if (sd.sock[slot])
					s += " " + std::to_string(slot);
			return s + "\n" + ruleset_str(rs, text_by_id) + "frame (" + std::to_string(pkt.size()) +
			       " bytes):\n" + xt::hexdump(pkt) + "\n";
		};

		for (int i = 0; i < DIFF_FRAMES_PER_SET; i++) {
			Bytes pkt = g.frame(rs);
			struct xk_pkt p;
			int rank = -1, crank = -1, hit = DFLT, reason;
			__u32 verdict, act = rs.default_action, idx = rs.default_index, cact, cidx;
			bool bad = false;

			/* The reference: no rule, no parsing; malformed, the kernel's. */
			if (rs.nr_rules) {
				bad = ref_parse_frame(pkt.data(), pkt.size(), &p) < 0;
				if (!bad) {
					rank = ref_classify(&rs, &p, &act, &idx);
					crank = cls_eval(tables.get(), &p, &cact, &cidx);
					hit = rank >= 0 ? (int)rs.rules[rank].id : DFLT;
				}
			}
			if (bad) {
				verdict = XDP_PASS;
				reason = MALF;
				hit = NO_HIT;
			} else if (act == XSK_ACT_QUEUE || act == XSK_ACT_INDEX) {
				__u32 slot = act == XSK_ACT_QUEUE ? ctx.rxq : idx;
				bool there = slot < XSK_MAP_DEFAULT_ENTRIES && sd.sock[slot];

				verdict = there ? (__u32)XDP_REDIRECT : sd.fallback;
				reason = there ? REDIR : NOSOCK;
			} else {
				verdict = act == XSK_ACT_DROP ? XDP_DROP : XDP_PASS;
				reason = rank < 0 ? NOMATCH : act == XSK_ACT_DROP ? RDROP : RPASS;
			}

			RunResult res = sd.prog.run(pkt, ctx);
			auto fail = [&](const std::string &what) {
				std::string s = what + "\n" + where(i, pkt);

				if (rs.nr_rules && !bad)
					s += pkt_str(p) + "\nreference: rank " + std::to_string(rank) + " (" + hit_str(hit) +
					     "); cls_eval: rank " + std::to_string(crank) + "\n";
				return s;
			};

			ASSERT_EQ(res.err, 0) << strerror(res.err) << "\n" << fail("BPF_PROG_TEST_RUN failed");
			if (res.retval == XDP_ABORTED)
				aborted++;
			ASSERT_NE(res.retval, (__u32)XDP_ABORTED) << fail("XDP_ABORTED");
			/* Userspace's own twin first: a mismatch there is not the program's. */
			ASSERT_EQ(crank, rank) << fail("cls_eval and ref_classify disagree");
			ASSERT_EQ(res.retval, verdict) << verdict_str(res.retval) << " instead of " << verdict_str(verdict)
						       << "\n" << fail("verdict differs");
			sd.stats[reason]++;
			sd.stat_bytes[reason] += pkt.size();
			ASSERT_EQ(sd.prog.stat(reason).packets, sd.stats[reason])
				<< fail(std::string("counter ") + reason_str(reason) + " did not move by one");
			if (hit != NO_HIT) {
				sd.hits[hit]++;
				sd.hit_bytes[hit] += pkt.size();
				ASSERT_EQ(sd.prog.hit(hit).packets, sd.hits[hit])
					<< fail("rule_hits of " + hit_str(hit) + " did not move: another rule matched");
			}
			frames++;
			rule_hit += rank >= 0;
			catch_all_hit += rank >= 0 && !rs.rules[rank].fields;
			rank_sum += rank >= 0 ? rank : 0;
			malformed += bad;
			no_rules += rs.nr_rules == 0;
			redirected += verdict == XDP_REDIRECT;
		}

		/* Every entry, once per set: nothing moved that should not have. */
		Hits h = sd.prog.hits();
		Counters c = sd.prog.stats();
		for (int k = 0; k <= XSK_MAX_RULES; k++) {
			ASSERT_EQ(h[k].packets, sd.hits[k]) << hit_str(k) << " after rule set " << set;
			ASSERT_EQ(h[k].bytes, sd.hit_bytes[k]) << hit_str(k) << " after rule set " << set;
		}
		for (int k = 0; k < XSK_STAT_MAX; k++) {
			ASSERT_EQ(c[k].packets, sd.stats[k]) << reason_str(k) << " after rule set " << set;
			ASSERT_EQ(c[k].bytes, sd.stat_bytes[k]) << reason_str(k) << " after rule set " << set;
		}
	}

	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	EXPECT_EQ(aborted, 0u);
	EXPECT_GE(frames, 100000u);
	/* The bias must work, or the test proves little. */
	EXPECT_GT(rule_hit, frames / 3);
	printf("differential: seed %llu, %llu frames, %d rule sets (%llu rules), %llu hit a rule "
	       "(%llu a catch-all, mean rank %.1f), %llu malformed, %llu without rules, %llu redirected, %.1f s\n",
	       (unsigned long long)seed, (unsigned long long)frames, DIFF_SETS, (unsigned long long)rules_total,
	       (unsigned long long)rule_hit, (unsigned long long)catch_all_hit,
	       rule_hit ? (double)rank_sum / rule_hit : 0.0, (unsigned long long)malformed,
	       (unsigned long long)no_rules, (unsigned long long)redirected, secs);
}

} // namespace
