// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// UMEM layouts and forwarding between two ports, end to end:
// - `run --shared-umem`: one UMEM for the sockets of 4 queues, traffic on
//   every queue (the sender's XPS map chooses the queue: on veth the TX
//   queue a frame leaves on is the peer's RX queue), with count -w, drop
//   and fwd;
// - `run --action fwd --out IFNAME2 [--bridge]`: three namespaces (sender,
//   xskmap with two veths, receiver); what crosses is captured on the far
//   side by an AF_PACKET socket of the test's own, never by xskmap.
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "frames.h"
#include "json_reader.h"
#include "netns.h"
#include "packet.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

/* Generous: a 4-queue start under TCG emulation (the 6.1 guest) takes seconds. */
const milliseconds READY_TIMEOUT(30000), EXIT_TIMEOUT(40000);
/* A smaller UMEM per queue: the frames of a test fit many times, and it maps faster. */
const std::vector<std::string> SMALL_UMEM = { "--frames", "1024", "--ring-size", "512" };
constexpr uint16_t PORT_CROSS = 42001, PORT_KERNEL = 42002;
constexpr unsigned QUEUES = 4;

/* UDP, "XTU1" + tag + sequence, pseudo-random filler to len bytes. */
Bytes frame(const uint8_t *dst, const uint8_t *src, uint32_t tag, uint32_t seq, size_t len,
	    uint16_t dport, uint32_t &rng)
{
	return seq_frame(dst, src, { 0x58545531, tag, seq }, len, 30000 + (tag & 0xff), dport, rng);
}

/* n frames of mixed sizes (60 and 1514 first), dports taken in turn from ports. */
std::vector<Bytes> frames_mixed(const uint8_t *dst, const uint8_t *src, uint32_t tag, size_t n,
				std::vector<uint16_t> ports = { PORT_CROSS })
{
	std::vector<Bytes> v;
	uint32_t rng = 0x9E3779B9u ^ tag;

	for (size_t i = 0; i < n; i++) {
		size_t len = mixed_len(i, rng);

		v.push_back(frame(dst, src, tag, i, len, ports[i % ports.size()], rng));
	}
	return v;
}

void expect_tx_identity(const json::Value &j, const std::string &out)
{
	EXPECT_EQ(j["rx_packets"].u64(), j["tx_packets"].u64() + j["tx_ring_full"].u64()) << out;
	EXPECT_EQ(j["tx_packets"].u64(), j["tx_completed"].u64() + j["tx_not_completed"].u64()) << out;
}

/*
 * The frames arriving on ifname in ns (not those sent from it), until n
 * of them or timeout: an AF_PACKET socket opened before the test sends.
 */
class Capture {
public:
	Capture(const std::string &ns, const std::string &ifname, size_t n, milliseconds timeout)
	{
		std::atomic<bool> opened{ false };

		thread_ = std::thread([&, ns, ifname, n, timeout] {
			in_netns(ns, [&] {
				int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
				struct sockaddr_ll sll = {};
				int rcvbuf = 16 << 20;
				auto deadline = Clock::now() + timeout;

				sll.sll_family = AF_PACKET;
				sll.sll_protocol = htons(ETH_P_ALL);
				sll.sll_ifindex = if_nametoindex(ifname.c_str());
				if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
					err_ = "AF_PACKET capture on " + ifname + ": " + strerror(errno);
					opened = true;
					return;
				}
				setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
				opened = true;
				while (got_.size() < n && Clock::now() < deadline && !stop_) {
					struct pollfd pfd = { fd, POLLIN, 0 };
					uint8_t buf[2048];
					struct sockaddr_ll from = {};
					socklen_t fl = sizeof(from);

					if (poll(&pfd, 1, 50) <= 0)
						continue;
					ssize_t len = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
							       (struct sockaddr *)&from, &fl);
					if (len <= 0 || from.sll_pkttype == PACKET_OUTGOING)
						continue;
					got_.emplace_back(buf, buf + len);
				}
				close(fd);
			});
		});
		while (!opened)
			std::this_thread::sleep_for(milliseconds(1));
	}
	~Capture() { stop_ = true; join(); }

	const std::vector<Bytes> &join()
	{
		if (thread_.joinable())
			thread_.join();
		return got_;
	}
	const std::string &error() const { return err_; }
	void stop() { stop_ = true; }

