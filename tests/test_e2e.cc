// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// End-to-end tests: the xskmap loader on one end of a veth pair, frames
// crafted byte by byte and sent from the other end, each pair in two
// namespaces the test creates and removes. Needs root (CI runs as root):
// without it every test fails and says so, none is skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <netinet/in.h>
#include <poll.h>

#include "minijson.h"
#include "netns.h"
#include "packet.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif
#ifndef XTE_PASS_OBJ
#error "XTE_PASS_OBJ must name the foreign test XDP object (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

/* Bounds on every wait: generous for a loaded CI machine, never infinite. */
const milliseconds READY_TIMEOUT(10000), EXIT_TIMEOUT(15000);

/*
 * The UDP payload starts with a tag, so a received frame says who sent it
 * and in which order: "XTE1", sender id, sequence number (big endian). The
 * rest is pseudo-random filler, so a byte-for-byte comparison means something.
 */
constexpr size_t HDR_LEN = 14 + 20 + 8, TAG_LEN = 12;
constexpr size_t MIN_FRAME = 60, MAX_FRAME = 1514;
constexpr uint16_t UDP_PORT = 40001;

uint32_t next_rand(uint32_t &state)
{
	/* xorshift32: deterministic, so a failure reproduces. */
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

Bytes udp_frame(const Topology &t, uint32_t sender, uint32_t seq, size_t len, uint32_t &rng)
{
	Bytes payload;
	Packet p;

	put32(payload, 0x58544531);	/* "XTE1" */
	put32(payload, sender);
	put32(payload, seq);
	while (HDR_LEN + payload.size() < len)
		payload.push_back(next_rand(rng) & 0xff);
	memcpy(p.dst_mac, t.mac_a, 6);
	memcpy(p.src_mac, t.mac_b, 6);
	return p.ipv4(IP_UDP).udp(30000 + sender, UDP_PORT, payload).build();
}

/* count frames of mixed sizes; the first two are the extremes. */
std::vector<Bytes> udp_frames(const Topology &t, uint32_t sender, size_t count, uint32_t seed)
{
	std::vector<Bytes> v;
	uint32_t rng = seed;

	for (size_t i = 0; i < count; i++) {
		size_t len = i == 0 ? MIN_FRAME : i == 1 ? MAX_FRAME :
			     MIN_FRAME + next_rand(rng) % (MAX_FRAME - MIN_FRAME + 1);
		v.push_back(udp_frame(t, sender, i, len, rng));
	}
	return v;
}

bool frame_tag(const Bytes &f, uint32_t &sender, uint32_t &seq)
{
	auto get32 = [&](size_t off) {
		return (uint32_t)f[off] << 24 | f[off + 1] << 16 | f[off + 2] << 8 | f[off + 3];
	};

	if (f.size() < HDR_LEN + TAG_LEN || f[12] != 0x08 || f[13] != 0x00 || f[23] != IP_UDP ||
	    get32(HDR_LEN) != 0x58544531)
		return false;
	sender = get32(HDR_LEN + 4);
	seq = get32(HDR_LEN + 8);
	return true;
}

uint64_t total_bytes(const std::vector<Bytes> &v)
{
	uint64_t n = 0;

	for (auto &f : v)
		n += f.size();
	return n;
}

/* Equal lists, or a message that shows the first difference in full. */
::testing::AssertionResult same_frames(const std::vector<Bytes> &want, const std::vector<Bytes> &got)
{
	for (size_t i = 0; i < std::min(want.size(), got.size()); i++) {
		if (want[i] != got[i])
			return ::testing::AssertionFailure()
			       << "frame " << i << " differs: sent " << want[i].size()
			       << " bytes, captured " << got[i].size() << "\nsent:\n"
			       << hexdump(want[i]) << "\ncaptured:\n" << hexdump(got[i]);
	}
	if (want.size() != got.size())
		return ::testing::AssertionFailure() << "sent " << want.size() << " frames, captured "
						     << got.size();
	return ::testing::AssertionSuccess();
}

/* needle in text, or a failure that shows the whole text. */
::testing::AssertionResult has(const std::string &text, const std::string &needle)
{
	if (text.find(needle) != std::string::npos)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << "no \"" << needle << "\" in:\n" << text;
}

json::Value parse_summary(const std::string &out)
{
	json::Value v;
	std::string err;

	EXPECT_TRUE(json::parse(out, v, err)) << err;
	return v;
}

class E2E : public ::testing::Test {
protected:
	void SetUp() override
	{
		/* Fail loudly: a skipped e2e suite looks like a green one. */
		ASSERT_EQ(geteuid(), 0u)
			<< "e2e_tests need root (namespaces, veth, XDP, AF_XDP): run them as root, "
			   "e.g. sudo ctest -R e2e_tests";
		ASSERT_EQ(access(XSKMAP_BIN, X_OK), 0) << XSKMAP_BIN << ": " << strerror(errno);
	}

	void TearDown() override { cleanup(); }
	~E2E() override { cleanup(); }

	/* Loaders first: they hold the namespaces and the interface busy. */
	void cleanup()
	{
		for (auto &p : procs_)
			p->kill_wait();
		procs_.clear();
		if (topo_) {
			std::string a = topo_->ns_a, b = topo_->ns_b;

			topo_.reset();
			for (auto &ns : { a, b })
				EXPECT_NE(access((NETNS_DIR + ns).c_str(), F_OK), 0)
					<< "namespace " << ns << " left behind";
		}
	}

	Topology &topology(unsigned queues = 1, bool addresses = false)
	{
		topo_ = std::make_unique<Topology>(queues, addresses);
		return *topo_;
	}

	/* `xskmap ARGS...` inside namespace A; not waited for. */
	Proc &xskmap(const std::vector<std::string> &args)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", topo_->ns_a,
						  XSKMAP_BIN };

		argv.insert(argv.end(), args.begin(), args.end());
		procs_.push_back(std::make_unique<Proc>());
		EXPECT_TRUE(procs_.back()->start(argv, "xskmap")) << "cannot run " << XSKMAP_BIN;
		return *procs_.back();
	}

	/* `xskmap run ARGS... IF_A`, not waited for: see ready(). */
	Proc &loader(std::vector<std::string> args)
	{
		args.insert(args.begin(), "run");
		args.push_back(topo_->if_a);
		return xskmap(args);
	}

	/* The loader printed its ready line: sockets are in xsks_map. */
	::testing::AssertionResult ready(Proc &p)
	{
		if (p.wait_stderr("receiving on " + topo_->if_a, READY_TIMEOUT))
			return ::testing::AssertionSuccess();
		return ::testing::AssertionFailure()
		       << p.cmdline() << " did not get ready:\n" << p.err();
	}

	/* Run xskmap to completion inside A. */
	Result xskmap_sync(const std::vector<std::string> &args)
	{
		Proc &p = xskmap(args);
		Result r;

		r.rc = p.wait_exit(EXIT_TIMEOUT);
		p.kill_wait();
		r.out = p.out();
		r.err = p.err();
		return r;
	}

	SendResult send(const std::vector<Bytes> &frames, int cpu = -1)
	{
		SendSpec s;

		s.ns = topo_->ns_b;
		s.ifname = topo_->if_b;
		s.frames = &frames;
		s.cpu = cpu;
		return send_frames(s);
	}

	std::unique_ptr<Topology> topo_;
	std::vector<std::unique_ptr<Proc>> procs_;	/* destroyed before topo_ */
};

