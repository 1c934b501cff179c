// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xskmap doctor IFNAME: a preflight. Will `xskmap run IFNAME` start, and
 * how well will it run? One line per check, OK / WARN / FAIL with the fix;
 * exit 0 when a run would start, 1 when a FAIL says it would not.
 * Nothing is changed: the probes that must try something (native XDP and
 * zero-copy on a kernel without the netdev netlink family, a bind to each
 * queue where the kernel cannot list AF_XDP sockets) attach or bind for an
 * instant and leave nothing behind.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cmd.h"
#include "hostmem.h"
#include "iface.h"
#include "json_out.h"
#include "kernel_features.h"
#include "netdev_nl.h"
#include "options.h"
#include "opts.h"
#include "owner.h"
#include "perf.h"
#include "prog.h"
#include "util.h"
#include "xsk_diag.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

struct doctor_args {
	const char *ifname;
	bool json;
	bool all_queues;
	__u32 queues[XSKMAP_MAX_QUEUES];
	__u32 nr_queues;
	__u32 frames, frame_size, ring_size;
	struct xskmap_perf_opts perf;
};

enum dr_level { DR_OK, DR_WARN, DR_FAIL };

static const char *const dr_words[] = { "OK", "WARN", "FAIL" };

#define DR_MAX 32

struct dr_check {
	const char *name;
	enum dr_level level;
	char msg[1200];
	char fix[384];
};

struct doctor {
	struct dr_check v[DR_MAX];
	int n;
};

