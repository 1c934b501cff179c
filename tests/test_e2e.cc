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

#include "cls_maps.h"
#include "frames.h"
#include "json_reader.h"
#include "netns.h"
#include "packet.h"
#include "prog.h"
#include "ruleset.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif
#ifndef XTE_PASS_OBJ
#error "XTE_PASS_OBJ must name the foreign test XDP object (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

/* From libbpf's bpf/bpf.h, whose linux/bpf.h clashes with pcap's bpf.h. */
extern "C" int bpf_map_lookup_elem(int fd, const void *key, void *value);

namespace {

/* Bounds on every wait: generous for a loaded CI machine, never infinite. */
const milliseconds READY_TIMEOUT(10000), EXIT_TIMEOUT(15000);

/*
 * The UDP payload starts with a tag, so a received frame says who sent it
 * and in which order: "XTE1", sender id, sequence number (big endian). The
 * rest is pseudo-random filler, so a byte-for-byte comparison means something.
 */
constexpr size_t HDR_LEN = 14 + 20 + 8, TAG_LEN = 12;
constexpr uint16_t UDP_PORT = 40001;

Bytes udp_frame(const Topology &t, uint32_t sender, uint32_t seq, size_t len, uint32_t &rng,
	       uint16_t dport = UDP_PORT)
{
	return seq_frame(t.mac_a, t.mac_b, { 0x58544531 /* "XTE1" */, sender, seq }, len, 30000 + sender,
			 dport, rng);
}

/* count frames of mixed sizes; the first two are the extremes. */
std::vector<Bytes> udp_frames(const Topology &t, uint32_t sender, size_t count, uint32_t seed)
{
	std::vector<Bytes> v;
	uint32_t rng = seed;

	for (size_t i = 0; i < count; i++) {
		size_t len = mixed_len(i, rng);
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
		if (bpffs_) {
			std::string dir = bpffs_->path();

			bpffs_.reset();
			EXPECT_NE(access(dir.c_str(), F_OK), 0) << "bpffs " << dir << " left behind";
		}
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

	/*
	 * PREFIX... XSKMAP_BIN ARGS..., not waited for; the fixture owns the
	 * process so that cleanup() kills it before the namespaces go.
	 */
	Proc &spawn(std::vector<std::string> argv, const std::vector<std::string> &args)
	{
		argv.push_back(XSKMAP_BIN);
		argv.insert(argv.end(), args.begin(), args.end());
		procs_.push_back(std::make_unique<Proc>());
		EXPECT_TRUE(procs_.back()->start(argv, "xskmap")) << "cannot run " << XSKMAP_BIN;
		return *procs_.back();
	}

	/* `xskmap ARGS...` inside namespace A; not waited for. */
	Proc &xskmap(const std::vector<std::string> &args)
	{
		return spawn({ ip_bin(), "netns", "exec", topo_->ns_a }, args);
	}

	/* `xskmap run ARGS... IF_A`, not waited for: see ready(). */
	Proc &loader(std::vector<std::string> args)
	{
		args.insert(args.begin(), "run");
		args.push_back(topo_->if_a);
		return xskmap(args);
	}

	/*
	 * `xskmap run OPTS... -c N -d 10 -w PCAP --json IF_A`: takes n frames
	 * into pcap, then prints the summary; -d 10 ends it if they never come.
	 */
	Proc &capture(size_t n, const std::string &pcap, std::vector<std::string> opts = {})
	{
		opts.insert(opts.end(), { "-c", std::to_string(n), "-d", "10", "-w", pcap, "--json" });
		return loader(opts);
	}

	/* The loader printed its ready line: sockets are in xsks_map. */
	::testing::AssertionResult ready(Proc &p)
	{
		if (p.wait_stderr("receiving on " + topo_->if_a, READY_TIMEOUT))
			return ::testing::AssertionSuccess();
		return ::testing::AssertionFailure()
		       << p.cmdline() << " did not get ready:\n" << p.err();
	}

	/* The pcap holds exactly these frames, byte for byte, in this order. */
	static ::testing::AssertionResult pcap_holds(const std::string &pcap,
						     const std::vector<Bytes> &want)
	{
		std::vector<Bytes> got;
		std::string err;

		if (!read_pcap(pcap, got, err))
			return ::testing::AssertionFailure() << err;
		return same_frames(want, got);
	}

	/* Run xskmap to completion inside A. */
	Result xskmap_sync(const std::vector<std::string> &args)
	{
		return finish(xskmap(args), EXIT_TIMEOUT);
	}

	/* A private bpffs for the pins (see BpfFs); one per test. */
	BpfFs &bpffs()
	{
		bpffs_ = std::make_unique<BpfFs>();
		return *bpffs_;
	}

	/* Where run and rules meet: --pin-dir DIR/IF_A on the private bpffs. */
	std::string pin_dir() const { return bpffs_->path() + "/" + topo_->if_a; }

	/* `xskmap rules --pin-dir DIR/IF_A [--json] IF_A ARGS...` inside A. */
	Result rules(const std::vector<std::string> &args, bool json = false)
	{
		std::vector<std::string> argv = { "rules", "--pin-dir", pin_dir() };

		if (json)
			argv.push_back("--json");
		argv.push_back(topo_->if_a);
		argv.insert(argv.end(), args.begin(), args.end());
		return xskmap_sync(argv);
	}

	/* `rules --json list`, parsed; rc and text in *r for the messages. */
	json::Value rules_list(Result *r)
	{
		json::Value v;
		std::string err;

		*r = rules({ "list" }, true);
		EXPECT_EQ(r->rc, 0) << r->err;
		EXPECT_TRUE(json::parse(r->out, v, err)) << err << "\n" << r->out;
		return v;
	}

	/*
	 * `xskmap ARGS...` inside A, with the private bpffs bind-mounted on
	 * /sys/fs/bpf of that command's mount namespace: the default pin
	 * directory /sys/fs/bpf/xskmap/IF_A then lands on the shared bpffs,
	 * where the next command (and the test) find it.
	 */
	Proc &xskmap_sysbpf(const std::vector<std::string> &args)
	{
		return spawn({ ip_bin(), "netns", "exec", topo_->ns_a, "/bin/sh", "-c",
			       "mount --bind \"$0\" /sys/fs/bpf && exec \"$@\"", bpffs_->path() },
			     args);
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
	std::unique_ptr<BpfFs> bpffs_;			/* after the loaders, before topo_ */
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

	Proc &ld = capture(N, pcap);
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

/*
 * --action drop: every frame taken off the ring is counted and given back
 * to the fill ring. With 64 UMEM frames for 3000 frames, only recycling
 * takes more than 64; what the fill ring lacked at a burst the socket
 * counts (rx_dropped), so the sum is every redirected frame.
 */
TEST_F(E2E, ActionDropCountsEveryFrameAndRecyclesThem)
{
	constexpr size_t N = 3000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = udp_frames(t, 1, N, 0xD409);

	Proc &ld = loader({ "--action", "drop", "--frames", "64", "--ring-size", "64", "-d", "3",
			    "--json" });
	ASSERT_TRUE(ready(ld));
	SendResult s = send(frames);
	ASSERT_EQ(s.err, "");
	ASSERT_EQ(s.sent, N) << "sendto failed: " << strerror(s.last_errno);

	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	json::Value j = parse_summary(ld.out());
	const json::Value &x = j["queues"][0]["xdp_statistics"];
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), N) << ld.out();
	EXPECT_EQ(j["rx_packets"].u64() + x["rx_dropped"].u64(), N) << ld.out();
	EXPECT_GT(j["rx_packets"].u64(), 64u) << "frames were not recycled:\n" << ld.out();
	if (!x["rx_dropped"].u64()) {
		EXPECT_EQ(j["rx_bytes"].u64(), total_bytes(frames)) << ld.out();
	}
	EXPECT_FALSE(j.has("capture")) << ld.out();
}

/* --mode skb: generic XDP feeds the same sockets, byte for byte. */
TEST_F(E2E, SkbModeReceivesByteForByte)
{
	constexpr size_t N = 500;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = udp_frames(t, 1, N, 0x5CB);
	std::string pcap = scratch_file("skb.pcap");

	Proc &ld = capture(N, pcap, { "--mode", "skb" });
	ASSERT_TRUE(ready(ld));
	EXPECT_TRUE(has(t.link_a(), "xdpgeneric")) << t.link_a();
	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N) << s.err;

	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	json::Value j = parse_summary(ld.out());
	EXPECT_EQ(j["attach_mode"].str, "skb");
	EXPECT_EQ(j["rx_packets"].u64(), N) << ld.out();
	EXPECT_TRUE(pcap_holds(pcap, frames));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

/*
 * A device without native XDP (a bridge): --mode native is refused with
 * the way out, --mode auto falls back to skb and says so.
 */
TEST_F(E2E, NativeOnlyDeviceRefusedAutoFallsBackToSkb)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::string br = "xte" + std::to_string(getpid()) + "br";
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "add", br, "type", "bridge" }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", br, "up" }).rc, 0);

	Result r = xskmap_sync({ "run", "--mode", "native", "-d", "0.3", br });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "does not support native XDP")) << r.err;
	EXPECT_TRUE(has(r.err, "--mode skb")) << r.err;

	r = xskmap_sync({ "run", "-d", "0.3", "--json", br });
	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_TRUE(has(r.err, "in skb mode")) << r.err;
	EXPECT_EQ(parse_summary(r.out)["attach_mode"].str, "skb") << r.out;

	Result link = ip({ "-n", t.ns_a, "-d", "link", "show", "dev", br });
	EXPECT_FALSE(has(link.out, "xdp")) << link.out;
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

	Proc &ld = capture(N, pcap, { "--match", "udp" });
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

	Proc &ld = capture(2 * PER_SENDER, pcap);
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

TEST_F(E2E, MissingCapabilitiesAreNamedAndAttachNothing)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	/*
	 * Root whose bounding set lacks them: exec gives it no such capability,
	 * as for an unprivileged user. setpriv runs inside A, since entering a
	 * namespace needs CAP_SYS_ADMIN itself.
	 */
	Result r = finish(spawn({ ip_bin(), "netns", "exec", t.ns_a, "setpriv", "--bounding-set",
				  "-net_admin,-bpf,-sys_admin", "--" },
				{ "run", t.if_a }),
			  EXIT_TIMEOUT);

	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "missing CAP_NET_ADMIN, CAP_BPF")) << r.err;
	EXPECT_TRUE(has(r.err, "setcap")) << "the message says how to fix it: " << r.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();

	// CAP_SYS_ADMIN stands in for CAP_BPF (kernels before 5.8 know no CAP_BPF).
	r = finish(spawn({ ip_bin(), "netns", "exec", t.ns_a, "setpriv", "--bounding-set", "-bpf", "--" },
			 { "run", "-c", "1", "-d", "0.5", t.if_a }),
		   EXIT_TIMEOUT);
	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