#define ASSERT_TOPOLOGY(t) ASSERT_TRUE((t).ok()) << (t).error()

/* (a) Thousands of mixed-size frames: all arrive, byte for byte, in order. */
TEST_F(E2E, MixedSizeUdpFramesArriveByteForByteInOrder)
{
	constexpr size_t N = 5000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = udp_frames(t, 1, N, 0xC0FFEE);
	std::string pcap = scratch_file("a.pcap");

	Proc &ld = loader({ "-c", std::to_string(N), "-d", "10", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(ld));
	SendResult s = send(frames);
	ASSERT_EQ(s.err, "");
	ASSERT_EQ(s.sent, N) << "sendto failed: " << strerror(s.last_errno);

	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	json::Value j = parse_summary(ld.out());
	EXPECT_EQ(j["attach_mode"].str, "native");
	EXPECT_EQ(j["rx_packets"].u64(), N) << ld.out();
	EXPECT_EQ(j["rx_bytes"].u64(), total_bytes(frames));
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), N) << ld.out();
	EXPECT_EQ(j["queues"].size(), 1u);

	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	EXPECT_TRUE(same_frames(frames, got));
	printf("  (a) sent %zu frames (%llu bytes), captured %zu, rx_packets %llu, redirected %llu\n",
	       s.sent, (unsigned long long)total_bytes(frames), got.size(),
	       (unsigned long long)j["rx_packets"].u64(),
	       (unsigned long long)j["bpf"]["redirected"]["packets"].u64());
}

