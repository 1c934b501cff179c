// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Least privilege, end to end: `xskmap run` as user nobody (uid 65534) with
// only the capabilities the README lists (CAP_NET_ADMIN, CAP_NET_RAW,
// CAP_BPF, CAP_PERFMON, CAP_IPC_LOCK), given as ambient capabilities (as
// `setcap` on the binary would give them at exec): it receives byte-exact,
// and once set up no thread of it holds any capability. Without one of
// them the run refuses, naming exactly that one and the setcap line, and
// attaches nothing. Without a bpffs and without the right to mount one
// (root whose bounding set lacks CAP_SYS_ADMIN, under `ip netns exec`) it
// runs and says live rule changes are unavailable.
#include <gtest/gtest.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
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

/* Generous: the 6.1 guest emulates the CPU. */
const milliseconds READY_TIMEOUT(30000), EXIT_TIMEOUT(40000);
constexpr uid_t NOBODY = 65534;
/*
 * What the README's setcap line grants, in setpriv's spelling. CAP_PERFMON:
 * the verifier refuses xsk_redirect's packet-pointer subtraction without it.
 */
const std::vector<std::string> NEEDED = { "net_admin", "net_raw", "bpf", "perfmon", "ipc_lock" };
/* The kernel's default RLIMIT_MEMLOCK (8 MiB), set for every run: not the test runner's. */
constexpr unsigned MEMLOCK_KB = 8192;

std::string upper(std::string s)
{
	for (auto &c : s)
		c = (char)toupper((unsigned char)c);
	return s;
}

std::string caps_arg(const std::vector<std::string> &caps)
{
	std::string s;

	for (auto &c : caps)
		s += (s.empty() ? "+" : ",+") + c;
	return s;
}

/* A directory only nobody may write, for the capture: the run cannot write the test's scratch. */
class NobodyDir {
public:
	NobodyDir()
	{
		std::string tmpl = "/tmp/xte" + std::to_string(getpid()) + "e2e-xlp-XXXXXX";

		if (mkdtemp(&tmpl[0]) && !chown(tmpl.c_str(), NOBODY, NOBODY) &&
		    !chmod(tmpl.c_str(), 0700))
			path_ = tmpl;
	}
	~NobodyDir()
	{
		if (!path_.empty())
			remove_dir(path_);
	}
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

/* One "Name:\tvalue" of a /proc status file, "" when absent. */
std::string status_field(const std::string &status, const std::string &name)
{
	std::istringstream in(status);
	std::string line;

	while (std::getline(in, line))
		if (!line.compare(0, name.size() + 1, name + ":")) {
			size_t p = line.find_first_not_of(" \t", name.size() + 1);

			return p == std::string::npos ? "" : line.substr(p);
		}
	return "";
}

/* tid -> its status file, for every thread of pid. */
std::map<long, std::string> thread_status(pid_t pid)
{
	std::map<long, std::string> m;
	std::string dir = "/proc/" + std::to_string(pid) + "/task";
	DIR *d = opendir(dir.c_str());
	struct dirent *de;

	if (!d)
		return m;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			m[atol(de->d_name)] = read_file(dir + "/" + de->d_name + "/status");
	closedir(d);
	return m;
}

/* n frames of 60 to 1514 bytes from B to A, "XPL1" and a sequence number. */
std::vector<Bytes> frames_to_a(const Topology &t, size_t n)
{
	return frames_mixed(t.mac_a, t.mac_b, 0x58504c31, n, 0x1EA57u, { 42100 });
}

class E2EPrivs : public TopologyTest {
protected:
	std::vector<std::unique_ptr<Proc>> procs_;

	void TearDown() override
	{
		for (auto &p : procs_)
			p->kill_wait();
		procs_.clear();
	}