private:
	std::thread thread_;
	std::vector<Bytes> got_;
	std::string err_;
	std::atomic<bool> stop_{ false };
};

bool xdp_on(const std::string &ns, const std::string &ifname)
{
	return ip({ "-n", ns, "-d", "link", "show", "dev", ifname }).out.find("prog/xdp") !=
	       std::string::npos;
}

/*
 * On veth the TX queue a frame leaves on is the peer's RX queue. af_packet
 * (PACKET_QDISC_BYPASS) picks it through XPS when a map is set, else from
 * the sending CPU (cpu % queues): on a 2-CPU machine only queues 0 and 1.
 * With XPS each queue can be chosen from any CPU: cpu_of[q] is the CPU
 * whose frames go out of TX queue q (-1: none).
 */
::testing::AssertionResult set_xps(const std::string &ns, const std::string &ifname,
				   const std::vector<int> &cpu_of)
{
	std::string cmd;

	for (size_t q = 0; q < cpu_of.size(); q++) {
		char mask[32];

		snprintf(mask, sizeof(mask), "%x", cpu_of[q] < 0 ? 0 : 1u << cpu_of[q]);
		cmd += std::string(cmd.empty() ? "" : " && ") + "echo " + mask + " > /sys/class/net/" +
		       ifname + "/queues/tx-" + std::to_string(q) + "/xps_cpus";
	}
	/* ip netns exec mounts the namespace's own /sys. */
	Result r = run({ ip_bin(), "netns", "exec", ns, "sh", "-c", cmd });
	if (r.rc)
		return ::testing::AssertionFailure() << cmd << ": " << r.err;
	return ::testing::AssertionSuccess();
}

/*
 * Sends per_queue frames into each of QUEUES RX queues of the loader's
 * end: senders threads at once (pinned to CPUs 0..senders-1), each on its
 * own queue per phase. Returns the frames by queue.
 */
struct QueueTraffic {
	std::vector<std::vector<Bytes>> by_queue;
	std::string err;
	size_t sent = 0;
};

QueueTraffic send_all_queues(const Topology &t, size_t per_queue, uint32_t seed)
{
	QueueTraffic tr;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned senders = online >= 2 ? 2 : 1;

	tr.by_queue.resize(QUEUES);
	for (unsigned q = 0; q < QUEUES; q++)
		tr.by_queue[q] = frames_mixed(t.mac_a, t.mac_b, seed + q, per_queue);
	for (unsigned phase = 0; phase < QUEUES / senders; phase++) {
		std::vector<int> cpu_of(QUEUES, -1);
		std::vector<SendResult> res(senders);
		std::vector<std::thread> th;

		for (unsigned c = 0; c < senders; c++)
			cpu_of[phase * senders + c] = c;
		if (!set_xps(t.ns_b, t.if_b, cpu_of)) {
			tr.err = "cannot set the XPS map of " + t.if_b;
			return tr;
		}
		for (unsigned c = 0; c < senders; c++)
			th.emplace_back([&, c] {
				SendSpec s;

				s.ns = t.ns_b;
				s.ifname = t.if_b;
				s.frames = &tr.by_queue[phase * senders + c];
				s.cpu = c;
				res[c] = send_frames(s);
			});
		for (auto &x : th)
			x.join();
		for (auto &r : res) {
			if (!r.err.empty())
				tr.err = r.err;
			tr.sent += r.sent;
		}
	}
	return tr;
}

