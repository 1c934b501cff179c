// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap status` against real AF_XDP setups on veth pairs in namespaces the
// tests create: an `xskmap run` on one and on two queues, and another
// application using libxdp's default program and its own xsks_map
// (tests/xsk_consumer.c). The slots are looked up by the probe program, so
// what is asserted is the kernel's view: each socket the application put
// in, bound to the queue it bound it to, held by its pid; empty slots empty.
#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

#include "json_reader.h"
#include "netns.h"
#include "packet.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

const milliseconds READY_TIMEOUT(10000), EXIT_TIMEOUT(20000);

bool has(const std::string &s, const std::string &needle)
{
	return s.find(needle) != std::string::npos;
}

Result status(const Topology &t, const std::vector<std::string> &args)
{
	std::vector<std::string> argv = { ip_bin(), "netns", "exec", t.ns_a, XSKMAP_BIN, "status" };

	argv.insert(argv.end(), args.begin(), args.end());
	return run(argv, milliseconds(30000));
}

json::Value status_json(const Topology &t, Result *r)
{
	json::Value v;
	std::string err;

	*r = status(t, { "--json", t.if_a });
	EXPECT_TRUE(json::parse_strict(r->out, v, err)) << err << "\n" << r->out << r->err;
	return v;
}

/* The one interface of a status --json for if_a, and its first program. */
const json::Value &prog0(const json::Value &v)
{
	return v["interfaces"][0]["xdp"][0];
}

/* `xskmap run ARGS IFNAME` in A's namespace, started and ready. */
struct StatusRun {
	Proc p;

	bool start(const Topology &t, std::vector<std::string> args)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", t.ns_a, XSKMAP_BIN, "run" };

		argv.insert(argv.end(), args.begin(), args.end());
		argv.push_back(t.if_a);
		return p.start(argv, "status-run") && p.wait_stderr("receiving on " + t.if_a, READY_TIMEOUT);
	}
	/* The pid of xskmap itself: ip netns exec execs it, so the same. */
	int pid() const { return p.pid(); }
	int stop()
	{
		p.signal(SIGINT);
		return p.wait_exit(EXIT_TIMEOUT);
	}
};

/* UDP frames from B to A's MAC, port 9. */
std::vector<Bytes> udp_frames(const Topology &t, int n)
{
	std::vector<Bytes> v;

	for (int i = 0; i < n; i++) {
		Packet p;
		Bytes payload(18, (uint8_t)i);

		memcpy(p.dst_mac, t.mac_a, 6);
		memcpy(p.src_mac, t.mac_b, 6);
		v.push_back(p.ipv4(IP_UDP).udp(30000, 9, payload).build());
	}
	return v;
}