static struct dr_check *add(struct doctor *d, const char *name, enum dr_level lv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct dr_check *add(struct doctor *d, const char *name, enum dr_level lv, const char *fmt, ...)
{
	static struct dr_check spare;
	struct dr_check *c = d->n < DR_MAX ? &d->v[d->n++] : &spare;
	va_list ap;

	c->name = name;
	c->level = lv;
	c->fix[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return c;
}

static void fix(struct dr_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fix(struct dr_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------- options */

static int doctor_set_queues(void *obj, const char *v, char *err, size_t errlen)
{
	struct doctor_args *a = obj;

	return parse_queue_list(v, &a->all_queues, a->queues, XSKMAP_MAX_QUEUES, &a->nr_queues, err,
				errlen);
}

static int set_pow2(const char *name, const char *v, __u32 lo, __u32 hi, __u32 *out, char *err,
		    size_t errlen)
{
	__u64 n;

	if (parse_u64(v, lo, hi, &n) || !is_pow2(n))
		return errf(err, errlen, "invalid --%s '%s': use a power of 2 from %u to %u", name, v, lo, hi);
	*out = n;
	return 0;
}

static int doctor_set_frames(void *obj, const char *v, char *err, size_t errlen)
{
	return set_pow2("frames", v, 64, 1u << 20, &((struct doctor_args *)obj)->frames, err, errlen);
}

static int doctor_set_ring(void *obj, const char *v, char *err, size_t errlen)
{
	return set_pow2("ring-size", v, 64, 1u << 20, &((struct doctor_args *)obj)->ring_size, err, errlen);
}

static int doctor_set_frame_size(void *obj, const char *v, char *err, size_t errlen)
{
	struct doctor_args *a = obj;

	if (strcmp(v, "2048") && strcmp(v, "4096"))
		return errf(err, errlen, "invalid --frame-size '%s': use 2048 or 4096", v);
	a->frame_size = atoi(v);
	return 0;
}

static int doctor_words(void *obj, int n, char **w, char *err, size_t errlen)
{
	struct doctor_args *a = obj;

	if (n != 1)
		return errf(err, errlen, "%s: usage: xskmap doctor [OPTIONS] IFNAME",
			    n ? "more than one interface given" : "no interface given");
	a->ifname = w[0];
	return opts_check_ifname(a->ifname, err, errlen);
}

#define CALL(...) { .kind = OPT_KIND_CALL, __VA_ARGS__ }

static const struct opt_def doctor_defs[] = {
	OPT_SECTION("The run to check (as 'xskmap run' takes them):"),
	CALL(.name = "queues", .key = 'q', .arg = "LIST", .parse = doctor_set_queues,
	     .help = "RX queues the run would open (default all)"),
	CALL(.name = "frames", .arg = "N", .parse = doctor_set_frames,
	     .help = "UMEM frames per queue (default 4096)"),
	CALL(.name = "frame-size", .arg = "N", .parse = doctor_set_frame_size,
	     .help = "UMEM frame size, 2048 or 4096 (default 4096)"),
	CALL(.name = "ring-size", .arg = "N", .parse = doctor_set_ring,
	     .help = "RX ring entries (default 2048)"),
	OPT_CPUS(struct doctor_args, perf),
	OPT_BUSY_POLL(struct doctor_args, perf),
	OPT_SECTION("Output:"),
	OPT_JSON(struct doctor_args, "the checks as one JSON object"),
	OPT_END,
};

static const struct opt_cmd doctor_cmd_opts = {
	.name = "doctor",
	.head =
"Usage: xskmap doctor [OPTIONS] IFNAME\n\n"
"Check whether 'xskmap run IFNAME' with these options would start, and how\n"
"well it would run: capabilities, bpffs, link, driver, native XDP and\n"
"zero-copy, queues and RSS, MTU against the frame size, programs and AF_XDP\n"
"sockets already there, busy polling, IRQ affinity against --cpus, huge\n"
"pages, memory and the locked-memory limit. One line per check, OK, WARN or\n"
"FAIL with the fix. Exit 0 when a run would start, 1 when it would not.\n\n",
	.defs = doctor_defs,
	.words = doctor_words,
};

/* -------------------------------------------------------------- checks */

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

static long long read_sys_ll(const char *ifname, const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, name);
	if (read_text(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

static __u64 cap_eff(void)
{
	char buf[4096], *p;

	if (read_text("/proc/self/status", buf, sizeof(buf)) || !(p = strstr(buf, "CapEff:")))
		return 0;
	return strtoull(p + 7, NULL, 16);
}

static bool has(__u64 eff, int cap)
{
	return eff & (1ULL << cap);
}

static void dr_check_caps(struct doctor *d, __u64 eff)
{
	static const struct {
		int cap;
		const char *name;
		bool must;
		const char *why;
	} caps[] = {
		{ CAP_NET_ADMIN, "CAP_NET_ADMIN", true, "attach XDP" },
		{ CAP_BPF, "CAP_BPF", true, "load the program" },
		{ CAP_NET_RAW, "CAP_NET_RAW", true, "open AF_XDP sockets" },
		{ CAP_IPC_LOCK, "CAP_IPC_LOCK", false, "UMEM outside RLIMIT_MEMLOCK" },
		{ CAP_PERFMON, "CAP_PERFMON", true, "load the program: its packet-pointer arithmetic" },
	};
	char have[256] = "", must[256] = "", may[256] = "";
	size_t h = 0, m = 0, w = 0;
	struct dr_check *c;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		bool ok = has(eff, caps[i].cap) ||
			  ((caps[i].cap == CAP_BPF || caps[i].cap == CAP_PERFMON) && has(eff, CAP_SYS_ADMIN));

		if (ok)
			h += snprintf(have + h, sizeof(have) - h, "%s%s", h ? ", " : "", caps[i].name);
		else if (caps[i].must)
			m += snprintf(must + m, sizeof(must) - m, "%s%s (%s)", m ? ", " : "", caps[i].name,
				      caps[i].why);
		else
			w += snprintf(may + w, sizeof(may) - w, "%s%s (%s)", w ? ", " : "", caps[i].name,
				      caps[i].why);
	}
	if (m) {
		c = add(d, "capabilities", DR_FAIL, "missing %s%s%s (CapEff %016llx)", must,
			w ? "; also " : "", may, (unsigned long long)eff);
		fix(c, "run as root, or grant them: setcap cap_net_admin,cap_bpf,cap_net_raw,cap_ipc_lock,cap_perfmon+ep $(command -v xskmap)");
	} else if (w) {
		c = add(d, "capabilities", DR_WARN, "%s present; missing %s", have, may);
		fix(c, "grant it too (setcap ...,cap_ipc_lock+ep) or run as root");
	} else {
		add(d, "capabilities", DR_OK, "%s", have);
	}
}

static void check_bpffs(struct doctor *d)
{
	char line[1024], where[512] = "";
	size_t off = 0;
	bool sys = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	struct dr_check *c;

	while (f && fgets(line, sizeof(line), f)) {
		char mnt[512], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - bpf ", 7) || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
			continue;
		sys |= !strcmp(mnt, "/sys/fs/bpf");
		if (off < sizeof(where))
			off += snprintf(where + off, sizeof(where) - off, "%s%s", off ? ", " : "", mnt);
	}
	if (f)
		fclose(f);
	if (sys) {
		add(d, "bpffs", DR_OK, "mounted on %s: the run pins its rule maps under /sys/fs/bpf/xskmap/IFNAME",
		    where);
	} else if (off) {
		c = add(d, "bpffs", DR_WARN, "not on /sys/fs/bpf (mounted on %s): the run mounts one on /sys/fs/bpf for its pins, which only this mount namespace sees",
			 where);
		fix(c, "give run and rules --pin-dir DIR under %s", where);
	} else {
		c = add(d, "bpffs", DR_WARN, "no bpf filesystem in this mount namespace ('ip netns exec' gives a fresh /sys): the run mounts one on /sys/fs/bpf, which 'xskmap rules' from another shell does not see");
		fix(c, "mount -t bpf bpf /sys/fs/bpf (in the same 'ip netns exec'), or mount one outside /sys and give run and rules --pin-dir on it");
	}
}

static int ethtool(const char *ifname, void *cmd)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		ret = -errno;
	close(fd);
	return ret;
}

static void check_link(struct doctor *d, const char *ifname)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct dr_check *c;
	int ret = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret) {
		add(d, "link", DR_WARN, "cannot read the flags of %s: %s", ifname, strerror(-ret));
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		c = add(d, "link", DR_FAIL, "%s is down: no frame reaches XDP", ifname);
		fix(c, "ip link set dev %s up", ifname);
	} else if (!(ifr.ifr_flags & IFF_RUNNING)) {
		c = add(d, "link", DR_WARN, "%s is up but has no carrier (cable, switch port, or a veth peer that is down): nothing arrives",
			ifname);
		fix(c, "connect it, or bring the peer up");
	} else {
		add(d, "link", DR_OK, "%s is up, carrier present", ifname);
	}
}

static void check_driver(struct doctor *d, const char *ifname)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	int ret = ethtool(ifname, &di);

	if (ret)
		add(d, "driver", DR_WARN, "ETHTOOL_GDRVINFO failed on %s: %s", ifname, strerror(-ret));
	else
		add(d, "driver", DR_OK, "%s%s%s%s%s%s%s", di.driver, di.version[0] ? " " : "", di.version,
		    di.bus_info[0] ? ", bus " : "", di.bus_info,
		    di.fw_version[0] ? ", firmware " : "", di.fw_version);
}

static void check_xdp_support(struct doctor *d, const char *ifname, int ifindex, bool *zc_ok)
{
	struct netdev_xdp_info ni;
	struct dr_check *c;
	int ret = netdev_xdp_query(ifindex, &ni);

	*zc_ok = false;
	if (!ret) {
		__u64 f = ni.xdp_features;

		if ((f & XSKMAP_XDP_ACT_BASIC) && (f & XSKMAP_XDP_ACT_REDIRECT))
			add(d, "native XDP", DR_OK, "the driver has native XDP with XDP_REDIRECT (netdev xdp-features 0x%llx%s%s)",
			    (unsigned long long)f, f & XSKMAP_XDP_ACT_RX_SG ? ", multi-buffer frames" : "",
			    f & XSKMAP_XDP_ACT_HW_OFFLOAD ? ", offload" : "");
		else {
			c = add(d, "native XDP", DR_WARN, "the driver has %s (netdev xdp-features 0x%llx): the run attaches in skb (generic) mode, where every frame is an skb first",
				f & XSKMAP_XDP_ACT_BASIC ? "native XDP without XDP_REDIRECT" : "no native XDP",
				(unsigned long long)f);
			fix(c, "a driver with native XDP; nothing to change for a test");
		}
		if (f & XSKMAP_XDP_ACT_XSK_ZEROCOPY) {
			*zc_ok = true;
			if (ni.has_zc_max_segs)
				add(d, "zero-copy", DR_OK, "AF_XDP zero-copy (up to %u buffer%s a frame)",
				    ni.zc_max_segs, ni.zc_max_segs == 1 ? "" : "s");
			else
				add(d, "zero-copy", DR_OK, "AF_XDP zero-copy");
		} else {
			c = add(d, "zero-copy", DR_WARN, "the driver has no AF_XDP zero-copy: copy mode, each frame copied into the UMEM");
			fix(c, "none on this driver (veth never has it); a NIC whose driver has XSK zero-copy (ice, i40e, mlx5, ixgbe...)");
		}
		return;
	}
	/* No netdev family (before 6.3): try, as 'xskmap features IFNAME' does. */
	{
		struct feat_result res[FEAT_COUNT] = {};
		const struct feat_result *n = &res[FEAT_NATIVE_XDP], *z = &res[FEAT_ZEROCOPY];
		const char *how = ret == -ENOENT ?
				  "probed: this kernel has no netdev netlink family (Linux 6.3) to ask" :
				  "probed";

		features_probe_iface(res, ifname);
		if (n->state == FEAT_AVAILABLE)
			add(d, "native XDP", DR_OK, "native XDP (%s%s%s)", how, n->detail[0] ? "; " : "",
			    n->detail);
		else {
			c = add(d, "native XDP", DR_WARN, "%s (%s): the run attaches in skb (generic) mode",
				n->detail[0] ? n->detail : "no native XDP", how);
			fix(c, "a driver with native XDP");
		}
		if (z->state == FEAT_AVAILABLE) {
			*zc_ok = true;
			add(d, "zero-copy", DR_OK, "AF_XDP zero-copy bind works (%s)", how);
		} else {
			c = add(d, "zero-copy", DR_WARN, "%s (%s): copy mode, each frame copied into the UMEM",
				z->detail[0] ? z->detail : "no zero-copy", how);
			fix(c, "none on this driver (veth never has it)");
		}
	}
}

/* Queues: 0 when the selection fits, with the count in *nr_rx. */
static void check_queues(struct doctor *d, struct doctor_args *a, int *nr_rx)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	int rx = iface_rx_queues(a->ifname), tx = iface_tx_queues(a->ifname);
	bool chan = !ethtool(a->ifname, &ch);
	struct dr_check *c;
	char extra[96] = "";

	*nr_rx = rx;
	if (rx <= 0) {
		add(d, "queues", DR_FAIL, "cannot count the RX queues of %s: %s", a->ifname,
		    strerror(rx ? -rx : EINVAL));
		return;
	}
	if (a->all_queues || !a->nr_queues) {
		a->nr_queues = rx < XSKMAP_MAX_QUEUES ? rx : XSKMAP_MAX_QUEUES;
		for (__u32 i = 0; i < a->nr_queues; i++)
			a->queues[i] = i;
	}
	for (__u32 i = 0; i < a->nr_queues; i++)
		if ((int)a->queues[i] >= rx) {
			c = add(d, "queues", DR_FAIL, "queue %u is not a queue of %s, which has %d RX queue%s",
				a->queues[i], a->ifname, rx, rx == 1 ? "" : "s");
			fix(c, "pick queues 0-%d with -q", rx - 1);
			return;
		}
	if (chan && ch.max_combined + ch.max_rx > (__u32)rx)
		snprintf(extra, sizeof(extra), " (the driver allows up to %u: ethtool -L %s combined N)",
			 ch.max_combined ? ch.max_combined : ch.max_rx, a->ifname);
	add(d, "queues", DR_OK, "%d RX and %d TX queue%s (%s)%s; the run opens %u socket%s, one thread each",
	    rx, tx, tx == 1 ? "" : "s", chan ? "ethtool channels" : "sysfs", extra, a->nr_queues,
	    a->nr_queues == 1 ? "" : "s");
}