class E2EUmem : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(geteuid(), 0u) << "e2e_tests need root: run them as root";
		ASSERT_EQ(access(XSKMAP_BIN, X_OK), 0) << XSKMAP_BIN;
	}
	void TearDown() override
	{
		for (auto &p : procs_)
			p->kill_wait();
		procs_.clear();
	}

	/* `xskmap run ARGS...` inside ns, not waited for. */
	Proc &loader(const std::string &ns, std::vector<std::string> args)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", ns, XSKMAP_BIN, "run" };

		argv.insert(argv.end(), args.begin(), args.end());
		procs_.push_back(std::make_unique<Proc>());
		EXPECT_TRUE(procs_.back()->start(argv, "xskmap"));
		return *procs_.back();
	}

	std::vector<std::unique_ptr<Proc>> procs_;
};

#define ASSERT_TOPOLOGY(t) ASSERT_TRUE((t).ok()) << (t).error()

/* Per queue: the frames it got, and the per-queue counters of the summary. */
void expect_per_queue(const json::Value &j, const std::string &out, size_t per_queue,
		      const char *field)
{
	ASSERT_EQ(j["queues"].size(), QUEUES) << out;
	for (unsigned q = 0; q < QUEUES; q++) {
		const json::Value &jq = j["queues"][q];

		EXPECT_EQ(jq["queue"].u64(), q) << out;
		EXPECT_EQ(jq[field].u64(), per_queue) << "queue " << q << ":\n" << out;
		EXPECT_EQ(jq["xdp_statistics"]["rx_dropped"].u64(), 0u) << out;
		EXPECT_EQ(jq["xdp_statistics"]["rx_ring_full"].u64(), 0u) << out;
	}
}

/*
 * --shared-umem, count with -w: 4 queues, every one receiving; every frame
 * in the capture byte-exact, each queue's counters its own frames.
 */
TEST_F(E2EUmem, SharedUmemCapturesEveryQueueByteExact)
{
	constexpr size_t PER_Q = 400;
	Topology t(QUEUES);
	ASSERT_TOPOLOGY(t);
	std::string pcap = scratch_file("shared.pcap");

	std::vector<std::string> args = { "--shared-umem", "-w", pcap, "-c",
					  std::to_string(QUEUES * PER_Q), "-d", "30", "--json", t.if_a };
	args.insert(args.begin(), SMALL_UMEM.begin(), SMALL_UMEM.end());
	Proc &ld = loader(t.ns_a, args);
	ASSERT_TRUE(ld.wait_stderr("receiving on " + t.if_a, READY_TIMEOUT)) << ld.err();
	EXPECT_TRUE(has(ld.err(), "4 queues, one shared UMEM"));
	QueueTraffic tr = send_all_queues(t, PER_Q, 0x5A00);
	ASSERT_EQ(tr.err, "");
	ASSERT_EQ(tr.sent, QUEUES * PER_Q);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();

	json::Value j = json_of(ld.out());
	EXPECT_EQ(j["umem"]["sharing"].str, "shared") << ld.out();
	EXPECT_EQ(j["rx_packets"].u64(), QUEUES * PER_Q) << ld.out();
	expect_per_queue(j, ld.out(), PER_Q, "rx_packets");
	std::vector<Bytes> got, want;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	for (auto &v : tr.by_queue)
		want.insert(want.end(), v.begin(), v.end());
	EXPECT_TRUE(same_set(want, got));
}