/* (b) --match udp: UDP goes to the sockets, ARP and ICMP to the kernel. */
TEST_F(E2E, MatchUdpTakesUdpAndLeavesPingToTheKernel)
{
	constexpr size_t N = 500;
	Topology &t = topology(1, true);
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = udp_frames(t, 2, N, 0xBEEF);
	std::string pcap = scratch_file("b.pcap");

	/* A UDP socket in A on the port the frames go to: it must stay empty. */
	int usock = -1;
	in_netns(t.ns_a, [&] {
		struct sockaddr_in sin = {};

		sin.sin_family = AF_INET;
		sin.sin_port = htons(UDP_PORT);
		usock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (usock >= 0 && bind(usock, (struct sockaddr *)&sin, sizeof(sin))) {
			close(usock);
			usock = -1;
		}
	});
	ASSERT_GE(usock, 0) << "cannot bind a UDP socket to port " << UDP_PORT << " in " << t.ns_a;
	std::unique_ptr<int, void (*)(int *)> usock_guard(&usock, [](int *fd) { close(*fd); });
	auto datagrams = [&](milliseconds wait) {
		struct pollfd pfd = { usock, POLLIN, 0 };
		size_t n = 0;
		char buf[2048];

		/* Bounded: at most what was sent is there to read. */
		while (n <= N && poll(&pfd, 1, n ? 0 : (int)wait.count()) > 0 &&
		       recv(usock, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			n++;
		return n;
	};

	Proc &ld = loader({ "--match", "udp", "-c", std::to_string(N), "-d", "10", "-w", pcap,
			    "--json" });
	ASSERT_TRUE(ready(ld));
	Result ping = run({ ip_bin(), "netns", "exec", t.ns_b, "ping", "-c", "3", "-i", "0.2",
			    "-W", "2", "198.18.0.1" });
	EXPECT_EQ(ping.rc, 0) << "ping through the XDP program failed:\n" << ping.out << ping.err;
	EXPECT_TRUE(has(ping.out, " 0% packet loss"));

	SendResult s = send(frames);
	ASSERT_EQ(s.err, "");
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	size_t leaked = datagrams(milliseconds(300));
	EXPECT_EQ(leaked, 0u) << "UDP frames reached the kernel's socket while xskmap ran";

	json::Value j = parse_summary(ld.out());
	uint64_t not_matched = j["bpf"]["not_matched"]["packets"].u64();
	EXPECT_EQ(j["rx_packets"].u64(), N) << ld.out();
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), N);
	/* At least the three echo requests and B's ARP request. */
	EXPECT_GE(not_matched, 4u) << ld.out();
	EXPECT_NE(not_matched, UINT64_MAX) << ld.out();
	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	EXPECT_TRUE(same_frames(frames, got));

	/*
	 * Control: with xskmap gone the same frames reach the socket, so the
	 * zero above is XDP's doing and not a frame the kernel would drop anyway.
	 */
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	std::vector<Bytes> control(frames.begin(), frames.begin() + 3);
	ASSERT_EQ(send(control).sent, 3u);
	size_t delivered = datagrams(milliseconds(2000));
	EXPECT_EQ(delivered, 3u) << "the control frames did not reach the UDP socket";
	printf("  (b) ping 3/3; sent %zu UDP frames: captured %zu, kernel socket got %zu; "
	       "not_matched %llu; control without xskmap: socket got %zu/3\n",
	       s.sent, got.size(), leaked, (unsigned long long)not_matched, delivered);
}