TEST_F(E2E, SecondInstanceIsRefusedAndFirstKeepsReceiving)
{
	constexpr size_t N = 300;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = udp_frames(t, 3, N, 0xABCD);
	std::string pcap = scratch_file("d2.pcap");

	Proc &first = capture(N, pcap);
	ASSERT_TRUE(ready(first));
	unsigned id = t.xdp_prog_id_a();
	EXPECT_NE(id, 0u) << t.link_a();
	Result second = xskmap_sync({ "run", "-d", "5", t.if_a });
	EXPECT_EQ(second.rc, 1) << second.err;
	EXPECT_TRUE(has(second.err, "xskmap already runs on " + t.if_a + " (pid " +
				    std::to_string(first.pid()) + ")"));
	EXPECT_EQ(std::count(second.err.begin(), second.err.end(), '\n'), 1)
		<< "not one line:\n" << second.err;
	EXPECT_EQ(t.xdp_prog_id_a(), id) << "the failed second instance changed the interface";

	SendResult s = send(frames);
	ASSERT_EQ(s.sent, N);
	ASSERT_EQ(first.wait_exit(EXIT_TIMEOUT), 0) << first.err();
	json::Value j = parse_summary(first.out());
	EXPECT_EQ(j["rx_packets"].u64(), N) << first.out();
	EXPECT_TRUE(pcap_holds(pcap, frames));
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

/*
 * The program is attached through a BPF link: SIGKILL closes it, so the
 * kernel detaches the program, and the next run starts at once, with no
 * detach needed (the dead run's record is taken over).
 */
TEST_F(E2E, SigkillLeavesNoProgramAndTheNextRunStartsAtOnce)
{
	constexpr size_t N = 100;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);

	Proc &ld = loader({ "-d", "10" });
	ASSERT_TRUE(ready(ld));
	unsigned id = t.xdp_prog_id_a();
	ASSERT_NE(id, 0u) << t.link_a();
	ld.signal(SIGKILL);
	ASSERT_EQ(ld.wait_exit(milliseconds(5000)), 128 + SIGKILL);
	/* The link goes with its last fd; the kernel frees it right away. */
	auto deadline = Clock::now() + milliseconds(2000);
	while (t.xdp_on_a() && Clock::now() < deadline)
		std::this_thread::sleep_for(milliseconds(10));
	EXPECT_FALSE(t.xdp_on_a()) << "SIGKILL left the program attached:\n" << t.link_a();

	std::vector<Bytes> frames = udp_frames(t, 6, N, 0x6666);
	std::string pcap = scratch_file("sigkill.pcap");
	Proc &again = capture(N, pcap);
	ASSERT_TRUE(ready(again));
	ASSERT_EQ(send(frames).sent, N);
	ASSERT_EQ(again.wait_exit(EXIT_TIMEOUT), 0) << again.err();
	EXPECT_TRUE(pcap_holds(pcap, frames));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();

	Result d = xskmap_sync({ "detach", t.if_a });
	EXPECT_EQ(d.rc, 0) << d.err;
	EXPECT_TRUE(has(d.out, "nothing to remove"));
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
	Proc &ld = capture(N, pcap, { "--force" });
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

/*
 * Steering rules. Frames for these tests are small (60-160 bytes) UDP
 * datagrams to a given port, tagged as above; a kernel socket in A receives
 * what XDP passes, the pcap what it redirects.
 */
std::vector<Bytes> port_frames(const Topology &t, uint32_t sender, uint16_t dport, size_t first,
			       size_t count, uint32_t seed)
{
	std::vector<Bytes> v;
	uint32_t rng = seed;

	for (size_t i = first; i < first + count; i++)
		v.push_back(udp_frame(t, sender, i, 60 + xorshift(rng) % 101, rng, dport));
	return v;
}

/* A datagram's payload as the kernel socket got it: the tag is at offset 0. */
bool payload_tag(const Bytes &p, uint32_t &sender, uint32_t &seq)
{
	auto get32 = [&](size_t off) {
		return (uint32_t)p[off] << 24 | p[off + 1] << 16 | p[off + 2] << 8 | p[off + 3];
	};

	if (p.size() < TAG_LEN || get32(0) != 0x58544531)
		return false;
	sender = get32(4);
	seq = get32(8);
	return true;
}

/* The rule of that id in a `rules --json list` or summary; null if absent. */
const json::Value &rule_by_id(const json::Value &j, uint64_t id)
{
	for (auto &r : j["rules"].arr)
		if (r["id"].u64() == id)
			return r;
	return json::Value::null();
}

/* Waits until the sender has sent at least n frames; false if it stalled. */
bool wait_progress(const BackgroundSender &s, size_t n, milliseconds timeout)
{
	auto deadline = Clock::now() + timeout;

	while (s.progress() < n && Clock::now() < deadline)
		std::this_thread::sleep_for(milliseconds(2));
	return s.progress() >= n;
}

/*
 * The id in "xskmap: added rule ID at rank R: RULE"; UINT32_MAX if the
 * line is not there.
 */
uint32_t added_id(const std::string &out, unsigned rank, const std::string &rule)
{
	unsigned id, r;
	char text[256] = "";

	if (sscanf(out.c_str(), "xskmap: added rule %u at rank %u: %255[^\n]", &id, &r, text) != 3 ||
	    r != rank || rule != text)
		return UINT32_MAX;
	return id;
}

/*
 * (e) The rule set changes twice while a single sender streams datagrams to
 * port 7001: each frame is classified by one generation, so every sequence
 * number ends up exactly once at the kernel or at the sockets, and since
 * one sender feeds one RX queue in order, the destination switches once at
 * each change (kernel, sockets, kernel) and near the command.
 */
TEST_F(E2E, RulesChangedMidStreamEveryFrameOnceAndSwitchMonotone)
{
	constexpr size_t MAX_N = 60000, PHASE = 3000;
	/*
	 * veth hands a frame to the XDP side through a 256-slot ring: when a
	 * command starts, up to that many sent frames may not have been
	 * classified yet. Frames sent after it returned all see its change.
	 */
	constexpr size_t VETH_RING = 256;
	constexpr uint16_t PORT = 7001;
	Topology &t = topology(1, true);
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	UdpSink sink(t.ns_a, PORT);
	ASSERT_TRUE(sink.ok()) << sink.error();
	std::vector<Bytes> frames = port_frames(t, 20, PORT, 0, MAX_N, 0x7001);
	std::string pcap = scratch_file("e.pcap");

	Proc &ld = loader({ "-r", "udp dport 7000 -> queue", "--default", "pass", "--pin-dir",
			    pin_dir(), "-d", "30", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(ld));

	SendSpec spec;
	spec.ns = t.ns_b;
	spec.ifname = t.if_b;
	spec.frames = &frames;
	spec.burst = 8;
	spec.pause_us = 400;
	spec.limit = milliseconds(20000);
	BackgroundSender sender(spec);

	ASSERT_TRUE(wait_progress(sender, PHASE, milliseconds(5000))) << "the sender stalled";
	size_t add0 = sender.progress();
	Result add = rules({ "add", "udp dport 7001 -> queue" });
	size_t add1 = sender.progress();
	ASSERT_EQ(add.rc, 0) << add.err;
	uint32_t id = added_id(add.out, 1, "udp dport 7001 -> queue");
	ASSERT_NE(id, UINT32_MAX) << add.out;

	ASSERT_TRUE(wait_progress(sender, add1 + PHASE / 2, milliseconds(5000)));
	size_t list0 = sender.progress();
	Result lr;
	json::Value mid = rules_list(&lr);
	size_t list1 = sender.progress();
	ASSERT_TRUE(wait_progress(sender, list1 + PHASE / 2, milliseconds(5000)));

	size_t del0 = sender.progress();
	Result del = rules({ "del", std::to_string(id) });
	size_t del1 = sender.progress();
	ASSERT_EQ(del.rc, 0) << del.err;
	EXPECT_TRUE(has(del.out, "xskmap: deleted rule " + std::to_string(id)));
	ASSERT_TRUE(wait_progress(sender, del1 + PHASE, milliseconds(5000)));
	sender.stop();
	SendResult s = sender.join();
	ASSERT_EQ(s.err, "");
	ASSERT_EQ(s.failed, 0u) << strerror(s.last_errno);
	ASSERT_LT(s.sent, MAX_N) << "traffic ran out before the changes were done";
	const size_t n = s.sent;

	/* Everything sent has been classified once the kernel side is quiet. */
	sink.settle(milliseconds(300), milliseconds(5000));
	json::Value after = rules_list(&lr);
	ld.signal(SIGINT);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	std::vector<Bytes> kernel = sink.stop();
	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;

	/* Where each sequence number went: 'K' kernel, 'X' sockets. */
	std::vector<unsigned> at_kernel(n), at_xsk(n);
	size_t foreign = 0;
	uint64_t kernel_bytes = 0, xsk_bytes = 0;
	for (auto &p : kernel) {
		uint32_t snd, seq;

		if (payload_tag(p, snd, seq) && snd == 20 && seq < n) {
			at_kernel[seq]++;
			kernel_bytes += frames[seq].size();
		} else {
			foreign++;
		}
	}
	for (auto &f : got) {
		uint32_t snd, seq;

		if (frame_tag(f, snd, seq) && snd == 20 && seq < n && f == frames[seq]) {
			at_xsk[seq]++;
			xsk_bytes += f.size();
		} else {
			foreign++;
		}
	}
	EXPECT_EQ(foreign, 0u) << "frames that were not sent, or not as sent";
	size_t lost = 0, dup = 0;
	std::string where, first_bad;
	for (size_t i = 0; i < n; i++) {
		unsigned c = at_kernel[i] + at_xsk[i];

		lost += c == 0;
		dup += c > 1;
		if (c != 1 && first_bad.empty())
			first_bad = "seq " + std::to_string(i) + ": kernel " +
				    std::to_string(at_kernel[i]) + ", sockets " + std::to_string(at_xsk[i]);
		char d = at_xsk[i] ? 'X' : 'K';
		if (where.empty() || where.back() != d)
			where += d;
	}
	EXPECT_EQ(lost, 0u) << first_bad;
	EXPECT_EQ(dup, 0u) << first_bad;
	ASSERT_EQ(where, "KXK") << "the destination must switch exactly at the add and the del";
	size_t s1 = std::find(at_xsk.begin(), at_xsk.end(), 1u) - at_xsk.begin();
	size_t s2 = std::find(at_xsk.begin() + s1, at_xsk.end(), 0u) - at_xsk.begin();
	EXPECT_LE(s1, add1) << "frames sent after 'add' returned went to the kernel";
	EXPECT_GE(s1 + VETH_RING, add0) << "the switch came before 'add' ran";
	EXPECT_LE(s2, del1) << "frames sent after 'del' returned went to the sockets";
	EXPECT_GE(s2 + VETH_RING, del0) << "the switch came before 'del' ran";
	size_t to_xsk = s2 - s1, to_kernel = n - to_xsk;

	/* Mid-stream list: the added rule at rank 1, its hits in the window. */
	ASSERT_EQ(mid["rules"].size(), 2u) << lr.out;
	const json::Value &mr = mid["rules"][1];
	EXPECT_EQ(mr["id"].u64(), id);
	EXPECT_EQ(mr["rank"].u64(), 1u);
	EXPECT_EQ(mr["rule"].str, "udp dport 7001 -> queue");
	uint64_t mid_hits = mr["packets"].u64();
	EXPECT_LE(mid_hits, list1 - s1);
	EXPECT_GE(mid_hits + VETH_RING, list0 - s1);
	EXPECT_EQ(mid["rules"][0]["packets"].u64(), 0u);

	/* After: the default counted exactly what the kernel socket got. */
	ASSERT_EQ(after["rules"].size(), 1u) << lr.out;
	EXPECT_EQ(after["rules"][0]["rule"].str, "udp dport 7000 -> queue");
	EXPECT_EQ(after["rules"][0]["packets"].u64(), 0u);
	EXPECT_EQ(after["default"]["action"].str, "pass");
	EXPECT_EQ(after["default"]["packets"].u64(), to_kernel) << lr.out;
	EXPECT_EQ(after["default"]["bytes"].u64(), kernel_bytes);

	json::Value j = parse_summary(ld.out());
	EXPECT_EQ(j["rx_packets"].u64(), to_xsk) << ld.out();
	EXPECT_EQ(j["rx_bytes"].u64(), xsk_bytes);
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), to_xsk);
	EXPECT_EQ(j["bpf"]["not_matched"]["packets"].u64(), to_kernel);
	EXPECT_EQ(j["bpf"]["rule_pass"]["packets"].u64(), 0u);
	EXPECT_EQ(j["bpf"]["rule_drop"]["packets"].u64(), 0u);
	ASSERT_EQ(j["rules"].size(), 1u) << ld.out();
	EXPECT_EQ(j["rules"][0]["id"].u64(), 0u);
	EXPECT_EQ(j["rules"][0]["packets"].u64(), 0u);
	EXPECT_EQ(j["default"]["packets"].u64(), to_kernel);
	EXPECT_EQ(j["default"]["bytes"].u64(), kernel_bytes);
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	EXPECT_EQ(fs.added(), "") << "pins left under " << fs.path();
	printf("  (e) sent %zu to port 7001: kernel %zu (seq 0-%zu, %zu-%zu), sockets %zu (seq %zu-%zu); "
	       "add ran while frames %zu-%zu were sent, del %zu-%zu; mid list %llu hits; lost %zu, "
	       "duplicated %zu\n",
	       n, to_kernel, s1 - 1, s2, n - 1, to_xsk, s1, s2 - 1, add0, add1, del0, del1,
	       (unsigned long long)mid_hits, lost, dup);
}

