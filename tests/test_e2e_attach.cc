// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// `xskmap attach` end to end: the program and its rules left on one end of
// a veth pair for a socket another process owns (xsk_attach_consumer: the
// libxdp calls the README gives, INHIBIT_PROG_LOAD and
// xsk_socket__update_xskmap on the pinned xsks_map), frames sent from the
// peer, `rules` on the attached instance, `detach`, and the refusals. Both
// ends in namespaces the test creates; the pins on bpffs mounts the test
// makes and removes.
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <string>
#include <vector>

#include "frames.h"
#include "netns.h"
#include "packet.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif
#ifndef XSK_ATTACH_CONSUMER_BIN
#error "XSK_ATTACH_CONSUMER_BIN must name the consumer (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

/* From libbpf's bpf/bpf.h, whose linux/bpf.h clashes with pcap's bpf.h. */
extern "C" int bpf_obj_get(const char *pathname);
extern "C" int bpf_link_detach(int link_fd);

namespace {

const milliseconds READY_TIMEOUT(10000), EXIT_TIMEOUT(15000);
constexpr uint16_t VXLAN = 4789, OTHER = 4790, LATER = 5000;

/* UDP from B to A, "XTA1" + sequence, pseudo-random filler to len bytes. */
Bytes frame(const Topology &t, uint32_t seq, size_t len, uint16_t dport, uint32_t &rng)
{
	return seq_frame(t.mac_a, t.mac_b, { 0x58544131, seq }, len, 30000, dport, rng);
}

/* The consumer's "frame LEN HEX" lines. */
std::vector<Bytes> consumer_frames(const std::string &out)
{
	std::vector<Bytes> v;
	size_t pos = 0;

	while (pos < out.size()) {
		size_t eol = out.find('\n', pos);
		std::string line = out.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
		unsigned len;
		char hex[2 * 4096 + 1];

		pos = eol == std::string::npos ? out.size() : eol + 1;
		if (sscanf(line.c_str(), "frame %u %8192s", &len, hex) != 2 || strlen(hex) != 2 * len)
			continue;
		Bytes b(len);
		for (unsigned i = 0; i < len; i++)
			b[i] = (uint8_t)strtoul(std::string(hex + 2 * i, 2).c_str(), nullptr, 16);
		v.push_back(b);
	}
	return v;
}

/* The record files under /run/xskmap that name ifname. */
std::vector<std::string> records_of(const std::string &ifname)
{
	std::vector<std::string> v;

	for (auto &n : list_dir("/run/xskmap"))
		if (read_file("/run/xskmap/" + n).find("\nifname " + ifname + "\n") != std::string::npos)
			v.push_back(n);
	return v;
}

/*
 * A bpffs on /tmp/afxdp_dp/IFNAME, the default pin directory, mounted as the
 * AF_XDP device plugin does; unmounted (and the directories the test made
 * removed) when it goes.
 */
class DevicePluginDir {
public:
	explicit DevicePluginDir(const std::string &ifname)
	{
		made_root_ = !mkdir("/tmp/afxdp_dp", 0755);
		path_ = "/tmp/afxdp_dp/" + ifname;
		if (mkdir(path_.c_str(), 0700)) {
			err_ = "mkdir " + path_ + ": " + strerror(errno);
			return;
		}
		reg::add_mnt(path_);
		if (mount("bpf", path_.c_str(), "bpf", 0, "mode=0700")) {
			err_ = "cannot mount bpffs on " + path_ + ": " + strerror(errno);
			return;
		}
		mounted_ = true;
		initial_ = list_dir(path_);
	}
	~DevicePluginDir()
	{
		if (mounted_)
			umount2(path_.c_str(), MNT_DETACH);
		rmdir(path_.c_str());
		reg::del_mnt(path_);
		if (made_root_)
			rmdir("/tmp/afxdp_dp");
	}
	bool ok() const { return mounted_; }
	const std::string &error() const { return err_; }
	const std::string &path() const { return path_; }
	std::string added() const
	{
		std::string s;

		for (auto &n : list_dir(path_))
			if (std::find(initial_.begin(), initial_.end(), n) == initial_.end() &&
			    !is_iproute2_bpffs_dir(path_, n))
				s += (s.empty() ? "" : " ") + n;
		return s;
	}

private:
	std::string path_, err_;
	std::vector<std::string> initial_;
	bool made_root_ = false, mounted_ = false;
};

class E2EAttach : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(geteuid(), 0u) << "e2e_tests need root (namespaces, veth, XDP, AF_XDP)";
		ASSERT_EQ(access(XSKMAP_BIN, X_OK), 0) << XSKMAP_BIN << ": " << strerror(errno);
		ASSERT_EQ(access(XSK_ATTACH_CONSUMER_BIN, X_OK), 0) << XSK_ATTACH_CONSUMER_BIN;
		topo_ = std::make_unique<Topology>(queues());
		ASSERT_TRUE(topo_->ok()) << topo_->error();
	}

	virtual unsigned queues() const { return 1; }

	void TearDown() override { cleanup(); }
	~E2EAttach() override { cleanup(); }

	void cleanup()
	{
		for (auto &p : procs_)
			p->kill_wait();
		procs_.clear();
		/* Whatever a failed test left attached: detached before the mounts go. */
		if (topo_ && attached_)
			xskmap_sync({ "detach", topo_->if_a });
		attached_ = false;
		dp_.reset();
		fs_.reset();
		topo_.reset();
	}

	Proc &spawn_in_a(std::vector<std::string> argv)
	{
		argv.insert(argv.begin(), { ip_bin(), "netns", "exec", topo_->ns_a });
		procs_.push_back(std::make_unique<Proc>());
		EXPECT_TRUE(procs_.back()->start(argv, "attach")) << "cannot run " << argv[4];
		return *procs_.back();
	}

	Proc &xskmap(std::vector<std::string> args)
	{
		args.insert(args.begin(), XSKMAP_BIN);
		return spawn_in_a(args);
	}

	Result xskmap_sync(const std::vector<std::string> &args)
	{
		return finish(xskmap(args), EXIT_TIMEOUT);
	}

	/* `xskmap attach ARGS... IF_A`, to completion; remembered for cleanup. */
	Result attach(std::vector<std::string> args)
	{
		args.insert(args.begin(), "attach");
		args.push_back(topo_->if_a);
		Result r = xskmap_sync(args);

		if (!r.rc)
			attached_ = true;
		return r;
	}

	/* The consumer on queue 0 of IF_A through map; ready once its socket is in. */
	Proc &consumer(const std::string &map, unsigned queue = 0, unsigned count = 100000,
		       unsigned seconds = 30)
	{
		Proc &p = spawn_in_a({ XSK_ATTACH_CONSUMER_BIN, topo_->if_a, std::to_string(queue), map,
				       std::to_string(count), std::to_string(seconds) });

		EXPECT_TRUE(p.wait_stderr("ready", READY_TIMEOUT)) << p.err();
		return p;
	}

	/* Until the consumer printed n frames (bounded), a moment more for extras, then stop it. */
	std::vector<Bytes> collect(Proc &p, size_t n)
	{
		auto deadline = Clock::now() + milliseconds(10000);

		while (consumer_frames(p.out()).size() < n && Clock::now() < deadline)
			std::this_thread::sleep_for(milliseconds(20));
		std::this_thread::sleep_for(milliseconds(300));
		p.signal(SIGTERM);
		Result r = finish(p, EXIT_TIMEOUT);

		EXPECT_EQ(r.rc, 0) << r.err;
		return consumer_frames(r.out);
	}

	/*
	 * Pinned by default: veth delivers on the sending CPU's backlog, so a
	 * sender that moves between CPUs mid-burst can reorder its frames
	 * (seen under ASan, whose slower code migrates more).
	 */
	SendResult send(const std::vector<Bytes> &frames, int cpu = 0)
	{
		SendSpec s;

		s.cpu = cpu;
		s.ns = topo_->ns_b;
		s.ifname = topo_->if_b;
		s.frames = &frames;
		return send_frames(s);
	}

	/* Frames to dports in turn, and the ones of them that sel keeps. */
	void mix(const std::vector<uint16_t> &dports, size_t n, uint32_t seed,
		 const std::vector<uint16_t> &sel, std::vector<Bytes> &all, std::vector<Bytes> &want)
	{
		uint32_t rng = seed;

		for (size_t i = 0; i < n; i++) {
			uint16_t d = dports[i % dports.size()];
			size_t len = mixed_len(i, rng);
			Bytes f = frame(*topo_, i, len, d, rng);

			all.push_back(f);
			if (std::find(sel.begin(), sel.end(), d) != sel.end())
				want.push_back(f);
		}
	}

	BpfFs &bpffs()
	{
		fs_ = std::make_unique<BpfFs>();
		return *fs_;
	}

	std::unique_ptr<Topology> topo_;
	std::unique_ptr<BpfFs> fs_;
	std::unique_ptr<DevicePluginDir> dp_;
	std::vector<std::unique_ptr<Proc>> procs_;
	bool attached_ = false;
};

