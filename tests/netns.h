// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// End-to-end plumbing: network namespaces and veth pairs the tests create
// (both ends inside them, always removed), work done from a thread that
// joined a namespace, and child processes whose every wait is bounded.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <pcap/pcap.h>
#include <gtest/gtest.h>

#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif

#include "packet.h"
#include "text.h"

namespace xt {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char *NETNS_DIR = "/var/run/netns/";

/*
 * Last-resort cleanup. Fixtures remove what a test made in TearDown and in
 * destructors; this covers what they cannot: a signal (Ctrl-C, abort, a
 * crash) ending the test binary. The handler makes async-signal-safe calls
 * only: kill() the children, then unmount and unlink each namespace's bind
 * mount, which is all `ip netns del` does. The kernel frees a namespace,
 * and both veth ends inside it, once nothing refers to it any more.
 */
namespace reg {
constexpr int SLOTS = 64;
inline char ns_names[SLOTS][64];
inline volatile sig_atomic_t ns_used[SLOTS];
inline volatile pid_t pids[SLOTS];
inline char mnt_paths[SLOTS][128];
inline volatile sig_atomic_t mnt_used[SLOTS];

inline void add_ns(const std::string &name)
{
	for (int i = 0; i < SLOTS; i++) {
		if (!ns_used[i]) {
			snprintf(ns_names[i], sizeof(ns_names[i]), "%s", name.c_str());
			ns_used[i] = 1;
			return;
		}
	}
}

inline void del_ns(const std::string &name)
{
	for (int i = 0; i < SLOTS; i++)
		if (ns_used[i] && name == ns_names[i])
			ns_used[i] = 0;
}

inline void add_pid(pid_t pid)
{
	for (int i = 0; i < SLOTS; i++) {
		if (!pids[i]) {
			pids[i] = pid;
			return;
		}
	}
}

inline void del_pid(pid_t pid)
{
	for (int i = 0; i < SLOTS; i++)
		if (pids[i] == pid)
			pids[i] = 0;
}

inline void add_mnt(const std::string &path)
{
	for (int i = 0; i < SLOTS; i++) {
		if (!mnt_used[i]) {
			snprintf(mnt_paths[i], sizeof(mnt_paths[i]), "%s", path.c_str());
			mnt_used[i] = 1;
			return;
		}
	}
}

inline void del_mnt(const std::string &path)
{
	for (int i = 0; i < SLOTS; i++)
		if (mnt_used[i] && path == mnt_paths[i])
			mnt_used[i] = 0;
}

inline void emergency_cleanup()
{
	for (int i = 0; i < SLOTS; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	/* A bpffs holds pins only: detached, its mount point is an empty dir. */
	for (int i = 0; i < SLOTS; i++) {
		if (!mnt_used[i])
			continue;
		umount2(mnt_paths[i], MNT_DETACH);
		rmdir(mnt_paths[i]);
		mnt_used[i] = 0;
	}
	for (int i = 0; i < SLOTS; i++) {
		char path[128];
		size_t n = 0;

		if (!ns_used[i])
			continue;
		/* No snprintf in a signal handler: concatenate by hand. */
		for (const char *p = NETNS_DIR; *p && n < sizeof(path) - 1; p++)
			path[n++] = *p;
		for (const char *p = ns_names[i]; *p && n < sizeof(path) - 1; p++)
			path[n++] = *p;
		path[n] = '\0';
		umount2(path, MNT_DETACH);
		unlink(path);
		ns_used[i] = 0;
	}
}

inline void on_fatal_signal(int sig)
{
	emergency_cleanup();
	/* SA_RESETHAND put the default action back: die of the same signal. */
	raise(sig);
}

inline void install_handlers()
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGPIPE,
				    SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	struct sigaction sa = {};

	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (int s : sigs)
		sigaction(s, &sa, nullptr);
	atexit(emergency_cleanup);
}
} // namespace reg

/* Per-process scratch directory for the children's output and pcap files. */
inline const std::string &scratch_dir()
{
	/* The pid in the name lets sweep_stale() tell a dead run's directory. */
	static std::string dir = [] {
		std::string tmpl = "/tmp/xte" + std::to_string(getpid()) + "e2e-XXXXXX";

		return std::string(mkdtemp(&tmpl[0]) ? tmpl : "/tmp");
	}();
	return dir;
}

inline std::string scratch_file(const std::string &tag)
{
	static int n;

	return scratch_dir() + "/" + std::to_string(++n) + "-" + tag;
}

/* A flat directory of files, as scratch_dir() is. */
inline void remove_dir(const std::string &dir)
{
	DIR *d = opendir(dir.c_str());
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlink((dir + "/" + de->d_name).c_str());
	closedir(d);
	rmdir(dir.c_str());
}

inline void scratch_remove()
{
	if (scratch_dir() != "/tmp")
		remove_dir(scratch_dir());
}

/* `ip` by absolute path: ctest may run without /usr/sbin on PATH. */
inline const std::string &ip_bin()
{
	static std::string path = [] {
		for (const char *p : { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" })
			if (!access(p, X_OK))
				return std::string(p);
		return std::string("ip");
	}();
	return path;
}

struct Result {
	int rc = -1;		/* exit status; 128 + signal; -1: timed out or not run */
	std::string out, err;
};

/*
 * A child process with stdout and stderr in scratch files. The child gets
 * SIGKILL if the test binary dies (PR_SET_PDEATHSIG), and the destructor
 * kills and reaps it if it still runs.
 */
class Proc {
public:
	Proc() = default;
	Proc(const Proc &) = delete;
	Proc &operator=(const Proc &) = delete;
	~Proc() { kill_wait(); }

	bool start(const std::vector<std::string> &argv, const std::string &tag)
	{
		std::vector<char *> cargv;
		pid_t parent = getpid();
		int in, out, err;

		out_path_ = scratch_file(tag + ".out");
		err_path_ = scratch_file(tag + ".err");
		cmdline_.clear();
		for (auto &a : argv) {
			cargv.push_back(const_cast<char *>(a.c_str()));
			cmdline_ += (cmdline_.empty() ? "" : " ") + a;
		}
		cargv.push_back(nullptr);
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (in < 0 || out < 0 || err < 0) {
			close(in), close(out), close(err);
			return false;
		}
		pid_ = fork();
		if (pid_ == 0) {
			/* Only async-signal-safe calls between fork and exec. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(127);
			for (int s : { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT })
				::signal(s, SIG_DFL);
			dup2(in, 0);
			dup2(out, 1);
			dup2(err, 2);
			execv(cargv[0], cargv.data());
			_exit(127);
		}
		close(in), close(out), close(err);
		if (pid_ < 0)
			return false;
		reg::add_pid(pid_);
		return true;
	}

	bool running() const { return pid_ > 0; }
	pid_t pid() const { return pid_; }
	const std::string &cmdline() const { return cmdline_; }
	std::string out() const { return read_file(out_path_); }
	std::string err() const { return read_file(err_path_); }

	void signal(int sig)
	{
		if (pid_ > 0)
			kill(pid_, sig);
	}

	/* Exit status, 128 + signal, or -1 when it still runs after timeout. */
	int wait_exit(milliseconds timeout)
	{
		auto deadline = Clock::now() + timeout;

		if (pid_ <= 0)
			return status_;
		for (;;) {
			int st;
			pid_t r = waitpid(pid_, &st, WNOHANG);

			if (r == pid_ || (r < 0 && errno != EINTR)) {
				reg::del_pid(pid_);
				pid_ = -1;
				status_ = r < 0 ? -1 :
					  WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				return status_;
			}
			if (Clock::now() >= deadline)
				return -1;
			std::this_thread::sleep_for(milliseconds(5));
		}
	}

	/* Until stderr holds needle; false on timeout or when the child exits first. */
	bool wait_stderr(const std::string &needle, milliseconds timeout)
	{
		auto deadline = Clock::now() + timeout;

		for (;;) {
			if (err().find(needle) != std::string::npos)
				return true;
			/* Exited: no more output will come. */
			if (pid_ <= 0 || (wait_exit(milliseconds(0)), pid_ <= 0))
				return err().find(needle) != std::string::npos;
			if (Clock::now() >= deadline)
				return false;
			std::this_thread::sleep_for(milliseconds(5));
		}
	}

	void kill_wait()
	{
		if (pid_ <= 0)
			return;
		kill(pid_, SIGKILL);
		wait_exit(milliseconds(5000));
	}

private:
	pid_t pid_ = -1;
	int status_ = -1;
	std::string out_path_, err_path_, cmdline_;
};

/* Waits for a started p (killed after timeout) and collects what it printed. */
inline Result finish(Proc &p, milliseconds timeout)
{
	Result r;

	r.rc = p.wait_exit(timeout);
	p.kill_wait();
	r.out = p.out();
	r.err = p.err();
	return r;
}

/* Runs argv to completion within timeout (killed after it); never throws. */
inline Result run(const std::vector<std::string> &argv, milliseconds timeout = milliseconds(10000))
{
	Proc p;

	if (!p.start(argv, "cmd")) {
		Result r;

		r.err = "cannot start " + argv[0];
		return r;
	}
	return finish(p, timeout);
}

inline Result ip(const std::vector<std::string> &args)
{
	std::vector<std::string> argv = { ip_bin() };

	argv.insert(argv.end(), args.begin(), args.end());
	return run(argv);
}

/*
 * Runs fn on a thread that joined namespace ns (setns() changes only the
 * calling thread, and sockets made there stay in ns); returns when fn has.
 */
template <class F>
bool in_netns(const std::string &ns, F &&fn, std::string *err = nullptr)
{
	bool ok = false;
	std::string msg;
	std::thread t([&] {
		int fd = open((NETNS_DIR + ns).c_str(), O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			msg = "cannot enter netns " + ns + ": " + strerror(errno);
			if (fd >= 0)
				close(fd);
			return;
		}
		close(fd);
		ok = true;
		fn();
	});
	t.join();
	if (err)
		*err = msg;
	return ok;
}

/* A namespace named by the caller; `ip netns del` when it goes. */
class Netns {
public:
	explicit Netns(std::string name) : name_(std::move(name))
	{
		reg::add_ns(name_);
		Result r = ip({ "netns", "add", name_ });

		if (r.rc)
			err_ = "ip netns add " + name_ + " failed: " + r.err;
	}
	~Netns()
	{
		ip({ "netns", "del", name_ });
		reg::del_ns(name_);
	}
	Netns(const Netns &) = delete;
	Netns &operator=(const Netns &) = delete;
	const std::string &name() const { return name_; }
	const std::string &error() const { return err_; }

private:
	std::string name_, err_;
};

/* Names in dir, without . and ..; empty when dir does not exist. */
inline std::vector<std::string> list_dir(const std::string &dir)
{
	std::vector<std::string> names;
	DIR *d = opendir(dir.c_str());
	struct dirent *de;

	if (!d)
		return names;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names.push_back(de->d_name);
	closedir(d);
	return names;
}

/*
 * iproute2 (`ip link ... xdp obj`, `tc ... bpf`) makes tc/ (with globals/)
 * and its ip/ and xdp/ links on the first bpffs in /proc/mounts, which a
 * test's mount may be while another process on the machine loads an
 * object: name in dir is that, not something the test's commands made.
 */
inline bool is_iproute2_bpffs_dir(const std::string &dir, const std::string &name)
{
	return (name == "ip" || name == "tc" || name == "xdp") && list_dir(dir + "/" + name).size() <= 1;
}

/*
 * A file system of its own mounted on /tmp/xte<pid><tag>-XXXXXX in the
 * test's mount namespace; unmounted (lazily: a leftover child may still
 * use it) and removed when it goes, and by the signal handler's cleanup.
 */
class MountedFs {
public:
	MountedFs(const char *type, const char *tag, unsigned long flags, const std::string &data)
	{
		std::string tmpl = "/tmp/xte" + std::to_string(getpid()) + tag + "-XXXXXX";

		if (!mkdtemp(&tmpl[0])) {
			err_ = std::string("mkdtemp: ") + strerror(errno);
			return;
		}
		path_ = tmpl;
		reg::add_mnt(path_);
		if (mount(type, path_.c_str(), type, flags, data.c_str())) {
			err_ = std::string("cannot mount a ") + type + " on " + path_ + ": " + strerror(errno);
			rmdir(path_.c_str());
			reg::del_mnt(path_);
			path_.clear();
			return;
		}
		mounted_ = true;
	}
	~MountedFs()
	{
		if (path_.empty())
			return;
		if (mounted_)
			umount2(path_.c_str(), MNT_DETACH);
		rmdir(path_.c_str());
		reg::del_mnt(path_);
	}
	MountedFs(const MountedFs &) = delete;
	MountedFs &operator=(const MountedFs &) = delete;

	bool ok() const { return mounted_; }
	const std::string &error() const { return err_; }
	const std::string &path() const { return path_; }

private:
	std::string path_, err_;
	bool mounted_ = false;
};

/*
 * A private bpffs for the loader's pins, mounted on /tmp/xte<pid>bpf-XXXXXX.
 * `ip netns exec` gives each command its own /sys, so /sys/fs/bpf is a
 * different (or no) bpffs per command; a mount made here beforehand is
 * copied into those namespaces, the same superblock each time, so
 * `xskmap run` and `xskmap rules` meet on it.
 */
class BpfFs : public MountedFs {
public:
	BpfFs() : MountedFs("bpf", "bpf", 0, "mode=0700")
	{
		/* A new bpffs is not empty: bpf_preload puts maps.debug, progs.debug. */
		if (ok())
			initial_ = list_dir(path());
	}

	/* What was made in it since the mount, blank-separated; "" if nothing. */
	std::string added() const
	{
		std::string s;

		for (auto &n : list_dir(path()))
			if (std::find(initial_.begin(), initial_.end(), n) == initial_.end() &&
			    !is_iproute2_bpffs_dir(path(), n))
				s += (s.empty() ? "" : " ") + n;
		return s;
	}

private:
	std::vector<std::string> initial_;
};

/* A tmpfs of the given size ("1m"). */
class TmpFs : public MountedFs {
public:
	explicit TmpFs(const std::string &size)
		: MountedFs("tmpfs", "tmp", MS_NOSUID | MS_NODEV, "size=" + size + ",mode=0700")
	{
	}
};

/*
 * What a test receives on a socket of its own, read by its own thread as it
 * comes and kept whole; bounded: the reader gives up after its limit. A
 * receiver opens its socket in its constructor, then start()s the reader,
 * and calls stop() first in its destructor (before its socket closes).
 */
class Receiver {
public:
	virtual ~Receiver() = default;
	Receiver(const Receiver &) = delete;
	Receiver &operator=(const Receiver &) = delete;

	bool ok() const { return fd_ >= 0; }
	const std::string &error() const { return err_; }

	size_t count()
	{
		std::lock_guard<std::mutex> g(mu_);
		return got_.size();
	}

	/* Until n have come or limit passed: how many have. */
	size_t wait_for(size_t n, milliseconds limit)
	{
		auto deadline = Clock::now() + limit;

		while (count() < n && Clock::now() < deadline)
			std::this_thread::sleep_for(milliseconds(10));
		return count();
	}

	/* Waits until nothing new came for quiet (at most limit): how many came. */
	size_t quiet_for(milliseconds quiet, milliseconds limit)
	{
		auto deadline = Clock::now() + limit;
		size_t n = count();
		auto since = Clock::now();

		while (Clock::now() < deadline && Clock::now() - since < quiet) {
			std::this_thread::sleep_for(milliseconds(10));
			if (count() != n) {
				n = count();
				since = Clock::now();
			}
		}
		return n;
	}

	/* Until n have come (at most limit), then stops: what came. */
	std::vector<Bytes> collect(size_t n, milliseconds limit)
	{
		wait_for(n, limit);
		return stop();
	}

	/* Stops the reader once the socket is drained; everything received. */
	std::vector<Bytes> stop()
	{
		stop_ = true;
		if (thread_.joinable())
			thread_.join();
		std::lock_guard<std::mutex> g(mu_);
		return got_;
	}

protected:
	Receiver() = default;
	int fd_ = -1;
	std::string err_;

	void start(milliseconds limit)
	{
		if (fd_ >= 0)
			thread_ = std::thread([this, limit] { loop(limit); });
	}
	void keep(Bytes b)
	{
		std::lock_guard<std::mutex> g(mu_);
		got_.push_back(std::move(b));
	}
	/* One read, MSG_DONTWAIT: false once nothing is left. */
	virtual bool read_one() = 0;

private:
	std::atomic<bool> stop_{ false };
	std::mutex mu_;
	std::vector<Bytes> got_;
	std::thread thread_;

	void loop(milliseconds limit)
	{
		auto deadline = Clock::now() + limit;

		while (Clock::now() < deadline) {
			struct pollfd pfd = { fd_, POLLIN, 0 };

			if (poll(&pfd, 1, 20) > 0) {
				while (read_one())
					;
				continue;
			}
			/* Stop only after an empty poll: what had come is read. */
			if (stop_)
				break;
		}
	}
};

/*
 * A UDP socket bound in namespace ns (a large receive buffer as well: none
 * may be dropped for lack of room). Keeps every payload.
 */
class UdpSink : public Receiver {
public:
	UdpSink(const std::string &ns, uint16_t port, milliseconds limit = milliseconds(60000))
	{
		std::string err;

		in_netns(ns, [&] {
			struct sockaddr_in sin = {};
			int size = 16 << 20;

			sin.sin_family = AF_INET;
			sin.sin_port = htons(port);
			fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (fd_ < 0 || bind(fd_, (struct sockaddr *)&sin, sizeof(sin)) ||
			    setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size))) {
				err_ = "cannot bind a UDP socket to port " + std::to_string(port) +
				       " in " + ns + ": " + strerror(errno);
				if (fd_ >= 0)
					close(fd_);
				fd_ = -1;
			}
		}, &err);
		if (!err.empty())
			err_ = err;
		start(limit);
	}
	~UdpSink() override
	{
		stop();
		if (fd_ >= 0)
			close(fd_);
	}

	/* Waits until nothing new came for quiet (at most limit); the count. */
	size_t settle(milliseconds quiet, milliseconds limit) { return quiet_for(quiet, limit); }

private:
	bool read_one() override
	{
		uint8_t buf[2048];
		ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);

		if (n <= 0)
			return false;
		keep(Bytes(buf, buf + n));
		return true;
	}
};

inline bool write_sysctl(const std::string &ns, const char *path, const char *val)
{
	bool ok = false;

	/* /proc/sys/net resolves to the namespace of the opener. */
	in_netns(ns, [&] {
		int fd = open(path, O_WRONLY | O_CLOEXEC);

		ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);
		if (fd >= 0)
			close(fd);
	});
	return ok;
}

/*
 * Two namespaces, A and B, and a veth pair with one end in each: the loader
 * runs on A's end, the test sends from B's end. Names carry the pid and a
 * counter so parallel runs and leftovers never collide.
 */
class Topology {
public:
	std::string ns_a, ns_b, if_a, if_b;
	uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	unsigned queues;