TEST(E2EStatus, OneQueueRunShowsProgramOwnerSlotRulesAndCounters)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();
	StatusRun r;
	ASSERT_TRUE(r.start(t, { "--match", "udp" })) << r.p.err();

	std::vector<Bytes> frames = udp_frames(t, 20);
	SendSpec spec;
	spec.ns = t.ns_b;
	spec.ifname = t.if_b;
	spec.frames = &frames;
	SendResult sr = send_frames(spec);
	ASSERT_TRUE(sr.err.empty()) << sr.err;
	ASSERT_EQ(sr.sent, frames.size());

	/* The counters are read while the run lives: wait until the program saw all. */
	json::Value v;
	Result res;
	auto deadline = Clock::now() + milliseconds(5000);
	do {
		v = status_json(t, &res);
		if (prog0(v)["bpf"]["redirected"]["packets"].u64() >= frames.size())
			break;
		std::this_thread::sleep_for(milliseconds(50));
	} while (Clock::now() < deadline);
	ASSERT_EQ(res.rc, 0) << res.out << res.err;

	const json::Value &ifc = v["interfaces"][0], &p = prog0(v);
	EXPECT_EQ(ifc["interface"].str, t.if_a);
	EXPECT_EQ(ifc["xdp"].size(), 1u) << res.out;
	EXPECT_EQ(p["name"].str, "xsk_redirect");
	EXPECT_EQ(p["id"].u64(), t.xdp_prog_id_a());
	EXPECT_EQ(p["mode"].str, "native");
	EXPECT_EQ(p["attached_through"].str, "link");
	EXPECT_EQ(p["xskmap_run"]["pid"].u64(), (uint64_t)r.pid()) << res.out;
	EXPECT_EQ(p["link_holder"]["pid"].u64(), (uint64_t)r.pid()) << res.out;
	EXPECT_EQ(p["link_holder"]["comm"].str, "xskmap");

	const json::Value &m = p["xskmaps"][0];
	EXPECT_EQ(p["xskmaps"].size(), 1u);
	EXPECT_EQ(m["name"].str, "xsks_map");
	EXPECT_EQ(m["max_entries"].u64(), 1u);
	EXPECT_EQ(m["error"].type, json::Value::NUL) << m["error"].str;
	EXPECT_EQ(m["sockets"].u64(), 1u);
	ASSERT_EQ(m["slots"].size(), 1u);
	EXPECT_TRUE(m["slots"][0]["socket"].b);
	EXPECT_EQ(m["slots"][0]["queue"].u64(), 0u);
	if (m["socket_details"].b) {
		EXPECT_EQ(m["slots"][0]["interface"].str, t.if_a);
		EXPECT_EQ(m["slots"][0]["process"]["pid"].u64(), (uint64_t)r.pid());
	} else {
		ADD_FAILURE() << "no socket details: " << m["socket_details_missing"].str;
	}

	/* Rules and counters, in the shape of `rules list --json` and the summary. */
	ASSERT_EQ(p["rules"].size(), 1u) << res.out;
	EXPECT_EQ(p["rules"][0]["rule"].str, "udp -> queue");
	EXPECT_EQ(p["rules"][0]["packets"].u64(), frames.size());
	EXPECT_EQ(p["default"]["action"].str, "pass");
	EXPECT_EQ(p["bpf"]["redirected"]["packets"].u64(), frames.size());
	EXPECT_EQ(p["bpf"]["no_socket"]["packets"].u64(), 0u);

	Result txt = status(t, { t.if_a });
	EXPECT_EQ(txt.rc, 0) << txt.err;
	EXPECT_TRUE(has(txt.out, "XDP program xsk_redirect (id " + std::to_string(t.xdp_prog_id_a()) +
			", native mode), attached through BPF link")) << txt.out;
	EXPECT_TRUE(has(txt.out, "owned by the xskmap run of pid " + std::to_string(r.pid()))) << txt.out;
	EXPECT_TRUE(has(txt.out, "XSKMAP xsks_map (id ")) << txt.out;
	EXPECT_TRUE(has(txt.out, "slot 0    socket bound to queue 0 of " + t.if_a)) << txt.out;
	EXPECT_TRUE(has(txt.out, "udp -> queue")) << txt.out;
	EXPECT_TRUE(has(txt.out, "redirected 20 ")) << txt.out;
	EXPECT_EQ(r.stop(), 0) << r.p.err();

	/* Once the run is gone the interface has nothing. */
	Result after = status(t, { t.if_a });
	EXPECT_EQ(after.rc, 0) << after.err;
	EXPECT_TRUE(has(after.out, t.if_a + " (ifindex ")) << after.out;
	EXPECT_TRUE(has(after.out, "no XDP program")) << after.out;
}

TEST(E2EStatus, TwoQueuesOneOpenShowsTheEmptySlotEmpty)
{
	Topology t(2);
	ASSERT_TRUE(t.ok()) << t.error();
	StatusRun r;
	ASSERT_TRUE(r.start(t, { "--queues", "1" })) << r.p.err();

	Result res;
	json::Value v = status_json(t, &res);
	ASSERT_EQ(res.rc, 0) << res.out << res.err;
	const json::Value &m = prog0(v)["xskmaps"][0];
	EXPECT_EQ(m["max_entries"].u64(), 2u) << res.out;
	EXPECT_EQ(m["sockets"].u64(), 1u) << res.out;
	ASSERT_EQ(m["slots"].size(), 2u) << res.out;
	EXPECT_EQ(m["slots"][0]["slot"].u64(), 0u);
	EXPECT_FALSE(m["slots"][0]["socket"].b) << res.out;
	EXPECT_FALSE(m["slots"][0].has("queue")) << res.out;
	EXPECT_TRUE(m["slots"][1]["socket"].b) << res.out;
	EXPECT_EQ(m["slots"][1]["queue"].u64(), 1u) << res.out;

	Result txt = status(t, { t.if_a });
	EXPECT_TRUE(has(txt.out, "2 slots): 1 socket\n")) << txt.out;
	EXPECT_TRUE(has(txt.out, "slot 0    empty")) << txt.out;
	EXPECT_TRUE(has(txt.out, "slot 1    socket bound to queue 1 of " + t.if_a)) << txt.out;
	EXPECT_EQ(r.stop(), 0) << r.p.err();
}

