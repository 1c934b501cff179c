// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Layer 2: the xsk_redirect XDP program run by the kernel on canned frames
// (BPF_PROG_TEST_RUN), through the skeleton the loader uses.
//
// The whole binary lives in a private network namespace, entered before
// the first test (NetnsEnv below): it holds `lo`, a veth pair with four RX
// queues (xtp0/xtp1) and the AF_XDP sockets bound to them, and vanishes
// with the process. No interface of the root namespace is touched.
//
// Needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN for unshare).
// XT_SEED=N replays the random-frame test with seed N.
#include <gtest/gtest.h>

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/types.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include <array>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "packet.h"
#include "xsk_redirect.h"
#include "xsk_redirect.skel.h"

namespace {

using xt::Bytes;
using xt::Packet;

/* BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header. */
constexpr size_t ETH_HLEN_MIN = 14;
constexpr __u32 VETH_QUEUES = 4;

// ------------------------------------------------------------ sockets

// One AF_XDP socket in copy mode with a small UMEM. The program under test
// only needs its fd in xsks_map: BPF_PROG_TEST_RUN returns XDP_REDIRECT
// without delivering, so the rings are never serviced.
class XskSock {
public:
	XskSock() = default;
	XskSock(const XskSock &) = delete;
	XskSock &operator=(const XskSock &) = delete;
	~XskSock()
	{
		if (xsk_)
			xsk_socket__delete(xsk_);
		if (umem_)
			xsk_umem__delete(umem_);
		if (area_)
			munmap(area_, size_);
	}

	/* 0, or -errno with what failed in *why. */
	int create(const char *ifname, __u32 queue, std::string *why)
	{
		const __u32 frames = 64, frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE;
		struct xsk_umem_config ucfg = {};
		struct xsk_socket_config scfg = {};
		int ret;

		size_ = (size_t)frames * frame_size;
		area_ = mmap(NULL, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area_ == MAP_FAILED) {
			area_ = nullptr;
			*why = "mmap UMEM";
			return -errno;
		}
		ucfg.fill_size = frames;
		ucfg.comp_size = frames;
		ucfg.frame_size = frame_size;
		ucfg.frame_headroom = 0;
		ret = xsk_umem__create(&umem_, area_, size_, &fq_, &cq_, &ucfg);
		if (ret) {
			umem_ = nullptr;
			*why = "xsk_umem__create";
			return ret;
		}
		scfg.rx_size = frames;
		scfg.tx_size = 0;
		/* Our xsks_map only: never let libxdp load its default program. */
		scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
		scfg.bind_flags = XDP_COPY;
		ret = xsk_socket__create(&xsk_, ifname, queue, umem_, &rx_, NULL, &scfg);
		if (ret) {
			xsk_ = nullptr;
			*why = std::string("xsk_socket__create ") + ifname + " queue " + std::to_string(queue);
			return ret;
		}
		return 0;
	}
	int fd() const { return xsk_socket__fd(xsk_); }

private:
	void *area_ = nullptr;
	size_t size_ = 0;
	struct xsk_umem *umem_ = nullptr;
	struct xsk_socket *xsk_ = nullptr;
	struct xsk_ring_prod fq_;
	struct xsk_ring_cons cq_, rx_;
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
			GTEST_SKIP() << "prog_tests need root: BPF_PROG_TEST_RUN, AF_XDP sockets, a private netns";
		/* Only after this succeeds may anything touch an interface. */
		ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET): " << strerror(errno);
		ASSERT_EQ(system("ip link set lo up"), 0);
		ASSERT_EQ(system("ip link add xtp0 numtxqueues 4 numrxqueues 4 type veth "
				 "peer name xtp1 numtxqueues 4 numrxqueues 4"), 0);
		ASSERT_EQ(system("ip link set xtp1 up && ip link set xtp0 up"), 0);

		g_net = new NetState;
		g_net->lo_ifindex = if_nametoindex("lo");
		g_net->veth_ifindex = if_nametoindex("xtp0");
		ASSERT_GT(g_net->lo_ifindex, 0);
		ASSERT_GT(g_net->veth_ifindex, 0);