/* The line of text that contains needle; empty if none. */
std::string line_with(const std::string &text, const std::string &needle)
{
	size_t p = text.find(needle);

	if (p == std::string::npos)
		return "";
	size_t b = text.rfind('\n', p), e = text.find('\n', p);

	b = b == std::string::npos ? 0 : b + 1;
	return text.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

/* Sequence numbers of sender in the pcap, in order. */
std::vector<uint32_t> pcap_seqs(const std::vector<Bytes> &got, uint32_t sender)
{
	std::vector<uint32_t> v;

	for (auto &f : got) {
		uint32_t snd, seq;

		if (frame_tag(f, snd, seq) && snd == sender)
			v.push_back(seq);
	}
	return v;
}

/*
 * (f) `xskmap rules` on a running instance: list, priority by --at,
 * default action, and the errors. Each step sends a small batch and checks
 * where it went (pcap, kernel socket, nowhere) and the counters.
 */
TEST_F(E2E, RulesCliListAddAtDefaultDelAndErrors)
{
	constexpr size_t B = 100;
	Topology &t = topology(1, true);
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	UdpSink k7000(t.ns_a, 7000), k7002(t.ns_a, 7002), k7003(t.ns_a, 7003);
	ASSERT_TRUE(k7000.ok()) << k7000.error();
	ASSERT_TRUE(k7002.ok()) << k7002.error();
	ASSERT_TRUE(k7003.ok()) << k7003.error();
	std::string pcap = scratch_file("f.pcap");
	/* Batches: 7000 #1 (queued), 7000 #2 (dropped by rule), 7002 #1/#2, 7000 #3. */
	std::vector<Bytes> a1 = port_frames(t, 30, 7000, 0, B, 1);
	std::vector<Bytes> a2 = port_frames(t, 30, 7000, B, B, 2);
	std::vector<Bytes> c1 = port_frames(t, 31, 7002, 0, B / 2, 3);
	std::vector<Bytes> c2 = port_frames(t, 31, 7002, B / 2, B / 2, 4);
	std::vector<Bytes> a3 = port_frames(t, 30, 7000, 2 * B, B, 5);
	std::vector<Bytes> p1 = port_frames(t, 32, 7003, 0, B / 4, 6);

	Proc &ld = loader({ "-r", "udp dport 7000 -> queue", "--default", "pass", "--pin-dir",
			    pin_dir(), "-d", "30", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(ld));
	/* Settled counters: the batch was sent whole and the sinks went quiet. */
	auto deliver = [&](const std::vector<Bytes> &f) {
		SendResult s = send(f);

		EXPECT_EQ(s.sent, f.size()) << strerror(s.last_errno);
		k7000.settle(milliseconds(150), milliseconds(3000));
		k7002.settle(milliseconds(50), milliseconds(3000));
		k7003.settle(milliseconds(50), milliseconds(3000));
	};

	Result r = rules({ "list" });
	ASSERT_EQ(r.rc, 0) << r.err;
	EXPECT_TRUE(has(r.out, "id   rank")) << "no header";
	std::string l = line_with(r.out, "udp dport 7000 -> queue");
	char text[128] = "";
	unsigned id, rank;
	unsigned long long pk, by;
	EXPECT_EQ(sscanf(l.c_str(), "%u %u %llu %llu %127[^\n]", &id, &rank, &pk, &by, text), 5) << r.out;
	EXPECT_EQ(id, 0u);
	EXPECT_EQ(rank, 0u);
	EXPECT_EQ(pk, 0u);
	EXPECT_TRUE(has(line_with(r.out, "default"), "-> pass")) << r.out;

	deliver(a1);
	json::Value j = rules_list(&r);
	EXPECT_EQ(rule_by_id(j, 0)["packets"].u64(), B) << r.out;
	EXPECT_EQ(rule_by_id(j, 0)["bytes"].u64(), total_bytes(a1));
	EXPECT_EQ(j["default"]["packets"].u64(), 0u) << r.out;
	r = rules({ "list" });
	EXPECT_TRUE(has(line_with(r.out, "udp dport 7000 -> queue"), " " + std::to_string(B) + " "))
		<< "text list does not show the hits:\n" << r.out;

	/* A higher-priority drop: port-7000 frames vanish. */
	r = rules({ "add", "--at", "0", "udp dport 7000 -> drop" });
	ASSERT_EQ(r.rc, 0) << r.err;
	EXPECT_EQ(added_id(r.out, 0, "udp dport 7000 -> drop"), 1u) << r.out;
	j = rules_list(&r);
	ASSERT_EQ(j["rules"].size(), 2u) << r.out;
	EXPECT_EQ(j["rules"][0]["id"].u64(), 1u);
	EXPECT_EQ(j["rules"][0]["rank"].u64(), 0u);
	EXPECT_EQ(j["rules"][1]["id"].u64(), 0u);
	EXPECT_EQ(j["rules"][1]["rank"].u64(), 1u);
	EXPECT_EQ(j["rules"][0]["packets"].u64(), 0u) << "a new rule starts from zero hits";
	deliver(a2);
	j = rules_list(&r);
	EXPECT_EQ(rule_by_id(j, 1)["packets"].u64(), B) << r.out;
	EXPECT_EQ(rule_by_id(j, 0)["packets"].u64(), B) << "the queue rule still counts batch 1 only";

	/* The default: drop, then pass again. */
	r = rules({ "default", "drop" });
	ASSERT_EQ(r.rc, 0) << r.err;
	EXPECT_TRUE(has(r.out, "xskmap: default action is now drop"));
	deliver(c1);
	size_t k2_after_drop = k7002.count();
	r = rules({ "default", "pass" });
	ASSERT_EQ(r.rc, 0) << r.err;
	deliver(c2);
	j = rules_list(&r);
	EXPECT_EQ(j["default"]["action"].str, "pass");
	EXPECT_EQ(j["default"]["packets"].u64(), B) << "both 7002 batches meet the default";

	/* Errors: the rule set is left as it was. */
	r = rules({ "add", "udp dport 7000 -> qeue" });
	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_TRUE(has(r.err, "'qeue'"));
	r = rules({ "add", "udp dprt 7000 -> queue" });
	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_TRUE(has(r.err, "'dprt'"));
	r = rules({ "add", "--at", "5", "udp dport 7003 -> pass" });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "--at 5 is past the end")) << r.err;
	r = rules({ "del", "99" });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "no rule with id 99"));
	r = rules({ "del", "5" });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "no rule with id 5"));
	r = rules({ "del", "one" });
	EXPECT_EQ(r.rc, 2) << r.err;
	j = rules_list(&r);
	EXPECT_EQ(j["rules"].size(), 2u) << "a refused change altered the rules:\n" << r.out;

	/* Deleting the drop rule lets port 7000 through to the sockets again. */
	r = rules({ "del", "1" });
	ASSERT_EQ(r.rc, 0) << r.err;
	EXPECT_TRUE(has(r.out, "xskmap: deleted rule 1"));
	deliver(a3);
	/* Id 1 is free again and reused: the new rule must not inherit its hits. */
	r = rules({ "add", "udp dport 7003 -> pass" });
	ASSERT_EQ(r.rc, 0) << r.err;
	EXPECT_EQ(added_id(r.out, 1, "udp dport 7003 -> pass"), 1u) << r.out;
	j = rules_list(&r);
	EXPECT_EQ(rule_by_id(j, 1)["packets"].u64(), 0u)
		<< "rule 1 shows the hits of the deleted rule 1:\n" << r.out;
	EXPECT_EQ(rule_by_id(j, 0)["packets"].u64(), 2 * B) << r.out;
	/* A rule that passes: to the kernel, counted as rule_pass. */
	deliver(p1);
	EXPECT_EQ(k7003.count(), p1.size()) << "frames a 'pass' rule matched did not reach the kernel";
	j = rules_list(&r);
	EXPECT_EQ(rule_by_id(j, 1)["packets"].u64(), p1.size()) << r.out;

	ld.signal(SIGINT);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	std::vector<Bytes> kernel7000 = k7000.stop(), kernel7002 = k7002.stop();
	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;

	/* Batches 1 and 3 in the pcap, batch 2 nowhere, 7002: only batch 2 at the kernel. */
	std::vector<uint32_t> want;
	for (uint32_t i = 0; i < B; i++)
		want.push_back(i);
	for (uint32_t i = 2 * B; i < 3 * B; i++)
		want.push_back(i);
	EXPECT_EQ(pcap_seqs(got, 30), want);
	EXPECT_EQ(got.size(), 2 * B) << "frames other than batches 1 and 3 were redirected";
	EXPECT_EQ(kernel7000.size(), 0u) << "dropped port-7000 frames reached the kernel";
	EXPECT_EQ(k2_after_drop, 0u) << "'default drop' let frames through";
	EXPECT_EQ(kernel7002.size(), B / 2);
	for (auto &p : kernel7002) {
		uint32_t snd, seq;

		EXPECT_TRUE(payload_tag(p, snd, seq) && snd == 31 && seq >= B / 2)
			<< "a 7002 frame of the dropped batch arrived";
	}

	j = parse_summary(ld.out());
	EXPECT_EQ(j["bpf"]["rule_drop"]["packets"].u64(), B) << ld.out();
	EXPECT_EQ(j["bpf"]["rule_drop"]["bytes"].u64(), total_bytes(a2));
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), 2 * B);
	EXPECT_EQ(j["bpf"]["not_matched"]["packets"].u64(), B);
	EXPECT_EQ(j["bpf"]["rule_pass"]["packets"].u64(), p1.size());
	ASSERT_EQ(j["rules"].size(), 2u) << ld.out();
	EXPECT_EQ(j["rules"][0]["rule"].str, "udp dport 7000 -> queue");
	EXPECT_EQ(j["rules"][0]["packets"].u64(), 2 * B);
	EXPECT_EQ(j["rules"][0]["bytes"].u64(), total_bytes(a1) + total_bytes(a3));
	EXPECT_EQ(j["rules"][1]["rule"].str, "udp dport 7003 -> pass");
	EXPECT_EQ(j["rules"][1]["packets"].u64(), p1.size());
	EXPECT_EQ(j["rules"][1]["bytes"].u64(), total_bytes(p1));
	EXPECT_EQ(j["default"]["action"].str, "pass");
	EXPECT_EQ(j["default"]["packets"].u64(), B);
	EXPECT_EQ(j["default"]["bytes"].u64(), total_bytes(c1) + total_bytes(c2));

	/* The run removed its pins on exit: nothing left for `rules` to reach. */
	EXPECT_NE(access(pin_dir().c_str(), F_OK), 0) << pin_dir() << " is still there";
	EXPECT_EQ(fs.added(), "");
	r = rules({ "list" });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "no running xskmap found at " + pin_dir()));
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line:\n" << r.err;
	printf("  (f) 7000: batch 1 %zu -> sockets, batch 2 %zu -> dropped by rule 1 at rank 0 "
	       "(rule_drop %llu), batch 3 %zu -> sockets; 7002: %zu dropped by default, %zu to the "
	       "kernel; 7003: %zu passed by rule 1 (rule_pass %llu)\n",
	       a1.size(), a2.size(), (unsigned long long)j["bpf"]["rule_drop"]["packets"].u64(),
	       a3.size(), c1.size(), kernel7002.size(), p1.size(),
	       (unsigned long long)j["bpf"]["rule_pass"]["packets"].u64());
}

/* (g) A rule that does not parse stops the run before anything is changed. */
TEST_F(E2E, RunWithBadRuleIsUsageErrorAndLeavesNothing)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	Result r = xskmap_sync({ "run", "-r", "udp dport 99999 -> queue", "--pin-dir", pin_dir(),
				 "-d", "5", t.if_a });

	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_TRUE(has(r.err, "'99999'"));
	EXPECT_TRUE(has(r.err, "xskmap: error: "));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	EXPECT_EQ(fs.added(), "") << "pins left under " << fs.path();
}

/*
 * (h) The default pin directory. Under `ip netns exec` each command has its
 * own /sys and so its own /sys/fs/bpf: pins the loader made there would die
 * with its mount namespace, and `xskmap detach` in another command could
 * never see them. So each command here gets the test's bpffs bind-mounted
 * on its /sys/fs/bpf (xskmap_sysbpf), as a host's shared /sys/fs/bpf would
 * be: the default /sys/fs/bpf/xskmap/IF is then one place for all of them
 * and the test reads it as DIR/xskmap/IF.
 */
TEST_F(E2E, DefaultPinDirGoesOnSigintStaysOnSigkillAndDetachRemovesIt)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::string top = fs.path() + "/xskmap", pins = top + "/" + t.if_a;
	std::string sys_pins = "/sys/fs/bpf/xskmap/" + t.if_a;

	/* SIGINT: the pins and their shared parent go. */
	Proc &ld = xskmap_sysbpf({ "run", "-d", "10", t.if_a });
	ASSERT_TRUE(ready(ld));
	EXPECT_EQ(access((pins + "/cls_active").c_str(), F_OK), 0)
		<< "no pins under " << pins << ":\n" << ld.err();
	Proc &ls = xskmap_sysbpf({ "rules", t.if_a, "list" });
	ASSERT_EQ(ls.wait_exit(EXIT_TIMEOUT), 0) << ls.err();
	EXPECT_TRUE(has(ls.out(), "-> queue")) << "the default pin dir did not reach the run";
	ld.signal(SIGINT);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_NE(access(top.c_str(), F_OK), 0) << top << " left after SIGINT";

	/*
	 * SIGKILL: the kernel detaches the program (its link dies with the
	 * process) but the pins stay; rules says the run is gone, detach
	 * removes the pins and says whose they were.
	 */
	Proc &k = xskmap_sysbpf({ "run", "-d", "10", t.if_a });
	ASSERT_TRUE(ready(k));
	pid_t kpid = k.pid();
	k.signal(SIGKILL);
	ASSERT_EQ(k.wait_exit(milliseconds(5000)), 128 + SIGKILL);
	EXPECT_EQ(access((pins + "/cls_active").c_str(), F_OK), 0) << "SIGKILL cannot unpin";
	Proc &gone = xskmap_sysbpf({ "rules", t.if_a, "list" });
	EXPECT_EQ(gone.wait_exit(EXIT_TIMEOUT), 1) << gone.err();
	EXPECT_TRUE(has(gone.err(), "(pid " + std::to_string(kpid) + ") is gone"));
	Proc &d = xskmap_sysbpf({ "detach", t.if_a });
	ASSERT_EQ(d.wait_exit(EXIT_TIMEOUT), 0) << d.err();
	EXPECT_TRUE(has(d.out(), "pinned maps of the dead xskmap run on " + t.if_a +
				 " (pid " + std::to_string(kpid) + ") under " + sys_pins));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	EXPECT_NE(access(top.c_str(), F_OK), 0) << top << " left after detach";
	EXPECT_EQ(fs.added(), "");
}

// ------------------------------------------------------------------------
// Issue 7, the smaller items: slot ranges, rule switches under traffic, the
// UMEM against the memory available, the MTU against the frame size.

/*
 * (i7-a) An index action must name a slot of xsks_map: one per RX queue
 * here, so slot 0 only. `run` refuses the others before it attaches,
 * `rules add`/`rules default` refuse them against the running instance
 * with the range, and nothing changes. Options may follow the interface.
 */
TEST_F(E2E, IndexPastXsksMapRefusedAtRunAndAtRules)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();

	for (auto args : std::vector<std::vector<std::string>>{
		     { "-r", "udp -> index 200" },
		     { "-r", "udp -> index 4294967295" },
		     { "--default", "index 99999" } }) {
		args.insert(args.begin(), "run");
		args.insert(args.end(), { "--pin-dir", pin_dir(), "-d", "5", t.if_a });
		Result r = xskmap_sync(args);

		EXPECT_EQ(r.rc, 2) << r.err;
		EXPECT_TRUE(has(r.err, "is out of range: xsks_map has 1 slot (0-0), one per RX queue of " + t.if_a));
		EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
		EXPECT_EQ(fs.added(), "") << "pins left under " << fs.path();
	}

	Proc &ld = loader({ "-r", "udp dport 7000 -> queue", "--pin-dir", pin_dir(), "-d", "30" });
	ASSERT_TRUE(ready(ld));
	for (auto args : std::vector<std::vector<std::string>>{
		     { "add", "udp dport 53 -> index 200" },
		     { "add", "--at", "0", "tcp -> index 4294967295" },
		     { "default", "index", "99999" } }) {
		Result r = rules(args);

		EXPECT_EQ(r.rc, 2) << r.err;
		EXPECT_TRUE(has(r.err, "is out of range: xsks_map has 1 slot (0-0) in the run on " + t.if_a +
				       "; use an index 0-0"));
	}
	// Nothing changed; options after the interface and after the verb.
	Result lr = xskmap_sync({ "rules", t.if_a, "list", "--json", "--pin-dir", pin_dir() });
	ASSERT_EQ(lr.rc, 0) << lr.err;
	json::Value j;
	std::string err;
	ASSERT_TRUE(json::parse(lr.out, j, err)) << err << "\n" << lr.out;
	ASSERT_EQ(j["rules"].size(), 1u) << lr.out;
	EXPECT_EQ(j["rules"][0]["rule"].str, "udp dport 7000 -> queue");
	EXPECT_EQ(j["default"]["action"].str, "queue");

	// Slot 0 is fine, at either place.
	Result ok = xskmap_sync({ "rules", t.if_a, "--pin-dir", pin_dir(), "add", "udp dport 53 -> index 0" });
	EXPECT_EQ(ok.rc, 0) << ok.err;
	Result dflt = rules({ "default", "index", "0" });
	EXPECT_EQ(dflt.rc, 0) << dflt.err;
	EXPECT_TRUE(has(dflt.out, "default action is now index 0"));

	// The arrow typed unquoted reaches xskmap as a lone '-'.
	Result q = rules({ "add", "udp", "dport", "53", "-" });
	EXPECT_EQ(q.rc, 2);
	EXPECT_TRUE(has(q.err, "quote the whole rule"));

	ld.signal(SIGINT);
	EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_EQ(fs.added(), "");
}

/*
 * (i7-b) Back-to-back rule switches under traffic. One sender streams
 * numbered datagrams to port 7001 while the rule set flips between S1 and
 * S2 as fast as `xskmap rules` runs, each change writing the generation
 * the one before left:
 *
 *   S1: 0 tcp -> drop              1 udp dport 7001 -> pass
 *   S2: 0 src 198.18.0.2 -> queue  1 tcp -> drop       2 udp dport 7001 -> pass
 *
 * A frame classified by S1 goes to the kernel, by S2 to the sockets. A
 * mix of the two generations' tables either sends it where one whole set
 * does, by the same rule, or drops it: S1's masks with S2's actions pick
 * rank 1 of S2 (drop), S2's masks with S1's actions rank 0 of S1 (drop);
 * rules_tests' MixedGenerationsOfTheSwitchTestAreDetectable goes through
 * every mix of tables. No tcp is sent, so a single dropped frame (lost
 * here, rule_drop or not_matched there) is a mixed classification.
 */