TEST(E2EStatus, TwoQueuesBothOpenEachSlotHoldsItsQueue)
{
	Topology t(2);
	ASSERT_TRUE(t.ok()) << t.error();
	StatusRun r;
	ASSERT_TRUE(r.start(t, { "--queues", "0,1" })) << r.p.err();

	Result res;
	json::Value v = status_json(t, &res);
	ASSERT_EQ(res.rc, 0) << res.out << res.err;
	const json::Value &m = prog0(v)["xskmaps"][0];
	EXPECT_EQ(m["sockets"].u64(), 2u) << res.out;
	for (uint64_t q = 0; q < 2; q++) {
		EXPECT_TRUE(m["slots"][q]["socket"].b) << res.out;
		EXPECT_EQ(m["slots"][q]["queue"].u64(), q) << res.out;
	}
	/* Two sockets, two inodes. */
	if (m["socket_details"].b) {
		EXPECT_NE(m["slots"][0]["inode"].u64(), m["slots"][1]["inode"].u64());
	}
	EXPECT_EQ(r.stop(), 0) << r.p.err();
}

TEST(E2EStatus, LibxdpDefaultProgramShowsItsMapsOccupancy)
{
	Topology t(4);
	ASSERT_TRUE(t.ok()) << t.error();
	Proc c;
	/*
	 * With a bpffs libxdp tries its dispatcher first (which works on 6.1
	 * and is refused on this project's 6.18 host, where libxdp attaches
	 * the program alone): status must find the map either way.
	 */
	ASSERT_TRUE(c.start({ ip_bin(), "netns", "exec", t.ns_a, "/bin/sh", "-c",
			      "mount -t bpf bpf /sys/fs/bpf && exec \"$0\" \"$@\"", XSK_CONSUMER_BIN,
			      t.if_a, "0", "2" },
			    "consumer"));
	auto deadline = Clock::now() + READY_TIMEOUT;
	while (!has(c.out(), "ready") && Clock::now() < deadline && c.wait_exit(milliseconds(0)) < 0)
		std::this_thread::sleep_for(milliseconds(20));
	ASSERT_TRUE(has(c.out(), "ready")) << c.err();

	Result res;
	json::Value v = status_json(t, &res);
	ASSERT_EQ(res.rc, 0) << res.out << res.err;
	/* libxdp's default program, attached alone or behind its dispatcher. */
	const json::Value *def = nullptr;
	for (auto &e : v["interfaces"][0]["xdp"].arr)
		if (e["name"].str == "xsk_def_prog")
			def = &e;
	ASSERT_NE(def, nullptr) << res.out;
	const json::Value &p = *def;
	if (prog0(v)["name"].str == "xdp_dispatcher") {
		EXPECT_EQ(p["attached_through"].str, "dispatcher") << res.out;
		EXPECT_EQ(p["dispatcher_id"].u64(), prog0(v)["id"].u64()) << res.out;
	} else {
		EXPECT_EQ(p["attached_through"].str, "netlink") << res.out;
	}
	EXPECT_EQ(p["xskmap_run"].type, json::Value::NUL) << res.out;
	ASSERT_GE(p["xskmaps"].size(), 1u) << res.out;
	const json::Value &m = p["xskmaps"][0];
	EXPECT_EQ(m["name"].str, "xsks_map");
	EXPECT_EQ(m["max_entries"].u64(), 4u) << res.out;
	EXPECT_EQ(m["sockets"].u64(), 2u) << res.out;
	for (uint64_t k = 0; k < 4; k++) {
		bool want = k == 0 || k == 2;

		EXPECT_EQ(m["slots"][k]["socket"].b, want) << "slot " << k << "\n" << res.out;
		if (want) {
			EXPECT_EQ(m["slots"][k]["queue"].u64(), k) << res.out;
			if (m["socket_details"].b) {
				EXPECT_EQ(m["slots"][k]["process"]["pid"].u64(), (uint64_t)c.pid()) << res.out;
			}
		}
	}
	/* Where the kernel lists AF_XDP sockets (sock_diag), the same two, in the map. */
	if (v["sockets_error"].type == json::Value::NUL) {
		const json::Value &socks = v["interfaces"][0]["sockets"];

		ASSERT_EQ(socks.size(), 2u) << res.out;
		for (size_t i = 0; i < 2; i++) {
			uint64_t q = socks[i]["queue"].u64();

			EXPECT_TRUE(q == 0 || q == 2) << res.out;
			EXPECT_TRUE(socks[i]["in_xskmap"].b) << res.out;
			EXPECT_EQ(socks[i]["process"]["pid"].u64(), (uint64_t)c.pid()) << res.out;
		}
		EXPECT_NE(socks[0]["queue"].u64(), socks[1]["queue"].u64()) << res.out;
	}
	Result txt = status(t, { t.if_a });
	EXPECT_TRUE(has(txt.out, "no xskmap run owns it")) << txt.out;
	EXPECT_TRUE(has(txt.out, "slot 2    socket bound to queue 2 of " + t.if_a)) << txt.out;
	EXPECT_TRUE(has(txt.out, "slot 3    empty")) << txt.out;
	c.signal(SIGTERM);
	EXPECT_EQ(c.wait_exit(EXIT_TIMEOUT), 0) << c.err();
}

