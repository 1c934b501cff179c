// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// UMEM layouts: `run --unaligned` (XDP_UMEM_UNALIGNED_CHUNK_FLAG: chunks
// of any size at addresses that are no multiple of it, descriptors with
// the data's offset in their high bits) and `--hugepages` (the area in
// MAP_HUGETLB pages, and the refusal that says how to reserve them), end
// to end over a veth pair in namespaces the test creates: RX into the
// capture and fwd back to the peer, byte for byte. Both since Linux 5.4:
// the same assertions on every kernel. The huge pages a test reserves are
// given back when it ends.
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "frames.h"
#include "json_reader.h"
#include "netns.h"
#include "packet.h"
#include "umem_layout.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

const milliseconds READY_TIMEOUT(10000), EXIT_TIMEOUT(20000);
constexpr uint16_t PORT = 41101;

/* UDP from B to A, "XTU1" + sequence, mixed sizes. */
std::vector<Bytes> frames_mixed(const Topology &t, size_t n, uint32_t seed)
{
	return xt::frames_mixed(t.mac_a, t.mac_b, 0x58545531, n, seed, { PORT });
}

std::vector<Bytes> only_port(const std::vector<Bytes> &v)
{
	return xt::only_port(v, PORT);
}

unsigned long long meminfo(const char *key)
{
	std::string m = read_file("/proc/meminfo"), k = std::string("\n") + key + ":";
	size_t p = m.find(k);

	return p == std::string::npos ? ~0ULL : strtoull(m.c_str() + p + k.size(), nullptr, 10);
}

unsigned long long nr_hugepages()
{
	return strtoull(read_file("/proc/sys/vm/nr_hugepages").c_str(), nullptr, 10);
}

bool set_nr_hugepages(unsigned long long n)
{
	std::ofstream f("/proc/sys/vm/nr_hugepages");

	f << n << "\n";
	f.close();
	return !f.fail();
}

/*
 * vm.nr_hugepages set for one test (the huge page pool is the machine's,
 * not the namespace's), and put back as it was when the test ends,
 * however it ends.
 */
class HugePool {
public:
	HugePool() : orig_(nr_hugepages()) {}
	~HugePool() { set_nr_hugepages(orig_); }
	/* n free huge pages on top of what others use: true when the kernel found them. */
	bool reserve_free(unsigned long long n)
	{
		unsigned long long used = meminfo("HugePages_Total") - meminfo("HugePages_Free");

		return set_nr_hugepages(used + n) && meminfo("HugePages_Free") >= n;
	}
	unsigned long long orig() const { return orig_; }

private:
	unsigned long long orig_;
};

class E2EUmemLayout : public ::testing::Test {
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

	Proc &start(const std::string &ns, const std::string &cmd, std::vector<std::string> args,
		    const std::string &ifname)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", ns, XSKMAP_BIN, cmd };