TEST_F(E2E, BackToBackRuleSwitchesUnderTrafficNeverMixTwoSets)
{
	constexpr size_t MAX_N = 400000;
	constexpr unsigned FLIPS = 60;	/* 30 adds, 30 dels */
	constexpr uint16_t PORT = 7001;
	Topology &t = topology(1, true);
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	UdpSink sink(t.ns_a, PORT);
	ASSERT_TRUE(sink.ok()) << sink.error();
	std::vector<Bytes> frames = port_frames(t, 40, PORT, 0, MAX_N, 0xb2b);
	std::string pcap = scratch_file("b2b.pcap");

	Proc &ld = loader({ "-r", "tcp -> drop", "-r", "udp dport 7001 -> pass", "--default", "drop",
			    "--pin-dir", pin_dir(), "-d", "60", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(ld));

	SendSpec spec;
	spec.ns = t.ns_b;
	spec.ifname = t.if_b;
	spec.frames = &frames;
	spec.burst = 8;
	spec.pause_us = 200;
	spec.limit = milliseconds(40000);
	BackgroundSender sender(spec);
	ASSERT_TRUE(wait_progress(sender, 1000, milliseconds(5000))) << "the sender stalled";

	auto t0 = Clock::now();
	unsigned done = 0;
	for (; done < FLIPS; done++) {
		Result r = done % 2 == 0 ? rules({ "add", "--at", "0", "src 198.18.0.2 -> queue" })
					 : rules({ "del", "2" });	/* ids 0 and 1 are taken */
		ASSERT_EQ(r.rc, 0) << "flip " << done << ": " << r.err;
		ASSERT_LT(sender.progress(), MAX_N) << "traffic ran out after " << done << " flips";
	}
	double ms_per_change =
		std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / FLIPS;
	size_t at_end = sender.progress();
	ASSERT_TRUE(wait_progress(sender, at_end + 1000, milliseconds(5000)));
	sender.stop();
	SendResult s = sender.join();
	ASSERT_EQ(s.err, "");
	ASSERT_EQ(s.failed, 0u) << strerror(s.last_errno);
	const size_t n = s.sent;

	sink.settle(milliseconds(300), milliseconds(5000));
	ld.signal(SIGINT);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	std::vector<Bytes> kernel = sink.stop();
	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;

	std::vector<unsigned> at_kernel(n), at_xsk(n);
	size_t foreign = 0;
	for (auto &p : kernel) {
		uint32_t snd, seq;

		if (payload_tag(p, snd, seq) && snd == 40 && seq < n)
			at_kernel[seq]++;
		else
			foreign++;
	}
	for (auto &f : got) {
		uint32_t snd, seq;

		if (frame_tag(f, snd, seq) && snd == 40 && seq < n && f == frames[seq])
			at_xsk[seq]++;
		else
			foreign++;
	}
	EXPECT_EQ(foreign, 0u) << "frames that were not sent, or not as sent";
	size_t lost = 0, dup = 0, switches = 0;
	std::string first_bad;
	char last = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = at_kernel[i] + at_xsk[i];

		lost += c == 0;
		dup += c > 1;
		if (c != 1 && first_bad.empty())
			first_bad = "seq " + std::to_string(i) + ": kernel " + std::to_string(at_kernel[i]) +
				    ", sockets " + std::to_string(at_xsk[i]);
		char d = at_xsk[i] ? 'X' : 'K';
		switches += last && d != last;
		last = d;
	}
	EXPECT_EQ(lost, 0u) << "a frame classified by a mix of two rule sets is dropped: " << first_bad;
	EXPECT_EQ(dup, 0u) << first_bad;
	/* One sender, one RX queue, in order: the destination changes only at a flip. */
	EXPECT_LE(switches, (size_t)FLIPS);
	EXPECT_GT(switches, 0u) << "no flip took effect under traffic";

	json::Value j = parse_summary(ld.out());
	EXPECT_EQ(j["bpf"]["rule_drop"]["packets"].u64(), 0u) << ld.out();
	EXPECT_EQ(j["bpf"]["not_matched"]["packets"].u64(), 0u) << ld.out();
	EXPECT_EQ(j["bpf"]["malformed"]["packets"].u64(), 0u) << ld.out();
	size_t to_xsk = std::count(at_xsk.begin(), at_xsk.end(), 1u);
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), to_xsk);
	EXPECT_EQ(j["bpf"]["rule_pass"]["packets"].u64(), n - to_xsk);
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	EXPECT_EQ(fs.added(), "") << "pins left under " << fs.path();
	printf("  (i7-b) %u rule changes back to back, %.1f ms each (process start, maps, grace period); "
	       "%zu frames: kernel %zu, sockets %zu, %zu switches; lost %zu, duplicated %zu\n",
	       FLIPS, ms_per_change, n, n - to_xsk, to_xsk, switches, lost, dup);
}

/*
 * (i7-c) cls_apply() waits for a grace period after each switch, before any
 * later change can rewrite the generation it left: the wait sees the new
 * generation active and the old one still whole, once per change.
 */
TEST_F(E2E, ClsApplyWaitsForReadersAfterEachSwitch)
{
	struct prog p = {};
	struct prog_cfg cfg = {};
	char err[512];

	cfg.fallback = 2;	/* XDP_PASS */
	cfg.map_entries = 4;
	ASSERT_EQ(prog_load(&p, &cfg, err, sizeof(err)), 0) << err;
	static struct cls_fds f;
	cls_fds_from_skel(p.skel, &f);

	static std::vector<std::pair<__u32, __u32>> seen;	/* active, nr_rules of the other */
	seen.clear();
	int (*saved)(void) = cls_wait_readers;
	cls_wait_readers = [] {
		__u32 zero = 0, active = 9, other;
		struct xsk_cls_hdr h = {};

		bpf_map_lookup_elem(f.cls_active, &zero, &active);
		other = !(active & 1);
		bpf_map_lookup_elem(f.cls_hdr, &other, &h);
		seen.push_back({ active, h.nr_rules });
		return 0;
	};
	struct xsk_ruleset rs;
	struct xsk_rule r;
	__u32 id;
	ruleset_init(&rs, XSK_ACT_PASS, 0);
	for (unsigned i = 0; i < 4; i++) {
		ASSERT_EQ(rule_parse("udp -> drop", &r, err, sizeof(err)), 0) << err;
		ASSERT_EQ(ruleset_add(&rs, &r, -1, &id, err, sizeof(err)), 0) << err;
		ASSERT_EQ(cls_apply(&f, &rs, err, sizeof(err)), 0) << err;
	}
	cls_wait_readers = saved;
	ASSERT_EQ(seen.size(), 4u) << "one wait per change";
	for (unsigned i = 0; i < 4; i++) {
		/* Change i switched to generation (i + 1) % 2, holding i + 1 rules. */
		EXPECT_EQ(seen[i].first, (i + 1) % 2) << "change " << i << ": the wait came before the switch";
		/* The generation left holds the previous set (i rules), not yet rewritten. */
		EXPECT_EQ(seen[i].second, i) << "change " << i;
	}
	/* The real wait: membarrier(GLOBAL), or the fallback sleep. */
	auto t0 = Clock::now();
	EXPECT_EQ(cls_wait_grace_period(), 0);
	printf("  (i7-c) one grace period: %.1f ms\n",
	       std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
	prog_destroy(&p);
}

/*
 * (i7-d) A UMEM far past the memory available (256 queues x 1048576
 * frames x 4096 bytes: 1 TiB) is refused before anything is allocated or
 * attached, with the figures and the fix, instead of the OOM killer ending
 * the run with the program and pins left behind.
 */
TEST_F(E2E, OversizedUmemRefusedBeforeAnythingIsAttached)
{
	Topology &t = topology(256);
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	Result r = xskmap_sync({ "run", "--frames", "1048576", "--pin-dir", pin_dir(), "-d", "5",
				 "-w", scratch_file("oom.pcap"), t.if_a });

	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "xskmap: error: the UMEM needs "));
	EXPECT_TRUE(has(r.err, "(256 queues x 1048576 frames x 4096 bytes, and the rings) but "));
	EXPECT_TRUE(has(r.err, " is available ("));
	EXPECT_TRUE(has(r.err, "the UMEM needs 1026.0 GiB (")) << "256 x (4 GiB + 8 MiB of fill ring + ...)";
	EXPECT_TRUE(has(r.err, "lower --frames"));
	EXPECT_FALSE(has(r.err, "attached")) << r.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	EXPECT_EQ(fs.added(), "") << "pins left under " << fs.path();
	EXPECT_NE(access(scratch_file("oom.pcap").c_str(), F_OK), 0) << "the capture file was made";
}

/*
 * (i7-e) An MTU whose frames do not fit a UMEM frame: the warning at start
 * says which frames will be dropped and how to fix it, and such a frame is
 * indeed counted as rx_dropped and nowhere else.
 */
TEST_F(E2E, MtuPastTheFrameSizeIsWarnedAndItsFramesAreRxDropped)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", t.if_a, "mtu", "4000" }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_b, "link", "set", t.if_b, "mtu", "4000" }).rc, 0);

	/* Off: the default turns multi-buffer on where the kernel has it (test_e2e_mbuf.cc). */
	Proc &ld = loader({ "-m", "skb", "-d", "10", "-c", "2", "--json", "--multi-buffer", "off" });
	ASSERT_TRUE(ready(ld));
	std::string e = ld.err();
	EXPECT_TRUE(has(e, "xskmap: warning: " + t.if_a + " has MTU 4000, so frames of up to 4018 bytes can arrive, "
			   "but a 4096-byte UMEM frame holds 3840"));
	EXPECT_TRUE(has(e, "lower the MTU to 3822"));
	/* One frame too long for a UMEM frame, then two that fit. */
	uint32_t rng = 7;
	std::vector<Bytes> f = { udp_frame(t, 50, 0, 3900, rng), udp_frame(t, 50, 1, 200, rng),
				 udp_frame(t, 50, 2, 3840, rng) };
	SendResult s = send(f);
	EXPECT_EQ(s.sent, f.size()) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	json::Value j = parse_summary(ld.out());
	EXPECT_EQ(j["rx_packets"].u64(), 2u) << ld.out();
	EXPECT_EQ(j["queues"][0]["xdp_statistics"]["rx_dropped"].u64(), 1u) << ld.out();

	/* MTU 1500 with 2048-byte frames fits: no warning. */
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", t.if_a, "mtu", "1500" }).rc, 0);
	Proc &ok = loader({ "-m", "skb", "--frame-size", "2048", "-d", "0.2" });
	ASSERT_EQ(ok.wait_exit(EXIT_TIMEOUT), 0) << ok.err();
	EXPECT_FALSE(has(ok.err(), "warning")) << ok.err();
}

/* (i7-f) --version: at the top and after every command, one line, the same. */
TEST_F(E2E, VersionAtTheTopAndForEveryCommand)
{
	const std::string want = std::string("xskmap ") + XSKMAP_VERSION + " (libbpf v";

	for (auto args : std::vector<std::vector<std::string>>{
		     { "--version" }, { "version" }, { "run", "--version" },
		     { "run", "-q", "0", "--version", "eth0" }, { "rules", "--version" },
		     { "rules", "eth0", "list", "--version" }, { "detach", "--version" } }) {
		std::vector<std::string> argv = { XSKMAP_BIN };
		std::string line;

		argv.insert(argv.end(), args.begin(), args.end());
		for (auto &a : args)
			line += a + " ";
		Result r = run(argv);
		EXPECT_EQ(r.rc, 0) << line << r.err;
		EXPECT_EQ(r.out.rfind(want, 0), 0u) << line << ": " << r.out;
		EXPECT_TRUE(has(r.out, ", libxdp " XSKMAP_LIBXDP_VERSION ")\n")) << line;
		EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << line << ": " << r.out;
		EXPECT_EQ(r.err, "") << line;
	}
}

// ---------------------------------------------------------------------------
// Capture files, and every redirected frame accounted for at the stop.

#ifndef XDPGEN_BIN
#error "XDPGEN_BIN must name the frame generator (set in tests/CMakeLists.txt)"
#endif

/*
 * xskmap with stdout on a pipe whose read end the test holds and never
 * reads (`-w - | sleep 100`); stderr in a file. Killed when it goes.
 */
class PipedXskmap {
public:
	PipedXskmap(const std::string &ns, const std::vector<std::string> &args)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", ns, XSKMAP_BIN };
		std::vector<char *> cargv;
		int fds[2], in, err;

		argv.insert(argv.end(), args.begin(), args.end());
		for (auto &a : argv)
			cargv.push_back(const_cast<char *>(a.c_str()));
		cargv.push_back(nullptr);
		err_path_ = scratch_file("piped.err");
		if (pipe2(fds, O_CLOEXEC))
			return;
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		pid_ = fork();
		if (pid_ == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (int s : { SIGINT, SIGTERM, SIGHUP, SIGPIPE })
				::signal(s, SIG_DFL);
			dup2(in, 0);
			dup2(fds[1], 1);
			dup2(err, 2);
			execv(cargv[0], cargv.data());
			_exit(127);
		}
		close(in);
		close(err);
		close(fds[1]);
		rfd_ = fds[0];
		if (pid_ > 0)
			reg::add_pid(pid_);
	}
	~PipedXskmap()
	{
		if (pid_ > 0) {
			kill(pid_, SIGKILL);
			wait_exit(milliseconds(5000));
		}
		if (rfd_ >= 0)
			close(rfd_);
	}
	PipedXskmap(const PipedXskmap &) = delete;
	PipedXskmap &operator=(const PipedXskmap &) = delete;

	bool started() const { return pid_ > 0 && rfd_ >= 0; }
	void signal(int sig) { kill(pid_, sig); }
	std::string err() const { return read_file(err_path_); }
	bool wait_stderr(const std::string &needle, milliseconds limit)
	{
		auto deadline = Clock::now() + limit;

		while (err().find(needle) == std::string::npos) {
			if (Clock::now() >= deadline || (pid_ <= 0 && rc_ >= 0))
				return false;
			std::this_thread::sleep_for(milliseconds(5));
		}
		return true;
	}
	int wait_exit(milliseconds limit)
	{
		auto deadline = Clock::now() + limit;

		while (pid_ > 0) {
			int st;
			pid_t r = waitpid(pid_, &st, WNOHANG);

			if (r == pid_) {
				reg::del_pid(pid_);
				pid_ = -1;
				rc_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				break;
			}
			if (Clock::now() >= deadline)
				return -1;
			std::this_thread::sleep_for(milliseconds(2));
		}
		return rc_;
	}

private:
	pid_t pid_ = -1;
	int rfd_ = -1, rc_ = -1;
	std::string err_path_;
};

const std::string &tcpdump_bin()
{
	static std::string path = [] {
		for (const char *p : { "/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/sbin/tcpdump" })
			if (!access(p, X_OK))
				return std::string(p);
		return std::string("tcpdump");
	}();
	return path;
}