	/*
	 * `xskmap ARGS... IF_A` inside A under sh (the memlock limit) and
	 * setpriv (who and with what): setpriv runs inside A, since entering a
	 * namespace needs CAP_SYS_ADMIN itself.
	 */
	Proc &spawn(const std::vector<std::string> &setpriv, std::vector<std::string> args)
	{
		std::vector<std::string> argv = { ip_bin(), "netns", "exec", t->ns_a, "/bin/sh", "-c",
						  "ulimit -l " + std::to_string(MEMLOCK_KB) +
						  " && exec \"$0\" \"$@\"", "setpriv" };

		argv.insert(argv.end(), setpriv.begin(), setpriv.end());
		argv.push_back("--");
		argv.push_back(XSKMAP_BIN);
		argv.insert(argv.end(), args.begin(), args.end());
		argv.push_back(t->if_a);
		procs_.push_back(std::make_unique<Proc>());
		EXPECT_TRUE(procs_.back()->start(argv, "xskmap"));
		return *procs_.back();
	}

	/* As nobody with exactly caps, ambient (what setcap's +ep gives at exec). */
	Proc &as_nobody(const std::vector<std::string> &caps, const std::vector<std::string> &args)
	{
		std::string c = caps_arg(caps);

		return spawn({ "--reuid=65534", "--regid=65534", "--clear-groups",
			       "--inh-caps=-all" + (c.empty() ? "" : "," + c),
			       "--ambient-caps=-all" + (c.empty() ? "" : "," + c) },
			     args);
	}

	/*
	 * Every thread of the run's process: its uid is want_uid and it holds
	 * no capability at all. More than one thread: the workers are there.
	 */
	::testing::AssertionResult no_caps_in_any_thread(pid_t pid, const std::string &want_uid,
							size_t min_threads)
	{
		auto threads = thread_status(pid);

		if (threads.size() < min_threads)
			return ::testing::AssertionFailure()
			       << "pid " << pid << " has " << threads.size() << " threads, expected at least "
			       << min_threads;
		for (auto &[tid, st] : threads) {
			std::string uid = status_field(st, "Uid");

			if (uid.substr(0, uid.find('\t')) != want_uid)
				return ::testing::AssertionFailure() << "thread " << tid << " has Uid " << uid;
			for (auto *f : { "CapEff", "CapPrm", "CapInh", "CapAmb" })
				if (status_field(st, f) != "0000000000000000")
					return ::testing::AssertionFailure()
					       << "thread " << tid << " (" << status_field(st, "Name")
					       << ") has " << f << " " << status_field(st, f);
		}
		return ::testing::AssertionSuccess() << threads.size() << " threads, none with a capability";
	}