static void check_rss(struct doctor *d, const struct doctor_args *a, int nr_rx)
{
	struct ethtool_rxfh_indir q = { .cmd = ETHTOOL_GRXFHINDIR }, *t;
	bool used[XSKMAP_MAX_QUEUES] = { false };
	char missing[256] = "";
	size_t off = 0;
	struct dr_check *c;
	int ret = ethtool(a->ifname, &q);

	if (ret || !q.size) {
		add(d, "RSS", DR_OK, "no RSS indirection table (%s): the driver picks the RX queue itself%s",
		    ret ? strerror(-ret) : "empty",
		    nr_rx > 1 ? " (veth: the sending CPU's)" : "");
		return;
	}
	t = calloc(1, sizeof(*t) + q.size * sizeof(__u32));
	if (!t)
		return;
	t->cmd = ETHTOOL_GRXFHINDIR;
	t->size = q.size;
	ret = ethtool(a->ifname, t);
	if (ret) {
		add(d, "RSS", DR_WARN, "cannot read the RSS indirection table: %s", strerror(-ret));
		free(t);
		return;
	}
	for (__u32 i = 0; i < t->size; i++)
		if (t->ring_index[i] < XSKMAP_MAX_QUEUES)
			used[t->ring_index[i]] = true;
	for (__u32 i = 0; i < a->nr_queues; i++)
		if (!used[a->queues[i]] && off < sizeof(missing))
			off += snprintf(missing + off, sizeof(missing) - off, "%s%u", off ? "," : "", a->queues[i]);
	if (off) {
		c = add(d, "RSS", DR_WARN, "the %u-entry indirection table sends no flow to queue%s %s: their sockets get only what ethtool -N steers there",
			t->size, strchr(missing, ',') ? "s" : "", missing);
		fix(c, "ethtool -X %s equal %d, or steer flows with ethtool -N", a->ifname, nr_rx);
	} else {
		add(d, "RSS", DR_OK, "the %u-entry indirection table spreads flows over every selected queue",
		    t->size);
	}
	free(t);
}