/* --shared-umem with drop and fwd: per-queue counters right, fwd's frames all back byte-exact. */
TEST_F(E2EUmem, SharedUmemDropAndFwdOnEveryQueue)
{
	constexpr size_t PER_Q = 400;
	Topology t(QUEUES);
	ASSERT_TOPOLOGY(t);

	{
		std::vector<std::string> args = { "--shared-umem", "--action", "drop", "-c",
						  std::to_string(QUEUES * PER_Q), "-d", "30", "--json",
						  t.if_a };
		args.insert(args.begin(), SMALL_UMEM.begin(), SMALL_UMEM.end());
		Proc &ld = loader(t.ns_a, args);
		ASSERT_TRUE(ld.wait_stderr("receiving on " + t.if_a, READY_TIMEOUT)) << ld.err();
		QueueTraffic tr = send_all_queues(t, PER_Q, 0x5B00);
		ASSERT_EQ(tr.err, "");
		ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
		json::Value j = json_of(ld.out());
		EXPECT_EQ(j["umem"]["sharing"].str, "shared") << ld.out();
		expect_per_queue(j, ld.out(), PER_Q, "rx_packets");
	}
	{
		std::vector<std::string> args = { "--shared-umem", "--action", "fwd", "-c",
						  std::to_string(QUEUES * PER_Q), "-d", "30", "--json",
						  t.if_a };
		args.insert(args.begin(), SMALL_UMEM.begin(), SMALL_UMEM.end());
		Proc &ld = loader(t.ns_a, args);
		ASSERT_TRUE(ld.wait_stderr("forwarding on " + t.if_a, READY_TIMEOUT)) << ld.err();
		Capture cap(t.ns_b, t.if_b, QUEUES * PER_Q, milliseconds(30000));
		ASSERT_EQ(cap.error(), "");
		QueueTraffic tr = send_all_queues(t, PER_Q, 0x5C00);
		ASSERT_EQ(tr.err, "");
		ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
		std::vector<Bytes> want;
		for (auto &v : tr.by_queue)
			for (auto &f : v)
				want.push_back(swapped(f));
		EXPECT_TRUE(same_set(want, only_port(cap.join(), PORT_CROSS)));
		json::Value j = json_of(ld.out());
		expect_per_queue(j, ld.out(), PER_Q, "tx_completed");
		expect_tx_identity(j, ld.out());
	}
	EXPECT_FALSE(xdp_on(t.ns_a, t.if_a));
}

/*
 * Three namespaces: S (the sender) s0 <-> x0 (X: xskmap) x1 <-> r0 (R:
 * the receiver). Names carry the pid and a counter.
 */
class ThreePorts {
public:
	std::string ns_s, ns_x, ns_r, s0, x0, x1, r0;
	uint8_t mac_s[6] = { 0x02, 0, 0, 0, 0x10, 0x01 };
	uint8_t mac_r[6] = { 0x02, 0, 0, 0, 0x10, 0x02 };

	ThreePorts()
	{
		static int counter;
		std::string id = std::to_string(getpid()), k = "u" + std::to_string(counter++);

		ns_s = "xte" + id + "n" + k + "s";
		ns_x = "xte" + id + "n" + k + "x";
		ns_r = "xte" + id + "n" + k + "r";
		s0 = "xte" + id + k + "s0";
		x0 = "xte" + id + k + "x0";
		x1 = "xte" + id + k + "x1";
		r0 = "xte" + id + k + "r0";
		for (auto *n : { &ns_s, &ns_x, &ns_r }) {
			ns_.push_back(std::make_unique<Netns>(*n));
			if (!ns_.back()->error().empty()) {
				err_ = ns_.back()->error();
				return;
			}
			/* No IPv6 chatter: the tests count frames exactly. */
			for (auto *p : { "/proc/sys/net/ipv6/conf/all/disable_ipv6",
					 "/proc/sys/net/ipv6/conf/default/disable_ipv6" })
				write_sysctl(*n, p, "1");
		}
		if (!step({ "-n", ns_x, "link", "add", x0, "type", "veth", "peer", "name", s0, "netns",
			    ns_s, "address", Topology::mac_str(mac_s) }) ||
		    !step({ "-n", ns_x, "link", "add", x1, "type", "veth", "peer", "name", r0, "netns",
			    ns_r, "address", Topology::mac_str(mac_r) }))
			return;
		for (auto &[n, i] : std::vector<std::pair<std::string, std::string>>{
			     { ns_s, s0 }, { ns_x, x0 }, { ns_x, x1 }, { ns_r, r0 } })
			if (!step({ "-n", n, "link", "set", i, "up" }))
				return;
		auto deadline = Clock::now() + milliseconds(5000);
		while (!(up(ns_s, s0) && up(ns_x, x0) && up(ns_x, x1) && up(ns_r, r0))) {
			if (Clock::now() >= deadline) {
				err_ = "the veth pairs did not come up within 5 s";
				return;
			}
			std::this_thread::sleep_for(milliseconds(10));
		}
	}
	~ThreePorts()
	{
		/* Deleting one end removes both; the namespaces go after. */
		ip({ "-n", ns_x, "link", "del", x0 });
		ip({ "-n", ns_x, "link", "del", x1 });
		ns_.clear();
	}
	bool ok() const { return err_.empty(); }
	const std::string &error() const { return err_; }