/* (c) Four RX queues, two senders on two CPUs: exact per-queue accounting. */
TEST_F(E2E, FourQueuesEverySocketCountsAndOrderHoldsPerQueue)
{
	constexpr size_t PER_SENDER = 1500, Q = 4;
	cpu_set_t allowed;
	std::vector<int> cpus;

	ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; c++)
		if (CPU_ISSET(c, &allowed))
			cpus.push_back(c);
	if (cpus.size() < 2)
		GTEST_SKIP() << "needs two CPUs to reach two RX queues; this process may use one";

	Topology &t = topology(Q);
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> f0 = udp_frames(t, 10, PER_SENDER, 0x1234);
	std::vector<Bytes> f1 = udp_frames(t, 11, PER_SENDER, 0x5678);
	std::string pcap = scratch_file("c.pcap");

	Proc &ld = loader({ "-c", std::to_string(2 * PER_SENDER), "-d", "10", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(ld));
	SendSpec s0, s1;
	s0.ns = s1.ns = t.ns_b;
	s0.ifname = s1.ifname = t.if_b;
	s0.frames = &f0;
	s1.frames = &f1;
	s0.cpu = cpus[0];
	s1.cpu = cpus[1];
	SendResult r0, r1;
	{
		BackgroundSender b0(s0), b1(s1);
		r0 = b0.join();
		r1 = b1.join();
	}
	ASSERT_EQ(r0.err + r1.err, "");
	ASSERT_EQ(r0.sent, PER_SENDER) << strerror(r0.last_errno);
	ASSERT_EQ(r1.sent, PER_SENDER) << strerror(r1.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();

	json::Value j = parse_summary(ld.out());
	ASSERT_EQ(j["queues"].size(), Q) << ld.out();
	uint64_t sum = 0;
	size_t busy = 0;
	std::string split;
	for (size_t i = 0; i < Q; i++) {
		const json::Value &q = j["queues"][i];

		EXPECT_EQ(q["queue"].u64(), i);
		sum += q["rx_packets"].u64();
		busy += q["rx_packets"].u64() > 0;
		split += " q" + std::to_string(i) + "=" + std::to_string(q["rx_packets"].u64());
	}
	EXPECT_EQ(sum, 2 * PER_SENDER) << ld.out();
	EXPECT_EQ(j["rx_packets"].u64(), 2 * PER_SENDER);
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), 2 * PER_SENDER) << ld.out();
	EXPECT_GT(busy, 1u) << "senders pinned to CPUs " << cpus[0] << " and " << cpus[1]
			    << " reached one queue only:" << split;

	/*
	 * The pcap interleaves the queues, but each sender stays on its CPU and
	 * so on one queue: its sequence numbers must come out increasing, each
	 * exactly once, and each frame as sent.
	 */
	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	ASSERT_EQ(got.size(), 2 * PER_SENDER);
	std::map<uint32_t, std::vector<uint32_t>> seqs;
	size_t wrong = 0;
	for (auto &f : got) {
		uint32_t sender, seq;

		ASSERT_TRUE(frame_tag(f, sender, seq)) << "unexpected frame:\n" << hexdump(f);
		ASSERT_TRUE((sender == 10 || sender == 11) && seq < PER_SENDER) << hexdump(f);
		wrong += f != (sender == 10 ? f0 : f1)[seq];
		seqs[sender].push_back(seq);
	}
	EXPECT_EQ(wrong, 0u) << "frames that differ from what was sent";
	for (auto &kv : seqs) {
		std::vector<uint32_t> want(PER_SENDER);

		for (size_t i = 0; i < PER_SENDER; i++)
			want[i] = i;
		EXPECT_EQ(kv.second, want)
			<< "sender " << kv.first << ": out of order, lost or duplicated";
	}
	printf("  (c) senders on CPUs %d,%d sent %zu+%zu; per-queue rx:%s; total %llu, "
	       "redirected %llu\n",
	       cpus[0], cpus[1], r0.sent, r1.sent, split.c_str(),
	       (unsigned long long)j["rx_packets"].u64(),
	       (unsigned long long)j["bpf"]["redirected"]["packets"].u64());
}