static void check_mtu(struct doctor *d, const struct doctor_args *a, const struct feat_result *kf,
		      bool zc_ok)
{
	int mtu = iface_mtu(a->ifname);
	bool mb = kf[FEAT_XSK_MULTI_BUFFER].state == FEAT_AVAILABLE;
	char warn[1024], why[256];
	struct dr_check *c;

	(void)zc_ok;
	if (mtu < 0) {
		add(d, "MTU", DR_WARN, "cannot read the MTU of %s: %s", a->ifname, strerror(-mtu));
		return;
	}
	if ((__u32)mtu + 18 <= iface_frame_room(a->frame_size)) {
		add(d, "MTU", DR_OK, "MTU %d: frames of up to %d bytes fit a %u-byte UMEM frame (%u after the XDP headroom); AF_XDP multi-buffer: %s",
		    mtu, mtu + 18, a->frame_size, iface_frame_room(a->frame_size),
		    mb ? "yes" : "no (Linux 6.6), not needed at this MTU");
		return;
	}
	if (mb) {
		/* As run --multi-buffer auto decides: the kernel has XDP_USE_SG. */
		add(d, "MTU", DR_OK, "MTU %d: frames of up to %d bytes are longer than a %u-byte UMEM frame holds (%u), and this kernel has AF_XDP multi-buffer: the run takes them over several frames (--multi-buffer auto)",
		    mtu, mtu + 18, a->frame_size, iface_frame_room(a->frame_size));
		return;
	}
	features_missing_msg(FEAT_XSK_MULTI_BUFFER, why, sizeof(why));
	if (iface_frame_warning(a->ifname, mtu, a->frame_size, why, warn, sizeof(warn))) {
		c = add(d, "MTU", DR_WARN, "%s", warn);
		fix(c, "ip link set dev %s mtu %u, or --frame-size 4096", a->ifname,
		    iface_frame_room(a->frame_size) - 18);
	}
}