	SendResult send(const std::string &ns, const std::string &ifname,
			const std::vector<Bytes> &frames) const
	{
		SendSpec s;

		s.ns = ns;
		s.ifname = ifname;
		s.frames = &frames;
		return send_frames(s);
	}

private:
	std::vector<std::unique_ptr<Netns>> ns_;
	std::string err_;

	bool step(const std::vector<std::string> &args)
	{
		Result r = ip(args);

		if (r.rc) {
			err_ = "ip";
			for (auto &a : args)
				err_ += " " + a;
			err_ += " failed: " + r.err;
		}
		return !r.rc;
	}
	static bool up(const std::string &ns, const std::string &ifname)
	{
		return ip({ "-n", ns, "-o", "link", "show", "dev", ifname }).out.find("state UP") !=
		       std::string::npos;
	}
};

/*
 * fwd --out: every frame S sends into x0 arrives on r0, unchanged, in
 * order, at a paced rate; x1 needs no program for it and gets none.
 *
 * The worker is pinned (--cpus 0) in the tests that check order: copy-mode
 * TX runs in the sending thread's system call, and veth queues what it
 * sends to the peer on that CPU's backlog, so a thread that moves between
 * CPUs can have two backlogs deliver its frames out of order. A NIC's TX
 * ring keeps order whatever the CPU; veth does not.
 */
TEST_F(E2EUmem, OutForwardsEveryFrameUnchangedInOrder)
{
	constexpr size_t N = 2000;
	ThreePorts p;
	ASSERT_TOPOLOGY(p);
	std::vector<Bytes> frames = frames_mixed(p.mac_r, p.mac_s, 0x7100, N);

	Capture cap(p.ns_r, p.r0, N, milliseconds(30000));
	ASSERT_EQ(cap.error(), "");
	Proc &ld = loader(p.ns_x, { "--action", "fwd", "--out", p.x1, "--cpus", "0", "-c",
				    std::to_string(N), "-d", "30", "--json", p.x0 });
	ASSERT_TRUE(ld.wait_stderr("forwarding on " + p.x0 + " out of " + p.x1, READY_TIMEOUT))
		<< ld.err();
	EXPECT_TRUE(xdp_on(p.ns_x, p.x0));
	EXPECT_FALSE(xdp_on(p.ns_x, p.x1)) << "TX needs no program on " << p.x1;
	/* The run owns x1's queues too: another run there, and detach, are refused naming it. */
	Result other = run({ ip_bin(), "netns", "exec", p.ns_x, XSKMAP_BIN, "run", "-d", "1", p.x1 },
			   EXIT_TIMEOUT);
	EXPECT_EQ(other.rc, 1) << other.err;
	EXPECT_TRUE(has(other.err, "xskmap already runs on " + p.x1 + " (pid " +
				   std::to_string(ld.pid())));
	Result det = run({ ip_bin(), "netns", "exec", p.ns_x, XSKMAP_BIN, "detach", p.x1 },
			 EXIT_TIMEOUT);
	EXPECT_EQ(det.rc, 1) << det.err;
	EXPECT_TRUE(has(det.err, "is running on " + p.x1));
	EXPECT_FALSE(xdp_on(p.ns_x, p.x1));
	SendResult s = p.send(p.ns_s, p.s0, frames);
	ASSERT_EQ(s.err, "");
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(same_frames(frames, only_port(cap.join(), PORT_CROSS)));

	json::Value j = json_of(ld.out());
	EXPECT_EQ(j["umem"]["sharing"].str, "shared") << ld.out();
	EXPECT_EQ(j["out"]["interface"].str, p.x1) << ld.out();
	EXPECT_TRUE(j["out"].has("bridge") && !j["out"]["bridge"].b) << ld.out();
	EXPECT_EQ(j["tx_completed"].u64(), N) << ld.out();
	EXPECT_EQ(j["tx_not_sent"].u64(), 0u) << ld.out();
	ASSERT_EQ(j["queues"].size(), 1u) << ld.out();
	EXPECT_EQ(j["queues"][0]["interface"].str, p.x0) << ld.out();
	EXPECT_EQ(j["queues"][0]["out"].str, p.x1) << ld.out();
	expect_tx_identity(j, ld.out());
	EXPECT_FALSE(xdp_on(p.ns_x, p.x0));
	EXPECT_FALSE(xdp_on(p.ns_x, p.x1));
}