	/*
	 * nqueues RX and TX queues on both ends; a_txqueues (if not 0) TX queues
	 * on A's end instead: a queue that receives but cannot send.
	 */
	explicit Topology(unsigned nqueues = 1, bool addresses = false, unsigned a_txqueues = 0)
		: queues(nqueues)
	{
		static int counter;
		std::string id = std::to_string(getpid()), k = std::to_string(counter++);
		std::vector<std::string> qa, qb;

		ns_a = "xte" + id + "n" + k + "a";
		ns_b = "xte" + id + "n" + k + "b";
		if_a = "xte" + id + "a" + k;
		if_b = "xte" + id + "b" + k;
		a_ = std::make_unique<Netns>(ns_a);
		b_ = std::make_unique<Netns>(ns_b);
		if (!a_->error().empty() || !b_->error().empty()) {
			err_ = a_->error() + b_->error();
			return;
		}
		/*
		 * No IPv6 in either namespace: router solicitations, DAD and MLD
		 * reports would reach the loader uninvited, and the tests count
		 * frames exactly.
		 */
		for (auto *ns : { &ns_a, &ns_b })
			for (auto *p : { "/proc/sys/net/ipv6/conf/all/disable_ipv6",
					 "/proc/sys/net/ipv6/conf/default/disable_ipv6" })
				write_sysctl(*ns, p, "1");

		/* Both ends made inside their namespaces: the root one never sees them. */
		std::vector<std::string> add = { "-n", ns_a, "link", "add", if_a,
						 "address", mac_str(mac_a) };
		std::vector<std::string> peer = { "type", "veth", "peer", "name", if_b,
						  "netns", ns_b, "address", mac_str(mac_b) };
		if (queues > 1)
			qb = { "numtxqueues", std::to_string(queues),
			       "numrxqueues", std::to_string(queues) };
		qa = qb;
		if (a_txqueues)
			qa = { "numtxqueues", std::to_string(a_txqueues),
			       "numrxqueues", std::to_string(queues) };
		add.insert(add.end(), qa.begin(), qa.end());
		add.insert(add.end(), peer.begin(), peer.end());
		add.insert(add.end(), qb.begin(), qb.end());
		if (!step(add))
			return;
		if (addresses &&
		    (!step({ "-n", ns_a, "addr", "add", "198.18.0.1/24", "dev", if_a }) ||
		     !step({ "-n", ns_b, "addr", "add", "198.18.0.2/24", "dev", if_b })))
			return;
		if (!step({ "-n", ns_a, "link", "set", if_a, "up" }) ||
		    !step({ "-n", ns_b, "link", "set", if_b, "up" }))
			return;
		/* A frame sent before the carrier is up is lost: wait for it. */
		auto deadline = Clock::now() + milliseconds(5000);
		while (!(oper_up(ns_a, if_a) && oper_up(ns_b, if_b))) {
			if (Clock::now() >= deadline) {
				err_ = "veth pair " + if_a + "/" + if_b +
				       " did not come up within 5 s";
				return;
			}
			std::this_thread::sleep_for(milliseconds(10));
		}
		/* Read A's address back: what the frames must carry to reach it. */
		uint8_t got[6] = {};
		in_netns(ns_a, [&] {
			struct ifreq ifr = {};
			int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", if_a.c_str());
			if (fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr))
				memcpy(got, ifr.ifr_hwaddr.sa_data, 6);
			if (fd >= 0)
				close(fd);
		});
		if (memcmp(got, mac_a, 6))
			err_ = if_a + " has MAC " + mac_str(got) + ", expected " + mac_str(mac_a);
	}