	SendResult send(const std::vector<Bytes> &frames)
	{
		SendSpec s;

		s.ns = t->ns_b;
		s.ifname = t->if_b;
		s.frames = &frames;
		return send_frames(s);
	}
};

/*
 * The five capabilities, nothing else, as nobody: the frames arrive byte
 * for byte in a pcap written to nobody's directory; while it runs, every
 * thread (main, worker, pcap writer) has empty CapEff, CapPrm, CapInh and
 * CapAmb; nobody cannot write /run/xskmap, so the run takes no record and
 * says live rule changes are unavailable; the teardown with no capability
 * detaches (the link closed) and exits 0.
 */
TEST_F(E2EPrivs, NobodyWithTheListedCapsReceivesByteExactAndDropsThemAll)
{
	constexpr size_t N = 500;
	NobodyDir dir;
	ASSERT_FALSE(dir.path().empty()) << "cannot make a directory for uid 65534";
	std::string pcap = dir.path() + "/rx.pcap";
	std::vector<Bytes> frames = frames_to_a(*t, N);

	Proc &ld = as_nobody(NEEDED, { "run", "-c", std::to_string(N), "-d", "20", "-w", pcap, "--json" });
	ASSERT_TRUE(ld.wait_stderr("receiving on " + t->if_a, READY_TIMEOUT)) << ld.err();
	ASSERT_EQ(read_file("/proc/" + std::to_string(ld.pid()) + "/comm"), "xskmap\n")
		<< "ip netns exec, sh and setpriv exec: the pid is xskmap's";
	EXPECT_TRUE(no_caps_in_any_thread(ld.pid(), "65534", 3));
	EXPECT_TRUE(has(ld.err(), "live rule changes are unavailable")) << ld.err();
	EXPECT_TRUE(t->xdp_on_a()) << t->link_a();

	SendResult s = send(frames);
	ASSERT_EQ(s.err, "");
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();

	json::Value j;
	std::string err;
	ASSERT_TRUE(json::parse(ld.out(), j, err)) << err << "\n" << ld.out();
	EXPECT_EQ(j["rx_packets"].u64(), N) << ld.out();
	/* Read from the program's per-CPU map through its fd, after the drop. */
	EXPECT_EQ(j["bpf"]["redirected"]["packets"].u64(), N) << ld.out();
	std::vector<Bytes> got;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	EXPECT_TRUE(same_frames(frames, got));
	struct stat st;
	ASSERT_EQ(stat(pcap.c_str(), &st), 0);
	EXPECT_EQ(st.st_uid, NOBODY) << "the capture is nobody's file";
	EXPECT_FALSE(t->xdp_on_a()) << "the teardown, with no capability, detached: " << t->link_a();
}

/*
 * A second run as nobody beside it is refused: it cannot look links up,
 * and says so. The fault checks of a run with no capability left: its link detached by
 * id from outside (as `bpftool link detach` does) is seen through the
 * link's fd, and the run exits 1 saying so.
 */
TEST_F(E2EPrivs, NobodysRunSeesItsLinkDetachedWithNoCapability)
{
	Proc &ld = as_nobody(NEEDED, { "run", "-d", "30" });
	ASSERT_TRUE(ld.wait_stderr("receiving on " + t->if_a, READY_TIMEOUT)) << ld.err();
	std::string err = ld.err();
	size_t p = err.find("(BPF link ");
	ASSERT_NE(p, std::string::npos) << err;
	std::string link = std::to_string(strtoul(err.c_str() + p + 10, nullptr, 10));
	EXPECT_TRUE(no_caps_in_any_thread(ld.pid(), "65534", 2));

	/* No record to name the first run: the second, unable to look links up, says so. */
	Result second = finish(as_nobody(NEEDED, { "run", "-d", "1" }), EXIT_TIMEOUT);
	EXPECT_EQ(second.rc, 1) << second.err;
	EXPECT_TRUE(has(second.err, "cannot tell whose")) << second.err;

	Result r = run({ "/usr/sbin/bpftool", "link", "detach", "id", link });
	ASSERT_EQ(r.rc, 0) << r.err;
	EXPECT_EQ(ld.wait_exit(milliseconds(10000)), 1) << ld.err();
	EXPECT_TRUE(has(ld.err(), "the XDP program was detached from " + t->if_a +
				  " by another tool (link id " + link + ")"))
		<< ld.err();
	EXPECT_FALSE(t->xdp_on_a()) << t->link_a();
}

/*
 * Each of the five left out in turn: exit 1, one error naming exactly that
 * capability and the setcap line, nothing attached. CAP_IPC_LOCK is needed
 * only when the UMEM does not fit RLIMIT_MEMLOCK: the default 16 MiB does
 * not fit 8 MiB (the error gives both numbers), 1024 frames (4 MiB) do.
 */
TEST_F(E2EPrivs, EachMissingCapIsNamedWithTheSetcapLineAndAttachesNothing)
{
	for (auto &drop : NEEDED) {
		std::vector<std::string> caps;

		for (auto &c : NEEDED)
			if (c != drop)
				caps.push_back(c);
		Proc &ld = as_nobody(caps, { "run", "-d", "5" });
		Result r = finish(ld, EXIT_TIMEOUT);
		std::string name = "CAP_" + upper(drop);

		EXPECT_EQ(r.rc, 1) << "without " << name << ": " << r.err;
		EXPECT_TRUE(has(r.err, "missing " + name + ":")) << r.err;
		for (auto &c : NEEDED) {
			if (c == drop)
				continue;
			EXPECT_FALSE(has(r.err, "CAP_" + upper(c))) << "names only " << name << ": " << r.err;
		}
		EXPECT_TRUE(has(r.err, "setcap cap_net_admin,cap_net_raw,cap_bpf,cap_perfmon,cap_ipc_lock+ep ")) << r.err;
		if (drop == "ipc_lock") {
			EXPECT_TRUE(has(r.err, "16.0 MiB")) << "the UMEM's size: " << r.err;
			EXPECT_TRUE(has(r.err, "8.0 MiB")) << "the limit: " << r.err;
			EXPECT_TRUE(has(r.err, "lower --frames")) << r.err;
		}
		EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
		EXPECT_FALSE(t->xdp_on_a()) << "without " << name << ": " << t->link_a();
	}

	std::vector<std::string> no_lock = { "net_admin", "net_raw", "bpf", "perfmon" };
	Result r = finish(as_nobody(no_lock, { "run", "--frames", "1024", "--ring-size", "512", "-d", "0.5" }), EXIT_TIMEOUT);
	EXPECT_EQ(r.rc, 0) << "a UMEM within RLIMIT_MEMLOCK needs no CAP_IPC_LOCK: " << r.err;
	EXPECT_FALSE(t->xdp_on_a()) << t->link_a();
}

/*
 * --pin-dir needs the run record, which nobody cannot write under
 * /run/xskmap (root's): refused before anything is attached, with the
 * fixes, rather than pins no record accounts for.
 */
TEST_F(E2EPrivs, NobodysPinDirIsRefusedForWantOfARecord)
{
	NobodyDir dir;
	ASSERT_FALSE(dir.path().empty());
	Result r = finish(as_nobody(NEEDED, { "run", "-d", "1", "--pin-dir", dir.path() + "/pins" }),
			  EXIT_TIMEOUT);

	EXPECT_EQ(r.rc, 1) << r.err;
	EXPECT_TRUE(has(r.err, "--pin-dir needs the run record")) << r.err;
	EXPECT_TRUE(has(r.err, "leave out --pin-dir")) << r.err;
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
	EXPECT_FALSE(t->xdp_on_a()) << t->link_a();
}

/*
 * Root without CAP_SYS_ADMIN (its bounding set holds only the five) under
 * `ip netns exec`, which gives a /sys without bpffs: it cannot mount one
 * for the pins, so it says live rule changes are unavailable, and receives
 * all the same, with no capability in any thread after setup.
 */
TEST_F(E2EPrivs, WithoutBpffsOrTheRightToMountOneARunStillReceives)
{
	constexpr size_t N = 200;
	std::string pcap = scratch_file("nobpffs.pcap");
	std::vector<Bytes> frames = frames_to_a(*t, N);

	Proc &ld = spawn({ "--bounding-set=-all," + caps_arg(NEEDED), "--inh-caps=-all" },
			 { "run", "-c", std::to_string(N), "-d", "20", "-w", pcap, "--json" });
	ASSERT_TRUE(ld.wait_stderr("receiving on " + t->if_a, READY_TIMEOUT)) << ld.err();
	EXPECT_TRUE(has(ld.err(), "cannot mount bpffs")) << ld.err();
	EXPECT_TRUE(has(ld.err(), "live rule changes are unavailable")) << ld.err();
	EXPECT_TRUE(no_caps_in_any_thread(ld.pid(), "0", 3));

	SendResult s = send(frames);
	ASSERT_EQ(s.err, "");
	ASSERT_EQ(s.sent, N) << strerror(s.last_errno);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	std::vector<Bytes> got;
	std::string err;
	ASSERT_TRUE(read_pcap(pcap, got, err)) << err;
	EXPECT_TRUE(same_frames(frames, got));
	EXPECT_FALSE(t->xdp_on_a()) << t->link_a();
}

} // namespace