TEST(E2EStatus, XdpLoaderLoadedObjectEveryEmptySlotAndTheCounters)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();
	Result ld = run({ ip_bin(), "netns", "exec", t.ns_a, "xdp-loader", "load", "-m", "native", t.if_a,
			  XSK_REDIRECT_OBJ });
	ASSERT_EQ(ld.rc, 0) << ld.out << ld.err;

	Result res;
	json::Value v = status_json(t, &res);
	EXPECT_EQ(res.rc, 0) << res.out << res.err;
	const json::Value &p = prog0(v);
	EXPECT_EQ(p["name"].str, "xsk_redirect") << res.out;
	EXPECT_EQ(p["attached_through"].str, "netlink") << res.out;
	EXPECT_EQ(p["xskmap_run"].type, json::Value::NUL) << res.out;
	const json::Value &m = p["xskmaps"][0];
	EXPECT_EQ(m["max_entries"].u64(), 64u) << res.out;	/* XSK_MAP_DEFAULT_ENTRIES */
	EXPECT_EQ(m["sockets"].u64(), 0u) << res.out;
	ASSERT_EQ(m["slots"].size(), 64u) << res.out;
	for (size_t k = 0; k < 64; k++)
		EXPECT_FALSE(m["slots"][k]["socket"].b) << k;
	/* The counters live with the program; the rule set went with xdp-loader. */
	EXPECT_EQ(p["bpf"]["redirected"]["packets"].u64(), 0u) << res.out;
	EXPECT_TRUE(has(p["rules_error"].str, "cls_ruleset")) << res.out;

	Result txt = status(t, { t.if_a });
	EXPECT_TRUE(has(txt.out, "attached through netlink (removed by 'ip link set dev " + t.if_a + " xdpdrv off')"))
		<< txt.out;
	EXPECT_TRUE(has(txt.out, "64 slots): 0 sockets\n    slots 0-63 empty\n")) << txt.out;
	run({ ip_bin(), "netns", "exec", t.ns_a, "xdp-loader", "unload", "-a", t.if_a });
}