/*
 * The default layout: a bpffs on /tmp/afxdp_dp/IF_A (as the device plugin
 * mounts it), attach with a rule, the consumer's socket through the pinned
 * xsks_map receives byte-exact the frames the rule selects and nothing
 * else; detach leaves no program, no pins, no record.
 */
TEST_F(E2EAttach, ConsumerReceivesExactlyWhatTheRuleSelectsThenDetachLeavesNothing)
{
	dp_ = std::make_unique<DevicePluginDir>(topo_->if_a);
	ASSERT_TRUE(dp_->ok()) << dp_->error();

	Result a = attach({ "-r", "udp dport 4789 -> queue", "--default", "pass" });
	ASSERT_EQ(a.rc, 0) << a.err << a.out;
	EXPECT_TRUE(has(a.out, "attached xsk_redirect to " + topo_->if_a));
	EXPECT_TRUE(has(a.out, dp_->path() + "/xsks_map"));
	unsigned prog = topo_->xdp_prog_id_a();
	EXPECT_NE(prog, 0u) << "no program on " << topo_->if_a << " after attach exited";
	EXPECT_TRUE(has(dp_->added(), "xsks_map"));
	EXPECT_TRUE(has(dp_->added(), "xdp_link"));
	EXPECT_TRUE(has(dp_->added(), "cls_active"));
	ASSERT_EQ(records_of(topo_->if_a).size(), 1u);
	EXPECT_TRUE(has(read_file("/run/xskmap/" + records_of(topo_->if_a)[0]), "owner attach"));
	/* The link holds the program: netlink cannot take it off behind attach's back. */
	EXPECT_NE(ip({ "-n", topo_->ns_a, "link", "set", "dev", topo_->if_a, "xdp", "off" }).rc, 0);

	Proc &c = consumer(dp_->path() + "/xsks_map");
	std::vector<Bytes> all, want;
	mix({ VXLAN, OTHER, VXLAN, 53 }, 400, 0xA77AC4, { VXLAN }, all, want);
	SendResult s = send(all);
	ASSERT_TRUE(s.err.empty()) << s.err;
	ASSERT_EQ(s.sent, all.size());
	std::vector<Bytes> got = collect(c, want.size());
	EXPECT_TRUE(same_frames(want, got));
	std::vector<Bytes> first(got.begin(), got.begin() + std::min<size_t>(got.size(), 3));
	for (auto &f : first)
		printf("[consumer] frame %zu bytes, udp dport %u\n", f.size(), get16(f, 36));

	/* The rule's hits count them: rules reads the attached instance without --pin-dir. */
	Result l = xskmap_sync({ "rules", topo_->if_a, "list" });
	ASSERT_EQ(l.rc, 0) << l.err;
	EXPECT_TRUE(has(l.out, "udp dport 4789 -> queue"));
	EXPECT_TRUE(has(l.out, std::to_string(want.size())));

	Result d = xskmap_sync({ "detach", topo_->if_a });
	ASSERT_EQ(d.rc, 0) << d.err << d.out;
	attached_ = false;
	EXPECT_TRUE(has(d.out, "detached xsk_redirect"));
	EXPECT_EQ(topo_->xdp_prog_id_a(), 0u) << topo_->link_a();
	EXPECT_EQ(dp_->added(), "");
	EXPECT_TRUE(records_of(topo_->if_a).empty());
	/* And the interface is plain again: it can be attached anew. */
	Result again = attach({ "-r", "udp -> queue", "--pin-dir", dp_->path() });
	EXPECT_EQ(again.rc, 0) << again.err;
}