		g_net->lo_sock.reset(new XskSock);
		ret = g_net->lo_sock->create("lo", 0, &why);
		ASSERT_EQ(ret, 0) << why << ": " << strerror(-ret);
		for (__u32 q = 0; q < VETH_QUEUES; q++) {
			g_net->veth_sock[q].reset(new XskSock);
			ret = g_net->veth_sock[q]->create("xtp0", q, &why);
			ASSERT_EQ(ret, 0) << why << ": " << strerror(-ret);
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

struct Cfg {
	__u32 match = XSK_MATCH_ALL;
	__u32 target = XSK_TARGET_RX_QUEUE;
	__u32 fixed_index = 0;
	__u32 fallback = XDP_PASS;
};

// Where the frame "arrived": ingress device and RX queue of struct xdp_md.
struct Ctx {
	Dev dev = DEV_NONE;
	__u32 rxq = 0;
};

using Counters = std::array<struct xsk_stat, XSK_STAT_MAX>;

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
	}
	return "?";
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

// One loaded skeleton: open, set rodata, load; freed with the object.
class Prog {
public:
	Prog() = default;
	Prog(const Prog &) = delete;
	Prog &operator=(const Prog &) = delete;
	~Prog() { xsk_redirect__destroy(skel_); }

	void load(const Cfg &c)
	{
		skel_ = xsk_redirect__open();
		ASSERT_NE(skel_, nullptr) << "xsk_redirect__open: " << strerror(errno);
		/* rodata is frozen by load: set between open and load. */
		skel_->rodata->cfg_match = c.match;
		skel_->rodata->cfg_target = c.target;
		skel_->rodata->cfg_fixed_index = c.fixed_index;
		skel_->rodata->cfg_fallback = c.fallback;
		int ret = xsk_redirect__load(skel_);
		ASSERT_EQ(ret, 0) << "xsk_redirect__load: " << strerror(-ret);
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

	// Sum of every CPU for each reason, read independently of user/stats.c.
	Counters stats()
	{
		static const int ncpus = libbpf_num_possible_cpus();
		std::vector<struct xsk_stat> percpu(ncpus > 0 ? ncpus : 1);
		Counters c{};

		EXPECT_GT(ncpus, 0);
		for (__u32 key = 0; key < XSK_STAT_MAX; key++) {
			int ret = bpf_map__lookup_elem(skel_->maps.xsk_stats, &key, sizeof(key), percpu.data(),
						       percpu.size() * sizeof(percpu[0]), 0);
			EXPECT_EQ(ret, 0) << "xsk_stats[" << key << "]: " << strerror(-ret);
			for (auto &s : percpu) {
				c[key].packets += s.packets;
				c[key].bytes += s.bytes;
			}
		}
		return c;
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
};

// The counters moved by exactly one frame of len bytes, for reason only.
::testing::AssertionResult counted_once(const Counters &before, const Counters &after, int reason,
					size_t len)
{
	std::string moved;
	bool ok = true;

	for (int i = 0; i < XSK_STAT_MAX; i++) {
		__u64 dp = after[i].packets - before[i].packets, db = after[i].bytes - before[i].bytes;
		__u64 wp = i == reason ? 1 : 0, wb = i == reason ? len : 0;

		if (dp != wp || db != wb)
			ok = false;
		moved += std::string(" ") + reason_str(i) + " +" + std::to_string(dp) + "/+" +
			 std::to_string(db) + "B";
	}
	if (ok)
		return ::testing::AssertionSuccess();
	if (reason < 0)
		return ::testing::AssertionFailure() << "counters moved:" << moved;
	return ::testing::AssertionFailure() << "expected " << reason_str(reason) << " +1/+" << len
					     << "B only; counters moved:" << moved;
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

Bytes ipv6_chain(std::vector<Ext> ext, uint8_t last, Bytes l4)
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
	return Packet().ipv6(ext.empty() ? last : ext[0].type).payload(body).build();
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

// ------------------------------------------------------------ the table

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

	Row(std::string n, Bytes p) : name(std::move(n)), pkt(std::move(p)) {}
	Row &udp() { cfg.match = XSK_MATCH_UDP; return *this; }
	Row &fixed(__u32 i) { cfg.target = XSK_TARGET_FIXED; cfg.fixed_index = i; return *this; }
	Row &fallback(__u32 v) { cfg.fallback = v; return *this; }
	Row &drop() { return fallback(XDP_DROP); }
	Row &on(Dev d, __u32 q = 0) { ctx.dev = d; ctx.rxq = q; return *this; }
	Row &sock(__u32 slot, Dev d = DEV_LO, __u32 q = 0)
	{
		sock_slot = slot; sock_dev = d; sock_q = q;
		return *this;
	}
	Row &expect(__u32 v, int r) { verdict = v; reason = r; return *this; }
};

void PrintTo(const Row &r, std::ostream *os) { *os << r.name; }

std::string describe(const Row &r)
{
	std::string s = "row " + r.name + ": match " + (r.cfg.match == XSK_MATCH_UDP ? "udp" : "all");

	s += r.cfg.target == XSK_TARGET_FIXED ? ", fixed " + std::to_string(r.cfg.fixed_index) : ", rxq";
	s += ", fallback " + std::string(verdict_str(r.cfg.fallback));
	s += ", ctx ifindex " + std::to_string(ifindex_of(r.ctx.dev)) + " rxq " + std::to_string(r.ctx.rxq);
	s += r.sock_slot < 0 ? ", no socket" : ", socket at slot " + std::to_string(r.sock_slot);
	s += "\nframe (" + std::to_string(r.pkt.size()) + " bytes):\n" + xt::hexdump(r.pkt);
	return s;
}

constexpr int REDIR = XSK_STAT_REDIRECTED, NOMATCH = XSK_STAT_NOT_MATCHED;
constexpr int NOSOCK = XSK_STAT_NO_SOCKET, MALF = XSK_STAT_MALFORMED;

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
	t.push_back(R("fixed5_rxq3_socket_at_5",
		      udp4()).fixed(5).on(DEV_VETH, 3).sock(5, DEV_VETH, 0).expect(XDP_REDIRECT, REDIR));
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
	RunResult res = prog.run(r.pkt, r.ctx);
	Counters after = prog.stats();

	ASSERT_EQ(res.err, 0) << "BPF_PROG_TEST_RUN: " << strerror(res.err);
	EXPECT_EQ(res.retval, r.verdict) << verdict_str(res.retval) << " instead of " << verdict_str(r.verdict);
	EXPECT_TRUE(counted_once(before, after, r.reason, r.pkt.size()));
	/* The program only looks: the frame comes back as it went in. */
	EXPECT_EQ(res.out, r.pkt) << "frame modified:\n" << xt::hexdump(res.out);
}

INSTANTIATE_TEST_SUITE_P(Frames, ProgTable, ::testing::ValuesIn(table()),
			 [](const auto &info) { return info.param.name; });

// ------------------------------------------------------------ truncation

// An independent model of what --match udp should do with a frame, written
// from the rules bpf/parse.h documents (two VLAN tags, IPv4 options and
// fragments, IPv6 extension headers, UDP/TCP/ICMP header lengths) rather
// than from its code.
enum Class { C_MALFORMED, C_NOT_MATCHED, C_MATCHED };

const char *class_str(Class c)
{
	return c == C_MALFORMED ? "malformed" : c == C_NOT_MATCHED ? "not matched" : "matched";
}

Class model_udp(const Bytes &b)
{
	auto be16 = [&](size_t o) { return (uint16_t)(b[o] << 8 | b[o + 1]); };
	auto is_ext = [](uint8_t nh) { return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60; };
	size_t off = 14;
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
		if (ihl < 20 || b.size() < off + ihl)
			return C_MALFORMED;
		l4 = b[off + 9];
		bool nonfirst = be16(off + 6) & 0x1fff;
		off += ihl;
		/* Fragment payload is not a header: nothing more to check. */
		if (nonfirst)
			return C_NOT_MATCHED;
		if (l4 == xt::IP_ICMP && b.size() < off + 4)
			return C_MALFORMED;
	} else if (proto == xt::ETH_IPV6) {
		if (b.size() < off + 40 || b[off] >> 4 != 6)
			return C_MALFORMED;
		l4 = b[off + 6];
		off += 40;
		/* Up to 8 extension headers; a ninth is malformed. */
		int n;
		for (n = 0; n < 8 && is_ext(l4); n++) {
			if (b.size() < off + 8)
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
			if (b.size() < off + len)
				return C_MALFORMED;
			l4 = b[off];
			off += len;
		}
		if (is_ext(l4))
			return C_MALFORMED;
		if (l4 == xt::IP_ICMPV6 && b.size() < off + 4)
			return C_MALFORMED;
	} else {
		return C_NOT_MATCHED;
	}
	/* TCP and ICMP headers are parsed too: a cut one is malformed. */
	if (l4 == xt::IP_TCP && b.size() < off + 20)
		return C_MALFORMED;
	if (l4 != xt::IP_UDP)
		return C_NOT_MATCHED;
	return b.size() < off + 8 ? C_MALFORMED : C_MATCHED;
}

class ProgTest : public ::testing::Test {};

// Every length from 0 to full - 1 of a frame whose UDP header ends at
// l4_end. Below 14 bytes BPF_PROG_TEST_RUN refuses the frame (EINVAL) and
// the program never runs: asserted, not skipped. From 14 on, a cut inside
// any header (Ethernet, VLAN, IP, UDP) is malformed; a cut inside the
// payload still has every header the parser needs, so it matches.
void check_truncations(const char *what, const Bytes &full, size_t l4_end)
{
	ASSERT_EQ(model_udp(full), C_MATCHED) << what;
	ASSERT_LT(l4_end, full.size()) << what << ": want payload bytes to cut too";

	for (bool with_sock : { false, true }) {
		Cfg cfg;
		Prog prog;
		Ctx ctx;

		cfg.match = XSK_MATCH_UDP;
		ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
		if (with_sock) {
			ASSERT_NO_FATAL_FAILURE(prog.put_socket(0, g_net->lo_sock->fd()));
			ctx.dev = DEV_LO;
		}
		for (size_t len = 0; len < full.size(); len++) {
			Bytes pkt(full.begin(), full.begin() + len);
			SCOPED_TRACE(std::string(what) + (with_sock ? " with socket" : " no socket") +
				     ", cut to " + std::to_string(len) + " bytes:\n" + xt::hexdump(pkt));
			Counters before = prog.stats();
			RunResult res = prog.run(pkt, ctx);
			Counters after = prog.stats();

			if (len < ETH_HLEN_MIN) {
				EXPECT_EQ(res.err, EINVAL) << "the kernel ran a " << len << "-byte XDP frame";
				EXPECT_TRUE(unchanged(before, after));
				continue;
			}
			ASSERT_EQ(res.err, 0) << strerror(res.err);
			bool matched = len >= l4_end;
			int reason = !matched ? MALF : with_sock ? REDIR : NOSOCK;
			__u32 verdict = matched && with_sock ? XDP_REDIRECT : XDP_PASS;

			/* The model must agree with the offsets, or the frame is not what we think. */
			EXPECT_EQ(model_udp(pkt), matched ? C_MATCHED : C_MALFORMED);
			EXPECT_EQ(res.retval, verdict) << verdict_str(res.retval);
			EXPECT_TRUE(counted_once(before, after, reason, len));
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

// --match all parses nothing: every length the kernel accepts is redirected.
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
		RunResult res = prog.run(pkt, ctx);

		ASSERT_EQ(res.err, 0) << strerror(res.err);
		EXPECT_EQ(res.retval, (__u32)XDP_REDIRECT) << verdict_str(res.retval);
		EXPECT_TRUE(counted_once(before, prog.stats(), REDIR, len));
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

	cfg.match = XSK_MATCH_UDP;
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

// Fixed index: the slot never depends on the RX queue.
TEST_F(ProgTest, FixedIndexIgnoresQueue)
{
	for (__u32 idx : { 0u, 1u, 7u, (__u32)XSK_MAP_DEFAULT_ENTRIES - 1 }) {
		Prog prog;
		Cfg cfg;

		cfg.target = XSK_TARGET_FIXED;
		cfg.fixed_index = idx;
		ASSERT_NO_FATAL_FAILURE(prog.load(cfg));
		/* The socket of queue 0 serves frames of every queue. */
		ASSERT_NO_FATAL_FAILURE(prog.put_socket(idx, g_net->veth_sock[0]->fd()));
		for (__u32 q = 0; q < VETH_QUEUES; q++) {
			SCOPED_TRACE("fixed " + std::to_string(idx) + " rxq " + std::to_string(q));
			Ctx ctx;
			ctx.dev = DEV_VETH;
			ctx.rxq = q;
			RunResult res = prog.run(udp6(), ctx);

			ASSERT_EQ(res.err, 0);
			EXPECT_EQ(res.retval, (__u32)XDP_REDIRECT) << verdict_str(res.retval);
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
// region, cut anywhere from 14 bytes on, or replaced by random bytes behind
// an interesting ethertype.
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
			/* Often a plausible IP version and IHL right after. */
			if (t == xt::ETH_IP && pick(2))
				b[14] = 0x40 | pick(16);
			if (t == xt::ETH_IPV6 && pick(2))
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
	const char *env = getenv("XT_SEED");

	seed = env ? strtoul(env, NULL, 0) : std::random_device()();
	SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun with XT_SEED=" + std::to_string(seed) + ")");
	std::mt19937 rng(seed);

	struct Setup {
		const char *name;
		Cfg cfg;
		int sock_slot;		/* socket of xtp0 queue 2 there, or -1 */
		Prog prog;
		__u64 runs = 0, bytes = 0;
	};
	Setup setups[5];
	auto init = [](Setup &s, const char *name, __u32 match, __u32 fb, __u32 target, int slot) {
		s.name = name;
		s.cfg.match = match;
		s.cfg.fallback = fb;
		s.cfg.target = target;
		s.cfg.fixed_index = 2;
		s.sock_slot = slot;
	};
	init(setups[0], "udp/pass/socket@2", XSK_MATCH_UDP, XDP_PASS, XSK_TARGET_RX_QUEUE, 2);
	init(setups[1], "udp/drop/empty", XSK_MATCH_UDP, XDP_DROP, XSK_TARGET_RX_QUEUE, -1);
	init(setups[2], "all/pass/empty", XSK_MATCH_ALL, XDP_PASS, XSK_TARGET_RX_QUEUE, -1);
	init(setups[3], "all/drop/socket@2", XSK_MATCH_ALL, XDP_DROP, XSK_TARGET_RX_QUEUE, 2);
	init(setups[4], "udp/drop/fixed2/socket@2", XSK_MATCH_UDP, XDP_DROP, XSK_TARGET_FIXED, 2);
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
		Class cls = s.cfg.match == XSK_MATCH_UDP ? model_udp(pkt) : C_MATCHED;
		__u32 slot = s.cfg.target == XSK_TARGET_FIXED ? s.cfg.fixed_index : ctx.rxq;
		bool has_sock = s.sock_slot >= 0 && slot == (__u32)s.sock_slot;
		int reason = cls == C_MALFORMED ? MALF : cls == C_NOT_MATCHED ? NOMATCH : has_sock ? REDIR : NOSOCK;
		__u32 verdict = reason == REDIR ? (__u32)XDP_REDIRECT : reason == NOSOCK ? s.cfg.fallback : (__u32)XDP_PASS;

		ASSERT_EQ(res.retval, verdict) << verdict_str(res.retval) << " instead of " << verdict_str(verdict)
					       << " (model: " << class_str(cls) << ")\n" << where();
		ASSERT_TRUE(counted_once(before, after, reason, pkt.size())) << where();
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
		all += p;
	}
	EXPECT_EQ(all, (__u64)runs);
}

} // namespace