TEST(E2EStatus, AttachOnlyShowsThePinsAndTheOtherProcessSocket)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();
	BpfFs fs;
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::string dir = fs.path() + "/" + t.if_a;
	Result at = run({ ip_bin(), "netns", "exec", t.ns_a, XSKMAP_BIN, "attach", "--pin-dir", dir, t.if_a });
	ASSERT_EQ(at.rc, 0) << at.out << at.err;

	Proc c;
	ASSERT_TRUE(c.start({ ip_bin(), "netns", "exec", t.ns_a, XSK_ATTACH_CONSUMER_BIN, t.if_a, "0",
			      dir + "/xsks_map", "1000", "30" },
			    "attach-consumer"));
	EXPECT_TRUE(c.wait_stderr("ready", READY_TIMEOUT)) << c.err();

	Result res;
	json::Value v = status_json(t, &res);
	EXPECT_EQ(res.rc, 0) << res.out << res.err;
	const json::Value &p = prog0(v);
	EXPECT_EQ(p["name"].str, "xsk_redirect") << res.out;
	EXPECT_EQ(p["attached_through"].str, "link") << res.out;
	EXPECT_EQ(p["xskmap_attach_pin_dir"].str, dir) << res.out;
	const json::Value &m = p["xskmaps"][0];
	EXPECT_EQ(m["sockets"].u64(), 1u) << res.out;
	EXPECT_TRUE(m["slots"][0]["socket"].b) << res.out;
	EXPECT_EQ(m["slots"][0]["queue"].u64(), 0u) << res.out;
	if (m["socket_details"].b) {
		EXPECT_EQ(m["slots"][0]["process"]["pid"].u64(), (uint64_t)c.pid()) << res.out;
	}
	Result txt = status(t, { t.if_a });
	EXPECT_TRUE(has(txt.out, "left by 'xskmap attach', link and maps pinned under " + dir)) << txt.out;
	c.kill_wait();
	Result dt = run({ ip_bin(), "netns", "exec", t.ns_a, XSKMAP_BIN, "detach", t.if_a });
	EXPECT_EQ(dt.rc, 0) << dt.out << dt.err;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

TEST(E2EStatus, WithoutPrivilegeItSaysWhichCapability)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();
	StatusRun r;
	ASSERT_TRUE(r.start(t, {})) << r.p.err();

	/* nobody sees the program on the interface but cannot open it by id. */
	Result res = run({ ip_bin(), "netns", "exec", t.ns_a, "setpriv", "--reuid=65534", "--regid=65534",
			   "--clear-groups", XSKMAP_BIN, "status", t.if_a },
			 milliseconds(30000));
	EXPECT_EQ(res.rc, 1) << res.out << res.err;
	EXPECT_TRUE(has(res.out, "XDP program ? (id " + std::to_string(t.xdp_prog_id_a()))) << res.out;
	EXPECT_TRUE(has(res.out, "opening BPF objects by id needs CAP_SYS_ADMIN")) << res.out;
	EXPECT_TRUE(has(res.err, "could not be read")) << res.err;
	EXPECT_EQ(r.stop(), 0) << r.p.err();
}

TEST(E2EStatus, InterfaceWithoutXdpSaysSo)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();

	Result txt = status(t, { t.if_a });
	EXPECT_EQ(txt.rc, 0) << txt.err;
	EXPECT_TRUE(has(txt.out, t.if_a + " (ifindex ")) << txt.out;
	EXPECT_TRUE(has(txt.out, "): no XDP program\n")) << txt.out;

	Result res;
	json::Value v = status_json(t, &res);
	EXPECT_EQ(res.rc, 0) << res.err;
	EXPECT_EQ(v["interfaces"].size(), 1u);
	EXPECT_EQ(v["interfaces"][0]["interface"].str, t.if_a);
	EXPECT_EQ(v["interfaces"][0]["xdp"].type, json::Value::ARR);
	EXPECT_EQ(v["interfaces"][0]["xdp"].size(), 0u) << res.out;

	/* Without IFNAME: every interface of the namespace, lo and A's end. */
	Result all = status(t, {});
	EXPECT_EQ(all.rc, 0) << all.err;
	EXPECT_TRUE(has(all.out, "lo (ifindex 1): no XDP program")) << all.out;
	EXPECT_TRUE(has(all.out, t.if_a + " (ifindex ")) << all.out;

	Result bad = status(t, { "xte-no-such-if" });
	EXPECT_EQ(bad.rc, 2);
	EXPECT_TRUE(has(bad.err, "interface 'xte-no-such-if' does not exist")) << bad.err;
}

} // namespace