		argv.insert(argv.end(), args.begin(), args.end());
		argv.push_back(ifname);
		procs_.push_back(std::make_unique<Proc>());
		EXPECT_TRUE(procs_.back()->start(argv, "xskmap-" + cmd));
		return *procs_.back();
	}
	Proc &loader(std::vector<std::string> args) { return start(topo_->ns_a, "run", args, topo_->if_a); }

	::testing::AssertionResult ready(Proc &p, const char *verb = "receiving")
	{
		if (p.wait_stderr(std::string(verb) + " on " + topo_->if_a, READY_TIMEOUT))
			return ::testing::AssertionSuccess();
		return ::testing::AssertionFailure() << p.cmdline() << " did not get ready:\n" << p.err();
	}

	SendResult send(const std::vector<Bytes> &frames)
	{
		SendSpec s;

		s.ns = topo_->ns_b;
		s.ifname = topo_->if_b;
		s.frames = &frames;
		return send_frames(s);
	}

	/* RX through the capture: every frame byte for byte, the layout in the summary. */
	void capture_exact(std::vector<std::string> args, size_t n, uint32_t seed, json::Value *out)
	{
		std::string pcap = scratch_file("umem.pcap");
		std::vector<Bytes> frames = frames_mixed(*topo_, n, seed), got;
		std::string err;

		args.insert(args.end(), { "--match", "udp", "-w", pcap, "-c", std::to_string(n),
					  "-d", "20", "--json" });
		Proc &ld = loader(args);
		ASSERT_TRUE(ready(ld));
		SendResult s = send(frames);
		ASSERT_EQ(s.err, "");
		ASSERT_EQ(s.sent, n) << strerror(s.last_errno);
		ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
		ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
		EXPECT_TRUE(same_frames(frames, got));
		*out = json_of(ld.out());
		EXPECT_EQ((*out)["rx_packets"].u64(), n) << ld.out();
		EXPECT_EQ((*out)["queues"][0]["xdp_statistics"]["rx_invalid_descs"].u64(), 0u) << ld.out();
		EXPECT_FALSE(topo_->xdp_on_a()) << topo_->link_a();
	}

	std::unique_ptr<Topology> topo_;
	std::vector<std::unique_ptr<Proc>> procs_;
};

/* Unaligned chunks in 4 KiB pages never cross a page; in huge pages they are packed. */
TEST(UmemLayout, UnalignedChunksStayInTheirPageUnlessHugePages)
{
	struct xskmap_umem_cfg c = {};

	c.frames = 100;
	c.frame_size = 3000;
	c.unaligned = true;
	for (__u32 i = 0; i < c.frames; i++) {
		__u64 a = xskmap_umem_frame_addr(&c, i);

		EXPECT_LE(a % 4096 + c.frame_size, 4096u) << "frame " << i << " at " << a;
		if (i) {
			EXPECT_GT(a, xskmap_umem_frame_addr(&c, i - 1));
		}
	}
	EXPECT_GE(xskmap_umem_area_size(&c), xskmap_umem_frame_addr(&c, 99) + 3000);
	c.frame_size = 2500;
	c.hugepages = true;
	EXPECT_EQ(xskmap_umem_frame_addr(&c, 7), 7u * 2500);
	/* None across a huge page either: the 839th starts the second one. */
	if (xskmap_hugepage_size() == 2u << 20) {
		EXPECT_EQ(xskmap_umem_frame_addr(&c, (2u << 20) / 2500), 2u << 20);
	}
	c.frame_size = 2048;
	c.hugepages = false;
	c.unaligned = false;
	EXPECT_EQ(xskmap_umem_frame_addr(&c, 3), 3u * 2048);
	EXPECT_EQ(xskmap_umem_area_size(&c), 100u * 2048);
}

/*
 * 3000-byte chunks, none on a multiple of its size, 1024 of them for 3000
 * frames: every chunk goes round the fill ring several times, each time
 * handed back by the address the kernel's descriptor gave (offset in the
 * high bits stripped).
 */
TEST_F(E2EUmemLayout, UnalignedCaptureIsByteExact)
{
	json::Value j;

	capture_exact({ "--unaligned", "--frame-size", "3000", "--frames", "1024", "--ring-size", "512" },
		      3000, 0xA11C, &j);
	EXPECT_EQ(j["umem"]["chunks"].str, "unaligned");
	EXPECT_EQ(j["umem"]["frame_size"].u64(), 3000u);
	EXPECT_FALSE(j["umem"]["hugepages"].b);
	/* One chunk per 4 KiB page: 1024 pages. */
	EXPECT_EQ(j["umem"]["bytes"].u64(), 1024u * 4096);
}