	~Topology()
	{
		/* Deleting one end removes both at once, whatever holds the namespaces. */
		if (a_ && b_ && a_->error().empty())
			ip({ "-n", ns_a, "link", "del", if_a });
		a_.reset();
		b_.reset();
	}
	Topology(const Topology &) = delete;
	Topology &operator=(const Topology &) = delete;

	bool ok() const { return err_.empty(); }
	const std::string &error() const { return err_; }

	/* `ip -d link show` of A's end: the flag word "xdp" and "prog/xdp id N". */
	std::string link_a() const
	{
		return ip({ "-n", ns_a, "-d", "link", "show", "dev", if_a }).out;
	}
	bool xdp_on_a() const { return link_a().find("xdp") != std::string::npos; }
	/* Id of the program attached to A's end, 0 if none. */
	unsigned xdp_prog_id_a() const
	{
		std::string s = link_a();
		size_t p = s.find("prog/xdp id ");

		return p == std::string::npos ? 0 : strtoul(s.c_str() + p + 12, nullptr, 10);
	}

	static std::string mac_str(const uint8_t *m)
	{
		char buf[18];

		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		return buf;
	}

private:
	std::unique_ptr<Netns> a_, b_;
	std::string err_;

	bool step(const std::vector<std::string> &args)
	{
		Result r = ip(args);

		if (r.rc) {
			err_ = "ip";
			for (auto &a : args)
				err_ += " " + a;
			err_ += " failed (" + std::to_string(r.rc) + "): " + r.err;
			return false;
		}
		return true;
	}