/* With rules, only the matched frames cross; the others go to X's kernel. */
TEST_F(E2EUmem, OutWithRulesOnlyMatchedFramesCross)
{
	constexpr size_t N = 1000;
	ThreePorts p;
	ASSERT_TOPOLOGY(p);
	/* Alternating: the last frame is a crossing one, so -c ends after all arrived. */
	std::vector<Bytes> frames = frames_mixed(p.mac_r, p.mac_s, 0x7200, N,
						 { PORT_KERNEL, PORT_CROSS });
	std::vector<Bytes> want = only_port(frames, PORT_CROSS);

	Capture cap(p.ns_r, p.r0, N, milliseconds(30000));
	Proc &ld = loader(p.ns_x, { "--action", "fwd", "--out", p.x1, "--cpus", "0", "-r",
				    "udp dport " + std::to_string(PORT_CROSS) + " -> queue", "--default",
				    "pass", "-c", std::to_string(want.size()), "-d", "30", "--json",
				    p.x0 });
	ASSERT_TRUE(ld.wait_stderr("forwarding on " + p.x0, READY_TIMEOUT)) << ld.err();
	SendResult s = p.send(p.ns_s, p.s0, frames);
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	cap.stop();
	const std::vector<Bytes> &got = cap.join();
	EXPECT_TRUE(same_frames(want, only_port(got, PORT_CROSS)));
	EXPECT_TRUE(only_port(got, PORT_KERNEL).empty());
	json::Value j = json_of(ld.out());
	EXPECT_EQ(j["tx_completed"].u64(), want.size()) << ld.out();
	EXPECT_EQ(j["default"]["packets"].u64(), N - want.size()) << ld.out();
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), want.size()) << ld.out();
}