/* fwd transmits from the RX descriptor's address, offset bits and all, and refills the chunk. */
TEST_F(E2EUmemLayout, UnalignedFwdReturnsEveryFrameByteExact)
{
	constexpr size_t N = 1500;
	std::vector<Bytes> frames = frames_mixed(*topo_, N, 0xA11D), want;

	for (auto &f : frames)
		want.push_back(swapped(f));
	/* 1024 chunks for 1500 frames: rings a 6.1 guest under emulation keeps up with. */
	Proc &ld = loader({ "--unaligned", "--frame-size", "2176", "--frames", "1024", "--ring-size",
			    "1024", "--action", "fwd", "--match", "udp", "-c", std::to_string(N), "-d",
			    "20", "--json" });
	ASSERT_TRUE(ready(ld, "forwarding"));
	WireCapture cap(topo_->ns_b, topo_->if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();
	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(same_frames(want, only_port(cap.collect(N, milliseconds(20000)))));
	json::Value j = json_of(ld.out());
	EXPECT_EQ(j["tx_completed"].u64(), N) << ld.out();
	EXPECT_EQ(j["tx_not_sent"].u64(), 0u) << ld.out();
	EXPECT_EQ(j["queues"][0]["xdp_statistics"]["tx_invalid_descs"].u64(), 0u) << ld.out();
	EXPECT_EQ(j["umem"]["chunks"].str, "unaligned");
}

/* Without --unaligned a chunk size must still be a power of 2: refused, nothing attached. */
TEST_F(E2EUmemLayout, OddFrameSizeNeedsUnaligned)
{
	Proc &ld = loader({ "--frame-size", "3000", "-d", "1" });

	EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 2) << ld.err();
	EXPECT_TRUE(has(ld.err(), "any size from 2048 to 4096 with --unaligned"));
	EXPECT_FALSE(topo_->xdp_on_a()) << topo_->link_a();
}

/*
 * With free huge pages the areas are in them: while the run lives the
 * pool has its pages fewer (2 a queue: 1024 x 2500 bytes packed is 2.4
 * MiB), and the capture is byte-exact with chunks that cross 4 KiB pages.
 */
TEST_F(E2EUmemLayout, HugepagesHoldTheUmemAndCaptureIsByteExact)
{
	HugePool pool;
	unsigned long long hp_kb = meminfo("Hugepagesize");

	ASSERT_EQ(hp_kb, 2048u) << "the test sizes its UMEM for 2 MiB huge pages";
	ASSERT_TRUE(pool.reserve_free(4)) << "the kernel could not reserve 4 huge pages: "
					  << read_file("/proc/meminfo");
	unsigned long long free_before = meminfo("HugePages_Free");
	std::string pcap = scratch_file("huge.pcap");
	std::vector<Bytes> frames = frames_mixed(*topo_, 1000, 0x4A6E), got;
	std::string err;

	Proc &ld = loader({ "--hugepages", "--unaligned", "--frame-size", "2500", "--frames", "1024",
			    "--ring-size", "512", "--match", "udp", "-w", pcap, "-c", "1000", "-d", "20", "--json" });
	ASSERT_TRUE(ready(ld));
	EXPECT_EQ(meminfo("HugePages_Free"), free_before - 2) << read_file("/proc/meminfo");
	SendResult s = send(frames);
	ASSERT_EQ(s.sent, frames.size()) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	EXPECT_TRUE(same_frames(frames, got));
	json::Value j = json_of(ld.out());
	EXPECT_TRUE(j["umem"]["hugepages"].b) << ld.out();
	EXPECT_EQ(j["umem"]["bytes"].u64(), 2u << 21) << ld.out();
	/* Given back after the exit (the kernel unpins a UMEM from a work item, a moment later). */
	for (int i = 0; i < 300 && meminfo("HugePages_Free") != free_before; i++)
		usleep(10000);
	EXPECT_EQ(meminfo("HugePages_Free"), free_before);
}