/* 0, or 1 when something holds the XDP hook so that a run could not attach. */
static void check_programs(struct doctor *d, const char *ifname, int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct owner_rec rec;
	enum owner_state st = OWNER_NONE;
	struct owner o;
	char err[512], name[BPF_OBJ_NAME_LEN] = "?";
	struct dr_check *c;
	__u32 id, link;
	int ret, fd;

	ret = bpf_xdp_query(ifindex, 0, &q);
	if (ret) {
		add(d, "XDP program", DR_WARN, "cannot query the XDP programs of %s: %s", ifname, strerror(-ret));
		return;
	}
	id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
	if (!id) {
		add(d, "XDP program", DR_OK, "no XDP program on %s", ifname);
		return;
	}
	fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			snprintf(name, sizeof(name), "%s", info.name);
		close(fd);
	}
	if (!owner_lookup(&o, ifindex, false, &st, &rec, err, sizeof(err)) && st == OWNER_LIVE) {
		c = add(d, "XDP program", DR_FAIL, "xskmap already runs on %s (pid %d, program id %u)", ifname,
			rec.pid, id);
		fix(c, "stop it (kill %d); 'xskmap status %s' shows it", rec.pid, ifname);
		return;
	}
	if (st == OWNER_ATTACHED && rec.prog_id == id) {
		c = add(d, "XDP program", DR_FAIL, "'xskmap attach' left %s on %s (program id %u, its link pinned under %s)",
			name, ifname, id, rec.pin_dir);
		fix(c, "xskmap detach %s (once its socket owners are done)", ifname);
		return;
	}
	link = prog_link_holding(ifindex, id);
	if (link) {
		c = add(d, "XDP program", DR_FAIL, "%s has XDP program '%s' (id %u) held by BPF link %u of a running process: nobody can replace it",
			ifname, name, id, link);
		fix(c, "stop that process ('xskmap status %s' names it), or 'bpftool link detach id %u'", ifname, link);
		return;
	}
	c = add(d, "XDP program", DR_FAIL, "%s has XDP program '%s' (id %u) attached through netlink: the run refuses to replace it",
		ifname, name, id);
	fix(c, "ip link set dev %s %s off, or 'xskmap run --force'", ifname,
	    q.drv_prog_id ? "xdpdrv" : q.skb_prog_id ? "xdpgeneric" : "xdpoffload");
}

static bool queue_selected(const struct doctor_args *a, __u32 q)
{
	for (__u32 i = 0; i < a->nr_queues; i++)
		if (a->queues[i] == q)
			return true;
	return false;
}

static void check_sockets(struct doctor *d, const struct doctor_args *a, int ifindex)
{
	struct xskmap_diag_sock *s = NULL;
	struct xskmap_fd_owners own;
	char err[300], busy[512] = "", other[256] = "";
	size_t n = 0, b = 0, o = 0;
	struct dr_check *c;

	if (!xskmap_diag_socks(&s, &n, err, sizeof(err))) {
		xskmap_fd_owners_scan(&own);
		for (size_t i = 0; i < n; i++) {
			const struct xskmap_fd_owner *w;

			if ((int)s[i].ifindex != ifindex)
				continue;
			w = xskmap_owner_of_socket(&own, s[i].inode);
			if (queue_selected(a, s[i].queue_id) && b < sizeof(busy)) {
				char who[64] = "";

				if (w)
					snprintf(who, sizeof(who), ", pid %d %s", w->pid, w->comm);
				b += snprintf(busy + b, sizeof(busy) - b, "%squeue %u (socket inode %llu%s)",
					      b ? ", " : "", s[i].queue_id, (unsigned long long)s[i].inode, who);
			} else if (o < sizeof(other))
				o += snprintf(other + o, sizeof(other) - o, "%s%u", o ? "," : "", s[i].queue_id);
		}
		xskmap_fd_owners_free(&own);
		free(s);
		if (b) {
			c = add(d, "AF_XDP sockets", DR_FAIL, "already bound on %s: %s (ss --xdp)", a->ifname, busy);
			fix(c, "stop their owner, or leave those queues out with -q");
		} else {
			add(d, "AF_XDP sockets", DR_OK, "none bound to the selected queues of %s%s%s (ss --xdp)",
			    a->ifname, o ? "; others on queues " : "", other);
		}
		return;
	}
	/* No sock_diag for AF_XDP: bind to each selected queue for an instant. */
	for (__u32 i = 0; i < a->nr_queues; i++) {
		int ret = features_try_bind(ifindex, a->queues[i], XDP_COPY);

		if (ret == -EBUSY && b < sizeof(busy))
			b += snprintf(busy + b, sizeof(busy) - b, "%s%u", b ? "," : "", a->queues[i]);
		else if (ret && ret != -EBUSY && o < sizeof(other))
			o += snprintf(other + o, sizeof(other) - o, "%squeue %u: %s", o ? ", " : "",
				      a->queues[i], strerror(-ret));
	}
	if (b) {
		c = add(d, "AF_XDP sockets", DR_FAIL, "queue%s %s of %s already ha%s an AF_XDP socket bound (found by binding to it: this kernel cannot list AF_XDP sockets)",
			strchr(busy, ',') ? "s" : "", busy, a->ifname, strchr(busy, ',') ? "ve" : "s");
		fix(c, "stop their owner ('xskmap status %s' shows the sockets in its XSKMAP), or leave those queues out with -q",
		    a->ifname);
	} else if (o) {
		add(d, "AF_XDP sockets", DR_WARN, "a test bind failed: %s (%s)", other, err);
	} else {
		add(d, "AF_XDP sockets", DR_OK, "every selected queue of %s is free (a copy-mode bind to each succeeded; the kernel cannot list AF_XDP sockets here)",
		    a->ifname);
	}
}