/* --bridge: S's frames reach R and R's reach S, each byte-exact and in order. */
TEST_F(E2EUmem, BridgeForwardsBothWays)
{
	constexpr size_t N = 1000;
	ThreePorts p;
	ASSERT_TOPOLOGY(p);
	std::vector<Bytes> to_r = frames_mixed(p.mac_r, p.mac_s, 0x7300, N);
	std::vector<Bytes> to_s = frames_mixed(p.mac_s, p.mac_r, 0x7400, N);

	Capture cap_r(p.ns_r, p.r0, N, milliseconds(30000));
	Capture cap_s(p.ns_s, p.s0, N, milliseconds(30000));
	Proc &ld = loader(p.ns_x, { "--action", "fwd", "--out", p.x1, "--bridge", "--cpus", "0",
				    "-c", std::to_string(2 * N), "-d", "30", "--json", p.x0 });
	ASSERT_TRUE(ld.wait_stderr("forwarding on " + p.x0 + " out of " + p.x1 + " and back",
				   READY_TIMEOUT)) << ld.err();
	EXPECT_TRUE(xdp_on(p.ns_x, p.x0));
	EXPECT_TRUE(xdp_on(p.ns_x, p.x1)) << "--bridge receives on " << p.x1 << " too";
	SendResult a, b;
	std::thread other([&] { b = p.send(p.ns_r, p.r0, to_s); });
	a = p.send(p.ns_s, p.s0, to_r);
	other.join();
	ASSERT_EQ(a.sent, N) << strerror(a.last_errno);
	ASSERT_EQ(b.sent, N) << strerror(b.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(same_frames(to_r, only_port(cap_r.join(), PORT_CROSS))) << "towards R";
	EXPECT_TRUE(same_frames(to_s, only_port(cap_s.join(), PORT_CROSS))) << "towards S";

	json::Value j = json_of(ld.out());
	EXPECT_TRUE(j["out"]["bridge"].b) << ld.out();
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), N) << ld.out();
	EXPECT_EQ(j["out"]["bpf"]["redirected"]["packets"].u64(), N) << ld.out();
	ASSERT_EQ(j["queues"].size(), 2u) << ld.out();
	EXPECT_EQ(j["queues"][0]["interface"].str, p.x0) << ld.out();
	EXPECT_EQ(j["queues"][0]["tx_completed"].u64(), N) << ld.out();
	EXPECT_EQ(j["queues"][1]["interface"].str, p.x1) << ld.out();
	EXPECT_EQ(j["queues"][1]["out"].str, p.x0) << ld.out();
	EXPECT_EQ(j["queues"][1]["tx_completed"].u64(), N) << ld.out();
	expect_tx_identity(j, ld.out());
	EXPECT_FALSE(xdp_on(p.ns_x, p.x0));
	EXPECT_FALSE(xdp_on(p.ns_x, p.x1));

	/* The live view: a row per direction, and the second program's counters. */
	Result live = run({ ip_bin(), "netns", "exec", p.ns_x, XSKMAP_BIN, "run", "--action", "fwd",
			    "--out", p.x1, "--bridge", "-d", "0.7", "-i", "0.2", p.x0 }, EXIT_TIMEOUT);
	EXPECT_EQ(live.rc, 0) << live.err;
	EXPECT_TRUE(has(live.err, " q0 "));
	EXPECT_TRUE(has(live.err, " 2:q0 "));
	EXPECT_TRUE(has(live.err, " prog2 redirected "));
	EXPECT_TRUE(has(live.err, p.x1 + " -> " + p.x0));
}

/* Bad input: refused with the cause, exit 2, neither interface touched. */
TEST_F(E2EUmem, BadOutInputIsRefusedWithNothingAttached)
{
	ThreePorts p;
	ASSERT_TOPOLOGY(p);
	struct Case {
		std::vector<std::string> args;
		std::string says;
	} cases[] = {
		{ { "--action", "fwd", "--out", p.x0, p.x0 }, "--out names " + p.x0 },
		{ { "--action", "fwd", "--out", "xtenosuch0", p.x0 }, "'xtenosuch0' does not exist" },
		{ { "--out", p.x1, p.x0 }, "it needs --action fwd" },
		{ { "--action", "drop", "--out", p.x1, p.x0 }, "it needs --action fwd" },
		{ { "--action", "fwd", "--bridge", p.x0 }, "give --out IFNAME2" },
	};
	for (auto &c : cases) {
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", p.ns_x, XSKMAP_BIN, "run",
						  "-d", "1" };

		argv.insert(argv.end(), c.args.begin(), c.args.end());
		Result r = run(argv, EXIT_TIMEOUT);
		EXPECT_EQ(r.rc, 2) << r.err;
		EXPECT_TRUE(has(r.err, c.says));
		EXPECT_FALSE(xdp_on(p.ns_x, p.x0));
		EXPECT_FALSE(xdp_on(p.ns_x, p.x1));
	}
}

/*
 * Errors after the first device is set up leave both as they were: a
 * foreign program on x1 makes --bridge fail (exit 1) after x0 got ours,
 * and x0 is clean again, x1 still has its own.
 */