size_t count_lines(const std::string &s)
{
	return std::count(s.begin(), s.end(), '\n');
}

std::vector<Bytes> first(const std::vector<Bytes> &v, size_t n)
{
	return std::vector<Bytes>(v.begin(), v.begin() + std::min(n, v.size()));
}

/* A pcap read by hand: the magic as written and each record's time in ns. */
struct RawPcap {
	uint32_t magic = 0, linktype = 0;
	std::vector<uint64_t> ts_ns;
	std::vector<Bytes> frames;
};

bool read_raw_pcap(const std::string &path, RawPcap &p, std::string &err)
{
	std::string s = read_file(path);
	size_t off = 24;
	uint32_t w[6];

	if (s.size() < 24) {
		err = path + ": " + std::to_string(s.size()) + " bytes, no pcap header";
		return false;
	}
	memcpy(&p.magic, s.data(), 4);
	memcpy(&p.linktype, s.data() + 20, 4);
	while (off < s.size()) {
		if (s.size() - off < 16) {
			err = "partial record header at byte " + std::to_string(off);
			return false;
		}
		memcpy(w, s.data() + off, 16);
		if (w[1] >= 1000000000u || w[2] != w[3] || s.size() - off - 16 < w[2]) {
			err = "bad record " + std::to_string(p.frames.size()) + " at byte " + std::to_string(off);
			return false;
		}
		p.ts_ns.push_back((uint64_t)w[0] * 1000000000ULL + w[1]);
		p.frames.emplace_back(s.begin() + off + 16, s.begin() + off + 16 + w[2]);
		off += 16 + w[2];
	}
	return true;
}

uint64_t wall_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Every frame the program redirected is in the summary, exactly:
 * redirected == sum over the queues of rx_packets + rx_past_count +
 * xdp_statistics.rx_dropped + rx_ring_full. *fig gets the terms.
 */
::testing::AssertionResult accounted(const json::Value &j, std::string *fig)
{
	uint64_t redirected = j["bpf"]["redirected"]["packets"].u64(), rx = 0, past = 0, dropped = 0,
		 full = 0;

	if (redirected == UINT64_MAX || !j["queues"].size())
		return ::testing::AssertionFailure() << "no summary";
	for (size_t i = 0; i < j["queues"].size(); i++) {
		const json::Value &q = j["queues"][i];

		rx += q["rx_packets"].u64();
		past += q["rx_past_count"].u64();
		dropped += q["xdp_statistics"]["rx_dropped"].u64();
		full += q["xdp_statistics"]["rx_ring_full"].u64();
	}
	*fig = "redirected " + std::to_string(redirected) + " = rx_packets " + std::to_string(rx) +
	       " + rx_past_count " + std::to_string(past) + " + rx_dropped " +
	       std::to_string(dropped) + " + rx_ring_full " + std::to_string(full) +
	       " (no_socket " + std::to_string(j["bpf"]["no_socket"]["packets"].u64()) + ")";
	if (redirected == rx + past + dropped + full)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << "not accounted: " << *fig << ", off by "
					     << (int64_t)(redirected - rx - past - dropped - full);
}

/* The capture's own sum: every kept frame written or counted as not written. */
::testing::AssertionResult capture_adds_up(const json::Value &j)
{
	const json::Value &c = j["capture"], &nw = c["not_written"];
	uint64_t w = c["frames_written"].u64(), n = c["frames_not_written"].u64();

	if (w == UINT64_MAX || n == UINT64_MAX)
		return ::testing::AssertionFailure() << "no capture object in the summary";
	if (n != nw["writer_behind"].u64() + nw["at_stop"].u64() + nw["after_error"].u64())
		return ::testing::AssertionFailure() << "frames_not_written " << n << " is not the sum of its reasons";
	if (w + n != j["rx_packets"].u64())
		return ::testing::AssertionFailure() << "written " << w << " + not written " << n
						     << " != rx_packets " << j["rx_packets"].u64();
	return ::testing::AssertionSuccess();
}

/* A 1 MiB file system fills: exit 1 naming the file and the error; the file is whole. */
TEST_F(E2E, CaptureOnFullFileSystemFailsNamingFileAndErrorAndKeepsFileReadable)
{
	constexpr size_t N = 3000;	/* of 1000 bytes: three times what the file system holds */
	TmpFs fs("1m");
	ASSERT_TRUE(fs.ok()) << fs.error();
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames;
	uint32_t rng = 0x7a7a;
	for (size_t i = 0; i < N; i++)
		frames.push_back(udp_frame(t, 7, i, 1000, rng));
	std::string pcap = fs.path() + "/full.pcap";

	Proc &ld = loader({ "-d", "20", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(ld));
	SendSpec spec;
	spec.ns = t.ns_b;
	spec.ifname = t.if_b;
	spec.frames = &frames;
	spec.limit = milliseconds(15000);
	BackgroundSender sender(spec);
	int rc = ld.wait_exit(EXIT_TIMEOUT);
	sender.stop();
	sender.join();

	EXPECT_EQ(rc, 1) << "a capture that lost its file must not succeed:\n" << ld.err();
	EXPECT_TRUE(has(ld.err(), "writing the capture to '" + pcap +
				  "' failed: No space left on device"));
	json::Value j = parse_summary(ld.out());
	const json::Value &c = j["capture"];
	uint64_t written = c["frames_written"].u64();
	EXPECT_EQ(c["file"].str, pcap);
	EXPECT_EQ(c["error"].str, "No space left on device") << ld.out();
	EXPECT_GT(written, 0u) << ld.out();
	EXPECT_GT(c["frames_not_written"].u64(), 0u) << ld.out();
	EXPECT_TRUE(capture_adds_up(j)) << ld.out();
	std::string fig;
	EXPECT_TRUE(accounted(j, &fig)) << ld.out();

	/* What the summary says was written is in the file, whole, and nothing else. */
	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	EXPECT_EQ(got.size(), written);
	EXPECT_TRUE(same_frames(first(frames, got.size()), got));
	Result td = run({ tcpdump_bin(), "-n", "-r", pcap });
	EXPECT_EQ(td.rc, 0) << td.err;
	EXPECT_EQ(count_lines(td.out), written) << td.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	printf("  (capture) 1 MiB tmpfs: %llu frames written, %llu not written, exit %d; tcpdump read %zu\n",
	       (unsigned long long)written, (unsigned long long)c["frames_not_written"].u64(), rc,
	       count_lines(td.out));
}

/* A FIFO whose reader never reads: receiving and the stop never wait for it. */
TEST_F(E2E, CaptureToStalledFifoStopsPromptlyAndCountsWhatWasNotWritten)
{
	constexpr size_t N = 30000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames;
	uint32_t rng = 0x5151;
	for (size_t i = 0; i < N; i++)
		frames.push_back(udp_frame(t, 8, i, 1000, rng));
	std::string fifo = scratch_file("stalled.fifo");
	ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << strerror(errno);
	/* The reader: open, never read. */
	int rfd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(rfd, 0) << strerror(errno);

	Proc &ld = loader({ "-d", "30", "-w", fifo, "--json" });
	EXPECT_TRUE(ready(ld));
	SendSpec spec;
	spec.ns = t.ns_b;
	spec.ifname = t.if_b;
	spec.frames = &frames;
	spec.limit = milliseconds(20000);
	BackgroundSender sender(spec);
	/* 8 MB sent: far more than the pipe (64 KiB) and the ring (4 MiB) hold. */
	auto deadline = Clock::now() + milliseconds(10000);
	while (sender.progress() < 8000 && Clock::now() < deadline)
		std::this_thread::sleep_for(milliseconds(5));
	EXPECT_GE(sender.progress(), 8000u) << "the sender stalled";

	auto t0 = Clock::now();
	size_t at_signal = sender.progress();
	ld.signal(SIGINT);
	int rc = ld.wait_exit(milliseconds(5000));
	auto stop_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
	bool flowing = sender.progress() > at_signal;
	sender.stop();
	sender.join();
	close(rfd);

	ASSERT_EQ(rc, 0) << "SIGINT did not stop a run whose reader stalled:\n" << ld.err();
	EXPECT_LT(stop_ms, 2000) << "the stop waited for the reader";
	EXPECT_TRUE(flowing) << "traffic was over before SIGINT";
	json::Value j = parse_summary(ld.out());
	const json::Value &c = j["capture"];
	EXPECT_TRUE(capture_adds_up(j)) << ld.out();
	EXPECT_GT(c["not_written"]["writer_behind"].u64(), 0u) << ld.out();
	EXPECT_GT(j["rx_packets"].u64(), c["frames_written"].u64()) << ld.out();
	std::string fig;
	EXPECT_TRUE(accounted(j, &fig)) << ld.out();
	printf("  (capture) stalled FIFO: stop took %lld ms; rx %llu, written %llu, not written %llu (behind %llu, at stop %llu)\n",
	       (long long)stop_ms, (unsigned long long)j["rx_packets"].u64(),
	       (unsigned long long)c["frames_written"].u64(),
	       (unsigned long long)c["frames_not_written"].u64(),
	       (unsigned long long)c["not_written"]["writer_behind"].u64(),
	       (unsigned long long)c["not_written"]["at_stop"].u64());
}

/* `-w - | sleep 100`: stdout a pipe nobody reads; SIGTERM and --duration still stop it. */
TEST_F(E2E, CaptureToStdoutPipeNobodyReadsStopsOnSignalAndDuration)
{
	constexpr size_t N = 30000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames;
	uint32_t rng = 0x6262;
	for (size_t i = 0; i < N; i++)
		frames.push_back(udp_frame(t, 9, i, 1000, rng));

	for (bool by_signal : { true, false }) {
		SCOPED_TRACE(by_signal ? "SIGTERM" : "--duration 1");
		std::vector<std::string> args = { "run", "-w", "-", "-d", by_signal ? "30" : "1", t.if_a };
		PipedXskmap ld(t.ns_a, args);
		ASSERT_TRUE(ld.started());
		ASSERT_TRUE(ld.wait_stderr("receiving on", READY_TIMEOUT)) << ld.err();
		SendSpec spec;
		spec.ns = t.ns_b;
		spec.ifname = t.if_b;
		spec.frames = &frames;
		spec.limit = milliseconds(20000);
		BackgroundSender sender(spec);
		auto deadline = Clock::now() + milliseconds(5000);
		while (sender.progress() < 5000 && Clock::now() < deadline)
			std::this_thread::sleep_for(milliseconds(5));
		auto t0 = Clock::now();
		if (by_signal)
			ld.signal(SIGTERM);
		int rc = ld.wait_exit(milliseconds(5000));
		auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
		sender.stop();
		sender.join();

		ASSERT_EQ(rc, 0) << ld.err();
		if (by_signal) {
			EXPECT_LT(ms, 2000) << "the stop waited for the reader";
		}
		/* The text summary (stderr) says what could not be written. */
		EXPECT_TRUE(has(ld.err(), "capture stdout: ")) << ld.err();
		EXPECT_TRUE(has(ld.err(), " not written (writer behind ")) << ld.err();
		printf("  (capture) -w - into a pipe nobody reads, %s: exit %d after %lld ms\n",
		       by_signal ? "SIGTERM" : "--duration 1", rc, (long long)ms);
	}
}

/* -w: no symlink, no other user's file; created 0600 whatever the umask. */
TEST_F(E2E, CaptureFileRefusesLinksAndOthersFilesAndIsPrivate)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	auto put = [](const std::string &path, const std::string &text) {
		FILE *f = fopen(path.c_str(), "w");

		ASSERT_TRUE(f) << path;
		fputs(text.c_str(), f);
		fclose(f);
	};

	/* A link planted where the capture goes, pointing at a file worth keeping. */
	std::string target = scratch_file("precious"), link = scratch_file("planted.pcap");
	put(target, "precious\n");
	ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0) << strerror(errno);
	Result r = xskmap_sync({ "run", "-c", "1", "-d", "5", "-w", link, t.if_a });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "'" + link + "': it is a symbolic link"));
	EXPECT_EQ(count_lines(r.err), 1u) << r.err;
	EXPECT_EQ(read_file(target), "precious\n") << "the link's target was written";
	EXPECT_FALSE(t.xdp_on_a()) << "attached although the file was refused:\n" << t.link_a();

	/* A file of another user (nobody): theirs stays theirs, unread and unchanged. */
	std::string foreign = scratch_file("foreign.pcap");
	put(foreign, "theirs\n");
	ASSERT_EQ(chown(foreign.c_str(), 65534, 65534), 0) << strerror(errno);
	r = xskmap_sync({ "run", "-c", "1", "-d", "5", "-w", foreign, t.if_a });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "it belongs to uid 65534, not to you"));
	EXPECT_EQ(read_file(foreign), "theirs\n");
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();

	/* Same for a FIFO another user reads. */
	std::string ffifo = scratch_file("foreign.fifo");
	ASSERT_EQ(mkfifo(ffifo.c_str(), 0666), 0);
	ASSERT_EQ(chown(ffifo.c_str(), 65534, 65534), 0);
	int rfd = open(ffifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	r = xskmap_sync({ "run", "-c", "1", "-d", "5", "-w", ffifo, t.if_a });
	close(rfd);
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "it belongs to uid 65534"));

	/* --json and -w - would share stdout. */
	r = xskmap_sync({ "run", "--json", "-w", "-", t.if_a });
	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_TRUE(has(r.err, "--json and -w - both write to stdout"));

	/* New file under umask 000, then our own old 0644 file: both end up 0600, truncated. */
	std::string fresh = scratch_file("fresh.pcap"), mine = scratch_file("mine.pcap");
	put(mine, std::string(5000, 'x'));
	ASSERT_EQ(chmod(mine.c_str(), 0644), 0);
	for (const std::string &path : { fresh, mine }) {
		SCOPED_TRACE(path);
		std::vector<Bytes> one = udp_frames(t, 5, 1, 0x99);
		Proc &ld = spawn({ ip_bin(), "netns", "exec", t.ns_a, "/bin/sh", "-c",
				   "umask 000 && exec \"$0\" \"$@\"" },
				 { "run", "-c", "1", "-d", "10", "-w", path, "--json", t.if_a });
		ASSERT_TRUE(ready(ld));
		ASSERT_EQ(send(one).sent, 1u);
		ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
		struct stat st;
		ASSERT_EQ(stat(path.c_str(), &st), 0);
		EXPECT_EQ(st.st_mode & 07777, 0600u);
		EXPECT_TRUE(pcap_holds(path, one));
	}
}

