// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `run --metadata`: the program loaded device-bound and calling the XDP
// RX-metadata kfuncs, what it stores in front of each frame read by the
// loop into the capture (times, VLAN tags put back) and the summary. The
// kernel's BTF decides which assertions apply (the refusal before Linux
// 6.3/6.4, the capture after; the VLAN tag from 6.8): nothing is skipped.
// And the reading of the metadata itself, on bytes the test lays out.
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <string>
#include <vector>

#include "frames.h"
#include "json_reader.h"
#include "kernel_features.h"
#include "netns.h"
#include "packet.h"
#include "rx_meta.h"

#if !defined(XSKMAP_BIN) || !defined(XTE_VLAN_PUSH_OBJ)
#error "XSKMAP_BIN and XTE_VLAN_PUSH_OBJ come from tests/CMakeLists.txt"
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

const milliseconds READY_TIMEOUT(10000), EXIT_TIMEOUT(20000);
constexpr uint16_t PORT = 41201;

uint64_t wall_ns()
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* flows flows (source ports 30000 on), frame i of flow i % flows, "XTM1" + i. */
std::vector<Bytes> flow_frames(const uint8_t *dst, const uint8_t *src, size_t n, unsigned flows)
{
	std::vector<Bytes> v;

	for (size_t i = 0; i < n; i++) {
		Bytes payload;
		Packet p;

		put32(payload, 0x58544d31);
		put32(payload, i);
		payload.resize(64 + i % 200, (uint8_t)i);
		memcpy(p.dst_mac, dst, 6);
		memcpy(p.src_mac, src, 6);
		v.push_back(p.ipv4(IP_UDP).udp(30000 + i % flows, PORT, payload).build());
	}
	return v;
}

struct Stamped {
	uint64_t ns;
	Bytes frame;
};

bool read_pcap_ns(const std::string &path, std::vector<Stamped> &out, std::string &err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
							     errbuf);
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;

	if (!p) {
		err = errbuf;
		return false;
	}
	while ((r = pcap_next_ex(p, &h, &data)) == 1)
		out.push_back({ (uint64_t)h->ts.tv_sec * 1000000000ULL + h->ts.tv_usec,
				Bytes(data, data + h->caplen) });
	if (r != PCAP_ERROR_BREAK)
		err = pcap_geterr(p);
	pcap_close(p);
	return r == PCAP_ERROR_BREAK;
}

/* What this kernel has, from its BTF as `xskmap features` reads it, checked against the release. */
struct Support {
	bool rx = false, vlan = false;

	Support()
	{
		struct feat_result r, v;

		features_probe_rx_metadata(&r, &v);
		rx = r.state == FEAT_AVAILABLE;
		vlan = v.state == FEAT_AVAILABLE;
		EXPECT_NE(r.state, FEAT_UNKNOWN) << r.detail;
		/* Upstream: the hash's type argument in 6.4, the VLAN tag in 6.8. */
		EXPECT_EQ(rx, kernel_version() >= 6004) << r.detail;
		EXPECT_EQ(vlan, kernel_version() >= 6008) << v.detail;
	}
};

class E2EMetadata : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(geteuid(), 0u) << "e2e_tests need root: run them as root";
		ASSERT_EQ(access(XSKMAP_BIN, X_OK), 0) << XSKMAP_BIN;
		topo_ = std::make_unique<Topology>(1);
		ASSERT_TRUE(topo_->ok()) << topo_->error();
	}
	void TearDown() override
	{
		for (auto &p : procs_)
			p->kill_wait();
		procs_.clear();
		topo_.reset();
	}

	Proc &loader(std::vector<std::string> args)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", topo_->ns_a, XSKMAP_BIN,
						  "run" };

		argv.insert(argv.end(), args.begin(), args.end());
		argv.push_back(topo_->if_a);
		procs_.push_back(std::make_unique<Proc>());
		EXPECT_TRUE(procs_.back()->start(argv, "xskmap"));
		return *procs_.back();
	}

	::testing::AssertionResult ready(Proc &p)
	{
		if (p.wait_stderr("receiving on " + topo_->if_a, READY_TIMEOUT))
			return ::testing::AssertionSuccess();
		return ::testing::AssertionFailure() << p.cmdline() << " did not get ready:\n" << p.err();
	}

	/* The kernel without the kfuncs: the features wording, exit 1, nothing attached. */
	void expect_refusal(Proc &ld)
	{
		EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 1) << ld.err();
		EXPECT_TRUE(has(ld.err(), "--metadata: XDP RX-metadata kfuncs (bpf_xdp_metadata_rx_*) needs Linux 6.3"));
		EXPECT_TRUE(has(ld.err(), "run without --metadata"));
		EXPECT_FALSE(topo_->xdp_on_a()) << topo_->link_a();
	}

	std::unique_ptr<Topology> topo_;
	std::vector<std::unique_ptr<Proc>> procs_;
};