/* rules add/del on the attached instance change what the consumer gets, at once. */
TEST_F(E2EAttach, RulesAddAndDelChangeWhatTheConsumerGets)
{
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::string dir = fs.path() + "/" + topo_->if_a;

	Result a = attach({ "-r", "udp dport 4789 -> queue", "--default", "pass", "--pin-dir", dir });
	ASSERT_EQ(a.rc, 0) << a.err;

	Result add = xskmap_sync({ "rules", "--pin-dir", dir, topo_->if_a, "add", "udp dport 5000 -> queue" });
	ASSERT_EQ(add.rc, 0) << add.err;
	unsigned id = 0;
	ASSERT_EQ(sscanf(add.out.c_str(), "xskmap: added rule %u", &id), 1) << add.out;

	Proc &c1 = consumer(dir + "/xsks_map");
	std::vector<Bytes> all, want;
	mix({ VXLAN, LATER, OTHER }, 300, 0x5EED1, { VXLAN, LATER }, all, want);
	ASSERT_EQ(send(all).sent, all.size());
	EXPECT_TRUE(same_frames(want, collect(c1, want.size())));

	Result del = xskmap_sync({ "rules", topo_->if_a, "del", std::to_string(id) });
	ASSERT_EQ(del.rc, 0) << del.err;
	Proc &c2 = consumer(dir + "/xsks_map");
	all.clear();
	want.clear();
	mix({ VXLAN, LATER, OTHER }, 300, 0x5EED2, { VXLAN }, all, want);
	ASSERT_EQ(send(all).sent, all.size());
	EXPECT_TRUE(same_frames(want, collect(c2, want.size())));

	/* --default queue: everything goes to the socket. */
	Result def = xskmap_sync({ "rules", topo_->if_a, "default", "queue" });
	ASSERT_EQ(def.rc, 0) << def.err;
	Proc &c3 = consumer(dir + "/xsks_map");
	all.clear();
	want.clear();
	mix({ VXLAN, LATER, OTHER }, 90, 0x5EED3, { VXLAN, LATER, OTHER }, all, want);
	ASSERT_EQ(send(all).sent, all.size());
	EXPECT_TRUE(same_frames(want, collect(c3, want.size())));

	Result d = xskmap_sync({ "detach", "--pin-dir", dir, topo_->if_a });
	ASSERT_EQ(d.rc, 0) << d.err;
	attached_ = false;
	EXPECT_EQ(topo_->xdp_prog_id_a(), 0u);
	EXPECT_EQ(fs.added(), "");
	EXPECT_TRUE(records_of(topo_->if_a).empty());
}

