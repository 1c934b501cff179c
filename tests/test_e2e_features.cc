// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap features` against the kernel it runs on. The oracle is the
// kernel's release, which the tool itself never reads: on 6.18 every
// capability is there, on 6.1 (tests/vm) AF_XDP multi-buffer, RX-metadata
// kfuncs and XDP_MAX_TX_SKB_BUDGET are not, and the tool must say what they
// need. Both ends of the veth are in namespaces the test creates.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <linux/if_xdp.h>
#include <string>
#include "json_reader.h"
#include "netns.h"
#include "kernel_features.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

using namespace xt;

namespace {

struct Expect {
	const char *key;
	int since;		/* major * 1000 + minor */
	const char *needs;	/* in the message when missing */
};

/* Upstream releases that brought each capability. */
const Expect kernel_wide[] = {
	{ "af_xdp", 4018, "Linux 4.18" },
	{ "xskmap", 4018, "Linux 4.18" },
	{ "need_wakeup", 5004, "Linux 5.4" },
	{ "shared_umem", 5010, "Linux 5.10" },
	{ "busy_poll", 5011, "Linux 5.11" },
	{ "xdp_frags", 5018, "Linux 5.18" },
	{ "live_frames", 5018, "Linux 5.18" },
	{ "rx_metadata", 6003, "Linux 6.3" },
	{ "rx_metadata_vlan", 6008, "Linux 6.8" },
	{ "unaligned_chunks", 5004, "Linux 5.4" },
	{ "xsk_multi_buffer", 6006, "Linux 6.6" },
	{ "tx_skb_budget", 6017, "Linux 6.17" },
};

json::Value features_json(const std::vector<std::string> &prefix, const std::string &ifname, Result *out)
{
	std::vector<std::string> argv = prefix;
	json::Value v;
	std::string err;

	argv.push_back(XSKMAP_BIN);
	argv.push_back("features");
	argv.push_back("--json");
	if (!ifname.empty())
		argv.push_back(ifname);
	*out = run(argv, milliseconds(30000));
	EXPECT_TRUE(json::parse_strict(out->out, v, err)) << err << "\n" << out->out << out->err;
	return v;
}

void require_root()
{
	ASSERT_EQ(geteuid(), 0u) << "e2e_tests need root: run them as root";
}

TEST(E2EFeatures, EachCapabilityIsWhatThisKernelHas)
{
	require_root();
	int ver = kernel_version();
	Result r;
	/* No interface: the probes run in a private namespace, touch nothing here. */
	json::Value v = features_json({}, "", &r);

	ASSERT_GT(ver, 0);
	EXPECT_EQ(r.rc, 0) << r.out << r.err;
	const json::Value &f = v["features"];
	for (const Expect &e : kernel_wide) {
		const json::Value &c = f[e.key];
		bool has = ver >= e.since;

		ASSERT_EQ(c["available"].type, json::Value::BOOL) << e.key << ": " << r.out;
		EXPECT_EQ(c["available"].b, has) << e.key << " on " << v["kernel"].str << ": " << r.out;
		if (!has) {
			EXPECT_NE(c["message"].str.find(std::string("needs ") + e.needs), std::string::npos)
				<< e.key << ": " << c["message"].str;
		}
	}
	/* Depends on the machine (here libxdp's dispatcher load gets EPERM): a definite answer. */
	EXPECT_EQ(f["dispatcher"]["available"].type, json::Value::BOOL) << r.out;
	EXPECT_EQ(f["native_xdp"]["available"].type, json::Value::NUL);
}

/*
 * The test's own AF_XDP socket, independent of the tool: XDP_USE_SG binds
 * where the kernel has multi-buffer AF_XDP (6.6) and is refused with EINVAL
 * where it has not; the tool says the same, and names 6.6 when refusing.
 */
TEST(E2EFeatures, XdpUseSgBindAgreesWithTheReport)
{
	require_root();
	Topology t;
	ASSERT_TRUE(t.ok()) << t.error();
	bool expect = kernel_version() >= 6006;
	std::string why;
	int bind_err = sg_bind_errno(t.ns_a, t.if_a, why);

	ASSERT_TRUE(why.empty()) << why;
	if (expect)
		EXPECT_EQ(bind_err, 0) << "XDP_USE_SG bind on " << t.if_a << ": " << strerror(bind_err);
	else
		EXPECT_EQ(bind_err, EINVAL) << "XDP_USE_SG bind on " << t.if_a << ": " << strerror(bind_err);

	Result r;
	json::Value v = features_json({}, "", &r);
	const json::Value &mb = v["features"]["xsk_multi_buffer"];
	EXPECT_EQ(mb["available"].b, bind_err == 0) << r.out;
	if (bind_err) {
		EXPECT_EQ(mb["message"].str, "AF_XDP multi-buffer (XDP_USE_SG) needs Linux 6.6") << r.out;
	}
}

/* veth: native XDP yes, zero-copy no; and the probes leave the interface as it was. */
TEST(E2EFeatures, InterfaceProbesOnVethLeaveNothingBehind)
{
	require_root();
	Topology t;
	ASSERT_TRUE(t.ok()) << t.error();
	Result r;
	json::Value v = features_json({ ip_bin(), "netns", "exec", t.ns_a }, t.if_a, &r);

	EXPECT_EQ(r.rc, 0) << r.out << r.err;
	EXPECT_EQ(v["interface"].str, t.if_a);
	const json::Value &f = v["features"];
	EXPECT_EQ(f["native_xdp"]["available"].type, json::Value::BOOL) << r.out;
	EXPECT_TRUE(f["native_xdp"]["available"].b) << r.out;
	EXPECT_EQ(f["zero_copy"]["available"].type, json::Value::BOOL) << r.out;
	EXPECT_FALSE(f["zero_copy"]["available"].b) << r.out;
	EXPECT_NE(f["zero_copy"]["detail"].str.find(t.if_a), std::string::npos) << r.out;
	EXPECT_FALSE(t.xdp_on_a()) << "features left a program on " << t.if_a << ":\n" << t.link_a();

	/* Twice in a row: nothing the first run left makes the second differ. */
	json::Value again = features_json({ ip_bin(), "netns", "exec", t.ns_a }, t.if_a, &r);
	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_TRUE(again["features"]["native_xdp"]["available"].b) << r.out;
	EXPECT_FALSE(t.xdp_on_a()) << t.link_a();
}

TEST(E2EFeatures, UnknownInterfaceAndOptionAreUsageErrors)
{
	require_root();
	std::string name = "xte" + std::to_string(getpid()) + "zz";
	Result r = run({ XSKMAP_BIN, "features", name });

	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_NE(r.err.find("'" + name + "' does not exist"), std::string::npos) << r.err;
	EXPECT_TRUE(r.out.empty()) << r.out;
	r = run({ XSKMAP_BIN, "features", "--jsn" });
	EXPECT_EQ(r.rc, 2) << r.err;
	EXPECT_NE(r.err.find("--jsn"), std::string::npos) << r.err;
	/* --version after the command too, as after every other one. */
	Result top = run({ XSKMAP_BIN, "--version" });
	r = run({ XSKMAP_BIN, "features", "--version" });
	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_EQ(r.out, top.out);
	EXPECT_FALSE(r.out.empty());
}

} // namespace

