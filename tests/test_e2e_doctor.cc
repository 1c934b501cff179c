// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap doctor IFNAME` on veth pairs in namespaces the tests create: what
// each check says is compared with what the test set up (a bpffs mounted
// or not, the link up or down, busy polling left at its defaults, a run
// already there), and the exit status with whether a run would start.
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "json_reader.h"
#include "netns.h"

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

/* doctor in A's namespace; with mount_bpffs, a bpffs on /sys/fs/bpf first. */
Result doctor(const Topology &t, const std::vector<std::string> &args, bool mount_bpffs)
{
	std::string cmd = std::string(mount_bpffs ? "mount -t bpf bpf /sys/fs/bpf && " : "") +
			  "exec \"$0\" doctor \"$@\"";
	std::vector<std::string> argv = { ip_bin(), "netns", "exec", t.ns_a, "/bin/sh", "-c", cmd, XSKMAP_BIN };

	argv.insert(argv.end(), args.begin(), args.end());
	argv.push_back(t.if_a);
	return run(argv, milliseconds(60000));
}

/* The check named name: its status ("OK", "WARN", "FAIL"), "" if absent. */
const json::Value &check(const json::Value &v, const std::string &name)
{
	for (auto &c : v["checks"].arr)
		if (c["check"].str == name)
			return c;
	return json::Value::null();
}

json::Value parse(const Result &r)
{
	json::Value v;
	std::string err;

	EXPECT_TRUE(json::parse_strict(r.out, v, err)) << err << "\n" << r.out << r.err;
	return v;
}

TEST(E2EDoctor, UpVethWithBpffsWouldStart)
{
	Topology t(2);
	ASSERT_TRUE(t.ok()) << t.error();

	Result r = doctor(t, { "--json" }, true);
	json::Value v = parse(r);
	EXPECT_EQ(r.rc, 0) << r.out << r.err;
	EXPECT_EQ(v["interface"].str, t.if_a);
	EXPECT_TRUE(v["would_start"].b) << r.out;
	EXPECT_EQ(v["fail"].u64(), 0u) << r.out;
	EXPECT_EQ(check(v, "link")["status"].str, "OK") << r.out;
	EXPECT_EQ(check(v, "bpffs")["status"].str, "OK") << r.out;
	EXPECT_TRUE(has(check(v, "bpffs")["message"].str, "/sys/fs/bpf")) << r.out;
	EXPECT_EQ(check(v, "capabilities")["status"].str, "OK") << r.out;
	EXPECT_EQ(check(v, "driver")["status"].str, "OK");
	EXPECT_TRUE(has(check(v, "driver")["message"].str, "veth")) << r.out;
	EXPECT_EQ(check(v, "native XDP")["status"].str, "OK") << r.out;
	/* veth has no zero-copy: a warning with its fix, not a failure. */
	EXPECT_EQ(check(v, "zero-copy")["status"].str, "WARN") << r.out;
	EXPECT_TRUE(has(check(v, "queues")["message"].str, "2 RX and 2 TX queues")) << r.out;
	EXPECT_EQ(check(v, "XDP program")["status"].str, "OK") << r.out;
	EXPECT_EQ(check(v, "AF_XDP sockets")["status"].str, "OK") << r.out;
	EXPECT_EQ(check(v, "MTU")["status"].str, "OK") << r.out;
	/* A fresh veth has napi_defer_hard_irqs and gro_flush_timeout at 0. */
	EXPECT_EQ(check(v, "busy polling")["status"].str, "WARN") << r.out;
	EXPECT_TRUE(has(check(v, "busy polling")["fix"].str,
			"echo 2 > /sys/class/net/" + t.if_a + "/napi_defer_hard_irqs")) << r.out;
	EXPECT_EQ(check(v, "memory")["status"].str, "OK") << r.out;
	for (auto &c : v["checks"].arr) {
		EXPECT_TRUE(c["status"].str == "OK" || c["status"].str == "WARN" || c["status"].str == "FAIL")
			<< c["check"].str;
		if (c["status"].str != "OK") {
			EXPECT_EQ(c["fix"].type, json::Value::STR) << c["check"].str << " has no fix";
		}
	}

	/* The text: one check a line, each starting with its verdict, and the end. */
	Result txt = doctor(t, {}, true);
	EXPECT_EQ(txt.rc, 0) << txt.out << txt.err;
	EXPECT_TRUE(has(txt.out, "\nOK    link           " + t.if_a + " is up")) << txt.out;
	EXPECT_TRUE(has(txt.out, "\nWARN  busy polling   ")) << txt.out;
	EXPECT_TRUE(has(txt.out, "xskmap doctor: a run on " + t.if_a + " would start")) << txt.out;
}