/* Not on a bpffs (the default directory unmounted, or a plain one): refused, nothing left. */
TEST_F(E2EAttach, PinDirNotOnBpffsIsRefusedWithTheMountToMake)
{
	std::string def = "/tmp/afxdp_dp/" + topo_->if_a;
	bool had_root = !access("/tmp/afxdp_dp", F_OK);

	Result r = attach({ "-r", "udp -> queue" });
	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "is not on a bpf filesystem"));
	EXPECT_TRUE(has(r.err, "mount -t bpf bpf " + def));
	EXPECT_TRUE(has(r.err, "AF_XDP device plugin"));
	EXPECT_NE(access(def.c_str(), F_OK), 0) << def << " made by a refused attach";
	EXPECT_EQ(!access("/tmp/afxdp_dp", F_OK), had_root);

	std::string plain = scratch_file("plain");
	ASSERT_EQ(mkdir(plain.c_str(), 0700), 0);
	r = attach({ "--pin-dir", plain });
	EXPECT_EQ(r.rc, 1);
	EXPECT_TRUE(has(r.err, "pin directory " + plain + " is not on a bpf filesystem"));
	EXPECT_TRUE(list_dir(plain).empty());
	rmdir(plain.c_str());

	/* /sys/fs/bpf of an `ip netns exec` is nobody's: a mount there would go with the command. */
	r = attach({ "--pin-dir", "/sys/fs/bpf/xskmap/" + topo_->if_a });
	EXPECT_EQ(r.rc, 1);
	EXPECT_TRUE(has(r.err, "would vanish"));

	EXPECT_EQ(topo_->xdp_prog_id_a(), 0u) << topo_->link_a();
	EXPECT_TRUE(records_of(topo_->if_a).empty());
}