/*
 * Four flows: every frame captured byte for byte, each with the driver's
 * RSS hash (veth: the skb's flow hash), one hash per flow, the time of
 * each within the run. veth's timestamp kfunc gives the skb's hardware
 * stamp, which only a NIC sets: 0 for frames the host sent, which xskmap
 * takes for none (the kernel's selftest does the same), so the capture
 * has the program's software times and the summary says so.
 */
TEST_F(E2EMetadata, CaptureCarriesTheDriversMetadataOrTheKernelRefuses)
{
	constexpr size_t N = 400;
	Support k;
	std::string pcap = scratch_file("meta.pcap");
	Proc &ld = loader({ "--metadata", "--match", "udp", "-w", pcap, "-c", std::to_string(N), "-d",
			    "20", "--json" });

	if (!k.rx) {
		expect_refusal(ld);
		return;
	}
	ASSERT_TRUE(ready(ld));
	EXPECT_TRUE(has(ld.err(), "--metadata: the program is bound to " + topo_->if_a));
	std::vector<Bytes> frames = flow_frames(topo_->mac_a, topo_->mac_b, N, 4);
	uint64_t t0 = wall_ns();
	SendSpec s;
	s.ns = topo_->ns_b;
	s.ifname = topo_->if_b;
	s.frames = &frames;
	SendResult sr = send_frames(s);
	ASSERT_EQ(sr.sent, N) << strerror(sr.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	uint64_t t1 = wall_ns();
	std::vector<Stamped> got;
	std::string err;
	ASSERT_TRUE(read_pcap_ns(pcap, got, err)) << err;
	ASSERT_EQ(got.size(), N);
	for (size_t i = 0; i < N; i++) {
		EXPECT_EQ(got[i].frame, frames[i]) << "frame " << i << ":\n" << hexdump(got[i].frame);
		EXPECT_GE(got[i].ns, t0) << "frame " << i;
		EXPECT_LE(got[i].ns, t1) << "frame " << i;
		if (i) {
			EXPECT_GE(got[i].ns, got[i - 1].ns) << "frame " << i;
		}
	}
	json::Value j = json_of(ld.out());
	const json::Value &m = j["metadata"];
	EXPECT_EQ(m["frames"].u64(), N) << ld.out();
	EXPECT_EQ(m["hash"].u64(), N) << ld.out();
	EXPECT_EQ(m["distinct_hashes"].u64(), 4u) << ld.out();
	EXPECT_EQ(m["vlan"].u64(), 0u) << ld.out();
	EXPECT_EQ(m["driver_timestamps"].u64(), 0u) << "veth gave a timestamp: " << ld.out();
	EXPECT_EQ(m["timestamps"].str, "software") << ld.out();
	EXPECT_EQ(j["attach_mode"].str, "native") << ld.out();
	EXPECT_FALSE(topo_->xdp_on_a()) << topo_->link_a();
}

/*
 * Each frame once from an AF_PACKET socket through the qdisc layer (not
 * bypassing it as send_frames() does: the tc egress hook must see it),
 * paced; how many were sent.
 */
size_t send_through_qdisc(const std::string &ns, const std::string &ifname,
			  const std::vector<Bytes> &frames)
{
	size_t sent = 0;

	in_netns(ns, [&] {
		struct sockaddr_ll sll = {};
		int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

		sll.sll_family = AF_PACKET;
		sll.sll_ifindex = if_nametoindex(ifname.c_str());
		sll.sll_halen = 6;
		if (fd < 0)
			return;
		for (auto &f : frames) {
			memcpy(sll.sll_addr, f.data(), 6);
			for (int attempt = 0; attempt < 200; attempt++) {
				if (sendto(fd, f.data(), f.size(), 0, (struct sockaddr *)&sll,
					   sizeof(sll)) == (ssize_t)f.size()) {
					sent++;
					break;
				}
				usleep(100);
			}
			if (sent % 16 == 0)
				usleep(300);
		}
		close(fd);
	});
	return sent;
}

/*
 * The peer's egress gives every frame VLAN 5 in the skb, as an offloading
 * NIC's VLAN device would (tests/xte_vlan_push.bpf.c): XDP sees the frame
 * without it, bpf_xdp_metadata_rx_vlan_tag() has it, and the capture shows
 * the frame as it was on the wire, the tag put back after the MAC
 * addresses. Where the kernel has no VLAN kfunc, the frames are captured
 * as XDP saw them and the summary counts no tags.
 */
TEST_F(E2EMetadata, OffloadedVlanTagIsPutBackIntoTheCapture)
{
	constexpr size_t N = 100;
	Support k;
	std::string pcap = scratch_file("vlan.pcap");

	Proc &ld = loader({ "--metadata", "--match", "udp", "-w", pcap, "-c", std::to_string(N), "-d",
			    "20", "--json" });
	if (!k.rx) {
		expect_refusal(ld);
		return;
	}
	ASSERT_TRUE(ready(ld));
	/*
	 * iproute2 makes its pin directories on the first bpffs it finds in
	 * /proc/mounts, which could be another test's: TC_BPF_MNT names
	 * /sys/fs/bpf of `ip netns exec`'s own mount namespace, where tc
	 * mounts a bpffs nobody else sees.
	 */
	std::vector<std::string> tc = { "netns", "exec", topo_->ns_b, "env", "TC_BPF_MNT=/sys/fs/bpf",
					"tc" };
	auto tc_run = [&](std::vector<std::string> args) {
		std::vector<std::string> argv = { ip_bin() };

		argv.insert(argv.end(), tc.begin(), tc.end());
		argv.insert(argv.end(), args.begin(), args.end());
		return run(argv);
	};
	Result q = tc_run({ "qdisc", "add", "dev", topo_->if_b, "clsact" });
	ASSERT_EQ(q.rc, 0) << q.err;
	Result f = tc_run({ "filter", "add", "dev", topo_->if_b, "egress", "bpf", "da", "obj",
			    XTE_VLAN_PUSH_OBJ, "sec", "tc" });
	ASSERT_EQ(f.rc, 0) << f.err;
	std::vector<Bytes> frames = flow_frames(topo_->mac_a, topo_->mac_b, N, 1), want;
	for (auto &fr : frames) {
		Bytes t(fr.begin(), fr.begin() + 12);

		if (k.vlan)
			t.insert(t.end(), { 0x81, 0x00, 0x00, 0x05 });
		t.insert(t.end(), fr.begin() + 12, fr.end());
		want.push_back(t);
	}
	ASSERT_EQ(send_through_qdisc(topo_->ns_b, topo_->if_b, frames), N);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	std::vector<Stamped> got;
	std::string err;
	ASSERT_TRUE(read_pcap_ns(pcap, got, err)) << err;
	ASSERT_EQ(got.size(), N);
	for (size_t i = 0; i < N; i++)
		EXPECT_EQ(got[i].frame, want[i]) << "frame " << i << ":\n" << hexdump(got[i].frame);
	json::Value j = json_of(ld.out());
	EXPECT_EQ(j["metadata"]["vlan"].u64(), k.vlan ? N : 0u) << ld.out();
	EXPECT_EQ(j["metadata"]["frames"].u64(), N) << ld.out();
}

/* What --metadata cannot be combined with is a usage error on every kernel, before any probe. */
TEST_F(E2EMetadata, SkbModeAndOtherActionsAreRefused)
{
	Proc &a = loader({ "--metadata", "--mode", "skb", "-d", "1" });

	EXPECT_EQ(a.wait_exit(EXIT_TIMEOUT), 2) << a.err();
	EXPECT_TRUE(has(a.err(), "--metadata needs native XDP"));
	Proc &b = loader({ "--metadata", "--action", "fwd", "-d", "1" });
	EXPECT_EQ(b.wait_exit(EXIT_TIMEOUT), 2) << b.err();
	EXPECT_TRUE(has(b.err(), "use --action count"));
	EXPECT_FALSE(topo_->xdp_on_a()) << topo_->link_a();
}

/* The loop's reading of the metadata, on bytes laid out as the program lays them. */
TEST(RxMeta, DriverTimestampWinsThenProgramTimeThenNow)
{
	unsigned char buf[64] = {};
	unsigned char *data = buf + 32;
	struct xsk_rx_meta_ext m = {};
	struct xskmap_rx_meta_view v;

	m.hw_ns = 1700000000123456789ULL;
	m.hash = 0xdeadbeef;
	m.flags = XSK_META_TIMESTAMP | XSK_META_HASH | XSK_META_VLAN;
	m.vlan_tci = 5;
	m.base.rx_ns = 1000;
	m.base.magic = XSK_RX_META_MAGIC;
	memcpy(buf, &m, sizeof(m));
	xskmap_rx_meta_take(data, true, &v);
	ASSERT_TRUE(v.found);
	EXPECT_EQ(v.hash, 0xdeadbeefu);
	EXPECT_EQ(v.vlan_tci, 5u);
	EXPECT_EQ(xskmap_rx_meta_time(&v, 500, 7), 1700000000123456789ULL);
	/* Read once: the buffer is reused, and the next frame must not inherit it. */
	xskmap_rx_meta_take(data, true, &v);
	EXPECT_FALSE(v.found);
	EXPECT_EQ(xskmap_rx_meta_time(&v, 500, 7), 7u);
	/* No driver timestamp: the program's time on the wall clock. */
	m.flags = XSK_META_HASH;
	memcpy(buf, &m, sizeof(m));
	xskmap_rx_meta_take(data, true, &v);
	EXPECT_EQ(xskmap_rx_meta_time(&v, 500, 7), 1500u);
	/* The plain layout (-w without --metadata) is the ext one's last 16 bytes. */
	memcpy(buf, &m, sizeof(m));
	xskmap_rx_meta_take(data, false, &v);
	ASSERT_TRUE(v.found);
	EXPECT_EQ(v.flags, 0u);
	EXPECT_EQ(xskmap_rx_meta_time(&v, 500, 7), 1500u);
	static_assert(sizeof(struct xsk_rx_meta_ext) == 32, "bpf_xdp_adjust_meta() takes at most 32 bytes");
}

} // namespace