	static bool oper_up(const std::string &ns, const std::string &ifname)
	{
		return ip({ "-n", ns, "-o", "link", "show", "dev", ifname }).out.find("state UP") !=
		       std::string::npos;
	}
};

/* `ip netns exec NS BIN CMD ARGS... IFNAME`: one of xskmap's commands inside ns. */
inline std::vector<std::string> ns_cmd(const std::string &ns, const std::string &bin,
				       const std::string &cmd, const std::vector<std::string> &args,
				       const std::string &ifname)
{
	std::vector<std::string> argv = { ip_bin(), "netns", "exec", ns, bin, cmd };

	argv.insert(argv.end(), args.begin(), args.end());
	argv.push_back(ifname);
	return argv;
}

/* A test on a fresh Topology of one queue, t, as root. */
class TopologyTest : public ::testing::Test {
protected:
	std::unique_ptr<Topology> t;

	void SetUp() override
	{
		ASSERT_EQ(geteuid(), 0u) << "e2e_tests need root";
		t = std::make_unique<Topology>();
		ASSERT_TRUE(t->ok()) << t->error();
	}

#ifdef XTE_PASS_OBJ
	/* B's end takes XDP_TX'd frames (ndo_xdp_xmit) only with an XDP program on it. */
	void pass_on_b()
	{
		Result r = ip({ "-n", t->ns_b, "link", "set", "dev", t->if_b, "xdpdrv", "obj",
				XTE_PASS_OBJ, "sec", "xdp" });
		ASSERT_EQ(r.rc, 0) << r.err;
	}
#endif
};

