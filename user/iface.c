// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "iface.h"
#include "log.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* rx-N or tx-N entries of /sys/class/net/IFNAME/queues: the real queue counts. */
static int queues_sysfs(const char *ifname, const char *prefix)
{
	char path[128];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, 3))
			n++;
	closedir(d);
	return n ? n : -ENOENT;
}

static int rx_queues_sysfs(const char *ifname)
{
	return queues_sysfs(ifname, "rx-");
}

int iface_tx_queues(const char *ifname)
{
	return queues_sysfs(ifname, "tx-");
}

int iface_rx_queues(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = {};
	int fd, err, n;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	err = ioctl(fd, SIOCETHTOOL, &ifr);
	err = err ? -errno : 0;
	close(fd);
	if (!err) {
		n = ch.rx_count + ch.combined_count;
		if (n > 0)
			return n;
	}
	/* No ethtool channels (lo, some virtual devices): count rx-N in sysfs. */
	return rx_queues_sysfs(ifname);
}

int iface_flags(const char *ifname, unsigned int *flags)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		ret = -errno;
	else
		*flags = (unsigned short)ifr.ifr_flags;
	close(fd);
	return ret;
}

int iface_carrier(const char *ifname)
{
	char path[128], c = 0;
	int fd, n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, &c, 1);
	n = n < 0 ? -errno : n == 1 && c == '1' ? 1 : n == 1 && c == '0' ? 0 : -EIO;
	close(fd);
	return n;
}

int iface_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(fd, SIOCGIFMTU, &ifr) ? -errno : ifr.ifr_mtu;
	close(fd);
	return ret;
}


__u32 iface_frame_room(__u32 frame_size)
{
	return frame_size > IFACE_XDP_HEADROOM ? frame_size - IFACE_XDP_HEADROOM : 0;
}

int iface_frame_warning(const char *ifname, __u32 mtu, __u32 frame_size, const char *why,
			char *buf, size_t len)
{
	__u32 room = iface_frame_room(frame_size), longest = mtu + IFACE_L2_OVERHEAD;
	char fix[160];

	if (longest <= room)
		return 0;
	if (longest <= iface_frame_room(IFACE_FRAME_SIZE_MAX))
		snprintf(fix, sizeof(fix), "use --frame-size %u, or lower the MTU to %u",
			 IFACE_FRAME_SIZE_MAX, room - IFACE_L2_OVERHEAD);
	else
		snprintf(fix, sizeof(fix), "lower the MTU to %u ('ip link set dev %s mtu %u')",
			 iface_frame_room(frame_size) - IFACE_L2_OVERHEAD, ifname,
			 iface_frame_room(frame_size) - IFACE_L2_OVERHEAD);
	snprintf(buf, len, "%s has MTU %u, so frames of up to %u bytes can arrive, but a %u-byte UMEM frame holds %u (%u of XDP headroom) and multi-buffer is off (%s): longer frames are dropped, counted only as rx_dropped (xdp_statistics; with --mode auto the driver may also refuse native XDP at this MTU, and skb mode is used); %s",
		 ifname, mtu, longest, frame_size, room, IFACE_XDP_HEADROOM, why, fix);
	return 1;
}

static int caps_effective(__u64 *eff)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*eff = (__u64)data[1].effective << 32 | data[0].effective;
	return 0;
}

static bool has_cap(__u64 eff, int cap)
{
	return eff & (1ULL << cap);
}

int check_caps(char *buf, size_t len, bool loads_prog)
{
	__u64 eff = 0;
	size_t off = 0;

	buf[0] = '\0';
	if (caps_effective(&eff))
		return 0;	/* cannot tell: let the kernel decide */
	if (!has_cap(eff, CAP_NET_ADMIN))
		off += snprintf(buf + off, len - off, "%sCAP_NET_ADMIN", off ? ", " : "");
	if (!has_cap(eff, CAP_NET_RAW) && off < len)
		off += snprintf(buf + off, len - off, "%sCAP_NET_RAW", off ? ", " : "");
	if (!has_cap(eff, CAP_BPF) && !has_cap(eff, CAP_SYS_ADMIN) && off < len)
		off += snprintf(buf + off, len - off, "%sCAP_BPF", off ? ", " : "");
	/*
	 * The verifier lets a program subtract packet pointers (a frame's
	 * length, its bounds) only with CAP_PERFMON (allow_ptr_leaks), or
	 * CAP_SYS_ADMIN: xsk_redirect does, so without it the load is EACCES.
	 */
	if (loads_prog && !has_cap(eff, CAP_PERFMON) && !has_cap(eff, CAP_SYS_ADMIN) && off < len)
		off += snprintf(buf + off, len - off, "%sCAP_PERFMON", off ? ", " : "");
	return off ? -1 : 0;
}

bool have_ipc_lock(void)
{
	__u64 eff = 0;

	return !caps_effective(&eff) && has_cap(eff, CAP_IPC_LOCK);
}

void raise_memlock(void)
{
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

	/*
	 * Kernels >= 5.11 charge BPF memory to the cgroup, and CAP_IPC_LOCK
	 * exempts the UMEM, so a refusal (EPERM without CAP_SYS_RESOURCE) is
	 * not an error: say so only when asked.
	 */
	if (!setrlimit(RLIMIT_MEMLOCK, &r))
		return;
	pr_debug("could not raise RLIMIT_MEMLOCK (%s); continuing\n", strerror(errno));
	/* Up to the hard limit, which needs no capability: the UMEM may fit then. */
	if (!getrlimit(RLIMIT_MEMLOCK, &r) && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &r);
	}
}