namespace {

std::string netns_of_this_thread()
{
	char buf[64] = {};
	ssize_t n = readlink("/proc/thread-self/ns/net", buf, sizeof(buf) - 1);

	return n > 0 ? std::string(buf, n) : "";
}

/* Callable from a running loader: the probes' namespace is their own thread's. */
TEST(E2EFeatures, ProbingLeavesTheCallersNamespace)
{
	require_root();
	struct feat_result res[FEAT_COUNT];
	std::string before = netns_of_this_thread();

	ASSERT_FALSE(before.empty());
	features_probe(res, nullptr);
	EXPECT_EQ(netns_of_this_thread(), before);
	EXPECT_EQ(res[FEAT_AF_XDP].state, FEAT_AVAILABLE) << res[FEAT_AF_XDP].detail;
	EXPECT_EQ(res[FEAT_NEED_WAKEUP].state, FEAT_AVAILABLE) << res[FEAT_NEED_WAKEUP].detail;
	EXPECT_EQ(res[FEAT_NATIVE_XDP].state, FEAT_NOT_PROBED);
}

} // namespace

namespace {

/*
 * Without privileges almost nothing can be tried: each such probe says
 * unknown and why, never "no" (a user would read that as a kernel
 * limit), and the run exits 1 naming the fix.
 */
TEST(E2EFeatures, WithoutPrivilegesNothingIsClaimedMissing)
{
	require_root();
	Result r;
	json::Value v = features_json({ "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
					"--clear-groups", "--inh-caps=-all", "--" }, "", &r);

	EXPECT_EQ(r.rc, 1) << r.out << r.err;
	EXPECT_NE(r.err.find("could not tell"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("run as root"), std::string::npos) << r.err;
	const json::Value &f = v["features"];
	ASSERT_EQ(f.size(), (size_t)FEAT_COUNT) << r.out;
	for (auto &kv : f.obj) {
		const json::Value &avail = kv.second["available"];

		/* Kernel BTF is world-readable: that one probe needs no privilege. */
		if (kv.first == "rx_metadata" || kv.first == "rx_metadata_vlan")
			continue;
		EXPECT_FALSE(avail.type == json::Value::BOOL && !avail.b)
			<< kv.first << " reported missing without privileges: " << kv.second["detail"].str;
	}
	EXPECT_EQ(f["rx_metadata"]["available"].type, json::Value::BOOL) << r.out;
	EXPECT_EQ(f["rx_metadata"]["available"].b, kernel_version() >= 6003) << r.out;
	EXPECT_EQ(f["af_xdp"]["available"].type, json::Value::NUL);
	EXPECT_NE(f["af_xdp"]["detail"].str.find("run as root"), std::string::npos) << r.out;
}

} // namespace