/* Pid of the run that made an xte<pid>... name; 0 if the name is not ours. */
inline long owner_pid(const char *name, char after)
{
	char *end;
	long pid;

	if (strncmp(name, "xte", 3) || name[3] < '1' || name[3] > '9')
		return 0;
	pid = strtol(name + 3, &end, 10);
	return *end == after && pid > 0 && pid != getpid() ? pid : 0;
}

/*
 * Remove what a killed earlier run (SIGKILL leaves no chance to clean up)
 * left behind: namespaces xte<pid>n..., scratch directories
 * /tmp/xte<pid>e2e-... and bpffs mounts /tmp/xte<pid>bpf-..., and only
 * those whose process is gone.
 */
inline void sweep_stale()
{
	struct dirent *de;
	std::vector<std::string> ns, dirs, mounts;
	DIR *d;

	if ((d = opendir(NETNS_DIR))) {
		while ((de = readdir(d))) {
			long pid = owner_pid(de->d_name, 'n');

			if (pid && kill(pid, 0) && errno == ESRCH)
				ns.push_back(de->d_name);
		}
		closedir(d);
	}
	if ((d = opendir("/tmp"))) {
		while ((de = readdir(d))) {
			long pid = owner_pid(de->d_name, 'e');

			if (pid && strstr(de->d_name, "e2e-") && kill(pid, 0) && errno == ESRCH)
				dirs.push_back(std::string("/tmp/") + de->d_name);
			pid = owner_pid(de->d_name, 'b');
			if (pid && !strncmp(strchr(de->d_name, 'b'), "bpf-", 4) && kill(pid, 0) &&
			    errno == ESRCH)
				mounts.push_back(std::string("/tmp/") + de->d_name);
		}
		closedir(d);
	}
	for (auto &n : ns)
		ip({ "netns", "del", n });
	for (auto &dir : dirs)
		remove_dir(dir);
	/* A bpffs of a killed run: its pins go with the mount. */
	for (auto &m : mounts) {
		umount2(m.c_str(), MNT_DETACH);
		rmdir(m.c_str());
	}
}