/* Each frame its own time: distinct, in order, within the run; ns pcap that tcpdump reads. */
TEST_F(E2E, CaptureTimestampsArePerFrameNanosecondAndWithinTheRun)
{
	constexpr size_t N = 3000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames;
	uint32_t rng = 0x3131;
	for (size_t i = 0; i < N; i++)
		frames.push_back(udp_frame(t, 6, i, 100, rng));

	for (const char *mode : { "native", "skb" }) {
		SCOPED_TRACE(mode);
		std::string pcap = scratch_file(std::string("ts-") + mode + ".pcap");
		uint64_t before = wall_ns();
		Proc &ld = capture(N, pcap, { "--mode", mode });
		ASSERT_TRUE(ready(ld));
		SendSpec spec;
		spec.ns = t.ns_b;
		spec.ifname = t.if_b;
		spec.frames = &frames;
		spec.burst = 64;	/* bursts: several frames per RX batch */
		ASSERT_EQ(send_frames(spec).sent, N);
		ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
		uint64_t after = wall_ns();

		RawPcap p;
		std::string err;
		ASSERT_TRUE(read_raw_pcap(pcap, p, err)) << err;
		EXPECT_EQ(p.magic, 0xa1b23c4du) << "not a nanosecond pcap";
		EXPECT_EQ(p.linktype, 1u);
		ASSERT_TRUE(same_frames(frames, p.frames));
		size_t not_after = 0, outside = 0;
		for (size_t i = 0; i < p.ts_ns.size(); i++) {
			not_after += i && p.ts_ns[i] <= p.ts_ns[i - 1];
			outside += p.ts_ns[i] < before || p.ts_ns[i] > after;
		}
		EXPECT_EQ(not_after, 0u) << "frames whose time is not after the previous one's";
		EXPECT_EQ(outside, 0u) << "frames stamped outside the run";
		uint64_t span = p.ts_ns.back() - p.ts_ns.front();
		/* tcpdump reads it, at nanosecond precision. */
		Result td = run({ tcpdump_bin(), "-n", "--time-stamp-precision=nano", "-tt", "-r", pcap });
		EXPECT_EQ(td.rc, 0) << td.err;
		EXPECT_EQ(count_lines(td.out), N);
		printf("  (capture) %s: %zu frames over %.3f ms, all distinct and increasing; tcpdump read %zu\n",
		       mode, p.ts_ns.size(), span / 1e6, count_lines(td.out));
	}
}

/*
 * Overload from a kernel-speed generator (xdpgen: BPF_PROG_TEST_RUN live
 * frames, far faster than a socket drains) into small rings, so frames
 * are lost in rx_ring_full / rx_dropped; the stop comes while it floods.
 * At every kind of stop, every frame the program redirected is counted.
 */
TEST_F(E2E, EveryRedirectedFrameIsAccountedAtEveryStopUnderOverload)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	struct Case {
		const char *name;
		std::vector<std::string> opts;
		bool sigint;
	};
	const std::vector<std::string> small = { "--frames", "256", "--ring-size", "64", "--batch", "64" };
	std::vector<Case> cases = {
		{ "SIGINT", { "-d", "30" }, true },
		{ "SIGINT, capturing", { "-d", "30", "-w", "/dev/null" }, true },
		{ "--count", { "-c", "20000", "-d", "30" }, false },
		{ "--duration", { "-d", "1" }, false },
	};
	for (auto &c : cases) {
		SCOPED_TRACE(c.name);
		std::vector<std::string> opts = c.opts;
		opts.insert(opts.end(), small.begin(), small.end());
		opts.push_back("--json");
		Proc &ld = loader(opts);
		ASSERT_TRUE(ready(ld));
		procs_.push_back(std::make_unique<Proc>());
		Proc &gen = *procs_.back();
		/*
		 * Flooding until killed below, whatever the stop: under
		 * emulation (tests/vm) 5 s of it gave --count fewer than
		 * its 20000 frames, and the run waited for its -d 30.
		 */
		ASSERT_TRUE(gen.start({ XDPGEN_BIN, "--netns", t.ns_b, "--seconds", "20", "--src-mac",
					Topology::mac_str(t.mac_b), "--dst-mac",
					Topology::mac_str(t.mac_a), t.if_b },
				      "xdpgen"));
		auto t0 = Clock::now();
		if (c.sigint) {
			std::this_thread::sleep_for(milliseconds(1000));
			t0 = Clock::now();
			ld.signal(SIGINT);
		}
		int rc = ld.wait_exit(EXIT_TIMEOUT);
		auto stop_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
		bool flooding = gen.wait_exit(milliseconds(0)) < 0;
		gen.kill_wait();
		ASSERT_EQ(rc, 0) << ld.err();
		EXPECT_TRUE(flooding) << "the generator was done before the stop:\n" << gen.out() << gen.err();

		json::Value j = parse_summary(ld.out());
		std::string fig;
		EXPECT_TRUE(accounted(j, &fig)) << ld.out();
		EXPECT_GT(j["bpf"]["redirected"]["packets"].u64(), 0u) << ld.out() << gen.err();
		const json::Value &x = j["queues"][0]["xdp_statistics"];
		EXPECT_GT(x["rx_ring_full"].u64() + x["rx_dropped"].u64(), 0u)
			<< "no overload: nothing was lost, so the stop was not tested under it\n" << ld.out();
		if (c.opts[0] == "-c") {
			EXPECT_EQ(j["rx_packets"].u64(), 20000u) << ld.out();
		}
		if (j.has("capture")) {
			EXPECT_TRUE(capture_adds_up(j)) << ld.out();
		}
		if (c.sigint)
			printf("  (accounting) %s: stop took %lld ms; %s\n", c.name, (long long)stop_ms, fig.c_str());
		else
			printf("  (accounting) %s: %s\n", c.name, fig.c_str());
	}
}

/*
 * skb (generic) mode, the same sum at SIGINT while an AF_PACKET sender
 * floods; xskmap shares the sender's CPU, so its rings may fill.
 */
TEST_F(E2E, EveryRedirectedFrameIsAccountedAtSigintInSkbMode)
{
	constexpr size_t N = 200000;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	cpu_set_t allowed;
	int cpu = 0;
	ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &allowed))
		cpu++;
	/* One 64-byte frame, sent N times: the sender needs no fresh bytes. */
	uint32_t rng = 0x4242;
	std::vector<Bytes> frames(N, udp_frame(t, 3, 0, 64, rng));

	Proc &ld = spawn({ ip_bin(), "netns", "exec", t.ns_a, "taskset", "-c", std::to_string(cpu) },
			 { "run", "--mode", "skb", "-d", "30", "--frames", "64", "--ring-size", "64",
			   "--batch", "64", "--json", t.if_a });
	ASSERT_TRUE(ready(ld));
	SendSpec spec;
	spec.ns = t.ns_b;
	spec.ifname = t.if_b;
	spec.frames = &frames;
	spec.cpu = cpu;
	spec.burst = 256;
	spec.pause_us = 0;
	spec.limit = milliseconds(10000);
	BackgroundSender sender(spec);
	auto deadline = Clock::now() + milliseconds(5000);
	while (sender.progress() < 20000 && Clock::now() < deadline)
		std::this_thread::sleep_for(milliseconds(5));
	size_t at_signal = sender.progress();
	ld.signal(SIGINT);
	int rc = ld.wait_exit(EXIT_TIMEOUT);
	bool flowing = sender.progress() > at_signal;
	sender.stop();
	sender.join();
	ASSERT_EQ(rc, 0) << ld.err();
	EXPECT_TRUE(flowing) << "traffic was over before the stop";
	json::Value j = parse_summary(ld.out());
	std::string fig;
	EXPECT_TRUE(accounted(j, &fig)) << ld.out();
	EXPECT_GT(j["bpf"]["redirected"]["packets"].u64(), 0u) << ld.out();
	printf("  (accounting) skb mode, SIGINT, %zu sent by then: %s\n", at_signal, fig.c_str());
}

/*
 * --fixed-index on a two-queue device: the socket in the slot is queue 0's,
 * and AF_XDP would drop a frame of queue 1 after XDP_REDIRECT, counted
 * nowhere. The program passes such frames to the kernel as no_socket
 * instead: the sum stays exact and the kernel gets them.
 */
TEST_F(E2E, FixedIndexFramesOfAnotherQueueGoToTheKernelCountedNoSocket)
{
	constexpr size_t PER_SENDER = 500;
	cpu_set_t allowed;
	std::vector<int> cpus;

	ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; c++)
		if (CPU_ISSET(c, &allowed))
			cpus.push_back(c);
	ASSERT_GE(cpus.size(), 2u) << "needs two CPUs to reach two RX queues";
	Topology &t = topology(2, true);
	ASSERT_TOPOLOGY(t);
	/* The kernel's own socket: where the frames of queue 1 must arrive. */
	UdpSink sink(t.ns_a, UDP_PORT);
	ASSERT_TRUE(sink.ok()) << sink.error();
	std::vector<Bytes> f0 = udp_frames(t, 20, PER_SENDER, 0xabc), f1 = udp_frames(t, 21, PER_SENDER, 0xdef);
	std::string pcap = scratch_file("fixed.pcap");

	Proc &ld = loader({ "--fixed-index", "0", "-q", "0", "-d", "20", "-w", pcap, "--json" });
	ASSERT_TRUE(ready(ld));
	SendSpec s0, s1;
	s0.ns = s1.ns = t.ns_b;
	s0.ifname = s1.ifname = t.if_b;
	s0.frames = &f0;
	s1.frames = &f1;
	s0.cpu = cpus[0];
	s1.cpu = cpus[1];
	ASSERT_EQ(send_frames(s0).sent, PER_SENDER);
	ASSERT_EQ(send_frames(s1).sent, PER_SENDER);
	std::this_thread::sleep_for(milliseconds(200));
	ld.signal(SIGINT);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();

	json::Value j = parse_summary(ld.out());
	std::string fig;
	EXPECT_TRUE(accounted(j, &fig)) << ld.out();
	uint64_t redirected = j["bpf"]["redirected"]["packets"].u64();
	uint64_t no_socket = j["bpf"]["no_socket"]["packets"].u64();
	/* Which sender reached which queue is the kernel's choice: the sums are not. */
	EXPECT_EQ(redirected + no_socket, 2 * PER_SENDER) << ld.out();
	EXPECT_GT(no_socket, 0u) << "both senders reached queue 0:\n" << ld.out();
	EXPECT_EQ(j["rx_packets"].u64(), redirected) << ld.out();
	EXPECT_EQ(sink.settle(milliseconds(300), milliseconds(3000)), no_socket)
		<< "the frames given the fallback verdict did not all reach the kernel's socket";
	printf("  (accounting) --fixed-index 0 on 2 queues: %s; the kernel's UDP socket got %zu\n",
	       fig.c_str(), sink.count());
}

/*
 * ==== Who owns an interface (issue 7, section 4 and faults of section 5) ====
 * A run attaches through a BPF link and holds a flock()ed record under
 * /run/xskmap for its life; these tests check what that guarantees.
 */
#ifndef XSK_REDIRECT_OBJ
#error "XSK_REDIRECT_OBJ must name xsk_redirect.bpf.o (set in tests/CMakeLists.txt)"
#endif

/* The id in the loader's "attached ... (BPF link N)" line; 0 if none. */
unsigned link_id_of(const std::string &err)
{
	size_t p = err.find("(BPF link ");

	return p == std::string::npos ? 0 : strtoul(err.c_str() + p + 10, nullptr, 10);
}

size_t error_lines(const std::string &err)
{
	size_t n = 0;

	for (size_t p = err.find("xskmap: error: "); p != std::string::npos;
	     p = err.find("xskmap: error: ", p + 1))
		n++;
	return n;
}

bool exists(const std::string &path)
{
	struct stat st;

	return !lstat(path.c_str(), &st);
}

/* A map pinned at path by bpftool: somebody else's pin with one of xskmap's names. */
::testing::AssertionResult plant_map(const std::string &path, const std::string &name)
{
	Result r = run({ "/usr/sbin/bpftool", "map", "create", path, "type", "array", "key", "4",
			 "value", "4", "entries", "1", "name", name });

	if (r.rc == 0 && exists(path))
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << "bpftool map create " << path << ": " << r.err;
}

/* Until the run exits (rc) or timeout; how long it took in *ms. */
int exit_within(Proc &p, milliseconds timeout, long *ms)
{
	auto t0 = Clock::now();
	int rc = p.wait_exit(timeout);

	*ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
	return rc;
}

/* detach refuses a live run and names its pid; the run keeps receiving. */
TEST_F(E2E, OwnerDetachRefusesLiveRunNamingPidAndRunKeepsReceiving)
{
	constexpr size_t N = 200;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::vector<Bytes> frames = udp_frames(t, 40, N, 0x4040);
	std::string pcap = scratch_file("own-detach.pcap");

	Proc &ld = capture(N, pcap, { "--pin-dir", pin_dir() });
	ASSERT_TRUE(ready(ld));
	unsigned id = t.xdp_prog_id_a();
	ASSERT_NE(id, 0u);
	std::string pid = std::to_string(ld.pid());
	for (auto args : { std::vector<std::string>{ "detach", t.if_a },
			   std::vector<std::string>{ "detach", "--pin-dir", pin_dir(), t.if_a } }) {
		Result d = xskmap_sync(args);
		EXPECT_EQ(d.rc, 1) << d.out << d.err;
		EXPECT_TRUE(has(d.err, "xskmap (pid " + pid + ") is running on " + t.if_a));
		EXPECT_EQ(error_lines(d.err), 1u) << d.err;
	}
	EXPECT_EQ(t.xdp_prog_id_a(), id) << "detach changed the program of a live run";
	EXPECT_TRUE(exists(pin_dir() + "/cls_active")) << "detach removed a live run's pins";
	Result r = rules({ "list" });
	EXPECT_EQ(r.rc, 0) << r.err;
	/* Without --pin-dir, rules finds the run's own directory from its record. */
	Result plain = xskmap_sync({ "rules", t.if_a, "list" });
	EXPECT_EQ(plain.rc, 0) << plain.err;
	EXPECT_EQ(plain.out, r.out);

	ASSERT_EQ(send(frames).sent, N);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(pcap_holds(pcap, frames));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	EXPECT_EQ(fs.added(), "");
}