/* (d) Error paths. */
TEST_F(E2E, UnknownInterfaceIsUsageError)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::string name = "xte" + std::to_string(getpid()) + "zz";
	Result r = xskmap_sync({ "run", name });

	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_TRUE(has(r.err, "xskmap: error: "));
	EXPECT_TRUE(has(r.err, "does not exist"));
	EXPECT_TRUE(has(r.err, name));
}

TEST_F(E2E, QueueOutOfRangeIsUsageErrorAndAttachesNothing)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	Result r = xskmap_sync({ "run", "-q", "7", t.if_a });

	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_TRUE(has(r.err, "out of range"));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

TEST_F(E2E, SecondInstanceIsRefusedAndFirstKeepsReceiving)
{
	constexpr size_t N = 300;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = udp_frames(t, 3, N, 0xABCD);
	std::string pcap = scratch_file("d2.pcap");

	Proc &first = loader({ "-c", std::to_string(N), "-d", "10", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(first));
	unsigned id = t.xdp_prog_id_a();
	EXPECT_NE(id, 0u) << t.link_a();
	Result second = xskmap_sync({ "run", "-d", "5", t.if_a });
	EXPECT_EQ(second.rc, 1) << second.err;
	EXPECT_TRUE(has(second.err, "already has xskmap's program attached"));
	EXPECT_EQ(std::count(second.err.begin(), second.err.end(), '\n'), 1)
		<< "not one line:\n" << second.err;
	EXPECT_EQ(t.xdp_prog_id_a(), id) << "the failed second instance changed the interface";

	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N);
	ASSERT_EQ(first.wait_exit(EXIT_TIMEOUT), 0) << first.err();
	json::Value j = parse_summary(first.out());
	EXPECT_EQ(j["rx_packets"].u64(), N) << first.out();
	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	EXPECT_TRUE(same_frames(frames, got));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

TEST_F(E2E, SigintMidTrafficPrintsSummaryAndDetaches)
{
	constexpr size_t N = 50000;	/* more than it can send before SIGINT */
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = udp_frames(t, 4, N, 0x4444);
	std::string pcap = scratch_file("d3.pcap");

	Proc &ld = loader({ "-d", "10", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(ld));
	ASSERT_TRUE(t.xdp_on_a());
	SendSpec spec;
	spec.ns = t.ns_b;
	spec.ifname = t.if_b;
	spec.frames = &frames;
	spec.limit = milliseconds(8000);
	BackgroundSender sender(spec);
	auto deadline = Clock::now() + milliseconds(5000);
	while (sender.progress() < 2000 && Clock::now() < deadline)
		std::this_thread::sleep_for(milliseconds(5));
	ASSERT_GE(sender.progress(), 2000u) << "the sender stalled";

	ld.signal(SIGINT);
	int rc = ld.wait_exit(milliseconds(5000));
	size_t at_exit = sender.progress();
	sender.stop();
	SendResult s = sender.join();
	ASSERT_EQ(rc, 0) << ld.err();
	EXPECT_LT(s.sent, N) << "traffic was over before SIGINT: nothing was tested mid-traffic";

	json::Value j = parse_summary(ld.out());
	uint64_t rx = j["rx_packets"].u64();
	EXPECT_GT(rx, 0u) << ld.out();
	EXPECT_LE(rx, at_exit);
	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	EXPECT_EQ(got.size(), rx) << "the pcap and the summary disagree";
	/* What was captured is a prefix of what was sent. */
	std::vector<Bytes> prefix(frames.begin(),
				  frames.begin() + std::min(got.size(), frames.size()));
	EXPECT_TRUE(same_frames(prefix, got));
	EXPECT_FALSE(t.xdp_on_a()) << "XDP program left after SIGINT:\n" << t.link_a();
	printf("  (d) SIGINT after %zu frames sent: captured %zu, rx_packets %llu, exit %d\n",
	       at_exit, got.size(), (unsigned long long)rx, rc);
}

TEST_F(E2E, SigkillLeavesProgramThatDetachRemoves)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);

	Proc &ld = loader({ "-d", "10" });
	ASSERT_TRUE(ready(ld));
	unsigned id = t.xdp_prog_id_a();
	ASSERT_NE(id, 0u) << t.link_a();
	ld.signal(SIGKILL);
	ASSERT_EQ(ld.wait_exit(milliseconds(5000)), 128 + SIGKILL);
	EXPECT_EQ(t.xdp_prog_id_a(), id)
		<< "SIGKILL cannot clean up: the program should still be there";

	/* The next run names the leftover and says how to remove it. */
	Result again = xskmap_sync({ "run", "-d", "1", t.if_a });
	EXPECT_EQ(again.rc, 1) << again.err;
	EXPECT_TRUE(has(again.err, "xskmap detach " + t.if_a));

	Result d = xskmap_sync({ "detach", t.if_a });
	EXPECT_EQ(d.rc, 0) << d.err;
	std::string want = "removed XDP program 'xsk_redirect' (id " + std::to_string(id) +
			   ", native mode) from " + t.if_a;
	EXPECT_TRUE(has(d.out, want));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();

	Result d2 = xskmap_sync({ "detach", t.if_a });
	EXPECT_EQ(d2.rc, 0) << d2.err;
	EXPECT_TRUE(has(d2.out, "nothing to remove"));
}