struct SendResult {
	std::string err;	/* setup failure */
	size_t sent = 0, failed = 0;
	int last_errno = 0;
};

struct SendSpec {
	std::string ns, ifname;
	const std::vector<Bytes> *frames = nullptr;
	int cpu = -1;				/* pin the sender here (>= 0) */
	unsigned burst = 32;			/* frames between pauses */
	unsigned pause_us = 300;
	milliseconds limit = milliseconds(20000);	/* bound on the whole loop */
	const std::atomic<bool> *stop = nullptr;
	std::atomic<size_t> *progress = nullptr;
};

/*
 * Sends each frame once, byte-exact, from an AF_PACKET socket on ns's
 * interface. PACKET_QDISC_BYPASS makes af_packet pick the TX queue from the
 * sending CPU (packet_pick_tx_queue), and veth hands a frame to the peer's
 * RX queue of the same index: pinning the thread chooses the RX queue.
 * Without it the TX queue would come from a flow hash.
 *
 * The pause every burst frames paces the sender: veth's per-queue ring has
 * 256 slots and drops what does not fit, so an unpaced burst would measure
 * the ring rather than the loader.
 */
inline SendResult send_frames(const SendSpec &s)
{
	SendResult res;
	std::string err;

	bool entered = in_netns(s.ns, [&] {
		auto deadline = Clock::now() + s.limit;
		struct sockaddr_ll sll = {};
		int one = 1, fd;

		if (s.cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(s.cpu, &set);
			if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
				res.err = "cannot pin the sender to CPU " + std::to_string(s.cpu);
				return;
			}
		}
		sll.sll_family = AF_PACKET;
		sll.sll_ifindex = if_nametoindex(s.ifname.c_str());
		sll.sll_halen = 6;
		fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		if (!sll.sll_ifindex || fd < 0 ||
		    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
			res.err = "cannot open an AF_PACKET socket on " + s.ifname + ": " +
				  strerror(errno);
			if (fd >= 0)
				close(fd);
			return;
		}
		for (size_t i = 0; i < s.frames->size(); i++) {
			const Bytes &f = (*s.frames)[i];
			bool sent = false;

			if ((s.stop && s.stop->load()) || Clock::now() >= deadline)
				break;
			memcpy(sll.sll_addr, f.data(), 6);
			/* A full device queue is transient: retry, boundedly. */
			for (int attempt = 0; attempt < 200 && !sent; attempt++) {
				ssize_t n = sendto(fd, f.data(), f.size(), 0,
						   (struct sockaddr *)&sll, sizeof(sll));

				sent = n == (ssize_t)f.size();
				if (!sent) {
					res.last_errno = errno;
					if (errno != ENOBUFS && errno != EAGAIN && errno != EBUSY)
						break;
					usleep(100);
				}
			}
			if (sent) {
				res.sent++;
				if (s.progress)
					s.progress->store(res.sent);
			} else {
				res.failed++;
			}
			if ((i + 1) % s.burst == 0)
				usleep(s.pause_us);
		}
		close(fd);
	}, &err);
	if (!entered)
		res.err = err;
	return res;
}