static void check_busy_poll(struct doctor *d, const struct doctor_args *a, const struct feat_result *kf)
{
	long long defer = read_sys_ll(a->ifname, "napi_defer_hard_irqs");
	long long flush = read_sys_ll(a->ifname, "gro_flush_timeout");
	struct dr_check *c;

	if (kf[FEAT_BUSY_POLL].state == FEAT_MISSING) {
		char msg[256];

		features_missing_msg(FEAT_BUSY_POLL, msg, sizeof(msg));
		c = add(d, "busy polling", a->perf.busy_poll ? DR_FAIL : DR_WARN, "%s: --busy-poll %s",
			msg, a->perf.busy_poll ? "is refused" : "would be refused");
		fix(c, "leave --busy-poll out");
		return;
	}
	if (defer > 0 && flush > 0) {
		add(d, "busy polling", DR_OK, "napi_defer_hard_irqs %lld, gro_flush_timeout %lld ns: --busy-poll runs the NAPI from the loop",
		    defer, flush);
		return;
	}
	c = add(d, "busy polling", DR_WARN, "napi_defer_hard_irqs %lld, gro_flush_timeout %lld on %s: with --busy-poll the interrupts still run the NAPI between the loop's polls%s",
		defer, flush, a->ifname, a->perf.busy_poll ? "" : " (only matters with --busy-poll)");
	fix(c, "echo 2 > /sys/class/net/%s/napi_defer_hard_irqs; echo 200000 > /sys/class/net/%s/gro_flush_timeout",
	    a->ifname, a->ifname);
}

/* Trailing number of an IRQ's name ("eth0-TxRx-3"): its queue, or -1. */
static int irq_queue(const char *name)
{
	size_t n = strlen(name);

	while (n && name[n - 1] >= '0' && name[n - 1] <= '9')
		n--;
	return name[n] ? atoi(name + n) : -1;
}

static bool cpu_in_list(const char *list, __u32 cpu)
{
	__u32 cpus[XSKMAP_PERF_MAX_CPUS], n = 0;
	char err[128];
	char *copy = strdup(list), *tok, *save;
	bool in = false;

	/* smp_affinity_list has ranges and repeats none: the strict parser takes it. */
	if (!copy)
		return false;
	for (tok = strtok_r(copy, ",", &save); tok && !in; tok = strtok_r(NULL, ",", &save)) {
		if (!perf_parse_cpu_list(tok, cpus, XSKMAP_PERF_MAX_CPUS, &n, err, sizeof(err)))
			for (__u32 i = 0; i < n; i++)
				in |= cpus[i] == cpu;
	}
	free(copy);
	return in;
}