TEST_F(E2EUmem, BridgeRefusalLeavesBothInterfacesAsTheyWere)
{
	ThreePorts p;
	ASSERT_TOPOLOGY(p);
	Result a = ip({ "-n", p.ns_x, "link", "set", "dev", p.x1, "xdpdrv", "obj", XTE_PASS_OBJ, "sec",
			"xdp" });
	ASSERT_EQ(a.rc, 0) << a.err;
	std::string before = ip({ "-n", p.ns_x, "-d", "link", "show", "dev", p.x1 }).out;

	Result r = run({ ip_bin(), "netns", "exec", p.ns_x, XSKMAP_BIN, "run", "--action", "fwd",
			 "--out", p.x1, "--bridge", "-d", "1", p.x0 }, EXIT_TIMEOUT);
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, p.x1 + " already has XDP program 'xte_pass'"));
	EXPECT_FALSE(xdp_on(p.ns_x, p.x0)) << r.err;
	EXPECT_EQ(ip({ "-n", p.ns_x, "-d", "link", "show", "dev", p.x1 }).out, before);

	/* Without --bridge x1 only transmits: its program is no obstacle, and stays. */
	std::vector<Bytes> frames = frames_mixed(p.mac_r, p.mac_s, 0x7500, 200);
	Capture cap(p.ns_r, p.r0, frames.size(), milliseconds(15000));
	Proc &ld = loader(p.ns_x, { "--action", "fwd", "--out", p.x1, "--cpus", "0", "-c",
				    std::to_string(frames.size()), "-d", "30", p.x0 });
	ASSERT_TRUE(ld.wait_stderr("forwarding on " + p.x0, READY_TIMEOUT)) << ld.err();
	SendResult s = p.send(p.ns_s, p.s0, frames);
	ASSERT_EQ(s.sent, frames.size());
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	EXPECT_TRUE(same_frames(frames, only_port(cap.join(), PORT_CROSS)));
	EXPECT_EQ(ip({ "-n", p.ns_x, "-d", "link", "show", "dev", p.x1 }).out, before);
}

/*
 * Queue mapping: RX queue q goes out of TX queue q of IFNAME2; a selected
 * queue IFNAME2 has no TX queue for is refused, naming it, nothing attached.
 */
TEST_F(E2EUmem, OutQueueWithoutATxQueueIsRefused)
{
	std::string id = std::to_string(getpid());
	Netns x("xte" + id + "nu90x"), y("xte" + id + "nu90y");
	std::string xa = "xte" + id + "u90a", xb = "xte" + id + "u90b", ya = "xte" + id + "u90c",
		    yb = "xte" + id + "u90d";
	ASSERT_EQ(x.error() + y.error(), "");
	ASSERT_EQ(ip({ "-n", x.name(), "link", "add", xa, "numrxqueues", "2", "numtxqueues", "2",
		       "type", "veth", "peer", "name", ya, "netns", y.name(), "numrxqueues", "2",
		       "numtxqueues", "2" }).rc, 0);
	ASSERT_EQ(ip({ "-n", x.name(), "link", "add", xb, "type", "veth", "peer", "name", yb,
		       "netns", y.name() }).rc, 0);
	for (auto &i : { xa, xb })
		ASSERT_EQ(ip({ "-n", x.name(), "link", "set", i, "up" }).rc, 0);
	for (auto &i : { ya, yb })
		ASSERT_EQ(ip({ "-n", y.name(), "link", "set", i, "up" }).rc, 0);

	Result r = run({ ip_bin(), "netns", "exec", x.name(), XSKMAP_BIN, "run", "--action", "fwd",
			 "--out", xb, "-d", "1", xa }, EXIT_TIMEOUT);
	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_TRUE(has(r.err, "queue 1 of " + xa + " has no TX queue 1 on " + xb));
	EXPECT_FALSE(xdp_on(x.name(), xa));
	Result ok = run({ ip_bin(), "netns", "exec", x.name(), XSKMAP_BIN, "run", "--action", "fwd",
			  "--out", xb, "-q", "0", "-d", "0.5", xa }, EXIT_TIMEOUT);
	EXPECT_EQ(ok.rc, 0) << ok.err;
	EXPECT_FALSE(xdp_on(x.name(), xa));
	ip({ "-n", x.name(), "link", "del", xa });
	ip({ "-n", x.name(), "link", "del", xb });
}

} // namespace