/* send_frames() on its own thread; the destructor stops and joins it. */
class BackgroundSender {
public:
	explicit BackgroundSender(SendSpec spec) : spec_(std::move(spec))
	{
		spec_.stop = &stop_;
		spec_.progress = &progress_;
		thread_ = std::thread([this] { result_ = send_frames(spec_); });
	}
	~BackgroundSender() { join(); }
	BackgroundSender(const BackgroundSender &) = delete;
	BackgroundSender &operator=(const BackgroundSender &) = delete;

	size_t progress() const { return progress_.load(); }
	void stop() { stop_ = true; }
	const SendResult &join()
	{
		if (thread_.joinable())
			thread_.join();
		return result_;
	}

private:
	SendSpec spec_;
	std::atomic<bool> stop_{ false };
	std::atomic<size_t> progress_{ 0 };
	SendResult result_;
	std::thread thread_;
};

/*
 * Every frame arriving on an interface, read by an AF_PACKET socket of the
 * test's own (never by xskmap) on its own thread, until stopped (bounded:
 * it gives up after limit). An 802.1Q tag the receive path took out of the
 * frame is put back from PACKET_AUXDATA, as libpcap does. Frames the
 * interface itself sends are left out.
 */
class WireCapture : public Receiver {
public:
	WireCapture(const std::string &ns, const std::string &ifname,
		    milliseconds limit = milliseconds(120000))
	{
		in_netns(ns, [&] {
			struct sockaddr_ll sll = {};
			int size = 64 << 20, one = 1;

			fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
			sll.sll_family = AF_PACKET;
			sll.sll_protocol = htons(ETH_P_ALL);
			sll.sll_ifindex = if_nametoindex(ifname.c_str());
			if (fd_ < 0 || bind(fd_, (struct sockaddr *)&sll, sizeof(sll)) ||
			    setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ||
			    setsockopt(fd_, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one))) {
				err_ = std::string("AF_PACKET socket on ") + ifname + ": " + strerror(errno);
				if (fd_ >= 0)
					close(fd_);
				fd_ = -1;
			}
		});
		start(limit);
	}
	~WireCapture() override
	{
		stop();
		if (fd_ >= 0)
			close(fd_);
	}

	/* Waits until nothing came for quiet (at most limit), then stops: the frames. */
	std::vector<Bytes> settle(milliseconds quiet = milliseconds(300),
				  milliseconds limit = milliseconds(20000))
	{
		quiet_for(quiet, limit);
		return stop();
	}