static void check_irqs(struct doctor *d, const struct doctor_args *a)
{
	FILE *f = fopen("/proc/interrupts", "re");
	char line[4096], list[256], seen[512] = "", clash[512] = "";
	size_t s = 0, k = 0;
	int count = 0;
	struct dr_check *c;

	while (f && fgets(line, sizeof(line), f)) {
		char path[64], *name, *end;
		long irq = strtol(line, &end, 10);
		int q;

		if (end == line || *end != ':' || !strstr(line, a->ifname))
			continue;
		line[strcspn(line, "\n")] = '\0';
		name = strrchr(line, ' ');
		name = name ? name + 1 : line;
		snprintf(path, sizeof(path), "/proc/irq/%ld/smp_affinity_list", irq);
		if (read_text(path, list, sizeof(list)))
			snprintf(list, sizeof(list), "?");
		list[strcspn(list, "\n")] = '\0';
		count++;
		if (s < sizeof(seen))
			s += snprintf(seen + s, sizeof(seen) - s, "%s%ld %s on CPU %s", s ? ", " : "", irq, name, list);
		q = irq_queue(name);
		for (__u32 i = 0; i < a->perf.nr_cpus && i < a->nr_queues; i++)
			if ((int)a->queues[i] == q && cpu_in_list(list, a->perf.cpus[i]) && k < sizeof(clash))
				k += snprintf(clash + k, sizeof(clash) - k, "%squeue %d (IRQ %ld and its worker on CPU %u)",
					      k ? ", " : "", q, irq, a->perf.cpus[i]);
	}
	if (f)
		fclose(f);
	if (!count) {
		add(d, "IRQ affinity", DR_OK, "no IRQ in /proc/interrupts names %s (a virtual device: its RX runs in the sender's context; or a driver naming its IRQs after the PCI device)",
		    a->ifname);
	} else if (k && !a->perf.busy_poll) {
		c = add(d, "IRQ affinity", DR_WARN, "%s: the queue's softirq and its worker take turns on one CPU (IRQs: %s)",
			clash, seen);
		fix(c, "pin the workers to other CPUs of the same NUMA node with --cpus, or use --busy-poll (which wants them together)");
	} else if (!a->perf.nr_cpus) {
		c = add(d, "IRQ affinity", DR_OK, "%d IRQ%s: %s; the workers would be unpinned", count,
			count == 1 ? "" : "s", seen);
		fix(c, "--cpus LIST pins one worker per queue; pick CPUs near the IRQs' (same NUMA node)");
	} else {
		add(d, "IRQ affinity", DR_OK, "%d IRQ%s: %s; no worker shares a CPU with its queue's IRQ%s", count,
		    count == 1 ? "" : "s", seen, a->perf.busy_poll ? " (busy polling)" : "");
	}
}

static __u64 meminfo(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static void check_hugepages(struct doctor *d)
{
	static char text[16384];
	char nr[32] = "?";

	if (read_text("/proc/meminfo", text, sizeof(text))) {
		add(d, "huge pages", DR_WARN, "cannot read /proc/meminfo");
		return;
	}
	if (!read_text("/proc/sys/vm/nr_hugepages", nr, sizeof(nr)))
		nr[strcspn(nr, "\n")] = '\0';
	add(d, "huge pages", DR_OK, "vm.nr_hugepages %s, HugePages_Free %llu of %llu kB each: xskmap's UMEM uses normal pages and needs none",
	    nr, (unsigned long long)meminfo(text, "HugePages_Free:"),
	    (unsigned long long)meminfo(text, "Hugepagesize:"));
}

static void check_memory(struct doctor *d, const struct doctor_args *a, __u64 eff)
{
	__u64 need = hostmem_umem_bytes(a->frames, a->frame_size, a->ring_size, a->nr_queues);
	__u64 umem = (__u64)a->frames * a->frame_size * a->nr_queues;
	struct hostmem m;
	struct rlimit rl;
	const char *what;
	char err[512];
	struct dr_check *c;

	hostmem_read(&m);
	if (hostmem_check(&m, a->frames, a->frame_size, a->ring_size, a->nr_queues, err, sizeof(err))) {
		c = add(d, "memory", DR_FAIL, "%s", err);
		fix(c, "lower --frames, or open fewer queues with -q");
	} else {
		__u64 room = hostmem_room(&m, &what);

		add(d, "memory", DR_OK, "the UMEMs and rings take %.1f MiB; %s leaves %.0f MiB", need / 1048576.0,
		    what ? what : "MemAvailable", room == HOSTMEM_UNKNOWN ? -1.0 : room / 1048576.0);
	}
	if (has(eff, CAP_IPC_LOCK)) {
		add(d, "locked memory", DR_OK, "CAP_IPC_LOCK: the %.1f MiB of UMEM are not charged to RLIMIT_MEMLOCK",
		    umem / 1048576.0);
		return;
	}
	if (getrlimit(RLIMIT_MEMLOCK, &rl)) {
		add(d, "locked memory", DR_WARN, "cannot read RLIMIT_MEMLOCK: %s", strerror(errno));
		return;
	}
	/* The run raises the limit to infinity, which needs CAP_SYS_RESOURCE or an infinite hard limit. */
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_max == RLIM_INFINITY || has(eff, CAP_SYS_RESOURCE)) {
		add(d, "locked memory", DR_OK, "RLIMIT_MEMLOCK is or can be raised to unlimited: the %.1f MiB of UMEM fit",
		    umem / 1048576.0);
	} else if (rl.rlim_max < umem) {
		/* The run raises the soft limit to the hard one: that is what counts. */
		c = add(d, "locked memory", DR_FAIL, "without CAP_IPC_LOCK the UMEM (%.1f MiB) counts against RLIMIT_MEMLOCK, %.1f MiB: the run refuses to start (missing CAP_IPC_LOCK)",
			umem / 1048576.0, rl.rlim_max / 1048576.0);
		fix(c, "grant CAP_IPC_LOCK, raise the limit (ulimit -l, LimitMEMLOCK= in systemd), or lower --frames");
	} else {
		c = add(d, "locked memory", DR_WARN, "without CAP_IPC_LOCK the UMEM (%.1f MiB) counts against RLIMIT_MEMLOCK (%.1f MiB), shared with every other UMEM of this user",
			umem / 1048576.0, rl.rlim_max / 1048576.0);
		fix(c, "grant CAP_IPC_LOCK");
	}
}