/* --force never replaces a running xskmap; the first run keeps receiving. */
TEST_F(E2E, OwnerForceAgainstLiveRunIsRefusedAndFirstKeepsReceiving)
{
	constexpr size_t N = 200;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = udp_frames(t, 41, N, 0x4141);
	std::string pcap = scratch_file("own-force.pcap");

	Proc &first = capture(N, pcap);
	ASSERT_TRUE(ready(first));
	unsigned id = t.xdp_prog_id_a();
	for (auto mode : { "auto", "skb", "native" }) {
		Result r = xskmap_sync({ "run", "--force", "--mode", mode, "-d", "3", t.if_a });
		EXPECT_EQ(r.rc, 1) << r.err;
		EXPECT_TRUE(has(r.err, "xskmap already runs on " + t.if_a + " (pid " +
					std::to_string(first.pid()) + ")"));
		EXPECT_TRUE(has(r.err, "not even --force"));
		EXPECT_EQ(error_lines(r.err), 1u) << r.err;
		EXPECT_EQ(t.xdp_prog_id_a(), id) << "--mode " << mode << " changed the interface";
	}
	ASSERT_EQ(send(frames).sent, N);
	ASSERT_EQ(first.wait_exit(EXIT_TIMEOUT), 0) << first.err();
	EXPECT_TRUE(pcap_holds(pcap, frames));
}

/*
 * `ip link set ... xdp off` and xdp-loader unload cannot remove a program a
 * BPF link holds: the kernel refuses (EBUSY), and the run goes on.
 */
TEST_F(E2E, OwnerIpLinkXdpOffAndXdpLoaderUnloadAreRefusedByTheKernel)
{
	constexpr size_t N = 200;
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::vector<Bytes> frames = udp_frames(t, 42, N, 0x4242);
	std::string pcap = scratch_file("own-xdpoff.pcap");

	Proc &ld = capture(N, pcap);
	ASSERT_TRUE(ready(ld));
	unsigned id = t.xdp_prog_id_a();
	for (auto word : { "xdp", "xdpdrv", "xdpgeneric" }) {
		Result r = ip({ "-n", t.ns_a, "link", "set", "dev", t.if_a, word, "off" });
		EXPECT_EQ(t.xdp_prog_id_a(), id) << "ip link set " << word << " off (rc " << r.rc
						 << ") removed the program: " << r.err;
	}
	Result u = run({ ip_bin(), "netns", "exec", t.ns_a, "xdp-loader", "unload", "-a", t.if_a });
	EXPECT_EQ(t.xdp_prog_id_a(), id) << "xdp-loader unload (rc " << u.rc << ") removed it: "
					 << u.out << u.err;
	ASSERT_EQ(send(frames).sent, N);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(pcap_holds(pcap, frames));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

/*
 * kill -9 with a custom --pin-dir: the pins stay, `rules` says the run is
 * gone (and changes nothing), a plain `detach IF` finds them from the
 * record, removes them and the directory the run made.
 */
TEST_F(E2E, OwnerDeadRunsCustomPinsRulesSaysGoneDetachRemovesThem)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::string dir = fs.path() + "/custom/" + t.if_a;

	Proc &ld = loader({ "--pin-dir", dir, "-d", "20" });
	ASSERT_TRUE(ready(ld));
	std::string pid = std::to_string(ld.pid());
	ld.signal(SIGKILL);
	ASSERT_EQ(ld.wait_exit(milliseconds(5000)), 128 + SIGKILL);
	ASSERT_TRUE(exists(dir + "/cls_ruleset")) << "SIGKILL cannot unpin";

	for (auto args : { std::vector<std::string>{ "list" },
			   std::vector<std::string>{ "add", "udp dport 53 -> queue" },
			   std::vector<std::string>{ "default", "drop" } }) {
		std::vector<std::string> argv = { "rules", "--pin-dir", dir, t.if_a };
		argv.insert(argv.end(), args.begin(), args.end());
		Result r = xskmap_sync(argv);
		EXPECT_EQ(r.rc, 1) << r.out << r.err;
		EXPECT_TRUE(has(r.err, "the xskmap run on " + t.if_a + " (pid " + pid + ") is gone"));
		EXPECT_TRUE(has(r.err, "xskmap detach " + t.if_a));
		EXPECT_EQ(error_lines(r.err), 1u) << r.err;
		EXPECT_EQ(r.out, "");
	}

	Result d = xskmap_sync({ "detach", t.if_a });
	EXPECT_EQ(d.rc, 0) << d.err;
	EXPECT_TRUE(has(d.out, "pinned maps of the dead xskmap run on " + t.if_a + " (pid " + pid +
				") under " + dir));
	EXPECT_FALSE(exists(dir)) << "detach left " << dir;
	EXPECT_EQ(fs.added(), "") << "detach left what the dead run made";
	Result d2 = xskmap_sync({ "detach", "--pin-dir", dir, t.if_a });
	EXPECT_EQ(d2.rc, 0) << d2.err;
	EXPECT_TRUE(has(d2.out, "nothing to remove"));
}

/* Two interfaces, one --pin-dir: the second run is refused, the first untouched. */
TEST_F(E2E, OwnerSamePinDirOnTwoInterfacesRefused)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::string c = "xte" + std::to_string(getpid()) + "c", d = "xte" + std::to_string(getpid()) + "d";
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "add", c, "type", "veth", "peer", "name", d }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", c, "up" }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", d, "up" }).rc, 0);

	Proc &first = loader({ "--pin-dir", pin_dir(), "-d", "20" });
	ASSERT_TRUE(ready(first));
	Result before = rules({ "list" }, true);
	ASSERT_EQ(before.rc, 0) << before.err;
	Result second = xskmap_sync({ "run", "--pin-dir", pin_dir(), "-d", "3", c });
	EXPECT_EQ(second.rc, 1) << second.err;
	EXPECT_TRUE(has(second.err, "pin directory " + pin_dir() + " is in use by the xskmap run on " +
				    t.if_a + " (pid " + std::to_string(first.pid()) + ")"));
	EXPECT_EQ(error_lines(second.err), 1u) << second.err;
	Result link_c = ip({ "-n", t.ns_a, "-d", "link", "show", "dev", c });
	EXPECT_FALSE(has(link_c.out, "prog/xdp")) << link_c.out;
	Result after = rules({ "list" }, true);
	EXPECT_EQ(after.rc, 0) << after.err;
	EXPECT_EQ(after.out, before.out) << "the refused run changed the first one's pins";
	first.signal(SIGINT);
	EXPECT_EQ(first.wait_exit(EXIT_TIMEOUT), 0) << first.err();
	EXPECT_EQ(fs.added(), "");
}

/*
 * The pin directory is checked before anything in it is touched: not on
 * bpffs, writable by others (0777, not sticky, itself or a parent), or
 * holding a pin with one of xskmap's names that no run recorded: refused,
 * nothing deleted, nothing attached. A sticky root-owned parent is fine.
 */
TEST_F(E2E, OwnerUnsafePinDirsRefusedBeforeAnythingIsTouched)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	auto refused = [&](const std::string &dir, const std::string &why) {
		Result r = xskmap_sync({ "run", "--pin-dir", dir, "-d", "3", t.if_a });

		EXPECT_EQ(r.rc, 1) << dir << ": " << r.err;
		EXPECT_TRUE(has(r.err, why)) << dir;
		EXPECT_EQ(error_lines(r.err), 1u) << r.err;
		EXPECT_FALSE(has(r.err, "attached xsk_redirect")) << "checked after attach:\n" << r.err;
		EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	};

	/* Not bpffs: a plain directory with a file by a pin's name, and another. */
	std::string plain = scratch_file("notbpf");
	ASSERT_EQ(mkdir(plain.c_str(), 0700), 0);
	for (auto n : { "cls_active", "keep" }) {
		FILE *f = fopen((plain + "/" + n).c_str(), "w");
		ASSERT_NE(f, nullptr);
		fputs("mine\n", f);
		fclose(f);
	}
	refused(plain, "is not on a bpf filesystem");
	refused(plain, "mount -t bpf bpf DIR");
	EXPECT_EQ(read_file(plain + "/cls_active"), "mine\n") << "a file named like a pin was touched";
	EXPECT_EQ(read_file(plain + "/keep"), "mine\n");

	/* On bpffs but 0777 and not sticky: the directory itself, or a parent. */
	std::string open = fs.path() + "/open";
	ASSERT_EQ(mkdir(open.c_str(), 0700), 0);
	ASSERT_EQ(chmod(open.c_str(), 0777), 0);
	ASSERT_TRUE(plant_map(open + "/cls_active", "cls_active"));
	ASSERT_EQ(mkdir((open + "/keep").c_str(), 0700), 0);
	refused(open, "is writable by others (mode 0777)");
	refused(open + "/" + t.if_a, "is writable by others (mode 0777)");
	EXPECT_TRUE(exists(open + "/cls_active")) << "somebody else's pin was deleted";
	EXPECT_TRUE(exists(open + "/keep"));
	EXPECT_FALSE(exists(open + "/" + t.if_a)) << "a directory was made in an unsafe place";

	/* Safe, but holding a pin xskmap did not make: named, never deleted. */
	std::string taken = fs.path() + "/taken";
	ASSERT_EQ(mkdir(taken.c_str(), 0700), 0);
	ASSERT_TRUE(plant_map(taken + "/cls_active", "cls_active"));
	refused(taken, "already holds cls_active, which no xskmap run recorded");
	EXPECT_TRUE(exists(taken + "/cls_active")) << "somebody else's pin was deleted";

	/* Sticky and root's, like /tmp: usable; the run removes only what it made. */
	std::string sticky = fs.path() + "/sticky";
	ASSERT_EQ(mkdir(sticky.c_str(), 0700), 0);
	ASSERT_EQ(chmod(sticky.c_str(), 01777), 0);
	Result ok = xskmap_sync({ "run", "--pin-dir", sticky + "/" + t.if_a, "-d", "0.5", t.if_a });
	EXPECT_EQ(ok.rc, 0) << ok.err;
	EXPECT_TRUE(exists(sticky)) << "the run removed a directory it did not make";
	EXPECT_FALSE(exists(sticky + "/" + t.if_a));
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	/* Clean up the planted pins before the bpffs goes (its check wants it empty). */
	unlink((open + "/cls_active").c_str());
	rmdir((open + "/keep").c_str());
	rmdir(open.c_str());
	unlink((taken + "/cls_active").c_str());
	rmdir(taken.c_str());
	rmdir(sticky.c_str());
	EXPECT_EQ(fs.added(), "");
	remove_dir(plain);
}

/*
 * An xsk_redirect somebody else attached (ip link, the real object) is
 * never removed by detach: named with the way to remove it. `run` without
 * --force names it too.
 */
TEST_F(E2E, OwnerForeignXskRedirectIsNamedNeverRemoved)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	Result r = ip({ "-n", t.ns_a, "link", "set", "dev", t.if_a, "xdpdrv", "obj", XSK_REDIRECT_OBJ,
			"sec", "xdp" });
	ASSERT_EQ(r.rc, 0) << "cannot attach " << XSK_REDIRECT_OBJ << ": " << r.err;
	unsigned foreign = t.xdp_prog_id_a();
	ASSERT_NE(foreign, 0u) << t.link_a();
	ASSERT_TRUE(has(t.link_a(), "name xsk_redirect")) << t.link_a();

	Result d = xskmap_sync({ "detach", t.if_a });
	EXPECT_EQ(d.rc, 0) << d.err;
	EXPECT_TRUE(has(d.out, "left XDP program 'xsk_redirect' (id " + std::to_string(foreign) +
				", native mode) on " + t.if_a));
	EXPECT_TRUE(has(d.out, "ip link set dev " + t.if_a + " xdpdrv off"));
	EXPECT_EQ(t.xdp_prog_id_a(), foreign) << "detach removed somebody else's xsk_redirect";

	Result run = xskmap_sync({ "run", "-d", "3", t.if_a });
	EXPECT_EQ(run.rc, 1) << run.err;
	EXPECT_TRUE(has(run.err, "not by a running xskmap")) << run.err;
	EXPECT_EQ(t.xdp_prog_id_a(), foreign);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", "dev", t.if_a, "xdpdrv", "off" }).rc, 0);
}

/* The interface deleted under a run: noticed within a second or two, exit 1, one line. */
TEST_F(E2E, OwnerInterfaceDeletedUnderRunExits1WithOneLine)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	Proc &ld = loader({ "-d", "30", "--json" });
	ASSERT_TRUE(ready(ld));
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "del", t.if_a }).rc, 0);
	long ms;
	int rc = exit_within(ld, milliseconds(5000), &ms);
	EXPECT_EQ(rc, 1) << ld.err();
	EXPECT_LT(ms, 2000) << "took " << ms << " ms to notice";
	EXPECT_TRUE(has(ld.err(), "xskmap: error: " + t.if_a + " disappeared"));
	EXPECT_EQ(error_lines(ld.err()), 1u) << ld.err();
	EXPECT_FALSE(has(ld.err(), "detaching from")) << ld.err();
	EXPECT_TRUE(has(ld.out(), "\"interface\"")) << "the summary still prints:\n" << ld.out();
	printf("  (own) interface deleted: the run exited %d after %ld ms\n", rc, ms);
}

/*
 * The peer's namespace deleted: the veth pair goes with it, so the run's
 * interface does too (the run's own namespace cannot go while it is inside).
 */
TEST_F(E2E, OwnerPeerNamespaceDeletedUnderRunExits1)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	Proc &ld = loader({ "-d", "30" });
	ASSERT_TRUE(ready(ld));
	ASSERT_EQ(ip({ "netns", "del", t.ns_b }).rc, 0);
	long ms;
	int rc = exit_within(ld, milliseconds(8000), &ms);
	EXPECT_EQ(rc, 1) << ld.err();
	EXPECT_TRUE(has(ld.err(), t.if_a + " disappeared"));
	EXPECT_EQ(error_lines(ld.err()), 1u) << ld.err();
	printf("  (own) peer namespace deleted: the run exited %d after %ld ms\n", rc, ms);
}

/* Its link detached by id (as `bpftool link detach` does): the run exits 1 and says so. */
TEST_F(E2E, OwnerLinkDetachedByIdRunExits1)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	Proc &ld = loader({ "-d", "30" });
	ASSERT_TRUE(ready(ld));
	unsigned link = link_id_of(ld.err());
	ASSERT_NE(link, 0u) << ld.err();
	Result r = run({ "/usr/sbin/bpftool", "link", "detach", "id", std::to_string(link) });
	ASSERT_EQ(r.rc, 0) << r.err;
	long ms;
	int rc = exit_within(ld, milliseconds(5000), &ms);
	EXPECT_EQ(rc, 1) << ld.err();
	EXPECT_LT(ms, 2000);
	EXPECT_TRUE(has(ld.err(), "the XDP program was detached from " + t.if_a +
				  " by another tool (link id " + std::to_string(link) + ")"));
	EXPECT_EQ(error_lines(ld.err()), 1u) << ld.err();
	EXPECT_FALSE(t.xdp_on_a());
	printf("  (own) link %u detached: the run exited %d after %ld ms\n", link, rc, ms);
}