private:
	bool read_one() override
	{
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} c;
		uint8_t buf[9216];
		struct iovec iov = { buf, sizeof(buf) };
		struct sockaddr_ll from = {};
		struct msghdr m = {};
		ssize_t n;

		m.msg_name = &from;
		m.msg_namelen = sizeof(from);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = &c;
		m.msg_controllen = sizeof(c);
		n = recvmsg(fd_, &m, MSG_DONTWAIT);
		if (n <= 0)
			return false;
		if (from.sll_pkttype == PACKET_OUTGOING)
			return true;
		Bytes f(buf, buf + n);
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
			struct tpacket_auxdata a;

			if (h->cmsg_level != SOL_PACKET || h->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&a, CMSG_DATA(h), sizeof(a));
			if (!(a.tp_status & TP_STATUS_VLAN_VALID) || n < 12)
				continue;
			uint16_t tpid = (a.tp_status & TP_STATUS_VLAN_TPID_VALID) ? a.tp_vlan_tpid : 0x8100;
			uint8_t tag[4] = { (uint8_t)(tpid >> 8), (uint8_t)tpid,
					   (uint8_t)(a.tp_vlan_tci >> 8), (uint8_t)a.tp_vlan_tci };
			f.insert(f.begin() + 12, tag, tag + 4);
		}
		keep(std::move(f));
		return true;
	}
};

/* needle in text, or a failure that shows the whole text. */
inline ::testing::AssertionResult has(const std::string &text, const std::string &needle)
{
	if (text.find(needle) != std::string::npos)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << "no \"" << needle << "\" in:\n" << text;
}

/*
 * The oracle for AF_XDP multi-buffer, independent of xskmap: an AF_XDP
 * socket of the test's own bound with XDP_USE_SG to ifname in ns. 0 where
 * the kernel has it (6.6), EINVAL where it has not; why says what failed
 * before the bind.
 */
inline int sg_bind_errno(const std::string &ns, const std::string &ifname, std::string &why)
{
	int bind_err = -1;

	in_netns(ns, [&] {
		const size_t frames = 64, fsize = 4096;
		int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0), n = frames;
		void *area = mmap(nullptr, frames * fsize, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct xdp_umem_reg reg = {};
		struct sockaddr_xdp sxdp = {};

		reg.addr = (uintptr_t)area;
		reg.len = frames * fsize;
		reg.chunk_size = fsize;
		if (fd < 0 || area == MAP_FAILED ||
		    setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) ||
		    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) ||
		    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) ||
		    setsockopt(fd, SOL_XDP, XDP_RX_RING, &n, sizeof(n))) {
			why = std::string("AF_XDP socket setup: ") + strerror(errno);
		} else {
			sxdp.sxdp_family = AF_XDP;
			sxdp.sxdp_ifindex = if_nametoindex(ifname.c_str());
			sxdp.sxdp_flags = XDP_COPY | XDP_USE_SG;
			bind_err = bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) ? errno : 0;
		}
		if (fd >= 0)
			close(fd);
		if (area != MAP_FAILED)
			munmap(area, frames * fsize);
	}, &why);
	return bind_err;
}

/* major * 1000 + minor of the running kernel: the oracle for what it has. */
inline int kernel_version()
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major * 1000 + minor;
}

/* Cpus_allowed_list of each thread of pid, by thread id (creation order). */
inline std::vector<std::pair<long, std::string>> task_cpus(pid_t pid)
{
	std::vector<std::pair<long, std::string>> v;
	std::string dir = "/proc/" + std::to_string(pid) + "/task";

	for (auto &tid : list_dir(dir)) {
		std::string st = read_file(dir + "/" + tid + "/status");
		size_t p = st.find("Cpus_allowed_list:");

		if (p == std::string::npos)
			continue;
		p = st.find_first_not_of(" \t", p + 18);
		v.emplace_back(atol(tid.c_str()), st.substr(p, st.find('\n', p) - p));
	}
	std::sort(v.begin(), v.end());
	return v;
}

inline bool read_pcap(const std::string &path, std::vector<Bytes> &frames, std::string &err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path.c_str(), errbuf);
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;

	if (!p) {
		err = errbuf;
		return false;
	}
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		if (h->caplen != h->len) {
			err = "frame " + std::to_string(frames.size()) + " truncated in the pcap";
			pcap_close(p);
			return false;
		}
		frames.emplace_back(data, data + h->caplen);
	}
	if (r != PCAP_ERROR_BREAK)
		err = pcap_geterr(p);
	pcap_close(p);
	return r == PCAP_ERROR_BREAK;
}

} // namespace xt