/* Aligned chunks in huge pages, forwarded. */
TEST_F(E2EUmemLayout, HugepagesFwdReturnsEveryFrame)
{
	constexpr size_t N = 1000;
	HugePool pool;
	ASSERT_TRUE(pool.reserve_free(8)) << read_file("/proc/meminfo");
	std::vector<Bytes> frames = frames_mixed(*topo_, N, 0x4A6F), want;

	for (auto &f : frames)
		want.push_back(swapped(f));
	Proc &ld = loader({ "--hugepages", "--frames", "1024", "--ring-size", "512", "--action", "fwd",
			    "--match", "udp",
			    "-c", std::to_string(N), "-d", "20", "--json" });
	ASSERT_TRUE(ready(ld, "forwarding"));
	WireCapture cap(topo_->ns_b, topo_->if_b);
	ASSERT_TRUE(cap.ok()) << cap.error();
	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(same_frames(want, only_port(cap.collect(N, milliseconds(20000)))));
	json::Value j = json_of(ld.out());
	EXPECT_TRUE(j["umem"]["hugepages"].b) << ld.out();
	EXPECT_EQ(j["umem"]["chunks"].str, "aligned") << ld.out();
}

/*
 * No free huge pages: one line saying so and the sysctl that makes room
 * for this run (1024 x 4096 bytes: 2 pages), exit 1, nothing attached.
 * With none reserved at all it says that; when others hold some, the N
 * counts theirs in.
 */
TEST_F(E2EUmemLayout, HugepagesWithoutAnySaysHowToReserve)
{
	HugePool pool;

	ASSERT_TRUE(pool.reserve_free(0)) << read_file("/proc/meminfo");
	unsigned long long total = meminfo("HugePages_Total");
	Proc &ld = loader({ "--hugepages", "--frames", "1024", "--ring-size", "512", "-d", "1" });

	EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 1) << ld.err();
	std::string e = ld.err();
	if (total == 0) {
		EXPECT_TRUE(has(e, "no huge pages are reserved (vm.nr_hugepages is 0)"));
		EXPECT_TRUE(has(e, "'sysctl vm.nr_hugepages=2'"));
	} else {
		EXPECT_TRUE(has(e, "but only 0 of the " + std::to_string(total) + " reserved are free"));
		EXPECT_TRUE(has(e, "'sysctl vm.nr_hugepages=" + std::to_string(total + 2) + "'"));
	}
	/* One line: the cause and the fix together. */
	size_t at = e.find("--hugepages:");
	ASSERT_NE(at, std::string::npos) << e;
	EXPECT_TRUE(has(e.substr(at, e.find('\n', at) - at), "sysctl vm.nr_hugepages=")) << e;
	EXPECT_FALSE(topo_->xdp_on_a()) << topo_->link_a();
	/* gen --engine xsk checks the same before it opens a socket. */
	Proc &g = start(topo_->ns_b, "gen", { "--hugepages", "-c", "10" }, topo_->if_b);
	EXPECT_EQ(g.wait_exit(EXIT_TIMEOUT), 1) << g.err();
	EXPECT_TRUE(has(g.err(), "sysctl vm.nr_hugepages="));
}

/* gen's xsk engine over an unaligned UMEM in huge pages: exactly N frames arrive. */
TEST_F(E2EUmemLayout, GenSendsFromUnalignedHugepages)
{
	constexpr unsigned N = 500;
	HugePool pool;
	ASSERT_TRUE(pool.reserve_free(16)) << read_file("/proc/meminfo");

	Proc &ld = loader({ "--match", "udp", "-c", std::to_string(N), "-d", "20", "--json" });
	ASSERT_TRUE(ready(ld));
	Proc &g = start(topo_->ns_b, "gen", { "--unaligned", "--hugepages", "-c", std::to_string(N),
					      "--rate", "20000", "--dst-mac", "02:00:00:00:00:01" },
			topo_->if_b);
	EXPECT_EQ(g.wait_exit(EXIT_TIMEOUT), 0) << g.err();
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_EQ(json_of(ld.out())["rx_packets"].u64(), N) << ld.out();
}

} // namespace