TEST_F(E2E, ForeignProgramIsRefusedUnlessForce)
{
	constexpr size_t N = 100;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	Result r = ip({ "-n", t.ns_a, "link", "set", "dev", t.if_a, "xdpdrv", "obj", XTE_PASS_OBJ,
			"sec", "xdp" });
	ASSERT_EQ(r.rc, 0) << "cannot attach " << XTE_PASS_OBJ << ": " << r.err;
	unsigned foreign = t.xdp_prog_id_a();
	ASSERT_NE(foreign, 0u) << t.link_a();
	std::string before = t.link_a();

	Result refused = xskmap_sync({ "run", "-d", "5", t.if_a });
	EXPECT_EQ(refused.rc, 1) << refused.err;
	EXPECT_TRUE(has(refused.err, "already has XDP program 'xte_pass'"));
	EXPECT_TRUE(has(refused.err, "--force"));
	EXPECT_EQ(t.link_a(), before) << "a refused run changed the interface";

	/* Detach must not touch a program that is not xskmap's either. */
	Result d = xskmap_sync({ "detach", t.if_a });
	EXPECT_EQ(d.rc, 0) << d.err;
	EXPECT_TRUE(has(d.out, "not xskmap's"));
	EXPECT_EQ(t.xdp_prog_id_a(), foreign);

	std::vector<Bytes> frames = udp_frames(t, 5, N, 0x5555);
	std::string pcap = scratch_file("d5.pcap");
	Proc &ld = loader({ "--force", "-c", std::to_string(N), "-d", "10", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(ld));
	EXPECT_TRUE(has(ld.err(), "replacing XDP program 'xte_pass'"));
	unsigned ours = t.xdp_prog_id_a();
	EXPECT_NE(ours, foreign);
	EXPECT_TRUE(has(t.link_a(), "name xsk_redirect"));
	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_EQ(parse_summary(ld.out())["rx_packets"].u64(), N) << ld.out();
	/* Documented: the replaced program is not restored. */
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

/* Namespaces from a killed earlier run go first; a signal cleans up ours. */
class E2EEnvironment : public ::testing::Environment {
public:
	void SetUp() override
	{
		reg::install_handlers();
		if (geteuid() == 0)
			sweep_stale();
	}
	void TearDown() override { scratch_remove(); }
};

const auto *env = ::testing::AddGlobalTestEnvironment(new E2EEnvironment);

} // namespace