static void check_cpus(struct doctor *d, const struct doctor_args *a)
{
	char err[256];
	struct dr_check *c;

	if (!a->perf.nr_cpus) {
		add(d, "CPUs", DR_OK, "workers unpinned (%ld CPUs online)", sysconf(_SC_NPROCESSORS_ONLN));
		return;
	}
	if (perf_check_cpus(&a->perf, a->nr_queues, err, sizeof(err))) {
		c = add(d, "CPUs", DR_FAIL, "%s", err);
		fix(c, "one online CPU per selected queue, in queue order");
		return;
	}
	add(d, "CPUs", DR_OK, "one worker per queue on the CPUs given");
}

/* ------------------------------------------------------------- output */

static void print_text(const struct doctor *d, const char *ifname, int fails, int warns)
{
	for (int i = 0; i < d->n; i++) {
		const struct dr_check *c = &d->v[i];

		printf("%-4s  %-14s %s%s%s\n", dr_words[c->level], c->name, c->msg,
		       c->fix[0] && c->level != DR_OK ? "; fix: " : c->fix[0] ? "; " : "", c->fix);
	}
	if (fails)
		printf("xskmap doctor: a run on %s would not start: %d FAIL, %d WARN\n", ifname, fails, warns);
	else
		printf("xskmap doctor: a run on %s would start (%d WARN)\n", ifname, warns);
}

static void print_json(const struct doctor *d, const char *ifname, int fails, int warns)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();

	jput_str(o, "interface", ifname);
	for (int i = 0; i < d->n; i++) {
		const struct dr_check *c = &d->v[i];
		json_object *j = json_object_new_object();

		jput_str(j, "check", c->name);
		jput_str(j, "status", dr_words[c->level]);
		jput_str(j, "message", c->msg);
		jput_str(j, "fix", c->fix[0] ? c->fix : NULL);
		json_object_array_add(arr, j);
	}
	jput(o, "checks", arr);
	jput_u64(o, "fail", fails);
	jput_u64(o, "warn", warns);
	jput(o, "would_start", json_object_new_boolean(!fails));
	json_out_print(stdout, o);
}

int cmd_doctor(int argc, char **argv)
{
	static struct doctor d;
	struct doctor_args a = { .frames = 4096, .frame_size = 4096, .ring_size = 2048 };
	struct feat_result kf[FEAT_COUNT] = {};
	char err[512];
	int ret, ifindex, nr_rx = 0, fails = 0, warns = 0;
	__u64 eff;
	bool zc_ok;

	ret = opts_exit_code(opts_parse(&doctor_cmd_opts, argc, argv, &a, err, sizeof(err)), err);
	if (ret >= 0)
		return ret;
	if (a.ring_size > a.frames) {
		fprintf(stderr, "xskmap: error: --ring-size %u is larger than --frames %u: raise --frames or lower --ring-size\n",
			a.ring_size, a.frames);
		return EXIT_USAGE;
	}
	ifindex = if_nametoindex(a.ifname);
	if (!ifindex) {
		fprintf(stderr, "xskmap: error: interface '%s' does not exist: check the name with 'ip link show'\n",
			a.ifname);
		return EXIT_USAGE;
	}
	libbpf_set_print(NULL);
	eff = cap_eff();
	/* Kernel-wide: busy polling and AF_XDP multi-buffer, as 'xskmap features' probes them. */
	features_probe(kf, NULL);

	dr_check_caps(&d, eff);
	check_bpffs(&d);
	check_link(&d, a.ifname);
	check_driver(&d, a.ifname);
	check_programs(&d, a.ifname, ifindex);
	check_xdp_support(&d, a.ifname, ifindex, &zc_ok);
	check_queues(&d, &a, &nr_rx);
	if (nr_rx > 0) {
		check_rss(&d, &a, nr_rx);
		check_sockets(&d, &a, ifindex);
	}
	check_mtu(&d, &a, kf, zc_ok);
	check_busy_poll(&d, &a, kf);
	check_cpus(&d, &a);
	check_irqs(&d, &a);
	check_hugepages(&d);
	if (a.nr_queues)
		check_memory(&d, &a, eff);
	for (int i = 0; i < d.n; i++) {
		fails += d.v[i].level == DR_FAIL;
		warns += d.v[i].level == DR_WARN;
	}
	if (a.json)
		print_json(&d, a.ifname, fails, warns);
	else
		print_text(&d, a.ifname, fails, warns);
	return fails ? EXIT_FAIL : EXIT_OK;
}