/*
 * Who owns the interface: a live run refuses attach, attach refuses a run
 * and a second attach; each refusal names the owner and the way out, and
 * changes nothing.
 */
TEST_F(E2EAttach, OwnedInterfaceAndSecondAttachAreRefusedChangingNothing)
{
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::string dir = fs.path() + "/" + topo_->if_a;

	Proc &run = xskmap({ "run", "--pin-dir", fs.path() + "/run", "-d", "30", topo_->if_a });
	ASSERT_TRUE(run.wait_stderr("receiving on " + topo_->if_a, READY_TIMEOUT)) << run.err();
	unsigned run_prog = topo_->xdp_prog_id_a();
	Result r = attach({ "--pin-dir", dir });
	EXPECT_EQ(r.rc, 1);
	EXPECT_TRUE(has(r.err, "xskmap already runs on " + topo_->if_a));
	EXPECT_EQ(topo_->xdp_prog_id_a(), run_prog);
	EXPECT_NE(access(dir.c_str(), F_OK), 0);
	run.signal(SIGINT);
	ASSERT_EQ(finish(run, EXIT_TIMEOUT).rc, 0);
	ASSERT_EQ(fs.added(), "");

	Result a = attach({ "-r", "udp dport 4789 -> queue", "--default", "pass", "--pin-dir", dir });
	ASSERT_EQ(a.rc, 0) << a.err;
	unsigned prog = topo_->xdp_prog_id_a();
	std::string pins = fs.added();

	Result twice = attach({ "--pin-dir", fs.path() + "/other" });
	EXPECT_EQ(twice.rc, 1);
	EXPECT_TRUE(has(twice.err, "is attached by 'xskmap attach'"));
	EXPECT_TRUE(has(twice.err, "xskmap detach " + topo_->if_a));
	Result run2 = xskmap_sync({ "run", "-d", "1", "--pin-dir", fs.path() + "/run", topo_->if_a });
	EXPECT_EQ(run2.rc, 1);
	EXPECT_TRUE(has(run2.err, "is attached by 'xskmap attach'"));
	EXPECT_EQ(topo_->xdp_prog_id_a(), prog);
	EXPECT_EQ(fs.added(), pins);

	/* The attached instance still works after the refusals. */
	Proc &c = consumer(dir + "/xsks_map");
	std::vector<Bytes> all, want;
	mix({ VXLAN, OTHER }, 50, 0xB0B, { VXLAN }, all, want);
	ASSERT_EQ(send(all).sent, all.size());
	EXPECT_TRUE(same_frames(want, collect(c, want.size())));

	Result d = xskmap_sync({ "detach", topo_->if_a });
	ASSERT_EQ(d.rc, 0) << d.err;
	attached_ = false;
	EXPECT_EQ(topo_->xdp_prog_id_a(), 0u);
	EXPECT_EQ(fs.added(), "");
	EXPECT_TRUE(records_of(topo_->if_a).empty());
}