TEST(E2EDoctor, NoBpffsIsAWarningWithTheMount)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();

	/*
	 * Other processes' bpffs mounts (other test runs' under /tmp) reach
	 * `ip netns exec`'s mount namespace too: unmount them there (it is a
	 * slave of the machine's, so only there) for a namespace with none.
	 */
	std::vector<std::string> argv = { ip_bin(), "netns", "exec", t.ns_a, "/bin/sh", "-c",
		"for m in $(grep ' - bpf ' /proc/self/mountinfo | cut -d' ' -f5); do umount -l \"$m\"; done; "
		"exec \"$0\" doctor --json \"$1\"", XSKMAP_BIN, t.if_a };
	Result r = run(argv, milliseconds(60000));
	json::Value v = parse(r);
	EXPECT_EQ(r.rc, 0) << r.out;
	EXPECT_EQ(check(v, "bpffs")["status"].str, "WARN") << r.out;
	EXPECT_TRUE(has(check(v, "bpffs")["message"].str, "no bpf filesystem in this mount namespace")) << r.out;
	EXPECT_TRUE(has(check(v, "bpffs")["fix"].str, "mount -t bpf bpf /sys/fs/bpf")) << r.out;
}

TEST(E2EDoctor, DownLinkFailsAndSaysARunWouldNotStart)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();
	ASSERT_EQ(ip({ "-n", t.ns_a, "link", "set", t.if_a, "down" }).rc, 0);

	Result r = doctor(t, { "--json" }, true);
	json::Value v = parse(r);
	EXPECT_EQ(r.rc, 1) << r.out << r.err;
	EXPECT_FALSE(v["would_start"].b);
	EXPECT_GE(v["fail"].u64(), 1u);
	EXPECT_EQ(check(v, "link")["status"].str, "FAIL") << r.out;
	EXPECT_EQ(check(v, "link")["fix"].str, "ip link set dev " + t.if_a + " up") << r.out;

	Result txt = doctor(t, {}, true);
	EXPECT_EQ(txt.rc, 1);
	EXPECT_TRUE(has(txt.out, "FAIL  link           " + t.if_a + " is down")) << txt.out;
	EXPECT_TRUE(has(txt.out, "xskmap doctor: a run on " + t.if_a + " would not start: ")) << txt.out;
}

TEST(E2EDoctor, ALiveRunFailsTheProgramCheck)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();
	Proc ld;
	ASSERT_TRUE(ld.start({ ip_bin(), "netns", "exec", t.ns_a, XSKMAP_BIN, "run", t.if_a }, "doctor-run"));
	ASSERT_TRUE(ld.wait_stderr("receiving on " + t.if_a, READY_TIMEOUT)) << ld.err();

	Result r = doctor(t, { "--json" }, true);
	json::Value v = parse(r);
	EXPECT_EQ(r.rc, 1) << r.out;
	EXPECT_EQ(check(v, "XDP program")["status"].str, "FAIL") << r.out;
	EXPECT_TRUE(has(check(v, "XDP program")["message"].str,
			"xskmap already runs on " + t.if_a + " (pid " + std::to_string(ld.pid()))) << r.out;
	/* Its socket holds queue 0: found by sock_diag or by a bind that gets EBUSY. */
	EXPECT_EQ(check(v, "AF_XDP sockets")["status"].str, "FAIL") << r.out;
	ld.signal(SIGINT);
	EXPECT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
}

TEST(E2EDoctor, WithoutCapabilitiesItNamesThem)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();

	Result r = run({ ip_bin(), "netns", "exec", t.ns_a, "setpriv", "--reuid=65534", "--regid=65534",
			 "--clear-groups", XSKMAP_BIN, "doctor", "--json", t.if_a },
		       milliseconds(60000));
	json::Value v = parse(r);
	EXPECT_EQ(r.rc, 1) << r.out << r.err;
	const json::Value &c = check(v, "capabilities");
	EXPECT_EQ(c["status"].str, "FAIL") << r.out;
	for (const char *cap : { "CAP_NET_ADMIN", "CAP_BPF", "CAP_NET_RAW" })
		EXPECT_TRUE(has(c["message"].str, cap)) << c["message"].str;
	EXPECT_TRUE(has(c["fix"].str, "setcap cap_net_admin,cap_bpf,cap_net_raw")) << c["fix"].str;
}

TEST(E2EDoctor, BadOptionsAreUsageErrors)
{
	Topology t(1);
	ASSERT_TRUE(t.ok()) << t.error();

	Result q = doctor(t, { "-q", "3" }, false);
	EXPECT_EQ(q.rc, 1) << q.out;
	EXPECT_TRUE(has(q.out, "FAIL  queues         queue 3 is not a queue of " + t.if_a)) << q.out;
	Result fs = doctor(t, { "--frame-size", "1000" }, false);
	EXPECT_EQ(fs.rc, 2);
	EXPECT_TRUE(has(fs.err, "invalid --frame-size '1000'")) << fs.err;
	Result cpus = doctor(t, { "--cpus", "0,1" }, false);
	EXPECT_EQ(cpus.rc, 1) << cpus.out;
	EXPECT_TRUE(has(cpus.out, "FAIL  CPUs           --cpus gives 2 CPUs for 1 queue")) << cpus.out;
}

} // namespace