/* Auto mode says why native attach failed: no driver support, MTU too large. */
TEST_F(E2E, OwnerAutoModeSaysWhyNativeFailed)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::string br = "xte" + std::to_string(getpid()) + "br";
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "add", br, "type", "bridge" }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", br, "up" }).rc, 0);
	Result r = xskmap_sync({ "run", "-d", "0.3", br });
	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_TRUE(has(r.err, "native XDP attach to " + br + " failed (EOPNOTSUPP"));
	EXPECT_TRUE(has(r.err, "has no native XDP"));
	EXPECT_TRUE(has(r.err, "in skb mode"));

	std::string j = "xte" + std::to_string(getpid()) + "j", k = "xte" + std::to_string(getpid()) + "k";
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "add", j, "mtu", "9000", "type", "veth", "peer", "name",
		       k, "mtu", "9000" }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", j, "up" }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", k, "up" }).rc, 0);
	/* Single-buffer: with multi-buffer (the default at this MTU where the kernel has it) native works. */
	r = xskmap_sync({ "run", "-d", "0.3", "--multi-buffer", "off", j });
	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_TRUE(has(r.err, "native XDP attach to " + j + " failed (")) << r.err;
	EXPECT_TRUE(has(r.err, "MTU 9000")) << r.err;
	EXPECT_TRUE(has(r.err, "in skb mode"));
}

/* `rules` without the permission to reach the pins says so, not "no running xskmap". */
TEST_F(E2E, OwnerRulesWithoutPermissionNamesIt)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	Proc &ld = loader({ "--pin-dir", pin_dir(), "-d", "20" });
	ASSERT_TRUE(ready(ld));
	Result r = finish(spawn({ ip_bin(), "netns", "exec", t.ns_a, "setpriv", "--reuid=65534",
				  "--regid=65534", "--clear-groups", "--" },
				{ "rules", "--pin-dir", pin_dir(), t.if_a, "list" }),
			  EXIT_TIMEOUT);
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "permission denied")) << r.err;
	EXPECT_FALSE(has(r.err, "no running xskmap found")) << r.err;
	EXPECT_EQ(error_lines(r.err), 1u) << r.err;
	ld.signal(SIGINT);
	EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
}

/* ==== end of the ownership block ==== */

/* ==== review of issue 7 (hostile tester): findings (F2, F5: fixed, enabled) ==== */

/*
 * -w refuses a planted symlink as the last component, but follows one
 * planted as a directory: in a shared sticky directory (/tmp) another user
 * makes 'caps' a link to a directory of root's, and root's
 * `-w /tmp/caps/precious` truncates root's file there (mode 0600, pcap
 * header). fs.protected_symlinks=0 on this machine, so the kernel does not
 * stop it either. Refuse a path whose directories pass through a link
 * another user owns (as systemd's chase() with CHASE_SAFE does).
 */
TEST_F(E2E, ReviewCaptureRefusesADirectoryLinkAnotherUserPlanted)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::string shared = scratch_file("shared"), victim = scratch_file("victim");
	ASSERT_EQ(mkdir(shared.c_str(), 0755), 0) << strerror(errno);
	ASSERT_EQ(chmod(shared.c_str(), 01777), 0);
	ASSERT_EQ(mkdir(victim.c_str(), 0700), 0) << strerror(errno);
	std::string precious = victim + "/precious", link = shared + "/caps";
	{
		FILE *f = fopen(precious.c_str(), "w");

		ASSERT_TRUE(f);
		fputs("precious\n", f);
		fclose(f);
	}
	ASSERT_EQ(symlink(victim.c_str(), link.c_str()), 0) << strerror(errno);
	ASSERT_EQ(lchown(link.c_str(), 65534, 65534), 0) << strerror(errno);

	Result r = xskmap_sync({ "run", "-c", "1", "-d", "5", "-w", link + "/precious", t.if_a });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_EQ(read_file(precious), "precious\n") << "root's file behind another user's link was truncated";
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();

	unlink(link.c_str());
	rmdir(shared.c_str());
	unlink(precious.c_str());
	rmdir(victim.c_str());
}

/*
 * --json with a stdout that cannot take it (/dev/full; or closed, when fd 1
 * is then reused by a socket of the run) exits 0 and the summary is gone:
 * the same "never lies about success" as a failed capture write. Check the
 * write and the flush of stdout at exit (coreutils' close_stdout) and exit
 * 1 with one line naming stdout and the error.
 */
TEST_F(E2E, ReviewJsonSummaryThatCannotBeWrittenFailsTheRun)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	Result r = finish(spawn({ ip_bin(), "netns", "exec", t.ns_a, "/bin/sh", "-c",
				  "exec \"$0\" \"$@\" >/dev/full" },
				{ "run", "-d", "0.5", "--json", t.if_a }),
			  EXIT_TIMEOUT);
	EXPECT_EQ(r.rc, 1) << "the JSON summary was lost and the run still exited " << r.rc << ":\n" << r.err;
	EXPECT_TRUE(has(r.err, "No space left on device")) << r.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

/* ==== end of the review block ==== */

/* ==== issue 7, fixes of the review's findings ==== */

/*
 * F2: a pin directory reached through another user's link (to the private
 * bpffs, so every other check would pass) is refused, naming the link and
 * its owner, before anything is attached or pinned; the same directory
 * through a link of root's own is taken.
 */
TEST_F(E2E, FixPinDirThroughAnotherUsersLinkRefused)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::string shared = scratch_file("pshared"), theirs = shared + "/bpf", mine = scratch_file("pmine");
	ASSERT_EQ(mkdir(shared.c_str(), 0755), 0) << strerror(errno);
	ASSERT_EQ(chmod(shared.c_str(), 01777), 0);
	ASSERT_EQ(symlink(fs.path().c_str(), theirs.c_str()), 0) << strerror(errno);
	ASSERT_EQ(lchown(theirs.c_str(), 65534, 65534), 0) << strerror(errno);
	ASSERT_EQ(symlink(fs.path().c_str(), mine.c_str()), 0) << strerror(errno);

	Result r = xskmap_sync({ "run", "--pin-dir", theirs + "/" + t.if_a, "-d", "3", t.if_a });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "symbolic link " + theirs + ", owned by uid 65534")) << r.err;
	EXPECT_EQ(error_lines(r.err), 1u) << r.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	EXPECT_EQ(fs.added(), "") << "pins were made through the link";

	Result ok = xskmap_sync({ "run", "--pin-dir", mine + "/" + t.if_a, "-d", "0.3", t.if_a });
	EXPECT_EQ(ok.rc, 0) << ok.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
	EXPECT_EQ(fs.added(), "");

	unlink(theirs.c_str());
	unlink(mine.c_str());
	rmdir(shared.c_str());
}

/*
 * F2: a capture file with a second name (a hard link) is refused and left
 * as it was: truncating it would change the file under its other name. A
 * directory link of root's own (the caller's) is followed as before.
 */
TEST_F(E2E, FixCaptureRefusesAFileWithHardLinks)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	std::string file = scratch_file("hl1"), other = scratch_file("hl2"), dir = scratch_file("hldir"),
		    via = scratch_file("hlvia");
	{
		FILE *f = fopen(file.c_str(), "w");

		ASSERT_TRUE(f);
		fputs("keep\n", f);
		fclose(f);
	}
	ASSERT_EQ(link(file.c_str(), other.c_str()), 0) << strerror(errno);
	Result r = xskmap_sync({ "run", "-c", "1", "-d", "3", "-w", other, t.if_a });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "has 2 hard links")) << r.err;
	EXPECT_EQ(read_file(file), "keep\n");
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();

	ASSERT_EQ(mkdir(dir.c_str(), 0700), 0) << strerror(errno);
	ASSERT_EQ(symlink(dir.c_str(), via.c_str()), 0) << strerror(errno);
	Result ok = xskmap_sync({ "run", "-d", "0.3", "-w", via + "/x.pcap", t.if_a });
	EXPECT_EQ(ok.rc, 0) << ok.err;
	struct stat st;
	EXPECT_EQ(stat((dir + "/x.pcap").c_str(), &st), 0) << "the capture did not go through root's own link";
	EXPECT_EQ(st.st_size, 24) << "a pcap header";

	unlink((dir + "/x.pcap").c_str());
	unlink(via.c_str());
	rmdir(dir.c_str());
	unlink(other.c_str());
	unlink(file.c_str());
}

/*
 * F5: a closed stdout. fd 1 is no longer reused by one of the run's sockets
 * (stdio_guard()): --json is refused before anything is attached, since its
 * summary could go nowhere; without --json the run works as before (its
 * summary is on stderr); -w - is refused as before.
 */
TEST_F(E2E, FixClosedStdout)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	auto closed = [&](const std::vector<std::string> &args) {
		return finish(spawn({ ip_bin(), "netns", "exec", t.ns_a, "/bin/sh", "-c", "exec \"$0\" \"$@\" >&-" },
				    args),
			      EXIT_TIMEOUT);
	};

	Result j = closed({ "run", "-d", "0.5", "--json", t.if_a });
	EXPECT_EQ(j.rc, 1) << j.err;
	EXPECT_TRUE(has(j.err, "--json: stdout is closed")) << j.err;
	EXPECT_EQ(error_lines(j.err), 1u) << j.err;
	EXPECT_FALSE(has(j.err, "receiving on")) << "it attached first:\n" << j.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();

	Result w = closed({ "run", "-d", "0.5", "-w", "-", t.if_a });
	EXPECT_EQ(w.rc, 1) << w.err;
	EXPECT_TRUE(has(w.err, "-w -: stdout is not open")) << w.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();

	Result plain = closed({ "run", "-d", "0.3", t.if_a });
	EXPECT_EQ(plain.rc, 0) << plain.err;
	EXPECT_TRUE(has(plain.err, " frames, ")) << "no summary on stderr:\n" << plain.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

/*
 * F5: any command's stdout is checked at exit (coreutils' close_stdout):
 * `--version` and `help` into a full device exit 1 and say so in one line;
 * the text summary of run on a full stderr exits 1 too.
 */
TEST_F(E2E, FixStdoutWriteErrorsFailEveryCommand)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	for (const char *cmd : { "--version", "help" }) {
		Result r = finish(spawn({ "/bin/sh", "-c", "exec \"$0\" \"$@\" >/dev/full" }, { cmd }), EXIT_TIMEOUT);

		EXPECT_EQ(r.rc, 1) << cmd << ": " << r.err;
		EXPECT_TRUE(has(r.err, "writing to stdout failed: No space left on device")) << cmd << ": " << r.err;
		EXPECT_EQ(error_lines(r.err), 1u) << r.err;
	}
	Result ok = finish(spawn({ "/bin/sh", "-c", "exec \"$0\" \"$@\" >/dev/null" }, { "--version" }), EXIT_TIMEOUT);
	EXPECT_EQ(ok.rc, 0) << ok.err;

	Result txt = finish(spawn({ ip_bin(), "netns", "exec", t.ns_a, "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>/dev/full" },
				  { "run", "-d", "0.3", t.if_a }),
			    EXIT_TIMEOUT);
	EXPECT_EQ(txt.rc, 1) << "the text summary was lost and the run exited " << txt.rc;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

/*
 * F4: a capable run that is not root takes no record (it cannot write
 * /run/xskmap). Root's `rules` then finds no record and no pins, but the
 * program is there, held by the run's BPF link: it says so, naming the
 * link, rather than only "no running xskmap".
 */
TEST_F(E2E, FixRulesNamesTheLinkOfARunWithoutARecord)
{
	Topology &t = topology();
	ASSERT_TOPOLOGY(t);
	const char *caps = "+net_admin,+net_raw,+bpf,+perfmon,+ipc_lock,+sys_admin";
	Proc &ld = spawn({ ip_bin(), "netns", "exec", t.ns_a, "setpriv", "--reuid=65534", "--regid=65534",
			   "--clear-groups", std::string("--inh-caps=") + caps, std::string("--ambient-caps=") + caps,
			   "--" },
			 { "run", "-d", "20", t.if_a });
	ASSERT_TRUE(ready(ld));
	ASSERT_TRUE(has(ld.err(), "running without a record")) << ld.err();
	Result r = xskmap_sync({ "rules", t.if_a, "list" });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "held by BPF link ")) << r.err;
	EXPECT_TRUE(has(r.err, "a run that could take no record")) << r.err;
	EXPECT_EQ(error_lines(r.err), 1u) << r.err;
	ld.signal(SIGINT);
	EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

/*
 * F4: changes under a run that do not end it get one warning each, within
 * the 100 ms fault check: set down (and up again), more RX queues
 * (ethtool -L), renamed (the JSON summary names the interface as it is).
 */
TEST_F(E2E, FixInterfaceChangesUnderARunAreWarned)
{
	Topology &t = topology(2);
	ASSERT_TOPOLOGY(t);
	std::string renamed = "xtr" + std::to_string(getpid());
	const milliseconds soon(3000);
	/* One RX queue at start, two later: the kernel refuses to take a queue from a bound socket. */
	Result one = run({ ip_bin(), "netns", "exec", t.ns_a, "ethtool", "-L", t.if_a, "rx", "1" });
	ASSERT_EQ(one.rc, 0) << one.err;
	Proc &ld = loader({ "-d", "20", "--json" });
	ASSERT_TRUE(ready(ld));

	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", t.if_a, "down" }).rc, 0);
	EXPECT_TRUE(ld.wait_stderr(t.if_a + " was set down", soon)) << ld.err();
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", t.if_a, "up" }).rc, 0);
	EXPECT_TRUE(ld.wait_stderr(t.if_a + " is up again", soon)) << ld.err();

	Result eth = run({ ip_bin(), "netns", "exec", t.ns_a, "ethtool", "-L", t.if_a, "rx", "2" });
	ASSERT_EQ(eth.rc, 0) << eth.err;
	EXPECT_TRUE(ld.wait_stderr(t.if_a + " now has 2 RX queues (was 1)", soon)) << ld.err();

	/* The kernel renames only a device that is down. */
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", t.if_a, "down" }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", t.if_a, "name", renamed }).rc, 0);
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", renamed, "up" }).rc, 0);
	EXPECT_TRUE(ld.wait_stderr(t.if_a + " was renamed to " + renamed, soon)) << ld.err();
	ld.signal(SIGINT);
	EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(has(ld.out(), "\"interface\":\"" + renamed + "\"")) << ld.out();
	EXPECT_EQ(error_lines(ld.err()), 0u) << ld.err();
	ip({ "-n", t.ns_a, "link", "set", renamed, "down" });
	ip({ "-n", t.ns_a, "link", "set", renamed, "name", t.if_a });
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