/*
 * The link forced off (as `bpftool link detach` does) leaves the pins and
 * the record of an attach whose program is gone: that record is dead, so a
 * run may take the interface, and detach removes exactly what attach
 * pinned, the link's pin too.
 */
TEST_F(E2EAttach, ForcedOffLinkMakesTheRecordDeadAndDetachCleansIt)
{
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::string dir = fs.path() + "/" + topo_->if_a;

	Result a = attach({ "--match", "udp", "--pin-dir", dir });
	ASSERT_EQ(a.rc, 0) << a.err;
	int fd = bpf_obj_get((dir + "/xdp_link").c_str());
	ASSERT_GE(fd, 0) << strerror(errno);
	ASSERT_EQ(bpf_link_detach(fd), 0) << strerror(errno);
	close(fd);
	EXPECT_EQ(topo_->xdp_prog_id_a(), 0u) << topo_->link_a();

	/* rules does not take the pins of a program that is gone. */
	Result l = xskmap_sync({ "rules", topo_->if_a, "list" });
	EXPECT_EQ(l.rc, 1);
	EXPECT_TRUE(has(l.err, "xskmap detach " + topo_->if_a));

	Result d = xskmap_sync({ "detach", topo_->if_a });
	ASSERT_EQ(d.rc, 0) << d.err;
	attached_ = false;
	EXPECT_TRUE(has(d.out, "of the 'xskmap attach' on " + topo_->if_a + " whose BPF link"));
	EXPECT_EQ(fs.added(), "");
	EXPECT_TRUE(records_of(topo_->if_a).empty());
}

class E2EAttach2Q : public E2EAttach {
protected:
	unsigned queues() const override { return 2; }
};

/*
 * Two RX queues, a consumer process on each: xsk_socket__update_xskmap()
 * puts each socket at its queue's slot, and each gets exactly the selected
 * frames of its own queue (veth picks the RX queue from the sending CPU).
 */
TEST_F(E2EAttach2Q, EachQueuesConsumerGetsItsQueuesSelectedFrames)
{
	ASSERT_GE(std::thread::hardware_concurrency(), 2u) << "needs 2 CPUs to steer frames to 2 queues";
	BpfFs &fs = bpffs();
	ASSERT_TRUE(fs.ok()) << fs.error();
	std::string dir = fs.path() + "/" + topo_->if_a;

	Result a = attach({ "-r", "udp dport 4789 -> queue", "--default", "pass", "--pin-dir", dir });
	ASSERT_EQ(a.rc, 0) << a.err;
	EXPECT_TRUE(has(a.out, "xsks_map (2 slots"));
	Proc &c0 = consumer(dir + "/xsks_map", 0);
	Proc &c1 = consumer(dir + "/xsks_map", 1);
	std::vector<Bytes> all0, want0, all1, want1;
	mix({ VXLAN, OTHER }, 100, 0x0A, { VXLAN }, all0, want0);
	mix({ OTHER, VXLAN, VXLAN }, 90, 0x1B, { VXLAN }, all1, want1);
	ASSERT_EQ(send(all0, 0).sent, all0.size());
	ASSERT_EQ(send(all1, 1).sent, all1.size());
	EXPECT_TRUE(same_frames(want0, collect(c0, want0.size())));
	EXPECT_TRUE(same_frames(want1, collect(c1, want1.size())));

	Result d = xskmap_sync({ "detach", topo_->if_a });
	ASSERT_EQ(d.rc, 0) << d.err;
	attached_ = false;
	EXPECT_EQ(topo_->xdp_prog_id_a(), 0u);
	EXPECT_EQ(fs.added(), "");
}

} // namespace
